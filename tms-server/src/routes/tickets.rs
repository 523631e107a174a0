//! Tickets: list (with filters, sort, search and paging), the agent queue, read, create,
//! partial update and delete.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use tms_core::api::{
    BulkChangeReply, BulkChangeRequest, NewTicketRequest, Page, SortKey, Ticket, TicketDetail,
    TicketListItem, TicketUpdate,
};
use tms_core::{Priority, Status};

use crate::error::AppError;
use crate::etag::{Tagged, if_match_versions};
use crate::extract::{ApiJson, AuthUser, Bearer, Id, QueryPairs};
use crate::service::tickets::{self, Scope};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tickets", get(list).post(create))
        .route("/api/v1/tickets/agent/{agent_id}", get(agent_queue))
        .route("/api/v1/tickets/bulk", post(bulk))
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
    /// Repeatable: tickets carrying every tag named (staff; a Requester's tickets carry none
    /// they can see, so for them any tag filters everything out).
    #[param(value_type = Option<Vec<String>>)]
    pub tag: Option<Vec<String>>,
    /// Repeatable: tickets whose SLA state, at the time of the read, is any of these.
    pub sla: Option<Vec<tms_core::SlaState>>,
    #[param(minimum = 1)]
    pub assigned_agent_id: Option<i64>,
    #[param(minimum = 1)]
    pub requester_id: Option<i64>,
    #[param(schema_with = tms_core::api::bool_query_schema)]
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

/// Tickets the caller may see (a Requester: their own), filtered, sorted and paged.
#[utoipa::path(get, path = "/api/v1/tickets/", tag = "Ticket", params(TicketQueryDoc, ("If-None-Match" = Option<String>, Header, description = "The `ETag` of a reply the client holds: 304, and no body, when the reply would be the same")),
    responses(
        (status = 200, description = "A page of tickets", body = Page<TicketListItem>, headers(("ETag" = String, description = "The reply's entity tag: `\"<version>-<digest>\"` for a ticket, `\"<digest>\"` for a list"))),
        (status = 304, description = "Unchanged since the reply whose tag was sent"),
        (status = 422, description = "Invalid parameter, or a search too costly to answer", body = tms_core::api::ValidationErrorBody),
        (status = 429, description = "Too many searches of this user at once", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: AuthUser,
    pairs: QueryPairs,
) -> Result<Response, AppError> {
    let page = tickets::list(&state, caller.actor(), &pairs.0, Scope::All).await?;
    Ok(page.unless_unchanged(&headers))
}

/// The tickets assigned to one agent (staff only).
#[utoipa::path(get, path = "/api/v1/tickets/agent/{agent_id}/", tag = "Ticket",
    params(("agent_id" = i64, Path, description = "The agent's user id"), TicketQueryDoc, ("If-None-Match" = Option<String>, Header, description = "The `ETag` of a reply the client holds: 304, and no body, when the reply would be the same")),
    responses(
        (status = 200, description = "A page of tickets", body = Page<TicketListItem>, headers(("ETag" = String, description = "The reply's entity tag: `\"<version>-<digest>\"` for a ticket, `\"<digest>\"` for a list"))),
        (status = 304, description = "Unchanged since the reply whose tag was sent"),
        (status = 403, description = "Requesters have no queue", body = tms_core::api::ErrorBody),
        (status = 422, description = "Invalid parameter, or a search too costly to answer", body = tms_core::api::ValidationErrorBody),
        (status = 429, description = "Too many searches of this user at once", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn agent_queue(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: AuthUser,
    Id(agent_id): Id,
    pairs: QueryPairs,
) -> Result<Response, AppError> {
    let scope = Scope::Queue(agent_id);
    let page = tickets::list(&state, caller.actor(), &pairs.0, scope).await?;
    Ok(page.unless_unchanged(&headers))
}

/// One ticket with its people and its thread.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "Ticket",
    params(("id" = i64, Path, description = "Ticket id"), ("If-None-Match" = Option<String>, Header, description = "The `ETag` of a reply the client holds: 304, and no body, when the reply would be the same")),
    responses(
        (status = 200, description = "The ticket", body = TicketDetail, headers(("ETag" = String, description = "The reply's entity tag: `\"<version>-<digest>\"` for a ticket, `\"<digest>\"` for a list"))),
        (status = 304, description = "Unchanged since the reply whose tag was sent"),
        (status = 404, description = "No such ticket, or not yours to see", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn read(
    State(state): State<AppState>,
    headers: HeaderMap,
    Bearer(token): Bearer,
    id: Result<Id, AppError>,
) -> Result<Response, AppError> {
    match id {
        Ok(Id(id)) => {
            let t = tickets::read_for_token(&state, &token, id).await?;
            let version = t.ticket.version;
            Ok(Tagged::new(t, Some(version)).unless_unchanged(&headers))
        }
        // As on every route: who is calling is settled before what they sent.
        Err(bad) => {
            crate::service::sessions::authenticate(&state, &token).await?;
            Err(bad)
        }
    }
}

/// File a ticket. Staff may file for someone else, pre-assign, or pick the status.
#[utoipa::path(post, path = "/api/v1/tickets/", tag = "Ticket", request_body = NewTicketRequest,
    responses(
        (status = 201, description = "Created", body = Ticket, headers(("ETag" = String, description = "The reply's entity tag: `\"<version>-<digest>\"` for a ticket, `\"<digest>\"` for a list"))),
        (status = 403, description = "Not allowed for a Requester", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<NewTicketRequest>,
) -> Result<(StatusCode, Tagged), AppError> {
    let ticket = tickets::create(&state, caller.actor(), req).await?;
    let version = ticket.version;
    Ok((StatusCode::CREATED, Tagged::new(ticket, Some(version))))
}

/// Change some fields of a ticket; omitted fields stay.
#[utoipa::path(method(put, patch), path = "/api/v1/tickets/{id}", tag = "Ticket", request_body = TicketUpdate,
    params(("id" = i64, Path, description = "Ticket id"), ("If-Match" = Option<String>, Header, description = "The `ETag` (or `\"version\"`) of the ticket the change was made against: 412 with the ticket as it is now when it has changed since; `*` or no header changes whatever the version")),
    responses(
        (status = 200, description = "The updated ticket", body = TicketDetail, headers(("ETag" = String, description = "The reply's entity tag: `\"<version>-<digest>\"` for a ticket, `\"<digest>\"` for a list"))),
        (status = 403, description = "Not allowed for the caller's role", body = tms_core::api::ErrorBody),
        (status = 404, description = "No such ticket, or not yours to see", body = tms_core::api::ErrorBody),
        (status = 412, description = "The ticket changed since the version named in `If-Match`: nothing changed; the body is the ticket as it is now (as a read shows it), with a `detail`", body = TicketDetail, headers(("ETag" = String, description = "The reply's entity tag: `\"<version>-<digest>\"` for a ticket, `\"<digest>\"` for a list")))),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    method: axum::http::Method,
    headers: HeaderMap,
    caller: AuthUser,
    Id(id): Id,
    ApiJson(req): ApiJson<TicketUpdate>,
) -> Result<Tagged, AppError> {
    let full_object = method == axum::http::Method::PUT;
    let if_match = if_match_versions(&headers);
    let updated = tickets::update(&state, caller.actor(), id, req, full_object, if_match).await?;
    let version = updated.ticket.version;
    Ok(Tagged::new(updated, Some(version)))
}

/// One change for many tickets (staff), all or nothing: each ticket changed and logged as a
/// `PATCH` of it would be, in one transaction.
#[utoipa::path(post, path = "/api/v1/tickets/bulk", tag = "Ticket", request_body = BulkChangeRequest,
    responses(
        (status = 200, description = "Every ticket changed, in the order asked", body = BulkChangeReply),
        (status = 403, description = "Not allowed for a Requester", body = tms_core::api::ErrorBody),
        (status = 422, description = "Nothing changed: the request is invalid, or some tickets cannot take the change — each named with `loc` `[\"body\", \"ids\", \"<id>\"]`, a `type` (`not_found`, `forbidden`, `value_error`, `conflict`) and a sentence", body = tms_core::api::ValidationErrorBody)),
    security(("bearer" = [])))]
pub async fn bulk(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<BulkChangeRequest>,
) -> Result<Json<BulkChangeReply>, AppError> {
    let updated = tickets::bulk(&state, caller.actor(), req).await?;
    Ok(Json(BulkChangeReply { updated }))
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
    Ok(Json(tickets::delete(&state, caller.actor(), id).await?))
}
