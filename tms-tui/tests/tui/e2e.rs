//! The real `tms` binary in tmux on an embedded demo server: an agent takes a ticket, changes
//! its status and comments; a requester files a ticket; the admin creates a user. Each result
//! is then checked through the HTTP API. Skipped, with a notice, where tmux is missing.

use crate::tmux::{Tmux, have_tmux};
use tms_core::api::{LoginRequest, TicketQuery, UserQuery};
use tms_core::{Role, Status};
use tms_tui::api::ApiClient;

/// The embedded server's address, read from the login screen.
pub fn server_url(screen: &str) -> String {
    let start = screen
        .find("http://127.0.0.1:")
        .expect("server address on screen");
    screen[start..]
        .chars()
        .take_while(|c| !matches!(c, ')' | ' ' | '\n'))
        .collect()
}

pub async fn client_as(base: &str, email: &str) -> ApiClient {
    let mut c = ApiClient::new(base).unwrap();
    let login = LoginRequest {
        email: email.into(),
        password: "Hello123.".into(),
    };
    let session = c.login(&login).await.unwrap();
    c.set_token(Some(session.reply.access_token));
    c
}

/// The id in the first row of the queue table.
pub fn first_ticket_id(screen: &str) -> i64 {
    let mut lines = screen
        .lines()
        .skip_while(|l| !(l.starts_with('#') && l.contains(" Pri ")));
    lines.next();
    let row = lines.next().expect("a ticket row");
    row.split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn agent_requester_and_admin_work_through_the_real_binary() {
    if !have_tmux() {
        println!("NOTICE: tmux is not installed; skipping the end-to-end test of the tms binary");
        return;
    }
    let config = tempfile::tempdir().unwrap();
    let tui = Tmux::demo("e2e", config.path());
    let base = server_url(&tui.wait_for("Log in to tms"));
    let rt = tokio::runtime::Runtime::new().unwrap();

    // An agent takes the first unassigned ticket, starts it, and comments.
    tui.login_demo(2, "Unassigned (");
    let id = first_ticket_id(&tui.wait_for(" Pri "));
    tui.keys(&["t"]);
    tui.wait_for(&format!("Ticket {id} assigned to you."));
    tui.keys(&["2"]);
    tui.wait_for("Mine (");
    tui.keys(&["Enter"]);
    tui.wait_for(&format!("Ticket #{id}"));
    tui.keys(&["s", "j", "Enter"]);
    tui.wait_for("In Progress ·");
    tui.keys(&["c"]);
    tui.type_text("Working on it from the terminal.");
    tui.keys(&["C-s"]);
    tui.wait_for("Comment added");
    rt.block_on(async {
        let john = client_as(&base, "john.smith@example.com").await;
        let me = john.me().await.unwrap();
        let t = john.get_ticket(id).await.unwrap();
        assert_eq!(t.ticket.assigned_agent_id, Some(me.id));
        assert_eq!(t.ticket.status, Status::InProgress);
        assert!(t.comments.iter().any(|c| c.comment.description
            == "Working on it from the terminal."
            && c.comment.commented_by_id == me.id));
    });

    // A requester files a ticket.
    tui.command("logout");
    tui.login_demo(5, "My tickets (");
    tui.keys(&["n"]);
    tui.wait_for("Description");
    tui.type_text("Scanner jammed on floor 3");
    tui.keys(&["Tab", "Right", "Tab"]);
    tui.type_text("Paper is stuck in the feeder.");
    tui.keys(&["C-s"]);
    tui.wait_for("filed.");
    rt.block_on(async {
        let jane = client_as(&base, "jane.doe@example.com").await;
        let me = jane.me().await.unwrap();
        let mine = jane.list_tickets(&TicketQuery::default()).await.unwrap();
        let t = mine
            .items
            .iter()
            .find(|t| t.ticket.title == "Scanner jammed on floor 3")
            .expect("filed");
        assert_eq!(t.ticket.requester_id, me.id);
        assert_eq!(t.ticket.priority, tms_core::Priority::High);
        assert_eq!(t.ticket.description, "Paper is stuck in the feeder.");
    });

    // The admin creates an agent.
    tui.command("logout");
    tui.login_demo(1, "Unassigned (");
    tui.command("users");
    tui.wait_for("active only");
    tui.keys(&["n"]);
    tui.wait_for("New user");
    tui.type_text("e2e.agent");
    tui.keys(&["Tab"]);
    tui.type_text("e2e.agent@example.com");
    tui.keys(&["Tab", "Right", "Tab"]);
    tui.type_text("long-enough-secret");
    tui.keys(&["C-s"]);
    tui.wait_for("User e2e.agent saved.");
    rt.block_on(async {
        let admin = client_as(&base, "admin@example.com").await;
        let q = UserQuery {
            q: Some("e2e.agent".into()),
            ..UserQuery::default()
        };
        let users = admin.list_users(&q).await.unwrap();
        assert_eq!(users.len(), 1, "{users:?}");
        assert_eq!(users[0].role, Role::Agent);
        assert_eq!(users[0].email, "e2e.agent@example.com");
    });
    tui.command("quit");
}
