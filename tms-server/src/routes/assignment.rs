//! Auto-assignment: the mode (SysAdmin) and staff saying they are away (docs/API.md,
//! "Auto-assignment").

use axum::extract::State;
use axum::routing::{get, put};
use axum::{Json, Router};
use tms_core::api::{AssignmentSettings, AssignmentUpdate, AwayUpdate, User};

use crate::error::AppError;
use crate::extract::{ApiJson, AuthUser};
use crate::service::{assignment, users};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/assignment", get(read).put(update))
        .route("/users/me/away", put(away))
}

/// The auto-assignment mode, and the active helpdesk agents it shares new tickets among with
/// their Open and In Progress tickets.
#[utoipa::path(get, path = "/api/v1/admin/assignment", tag = "Admin",
    responses(
        (status = 200, description = "The mode and the agents", body = AssignmentSettings),
        (status = 403, description = "SysAdmin only", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn read(
    State(state): State<AppState>,
    caller: AuthUser,
) -> Result<Json<AssignmentSettings>, AppError> {
    Ok(Json(assignment::get(&state, caller.actor()).await?))
}

/// Set the auto-assignment mode: `off`, `round_robin` or `least_loaded`. Applies to tickets
/// filed from now on.
#[utoipa::path(put, path = "/api/v1/admin/assignment", tag = "Admin", request_body = AssignmentUpdate,
    responses(
        (status = 200, description = "The mode now, and the agents", body = AssignmentSettings),
        (status = 403, description = "SysAdmin only", body = tms_core::api::ErrorBody),
        (status = 422, description = "Not a mode", body = tms_core::api::ValidationErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<AssignmentUpdate>,
) -> Result<Json<AssignmentSettings>, AppError> {
    Ok(Json(assignment::set(&state, caller.actor(), req).await?))
}

/// Say that the caller (a helpdesk agent or admin) is away, or back: auto-assignment skips
/// away agents; they keep the tickets they have. (A SysAdmin sets anyone's through
/// `PUT /api/v1/admin/users/{id}` with `is_away`.)
#[utoipa::path(put, path = "/users/me/away", tag = "Authentication", request_body = AwayUpdate,
    responses(
        (status = 200, description = "The caller's account", body = User),
        (status = 403, description = "Requesters take no tickets", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn away(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<AwayUpdate>,
) -> Result<Json<User>, AppError> {
    let session = caller.session_id;
    Ok(Json(
        users::set_away(&state, caller.actor(), session, req.away).await?,
    ))
}
