//! Sessions and the caller's own account: login (form or JSON), signup, logout, `users/me`,
//! password change.

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use tms_core::api::{LoginRequest, PasswordChange, SignupRequest, TokenResponse, User};
use utoipa::ToSchema;

use crate::auth::device::DeviceKeys;
use crate::error::AppError;
use crate::extract::{ApiJson, AuthUser, ClientAddr, MaybeAuthUser, bytes_rejection};
use crate::service::auth;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", post(login))
        .route("/token", post(token))
        .route("/signup", post(signup))
        .route("/logout", post(logout))
        .route("/users/me", get(me))
        .route("/users/me/password", put(change_password))
}

/// The OAuth2 password form (`username` holds the email).
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
    // A form field is absent or a string, never null.
    #[schema(value_type = GrantType, required = false)]
    pub grant_type: Option<String>,
    #[schema(nullable = false)]
    pub scope: Option<String>,
    #[schema(nullable = false)]
    pub client_id: Option<String>,
    #[schema(nullable = false)]
    pub client_secret: Option<String>,
}

/// The one OAuth2 grant the login form supports (documentation only).
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum GrantType {
    Password,
}

fn parse_login(headers: &HeaderMap, body: &Bytes) -> Result<LoginRequest, AppError> {
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ctype.starts_with("application/x-www-form-urlencoded") {
        let form: LoginForm = serde_urlencoded::from_bytes(body)
            .map_err(|e| AppError::BadRequest(format!("malformed login form: {e}")))?;
        if form.grant_type.as_deref().is_some_and(|g| g != "password") {
            return Err(AppError::BadRequest(
                "grant_type must be \"password\"".into(),
            ));
        }
        Ok(LoginRequest {
            email: form.username,
            password: form.password,
        })
    } else if ctype.starts_with("application/json") {
        serde_json::from_slice(body).map_err(|e| {
            if e.is_data() {
                AppError::Invalid(vec![tms_core::api::FieldError {
                    loc: vec!["body".into()],
                    msg: e.to_string(),
                    kind: "type_error".into(),
                }])
            } else {
                AppError::BadRequest(format!("malformed JSON body: {e}"))
            }
        })
    } else {
        Err(AppError::BadRequest(
            "send the login as application/json or application/x-www-form-urlencoded".into(),
        ))
    }
}

/// Creates a session for `user` and records the login.
/// Log in with email and password (JSON, or the OAuth2 form with the email in `username`).
/// A successful login sets the `tms_device` cookie; sending it back with later logins keeps
/// this client from being slowed by other clients' failures (see `SECURITY.md`).
#[utoipa::path(post, path = "/login", tag = "Authentication",
    params(("tms_device" = Option<String>, Cookie,
        description = "The device token a previous successful login set")),
    request_body(content(
        (LoginRequest = "application/json"),
        (LoginForm = "application/x-www-form-urlencoded"))),
    responses(
        (status = 200, description = "Logged in", body = TokenResponse,
            headers(("Set-Cookie" = String, description = "`tms_device`: this client's device token for the account"))),
        (status = 401, description = "Wrong email or password", body = tms_core::api::ErrorBody),
        (status = 422, description = "Missing fields, or an email longer than an address can be", body = tms_core::api::ValidationErrorBody),
        (status = 429, description = "Too many failed attempts, or too many logins waiting", body = tms_core::api::ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<([(header::HeaderName, String); 1], Json<TokenResponse>), AppError> {
    let body = body.map_err(bytes_rejection)?;
    let req = parse_login(&headers, &body)?;
    let device = DeviceKeys::from_headers(&headers);
    let done = auth::login(&state, &req.email, req.password, device, addr).await?;
    let cookie = DeviceKeys::cookie(&done.device_token);
    Ok(([(header::SET_COOKIE, cookie)], Json(done.session)))
}

/// The OAuth2 token endpoint: the same as `/login`.
#[utoipa::path(post, path = "/token", tag = "Authentication",
    params(("tms_device" = Option<String>, Cookie,
        description = "The device token a previous successful login set")),
    request_body(content(
        (LoginRequest = "application/json"),
        (LoginForm = "application/x-www-form-urlencoded"))),
    responses(
        (status = 200, description = "Logged in", body = TokenResponse,
            headers(("Set-Cookie" = String, description = "`tms_device`: this client's device token for the account"))),
        (status = 401, description = "Wrong email or password", body = tms_core::api::ErrorBody),
        (status = 422, description = "Missing fields, or an email longer than an address can be", body = tms_core::api::ValidationErrorBody),
        (status = 429, description = "Too many failed attempts, or too many logins waiting", body = tms_core::api::ErrorBody)))]
pub async fn token(
    state: State<AppState>,
    addr: ClientAddr,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<([(header::HeaderName, String); 1], Json<TokenResponse>), AppError> {
    login(state, addr, headers, body).await
}

/// Create an account and log in as it. Without a SysAdmin token the role must be absent or
/// Requester; a SysAdmin may create any role.
#[utoipa::path(post, path = "/signup", tag = "Authentication", request_body = SignupRequest,
    responses(
        (status = 201, description = "Account created and logged in", body = TokenResponse),
        (status = 401, description = "An invalid token was sent", body = tms_core::api::ErrorBody),
        (status = 403, description = "Role not allowed, or signup closed", body = tms_core::api::ErrorBody),
        (status = 409, description = "Email or username in use", body = tms_core::api::ErrorBody),
        (status = 429, description = "Too many signups from this address, or too many waiting", body = tms_core::api::ErrorBody)),
    security((), ("bearer" = [])))]
pub async fn signup(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    MaybeAuthUser(caller): MaybeAuthUser,
    ApiJson(req): ApiJson<SignupRequest>,
) -> Result<(StatusCode, Json<TokenResponse>), AppError> {
    let caller = caller.as_ref().map(|c| &c.user);
    let body = auth::signup(&state, caller, addr, req).await?;
    Ok((StatusCode::CREATED, Json(body)))
}

/// End this session.
#[utoipa::path(post, path = "/logout", tag = "Authentication",
    responses(
        (status = 204, description = "Logged out")),
    security(("bearer" = [])))]
pub async fn logout(
    State(state): State<AppState>,
    caller: AuthUser,
) -> Result<StatusCode, AppError> {
    auth::logout(&state, caller.user.id, caller.session_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's account.
#[utoipa::path(get, path = "/users/me", tag = "Authentication",
    responses(
        (status = 200, description = "The caller", body = User)),
    security(("bearer" = [])))]
pub async fn me(caller: AuthUser) -> Json<User> {
    Json(caller.user)
}

/// Change the caller's password; ends the caller's other sessions.
#[utoipa::path(put, path = "/users/me/password", tag = "Authentication", request_body = PasswordChange,
    responses(
        (status = 204, description = "Password changed"),
        (status = 403, description = "Current password is wrong", body = tms_core::api::ErrorBody),
        (status = 422, description = "Invalid new password", body = tms_core::api::ValidationErrorBody),
        (status = 429, description = "Too many wrong current passwords, or too many waiting", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn change_password(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<PasswordChange>,
) -> Result<StatusCode, AppError> {
    let PasswordChange {
        current_password,
        new_password,
    } = req;
    auth::change_password(
        &state,
        &caller.user,
        caller.session_id,
        current_password,
        &new_password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
