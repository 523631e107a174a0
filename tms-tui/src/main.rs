//! The `tms` binary: parses the command line and hands over to the library.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = tms_tui::cli::Cli::parse();
    if cli.command.as_ref().is_some_and(|c| c.is_script()) {
        return tms_tui::script::main(cli);
    }
    let mut out = std::io::stdout().lock();
    match &cli.command {
        Some(tms_tui::cli::Command::Completions { shell }) => {
            tms_tui::cli::completions(*shell, &mut out);
            return std::process::ExitCode::SUCCESS;
        }
        Some(tms_tui::cli::Command::Man) => {
            return match tms_tui::cli::man(&mut out) {
                // `tms man | head` closing the pipe early is no failure.
                Ok(()) => std::process::ExitCode::SUCCESS,
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                    std::process::ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("tms: cannot write the manual page: {e}");
                    std::process::ExitCode::FAILURE
                }
            };
        }
        _ => {}
    }
    drop(out);
    match tms_tui::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tms: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
