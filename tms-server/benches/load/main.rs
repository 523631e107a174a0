//! The load benchmark: generates (once, cached) a database of N tickets, starts the real
//! `tms-server` binary on it, runs bounded loads on loopback at fixed concurrency and prints
//! req/s, p50 and p99 of every route, each against the health floor of the same run, plus the
//! server's peak RSS.
//!
//!   cargo bench -p tms-server --bench load -- --tickets 1000000 --runs 3
//!   cargo bench -p tms-server --bench load -- --quick        (CI: 10k tickets, short runs)
//!   cargo bench -p tms-server --bench load -- --tickets 1000000 --compare-flags=--no-page-cache
//!   cargo bench -p tms-server --bench load -- --tickets 1000000 --fanout 20,200 --duration 10

mod client;
mod fanout;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use clap::Parser;
use http_body_util::Full;
use hyper::Request;

use client::{MakeRequest, Stats};

#[derive(Parser, Debug)]
struct Args {
    /// Tickets in the generated database.
    #[arg(long, default_value_t = 100_000)]
    tickets: u64,
    /// Seconds per scenario.
    #[arg(long, default_value_t = 5.0)]
    duration: f64,
    /// Concurrent connections for read scenarios.
    #[arg(long, default_value_t = 16)]
    concurrency: u64,
    /// Repeat the whole suite and report medians.
    #[arg(long, default_value_t = 1)]
    runs: usize,
    /// Small and short: 10k tickets, 1 s per scenario (proves the harness works).
    #[arg(long)]
    quick: bool,
    /// Where generated databases are kept between runs.
    #[arg(long, default_value = concat!(env!("CARGO_TARGET_TMPDIR"), "/bench-data"))]
    data_dir: PathBuf,
    /// Run only the scenarios whose name contains this, or one of these comma-separated parts
    /// (e.g. "search" or "detail,login").
    #[arg(long)]
    only: Option<String>,
    /// Also measure this other `tms-server` binary (e.g. a build of an earlier commit) on its
    /// own copy of the data, alternating runs with this build's, and report both.
    #[arg(long)]
    compare_with: Option<PathBuf>,
    /// Run on the copy the previous invocation left behind, writes and all, instead of a
    /// fresh copy of the generated data.
    #[arg(long)]
    reuse: bool,
    /// One server and one copy of the data for all runs, so that later runs read what earlier
    /// runs wrote, in the process that wrote it.
    #[arg(long)]
    one_server: bool,
    /// The engine: `sqlite` (a file) or `postgres` (a throwaway cluster the benchmark starts
    /// with `scripts/pg.sh` under the data directory and keeps running between invocations;
    /// stop it with `scripts/pg.sh stop DATA_DIR/pg`).
    #[arg(long, default_value = "sqlite")]
    engine: Engine,
    /// `tms-server` processes serving the database at once (PostgreSQL only); the load is
    /// spread over them, connection by connection.
    #[arg(long, default_value_t = 1)]
    servers: usize,
    /// Also measure the health route with this `oha` binary, on the same server right after
    /// the harness did, to show whether the harness's own generator is the bottleneck.
    #[arg(long)]
    oha: Option<PathBuf>,
    /// Also measure this build's `tms-server` started with these extra `serve` flags
    /// (space-separated, e.g. `--compare-flags=--no-page-cache`) on its own copy of the data,
    /// alternating runs as with `--compare-with`.
    #[arg(long, allow_hyphen_values = true)]
    compare_flags: Option<String>,
    /// Instead of the scenarios: open this many event streams (a tenth of them Requesters of
    /// the tickets changed) and measure how long a change takes to reach each of them; several
    /// counts, comma-separated, are measured one after the other on the same server.
    #[arg(long, value_delimiter = ',')]
    fanout: Vec<usize>,
    /// Status updates per second made through the API during `--fanout`.
    #[arg(long, default_value_t = 20.0)]
    fanout_rate: f64,
    /// Ignored (cargo bench passes it).
    #[arg(long, hide = true)]
    bench: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Engine {
    Sqlite,
    Postgres,
}

/// A database the servers of one run are started on.
#[derive(Clone)]
enum Db {
    File(PathBuf),
    Url(String),
}

impl Db {
    fn args(&self) -> Vec<String> {
        match self {
            Db::File(p) => vec!["--db".into(), p.display().to_string()],
            Db::Url(u) => vec!["--database-url".into(), u.clone()],
        }
    }
}

/// The generated data of one size, from which every run gets a fresh copy.
enum Generated {
    File(PathBuf),
    /// A cluster's admin URL and the template database.
    Template {
        admin: String,
        name: String,
    },
}

const SERVER: &str = env!("CARGO_BIN_EXE_tms-server");

/// `scripts/pg.sh` of this repository.
fn pg_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/pg.sh")
}

/// Starts (or finds running) the benchmark's PostgreSQL cluster; returns its admin URL.
fn pg_cluster(data_dir: &Path) -> String {
    let dir = data_dir.join("pg");
    std::fs::create_dir_all(&dir).expect("create the cluster directory");
    let out = Command::new("bash")
        .arg(pg_script())
        .arg("start")
        .arg(&dir)
        .stderr(Stdio::inherit())
        .output()
        .expect("run scripts/pg.sh");
    assert!(out.status.success(), "scripts/pg.sh start failed");
    String::from_utf8(out.stdout)
        .expect("url")
        .trim()
        .to_string()
}

/// The generated PostgreSQL database of `tickets` tickets (made once, kept as a template).
fn ensure_pg(runtime: &tokio::runtime::Runtime, data_dir: &Path, tickets: u64) -> Generated {
    let admin = pg_cluster(data_dir);
    // v2: tags and Waiting tickets.
    let name = format!("tms_bench_v2_{tickets}");
    let done = data_dir.join(format!("{name}.done"));
    if !done.exists() {
        eprintln!("generating {tickets} tickets into PostgreSQL database {name} (once) ...");
        let url = runtime
            .block_on(tms_server::store::postgres::create_database(&admin, &name))
            .expect("create the template database");
        let status = Command::new(SERVER)
            .args([
                "gen",
                "--tickets",
                &tickets.to_string(),
                "--database-url",
                &url,
            ])
            .status()
            .expect("run tms-server gen");
        assert!(status.success(), "tms-server gen failed");
        // As autovacuum leaves a database that has settled: planner statistics and the
        // visibility map (index-only scans) in place, for every copy.
        runtime.block_on(async {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .expect("connect to the template");
            let driver = tokio::spawn(connection);
            client
                .batch_execute("VACUUM (ANALYZE)")
                .await
                .expect("vacuum the template");
            drop(client);
            let _ = driver.await;
        });
        std::fs::write(&done, "").expect("mark the template done");
    }
    Generated::Template { admin, name }
}
const PASSWORD: &str = "Hello123.";

/// A fresh copy of the generated data for a run, or the one the last run left with `reuse`.
fn run_copy(
    runtime: &tokio::runtime::Runtime,
    generated: &Generated,
    name: &str,
    reuse: bool,
) -> Db {
    match generated {
        Generated::File(path) if reuse => Db::File(path.with_extension(format!("{name}.db"))),
        Generated::File(path) => Db::File(working_copy(path, name)),
        Generated::Template {
            admin,
            name: template,
        } => {
            let run = format!("{template}_{name}");
            if reuse {
                let mut url = url::Url::parse(admin).expect("admin url");
                url.set_path(&format!("/{run}"));
                return Db::Url(url.to_string());
            }
            Db::Url(
                runtime
                    .block_on(tms_server::store::postgres::create_database_from(
                        admin,
                        &run,
                        Some(template),
                    ))
                    .expect("copy the template database"),
            )
        }
    }
}

/// A fresh copy of the generated database for this invocation, so that every invocation starts
/// from the same data: the write scenarios add tickets and comments to the copy only.
fn working_copy(generated: &Path, name: &str) -> PathBuf {
    let work = generated.with_extension(format!("{name}.db"));
    for suffix in ["", "-wal", "-shm"] {
        let mut p = work.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    std::fs::copy(generated, &work).expect("copy the generated database");
    work
}

struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(bin: &Path, db: &Db, extra: &[String]) -> Self {
        let mut child = Command::new(bin)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(db.args())
            .args(extra)
            .env("TMS_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .expect("start tms-server");
        let stdout = child.stdout.take().expect("server stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read server banner");
        let addr = line
            .trim()
            .rsplit("http://")
            .next()
            .and_then(|a| a.parse().ok())
            .expect("server address");
        Self { child, addr }
    }

    /// Peak and current resident memory in MB, from /proc.
    fn memory_mb(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
                .map_or(0.0, |kb| kb / 1024.0)
        };
        (field("VmHWM:"), field("VmRSS:"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn get(addr: SocketAddr, path: &str, token: &str) -> Request<Full<Bytes>> {
    Request::get(path)
        .header("host", addr.to_string())
        .header("authorization", format!("Bearer {token}"))
        .body(Full::new(Bytes::new()))
        .expect("request")
}

fn send_json(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: String,
) -> Request<Full<Bytes>> {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header("host", addr.to_string())
        .header("content-type", "application/json");
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    b.body(Full::new(Bytes::from(body))).expect("request")
}

async fn login(addr: SocketAddr, email: &str) -> String {
    let body = serde_json::json!({"email": email, "password": PASSWORD}).to_string();
    let (status, bytes) = client::once(addr, send_json(addr, "POST", "/login", None, body))
        .await
        .expect("login");
    assert_eq!(
        status,
        200,
        "login failed: {}",
        String::from_utf8_lossy(&bytes)
    );
    let v: serde_json::Value = serde_json::from_slice(&bytes).expect("token json");
    v["access_token"].as_str().expect("token").to_string()
}

/// Facts about the generated data the scenarios need.
struct Fixture {
    tickets: u64,
    with_comments: Vec<i64>,
    rare_term: String,
}

/// The rows of one query on the run's database, every value as text.
fn query(db: &Db, sql: &str) -> Vec<Vec<Option<String>>> {
    match db {
        Db::File(path) => {
            let conn = rusqlite::Connection::open_with_flags(
                path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
            )
            .expect("open db");
            let mut stmt = conn.prepare(sql).expect("prepare");
            let n = stmt.column_count();
            stmt.query_map([], |r| {
                (0..n)
                    .map(|i| {
                        Ok(match r.get_ref(i)? {
                            rusqlite::types::ValueRef::Null => None,
                            rusqlite::types::ValueRef::Integer(v) => Some(v.to_string()),
                            rusqlite::types::ValueRef::Text(t) => {
                                Some(String::from_utf8_lossy(t).into_owned())
                            }
                            other => Some(format!("{other:?}")),
                        })
                    })
                    .collect()
            })
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
        }
        Db::Url(url) => {
            let pg = tms_server::store::postgres::Pg::open(url, 2, Duration::from_secs(60))
                .expect("open the PostgreSQL database");
            pg.raw_query(sql).expect("query")
        }
    }
}

fn fixture(db: &Db) -> Fixture {
    let int = |v: &Option<String>| {
        v.as_deref()
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let tickets = int(&query(db, "SELECT max(id) FROM tickets")[0][0]);
    let with_comments = query(
        db,
        "SELECT DISTINCT ticket_id FROM comments WHERE ticket_id % 13 = 0 LIMIT 2000",
    )
    .iter()
    .map(|r| int(&r[0]))
    .collect();
    let description = query(
        db,
        &format!("SELECT description FROM tickets WHERE id = {}", tickets / 2),
    )[0][0]
        .clone()
        .expect("a ticket");
    let rare_term = description
        .split_whitespace()
        .find(|w| w.starts_with('E') && w.len() >= 7 && w[1..7].chars().all(|c| c.is_ascii_digit()))
        .map(|w| w[..7].to_string())
        .expect("an error code in the description");
    Fixture {
        tickets: tickets as u64,
        with_comments,
        rare_term,
    }
}

type Results = BTreeMap<&'static str, Vec<Stats>>;

/// The keyset cursor that fetches page `page` (the `next_cursor` of the page before it).
async fn cursor_before_page(addr: SocketAddr, token: &str, page: u64) -> String {
    if page <= 1 {
        return String::new();
    }
    let (status, bytes) = client::once(
        addr,
        get(addr, &format!("/api/v1/tickets/?page={}", page - 1), token),
    )
    .await
    .expect("page before the deep page");
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_slice(&bytes).expect("page json");
    v["next_cursor"].as_str().unwrap_or_default().to_string()
}

/// Every scenario but the logins: name, concurrency, and how to make its n-th request.
async fn scenarios(
    args: &Args,
    addr: SocketAddr,
    token: &Arc<str>,
    agents: &Arc<Vec<String>>,
    fx: &Fixture,
) -> Vec<(&'static str, u64, MakeRequest)> {
    let c = args.concurrency;
    let n = fx.tickets.max(1);
    let deep = (n / 50).clamp(1, 10_000);
    let cursor = cursor_before_page(addr, token, deep).await;
    let reads: Vec<(&'static str, String)> = vec![
        ("health", "/healthz".into()),
        ("list page 1", "/api/v1/tickets/".into()),
        (
            "filtered list",
            "/api/v1/tickets/?status=Open&priority=High".into(),
        ),
        (
            "tag filter",
            format!("/api/v1/tickets/?tag={}", tms_server::generate::COMMON_TAG),
        ),
        (
            "deep page (offset)",
            format!("/api/v1/tickets/?page={deep}"),
        ),
        (
            "deep page (cursor)",
            format!("/api/v1/tickets/?after={cursor}"),
        ),
        (
            "search rare",
            format!("/api/v1/tickets/?q={}", fx.rare_term),
        ),
        ("search common", "/api/v1/tickets/?q=printer".into()),
        ("sla at risk", "/api/v1/tickets/?sla=at_risk".into()),
        ("sla breached", "/api/v1/tickets/?sla=breached".into()),
        ("sort by due", "/api/v1/tickets/?sort=due".into()),
        (
            "sla filter by due",
            "/api/v1/tickets/?sla=at_risk&sla=breached&sort=due".into(),
        ),
        ("stats", "/api/v1/stats".into()),
    ];
    let mut out: Vec<(&'static str, u64, MakeRequest)> = Vec::new();
    for (name, path) in reads {
        // As sixteen agents, each searching at most twice at once (the server's per-user cap).
        let agents = Arc::clone(agents);
        out.push((
            name,
            c,
            Arc::new(move |i| get(addr, &path, &agents[i as usize % agents.len()])),
        ));
    }
    let ids = Arc::new(fx.with_comments.clone());
    let t = Arc::clone(token);
    out.push((
        "ticket detail",
        c,
        Arc::new(move |i| {
            let id = ids[(i as usize * 7) % ids.len().max(1)];
            get(addr, &format!("/api/v1/tickets/{id}"), &t)
        }),
    ));
    let t = Arc::clone(token);
    out.push(("create ticket", 32, Arc::new(move |i| {
        let body = serde_json::json!({
            "title": format!("Benchmark ticket {i}"),
            // As long as a generated ticket's, so that the first page stays comparable to deep
            // pages after the write scenarios have filled it with these; and free of the ten
            // topic words, so that the common search term stays in 10% of tickets.
            "description": "The device on the fourth floor shows an error after the last update. Please advise. ".repeat(7),
            "priority": "Medium"
        });
        send_json(addr, "POST", "/api/v1/tickets/", Some(&t), body.to_string())
    })));
    let t = Arc::clone(token);
    out.push(("add comment", 32, Arc::new(move |i| {
        let body = serde_json::json!({"ticket_id": 1 + (i * 7919) % n, "description": "Looking into it now."});
        send_json(addr, "POST", "/api/v1/comments/", Some(&t), body.to_string())
    })));
    let t = Arc::clone(token);
    out.push((
        "status update",
        32,
        Arc::new(move |i| {
            let status = if (i / 2) % 2 == 0 {
                "In Progress"
            } else {
                "Open"
            };
            let id = 1 + (i * 104_729) % n;
            let body = serde_json::json!({ "status": status }).to_string();
            send_json(
                addr,
                "PUT",
                &format!("/api/v1/tickets/{id}"),
                Some(&t),
                body,
            )
        }),
    ));
    out
}

async fn suite(args: &Args, servers: &[Server], fx: &Fixture, results: &mut Results) {
    let addrs: Vec<SocketAddr> = servers.iter().map(|s| s.addr).collect();
    let addr = addrs[0];
    let rss = || servers.iter().map(|s| s.memory_mb().1).sum::<f64>();
    let token: Arc<str> = login(addr, "agent1@gen.example.com").await.into();
    let mut agents = vec![token.to_string()];
    for i in 2..=16 {
        agents.push(login(addr, &format!("agent{i}@gen.example.com")).await);
    }
    let agents = Arc::new(agents);
    let dur = Duration::from_secs_f64(args.duration);
    let wanted = |name: &str| {
        name == "health"
            || args
                .only
                .as_deref()
                .is_none_or(|f| f.split(',').any(|f| name.contains(f)))
    };
    for (name, concurrency, make) in scenarios(args, addr, &token, &agents, fx).await {
        if wanted(name) {
            let stats = client::run(&addrs, concurrency, dur, make).await;
            eprintln!(
                "  {name}: {:.0} req/s, p50 {:.2} ms; server RSS {:.1} MB",
                stats.rps(),
                stats.percentile(0.5).as_secs_f64() * 1000.0,
                rss()
            );
            results.entry(name).or_default().push(stats);
        }
    }
    if wanted("login") {
        login_scenario(&addrs, dur, results).await;
        eprintln!("  logins: server RSS {:.1} MB", rss());
    }
    if wanted("beside writes") {
        beside_writes(&addrs, &agents, fx, dur, results).await;
    }
}

/// List page 1 at the read concurrency while one client changes tickets' statuses one after
/// another: every change moves the data generation on, so remembered pages are read again.
async fn beside_writes(
    addrs: &[SocketAddr],
    agents: &Arc<Vec<String>>,
    fx: &Fixture,
    dur: Duration,
    results: &mut Results,
) {
    let addr = addrs[0];
    let n = fx.tickets.max(1);
    let readers = Arc::clone(agents);
    let list: MakeRequest = Arc::new(move |i| {
        get(
            addr,
            "/api/v1/tickets/",
            &readers[i as usize % readers.len()],
        )
    });
    let writer = agents[0].clone();
    let writes: MakeRequest = Arc::new(move |i| {
        let status = if (i / 2) % 2 == 0 {
            "In Progress"
        } else {
            "Open"
        };
        let id = 1 + (i * 104_729) % n;
        let body = serde_json::json!({ "status": status }).to_string();
        send_json(
            addr,
            "PATCH",
            &format!("/api/v1/tickets/{id}"),
            Some(&writer),
            body,
        )
    });
    let (reads, changes) = tokio::join!(
        client::run(addrs, 16, dur, list),
        client::run(addrs, 1, dur, writes)
    );
    eprintln!(
        "  list page 1 beside writes: {:.0} req/s beside {:.0} changes/s",
        reads.rps(),
        changes.rps()
    );
    results
        .entry("list page 1 beside writes")
        .or_default()
        .push(reads);
    results
        .entry("status updates beside it")
        .or_default()
        .push(changes);
}

/// 16 concurrent logins, and the health route measured beside them.
async fn login_scenario(addrs: &[SocketAddr], dur: Duration, results: &mut Results) {
    let addr = addrs[0];
    let make: MakeRequest = Arc::new(move |i| {
        // Sixteen people logging in at once, not five people logging in three times at once:
        // attempts in flight count against an account until they succeed (see the limiter).
        let email = format!("user{}@gen.example.com", 1 + i % 16);
        let body = serde_json::json!({"email": email, "password": PASSWORD}).to_string();
        send_json(addr, "POST", "/login", None, body)
    });
    let health: MakeRequest = Arc::new(move |_| get(addr, "/healthz", ""));
    let (logins, beside) = tokio::join!(
        client::run(addrs, 16, dur, make),
        client::run(addrs, 4, dur, health)
    );
    results.entry("login").or_default().push(logins);
    results
        .entry("health during logins")
        .or_default()
        .push(beside);
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn report(label: &str, results: &Results, args: &Args, tickets: u64, mem: (f64, f64)) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let row = |s: &[Stats]| {
        (
            median(s.iter().map(Stats::rps).collect()),
            median(s.iter().map(|x| ms(x.percentile(0.5))).collect()),
            median(s.iter().map(|x| ms(x.percentile(0.99))).collect()),
            s.iter().map(|x| x.errors).sum::<u64>(),
        )
    };
    let floor = results.get("health").map_or(1.0, |s| row(s).0);
    println!(
        "\n{label}: {tickets} tickets, {} run(s) of {} s per scenario, read concurrency {}, writes 32, logins 16",
        args.runs, args.duration, args.concurrency
    );
    println!("| scenario | req/s | p50 ms | p99 ms | % of health req/s | errors |");
    println!("|---|---:|---:|---:|---:|---:|");
    let order = [
        "health",
        "list page 1",
        "filtered list",
        "tag filter",
        "deep page (offset)",
        "deep page (cursor)",
        "ticket detail",
        "search rare",
        "search common",
        "sla at risk",
        "sla breached",
        "sort by due",
        "sla filter by due",
        "stats",
        "create ticket",
        "add comment",
        "status update",
        "login",
        "health during logins",
        "list page 1 beside writes",
        "status updates beside it",
    ];
    for name in order {
        if let Some(s) = results.get(name) {
            let (rps, p50, p99, errors) = row(s);
            println!(
                "| {name} | {rps:.0} | {p50:.2} | {p99:.2} | {:.1}% | {errors} |",
                100.0 * rps / floor
            );
        }
    }
    for (name, runs) in results {
        let mut by_status: BTreeMap<u16, u64> = BTreeMap::new();
        for (status, n) in runs.iter().flat_map(|s| &s.failures) {
            *by_status.entry(*status).or_default() += n;
        }
        if !by_status.is_empty() {
            let list: Vec<String> = by_status
                .iter()
                .map(|(status, n)| {
                    format!(
                        "{n} × {}",
                        if *status == 0 {
                            "no reply".to_string()
                        } else {
                            status.to_string()
                        }
                    )
                })
                .collect();
            println!("failed {name} requests: {}", list.join(", "));
        }
    }
    println!(
        "\nserver peak RSS {:.1} MB (current {:.1} MB)",
        mem.0, mem.1
    );
}

/// One build under test, and what was measured of it.
struct Subject {
    label: String,
    bin: PathBuf,
    /// Extra `serve` flags.
    flags: Vec<String>,
    fixture: Option<Fixture>,
    results: Results,
    /// Peak and last resident memory of its servers, in MB.
    memory: (f64, f64),
    /// The servers kept between runs with `--one-server`.
    servers: Vec<Server>,
    /// The health route measured by oha in each run: (successful req/s, p50 ms).
    oha: Vec<(f64, f64)>,
}

impl Subject {
    fn new(label: String, bin: PathBuf, flags: Vec<String>) -> Self {
        Self {
            label,
            bin,
            flags,
            fixture: None,
            results: Results::new(),
            memory: (0.0, 0.0),
            servers: Vec::new(),
            oha: Vec::new(),
        }
    }
}

fn main() {
    let mut args = Args::parse();
    if args.quick {
        args.tickets = 10_000;
        args.duration = 1.0;
    }
    assert!(
        args.servers == 1 || args.engine == Engine::Postgres,
        "several servers share a PostgreSQL database only (--engine postgres)"
    );
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let generated = match args.engine {
        Engine::Sqlite => Generated::File(
            tms_server::generate::cached_sqlite(&args.data_dir, args.tickets)
                .expect("generate the tickets"),
        ),
        Engine::Postgres => ensure_pg(&runtime, &args.data_dir, args.tickets),
    };
    let mut subjects = vec![Subject::new(
        "this build".into(),
        PathBuf::from(SERVER),
        Vec::new(),
    )];
    if let Some(other) = &args.compare_with {
        let label = format!("compared ({})", other.display());
        subjects.push(Subject::new(label, other.clone(), Vec::new()));
    }
    if let Some(flags) = &args.compare_flags {
        let label = format!("compared (this build, {flags})");
        let flags = flags.split_whitespace().map(String::from).collect();
        subjects.push(Subject::new(label, PathBuf::from(SERVER), flags));
    }
    assert!(
        subjects.len() <= 2,
        "one comparison at a time: --compare-with or --compare-flags"
    );
    if !args.fanout.is_empty() {
        let mut summaries: Vec<Vec<Vec<fanout::Summary>>> = vec![Vec::new(); subjects.len()];
        for run in 0..args.runs {
            for (i, s) in subjects.iter().enumerate() {
                eprintln!("fan-out run {}/{} of {} ...", run + 1, args.runs, s.label);
                let db = run_copy(&runtime, &generated, &format!("run{i}"), args.reuse);
                // The Requesters of twenty recent tickets, one ticket each.
                let tickets: Vec<(i64, String)> = query(
                    &db,
                    "SELECT min(t.id), min(u.email) FROM tickets t JOIN users u ON u.id = t.requester_id
                     WHERE t.id > (SELECT max(id) - 20000 FROM tickets)
                     GROUP BY t.requester_id ORDER BY 1 LIMIT 20",
                )
                .into_iter()
                .map(|r| {
                    (
                        r[0].as_deref()
                            .and_then(|v| v.parse().ok())
                            .expect("ticket id"),
                        r[1].clone().expect("email"),
                    )
                })
                .collect();
                // Every stream is a connection from one address.
                let mut flags = s.flags.clone();
                flags.extend(["--max-connections-per-address".into(), "10000".into()]);
                let server = Server::start(&s.bin, &db, &flags);
                let (addr, pid) = (server.addr, server.child.id());
                println!("\n{} (run {}):", s.label, run + 1);
                let found = runtime.block_on(async {
                    let mut setup = fanout::setup(addr, &tickets).await;
                    let mut found = Vec::new();
                    for &streams in &args.fanout {
                        found.push(
                            fanout::run(
                                addr,
                                pid,
                                &mut setup,
                                streams,
                                args.fanout_rate,
                                Duration::from_secs_f64(args.duration),
                            )
                            .await,
                        );
                    }
                    found
                });
                summaries[i].push(found);
                drop(server);
            }
        }
        for (s, runs) in subjects.iter().zip(&summaries) {
            println!("\n{}:", s.label);
            fanout::report(&args.fanout, args.fanout_rate, runs);
        }
        return;
    }
    // Every run starts its servers on a fresh copy of the generated data, so that the runs are
    // repetitions of one measurement (the write scenarios of one run do not become the data of
    // the next). Runs alternate between builds, so that a noisy minute on this shared machine
    // falls on both alike.
    for run in 0..args.runs {
        for (i, s) in subjects.iter_mut().enumerate() {
            eprintln!("run {}/{} of {} ...", run + 1, args.runs, s.label);
            let name = format!("run{i}");
            let reuse = args.reuse || (args.one_server && run > 0);
            let servers = if s.servers.is_empty() {
                let db = run_copy(&runtime, &generated, &name, reuse);
                if s.fixture.is_none() {
                    s.fixture = Some(fixture(&db));
                }
                (0..args.servers)
                    .map(|_| Server::start(&s.bin, &db, &s.flags))
                    .collect()
            } else {
                std::mem::take(&mut s.servers)
            };
            let fx = s.fixture.as_ref().expect("fixture");
            runtime.block_on(suite(&args, &servers, fx, &mut s.results));
            if let Some(oha) = &args.oha {
                let measured = oha_health(oha, &servers, &args);
                eprintln!(
                    "  health by oha: {:.0} req/s, p50 {:.2} ms",
                    measured.0, measured.1
                );
                s.oha.push(measured);
            }
            let peak: f64 = servers.iter().map(|s| s.memory_mb().0).sum();
            let now: f64 = servers.iter().map(|s| s.memory_mb().1).sum();
            s.memory = (s.memory.0.max(peak), now);
            if args.one_server {
                s.servers = servers;
            }
        }
    }
    let engine = match args.engine {
        Engine::Sqlite => "SQLite".to_string(),
        Engine::Postgres => format!("PostgreSQL, {} server(s)", args.servers),
    };
    for s in &subjects {
        let tickets = s.fixture.as_ref().map_or(0, |f| f.tickets);
        report(
            &format!("{} on {engine}", s.label),
            &s.results,
            &args,
            tickets,
            s.memory,
        );
        if !s.oha.is_empty() {
            let harness = s
                .results
                .get("health")
                .map_or(0.0, |v| median(v.iter().map(Stats::rps).collect()));
            let by_oha = median(s.oha.iter().map(|m| m.0).collect());
            println!(
                "health by oha (same concurrency, same servers, right after): {by_oha:.0} req/s, p50 {:.2} ms; this harness reached {:.1}% of it",
                median(s.oha.iter().map(|m| m.1).collect()),
                100.0 * harness / by_oha.max(1.0)
            );
        }
    }
    if let [this, other] = subjects.as_slice() {
        compare(&this.results, &other.results);
    }
}

/// The health route measured by oha for the scenario duration at the read concurrency,
/// spread over the servers: (successful req/s, p50 ms).
fn oha_health(oha: &Path, servers: &[Server], args: &Args) -> (f64, f64) {
    let per = (args.concurrency as usize / servers.len()).max(1);
    let outs: Vec<std::process::Child> = servers
        .iter()
        .map(|s| {
            Command::new(oha)
                .args([
                    "--no-tui",
                    "--output-format",
                    "json",
                    "-c",
                    &per.to_string(),
                ])
                .args(["-z", &format!("{}s", args.duration)])
                .arg(format!("http://{}/healthz", s.addr))
                .stdout(Stdio::piped())
                .spawn()
                .expect("run oha")
        })
        .collect();
    let mut rps = 0.0;
    let mut p50 = Vec::new();
    for child in outs {
        let out = child.wait_with_output().expect("oha output");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("oha json");
        let ok = v["statusCodeDistribution"]["200"].as_f64().unwrap_or(0.0);
        rps += ok / v["summary"]["total"].as_f64().unwrap_or(1.0);
        p50.push(v["latencyPercentiles"]["p50"].as_f64().unwrap_or(0.0) * 1000.0);
    }
    (rps, median(p50))
}

/// Each scenario's median req/s and p50 of this build against the compared one.
fn compare(this: &Results, other: &Results) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("\n| scenario | req/s, this / compared | p50, compared / this |");
    println!("|---|---:|---:|");
    for (name, a) in this {
        let Some(b) = other.get(name) else { continue };
        let rps = |s: &[Stats]| median(s.iter().map(Stats::rps).collect());
        let p50 = |s: &[Stats]| median(s.iter().map(|x| ms(x.percentile(0.5))).collect());
        println!(
            "| {name} | {:.2}× | {:.2}× |",
            rps(a) / rps(b).max(f64::MIN_POSITIVE),
            p50(b) / p50(a).max(f64::MIN_POSITIVE)
        );
    }
}
