//! The activity log (SysAdmin): read newest first with filters and paging; clear.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tms_core::ActivityType;
use tms_core::api::LogEntry;
use utoipa::{IntoParams, ToSchema};

use crate::error::AppError;
use crate::extract::{AuthUser, Id, QueryPairs};
use crate::service::logs;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/logs", get(list).delete(clear))
        .route(
            "/api/v1/logs/{user_id}",
            get(list_for_user).delete(clear_for_user),
        )
}

/// Query parameters of the log (documentation only; parsed by `LogQuery`).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct LogQueryDoc {
    #[param(minimum = 1)]
    user_id: Option<i64>,
    activity_type: Option<ActivityType>,
    #[param(minimum = 1)]
    ticket_id: Option<i64>,
    /// 1–1000, default 100.
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u64>,
    /// Only entries older than this id (paging back).
    #[param(minimum = 1)]
    before_id: Option<i64>,
}

/// The reply to clearing the log.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Cleared {
    pub deleted: u64,
}

async fn read_log(
    state: &AppState,
    caller: &AuthUser,
    pairs: &QueryPairs,
    user: Option<i64>,
) -> Result<Vec<LogEntry>, AppError> {
    Ok(logs::list(state, caller.actor(), &pairs.0, user).await?)
}

async fn clear_log(
    state: &AppState,
    caller: &AuthUser,
    user: Option<i64>,
) -> Result<Cleared, AppError> {
    let deleted = logs::clear(state, caller.actor(), user).await?;
    Ok(Cleared { deleted })
}

/// The activity log, newest first.
#[utoipa::path(get, path = "/api/v1/logs/", tag = "Activity Logs", params(LogQueryDoc),
    responses(
        (status = 200, description = "Entries", body = Vec<LogEntry>),
        (status = 403, description = "SysAdmin only", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: AuthUser,
    pairs: QueryPairs,
) -> Result<Json<Vec<LogEntry>>, AppError> {
    Ok(Json(read_log(&state, &caller, &pairs, None).await?))
}

/// One user's entries, newest first.
#[utoipa::path(get, path = "/api/v1/logs/{user_id}", tag = "Activity Logs",
    params(("user_id" = i64, Path, description = "User id"), LogQueryDoc),
    responses(
        (status = 200, description = "Entries", body = Vec<LogEntry>),
        (status = 403, description = "SysAdmin only", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_for_user(
    State(state): State<AppState>,
    caller: AuthUser,
    Id(user_id): Id,
    pairs: QueryPairs,
) -> Result<Json<Vec<LogEntry>>, AppError> {
    Ok(Json(
        read_log(&state, &caller, &pairs, Some(user_id)).await?,
    ))
}

/// Clear the whole log; one entry then records the clearing.
#[utoipa::path(delete, path = "/api/v1/logs/", tag = "Activity Logs",
    responses(
        (status = 200, description = "Cleared", body = Cleared),
        (status = 403, description = "SysAdmin only", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn clear(
    State(state): State<AppState>,
    caller: AuthUser,
) -> Result<Json<Cleared>, AppError> {
    Ok(Json(clear_log(&state, &caller, None).await?))
}

/// Clear one user's entries; one entry then records the clearing.
#[utoipa::path(delete, path = "/api/v1/logs/{user_id}", tag = "Activity Logs",
    params(("user_id" = i64, Path, description = "User id")),
    responses(
        (status = 200, description = "Cleared", body = Cleared),
        (status = 403, description = "SysAdmin only", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn clear_for_user(
    State(state): State<AppState>,
    caller: AuthUser,
    Id(user_id): Id,
) -> Result<Json<Cleared>, AppError> {
    Ok(Json(clear_log(&state, &caller, Some(user_id)).await?))
}
