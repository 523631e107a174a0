//! The `tms-server` command line: serve, user add, seed-demo, gen, backup, restore,
//! migrate-to-postgres, export, import and import-seed. Every flag can also be given as a
//! `TMS_*` environment variable.

use std::io::Read;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use tms_core::Role;

use crate::config::Config;
use crate::service::ServiceError;
use crate::service::users::add_from_command_line;
use crate::state::AppState;
use crate::store::Target;

#[derive(Debug, Parser)]
#[command(name = "tms-server", version, about = "The tms helpdesk server")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct DbArg {
    /// The SQLite database file (created if missing).
    #[arg(long, env = "TMS_DB", default_value = "tms.db")]
    pub db: PathBuf,
    /// A PostgreSQL database instead of the SQLite file:
    /// postgres://user:password@host:port/database.
    #[arg(
        long,
        env = "TMS_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
}

impl DbArg {
    /// Production settings for this database.
    pub fn config(&self) -> Config {
        match &self.database_url {
            Some(url) => Config::postgres(url),
            None => Config::new(&self.db),
        }
    }

    /// The database this names.
    pub fn target(&self) -> Target {
        match &self.database_url {
            Some(url) => Target::Postgres(url.clone()),
            None => Target::Sqlite(self.db.clone()),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API.
    Serve(ServeArgs),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Load the demo helpdesk (11 users, password Hello123., 11 tickets) into an empty database.
    SeedDemo(DbArg),
    /// Fill a database with generated tickets (for benchmarks).
    Gen {
        #[command(flatten)]
        db: DbArg,
        /// How many tickets to add.
        #[arg(long, default_value_t = 10_000)]
        tickets: u64,
        /// Seed of the random generator (same seed, same data).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// Copy the live database to DEST consistently, even while the server writes.
    Backup {
        #[command(flatten)]
        db: DbArg,
        /// Where to write the copy.
        dest: PathBuf,
    },
    /// Replace the database with a backup. Stop the server first.
    Restore {
        #[command(flatten)]
        db: DbArg,
        /// The backup to restore.
        src: PathBuf,
    },
    /// Copy a SQLite database into an empty PostgreSQL database, in one transaction, and
    /// verify the copy (row counts and a SHA-256 of every table) before committing it. Stop
    /// the server first.
    MigrateToPostgres(MigrateArgs),
    /// Write every table (users with their password hashes, tickets, comments, tags, the
    /// activity log, history, views, settings) to a JSON-lines file, read in one snapshot.
    Export {
        #[command(flatten)]
        db: DbArg,
        /// The format of the file (JSON lines, one object a line).
        #[arg(long, value_enum, default_value = "jsonl")]
        format: ExportFormat,
        /// The file to write (never over an existing one); standard output without.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
        /// Also the sessions and the server's keys (everyone stays signed in, devices stay
        /// trusted on the database it is imported into).
        #[arg(long)]
        with_secrets: bool,
    },
    /// Load a file written by `export` into an empty database (SQLite or PostgreSQL), in one
    /// transaction, verified against the file before the commit.
    Import {
        #[command(flatten)]
        db: DbArg,
        /// The export file.
        file: PathBuf,
    },
    /// Read a running database of the seed application (MySQL) into an empty database,
    /// repairing what breaks tms's rules, and report what was imported and repaired.
    ImportSeed {
        #[command(flatten)]
        db: DbArg,
        /// The seed's database: mysql://user:password@host:3306/database.
        #[arg(
            long,
            env = "TMS_SEED_MYSQL_URL",
            value_name = "URL",
            hide_env_values = true
        )]
        mysql_url: String,
    },
    /// Exit 0 when a server answers GET /healthz with 200 (for container health checks).
    Healthcheck {
        /// The server's address.
        #[arg(long, env = "TMS_HEALTHCHECK_ADDR", default_value = "127.0.0.1:8000")]
        addr: String,
    },
}

/// The formats `export` writes.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ExportFormat {
    /// JSON lines: a header, one object per row, and a last line of checksums.
    Jsonl,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The SQLite database file to copy; it must exist, and no server may be serving it.
    #[arg(long, env = "TMS_DB", value_name = "PATH")]
    pub db: PathBuf,
    /// The PostgreSQL database to copy into, which must hold no tms data:
    /// postgres://user:password@host:port/database. Its schema is created if missing.
    #[arg(
        long,
        env = "TMS_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: String,
    /// Copy the sessions too, so that everyone stays signed in. Without it, sessions are
    /// left behind and everyone signs in again.
    #[arg(long)]
    pub with_sessions: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArg,
    /// Address to listen on.
    #[arg(long, env = "TMS_BIND", default_value = "127.0.0.1:8000")]
    pub bind: String,
    /// Also record reads (ticket views and lists) in the activity log.
    #[arg(long, env = "TMS_AUDIT_READS")]
    pub audit_reads: bool,
    /// Read every list page from the database, never from the pages remembered in memory
    /// while nothing they show changed.
    #[arg(long, env = "TMS_NO_PAGE_CACHE")]
    pub no_page_cache: bool,
    /// Close public signup: only a SysAdmin can create accounts.
    #[arg(long, env = "TMS_DISABLE_SIGNUP")]
    pub disable_signup: bool,
    /// Origins allowed to call the API from a browser (comma-separated); CORS is off without.
    #[arg(long, env = "TMS_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origin: Vec<String>,
    /// Email of the first SysAdmin, created at start when the database has no users.
    #[arg(long, env = "TMS_ADMIN_EMAIL", requires = "admin_password")]
    pub admin_email: Option<String>,
    /// Password of that first SysAdmin (use the environment variable, not the flag).
    #[arg(long, env = "TMS_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,
    /// A reverse proxy (address or CIDR range, repeatable or comma-separated) whose
    /// X-Forwarded-For header names the real client; from anyone else the header is ignored.
    #[arg(long, env = "TMS_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_net)]
    pub trusted_proxy: Vec<ipnet::IpNet>,
    /// Open connections at most [default: from the open-file limit, raised to its maximum].
    #[arg(long, env = "TMS_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// Open connections at most from one client address (IPv6: one /64); trusted proxies
    /// are exempt.
    #[arg(long, env = "TMS_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 128)]
    pub max_connections_per_address: usize,
    /// Connections to PostgreSQL this server runs requests on, at most (with
    /// --database-url); it keeps up to four more for upkeep and for the other servers' events.
    #[arg(long, env = "TMS_POOL_SIZE", default_value_t = 16)]
    pub pool_size: usize,
    /// Serve Prometheus metrics at http://ADDR/metrics (off by default; keep ADDR private,
    /// e.g. 127.0.0.1:9464).
    #[arg(long, env = "TMS_METRICS_BIND", value_name = "ADDR")]
    pub metrics_bind: Option<String>,
    /// Send notification email through this SMTP relay: smtps://user:pass@host[:465] (TLS),
    /// smtp://user:pass@host[:587]?tls=required (STARTTLS), or smtp://host[:25] (no TLS, for a
    /// relay on this machine or network). No email without it.
    #[arg(
        long,
        env = "TMS_SMTP_URL",
        value_name = "URL",
        hide_env_values = true,
        requires = "mail_from"
    )]
    pub smtp_url: Option<String>,
    /// The sender of notification email, e.g. "Helpdesk <help@example.com>".
    #[arg(
        long,
        env = "TMS_MAIL_FROM",
        value_name = "ADDRESS",
        requires = "smtp_url"
    )]
    pub mail_from: Option<String>,
    /// Also deliver webhooks to loopback, private, link-local and other non-public
    /// addresses (refused by default: see SECURITY.md).
    #[arg(long, env = "TMS_WEBHOOK_ALLOW_PRIVATE")]
    pub webhook_allow_private: bool,
}

/// An address (one host) or a CIDR range.
fn parse_net(s: &str) -> Result<ipnet::IpNet, String> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("{s:?} is neither an IP address nor a CIDR range like 10.0.0.0/8"))
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is read from standard input.
    Add {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        email: String,
        #[arg(long)]
        username: String,
        /// Requester, "Helpdesk Agent" or SysAdmin.
        #[arg(long, default_value = "Requester")]
        role: Role,
    },
}

/// Runs the command line; returns a message for the user on failure.
pub fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve(args) => serve(args),
        Command::Healthcheck { addr } => healthcheck(&addr),
        Command::User(UserCommand::Add {
            db,
            email,
            username,
            role,
        }) => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .map_err(|e| e.to_string())?;
            let password = password.trim_end_matches(['\n', '\r']);
            let state = AppState::open(db.config()).map_err(|e| e.to_string())?;
            let user = add_from_command_line(&state, &username, &email, password, role)
                .map_err(|e| describe(&e))?;
            println!("created user {} ({}, {})", user.id, user.email, user.role);
            Ok(())
        }
        Command::SeedDemo(db) => {
            let state = AppState::open(db.config()).map_err(|e| e.to_string())?;
            crate::demo::seed(&state).map_err(|e| describe(&e))?;
            println!(
                "demo helpdesk loaded into {}: 11 users (password {}), 11 tickets",
                db.target().describe(),
                crate::demo::DEMO_PASSWORD
            );
            Ok(())
        }
        Command::Gen {
            db,
            tickets,
            seed,
            quiet,
        } => {
            let started = std::time::Instant::now();
            let target = db.target();
            crate::generate::generate(&target, tickets, seed, !quiet).map_err(|e| describe(&e))?;
            println!(
                "added {tickets} tickets to {} in {:.1?}",
                target.describe(),
                started.elapsed()
            );
            Ok(())
        }
        Command::Backup { db, dest } => {
            if db.database_url.is_some() {
                return Err(ON_POSTGRES.into());
            }
            let state = AppState::open(db.config()).map_err(|e| e.to_string())?;
            state
                .store
                .sqlite()
                .ok_or("backup is for SQLite databases")?
                .backup_to(&dest)
                .map_err(|e| e.to_string())?;
            println!("backed up {} to {}", db.db.display(), dest.display());
            Ok(())
        }
        Command::Restore { db, src } => {
            if db.database_url.is_some() {
                return Err(ON_POSTGRES.into());
            }
            crate::store::sqlite::restore(&db.db, &src).map_err(|e| e.to_string())?;
            println!("restored {} from {}", db.db.display(), src.display());
            Ok(())
        }
        Command::MigrateToPostgres(args) => migrate_to_postgres(&args),
        Command::Export {
            db,
            format: ExportFormat::Jsonl,
            output,
            with_secrets,
        } => export(&db, output.as_deref(), with_secrets),
        Command::Import { db, file } => import(&db, &file),
        Command::ImportSeed { db, mysql_url } => {
            let report =
                crate::seed::import(&mysql_url, &db.target()).map_err(|e| e.to_string())?;
            print!("{}", report.render());
            Ok(())
        }
    }
}

fn export(db: &DbArg, output: Option<&std::path::Path>, secrets: bool) -> Result<(), String> {
    use crate::store::transfer;
    let target = db.target();
    let report = match output {
        Some(path) => transfer::export_to_file(&target, path, secrets),
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            transfer::export(&target, &mut out, secrets)
        }
    }
    .map_err(|e| e.to_string())?;
    // The summary goes to standard error when the export itself goes to standard output.
    let mut summary = String::new();
    for t in &report.tables {
        summary.push_str(&format!(
            "{:<15} {:>10} rows  sha256 {}\n",
            t.table,
            t.rows,
            &t.hex()[..16]
        ));
    }
    if !report.secrets {
        summary.push_str("sessions and server keys not exported (--with-secrets exports them)\n");
    }
    match output {
        Some(path) => {
            print!("{summary}");
            println!("exported {} to {}", target.describe(), path.display());
        }
        None => eprint!("{summary}"),
    }
    Ok(())
}

fn import(db: &DbArg, file: &std::path::Path) -> Result<(), String> {
    let started = std::time::Instant::now();
    let report = crate::store::transfer::import(&db.target(), file).map_err(|e| e.to_string())?;
    for t in &report.tables {
        println!(
            "{:<15} {:>10} rows  sha256 {}",
            t.table,
            t.rows,
            &t.hex()[..16]
        );
    }
    println!(
        "imported {} into {} in {:.1?}: every table verified",
        file.display(),
        report.target,
        started.elapsed()
    );
    Ok(())
}

fn migrate_to_postgres(args: &MigrateArgs) -> Result<(), String> {
    let started = std::time::Instant::now();
    let options = crate::store::copy::Options {
        with_sessions: args.with_sessions,
    };
    let report = crate::store::copy::sqlite_to_postgres(&args.db, &args.database_url, options)
        .map_err(|e| e.to_string())?;
    for t in &report.tables {
        println!(
            "{:<15} {:>10} rows  sha256 {}",
            t.table,
            t.rows,
            &t.hex()[..16]
        );
    }
    if !report.sessions_copied {
        println!(
            "{:<15} not copied: everyone signs in again (--with-sessions copies them)",
            "sessions"
        );
    }
    println!(
        "copied {} to {} in {:.1?}: every table verified",
        args.db.display(),
        report.target,
        started.elapsed()
    );
    Ok(())
}

/// What `backup` and `restore` say about a PostgreSQL database.
const ON_POSTGRES: &str = "backup and restore copy a SQLite file; back a PostgreSQL database up with pg_dump (e.g. pg_dump -Fc -f tms.dump URL) and restore it with pg_restore (pg_restore -d URL tms.dump)";

fn describe(e: &ServiceError) -> String {
    match e {
        ServiceError::Invalid(fields) => fields
            .iter()
            .map(|(_, f)| format!("{}: {}", f.field, f.msg))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

fn serve(args: ServeArgs) -> Result<(), String> {
    // Before anything touches the database (migrations included). One server per SQLite
    // file; any number on one PostgreSQL database.
    let lock = match args.db.target() {
        Target::Sqlite(path) => {
            Some(crate::store::sqlite::lock::lock(&path).map_err(|e| e.to_string())?)
        }
        Target::Postgres(_) => None,
    };
    let mut config = args.db.config();
    config.audit_reads = args.audit_reads;
    config.page_cache = !args.no_page_cache;
    config.allow_signup = !args.disable_signup;
    config.cors_origins = args.cors_origin;
    config.trusted_proxies = args.trusted_proxy;
    config.max_connections = args.max_connections.unwrap_or(0);
    config.max_connections_per_address = args.max_connections_per_address;
    config.pool_size = args.pool_size;
    config.notify.smtp_url = args.smtp_url;
    config.notify.mail_from = args.mail_from;
    config.notify.webhook_allow_private = args.webhook_allow_private;
    let state = AppState::open(config).map_err(|e| e.to_string())?;
    if let (Some(email), Some(password)) = (args.admin_email, args.admin_password) {
        let made = crate::service::users::ensure_first_admin(&state, &email, &password)
            .map_err(|e| describe(&e))?;
        if let Some(u) = made {
            tracing::info!(id = u.id, email = %u.email, "created the first SysAdmin");
        }
    }
    let metrics = match &args.metrics_bind {
        Some(_) => Some(crate::metrics::install()?),
        None => None,
    };
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        if let (Some(addr), Some(handle)) = (&args.metrics_bind, metrics) {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| format!("cannot listen for metrics on {addr}: {e}"))?;
            let at = listener.local_addr().map_err(|e| e.to_string())?;
            println!("tms-server metrics on http://{at}/metrics");
            tokio::spawn(crate::metrics::serve(
                listener,
                handle,
                std::future::pending(),
            ));
        }
        let listener = tokio::net::TcpListener::bind(&args.bind)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", args.bind))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        tracing::info!(%addr, db = %args.db.target().describe(), "tms-server listening");
        println!("tms-server listening on http://{addr}");
        crate::serve_locked(listener, state, lock, shutdown_signal())
            .await
            .map_err(|e| e.to_string())
    })
}

/// `GET /healthz` over plain HTTP/1.0, within 5 s; `Ok` on a 200.
fn healthcheck(addr: &str) -> Result<(), String> {
    use std::io::{Read, Write};
    use std::net::ToSocketAddrs;
    let wait = std::time::Duration::from_secs(5);
    let to = addr
        .to_socket_addrs()
        .map_err(|e| format!("{addr}: {e}"))?
        .next()
        .ok_or_else(|| format!("{addr}: no address"))?;
    let mut conn = std::net::TcpStream::connect_timeout(&to, wait)
        .map_err(|e| format!("cannot reach {addr}: {e}"))?;
    conn.set_read_timeout(Some(wait))
        .map_err(|e| e.to_string())?;
    conn.write_all(format!("GET /healthz HTTP/1.0\r\nHost: {addr}\r\n\r\n").as_bytes())
        .map_err(|e| e.to_string())?;
    let mut head = [0u8; 12];
    conn.read_exact(&mut head)
        .map_err(|e| format!("no answer from {addr}: {e}"))?;
    match &head[9..12] {
        b"200" => Ok(()),
        status => Err(format!(
            "{addr} answered {}",
            String::from_utf8_lossy(status)
        )),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}
