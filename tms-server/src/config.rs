//! Server settings, shared by the command line, tests and the client's embedded mode.

use std::path::PathBuf;
use std::time::Duration;

/// Everything a running server needs to know.
#[derive(Debug, Clone)]
pub struct Config {
    /// The SQLite database file (created if missing), unless `database_url` is set.
    pub db_path: PathBuf,
    /// A PostgreSQL database (`postgres://user:pass@host:port/db`) instead of the SQLite file.
    pub database_url: Option<String>,
    /// Connections in the PostgreSQL pool.
    pub pool_size: usize,
    /// Log reads to the activity log too (`--audit-reads`).
    pub audit_reads: bool,
    /// Serve unchanged list pages from memory (`service::pages`); on unless
    /// `--no-page-cache`.
    pub page_cache: bool,
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
    /// Failed logins per account (from clients without its device token), per device token,
    /// and failed password changes per user, inside `login_window`, before 429.
    pub login_max_per_account: u32,
    /// Failed logins per client address (IPv6: per /64) inside `login_window` before 429.
    pub login_max_per_address: u32,
    pub login_window: Duration,
    /// Signups per client address inside `login_window` before 429.
    pub signup_max_per_address: u32,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`--trusted-proxy`); from any
    /// other peer the header is ignored.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Open connections at most; 0 derives it from the open-file limit.
    pub max_connections: usize,
    /// Open connections at most from one peer address (IPv6: per /64). Trusted proxies are
    /// exempt: they carry many clients.
    pub max_connections_per_address: usize,
    /// Searches one user may run at once; more get 429.
    pub max_searches_per_user: usize,
    /// Read connections in the pool.
    pub readers: usize,
    /// argon2 cost; tests use a cheap one. Production uses OWASP's (19 MiB, 2 passes, 1 lane).
    pub argon2_m_kib: u32,
    pub argon2_t: u32,
    /// Email and webhooks (`--smtp-url`, `--mail-from`, `--webhook-allow-private`) and how
    /// deliveries are retried.
    pub notify: crate::notify::Settings,
}

impl Config {
    /// Production defaults for a database at `db_path`.
    pub fn new(db_path: impl Into<PathBuf>) -> Self {
        Self {
            db_path: db_path.into(),
            database_url: None,
            pool_size: 16,
            audit_reads: false,
            page_cache: true,
            allow_signup: true,
            bootstrap_admin_signup: false,
            session_idle: Duration::from_secs(12 * 3600),
            session_absolute: Duration::from_secs(7 * 24 * 3600),
            cors_origins: Vec::new(),
            request_timeout: Duration::from_secs(30),
            login_max_per_account: 5,
            login_max_per_address: 20,
            login_window: Duration::from_secs(15 * 60),
            signup_max_per_address: 10,
            trusted_proxies: Vec::new(),
            max_connections: 0,
            max_connections_per_address: 128,
            max_searches_per_user: 2,
            readers: 4,
            argon2_m_kib: 19 * 1024,
            argon2_t: 2,
            notify: crate::notify::Settings::default(),
        }
    }
}

impl Config {
    /// Production defaults for the PostgreSQL database at `url`.
    pub fn postgres(url: impl Into<String>) -> Self {
        let mut c = Self::new("");
        c.database_url = Some(url.into());
        c
    }
}

/// Checks and normalises a CORS origin as browsers send it in `Origin`: `scheme://host[:port]`
/// with scheme `http` or `https`, lower-cased, without a trailing slash (which no browser
/// sends, so an origin configured with one would never match).
pub fn parse_origin(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim();
    if trimmed == "*" || trimmed.eq_ignore_ascii_case("null") {
        return Err(format!(
            "CORS origin {raw:?} is not allowed: it would let any web page call the API; list each origin (e.g. https://helpdesk.example.com)"
        ));
    }
    let bad = || {
        format!(
            "CORS origin {raw:?} is not an origin: write scheme://host[:port], e.g. https://helpdesk.example.com"
        )
    };
    let url = url::Url::parse(trimmed).map_err(|_| bad())?;
    let plain = matches!(url.scheme(), "http" | "https")
        && url.host().is_some()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none();
    if !plain {
        return Err(bad());
    }
    Ok(url.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::parse_origin;

    #[test]
    fn origins_are_checked_and_normalised() {
        assert_eq!(
            parse_origin("https://Helpdesk.Example.com/").unwrap(),
            "https://helpdesk.example.com"
        );
        assert_eq!(
            parse_origin("http://localhost:5173").unwrap(),
            "http://localhost:5173"
        );
        assert_eq!(
            parse_origin("http://[::1]:8080").unwrap(),
            "http://[::1]:8080"
        );
        for bad in [
            "*",
            "null",
            "example.com",
            "ftp://example.com",
            "https://",
            "https://a.com/app",
            "https://a.com:99999",
            "https://a.com:x",
        ] {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
    }
}
