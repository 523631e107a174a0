//! The SLA policy (SysAdmin, `GET`/`PUT /api/v1/admin/sla`): on or off, the time zone, each
//! day's business hours, the holidays and every priority's targets, edited as text and checked
//! with the server's own rules ([`SlaPolicy::calendar`]) before it is sent. A saved policy
//! applies to tickets filed from then on (docs/API.md, "SLA").

use super::{Out, reason};
use crate::api::ApiError;
use crate::app::keymap::Cmd;
use crate::app::overlay::{Confirm, ConfirmFor, Overlay};
use crate::app::{Reply, Request};
use crate::widgets::TextInput;
use crossterm::event::{KeyCode, KeyEvent};
use std::collections::BTreeMap;
use tms_core::Priority;
use tms_core::sla::{DAYS, SlaPolicy, SlaTarget, TARGET_MAX_MINUTES};

/// The fields, in the order the cursor visits them.
pub const ENABLED: usize = 0;
pub const TIME_ZONE: usize = 1;
/// Monday's hours; the other days follow.
pub const FIRST_DAY: usize = 2;
pub const HOLIDAYS: usize = FIRST_DAY + 7;
/// High's first-response target; then its resolution, then Medium's and Low's.
pub const FIRST_TARGET: usize = HOLIDAYS + 1;
pub const FIELDS: usize = FIRST_TARGET + 6;

/// The priorities in the order the form lists them.
pub const PRIORITIES: [Priority; 3] = [Priority::High, Priority::Medium, Priority::Low];
/// How the form names the days.
pub const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// The text fields of the form (every field but [`ENABLED`]), indexed by field − 1.
type Inputs = [TextInput; FIELDS - 1];

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SlaPolicyState {
    /// The policy as the server last gave it; `None` until read.
    pub saved: Option<SlaPolicy>,
    pub enabled: bool,
    pub inputs: Inputs,
    pub focus: usize,
    /// What is wrong with each field, by field.
    pub errors: BTreeMap<usize, String>,
    pub loading: bool,
    pub sending: bool,
    /// The server's refusal, or why the policy could not be read.
    pub error: Option<String>,
}

/// `90` → `1h 30m`; whole hours as `8h`, below an hour `45m`.
pub fn duration_text(minutes: u32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h {m}m"),
    }
}

/// Business minutes from `8h`, `1h 30m`, `90m` or `90`.
pub fn parse_duration(text: &str) -> Result<u32, String> {
    let bad = || {
        format!(
            "“{}” is not a duration: write e.g. 45m, 8h or 1h 30m",
            text.trim()
        )
    };
    let s: String = text.split_whitespace().collect();
    if s.is_empty() {
        return Err("give a duration, e.g. 8h".into());
    }
    if s.chars().all(|c| c.is_ascii_digit()) {
        return s.parse().map_err(|_| bad());
    }
    let (mut total, mut number) = (0u64, String::new());
    for c in s.chars() {
        match c {
            '0'..='9' => number.push(c),
            'h' | 'm' if !number.is_empty() => {
                let n: u64 = number.parse().map_err(|_| bad())?;
                total += if c == 'h' { n.saturating_mul(60) } else { n };
                number.clear();
            }
            _ => return Err(bad()),
        }
    }
    if !number.is_empty() {
        return Err(bad());
    }
    u32::try_from(total).map_err(|_| bad())
}

/// A target's minutes from its text, in the range the server takes.
fn minutes(text: &str) -> Result<u32, String> {
    match parse_duration(text)? {
        m if (1..=TARGET_MAX_MINUTES).contains(&m) => Ok(m),
        _ => Err(format!(
            "a target is 1 minute to {} ({TARGET_MAX_MINUTES} minutes)",
            duration_text(TARGET_MAX_MINUTES)
        )),
    }
}

/// A day's hours as the form writes them: `09:00-12:00, 13:00-17:00`; empty when closed.
fn hours_text(spans: &[[String; 2]]) -> String {
    spans
        .iter()
        .map(|[from, to]| format!("{from}-{to}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A day's hours from the form's text; the times themselves are checked by the policy.
fn parse_hours(day: &str, text: &str) -> Result<Vec<[String; 2]>, String> {
    text.split([',', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|span| match span.split_once(['-', '–']) {
            Some((from, to)) => Ok([from.trim().to_string(), to.trim().to_string()]),
            None => Err(format!(
                "{day}: “{span}” is not a span: write e.g. 09:00-17:00 (empty when closed)"
            )),
        })
        .collect()
}

impl SlaPolicyState {
    pub fn refresh(&mut self) -> Vec<Request> {
        self.loading = true;
        vec![Request::SlaPolicy]
    }

    /// Fills the form from `policy`.
    fn fill(&mut self, policy: &SlaPolicy) {
        self.enabled = policy.enabled;
        self.inputs[TIME_ZONE - 1].set(&policy.time_zone);
        for (i, day) in DAYS.iter().enumerate() {
            let spans = policy
                .business_hours
                .get(*day)
                .map_or(&[][..], Vec::as_slice);
            self.inputs[FIRST_DAY + i - 1].set(&hours_text(spans));
        }
        self.inputs[HOLIDAYS - 1].set(&policy.holidays.join(", "));
        for (i, p) in PRIORITIES.iter().enumerate() {
            let t = policy.targets.get(p);
            let at = FIRST_TARGET + 2 * i - 1;
            let text = |m: Option<u32>| m.map(duration_text).unwrap_or_default();
            self.inputs[at].set(&text(t.map(|t| t.first_response_minutes)));
            self.inputs[at + 1].set(&text(t.map(|t| t.resolution_minutes)));
        }
        self.errors.clear();
    }

    /// Whether the form holds something other than the saved policy.
    pub fn is_changed(&self) -> bool {
        let Some(saved) = &self.saved else {
            return false;
        };
        let mut pristine = self.clone();
        pristine.fill(saved);
        pristine.enabled != self.enabled
            || pristine
                .inputs
                .iter()
                .zip(&self.inputs)
                .any(|(a, b)| a.text().trim() != b.text().trim())
    }

    /// The field a problem of the policy is about, from its field name and message.
    fn field_of(e: &tms_core::ValidationError) -> usize {
        match e.field {
            "time_zone" => TIME_ZONE,
            "holidays" => HOLIDAYS,
            "business_hours" => DAYS
                .iter()
                .position(|d| e.msg.starts_with(&format!("{d}:")))
                .map_or(FIRST_DAY, |i| FIRST_DAY + i),
            "targets" => PRIORITIES
                .iter()
                .position(|p| e.msg.starts_with(&format!("{p}:")))
                .map_or(FIRST_TARGET, |i| FIRST_TARGET + 2 * i),
            _ => ENABLED,
        }
    }

    /// The policy the form says, checked as the server will check it; the problems are kept
    /// by field.
    pub fn policy(&mut self) -> Option<SlaPolicy> {
        self.errors.clear();
        let text = |f: usize| self.inputs[f - 1].text().trim().to_string();
        let mut business_hours = BTreeMap::new();
        for (i, day) in DAYS.iter().enumerate() {
            match parse_hours(day, &text(FIRST_DAY + i)) {
                Ok(spans) => {
                    business_hours.insert(day.to_string(), spans);
                }
                Err(e) => {
                    self.errors.insert(FIRST_DAY + i, e);
                }
            }
        }
        let holidays = text(HOLIDAYS)
            .split([',', ' ', ';'])
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let mut targets = BTreeMap::new();
        for (i, p) in PRIORITIES.iter().enumerate() {
            let at = FIRST_TARGET + 2 * i;
            let first = minutes(&text(at)).map_err(|e| self.errors.insert(at, e));
            let res = minutes(&text(at + 1)).map_err(|e| self.errors.insert(at + 1, e));
            if let (Ok(first_response_minutes), Ok(resolution_minutes)) = (first, res) {
                targets.insert(
                    *p,
                    SlaTarget {
                        first_response_minutes,
                        resolution_minutes,
                    },
                );
            }
        }
        let policy = SlaPolicy {
            enabled: self.enabled,
            time_zone: text(TIME_ZONE),
            business_hours,
            holidays,
            targets,
        };
        if self.errors.is_empty()
            && let Err(problems) = policy.calendar()
        {
            for e in problems {
                self.errors.entry(Self::field_of(&e)).or_insert(e.msg);
            }
        }
        self.errors.is_empty().then_some(policy)
    }

    fn submit(&mut self) -> Vec<Out> {
        if self.sending {
            return Vec::new();
        }
        if self.saved.is_none() {
            return vec![Out::Info("The SLA policy is not loaded yet.".into())];
        }
        match self.policy() {
            Some(policy) => {
                self.sending = true;
                self.error = None;
                vec![Out::Req(Request::SetSlaPolicy(Box::new(policy)))]
            }
            None => {
                if let Some(f) = self.errors.keys().next() {
                    self.focus = *f;
                }
                Vec::new()
            }
        }
    }

    pub fn on_paste(&mut self, text: &str) {
        if self.focus != ENABLED {
            self.inputs[self.focus - 1].insert_str(text.trim());
        }
    }

    pub fn on_key(&mut self, cmd: Option<Cmd>, key: KeyEvent) -> Vec<Out> {
        match cmd {
            Some(Cmd::Back) if self.is_changed() => {
                return vec![Out::Show(Overlay::Confirm(Confirm::new(
                    "Leave without saving the changes to the SLA policy?".into(),
                    ConfirmFor::Discard,
                )))];
            }
            Some(Cmd::Back) => return vec![Out::Back],
            Some(Cmd::Submit) if key.code == KeyCode::Enter && self.focus + 1 < FIELDS => {
                self.focus += 1;
            }
            Some(Cmd::Submit) => return self.submit(),
            Some(Cmd::Refresh) => {
                self.saved = None;
                return self.refresh().into_iter().map(Out::Req).collect();
            }
            Some(Cmd::NextField) => self.focus = (self.focus + 1) % FIELDS,
            Some(Cmd::PrevField) => self.focus = (self.focus + FIELDS - 1) % FIELDS,
            Some(Cmd::ChoicePrev | Cmd::ChoiceNext) if self.focus == ENABLED => {
                self.enabled = !self.enabled;
            }
            _ if self.focus == ENABLED => {
                if key.code == KeyCode::Char(' ') {
                    self.enabled = !self.enabled;
                }
            }
            _ => {
                if self.inputs[self.focus - 1].handle(key) {
                    self.errors.remove(&self.focus);
                }
            }
        }
        Vec::new()
    }

    pub fn on_response(&mut self, request: &Request, result: &Result<Reply, ApiError>) -> Vec<Out> {
        match request {
            Request::SlaPolicy => {
                self.loading = false;
                self.error = reason(result);
                if let Ok(Reply::SlaPolicy(p)) = result {
                    // Read again (the connection came back, say): edits not yet saved stay.
                    if !self.is_changed() {
                        self.fill(p);
                    }
                    self.saved = Some((**p).clone());
                }
                Vec::new()
            }
            Request::SetSlaPolicy(_) => {
                self.sending = false;
                self.error = reason(result);
                match result {
                    Ok(Reply::SlaPolicy(p)) => {
                        self.fill(p);
                        self.saved = Some((**p).clone());
                        let said = if p.enabled {
                            "SLA policy saved: tickets filed from now on follow it."
                        } else {
                            "SLA policy saved: SLA is off, new tickets get no clocks."
                        };
                        vec![Out::Info(said.into())]
                    }
                    _ => Vec::new(),
                }
            }
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_and_write_alike() {
        for (text, minutes) in [
            ("60", 60),
            ("45m", 45),
            ("8h", 480),
            ("1h 30m", 90),
            ("1h30m", 90),
            ("72h", 4320),
        ] {
            assert_eq!(parse_duration(text), Ok(minutes), "{text}");
        }
        for m in [1, 45, 60, 90, 480, 1440, 4320, 525_600] {
            assert_eq!(parse_duration(&duration_text(m)), Ok(m));
        }
        assert_eq!(duration_text(90), "1h 30m");
        for bad in ["", "h", "8x", "1d", "8h30", "-5", "99999999999h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_default_policy_reads_back_unchanged() {
        let mut s = SlaPolicyState::default();
        let p = SlaPolicy::default();
        s.fill(&p);
        s.saved = Some(p.clone());
        assert!(!s.is_changed());
        assert_eq!(s.policy(), Some(p));
        assert_eq!(s.inputs[FIRST_DAY - 1].text(), "00:00-24:00");
        assert_eq!(s.inputs[FIRST_TARGET - 1].text(), "1h");
        assert_eq!(s.inputs[FIRST_TARGET + 5 - 1].text(), "72h");
    }

    #[test]
    fn problems_are_kept_by_field() {
        let mut s = SlaPolicyState::default();
        s.fill(&SlaPolicy::default());
        s.inputs[TIME_ZONE - 1].set("Mars/Olympus");
        s.inputs[FIRST_DAY + 2 - 1].set("09:00");
        s.inputs[FIRST_TARGET + 3 - 1].set("soon");
        assert_eq!(s.policy(), None);
        assert_eq!(
            s.errors.keys().copied().collect::<Vec<_>>(),
            vec![FIRST_DAY + 2, FIRST_TARGET + 3],
            "parse errors first; the policy's own checks once the text reads"
        );
        s.inputs[FIRST_DAY + 2 - 1].set("17:00-09:00");
        s.inputs[FIRST_TARGET + 3 - 1].set("2h");
        s.inputs[HOLIDAYS - 1].set("2026-12-25, 2026-13-01");
        assert_eq!(s.policy(), None);
        assert_eq!(
            s.errors.keys().copied().collect::<Vec<_>>(),
            vec![TIME_ZONE, FIRST_DAY + 2, HOLIDAYS]
        );
        assert!(s.errors[&(FIRST_DAY + 2)].starts_with("wed:"));
    }
}
