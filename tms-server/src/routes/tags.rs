//! The tags in use, for completion and for a glance at how the queue is sliced.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use tms_core::api::TagCount;

use crate::error::AppError;
use crate::extract::AuthUser;
use crate::service::tickets;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/tags", get(list))
}

/// Every tag on the tickets the caller can see, with how many carry it, most used first.
/// Requesters see no tags: for them the list is empty.
#[utoipa::path(get, path = "/api/v1/tags/", tag = "Ticket",
    responses((status = 200, description = "The tags, most used first (then by name)", body = Vec<TagCount>)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: AuthUser,
) -> Result<Json<Vec<TagCount>>, AppError> {
    Ok(Json(tickets::tags(&state, caller.actor()).await?))
}
