//! The documented exit statuses (docs/CLI.md, "Exit status"), each from a real failure.

use crate::harness::Env;

#[test]
fn usage_errors_exit_2() {
    let env = Env::remote();
    env.login("admin@example.com");
    for args in [
        &["ticket", "list", "--bogus"][..],
        &["ticket", "list", "--status", "closed"],
        &["ticket", "list", "--sort", "title"],
        &["ticket", "list", "--json", "--format", "csv"],
        &["ticket", "show", "abc"],
        &["ticket", "show", "0"],
        &["ticket", "update", "3"],
        &["ticket", "comment", "3"],
        &["user", "add", "--email", "x@example.com"],
    ] {
        let run = env.run(args);
        assert_eq!(run.code, 2, "{args:?}: {run:#?}");
        assert!(run.stdout.is_empty(), "{run:#?}");
        assert!(!run.stderr.is_empty(), "{run:#?}");
    }
    // No password on standard input.
    let said = env
        .run(&["login", "--email", "admin@example.com", "--password-stdin"])
        .fails(2);
    assert!(said.contains("standard input is empty"), "{said}");
    // A password asked for where there is no terminal to type it.
    let said = env
        .run(&[
            "user",
            "add",
            "--email",
            "x@example.com",
            "--username",
            "xx",
        ])
        .fails(2);
    assert!(said.contains("--password-stdin"), "{said}");
    // The demo server is new at every command: nothing to log in to for the next one.
    let demo = Env::nowhere();
    let run = demo
        .command()
        .args(["--demo", "ticket", "list"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2), "{run:?}");
}

#[test]
fn not_found_exits_3_with_the_server_s_sentence() {
    let env = Env::embedded();
    env.login("john.smith@example.com");
    let said = env.run(&["ticket", "show", "999"]).fails(3);
    assert_eq!(said, "tms: ticket id 999 doesn't exist.\n");
    env.run(&["ticket", "comment", "999", "-m", "hello"])
        .fails(3);
    env.run(&["ticket", "update", "999", "--status", "open"])
        .fails(3);
}

#[test]
fn not_allowed_exits_4() {
    let env = Env::remote();
    // Not logged in: nothing is asked of the server.
    env.run(&["ticket", "show", "1"]).fails(4);
    // A wrong password.
    let said = env
        .run_with(
            &["login", "--email", "admin@example.com", "--password-stdin"],
            "wrong-password\n",
        )
        .fails(4);
    assert!(said.contains("Incorrect email or password"), "{said}");
    assert!(env.sessions().get(&env.session_key()).is_none());
    // A role that may not.
    env.login("emily.white@example.com");
    let said = env.run(&["user", "list"]).fails(4);
    assert!(said.contains("SysAdmin"), "{said}");
    // A session the server no longer knows.
    env.sessions()
        .set(&env.session_key(), Some(&"0".repeat(64)))
        .unwrap();
    let said = env.run(&["ticket", "list"]).fails(4);
    assert!(
        said.contains("has ended") && said.contains("tms login"),
        "{said}"
    );
}

#[test]
fn conflicts_exit_5() {
    let env = Env::embedded();
    env.login("admin@example.com");
    let said = env
        .run_with(
            &[
                "user",
                "add",
                "--email",
                "john.smith@example.com",
                "--username",
                "johnny",
                "--password-stdin",
            ],
            "Secret-passw0rd\n",
        )
        .fails(5);
    assert!(said.starts_with("tms: "), "{said}");
    env.run(&[
        "ticket",
        "update",
        "1",
        "--status",
        "waiting",
        "--if-version",
        "99",
    ])
    .fails(5);
}

#[test]
fn invalid_input_exits_1_with_the_server_s_reason() {
    let env = Env::remote();
    env.login("jane.doe@example.com");
    let said = env.run(&["ticket", "create", "--title", " "]).fails(1);
    assert!(said.contains("title"), "{said}");
    let said = env
        .run(&["ticket", "list", "--search", "a b c d e f g h i"])
        .fails(1);
    assert!(said.contains("at most 8 words"), "{said}");
}

#[test]
fn an_unreachable_server_exits_6() {
    let env = Env::nowhere();
    let said = env
        .run_with(
            &["login", "--email", "admin@example.com", "--password-stdin"],
            "Hello123.\n",
        )
        .fails(6);
    assert!(
        said.contains("cannot reach http://127.0.0.1:") && said.contains("refused"),
        "{said}"
    );
    // With a session saved for it, as after the server went away.
    env.sessions()
        .set(&env.session_key(), Some(&"a".repeat(64)))
        .unwrap();
    env.run(&["ticket", "list"]).fails(6);
}
