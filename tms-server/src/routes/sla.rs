//! The SLA policy (SysAdmin): business hours, holidays and targets (docs/API.md, "SLA policy").

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use tms_core::sla::SlaPolicy;

use crate::error::AppError;
use crate::extract::{ApiJson, AuthUser};
use crate::service::sla;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/admin/sla", get(read).put(update))
}

/// The SLA policy in force (the default until one is set).
#[utoipa::path(get, path = "/api/v1/admin/sla", tag = "Admin",
    responses(
        (status = 200, description = "The policy", body = SlaPolicy),
        (status = 403, description = "SysAdmin only", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn read(
    State(state): State<AppState>,
    caller: AuthUser,
) -> Result<Json<SlaPolicy>, AppError> {
    Ok(Json(sla::get(&state, caller.actor()).await?))
}

/// Replace the SLA policy, given whole: an IANA time zone, business hours per day (`mon` …
/// `sun`, `[["09:00", "17:00"]]`), holidays (`YYYY-MM-DD`) and targets for High, Medium and
/// Low in business minutes.
#[utoipa::path(put, path = "/api/v1/admin/sla", tag = "Admin", request_body = SlaPolicy,
    responses(
        (status = 200, description = "The policy now", body = SlaPolicy),
        (status = 403, description = "SysAdmin only", body = tms_core::api::ErrorBody),
        (status = 422, description = "Every invalid part named: time zone, days, hours, holidays, targets", body = tms_core::api::ValidationErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(policy): ApiJson<SlaPolicy>,
) -> Result<Json<SlaPolicy>, AppError> {
    Ok(Json(sla::set(&state, caller.actor(), policy).await?))
}
