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
use tms_core::timefmt::{self, Timestamp};
use tms_core::validate::{Email, Password, Username};
use tms_core::{ActivityType, Role, rules};
use utoipa::ToSchema;

use crate::auth::device::DeviceKeys;
use crate::auth::limiter::Key;
use crate::auth::password::Purpose;
use crate::auth::token;
use crate::db::{logs, sessions, users};
use crate::error::AppError;
use crate::extract::{ApiJson, AuthUser, ClientAddr, MaybeAuthUser, bytes_rejection};
use crate::service::users::check_unique;
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

const BAD_LOGIN: &str = "Incorrect email or password";

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
async fn open_session(
    state: &AppState,
    user: User,
    what: &'static str,
) -> Result<TokenResponse, AppError> {
    let (token, hash) = token::generate();
    let now = timefmt::now();
    let expires_at: Timestamp = now + state.config.session_absolute;
    let user_id = user.id;
    state
        .db
        .write(move |tx| {
            sessions::insert(tx, user_id, &hash, now, expires_at)?;
            logs::insert(tx, user_id, ActivityType::Auth, what, None, now)?;
            Ok::<_, AppError>(())
        })
        .await?;
    Ok(TokenResponse {
        access_token: token,
        token_type: "bearer".into(),
        expires_at,
        user,
    })
}

/// The longest email address there can be (RFC 5321's path limit less the angle brackets).
/// Longer ones are refused before they reach the limiter, whose keys they would become.
const MAX_EMAIL_LEN: usize = 254;

/// The keys a login attempt counts under. A client presenting a genuine device token for this
/// account is slowed per device only: failures from elsewhere (an attacker guessing, others
/// behind the same address) cannot lock it out. Any other client is slowed per account and
/// per address.
fn login_limits(
    state: &AppState,
    email: &str,
    device: Option<&str>,
    addr: Option<std::net::IpAddr>,
) -> Vec<(Key, u32)> {
    let per_account = state.config.login_max_per_account;
    if let Some(nonce) = device {
        return vec![(Key::Device(nonce.to_string()), per_account)];
    }
    let mut limits = vec![(Key::Account(email.to_string()), per_account)];
    if let Some(a) = addr {
        limits.push((
            Key::Address(Key::network(a)),
            state.config.login_max_per_address,
        ));
    }
    limits
}

/// The account of `email` (if any) and whether `password` is its password.
async fn judge(
    state: &AppState,
    email: &str,
    password: String,
) -> Result<(Option<User>, bool), AppError> {
    let lookup = email.to_string();
    let found = state
        .db
        .read(move |c| users::get_by_email_with_hash(c, &lookup).map_err(AppError::from))
        .await?;
    let (user, phc) = match found {
        Some((u, h)) => (Some(u), Some(h)),
        None => (None, None),
    };
    let matches = state.hasher.verify(Purpose::Login, password, phc).await?;
    Ok((user, matches))
}

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
    let email = req.email.trim().to_lowercase();
    if email.len() > MAX_EMAIL_LEN {
        return Err(AppError::invalid(tms_core::ValidationError::new(
            "email",
            "value_error.too_long",
            format!("must be at most {MAX_EMAIL_LEN} characters"),
        )));
    }
    let device = DeviceKeys::from_headers(&headers).and_then(|t| state.devices.verify(t, &email));
    let attempt = state
        .limiter
        .begin(&login_limits(&state, &email, device.as_deref(), addr))
        .map_err(AppError::TooManyAttempts)?;
    let (user, matches) = match judge(&state, &email, req.password).await {
        Ok(judged) => judged,
        Err(e) => {
            // Nothing was judged (a full hashing queue, a storage failure): the attempt must
            // not count against the account or device.
            state.limiter.succeed(&attempt, &[]);
            return Err(e);
        }
    };
    match user {
        Some(user) if matches && user.is_active => {
            // A success clears the failures it was counted with. Not the account's after a
            // login with a device token: that would hand whoever is guessing new tries.
            let forget = match device {
                Some(nonce) => Key::Device(nonce),
                None => Key::Account(email.clone()),
            };
            state.limiter.succeed(&attempt, &[forget]);
            let cookie = DeviceKeys::cookie(&state.devices.issue(&email));
            let body = open_session(&state, user, "logged in").await?;
            Ok(([(header::SET_COOKIE, cookie)], Json(body)))
        }
        other => {
            // Already counted as a failure by `begin`.
            if let Some(user) = other {
                let now = timefmt::now();
                state
                    .db
                    .write(move |tx| {
                        logs::insert(tx, user.id, ActivityType::Auth, "failed login", None, now)
                            .map_err(AppError::from)
                    })
                    .await?;
            }
            Err(AppError::Unauthorized(BAD_LOGIN.into()))
        }
    }
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
    let username = Username::parse(&req.username).map_err(AppError::invalid)?;
    let email = Email::parse(&req.email).map_err(AppError::invalid)?;
    let password = Password::parse("password", &req.password, username.as_str(), email.as_str())
        .map_err(AppError::invalid)?;
    let role = req.role.unwrap_or(Role::Requester);
    let caller_role = caller.as_ref().map(|c| c.user.role);
    let by_admin = caller_role == Some(Role::Admin);
    let bootstrap = state.config.bootstrap_admin_signup
        && state
            .db
            .read(|c| users::count(c).map_err(AppError::from))
            .await?
            == 0;
    rules::check_signup(caller_role, role, state.config.allow_signup, bootstrap)?;
    if !by_admin && !bootstrap {
        // Every public signup counts, accepted or not: a 409 tells whether an email has an
        // account, so this also slows enumeration.
        if let Some(a) = addr {
            let limit = state.config.signup_max_per_address;
            state
                .limiter
                .begin(&[(Key::Signup(Key::network(a)), limit)])
                .map_err(AppError::TooManyAttempts)?;
        }
    }
    // Before the hash: a taken email or name costs no hashing.
    let (u, e) = (username.clone(), email.clone());
    state
        .db
        .read(move |c| check_unique(c, u.as_str(), e.as_str(), None))
        .await?;
    let purpose = if by_admin {
        Purpose::Account
    } else {
        Purpose::Signup
    };
    let hash = state.hasher.hash(purpose, password.into_inner()).await?;
    let now = timefmt::now();
    let actor_id = caller.as_ref().map(|c| c.user.id);
    let user = state
        .db
        .write(move |tx| {
            if bootstrap && users::count(tx)? > 0 && !by_admin && role != Role::Requester {
                return Err(AppError::Forbidden("Setup is already complete".into()));
            }
            check_unique(tx, username.as_str(), email.as_str(), None)?;
            let user = users::insert(tx, username.as_str(), email.as_str(), role, &hash, now)?;
            let who = actor_id.unwrap_or(user.id);
            let details = match actor_id {
                Some(_) => format!("created user {} ({}, {})", user.id, user.username, role),
                None => format!("signed up as {} ({})", user.username, role),
            };
            logs::insert(tx, who, ActivityType::Create, &details, None, now)?;
            Ok::<_, AppError>(user)
        })
        .await?;
    let body = open_session(&state, user, "logged in").await?;
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
    let now = timefmt::now();
    state
        .db
        .write(move |tx| {
            sessions::delete(tx, caller.session_id)?;
            logs::insert(
                tx,
                caller.user.id,
                ActivityType::Auth,
                "logged out",
                None,
                now,
            )?;
            Ok::<_, AppError>(())
        })
        .await?;
    state.sessions.remove_session(caller.session_id);
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
    let new = Password::parse(
        "new_password",
        &req.new_password,
        &caller.user.username,
        &caller.user.email,
    )
    .map_err(AppError::invalid)?;
    let id = caller.user.id;
    // Slowed like a login: a stolen session must not become a fast password oracle.
    let attempt = state
        .limiter
        .begin(&[(Key::Password(id), state.config.login_max_per_account)])
        .map_err(AppError::TooManyAttempts)?;
    let judged = async {
        let phc = state
            .db
            .read(move |c| users::password_hash(c, id).map_err(AppError::from))
            .await?;
        state
            .hasher
            .verify(Purpose::Account, req.current_password, phc)
            .await
            .map_err(AppError::from)
    };
    let right = match judged.await {
        Ok(right) => right,
        Err(e) => {
            // Nothing was judged: the attempt must not count.
            state.limiter.succeed(&attempt, &[]);
            return Err(e);
        }
    };
    if !right {
        let now = timefmt::now();
        state
            .db
            .write(move |tx| {
                let what = "failed password change: wrong current password";
                logs::insert(tx, id, ActivityType::Auth, what, None, now).map_err(AppError::from)
            })
            .await?;
        return Err(AppError::Forbidden(
            "The current password is incorrect".into(),
        ));
    }
    state.limiter.succeed(&attempt, &[Key::Password(id)]);
    let hash = state
        .hasher
        .hash(Purpose::Account, new.into_inner())
        .await?;
    let now = timefmt::now();
    let session = caller.session_id;
    state
        .db
        .write(move |tx| {
            let changes = users::UserChanges {
                password_hash: Some(hash),
                ..Default::default()
            };
            users::update(tx, id, &changes, now)?;
            sessions::delete_for_user(tx, id, Some(session))?;
            logs::insert(tx, id, ActivityType::Auth, "changed password", None, now)?;
            Ok::<_, AppError>(())
        })
        .await?;
    state.sessions.remove_user(id);
    Ok(StatusCode::NO_CONTENT)
}
