//! `tms log`: the activity log, newest first (SysAdmin).

use super::error::Result;
use super::output::{ListFormat, Listed, Out, wire_time};
use super::{Session, input};
use tms_core::ActivityType;
use tms_core::api::{LogEntry, LogQuery};
use tms_core::timefmt::{Timestamp, age};

/// The most entries one request asks for (the API's largest `limit`).
const PAGE_SIZE: u64 = 1000;

#[derive(Debug, Clone, clap::Args)]
pub struct LogArgs {
    /// Only entries about this ticket.
    #[arg(long, value_name = "N")]
    pub ticket: Option<i64>,
    /// Only entries of this type: create, read, update, delete or auth.
    #[arg(long = "type", value_parser = input::activity, value_name = "TYPE")]
    pub activity_type: Option<ActivityType>,
    /// At most this many entries.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub limit: u64,
    #[command(flatten)]
    pub format: ListFormat,
}

/// Reads pages back (`before_id`) until `--limit` entries or the start of the log.
pub async fn run(s: &Session, a: &LogArgs, out: &mut Out) -> Result<()> {
    let mut q = LogQuery {
        ticket_id: a.ticket,
        activity_type: a.activity_type,
        ..LogQuery::default()
    };
    let limit = usize::try_from(a.limit).unwrap_or(usize::MAX);
    let mut entries = Vec::new();
    while entries.len() < limit {
        q.limit = ((limit - entries.len()) as u64).min(PAGE_SIZE);
        let page = s.client().list_logs_raw(&q).await.map_err(|e| s.error(e))?;
        let full = page.len() as u64 == q.limit;
        q.before_id = page.last().map(|e| e.value.id);
        entries.extend(page);
        if !full {
            break;
        }
    }
    Ok(out.list(a.format.format(), &entries)?)
}

impl Listed for LogEntry {
    const TABLE: &'static [&'static str] = &["ID", "WHEN", "USER", "TYPE", "TICKET", "DETAILS"];
    const CSV: &'static [&'static str] = &[
        "id",
        "activity_date",
        "user_id",
        "username",
        "activity_type",
        "ticket_id",
        "details",
    ];
    const NONE: &'static str = "The log is empty.";

    fn table_row(&self, now: Timestamp) -> Vec<String> {
        vec![
            self.id.to_string(),
            age(self.activity_date, now),
            self.user.username.clone(),
            self.activity_type.to_string(),
            self.ticket_id.map_or_else(|| "-".into(), |t| t.to_string()),
            self.details.clone(),
        ]
    }

    fn csv_record(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            wire_time(self.activity_date),
            self.user_id.to_string(),
            self.user.username.clone(),
            self.activity_type.to_string(),
            self.ticket_id.map(|t| t.to_string()).unwrap_or_default(),
            self.details.clone(),
        ]
    }
}
