//! Taking over the terminal and giving it back — on exit, on error and on panic.

use crossterm::ExecutableCommand;
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use ratatui::DefaultTerminal;
use std::io::stdout;

/// Enters the alternate screen in raw mode. ratatui's `init` also installs a panic hook that
/// restores the terminal before the panic message is printed.
pub fn enter() -> DefaultTerminal {
    let terminal = ratatui::init();
    // Paste arrives as one event instead of a burst of keys; harmless where unsupported.
    let _ = stdout().execute(EnableBracketedPaste);
    terminal
}

/// Gives the terminal back to the shell.
pub fn leave() {
    let _ = stdout().execute(DisableBracketedPaste);
    ratatui::restore();
}

/// Restores the terminal when dropped, so an early return or `?` cannot leave it raw.
pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        leave();
    }
}
