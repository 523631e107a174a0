//! Tickets: list (with filters, sort, search and paging), the agent queue, read, create,
//! partial update and delete.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use tms_core::api::{
    NewTicketRequest, Page, SortField, SortKey, Ticket, TicketDetail, TicketListItem, TicketQuery,
    TicketUpdate,
};
use tms_core::rules::{self, TicketChange, TicketFacts};
use tms_core::timefmt::{self, Timestamp};
use tms_core::validate::{Body, TicketTitle};
use tms_core::{ActivityType, Actor, Priority, Status};

use crate::db::history::{self, Field};
use crate::db::{comments, logs, tickets, users};
use crate::error::AppError;
use crate::extract::{ApiJson, AuthUser, Id, QueryPairs};
use crate::json::FastJson;
use crate::state::AppState;

use super::changes::describe_ticket_changes;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tickets", get(list).post(create))
        .route("/api/v1/tickets/agent/{agent_id}", get(agent_queue))
        .route(
            "/api/v1/tickets/{id}",
            get(read).put(update).patch(update).delete(delete),
        )
}

/// Query parameters of `GET /api/v1/tickets/` as documented in OpenAPI; parsing is done by
/// `TicketQuery::from_pairs` because `status` and `priority` repeat.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct TicketQueryDoc {
    /// Repeatable.
    pub status: Option<Vec<Status>>,
    /// Repeatable.
    pub priority: Option<Vec<Priority>>,
    #[param(minimum = 1)]
    pub assigned_agent_id: Option<i64>,
    #[param(minimum = 1)]
    pub requester_id: Option<i64>,
    pub unassigned: Option<bool>,
    /// Full-text search over title, description and comments: at most 8 words, each of two or
    /// more characters matched as a prefix; one line.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// A field, `-` prefixed for descending; default `-creation_date`.
    #[param(value_type = Option<SortKey>)]
    pub sort: Option<String>,
    #[param(minimum = 1, maximum = 1_000_000_000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    pub size: Option<u64>,
    /// The `next_cursor` of the previous page (keyset paging; replaces `page`).
    #[param(max_length = 100, pattern = "^[A-Za-z0-9.-]*$")]
    pub after: Option<String>,
}

/// Records a read in the activity log when the server audits reads.
async fn audit_read(
    state: &AppState,
    actor: Actor,
    details: String,
    ticket_id: Option<i64>,
) -> Result<(), AppError> {
    if !state.config.audit_reads {
        return Ok(());
    }
    let now = timefmt::now();
    state
        .db
        .write(move |tx| {
            logs::insert(tx, actor.id, ActivityType::Read, &details, ticket_id, now)
                .map_err(AppError::from)
        })
        .await
}

/// How long a search's statements may run before the search is refused as too costly.
const SEARCH_BUDGET: std::time::Duration = std::time::Duration::from_secs(2);

async fn page_of(
    state: &AppState,
    actor: Actor,
    q: TicketQuery,
    explicit_sort: bool,
) -> Result<Page<TicketListItem>, AppError> {
    let only = rules::list_scope(actor);
    let searching = q.q.is_some();
    // Search results come newest first by ticket number unless a sort is asked for: the
    // full-text index yields them in that order, so any term costs the same.
    let sort = if q.q.is_some() && !explicit_sort {
        SortKey {
            field: SortField::Id,
            descending: true,
        }
    } else {
        q.sort
    };
    let (page, size) = (q.page, q.size);
    let counts = state.db.counts();
    let list = move |c: &rusqlite::Connection| match tickets::list(c, &counts, &q, sort, only) {
        Ok(p) => Ok(p),
        Err(tickets::ListError::Sql(e)) if crate::db::is_interrupted(&e) => {
            Err(AppError::invalid_at(
                "query",
                vec![tms_core::ValidationError::new(
                    "q",
                    "value_error.search_too_costly",
                    format!(
                        "this search took longer than {} s to answer; use longer or fewer common words, or add a filter",
                        SEARCH_BUDGET.as_secs()
                    ),
                )],
            ))
        }
        Err(tickets::ListError::Sql(e)) => Err(AppError::from(e)),
        Err(tickets::ListError::BadCursor) => Err(AppError::invalid_at(
            "query",
            vec![tms_core::ValidationError::new(
                "after",
                "value_error.cursor",
                "is not a cursor of this list's sort order",
            )],
        )),
    };
    let found = if searching {
        // A search can cost far more than a list: a few at a time per user, on the search
        // threads, within a budget.
        let permit = state
            .searches
            .try_start(actor.id)
            .ok_or(AppError::Busy(1))?;
        // Held by the search itself: released when its statements end on the search thread,
        // not when a client that hung up drops the request.
        state
            .db
            .search(SEARCH_BUDGET, move |c| {
                let _permit = permit;
                list(c)
            })
            .await?
    } else {
        state.db.read(list).await?
    };
    let mut out = Page::new(found.items, found.total, page, size);
    out.next_cursor = found.next_cursor;
    Ok(out)
}

fn parse_query(pairs: &QueryPairs) -> Result<(TicketQuery, bool), AppError> {
    let q = TicketQuery::from_pairs(pairs.iter()).map_err(|e| AppError::invalid_at("query", e))?;
    Ok((q, pairs.iter().any(|(k, _)| k == "sort")))
}

/// Tickets the caller may see (a Requester: their own), filtered, sorted and paged.
#[utoipa::path(get, path = "/api/v1/tickets/", tag = "Ticket", params(TicketQueryDoc),
    responses(
        (status = 200, description = "A page of tickets", body = Page<TicketListItem>),
        (status = 422, description = "Invalid parameter, or a search too costly to answer", body = tms_core::api::ValidationErrorBody),
        (status = 429, description = "Too many searches of this user at once", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: AuthUser,
    pairs: QueryPairs,
) -> Result<FastJson<Page<TicketListItem>>, AppError> {
    let (q, explicit_sort) = parse_query(&pairs)?;
    let page = page_of(&state, caller.actor(), q, explicit_sort).await?;
    audit_read(&state, caller.actor(), "viewing all tickets".into(), None).await?;
    Ok(FastJson(page))
}

/// The tickets assigned to one agent (staff only).
#[utoipa::path(get, path = "/api/v1/tickets/agent/{agent_id}/", tag = "Ticket",
    params(("agent_id" = i64, Path, description = "The agent's user id"), TicketQueryDoc),
    responses(
        (status = 200, description = "A page of tickets", body = Page<TicketListItem>),
        (status = 403, description = "Requesters have no queue", body = tms_core::api::ErrorBody),
        (status = 422, description = "Invalid parameter, or a search too costly to answer", body = tms_core::api::ValidationErrorBody),
        (status = 429, description = "Too many searches of this user at once", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn agent_queue(
    State(state): State<AppState>,
    caller: AuthUser,
    Id(agent_id): Id,
    pairs: QueryPairs,
) -> Result<FastJson<Page<TicketListItem>>, AppError> {
    rules::check_view_queue(caller.actor())?;
    let (mut q, explicit_sort) = parse_query(&pairs)?;
    q.assigned_agent_id = Some(agent_id);
    q.unassigned = false;
    let page = page_of(&state, caller.actor(), q, explicit_sort).await?;
    audit_read(
        &state,
        caller.actor(),
        "viewing assigned tickets".into(),
        None,
    )
    .await?;
    Ok(FastJson(page))
}

fn detail(conn: &rusqlite::Connection, id: i64) -> Result<Option<TicketDetail>, AppError> {
    let Some(item) = tickets::get_item(conn, id)? else {
        return Ok(None);
    };
    let comments = comments::for_ticket(conn, id)?;
    Ok(Some(TicketDetail {
        ticket: item.ticket,
        requester: item.requester,
        assigned_agent: item.assigned_agent,
        comments,
    }))
}

/// One ticket with its people and its thread.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "Ticket",
    params(("id" = i64, Path, description = "Ticket id")),
    responses(
        (status = 200, description = "The ticket", body = TicketDetail),
        (status = 404, description = "No such ticket, or not yours to see", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn read(
    State(state): State<AppState>,
    caller: AuthUser,
    Id(id): Id,
) -> Result<FastJson<TicketDetail>, AppError> {
    let actor = caller.actor();
    let found = state.db.read(move |c| detail(c, id)).await?;
    let t = found
        .filter(|t| rules::can_see_ticket(actor, t.ticket.requester_id))
        .ok_or_else(|| AppError::ticket_not_found(id))?;
    audit_read(&state, actor, format!("viewing ticket {id}"), Some(id)).await?;
    Ok(FastJson(t))
}

/// 422 unless `agent` may be assigned tickets.
fn check_assignee(conn: &rusqlite::Connection, agent: i64) -> Result<(), AppError> {
    match users::get(conn, agent)? {
        Some(u) if rules::can_be_assigned(u.role, u.is_active) => Ok(()),
        _ => Err(AppError::invalid(tms_core::ValidationError::new(
            "assigned_agent_id",
            "value_error.assignee",
            format!("user {agent} is not an active helpdesk agent or admin"),
        ))),
    }
}

/// File a ticket. Staff may file for someone else, pre-assign, or pick the status.
#[utoipa::path(post, path = "/api/v1/tickets/", tag = "Ticket", request_body = NewTicketRequest,
    responses(
        (status = 201, description = "Created", body = Ticket),
        (status = 403, description = "Not allowed for a Requester", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<NewTicketRequest>,
) -> Result<(StatusCode, Json<Ticket>), AppError> {
    let actor = caller.actor();
    let title = TicketTitle::parse(&req.title).map_err(AppError::invalid)?;
    let description = Body::parse("description", &req.description).map_err(AppError::invalid)?;
    rules::check_create_ticket(actor, req.requester_id, req.status, req.assigned_agent_id)?;
    let now = timefmt::now();
    let status = req.status.unwrap_or(Status::Open);
    let ticket = state
        .db
        .write(move |tx| {
            let requester_id = req.requester_id.unwrap_or(actor.id);
            if requester_id != actor.id
                && !users::get(tx, requester_id)?.is_some_and(|u| u.is_active)
            {
                return Err(AppError::invalid(tms_core::ValidationError::new(
                    "requester_id",
                    "value_error.requester",
                    format!("user {requester_id} is not an active user"),
                )));
            }
            if let Some(agent) = req.assigned_agent_id {
                check_assignee(tx, agent)?;
            }
            let new = tickets::NewTicket {
                title: title.as_str(),
                description: description.as_str(),
                status,
                priority: req.priority.unwrap_or(Priority::Medium),
                requester_id,
                assigned_agent_id: req.assigned_agent_id,
                resolution_date: rules::resolution_on_create(status, now),
                creation_date: now,
            };
            let t = tickets::insert(tx, &new)?;
            logs::insert(
                tx,
                actor.id,
                ActivityType::Create,
                &format!("created ticket {}", t.id),
                Some(t.id),
                now,
            )?;
            Ok::<_, AppError>(t)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(ticket)))
}

/// The fields of an update request, parsed.
struct Sent<'a> {
    title: &'a mut Option<TicketTitle>,
    description: &'a mut Option<Body>,
    req: &'a mut TicketUpdate,
}

/// A full-object PUT (all of title, description, status and priority) — the web client's form
/// sends back every field it read — that sends a field's value from before another user's latest change of that field is resending what it
/// read, not changing it back: that field keeps the other user's value, so two forms filled
/// from the same read cannot silently undo each other's changes. (Clients that send only what
/// they change are not second-guessed.) See `migrations/0008_ticket_history.sql`.
fn keep_later_changes(
    conn: &rusqlite::Connection,
    old: &Ticket,
    actor: i64,
    sent: Sent<'_>,
) -> Result<(), AppError> {
    let stale = |field: Field, value: Option<String>| -> Result<bool, AppError> {
        if value == history::value_of(old, field) {
            return Ok(false);
        }
        let last = history::last_change(conn, old.id, field)?;
        Ok(last.is_some_and(|c| c.actor_id != actor && c.old_value == value))
    };
    if let Some(t) = sent.title.as_ref()
        && stale(Field::Title, Some(t.as_str().to_string()))?
    {
        *sent.title = None;
    }
    if let Some(d) = sent.description.as_ref()
        && stale(Field::Description, Some(d.as_str().to_string()))?
    {
        *sent.description = None;
    }
    let req = sent.req;
    if let Some(s) = req.status
        && stale(Field::Status, Some(s.to_string()))?
    {
        // The resolution date goes with the status it was read with.
        req.status = None;
        req.resolution_date = None;
    }
    if let Some(p) = req.priority
        && stale(Field::Priority, Some(p.to_string()))?
    {
        req.priority = None;
    }
    // A resolution date travels in whole seconds; history keeps microseconds.
    if let Some(sent) = req.resolution_date {
        let second = |t: Timestamp| timefmt::to_micros(timefmt::whole_seconds(t));
        let sent = sent.map(second);
        if sent != old.resolution_date.map(second)
            && let Some(c) = history::last_change(conn, old.id, Field::ResolutionDate)?
        {
            let before = c
                .old_value
                .and_then(|v| v.parse::<i64>().ok())
                .map(|us| second(timefmt::from_micros(us)));
            if c.actor_id != actor && before == sent {
                req.resolution_date = None;
            }
        }
    }
    if let Some(a) = req.assigned_agent_id
        && stale(Field::Assignee, a.map(|id| id.to_string()))?
    {
        req.assigned_agent_id = None;
    }
    Ok(())
}

/// Change some fields of a ticket; omitted fields stay.
#[utoipa::path(method(put, patch), path = "/api/v1/tickets/{id}", tag = "Ticket", request_body = TicketUpdate,
    params(("id" = i64, Path, description = "Ticket id")),
    responses(
        (status = 200, description = "The updated ticket", body = TicketDetail),
        (status = 403, description = "Not allowed for the caller's role", body = tms_core::api::ErrorBody),
        (status = 404, description = "No such ticket, or not yours to see", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    method: axum::http::Method,
    caller: AuthUser,
    Id(id): Id,
    ApiJson(req): ApiJson<TicketUpdate>,
) -> Result<FastJson<TicketDetail>, AppError> {
    let actor = caller.actor();
    let title = req
        .title
        .as_deref()
        .map(TicketTitle::parse)
        .transpose()
        .map_err(AppError::invalid)?;
    let description = req
        .description
        .as_deref()
        .map(|d| Body::parse("description", d))
        .transpose()
        .map_err(AppError::invalid)?;
    let now = timefmt::now();
    let full_object = method == axum::http::Method::PUT
        && req.title.is_some()
        && req.description.is_some()
        && req.status.is_some()
        && req.priority.is_some();
    let (mut title, mut description, mut req) = (title, description, req);
    let updated = state
        .db
        .write(move |tx| {
            let old = tickets::get(tx, id)?.ok_or_else(|| AppError::ticket_not_found(id))?;
            if full_object {
                let sent = Sent {
                    title: &mut title,
                    description: &mut description,
                    req: &mut req,
                };
                keep_later_changes(tx, &old, actor.id, sent)?;
            }
            let facts = TicketFacts {
                requester_id: old.requester_id,
                status: old.status,
                assigned_agent_id: old.assigned_agent_id,
                resolution_date: old.resolution_date,
                creation_date: old.creation_date,
            };
            let change = TicketChange {
                status: req.status,
                assigned_agent_id: req.assigned_agent_id,
                resolution_date: req.resolution_date,
            };
            rules::check_update_ticket(actor, &facts, &change)
                .map_err(|d| AppError::denied(d, || AppError::ticket_not_found(id)))?;
            let assignee = req.assigned_agent_id.unwrap_or(old.assigned_agent_id);
            if let Some(agent) = assignee.filter(|a| Some(*a) != old.assigned_agent_id) {
                check_assignee(tx, agent)?;
            }
            let resolution =
                rules::next_resolution_date(&facts, req.status, req.resolution_date, now)
                    .map_err(AppError::invalid)?;
            let new = tickets::TicketState {
                title: title.as_ref().map_or(old.title.as_str(), |t| t.as_str()),
                description: description
                    .as_ref()
                    .map_or(old.description.as_str(), |d| d.as_str()),
                status: req.status.unwrap_or(old.status),
                priority: req.priority.unwrap_or(old.priority),
                resolution_date: resolution,
                assigned_agent_id: assignee,
                updated_at: now,
            };
            if let Some(details) = describe_ticket_changes(tx, &old, &new)? {
                tickets::update(tx, id, &new)?;
                history::record(tx, &old, &new, actor.id, now)?;
                let kind = ActivityType::Update;
                logs::insert(tx, actor.id, kind, &details, Some(id), now)?;
            }
            detail(tx, id)?.ok_or_else(|| AppError::ticket_not_found(id))
        })
        .await?;
    Ok(FastJson(updated))
}

/// Delete a ticket and its thread (SysAdmin).
#[utoipa::path(delete, path = "/api/v1/tickets/{id}", tag = "Ticket",
    params(("id" = i64, Path, description = "Ticket id")),
    responses(
        (status = 200, description = "The deleted ticket", body = Ticket),
        (status = 403, description = "Only a SysAdmin deletes tickets", body = tms_core::api::ErrorBody),
        (status = 404, description = "No such ticket, or not yours to see", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    caller: AuthUser,
    Id(id): Id,
) -> Result<Json<Ticket>, AppError> {
    let actor = caller.actor();
    let now = timefmt::now();
    let deleted = state
        .db
        .write(move |tx| {
            let t = tickets::get(tx, id)?.ok_or_else(|| AppError::ticket_not_found(id))?;
            rules::check_delete_ticket(actor, t.requester_id)
                .map_err(|d| AppError::denied(d, || AppError::ticket_not_found(id)))?;
            tickets::delete(tx, id)?;
            logs::insert(
                tx,
                actor.id,
                ActivityType::Delete,
                &format!("deleted ticket {id}"),
                Some(id),
                now,
            )?;
            Ok::<_, AppError>(t)
        })
        .await?;
    Ok(Json(deleted))
}
