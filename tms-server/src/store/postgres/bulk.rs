//! Bulk loading for the data generator on PostgreSQL: one transaction per batch, each table
//! written with one statement over arrays (`UNNEST`). Ticket ids are drawn from the sequence
//! first, so that comments and log entries can name them; the search index is kept by the
//! schema's triggers as for any insert, the counts by one statement per batch (the per-row
//! count trigger off inside the batch's transaction). The tag trigger stays on: `ticket_tags`
//! is kept from `tickets.tags` as for any insert.

use tms_core::timefmt::to_micros;

use super::Pg;

/// Bulk loads turn the per-row count trigger off inside their transaction (transactional:
/// undone if the load fails) and count the loaded tickets with one statement.
pub(crate) const COUNT_TRIGGER_OFF: &str =
    "ALTER TABLE tickets DISABLE TRIGGER tickets_count_insert";
pub(crate) const COUNT_TRIGGER_ON: &str = "ALTER TABLE tickets ENABLE TRIGGER tickets_count_insert";
/// Counts tickets into this connection's slot: followed by a `WHERE` and [`COUNT_GROUPS`].
pub(crate) const COUNT_TICKETS: &str =
    "INSERT INTO ticket_counts AS c (status, priority, assigned_agent_id, slot, n)
     SELECT status, priority, coalesce(assigned_agent_id, 0), pg_backend_pid() % 16,
            count(*)::INTEGER
     FROM tickets";
pub(crate) const COUNT_GROUPS: &str = "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
     ON CONFLICT (status, priority, assigned_agent_id, slot) DO UPDATE SET n = c.n + EXCLUDED.n";
use crate::store::list::{priority_rank, status_rank};
use crate::store::{BulkTicket, CLOCK_COLUMNS, StoreError, StoredClock};

impl Pg {
    /// Inserts `batch` in one transaction. Blocking.
    pub fn insert_generated(&self, batch: &[BulkTicket]) -> Result<(), StoreError> {
        let rt = self.handle();
        let mut client = self.client(&rt)?;
        rt.block_on(async {
            let tx = client.transaction().await?;
            let n = i64::try_from(batch.len()).unwrap_or(i64::MAX);
            let ids: Vec<i64> = tx
                .query(
                    "SELECT nextval(pg_get_serial_sequence('tickets', 'id'))
                     FROM generate_series(1, $1::BIGINT)",
                    &[&n],
                )
                .await?
                .iter()
                .map(|r| r.try_get(0))
                .collect::<Result<_, _>>()?;
            // Counted once for the batch, not ticket by ticket (migration 0002).
            tx.batch_execute(COUNT_TRIGGER_OFF).await?;
            let col = |f: &dyn Fn(&BulkTicket) -> i64| batch.iter().map(f).collect::<Vec<i64>>();
            let titles: Vec<&str> = batch.iter().map(|t| t.title.as_str()).collect();
            let descriptions: Vec<&str> = batch.iter().map(|t| t.description.as_str()).collect();
            let resolved: Vec<Option<i64>> =
                batch.iter().map(|t| t.resolution_date.map(to_micros)).collect();
            let agents: Vec<Option<i64>> = batch.iter().map(|t| t.assigned_agent_id).collect();
            // A ticket's tags as one string (names never hold a space), split in the statement:
            // arrays of arrays must be rectangular.
            let tags: Vec<String> = batch.iter().map(|t| t.tags.join(" ")).collect();
            tx.execute(
                "INSERT INTO tickets (id, title, description, status, priority, creation_date,
                                      updated_at, resolution_date, requester_id, assigned_agent_id,
                                      tags)
                 SELECT i, ti, d, s, p, c, u, r, rq, a, string_to_array(tg, ' ')
                 FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::BIGINT[],
                             $5::BIGINT[], $6::BIGINT[], $7::BIGINT[], $8::BIGINT[],
                             $9::BIGINT[], $10::BIGINT[], $11::TEXT[])
                      AS x(i, ti, d, s, p, c, u, r, rq, a, tg)",
                &[
                    &ids,
                    &titles,
                    &descriptions,
                    &col(&|t| status_rank(t.status)),
                    &col(&|t| priority_rank(t.priority)),
                    &col(&|t| to_micros(t.creation_date)),
                    &col(&|t| to_micros(t.updated_at)),
                    &resolved,
                    &col(&|t| t.requester_id),
                    &agents,
                    &tags,
                ],
            )
            .await?;
            // The SLA clocks of those that have them, column by column.
            let clocked: Vec<(i64, [Option<i64>; 10])> = ids
                .iter()
                .zip(batch)
                .filter_map(|(id, t)| Some((*id, StoredClock::new(t.sla?, t.status).values())))
                .collect();
            if !clocked.is_empty() {
                let column = |i: usize| -> Vec<Option<i64>> {
                    clocked.iter().map(|(_, v)| v[i]).collect()
                };
                let cols: Vec<Vec<Option<i64>>> = (0..CLOCK_COLUMNS.len()).map(column).collect();
                let breached: Vec<bool> = cols[7].iter().map(|b| *b == Some(1)).collect();
                let clocked_ids: Vec<i64> = clocked.iter().map(|(id, _)| *id).collect();
                tx.execute(
                    "UPDATE tickets t SET sla_first_response_due = x.a, sla_first_response_risk = x.b,
                            sla_resolution_due = x.c, sla_resolution_risk = x.d,
                            sla_first_responded_at = x.e, sla_paused_at = x.f,
                            sla_paused_us = x.g, sla_breached = x.h, sla_next_due = x.i,
                            sla_next_risk = x.j
                     FROM UNNEST($1::BIGINT[], $2::BIGINT[], $3::BIGINT[], $4::BIGINT[],
                                 $5::BIGINT[], $6::BIGINT[], $7::BIGINT[], $8::BIGINT[],
                                 $9::BOOLEAN[], $10::BIGINT[], $11::BIGINT[])
                          AS x(id, a, b, c, d, e, f, g, h, i, j)
                     WHERE t.id = x.id",
                    &[
                        &clocked_ids,
                        &cols[0],
                        &cols[1],
                        &cols[2],
                        &cols[3],
                        &cols[4],
                        &cols[5],
                        &cols[6],
                        &breached,
                        &cols[8],
                        &cols[9],
                    ],
                )
                .await?;
            }
            tx.execute(&format!("{COUNT_TICKETS} WHERE id = ANY($1) {COUNT_GROUPS}"), &[&ids])
                .await?;
            tx.batch_execute(COUNT_TRIGGER_ON).await?;
            let details: Vec<String> = ids.iter().map(|id| format!("created ticket {id}")).collect();
            tx.execute(
                "INSERT INTO activity_log (user_id, activity_type, details, activity_date, ticket_id)
                 SELECT u, 'Create', d, a, t FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::BIGINT[],
                                                        $4::BIGINT[]) AS x(u, d, a, t)",
                &[
                    &col(&|t| t.requester_id),
                    &details,
                    &col(&|t| to_micros(t.creation_date)),
                    &ids,
                ],
            )
            .await?;
            let (mut on, mut by, mut text, mut at) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for (t, id) in batch.iter().zip(&ids) {
                for (author, body, when) in &t.comments {
                    on.push(*id);
                    by.push(*author);
                    text.push(body.as_str());
                    at.push(to_micros(*when));
                }
            }
            tx.execute(
                "INSERT INTO comments (ticket_id, commented_by_id, description, creation_date,
                                       updated_at)
                 SELECT t, u, d, a, a FROM UNNEST($1::BIGINT[], $2::BIGINT[], $3::TEXT[],
                                                  $4::BIGINT[]) AS x(t, u, d, a)",
                &[&on, &by, &text, &at],
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// After a bulk load: fresh planner statistics. Blocking.
    pub fn analyze(&self) -> Result<(), StoreError> {
        let rt = self.handle();
        let client = self.client(&rt)?;
        rt.block_on(client.batch_execute("ANALYZE"))?;
        Ok(())
    }
}
