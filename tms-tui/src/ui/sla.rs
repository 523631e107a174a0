//! A ticket's SLA clocks in words (docs/API.md, "SLA clocks"): the queue's SLA column ("1h 20m",
//! "risk 12m", "breached 35m") and the ticket screen's line. The words carry the state, so they
//! read the same without colour; the theme colours at risk and breached.

use tms_core::SlaState;
use tms_core::api::Ticket;
use tms_core::timefmt::Timestamp;

/// A length of time, two units at most: `45s`, `35m`, `1h 20m`, `2d 3h`.
pub fn span(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        s if s < 60 => format!("{s}s"),
        s if s < 3_600 => format!("{}m", s / 60),
        s if s < 86_400 => match (s / 3_600, s % 3_600 / 60) {
            (h, 0) => format!("{h}h"),
            (h, m) => format!("{h}h {m}m"),
        },
        s => match (s / 86_400, s % 86_400 / 3_600) {
            (d, 0) => format!("{d}d"),
            (d, h) => format!("{d}d {h}h"),
        },
    }
}

/// The state as of `now`: the server's, unless its next due time has passed since it was
/// read (a list read a while ago).
pub fn state_now(t: &Ticket, now: Timestamp) -> Option<SlaState> {
    let state = t.sla_state?;
    match (state, t.sla_next_due) {
        (SlaState::Ok | SlaState::AtRisk, Some(due)) if due <= now => Some(SlaState::Breached),
        _ => Some(state),
    }
}

/// The queue's cell: time to the next due time, or how long it is overdue; `None` without
/// clocks.
pub fn cell(t: &Ticket, now: Timestamp) -> Option<(String, SlaState)> {
    let state = state_now(t, now)?;
    let left = t.sla_next_due.map(|due| (due - now).whole_seconds());
    let text = match (state, left) {
        (SlaState::Ok, Some(l)) => span(l),
        (SlaState::AtRisk, Some(l)) => format!("risk {}", span(l)),
        (SlaState::Breached, Some(l)) if l < 0 => format!("breached {}", span(-l)),
        // Breached for good (answered late), the resolution still running.
        (SlaState::Breached, _) => "breached".into(),
        (SlaState::Paused, _) => "paused".into(),
        (SlaState::Met, _) | (SlaState::Ok | SlaState::AtRisk, None) => "met".into(),
    };
    Some((text, state))
}

/// An instant near `now`, short (UTC, as the screen's other times): `14:20` the same day,
/// else `12-24 14:20`.
fn short(t: Timestamp, now: Timestamp) -> String {
    if t.date() == now.date() {
        format!("{:02}:{:02}", t.hour(), t.minute())
    } else {
        format!(
            "{:02}-{:02} {:02}:{:02}",
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        )
    }
}

/// One clock for the ticket screen: `response due 14:20 (in 1h 20m)`, `… met 09:12`.
fn clock(
    name: &str,
    due: Timestamp,
    done: Option<Timestamp>,
    paused: bool,
    now: Timestamp,
) -> String {
    let at = short(due, now);
    match done {
        Some(d) if d <= due => format!("{name} met {}", short(d, now)),
        Some(d) => format!("{name} late {} (due {at})", span((d - due).whole_seconds())),
        None if paused => format!("{name} due {at} (paused)"),
        None if due <= now => format!(
            "{name} due {at} (breached {})",
            span((now - due).whole_seconds())
        ),
        None => format!("{name} due {at} (in {})", span((due - now).whole_seconds())),
    }
}

/// The ticket screen's SLA line: both clocks and the state; `None` without clocks.
pub fn line(t: &Ticket, now: Timestamp) -> Option<(String, SlaState)> {
    let state = state_now(t, now)?;
    let paused = state == SlaState::Paused;
    let mut parts = Vec::new();
    if let Some(due) = t.first_response_due {
        parts.push(clock("response", due, t.first_responded_at, paused, now));
    }
    if let Some(due) = t.resolution_due {
        parts.push(clock("resolution", due, t.resolution_date, paused, now));
    }
    let words = match state {
        SlaState::Ok => "ok",
        SlaState::AtRisk => "at risk",
        SlaState::Breached => "breached",
        SlaState::Paused => "paused",
        SlaState::Met => "met",
    };
    Some((format!("SLA {words} · {}", parts.join(" · ")), state))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    #[test]
    fn spans_keep_two_units() {
        assert_eq!(span(45), "45s");
        assert_eq!(span(35 * 60 + 10), "35m");
        assert_eq!(span(3_600), "1h");
        assert_eq!(span(80 * 60), "1h 20m");
        assert_eq!(span(2 * 86_400 + 3 * 3_600 + 59), "2d 3h");
        assert_eq!(span(-5), "0s");
    }

    fn ticket(state: SlaState, next_due: Option<Duration>, now: Timestamp) -> Ticket {
        let json = serde_json::json!({
            "id": 1, "title": "t", "description": "d", "status": "Open", "priority": "High",
            "creation_date": "2026-12-01T09:00:00", "updated_at": "2026-12-01T09:00:00",
            "resolution_date": null, "requester_id": 2, "assigned_agent_id": null,
        });
        let mut t: Ticket = serde_json::from_value(json).unwrap();
        t.sla_state = Some(state);
        t.sla_next_due = next_due.map(|d| now + d);
        t.first_response_due = t.sla_next_due;
        t.resolution_due = Some(now + Duration::hours(8));
        t
    }

    #[test]
    fn cells_say_the_state_in_words() {
        let now = tms_core::timefmt::parse("2026-12-01T10:00:00").unwrap();
        let cell_of = |s, d| cell(&ticket(s, d, now), now).unwrap().0;
        assert_eq!(cell_of(SlaState::Ok, Some(Duration::minutes(80))), "1h 20m");
        assert_eq!(
            cell_of(SlaState::AtRisk, Some(Duration::minutes(12))),
            "risk 12m"
        );
        assert_eq!(
            cell_of(SlaState::Breached, Some(Duration::minutes(-35))),
            "breached 35m"
        );
        assert_eq!(cell_of(SlaState::Paused, None), "paused");
        assert_eq!(cell_of(SlaState::Met, None), "met");
        // Read as at risk a while ago, due since: breached now.
        let stale = ticket(SlaState::AtRisk, Some(Duration::minutes(-2)), now);
        assert_eq!(
            cell(&stale, now).unwrap(),
            ("breached 2m".into(), SlaState::Breached)
        );
        let mut none = ticket(SlaState::Ok, None, now);
        none.sla_state = None;
        assert_eq!(cell(&none, now), None);
    }

    #[test]
    fn the_ticket_line_has_both_clocks() {
        let now = tms_core::timefmt::parse("2026-12-01T10:00:00").unwrap();
        let t = ticket(SlaState::AtRisk, Some(Duration::minutes(12)), now);
        let (text, state) = line(&t, now).unwrap();
        assert_eq!(state, SlaState::AtRisk);
        assert!(text.starts_with("SLA at risk · response due "), "{text}");
        assert!(
            text.contains("(in 12m)") && text.contains("resolution due "),
            "{text}"
        );
        assert!(text.ends_with("(in 8h)"), "{text}");
    }
}
