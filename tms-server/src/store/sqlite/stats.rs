//! The dashboard's counts (`GET /api/v1/stats`): every one a sum over the kept totals
//! (`ticket_counts`) or a short range of an index, so that it stays cheap at a million tickets
//! (`BENCHMARKS.md`, "Dashboard statistics").

use std::sync::Arc;

use rusqlite::{Connection, params};
use tms_core::Status;
use tms_core::api::{AgentOpen, SlaCounts, TicketBrief};

use super::ts;
use super::users::summary_at;
use crate::store::counts::CountCache;
use crate::store::list::status_rank;
use crate::store::{
    DAY_US, NO_DUE, OLDEST_OPEN, StatsCounts, StatsWindow, priority_of_rank, status_of_rank,
};

/// The counts over window `w`. Those that depend on the data alone are remembered in `counts`
/// until the data changes (the generation is read before the read's first statement, as for
/// search totals); the SLA counts also until a state could change by time.
pub fn stats(
    conn: &Connection,
    counts: &CountCache,
    w: StatsWindow,
) -> rusqlite::Result<StatsCounts> {
    let generation = counts.generation();
    let key = format!("{}..{}", w.from, w.to);
    let mut out = match counts.stats(&key, generation) {
        Some(c) => (*c).clone(),
        None => {
            let c = read(conn, w)?;
            counts.put_stats(key, generation, Arc::new(c.clone()));
            c
        }
    };
    out.sla = Some(sla_counts(conn, counts, w.now)?);
    Ok(out)
}

/// The counts that depend on the data alone.
fn read(conn: &Connection, w: StatsWindow) -> rusqlite::Result<StatsCounts> {
    let mut out = StatsCounts::default();
    let open = status_rank(Status::Open);
    let in_progress = status_rank(Status::InProgress);
    let mut stmt = conn.prepare_cached(
        "SELECT status, priority, sum(n) FROM ticket_counts GROUP BY status, priority",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let n: i64 = r.get(2)?;
        out.add_bucket(r.get(0)?, r.get(1)?, u64::try_from(n).unwrap_or(0));
    }
    out.open_per_agent = conn
        .prepare_cached(
            "SELECT u.id, u.username, u.email, u.role, c.n FROM
               (SELECT assigned_agent_id AS a, sum(n) AS n FROM ticket_counts
                WHERE status IN (?1, ?2) AND assigned_agent_id <> 0 GROUP BY assigned_agent_id) c
             JOIN users u ON u.id = c.a
             WHERE c.n > 0 ORDER BY c.n DESC, u.id",
        )?
        .query_map(params![open, in_progress], |r| {
            Ok(AgentOpen {
                agent: summary_at(r, 0)?,
                open: u64::try_from(r.get::<_, i64>(4)?).unwrap_or(0),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let per_day = |sql: &str| -> rusqlite::Result<Vec<(i64, u64)>> {
        conn.prepare_cached(sql)?
            .query_map(params![w.from, w.to, DAY_US], |r| {
                Ok((r.get(0)?, u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0)))
            })?
            .collect()
    };
    // Ranges of `tickets_created` and `tickets_resolved` (migration 0017), counted on the
    // index alone.
    out.created = per_day(
        "SELECT creation_date / ?3 AS d, count(*) FROM tickets INDEXED BY tickets_created
         WHERE creation_date >= ?1 AND creation_date < ?2 GROUP BY d ORDER BY d",
    )?;
    out.resolved = per_day(
        "SELECT resolution_date / ?3 AS d, count(*) FROM tickets INDEXED BY tickets_resolved
         WHERE resolution_date >= ?1 AND resolution_date < ?2 GROUP BY d ORDER BY d",
    )?;
    // The oldest of each status on `tickets_status`, then the oldest of those.
    let mut oldest = conn.prepare_cached(
        "SELECT id, title, status, priority, creation_date FROM tickets
         WHERE status = ?1 ORDER BY creation_date, id LIMIT ?2",
    )?;
    for status in [open, in_progress] {
        let brief = oldest.query_map(params![status, OLDEST_OPEN as i64], |r| {
            let bad = |i: usize, v: i64| rusqlite::Error::IntegralValueOutOfRange(i, v);
            let s: i64 = r.get(2)?;
            let p: i64 = r.get(3)?;
            Ok(TicketBrief {
                id: r.get(0)?,
                title: r.get(1)?,
                status: status_of_rank(s).ok_or_else(|| bad(2, s))?,
                priority: priority_of_rank(p).ok_or_else(|| bad(3, p))?,
                creation_date: ts(r, 4)?,
            })
        })?;
        for b in brief {
            out.oldest_open.push(b?);
        }
    }
    out.keep_oldest();
    Ok(out)
}

/// Tickets at risk and breached at `now`, remembered like the totals of SLA-filtered lists
/// (`CountCache::count_until`): until the data changes or a state could change by time alone.
fn sla_counts(conn: &Connection, counts: &CountCache, now: i64) -> rusqlite::Result<SlaCounts> {
    let count = |key: &str, sql: &str| -> rusqlite::Result<u64> {
        counts.count_until(key, now, || {
            let n: i64 = conn
                .prepare_cached(sql)?
                .query_row(params![now, NO_DUE], |r| r.get(0))?;
            Ok((
                u64::try_from(n).unwrap_or(0),
                super::tickets::sla_stable_until(conn, now)?,
            ))
        })
    };
    // Running clocks not yet due whose at-risk time has passed: a short range of the due index.
    let at_risk = count(
        "stats:sla:at_risk",
        "SELECT count(*) FROM tickets INDEXED BY tickets_sla_due
         WHERE sla_next_due > ?1 AND sla_next_due < ?2 AND sla_next_risk <= ?1
           AND sla_breached = 0",
    )?;
    // `sla_condition`'s breached state (flagged, or a running clock past due), split on the
    // due time into two ranges counted on indexes alone: past due (`tickets_sla_due`), and
    // flagged with nothing past due (`tickets_sla_breached`, migration 0017).
    let breached = count(
        "stats:sla:breached",
        "SELECT (SELECT count(*) FROM tickets INDEXED BY tickets_sla_due WHERE sla_next_due <= ?1)
              + (SELECT count(*) FROM tickets INDEXED BY tickets_sla_breached
                 WHERE sla_breached = 1 AND sla_next_due > ?1 AND sla_next_due <= ?2)",
    )?;
    Ok(SlaCounts { at_risk, breached })
}
