//! Accounts: the staff directory, and admin user management (list, create, read, change,
//! deactivate). Deactivation, role and password changes end the user's sessions; the last
//! active SysAdmin stays.

use tms_core::api::{DirectoryQuery, NewUserRequest, User, UserQuery, UserSummary, UserUpdate};
use tms_core::timefmt::{self, Timestamp};
use tms_core::validate::{Email, Password, Username};
use tms_core::{ActivityType, Actor, Role, rules};

use super::ServiceError;
use crate::auth::password::Purpose;
use crate::state::AppState;
use crate::store::{Read, UserChanges, Write};

/// 409 if another account (not `except`) has this email or username.
pub fn check_unique(
    r: &dyn Read,
    username: &str,
    email: &str,
    except: Option<i64>,
) -> Result<(), ServiceError> {
    if r.email_taken(email, except)? {
        return Err(ServiceError::Conflict("Account already exists".into()));
    }
    if r.username_taken(username, except)? {
        return Err(ServiceError::Conflict("Username already taken".into()));
    }
    Ok(())
}

fn not_found(id: i64) -> ServiceError {
    ServiceError::NotFound(format!("user {id} doesn't exist"))
}

/// How many accounts exist (zero means the first signup may set the helpdesk up).
pub async fn count(app: &AppState) -> Result<i64, ServiceError> {
    app.store
        .read(|r| r.count_users().map_err(ServiceError::from))
        .await
}

/// Staff look people up by name or email (to assign, to file for someone).
pub async fn directory(
    app: &AppState,
    actor: Actor,
    pairs: &[(String, String)],
) -> Result<Vec<UserSummary>, ServiceError> {
    rules::check_view_queue(actor)?;
    let q = DirectoryQuery::from_pairs(super::pairs(pairs))
        .map_err(|e| ServiceError::invalid_at("query", e))?;
    let found = app
        .store
        .read(move |r| {
            r.users(&q.users(), Some(q.limit()))
                .map_err(ServiceError::from)
        })
        .await?;
    Ok(found.iter().map(User::summary).collect())
}

/// Every active member of staff, agents first.
pub async fn agents(app: &AppState, actor: Actor) -> Result<Vec<UserSummary>, ServiceError> {
    rules::check_view_queue(actor)?;
    app.store
        .read(|r| {
            let mut all = Vec::new();
            for &role in Role::STAFF {
                let q = UserQuery {
                    q: None,
                    role: Some(role),
                    include_inactive: false,
                };
                all.extend(r.users(&q, None)?.iter().map(User::summary));
            }
            Ok(all)
        })
        .await
}

/// Accounts matching the query string's `pairs` (SysAdmin).
pub async fn list(
    app: &AppState,
    actor: Actor,
    pairs: &[(String, String)],
) -> Result<Vec<User>, ServiceError> {
    rules::check_admin(actor)?;
    let q = UserQuery::from_pairs(super::pairs(pairs))
        .map_err(|e| ServiceError::invalid_at("query", e))?;
    app.store
        .read(move |r| r.users(&q, None).map_err(ServiceError::from))
        .await
}

/// One account (SysAdmin).
pub async fn read(app: &AppState, actor: Actor, id: i64) -> Result<User, ServiceError> {
    rules::check_admin(actor)?;
    app.store
        .read(move |r| r.user(id)?.ok_or_else(|| not_found(id)))
        .await
}

/// A new account's fields, parsed.
struct NewAccount {
    username: Username,
    email: Email,
    password: Password,
}

fn parse_new(username: &str, email: &str, password: &str) -> Result<NewAccount, ServiceError> {
    let username = Username::parse(username).map_err(ServiceError::invalid)?;
    let email = Email::parse(email).map_err(ServiceError::invalid)?;
    let password = Password::parse("password", password, username.as_str(), email.as_str())
        .map_err(ServiceError::invalid)?;
    Ok(NewAccount {
        username,
        email,
        password,
    })
}

/// Inserts a checked account and logs it as `details(user)`, made by `by` (else by itself).
fn insert_account(
    tx: &dyn Write,
    a: &NewAccount,
    role: Role,
    hash: &str,
    by: Option<i64>,
    details: impl FnOnce(&User) -> String,
    now: Timestamp,
) -> Result<User, ServiceError> {
    let (username, email) = (a.username.as_str(), a.email.as_str());
    check_unique(tx, username, email, None)?;
    let u = tx.insert_user(username, email, role, hash, now)?;
    tx.insert_log(
        by.unwrap_or(u.id),
        ActivityType::Create,
        &details(&u),
        None,
        now,
    )?;
    Ok(u)
}

/// Creates an account (SysAdmin).
pub async fn create(
    app: &AppState,
    actor: Actor,
    req: NewUserRequest,
) -> Result<User, ServiceError> {
    rules::check_admin(actor)?;
    let a = parse_new(&req.username, &req.email, &req.password)?;
    let hash = app
        .hasher
        .hash(Purpose::Account, a.password.as_str().to_string())
        .await?;
    let now = timefmt::now();
    let role = req.role;
    app.store
        .write(move |tx| {
            let details = |u: &User| format!("created user {} ({}, {})", u.id, u.username, u.role);
            insert_account(tx, &a, role, &hash, Some(actor.id), details, now)
        })
        .await
}

/// Creates an account from the command line (validated like the API). Blocking.
pub fn add_from_command_line(
    app: &AppState,
    username: &str,
    email: &str,
    password: &str,
    role: Role,
) -> Result<User, ServiceError> {
    let a = parse_new(username, email, password)?;
    let hash = app.hasher.hash_blocking(a.password.as_str())?;
    let now = timefmt::now();
    app.store.write_blocking(move |tx| {
        let details = |u: &User| {
            format!(
                "created user {} ({}, {}) from the command line",
                u.id, u.username, u.role
            )
        };
        insert_account(tx, &a, role, &hash, None, details, now)
    })
}

/// A signup's account, checked and hashed.
pub(super) struct Signup {
    pub username: Username,
    pub email: Email,
    pub role: Role,
    pub hash: String,
    /// Made by a SysAdmin (not a public or first signup).
    pub by_admin: bool,
}

/// Creates the first SysAdmin from the command line (`serve --admin-email`) when the helpdesk
/// has no account yet; `None` when it has some. Servers starting together on one database
/// take turns: exactly one creates it, the others find it made. Blocking.
pub fn ensure_first_admin(
    app: &AppState,
    email: &str,
    password: &str,
) -> Result<Option<User>, ServiceError> {
    let name = email.split('@').next().unwrap_or("admin");
    let name = if Username::parse(name).is_ok() {
        name
    } else {
        "admin"
    };
    let a = parse_new(name, email, password)?;
    let hash = app.hasher.hash_blocking(a.password.as_str())?;
    let now = timefmt::now();
    app.store.write_blocking(move |tx| {
        tx.lock_accounts()?;
        if tx.count_users()? > 0 {
            return Ok(None);
        }
        let details = |u: &User| {
            format!(
                "created user {} ({}, {}) from the command line",
                u.id, u.username, u.role
            )
        };
        insert_account(tx, &a, Role::Admin, &hash, None, details, now).map(Some)
    })
}

/// Inserts a signup's account; `by` is the SysAdmin making it, if any. `bootstrap` is a
/// signup into an empty helpdesk, which must still be empty now unless it only makes a
/// Requester.
pub(super) fn signup_account(
    tx: &dyn Write,
    s: &Signup,
    by: Option<i64>,
    bootstrap: bool,
    now: Timestamp,
) -> Result<User, ServiceError> {
    let role = s.role;
    if bootstrap && !s.by_admin && role != Role::Requester && tx.count_users()? > 0 {
        return Err(ServiceError::Forbidden("Setup is already complete".into()));
    }
    check_unique(tx, s.username.as_str(), s.email.as_str(), None)?;
    let user = tx.insert_user(s.username.as_str(), s.email.as_str(), role, &s.hash, now)?;
    let details = match by {
        Some(_) => format!("created user {} ({}, {})", user.id, user.username, role),
        None => format!("signed up as {} ({})", user.username, role),
    };
    tx.insert_log(
        by.unwrap_or(user.id),
        ActivityType::Create,
        &details,
        None,
        now,
    )?;
    Ok(user)
}

/// The changes of an admin update, parsed.
struct Changes {
    username: Option<Username>,
    email: Option<Email>,
    role: Option<Role>,
    is_active: Option<bool>,
    is_away: Option<bool>,
    password_hash: Option<String>,
}

/// Applies `c` to account `id` as `actor` (whose own session `session` survives a change of
/// their own account), keeping at least one active SysAdmin.
fn apply(
    tx: &dyn Write,
    actor: Actor,
    session: i64,
    id: i64,
    c: Changes,
    now: Timestamp,
) -> Result<User, ServiceError> {
    // Before anything is read: two servers demoting the last two admins at once must not
    // both see the other one still active.
    tx.lock_accounts()?;
    let old = tx.user(id)?.ok_or_else(|| not_found(id))?;
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
    let admins = u64::try_from(tx.count_active_admins()?).unwrap_or(0);
    if rules::removes_last_admin((old.role, old.is_active), (role, active), admins) {
        return Err(ServiceError::Conflict(
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
    let away = c.is_away.unwrap_or(old.is_away);
    if away != old.is_away {
        if !role.is_staff() {
            return Err(ServiceError::invalid(tms_core::ValidationError::new(
                "is_away",
                "value_error.away",
                "only helpdesk agents and admins take tickets, so only they can be away",
            )));
        }
        what.push(if away { "away" } else { "back" }.into());
    }
    if what.is_empty() {
        return Ok(old);
    }
    let changes = UserChanges {
        username: c.username.map(Username::into_inner),
        email: c.email.map(Email::into_inner),
        role: c.role,
        is_active: c.is_active,
        is_away: c.is_away,
        password_hash: c.password_hash.clone(),
    };
    let user = tx
        .update_user(id, &changes, now)?
        .ok_or_else(|| not_found(id))?;
    if role != old.role || !active || c.password_hash.is_some() {
        let keep = (id == actor.id && active).then_some(session);
        tx.delete_sessions_of(id, keep)?;
    }
    if !active && old.is_active {
        let released = tx.unassign_open(id, now)?;
        super::notify::tickets_unassigned(tx, &released, now)?;
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
    tx.insert_log(actor.id, kind, &details, None, now)?;
    Ok(user)
}

/// Runs `apply` and forgets the account's cached sessions.
async fn change(
    app: &AppState,
    actor: Actor,
    session: i64,
    id: i64,
    c: Changes,
) -> Result<User, ServiceError> {
    let now = timefmt::now();
    let user = app
        .store
        .write(move |tx| apply(tx, actor, session, id, c, now))
        .await?;
    app.sessions.remove_user(id);
    Ok(user)
}

/// Changes an account (SysAdmin); `session` is the caller's own.
pub async fn update(
    app: &AppState,
    actor: Actor,
    session: i64,
    id: i64,
    req: UserUpdate,
) -> Result<User, ServiceError> {
    rules::check_admin(actor)?;
    let username = req
        .username
        .as_deref()
        .map(Username::parse)
        .transpose()
        .map_err(ServiceError::invalid)?;
    let email = req
        .email
        .as_deref()
        .map(Email::parse)
        .transpose()
        .map_err(ServiceError::invalid)?;
    let password_hash = match req.password {
        Some(p) => {
            let target = app
                .store
                .read(move |r| r.user(id).map_err(ServiceError::from));
            let target = target.await?.ok_or_else(|| not_found(id))?;
            let name = username
                .as_ref()
                .map_or(target.username.clone(), |u| u.to_string());
            let mail = email
                .as_ref()
                .map_or(target.email.clone(), |e| e.to_string());
            let p = Password::parse("password", &p, &name, &mail).map_err(ServiceError::invalid)?;
            Some(app.hasher.hash(Purpose::Account, p.into_inner()).await?)
        }
        None => None,
    };
    let changes = Changes {
        username,
        email,
        role: req.role,
        is_active: req.is_active,
        is_away: req.is_away,
        password_hash,
    };
    change(app, actor, session, id, changes).await
}

/// Deactivates an account (SysAdmin): its sessions end, its open tickets are unassigned.
pub async fn deactivate(
    app: &AppState,
    actor: Actor,
    session: i64,
    id: i64,
) -> Result<User, ServiceError> {
    rules::check_admin(actor)?;
    let changes = Changes {
        username: None,
        email: None,
        role: None,
        is_active: Some(false),
        is_away: None,
        password_hash: None,
    };
    change(app, actor, session, id, changes).await
}

/// Marks the caller (staff) away from auto-assignment, or back.
pub async fn set_away(
    app: &AppState,
    actor: Actor,
    session: i64,
    away: bool,
) -> Result<User, ServiceError> {
    if !actor.role.is_staff() {
        return Err(ServiceError::Forbidden(
            "Only helpdesk agents and admins take tickets, so only they can be away".into(),
        ));
    }
    let changes = Changes {
        username: None,
        email: None,
        role: None,
        is_active: None,
        is_away: Some(away),
        password_hash: None,
    };
    change(app, actor, session, actor.id, changes).await
}
