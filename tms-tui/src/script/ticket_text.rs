//! Tickets as text: their row in a list (table and CSV) and the page `tms ticket show` prints.

use super::output::{Listed, wire_time, wire_time_opt};
use std::fmt::Write;
use tms_core::api::{CommentWithUser, TicketDetail, TicketListItem, UserSummary};
use tms_core::timefmt::{Timestamp, age};

impl Listed for TicketListItem {
    const TABLE: &'static [&'static str] = &[
        "ID",
        "STATUS",
        "PRIORITY",
        "REQUESTER",
        "ASSIGNEE",
        "UPDATED",
        "SLA",
        "TITLE",
    ];
    const CSV: &'static [&'static str] = &[
        "id",
        "title",
        "status",
        "priority",
        "requester_id",
        "requester",
        "assigned_agent_id",
        "assignee",
        "tags",
        "creation_date",
        "updated_at",
        "resolution_date",
        "version",
        "sla_state",
        "sla_next_due",
        "first_response_due",
        "resolution_due",
        "first_responded_at",
    ];
    const NONE: &'static str = "No tickets match.";

    fn table_row(&self, now: Timestamp) -> Vec<String> {
        let t = &self.ticket;
        vec![
            t.id.to_string(),
            t.status.to_string(),
            t.priority.to_string(),
            self.requester.username.clone(),
            self.assigned_agent
                .as_ref()
                .map_or_else(|| "-".to_string(), |a| a.username.clone()),
            age(t.updated_at, now),
            crate::ui::sla::cell(t, now).map_or_else(|| "-".to_string(), |(text, _)| text),
            t.title.clone(),
        ]
    }

    fn csv_record(&self) -> Vec<String> {
        let t = &self.ticket;
        vec![
            t.id.to_string(),
            t.title.clone(),
            t.status.to_string(),
            t.priority.to_string(),
            t.requester_id.to_string(),
            self.requester.username.clone(),
            t.assigned_agent_id
                .map(|i| i.to_string())
                .unwrap_or_default(),
            self.assigned_agent
                .as_ref()
                .map(|a| a.username.clone())
                .unwrap_or_default(),
            t.tags.as_deref().unwrap_or_default().join(" "),
            wire_time(t.creation_date),
            wire_time(t.updated_at),
            wire_time_opt(t.resolution_date),
            t.version.to_string(),
            t.sla_state.map(|s| s.to_string()).unwrap_or_default(),
            wire_time_opt(t.sla_next_due),
            wire_time_opt(t.first_response_due),
            wire_time_opt(t.resolution_due),
            wire_time_opt(t.first_responded_at),
        ]
    }
}

/// A person as `Name <email>`.
fn person(u: &UserSummary) -> String {
    format!("{} <{}>", u.username, u.email)
}

/// A time in the API's form, marked UTC, with how long ago it was.
fn when(t: Timestamp, now: Timestamp) -> String {
    format!("{} UTC ({} ago)", wire_time(t), age(t, now))
}

/// `tms ticket show`: the fields, the description, then the thread, oldest first.
pub fn detail(d: &TicketDetail, now: Timestamp) -> String {
    let t = &d.ticket;
    let mut s = String::new();
    let _ = writeln!(s, "Ticket {}: {}", t.id, t.title);
    let mut field = |name: &str, value: &str| {
        let _ = writeln!(s, "{:<11}{value}", format!("{name}:"));
    };
    field("Status", t.status.as_str());
    field("Priority", t.priority.as_str());
    field("Requester", &person(&d.requester));
    field(
        "Assignee",
        &d.assigned_agent
            .as_ref()
            .map_or_else(|| "nobody".to_string(), person),
    );
    if let Some(tags) = t.tags.as_ref().filter(|t| !t.is_empty()) {
        field("Tags", &tags.join(" "));
    }
    field("Created", &when(t.creation_date, now));
    field("Updated", &when(t.updated_at, now));
    if let Some(r) = t.resolution_date {
        field("Resolved", &when(r, now));
    }
    field("Version", &t.version.to_string());
    if let Some((line, _)) = crate::ui::sla::line(t, now) {
        field("SLA", line.trim_start_matches("SLA "));
    }
    let _ = writeln!(s, "\n{}", printable(&t.description).trim_end());
    for c in &d.comments {
        comment(&mut s, c, now);
    }
    s
}

fn comment(s: &mut String, c: &CommentWithUser, now: Timestamp) {
    let kind = if c.comment.is_internal {
        "Internal note"
    } else {
        "Comment"
    };
    let _ = writeln!(
        s,
        "\n--- {kind} {} by {} ({}), {}",
        c.comment.id,
        c.user.username,
        c.user.role,
        when(c.comment.creation_date, now)
    );
    let _ = writeln!(s, "{}", printable(&c.comment.description).trim_end());
}

/// `tms ticket update`'s confirmation: where the ticket stands now.
pub fn updated(d: &TicketDetail) -> String {
    let t = &d.ticket;
    let who = d
        .assigned_agent
        .as_ref()
        .map_or("nobody", |a| a.username.as_str());
    format!(
        "Ticket {} is {}, {} priority, assigned to {who} (version {}).",
        t.id, t.status, t.priority, t.version
    )
}

/// Text with its lines and tabs kept and any other control character (an escape sequence
/// that would drive the terminal) shown as a space.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                ' '
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tms_core::Role;
    use tms_core::timefmt::parse;

    fn summary(id: i64, name: &str, role: Role) -> UserSummary {
        UserSummary {
            id,
            username: name.into(),
            email: format!("{}@example.com", name.to_lowercase()),
            role,
        }
    }

    /// A ticket detail as the server writes one (read from JSON, so that fields the API adds
    /// later, which have defaults, need no change here).
    fn sample() -> TicketDetail {
        serde_json::from_value(serde_json::json!({
            "id": 3,
            "title": "VPN drops",
            "description": "Every hour.\n\tSince Monday.\x1b[2J\n",
            "status": "In Progress",
            "priority": "High",
            "creation_date": "2026-11-29T06:00:00",
            "updated_at": "2026-11-29T06:00:00",
            "resolution_date": null,
            "requester_id": 2,
            "assigned_agent_id": null,
            "version": 4,
            "tags": ["vpn", "network"],
            "requester": summary(2, "Jane", Role::Requester),
            "assigned_agent": null,
            "comments": [{
                "id": 9,
                "ticket_id": 3,
                "commented_by_id": 3,
                "description": "Checking the gateway.",
                "creation_date": "2026-11-29T06:00:00",
                "updated_at": "2026-11-29T06:00:00",
                "is_internal": true,
                "user": summary(3, "John", Role::Agent),
            }],
        }))
        .unwrap()
    }

    #[test]
    fn a_ticket_reads_as_fields_description_and_thread() {
        let now = parse("2026-11-29T09:00:00").unwrap();
        let text = detail(&sample(), now);
        assert_eq!(
            text,
            "Ticket 3: VPN drops\n\
             Status:    In Progress\n\
             Priority:  High\n\
             Requester: Jane <jane@example.com>\n\
             Assignee:  nobody\n\
             Tags:      vpn network\n\
             Created:   2026-11-29T06:00:00 UTC (3h ago)\n\
             Updated:   2026-11-29T06:00:00 UTC (3h ago)\n\
             Version:   4\n\
             \n\
             Every hour.\n\
             \tSince Monday. [2J\n\
             \n\
             --- Internal note 9 by John (Helpdesk Agent), 2026-11-29T06:00:00 UTC (3h ago)\n\
             Checking the gateway.\n"
        );
    }

    #[test]
    fn csv_has_every_field_and_the_table_the_short_ones() {
        let d = sample();
        let item = TicketListItem {
            ticket: d.ticket,
            requester: d.requester,
            assigned_agent: Some(summary(3, "John", Role::Agent)),
        };
        let csv = item.csv_record();
        assert_eq!(csv.len(), TicketListItem::CSV.len());
        assert_eq!(csv[1], "VPN drops");
        assert_eq!(csv[7], "John");
        assert_eq!(csv[8], "vpn network");
        assert_eq!(csv[11], "");
        let now = parse("2026-11-30T06:00:00").unwrap();
        let row = item.table_row(now);
        assert_eq!(row.len(), TicketListItem::TABLE.len());
        assert_eq!(
            row,
            [
                "3",
                "In Progress",
                "High",
                "Jane",
                "John",
                "1d",
                "-",
                "VPN drops"
            ]
        );
    }
}
