//! Who is calling: a bearer token's session, from the session cache or the database.

use tms_core::api::User;
use tms_core::timefmt::{self, Timestamp};

use super::ServiceError;
use crate::auth::cache::Cached;
use crate::auth::token;
use crate::state::AppState;

/// How stale `last_seen_at` may get before a request refreshes it: refreshing on every
/// request would turn every read into a write.
const TOUCH_AFTER_SECS: i64 = 60;

/// An authenticated caller.
pub struct Caller {
    pub user: User,
    pub session_id: i64,
}

fn invalid() -> ServiceError {
    ServiceError::Unauthorized(
        "Could not validate credentials: the session is invalid, expired or ended".into(),
    )
}

/// The caller a session token belongs to, if the session is live (unexpired, not idle too
/// long, its user active).
pub async fn authenticate(app: &AppState, token: &str) -> Result<Caller, ServiceError> {
    let hash = token::digest(token);
    let now = timefmt::now();
    let idle = time::Duration::try_from(app.config.session_idle).unwrap_or(time::Duration::MAX);
    // Several servers on one database: a session ended through another server must be
    // refused at once, so every request asks the database.
    let cached = if app.store.shared() {
        None
    } else {
        app.sessions.get(&hash, now, idle)
    };
    let s = match cached {
        Some(cached) => cached,
        None => lookup(app, &hash, now, idle).await?,
    };
    if (now - s.stored_last_seen).whole_seconds() >= TOUCH_AFTER_SECS {
        app.sessions.stored(&hash, now);
        let store = app.store.clone();
        let id = s.session_id;
        tokio::spawn(async move {
            let _ = store
                .write(move |tx| tx.touch_session(id, now).map_err(ServiceError::from))
                .await;
        });
    }
    Ok(Caller {
        user: s.user,
        session_id: s.session_id,
    })
}

/// Reads the session of `hash` from the database and caches it. A read that an eviction
/// overtook is done again, and the second read (which began after that eviction's commit) is
/// served as it is: see `auth::cache`.
async fn lookup(
    app: &AppState,
    hash: &[u8],
    now: Timestamp,
    idle: time::Duration,
) -> Result<Cached, ServiceError> {
    let idle_us = i64::try_from(idle.whole_microseconds()).unwrap_or(i64::MAX);
    let mut tries = 0;
    loop {
        let seen = app.sessions.epoch();
        let found = app
            .store
            .session(hash, now, idle_us)
            .await?
            .ok_or_else(invalid)?;
        let entry = Cached {
            session_id: found.session_id,
            user: found.user,
            expires_at: found.expires_at,
            last_seen: now,
            stored_last_seen: found.last_seen_at,
        };
        if app.store.shared() {
            return Ok(entry);
        }
        tries += 1;
        if app
            .sessions
            .insert_if_current(hash.to_vec(), entry.clone(), seen)
            || tries == 2
        {
            return Ok(entry);
        }
    }
}
