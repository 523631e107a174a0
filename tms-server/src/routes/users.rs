//! Admin user management: list, create, read, partial update, deactivate. Deactivation,
//! role and password changes end the user's sessions; the last active SysAdmin stays.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use tms_core::api::{DirectoryQuery, NewUserRequest, User, UserQuery, UserUpdate};
use tms_core::rules;
use tms_core::timefmt::{self, Timestamp};
use tms_core::validate::{Email, Password, Username};
use tms_core::{ActivityType, Actor, Role};
use utoipa::IntoParams;

use crate::auth::password::Purpose;
use crate::db::{logs, sessions, tickets, users};
use crate::error::AppError;
use crate::extract::{ApiJson, AuthUser, Id, QueryPairs};
use crate::state::AppState;

use crate::service::users::check_unique;

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
    rules::check_view_queue(caller.actor())?;
    let q =
        DirectoryQuery::from_pairs(pairs.iter()).map_err(|e| AppError::invalid_at("query", e))?;
    let found = state
        .db
        .read(move |c| users::list_at_most(c, &q.users(), Some(q.limit())).map_err(AppError::from))
        .await?;
    Ok(Json(found.iter().map(User::summary).collect()))
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
    rules::check_view_queue(caller.actor())?;
    let staff = state
        .db
        .read(|c| {
            let mut all = Vec::new();
            for &role in Role::STAFF {
                let q = UserQuery {
                    q: None,
                    role: Some(role),
                    include_inactive: false,
                };
                all.extend(users::list(c, &q)?.iter().map(User::summary));
            }
            Ok::<_, AppError>(all)
        })
        .await?;
    Ok(Json(staff))
}

fn admin(caller: &AuthUser) -> Result<Actor, AppError> {
    let actor = caller.actor();
    rules::check_admin(actor)?;
    Ok(actor)
}

fn user_not_found(id: i64) -> AppError {
    AppError::NotFound(format!("user {id} doesn't exist"))
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
    admin(&caller)?;
    let q = UserQuery::from_pairs(pairs.iter()).map_err(|e| AppError::invalid_at("query", e))?;
    Ok(Json(
        state
            .db
            .read(move |c| users::list(c, &q).map_err(AppError::from))
            .await?,
    ))
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
    let actor = admin(&caller)?;
    let username = Username::parse(&req.username).map_err(AppError::invalid)?;
    let email = Email::parse(&req.email).map_err(AppError::invalid)?;
    let password = Password::parse("password", &req.password, username.as_str(), email.as_str())
        .map_err(AppError::invalid)?;
    let hash = state
        .hasher
        .hash(Purpose::Account, password.into_inner())
        .await?;
    let now = timefmt::now();
    let user = state
        .db
        .write(move |tx| {
            check_unique(tx, username.as_str(), email.as_str(), None)?;
            let u = users::insert(tx, username.as_str(), email.as_str(), req.role, &hash, now)?;
            let details = format!("created user {} ({}, {})", u.id, u.username, u.role);
            logs::insert(tx, actor.id, ActivityType::Create, &details, None, now)?;
            Ok::<_, AppError>(u)
        })
        .await?;
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
    admin(&caller)?;
    let found = state
        .db
        .read(move |c| users::get(c, id).map_err(AppError::from))
        .await?;
    found.map(Json).ok_or_else(|| user_not_found(id))
}

/// The validated parts of an update.
struct Changes {
    username: Option<Username>,
    email: Option<Email>,
    role: Option<Role>,
    is_active: Option<bool>,
    password_hash: Option<String>,
}

/// Applies `c` to user `id` inside a transaction: uniqueness, the last-admin guard, ending
/// sessions, unassigning a deactivated agent's open tickets, and the log entry. `session` is
/// the caller's: an admin changing their own account keeps the session that did it.
fn apply(
    tx: &rusqlite::Connection,
    actor: Actor,
    session: i64,
    id: i64,
    c: Changes,
    now: Timestamp,
) -> Result<User, AppError> {
    let old = users::get(tx, id)?.ok_or_else(|| user_not_found(id))?;
    let username = c
        .username
        .as_ref()
        .map_or(old.username.as_str(), |u| u.as_str())
        .to_string();
    let email = c
        .email
        .as_ref()
        .map_or(old.email.as_str(), |e| e.as_str())
        .to_string();
    check_unique(tx, &username, &email, Some(id))?;
    let role = c.role.unwrap_or(old.role);
    let active = c.is_active.unwrap_or(old.is_active);
    let admins = u64::try_from(users::count_active_admins(tx)?).unwrap_or(0);
    if rules::removes_last_admin((old.role, old.is_active), (role, active), admins) {
        return Err(AppError::Conflict(
            "The last active SysAdmin cannot be deactivated or demoted".into(),
        ));
    }
    let mut what = Vec::new();
    if username != old.username {
        what.push(format!("username {} → {username}", old.username));
    }
    if email != old.email {
        what.push(format!("email {} → {email}", old.email));
    }
    if role != old.role {
        what.push(format!("role {} → {role}", old.role));
    }
    if active != old.is_active {
        what.push(if active {
            "reactivated".into()
        } else {
            "deactivated".into()
        });
    }
    if c.password_hash.is_some() {
        what.push("password reset".into());
    }
    if what.is_empty() {
        return Ok(old);
    }
    let changes = users::UserChanges {
        username: c.username.map(Username::into_inner),
        email: c.email.map(Email::into_inner),
        role: c.role,
        is_active: c.is_active,
        password_hash: c.password_hash.clone(),
    };
    let user = users::update(tx, id, &changes, now)?.ok_or_else(|| user_not_found(id))?;
    if role != old.role || !active || c.password_hash.is_some() {
        let keep = (id == actor.id && active).then_some(session);
        sessions::delete_for_user(tx, id, keep)?;
    }
    if !active && old.is_active {
        let released = tickets::unassign_open(tx, id, now)?;
        if !released.is_empty() {
            what.push(format!("{} open ticket(s) unassigned", released.len()));
        }
    }
    let kind = if !active && old.is_active {
        ActivityType::Delete
    } else {
        ActivityType::Update
    };
    let details = format!("updated user {id} ({}): {}", old.username, what.join(", "));
    logs::insert(tx, actor.id, kind, &details, None, now)?;
    Ok(user)
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
    let actor = admin(&caller)?;
    let session = caller.session_id;
    let username = req
        .username
        .as_deref()
        .map(Username::parse)
        .transpose()
        .map_err(AppError::invalid)?;
    let email = req
        .email
        .as_deref()
        .map(Email::parse)
        .transpose()
        .map_err(AppError::invalid)?;
    let password_hash = match req.password {
        Some(p) => {
            let target = state
                .db
                .read(move |c| users::get(c, id).map_err(AppError::from))
                .await?;
            let target = target.ok_or_else(|| user_not_found(id))?;
            let name = username
                .as_ref()
                .map_or(target.username.clone(), |u| u.to_string());
            let mail = email
                .as_ref()
                .map_or(target.email.clone(), |e| e.to_string());
            let p = Password::parse("password", &p, &name, &mail).map_err(AppError::invalid)?;
            Some(state.hasher.hash(Purpose::Account, p.into_inner()).await?)
        }
        None => None,
    };
    let changes = Changes {
        username,
        email,
        role: req.role,
        is_active: req.is_active,
        password_hash,
    };
    let now = timefmt::now();
    let user = state
        .db
        .write(move |tx| apply(tx, actor, session, id, changes, now))
        .await?;
    state.sessions.remove_user(id);
    Ok(Json(user))
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
    let actor = admin(&caller)?;
    let session = caller.session_id;
    let changes = Changes {
        username: None,
        email: None,
        role: None,
        is_active: Some(false),
        password_hash: None,
    };
    let now = timefmt::now();
    let user = state
        .db
        .write(move |tx| apply(tx, actor, session, id, changes, now))
        .await?;
    state.sessions.remove_user(id);
    Ok(Json(user))
}
