//! `tms completions SHELL` and `tms man`, generated from the clap definitions, from the real
//! binary: they print without a server, a database or a session.

use std::process::Command;

fn tms(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tms"))
        .args(args)
        // Nowhere to find a configuration, a session or a server: none is needed.
        .env("TMS_CONFIG_DIR", dir.path())
        .env("HOME", dir.path())
        .env_remove("TMS_SERVER")
        .output()
        .unwrap();
    assert!(out.status.success(), "tms {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn completions_cover_every_subcommand_and_flag_in_each_shell() {
    let bash = tms(&["completions", "bash"]);
    for word in [
        "logout",
        "completions",
        "man",
        "login",
        "ticket",
        "--password-stdin",
        "--if-version",
        "--format",
        "--server",
        "--demo",
        "--db",
        "--theme",
    ] {
        assert!(bash.contains(word), "bash completion lacks {word}");
    }
    assert!(bash.contains("complete -F"), "a bash completion function");
    let zsh = tms(&["completions", "zsh"]);
    assert!(
        zsh.starts_with("#compdef tms"),
        "{}",
        &zsh[..40.min(zsh.len())]
    );
    assert!(zsh.contains("--server"));
    let fish = tms(&["completions", "fish"]);
    assert!(fish.contains("complete -c tms"));
    assert!(fish.contains("-l demo"));

    // An unknown shell is a usage error (2) naming the choices.
    let out = Command::new(env!("CARGO_BIN_EXE_tms"))
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bash") && err.contains("zsh"), "{err}");
}

#[test]
fn the_manual_page_is_roff_with_every_option() {
    let page = tms(&["man"]);
    assert!(page.starts_with(".ie"), "{}", &page[..60.min(page.len())]);
    assert!(page.contains(".TH tms 1"), "a section 1 title");
    assert!(page.contains(".SH NAME") && page.contains(".SH SYNOPSIS"));
    for flag in ["\\-\\-server", "\\-\\-demo", "\\-\\-db", "\\-\\-theme"] {
        assert!(page.contains(flag), "the page lacks {flag}");
    }
    for sub in [
        "logout",
        "completions",
        "man",
        "tms\\-login",
        "tms\\-ticket",
        "tms\\-user",
        "tms\\-log(1)",
    ] {
        assert!(page.contains(sub), "the page lacks {sub}");
    }
    assert!(
        page.contains("Exit status of login, ticket, user and log"),
        "the scripting commands' exit statuses"
    );
    lint_with_groff(&page);
}

/// Formats the page as `man` would (groff, UTF-8 through preconv) with every warning on: none
/// may come. Skipped with a notice where groff is not installed.
fn lint_with_groff(page: &str) {
    use std::io::Write;
    let Ok(mut groff) = Command::new("groff")
        .args(["-k", "-man", "-ww", "-z"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    else {
        println!("NOTICE: groff is not installed; the manual page is not linted");
        return;
    };
    groff
        .stdin
        .take()
        .unwrap()
        .write_all(page.as_bytes())
        .unwrap();
    let out = groff.wait_with_output().unwrap();
    let warnings = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && warnings.is_empty(), "{warnings}");
}
