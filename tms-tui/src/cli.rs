//! The command line of `tms`.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// tms — the helpdesk in your terminal.
///
/// With no server configured, tms runs the server inside itself on a database in your data
/// directory (~/.local/share/tms/tms.db); the first run creates the admin account.
#[derive(Debug, Parser)]
#[command(name = "tms", version, about)]
pub struct Cli {
    /// Use a shared tms-server at this URL (also `server` in ~/.config/tms/config.toml).
    #[arg(long, env = "TMS_SERVER", value_name = "URL", global = true)]
    pub server: Option<String>,

    /// Start on a fresh demo helpdesk (all passwords `Hello123.`).
    #[arg(long, conflicts_with = "server", global = true)]
    pub demo: bool,

    /// The embedded database file.
    #[arg(
        long,
        env = "TMS_DB",
        value_name = "PATH",
        conflicts_with = "server",
        global = true
    )]
    pub db: Option<PathBuf>,

    /// Colour theme: dark, light or plain (NO_COLOR is always honoured).
    #[arg(long, env = "TMS_THEME")]
    pub theme: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
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
