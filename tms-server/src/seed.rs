//! `tms-server import-seed`: a running database of the seed application (the helpdesk tms
//! re-creates, on MySQL) read into an empty tms database on either engine.
//!
//! [`read`] reads its four tables (`Users`, `Tickets`, `Comments`, `ActivityLogs`, described
//! in docs/ARCHITECTURE.md, "Moving in from the seed application") with the MySQL text
//! protocol, every value as the text MySQL shows; [`convert`] turns them into tms rows,
//! repairing what breaks tms's rules and recording each repair with the ids it touched; the
//! rows are then written by `store::transfer::load`, the routine `tms-server import` uses,
//! which keeps every id, moves the identity sequences past them and rebuilds the counts and
//! the search index. Passwords keep their bcrypt hashes: tms verifies them at login and
//! replaces each with argon2id at its user's first successful login (`auth::password`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use time::PrimitiveDateTime;
use time::macros::format_description;
use tms_core::validate::{Body, Email, TEXT_MAX, TITLE_MAX, TicketTitle, USERNAME_MAX, Username};
use tms_core::{ActivityType, Priority, Role, Status};

use crate::store::copy::{self, RowHasher, Value};
use crate::store::transfer::{self, LoadReport, MemoryRows, Part, Plan, TransferError};
use crate::store::{Target, list};

/// How long connecting to MySQL may take.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// A user as the seed stores it.
#[derive(Debug, Clone)]
pub struct SeedUser {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub role: String,
    pub password_hash: String,
}

/// A ticket as the seed stores it; dates in MySQL's text form.
#[derive(Debug, Clone)]
pub struct SeedTicket {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub status: String,
    pub priority: String,
    pub creation_date: Option<String>,
    pub resolution_date: Option<String>,
    pub requester_id: Option<i64>,
    pub assigned_agent_id: Option<i64>,
}

/// A comment as the seed stores it.
#[derive(Debug, Clone)]
pub struct SeedComment {
    pub id: i64,
    pub ticket_id: Option<i64>,
    pub commented_by_id: Option<i64>,
    pub creation_date: Option<String>,
    pub description: String,
}

/// An activity log entry as the seed stores it.
#[derive(Debug, Clone)]
pub struct SeedLog {
    pub id: i64,
    pub user_id: Option<i64>,
    pub activity_type: String,
    pub activity_date: Option<String>,
    pub details: String,
}

/// The seed's database, read.
#[derive(Debug, Clone, Default)]
pub struct SeedData {
    pub users: Vec<SeedUser>,
    pub tickets: Vec<SeedTicket>,
    pub comments: Vec<SeedComment>,
    pub logs: Vec<SeedLog>,
    /// The next id MySQL would give out per table (`AUTO_INCREMENT`), where it says.
    pub next_ids: BTreeMap<String, i64>,
    /// Where it was read from: the URL without its password.
    pub source: String,
}

/// Why the seed's database could not be read. Each message is one sentence.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(
        "the MySQL URL is not valid ({0}); write it as mysql://user:password@host:3306/database"
    )]
    BadUrl(String),
    #[error(
        "the MySQL URL names no database; write it as mysql://user:password@host:3306/database"
    )]
    NoDatabase,
    #[error("cannot connect to MySQL at {at}: {msg}")]
    Connect { at: String, msg: String },
    #[error(
        "the MySQL database {database} has no table {}, so it is not a database of the seed application",
        .missing.join(", ")
    )]
    NotSeed {
        database: String,
        missing: Vec<&'static str>,
    },
    #[error("reading the seed's {table} failed: {msg}")]
    Query { table: &'static str, msg: String },
    #[error("the seed's {table} has a row whose {column} is not a number ({value:?})")]
    NotANumber {
        table: &'static str,
        column: &'static str,
        value: String,
    },
    #[error(transparent)]
    Load(#[from] TransferError),
}

/// The seed's tables, as its models name them.
const SEED_TABLES: [&str; 4] = ["Users", "Tickets", "Comments", "ActivityLogs"];

/// `url` without its password, for messages.
fn shown(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "(unparsable URL)".into(),
    }
}

/// Reads the seed application's database at `url` (`mysql://user:password@host:port/db`).
/// Reads only. Blocking: not from async code.
pub fn read(url: &str) -> Result<SeedData, SeedError> {
    let opts = mysql_async::Opts::from_url(url).map_err(|e| SeedError::BadUrl(e.to_string()))?;
    let Some(database) = opts.db_name().map(str::to_string) else {
        return Err(SeedError::NoDatabase);
    };
    let at = format!("{}:{}", opts.ip_or_hostname(), opts.tcp_port());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| SeedError::Connect {
            at: at.clone(),
            msg: e.to_string(),
        })?;
    rt.block_on(async {
        let connecting = mysql_async::Conn::new(opts);
        let mut conn = match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => {
                // The driver repeats its wrapper's words ("Input/output error: " twice).
                let text = e.to_string();
                let msg = text.trim_start_matches("Input/output error: ").to_string();
                return Err(SeedError::Connect { at, msg });
            }
            Err(_) => {
                return Err(SeedError::Connect {
                    at,
                    msg: format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()),
                });
            }
        };
        let out = read_tables(&mut conn, &database, url).await;
        let _ = conn.disconnect().await;
        out
    })
}

/// One row of text values (NULL as `None`), as the text protocol gives them.
type TextRow = Vec<Option<String>>;

async fn query(
    conn: &mut mysql_async::Conn,
    table: &'static str,
    sql: &str,
) -> Result<Vec<TextRow>, SeedError> {
    use mysql_async::prelude::Queryable;
    let rows: Vec<mysql_async::Row> = conn.query(sql).await.map_err(|e| SeedError::Query {
        table,
        msg: e.to_string(),
    })?;
    Ok(rows
        .into_iter()
        .map(|row| {
            row.unwrap()
                .into_iter()
                .map(|v| match v {
                    mysql_async::Value::NULL => None,
                    mysql_async::Value::Bytes(b) => Some(String::from_utf8_lossy(&b).into_owned()),
                    other => Some(other.as_sql(true).trim_matches('\'').to_string()),
                })
                .collect()
        })
        .collect())
}

fn number(
    table: &'static str,
    column: &'static str,
    v: Option<&String>,
) -> Result<Option<i64>, SeedError> {
    match v {
        None => Ok(None),
        Some(s) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| SeedError::NotANumber {
                table,
                column,
                value: s.clone(),
            }),
    }
}

fn id(table: &'static str, v: Option<&String>) -> Result<i64, SeedError> {
    number(table, "id", v)?.ok_or(SeedError::NotANumber {
        table,
        column: "id",
        value: "NULL".into(),
    })
}

fn text(v: Option<String>) -> String {
    v.unwrap_or_default()
}

async fn read_tables(
    conn: &mut mysql_async::Conn,
    database: &str,
    url: &str,
) -> Result<SeedData, SeedError> {
    // The seed's tables and what MySQL would number next; a database without them is not
    // the seed's.
    let present = query(
        conn,
        "tables",
        "SELECT TABLE_NAME, AUTO_INCREMENT FROM information_schema.TABLES
         WHERE TABLE_SCHEMA = DATABASE()",
    )
    .await?;
    let mut next_ids = BTreeMap::new();
    let mut names = HashSet::new();
    for row in &present {
        let name = row.first().cloned().flatten().unwrap_or_default();
        if let Some(Some(n)) = row
            .get(1)
            .map(|v| v.as_ref().and_then(|s| s.parse::<i64>().ok()))
        {
            next_ids.insert(name.clone(), n);
        }
        names.insert(name);
    }
    let missing: Vec<&'static str> = SEED_TABLES
        .iter()
        .copied()
        .filter(|t| !names.contains(*t))
        .collect();
    if !missing.is_empty() {
        return Err(SeedError::NotSeed {
            database: database.to_string(),
            missing,
        });
    }
    let mut data = SeedData {
        next_ids,
        source: shown(url),
        ..SeedData::default()
    };
    for mut r in query(
        conn,
        "Users",
        "SELECT id, username, email, role, password_hash FROM `Users` ORDER BY id",
    )
    .await?
    {
        data.users.push(SeedUser {
            id: id("Users", r[0].as_ref())?,
            username: text(r[1].take()),
            email: text(r[2].take()),
            role: text(r[3].take()),
            password_hash: text(r[4].take()),
        });
    }
    for mut r in query(
        conn,
        "Tickets",
        "SELECT id, title, description, status, priority, creation_date, resolution_date,
                requester_id, assigned_agent_id FROM `Tickets` ORDER BY id",
    )
    .await?
    {
        data.tickets.push(SeedTicket {
            id: id("Tickets", r[0].as_ref())?,
            title: text(r[1].take()),
            description: text(r[2].take()),
            status: text(r[3].take()),
            priority: text(r[4].take()),
            creation_date: r[5].take(),
            resolution_date: r[6].take(),
            requester_id: number("Tickets", "requester_id", r[7].as_ref())?,
            assigned_agent_id: number("Tickets", "assigned_agent_id", r[8].as_ref())?,
        });
    }
    for mut r in query(
        conn,
        "Comments",
        "SELECT id, ticket_id, commented_by_id, creation_date, description FROM `Comments`
         ORDER BY id",
    )
    .await?
    {
        data.comments.push(SeedComment {
            id: id("Comments", r[0].as_ref())?,
            ticket_id: number("Comments", "ticket_id", r[1].as_ref())?,
            commented_by_id: number("Comments", "commented_by_id", r[2].as_ref())?,
            creation_date: r[3].take(),
            description: text(r[4].take()),
        });
    }
    for mut r in query(
        conn,
        "ActivityLogs",
        "SELECT id, user_id, activity_type, activity_date, details FROM `ActivityLogs`
         ORDER BY id",
    )
    .await?
    {
        data.logs.push(SeedLog {
            id: id("ActivityLogs", r[0].as_ref())?,
            user_id: number("ActivityLogs", "user_id", r[1].as_ref())?,
            activity_type: text(r[2].take()),
            activity_date: r[3].take(),
            details: text(r[4].take()),
        });
    }
    Ok(data)
}

// ---------------------------------------------------------------------------------------
// Conversion.

/// A rule of tms the seed's data broke, and what the import did about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Repair {
    EmailLowercased,
    EmailInvalid,
    EmailDuplicate,
    UsernameRewritten,
    UsernameDuplicate,
    RoleRespelled,
    RoleUnknown,
    PasswordNotBcrypt,
    TitleEmpty,
    TitleRewritten,
    TitleTooLong,
    DescriptionEmpty,
    DescriptionRewritten,
    DescriptionTooLong,
    StatusRespelled,
    StatusUnknown,
    PriorityRespelled,
    PriorityUnknown,
    CreationDateInvalid,
    ResolvedWithoutDate,
    ResolutionDateCleared,
    ResolutionBeforeCreation,
    RequesterMissing,
    AssigneeMissing,
    AssigneeNotStaff,
    AssigneeInactive,
    CommentTicketMissing,
    CommentAuthorMissing,
    CommentEmpty,
    CommentRewritten,
    CommentTooLong,
    CommentDateInvalid,
    LogUserMissing,
    LogTypeRespelled,
    LogTypeUnknown,
    LogDateInvalid,
}

impl Repair {
    /// What was wrong and what was done, for the report.
    pub fn describe(self) -> &'static str {
        match self {
            Repair::EmailLowercased => "email in capitals or with spaces: lower-cased and trimmed",
            Repair::EmailInvalid => "email not valid: replaced by user-ID@seed.invalid",
            Repair::EmailDuplicate => {
                "email differing only in case from an older account's: tagged +seed-ID, account deactivated"
            }
            Repair::UsernameRewritten => {
                "username not 3-32 letters, digits, '_', '.' or '-': rewritten"
            }
            Repair::UsernameDuplicate => "username taken by an older account: -ID appended",
            Repair::RoleRespelled => "role spelled otherwise: mapped",
            Repair::RoleUnknown => "role unknown: made a Requester",
            Repair::PasswordNotBcrypt => {
                "password hash not bcrypt: no password works until a SysAdmin sets one"
            }
            Repair::TitleEmpty => "title empty: set to \"(no title)\"",
            Repair::TitleRewritten => {
                "title with control characters or several lines: made one line"
            }
            Repair::TitleTooLong => "title over 200 characters: shortened",
            Repair::DescriptionEmpty => "description empty: set to \"(no description)\"",
            Repair::DescriptionRewritten => {
                "description with control characters or CRLF line ends: cleaned"
            }
            Repair::DescriptionTooLong => "description over 20,000 characters: shortened",
            Repair::StatusRespelled => "status spelled otherwise: mapped",
            Repair::StatusUnknown => {
                "status unknown: Resolved if it has a resolution date, else Open"
            }
            Repair::PriorityRespelled => "priority spelled otherwise: mapped",
            Repair::PriorityUnknown => "priority unknown: made Medium",
            Repair::CreationDateInvalid => {
                "creation date missing or invalid: its first comment's, else the import's time"
            }
            Repair::ResolvedWithoutDate => {
                "Resolved without a resolution date: dated at its last activity"
            }
            Repair::ResolutionDateCleared => {
                "not Resolved but with a resolution date: date cleared"
            }
            Repair::ResolutionBeforeCreation => {
                "resolution date before the creation date: set to the creation date"
            }
            Repair::RequesterMissing => {
                "requester is no user of the seed: given to the placeholder account"
            }
            Repair::AssigneeMissing => "assigned to no user of the seed: unassigned",
            Repair::AssigneeNotStaff => "assigned to a Requester: unassigned",
            Repair::AssigneeInactive => "open and assigned to a deactivated account: unassigned",
            Repair::CommentTicketMissing => "comment on no ticket of the seed: left out",
            Repair::CommentAuthorMissing => {
                "comment by no user of the seed: given to the placeholder account"
            }
            Repair::CommentEmpty => "comment empty: set to \"(empty comment)\"",
            Repair::CommentRewritten => {
                "comment with control characters or CRLF line ends: cleaned"
            }
            Repair::CommentTooLong => "comment over 20,000 characters: shortened",
            Repair::CommentDateInvalid => {
                "comment date missing or invalid: its ticket's creation date"
            }
            Repair::LogUserMissing => {
                "log entry of no user of the seed: given to the placeholder account"
            }
            Repair::LogTypeRespelled => "log entry type spelled otherwise: mapped",
            Repair::LogTypeUnknown => {
                "log entry type unknown: made Update, the type noted in its details"
            }
            Repair::LogDateInvalid => "log entry date missing or invalid: the import's time",
        }
    }

    /// The kind of row it concerns (the seed's table, in tms's words).
    pub fn subject(self) -> &'static str {
        use Repair::*;
        match self {
            EmailLowercased | EmailInvalid | EmailDuplicate | UsernameRewritten
            | UsernameDuplicate | RoleRespelled | RoleUnknown | PasswordNotBcrypt => "users",
            CommentTicketMissing | CommentAuthorMissing | CommentEmpty | CommentRewritten
            | CommentTooLong | CommentDateInvalid => "comments",
            LogUserMissing | LogTypeRespelled | LogTypeUnknown | LogDateInvalid => "log entries",
            _ => "tickets",
        }
    }
}

/// What [`convert`] made of the seed's data, and what it repaired.
#[derive(Debug, Clone, Default)]
pub struct Conversion {
    /// The ids each repair touched, in order.
    pub repairs: BTreeMap<Repair, Vec<i64>>,
    /// The account made for rows whose person the seed does not hold, if any.
    pub placeholder: Option<i64>,
    /// Rows read from the seed, per seed table.
    pub read: BTreeMap<&'static str, usize>,
}

impl Conversion {
    fn note(&mut self, repair: Repair, id: i64) {
        self.repairs.entry(repair).or_default().push(id);
    }

    /// How many repairs were made.
    pub fn total(&self) -> usize {
        self.repairs.values().map(Vec::len).sum()
    }
}

/// tms rows made from the seed's: ready for `store::transfer::load`.
pub struct Converted {
    plan: Plan,
    rows: Vec<Vec<Vec<Value>>>,
    pub conversion: Conversion,
}

impl Converted {
    /// The rows of tms table `table`, each as (column, value) pairs.
    pub fn rows_of(&self, table: &str) -> Vec<Vec<(&'static str, String)>> {
        let Some(p) = self.plan.parts.iter().position(|p| p.table.name == table) else {
            return Vec::new();
        };
        let part = &self.plan.parts[p];
        self.rows[p]
            .iter()
            .map(|row| {
                part.cols
                    .iter()
                    .zip(row)
                    .map(|(&i, v)| (part.table.columns[i].0, format!("{v:?}")))
                    .collect()
            })
            .collect()
    }
}

/// The text `s` lower-cased, with `_` and `-` as spaces and runs of spaces as one: how a
/// value spelled otherwise is recognised (`helpdesk_agent`, `IN PROGRESS`).
fn canon(s: &str) -> String {
    s.to_lowercase()
        .replace(['_', '-'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `raw` as one of `known` (by its wire string): exactly, spelled otherwise, or not at all.
fn recognise<T: Copy>(raw: &str, known: &[(T, &str)]) -> Option<(T, bool)> {
    if let Some((v, _)) = known.iter().find(|(_, w)| *w == raw) {
        return Some((*v, false));
    }
    let c = canon(raw);
    known
        .iter()
        .find(|(_, w)| canon(w) == c)
        .map(|(v, _)| (*v, true))
}

/// A MySQL `DATETIME` in its text form (`2024-03-24 10:15:00`, with or without a fraction),
/// taken as UTC, in microseconds; `None` for NULL, a zero date or anything else.
pub fn parse_datetime(raw: Option<&str>) -> Option<i64> {
    let raw = raw?.trim();
    let whole = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let fraction = format_description!("[year]-[month]-[day] [hour]:[minute]:[second].[subsecond]");
    let t = PrimitiveDateTime::parse(raw, whole)
        .or_else(|_| PrimitiveDateTime::parse(raw, fraction))
        .or_else(|_| PrimitiveDateTime::parse(&raw.replacen('T', " ", 1), whole))
        .ok()?;
    Some(tms_core::timefmt::to_micros(t.assume_utc()))
}

/// Whether `hash` is a bcrypt hash tms can verify: `$2a$`, `$2b$` or `$2y$`, a two-digit
/// cost, and 53 characters of salt and hash.
pub fn is_bcrypt(hash: &str) -> bool {
    let b = hash.as_bytes();
    b.len() == 60
        && b.starts_with(b"$2")
        && matches!(b[2], b'a' | b'b' | b'y')
        && b[3] == b'$'
        && b[4].is_ascii_digit()
        && b[5].is_ascii_digit()
        && b[6] == b'$'
        && b[7..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'.' || *c == b'/')
}

/// A password hash no password matches (the schema's argon2id prefix, then no parameters):
/// for an account whose seed hash cannot be verified.
pub const UNUSABLE_HASH: &str = "$argon2id$unusable:the-seed-hash-was-not-bcrypt";

/// `s` cut to `max` characters, the last one an ellipsis.
fn shorten(s: &str, max: usize) -> String {
    let mut out: String = s.chars().take(max - 1).collect();
    out = out.trim_end().to_string();
    out.push('…');
    out
}

/// A ticket title from the seed's: one line, 1–200 characters.
fn fix_title(raw: &str) -> (String, Vec<Repair>) {
    let mut repairs = Vec::new();
    let mut t: String = raw
        .chars()
        .filter(|c| !matches!(c, '\u{202A}'..='\u{202E}'))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if t != raw.trim() && TicketTitle::parse(raw).is_err() {
        repairs.push(Repair::TitleRewritten);
    }
    if TicketTitle::parse(&t).is_err() && t.chars().count() <= TITLE_MAX {
        repairs.retain(|r| *r != Repair::TitleRewritten);
        repairs.push(Repair::TitleEmpty);
        t = "(no title)".into();
    }
    if t.chars().count() > TITLE_MAX {
        repairs.push(Repair::TitleTooLong);
        t = shorten(&t, TITLE_MAX);
    }
    match TicketTitle::parse(&t) {
        Ok(ok) => (ok.into_inner(), repairs),
        Err(_) => ("(no title)".into(), vec![Repair::TitleEmpty]),
    }
}

/// A description or comment from the seed's: 1–20,000 characters, newlines and tabs the
/// only control characters. Returns the text and which of (empty, rewritten, too long).
fn fix_body(raw: &str, empty: &str) -> (String, [bool; 3]) {
    let field = "description";
    if let Ok(b) = Body::parse(field, raw) {
        let b = b.into_inner();
        let rewritten = b != raw.trim();
        return (b, [false, rewritten, false]);
    }
    let cleaned: String = raw
        .replace("\r\n", "\n")
        .chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                ' '
            } else {
                c
            }
        })
        .collect();
    let mut t = cleaned.trim().to_string();
    let mut flags = [false, t != raw.trim(), false];
    if t.chars().count() > TEXT_MAX {
        flags[2] = true;
        t = shorten(&t, TEXT_MAX);
    }
    match Body::parse(field, &t) {
        Ok(b) => (b.into_inner(), flags),
        Err(_) => (empty.to_string(), [true, false, false]),
    }
}

/// A username from the seed's: 3–32 letters, digits, `_`, `.` or `-`.
fn fix_username(raw: &str, id: i64) -> (String, bool) {
    if let Ok(u) = Username::parse(raw) {
        let u = u.into_inner();
        let changed = u != raw;
        return (u, changed);
    }
    let mut u: String = raw
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    u = u.trim_matches('_').to_string();
    if u.chars().count() < 3 {
        u = if u.is_empty() {
            format!("user{id}")
        } else {
            format!("{u}_{id}")
        };
    }
    if u.len() > USERNAME_MAX {
        u.truncate(USERNAME_MAX);
    }
    match Username::parse(&u) {
        Ok(ok) => (ok.into_inner(), true),
        Err(_) => (format!("user{id}"), true),
    }
}

/// `base` with `-suffix` appended, cut to fit a username.
fn with_suffix(base: &str, suffix: &str) -> String {
    let room = USERNAME_MAX - suffix.len() - 1;
    let cut: String = base.chars().take(room).collect();
    format!("{cut}-{suffix}")
}

/// The ticket a log entry's details speak of, in the forms the seed writes them
/// (`created ticket 5`, `viewing ticket 3`, `ticket 8 has been resolved`, `created a comment
/// on ticket 2`, `updated comment 5 on ticket 2`).
fn ticket_of(details: &str) -> Option<i64> {
    let words: Vec<&str> = details.split_whitespace().collect();
    words
        .windows(2)
        .find(|w| w[0] == "ticket")
        .and_then(|w| w[1].parse().ok())
        .filter(|n: &i64| *n > 0)
}

/// The tms rows of the seed's `data`, repaired where tms's rules require; `now` (micros) for
/// what has no date. Rows come in key order, ready for `store::transfer::load`.
pub fn convert(data: &SeedData, now: i64) -> Converted {
    let mut c = Conversion::default();
    c.read.insert("Users", data.users.len());
    c.read.insert("Tickets", data.tickets.len());
    c.read.insert("Comments", data.comments.len());
    c.read.insert("ActivityLogs", data.logs.len());

    let mut users: Vec<&SeedUser> = data.users.iter().collect();
    users.sort_by_key(|u| u.id);
    let mut tickets: Vec<&SeedTicket> = data.tickets.iter().collect();
    tickets.sort_by_key(|t| t.id);
    let mut comments: Vec<&SeedComment> = data.comments.iter().collect();
    comments.sort_by_key(|m| m.id);
    let mut logs: Vec<&SeedLog> = data.logs.iter().collect();
    logs.sort_by_key(|l| l.id);

    // Users: roles, emails, usernames, hashes.
    struct U {
        id: i64,
        username: String,
        email: String,
        role: Role,
        active: bool,
        hash: String,
    }
    let roles = [
        (Role::Requester, Role::Requester.as_str()),
        (Role::Agent, Role::Agent.as_str()),
        (Role::Admin, Role::Admin.as_str()),
    ];
    let mut out_users: Vec<U> = Vec::new();
    let mut emails: HashSet<String> = HashSet::new();
    let mut names: HashSet<String> = HashSet::new();
    for u in &users {
        let role = match recognise(&u.role, &roles) {
            Some((r, false)) => r,
            Some((r, true)) => {
                c.note(Repair::RoleRespelled, u.id);
                r
            }
            None => {
                c.note(Repair::RoleUnknown, u.id);
                Role::Requester
            }
        };
        let mut active = true;
        let mut email = match Email::parse(&u.email) {
            Ok(e) => {
                let e = e.into_inner();
                if e != u.email {
                    c.note(Repair::EmailLowercased, u.id);
                }
                e
            }
            Err(_) => {
                c.note(Repair::EmailInvalid, u.id);
                format!("user-{}@seed.invalid", u.id)
            }
        };
        if emails.contains(&email) {
            c.note(Repair::EmailDuplicate, u.id);
            let (local, domain) = email.split_once('@').unwrap_or((&email, "seed.invalid"));
            let local: String = local.chars().take(40).collect();
            email = format!("{local}+seed-{}@{domain}", u.id);
            active = false;
        }
        emails.insert(email.clone());
        let (mut username, rewritten) = fix_username(&u.username, u.id);
        if rewritten {
            c.note(Repair::UsernameRewritten, u.id);
        }
        if names.contains(&username.to_lowercase()) {
            c.note(Repair::UsernameDuplicate, u.id);
            username = with_suffix(&username, &u.id.to_string());
        }
        names.insert(username.to_lowercase());
        let hash = if is_bcrypt(&u.password_hash) {
            u.password_hash.clone()
        } else {
            c.note(Repair::PasswordNotBcrypt, u.id);
            UNUSABLE_HASH.to_string()
        };
        out_users.push(U {
            id: u.id,
            username,
            email,
            role,
            active,
            hash,
        });
    }
    let by_id: HashMap<i64, usize> = out_users
        .iter()
        .enumerate()
        .map(|(i, u)| (u.id, i))
        .collect();
    // The account for rows whose person the seed does not hold, made only when needed.
    let placeholder_id = out_users.iter().map(|u| u.id).max().unwrap_or(0) + 1;
    let mut needs_placeholder = false;
    let mut person = |id: Option<i64>, repair: Repair, row: i64, c: &mut Conversion| match id {
        Some(u) if by_id.contains_key(&u) => u,
        _ => {
            c.note(repair, row);
            needs_placeholder = true;
            placeholder_id
        }
    };

    // Comment dates first: a ticket without a creation date takes its first comment's.
    let ticket_ids: HashSet<i64> = tickets.iter().map(|t| t.id).collect();
    let mut first_comment: HashMap<i64, i64> = HashMap::new();
    let mut last_comment: HashMap<i64, i64> = HashMap::new();
    for m in &comments {
        if let (Some(t), Some(at)) = (m.ticket_id, parse_datetime(m.creation_date.as_deref())) {
            let f = first_comment.entry(t).or_insert(at);
            *f = (*f).min(at);
            let l = last_comment.entry(t).or_insert(at);
            *l = (*l).max(at);
        }
    }

    let statuses = [
        (Status::Open, Status::Open.as_str()),
        (Status::InProgress, Status::InProgress.as_str()),
        (Status::Waiting, Status::Waiting.as_str()),
        (Status::Resolved, Status::Resolved.as_str()),
    ];
    let priorities = [
        (Priority::Low, Priority::Low.as_str()),
        (Priority::Medium, Priority::Medium.as_str()),
        (Priority::High, Priority::High.as_str()),
    ];
    let mut ticket_rows = Vec::new();
    let mut created: HashMap<i64, i64> = HashMap::new();
    for t in &tickets {
        let (title, fixes) = fix_title(&t.title);
        for r in fixes {
            c.note(r, t.id);
        }
        let (description, [empty, rewritten, long]) = fix_body(&t.description, "(no description)");
        for (flag, r) in [
            (empty, Repair::DescriptionEmpty),
            (rewritten, Repair::DescriptionRewritten),
            (long, Repair::DescriptionTooLong),
        ] {
            if flag {
                c.note(r, t.id);
            }
        }
        let creation = match parse_datetime(t.creation_date.as_deref()) {
            Some(at) => at,
            None => {
                c.note(Repair::CreationDateInvalid, t.id);
                first_comment.get(&t.id).copied().unwrap_or(now)
            }
        };
        created.insert(t.id, creation);
        let resolved_at = parse_datetime(t.resolution_date.as_deref());
        let status = match recognise(&t.status, &statuses) {
            Some((s, false)) => s,
            Some((s, true)) => {
                c.note(Repair::StatusRespelled, t.id);
                s
            }
            None => {
                c.note(Repair::StatusUnknown, t.id);
                if resolved_at.is_some() {
                    Status::Resolved
                } else {
                    Status::Open
                }
            }
        };
        let priority = match recognise(&t.priority, &priorities) {
            Some((p, false)) => p,
            Some((p, true)) => {
                c.note(Repair::PriorityRespelled, t.id);
                p
            }
            None => {
                c.note(Repair::PriorityUnknown, t.id);
                Priority::Medium
            }
        };
        let last_activity = last_comment
            .get(&t.id)
            .copied()
            .unwrap_or(creation)
            .max(creation);
        let resolution = if status == Status::Resolved {
            match resolved_at {
                Some(at) if at < creation => {
                    c.note(Repair::ResolutionBeforeCreation, t.id);
                    Some(creation)
                }
                Some(at) => Some(at),
                None => {
                    c.note(Repair::ResolvedWithoutDate, t.id);
                    Some(last_activity)
                }
            }
        } else {
            if t.resolution_date.is_some() {
                c.note(Repair::ResolutionDateCleared, t.id);
            }
            None
        };
        let requester = person(t.requester_id, Repair::RequesterMissing, t.id, &mut c);
        let assignee = match t.assigned_agent_id {
            None => None,
            Some(a) => match by_id.get(&a).map(|&i| &out_users[i]) {
                None => {
                    c.note(Repair::AssigneeMissing, t.id);
                    None
                }
                Some(u) if !u.role.is_staff() => {
                    c.note(Repair::AssigneeNotStaff, t.id);
                    None
                }
                Some(u) if !u.active && status != Status::Resolved => {
                    c.note(Repair::AssigneeInactive, t.id);
                    None
                }
                Some(u) => Some(u.id),
            },
        };
        let updated = last_activity.max(resolution.unwrap_or(creation));
        ticket_rows.push(vec![
            ("id", Value::Int(t.id)),
            ("title", Value::Text(title)),
            ("description", Value::Text(description)),
            ("status", Value::Int(list::status_rank(status))),
            ("priority", Value::Int(list::priority_rank(priority))),
            ("creation_date", Value::Int(creation)),
            ("updated_at", Value::Int(updated)),
            (
                "resolution_date",
                resolution.map_or(Value::Null, Value::Int),
            ),
            ("requester_id", Value::Int(requester)),
            (
                "assigned_agent_id",
                assignee.map_or(Value::Null, Value::Int),
            ),
            ("version", Value::Int(1)),
        ]);
    }

    let mut comment_rows = Vec::new();
    for m in &comments {
        let Some(ticket) = m.ticket_id.filter(|t| ticket_ids.contains(t)) else {
            c.note(Repair::CommentTicketMissing, m.id);
            continue;
        };
        let author = person(
            m.commented_by_id,
            Repair::CommentAuthorMissing,
            m.id,
            &mut c,
        );
        let (text, [empty, rewritten, long]) = fix_body(&m.description, "(empty comment)");
        for (flag, r) in [
            (empty, Repair::CommentEmpty),
            (rewritten, Repair::CommentRewritten),
            (long, Repair::CommentTooLong),
        ] {
            if flag {
                c.note(r, m.id);
            }
        }
        let at = match parse_datetime(m.creation_date.as_deref()) {
            Some(at) => at,
            None => {
                c.note(Repair::CommentDateInvalid, m.id);
                created.get(&ticket).copied().unwrap_or(now)
            }
        };
        comment_rows.push(vec![
            ("id", Value::Int(m.id)),
            ("ticket_id", Value::Int(ticket)),
            ("commented_by_id", Value::Int(author)),
            ("description", Value::Text(text)),
            ("creation_date", Value::Int(at)),
            ("updated_at", Value::Int(at)),
            ("is_internal", Value::Bool(false)),
        ]);
    }

    let types = [
        (ActivityType::Create, ActivityType::Create.as_str()),
        (ActivityType::Read, ActivityType::Read.as_str()),
        (ActivityType::Update, ActivityType::Update.as_str()),
        (ActivityType::Delete, ActivityType::Delete.as_str()),
        (ActivityType::Auth, ActivityType::Auth.as_str()),
    ];
    let mut log_rows = Vec::new();
    for l in &logs {
        let user = person(l.user_id, Repair::LogUserMissing, l.id, &mut c);
        let mut details = l.details.clone();
        let kind = match recognise(&l.activity_type, &types) {
            Some((k, false)) => k,
            Some((k, true)) => {
                c.note(Repair::LogTypeRespelled, l.id);
                k
            }
            None => {
                c.note(Repair::LogTypeUnknown, l.id);
                let _ = write!(details, " (seed activity type {:?})", l.activity_type);
                ActivityType::Update
            }
        };
        let at = match parse_datetime(l.activity_date.as_deref()) {
            Some(at) => at,
            None => {
                c.note(Repair::LogDateInvalid, l.id);
                now
            }
        };
        log_rows.push(vec![
            ("id", Value::Int(l.id)),
            ("user_id", Value::Int(user)),
            ("activity_type", Value::Text(kind.as_str().to_string())),
            ("details", Value::Text(details.clone())),
            ("activity_date", Value::Int(at)),
            (
                "ticket_id",
                ticket_of(&details).map_or(Value::Null, Value::Int),
            ),
        ]);
    }

    // A user's creation: their earliest ticket, comment or log entry, else now.
    let mut first_seen: HashMap<i64, i64> = HashMap::new();
    let mut seen = |user: &Value, at: &Value| {
        if let (Value::Int(u), Value::Int(a)) = (user, at) {
            let e = first_seen.entry(*u).or_insert(*a);
            *e = (*e).min(*a);
        }
    };
    for r in &ticket_rows {
        seen(&r[8].1, &r[5].1);
    }
    for r in &comment_rows {
        seen(&r[2].1, &r[4].1);
    }
    for r in &log_rows {
        seen(&r[1].1, &r[4].1);
    }
    let mut user_rows: Vec<Vec<(&'static str, Value)>> = out_users
        .into_iter()
        .map(|u| {
            let at = first_seen.get(&u.id).copied().unwrap_or(now).min(now);
            vec![
                ("id", Value::Int(u.id)),
                ("username", Value::Text(u.username)),
                ("email", Value::Text(u.email)),
                ("role", Value::Text(u.role.as_str().to_string())),
                ("is_active", Value::Bool(u.active)),
                ("is_away", Value::Bool(false)),
                ("password_hash", Value::Text(u.hash)),
                ("created_at", Value::Int(at)),
                ("updated_at", Value::Int(at)),
            ]
        })
        .collect();
    if needs_placeholder {
        let mut username = "seed-missing-person".to_string();
        if names.contains(&username) {
            username = with_suffix(&username, &placeholder_id.to_string());
        }
        let at = first_seen
            .get(&placeholder_id)
            .copied()
            .unwrap_or(now)
            .min(now);
        user_rows.push(vec![
            ("id", Value::Int(placeholder_id)),
            ("username", Value::Text(username)),
            (
                "email",
                Value::Text(format!("missing-person-{placeholder_id}@seed.invalid")),
            ),
            ("role", Value::Text(Role::Requester.as_str().to_string())),
            ("is_active", Value::Bool(false)),
            ("is_away", Value::Bool(false)),
            ("password_hash", Value::Text(UNUSABLE_HASH.to_string())),
            ("created_at", Value::Int(at)),
            ("updated_at", Value::Int(at)),
        ]);
        c.placeholder = Some(placeholder_id);
    }

    // The highest id the seed gave out per AUTOINCREMENT table: a ticket number it gave to a
    // ticket since deleted is not given again.
    let mut sequences = BTreeMap::new();
    for (seed, tms) in [
        ("Tickets", "tickets"),
        ("Comments", "comments"),
        ("ActivityLogs", "activity_log"),
    ] {
        if let Some(next) = data.next_ids.get(seed) {
            sequences.insert(tms.to_string(), (next - 1).max(0));
        }
    }

    let mut parts = Vec::new();
    let mut rows = Vec::new();
    for (name, table_rows) in [
        ("users", user_rows),
        ("tickets", ticket_rows),
        ("comments", comment_rows),
        ("activity_log", log_rows),
    ] {
        let table = copy::table(name).expect("a tms table");
        let mut cols: Vec<usize> = Vec::new();
        let mut values: Vec<Vec<Value>> = Vec::with_capacity(table_rows.len());
        for row in table_rows {
            if cols.is_empty() {
                cols = row
                    .iter()
                    .map(|(c, _)| table.column(c).expect("a column of the table"))
                    .collect();
            }
            values.push(row.into_iter().map(|(_, v)| v).collect());
        }
        if cols.is_empty() {
            continue;
        }
        let mut h = RowHasher::new_for(table, &cols);
        for v in &values {
            h.values(v);
        }
        parts.push(Part {
            table,
            cols,
            expected: h.finish(table.name),
        });
        rows.push(values);
    }
    Converted {
        plan: Plan { parts, sequences },
        rows,
        conversion: c,
    }
}

/// What an import of the seed did.
pub struct SeedReport {
    pub source: String,
    pub load: LoadReport,
    pub conversion: Conversion,
}

impl SeedReport {
    /// The report printed by `tms-server import-seed`: rows read and written, then each
    /// repair with how many rows it touched and their ids.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let c = &self.conversion;
        let _ = writeln!(out, "read from {}:", self.source);
        for (table, n) in &c.read {
            let _ = writeln!(out, "  {table:<15} {n:>8} rows");
        }
        let _ = writeln!(
            out,
            "written to {} (every table verified):",
            self.load.target
        );
        for t in &self.load.tables {
            let _ = writeln!(out, "  {:<15} {:>8} rows", t.table, t.rows);
        }
        if let Some(id) = c.placeholder {
            let _ = writeln!(
                out,
                "  user {id} is a deactivated placeholder for the people the seed's rows name but it does not hold"
            );
        }
        if c.repairs.is_empty() {
            let _ = writeln!(out, "repairs: none");
        } else {
            let _ = writeln!(out, "repairs: {}", c.total());
            for (repair, ids) in &c.repairs {
                let list: Vec<String> = ids.iter().map(i64::to_string).collect();
                let _ = writeln!(
                    out,
                    "  {:>5}  {} {}: {}",
                    ids.len(),
                    repair.subject(),
                    list.join(", "),
                    repair.describe()
                );
            }
        }
        out
    }
}

/// Reads the seed application's database at `mysql_url` and loads it into the empty tms
/// database `target`. Nothing is written to `target` unless everything was read, converted
/// and written, and the written rows verified. Blocking.
pub fn import(mysql_url: &str, target: &Target) -> Result<SeedReport, SeedError> {
    import_data(&read(mysql_url)?, target)
}

/// [`import`] of the seed's rows already read. Blocking.
pub fn import_data(data: &SeedData, target: &Target) -> Result<SeedReport, SeedError> {
    let now = tms_core::timefmt::to_micros(tms_core::timefmt::now());
    let converted = convert(data, now);
    let mut rows = MemoryRows::new(converted.rows);
    let load = transfer::load(target, &converted.plan, &mut rows)?;
    Ok(SeedReport {
        source: data.source.clone(),
        load,
        conversion: converted.conversion,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_spelled_otherwise_are_recognised_and_others_are_not() {
        let statuses = [
            (Status::Open, "Open"),
            (Status::InProgress, "In Progress"),
            (Status::Resolved, "Resolved"),
        ];
        assert_eq!(
            recognise("In Progress", &statuses),
            Some((Status::InProgress, false))
        );
        assert_eq!(
            recognise("in_progress", &statuses),
            Some((Status::InProgress, true))
        );
        assert_eq!(
            recognise(" RESOLVED ", &statuses),
            Some((Status::Resolved, true))
        );
        assert_eq!(recognise("", &statuses), None);
        assert_eq!(recognise("Closed", &statuses), None);
    }

    #[test]
    fn mysql_datetimes_are_utc_and_zero_dates_are_none() {
        let at = parse_datetime(Some("2024-03-20 10:00:00")).unwrap();
        assert_eq!(
            tms_core::timefmt::format(tms_core::timefmt::from_micros(at)),
            "2024-03-20T10:00:00"
        );
        let fine = parse_datetime(Some("2024-03-20 10:00:00.250000")).unwrap();
        assert_eq!(fine - at, 250_000);
        assert_eq!(parse_datetime(Some("0000-00-00 00:00:00")), None);
        assert_eq!(parse_datetime(Some("yesterday")), None);
        assert_eq!(parse_datetime(None), None);
    }

    #[test]
    fn log_details_name_their_ticket() {
        assert_eq!(ticket_of("created ticket 5"), Some(5));
        assert_eq!(ticket_of("ticket 8 has been resolved"), Some(8));
        assert_eq!(ticket_of("updated comment 5 on ticket 2"), Some(2));
        assert_eq!(ticket_of("viewing all tickets"), None);
    }

    #[test]
    fn only_whole_bcrypt_hashes_are_kept() {
        assert!(is_bcrypt(
            "$2b$12$M1Vs.iRo1Ctp8xwBxLULpu/q7kfLBhMCVNZUXRxacRmUd4uAGGi9q"
        ));
        assert!(!is_bcrypt("$2b$12$short"));
        assert!(!is_bcrypt("plain"));
        assert!(!crate::auth::password::is_bcrypt(UNUSABLE_HASH));
    }

    #[test]
    fn titles_bodies_and_usernames_are_made_valid() {
        assert_eq!(fix_title("  Fine  "), ("Fine".to_string(), vec![]));
        assert_eq!(fix_title("a\r\nb").0, "a b");
        assert_eq!(fix_title("").1, vec![Repair::TitleEmpty]);
        let (long, r) = fix_title(&"x".repeat(250));
        assert_eq!(
            (long.chars().count(), r),
            (TITLE_MAX, vec![Repair::TitleTooLong])
        );
        assert_eq!(
            fix_body("one\r\ntwo", "-"),
            ("one\ntwo".to_string(), [false, true, false])
        );
        assert!(fix_body(" \u{0} ", "(empty)").1[0]);
        assert_eq!(fix_username("Mike B", 8), ("Mike_B".to_string(), true));
        assert_eq!(fix_username("Al", 9), ("Al_9".to_string(), true));
        assert_eq!(fix_username("Admin", 1), ("Admin".to_string(), false));
        assert_eq!(with_suffix(&"a".repeat(32), "12").len(), USERNAME_MAX);
    }
}
