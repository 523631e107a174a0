//! The forms of output: tables that keep every character off a terminal, CSV that reads back
//! as written, and a closed pipe that is no failure.

use crate::harness::Env;
use std::io::Read;
use std::process::Stdio;

const LONG_TITLE: &str = "The office printer on the third floor prints every page twice, \
    then jams, then \"recovers\" and prints the whole queue again from the very beginning";

#[test]
fn csv_reads_back_with_a_header_and_quoting() {
    let env = Env::remote();
    env.login("admin@example.com");
    let id = env
        .run_with(&["ticket", "create", "--title", LONG_TITLE, "-"], "x")
        .ok();
    let id = id.trim();

    let out = env
        .run(&["ticket", "list", "--format", "csv", "--limit", "100"])
        .ok();
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "id",
            "title",
            "status",
            "priority",
            "requester_id",
            "requester",
            "assigned_agent_id",
            "assignee",
            "tags",
            "creation_date",
            "updated_at",
            "resolution_date",
            "version",
            "sla_state",
            "sla_next_due",
            "first_response_due",
            "resolution_due",
            "first_responded_at"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 12);
    let mine = rows.iter().find(|r| &r[0] == id).unwrap();
    assert_eq!(&mine[1], LONG_TITLE, "commas and quotes survive");
    assert_eq!(&mine[5], "Admin");
    assert_eq!(&mine[11], "", "not resolved");
    assert!(out.contains("\"\"recovers\"\""), "quotes doubled: {out}");
    // Filed just now, High by default Medium: its clocks run, the first response due first.
    assert_eq!(&mine[13], "ok", "{mine:?}");
    assert_eq!(
        &mine[14], &mine[15],
        "the next due time is the first response's"
    );
    assert_eq!(&mine[17], "", "not answered yet");
    // The SLA filter: the new ticket is among those ok now, and none is both ok and breached.
    let ok = env
        .run(&["ticket", "list", "--sla", "ok", "--format", "csv"])
        .ok();
    let ok: Vec<csv::StringRecord> = csv::Reader::from_reader(ok.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    assert!(ok.iter().any(|r| &r[0] == id));
    assert!(ok.iter().all(|r| &r[13] == "ok"), "{ok:?}");
    let laptop = rows.iter().find(|r| &r[1] == "Laptop Overheating").unwrap();
    assert_eq!(&laptop[8], "hardware laptop");
    assert_eq!(laptop[9].len(), "2026-11-29T06:12:01".len());

    let users = env.run(&["user", "list", "--format", "csv"]).ok();
    let mut reader = csv::Reader::from_reader(users.as_bytes());
    assert_eq!(
        reader.headers().unwrap(),
        vec![
            "id",
            "username",
            "email",
            "role",
            "is_active",
            "is_away",
            "created_at"
        ]
    );
    let emails: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[2].to_string())
        .collect();
    assert_eq!(emails.len(), 11);
    assert!(emails.contains(&"sophia.martinez@example.com".to_string()));

    let log = env.run(&["log", "--format", "csv", "--limit", "3"]).ok();
    let mut reader = csv::Reader::from_reader(log.as_bytes());
    let first = reader.records().next().unwrap().unwrap();
    assert_eq!(&first[6], format!("created ticket {id}"));
    assert_eq!(&first[5], id);
}

#[test]
fn a_table_off_a_terminal_keeps_every_character() {
    let env = Env::embedded();
    env.login("admin@example.com");
    env.run(&["ticket", "create", "--title", LONG_TITLE]).ok();
    let out = env.run(&["ticket", "list"]).ok();
    let mut lines = out.lines();
    let header = lines.next().unwrap();
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        [
            "ID",
            "STATUS",
            "PRIORITY",
            "REQUESTER",
            "ASSIGNEE",
            "UPDATED",
            "SLA",
            "TITLE"
        ]
    );
    assert!(out.contains(LONG_TITLE), "{out}");
    assert!(!out.contains('…') && !out.contains('\x1b'), "{out}");
    // Columns line up: every title starts where the header's does.
    let at = header.find("TITLE").unwrap();
    for line in lines {
        assert!(
            line[..at].ends_with("  ") && !line[at..].starts_with(' '),
            "{line}"
        );
    }
    // An empty list prints nothing to read as data.
    let none = env.run(&["ticket", "list", "--search", "nothingmatchesthis"]);
    assert_eq!(none.code, 0);
    assert_eq!(none.stdout, "");
    assert_eq!(none.stderr, "No tickets match.\n");
}

#[test]
fn a_reader_that_goes_away_is_no_failure() {
    let env = Env::remote();
    env.login("admin@example.com");
    for args in [
        &["ticket", "list", "--limit", "100"][..],
        &["log", "--json"],
    ] {
        let mut child = env
            .command()
            .args(env.target())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // As `| head -0` would: the reader is gone before anything is written.
        drop(child.stdout.take());
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}
