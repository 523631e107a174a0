//! Ticket lists on PostgreSQL: filters, sort, keyset cursors and full-text search over the
//! `ticket_search` tsvector index, with the API's word semantics (`docs/API.md`, "Search"):
//! every word of two or more characters is a prefix, a one-character word a whole word, all
//! words must match.

use std::collections::HashMap;
use std::sync::LazyLock;
use tms_core::api::{SortField, SortKey, TicketListItem, TicketQuery, search_terms};

use tokio_postgres::GenericClient;
use tokio_postgres::Row;
use tokio_postgres::types::{ToSql, Type};

use super::tx::{JOIN_PEOPLE, PEOPLE, PgTx, TICKET_COLUMNS, ticket_item};
use crate::store::list::{
    cursor_from, cursor_values, keyset, priority_rank, sla_condition, sort_columns, status_rank,
};
use crate::store::{ListPage, NO_DUE, StoreError, StoreResult};
use tms_core::timefmt::to_micros;

/// A page's rows and people, by id.
static ROWS_BY_ID: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT {TICKET_COLUMNS}, {PEOPLE} FROM tickets t {JOIN_PEOPLE} WHERE t.id = ANY($1)")
});

/// Up to this many matches, a search's page is sorted from all of them rather than walked.
const FEW_MATCHES: u64 = 5_000;

/// A statement being built: its text and its parameters with their types, numbered as they
/// are added.
#[derive(Default)]
struct Sql {
    text: String,
    args: Vec<(Box<dyn ToSql + Sync + Send>, Type)>,
}

/// A parameter's type, for statements sent unprepared.
trait Typed: ToSql + Sync + Send + 'static {
    const TYPE: Type;
}

impl Typed for i64 {
    const TYPE: Type = Type::INT8;
}

impl Typed for Vec<i64> {
    const TYPE: Type = Type::INT8_ARRAY;
}

impl Typed for String {
    const TYPE: Type = Type::TEXT;
}

impl Sql {
    /// Adds a parameter; returns its placeholder.
    fn arg<T: Typed>(&mut self, v: T) -> String {
        self.args.push((Box::new(v), T::TYPE));
        format!("${}", self.args.len())
    }

    fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }

    fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.args
            .iter()
            .map(|(a, _)| a.as_ref() as &(dyn ToSql + Sync))
            .collect()
    }

    fn typed(&self) -> Vec<(&(dyn ToSql + Sync), Type)> {
        self.args
            .iter()
            .map(|(a, t)| (a.as_ref() as &(dyn ToSql + Sync), t.clone()))
            .collect()
    }

    /// The rows of the statement: prepared once per connection and planned for any values,
    /// or, for a search, sent unprepared and planned for its words. (A plan made for any
    /// word walks every ticket for a rare one; a plan made for each word of a prepared
    /// statement would plan everything else of the read again too.)
    fn rows<C: GenericClient + Sync>(
        &self,
        tx: &PgTx<'_, C>,
        search: bool,
    ) -> StoreResult<Vec<Row>> {
        if search {
            tx.unprepared(&self.text, &self.typed())
        } else {
            tx.rows(&self.text, &self.params())
        }
    }
}

/// The text-search query for what a user typed: its words ANDed, prefixes as `word:*`.
/// `None` when there is no searchable word. The words are runs of letters and digits
/// (`search_terms`), which hold no tsquery syntax.
pub fn ts_query(input: &str) -> Option<String> {
    let parts: Vec<String> = search_terms(input)
        .into_iter()
        .map(|t| {
            let w = t.text.to_lowercase();
            if t.prefix { format!("{w}:*") } else { w }
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" & "))
}

/// ` AND {column} = …` for the stored ranks: a scalar for one value (a plan made for any
/// value then still walks the column's index in order), an array otherwise.
fn ranks(sql: &mut Sql, column: &str, ranks: Vec<i64>) {
    if let [one] = ranks[..] {
        let p = sql.arg(one);
        sql.push(&format!(" AND {column} = {p}"));
    } else if !ranks.is_empty() {
        let p = sql.arg(ranks);
        sql.push(&format!(" AND {column} = ANY({p})"));
    }
}

/// The list's filters other than search, each starting with ` AND`. A Requester's search
/// (`tsq`) matches a ticket with internal notes by the text they may read only (migration
/// 0005, `public_doc`).
/// `now` (µs) is the instant the SLA states are derived at.
fn filters(
    sql: &mut Sql,
    q: &TicketQuery,
    only_requester: Option<i64>,
    tsq: Option<&str>,
    now: i64,
) {
    ranks(
        sql,
        "t.status",
        q.status.iter().map(|s| status_rank(*s)).collect(),
    );
    ranks(
        sql,
        "t.priority",
        q.priority.iter().map(|p| priority_rank(*p)).collect(),
    );
    for id in [only_requester, q.requester_id].into_iter().flatten() {
        let p = sql.arg(id);
        sql.push(&format!(" AND t.requester_id = {p}"));
    }
    if q.unassigned {
        sql.push(" AND t.assigned_agent_id IS NULL");
    } else if let Some(id) = q.assigned_agent_id {
        let p = sql.arg(id);
        sql.push(&format!(" AND t.assigned_agent_id = {p}"));
    }
    for tag in &q.tag {
        let p = sql.arg(tag.clone());
        sql.push(&format!(
            " AND t.id IN (SELECT ticket_id FROM ticket_tags WHERE tag = {p})"
        ));
    }
    if !q.sla.is_empty() {
        let cond = sla_condition(&q.sla, "$now", "t.sla_breached", "NOT t.sla_breached");
        // A parameter only if the states asked for use the instant (paused and met do not).
        let cond = match cond.contains("$now") {
            true => cond.replace("$now", &sql.arg(now)),
            false => cond,
        };
        sql.push(&format!(" AND {cond}"));
    }
    if let (Some(_), Some(m)) = (only_requester, tsq) {
        let p = sql.arg(m.to_string());
        sql.push(&format!(
            " AND NOT EXISTS (SELECT 1 FROM ticket_search n WHERE n.ticket_id = t.id
                              AND NOT n.public_doc @@ to_tsquery('tms_search', {p}))"
        ));
    }
}

/// Whether the list has filters beyond search.
fn filtered(q: &TicketQuery, only_requester: Option<i64>) -> bool {
    !q.status.is_empty()
        || !q.priority.is_empty()
        || only_requester.is_some()
        || q.requester_id.is_some()
        || q.unassigned
        || q.assigned_agent_id.is_some()
        || !q.tag.is_empty()
        || !q.sla.is_empty()
}

/// The statement of the list's total: without search, requester, tag or SLA filters a sum
/// over `ticket_counts`.
fn total_sql(q: &TicketQuery, only_requester: Option<i64>, tsq: Option<&str>, now: i64) -> Sql {
    let mut sql = Sql::default();
    if tsq.is_none()
        && only_requester.is_none()
        && q.requester_id.is_none()
        && q.tag.is_empty()
        && q.sla.is_empty()
    {
        sql.push("SELECT coalesce(sum(n), 0)::BIGINT FROM ticket_counts t WHERE TRUE");
        ranks(
            &mut sql,
            "t.status",
            q.status.iter().map(|s| status_rank(*s)).collect(),
        );
        ranks(
            &mut sql,
            "t.priority",
            q.priority.iter().map(|p| priority_rank(*p)).collect(),
        );
        if q.unassigned {
            sql.push(" AND t.assigned_agent_id = 0");
        } else if let Some(id) = q.assigned_agent_id {
            let p = sql.arg(id);
            sql.push(&format!(" AND t.assigned_agent_id = {p}"));
        }
    } else if let Some(m) = tsq {
        let p = sql.arg(m.to_string());
        if filtered(q, only_requester) {
            sql.push(&format!(
                "SELECT count(*) FROM ticket_search s JOIN tickets t ON t.id = s.ticket_id
                 WHERE s.doc @@ to_tsquery('tms_search', {p})"
            ));
            filters(&mut sql, q, only_requester, tsq, now);
        } else {
            // Every indexed ticket exists (the index row goes with its ticket).
            sql.push(&format!(
                "SELECT count(*) FROM ticket_search s WHERE s.doc @@ to_tsquery('tms_search', {p})"
            ));
        }
    } else {
        sql.push("SELECT count(*) FROM tickets t WHERE TRUE");
        filters(&mut sql, q, only_requester, None, now);
    }
    sql
}

/// A search's total: remembered per data generation (`store::counts`), as the SQLite engine
/// does, since counting every match of a common word walks a tenth of the index.
fn search_total<C: GenericClient + Sync>(tx: &PgTx<'_, C>, sql: &Sql) -> StoreResult<u64> {
    let counted = || first_count(&sql.rows(tx, true)?);
    match tx.counts {
        Some(counts) => counts.count_once(&format!("{}{:?}", sql.text, sql.params()), counted),
        None => counted(),
    }
}

/// A total with SLA filters (`sql`, at `now`): remembered (`store::counts`) until the data
/// changes or a ticket's state could change by time alone ([`sla_stable_until`]).
fn sla_total<C: GenericClient + Sync>(
    tx: &PgTx<'_, C>,
    q: &TicketQuery,
    only_requester: Option<i64>,
    tsq: Option<&str>,
    now: i64,
    sql: &Sql,
) -> StoreResult<u64> {
    let counted = || -> StoreResult<(u64, i64)> {
        let n = first_count(&sql.rows(tx, tsq.is_some())?)?;
        Ok((n, sla_stable_until(tx, now)?))
    };
    match tx.counts {
        Some(counts) => {
            // The key names the filters, not the instant they were applied at.
            let key = total_sql(q, only_requester, tsq, 0);
            counts.count_until(&format!("{}{:?}", key.text, key.params()), now, counted)
        }
        None => counted().map(|(n, _)| n),
    }
}

/// The first instant after `now` at which a ticket's SLA state changes by time alone (an
/// at-risk or a due time); [`NO_DUE`] when none will.
pub(super) fn sla_stable_until<C: GenericClient + Sync>(
    tx: &PgTx<'_, C>,
    now: i64,
) -> StoreResult<i64> {
    let rows = tx.rows(
        "SELECT least((SELECT min(sla_next_due) FROM tickets WHERE sla_next_due > $1),
                      (SELECT min(sla_next_risk) FROM tickets WHERE sla_next_risk > $1))",
        &[&now],
    )?;
    let next: Option<i64> = match rows.first() {
        Some(r) => r.try_get(0)?,
        None => None,
    };
    Ok(next.unwrap_or(NO_DUE))
}

/// The count in the first row of a count's reply.
fn first_count(rows: &[Row]) -> StoreResult<u64> {
    count(
        rows.first()
            .ok_or_else(|| StoreError::Other("a count returned no row".into()))?,
    )
}

fn count(row: &Row) -> StoreResult<u64> {
    let n: i64 = row.try_get(0)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// One page of tickets, as the SQLite engine gives it: the same filters, order, totals and
/// cursors.
pub fn tickets<C: GenericClient + Sync>(
    tx: &PgTx<'_, C>,
    q: &TicketQuery,
    sort: SortKey,
    only_requester: Option<i64>,
) -> StoreResult<ListPage> {
    let tsq = match &q.q {
        Some(text) => match ts_query(text) {
            Some(m) => Some(m),
            None => return Ok(ListPage::empty(0)),
        },
        None => None,
    };
    let offset = match &q.after {
        Some(_) => 0,
        None => q.page.saturating_sub(1).saturating_mul(q.size),
    };
    let now = to_micros(tms_core::timefmt::now());
    let count_sql = total_sql(q, only_requester, tsq.as_deref(), now);
    // A search's page: with few matches (the total, counted first, says how many), its
    // matches are read from the index and sorted; with many, the index is walked in ticket
    // order until the page is full. The planner cannot tell the two apart (a prefix's matches
    // are estimated at a fixed share of the tickets), and walking for a rare word reads every
    // ticket's words.
    // A list with SLA filters is counted first too, its count being remembered.
    let searched = if !q.sla.is_empty() {
        Some(sla_total(
            tx,
            q,
            only_requester,
            tsq.as_deref(),
            now,
            &count_sql,
        )?)
    } else if tsq.is_some() {
        Some(search_total(tx, &count_sql)?)
    } else {
        None
    };
    if searched.is_some_and(|total| q.after.is_none() && offset >= total) {
        return Ok(ListPage::empty(searched.unwrap_or_default()));
    }
    let few = tsq.is_some() && searched.is_some_and(|total| total <= FEW_MATCHES);
    let sql = keys_sql(q, sort, only_requester, tsq.as_deref(), few, offset, now)?;
    // The page's ids and sort values (a one-table statement, cheap to plan and planned once
    // for any values), with the total sent beside it when it does not decide how the page is
    // read; then the page's rows and people by id (one statement for every list). The page's
    // order, its fullness and its next cursor come from the first statement, so that a ticket
    // changed or deleted between the two cannot cut paging short or reorder it.
    let (total, keyed) = match searched {
        Some(total) => (total, keyed(&sql.rows(tx, tsq.is_some())?)?),
        None => {
            let (counted, keys) = tx.rows_pair(
                (&count_sql.text, &count_sql.params()),
                (&sql.text, &sql.params()),
            )?;
            (first_count(&counted)?, keyed(&keys)?)
        }
    };
    let rows = match keyed.is_empty() {
        true => Vec::new(),
        false => tx.rows(&ROWS_BY_ID, &[&ids_of(&keyed)])?,
    };
    page_of(&keyed, &rows, total, q.size, sort)
}

/// One page of a list without search ([`tickets`] when `q.q` is `None`), over a connection
/// of the async driver: the same statements, each step's sent at once.
pub(super) async fn unsearched(
    c: &super::pipelined::Shared,
    q: &TicketQuery,
    sort: SortKey,
    only_requester: Option<i64>,
) -> StoreResult<ListPage> {
    debug_assert!(q.q.is_none() && q.sla.is_empty());
    let offset = match &q.after {
        Some(_) => 0,
        None => q.page.saturating_sub(1).saturating_mul(q.size),
    };
    let now = to_micros(tms_core::timefmt::now());
    let count_sql = total_sql(q, only_requester, None, now);
    let sql = keys_sql(q, sort, only_requester, None, false, offset, now)?;
    let (count_params, params) = (count_sql.params(), sql.params());
    let (counted, keys) = tokio::try_join!(
        c.query(&count_sql.text, &count_params),
        c.query(&sql.text, &params),
    )?;
    let (total, keyed) = (first_count(&counted)?, keyed(&keys)?);
    let rows = match keyed.is_empty() {
        true => Vec::new(),
        false => c.query(&ROWS_BY_ID, &[&ids_of(&keyed)]).await?,
    };
    page_of(&keyed, &rows, total, q.size, sort)
}

/// The statement of a page's ids with the values of its sort columns (the id first), which
/// its next cursor is made of; in every sort order's index, so a page is read from the index
/// alone. `tsq`: the search, if any, whose matches are `few` or many.
fn keys_sql(
    q: &TicketQuery,
    sort: SortKey,
    only_requester: Option<i64>,
    tsq: Option<&str>,
    few: bool,
    offset: u64,
    now: i64,
) -> StoreResult<Sql> {
    let keys = sort_columns(sort.field).join(", ");
    let keys = if keys == "t.id" {
        keys
    } else {
        format!("t.id, {keys}")
    };
    let mut sql = Sql::default();
    if let Some(m) = tsq {
        let p = sql.arg(m.to_string());
        sql.push(&if few {
            // The matches as an array: their tickets are then looked up by id. (As a join,
            // the planner expects a prefix to match hundreds of tickets and walks them all.)
            format!(
                "SELECT {keys} FROM tickets t
                 WHERE t.id = ANY(ARRAY(SELECT ticket_id FROM ticket_search
                                        WHERE doc @@ to_tsquery('tms_search', {p})))"
            )
        } else {
            format!(
                "SELECT {keys} FROM ticket_search s JOIN tickets t ON t.id = s.ticket_id
                 WHERE s.doc @@ to_tsquery('tms_search', {p})"
            )
        });
    } else {
        sql.push(&format!("SELECT {keys} FROM tickets t WHERE TRUE"));
    }
    filters(&mut sql, q, only_requester, tsq, now);
    if let Some(c) = &q.after {
        let vals = cursor_values(sort, c).ok_or(StoreError::BadCursor)?;
        let marks: Vec<String> = vals.into_iter().map(|v| sql.arg(v)).collect();
        sql.push(&keyset(sort, &marks));
    }
    let dir = if sort.descending { "DESC" } else { "ASC" };
    let by_index = tsq.is_some() && !few && sort.field == SortField::Id;
    let order: Vec<String> = sort_columns(sort.field)
        .iter()
        .map(|c| match *c {
            // The index's own order (the same ids).
            "t.id" if by_index => format!("s.ticket_id {dir}"),
            c => format!("{c} {dir}"),
        })
        .collect();
    let limit = sql.arg(i64::try_from(q.size).unwrap_or(100));
    let skip = sql.arg(i64::try_from(offset).unwrap_or(i64::MAX));
    sql.push(&format!(
        " ORDER BY {} LIMIT {limit} OFFSET {skip}",
        order.join(", ")
    ));
    Ok(sql)
}

/// The rows of [`keys_sql`]: each page entry's id and sort values.
fn keyed(rows: &[Row]) -> StoreResult<Vec<Vec<i64>>> {
    Ok(rows
        .iter()
        .map(|r| (0..r.len()).map(|i| r.try_get::<_, i64>(i)).collect())
        .collect::<Result<_, _>>()?)
}

fn ids_of(keyed: &[Vec<i64>]) -> Vec<i64> {
    keyed.iter().map(|k| k[0]).collect()
}

/// The page of `keyed` entries, in their order, from their `rows` (of [`ROWS_BY_ID`]); full
/// at `size` entries, when it has a next cursor.
fn page_of(
    keyed: &[Vec<i64>],
    rows: &[Row],
    total: u64,
    size: u64,
    sort: SortKey,
) -> StoreResult<ListPage> {
    if keyed.is_empty() {
        return Ok(ListPage::empty(total));
    }
    let mut found: HashMap<i64, TicketListItem> = rows
        .iter()
        .map(|r| ticket_item(r).map(|i| (i.ticket.id, i)))
        .collect::<StoreResult<_>>()?;
    let items = keyed.iter().filter_map(|k| found.remove(&k[0])).collect();
    let full = u64::try_from(keyed.len()).unwrap_or(u64::MAX) == size;
    let next = keyed
        .last()
        .filter(|_| full)
        .map(|k| cursor_from(sort, if k.len() > 1 { &k[1..] } else { &k[..] }));
    Ok(ListPage::with_cursor(items, total, next))
}

#[cfg(test)]
mod tests {
    use super::ts_query;

    #[test]
    fn words_become_prefix_terms_anded() {
        assert_eq!(ts_query("PRINT jam").as_deref(), Some("print:* & jam:*"));
        assert_eq!(ts_query("b").as_deref(), Some("b"));
        assert_eq!(
            ts_query("a\" OR 1=1 --").as_deref(),
            Some("a & or:* & 1 & 1")
        );
        assert_eq!(ts_query("-- **"), None);
    }
}
