//! The scripting commands (`tms login`, `tms ticket …`, `tms user …`, `tms log`) through the
//! real binary, against an embedded database and a remote server: what they print (tables,
//! the server's JSON, CSV), what they change, and their exit statuses (docs/CLI.md).

mod exits;
mod flows;
mod harness;
mod output;
mod terminal;
#[allow(dead_code)]
#[path = "../tui/tmux.rs"]
mod tmux;
