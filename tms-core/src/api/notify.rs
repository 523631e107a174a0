//! Notifications (docs/API.md, "Notifications" and "Webhooks"): a user's choice about email,
//! and the webhooks a SysAdmin registers with their deliveries.

use serde::{Deserialize, Serialize};

use crate::timefmt::{Timestamp, serde_ts};

/// `GET` / `PUT /api/v1/users/me/notifications`: whether the caller is sent email.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NotificationSettings {
    /// Email about the caller's tickets (default true).
    pub email: bool,
}

/// What a webhook can be sent: the changes of tickets and comments that the event stream
/// tells (docs/API.md, "Live events").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WebhookEvent {
    #[serde(rename = "ticket.created")]
    TicketCreated,
    #[serde(rename = "ticket.updated")]
    TicketUpdated,
    #[serde(rename = "ticket.deleted")]
    TicketDeleted,
    #[serde(rename = "comment.created")]
    CommentCreated,
    #[serde(rename = "comment.updated")]
    CommentUpdated,
    #[serde(rename = "comment.deleted")]
    CommentDeleted,
}

impl WebhookEvent {
    /// Every event, in the order the API lists them.
    pub const ALL: &'static [WebhookEvent] = &[
        WebhookEvent::TicketCreated,
        WebhookEvent::TicketUpdated,
        WebhookEvent::TicketDeleted,
        WebhookEvent::CommentCreated,
        WebhookEvent::CommentUpdated,
        WebhookEvent::CommentDeleted,
    ];

    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookEvent::TicketCreated => "ticket.created",
            WebhookEvent::TicketUpdated => "ticket.updated",
            WebhookEvent::TicketDeleted => "ticket.deleted",
            WebhookEvent::CommentCreated => "comment.created",
            WebhookEvent::CommentUpdated => "comment.updated",
            WebhookEvent::CommentDeleted => "comment.deleted",
        }
    }

    /// The event a wire string names.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|e| e.as_str() == s)
    }
}

impl std::fmt::Display for WebhookEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Shortest and longest webhook secret, in characters.
pub const WEBHOOK_SECRET_MIN: usize = 16;
pub const WEBHOOK_SECRET_MAX: usize = 256;
/// Longest webhook URL, in characters.
pub const WEBHOOK_URL_MAX: usize = 2048;

/// `POST /api/v1/admin/webhooks`. Events are read as strings so that an unknown one is named
/// in the 422 (`loc: ["body", "events"]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// `http` or `https`, without credentials or fragment.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 2048,
            example = "https://hooks.example.com/tms"
        )
    )]
    pub url: String,
    /// The events to send (at least one).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<WebhookEvent>, min_items = 1))]
    pub events: Vec<String>,
    /// The key of the `X-Tms-Signature` HMAC: 16–256 characters, never shown again.
    #[cfg_attr(feature = "openapi", schema(min_length = 16, max_length = 256))]
    pub secret: String,
}

/// A registered webhook. Its secret is never shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    pub events: Vec<WebhookEvent>,
    /// Always true: a secret was given at creation (it is kept, never returned).
    pub secret_set: bool,
    /// The SysAdmin who created it.
    pub created_by: i64,
    #[serde(with = "serde_ts")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$", example = "2026-11-29T06:12:01"))]
    pub created_at: Timestamp,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not sent yet: due at `next_attempt_at`.
    Pending,
    Sent,
    /// Given up: see `last_error`.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Sent, Self::Failed]
            .into_iter()
            .find(|d| d.as_str() == s)
    }
}

/// One delivery of a webhook (`GET /api/v1/admin/webhooks/{id}/deliveries`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    /// Also its `X-Tms-Delivery` header and `delivery_id` field.
    pub id: i64,
    pub event: WebhookEvent,
    /// The ticket it is about.
    pub ticket_id: Option<i64>,
    pub status: DeliveryStatus,
    /// Attempts made (one being made counts).
    pub attempts: u32,
    /// The HTTP status of the last attempt that got an answer.
    pub last_status: Option<u16>,
    /// Why the last attempt failed, when it did.
    pub last_error: Option<String>,
    /// When it is tried next (pending only).
    #[serde(with = "serde_ts::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$", example = "2026-11-29T06:12:01"))]
    pub next_attempt_at: Option<Timestamp>,
    /// When the change happened (the payload's `occurred_at`).
    #[serde(with = "serde_ts")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$", example = "2026-11-29T06:12:01"))]
    pub created_at: Timestamp,
    /// The last change of this record (an attempt started or ended).
    #[serde(with = "serde_ts")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$", example = "2026-11-29T06:12:01"))]
    pub updated_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_strings_round_trip() {
        for e in WebhookEvent::ALL {
            assert_eq!(WebhookEvent::parse(e.as_str()), Some(*e));
            let json = serde_json::to_string(e).unwrap();
            assert_eq!(json, format!("\"{}\"", e.as_str()));
            assert_eq!(serde_json::from_str::<WebhookEvent>(&json).unwrap(), *e);
        }
        assert_eq!(WebhookEvent::parse("ticket.exploded"), None);
        assert_eq!(WebhookEvent::parse("Ticket.Created"), None);
    }

    #[test]
    fn settings_refuse_unknown_fields() {
        assert!(serde_json::from_str::<NotificationSettings>(r#"{"email": false}"#).is_ok());
        assert!(serde_json::from_str::<NotificationSettings>(r#"{"email": 1}"#).is_err());
        assert!(
            serde_json::from_str::<NotificationSettings>(r#"{"email": true, "x": 1}"#).is_err()
        );
        assert!(serde_json::from_str::<NotificationSettings>("{}").is_err());
    }
}
