//! `tms-server migrate-to-postgres` (`tms_server::store::copy`) against a real PostgreSQL
//! cluster: `TMS_TEST_DATABASE_URL` names a database from which the tests create their own
//! (`scripts/pg.sh start DIR` prints one). Without it every test is skipped with a note.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use tempfile::TempDir;
use tms_core::timefmt;
use tms_core::{ActivityType, Priority, Role, Status};
use tms_server::Config;
use tms_server::store::copy::{self, CopyError, Options, Report, TableSum};
use tms_server::store::{NewTicket, Store, StoreError, Target, TicketState};

#[path = "common/served.rs"]
mod served;
use served::{Served, blocking, open};

/// The database to create test databases from, or `None` (the test is skipped).
fn cluster() -> Option<String> {
    let url = std::env::var("TMS_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if url.is_none() {
        eprintln!("skipped: TMS_TEST_DATABASE_URL is not set (scripts/pg.sh start DIR prints one)");
    }
    url
}

/// A new, empty PostgreSQL database.
async fn fresh_database(admin: &str) -> String {
    tms_server::store::postgres::test_database(admin, "tms_migrate_")
        .await
        .unwrap()
}

/// A temporary SQLite database with the demo helpdesk.
async fn demo_sqlite() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tms.db");
    let state = open(Config::new(&path)).await;
    blocking(move || tms_server::demo::seed(&state).unwrap()).await;
    (dir, path)
}

/// Some use of a SQLite database, so that history, sessions and log entries of every kind
/// exist: a sign-in, a webhook and an email choice, a change of a ticket and a comment (which
/// queue deliveries of the webhook).
async fn use_a_little(path: &Path) {
    let sqlite = Served::start(open(Config::new(path)).await).await;
    let token = sqlite.login_demo("admin@example.com").await;
    let (status, body) = sqlite
        .call(
            reqwest::Method::POST,
            &token,
            "/api/v1/admin/webhooks",
            Some(
                json!({"url": "https://hooks.example.com/tms", "secret": "sixteen chars or more",
                        "events": ["ticket.updated", "comment.created"]}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = sqlite
        .call(
            reqwest::Method::PUT,
            &token,
            "/api/v1/users/me/notifications",
            Some(json!({"email": false})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = sqlite
        .call(
            reqwest::Method::PATCH,
            &token,
            "/api/v1/tickets/1",
            Some(json!({"status": "In Progress", "priority": "High", "assigned_agent_id": 3})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = sqlite
        .call(
            reqwest::Method::POST,
            &token,
            "/api/v1/comments",
            Some(json!({"ticket_id": 1, "description": "Über-urgent: the naïve fix failed."})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = sqlite
        .call(
            reqwest::Method::POST,
            &token,
            "/api/v1/views",
            Some(json!({"name": "Dringend – offen", "query": "status=Open&priority=High", "shared": true})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    sqlite.stop().await;
}

fn migrate(path: &Path, url: &str, with_sessions: bool) -> Result<Report, CopyError> {
    copy::sqlite_to_postgres(path, url, Options { with_sessions })
}

async fn migrate_ok(path: &Path, url: &str, with_sessions: bool) -> Report {
    let (path, url) = (path.to_path_buf(), url.to_string());
    blocking(move || migrate(&path, &url, with_sessions).unwrap()).await
}

async fn migrate_err(path: &Path, url: &str) -> CopyError {
    let (path, url) = (path.to_path_buf(), url.to_string());
    blocking(move || migrate(&path, &url, false).unwrap_err()).await
}

async fn verify(path: &Path, url: &str, with_sessions: bool) -> Result<Vec<TableSum>, CopyError> {
    let (path, url) = (path.to_path_buf(), url.to_string());
    blocking(move || copy::verify(&path, &url, Options { with_sessions })).await
}

/// The number of rows of `table` in the SQLite file.
fn sqlite_count(path: &Path, table: &str) -> u64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

/// Runs SQL on the SQLite file directly (no server may be using it).
fn sqlite_exec(path: &Path, sql: &str) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_update(None, "foreign_keys", "ON").unwrap();
    conn.execute_batch(sql).unwrap();
}

/// A plain connection to a PostgreSQL database, outside tms.
async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

async fn pg_count(url: &str, table: &str) -> u64 {
    let n: i64 = connect(url)
        .await
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .await
        .unwrap()
        .get(0);
    n as u64
}

/// Everything a PostgreSQL database holds in its public tables and sequences, as text.
async fn pg_snapshot(url: &str) -> Vec<String> {
    let c = connect(url).await;
    let tables: Vec<String> = c
        .query(
            "SELECT tablename::TEXT FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut out = Vec::new();
    for t in tables {
        let row = c
            .query_one(
                &format!(
                    "SELECT count(*)::TEXT || ' ' || coalesce(md5(string_agg(x::TEXT, '|' ORDER BY x::TEXT)), '')
                     FROM {t} x"
                ),
                &[],
            )
            .await
            .unwrap();
        out.push(format!("{t}: {}", row.get::<_, String>(0)));
    }
    for r in c
        .query(
            "SELECT sequencename::TEXT, coalesce(last_value, 0) FROM pg_sequences ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
    {
        out.push(format!("{}: {}", r.get::<_, String>(0), r.get::<_, i64>(1)));
    }
    out
}

fn names(tables: &[TableSum]) -> Vec<&'static str> {
    tables.iter().map(|t| t.table).collect()
}

const DATA_TABLES: [&str; 12] = [
    "users",
    "tickets",
    "comments",
    "ticket_tags",
    "activity_log",
    "ticket_history",
    "views",
    "webhooks",
    "notify_settings",
    "outbox",
    "settings",
    "server_keys",
];

/// What a client sees of the helpdesk: lists, filters, searches (prefixes, several words), a
/// ticket with its thread, its history, the accounts.
async fn views(s: &Served, token: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for path in [
        "/api/v1/tickets?size=100",
        "/api/v1/tickets?size=100&sort=-priority",
        "/api/v1/tickets?status=Open&size=100",
        "/api/v1/tickets?q=printer",
        "/api/v1/tickets?q=pass",
        "/api/v1/tickets?q=vpn%20connect",
        "/api/v1/tickets/1",
        "/api/v1/tickets/1/history",
        "/api/v1/tickets/?tag=login",
        "/api/v1/tickets/?q=identity",
        "/api/v1/tags/",
        "/api/v1/admin/users",
        "/api/v1/views",
    ] {
        out.push(s.get(token, path).await);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_database_round_trips_and_is_served_the_same() {
    let Some(admin) = cluster() else { return };
    let (_dir, path) = demo_sqlite().await;
    use_a_little(&path).await;
    let sqlite = Served::start(open(Config::new(&path)).await).await;
    let token = sqlite.login_demo("admin@example.com").await;
    let before = views(&sqlite, &token).await;
    sqlite.stop().await;

    let url = fresh_database(&admin).await;
    let report = migrate_ok(&path, &url, false).await;
    assert!(!report.sessions_copied);
    assert_eq!(names(&report.tables), DATA_TABLES);
    assert!(!report.target.is_empty());
    for t in &report.tables {
        let (in_sqlite, in_pg) = (sqlite_count(&path, t.table), pg_count(&url, t.table).await);
        assert_eq!((t.rows, in_pg), (in_sqlite, in_sqlite), "{}", t.table);
        assert!(t.rows > 0, "{} has rows in the demo", t.table);
    }
    assert_eq!(pg_count(&url, "sessions").await, 0);
    // Read back again, each side on its own: the same sums.
    assert_eq!(verify(&path, &url, false).await.unwrap(), report.tables);

    // A server on the copy answers as the SQLite server did.
    let pg = Served::start(open(Config::postgres(&url)).await).await;
    assert!(pg.state.store.shared());
    let token = pg.login_demo("admin@example.com").await;
    let after = views(&pg, &token).await;
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(a, b);
    }
    for search in &after[3..5] {
        assert!(search["total"].as_u64().unwrap() >= 1, "{search}");
    }
    let jane = pg.login_demo("jane.doe@example.com").await;
    let mine = pg.get(&jane, "/api/v1/tickets").await;
    assert!(mine["total"].as_u64().unwrap() >= 1);
    pg.stop().await;
}

/// One number from a SQLite file.
fn sqlite_number(path: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// One number from a PostgreSQL database.
async fn pg_number(url: &str, sql: &str) -> i64 {
    connect(url).await.query_one(sql, &[]).await.unwrap().get(0)
}

/// What the generated tickets carry, asked through the API: every fourth or so tagged with the
/// common tag, some Waiting, and the tag filter and tag counts agreeing with each other.
async fn generated_tags_and_statuses_are_served(served: &Served) {
    let admin = served.login_demo("admin@example.com").await;
    let all = served.get(&admin, "/api/v1/tickets?size=1").await["total"]
        .as_u64()
        .unwrap();
    assert_eq!(all, 3_000);
    let common = tms_server::generate::COMMON_TAG;
    let tagged = served
        .get(&admin, &format!("/api/v1/tickets?tag={common}&size=100"))
        .await;
    let n = tagged["total"].as_u64().unwrap();
    assert!((450..=1_200).contains(&n), "{common} on {n} of 3000");
    for item in tagged["items"].as_array().unwrap() {
        let tags = item["tags"].as_array().unwrap();
        assert!(tags.iter().any(|t| t == common), "{item}");
        assert!(tags.len() <= 3, "{item}");
    }
    let counts = served.get(&admin, "/api/v1/tags").await;
    let counts = counts.as_array().unwrap();
    assert_eq!(counts[0]["name"], common, "{counts:?}");
    assert_eq!(counts[0]["count"].as_u64().unwrap(), n);
    assert!(counts.len() >= 10, "{counts:?}");
    let waiting = served
        .get(&admin, "/api/v1/tickets?status=Waiting&size=1")
        .await["total"]
        .as_u64()
        .unwrap();
    assert!(waiting > 20, "{waiting} Waiting of 3000");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_tickets_have_tags_kept_in_their_index_rows_and_some_are_waiting() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gen.db");
    let target = Target::Sqlite(path.clone());
    blocking(move || tms_server::generate::generate(&target, 3_000, 7, false).unwrap()).await;
    let tag_rows = sqlite_number(&path, "SELECT count(*) FROM ticket_tags");
    assert!(tag_rows > 1_500, "{tag_rows}");
    assert_eq!(
        tag_rows,
        sqlite_number(&path, "SELECT sum(json_array_length(tags)) FROM tickets")
    );
    assert_eq!(
        sqlite_number(
            &path,
            "SELECT count(*) FROM tickets t, json_each(t.tags) j WHERE NOT EXISTS
             (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id AND g.tag = j.value)"
        ),
        0
    );
    // The counts the list totals are summed from, Waiting (rank 2) included.
    assert_eq!(
        sqlite_number(&path, "SELECT sum(n) FROM ticket_counts WHERE status = 2"),
        sqlite_number(&path, "SELECT count(*) FROM tickets WHERE status = 2")
    );
    let sqlite = Served::start(open(Config::new(&path)).await).await;
    generated_tags_and_statuses_are_served(&sqlite).await;
    sqlite.stop().await;

    let Some(admin) = cluster() else { return };
    let url = fresh_database(&admin).await;
    let target = Target::Postgres(url.clone());
    blocking(move || tms_server::generate::generate(&target, 3_000, 7, false).unwrap()).await;
    let tag_rows = pg_number(&url, "SELECT count(*) FROM ticket_tags").await;
    assert!(tag_rows > 1_500, "{tag_rows}");
    assert_eq!(
        tag_rows,
        pg_number(&url, "SELECT sum(cardinality(tags))::BIGINT FROM tickets").await
    );
    assert_eq!(
        pg_number(
            &url,
            "SELECT count(*) FROM tickets t, unnest(t.tags) AS j(tag) WHERE NOT EXISTS
             (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id AND g.tag = j.tag)"
        )
        .await,
        0
    );
    assert_eq!(
        pg_number(
            &url,
            "SELECT sum(n)::BIGINT FROM ticket_counts WHERE status = 2"
        )
        .await,
        pg_number(&url, "SELECT count(*) FROM tickets WHERE status = 2").await
    );
    let pg = Served::start(open(Config::postgres(&url)).await).await;
    generated_tags_and_statuses_are_served(&pg).await;
    pg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_database_round_trips() {
    let Some(admin) = cluster() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gen.db");
    let target = Target::Sqlite(path.clone());
    blocking(move || tms_server::generate::generate(&target, 3_000, 7, false).unwrap()).await;
    // The server of a real database has made its device key.
    drop(open(Config::new(&path)).await);

    let url = fresh_database(&admin).await;
    let report = migrate_ok(&path, &url, false).await;
    assert_eq!(names(&report.tables), DATA_TABLES);
    let rows = |name: &str| report.tables.iter().find(|t| t.table == name).unwrap().rows;
    assert_eq!(rows("tickets"), 3_000);
    assert_eq!(rows("activity_log"), 3_000);
    assert!(rows("comments") > 300, "{}", rows("comments"));
    for t in &report.tables {
        assert_eq!(t.rows, sqlite_count(&path, t.table), "{}", t.table);
        assert_eq!(t.rows, pg_count(&url, t.table).await, "{}", t.table);
    }
    assert_eq!(verify(&path, &url, false).await.unwrap(), report.tables);

    // Lists, filters and searches find the same on both.
    let sqlite = Served::start(open(Config::new(&path)).await).await;
    let pg = Served::start(open(Config::postgres(&url)).await).await;
    let (a, b) = (
        sqlite.login_demo("admin@example.com").await,
        pg.login_demo("admin@example.com").await,
    );
    for q in [
        "/api/v1/tickets?size=50",
        "/api/v1/tickets?status=Open&priority=High&size=50",
        "/api/v1/tickets?unassigned=true&size=50",
        "/api/v1/tickets?tag=hardware&size=50",
        "/api/v1/tickets?status=Waiting&size=50",
        "/api/v1/tickets?q=printer&size=50",
        "/api/v1/tickets?q=vpn%20cert&size=50",
    ] {
        let (on_sqlite, on_pg) = (sqlite.get(&a, q).await, pg.get(&b, q).await);
        assert_eq!(on_sqlite["total"], on_pg["total"], "{q}");
        assert_eq!(on_sqlite["items"], on_pg["items"], "{q}");
    }
    sqlite.stop().await;
    pg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_holding_tms_data_is_refused_and_left_unchanged() {
    let Some(admin) = cluster() else { return };
    let (_dir, path) = demo_sqlite().await;

    // A database with the demo in it already.
    let url = fresh_database(&admin).await;
    let state = open(Config::postgres(&url)).await;
    blocking(move || tms_server::demo::seed(&state).unwrap()).await;
    let before = pg_snapshot(&url).await;
    let err = migrate_err(&path, &url).await;
    assert!(matches!(err, CopyError::NotEmpty { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("already holds tms data") && msg.contains("tickets"),
        "{msg}"
    );
    assert_eq!(pg_snapshot(&url).await, before);

    // A database a server was once started on: only its device key.
    let url = fresh_database(&admin).await;
    drop(open(Config::postgres(&url)).await);
    let before = pg_snapshot(&url).await;
    let err = migrate_err(&path, &url).await;
    match &err {
        CopyError::NotEmpty { tables, .. } => assert_eq!(tables, &["server_keys"]),
        other => panic!("{other}"),
    }
    assert_eq!(pg_snapshot(&url).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_or_served_sqlite_database_is_refused_before_anything_is_written() {
    let Some(admin) = cluster() else { return };
    let url = fresh_database(&admin).await;
    let (dir, path) = demo_sqlite().await;

    let missing = dir.path().join("nothing-here.db");
    let err = migrate_err(&missing, &url).await;
    assert!(matches!(err, CopyError::NoSource(_)), "{err}");
    assert!(!missing.exists());

    let served = Served::start(open(Config::new(&path)).await).await;
    let err = migrate_err(&path, &url).await;
    assert!(matches!(err, CopyError::InUse(_)), "{err}");
    assert!(
        err.to_string().contains("in use by a running tms-server"),
        "{err}"
    );
    served.stop().await;

    // Neither attempt so much as created the schema.
    assert!(pg_snapshot(&url).await.is_empty());
    // Once the server is gone, the copy goes ahead.
    migrate_ok(&path, &url, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_are_copied_only_when_asked() {
    let Some(admin) = cluster() else { return };
    let (_dir, path) = demo_sqlite().await;
    let sqlite = Served::start(open(Config::new(&path)).await).await;
    let tokens = [
        sqlite.login_demo("admin@example.com").await,
        sqlite.login_demo("jane.doe@example.com").await,
    ];
    sqlite.stop().await;
    assert_eq!(sqlite_count(&path, "sessions"), 2);

    let without = fresh_database(&admin).await;
    let report = migrate_ok(&path, &without, false).await;
    assert!(!report.sessions_copied);
    assert!(!names(&report.tables).contains(&"sessions"));
    assert_eq!(pg_count(&without, "sessions").await, 0);
    let pg = Served::start(open(Config::postgres(&without)).await).await;
    for t in &tokens {
        let (status, _) = pg.call(reqwest::Method::GET, t, "/users/me", None).await;
        assert_eq!(status, 401, "a session left behind is not valid");
    }
    pg.stop().await;

    let with = fresh_database(&admin).await;
    let report = migrate_ok(&path, &with, true).await;
    assert!(report.sessions_copied);
    let sessions = report
        .tables
        .iter()
        .find(|t| t.table == "sessions")
        .unwrap();
    assert_eq!(sessions.rows, 2);
    assert_eq!(pg_count(&with, "sessions").await, 2);
    assert_eq!(verify(&path, &with, true).await.unwrap(), report.tables);
    let pg = Served::start(open(Config::postgres(&with)).await).await;
    let me = pg.get(&tokens[1], "/users/me").await;
    assert_eq!(me["email"], "jane.doe@example.com");
    // A new sign-in gets a session of its own.
    let fresh = pg.login_demo("jane.doe@example.com").await;
    pg.get(&fresh, "/users/me").await;
    assert_eq!(pg_count(&with, "sessions").await, 3);
    pg.stop().await;
}

/// Adds a user, a session, a ticket with a comment, a change and a log entry; returns the ids
/// each got, in that order.
async fn add_rows(store: &Store) -> Vec<i64> {
    let ids = store
        .write(|tx| {
            let now = timefmt::now();
            let user = tx.insert_user(
                "newcomer",
                "newcomer@example.com",
                Role::Agent,
                "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
                now,
            )?;
            tx.insert_session(user.id, &[7; 32], now, now + time::Duration::hours(1))?;
            let ticket = tx.insert_ticket(&NewTicket {
                title: "Filed after the move",
                description: "The first ticket on the new database.",
                status: Status::Open,
                priority: Priority::Low,
                requester_id: 2,
                assigned_agent_id: None,
                resolution_date: None,
                creation_date: now,
                tags: &["moved".to_string()],
                sla: tms_core::sla::TicketClock::start(
                    &tms_core::sla::Calendar::utc(),
                    tms_core::sla::SlaTarget {
                        first_response_minutes: 60,
                        resolution_minutes: 480,
                    },
                    tms_core::timefmt::to_micros(now),
                ),
            })?;
            assert_eq!(
                ticket.resolution_due,
                Some(now + time::Duration::hours(8)),
                "the clocks are stored and read back"
            );
            let comment = tx.insert_comment(ticket.id, user.id, "Looking into it.", true, now)?;
            tx.record_history(
                &ticket,
                &TicketState {
                    title: "Filed after the move",
                    description: "The first ticket on the new database.",
                    status: Status::Open,
                    priority: Priority::Low,
                    resolution_date: None,
                    assigned_agent_id: Some(user.id),
                    updated_at: now,
                    tags: &[],
                },
                user.id,
                now,
            )?;
            tx.insert_log(user.id, ActivityType::Create, "filed", Some(ticket.id), now)?;
            Ok::<_, StoreError>(vec![user.id, ticket.id, comment.id])
        })
        .await
        .unwrap();
    let mut out = vec![ids[0]];
    let last = |table: &'static str| async move {
        store
            .raw_query(&format!("SELECT max(id) FROM {table}"))
            .await
            .unwrap()[0][0]
            .as_deref()
            .unwrap()
            .parse::<i64>()
            .unwrap()
    };
    out.push(last("sessions").await);
    out.extend_from_slice(&ids[1..]);
    out.push(last("ticket_history").await);
    out.push(last("activity_log").await);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_rows_get_ids_past_the_copied_ones_even_past_deleted_ones() {
    let Some(admin) = cluster() else { return };
    let (_dir, path) = demo_sqlite().await;
    let sqlite = Served::start(open(Config::new(&path)).await).await;
    let token = sqlite.login_demo("admin@example.com").await;
    let (status, body) = sqlite
        .call(
            reqwest::Method::PATCH,
            &token,
            "/api/v1/tickets/2",
            Some(json!({"priority": "Low"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    sqlite.stop().await;
    // The highest ticket (with its thread) and the latest log entry go: SQLite's
    // AUTOINCREMENT never gives their ids out again, and neither may PostgreSQL.
    let top = |table: &str| -> i64 {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.query_row(&format!("SELECT max(id) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    };
    let (ticket, comment, log) = (top("tickets"), top("comments"), top("activity_log"));
    assert!(
        sqlite_count(&path, &format!("comments WHERE ticket_id = {ticket}")) > 0,
        "the highest ticket has the highest comments"
    );
    sqlite_exec(
        &path,
        &format!(
            "DELETE FROM tickets WHERE id = {ticket};
             DELETE FROM activity_log WHERE id = {log};"
        ),
    );
    assert!(top("tickets") < ticket && top("comments") < comment && top("activity_log") < log);

    let url = fresh_database(&admin).await;
    migrate_ok(&path, &url, true).await;

    // The same writes on both engines get the same ids.
    let on_sqlite = {
        let state = open(Config::new(&path)).await;
        add_rows(&state.store).await
    };
    let on_pg = {
        let state = open(Config::postgres(&url)).await;
        add_rows(&state.store).await
    };
    assert_eq!(on_pg, on_sqlite);
    let [user, session, new_ticket, new_comment, history, new_log] = on_pg[..] else {
        panic!("{on_pg:?}")
    };
    assert_eq!(user, 12, "11 demo users before");
    assert_eq!(session, 2, "one copied session before");
    assert_eq!(new_ticket, ticket + 1);
    assert_eq!(new_comment, comment + 1);
    assert!(history >= 2, "{history}");
    assert_eq!(new_log, log + 1);
}

/// Changes the PostgreSQL copy with `sql`, expects [`copy::verify`] to name `table`, and
/// undoes the change with `undo`.
async fn expect_mismatch(path: &Path, url: &str, sql: &str, undo: &str, table: &str) {
    let pg = connect(url).await;
    pg.batch_execute(sql).await.unwrap();
    let err = verify(path, url, false).await.unwrap_err();
    assert_eq!(err.mismatched_table(), Some(table), "{sql}: {err}");
    assert!(err.to_string().contains(table), "{err}");
    pg.batch_execute(undo).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_that_differs_is_found_and_named() {
    let Some(admin) = cluster() else { return };
    let (_dir, path) = demo_sqlite().await;
    use_a_little(&path).await;
    let url = fresh_database(&admin).await;
    let report = migrate_ok(&path, &url, false).await;
    assert_eq!(verify(&path, &url, false).await.unwrap(), report.tables);
    let ticket_of_first_log: i64 = connect(&url)
        .await
        .query_one("SELECT ticket_id FROM activity_log WHERE id = 1", &[])
        .await
        .unwrap()
        .get(0);
    let null_history: i64 = connect(&url)
        .await
        .query_one(
            "SELECT min(id) FROM ticket_history WHERE old_value IS NULL",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let cases = [
        // One character of one comment.
        (
            "UPDATE comments SET description = description || '.' WHERE id = 5".to_string(),
            "UPDATE comments SET description = left(description, -1) WHERE id = 5".to_string(),
            "comments",
        ),
        // A boolean.
        (
            "UPDATE users SET is_active = NOT is_active WHERE id = 5".into(),
            "UPDATE users SET is_active = NOT is_active WHERE id = 5".into(),
            "users",
        ),
        // A NULL where SQLite has a value.
        (
            "UPDATE activity_log SET ticket_id = NULL WHERE id = 1".into(),
            format!("UPDATE activity_log SET ticket_id = {ticket_of_first_log} WHERE id = 1"),
            "activity_log",
        ),
        // One byte more of a key.
        (
            "UPDATE server_keys SET value = value || '\\x00'::BYTEA".into(),
            "UPDATE server_keys SET value = substring(value FROM 1 FOR length(value) - 1)".into(),
            "server_keys",
        ),
        // The counts the triggers keep.
        (
            "UPDATE ticket_counts SET n = n + 1 WHERE status = 0".into(),
            "UPDATE ticket_counts SET n = n - 1 WHERE status = 0".into(),
            "ticket_counts",
        ),
        // A ticket missing from the search index.
        (
            "DELETE FROM ticket_search WHERE ticket_id = 1".into(),
            "INSERT INTO ticket_search (ticket_id, doc)
             SELECT id, ticket_search_doc(id, title, description) FROM tickets WHERE id = 1"
                .into(),
            "ticket_search",
        ),
        // An empty text where SQLite has NULL.
        (
            format!("UPDATE ticket_history SET old_value = '' WHERE id = {null_history}"),
            format!("UPDATE ticket_history SET old_value = NULL WHERE id = {null_history}"),
            "ticket_history",
        ),
    ];
    for (sql, undo, table) in &cases {
        expect_mismatch(&path, &url, sql, undo, table).await;
        assert_eq!(
            verify(&path, &url, false).await.unwrap(),
            report.tables,
            "after {undo}"
        );
    }
    // A row gone.
    expect_mismatch(
        &path,
        &url,
        "DELETE FROM activity_log WHERE id = 3",
        "SELECT 1",
        "activity_log",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_that_does_not_match_is_rolled_back() {
    let Some(admin) = cluster() else { return };
    let (_dir, path) = demo_sqlite().await;
    let url = fresh_database(&admin).await;
    // The schema, and a trigger that alters one comment as it is written.
    let state = open(Config::postgres(&url)).await;
    drop(state);
    let pg = connect(&url).await;
    pg.batch_execute(
        "DELETE FROM server_keys;
         CREATE FUNCTION garble() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
             IF NEW.id = 7 THEN NEW.description := NEW.description || '!'; END IF;
             RETURN NEW;
         END $$;
         CREATE TRIGGER garble BEFORE INSERT ON comments
             FOR EACH ROW EXECUTE FUNCTION garble();",
    )
    .await
    .unwrap();
    let before = pg_snapshot(&url).await;
    let err = migrate_err(&path, &url).await;
    assert!(
        matches!(
            err,
            CopyError::RolledBack {
                table: "comments",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("rolled back"), "{err}");
    // Not a row, not a sequence step.
    assert_eq!(pg_snapshot(&url).await, before);
    assert_eq!(pg_count(&url, "tickets").await, 0);
}
