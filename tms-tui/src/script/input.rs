//! What the scripting commands read besides their flags: wire values spelt loosely, text from
//! standard input (`-`), and passwords (from the terminal without echo, or from stdin).

use super::error::{Result, ScriptError};
use std::fmt::Display;
use std::io::{self, IsTerminal, Read};
use std::str::FromStr;
use tms_core::{ActivityType, Priority, Role, Status};

/// One of `all` by its wire string, ignoring case, spaces, `-` and `_`: `in-progress`,
/// `"In Progress"` and `in_progress` are all In Progress, as typing quotes in a shell is a
/// chore. The error names the values, as clap prints it.
fn wire_value<T: Copy + Display>(all: &[T], text: &str) -> std::result::Result<T, String> {
    let key = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let wanted = key(text);
    all.iter()
        .copied()
        .find(|v| key(&v.to_string()) == wanted)
        .ok_or_else(|| {
            let names: Vec<String> = all.iter().map(|v| format!("'{v}'")).collect();
            format!("expected one of {}", names.join(", "))
        })
}

pub fn status(text: &str) -> std::result::Result<Status, String> {
    wire_value(Status::ALL, text)
}

pub fn priority(text: &str) -> std::result::Result<Priority, String> {
    wire_value(Priority::ALL, text)
}

pub fn sla_state(text: &str) -> std::result::Result<tms_core::SlaState, String> {
    wire_value(tms_core::SlaState::ALL, text)
}

pub fn role(text: &str) -> std::result::Result<Role, String> {
    wire_value(Role::ALL, text)
}

pub fn activity(text: &str) -> std::result::Result<ActivityType, String> {
    wire_value(ActivityType::ALL, text)
}

/// A list sort as the API names it (`-priority`, `updated_at`), checked as the server would.
pub fn sort(text: &str) -> std::result::Result<tms_core::api::SortKey, String> {
    tms_core::api::SortKey::from_str(text).map_err(|e| e.msg)
}

/// `value` as given, or all of standard input when it is `-`.
pub fn text(value: &str) -> Result<String> {
    if value != "-" {
        return Ok(value.to_string());
    }
    let mut s = String::new();
    io::stdin().read_to_string(&mut s)?;
    Ok(s)
}

/// A password: the first line of standard input with `from_stdin`, else typed at the
/// terminal without echo (asked `confirm`ed twice for a new one).
pub fn password(from_stdin: bool, prompt: &str, confirm: bool) -> Result<String> {
    if from_stdin {
        let mut line = String::new();
        if io::stdin().read_line(&mut line)? == 0 {
            return Err(ScriptError::Usage(
                "--password-stdin: standard input is empty".into(),
            ));
        }
        return Ok(line.trim_end_matches(['\n', '\r']).to_string());
    }
    let first = typed(prompt)?;
    if confirm && typed("Again: ")? != first {
        return Err(ScriptError::Usage("the two passwords differ".into()));
    }
    Ok(first)
}

/// Reads a line from the terminal itself (not stdin, which may be a pipe) without echo.
fn typed(prompt: &str) -> Result<String> {
    // Run by a program, with neither stream on a terminal: asking the controlling terminal
    // (if there is one) would wait for a person who is not there.
    if !io::stderr().is_terminal() && !io::stdin().is_terminal() {
        return Err(no_terminal());
    }
    rpassword::prompt_password(prompt).map_err(|_| no_terminal())
}

fn no_terminal() -> ScriptError {
    ScriptError::Usage(
        "no terminal to read the password from: pass it with --password-stdin".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_are_read_loosely_but_only_as_themselves() {
        assert_eq!(status("in-progress"), Ok(Status::InProgress));
        assert_eq!(status("In Progress"), Ok(Status::InProgress));
        assert_eq!(status("WAITING"), Ok(Status::Waiting));
        assert_eq!(priority("high"), Ok(Priority::High));
        assert_eq!(role("helpdesk_agent"), Ok(Role::Agent));
        assert_eq!(role("sysadmin"), Ok(Role::Admin));
        assert_eq!(activity("auth"), Ok(ActivityType::Auth));
        let e = status("closed").unwrap_err();
        assert!(e.contains("'Open'") && e.contains("'In Progress'"), "{e}");
        assert!(priority("").is_err());
    }

    #[test]
    fn sorts_are_the_api_s() {
        assert_eq!(sort("-priority").unwrap().to_string(), "-priority");
        assert!(sort("title").is_err());
    }

    #[test]
    fn a_value_other_than_a_dash_is_the_text_itself() {
        assert_eq!(text("hello").unwrap(), "hello");
    }
}
