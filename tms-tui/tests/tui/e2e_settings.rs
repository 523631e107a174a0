//! The settings screens through the real `tms` binary on an embedded demo server: the admin
//! sets the SLA policy, registers a webhook and sees its delivery, deletes it; a requester
//! turns their email off. Each result is checked through the HTTP API.

use crate::e2e::{client_as, server_url};
use crate::tmux::{Tmux, have_tmux};
use tms_core::api::{NewCommentRequest, WebhookEvent};

#[test]
fn the_admin_sets_the_sla_policy_and_a_webhook_and_a_requester_turns_email_off() {
    if !have_tmux() {
        println!("NOTICE: tmux is not installed; skipping the settings end-to-end test");
        return;
    }
    let config = tempfile::tempdir().unwrap();
    let tui = Tmux::demo("settings", config.path());
    let base = server_url(&tui.wait_for("Log in to tms"));
    let rt = tokio::runtime::Runtime::new().unwrap();
    tui.login_demo(1, " Pri ");

    // The SLA policy: Berlin time, Sundays closed, a holiday; a typo is refused in place.
    tui.command("sla");
    tui.wait_for("SLA policy ·");
    tui.keys(&["Tab", "C-u"]);
    tui.type_text("Europe/Berlinn");
    tui.keys(&["C-s"]);
    tui.wait_for("is not a time zone of the IANA database");
    tui.keys(&["BSpace"]);
    for _ in 0..7 {
        tui.keys(&["Tab"]);
    }
    tui.keys(&["C-u", "Tab"]);
    tui.type_text("2026-12-25");
    tui.keys(&["C-s"]);
    tui.wait_for("SLA policy saved: tickets filed from now on follow it.");
    let admin = rt.block_on(client_as(&base, "admin@example.com"));
    let policy = rt.block_on(admin.sla_policy()).unwrap();
    assert_eq!(policy.time_zone, "Europe/Berlin");
    assert_eq!(policy.holidays, vec!["2026-12-25".to_string()]);
    assert_eq!(policy.business_hours["sun"], Vec::<[String; 2]>::new());
    assert_eq!(policy.business_hours["mon"].len(), 1);

    // A webhook for comments only; a comment then shows up as its delivery.
    tui.keys(&["Escape"]);
    tui.command("webhooks");
    tui.wait_for("No webhooks yet");
    tui.keys(&["n"]);
    tui.wait_for("Space ticks or unticks");
    tui.type_text("https://hooks.example.com/tms");
    tui.keys(&["Tab", "Space", "Down", "Space", "Down", "Space"]);
    tui.keys(&["Down", "Down", "Down", "Down", "C-u"]);
    tui.type_text("a-secret-of-our-own");
    tui.keys(&["C-s"]);
    tui.wait_for("saved; its secret is not shown again.");
    let hooks = rt.block_on(admin.webhooks()).unwrap();
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    assert_eq!(hooks[0].url, "https://hooks.example.com/tms");
    assert_eq!(
        hooks[0].events,
        vec![
            WebhookEvent::CommentCreated,
            WebhookEvent::CommentUpdated,
            WebhookEvent::CommentDeleted
        ]
    );
    tui.wait_for("Nothing sent yet");
    let comment = NewCommentRequest {
        ticket_id: 3,
        description: "Seen from the webhook test.".into(),
        is_internal: false,
    };
    rt.block_on(admin.create_comment(&comment)).unwrap();
    tui.keys(&["r"]);
    let screen = tui.wait_for("comment.created");
    assert!(screen.contains("#3"), "{screen}");
    let deliveries = rt
        .block_on(admin.webhook_deliveries(hooks[0].id, 20))
        .unwrap();
    assert_eq!(deliveries.len(), 1);
    tui.keys(&["d"]);
    tui.wait_for("Delete webhook 1 (https://hooks.example.com/tms)?");
    tui.keys(&["y"]);
    tui.wait_for("No webhooks yet");
    assert!(rt.block_on(admin.webhooks()).unwrap().is_empty());

    // A requester turns email off.
    tui.command("logout");
    tui.login_demo(5, "My tickets");
    tui.command("settings");
    tui.wait_for("Email about my tickets    on");
    tui.keys(&["Enter"]);
    tui.wait_for("Email is off: you are sent no email about tickets.");
    let jane = rt.block_on(client_as(&base, "jane.doe@example.com"));
    assert!(!rt.block_on(jane.notification_settings()).unwrap().email);
    assert!(
        rt.block_on(admin.notification_settings()).unwrap().email,
        "the admin's own choice is untouched"
    );
}
