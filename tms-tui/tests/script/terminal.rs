//! On a real terminal (tmux): tables fitted to 80 columns with the header in bold (none under
//! NO_COLOR), a password typed without echo, and one login shared by the commands and the
//! terminal client both ways. Skipped, with a notice, where tmux is missing.

use crate::harness::{Env, PASSWORD};
use crate::tmux::{Tmux, have_tmux};
use unicode_width::UnicodeWidthStr;

const LONG_TITLE: &str =
    "The office printer on the third floor prints every page twice and then jams for good";

fn skip(what: &str) -> bool {
    if have_tmux() {
        return false;
    }
    println!("NOTICE: tmux is not installed; skipping {what}");
    true
}

#[test]
fn tables_fit_an_80_column_terminal() {
    if skip("the terminal table test") {
        return;
    }
    let env = Env::embedded();
    env.login("admin@example.com");
    env.run(&["ticket", "create", "--title", LONG_TITLE]).ok();

    let tui = Tmux::start_sized(
        "table",
        &env.shell_line("", "ticket list --limit 5"),
        80,
        24,
    );
    let screen = tui.wait_for("EXITED 0");
    let lines: Vec<&str> = screen
        .lines()
        .take_while(|l| !l.starts_with("EXITED"))
        .collect();
    assert!(lines[0].starts_with("ID  STATUS"), "{screen}");
    for line in &lines {
        assert!(line.width() <= 80, "{line:?} is wider than the terminal");
    }
    let row = lines
        .iter()
        .find(|l| l.contains("The office pr"))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(row.ends_with('…') && row.width() == 80, "{row:?}");
    assert!(
        screen.contains("Showing 5 of 12 tickets"),
        "a note of what --limit left out, after the table: {screen}"
    );
    assert!(
        tui.styled_screen().contains("\x1b[1mID  STATUS"),
        "a bold header"
    );

    let plain = Tmux::start_sized(
        "table-plain",
        &env.shell_line("NO_COLOR=1", "ticket list --limit 5"),
        80,
        24,
    );
    plain.wait_for("EXITED 0");
    let styled = plain.styled_screen();
    assert!(
        !styled.contains("\x1b[1m"),
        "nothing bold under NO_COLOR: {styled:?}"
    );
}

#[test]
fn a_password_is_typed_without_echo_and_the_login_serves_the_client() {
    if skip("the password prompt test") {
        return;
    }
    let env = Env::embedded();
    let login = Tmux::start_sized(
        "login",
        &env.shell_line("", "login --email admin@example.com"),
        200,
        24,
    );
    login.wait_for("Password:");
    login.type_text(PASSWORD);
    let screen = login.screen();
    assert!(!screen.contains(PASSWORD), "echoed: {screen}");
    login.keys(&["Enter"]);
    let screen = login.wait_for("EXITED 0");
    assert!(screen.contains("as Admin (SysAdmin)"), "{screen}");
    assert!(!screen.contains(PASSWORD), "{screen}");

    // The terminal client starts in that session, without a login screen.
    let tui = Tmux::start_sized("client", &env.shell_line("", ""), 100, 30);
    tui.wait_for("Admin · SysAdmin");
}

#[test]
fn a_login_in_the_client_serves_the_commands() {
    if skip("the shared session test") {
        return;
    }
    let env = Env::embedded();
    env.run(&["ticket", "list"]).fails(4);
    let tui = Tmux::start_sized("client-login", &env.shell_line("", ""), 100, 30);
    tui.wait_for("Log in to tms");
    tui.type_text("john.smith@example.com");
    tui.keys(&["Tab"]);
    tui.type_text(PASSWORD);
    tui.keys(&["Enter"]);
    tui.wait_for(" Pri ");
    tui.keys(&["C-c"]);
    tui.wait_for("EXITED 0");

    let mine = env.json(&["ticket", "list", "--assignee", "me", "--json"]);
    let mine = mine.as_array().unwrap();
    assert!(!mine.is_empty());
    assert!(
        mine.iter()
            .all(|t| t["assigned_agent"]["username"] == "John")
    );
}
