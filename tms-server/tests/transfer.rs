//! `tms-server export`, `import` and `import-seed` (`tms_server::store::transfer`,
//! `tms_server::seed`) against real databases and a real server.
//!
//! SQLite always. PostgreSQL when `TMS_TEST_DATABASE_URL` names a database the tests may
//! create their own from (`scripts/pg.sh start DIR` prints one); the seed application's MySQL
//! when `TMS_TEST_MYSQL_URL` names a database whose user may create databases
//! (`scripts/mariadb.sh start DIR` prints one). Without them those tests are skipped with a
//! note.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use tempfile::TempDir;
use tms_server::Config;
use tms_server::seed::{self, Repair, SeedError};
use tms_server::store::Target;
use tms_server::store::transfer::{self, TransferError};

#[path = "common/served.rs"]
mod served;
use served::{Served, blocking, open};

fn env_url(name: &str, how: &str) -> Option<String> {
    let url = std::env::var(name).ok().filter(|u| !u.is_empty());
    if url.is_none() {
        eprintln!("skipped: {name} is not set ({how} prints one)");
    }
    url
}

/// The PostgreSQL database to create test databases from, or `None` (skipped).
fn postgres() -> Option<String> {
    env_url("TMS_TEST_DATABASE_URL", "scripts/pg.sh start DIR")
}

/// The MySQL database to create test databases from, or `None` (skipped).
fn mysql() -> Option<String> {
    env_url("TMS_TEST_MYSQL_URL", "scripts/mariadb.sh start DIR")
}

async fn fresh_postgres(admin: &str) -> String {
    tms_server::store::postgres::test_database(admin, "tms_transfer_")
        .await
        .unwrap()
}

fn config_of(target: &Target) -> Config {
    match target {
        Target::Sqlite(path) => Config::new(path),
        Target::Postgres(url) => Config::postgres(url),
    }
}

/// A server on the database of `target`.
async fn serve(target: &Target) -> Served {
    Served::start(open(config_of(target)).await).await
}

impl Served {
    async fn total(&self, token: &str, query: &str) -> u64 {
        self.get(token, &format!("/api/v1/tickets/?{query}")).await["total"]
            .as_u64()
            .unwrap()
    }

    /// Files a ticket; returns its id.
    async fn file(&self, token: &str, title: &str) -> i64 {
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                token,
                "/api/v1/tickets",
                Some(json!({"title": title, "description": "Filed after the move.", "priority": "Low"})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["id"].as_i64().unwrap()
    }

    async fn password_hash(&self, user: i64) -> String {
        self.state
            .store
            .raw_query(&format!(
                "SELECT password_hash FROM users WHERE id = {user}"
            ))
            .await
            .unwrap()[0][0]
            .clone()
            .unwrap()
    }
}

/// A SQLite database with the demo helpdesk, used a little: a status change (history), a
/// comment, an internal note, tags, a shared view, a setting, a session, and the newest
/// ticket deleted (its number is not given out again).
async fn used_sqlite(dir: &Path) -> PathBuf {
    let path = dir.join("source.db");
    let target = Target::Sqlite(path.clone());
    let state = open(config_of(&target)).await;
    blocking(move || tms_server::demo::seed(&state).unwrap()).await;
    let s = serve(&target).await;
    let admin = s.login_demo("admin@example.com").await;
    let calls = [
        (
            reqwest::Method::PATCH,
            "/api/v1/tickets/1",
            json!({"status": "In Progress", "priority": "High", "assigned_agent_id": 3, "tags": ["vpn", "urgent_2"]}),
        ),
        (
            reqwest::Method::POST,
            "/api/v1/comments",
            json!({"ticket_id": 1, "description": "Über-urgent: the naïve fix failed (wombat)."}),
        ),
        (
            reqwest::Method::POST,
            "/api/v1/comments",
            json!({"ticket_id": 2, "description": "Internal: check the numbat logs.", "is_internal": true}),
        ),
        (
            reqwest::Method::POST,
            "/api/v1/views",
            json!({"name": "Dringend – offen", "query": "status=Open&priority=High", "shared": true}),
        ),
        (
            reqwest::Method::PUT,
            "/api/v1/admin/assignment",
            json!({"mode": "round_robin"}),
        ),
    ];
    for (method, path, body) in calls {
        let (status, reply) = s.call(method.clone(), &admin, path, Some(body)).await;
        assert!(
            (200..300).contains(&status),
            "{method} {path}: {status} {reply}"
        );
    }
    let newest = s.file(&admin, "Deleted soon").await;
    let (status, _) = s
        .call(
            reqwest::Method::DELETE,
            &admin,
            &format!("/api/v1/tickets/{newest}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    s.stop().await;
    path
}

async fn export(source: &Target, out: &Path, secrets: bool) -> Vec<u8> {
    let (source, out2) = (source.clone(), out.to_path_buf());
    blocking(move || transfer::export_to_file(&source, &out2, secrets).unwrap()).await;
    std::fs::read(out).unwrap()
}

async fn import(target: &Target, file: &Path) -> Result<transfer::LoadReport, TransferError> {
    let (target, file) = (target.clone(), file.to_path_buf());
    blocking(move || transfer::import(&target, &file)).await
}

/// The list totals a server on `target` shows for a few filters and searches: the counts,
/// the search index (comments and internal notes included, for staff) and the tags. Signs in
/// with the demo password, which must therefore have come along.
async fn totals(target: &Target) -> Vec<(&'static str, u64)> {
    let s = serve(target).await;
    let admin = s.login_demo("admin@example.com").await;
    let mut out = Vec::new();
    for q in [
        "size=1",
        "status=In%20Progress&size=1",
        "status=Open&priority=High&size=1",
        "assigned_agent_id=3&size=1",
        "q=wombat",
        "q=numbat",
        "q=printer",
        "tag=vpn",
    ] {
        out.push((q, s.total(&admin, q).await));
    }
    s.stop().await;
    out
}

/// A server on an imported database shows what its source showed, and gives the next ticket
/// the number after the highest ever given out (`deleted`, the source's newest, deleted).
async fn check_imported(target: &Target, expected: &[(&'static str, u64)], deleted: i64) {
    assert_eq!(totals(target).await, expected);
    let s = serve(target).await;
    let admin = s.login_demo("admin@example.com").await;
    let next = s.file(&admin, "After the move").await;
    assert_eq!(
        next,
        deleted + 1,
        "ticket numbers continue past every one given out"
    );
    s.stop().await;
}

/// SQLite → JSON lines → SQLite gives the same export, byte for byte, and a database that
/// serves as the source did.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_and_import_round_trip_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let source = Target::Sqlite(used_sqlite(dir.path()).await);
    let first = export(&source, &dir.path().join("a.jsonl"), false).await;
    let text = String::from_utf8(first.clone()).unwrap();
    let header: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(header["format"], "tms-export");
    assert_eq!(header["version"], 1);
    assert!(text.contains("\"table\":\"ticket_history\""));
    assert!(text.contains("\"table\":\"views\""));
    assert!(text.contains("\"table\":\"settings\""));
    assert!(text.contains("\"password_hash\":\"$argon2id$"));
    assert!(
        !text.contains("\"table\":\"sessions\""),
        "no sessions without the flag"
    );
    assert!(!text.contains("\"table\":\"server_keys\""));
    let deleted = header["sequences"]["tickets"].as_i64().unwrap();
    assert_eq!(deleted, 12, "the deleted ticket's number is carried");

    let copy = Target::Sqlite(dir.path().join("copy.db"));
    let report = import(&copy, &dir.path().join("a.jsonl")).await.unwrap();
    assert_eq!(
        report
            .tables
            .iter()
            .find(|t| t.table == "tickets")
            .unwrap()
            .rows,
        11
    );
    let second = export(&copy, &dir.path().join("b.jsonl"), false).await;
    assert!(first == second, "the exports differ");
    let expected = totals(&source).await;
    assert_eq!(expected[0].1, 11);
    assert!(
        expected.iter().skip(4).all(|(_, n)| *n >= 1),
        "{expected:?}"
    );
    check_imported(&copy, &expected, deleted).await;

    // With the secrets, the sessions and keys come along.
    let secret = export(&source, &dir.path().join("s.jsonl"), true).await;
    let secret = String::from_utf8(secret).unwrap();
    assert!(secret.contains("\"table\":\"sessions\""));
    assert!(secret.contains("\"table\":\"server_keys\""));
    let with = Target::Sqlite(dir.path().join("with.db"));
    import(&with, &dir.path().join("s.jsonl")).await.unwrap();
}

/// SQLite → JSON lines → PostgreSQL → JSON lines → SQLite: every export the same bytes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_and_import_round_trip_through_postgres() {
    let Some(admin) = postgres() else { return };
    let dir = tempfile::tempdir().unwrap();
    let source = Target::Sqlite(used_sqlite(dir.path()).await);
    let first = export(&source, &dir.path().join("a.jsonl"), false).await;
    let pg = Target::Postgres(fresh_postgres(&admin).await);
    import(&pg, &dir.path().join("a.jsonl")).await.unwrap();
    let second = export(&pg, &dir.path().join("b.jsonl"), false).await;
    assert!(first == second, "SQLite's and PostgreSQL's exports differ");
    let back = Target::Sqlite(dir.path().join("back.db"));
    import(&back, &dir.path().join("b.jsonl")).await.unwrap();
    let third = export(&back, &dir.path().join("c.jsonl"), false).await;
    assert!(first == third, "the export after the round trip differs");
    let expected = totals(&source).await;
    check_imported(&pg, &expected, 12).await;
    check_imported(&back, &expected, 12).await;
}

/// Refusals, each one sentence, with nothing written: a database that is not empty, a
/// malformed line, a file cut short, a column this server does not know, an existing output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let source = Target::Sqlite(used_sqlite(dir.path()).await);
    let good = dir.path().join("good.jsonl");
    let text = String::from_utf8(export(&source, &good, false).await).unwrap();
    let one_sentence = |msg: &str| {
        assert!(!msg.contains('\n'), "{msg}");
        assert!(
            msg.matches(". ").count() == 0,
            "more than one sentence: {msg}"
        );
    };

    // Into the database it came from: not empty.
    let e = import(&source, &good).await.unwrap_err();
    assert!(matches!(e, TransferError::NotEmpty { .. }), "{e}");
    assert!(
        e.to_string().contains("import into an empty database"),
        "{e}"
    );
    one_sentence(&e.to_string());

    let lines: Vec<&str> = text.lines().collect();
    let write = |name: &str, lines: &[String]| {
        let p = dir.path().join(name);
        std::fs::write(&p, lines.join("\n") + "\n").unwrap();
        p
    };
    let owned: Vec<String> = lines.iter().map(|l| (*l).to_string()).collect();

    // A malformed line: named by number; the new database file is not left behind.
    let mut broken = owned.clone();
    broken[3] = broken[3].replacen("\"id\":", "\"id\":\"x", 1);
    let bad = write("bad.jsonl", &broken);
    let target = dir.path().join("never.db");
    let e = import(&Target::Sqlite(target.clone()), &bad)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("line 4 of"), "{e}");
    one_sentence(&e.to_string());
    assert!(!target.exists(), "a refused import left a database behind");

    // A type that does not fit its column.
    let mut mistyped = owned.clone();
    mistyped[2] = mistyped[2].replacen("\"is_active\":true", "\"is_active\":\"yes\"", 1);
    let e = import(
        &Target::Sqlite(target.clone()),
        &write("typed.jsonl", &mistyped),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("line 3 of"), "{e}");
    assert!(
        e.to_string().contains("is_active must be true or false"),
        "{e}"
    );
    assert!(!target.exists());

    // Cut short: no last line.
    let cut = write("cut.jsonl", &owned[..owned.len() - 5]);
    let e = import(&Target::Sqlite(target.clone()), &cut)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("incomplete"), "{e}");
    assert!(!target.exists());

    // A row changed after the export: the checksum says so.
    let mut altered = owned.clone();
    altered[2] = altered[2].replacen("\"username\":\"", "\"username\":\"x", 1);
    let e = import(
        &Target::Sqlite(target.clone()),
        &write("altered.jsonl", &altered),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("altered or damaged"), "{e}");
    assert!(!target.exists());

    // A column this server does not know.
    let mut newer = owned.clone();
    newer[0] = newer[0].replacen("\"version\",", "\"version\",\"mystery_column\",", 1);
    let e = import(
        &Target::Sqlite(target.clone()),
        &write("newer.jsonl", &newer),
    )
    .await
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("\"mystery_column\" that this tms-server does not know"),
        "{e}"
    );
    assert!(!target.exists());

    // Not an export at all.
    let e = import(
        &Target::Sqlite(target.clone()),
        &write("other.jsonl", &["{}".into()]),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().starts_with("line 1 of"), "{e}");
    one_sentence(&e.to_string());

    // An export never overwrites a file.
    let (src, out) = (source.clone(), good.clone());
    let e = blocking(move || transfer::export_to_file(&src, &out, false).unwrap_err()).await;
    assert!(matches!(e, TransferError::Exists(_)), "{e}");
    assert_eq!(std::fs::read_to_string(&good).unwrap(), text);

    // A PostgreSQL database that is not empty is refused as a whole, rows unchanged.
    if let Some(admin) = postgres() {
        let pg = Target::Postgres(fresh_postgres(&admin).await);
        import(&pg, &good).await.unwrap();
        let e = import(&pg, &good).await.unwrap_err();
        assert!(matches!(e, TransferError::NotEmpty { .. }), "{e}");
        let e = import(&Target::Postgres(fresh_postgres(&admin).await), &bad)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("line 4 of"), "{e}");
    }
}

/// A MySQL URL that is not one, names no database, or reaches no server: one sentence each,
/// and the target is not created.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_seed_refuses_bad_and_unreachable_urls() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("seed.db");
    let attempt = |url: &'static str| {
        let target = Target::Sqlite(target.clone());
        blocking(move || seed::import(url, &target).err().expect("refused"))
    };
    let e = attempt("postgres://tms@127.0.0.1/seed").await;
    assert!(matches!(e, SeedError::BadUrl(_)), "{e}");
    let e = attempt("mysql://tms@127.0.0.1:3306").await;
    assert!(matches!(e, SeedError::NoDatabase), "{e}");
    // A port nothing listens on (taken, then freed).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url: &'static str =
        Box::leak(format!("mysql://tms:tms@127.0.0.1:{port}/seed").into_boxed_str());
    let e = attempt(url).await;
    assert!(matches!(e, SeedError::Connect { .. }), "{e}");
    assert!(
        e.to_string()
            .starts_with("cannot connect to MySQL at 127.0.0.1:"),
        "{e}"
    );
    assert!(!e.to_string().contains('\n'));
    assert!(!target.exists());
}

/// A new MySQL database holding `tests/fixtures/seed.sql`; its URL.
async fn seed_database(admin: &str) -> String {
    use mysql_async::prelude::Queryable;
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("tms_seed_{}_{n}", std::process::id());
    let mut conn = mysql_async::Conn::from_url(admin).await.unwrap();
    conn.query_drop(format!(
        "DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name} CHARACTER SET utf8mb4"
    ))
    .await
    .unwrap();
    conn.query_drop(format!("USE {name}")).await.unwrap();
    let fixture = include_str!("fixtures/seed.sql");
    conn.query_drop(fixture).await.unwrap();
    conn.disconnect().await.unwrap();
    let mut url = url::Url::parse(admin).unwrap();
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// The fixture imported into `target`: the report, then a real server on the result.
async fn seed_into(mysql_url: &str, target: Target) {
    let (url, t) = (mysql_url.to_string(), target.clone());
    let report = blocking(move || seed::import(&url, &t).unwrap()).await;
    let rows = |table: &str| {
        report
            .load
            .tables
            .iter()
            .find(|t| t.table == table)
            .unwrap()
            .rows
    };
    assert_eq!(rows("users"), 12, "11 users and a placeholder");
    assert_eq!(rows("tickets"), 13);
    assert_eq!(rows("comments"), 9, "the comment on no ticket is left out");
    assert_eq!(rows("activity_log"), 8);
    assert_eq!(report.conversion.placeholder, Some(12));
    let ids = |r: Repair| {
        report
            .conversion
            .repairs
            .get(&r)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(ids(Repair::AssigneeNotStaff), [7]);
    assert_eq!(ids(Repair::AssigneeMissing), [8]);
    assert_eq!(ids(Repair::AssigneeInactive), [12]);
    assert_eq!(ids(Repair::RequesterMissing), [8]);
    assert_eq!(ids(Repair::StatusUnknown), [5]);
    assert_eq!(ids(Repair::PriorityUnknown), [5]);
    assert_eq!(ids(Repair::EmailDuplicate), [7]);
    assert_eq!(ids(Repair::UsernameDuplicate), [7]);
    assert_eq!(ids(Repair::TitleEmpty), [3]);
    assert_eq!(ids(Repair::TitleTooLong), [11]);
    assert_eq!(ids(Repair::DescriptionEmpty), [11]);
    assert_eq!(ids(Repair::CreationDateInvalid), [9]);
    assert_eq!(ids(Repair::ResolvedWithoutDate), [6]);
    assert_eq!(ids(Repair::ResolutionDateCleared), [7]);
    assert_eq!(ids(Repair::ResolutionBeforeCreation), [13]);
    assert_eq!(ids(Repair::CommentTicketMissing), [5]);
    assert_eq!(ids(Repair::CommentAuthorMissing), [6]);
    assert_eq!(ids(Repair::CommentDateInvalid), [8]);
    assert_eq!(ids(Repair::LogUserMissing), [5]);
    assert_eq!(ids(Repair::LogTypeUnknown), [6]);
    assert_eq!(ids(Repair::RoleUnknown), [11]);
    assert_eq!(ids(Repair::PasswordNotBcrypt), [9]);
    let text = report.render();
    assert!(text.contains("repairs: "), "{text}");
    assert!(
        text.contains("tickets 7: assigned to a Requester: unassigned"),
        "{text}"
    );

    let s = serve(&target).await;
    // The seed's password, verified against its bcrypt hash, which is then replaced.
    assert!(s.password_hash(1).await.starts_with("$2b$12$"));
    let admin = s.login("admin@example.com", "Hello123.").await;
    let replaced = s.password_hash(1).await;
    assert!(replaced.starts_with("$argon2id$"), "{replaced}");
    s.login("admin@example.com", "Hello123.").await;
    assert_eq!(s.password_hash(1).await, replaced, "replaced once");
    let (status, _) = s
        .try_login("sophia.martinez@example.com", "Hello123.")
        .await;
    assert_eq!(status, 401);
    s.login("sophia.martinez@example.com", "Sophia-2024!").await;
    let (status, _) = s.try_login("al@example.com", "plain-text-password").await;
    assert_eq!(status, 401, "a hash that is not bcrypt lets no password in");
    // Emails in lower case now; the duplicate's account is deactivated.
    s.login("emily.white@example.com", "Hello123.").await;
    let (status, _) = s
        .try_login("jane.doe+seed-7@example.com", "Hello123.")
        .await;
    assert_eq!(status, 401);

    // Rows, ids and counts.
    assert_eq!(s.total(&admin, "size=1").await, 13);
    assert_eq!(s.total(&admin, "status=Open&size=1").await, 8);
    assert_eq!(s.total(&admin, "status=Resolved&size=1").await, 3);
    let t8 = s.get(&admin, "/api/v1/tickets/8").await;
    assert_eq!(t8["requester_id"], 12);
    assert_eq!(t8["assigned_agent_id"], Value::Null);
    assert_eq!(t8["title"], "Laptop Overheating");
    let t2 = s.get(&admin, "/api/v1/tickets/2").await;
    assert_eq!(t2["assigned_agent_id"], 4);
    assert_eq!(t2["creation_date"], "2024-03-20T10:00:00");
    assert_eq!(t2["comments"].as_array().unwrap().len(), 2);
    let t9 = s.get(&admin, "/api/v1/tickets/9").await;
    assert_eq!(
        t9["creation_date"], "2024-03-18T08:30:00",
        "its first comment's date"
    );
    let t6 = s.get(&admin, "/api/v1/tickets/6").await;
    assert_eq!(
        t6["resolution_date"], "2024-03-21T16:00:00",
        "its last activity"
    );
    // The search index: titles, descriptions and comments.
    assert_eq!(s.total(&admin, "q=zephyrine").await, 1);
    assert_eq!(s.total(&admin, "q=quokka").await, 1);
    assert_eq!(s.total(&admin, "q=tunnel").await, 1);
    // Ticket numbers continue past the seed's deleted ones (AUTO_INCREMENT 20).
    assert_eq!(s.file(&admin, "After the move").await, 20);
    s.stop().await;
}

/// The seed application's database (tests/fixtures/seed.sql) into SQLite, and into
/// PostgreSQL when it is there; a second import into the same database is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_seed_repairs_and_serves_the_seed_application_database() {
    let Some(mysql_admin) = mysql() else { return };
    let mysql_url = seed_database(&mysql_admin).await;
    let dir: TempDir = tempfile::tempdir().unwrap();
    let sqlite = Target::Sqlite(dir.path().join("seed.db"));
    seed_into(&mysql_url, sqlite.clone()).await;
    let (url, t) = (mysql_url.clone(), sqlite.clone());
    let e = blocking(move || seed::import(&url, &t).err().expect("refused")).await;
    assert!(
        e.to_string().contains("import into an empty database"),
        "{e}"
    );
    if let Some(admin) = postgres() {
        let pg = Target::Postgres(fresh_postgres(&admin).await);
        seed_into(&mysql_url, pg).await;
    }
    // A MySQL database that is not the seed's.
    let mut other = url::Url::parse(&mysql_url).unwrap();
    other.set_path("/mysql");
    let (url, t) = (
        other.to_string(),
        Target::Sqlite(dir.path().join("other.db")),
    );
    let e = blocking(move || seed::import(&url, &t).err().expect("refused")).await;
    assert!(matches!(e, SeedError::NotSeed { .. }), "{e}");
}

/// The conversion and the load without MySQL: seed rows as `seed::read` returns them go into
/// SQLite, and a real server signs in with a bcrypt hash, replaced by argon2id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_rows_load_and_their_bcrypt_passwords_sign_in() {
    let hash = bcrypt::hash("Hello123.", 4).unwrap();
    let user = |id: i64, name: &str, email: &str, role: &str| seed::SeedUser {
        id,
        username: name.into(),
        email: email.into(),
        role: role.into(),
        password_hash: hash.clone(),
    };
    let data = seed::SeedData {
        users: vec![
            user(1, "Admin", "admin@example.com", "SysAdmin"),
            user(2, "Jane", "jane@example.com", "Requester"),
            user(3, "John", "john@example.com", "helpdesk_agent"),
        ],
        tickets: vec![seed::SeedTicket {
            id: 7,
            title: "Printer".into(),
            description: "It jams.".into(),
            status: "in_progress".into(),
            priority: "High".into(),
            creation_date: Some("2024-03-20 10:00:00".into()),
            resolution_date: None,
            requester_id: Some(2),
            assigned_agent_id: Some(2),
        }],
        comments: vec![seed::SeedComment {
            id: 3,
            ticket_id: Some(7),
            commented_by_id: Some(3),
            creation_date: Some("2024-03-20 11:00:00".into()),
            description: "Try the bilby tray.".into(),
        }],
        logs: vec![],
        next_ids: [("Tickets".to_string(), 9)].into_iter().collect(),
        source: "test".into(),
    };
    let dir = tempfile::tempdir().unwrap();
    let target = Target::Sqlite(dir.path().join("seed.db"));
    let t = target.clone();
    let report = blocking(move || seed::import_data(&data, &t).unwrap()).await;
    let ids = |r: Repair| {
        report
            .conversion
            .repairs
            .get(&r)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(ids(Repair::RoleRespelled), [3]);
    assert_eq!(ids(Repair::StatusRespelled), [7]);
    assert_eq!(ids(Repair::AssigneeNotStaff), [7]);
    assert_eq!(report.conversion.total(), 3);
    let s = serve(&target).await;
    assert!(s.password_hash(3).await.starts_with("$2b$04$"));
    let token = s.login("john@example.com", "Hello123.").await;
    assert!(s.password_hash(3).await.starts_with("$argon2id$"));
    let t = s.get(&token, "/api/v1/tickets/7").await;
    assert_eq!(t["status"], "In Progress");
    assert_eq!(t["assigned_agent_id"], Value::Null);
    assert_eq!(s.total(&token, "q=bilby").await, 1);
    assert_eq!(
        s.file(&token, "Next").await,
        9,
        "past the seed's AUTO_INCREMENT"
    );
    s.stop().await;
}
