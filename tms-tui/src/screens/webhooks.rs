//! Webhooks (SysAdmin): the registered URLs with their events, and under them the latest
//! deliveries of the highlighted one — sent, pending with the next attempt, or failed with the
//! reason — read again every few seconds while any is pending (docs/API.md, "Webhooks").

use super::{Out, Screen, WebhookFormState, move_cursor, reason};
use crate::api::ApiError;
use crate::app::keymap::Cmd;
use crate::app::overlay::{Confirm, ConfirmFor, Overlay};
use crate::app::{Alarm, Effect, Reply, Request};
use std::time::Duration;
use tms_core::api::{DeliveryStatus, Webhook, WebhookDelivery};

/// How many deliveries of a webhook are shown.
pub const DELIVERIES_SHOWN: u32 = 20;
/// How often the deliveries are read again while one is pending.
pub const PENDING_REREAD: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WebhooksState {
    pub hooks: Vec<Webhook>,
    pub loading: bool,
    pub error: Option<String>,
    pub selected: usize,
    /// The latest deliveries of the webhook `.0`, newest first.
    pub deliveries: Option<(i64, Vec<WebhookDelivery>)>,
    /// Why the deliveries could not be read.
    pub deliveries_error: Option<String>,
    /// The number of the reread of the deliveries waiting for its [`Effect::Wake`], if one is.
    pub reread: Option<u64>,
    /// How many rereads were set.
    pub rereads: u64,
}

impl WebhooksState {
    pub fn refresh(&mut self) -> Vec<Request> {
        self.loading = true;
        // A reread set before may have ended while another screen was in front; the answer
        // to this read sets a new one if a delivery is still pending.
        self.reread = None;
        let mut r = vec![Request::Webhooks];
        r.extend(self.selected_hook().map(|h| Request::Deliveries(h.id)));
        r
    }

    pub fn selected_hook(&self) -> Option<&Webhook> {
        self.hooks.get(self.selected)
    }

    /// The deliveries shown, if they are the highlighted webhook's.
    pub fn shown_deliveries(&self) -> Option<&[WebhookDelivery]> {
        match (&self.deliveries, self.selected_hook()) {
            (Some((id, d)), Some(h)) if *id == h.id => Some(d),
            _ => None,
        }
    }

    pub fn on_key(&mut self, cmd: Option<Cmd>) -> Vec<Out> {
        let Some(cmd) = cmd else { return Vec::new() };
        let before = self.selected_hook().map(|h| h.id);
        if move_cursor(&mut self.selected, self.hooks.len(), cmd) {
            return match self.selected_hook().map(|h| h.id) {
                Some(id) if Some(id) != before => vec![Out::Req(Request::Deliveries(id))],
                _ => Vec::new(),
            };
        }
        match cmd {
            Cmd::Back => vec![Out::Back],
            Cmd::Refresh => self.refresh().into_iter().map(Out::Req).collect(),
            Cmd::New => vec![Out::Push(Screen::WebhookForm(WebhookFormState::new()))],
            Cmd::Delete => match self.selected_hook() {
                Some(h) => vec![Out::Show(Overlay::Confirm(Confirm::new(
                    format!(
                        "Delete webhook {} ({})? Its pending deliveries are dropped.",
                        h.id, h.url
                    ),
                    ConfirmFor::DeleteWebhook(h.id),
                )))],
                None => vec![Out::Info("No webhook to delete.".into())],
            },
            _ => Vec::new(),
        }
    }

    /// The pause of reread `n` is over: read the deliveries again, if it is the one waited for.
    pub fn on_wake(&mut self, n: u64) -> Vec<Out> {
        if self.reread != Some(n) {
            return Vec::new();
        }
        self.reread = None;
        self.selected_hook()
            .map(|h| Out::Req(Request::Deliveries(h.id)))
            .into_iter()
            .collect()
    }

    pub fn on_response(&mut self, request: &Request, result: &Result<Reply, ApiError>) -> Vec<Out> {
        match (request, result) {
            (Request::Webhooks, _) => {
                self.loading = false;
                self.error = reason(result);
                let Ok(Reply::Webhooks(hooks)) = result else {
                    return Vec::new();
                };
                let before = self.selected_hook().map(|h| h.id);
                self.hooks = hooks.clone();
                self.selected = before
                    .and_then(|id| self.hooks.iter().position(|h| h.id == id))
                    .unwrap_or(self.selected)
                    .min(self.hooks.len().saturating_sub(1));
                match self.selected_hook().map(|h| h.id) {
                    Some(id) if Some(id) != before => vec![Out::Req(Request::Deliveries(id))],
                    _ => Vec::new(),
                }
            }
            (Request::Deliveries(id), _) if self.selected_hook().is_some_and(|h| h.id == *id) => {
                self.deliveries_error = reason(result);
                let Ok(Reply::Deliveries(d)) = result else {
                    return Vec::new();
                };
                let pending = d.iter().any(|d| d.status == DeliveryStatus::Pending);
                self.deliveries = Some((*id, d.clone()));
                if pending && self.reread.is_none() {
                    self.rereads += 1;
                    self.reread = Some(self.rereads);
                    let alarm = Alarm::Deliveries(self.rereads);
                    return vec![Out::Fx(Effect::Wake(PENDING_REREAD, alarm))];
                }
                Vec::new()
            }
            (Request::DeleteWebhook(id), Ok(Reply::Webhook(h))) => {
                let mut out = vec![Out::Info(format!("Webhook {id} ({}) deleted.", h.url))];
                self.hooks.retain(|h| h.id != *id);
                self.selected = self.selected.min(self.hooks.len().saturating_sub(1));
                out.extend(self.refresh().into_iter().map(Out::Req));
                out
            }
            _ => Vec::new(),
        }
    }
}
