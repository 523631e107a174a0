//! The demo helpdesk: the users, tickets and comments of the application tms re-creates
//! (docs/API.md, "Demo data"), with dates relative to now. Every account's password is
//! `Hello123.`.

use time::Duration;
use tms_core::timefmt::{self, Timestamp};
use tms_core::{ActivityType, Priority, Status};

use crate::service::ServiceError;
use crate::state::AppState;
use crate::store::{NewTicket, Write};

pub const DEMO_PASSWORD: &str = tms_core::demo::PASSWORD;

struct DemoTicket {
    title: &'static str,
    description: &'static str,
    status: Status,
    priority: Priority,
    /// The requester and the agent, by their place (from 1) in `tms_core::demo::ACCOUNTS`.
    requester: i64,
    agent: Option<i64>,
    /// Hours before now that it was filed, and (if Resolved) resolved; its thread is spread
    /// over the hours between.
    created_h: i64,
    resolved_h: Option<i64>,
    /// Alternating requester / responder.
    thread: [&'static str; 4],
    tags: &'static [&'static str],
    /// An internal note of the responder after the thread, if not empty.
    note: &'static str,
}

const TICKETS: &[DemoTicket] = &[
    DemoTicket {
        title: "Password Reset",
        description: "I forgot my password and cannot log in to the HR portal. Please reset it.",
        status: Status::Open,
        priority: Priority::Low,
        requester: 9,
        agent: None,
        created_h: 7,
        resolved_h: None,
        thread: ["", "", "", ""],
        tags: &["password"],
        note: "",
    },
    DemoTicket {
        title: "Login Issue",
        description: "Since this morning I get 'invalid session' every time I log in to the intranet.",
        status: Status::Open,
        priority: Priority::Medium,
        requester: 2,
        agent: Some(4),
        created_h: 5,
        resolved_h: None,
        thread: [
            "It happens in every browser I tried.",
            "Thanks Jane. Could you clear your cookies for the intranet and try again?",
            "Cleared them, still the same error.",
            "I have escalated it to the identity team and will update you within the day.",
        ],
        tags: &["login", "intranet"],
        note: "Identity team ticket IAM-2231; they suspect the session cookie domain change from Monday.",
    },
    DemoTicket {
        title: "Email Sync Problem",
        description: "My phone stopped syncing email with the mail server; the laptop is fine.",
        status: Status::Waiting,
        priority: Priority::High,
        requester: 6,
        agent: Some(3),
        created_h: 2,
        resolved_h: None,
        thread: [
            "The last synced message is from yesterday at 17:02.",
            "Which mail app and phone model do you use?",
            "The built-in mail app on a Pixel 7.",
            "Please remove and re-add the account; I have reset your device token.",
        ],
        tags: &["email", "mobile"],
        note: "",
    },
    DemoTicket {
        title: "Software Installation",
        description: "I need the statistics package installed on my workstation for the quarterly report.",
        status: Status::Resolved,
        priority: Priority::Medium,
        requester: 7,
        agent: Some(5),
        created_h: 120,
        resolved_h: Some(112),
        thread: [
            "The licence number is on the purchase order.",
            "Got it. I will install it remotely this afternoon.",
            "Thank you, is a restart needed?",
            "Installed and activated; no restart needed. Closing the ticket.",
        ],
        tags: &["software"],
        note: "",
    },
    DemoTicket {
        title: "Printer Not Working",
        description: "The second-floor printer shows a paper jam but there is no paper stuck.",
        status: Status::Open,
        priority: Priority::Low,
        requester: 8,
        agent: None,
        created_h: 26,
        resolved_h: None,
        thread: [
            "The display says error E-204.",
            "E-204 is a sensor fault; facilities has been told.",
            "Is there another printer I can use meanwhile?",
            "Yes, the one next to the kitchen on floor 3 is on your queue now.",
        ],
        tags: &["printer", "hardware"],
        note: "",
    },
    DemoTicket {
        title: "Password Reset",
        description: "My account got locked after several wrong password attempts.",
        status: Status::Resolved,
        priority: Priority::Low,
        requester: 9,
        agent: Some(1),
        created_h: 48,
        resolved_h: Some(44),
        thread: [
            "I need access for a meeting tomorrow.",
            "I have unlocked the account and sent a reset link.",
            "The link worked, I'm back in.",
            "Great, marking this as resolved.",
        ],
        tags: &["password"],
        note: "",
    },
    DemoTicket {
        title: "Update Contact Information",
        description: "Please update my phone number in the company directory to the new one.",
        status: Status::InProgress,
        priority: Priority::Low,
        requester: 10,
        agent: Some(5),
        created_h: 18,
        resolved_h: None,
        thread: [
            "The new number ends in 4471.",
            "Noted; the directory syncs overnight.",
            "It still shows the old number.",
            "I have forced a sync; please check again in an hour.",
        ],
        tags: &["hr"],
        note: "",
    },
    DemoTicket {
        title: "VPN Connectivity Issue",
        description: "The VPN client disconnects every few minutes when working from home.",
        status: Status::Resolved,
        priority: Priority::High,
        requester: 1,
        agent: Some(1),
        created_h: 168,
        resolved_h: Some(120),
        thread: [
            "Logs show repeated keep-alive timeouts.",
            "Raised the keep-alive interval on the gateway.",
            "Monitoring over the weekend.",
            "No drops for three days; resolved.",
        ],
        tags: &["vpn", "network"],
        note: "",
    },
    DemoTicket {
        title: "Laptop Overheating",
        description: "My laptop fan runs loudly and the machine shuts down when it gets hot.",
        status: Status::Open,
        priority: Priority::High,
        requester: 11,
        agent: None,
        created_h: 2,
        resolved_h: None,
        thread: [
            "It shut down twice during video calls today.",
            "Please keep it on a hard surface; we will book a hardware check.",
            "Okay, when can you pick it up?",
            "Tomorrow at 10:00 at your desk, with a loan laptop.",
        ],
        tags: &["hardware", "laptop"],
        note: "Out of warranty since March; a replacement needs the manager's approval.",
    },
    DemoTicket {
        title: "Software License Renewal",
        description: "The design software licence expires at the end of the month.",
        status: Status::InProgress,
        priority: Priority::Medium,
        requester: 2,
        agent: Some(4),
        created_h: 50,
        resolved_h: None,
        thread: [
            "Finance approved the renewal.",
            "Thanks, I have asked the vendor for a quote.",
            "Any news from the vendor?",
            "The quote arrived; the renewal is being processed.",
        ],
        tags: &["licence", "software"],
        note: "",
    },
    DemoTicket {
        title: "Access to Shared Folder",
        description: "I need write access to the marketing shared folder.",
        status: Status::Resolved,
        priority: Priority::Low,
        requester: 6,
        agent: Some(5),
        created_h: 96,
        resolved_h: Some(90),
        thread: [
            "My manager approved it by email.",
            "Access granted; please log out and in again.",
            "I can see the folder now.",
            "Resolving this ticket.",
        ],
        tags: &["access"],
        note: "",
    },
];

/// Loads the demo data into an empty database.
pub fn seed(state: &AppState) -> Result<(), ServiceError> {
    let hash = state.hasher.hash_blocking(DEMO_PASSWORD)?;
    let now = timefmt::now();
    state.store.write_blocking(move |tx| {
        if tx.count_users()? > 0 {
            return Err(ServiceError::Conflict(
                "the database already has users; demo data goes into an empty database".into(),
            ));
        }
        let created = now - Duration::days(30);
        // The ids the database gives (not always 1, 2, …: a sequence may have moved on).
        let ids = tms_core::demo::ACCOUNTS
            .iter()
            .map(|a| {
                Ok(tx
                    .insert_user(a.username, a.email, a.role, &hash, created)?
                    .id)
            })
            .collect::<Result<Vec<i64>, ServiceError>>()?;
        // Stated, though it is the default: the SysAdmin's users screen shows it.
        crate::service::assignment::put_mode(tx, tms_core::api::AssignmentMode::Off)?;
        let mut history = Vec::new();
        for t in TICKETS {
            history.extend(insert_ticket(tx, t, &ids, now)?);
        }
        // The log is read newest first by id: write it in the order things happened.
        history.sort_by_key(|e| e.at);
        for e in history {
            tx.insert_log(
                e.user,
                ActivityType::Create,
                &e.details,
                Some(e.ticket),
                e.at,
            )?;
        }
        Ok(())
    })
}

/// An activity-log entry of the demo's history.
struct Event {
    at: Timestamp,
    user: i64,
    details: String,
    ticket: i64,
}

/// Inserts a ticket and its thread; returns the log entries of what happened.
fn insert_ticket(
    tx: &dyn Write,
    t: &DemoTicket,
    ids: &[i64],
    now: Timestamp,
) -> Result<Vec<Event>, ServiceError> {
    let person = |place: i64| {
        usize::try_from(place - 1)
            .ok()
            .and_then(|i| ids.get(i).copied())
            .ok_or_else(|| ServiceError::Internal(format!("no demo account {place}")))
    };
    let (requester, agent) = (person(t.requester)?, t.agent.map(person).transpose()?);
    let creation_date = now - Duration::hours(t.created_h);
    let mut tags: Vec<String> = t.tags.iter().map(|t| t.to_string()).collect();
    tags.sort_unstable();
    // The thread is spread over the ticket's life, up to now or its resolution (below): entry
    // i at step × (i + 1), the internal note (4) last.
    let life_h = t.created_h - t.resolved_h.unwrap_or(0);
    let step = (life_h * 60 / 5).max(1);
    let at = |i: i64| creation_date + Duration::minutes(step * (i + 1));
    let resolution_date = t.resolved_h.map(|h| now - Duration::hours(h));
    let answered = t
        .thread
        .get(1)
        .is_some_and(|s| !s.is_empty())
        .then(|| at(1));
    let last = (0..4)
        .rev()
        .find(|i| t.thread.get(*i).is_some_and(|s| !s.is_empty()))
        .map_or(creation_date, |i| at(i as i64));
    let f = crate::service::sla::in_force(tx)?;
    let sla = crate::service::sla::clock_for(
        &f.policy,
        &f.cal,
        t.priority,
        t.status,
        creation_date,
        answered,
        resolution_date.unwrap_or(last),
    );
    let new = NewTicket {
        title: t.title,
        description: t.description,
        status: t.status,
        priority: t.priority,
        requester_id: requester,
        assigned_agent_id: agent,
        resolution_date,
        creation_date,
        tags: &tags,
        sla,
    };
    let ticket = tx.insert_ticket(&new)?;
    let mut events = vec![Event {
        at: creation_date,
        user: requester,
        details: format!("created ticket {}", ticket.id),
        ticket: ticket.id,
    }];
    let responder = agent.map_or_else(|| person(1), Ok)?;
    let note = (!t.note.is_empty()).then_some((4, t.note));
    let thread = t
        .thread
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, s)| !s.is_empty());
    for (i, text) in thread.chain(note) {
        let internal = i == 4;
        let author = if i % 2 == 0 && !internal {
            requester
        } else {
            responder
        };
        // Spread over its life, never in the future.
        let at = at(i as i64);
        tx.insert_comment(ticket.id, author, text, internal, at)?;
        let what = if internal {
            "an internal note"
        } else {
            "a comment"
        };
        events.push(Event {
            at,
            user: author,
            details: format!("created {what} on ticket {}", ticket.id),
            ticket: ticket.id,
        });
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn the_demo_has_the_seed_data_and_a_chronological_log() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::new(dir.path().join("demo.db"));
        config.argon2_m_kib = 1024;
        config.argon2_t = 1;
        let state = AppState::open(config).unwrap();
        seed(&state).unwrap();
        let count = |sql: &str| -> i64 {
            let sql = sql.to_string();
            state
                .store
                .sqlite()
                .unwrap()
                .read_blocking(move |c| {
                    c.query_row(&sql, [], |r| r.get(0))
                        .map_err(crate::store::sqlite::DbError::from)
                })
                .unwrap()
        };
        assert_eq!(count("SELECT count(*) FROM users"), 11);
        assert_eq!(
            count("SELECT count(*) FROM users WHERE role = 'Helpdesk Agent'"),
            3
        );
        assert_eq!(count("SELECT count(*) FROM tickets"), 11);
        assert_eq!(
            count("SELECT count(*) FROM comments WHERE is_internal = 0"),
            40
        );
        assert_eq!(
            count("SELECT count(*) FROM comments WHERE is_internal = 1"),
            2
        );
        assert_eq!(count("SELECT count(*) FROM ticket_tags"), 17);
        assert_eq!(
            count("SELECT count(*) FROM tickets WHERE status = 3 AND resolution_date IS NULL"),
            0
        );
        let out_of_order = count(
            "SELECT count(*) FROM activity_log a JOIN activity_log b ON b.id = a.id + 1
             WHERE b.activity_date < a.activity_date",
        );
        assert_eq!(
            out_of_order, 0,
            "newest-first by id must be newest-first by date"
        );
        // Under the default policy the open tickets tell every state of an SLA clock.
        let states: Vec<(String, Option<tms_core::SlaState>)> = state
            .store
            .read_blocking(|r| {
                (1..=11)
                    .filter_map(|id| r.ticket(id).transpose())
                    .map(|t| t.map(|t| (t.title, t.sla_state)))
                    .collect::<Result<Vec<_>, crate::store::StoreError>>()
            })
            .unwrap();
        let state_of = |title: &str| {
            states
                .iter()
                .filter(|(t, _)| t == title)
                .filter_map(|(_, s)| *s)
                .find(|s| *s != tms_core::SlaState::Met)
        };
        use tms_core::SlaState::{AtRisk, Breached, Ok, Paused};
        assert_eq!(state_of("Password Reset"), Some(AtRisk), "{states:?}");
        assert_eq!(state_of("Login Issue"), Some(Ok));
        assert_eq!(state_of("Laptop Overheating"), Some(Ok));
        assert_eq!(state_of("Update Contact Information"), Some(Ok));
        assert_eq!(state_of("Email Sync Problem"), Some(Paused));
        assert_eq!(state_of("Printer Not Working"), Some(Breached));
        assert_eq!(state_of("Software License Renewal"), Some(Breached));
        // Of the resolved, three were answered and resolved in time, one late.
        let met = states
            .iter()
            .filter(|(_, s)| *s == Some(tms_core::SlaState::Met))
            .count();
        assert_eq!(met, 3, "{states:?}");
        assert_eq!(state_of("VPN Connectivity Issue"), Some(Breached));
        assert!(
            seed(&state).is_err(),
            "demo data only goes into an empty database"
        );
    }
}
