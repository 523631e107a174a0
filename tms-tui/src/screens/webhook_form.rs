//! Registering a webhook (SysAdmin): its URL, the events it is sent (Space ticks one), and the
//! secret its deliveries are signed with — a fresh random one offered, since the server never
//! shows it again (docs/API.md, "Webhooks").

use super::{Out, reason};
use crate::api::ApiError;
use crate::app::keymap::Cmd;
use crate::app::{Reply, Request};
use crate::widgets::TextInput;
use crossterm::event::{KeyCode, KeyEvent};
use rand::Rng;
use tms_core::api::{NewWebhook, WEBHOOK_SECRET_MAX, WEBHOOK_SECRET_MIN, WebhookEvent};

pub const URL: usize = 0;
/// The first event's row; one row per event of [`WebhookEvent::ALL`].
pub const FIRST_EVENT: usize = 1;
pub const SECRET: usize = FIRST_EVENT + WebhookEvent::ALL.len();
pub const FIELDS: usize = SECRET + 1;
/// Length of the secret offered.
const OFFERED_SECRET: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookFormState {
    pub url: TextInput,
    /// Ticked, in the order of [`WebhookEvent::ALL`].
    pub events: Vec<bool>,
    pub secret: TextInput,
    pub focus: usize,
    /// The problem of the URL, the events and the secret.
    pub errors: [Option<String>; 3],
    pub sending: bool,
    pub error: Option<String>,
}

impl WebhookFormState {
    /// An empty form with every event ticked and a random secret.
    pub fn new() -> Self {
        let secret: String = rand::thread_rng()
            .sample_iter(rand::distributions::Alphanumeric)
            .take(OFFERED_SECRET)
            .map(char::from)
            .collect();
        Self {
            url: TextInput::default(),
            events: vec![true; WebhookEvent::ALL.len()],
            secret: TextInput::new(&secret),
            focus: URL,
            errors: Default::default(),
            sending: false,
            error: None,
        }
    }

    fn input(&mut self) -> Option<&mut TextInput> {
        match self.focus {
            URL => Some(&mut self.url),
            SECRET => Some(&mut self.secret),
            _ => None,
        }
    }

    pub fn on_paste(&mut self, text: &str) {
        if let Some(i) = self.input() {
            i.insert_str(text.trim());
        }
    }

    /// The request the form says, or `None` with its problems shown.
    fn validate(&mut self) -> Option<NewWebhook> {
        let url = self.url.text().trim().to_string();
        let lower = url.to_ascii_lowercase();
        let events: Vec<String> = WebhookEvent::ALL
            .iter()
            .zip(&self.events)
            .filter(|(_, on)| **on)
            .map(|(e, _)| e.as_str().to_string())
            .collect();
        let secret = self.secret.text().to_string();
        let n = secret.chars().count();
        self.errors = [
            (!(lower.starts_with("http://") || lower.starts_with("https://")))
                .then(|| "give an http:// or https:// URL".to_string()),
            events
                .is_empty()
                .then(|| "tick at least one event (Space)".to_string()),
            (!(WEBHOOK_SECRET_MIN..=WEBHOOK_SECRET_MAX).contains(&n)).then(|| {
                format!("{WEBHOOK_SECRET_MIN} to {WEBHOOK_SECRET_MAX} characters ({n} now)")
            }),
        ];
        self.errors
            .iter()
            .all(Option::is_none)
            .then_some(NewWebhook {
                url,
                events,
                secret,
            })
    }

    fn submit(&mut self) -> Vec<Out> {
        if self.sending {
            return Vec::new();
        }
        match self.validate() {
            Some(body) => {
                self.sending = true;
                self.error = None;
                vec![Out::Req(Request::CreateWebhook(body))]
            }
            None => {
                self.focus = match self.errors.iter().position(Option::is_some) {
                    Some(0) => URL,
                    Some(1) => FIRST_EVENT,
                    _ => SECRET,
                };
                Vec::new()
            }
        }
    }

    pub fn on_key(&mut self, cmd: Option<Cmd>, key: KeyEvent) -> Vec<Out> {
        match cmd {
            // The answer is shown here: the form stays until it comes.
            Some(Cmd::Back) if self.sending => {
                return vec![Out::Info("Saving the webhook: a moment.".into())];
            }
            Some(Cmd::Back) => return vec![Out::Back],
            Some(Cmd::Submit) if key.code == KeyCode::Enter && self.focus + 1 < FIELDS => {
                self.focus += 1;
            }
            Some(Cmd::Submit) => return self.submit(),
            Some(Cmd::NextField) => self.focus = (self.focus + 1) % FIELDS,
            Some(Cmd::PrevField) => self.focus = (self.focus + FIELDS - 1) % FIELDS,
            _ => match self.input() {
                Some(input) => {
                    input.handle(key);
                }
                None if key.code == KeyCode::Char(' ') => {
                    let i = self.focus - FIRST_EVENT;
                    self.events[i] = !self.events[i];
                    self.errors[1] = None;
                }
                None => {}
            },
        }
        Vec::new()
    }

    pub fn on_response(&mut self, request: &Request, result: &Result<Reply, ApiError>) -> Vec<Out> {
        if !matches!(request, Request::CreateWebhook(_)) {
            return Vec::new();
        }
        self.sending = false;
        self.error = reason(result);
        match result {
            Ok(Reply::Webhook(w)) => vec![
                Out::Info(format!(
                    "Webhook {} saved; its secret is not shown again.",
                    w.id
                )),
                Out::Back,
            ],
            _ => Vec::new(),
        }
    }
}

impl Default for WebhookFormState {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offers_a_fresh_secret_and_every_event() {
        let (a, b) = (WebhookFormState::new(), WebhookFormState::new());
        assert_eq!(a.secret.text().len(), OFFERED_SECRET);
        assert!(a.secret.text().chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a.secret.text(), b.secret.text());
        assert!(a.events.iter().all(|e| *e));
    }

    #[test]
    fn checks_before_sending() {
        let mut f = WebhookFormState::new();
        f.url.set("ftp://example.com");
        f.events = vec![false; WebhookEvent::ALL.len()];
        f.secret.set("short");
        assert_eq!(f.validate(), None);
        assert!(f.errors.iter().all(Option::is_some));
        f.url.set(" https://hooks.example.com/tms ");
        f.events[0] = true;
        f.secret.set("0123456789abcdef");
        let body = f.validate().unwrap();
        assert_eq!(body.url, "https://hooks.example.com/tms");
        assert_eq!(body.events, vec!["ticket.created".to_string()]);
    }
}
