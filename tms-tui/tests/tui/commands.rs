//! Who may run which `:` command: the command line, its completion list and the `?` help all
//! ask the gate, which asks tms-core's rules.

use crate::fixtures::*;
use tms_tui::app::command::{run, suggestions};
use tms_tui::theme::text;

const EVERY: [&str; 17] = [
    "mine",
    "unassigned",
    "open",
    "all",
    "new",
    "users",
    "log",
    "dash",
    "sla",
    "webhooks",
    "save-view",
    "delete-view",
    "away",
    "settings",
    "password",
    "logout",
    "quit",
];

#[test]
fn each_role_is_offered_and_may_run_exactly_what_the_rules_allow() {
    let requester = ["mine", "new", "settings", "password", "logout", "quit"];
    let agent = [
        "mine",
        "unassigned",
        "open",
        "all",
        "new",
        "dash",
        "save-view",
        "delete-view",
        "away",
        "settings",
        "password",
        "logout",
        "quit",
    ];
    for (who, allowed) in [
        (jane(), &requester[..]),
        (john(), &agent[..]),
        (admin(), &EVERY[..]),
    ] {
        let s = signed_in(who.clone());
        let offered: Vec<&str> = suggestions(&s, "").iter().map(|(n, _)| *n).collect();
        assert_eq!(offered, allowed, "offered to a {}", who.role);
        for name in EVERY {
            let mut s = signed_in(who.clone());
            run(&mut s, name);
            let refused = s
                .flash
                .as_ref()
                .is_some_and(|f| f.text == text::NOT_ALLOWED);
            assert_eq!(
                refused,
                !allowed.contains(&name),
                ":{name} as a {}",
                who.role
            );
        }
    }
}

#[test]
fn the_help_names_only_the_commands_the_user_may_run() {
    for (who, named, not_named) in [
        (jane(), ":42 :mine :new :quit", ":users"),
        (john(), ":42 :mine :new :dash :quit", ":log"),
        (jane(), ":42 :mine :new :quit", ":dash"),
        (
            admin(),
            ":42 :mine :new :users :log :dash :quit",
            ":unassigned",
        ),
    ] {
        let mut s = signed_in(who.clone());
        ch(&mut s, '?');
        let screen = crate::snapshots::render(&s, 100, 50);
        let line = screen
            .lines()
            .find(|l| l.contains("command line"))
            .unwrap_or_default();
        assert!(line.contains(named), "{} help: {line}", who.role);
        assert!(!line.contains(not_named), "{} help: {line}", who.role);
    }
}
