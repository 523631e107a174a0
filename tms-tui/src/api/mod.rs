//! The HTTP client: one `async fn` per endpoint of docs/API.md ("Endpoints"), all errors through
//! [`error::from_status`]. Every mode (embedded, demo, remote) goes through here.

pub mod dispatch;
pub mod error;
pub mod events;
mod raw;

pub use error::ApiError;
pub use raw::Raw;

use reqwest::header::{COOKIE, HeaderMap, SET_COOKIE};
use reqwest::{Method, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::time::Duration;
use tms_core::api::{
    AssignmentMode, AssignmentSettings, AssignmentUpdate, AwayUpdate, NewView, NewWebhook,
    NotificationSettings, View, Webhook, WebhookDelivery,
};
use tms_core::api::{
    BulkChangeReply, BulkChangeRequest, Comment, CommentUpdate, Health, HistoryEntry, LogEntry,
    LogQuery, LoginRequest, NewCommentRequest, NewTicketRequest, NewUserRequest, Page,
    PasswordChange, SignupRequest, TagCount, Ticket, TicketDetail, TicketListItem, TicketQuery,
    TicketUpdate, TokenResponse, User, UserQuery, UserSummary, UserUpdate,
};
use tms_core::sla::SlaPolicy;

use tms_core::api::DEVICE_COOKIE;
pub use tms_core::api::DirectoryQuery;

/// A session the server opened: its token reply and, for a login, the device token it set.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub reply: TokenResponse,
    pub device: Option<String>,
}

/// The name a device token is kept under: the login email as the server reads it.
pub fn account_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A cheap-to-clone client bound to one server and, once logged in, one token.
#[derive(Debug, Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    /// For the event stream, which has no end: no limit on the whole request, but one on
    /// silence, so a dead connection is noticed (the server sends a heartbeat every 15 s).
    stream_http: reqwest::Client,
    base: String,
    token: Option<String>,
    /// Device tokens by account ([`account_key`]), sent with that account's logins.
    devices: BTreeMap<String, String>,
}

type Result<T> = std::result::Result<T, ApiError>;

/// How long the event stream may stay silent before its connection counts as dead.
const STREAM_SILENCE: Duration = Duration::from_secs(45);

/// An HTTP client with this crate's user agent and connect timeout, and `limit` on each reply.
fn http_client(
    limit: impl FnOnce(reqwest::ClientBuilder) -> reqwest::ClientBuilder,
) -> Result<reqwest::Client> {
    limit(
        reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("tms/", env!("CARGO_PKG_VERSION"))),
    )
    .build()
    .map_err(|e| ApiError::Unreachable(e.to_string()))
}

impl ApiClient {
    /// A client for the server at `base` (e.g. `http://127.0.0.1:8000`).
    pub fn new(base: &str) -> Result<Self> {
        Ok(Self {
            http: http_client(|b| b.timeout(Duration::from_secs(30)))?,
            stream_http: http_client(|b| b.read_timeout(STREAM_SILENCE))?,
            base: base.trim_end_matches('/').to_string(),
            token: None,
            devices: BTreeMap::new(),
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The session token in use, if logged in.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    pub fn set_token(&mut self, token: Option<String>) {
        self.token = token;
    }

    /// Sends `token` with the logins of `account` from now on, instead of the one before.
    pub fn set_device(&mut self, account: &str, token: String) {
        self.devices.insert(account_key(account), token);
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.authorized(self.http.request(method, format!("{}{}", self.base, path)))
    }

    /// `rb` with the session token, if logged in.
    fn authorized(&self, rb: RequestBuilder) -> RequestBuilder {
        match &self.token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    async fn send(rb: RequestBuilder) -> Result<Response> {
        let resp = rb.send().await.map_err(|e| ApiError::from_transport(&e))?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let body = resp.text().await.unwrap_or_default();
        Err(error::from_status(status, retry_after, &body))
    }

    async fn json<T: DeserializeOwned>(rb: RequestBuilder) -> Result<T> {
        let resp = Self::send(rb).await?;
        resp.json::<T>()
            .await
            .map_err(|e| ApiError::Decode(e.to_string()))
    }

    async fn empty(rb: RequestBuilder) -> Result<()> {
        Self::send(rb).await.map(drop)
    }

    /// `GET /healthz`; `setup_required` is set only while the server has no users.
    pub async fn health(&self) -> Result<Health> {
        Self::json(self.request(Method::GET, "/healthz")).await
    }

    /// `POST /login` with the device token kept for the account, if any; the session comes
    /// back with the device token the server set this time.
    pub async fn login(&self, body: &LoginRequest) -> Result<Session> {
        let mut rb = self.request(Method::POST, "/login").json(body);
        if let Some(device) = self.devices.get(&account_key(&body.email)) {
            rb = rb.header(COOKIE, format!("{DEVICE_COOKIE}={device}"));
        }
        let resp = Self::send(rb).await?;
        let device = device_cookie(resp.headers());
        let reply = resp
            .json::<TokenResponse>()
            .await
            .map_err(|e| ApiError::Decode(e.to_string()))?;
        Ok(Session { reply, device })
    }

    pub async fn signup(&self, body: &SignupRequest) -> Result<TokenResponse> {
        Self::json(self.request(Method::POST, "/signup").json(body)).await
    }

    pub async fn logout(&self) -> Result<()> {
        Self::empty(self.request(Method::POST, "/logout")).await
    }

    pub async fn me(&self) -> Result<User> {
        Self::json(self.request(Method::GET, "/users/me")).await
    }

    pub async fn change_password(&self, body: &PasswordChange) -> Result<()> {
        Self::empty(self.request(Method::PUT, "/users/me/password").json(body)).await
    }

    pub async fn list_users(&self, q: &UserQuery) -> Result<Vec<User>> {
        Self::json(self.users_request(q)).await
    }

    /// [`Self::list_users`], each user with the JSON the server sent for it.
    pub async fn list_users_raw(&self, q: &UserQuery) -> Result<Vec<Raw<User>>> {
        Self::json(self.users_request(q)).await
    }

    fn users_request(&self, q: &UserQuery) -> RequestBuilder {
        self.request(Method::GET, "/api/v1/admin/users/")
            .query(&q.to_pairs())
    }

    pub async fn get_user(&self, id: i64) -> Result<User> {
        Self::json(self.request(Method::GET, &format!("/api/v1/admin/users/{id}"))).await
    }

    pub async fn create_user(&self, body: &NewUserRequest) -> Result<User> {
        Self::json(
            self.request(Method::POST, "/api/v1/admin/users/")
                .json(body),
        )
        .await
    }

    /// [`Self::create_user`] with the JSON the server sent.
    pub async fn create_user_raw(&self, body: &NewUserRequest) -> Result<Raw<User>> {
        Self::json(
            self.request(Method::POST, "/api/v1/admin/users/")
                .json(body),
        )
        .await
    }

    pub async fn update_user(&self, id: i64, body: &UserUpdate) -> Result<User> {
        let rb = self
            .request(Method::PUT, &format!("/api/v1/admin/users/{id}"))
            .json(body);
        Self::json(rb).await
    }

    /// The auto-assignment mode and the agents it shares among (SysAdmin).
    pub async fn assignment(&self) -> Result<AssignmentSettings> {
        Self::json(self.request(Method::GET, "/api/v1/admin/assignment")).await
    }

    pub async fn set_assignment(&self, mode: AssignmentMode) -> Result<AssignmentSettings> {
        let rb = self
            .request(Method::PUT, "/api/v1/admin/assignment")
            .json(&AssignmentUpdate { mode });
        Self::json(rb).await
    }

    /// Says the caller (staff) is away from auto-assignment, or back.
    pub async fn set_away(&self, away: bool) -> Result<User> {
        let rb = self
            .request(Method::PUT, "/users/me/away")
            .json(&AwayUpdate { away });
        Self::json(rb).await
    }

    /// The SLA policy (SysAdmin).
    pub async fn sla_policy(&self) -> Result<SlaPolicy> {
        Self::json(self.request(Method::GET, "/api/v1/admin/sla")).await
    }

    /// Replaces the SLA policy (SysAdmin); tickets filed from then on follow it.
    pub async fn set_sla_policy(&self, policy: &SlaPolicy) -> Result<SlaPolicy> {
        Self::json(self.request(Method::PUT, "/api/v1/admin/sla").json(policy)).await
    }

    /// Whether the caller is sent email about their tickets.
    pub async fn notification_settings(&self) -> Result<NotificationSettings> {
        Self::json(self.request(Method::GET, "/api/v1/users/me/notifications")).await
    }

    pub async fn set_notification_settings(
        &self,
        settings: NotificationSettings,
    ) -> Result<NotificationSettings> {
        let rb = self
            .request(Method::PUT, "/api/v1/users/me/notifications")
            .json(&settings);
        Self::json(rb).await
    }

    /// Every webhook, by id (SysAdmin).
    pub async fn webhooks(&self) -> Result<Vec<Webhook>> {
        Self::json(self.request(Method::GET, "/api/v1/admin/webhooks")).await
    }

    pub async fn create_webhook(&self, body: &NewWebhook) -> Result<Webhook> {
        Self::json(
            self.request(Method::POST, "/api/v1/admin/webhooks")
                .json(body),
        )
        .await
    }

    /// Deletes a webhook with its deliveries; answers with the webhook as it was.
    pub async fn delete_webhook(&self, id: i64) -> Result<Webhook> {
        let path = format!("/api/v1/admin/webhooks/{id}");
        Self::json(self.request(Method::DELETE, &path)).await
    }

    /// A webhook's latest `limit` deliveries, newest first.
    pub async fn webhook_deliveries(&self, id: i64, limit: u32) -> Result<Vec<WebhookDelivery>> {
        let path = format!("/api/v1/admin/webhooks/{id}/deliveries");
        let rb = self
            .request(Method::GET, &path)
            .query(&[("limit", limit.to_string())]);
        Self::json(rb).await
    }

    pub async fn delete_user(&self, id: i64) -> Result<()> {
        Self::empty(self.request(Method::DELETE, &format!("/api/v1/admin/users/{id}"))).await
    }

    /// Active users whose name or email holds `q`, as summaries (staff only): the directory
    /// in which agents and admins find the requester of a ticket they file for someone.
    pub async fn directory(&self, q: &DirectoryQuery) -> Result<Vec<UserSummary>> {
        let rb = self
            .request(Method::GET, "/api/v1/users/")
            .query(&q.to_pairs());
        Self::json(rb).await
    }

    /// The people tickets can be assigned to: active agents and admins (staff only).
    pub async fn agents(&self) -> Result<Vec<UserSummary>> {
        Self::json(self.request(Method::GET, "/api/v1/agents/")).await
    }

    /// The dashboard's statistics (staff).
    pub async fn stats(&self) -> Result<tms_core::api::Stats> {
        Self::json(self.request(Method::GET, "/api/v1/stats")).await
    }

    pub async fn tags(&self) -> Result<Vec<TagCount>> {
        Self::json(self.request(Method::GET, "/api/v1/tags/")).await
    }

    pub async fn list_tickets(&self, q: &TicketQuery) -> Result<Page<TicketListItem>> {
        Self::json(self.tickets_request(q)).await
    }

    /// [`Self::list_tickets`], each ticket with the JSON the server sent for it.
    pub async fn list_tickets_raw(&self, q: &TicketQuery) -> Result<Page<Raw<TicketListItem>>> {
        Self::json(self.tickets_request(q)).await
    }

    fn tickets_request(&self, q: &TicketQuery) -> RequestBuilder {
        self.request(Method::GET, "/api/v1/tickets/")
            .query(&q.to_pairs())
    }

    pub async fn agent_tickets(&self, agent: i64, q: &TicketQuery) -> Result<Page<TicketListItem>> {
        let path = format!("/api/v1/tickets/agent/{agent}/");
        Self::json(self.request(Method::GET, &path).query(&q.to_pairs())).await
    }

    pub async fn get_ticket(&self, id: i64) -> Result<TicketDetail> {
        Self::json(self.request(Method::GET, &format!("/api/v1/tickets/{id}"))).await
    }

    /// [`Self::get_ticket`] with the JSON the server sent.
    pub async fn get_ticket_raw(&self, id: i64) -> Result<Raw<TicketDetail>> {
        Self::json(self.request(Method::GET, &format!("/api/v1/tickets/{id}"))).await
    }

    /// Every change of ticket `id`, oldest first (whoever may see the ticket).
    pub async fn ticket_history(&self, id: i64) -> Result<Vec<HistoryEntry>> {
        let path = format!("/api/v1/tickets/{id}/history");
        Self::json(self.request(Method::GET, &path)).await
    }

    pub async fn create_ticket(&self, body: &NewTicketRequest) -> Result<Ticket> {
        Self::json(self.request(Method::POST, "/api/v1/tickets/").json(body)).await
    }

    /// [`Self::create_ticket`] with the JSON the server sent.
    pub async fn create_ticket_raw(&self, body: &NewTicketRequest) -> Result<Raw<Ticket>> {
        Self::json(self.request(Method::POST, "/api/v1/tickets/").json(body)).await
    }

    /// `PATCH`: the server answers with the whole ticket as `GET` gives it. With `version`,
    /// only if the ticket is still at it (`If-Match`); else [`ApiError::Stale`] with the
    /// ticket as it is now.
    pub async fn update_ticket(
        &self,
        id: i64,
        body: &TicketUpdate,
        version: Option<i64>,
    ) -> Result<TicketDetail> {
        Self::json(self.update_request(id, body, version)).await
    }

    /// [`Self::update_ticket`] with the JSON the server sent.
    pub async fn update_ticket_raw(
        &self,
        id: i64,
        body: &TicketUpdate,
        version: Option<i64>,
    ) -> Result<Raw<TicketDetail>> {
        Self::json(self.update_request(id, body, version)).await
    }

    fn update_request(&self, id: i64, body: &TicketUpdate, version: Option<i64>) -> RequestBuilder {
        let rb = self
            .request(Method::PATCH, &format!("/api/v1/tickets/{id}"))
            .json(body);
        match version {
            Some(v) => rb.header(reqwest::header::IF_MATCH, format!("\"{v}\"")),
            None => rb,
        }
    }

    /// `POST /api/v1/tickets/bulk`: all or nothing; a refusal names every failing ticket.
    pub async fn bulk_change(&self, body: &BulkChangeRequest) -> Result<BulkChangeReply> {
        Self::json(
            self.request(Method::POST, "/api/v1/tickets/bulk")
                .json(body),
        )
        .await
    }

    pub async fn delete_ticket(&self, id: i64) -> Result<()> {
        Self::empty(self.request(Method::DELETE, &format!("/api/v1/tickets/{id}"))).await
    }

    pub async fn create_comment(&self, body: &NewCommentRequest) -> Result<Comment> {
        Self::json(self.request(Method::POST, "/api/v1/comments/").json(body)).await
    }

    /// [`Self::create_comment`] with the JSON the server sent.
    pub async fn create_comment_raw(&self, body: &NewCommentRequest) -> Result<Raw<Comment>> {
        Self::json(self.request(Method::POST, "/api/v1/comments/").json(body)).await
    }

    pub async fn update_comment(&self, id: i64, body: &CommentUpdate) -> Result<Comment> {
        let rb = self
            .request(Method::PUT, &format!("/api/v1/comments/{id}"))
            .json(body);
        Self::json(rb).await
    }

    pub async fn delete_comment(&self, id: i64) -> Result<()> {
        Self::empty(self.request(Method::DELETE, &format!("/api/v1/comments/{id}"))).await
    }

    pub async fn list_logs(&self, q: &LogQuery) -> Result<Vec<LogEntry>> {
        Self::json(self.logs_request(q)).await
    }

    /// [`Self::list_logs`], each entry with the JSON the server sent for it.
    pub async fn list_logs_raw(&self, q: &LogQuery) -> Result<Vec<Raw<LogEntry>>> {
        Self::json(self.logs_request(q)).await
    }

    fn logs_request(&self, q: &LogQuery) -> RequestBuilder {
        self.request(Method::GET, "/api/v1/logs/")
            .query(&q.to_pairs())
    }

    pub async fn clear_logs(&self) -> Result<()> {
        Self::empty(self.request(Method::DELETE, "/api/v1/logs/")).await
    }

    /// The caller's saved views and, for staff, the shared ones, by name, each counted.
    pub async fn views(&self) -> Result<Vec<View>> {
        Self::json(self.request(Method::GET, "/api/v1/views/")).await
    }

    pub async fn create_view(&self, body: &NewView) -> Result<View> {
        Self::json(self.request(Method::POST, "/api/v1/views/").json(body)).await
    }

    /// Deletes view `id`; the server answers with the view as it was.
    pub async fn delete_view(&self, id: i64) -> Result<View> {
        Self::json(self.request(Method::DELETE, &format!("/api/v1/views/{id}"))).await
    }

    /// Opens the session's event stream (`GET /api/v1/events`), resuming after the event
    /// `last_event_id` when given. See [`events::listen`], which keeps it open.
    pub async fn events(
        &self,
        last_event_id: Option<&str>,
    ) -> Result<impl futures_util::Stream<Item = events::Block> + use<>> {
        let url = format!("{}/api/v1/events", self.base);
        let mut rb = self
            .authorized(self.stream_http.get(url))
            .header(reqwest::header::ACCEPT, "text/event-stream");
        if let Some(id) = last_event_id {
            rb = rb.header("Last-Event-ID", id);
        }
        let resp = Self::send(rb).await?;
        Ok(sse_stream::SseByteStream::new(resp.bytes_stream()))
    }
}

/// The device token among a reply's `Set-Cookie` headers. Only a token of the characters the
/// server writes is taken, so what is kept can always be sent back as a header.
fn device_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next()?.trim().split_once('='))
        .find(|(name, _)| *name == DEVICE_COOKIE)
        .map(|(_, value)| value.trim().to_string())
        .filter(|v| {
            !v.is_empty()
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn the_device_token_is_read_from_its_cookie_only() {
        let mut h = HeaderMap::new();
        h.append(SET_COOKIE, HeaderValue::from_static("other=1; Path=/"));
        assert_eq!(device_cookie(&h), None);
        h.append(
            SET_COOKIE,
            HeaderValue::from_static("tms_device=v1.abc-_9.DEF; Path=/; HttpOnly"),
        );
        assert_eq!(device_cookie(&h).as_deref(), Some("v1.abc-_9.DEF"));
        let mut bad = HeaderMap::new();
        bad.append(
            SET_COOKIE,
            HeaderValue::from_static("tms_device=a,b; Path=/"),
        );
        assert_eq!(device_cookie(&bad), None);
    }
}
