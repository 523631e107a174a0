//! One working session through every command, run against an embedded database and against
//! a remote server: the same commands, the same answers.

use crate::harness::Env;
use serde_json::Value;

#[test]
fn every_command_works_on_an_embedded_database() {
    work_through(&Env::embedded());
}

#[test]
fn every_command_works_against_a_remote_server() {
    let env = Env::remote();
    work_through(&env);
    json_is_the_server_s_own(&env);
}

fn work_through(env: &Env) {
    login_saves_the_session_the_client_uses(env);
    lists_filter_as_the_api(env);
    let id = create_reads_stdin_and_prints_the_number(env);
    comments_and_notes(env, id);
    updates_and_version_checks(env, id);
    users_are_listed_and_added(env);
    the_log_is_newest_first(env);
    a_requester_never_sees_an_internal_note(env);
    // The password `user add` read from stdin is the account's (without the line end).
    let said = env
        .run_with(
            &["login", "--email", "dana@example.com", "--password-stdin"],
            "Secret-passw0rd\n",
        )
        .ok();
    assert!(said.contains("as dana (Helpdesk Agent)"), "{said}");
}

fn login_saves_the_session_the_client_uses(env: &Env) {
    let said = env.run(&["ticket", "list"]).fails(4);
    assert!(
        said.contains("not logged in") && said.contains("tms login"),
        "{said}"
    );

    let said = env.login("admin@example.com");
    assert!(said.contains("as Admin (SysAdmin)"), "{said}");
    // Saved under the name the terminal client reads its session by, with the device token.
    let store = env.sessions();
    let key = env.session_key();
    let token = store.get(&key).expect("a session saved for the client");
    assert_eq!(token.len(), 64, "{token}");
    assert!(store.devices(&key).contains_key("admin@example.com"));
}

fn lists_filter_as_the_api(env: &Env) {
    let all = env.json(&["ticket", "list", "--json", "--limit", "100"]);
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 11, "the demo's tickets");
    for t in all {
        assert!(t["requester"]["email"].is_string(), "{t}");
        assert!(t["tags"].is_array(), "staff see tags: {t}");
    }

    let urgent = env.json(&[
        "ticket",
        "list",
        "--status",
        "open",
        "--priority",
        "HIGH",
        "--format",
        "json",
    ]);
    let urgent = urgent.as_array().unwrap();
    assert!(!urgent.is_empty());
    for t in urgent {
        assert_eq!(
            (t["status"].as_str(), t["priority"].as_str()),
            (Some("Open"), Some("High"))
        );
    }

    let mine = env.json(&["ticket", "list", "--json", "--assignee", "me"]);
    let mine = mine.as_array().unwrap();
    assert!(!mine.is_empty());
    assert!(
        mine.iter()
            .all(|t| t["assigned_agent"]["username"] == "Admin")
    );

    let johns = env.json(&[
        "ticket",
        "list",
        "--json",
        "--assignee",
        "john.smith@example.com",
    ]);
    assert!(
        johns
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["assigned_agent"]["username"] == "John")
    );
    let nobody = env.json(&["ticket", "list", "--json", "--assignee", "none"]);
    assert!(
        nobody
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["assigned_agent"].is_null())
    );

    let tagged = env.json(&["ticket", "list", "--json", "--tag", "hardware"]);
    let tagged = tagged.as_array().unwrap();
    assert_eq!(tagged.len(), 2);
    assert!(
        tagged
            .iter()
            .all(|t| t["tags"].as_array().unwrap().contains(&"hardware".into()))
    );

    let found = env.json(&["ticket", "list", "--json", "--search", "printer"]);
    assert!(
        found
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["title"] == "Printer Not Working")
    );

    let by_id = env.json(&["ticket", "list", "--json", "--sort", "id", "--limit", "3"]);
    let ids: Vec<i64> = by_id
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [1, 2, 3]);
    let newest_id = env.json(&["ticket", "list", "--json", "--sort", "-id", "--limit", "1"]);
    assert_eq!(newest_id[0]["id"], 11);
}

fn create_reads_stdin_and_prints_the_number(env: &Env) -> i64 {
    let out = env
        .run_with(
            &[
                "ticket",
                "create",
                "--title",
                "Scanner, \"jammed\"",
                "--priority",
                "high",
                "-",
            ],
            "The scanner jams.\nOn every page.\n",
        )
        .ok();
    assert!(
        out.ends_with('\n') && out.trim().chars().all(|c| c.is_ascii_digit()),
        "the number alone: {out:?}"
    );
    let id: i64 = out.trim().parse().unwrap();

    let t = env.json(&["ticket", "show", &id.to_string(), "--json"]);
    assert_eq!(t["id"], id);
    assert_eq!(t["title"], "Scanner, \"jammed\"");
    assert_eq!(t["priority"], "High");
    assert_eq!(t["status"], "Open");
    assert_eq!(t["description"], "The scanner jams.\nOn every page.");
    assert_eq!(t["requester"]["username"], "Admin");
    assert_eq!(t["comments"], Value::Array(vec![]));

    // `--description -` and --json: the new Ticket; without a description, the title.
    let created = env.json(&["ticket", "create", "--title", "Mouse", "--json"]);
    assert_eq!(created["description"], "Mouse");
    assert_eq!(created["priority"], "Medium");
    assert!(created["id"].as_i64().unwrap() > id);
    let piped = env.run_with(
        &[
            "ticket",
            "create",
            "--title",
            "Keyboard",
            "--description",
            "-",
            "--json",
        ],
        "Sticky keys\n",
    );
    let piped: Value = serde_json::from_str(&piped.ok()).unwrap();
    assert_eq!(piped["description"], "Sticky keys");

    let text = env.run(&["ticket", "show", &id.to_string()]).ok();
    assert!(
        text.starts_with(&format!("Ticket {id}: Scanner, \"jammed\"\n")),
        "{text}"
    );
    assert!(
        text.contains("Priority:  High\n")
            && text.contains("\nThe scanner jams.\nOn every page.\n"),
        "{text}"
    );
    id
}

fn comments_and_notes(env: &Env, id: i64) {
    let n = id.to_string();
    let said = env
        .run(&[
            "ticket",
            "comment",
            &n,
            "--internal",
            "-m",
            "Checked the rollers.",
        ])
        .ok();
    assert!(
        said.starts_with("Added internal note ") && said.ends_with(&format!(" to ticket {id}.\n")),
        "{said}"
    );
    let said = env
        .run_with(&["ticket", "comment", &n, "-"], "Please try again now.\n")
        .ok();
    assert!(said.starts_with("Added comment "), "{said}");
    let c = env.run_with(
        &["ticket", "comment", &n, "--message", "-", "--json"],
        "And once more.",
    );
    let c: Value = serde_json::from_str(&c.ok()).unwrap();
    assert_eq!(c["ticket_id"], id);
    assert_eq!(c["description"], "And once more.");
    assert_eq!(c["is_internal"], false);

    let t = env.json(&["ticket", "show", &n, "--json"]);
    let comments = t["comments"].as_array().unwrap();
    let texts: Vec<(&str, bool)> = comments
        .iter()
        .map(|c| {
            (
                c["description"].as_str().unwrap(),
                c["is_internal"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        texts,
        [
            ("Checked the rollers.", true),
            ("Please try again now.", false),
            ("And once more.", false)
        ]
    );
    assert_eq!(comments[0]["user"]["username"], "Admin");
    let text = env.run(&["ticket", "show", &n]).ok();
    assert!(
        text.contains("\n--- Internal note ") && text.contains("\nChecked the rollers.\n"),
        "{text}"
    );
}

fn updates_and_version_checks(env: &Env, id: i64) {
    let n = id.to_string();
    let t = env.json(&[
        "ticket",
        "update",
        &n,
        "--status",
        "in-progress",
        "--assign",
        "john.smith@example.com",
        "--json",
    ]);
    assert_eq!(t["status"], "In Progress");
    assert_eq!(t["assigned_agent"]["username"], "John");
    let version = t["version"].as_i64().unwrap();

    // Against an older version: nothing changes, status 5.
    let said = env
        .run(&[
            "ticket",
            "update",
            &n,
            "--priority",
            "low",
            "--if-version",
            &(version - 1).to_string(),
        ])
        .fails(5);
    assert!(
        said.contains(&format!("ticket {id} changed meanwhile")),
        "{said}"
    );
    assert_eq!(
        env.json(&["ticket", "show", &n, "--json"])["priority"],
        "High"
    );

    // Against the current one: done.
    let said = env
        .run(&[
            "ticket",
            "update",
            &n,
            "--priority",
            "low",
            "--assign",
            "me",
            "--if-version",
            &version.to_string(),
        ])
        .ok();
    assert_eq!(
        said,
        format!(
            "Ticket {id} is In Progress, Low priority, assigned to Admin (version {}).\n",
            version + 1
        )
    );
    let t = env.json(&[
        "ticket", "update", &n, "--assign", "none", "--status", "resolved", "--json",
    ]);
    assert!(
        t["assigned_agent"].is_null() && t["assigned_agent_id"].is_null(),
        "{t}"
    );
    assert!(t["resolution_date"].is_string(), "{t}");

    let said = env
        .run(&["ticket", "update", &n, "--assign", "nobody@example.com"])
        .fails(3);
    assert!(said.contains("nobody@example.com"), "{said}");
}

fn users_are_listed_and_added(env: &Env) {
    let users = env.json(&["user", "list", "--json"]);
    let users = users.as_array().unwrap();
    assert_eq!(users.len(), 11);
    assert_eq!(users[0]["email"], "admin@example.com");
    assert_eq!(users[0]["is_active"], true);

    let out = env
        .run_with(
            &[
                "user",
                "add",
                "--email",
                "dana@example.com",
                "--username",
                "dana",
                "--role",
                "helpdesk-agent",
                "--password-stdin",
            ],
            "Secret-passw0rd\n",
        )
        .ok();
    let id: i64 = out
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("the id alone: {out:?}"));
    let agents = env.json(&["user", "list", "--role", "Helpdesk Agent", "--json"]);
    let dana = agents
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == id)
        .expect("the new agent is listed");
    assert_eq!(dana["username"], "dana");
    assert_eq!(dana["role"], "Helpdesk Agent");

    let said = env
        .run_with(
            &[
                "user",
                "add",
                "--email",
                "DANA@example.com",
                "--username",
                "dana2",
                "--password-stdin",
            ],
            "Secret-passw0rd\n",
        )
        .fails(5);
    assert!(said.starts_with("tms: "), "{said}");
    let said = env
        .run_with(
            &[
                "user",
                "add",
                "--email",
                "eve@example.com",
                "--username",
                "eve",
                "--password-stdin",
            ],
            "short\n",
        )
        .fails(1);
    assert!(said.contains("password"), "the server's reason: {said}");
}

fn the_log_is_newest_first(env: &Env) {
    let log = env.json(&["log", "--limit", "5", "--json"]);
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 5);
    let ids: Vec<i64> = log.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    assert!(
        log[0]["details"]
            .as_str()
            .unwrap()
            .starts_with("created user"),
        "{log:?}"
    );
    assert_eq!(log[0]["user"]["username"], "Admin");

    // More than one page of the API (1000 at most a request) is read back by `before_id`.
    let whole = env.json(&["log", "--limit", "100000", "--json"]);
    let whole = whole.as_array().unwrap();
    assert!(whole.len() > 5);
    let mut ids: Vec<i64> = whole.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    ids.dedup();
    assert_eq!(ids.len(), whole.len(), "no entry twice");

    let auth = env.json(&["log", "--type", "auth", "--json"]);
    assert!(
        auth.as_array()
            .unwrap()
            .iter()
            .all(|e| e["activity_type"] == "Auth")
    );
}

fn a_requester_never_sees_an_internal_note(env: &Env) {
    // Jane's own ticket 2 gets a note and a reply from the admin.
    env.run(&[
        "ticket",
        "comment",
        "2",
        "--internal",
        "-m",
        "Jane's account looks odd.",
    ])
    .ok();
    env.run(&["ticket", "comment", "2", "-m", "We are on it."])
        .ok();

    let said = env.login("jane.doe@example.com");
    assert!(said.contains("as Jane (Requester)"), "{said}");
    let t = env.json(&["ticket", "show", "2", "--json"]);
    let comments = t["comments"].as_array().unwrap();
    assert!(comments.iter().any(|c| c["description"] == "We are on it."));
    assert!(comments.iter().all(|c| c["is_internal"] == false), "{t}");
    let text = env.run(&["ticket", "show", "2"]).ok();
    assert!(
        !text.contains("looks odd") && !text.contains("Internal note"),
        "{text}"
    );
    assert!(text.contains("We are on it."), "{text}");

    // Only her own tickets, without tags; others' are not found; admin commands not allowed.
    let mine = env.json(&["ticket", "list", "--json"]);
    let mine = mine.as_array().unwrap();
    assert!(!mine.is_empty());
    for t in mine {
        assert_eq!(t["requester"]["username"], "Jane");
        assert!(t.get("tags").is_none(), "no tags for a requester: {t}");
    }
    env.run(&["ticket", "show", "3"]).fails(3);
    env.run(&["user", "list"]).fails(4);
    env.run(&["log"]).fails(4);
    env.run(&["ticket", "comment", "2", "--internal", "-m", "x"])
        .fails(4);
}

/// `--json` prints the server's objects as it sent them: the bytes of the API's own reply.
fn json_is_the_server_s_own(env: &Env) {
    let base = env.base_url().unwrap();
    let token = env.sessions().get(&env.session_key()).unwrap();
    let get = |path: &str| -> String {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            reqwest::Client::new()
                .get(format!("{base}{path}"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        })
    };
    let body = get("/api/v1/tickets/2");
    let out = env.run(&["ticket", "show", "2", "--json"]).ok();
    assert_eq!(out, format!("{body}\n"));

    #[derive(serde::Deserialize)]
    struct Page<'a> {
        #[serde(borrow)]
        items: &'a serde_json::value::RawValue,
    }
    let body = get("/api/v1/tickets/?size=100");
    let page: Page = serde_json::from_str(&body).unwrap();
    let out = env
        .run(&["ticket", "list", "--json", "--limit", "100"])
        .ok();
    assert_eq!(out, format!("{}\n", page.items.get()));
}

/// `--limit` beyond the API's largest page (100) is reached by following the pages' cursors:
/// every ticket once, in the list's order.
#[test]
fn pages_are_followed_up_to_the_limit() {
    let env = Env::remote();
    env.login("admin@example.com");
    let base = env.base_url().unwrap().to_string();
    let token = env.sessions().get(&env.session_key()).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut client = tms_tui::api::ApiClient::new(&base).unwrap();
        client.set_token(Some(token));
        for i in 0..110 {
            let body = tms_core::api::NewTicketRequest {
                title: format!("Batch ticket {i}"),
                description: "Filed in bulk.".into(),
                priority: None,
                status: None,
                requester_id: None,
                assigned_agent_id: None,
                tags: None,
            };
            client.create_ticket(&body).await.unwrap();
        }
    });
    let ids = |limit: &str| -> Vec<i64> {
        let list = env.json(&[
            "ticket", "list", "--json", "--sort", "-id", "--limit", limit,
        ]);
        list.as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(ids("105"), (17..=121).rev().collect::<Vec<_>>());
    assert_eq!(ids("1000"), (1..=121).rev().collect::<Vec<_>>());
    let csv = env
        .run(&["ticket", "list", "--format", "csv", "--limit", "250"])
        .ok();
    assert_eq!(csv.lines().count(), 1 + 121);
}
