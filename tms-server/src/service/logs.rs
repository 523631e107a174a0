//! The activity log (SysAdmin): read newest first with filters and paging; clear.

use tms_core::api::{LogEntry, LogQuery};
use tms_core::timefmt;
use tms_core::{ActivityType, Actor, rules};

use super::ServiceError;
use crate::state::AppState;

/// The log, newest first, filtered and paged by the query string's `pairs`; `user` (from the
/// path) overrides its `user_id`.
pub async fn list(
    app: &AppState,
    actor: Actor,
    pairs: &[(String, String)],
    user: Option<i64>,
) -> Result<Vec<LogEntry>, ServiceError> {
    rules::check_admin(actor)?;
    let mut q = LogQuery::from_pairs(super::pairs(pairs))
        .map_err(|e| ServiceError::invalid_at("query", e))?;
    if user.is_some() {
        q.user_id = user;
    }
    app.store
        .read(move |r| r.log(&q).map_err(ServiceError::from))
        .await
}

/// Clears the log (of one user), leaving one entry that says so; returns how many went.
pub async fn clear(app: &AppState, actor: Actor, user: Option<i64>) -> Result<u64, ServiceError> {
    rules::check_admin(actor)?;
    let now = timefmt::now();
    app.store
        .write(move |tx| {
            let n = tx.clear_log(user)?;
            let details = match user {
                Some(id) => format!("cleared the activity log of user {id} ({n} entries)"),
                None => format!("cleared the activity log ({n} entries)"),
            };
            tx.insert_log(actor.id, ActivityType::Delete, &details, None, now)?;
            Ok(n as u64)
        })
        .await
}
