//! HTTP API wire types, shared by the server and the client. Field names are the API's
//! (the seed application's, so its web UI keeps working).

use crate::domain::{ActivityType, HistoryKind, Priority, Role, Status};
use crate::timefmt::{Timestamp, serde_ts};
use serde::{Deserialize, Deserializer, Serialize};

pub mod lax;
mod notify;
mod query;
pub use notify::{
    DeliveryStatus, NewWebhook, NotificationSettings, WEBHOOK_SECRET_MAX, WEBHOOK_SECRET_MIN,
    WEBHOOK_URL_MAX, Webhook, WebhookDelivery, WebhookEvent,
};
#[cfg(feature = "openapi")]
pub use query::bool_query_schema;
pub use query::{
    BOOL_QUERY_PATTERN, DIRECTORY_DEFAULT, DIRECTORY_MAX, DirectoryQuery, LogQuery,
    MAX_SEARCH_TERMS, SearchTerm, SortField, SortKey, TicketQuery, UserQuery, search_terms,
};

/// The cookie a successful login sets: the client's device token for the account. Sent back
/// with later logins, it keeps guesses at the account from elsewhere from slowing this client.
pub const DEVICE_COOKIE: &str = "tms_device";

/// `GET /` and `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
    pub version: String,
    /// Present (true) only while a server that allows first-run setup has no users yet.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub setup_required: bool,
}

/// Every error that is not a field validation failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub detail: String,
}

/// One invalid field, FastAPI-style.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub loc: Vec<String>,
    pub msg: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// `422` body: `{"detail":[{loc,msg,type}]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValidationErrorBody {
    pub detail: Vec<FieldError>,
}

/// A user as shown beside tickets, comments and log entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserSummary {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub role: Role,
}

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub role: Role,
    pub is_active: bool,
    /// Away: skipped by auto-assignment (staff).
    #[serde(default)]
    pub is_away: bool,
    #[serde(with = "serde_ts")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$", example = "2026-11-29T06:12:01"))]
    pub created_at: Timestamp,
}

impl User {
    pub fn summary(&self) -> UserSummary {
        UserSummary {
            id: self.id,
            username: self.username.clone(),
            email: self.email.clone(),
            role: self.role,
        }
    }
}

/// `POST /login` with a JSON body (the OAuth2 form is also accepted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    #[cfg_attr(feature = "openapi", schema(max_length = 254))]
    pub email: String,
    pub password: String,
}

/// The reply to a successful login or signup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `bearer`.
    pub token_type: String,
    #[serde(with = "serde_ts")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$", example = "2026-11-29T06:12:01"))]
    pub expires_at: Timestamp,
    pub user: User,
}

/// `POST /signup`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignupRequest {
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 3, max_length = 32, pattern = "^[A-Za-z0-9_.-]+$")
    )]
    pub username: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 3, max_length = 254))]
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 128))]
    pub password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
}

/// `PUT /users/me/password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordChange {
    pub current_password: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 128))]
    pub new_password: String,
}

/// `POST /api/v1/admin/users/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewUserRequest {
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 3, max_length = 32, pattern = "^[A-Za-z0-9_.-]+$")
    )]
    pub username: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 3, max_length = 254))]
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 128))]
    pub password: String,
    pub role: Role,
}

/// `PUT /api/v1/admin/users/{id}`: every field optional; omitted fields stay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 3, max_length = 32, pattern = "^[A-Za-z0-9_.-]+$")
    )]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 3, max_length = 254))]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
    /// Staff only: away from auto-assignment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_away: Option<bool>,
    /// A new password for the user (an admin reset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 128))]
    pub password: Option<String>,
}

/// A ticket as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ticket {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub status: Status,
    pub priority: Priority,
    #[serde(with = "serde_ts")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$", example = "2026-11-29T06:12:01"))]
    pub creation_date: Timestamp,
    #[serde(with = "serde_ts")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$", example = "2026-11-29T06:12:01"))]
    pub updated_at: Timestamp,
    #[serde(with = "serde_ts::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$", example = "2026-11-29T06:12:01"))]
    pub resolution_date: Option<Timestamp>,
    pub requester_id: i64,
    pub assigned_agent_id: Option<i64>,
    /// Grows with every change of the ticket or its thread; send it back in `If-Match` to
    /// change the ticket only if nobody changed it meanwhile.
    #[serde(default)]
    pub version: i64,
    /// When the first response is due (docs/API.md, "SLA clocks"); null when the ticket has
    /// no SLA clocks (filed while the SLA was off).
    #[serde(default, with = "serde_ts::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$", example = "2026-11-29T07:12:01"))]
    pub first_response_due: Option<Timestamp>,
    /// When the resolution is due; null without SLA clocks.
    #[serde(default, with = "serde_ts::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$", example = "2026-11-29T14:12:01"))]
    pub resolution_due: Option<Timestamp>,
    /// When staff first answered in public; null until then.
    #[serde(default, with = "serde_ts::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$", example = "2026-11-29T06:40:00"))]
    pub first_responded_at: Option<Timestamp>,
    /// The earliest due time of the clocks still running: what `sort=due` orders by; null
    /// when none runs (met, paused, or no SLA clocks).
    #[serde(default, with = "serde_ts::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$", example = "2026-11-29T07:12:01"))]
    pub sla_next_due: Option<Timestamp>,
    /// How the ticket stands against its SLA when read; null without SLA clocks.
    #[serde(default)]
    pub sla_state: Option<crate::sla::SlaState>,
    /// The ticket's tags, sorted; absent for Requesters, who neither see nor set them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

/// A ticket in a list: the ticket plus who asked and who works it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketListItem {
    #[serde(flatten)]
    pub ticket: Ticket,
    pub requester: UserSummary,
    pub assigned_agent: Option<UserSummary>,
}

/// `GET /api/v1/tickets/{id}`: the ticket with its thread, oldest comment first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketDetail {
    #[serde(flatten)]
    pub ticket: Ticket,
    pub requester: UserSummary,
    pub assigned_agent: Option<UserSummary>,
    pub comments: Vec<CommentWithUser>,
}

impl TicketDetail {
    /// A ticket with its people and its thread.
    pub fn of(item: TicketListItem, comments: Vec<CommentWithUser>) -> Self {
        Self {
            ticket: item.ticket,
            requester: item.requester,
            assigned_agent: item.assigned_agent,
            comments,
        }
    }
}

/// `POST /api/v1/tickets/`. Only staff may set `status` other than Open, `requester_id` other
/// than themselves, or `assigned_agent_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewTicketRequest {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub title: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 20000))]
    pub description: String,
    /// Default `Medium`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    /// Default `Open`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(
        default,
        deserialize_with = "lax::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(schema_with = lax::nullable_int_schema))]
    pub requester_id: Option<i64>,
    #[serde(
        default,
        deserialize_with = "lax::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(schema_with = lax::nullable_int_schema))]
    pub assigned_agent_id: Option<i64>,
    /// Staff only: the ticket's tags (see `validate::tag_set`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_items = 20))]
    pub tags: Option<Vec<String>>,
}

fn double_option_ts<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<Timestamp>>, D::Error> {
    serde_ts::option::deserialize(d).map(Some)
}

fn serialize_double_option_ts<S: serde::Serializer>(
    v: &Option<Option<Timestamp>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    serde_ts::option::serialize(&v.flatten(), s)
}

/// `PUT`/`PATCH /api/v1/tickets/{id}`: a partial update. An omitted (or null) title,
/// description, status or priority stays; `assigned_agent_id: null` unassigns;
/// `resolution_date: null` means "not given".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 20000))]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    #[serde(
        default,
        deserialize_with = "double_option_ts",
        serialize_with = "serialize_double_option_ts",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub resolution_date: Option<Option<Timestamp>>,
    #[serde(
        default,
        deserialize_with = "lax::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(schema_with = lax::nullable_int_schema))]
    pub assigned_agent_id: Option<Option<i64>>,
    /// Staff only: replaces the ticket's set of tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_items = 20))]
    pub tags: Option<Vec<String>>,
}

/// `POST /api/v1/tickets/bulk`: one change for many tickets, all or nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BulkChangeRequest {
    /// 1 to 500 distinct ticket ids.
    #[serde(deserialize_with = "lax::ints")]
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 500))]
    pub ids: Vec<i64>,
    pub changes: BulkChanges,
}

/// The change of a bulk change: any of its fields, applied to every ticket as a `PATCH` would.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BulkChanges {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    /// An agent's id, or `null` to unassign.
    #[serde(
        default,
        deserialize_with = "lax::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(schema_with = lax::nullable_int_schema))]
    pub assigned_agent_id: Option<Option<i64>>,
    /// Tags to add to each ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_items = 20))]
    pub add_tags: Option<Vec<String>>,
    /// Tags to take off each ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_items = 20))]
    pub remove_tags: Option<Vec<String>>,
}

/// The reply to a bulk change: every changed ticket, in the order asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkChangeReply {
    pub updated: Vec<TicketListItem>,
}

/// A saved view: a named ticket-list query (docs/API.md, "Saved views").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct View {
    pub id: i64,
    /// Whose view it is.
    pub user_id: i64,
    pub name: String,
    /// A ticket-list query string, e.g. `status=Open&priority=High&sort=-priority`.
    pub query: String,
    /// Shown to every staff member (set by a SysAdmin).
    pub shared: bool,
    #[serde(with = "serde_ts")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$", example = "2026-11-29T06:12:01"))]
    pub created_at: Timestamp,
    #[serde(with = "serde_ts")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$", example = "2026-11-29T06:12:01"))]
    pub updated_at: Timestamp,
    /// How many tickets the caller would see in it now.
    pub count: u64,
}

/// `POST /api/v1/views/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewView {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub query: String,
    #[serde(default)]
    pub shared: bool,
}

/// `PUT /api/v1/views/{id}`: omitted fields stay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ViewUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub query: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared: Option<bool>,
}

/// A comment as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Comment {
    pub id: i64,
    pub ticket_id: i64,
    pub commented_by_id: i64,
    pub description: String,
    #[serde(with = "serde_ts")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$", example = "2026-11-29T06:12:01"))]
    pub creation_date: Timestamp,
    #[serde(with = "serde_ts")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$", example = "2026-11-29T06:12:01"))]
    pub updated_at: Timestamp,
    /// An internal note: staff only, never shown to a Requester.
    #[serde(default)]
    pub is_internal: bool,
}

/// A comment in a ticket's thread, with its author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommentWithUser {
    #[serde(flatten)]
    pub comment: Comment,
    pub user: UserSummary,
}

/// `POST /api/v1/comments/`. The author is always the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewCommentRequest {
    #[serde(deserialize_with = "lax::int")]
    #[cfg_attr(feature = "openapi", schema(schema_with = lax::int_schema))]
    pub ticket_id: i64,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 20000))]
    pub description: String,
    /// Staff only: an internal note, which Requesters never see.
    #[serde(default)]
    pub is_internal: bool,
}

/// `PUT /api/v1/comments/{id}`. `ticket_id` may be echoed but never moves the comment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommentUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 20000))]
    pub description: Option<String>,
    #[serde(
        default,
        deserialize_with = "lax::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(schema_with = lax::nullable_int_schema))]
    pub ticket_id: Option<i64>,
}

/// A tag and how many of the tickets the caller can see carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TagCount {
    pub name: String,
    pub count: u64,
}

/// Who made a change, as a ticket's history shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryActor {
    pub id: i64,
    pub username: String,
    pub role: Role,
}

/// `GET /api/v1/tickets/{id}/history`: one change of a ticket, oldest first. `from` and `to`
/// are the values before and after, as text: wire strings for status and priority, the
/// assignee's username (null for nobody), a timestamp for a resolution date, the title for
/// `created`, the text for `comment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    #[serde(with = "serde_ts")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$", example = "2026-11-29T06:12:01"))]
    pub at: Timestamp,
    pub actor: HistoryActor,
    pub kind: HistoryKind,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// An activity-log entry with its user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogEntry {
    pub id: i64,
    pub user_id: i64,
    pub activity_type: ActivityType,
    pub details: String,
    #[serde(with = "serde_ts")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$", example = "2026-11-29T06:12:01"))]
    pub activity_date: Timestamp,
    pub ticket_id: Option<i64>,
    pub user: UserSummary,
}

/// A page of a list, in the seed's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub size: u64,
    pub pages: u64,
    /// Pass as `after` to fetch the next page by keyset (absent on the last page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, total: u64, page: u64, size: u64) -> Self {
        let pages = if size == 0 { 0 } else { total.div_ceil(size) };
        Self {
            items,
            total,
            page,
            size,
            pages,
            next_cursor: None,
        }
    }
}

/// How new tickets without an assignee are shared out (docs/API.md, "Auto-assignment").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AssignmentMode {
    /// New tickets stay unassigned.
    #[default]
    Off,
    /// To each available helpdesk agent in turn.
    RoundRobin,
    /// To the available helpdesk agent with the fewest Open and In Progress tickets; ties in
    /// turn.
    LeastLoaded,
}

/// `PUT /api/v1/admin/assignment`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AssignmentUpdate {
    pub mode: AssignmentMode,
}

/// A helpdesk agent as auto-assignment sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssignmentAgent {
    pub id: i64,
    pub username: String,
    /// Away agents are skipped.
    pub is_away: bool,
    /// Their Open and In Progress tickets.
    pub open: u64,
}

/// `GET /api/v1/admin/assignment`: the mode, and the active helpdesk agents it shares among.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssignmentSettings {
    pub mode: AssignmentMode,
    /// Active helpdesk agents by id (away ones included, marked).
    #[serde(default)]
    pub agents: Vec<AssignmentAgent>,
}

/// `PUT /api/v1/users/me/away`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AwayUpdate {
    pub away: bool,
}

/// `GET /api/v1/stats`: the helpdesk at a glance (staff; docs/API.md, "Statistics").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stats {
    /// Every ticket by status.
    pub by_status: StatusCounts,
    /// Every ticket by priority.
    pub by_priority: PriorityCounts,
    /// Tickets filed on each of the last 30 days (UTC, today last), days without any included.
    pub created_per_day: Vec<DayCount>,
    /// Tickets Resolved now, by the day of their resolution date, over the same 30 days.
    pub resolved_per_day: Vec<DayCount>,
    /// The staff with Open or In Progress tickets assigned, most first (then by id).
    pub open_per_agent: Vec<AgentOpen>,
    /// The 5 oldest tickets that are Open or In Progress, oldest first.
    pub oldest_open: Vec<TicketBrief>,
    /// The running SLA clocks at risk and the breached tickets; null while the SLA policy is
    /// off.
    pub sla: Option<SlaCounts>,
}

/// Ticket counts by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusCounts {
    #[serde(rename = "Open")]
    pub open: u64,
    #[serde(rename = "In Progress")]
    pub in_progress: u64,
    #[serde(rename = "Waiting")]
    pub waiting: u64,
    #[serde(rename = "Resolved")]
    pub resolved: u64,
}

impl StatusCounts {
    /// The count of `status`.
    pub fn get(&self, status: Status) -> u64 {
        match status {
            Status::Open => self.open,
            Status::InProgress => self.in_progress,
            Status::Waiting => self.waiting,
            Status::Resolved => self.resolved,
        }
    }

    /// The count of `status`, to change.
    pub fn get_mut(&mut self, status: Status) -> &mut u64 {
        match status {
            Status::Open => &mut self.open,
            Status::InProgress => &mut self.in_progress,
            Status::Waiting => &mut self.waiting,
            Status::Resolved => &mut self.resolved,
        }
    }
}

/// Ticket counts by priority.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriorityCounts {
    #[serde(rename = "Low")]
    pub low: u64,
    #[serde(rename = "Medium")]
    pub medium: u64,
    #[serde(rename = "High")]
    pub high: u64,
}

impl PriorityCounts {
    /// The count of `priority`.
    pub fn get(&self, priority: Priority) -> u64 {
        match priority {
            Priority::Low => self.low,
            Priority::Medium => self.medium,
            Priority::High => self.high,
        }
    }

    /// The count of `priority`, to change.
    pub fn get_mut(&mut self, priority: Priority) -> &mut u64 {
        match priority {
            Priority::Low => &mut self.low,
            Priority::Medium => &mut self.medium,
            Priority::High => &mut self.high,
        }
    }
}

/// A count for one day (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayCount {
    /// `YYYY-MM-DD`.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", example = "2026-12-04")
    )]
    pub date: String,
    pub count: u64,
}

/// An assignee and their Open and In Progress tickets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentOpen {
    pub agent: UserSummary,
    pub open: u64,
}

/// A ticket in a few fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketBrief {
    pub id: i64,
    pub title: String,
    pub status: Status,
    pub priority: Priority,
    #[serde(with = "serde_ts")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$", example = "2026-11-29T06:12:01"))]
    pub creation_date: Timestamp,
}

/// SLA counts at the time of the read (docs/API.md, "SLA clocks").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaCounts {
    /// Tickets whose state is `at_risk`.
    pub at_risk: u64,
    /// Tickets whose state is `breached`.
    pub breached: u64,
}
