//! The scriptable command line: `tms login`, `tms ticket …`, `tms user …` and `tms log`. Each
//! command talks to the same server the terminal client would (`--server`, `TMS_SERVER`, the
//! config file, else the embedded database) with the same saved session, prints data as a
//! table, the server's JSON or CSV, and ends with a documented exit status (docs/CLI.md).

mod error;
mod input;
pub mod log;
mod output;
mod people;
pub mod session;
mod table;
mod ticket_text;
pub mod tickets;
pub mod users;

pub use error::{Exit, ScriptError};
pub use output::{Format, JsonFlag, ListFormat};

use crate::api::{ApiClient, ApiError};
use crate::cli::{Cli, Command};
use crate::{Connection, Place};
use error::Result;
use output::Out;
use std::io::Write;
use std::process::ExitCode;

/// Runs a scripting command (one for which [`Command::is_script`] holds) and gives the exit
/// status; a failure is said in one sentence on stderr.
pub fn main(cli: Cli) -> ExitCode {
    let result = tokio::runtime::Runtime::new()
        .map_err(ScriptError::Io)
        .and_then(|rt| rt.block_on(run(cli)));
    match result {
        Ok(()) => Exit::Ok.into(),
        Err(e) => {
            if let Some(s) = e.sentence() {
                let _ = writeln!(std::io::stderr(), "tms: {s}");
            }
            e.exit().into()
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    let place = crate::locate(&cli).map_err(|e| ScriptError::Other(e.to_string()))?;
    let mut out = Out::stdout();
    match cli.command {
        Some(Command::Login(args)) => session::login(place, &args, &mut out).await?,
        Some(Command::Ticket(cmd)) => {
            tickets::run(&Session::open(place).await?, cmd, &mut out).await?
        }
        Some(Command::User(cmd)) => users::run(&Session::open(place).await?, cmd, &mut out).await?,
        Some(Command::Log(args)) => log::run(&Session::open(place).await?, &args, &mut out).await?,
        _ => {
            return Err(ScriptError::Usage(
                "not a command for scripts: see `tms --help`".into(),
            ));
        }
    }
    out.finish()?;
    Ok(())
}

/// A server in use and the saved session the command acts with; the server (if embedded)
/// runs as long as this lives.
pub struct Session {
    client: ApiClient,
    /// The server in words, for messages: its URL, or the embedded database.
    server: String,
    _conn: Connection,
}

impl Session {
    /// Starts or finds the server and takes the session saved for it. Without one, nothing is
    /// started: the command cannot be done.
    async fn open(place: Place) -> Result<Self> {
        let server = place.target.describe();
        if place.target.session_key().is_none() {
            return Err(no_saved_sessions());
        }
        let token = place
            .saved
            .ok_or_else(|| ScriptError::NotLoggedIn(server.clone()))?;
        let conn = connect(place.target).await?;
        let mut client = ApiClient::new(&conn.base).map_err(ScriptError::Api)?;
        client.set_token(Some(token));
        Ok(Self {
            client,
            server,
            _conn: conn,
        })
    }

    pub fn client(&self) -> &ApiClient {
        &self.client
    }

    /// An API failure said in terms of this server: an unreachable one by name, a refused
    /// session as one to renew.
    fn error(&self, e: ApiError) -> ScriptError {
        match e {
            ApiError::Unreachable(why) => ScriptError::Unreachable {
                server: self.server.clone(),
                why,
            },
            e if e.is_unauthorized() => ScriptError::SessionEnded(self.server.clone()),
            e => ScriptError::Api(e),
        }
    }
}

/// The demo server is new at every start: a session saved for it would name nothing.
fn no_saved_sessions() -> ScriptError {
    ScriptError::Usage(
        "the demo server keeps no session from one command to the next: use --db PATH or --server URL"
            .into(),
    )
}

/// [`crate::connect`] with its failure (a database that cannot be opened) as a sentence.
async fn connect(target: crate::Target) -> Result<Connection> {
    crate::connect(target)
        .await
        .map_err(|e| ScriptError::Other(e.to_string()))
}
