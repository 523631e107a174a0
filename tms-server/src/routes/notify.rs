//! Notifications: each user's choice about email, and the webhooks a SysAdmin registers with
//! their deliveries (docs/API.md, "Notifications" and "Webhooks").

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use tms_core::api::{NewWebhook, NotificationSettings, Webhook, WebhookDelivery};
use utoipa::IntoParams;

use crate::error::AppError;
use crate::extract::{ApiJson, AuthUser, Id, QueryPairs};
use crate::service::webhooks;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/users/me/notifications",
            get(read_settings).put(update_settings),
        )
        .route("/api/v1/admin/webhooks", get(list).post(create))
        .route("/api/v1/admin/webhooks/{id}", delete(remove))
        .route("/api/v1/admin/webhooks/{id}/deliveries", get(deliveries))
}

/// Whether the caller is sent email about their tickets (on unless turned off).
#[utoipa::path(get, path = "/api/v1/users/me/notifications", tag = "Notifications",
    responses((status = 200, description = "The caller's choice", body = NotificationSettings)),
    security(("bearer" = [])))]
pub async fn read_settings(
    State(state): State<AppState>,
    caller: AuthUser,
) -> Result<Json<NotificationSettings>, AppError> {
    Ok(Json(webhooks::settings(&state, caller.actor()).await?))
}

/// Turn the caller's email on or off.
#[utoipa::path(put, path = "/api/v1/users/me/notifications", tag = "Notifications",
    request_body = NotificationSettings,
    responses(
        (status = 200, description = "The caller's choice now", body = NotificationSettings),
        (status = 422, description = "Not `{\"email\": true|false}`", body = tms_core::api::ValidationErrorBody)),
    security(("bearer" = [])))]
pub async fn update_settings(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<NotificationSettings>,
) -> Result<Json<NotificationSettings>, AppError> {
    Ok(Json(
        webhooks::set_settings(&state, caller.actor(), req).await?,
    ))
}

/// Every webhook, by id; secrets are never shown.
#[utoipa::path(get, path = "/api/v1/admin/webhooks", tag = "Notifications",
    responses(
        (status = 200, description = "The webhooks", body = Vec<Webhook>),
        (status = 403, description = "SysAdmin only", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: AuthUser,
) -> Result<Json<Vec<Webhook>>, AppError> {
    Ok(Json(webhooks::list(&state, caller.actor()).await?))
}

/// Register a webhook: an `http(s)` URL, the events to send it, and the secret its
/// deliveries are signed with (`X-Tms-Signature`), which is kept and never shown again.
#[utoipa::path(post, path = "/api/v1/admin/webhooks", tag = "Notifications",
    request_body = NewWebhook,
    responses(
        (status = 201, description = "Registered", body = Webhook),
        (status = 403, description = "SysAdmin only", body = tms_core::api::ErrorBody),
        (status = 409, description = "As many webhooks as a server keeps (20)", body = tms_core::api::ErrorBody),
        (status = 422, description = "Every invalid field named: a URL that is not http(s), holds credentials or names a private address; no or unknown events; a secret of the wrong length", body = tms_core::api::ValidationErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<NewWebhook>,
) -> Result<(StatusCode, Json<Webhook>), AppError> {
    let w = webhooks::create(&state, caller.actor(), req).await?;
    Ok((StatusCode::CREATED, Json(w)))
}

/// Delete a webhook with its deliveries, pending ones included.
#[utoipa::path(delete, path = "/api/v1/admin/webhooks/{id}", tag = "Notifications",
    params(("id" = i64, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "The deleted webhook", body = Webhook),
        (status = 403, description = "SysAdmin only", body = tms_core::api::ErrorBody),
        (status = 404, description = "No such webhook", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn remove(
    State(state): State<AppState>,
    caller: AuthUser,
    Id(id): Id,
) -> Result<Json<Webhook>, AppError> {
    Ok(Json(webhooks::delete(&state, caller.actor(), id).await?))
}

/// Query parameters of a webhook's deliveries (documentation only; parsed by the service).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct DeliveriesQueryDoc {
    /// How many, newest first: 1–500, default 50.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

/// A webhook's latest deliveries, newest first: event, status (`pending`, `sent`, `failed`),
/// attempts, the last HTTP status or error, when it is tried next.
#[utoipa::path(get, path = "/api/v1/admin/webhooks/{id}/deliveries", tag = "Notifications",
    params(("id" = i64, Path, description = "Webhook id"), DeliveriesQueryDoc),
    responses(
        (status = 200, description = "Deliveries, newest first", body = Vec<WebhookDelivery>),
        (status = 403, description = "SysAdmin only", body = tms_core::api::ErrorBody),
        (status = 404, description = "No such webhook", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn deliveries(
    State(state): State<AppState>,
    caller: AuthUser,
    Id(id): Id,
    pairs: QueryPairs,
) -> Result<Json<Vec<WebhookDelivery>>, AppError> {
    Ok(Json(
        webhooks::deliveries(&state, caller.actor(), id, &pairs.0).await?,
    ))
}
