//! The real `tms-server` binary as a child process: users prepared in its database beforehand,
//! its address read from the line it prints, its output captured, and SIGKILL on demand.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use serde_json::{Value, json};
use tms_core::Role;
use tms_server::{AppState, Config};

/// The password of every prepared user.
pub const PW: &str = "correct horse battery";

/// Adds users (email `name@example.com`, password [`PW`]) to the database at `db`, creating
/// it. `production_cost` hashes with the server's real argon2 cost; otherwise cheaply (the
/// hash records its own cost, so logins against it stay cheap).
pub fn prepare_db(db: &Path, users: &[(&str, Role)], production_cost: bool) {
    // The command-line path blocks; keep it off any async runtime the caller runs on.
    let db = db.to_path_buf();
    let users: Vec<(String, Role)> = users.iter().map(|(n, r)| (n.to_string(), *r)).collect();
    std::thread::spawn(move || add_users(&db, &users, production_cost))
        .join()
        .expect("prepare the database");
}

fn add_users(db: &Path, users: &[(String, Role)], production_cost: bool) {
    let mut config = Config::new(db);
    if !production_cost {
        config.argon2_m_kib = 1024;
        config.argon2_t = 1;
    }
    config.readers = 1;
    let state = AppState::open(config).expect("open the database");
    for (name, role) in users {
        tms_server::service::users::add_from_command_line(
            &state,
            name,
            &format!("{name}@example.com"),
            PW,
            *role,
        )
        .expect("add a user");
    }
}

/// A running `tms-server serve`; killed (SIGKILL) when dropped.
pub struct Server {
    child: Child,
    pub base: String,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    /// `tms-server serve --bind 127.0.0.1:0 --db DB ARGS…` with only `env` set among the
    /// `TMS_*` variables; returns once it listens.
    pub fn start(db: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tms-server"));
        cmd.args(["serve", "--bind", "127.0.0.1:0", "--db"])
            .arg(db)
            .args(args);
        Self::spawn(cmd, env)
    }

    /// `tms-server serve` on `db` in a process whose open-file limit (soft and hard) is
    /// `nofile`.
    pub fn start_limited(db: &Path, nofile: u32) -> Server {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!(
                "ulimit -n {nofile} && exec \"$0\" serve --bind 127.0.0.1:0 --db \"$1\""
            ))
            .arg(env!("CARGO_BIN_EXE_tms-server"))
            .arg(db);
        Self::spawn(cmd, &[])
    }

    fn spawn(mut cmd: Command, env: &[(&str, &str)]) -> Server {
        for (k, _) in std::env::vars() {
            if k.starts_with("TMS_") {
                cmd.env_remove(k);
            }
        }
        cmd.envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start tms-server");
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let (addr_tx, addr_rx) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        let sink = Arc::clone(&stdout);
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if let Some(addr) = line.strip_prefix("tms-server listening on ") {
                    let _ = addr_tx.send(addr.to_string());
                }
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        let mut err = child.stderr.take().unwrap();
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let base = match addr_rx.recv_timeout(Duration::from_secs(60)) {
            Ok(base) => base,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                std::thread::sleep(Duration::from_millis(100));
                panic!(
                    "tms-server did not start; stderr: {}",
                    stderr.lock().unwrap()
                );
            }
        };
        Server {
            child,
            base,
            stdout,
            stderr,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGKILL: no chance to flush, checkpoint or close anything.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Everything printed so far, stdout then stderr.
    pub fn output(&self) -> String {
        // Give the reader threads a moment to drain the pipes.
        std::thread::sleep(Duration::from_millis(100));
        format!(
            "{}{}",
            self.stdout.lock().unwrap(),
            self.stderr.lock().unwrap()
        )
    }

    pub fn stderr(&self) -> String {
        std::thread::sleep(Duration::from_millis(100));
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// An HTTP client for tests: no proxy, bounded waits.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// Logs `name@example.com` in; returns `(user id, token)`.
pub async fn login(
    http: &reqwest::Client,
    base: &str,
    name: &str,
    password: &str,
) -> (i64, String) {
    let r = http
        .post(format!("{base}/login"))
        .json(&json!({"email": format!("{name}@example.com"), "password": password}))
        .send()
        .await
        .expect("login reaches the server");
    assert_eq!(r.status().as_u16(), 200, "login of {name}");
    let body: Value = r.json().await.unwrap();
    (
        body["user"]["id"].as_i64().unwrap(),
        body["access_token"].as_str().unwrap().to_string(),
    )
}

/// `GET url` as the holder of `token`, parsed as JSON.
pub async fn get_json(http: &reqwest::Client, url: String, token: &str) -> Value {
    http.get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Opens a database file directly (after the server is gone, or a backup).
pub fn open(db: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(db).expect("open the database file")
}

/// `PRAGMA integrity_check` and `foreign_key_check` both clean.
#[track_caller]
pub fn assert_integrity(conn: &rusqlite::Connection) {
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok", "integrity_check");
    let broken: i64 = conn
        .prepare("PRAGMA foreign_key_check")
        .unwrap()
        .query_map([], |_| Ok(()))
        .unwrap()
        .count() as i64;
    assert_eq!(broken, 0, "foreign_key_check");
}

/// One `SELECT count(*)`-style integer.
pub fn count(conn: &rusqlite::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}
