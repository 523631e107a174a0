//! Saved views: named ticket-list queries, each with its live count.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use tms_core::api::{NewView, View, ViewUpdate};

use crate::error::AppError;
use crate::extract::{ApiJson, AuthUser, Id};
use crate::service::views;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/views", get(list).post(create))
        .route("/api/v1/views/{id}", put(update).delete(delete))
}

/// The caller's saved views and, for staff, those shared with every staff member; each with
/// the number of tickets it shows the caller now.
#[utoipa::path(get, path = "/api/v1/views/", tag = "Views",
    responses((status = 200, description = "The views, by name", body = Vec<View>)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: AuthUser,
) -> Result<Json<Vec<View>>, AppError> {
    Ok(Json(views::list(&state, caller.actor()).await?))
}

/// Save a view: a name and a ticket-list query string, checked as the list checks its own.
#[utoipa::path(post, path = "/api/v1/views/", tag = "Views", request_body = NewView,
    responses(
        (status = 201, description = "Saved", body = View),
        (status = 403, description = "Only a SysAdmin shares a view", body = tms_core::api::ErrorBody),
        (status = 409, description = "The caller has a view of this name", body = tms_core::api::ErrorBody),
        (status = 422, description = "An invalid name, or a query with a bad parameter (named)", body = tms_core::api::ValidationErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<NewView>,
) -> Result<(StatusCode, Json<View>), AppError> {
    let view = views::create(&state, caller.actor(), req).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Change a view (its owner; a shared one also a SysAdmin); omitted fields stay.
#[utoipa::path(put, path = "/api/v1/views/{id}", tag = "Views", request_body = ViewUpdate,
    params(("id" = i64, Path, description = "View id")),
    responses(
        (status = 200, description = "The changed view", body = View),
        (status = 403, description = "A shared view of someone else, or sharing without being a SysAdmin", body = tms_core::api::ErrorBody),
        (status = 404, description = "No such view, or not yours to see", body = tms_core::api::ErrorBody),
        (status = 409, description = "The owner has a view of this name", body = tms_core::api::ErrorBody),
        (status = 422, description = "An invalid name or query", body = tms_core::api::ValidationErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    caller: AuthUser,
    Id(id): Id,
    ApiJson(req): ApiJson<ViewUpdate>,
) -> Result<Json<View>, AppError> {
    Ok(Json(views::update(&state, caller.actor(), id, req).await?))
}

/// Delete a view (its owner; a shared one also a SysAdmin).
#[utoipa::path(delete, path = "/api/v1/views/{id}", tag = "Views",
    params(("id" = i64, Path, description = "View id")),
    responses(
        (status = 200, description = "The deleted view", body = View),
        (status = 403, description = "A shared view of someone else", body = tms_core::api::ErrorBody),
        (status = 404, description = "No such view, or not yours to see", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    caller: AuthUser,
    Id(id): Id,
) -> Result<Json<View>, AppError> {
    Ok(Json(views::delete(&state, caller.actor(), id).await?))
}
