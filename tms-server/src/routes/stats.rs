//! The dashboard's statistics (docs/API.md, "Statistics").

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use tms_core::api::Stats;

use crate::error::AppError;
use crate::extract::AuthUser;
use crate::service::stats;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/stats", get(read))
}

/// The helpdesk at a glance: tickets by status, priority and assignee, filed and resolved per
/// day over the last 30 days (UTC), the oldest open tickets, and the SLA states when the
/// policy is on.
#[utoipa::path(get, path = "/api/v1/stats", tag = "Ticket",
    responses(
        (status = 200, description = "The statistics", body = Stats),
        (status = 403, description = "Staff only", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn read(
    State(state): State<AppState>,
    caller: AuthUser,
) -> Result<Json<Stats>, AppError> {
    Ok(Json(stats::get(&state, caller.actor()).await?))
}
