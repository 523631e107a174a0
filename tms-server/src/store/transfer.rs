//! Moving a whole helpdesk in and out, on either engine: [`export`] (`tms-server export`)
//! writes every table to a JSON-lines file, [`import`] (`tms-server import`) loads such a file
//! into an empty database, and `tms-server import-seed` (`crate::seed`) loads the rows it
//! converted from the seed application's database through the same [`load`].
//!
//! The tables and their columns are those of `copy::TABLES`, the list `migrate-to-postgres`
//! copies, and the writing is its machinery: on PostgreSQL chunked `UNNEST` inserts with the
//! search and count triggers set aside, the index built and the tickets counted once, the
//! identity sequences restarted past the ids; on SQLite one transaction whose triggers keep
//! the counts, and the search index built once from the tickets they noted. Either way the
//! rows are read back before the commit and compared with what was read, table by table, by
//! the canonical SHA-256 of `copy::TableSum`: any difference rolls everything back.
//!
//! The file: one JSON object per line. The first line is the header, `{"format":
//! "tms-export","version":1,"tables":[{"name":…,"columns":[…]},…],"sequences":{…}}` (the
//! highest id ever given out per AUTOINCREMENT table, so a ticket number is never reused),
//! then one line per row, `{"table":"tickets","row":{"id":1,…}}`, table by table in the
//! header's order and each in key order, and last `{"end":[{"table":…,"rows":…,"sha256":…},…]}`
//! with each table's canonical checksum, so that a truncated or altered file is refused
//! before anything is written. Integers are JSON numbers (timestamps in microseconds, as
//! stored), bytes lower-case hex. An export holds nothing about where it came from: two
//! databases with the same rows export the same bytes, whichever their engines.
//!
//! A file from an older tms-server may lack columns added since: they take their defaults. A
//! file with a table or column this server does not know is refused.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use rusqlite::TransactionBehavior;
use serde::{Deserialize, Serialize};
use tokio_postgres::{IsolationLevel, Transaction};

use super::copy::{
    self, CopyError, Kind, RowHasher, STATEMENT_TIMEOUT, Sequence, TABLES, Table, TableSum, Value,
};
use super::postgres::Pg;
use super::postgres::bulk::{COUNT_GROUPS, COUNT_TICKETS, COUNT_TRIGGER_OFF, COUNT_TRIGGER_ON};
use super::sqlite::{self, DbError};
use super::{StoreError, Target};

/// What the first line of an export says it is.
pub const FORMAT: &str = "tms-export";
/// The version of the format this server writes and reads.
pub const VERSION: i64 = 1;

/// Rows fetched per round trip when exporting from PostgreSQL.
const FETCH: i32 = 5_000;

/// Why an export or import was refused or failed. Each message is one sentence.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error("there is no SQLite database at {}", .0.display())]
    NoSource(PathBuf),
    #[error(
        "the SQLite database at {} is in use by a running tms-server; stop it first",
        .0.display()
    )]
    InUse(PathBuf),
    #[error(
        "the database at {target} already holds tms data (rows in {}); import into an empty database",
        .tables.join(", ")
    )]
    NotEmpty {
        target: String,
        tables: Vec<&'static str>,
    },
    /// A line of an export file that cannot be read.
    #[error("line {line} of {}: {msg}", .path.display())]
    Line {
        path: PathBuf,
        line: u64,
        msg: String,
    },
    #[error("{} already exists; an export never overwrites a file, so choose a new name", .0.display())]
    Exists(PathBuf),
    #[error("{0}")]
    Io(String),
    /// The database, read back before the commit, differs from what was read.
    #[error(
        "the imported table {table} did not match what was read ({detail}), so it was rolled back and nothing was written"
    )]
    Mismatch { table: &'static str, detail: String },
    /// A row the target's schema refuses, and anything else about the data.
    #[error("{0}")]
    Data(String),
    #[error("SQLite: {0}")]
    Sqlite(String),
    #[error("PostgreSQL: {0}")]
    Postgres(String),
}

impl From<CopyError> for TransferError {
    fn from(e: CopyError) -> Self {
        match e {
            CopyError::NoSource(p) => Self::NoSource(p),
            CopyError::InUse(p) => Self::InUse(p),
            CopyError::NotEmpty { target, tables } => Self::NotEmpty { target, tables },
            CopyError::Mismatch { table, detail } | CopyError::RolledBack { table, detail } => {
                Self::Mismatch { table, detail }
            }
            CopyError::Data(msg) => Self::Data(msg),
            CopyError::Sqlite(e) => Self::Sqlite(e.to_string()),
            CopyError::Postgres(e) => Self::Postgres(e.to_string()),
        }
    }
}

impl From<rusqlite::Error> for TransferError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sqlite(e.to_string())
    }
}

impl From<DbError> for TransferError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::InUse(p) => Self::InUse(p),
            other => Self::Sqlite(other.to_string()),
        }
    }
}

impl From<tokio_postgres::Error> for TransferError {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Postgres(StoreError::from(e).to_string())
    }
}

impl From<StoreError> for TransferError {
    fn from(e: StoreError) -> Self {
        Self::Postgres(e.to_string())
    }
}

/// One table of a load: which of its columns the rows carry, and the checksum they must have
/// once written (over those columns, rows in key order).
pub(crate) struct Part {
    pub(crate) table: &'static Table,
    pub(crate) cols: Vec<usize>,
    pub(crate) expected: TableSum,
}

/// What a load writes, table by table in `copy::TABLES` order.
pub(crate) struct Plan {
    pub(crate) parts: Vec<Part>,
    /// Per AUTOINCREMENT table, the highest id the source ever gave out (above its highest
    /// row when the newest rows were deleted).
    pub(crate) sequences: BTreeMap<String, i64>,
}

impl Plan {
    /// The tables that must be empty: every tms table, but the server's keys only when they
    /// are loaded (a server that ran once on the empty database made its own).
    fn must_be_empty(&self) -> impl Iterator<Item = &'static Table> + '_ {
        TABLES.iter().filter(move |t| {
            t.name != "server_keys" || self.parts.iter().any(|p| p.table.name == t.name)
        })
    }
}

/// Where a load's rows come from, table by table in the plan's order.
pub(crate) trait Rows {
    /// The next row: the position of its table in the plan, and its values (of that part's
    /// columns, in order).
    fn next_row(&mut self) -> Result<Option<(usize, Vec<Value>)>, TransferError>;
}

/// Rows held in memory, one list per part of the plan.
pub(crate) struct MemoryRows {
    parts: std::vec::IntoIter<Vec<Vec<Value>>>,
    current: std::vec::IntoIter<Vec<Value>>,
    part: usize,
}

impl MemoryRows {
    pub(crate) fn new(parts: Vec<Vec<Vec<Value>>>) -> Self {
        Self {
            parts: parts.into_iter(),
            current: Vec::new().into_iter(),
            part: 0,
        }
    }
}

impl Rows for MemoryRows {
    fn next_row(&mut self) -> Result<Option<(usize, Vec<Value>)>, TransferError> {
        loop {
            if let Some(row) = self.current.next() {
                // `part` counts the lists taken: the current one is `part - 1`.
                return Ok(Some((self.part - 1, row)));
            }
            let Some(next) = self.parts.next() else {
                return Ok(None);
            };
            self.current = next.into_iter();
            self.part += 1;
        }
    }
}

/// Hands out a source's rows one part at a time.
struct ByPart<'a> {
    rows: &'a mut dyn Rows,
    pending: Option<(usize, Vec<Value>)>,
    done: bool,
}

impl<'a> ByPart<'a> {
    fn new(rows: &'a mut dyn Rows) -> Self {
        Self {
            rows,
            pending: None,
            done: false,
        }
    }

    /// The next row of part `part`, `None` once its rows are over.
    fn next_of(&mut self, part: usize, plan: &Plan) -> Result<Option<Vec<Value>>, TransferError> {
        if self.pending.is_none() && !self.done {
            self.pending = self.rows.next_row()?;
            self.done = self.pending.is_none();
        }
        match self.pending.take() {
            Some((p, values)) if p == part => Ok(Some(values)),
            Some((p, values)) if p > part => {
                self.pending = Some((p, values));
                Ok(None)
            }
            Some((p, _)) => Err(TransferError::Data(format!(
                "rows of table {} come after those of table {}",
                plan.parts[p].table.name, plan.parts[part].table.name
            ))),
            None => Ok(None),
        }
    }
}

/// What a load wrote: each table as the database holds it after the load (equal to what was
/// read), and where.
#[derive(Debug, Clone)]
pub struct LoadReport {
    pub tables: Vec<TableSum>,
    /// The SQLite file, or the PostgreSQL URL without its password.
    pub target: String,
}

/// Loads `rows` as `plan` says into the empty database `target` (a SQLite file is created if
/// missing), in one transaction, verified before the commit. Refuses, writing nothing, a
/// database that holds any tms row. Blocking: not from async code.
pub(crate) fn load(
    target: &Target,
    plan: &Plan,
    rows: &mut dyn Rows,
) -> Result<LoadReport, TransferError> {
    match target {
        Target::Sqlite(path) => {
            let existed = path.exists();
            let out = load_sqlite(path, plan, rows);
            if out.is_err() && !existed {
                // Made by this load: leave nothing behind.
                for suffix in ["", "-wal", "-shm", "-lock"] {
                    let mut p = path.as_os_str().to_owned();
                    p.push(suffix);
                    let _ = std::fs::remove_file(PathBuf::from(p));
                }
            }
            out
        }
        Target::Postgres(url) => load_postgres(url, plan, rows),
    }
}

/// The error for a row the target refused: its table and key, and why.
fn refused(
    t: &Table,
    cols: &[usize],
    values: &[Value],
    e: impl std::fmt::Display,
) -> TransferError {
    let key: Vec<String> = t
        .key
        .iter()
        .filter_map(|k| cols.iter().position(|&c| t.columns[c].0 == *k))
        .map(|i| match &values[i] {
            Value::Int(n) => n.to_string(),
            Value::Text(s) => format!("{s:?}"),
            other => format!("{other:?}"),
        })
        .collect();
    TransferError::Data(format!(
        "the {} row keyed {} cannot be written ({e})",
        t.name,
        key.join(", ")
    ))
}

fn load_sqlite(path: &Path, plan: &Plan, rows: &mut dyn Rows) -> Result<LoadReport, TransferError> {
    // Held until the load is committed: no server starts on the file meanwhile.
    let _serving = sqlite::lock::lock(path)?;
    let mut conn = sqlite::open_direct(path)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut holding = Vec::new();
    for t in plan.must_be_empty() {
        let found: bool = tx.query_row(
            &format!("SELECT EXISTS (SELECT 1 FROM {})", t.name),
            [],
            |r| r.get(0),
        )?;
        if found {
            holding.push(t.name);
        }
    }
    if !holding.is_empty() {
        return Err(TransferError::NotEmpty {
            target: path.display().to_string(),
            tables: holding,
        });
    }
    let mut source = ByPart::new(rows);
    // The triggers keep the counts and `ticket_tags` from `tickets.tags` as for any insert,
    // and note every ticket for the search index (migration 0005), built below.
    for (p, part) in plan.parts.iter().enumerate() {
        let t = part.table;
        let names: Vec<&str> = part.cols.iter().map(|&i| t.columns[i].0).collect();
        let marks: Vec<String> = (1..=names.len()).map(|n| format!("?{n}")).collect();
        let mut insert = tx.prepare(&format!(
            "INSERT INTO {} ({}) VALUES ({})",
            t.name,
            names.join(", "),
            marks.join(", ")
        ))?;
        while let Some(values) = source.next_of(p, plan)? {
            insert
                .execute(rusqlite::params_from_iter(values.iter()))
                .map_err(|e| refused(t, &part.cols, &values, e))?;
        }
    }
    // Each ticket's tags from the loaded `ticket_tags`, in byte order as tms_core sorts them;
    // the tag trigger then writes the same rows again.
    tx.execute_batch(
        "UPDATE tickets SET tags = (SELECT json_group_array(tag ORDER BY tag)
                                    FROM ticket_tags g WHERE g.ticket_id = tickets.id)
         WHERE id IN (SELECT ticket_id FROM ticket_tags)",
    )?;
    sqlite::index_pending(&tx)?;
    for (name, &last) in &plan.sequences {
        // SQLite moved the sequence past every id inserted; past what the source gave out too.
        tx.execute(
            "INSERT INTO sqlite_sequence (name, seq) SELECT ?1, ?2
             WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?1)",
            rusqlite::params![name, last],
        )?;
        tx.execute(
            "UPDATE sqlite_sequence SET seq = max(seq, ?2) WHERE name = ?1",
            rusqlite::params![name, last],
        )?;
    }
    let mut sums = Vec::new();
    for part in &plan.parts {
        let found = copy::sum_sqlite_columns(&tx, part.table, &part.cols)?;
        compare(&part.expected, &found)?;
        sums.push(found);
    }
    check_counts_sqlite(&tx)?;
    tx.commit()?;
    // A merged index and fresh planner statistics, as after any bulk load.
    sqlite::bulk::finish(&conn)?;
    Ok(LoadReport {
        tables: sums,
        target: path.display().to_string(),
    })
}

/// The counts the triggers kept equal a count of the tickets.
fn check_counts_sqlite(conn: &rusqlite::Connection) -> Result<(), TransferError> {
    let buckets = |sql: &str| -> rusqlite::Result<Vec<(i64, i64, i64, i64)>> {
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        rows.collect()
    };
    let kept = buckets(
        "SELECT status, priority, assigned_agent_id, n FROM ticket_counts WHERE n <> 0
         ORDER BY 1, 2, 3",
    )?;
    let counted = buckets(
        "SELECT status, priority, coalesce(assigned_agent_id, 0), count(*) FROM tickets
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    )?;
    if kept != counted {
        return Err(TransferError::Mismatch {
            table: "ticket_counts",
            detail: "the counts kept differ from a count of the tickets".into(),
        });
    }
    Ok(())
}

/// `found` (read back) against `expected` (read from the source).
fn compare(expected: &TableSum, found: &TableSum) -> Result<(), TransferError> {
    if expected.rows != found.rows {
        return Err(TransferError::Mismatch {
            table: found.table,
            detail: format!("{} rows read, {} written", expected.rows, found.rows),
        });
    }
    if expected.sha256 != found.sha256 {
        return Err(TransferError::Mismatch {
            table: found.table,
            detail: format!(
                "the same {} rows but different contents, SHA-256 {} read and {} written",
                found.rows,
                &expected.hex()[..16],
                &found.hex()[..16]
            ),
        });
    }
    Ok(())
}

fn load_postgres(url: &str, plan: &Plan, rows: &mut dyn Rows) -> Result<LoadReport, TransferError> {
    let pg = Pg::open(url, 2, STATEMENT_TIMEOUT)?;
    let target = pg.describe().to_string();
    let rt = pg.handle();
    let mut client = pg.client(&rt)?;
    rt.block_on(async {
        let tx = client.transaction().await?;
        match load_in(&tx, &target, plan, rows).await {
            Ok(tables) => {
                tx.commit().await?;
                Ok(LoadReport { tables, target })
            }
            Err(e) => {
                let _ = tx.rollback().await;
                Err(e)
            }
        }
    })
}

/// The PostgreSQL load inside its transaction, up to (not including) the commit: as
/// `copy::sqlite_to_postgres` does it.
async fn load_in(
    tx: &Transaction<'_>,
    target: &str,
    plan: &Plan,
    rows: &mut dyn Rows,
) -> Result<Vec<TableSum>, TransferError> {
    let names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
    tx.batch_execute(&format!(
        "LOCK TABLE {} IN EXCLUSIVE MODE",
        names.join(", ")
    ))
    .await?;
    let holding = copy::tables_with_rows_of(tx, plan.must_be_empty()).await?;
    if !holding.is_empty() {
        return Err(TransferError::NotEmpty {
            target: target.to_string(),
            tables: holding,
        });
    }
    tx.batch_execute(copy::SEARCH_TRIGGERS_OFF).await?;
    tx.batch_execute(COUNT_TRIGGER_OFF).await?;
    let mut source = ByPart::new(rows);
    for (p, part) in plan.parts.iter().enumerate() {
        // The source's own failure, kept whole (the inserts see it as the end of the rows).
        let mut failed = None;
        let values = std::iter::from_fn(|| match source.next_of(p, plan) {
            Ok(Some(v)) => Some(Ok(v)),
            Ok(None) => None,
            Err(e) => {
                failed = Some(e);
                None
            }
        });
        let n = copy::insert_rows(tx, part.table, &part.cols, values)
            .await
            .map_err(|e| match e {
                CopyError::Postgres(e) => TransferError::Data(format!(
                    "the {} rows cannot be written ({e})",
                    part.table.name
                )),
                other => other.into(),
            })?;
        if let Some(e) = failed {
            return Err(e);
        }
        tracing::debug!(table = part.table.name, rows = n, "loaded");
    }
    tx.batch_execute(copy::SEARCH_INDEX_BUILD).await?;
    tx.batch_execute(copy::TAGS_FROM_TABLE).await?;
    tx.execute(&format!("{COUNT_TICKETS} WHERE TRUE {COUNT_GROUPS}"), &[])
        .await?;
    tx.batch_execute(COUNT_TRIGGER_ON).await?;
    for part in &plan.parts {
        let t = part.table;
        if t.sequence == Sequence::None {
            continue;
        }
        let highest: i64 = tx
            .query_one(&format!("SELECT coalesce(max(id), 0) FROM {}", t.name), &[])
            .await?
            .try_get(0)?;
        let given = match t.sequence {
            Sequence::Autoincrement => plan.sequences.get(t.name).copied().unwrap_or(0),
            _ => 0,
        };
        copy::restart_sequence(tx, t, highest.max(given)).await?;
    }
    let mut sums = Vec::new();
    for part in &plan.parts {
        let found = copy::sum_postgres_columns(tx, part.table, &part.cols).await?;
        compare(&part.expected, &found)?;
        sums.push(found);
    }
    copy::check_derived(tx).await?;
    Ok(sums)
}

// ---------------------------------------------------------------------------------------
// The file format.

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: String,
    version: i64,
    tables: Vec<HeaderTable>,
    sequences: BTreeMap<String, i64>,
}

#[derive(Debug, Serialize, Deserialize)]
struct HeaderTable {
    name: String,
    columns: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct End {
    end: Vec<EndTable>,
}

#[derive(Debug, Serialize, Deserialize)]
struct EndTable {
    table: String,
    rows: u64,
    sha256: String,
}

/// Appends `v` in JSON to `out`.
fn write_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Int(n) => out.extend_from_slice(itoa::Buffer::new().format(*n).as_bytes()),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Text(s) => {
            // Writing a string into a vector cannot fail.
            let _ = serde_json::to_writer(&mut *out, s);
        }
        Value::Bytes(b) => {
            out.push(b'"');
            out.extend_from_slice(hex::encode(b).as_bytes());
            out.push(b'"');
        }
    }
}

/// One row line: `{"table":…,"row":{…}}` and a newline.
fn write_row(out: &mut Vec<u8>, t: &Table, values: &[Value]) {
    out.extend_from_slice(b"{\"table\":\"");
    out.extend_from_slice(t.name.as_bytes());
    out.extend_from_slice(b"\",\"row\":{");
    for (i, ((column, _), v)) in t.columns.iter().zip(values).enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'"');
        out.extend_from_slice(column.as_bytes());
        out.extend_from_slice(b"\":");
        write_value(out, v);
    }
    out.extend_from_slice(b"}}\n");
}

/// Value of column `name` (of `kind`) from its JSON form, or why not.
fn read_value(v: serde_json::Value, name: &str, kind: Kind) -> Result<Value, String> {
    use serde_json::Value as J;
    let wrong = |what: &str| format!("{name} must be {what}");
    Ok(match (v, kind) {
        (J::Null, k) if k.nullable() => Value::Null,
        (J::Null, _) => return Err(format!("{name} must not be null")),
        (J::Number(n), Kind::Int | Kind::OptInt) => {
            Value::Int(n.as_i64().ok_or_else(|| wrong("a 64-bit integer"))?)
        }
        (_, Kind::Int | Kind::OptInt) => return Err(wrong("an integer")),
        (J::String(s), Kind::Text | Kind::OptText) => Value::Text(s),
        (_, Kind::Text | Kind::OptText) => return Err(wrong("a string")),
        (J::Bool(b), Kind::Bool) => Value::Bool(b),
        (_, Kind::Bool) => return Err(wrong("true or false")),
        (J::String(s), Kind::Bytes) => {
            Value::Bytes(hex::decode(&s).map_err(|_| wrong("bytes in hexadecimal"))?)
        }
        (_, Kind::Bytes) => return Err(wrong("bytes in hexadecimal")),
    })
}

/// What [`export`] wrote.
#[derive(Debug, Clone)]
pub struct ExportReport {
    pub tables: Vec<TableSum>,
    /// Whether the sessions and the server's keys were written.
    pub secrets: bool,
}

/// The tables an export writes: all, but the sessions and the server's keys only with
/// `secrets`.
fn exported(secrets: bool) -> impl Iterator<Item = &'static Table> {
    TABLES.iter().filter(move |t| secrets || !t.is_secret())
}

/// Writes every table of the database `source` to `out` in the export format, read in one
/// snapshot (a server may keep running). With `secrets`, the sessions and the server's keys
/// too. Blocking.
pub fn export(
    source: &Target,
    out: &mut dyn Write,
    secrets: bool,
) -> Result<ExportReport, TransferError> {
    let tables = match source {
        Target::Sqlite(path) => export_sqlite(path, out, secrets)?,
        Target::Postgres(url) => export_postgres(url, out, secrets)?,
    };
    Ok(ExportReport { tables, secrets })
}

/// Writes the file out as it is read, and its checksums.
struct Exporter<'a> {
    out: &'a mut dyn Write,
    buf: Vec<u8>,
    sums: Vec<TableSum>,
    /// The table being written, and its checksum so far.
    current: Option<(&'static Table, RowHasher)>,
}

impl<'a> Exporter<'a> {
    fn new(
        out: &'a mut dyn Write,
        secrets: bool,
        sequences: BTreeMap<String, i64>,
    ) -> Result<Self, TransferError> {
        let header = Header {
            format: FORMAT.into(),
            version: VERSION,
            tables: exported(secrets)
                .map(|t| HeaderTable {
                    name: t.name.into(),
                    columns: t.columns.iter().map(|(c, _)| (*c).to_string()).collect(),
                })
                .collect(),
            sequences,
        };
        let mut buf = serde_json::to_vec(&header).map_err(|e| TransferError::Io(e.to_string()))?;
        buf.push(b'\n');
        Ok(Self {
            out,
            buf,
            sums: Vec::new(),
            current: None,
        })
    }

    fn flush(&mut self) -> Result<(), TransferError> {
        self.out
            .write_all(&self.buf)
            .map_err(|e| TransferError::Io(format!("cannot write the export: {e}")))?;
        self.buf.clear();
        Ok(())
    }

    /// Starts table `t` (ending the one before).
    fn table(&mut self, t: &'static Table) {
        self.end_table();
        self.current = Some((t, RowHasher::new_for(t, &t.all_columns())));
    }

    fn end_table(&mut self) {
        if let Some((t, h)) = self.current.take() {
            self.sums.push(h.finish(t.name));
        }
    }

    /// One row of the current table, its values in column order; rows come in key order.
    fn row(&mut self, values: &[Value]) -> Result<(), TransferError> {
        let Some((t, h)) = self.current.as_mut() else {
            return Err(TransferError::Data("a row before its table".into()));
        };
        h.values(values);
        write_row(&mut self.buf, t, values);
        if self.buf.len() > 1 << 20 {
            self.flush()?;
        }
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<TableSum>, TransferError> {
        self.end_table();
        let end = End {
            end: self
                .sums
                .iter()
                .map(|s| EndTable {
                    table: s.table.into(),
                    rows: s.rows,
                    sha256: s.hex(),
                })
                .collect(),
        };
        serde_json::to_writer(&mut self.buf, &end).map_err(|e| TransferError::Io(e.to_string()))?;
        self.buf.push(b'\n');
        self.flush()?;
        self.out
            .flush()
            .map_err(|e| TransferError::Io(format!("cannot write the export: {e}")))?;
        Ok(self.sums)
    }
}

fn export_sqlite(
    path: &Path,
    out: &mut dyn Write,
    secrets: bool,
) -> Result<Vec<TableSum>, TransferError> {
    if !path.is_file() {
        return Err(TransferError::NoSource(path.to_path_buf()));
    }
    let conn = copy::open_source(path)?;
    let mut sequences = BTreeMap::new();
    for t in exported(secrets).filter(|t| t.sequence == Sequence::Autoincrement) {
        let last: i64 = conn.query_row(
            &format!(
                "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?1), 0),
                            coalesce((SELECT max(id) FROM {}), 0))",
                t.name
            ),
            [t.name],
            |r| r.get(0),
        )?;
        sequences.insert(t.name.to_string(), last);
    }
    let mut exporter = Exporter::new(out, secrets, sequences)?;
    for t in exported(secrets) {
        exporter.table(t);
        let mut stmt = conn.prepare(&copy::select_columns(t, &t.all_columns(), false))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let values = t
                .columns
                .iter()
                .enumerate()
                .map(|(i, &(_, kind))| copy::sqlite_value(row, i, kind))
                .collect::<rusqlite::Result<Vec<Value>>>()?;
            exporter.row(&values)?;
        }
    }
    exporter.finish()
}

fn export_postgres(
    url: &str,
    out: &mut dyn Write,
    secrets: bool,
) -> Result<Vec<TableSum>, TransferError> {
    let pg = Pg::open(url, 2, STATEMENT_TIMEOUT)?;
    let rt = pg.handle();
    let mut client = pg.client(&rt)?;
    rt.block_on(async {
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let mut sequences = BTreeMap::new();
        for t in exported(secrets).filter(|t| t.sequence == Sequence::Autoincrement) {
            // The last value given out: `last_value` once `nextval` was called, else one
            // before it (a new sequence, or one restarted past loaded ids). The name comes
            // from the catalog.
            let seq: String = tx
                .query_one("SELECT pg_get_serial_sequence($1, 'id')", &[&t.name])
                .await?
                .try_get(0)?;
            let given: i64 = tx
                .query_one(
                    &format!(
                        "SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END
                         FROM {seq}"
                    ),
                    &[],
                )
                .await?
                .try_get(0)?;
            let highest: i64 = tx
                .query_one(&format!("SELECT coalesce(max(id), 0) FROM {}", t.name), &[])
                .await?
                .try_get(0)?;
            sequences.insert(t.name.to_string(), given.max(highest));
        }
        let mut exporter = Exporter::new(out, secrets, sequences)?;
        for t in exported(secrets) {
            exporter.table(t);
            let stmt = tx
                .prepare(&copy::select_columns(t, &t.all_columns(), true))
                .await?;
            let portal = tx.bind(&stmt, &[]).await?;
            loop {
                let rows = tx.query_portal(&portal, FETCH).await?;
                for row in &rows {
                    let values = t
                        .columns
                        .iter()
                        .enumerate()
                        .map(|(i, &(_, kind))| copy::postgres_value(row, i, kind))
                        .collect::<Result<Vec<Value>, _>>()?;
                    exporter.row(&values)?;
                }
                if rows.len() < FETCH as usize {
                    break;
                }
            }
        }
        let _ = tx.rollback().await;
        exporter.finish()
    })
}

/// Writes the export of `source` to a new file at `path` (owner-only: it holds password
/// hashes), never over an existing one; a failed export leaves no file. Blocking.
pub fn export_to_file(
    source: &Target,
    path: &Path,
    secrets: bool,
) -> Result<ExportReport, TransferError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = match options.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(TransferError::Exists(path.to_path_buf()));
        }
        Err(e) => {
            return Err(TransferError::Io(format!(
                "cannot create {}: {e}",
                path.display()
            )));
        }
    };
    let mut out = std::io::BufWriter::new(file);
    let done = export(source, &mut out, secrets).and_then(|report| {
        let file = out
            .into_inner()
            .map_err(|e| TransferError::Io(format!("cannot write {}: {e}", path.display())))?;
        file.sync_all()
            .map_err(|e| TransferError::Io(format!("cannot write {}: {e}", path.display())))?;
        Ok(report)
    });
    if done.is_err() {
        let _ = std::fs::remove_file(path);
    }
    done
}

/// Reads an export file: its header, then its rows one by one, each line checked, and at the
/// end the checksums of its last line.
struct Reader {
    path: PathBuf,
    input: BufReader<std::fs::File>,
    buf: String,
    line: u64,
    parts: Vec<(&'static Table, Vec<usize>)>,
    sequences: BTreeMap<String, i64>,
    hashers: Vec<Option<RowHasher>>,
    /// The part of the last row read.
    current: usize,
    /// Each table's checksum, once the last line was read and matched them.
    sums: Option<Vec<TableSum>>,
}

impl Reader {
    fn open(path: &Path) -> Result<Self, TransferError> {
        let file = std::fs::File::open(path)
            .map_err(|e| TransferError::Io(format!("cannot read {}: {e}", path.display())))?;
        let mut r = Self {
            path: path.to_path_buf(),
            input: BufReader::new(file),
            buf: String::new(),
            line: 0,
            parts: Vec::new(),
            sequences: BTreeMap::new(),
            hashers: Vec::new(),
            current: 0,
            sums: None,
        };
        if !r.read_line()? {
            return Err(r.bad("the file is empty, so it is not a tms export"));
        }
        let header: Header = serde_json::from_str(&r.buf)
            .map_err(|e| r.bad(format!("this is not the header of a tms export ({e})")))?;
        if header.format != FORMAT {
            return Err(r.bad(format!(
                "this is not the header of a tms export (its format is {:?})",
                header.format
            )));
        }
        if header.version != VERSION {
            return Err(r.bad(format!(
                "the export is of format version {}, and this tms-server reads version {VERSION}",
                header.version
            )));
        }
        let mut last_position = None;
        for ht in &header.tables {
            let position = TABLES
                .iter()
                .position(|t| t.name == ht.name)
                .ok_or_else(|| {
                    r.bad(format!(
                        "the export has a table {:?} that this tms-server does not know",
                        ht.name
                    ))
                })?;
            if last_position.is_some_and(|p| p >= position) {
                return Err(r.bad(format!("table {} is listed out of order", ht.name)));
            }
            last_position = Some(position);
            let t = &TABLES[position];
            let mut cols = Vec::new();
            for c in &ht.columns {
                let i = t.column(c).ok_or_else(|| {
                    r.bad(format!(
                        "table {} has a column {c:?} that this tms-server does not know",
                        t.name
                    ))
                })?;
                if cols.contains(&i) {
                    return Err(r.bad(format!("table {} lists column {c} twice", t.name)));
                }
                cols.push(i);
            }
            if let Some(k) = t.key.iter().find(|k| !ht.columns.iter().any(|c| c == *k)) {
                return Err(r.bad(format!("table {} lacks its key column {k}", t.name)));
            }
            cols.sort_unstable();
            r.hashers.push(Some(RowHasher::new_for(t, &cols)));
            r.parts.push((t, cols));
        }
        for (name, &last) in &header.sequences {
            let known = r
                .parts
                .iter()
                .any(|(t, _)| t.name == name && t.sequence == Sequence::Autoincrement);
            if !known || last < 0 {
                return Err(r.bad(format!("the sequence of {name:?} is not one tms keeps")));
            }
        }
        r.sequences = header.sequences;
        Ok(r)
    }

    /// The error for the current line.
    fn bad(&self, msg: impl Into<String>) -> TransferError {
        TransferError::Line {
            path: self.path.clone(),
            line: self.line.max(1),
            msg: msg.into(),
        }
    }

    /// Reads the next line into `buf` (without its newline); false at the end of the file.
    fn read_line(&mut self) -> Result<bool, TransferError> {
        self.buf.clear();
        self.line += 1;
        let n = self.input.read_line(&mut self.buf).map_err(|e| {
            let msg = if e.kind() == std::io::ErrorKind::InvalidData {
                "the line is not UTF-8 text".to_string()
            } else {
                format!("cannot be read ({e})")
            };
            self.bad(msg)
        })?;
        if n == 0 {
            return Ok(false);
        }
        if self.buf.ends_with('\n') {
            self.buf.pop();
            if self.buf.ends_with('\r') {
                self.buf.pop();
            }
        }
        Ok(true)
    }

    /// Checks the last line against the rows read.
    fn end(&mut self, end: End) -> Result<(), TransferError> {
        let names: Vec<&str> = end.end.iter().map(|e| e.table.as_str()).collect();
        let listed: Vec<&str> = self.parts.iter().map(|(t, _)| t.name).collect();
        if names != listed {
            return Err(self.bad("the last line does not list the tables of the header"));
        }
        let mut sums = Vec::new();
        for ((t, _), (e, h)) in self
            .parts
            .iter()
            .zip(end.end.iter().zip(self.hashers.iter_mut()))
        {
            let Some(sum) = h.take().map(|h| h.finish(t.name)) else {
                continue;
            };
            if sum.rows != e.rows {
                return Err(TransferError::Line {
                    path: self.path.clone(),
                    line: self.line,
                    msg: format!(
                        "the last line counts {} rows of table {}, but the file holds {}, so it was cut or altered",
                        e.rows, t.name, sum.rows
                    ),
                });
            }
            if sum.hex() != e.sha256 {
                return Err(TransferError::Line {
                    path: self.path.clone(),
                    line: self.line,
                    msg: format!(
                        "the checksum of table {} does not match its rows, so the file was altered or damaged",
                        t.name
                    ),
                });
            }
            sums.push(sum);
        }
        self.sums = Some(sums);
        Ok(())
    }

    /// The plan of a file read to its end.
    fn plan(self) -> Result<Plan, TransferError> {
        let Some(sums) = self.sums else {
            return Err(self.bad("the file was not read to its end"));
        };
        Ok(Plan {
            parts: self
                .parts
                .into_iter()
                .zip(sums)
                .map(|((table, cols), expected)| Part {
                    table,
                    cols,
                    expected,
                })
                .collect(),
            sequences: self.sequences,
        })
    }
}

impl Rows for Reader {
    fn next_row(&mut self) -> Result<Option<(usize, Vec<Value>)>, TransferError> {
        loop {
            if !self.read_line()? {
                if self.sums.is_none() {
                    return Err(self
                        .bad("the file ends before the export's last line, so it is incomplete"));
                }
                return Ok(None);
            }
            if self.sums.is_some() {
                return Err(self.bad("there is more after the export's last line"));
            }
            let parsed: serde_json::Value = serde_json::from_str(&self.buf)
                .map_err(|e| self.bad(format!("this is not JSON ({e})")))?;
            let serde_json::Value::Object(mut object) = parsed else {
                return Err(self.bad("this is not a JSON object"));
            };
            if object.contains_key("end") {
                let end: End = serde_json::from_value(serde_json::Value::Object(object))
                    .map_err(|e| self.bad(format!("the export's last line is malformed ({e})")))?;
                self.end(end)?;
                continue;
            }
            let (Some(serde_json::Value::String(name)), Some(serde_json::Value::Object(mut row))) =
                (object.remove("table"), object.remove("row"))
            else {
                return Err(self.bad("a row line needs a \"table\" name and a \"row\" object"));
            };
            if let Some(extra) = object.keys().next() {
                return Err(self.bad(format!("a row line has an unknown key {extra:?}")));
            }
            let Some(p) = self.parts.iter().position(|(t, _)| t.name == name) else {
                return Err(self.bad(format!("table {name:?} is not in the header")));
            };
            if p < self.current {
                return Err(self.bad(format!(
                    "a {name} row comes after the rows of table {}",
                    self.parts[self.current].0.name
                )));
            }
            self.current = p;
            let (t, cols) = &self.parts[p];
            let mut values = Vec::with_capacity(cols.len());
            for &i in cols {
                let (column, kind) = t.columns[i];
                let v = row
                    .remove(column)
                    .ok_or_else(|| self.bad(format!("the {name} row has no {column}")))?;
                values.push(
                    read_value(v, column, kind)
                        .map_err(|msg| self.bad(format!("in the {name} row, {msg}")))?,
                );
            }
            if let Some(extra) = row.keys().next() {
                return Err(self.bad(format!(
                    "the {name} row has a column {extra:?} that the header does not list"
                )));
            }
            if let Some(h) = self.hashers[p].as_mut() {
                h.values(&values);
            }
            return Ok(Some((p, values)));
        }
    }
}

/// Loads the export file at `path` into the empty database `target` (a SQLite file is
/// created if missing). The whole file is read and checked first (every line, and the
/// checksums of its last line), then loaded in one transaction and verified against it
/// before the commit: a bad file or a database that is not empty leaves nothing written.
/// Blocking.
pub fn import(target: &Target, path: &Path) -> Result<LoadReport, TransferError> {
    let mut check = Reader::open(path)?;
    while check.next_row()?.is_some() {}
    let plan = check.plan()?;
    let mut rows = Reader::open(path)?;
    load(target, &plan, &mut rows)
}
