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
}
