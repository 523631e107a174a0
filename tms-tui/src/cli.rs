//! The command line of `tms`.

use crate::script;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// tms — the helpdesk in your terminal.
///
/// With no server configured, tms runs the server inside itself on a database in your data
/// directory (~/.local/share/tms/tms.db); the first run creates the admin account.
///
/// The commands login, ticket, user and log do one thing and exit, for scripts: they use the
/// same server and saved session as the terminal client.
#[derive(Debug, Parser)]
#[command(name = "tms", version, about, after_long_help = EXIT_STATUS)]
pub struct Cli {
    /// Use a shared tms-server at this URL (also `server` in ~/.config/tms/config.toml).
    #[arg(
        long,
        env = "TMS_SERVER",
        value_name = "URL",
        global = true,
        help_heading = SERVER
    )]
    pub server: Option<String>,

    /// Start on a fresh demo helpdesk (all passwords `Hello123.`).
    #[arg(long, conflicts_with = "server", global = true, help_heading = SERVER)]
    pub demo: bool,

    /// The embedded database file.
    #[arg(
        long,
        env = "TMS_DB",
        value_name = "PATH",
        conflicts_with = "server",
        global = true,
        help_heading = SERVER
    )]
    pub db: Option<PathBuf>,

    /// Colour theme: dark, light or plain (NO_COLOR is always honoured).
    #[arg(long, env = "TMS_THEME")]
    pub theme: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where the options choosing the server are listed in every command's help, apart from the
/// command's own.
const SERVER: &str = "Server";

/// The exit statuses of the scripting commands (docs/CLI.md).
const EXIT_STATUS: &str = "Exit status of login, ticket, user and log: 0 done; 1 an error (also \
invalid input, with the server's reason); 2 a usage error; 3 not found; 4 not allowed (not \
logged in, the session ended, or the role may not); 5 a conflict (taken email or username, or \
the ticket changed since --if-version); 6 the server cannot be reached.";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Log in to the server tms would use and save the session (the terminal client uses it
    /// too).
    Login(script::session::LoginArgs),
    /// List, show, file, comment on and change tickets.
    #[command(subcommand)]
    Ticket(script::tickets::TicketCommand),
    /// List and add accounts (SysAdmin).
    #[command(subcommand)]
    User(script::users::UserCommand),
    /// The activity log, newest first (SysAdmin).
    Log(script::log::LogArgs),
    /// End the saved session of the server tms would use (--server, TMS_SERVER, the config
    /// file, else the embedded database) and forget its token.
    Logout,
    /// Print a completion script for a shell, e.g. `tms completions bash >
    /// ~/.local/share/bash-completion/completions/tms`.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `tms man | man -l -`.
    Man,
}

impl Command {
    /// Whether the command only prints something about tms itself (no server, no session).
    pub fn is_offline(&self) -> bool {
        matches!(self, Command::Completions { .. } | Command::Man)
    }

    /// Whether the command is one of the scripting commands (`crate::script`), which do one
    /// thing without the terminal interface and exit with a documented status.
    pub fn is_script(&self) -> bool {
        matches!(
            self,
            Command::Login(_) | Command::Ticket(_) | Command::User(_) | Command::Log(_)
        )
    }
}

/// Writes the completion script of `shell` for the whole command line.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn std::io::Write) {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    clap_complete::generate(shell, &mut cmd, "tms", out);
}

/// Writes the manual page of `tms` (roff), generated from the same definitions as `--help`.
pub fn man(out: &mut dyn std::io::Write) -> std::io::Result<()> {
    clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(out)
}
