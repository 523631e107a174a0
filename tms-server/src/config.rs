//! Server settings, shared by the command line, tests and the client's embedded mode.

use std::path::PathBuf;
use std::time::Duration;

/// Everything a running server needs to know.
#[derive(Debug, Clone)]
pub struct Config {
    /// The SQLite database file (created if missing).
    pub db_path: PathBuf,
    /// Log reads to the activity log too (`--audit-reads`).
    pub audit_reads: bool,
    /// Whether `POST /signup` is open to the public (a SysAdmin can always create users).
    pub allow_signup: bool,
    /// While the database has no users, let `POST /signup` create the first SysAdmin. Only the
    /// client's embedded mode (a loopback server owned by the user) turns this on.
    pub bootstrap_admin_signup: bool,
    /// A session ends after this long without use.
    pub session_idle: Duration,
    /// A session ends this long after login, used or not.
    pub session_absolute: Duration,
    /// Origins allowed by CORS; empty means CORS is off.
    pub cors_origins: Vec<String>,
    /// Per-request time limit.
    pub request_timeout: Duration,
    /// Failed logins per account inside `login_window` before 429.
    pub login_max_per_account: u32,
    /// Failed logins per client address inside `login_window` before 429.
    pub login_max_per_address: u32,
    pub login_window: Duration,
    /// Read connections in the pool.
    pub readers: usize,
    /// argon2 cost; tests use a cheap one. Production uses OWASP's (19 MiB, 2 passes, 1 lane).
    pub argon2_m_kib: u32,
    pub argon2_t: u32,
}

impl Config {
    /// Production defaults for a database at `db_path`.
    pub fn new(db_path: impl Into<PathBuf>) -> Self {
        Self {
            db_path: db_path.into(),
            audit_reads: false,
            allow_signup: true,
            bootstrap_admin_signup: false,
            session_idle: Duration::from_secs(12 * 3600),
            session_absolute: Duration::from_secs(7 * 24 * 3600),
            cors_origins: Vec::new(),
            request_timeout: Duration::from_secs(30),
            login_max_per_account: 5,
            login_max_per_address: 20,
            login_window: Duration::from_secs(15 * 60),
            readers: 4,
            argon2_m_kib: 19 * 1024,
            argon2_t: 2,
        }
    }
}
