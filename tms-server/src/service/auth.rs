//! Sessions and the caller's own account: login, signup, logout, password change — with the
//! attempt limiter and the password hasher's bounded queues in front of the database.

use std::net::IpAddr;

use tms_core::api::{SignupRequest, TokenResponse, User};
use tms_core::timefmt::{self, Timestamp};
use tms_core::validate::{Email, Password, Username};
use tms_core::{ActivityType, Role, ValidationError, rules};

use super::ServiceError;
use crate::auth::limiter::Key;
use crate::auth::password::Purpose;
use crate::auth::token;
use crate::state::AppState;

const BAD_LOGIN: &str = "Incorrect email or password";
const MAX_EMAIL_LEN: usize = 254;

/// A signed-in client: its session, and the device token to keep for this account.
pub struct LoggedIn {
    pub session: TokenResponse,
    pub device_token: String,
}

/// Opens a session for `user` and logs `what`.
async fn open_session(
    app: &AppState,
    user: User,
    what: &'static str,
) -> Result<TokenResponse, ServiceError> {
    let (token, hash) = token::generate();
    let now = timefmt::now();
    let expires_at: Timestamp = now + app.config.session_absolute;
    let user_id = user.id;
    app.store
        .write(move |tx| {
            tx.insert_session(user_id, &hash, now, expires_at)?;
            tx.insert_log(user_id, ActivityType::Auth, what, None, now)?;
            Ok::<_, ServiceError>(())
        })
        .await?;
    Ok(TokenResponse {
        access_token: token,
        token_type: "bearer".into(),
        expires_at,
        user,
    })
}

/// Which counters a login attempt is slowed by: a genuine device token's own, else the
/// account's and the client network's.
fn login_limits(
    app: &AppState,
    email: &str,
    device: Option<&str>,
    addr: Option<IpAddr>,
) -> Vec<(Key, u32)> {
    let per_account = app.config.login_max_per_account;
    if let Some(nonce) = device {
        return vec![(Key::Device(nonce.to_string()), per_account)];
    }
    let mut limits = vec![(Key::Account(email.to_string()), per_account)];
    if let Some(a) = addr {
        limits.push((
            Key::Address(Key::network(a)),
            app.config.login_max_per_address,
        ));
    }
    limits
}

/// The account of `email` (if any), whether `password` is its password, and its stored
/// hash. An unknown email costs the same hashing as a known one.
async fn judge(
    app: &AppState,
    email: &str,
    password: &str,
) -> Result<(Option<User>, bool, Option<String>), ServiceError> {
    let lookup = email.to_string();
    let found = app
        .store
        .read(move |r| r.user_by_email(&lookup).map_err(ServiceError::from))
        .await?;
    let (user, phc) = match found {
        Some((u, h)) => (Some(u), Some(h)),
        None => (None, None),
    };
    let matches = app
        .hasher
        .verify(Purpose::Login, password.to_string(), phc.clone())
        .await?;
    Ok((user, matches, phc))
}

/// Replaces the bcrypt hash `old` of user `id` (kept from the seed application by
/// `tms-server import-seed`) with an argon2id hash of `password`, the only kind tms makes
/// (docs/ARCHITECTURE.md, "Moving in from the seed application"). Only while the stored hash
/// is still `old`: a password changed meanwhile stays. A failure leaves the bcrypt hash, to be
/// replaced at the next login; the login goes ahead either way.
async fn replace_bcrypt_hash(app: &AppState, id: i64, old: String, password: String) {
    let hash = match app.hasher.hash(Purpose::Login, password).await {
        Ok(h) => h,
        Err(e) => {
            tracing::warn!(user = id, error = %e, "a bcrypt hash was kept: hashing failed");
            return;
        }
    };
    let now = timefmt::now();
    let replaced = app
        .store
        .write(move |tx| {
            if tx.password_hash(id)?.as_deref() != Some(old.as_str()) {
                return Ok::<_, ServiceError>(());
            }
            let changes = crate::store::UserChanges {
                password_hash: Some(hash),
                ..Default::default()
            };
            tx.update_user(id, &changes, now)?;
            let what = "password hash replaced: bcrypt to argon2id";
            tx.insert_log(id, ActivityType::Auth, what, None, now)?;
            Ok(())
        })
        .await;
    if let Err(e) = replaced {
        tracing::warn!(user = id, error = %e, "a bcrypt hash was kept: the write failed");
    }
}

/// Signs in with an email and a password; `device_token` is the one this client was given
/// at an earlier login, `addr` the client's address.
pub async fn login(
    app: &AppState,
    email: &str,
    password: String,
    device_token: Option<&str>,
    addr: Option<IpAddr>,
) -> Result<LoggedIn, ServiceError> {
    let email = email.trim().to_lowercase();
    if email.len() > MAX_EMAIL_LEN {
        return Err(ServiceError::invalid(ValidationError::new(
            "email",
            "value_error.too_long",
            format!("must be at most {MAX_EMAIL_LEN} characters"),
        )));
    }
    let device = device_token.and_then(|t| app.devices.verify(t, &email));
    let attempt = app
        .limiter
        .begin(&login_limits(app, &email, device.as_deref(), addr))
        .await?;
    let (user, matches, phc) = match judge(app, &email, &password).await {
        Ok(judged) => judged,
        Err(e) => {
            // Nothing was judged (a full hashing queue, a storage failure): the attempt must
            // not count against the account or device.
            app.limiter.succeed(&attempt, &[]).await;
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
            app.limiter.succeed(&attempt, &[forget]).await;
            if let Some(old) = phc.filter(|h| crate::auth::password::is_bcrypt(h)) {
                replace_bcrypt_hash(app, user.id, old, password).await;
            }
            let device_token = app.devices.issue(&email);
            let session = open_session(app, user, "logged in").await?;
            Ok(LoggedIn {
                session,
                device_token,
            })
        }
        other => {
            // Already counted as a failure by `begin`.
            if let Some(user) = other {
                let now = timefmt::now();
                app.store
                    .write(move |tx| {
                        tx.insert_log(user.id, ActivityType::Auth, "failed login", None, now)
                            .map_err(ServiceError::from)
                    })
                    .await?;
            }
            Err(ServiceError::Unauthorized(BAD_LOGIN.into()))
        }
    }
}

/// Creates an account and signs it in: a public signup (if allowed), the first account of
/// an empty helpdesk (which may be its SysAdmin), or an account a SysAdmin makes.
pub async fn signup(
    app: &AppState,
    caller: Option<&User>,
    addr: Option<IpAddr>,
    req: SignupRequest,
) -> Result<TokenResponse, ServiceError> {
    let username = Username::parse(&req.username).map_err(ServiceError::invalid)?;
    let email = Email::parse(&req.email).map_err(ServiceError::invalid)?;
    let password = Password::parse("password", &req.password, username.as_str(), email.as_str())
        .map_err(ServiceError::invalid)?;
    let role = req.role.unwrap_or(Role::Requester);
    let caller_role = caller.map(|c| c.role);
    let by_admin = caller_role == Some(Role::Admin);
    let bootstrap = app.config.bootstrap_admin_signup && super::users::count(app).await? == 0;
    rules::check_signup(caller_role, role, app.config.allow_signup, bootstrap)?;
    if !by_admin && !bootstrap {
        // Every public signup counts, accepted or not: a 409 tells whether an email has an
        // account, so this also slows enumeration.
        if let Some(a) = addr {
            let limit = app.config.signup_max_per_address;
            app.limiter
                .begin(&[(Key::Signup(Key::network(a)), limit)])
                .await?;
        }
    }
    // Before the hash: a taken email or name costs no hashing.
    let (u, e) = (username.clone(), email.clone());
    app.store
        .read(move |r| super::users::check_unique(r, u.as_str(), e.as_str(), None))
        .await?;
    let purpose = if by_admin {
        Purpose::Account
    } else {
        Purpose::Signup
    };
    let hash = app.hasher.hash(purpose, password.into_inner()).await?;
    let now = timefmt::now();
    let by = caller.map(|c| c.id);
    let account = super::users::Signup {
        username,
        email,
        role,
        hash,
        by_admin,
    };
    let user = app
        .store
        .write(move |tx| super::users::signup_account(tx, &account, by, bootstrap, now))
        .await?;
    open_session(app, user, "logged in").await
}

/// Ends the caller's session.
pub async fn logout(app: &AppState, user_id: i64, session_id: i64) -> Result<(), ServiceError> {
    let now = timefmt::now();
    app.store
        .write(move |tx| {
            tx.delete_session(session_id)?;
            tx.insert_log(user_id, ActivityType::Auth, "logged out", None, now)?;
            Ok::<_, ServiceError>(())
        })
        .await?;
    app.sessions.remove_session(session_id);
    Ok(())
}

/// Changes the caller's password, given the current one; ends their other sessions.
pub async fn change_password(
    app: &AppState,
    user: &User,
    session_id: i64,
    current: String,
    new: &str,
) -> Result<(), ServiceError> {
    let new = Password::parse("new_password", new, &user.username, &user.email)
        .map_err(ServiceError::invalid)?;
    let id = user.id;
    // Slowed like a login: a stolen session must not become a fast password oracle.
    let attempt = app
        .limiter
        .begin(&[(Key::Password(id), app.config.login_max_per_account)])
        .await?;
    let judged = async {
        let phc = app
            .store
            .read(move |r| r.password_hash(id).map_err(ServiceError::from))
            .await?;
        app.hasher.verify(Purpose::Account, current, phc).await
    };
    let right = match judged.await {
        Ok(right) => right,
        Err(e) => {
            // Nothing was judged: the attempt must not count.
            app.limiter.succeed(&attempt, &[]).await;
            return Err(e);
        }
    };
    if !right {
        let now = timefmt::now();
        app.store
            .write(move |tx| {
                let what = "failed password change: wrong current password";
                tx.insert_log(id, ActivityType::Auth, what, None, now)
                    .map_err(ServiceError::from)
            })
            .await?;
        return Err(ServiceError::Forbidden(
            "The current password is incorrect".into(),
        ));
    }
    app.limiter.succeed(&attempt, &[Key::Password(id)]).await;
    let hash = app.hasher.hash(Purpose::Account, new.into_inner()).await?;
    let now = timefmt::now();
    app.store
        .write(move |tx| {
            let changes = crate::store::UserChanges {
                password_hash: Some(hash),
                ..Default::default()
            };
            tx.update_user(id, &changes, now)?;
            tx.delete_sessions_of(id, Some(session_id))?;
            tx.insert_log(id, ActivityType::Auth, "changed password", None, now)?;
            Ok::<_, ServiceError>(())
        })
        .await?;
    app.sessions.remove_user(id);
    Ok(())
}
