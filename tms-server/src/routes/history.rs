//! A ticket's history: every change, oldest first, for whoever may see the ticket.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use tms_core::api::HistoryEntry;

use crate::error::AppError;
use crate::extract::{AuthUser, Id};
use crate::service::tickets;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/tickets/{id}/history", get(list))
}

/// Every change of a ticket, oldest first: its filing, each field changed (who, from what, to
/// what) and each comment.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/history", tag = "Ticket",
    params(("id" = i64, Path, description = "Ticket id")),
    responses(
        (status = 200, description = "The changes, oldest first", body = Vec<HistoryEntry>),
        (status = 404, description = "No such ticket, or not yours to see", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: AuthUser,
    Id(id): Id,
) -> Result<Json<Vec<HistoryEntry>>, AppError> {
    Ok(Json(tickets::history(&state, caller.actor(), id).await?))
}
