//! Saved views: a user's named ticket-list queries, each with the number of tickets it shows
//! the caller now (docs/API.md, "Saved views").

use tms_core::api::{NewView, TicketQuery, View, ViewUpdate};
use tms_core::{Actor, ValidationError, rules, timefmt};

use super::ServiceError;
use crate::state::AppState;
use crate::store::{StoreError, ViewFields};

/// Longest name and query string.
const NAME_MAX: usize = 64;
const QUERY_MAX: usize = 2000;

/// The ticket list's parameters a view may keep (docs/API.md, "Lists").
const VIEW_PARAMETERS: &[&str] = &[
    "status",
    "priority",
    "tag",
    "assigned_agent_id",
    "requester_id",
    "unassigned",
    "q",
    "sort",
    "size",
];

fn not_found(id: i64) -> ServiceError {
    ServiceError::NotFound(format!("view id {id} doesn't exist"))
}

/// A view's name: trimmed, 1–64 characters, one line.
fn parse_name(raw: &str) -> Result<String, ServiceError> {
    let name = raw.trim();
    let n = name.chars().count();
    if n == 0 || n > NAME_MAX || name.chars().any(char::is_control) {
        return Err(ServiceError::invalid(ValidationError::new(
            "name",
            "value_error.name",
            format!("must be 1 to {NAME_MAX} characters on one line"),
        )));
    }
    Ok(name.to_string())
}

/// A view's query string, checked as the ticket list checks its own: every parameter the list
/// takes but the position of a page (`page`, `after`), which a view does not keep.
fn parse_query(raw: &str) -> Result<(String, TicketQuery), ServiceError> {
    let raw = raw.trim().trim_start_matches('?');
    let invalid = |kind: &'static str, msg: String| {
        ServiceError::invalid(ValidationError::new("query", kind, msg))
    };
    if raw.len() > QUERY_MAX {
        return Err(invalid(
            "value_error.length",
            format!("must be at most {QUERY_MAX} characters"),
        ));
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw)
        .map_err(|e| invalid("value_error.query", format!("not a query string: {e}")))?;
    if let Some((k, _)) = pairs.iter().find(|(k, _)| k == "page" || k == "after") {
        return Err(invalid(
            "value_error.query",
            format!("{k}: a view keeps filters and a sort, not a position in the list"),
        ));
    }
    if let Some((k, _)) = pairs
        .iter()
        .find(|(k, _)| !VIEW_PARAMETERS.contains(&k.as_str()))
    {
        return Err(invalid(
            "value_error.query",
            format!(
                "{k}: not a parameter of the ticket list; one of {}",
                VIEW_PARAMETERS.join(", ")
            ),
        ));
    }
    let q = TicketQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(
        |errors| {
            let said: Vec<String> = errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.msg))
                .collect();
            invalid("value_error.query", said.join("; "))
        },
    )?;
    Ok((raw.to_string(), q))
}

fn unique(e: StoreError) -> ServiceError {
    match e {
        StoreError::Unique("views.name") => {
            ServiceError::Conflict("You already have a view of this name".into())
        }
        other => other.into(),
    }
}

/// `view` with the number of tickets it shows `actor` now.
async fn counted(app: &AppState, actor: Actor, mut view: View) -> Result<View, ServiceError> {
    // Stored queries were checked when saved.
    let (_, q) = parse_query(&view.query)?;
    view.count = super::tickets::count(app, actor, q).await?;
    Ok(view)
}

/// The caller's views and, for staff, the views shared with them, by name, each counted.
pub async fn list(app: &AppState, actor: Actor) -> Result<Vec<View>, ServiceError> {
    let staff = actor.role.is_staff();
    let views = app
        .store
        .read(move |r| r.views(actor.id, staff).map_err(ServiceError::from))
        .await?;
    let mut out = Vec::with_capacity(views.len());
    for v in views {
        out.push(counted(app, actor, v).await?);
    }
    Ok(out)
}

/// Saves a view for the caller; `shared` is for SysAdmins.
pub async fn create(app: &AppState, actor: Actor, req: NewView) -> Result<View, ServiceError> {
    let name = parse_name(&req.name)?;
    let (query, _) = parse_query(&req.query)?;
    if req.shared {
        rules::check_share_view(actor)?;
    }
    let now = timefmt::now();
    let view = app
        .store
        .write(move |tx| {
            let fields = ViewFields {
                user_id: actor.id,
                name: &name,
                query: &query,
                shared: req.shared,
            };
            tx.save_view(None, &fields, now).map_err(unique)
        })
        .await?;
    counted(app, actor, view).await
}

/// Changes a view: its owner's, or a shared one for a SysAdmin.
pub async fn update(
    app: &AppState,
    actor: Actor,
    id: i64,
    req: ViewUpdate,
) -> Result<View, ServiceError> {
    let name = req.name.as_deref().map(parse_name).transpose()?;
    let query = req.query.as_deref().map(parse_query).transpose()?;
    if req.shared == Some(true) {
        rules::check_share_view(actor)?;
    }
    let now = timefmt::now();
    let view = app
        .store
        .write(move |tx| {
            let old = tx.view(id)?.ok_or_else(|| not_found(id))?;
            rules::check_view_access(actor, old.user_id, old.shared, true)
                .map_err(|d| ServiceError::denied(d, || not_found(id)))?;
            let name = name.unwrap_or(old.name);
            let query = query.map_or(old.query, |(q, _)| q);
            let shared = req.shared.unwrap_or(old.shared);
            let fields = ViewFields {
                user_id: old.user_id,
                name: &name,
                query: &query,
                shared,
            };
            tx.save_view(Some(id), &fields, now).map_err(unique)
        })
        .await?;
    counted(app, actor, view).await
}

/// Deletes a view: its owner's, or a shared one for a SysAdmin. Returns it as it was.
pub async fn delete(app: &AppState, actor: Actor, id: i64) -> Result<View, ServiceError> {
    app.store
        .write(move |tx| {
            let old = tx.view(id)?.ok_or_else(|| not_found(id))?;
            rules::check_view_access(actor, old.user_id, old.shared, true)
                .map_err(|d| ServiceError::denied(d, || not_found(id)))?;
            tx.delete_view(id)?;
            Ok(old)
        })
        .await
}
