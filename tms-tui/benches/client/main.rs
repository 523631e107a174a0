//! The client benchmark (BENCHMARKS.md, "The client"): `tms` in embedded mode on a copy of a
//! generated helpdesk of 1M tickets, started as the user starts it and driven through its own
//! loop, with frames drawn by ratatui's crossterm backend into a sink instead of a terminal.
//!
//! - first frame: from spawning a fresh process to the first frame showing the queue complete
//!   (rows and tab counts), with a saved session, several starts;
//! - keys: key presses at ~50/s through the loop while another agent changes tickets through the
//!   API at a fixed rate, so that their events reach the client over its own event stream;
//!   key-press-to-frame latency per key, at 0 and at the chosen rate in the same run.
//!
//! Each measurement runs in a child process of this binary (`--child …`), so that every start
//! is a cold process and the configuration directory (the saved session) is the bench's own.

mod feed;
mod front;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tms_core::api::LoginRequest;
use tms_tui::api::ApiClient;
use tms_tui::config::SessionStore;

/// The generated users' password (`tms-server gen`).
pub const PASSWORD: &str = "Hello123.";
/// Who the client is signed in as, and who changes tickets meanwhile.
pub const AGENT: &str = "agent1@gen.example.com";
pub const OTHER_AGENT: &str = "agent2@gen.example.com";

struct Args {
    tickets: u64,
    starts: usize,
    keys: usize,
    rate: u32,
    data_dir: PathBuf,
    child: Option<String>,
    db: Option<PathBuf>,
    /// Evict the database from the page cache before every start.
    cold: bool,
    /// Only the first frame (no keys).
    starts_only: bool,
    width: u16,
    height: u16,
}

fn parse_args() -> Args {
    let mut args = Args {
        tickets: 1_000_000,
        starts: 7,
        keys: 2_400,
        rate: 50,
        data_dir: PathBuf::from(concat!(env!("CARGO_TARGET_TMPDIR"), "/bench-data")),
        child: None,
        db: None,
        cold: false,
        starts_only: false,
        width: 200,
        height: 50,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--tickets" => args.tickets = value().parse().expect("--tickets N"),
            "--starts" => args.starts = value().parse().expect("--starts N"),
            "--keys" => args.keys = value().parse().expect("--keys N"),
            "--rate" => args.rate = value().parse().expect("--rate EVENTS_PER_S"),
            "--data-dir" => args.data_dir = value().into(),
            "--child" => args.child = Some(value()),
            "--db" => args.db = Some(value().into()),
            "--cold" => args.cold = true,
            "--starts-only" => args.starts_only = true,
            "--size" => {
                let v = value();
                let (w, h) = v.split_once('x').expect("--size WxH");
                args.width = w.parse().expect("--size WxH");
                args.height = h.parse().expect("--size WxH");
            }
            // `cargo bench` passes `--bench`.
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    args
}

fn main() {
    let args = parse_args();
    if let Some(child) = &args.child {
        front::child(child, &args);
        return;
    }
    let generated = tms_server::generate::cached_sqlite(&args.data_dir, args.tickets)
        .expect("generate the tickets");
    let copy = generated.with_extension("client.db");
    eprintln!("copying {} ...", generated.display());
    for suffix in ["", "-wal", "-shm", "-lock"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", copy.display()));
    }
    std::fs::copy(&generated, &copy).expect("copy the generated database");
    // Written out now, not by the kernel while the client starts on it.
    std::fs::File::open(&copy)
        .and_then(|f| f.sync_all())
        .expect("write the copy out");
    let config = tempfile::Builder::new()
        .prefix("tms-client-bench-")
        .tempdir()
        .expect("config dir");
    sign_in(&copy, config.path());
    println!(
        "client benchmark: {} tickets, terminal {}x{}",
        args.tickets, args.width, args.height
    );
    first_frames(&args, &copy, config.path());
    let rates = if args.starts_only {
        vec![]
    } else {
        vec![0, args.rate]
    };
    for rate in rates {
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        let load: Vec<&str> = load.split_whitespace().take(3).collect();
        println!();
        println!("load average before: {}", load.join(" "));
        let status = child_command(&args, &copy, config.path(), "keys")
            .args([
                "--rate",
                &rate.to_string(),
                "--keys",
                &args.keys.to_string(),
            ])
            .status()
            .expect("run the keys child");
        assert!(status.success(), "the keys child failed");
    }
    for suffix in ["", "-wal", "-shm", "-lock"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", copy.display()));
    }
}

fn child_command(args: &Args, db: &Path, config: &Path, what: &str) -> Command {
    let mut cmd = Command::new(std::env::current_exe().expect("own path"));
    cmd.args(["--child", what, "--db"])
        .arg(db)
        .args(["--size", &format!("{}x{}", args.width, args.height)])
        .env("TMS_CONFIG_DIR", config)
        .env_remove("TMS_SERVER")
        .env_remove("NO_COLOR");
    cmd
}

/// Nanoseconds since the epoch: the start instant handed to a child process.
pub fn epoch_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_nanos()
}

fn first_frames(args: &Args, db: &Path, config: &Path) {
    let mut complete = Vec::new();
    let mut rows = Vec::new();
    let mut first = Vec::new();
    for _ in 0..args.starts {
        if args.cold {
            evict(db);
        }
        let out = child_command(args, db, config, "first-frame")
            .env("TMS_BENCH_T0_NS", epoch_ns().to_string())
            .output()
            .expect("run the first-frame child");
        assert!(out.status.success(), "the first-frame child failed");
        let text = String::from_utf8_lossy(&out.stdout);
        let field = |name: &str| -> f64 {
            text.split_whitespace()
                .find_map(|w| w.strip_prefix(name))
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("no {name} in {text:?}"))
        };
        first.push(field("first="));
        rows.push(field("rows="));
        complete.push(field("complete="));
    }
    println!();
    println!(
        "first frame, {} starts (process spawned -> frame drawn), {}, ms:",
        args.starts,
        if args.cold {
            "the database evicted from the page cache before each"
        } else {
            "the database in the page cache"
        }
    );
    println!("  {:<44} {:>8} {:>8}", "", "median", "max");
    let each: Vec<String> = complete.iter().map(|v| format!("{v:.0}")).collect();
    for (name, v) in [
        ("any frame (the boot screen)", first),
        ("queue rows shown", rows),
        ("queue complete (rows and tab counts)", complete),
    ] {
        println!(
            "  {name:<44} {:>8.1} {:>8.1}",
            front::percentile(&v, 50.0),
            front::percentile(&v, 100.0)
        );
    }
    println!("  queue complete, each start in order: {}", each.join(" "));
}

/// Drops the database's pages from the page cache (written back first), with coreutils'
/// `sync FILE` and `dd iflag=nocache` (Linux), so that a start reads it from the disk.
fn evict(db: &Path) {
    for suffix in ["", "-wal"] {
        let file = format!("{}{suffix}", db.display());
        if !Path::new(&file).exists() {
            continue;
        }
        let synced = Command::new("sync").arg(&file).status();
        let dropped = Command::new("dd")
            .args([
                &format!("if={file}"),
                "iflag=nocache",
                "count=0",
                "status=none",
            ])
            .status();
        assert!(
            synced.is_ok_and(|s| s.success()) && dropped.is_ok_and(|s| s.success()),
            "could not evict {file} from the page cache"
        );
    }
}

/// Logs the benchmark's agent in once and saves the session where `tms` looks for it.
fn sign_in(db: &Path, config: &Path) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let server = tms_tui::embedded::Embedded::start(tms_tui::embedded::Db::File(db.into()))
            .await
            .expect("start the embedded server");
        let client = ApiClient::new(&server.base_url()).expect("client");
        let session = client
            .login(&LoginRequest {
                email: AGENT.into(),
                password: PASSWORD.into(),
            })
            .await
            .expect("log in");
        SessionStore::new(config)
            .set(
                &format!("embedded:{}", db.display()),
                Some(&session.reply.access_token),
            )
            .expect("save the session");
        // Let the server finish before the children open the file.
        drop(server);
        tokio::time::sleep(Duration::from_millis(200)).await;
    });
}
