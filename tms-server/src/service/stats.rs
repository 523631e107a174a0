//! The dashboard (docs/API.md, "Statistics"): ticket counts by status, priority and assignee,
//! per day over the last 30 days, the oldest open tickets and the SLA states, for staff.

use tms_core::api::{DayCount, Stats};
use tms_core::timefmt::{self, from_micros, to_micros};
use tms_core::{Actor, rules};

use super::ServiceError;
use crate::state::AppState;
use crate::store::{DAY_US, StatsWindow};

/// The days counted per day, today (UTC) included.
pub const DAYS: i64 = 30;

/// The dashboard at this instant (staff).
pub async fn get(app: &AppState, actor: Actor) -> Result<Stats, ServiceError> {
    rules::check_view_stats(actor)?;
    let now = to_micros(timefmt::now());
    let today = now.div_euclid(DAY_US);
    let first = today - (DAYS - 1);
    app.store
        .read(move |r| {
            let w = StatsWindow {
                from: first * DAY_US,
                to: (today + 1) * DAY_US,
                now,
            };
            // The counts first: an engine may remember them by the data generation, which it
            // reads before its first statement.
            let c = r.stats(w)?;
            let sla = super::sla::current(r)?.enabled;
            Ok(Stats {
                by_status: c.by_status,
                by_priority: c.by_priority,
                created_per_day: days(first, &c.created),
                resolved_per_day: days(first, &c.resolved),
                open_per_agent: c.open_per_agent,
                oldest_open: c.oldest_open,
                sla: c.sla.filter(|_| sla),
            })
        })
        .await
}

/// Every day from `first` on, [`DAYS`] of them, with its count in `counted` (0 when absent).
fn days(first: i64, counted: &[(i64, u64)]) -> Vec<DayCount> {
    (first..first + DAYS)
        .map(|day| DayCount {
            date: date_of(day),
            count: counted
                .iter()
                .find(|(d, _)| *d == day)
                .map_or(0, |(_, n)| *n),
        })
        .collect()
}

/// `YYYY-MM-DD` of a UTC day since the epoch.
fn date_of(day: i64) -> String {
    let d = from_micros(day * DAY_US).date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_day_is_named_and_missing_days_count_zero() {
        // 2026-12-04 is day 20791 since the epoch.
        let first = 20_791 - (DAYS - 1);
        let out = days(first, &[(first, 3), (20_791, 2)]);
        assert_eq!(out.len(), 30);
        assert_eq!(out[0].date, "2026-11-05");
        assert_eq!(out[0].count, 3);
        assert_eq!(out[1].count, 0);
        assert_eq!(out[29].date, "2026-12-04");
        assert_eq!(out[29].count, 2);
    }
}
