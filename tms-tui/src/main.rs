//! The `tms` binary: parses the command line and hands over to the library.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = tms_tui::cli::Cli::parse();
    match tms_tui::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tms: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
