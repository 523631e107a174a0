//! Admin user management: list, create, read, partial update, deactivate. Deactivation,
//! role and password changes end the user's sessions; the last active SysAdmin stays.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use tms_core::Role;
use tms_core::api::{NewUserRequest, User, UserUpdate};
use utoipa::IntoParams;

use crate::error::AppError;
use crate::extract::{ApiJson, AuthUser, Id, QueryPairs};
use crate::service::users;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/users", get(list).post(create))
        .route(
            "/api/v1/admin/users/{id}",
            get(read).put(update).delete(deactivate),
        )
        .route("/api/v1/agents", get(agents))
        .route("/api/v1/users", get(directory))
}

/// Query parameters of the staff directory (documentation only; parsed by `UserQuery`).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct DirectoryQueryDoc {
    /// Part of a username or email; one line.
    #[param(max_length = 200)]
    q: Option<String>,
    role: Option<Role>,
    /// At most this many (1–50, default 20).
    #[param(minimum = 1, maximum = 50)]
    limit: Option<u64>,
}

/// Active users as summaries, for staff looking someone up — e.g. the requester of a ticket
/// they file on someone's behalf (staff only; SysAdmins manage accounts under
/// `/api/v1/admin/users/`).
#[utoipa::path(get, path = "/api/v1/users/", tag = "Ticket", params(DirectoryQueryDoc),
    responses(
        (status = 200, description = "Matching active users, by id", body = Vec<tms_core::api::UserSummary>),
        (status = 403, description = "Staff only", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn directory(
    State(state): State<AppState>,
    caller: AuthUser,
    pairs: QueryPairs,
) -> Result<Json<Vec<tms_core::api::UserSummary>>, AppError> {
    Ok(Json(
        users::directory(&state, caller.actor(), &pairs.0).await?,
    ))
}

/// The people tickets can be assigned to: active Helpdesk Agents and SysAdmins (staff only).
#[utoipa::path(get, path = "/api/v1/agents/", tag = "Ticket",
    responses(
        (status = 200, description = "Assignable users", body = Vec<tms_core::api::UserSummary>),
        (status = 403, description = "Staff only", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn agents(
    State(state): State<AppState>,
    caller: AuthUser,
) -> Result<Json<Vec<tms_core::api::UserSummary>>, AppError> {
    Ok(Json(users::agents(&state, caller.actor()).await?))
}

/// Query parameters of the user list (documentation only; parsed by `UserQuery`).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct UserQueryDoc {
    /// Part of a username or email; one line.
    #[param(max_length = 200)]
    q: Option<String>,
    role: Option<Role>,
    #[param(schema_with = tms_core::api::bool_query_schema)]
    include_inactive: Option<bool>,
}

/// All users, filtered.
#[utoipa::path(get, path = "/api/v1/admin/users/", tag = "Admin", params(UserQueryDoc),
    responses(
        (status = 200, description = "Users", body = Vec<User>),
        (status = 403, description = "SysAdmin only", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: AuthUser,
    pairs: QueryPairs,
) -> Result<Json<Vec<User>>, AppError> {
    Ok(Json(users::list(&state, caller.actor(), &pairs.0).await?))
}

/// Create a user of any role.
#[utoipa::path(post, path = "/api/v1/admin/users/", tag = "Admin", request_body = NewUserRequest,
    responses(
        (status = 201, description = "Created", body = User),
        (status = 403, description = "SysAdmin only", body = tms_core::api::ErrorBody),
        (status = 409, description = "Email or username in use", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<NewUserRequest>,
) -> Result<(StatusCode, Json<User>), AppError> {
    let user = users::create(&state, caller.actor(), req).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// One user.
#[utoipa::path(get, path = "/api/v1/admin/users/{id}", tag = "Admin",
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = User),
        (status = 403, description = "SysAdmin only", body = tms_core::api::ErrorBody),
        (status = 404, description = "No such user", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn read(
    State(state): State<AppState>,
    caller: AuthUser,
    Id(id): Id,
) -> Result<Json<User>, AppError> {
    Ok(Json(users::read(&state, caller.actor(), id).await?))
}

/// Change some fields of a user; omitted fields stay.
#[utoipa::path(put, path = "/api/v1/admin/users/{id}", tag = "Admin", request_body = UserUpdate,
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, description = "The updated user", body = User),
        (status = 403, description = "SysAdmin only", body = tms_core::api::ErrorBody),
        (status = 404, description = "No such user", body = tms_core::api::ErrorBody),
        (status = 409, description = "Email or username in use, or last SysAdmin", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    caller: AuthUser,
    Id(id): Id,
    ApiJson(req): ApiJson<UserUpdate>,
) -> Result<Json<User>, AppError> {
    let session = caller.session_id;
    Ok(Json(
        users::update(&state, caller.actor(), session, id, req).await?,
    ))
}

/// Deactivate a user: no more logins, sessions ended, open tickets unassigned; their
/// tickets, comments and log entries stay.
#[utoipa::path(delete, path = "/api/v1/admin/users/{id}", tag = "Admin",
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, description = "The deactivated user", body = User),
        (status = 403, description = "SysAdmin only", body = tms_core::api::ErrorBody),
        (status = 404, description = "No such user", body = tms_core::api::ErrorBody),
        (status = 409, description = "The last active SysAdmin", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn deactivate(
    State(state): State<AppState>,
    caller: AuthUser,
    Id(id): Id,
) -> Result<Json<User>, AppError> {
    let session = caller.session_id;
    Ok(Json(
        users::deactivate(&state, caller.actor(), session, id).await?,
    ))
}
