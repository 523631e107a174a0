//! Copying between engines: [`sqlite_to_postgres`] (`tms-server migrate-to-postgres`) copies a
//! SQLite database into an empty PostgreSQL database, and [`verify`] proves a copy faithful.
//!
//! The copy is one PostgreSQL transaction. It refuses a database that holds any tms row, then
//! writes every table in key order, keeping every id, 5,000 rows per statement (arrays through
//! `UNNEST`). The per-row triggers that count tickets and index them are set aside inside the
//! transaction while the rows arrive; the tickets are then counted with one statement and the
//! search index built once, by the schema's own function (see [`SEARCH_TRIGGERS_OFF`]). The
//! identity sequences are then restarted past the copied ids as
//! `migrations/postgres/0001_init.sql` says: from `sqlite_sequence` for the AUTOINCREMENT
//! tables (tickets, comments, activity_log: an id is never given out twice, even after the
//! highest row was deleted), from the highest id for the others. `ALTER … RESTART` rather than
//! `setval`: it is transactional, so a copy that fails leaves the sequences as they were.
//!
//! Before the commit both databases are read back, each in one snapshot, and compared table by
//! table: the row count, and a SHA-256 over every row in key order with every value in one
//! canonical form ([`TableSum`]). The counts are checked against the tickets, and the search index for a row per ticket and its triggers on again. Any
//! difference rolls everything back.
//!
//! The SQLite database is opened (and migrated, if it is older) with the usual helpers, then
//! read only, in one read transaction, under the serving lock: a running server is refused,
//! and no server can start on it until the copy is done.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;
use rusqlite::types::ValueRef;
use sha2::{Digest, Sha256};
use tokio_postgres::types::ToSql;
use tokio_postgres::{IsolationLevel, Transaction};

use super::StoreError;
use super::postgres::Pg;
use super::postgres::bulk::{COUNT_GROUPS, COUNT_TICKETS, COUNT_TRIGGER_OFF, COUNT_TRIGGER_ON};
use super::sqlite::{self, DbError};

/// Rows per `INSERT` statement, and per fetch when reading back.
const CHUNK: usize = 5_000;

/// Each statement of a copy may run this long (they are chunked: far less in practice).
pub(crate) const STATEMENT_TIMEOUT: Duration = Duration::from_secs(3600);

/// Why a copy was refused or failed, or a copy does not match.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("there is no SQLite database at {}", .0.display())]
    NoSource(PathBuf),
    #[error(
        "the SQLite database at {} is in use by a running tms-server; stop it first",
        .0.display()
    )]
    InUse(PathBuf),
    #[error(
        "the PostgreSQL database at {target} already holds tms data (rows in {}); copy into an empty database",
        .tables.join(", ")
    )]
    NotEmpty {
        target: String,
        tables: Vec<&'static str>,
    },
    /// Found by [`verify`]: the two databases differ.
    #[error("table {table} differs between SQLite and PostgreSQL: {detail}")]
    Mismatch { table: &'static str, detail: String },
    /// Found by the copy's own verification: nothing was committed.
    #[error(
        "the copy of table {table} did not match the SQLite database ({detail}); it was rolled back and nothing was written"
    )]
    RolledBack { table: &'static str, detail: String },
    /// A value the SQLite database holds that the PostgreSQL schema cannot take.
    #[error("{0}")]
    Data(String),
    #[error("SQLite: {0}")]
    Sqlite(#[from] DbError),
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] StoreError),
}

impl From<rusqlite::Error> for CopyError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sqlite(DbError::from(e))
    }
}

impl From<tokio_postgres::Error> for CopyError {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Postgres(StoreError::from(e))
    }
}

impl CopyError {
    /// The table that does not match, if that is the failure.
    pub fn mismatched_table(&self) -> Option<&'static str> {
        match self {
            Self::Mismatch { table, .. } | Self::RolledBack { table, .. } => Some(table),
            _ => None,
        }
    }
}

/// What to copy besides the data.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Copy the sessions too, so that everyone stays signed in. Without, everyone signs in
    /// again on the PostgreSQL server.
    pub with_sessions: bool,
}

impl Options {
    fn copies(&self, t: &Table) -> bool {
        self.with_sessions || t.name != "sessions"
    }

    /// The tables these options copy, in copying order.
    fn tables(self) -> impl Iterator<Item = &'static Table> {
        TABLES.iter().filter(move |t| self.copies(t))
    }
}

/// One table's rows, counted and hashed in their canonical form: a header (the table and its
/// columns), then per row the byte `R` and each value as a tag byte followed, except for NULL,
/// by its length (8 bytes, big-endian) and its bytes — `i` an integer in decimal (booleans 0
/// or 1), `t` text as is (UTF-8), `x` bytes in lower-case hex, `N` NULL. Rows come in key
/// order (`id`; `server_keys` by name, in byte order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSum {
    pub table: &'static str,
    pub rows: u64,
    pub sha256: [u8; 32],
}

impl TableSum {
    /// The checksum in hex.
    pub fn hex(&self) -> String {
        hex::encode(self.sha256)
    }
}

/// What a copy did.
#[derive(Debug, Clone)]
pub struct Report {
    /// Each table copied, as both databases hold it (they were compared equal).
    pub tables: Vec<TableSum>,
    /// Whether the sessions were copied (`Options::with_sessions`).
    pub sessions_copied: bool,
    /// Where the copy went: the URL without its password.
    pub target: String,
}

/// The type of a column in PostgreSQL, and how it is read from SQLite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// BIGINT NOT NULL (SQLite INTEGER).
    Int,
    /// BIGINT, nullable.
    OptInt,
    /// TEXT NOT NULL.
    Text,
    /// TEXT, nullable.
    OptText,
    /// BOOLEAN NOT NULL (SQLite INTEGER 0 or 1).
    Bool,
    /// BYTEA NOT NULL (SQLite BLOB).
    Bytes,
}

impl Kind {
    /// Whether the column may hold NULL.
    pub(crate) fn nullable(self) -> bool {
        matches!(self, Kind::OptInt | Kind::OptText)
    }

    fn array_type(self) -> &'static str {
        match self {
            Kind::Int | Kind::OptInt => "BIGINT[]",
            Kind::Text | Kind::OptText => "TEXT[]",
            Kind::Bool => "BOOLEAN[]",
            Kind::Bytes => "BYTEA[]",
        }
    }
}

/// How a table's identity sequence is set after the copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sequence {
    /// The table has none.
    None,
    /// AUTOINCREMENT in SQLite: past the highest id ever given out (`sqlite_sequence`).
    Autoincrement,
    /// Past the highest id there is.
    MaxId,
}

/// A table that is copied.
pub(crate) struct Table {
    pub(crate) name: &'static str,
    /// The columns rows are ordered by (unique together): `id`, or TEXT and BIGINT keys.
    pub(crate) key: &'static [&'static str],
    pub(crate) columns: &'static [(&'static str, Kind)],
    pub(crate) sequence: Sequence,
}

impl Table {
    /// The position of `column` among the table's columns.
    pub(crate) fn column(&self, column: &str) -> Option<usize> {
        self.columns.iter().position(|(c, _)| *c == column)
    }

    /// Every column's position: `0..columns.len()`.
    pub(crate) fn all_columns(&self) -> Vec<usize> {
        (0..self.columns.len()).collect()
    }

    /// Whether the table holds secrets that are copied only when asked (`Options`).
    pub(crate) fn is_secret(&self) -> bool {
        matches!(self.name, "sessions" | "server_keys")
    }
}

/// The table called `name`.
pub(crate) fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}

/// Every table of tms data, in an order that satisfies the foreign keys. The single list of
/// what `migrate-to-postgres`, `export`, `import` and `import-seed` read and write (see
/// `store::transfer`): a column added here is carried by all of them.
pub(crate) const TABLES: &[Table] = &[
    Table {
        name: "users",
        key: &["id"],
        columns: &[
            ("id", Kind::Int),
            ("username", Kind::Text),
            ("email", Kind::Text),
            ("role", Kind::Text),
            ("is_active", Kind::Bool),
            ("is_away", Kind::Bool),
            ("password_hash", Kind::Text),
            ("created_at", Kind::Int),
            ("updated_at", Kind::Int),
        ],
        sequence: Sequence::MaxId,
    },
    Table {
        name: "tickets",
        key: &["id"],
        columns: &[
            ("id", Kind::Int),
            ("title", Kind::Text),
            ("description", Kind::Text),
            ("status", Kind::Int),
            ("priority", Kind::Int),
            ("creation_date", Kind::Int),
            ("updated_at", Kind::Int),
            ("resolution_date", Kind::OptInt),
            ("requester_id", Kind::Int),
            ("assigned_agent_id", Kind::OptInt),
            ("version", Kind::Int),
            ("sla_first_response_due", Kind::OptInt),
            ("sla_first_response_risk", Kind::OptInt),
            ("sla_resolution_due", Kind::OptInt),
            ("sla_resolution_risk", Kind::OptInt),
            ("sla_first_responded_at", Kind::OptInt),
            ("sla_paused_at", Kind::OptInt),
            ("sla_paused_us", Kind::Int),
            ("sla_breached", Kind::Bool),
            ("sla_next_due", Kind::Int),
            ("sla_next_risk", Kind::OptInt),
        ],
        sequence: Sequence::Autoincrement,
    },
    Table {
        name: "comments",
        key: &["id"],
        columns: &[
            ("id", Kind::Int),
            ("ticket_id", Kind::Int),
            ("commented_by_id", Kind::Int),
            ("description", Kind::Text),
            ("creation_date", Kind::Int),
            ("updated_at", Kind::Int),
            ("is_internal", Kind::Bool),
        ],
        sequence: Sequence::Autoincrement,
    },
    // The ticket's `tags` column (JSON in SQLite, an array in PostgreSQL) is set from this
    // table once it is copied (`TAGS_FROM_TABLE`).
    Table {
        name: "ticket_tags",
        key: &["tag", "ticket_id"],
        columns: &[("tag", Kind::Text), ("ticket_id", Kind::Int)],
        sequence: Sequence::None,
    },
    Table {
        name: "activity_log",
        key: &["id"],
        columns: &[
            ("id", Kind::Int),
            ("user_id", Kind::Int),
            ("activity_type", Kind::Text),
            ("details", Kind::Text),
            ("activity_date", Kind::Int),
            ("ticket_id", Kind::OptInt),
        ],
        sequence: Sequence::Autoincrement,
    },
    Table {
        name: "ticket_history",
        key: &["id"],
        columns: &[
            ("id", Kind::Int),
            ("ticket_id", Kind::Int),
            ("at", Kind::Int),
            ("actor_id", Kind::Int),
            ("kind", Kind::Text),
            ("old_value", Kind::OptText),
            ("new_value", Kind::OptText),
        ],
        sequence: Sequence::MaxId,
    },
    Table {
        name: "views",
        key: &["id"],
        columns: &[
            ("id", Kind::Int),
            ("user_id", Kind::Int),
            ("name", Kind::Text),
            ("query", Kind::Text),
            ("shared", Kind::Bool),
            ("created_at", Kind::Int),
            ("updated_at", Kind::Int),
        ],
        sequence: Sequence::Autoincrement,
    },
    Table {
        name: "webhooks",
        key: &["id"],
        columns: &[
            ("id", Kind::Int),
            ("url", Kind::Text),
            ("events", Kind::Text),
            ("secret", Kind::Text),
            ("created_by", Kind::Int),
            ("created_at", Kind::Int),
        ],
        sequence: Sequence::Autoincrement,
    },
    Table {
        name: "notify_settings",
        key: &["user_id"],
        columns: &[("user_id", Kind::Int), ("email", Kind::Bool)],
        sequence: Sequence::None,
    },
    // Pending deliveries go on from the PostgreSQL servers; leases are copied as they are
    // (the SQLite server is stopped: its leases end when they are due).
    Table {
        name: "outbox",
        key: &["id"],
        columns: &[
            ("id", Kind::Int),
            ("channel", Kind::Text),
            ("webhook_id", Kind::OptInt),
            ("recipient", Kind::OptText),
            ("event", Kind::Text),
            ("ticket_id", Kind::OptInt),
            ("subject", Kind::OptText),
            ("body", Kind::Text),
            ("status", Kind::Text),
            ("attempts", Kind::Int),
            ("next_attempt_at", Kind::Int),
            ("leased_until", Kind::OptInt),
            ("last_status", Kind::OptInt),
            ("last_error", Kind::OptText),
            ("created_at", Kind::Int),
            ("updated_at", Kind::Int),
        ],
        sequence: Sequence::Autoincrement,
    },
    Table {
        name: "sessions",
        key: &["id"],
        columns: &[
            ("id", Kind::Int),
            ("user_id", Kind::Int),
            ("token_hash", Kind::Bytes),
            ("created_at", Kind::Int),
            ("last_seen_at", Kind::Int),
            ("expires_at", Kind::Int),
        ],
        sequence: Sequence::MaxId,
    },
    Table {
        name: "settings",
        key: &["name"],
        columns: &[("name", Kind::Text), ("value", Kind::Text)],
        sequence: Sequence::None,
    },
    Table {
        name: "server_keys",
        key: &["name"],
        columns: &[("name", Kind::Text), ("value", Kind::Bytes)],
        sequence: Sequence::None,
    },
];

/// The statement that reads a table's rows in key order; TEXT keys in byte order on both
/// engines (SQLite's BINARY collation is PostgreSQL's "C").
fn select(t: &Table, postgres: bool) -> String {
    select_columns(t, &t.all_columns(), postgres)
}

/// [`select`] of the columns at positions `cols` only.
pub(crate) fn select_columns(t: &Table, cols: &[usize], postgres: bool) -> String {
    let columns: Vec<&str> = cols.iter().map(|&i| t.columns[i].0).collect();
    let order: Vec<String> = t
        .key
        .iter()
        .map(|k| {
            let text = t
                .columns
                .iter()
                .any(|(c, kind)| c == k && *kind == Kind::Text);
            if postgres && text {
                format!("{k} COLLATE \"C\"")
            } else {
                k.to_string()
            }
        })
        .collect();
    format!(
        "SELECT {} FROM {} ORDER BY {}",
        columns.join(", "),
        t.name,
        order.join(", ")
    )
}

/// A value of a column, as both engines and an export hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Text(String),
    Bool(bool),
    Bytes(Vec<u8>),
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef as V};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => V::Null,
            Value::Int(v) => V::Integer(*v),
            Value::Text(s) => V::Text(s.as_bytes()),
            Value::Bool(b) => V::Integer(i64::from(*b)),
            Value::Bytes(b) => V::Blob(b),
        }))
    }
}

/// Value `i` of a SQLite row, read as a column of `kind`. Booleans are 0 or 1.
pub(crate) fn sqlite_value(
    row: &rusqlite::Row<'_>,
    i: usize,
    kind: Kind,
) -> rusqlite::Result<Value> {
    Ok(match (row.get_ref(i)?, kind) {
        (ValueRef::Null, k) if k.nullable() => Value::Null,
        (ValueRef::Integer(n), Kind::Bool) => match n {
            0 => Value::Bool(false),
            1 => Value::Bool(true),
            _ => return Err(rusqlite::Error::IntegralValueOutOfRange(i, n)),
        },
        (_, Kind::Int | Kind::OptInt) => Value::Int(row.get(i)?),
        (_, Kind::Text | Kind::OptText) => Value::Text(row.get(i)?),
        (_, Kind::Bytes) => Value::Bytes(row.get(i)?),
        (_, _) => {
            return Err(rusqlite::Error::InvalidColumnType(
                i,
                format!("{kind:?}"),
                row.get_ref(i)?.data_type(),
            ));
        }
    })
}

/// Value `i` of a PostgreSQL row, read as a column of `kind`.
pub(crate) fn postgres_value(
    row: &tokio_postgres::Row,
    i: usize,
    kind: Kind,
) -> Result<Value, tokio_postgres::Error> {
    let or_null = |v: Option<Value>| v.unwrap_or(Value::Null);
    Ok(match kind {
        Kind::Int | Kind::OptInt => or_null(row.try_get::<_, Option<i64>>(i)?.map(Value::Int)),
        Kind::Text | Kind::OptText => {
            or_null(row.try_get::<_, Option<String>>(i)?.map(Value::Text))
        }
        Kind::Bool => or_null(row.try_get::<_, Option<bool>>(i)?.map(Value::Bool)),
        Kind::Bytes => or_null(row.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Bytes)),
    })
}

/// Feeds rows in their canonical form (see [`TableSum`]) to SHA-256.
pub(crate) struct RowHasher {
    sha: Sha256,
    rows: u64,
}

impl RowHasher {
    /// For rows of the columns at positions `cols` only.
    pub(crate) fn new_for(t: &Table, cols: &[usize]) -> Self {
        let mut h = Self {
            sha: Sha256::new(),
            rows: 0,
        };
        h.text(t.name.as_bytes());
        for &i in cols {
            h.text(t.columns[i].0.as_bytes());
        }
        h
    }

    /// One row, its values in column order.
    pub(crate) fn values(&mut self, values: &[Value]) {
        self.row();
        for v in values {
            match v {
                Value::Null => self.null(),
                Value::Int(n) => self.int(*n),
                Value::Text(s) => self.text(s.as_bytes()),
                Value::Bool(b) => self.int(i64::from(*b)),
                Value::Bytes(b) => self.bytes(b),
            }
        }
    }

    fn row(&mut self) {
        self.sha.update(b"R");
        self.rows += 1;
    }

    fn field(&mut self, tag: u8, bytes: &[u8]) {
        self.sha.update([tag]);
        self.sha.update((bytes.len() as u64).to_be_bytes());
        self.sha.update(bytes);
    }

    fn int(&mut self, v: i64) {
        self.field(b'i', itoa::Buffer::new().format(v).as_bytes());
    }

    fn text(&mut self, s: &[u8]) {
        self.field(b't', s);
    }

    fn bytes(&mut self, b: &[u8]) {
        self.field(b'x', hex::encode(b).as_bytes());
    }

    fn null(&mut self) {
        self.sha.update(b"N");
    }

    pub(crate) fn finish(self, table: &'static str) -> TableSum {
        TableSum {
            table,
            rows: self.rows,
            sha256: self.sha.finalize().into(),
        }
    }
}

/// A table's rows in SQLite, as stored: each value by its storage class.
fn sum_sqlite(conn: &Connection, t: &'static Table) -> Result<TableSum, CopyError> {
    sum_sqlite_columns(conn, t, &t.all_columns())
}

/// [`sum_sqlite`] of the columns at positions `cols` only.
pub(crate) fn sum_sqlite_columns(
    conn: &Connection,
    t: &'static Table,
    cols: &[usize],
) -> Result<TableSum, CopyError> {
    let mut h = RowHasher::new_for(t, cols);
    let mut stmt = conn.prepare(&select_columns(t, cols, false))?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        h.row();
        for (i, column) in cols.iter().map(|&c| t.columns[c].0).enumerate() {
            match row.get_ref(i)? {
                ValueRef::Null => h.null(),
                ValueRef::Integer(v) => h.int(v),
                ValueRef::Text(s) => h.text(s),
                ValueRef::Blob(b) => h.bytes(b),
                ValueRef::Real(v) => {
                    return Err(CopyError::Data(format!(
                        "{}.{column} holds a real number ({v}), which tms never writes",
                        t.name
                    )));
                }
            }
        }
    }
    Ok(h.finish(t.name))
}

/// A table's rows in PostgreSQL, read in chunks through a portal.
async fn sum_postgres(tx: &Transaction<'_>, t: &'static Table) -> Result<TableSum, CopyError> {
    sum_postgres_columns(tx, t, &t.all_columns()).await
}

/// [`sum_postgres`] of the columns at positions `cols` only.
pub(crate) async fn sum_postgres_columns(
    tx: &Transaction<'_>,
    t: &'static Table,
    cols: &[usize],
) -> Result<TableSum, CopyError> {
    let mut h = RowHasher::new_for(t, cols);
    let stmt = tx.prepare(&select_columns(t, cols, true)).await?;
    let portal = tx.bind(&stmt, &[]).await?;
    loop {
        let rows = tx.query_portal(&portal, CHUNK as i32).await?;
        for row in &rows {
            h.row();
            for (i, kind) in cols.iter().map(|&c| t.columns[c].1).enumerate() {
                match kind {
                    Kind::Int | Kind::OptInt => match row.try_get::<_, Option<i64>>(i)? {
                        Some(v) => h.int(v),
                        None => h.null(),
                    },
                    Kind::Text | Kind::OptText => match row.try_get::<_, Option<&str>>(i)? {
                        Some(s) => h.text(s.as_bytes()),
                        None => h.null(),
                    },
                    Kind::Bool => match row.try_get::<_, Option<bool>>(i)? {
                        Some(b) => h.int(i64::from(b)),
                        None => h.null(),
                    },
                    Kind::Bytes => match row.try_get::<_, Option<&[u8]>>(i)? {
                        Some(b) => h.bytes(b),
                        None => h.null(),
                    },
                }
            }
        }
        if rows.len() < CHUNK {
            break;
        }
    }
    Ok(h.finish(t.name))
}

/// Compares every table `options` copies, then what the triggers kept; returns the sums.
async fn compare(
    conn: &Connection,
    tx: &Transaction<'_>,
    options: Options,
) -> Result<Vec<TableSum>, CopyError> {
    let mut sums = Vec::new();
    for t in options.tables() {
        let sqlite = sum_sqlite(conn, t)?;
        let postgres = sum_postgres(tx, t).await?;
        let mismatch = |detail: String| CopyError::Mismatch {
            table: t.name,
            detail,
        };
        if sqlite.rows != postgres.rows {
            return Err(mismatch(format!(
                "{} rows in SQLite, {} in PostgreSQL",
                sqlite.rows, postgres.rows
            )));
        }
        if sqlite.sha256 != postgres.sha256 {
            return Err(mismatch(format!(
                "the same {} rows but different contents (SHA-256 {} in SQLite, {} in PostgreSQL)",
                sqlite.rows,
                &sqlite.hex()[..16],
                &postgres.hex()[..16]
            )));
        }
        sums.push(sqlite);
    }
    check_derived(tx).await?;
    Ok(sums)
}

/// The tables the schema's triggers keep: the counts per bucket equal a count of the
/// tickets, and every ticket is in the search index.
pub(crate) async fn check_derived(tx: &Transaction<'_>) -> Result<(), CopyError> {
    let buckets = |sql: &'static str| async move {
        let rows = tx.query(sql, &[]).await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
            .collect::<Result<Vec<(i64, i64, i64, i64)>, tokio_postgres::Error>>()
    };
    let kept = buckets(
        "SELECT status, priority, assigned_agent_id, sum(n)::BIGINT FROM ticket_counts
         GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3",
    )
    .await?;
    let counted = buckets(
        "SELECT status, priority, coalesce(assigned_agent_id, 0), count(*) FROM tickets
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    )
    .await?;
    if kept != counted {
        return Err(CopyError::Mismatch {
            table: "ticket_counts",
            detail: format!(
                "{} buckets kept, {} counted from the tickets, and they differ",
                kept.len(),
                counted.len()
            ),
        });
    }
    let disabled: Vec<String> = tx
        .query(
            "SELECT tgrelid::regclass || '.' || tgname FROM pg_trigger
             WHERE tgrelid IN ('tickets'::regclass, 'comments'::regclass)
               AND NOT tgisinternal AND tgenabled <> 'O'
             ORDER BY 1",
            &[],
        )
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    if !disabled.is_empty() {
        return Err(CopyError::Mismatch {
            table: "ticket_search",
            detail: format!("triggers are disabled: {}", disabled.join(", ")),
        });
    }
    let unindexed: i64 = tx
        .query_one(
            "SELECT count(*) FROM tickets t
             WHERE NOT EXISTS (SELECT 1 FROM ticket_search s WHERE s.ticket_id = t.id)",
            &[],
        )
        .await?
        .try_get(0)?;
    if unindexed != 0 {
        return Err(CopyError::Mismatch {
            table: "ticket_search",
            detail: format!("{unindexed} tickets are not in the search index"),
        });
    }
    let mistagged: i64 = tx
        .query_one(
            "SELECT count(*) FROM tickets t
             WHERE t.tags <> coalesce((SELECT array_agg(tag ORDER BY tag COLLATE \"C\")
                                       FROM ticket_tags g WHERE g.ticket_id = t.id), '{}')",
            &[],
        )
        .await?
        .try_get(0)?;
    if mistagged != 0 {
        return Err(CopyError::Mismatch {
            table: "tickets",
            detail: format!("{mistagged} tickets' tags differ from ticket_tags"),
        });
    }
    Ok(())
}

/// One column of a chunk of rows, as the array bound to its `UNNEST` parameter.
enum Column {
    Int(Vec<i64>),
    OptInt(Vec<Option<i64>>),
    Text(Vec<String>),
    OptText(Vec<Option<String>>),
    Bool(Vec<bool>),
    Bytes(Vec<Vec<u8>>),
}

impl Column {
    fn new(kind: Kind) -> Self {
        match kind {
            Kind::Int => Self::Int(Vec::with_capacity(CHUNK)),
            Kind::OptInt => Self::OptInt(Vec::with_capacity(CHUNK)),
            Kind::Text => Self::Text(Vec::with_capacity(CHUNK)),
            Kind::OptText => Self::OptText(Vec::with_capacity(CHUNK)),
            Kind::Bool => Self::Bool(Vec::with_capacity(CHUNK)),
            Kind::Bytes => Self::Bytes(Vec::with_capacity(CHUNK)),
        }
    }

    /// Appends `value`; false (and nothing appended) if it does not fit the column.
    fn push(&mut self, value: Value) -> bool {
        match (self, value) {
            (Self::Int(v), Value::Int(n)) => v.push(n),
            (Self::OptInt(v), Value::Int(n)) => v.push(Some(n)),
            (Self::OptInt(v), Value::Null) => v.push(None),
            (Self::Text(v), Value::Text(s)) => v.push(s),
            (Self::OptText(v), Value::Text(s)) => v.push(Some(s)),
            (Self::OptText(v), Value::Null) => v.push(None),
            (Self::Bool(v), Value::Bool(b)) => v.push(b),
            (Self::Bytes(v), Value::Bytes(b)) => v.push(b),
            _ => return false,
        }
        true
    }

    fn param(&self) -> &(dyn ToSql + Sync) {
        match self {
            Self::Int(v) => v,
            Self::OptInt(v) => v,
            Self::Text(v) => v,
            Self::OptText(v) => v,
            Self::Bool(v) => v,
            Self::Bytes(v) => v,
        }
    }

    fn clear(&mut self) {
        match self {
            Self::Int(v) => v.clear(),
            Self::OptInt(v) => v.clear(),
            Self::Text(v) => v.clear(),
            Self::OptText(v) => v.clear(),
            Self::Bool(v) => v.clear(),
            Self::Bytes(v) => v.clear(),
        }
    }
}

/// Copies table `t` from SQLite into PostgreSQL, `CHUNK` rows per statement; returns how many.
async fn copy_table(
    conn: &Connection,
    tx: &Transaction<'_>,
    t: &'static Table,
) -> Result<u64, CopyError> {
    let mut stmt = conn.prepare(&select(t, false))?;
    let mut rows = stmt.query([])?;
    let source = std::iter::from_fn(|| match rows.next() {
        Ok(Some(row)) => Some(
            t.columns
                .iter()
                .enumerate()
                .map(|(i, &(column, kind))| {
                    sqlite_value(row, i, kind).map_err(|e| {
                        let id = match row.get_ref(0) {
                            Ok(ValueRef::Integer(n)) => n.to_string(),
                            Ok(ValueRef::Text(s)) => String::from_utf8_lossy(s).into_owned(),
                            _ => "?".into(),
                        };
                        CopyError::Data(format!(
                            "{}.{column} of the row keyed {id} cannot be copied: {e}",
                            t.name
                        ))
                    })
                })
                .collect::<Result<Vec<Value>, CopyError>>(),
        ),
        Ok(None) => None,
        Err(e) => Some(Err(CopyError::from(e))),
    });
    insert_rows(tx, t, &t.all_columns(), source).await
}

/// Inserts `rows` (values of the columns at positions `cols`, in that order) into table `t`,
/// `CHUNK` rows per statement (arrays through `UNNEST`); returns how many.
pub(crate) async fn insert_rows(
    tx: &Transaction<'_>,
    t: &'static Table,
    cols: &[usize],
    rows: impl Iterator<Item = Result<Vec<Value>, CopyError>>,
) -> Result<u64, CopyError> {
    let names: Vec<&str> = cols.iter().map(|&i| t.columns[i].0).collect();
    let arrays: Vec<String> = cols
        .iter()
        .enumerate()
        .map(|(n, &i)| format!("${}::{}", n + 1, t.columns[i].1.array_type()))
        .collect();
    let insert = tx
        .prepare(&format!(
            "INSERT INTO {} ({}) SELECT * FROM UNNEST({})",
            t.name,
            names.join(", "),
            arrays.join(", ")
        ))
        .await?;
    let mut columns: Vec<Column> = cols.iter().map(|&i| Column::new(t.columns[i].1)).collect();
    let mut pending = 0usize;
    let mut copied = 0u64;
    for row in rows {
        let row = row?;
        if row.len() != columns.len() {
            return Err(CopyError::Data(format!(
                "{}: a row of {} values for {} columns",
                t.name,
                row.len(),
                columns.len()
            )));
        }
        for (n, (column, value)) in columns.iter_mut().zip(row).enumerate() {
            let (name, kind) = t.columns[cols[n]];
            if !column.push(value) {
                return Err(CopyError::Data(format!(
                    "{}.{name} holds a value that is not a {kind:?}",
                    t.name
                )));
            }
        }
        pending += 1;
        if pending == CHUNK {
            copied += flush(tx, &insert, t, &mut columns, pending).await?;
            pending = 0;
        }
    }
    if pending > 0 {
        copied += flush(tx, &insert, t, &mut columns, pending).await?;
    }
    Ok(copied)
}

/// Inserts the `pending` rows held in `columns` with `insert`, and empties them.
async fn flush(
    tx: &Transaction<'_>,
    insert: &tokio_postgres::Statement,
    t: &Table,
    columns: &mut [Column],
    pending: usize,
) -> Result<u64, CopyError> {
    let params: Vec<&(dyn ToSql + Sync)> = columns.iter().map(Column::param).collect();
    let n = tx.execute(insert, &params).await?;
    if n != pending as u64 {
        return Err(CopyError::Data(format!(
            "{}: {n} rows inserted of {pending}",
            t.name
        )));
    }
    columns.iter_mut().for_each(Column::clear);
    Ok(n)
}

/// Restarts the identity sequence of every copied table past the ids SQLite gave out.
async fn restart_sequences(
    conn: &Connection,
    tx: &Transaction<'_>,
    options: Options,
) -> Result<(), CopyError> {
    for t in options.tables() {
        let max_id = || -> rusqlite::Result<i64> {
            conn.query_row(
                &format!("SELECT coalesce(max(id), 0) FROM {}", t.name),
                [],
                |r| r.get(0),
            )
        };
        let last = match t.sequence {
            Sequence::None => continue,
            Sequence::MaxId => max_id()?,
            // sqlite_sequence is never below the highest id (SQLite keeps it so); the
            // larger of the two all the same.
            Sequence::Autoincrement => conn
                .query_row(
                    "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?1), 0)",
                    [t.name],
                    |r| r.get::<_, i64>(0),
                )?
                .max(max_id()?),
        };
        restart_sequence(tx, t, last).await?;
    }
    Ok(())
}

/// Restarts the identity sequence of table `t` past `last` (nothing to do below 1: nothing
/// was ever given out, and the sequence starts at 1 as it is).
pub(crate) async fn restart_sequence(
    tx: &Transaction<'_>,
    t: &Table,
    last: i64,
) -> Result<(), CopyError> {
    if last < 1 {
        return Ok(());
    }
    let next = last
        .checked_add(1)
        .ok_or_else(|| CopyError::Data(format!("{}: no id is left after {last}", t.name)))?;
    tx.batch_execute(&format!(
        "ALTER TABLE {} ALTER COLUMN id RESTART WITH {next}",
        t.name
    ))
    .await?;
    Ok(())
}

/// Each ticket's `tags` from the copied `ticket_tags`, in byte order as tms_core sorts them,
/// with the trigger that would write `ticket_tags` again from them set aside meanwhile.
pub(crate) const TAGS_FROM_TABLE: &str = "ALTER TABLE tickets DISABLE TRIGGER tickets_tags_update;
     UPDATE tickets t SET tags = g.tags
     FROM (SELECT ticket_id, array_agg(tag ORDER BY tag COLLATE \"C\") AS tags
           FROM ticket_tags GROUP BY ticket_id) g
     WHERE t.id = g.ticket_id;
     ALTER TABLE tickets ENABLE TRIGGER tickets_tags_update";

/// The triggers that index tickets as they and their comments arrive, set aside during the
/// copy (inside its transaction): they would index a ticket again for each of its comments.
/// Measured on 100,000 generated tickets (2 shared cores, debug build): 37 s with them, 25 s
/// with one build at the end.
pub(crate) const SEARCH_TRIGGERS_OFF: &str =
    "ALTER TABLE tickets DISABLE TRIGGER tickets_search_insert;
     ALTER TABLE comments DISABLE TRIGGER comments_search_insert";

/// The index built once, by the function the triggers use (the rebuild the schema describes),
/// and the triggers back on.
pub(crate) const SEARCH_INDEX_BUILD: &str = "INSERT INTO ticket_search (ticket_id, doc, public_doc)
     SELECT id, ticket_search_doc(id, title, description),
            ticket_search_public_doc(id, title, description)
     FROM tickets;
     ALTER TABLE tickets ENABLE TRIGGER tickets_search_insert;
     ALTER TABLE comments ENABLE TRIGGER comments_search_insert";

/// The tms tables that hold a row.
async fn tables_with_rows(tx: &Transaction<'_>) -> Result<Vec<&'static str>, CopyError> {
    tables_with_rows_of(tx, TABLES.iter()).await
}

/// Those of `tables` that hold a row.
pub(crate) async fn tables_with_rows_of(
    tx: &Transaction<'_>,
    tables: impl Iterator<Item = &'static Table>,
) -> Result<Vec<&'static str>, CopyError> {
    let mut found = Vec::new();
    for t in tables {
        let row = tx
            .query_one(&format!("SELECT EXISTS (SELECT 1 FROM {})", t.name), &[])
            .await?;
        if row.try_get::<_, bool>(0)? {
            found.push(t.name);
        }
    }
    Ok(found)
}

/// The SQLite database at `path`, migrated, read only, in one read transaction (one snapshot
/// for the copy and its verification).
pub(crate) fn open_source(path: &Path) -> Result<Connection, CopyError> {
    let conn = sqlite::open_direct(path)?;
    conn.pragma_update(None, "query_only", "ON")?;
    conn.execute_batch("BEGIN")?;
    // A deferred transaction takes its snapshot at its first read: now.
    conn.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(()))?;
    Ok(conn)
}

/// Copies the SQLite database at `path` into the empty PostgreSQL database at `url` (its
/// schema is created if missing), verifies the copy and commits it. Refuses, writing nothing,
/// when there is no SQLite file, a server is serving it, or the PostgreSQL database holds any
/// tms row. Blocking: not from async code.
pub fn sqlite_to_postgres(path: &Path, url: &str, options: Options) -> Result<Report, CopyError> {
    if !path.is_file() {
        return Err(CopyError::NoSource(path.to_path_buf()));
    }
    // Held until the copy is committed: no server writes to the file meanwhile.
    let _serving = sqlite::lock::lock(path).map_err(|e| match e {
        DbError::InUse(p) => CopyError::InUse(p),
        other => CopyError::Sqlite(other),
    })?;
    let pg = Pg::open(url, 2, STATEMENT_TIMEOUT)?;
    let target = pg.describe().to_string();
    let rt = pg.handle();
    let mut client = pg.client(&rt)?;
    rt.block_on(async {
        let tx = client.transaction().await?;
        match copy_in(&tx, path, &target, options).await {
            Ok(tables) => {
                tx.commit().await?;
                Ok(Report {
                    tables,
                    sessions_copied: options.with_sessions,
                    target,
                })
            }
            Err(e) => {
                let _ = tx.rollback().await;
                Err(match e {
                    CopyError::Mismatch { table, detail } => {
                        CopyError::RolledBack { table, detail }
                    }
                    other => other,
                })
            }
        }
    })
}

/// The copy inside its transaction, up to (not including) the commit.
async fn copy_in(
    tx: &Transaction<'_>,
    path: &Path,
    target: &str,
    options: Options,
) -> Result<Vec<TableSum>, CopyError> {
    // No other writer (a server started on the new database) until this transaction ends;
    // turning the search triggers off below locks tickets and comments against readers too.
    let names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
    tx.batch_execute(&format!(
        "LOCK TABLE {} IN EXCLUSIVE MODE",
        names.join(", ")
    ))
    .await?;
    let holding = tables_with_rows(tx).await?;
    if !holding.is_empty() {
        return Err(CopyError::NotEmpty {
            target: target.to_string(),
            tables: holding,
        });
    }
    let conn = open_source(path)?;
    tx.batch_execute(SEARCH_TRIGGERS_OFF).await?;
    tx.batch_execute(COUNT_TRIGGER_OFF).await?;
    for t in options.tables() {
        let n = copy_table(&conn, tx, t).await?;
        tracing::debug!(table = t.name, rows = n, "copied");
    }
    tx.batch_execute(SEARCH_INDEX_BUILD).await?;
    tx.batch_execute(TAGS_FROM_TABLE).await?;
    tx.execute(&format!("{COUNT_TICKETS} WHERE TRUE {COUNT_GROUPS}"), &[])
        .await?;
    tx.batch_execute(COUNT_TRIGGER_ON).await?;
    tracing::debug!("search index built");
    restart_sequences(&conn, tx, options).await?;
    compare(&conn, tx, options).await
}

/// Compares the SQLite database at `path` with the PostgreSQL database at `url`: the tables
/// `options` copies, row by row (count and [`TableSum`]), and the ticket counts the triggers
/// kept. Returns the sums, equal on both sides, or the first difference
/// ([`CopyError::Mismatch`]). Each side is read in one snapshot. Blocking.
pub fn verify(path: &Path, url: &str, options: Options) -> Result<Vec<TableSum>, CopyError> {
    if !path.is_file() {
        return Err(CopyError::NoSource(path.to_path_buf()));
    }
    let pg = Pg::open(url, 2, STATEMENT_TIMEOUT)?;
    let conn = open_source(path)?;
    let rt = pg.handle();
    let mut client = pg.client(&rt)?;
    rt.block_on(async {
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let out = compare(&conn, &tx, options).await;
        let _ = tx.rollback().await;
        out
    })
}
