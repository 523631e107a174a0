//! The dashboard's counts on PostgreSQL, as the SQLite engine gives them
//! (`store::sqlite::stats`): the kept totals summed over their slots, ranges of the date
//! indexes, and SLA states as ranges of the due indexes, remembered like list totals.

use std::sync::Arc;

use tms_core::Status;
use tms_core::api::{AgentOpen, SlaCounts, TicketBrief};
use tms_core::timefmt::from_micros;
use tokio_postgres::GenericClient;

use super::list::sla_stable_until;
use super::tx::{PgTx, summary};
use crate::store::list::status_rank;
use crate::store::{
    DAY_US, NO_DUE, OLDEST_OPEN, StatsCounts, StatsWindow, StoreError, StoreResult,
    priority_of_rank, status_of_rank,
};

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// The counts over window `w`; those that depend on the data alone remembered until the data
/// changes (the generation read before the first statement), as search totals are.
pub(super) fn stats<C: GenericClient + Sync>(
    tx: &PgTx<'_, C>,
    w: StatsWindow,
) -> StoreResult<StatsCounts> {
    let mut out = match tx.counts {
        Some(counts) => {
            let generation = counts.generation();
            let key = format!("{}..{}", w.from, w.to);
            match counts.stats(&key, generation) {
                Some(c) => (*c).clone(),
                None => {
                    let c = read(tx, w)?;
                    counts.put_stats(key, generation, Arc::new(c.clone()));
                    c
                }
            }
        }
        None => read(tx, w)?,
    };
    out.sla = Some(sla_counts(tx, w.now)?);
    Ok(out)
}

/// The counts that depend on the data alone.
fn read<C: GenericClient + Sync>(tx: &PgTx<'_, C>, w: StatsWindow) -> StoreResult<StatsCounts> {
    let mut out = StatsCounts::default();
    let open = status_rank(Status::Open);
    let in_progress = status_rank(Status::InProgress);
    for r in tx.rows(
        "SELECT status, priority, sum(n)::bigint FROM ticket_counts GROUP BY status, priority",
        &[],
    )? {
        out.add_bucket(r.try_get(0)?, r.try_get(1)?, count(r.try_get(2)?));
    }
    for r in tx.rows(
        "SELECT u.id, u.username, u.email, u.role, c.n FROM
           (SELECT assigned_agent_id AS a, sum(n)::bigint AS n FROM ticket_counts
            WHERE status IN ($1, $2) AND assigned_agent_id <> 0 GROUP BY assigned_agent_id) c
         JOIN users u ON u.id = c.a
         WHERE c.n > 0 ORDER BY c.n DESC, u.id",
        &[&open, &in_progress],
    )? {
        out.open_per_agent.push(AgentOpen {
            agent: summary(&r, 0)?,
            open: count(r.try_get(4)?),
        });
    }
    let per_day = |sql: &str| -> StoreResult<Vec<(i64, u64)>> {
        tx.rows(sql, &[&w.from, &w.to, &DAY_US])?
            .iter()
            .map(|r| Ok((r.try_get(0)?, count(r.try_get(1)?))))
            .collect()
    };
    out.created = per_day(
        "SELECT creation_date / $3 AS d, count(*) FROM tickets
         WHERE creation_date >= $1 AND creation_date < $2 GROUP BY d ORDER BY d",
    )?;
    out.resolved = per_day(
        "SELECT resolution_date / $3 AS d, count(*) FROM tickets
         WHERE resolution_date >= $1 AND resolution_date < $2 GROUP BY d ORDER BY d",
    )?;
    let limit = OLDEST_OPEN as i64;
    for status in [open, in_progress] {
        for r in tx.rows(
            "SELECT id, title, status, priority, creation_date FROM tickets
             WHERE status = $1 ORDER BY creation_date, id LIMIT $2",
            &[&status, &limit],
        )? {
            let bad = |v: i64| StoreError::Other(format!("stored rank {v} is not valid"));
            let (s, p): (i64, i64) = (r.try_get(2)?, r.try_get(3)?);
            out.oldest_open.push(TicketBrief {
                id: r.try_get(0)?,
                title: r.try_get(1)?,
                status: status_of_rank(s).ok_or_else(|| bad(s))?,
                priority: priority_of_rank(p).ok_or_else(|| bad(p))?,
                creation_date: from_micros(r.try_get(4)?),
            });
        }
    }
    out.keep_oldest();
    Ok(out)
}

/// Tickets at risk and breached at `now`, remembered until the data changes or a state could
/// change by time alone (`CountCache::count_until`), as the totals of SLA-filtered lists are.
fn sla_counts<C: GenericClient + Sync>(tx: &PgTx<'_, C>, now: i64) -> StoreResult<SlaCounts> {
    let counted = |sql: &str| -> StoreResult<(u64, i64)> {
        let rows = tx.rows(sql, &[&now, &NO_DUE])?;
        let n: i64 = match rows.first() {
            Some(r) => r.try_get(0)?,
            None => 0,
        };
        Ok((count(n), sla_stable_until(tx, now)?))
    };
    let one = |key: &str, sql: &str| -> StoreResult<u64> {
        match tx.counts {
            Some(counts) => counts.count_until(key, now, || counted(sql)),
            None => counted(sql).map(|(n, _)| n),
        }
    };
    let at_risk = one(
        "stats:sla:at_risk",
        "SELECT count(*) FROM tickets
         WHERE sla_next_due > $1 AND sla_next_due < $2 AND sla_next_risk <= $1
           AND NOT sla_breached",
    )?;
    let breached = one(
        "stats:sla:breached",
        "SELECT (SELECT count(*) FROM tickets WHERE sla_next_due <= $1)
              + (SELECT count(*) FROM tickets
                 WHERE sla_breached AND sla_next_due > $1 AND sla_next_due <= $2)",
    )?;
    Ok(SlaCounts { at_risk, breached })
}
