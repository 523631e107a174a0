//! Behaviour of the settings screens: the SLA policy form, the webhooks with their deliveries,
//! the webhook form, and my own settings.

use crate::fixtures::*;
use crossterm::event::KeyCode;
use tms_core::api::{NewWebhook, NotificationSettings, User, WebhookEvent};
use tms_core::sla::SlaPolicy;
use tms_tui::app::overlay::Overlay;
use tms_tui::app::{self, Action, Alarm, Effect, Reply, Request};
use tms_tui::screens::Screen;
use tms_tui::screens::sla_policy::{FIRST_DAY, FIRST_TARGET, TIME_ZONE};
use tms_tui::screens::webhooks::PENDING_REREAD as REREAD;
use tms_tui::theme::text;

fn policy_form(s: &app::State) -> &tms_tui::screens::SlaPolicyState {
    match &s.screen {
        Screen::SlaPolicy(p) => p,
        other => panic!("not the SLA policy: {other:?}"),
    }
}

fn clear_and_type(s: &mut app::State, text: &str) {
    app::update(s, ctrl('u'));
    typing(s, text);
}

// ---- the SLA policy

#[test]
fn an_admin_edits_the_sla_policy_checked_before_it_is_sent() {
    let mut s = signed_in(admin());
    let fx = app::command::run(&mut s, "sla");
    assert_eq!(requests(&fx), vec![Request::SlaPolicy]);
    answer_all(&mut s, fx, &server);
    assert!(!policy_form(&s).is_changed());

    // Mars has no time zone; Wednesday's hours run backwards: nothing is sent, the cursor
    // goes to the first problem and each field says its own.
    press(&mut s, KeyCode::Tab);
    clear_and_type(&mut s, "Mars/Olympus");
    for _ in TIME_ZONE..FIRST_DAY + 2 {
        press(&mut s, KeyCode::Tab);
    }
    clear_and_type(&mut s, "17:00-09:00");
    assert!(policy_form(&s).is_changed());
    assert!(app::update(&mut s, ctrl('s')).is_empty());
    let form = policy_form(&s);
    assert_eq!(form.focus, TIME_ZONE);
    assert!(form.errors[&TIME_ZONE].contains("Mars/Olympus"));
    assert!(form.errors[&(FIRST_DAY + 2)].starts_with("wed:"));

    // Typing into a field clears its problem; a good policy goes out whole.
    clear_and_type(&mut s, "Europe/Berlin");
    assert!(!policy_form(&s).errors.contains_key(&TIME_ZONE));
    for _ in TIME_ZONE..FIRST_DAY + 2 {
        press(&mut s, KeyCode::Tab);
    }
    clear_and_type(&mut s, "09:00-12:00, 13:00-17:00");
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Tab);
    clear_and_type(&mut s, "10:00-16:00");
    press(&mut s, KeyCode::Tab);
    app::update(&mut s, ctrl('u'));
    press(&mut s, KeyCode::Tab);
    app::update(&mut s, ctrl('u'));
    press(&mut s, KeyCode::Tab);
    clear_and_type(&mut s, "2026-12-25 2026-12-26");
    press(&mut s, KeyCode::Tab);
    clear_and_type(&mut s, "30m");
    press(&mut s, KeyCode::Tab);
    clear_and_type(&mut s, "1h 30m");
    assert_eq!(policy_form(&s).focus, FIRST_TARGET + 1);
    let fx = app::update(&mut s, ctrl('s'));
    let Request::SetSlaPolicy(sent) = one(&fx) else {
        panic!("{fx:?}")
    };
    let mut want = SlaPolicy {
        time_zone: "Europe/Berlin".into(),
        holidays: vec!["2026-12-25".into(), "2026-12-26".into()],
        ..SlaPolicy::default()
    };
    let span = |a: &str, b: &str| [a.to_string(), b.to_string()];
    let hours = &mut want.business_hours;
    hours.insert(
        "wed".into(),
        vec![span("09:00", "12:00"), span("13:00", "17:00")],
    );
    hours.insert("fri".into(), vec![span("10:00", "16:00")]);
    hours.insert("sat".into(), Vec::new());
    hours.insert("sun".into(), Vec::new());
    let high = want.targets.get_mut(&tms_core::Priority::High).unwrap();
    high.first_response_minutes = 30;
    high.resolution_minutes = 90;
    assert_eq!(*sent, want);

    // A second Ctrl-S while it is on its way sends nothing more.
    assert!(app::update(&mut s, ctrl('s')).is_empty());
    reply(
        &mut s,
        Request::SetSlaPolicy(sent.clone()),
        Reply::SlaPolicy(sent.clone()),
    );
    assert_eq!(
        s.flash.as_ref().unwrap().text,
        "SLA policy saved: tickets filed from now on follow it."
    );
    assert!(!policy_form(&s).is_changed());
}

#[test]
fn the_servers_refusal_stays_on_the_form_and_unsaved_changes_are_asked_about() {
    let mut s = signed_in(admin());
    let fx = app::command::run(&mut s, "sla");
    answer_all(&mut s, fx, &server);
    // Space on Enabled turns SLA off; the server refuses (say, a policy it no longer takes).
    ch(&mut s, ' ');
    let fx = app::update(&mut s, ctrl('s'));
    let Request::SetSlaPolicy(sent) = one(&fx) else {
        panic!()
    };
    assert!(!sent.enabled);
    fail(
        &mut s,
        Request::SetSlaPolicy(sent),
        422,
        "targets: Low: targets are 1 to 525600 minutes",
    );
    let form = policy_form(&s);
    assert!(form.error.as_ref().unwrap().contains("Low"));
    assert!(s.flash.is_none(), "shown on the form, not flashed as well");
    assert!(form.is_changed(), "the edit is kept");

    // Esc with changes asks; n stays, y leaves without sending anything.
    press(&mut s, KeyCode::Esc);
    assert!(matches!(&s.overlay, Some(Overlay::Confirm(_))));
    ch(&mut s, 'n');
    assert!(matches!(s.screen, Screen::SlaPolicy(_)));
    press(&mut s, KeyCode::Esc);
    let fx = ch(&mut s, 'y');
    assert!(matches!(s.screen, Screen::Queue(_)));
    assert!(
        !requests(&fx)
            .iter()
            .any(|r| matches!(r, Request::SetSlaPolicy(_)))
    );

    // Unchanged, Esc just goes back.
    let fx = app::command::run(&mut s, "sla");
    answer_all(&mut s, fx, &server);
    press(&mut s, KeyCode::Esc);
    assert!(s.overlay.is_none());
    assert!(matches!(s.screen, Screen::Queue(_)));
}

#[test]
fn a_reread_keeps_unsaved_edits_and_a_bad_target_is_named_where_it_is() {
    let mut s = signed_in(admin());
    let fx = app::command::run(&mut s, "sla");
    answer_all(&mut s, fx, &server);
    press(&mut s, KeyCode::Tab);
    clear_and_type(&mut s, "Europe/Berlin");
    // The screen is read again (as when the connection comes back): the edit stays.
    let fx = app::update(
        &mut s,
        Action::Response {
            request: Request::Health,
            result: Err(tms_tui::api::ApiError::Unreachable("refused".into())),
        },
    );
    assert!(fx.is_empty());
    let health = tms_core::api::Health {
        status: "ok".into(),
        version: "1".into(),
        setup_required: false,
    };
    let fx = reply(&mut s, Request::Health, Reply::Health(health));
    assert!(requests(&fx).contains(&Request::SlaPolicy), "{fx:?}");
    answer_all(&mut s, fx, &server);
    assert_eq!(
        policy_form(&s).inputs[TIME_ZONE - 1].text(),
        "Europe/Berlin"
    );
    assert!(policy_form(&s).is_changed());
    // ^R reads the saved policy on purpose: the edit goes.
    let fx = app::update(&mut s, ctrl('r'));
    answer_all(&mut s, fx, &server);
    assert_eq!(policy_form(&s).inputs[TIME_ZONE - 1].text(), "UTC");

    // A resolution of 0 is named on the resolution, not on the first response.
    for _ in TIME_ZONE..FIRST_TARGET + 1 {
        press(&mut s, KeyCode::Tab);
    }
    clear_and_type(&mut s, "0");
    assert!(app::update(&mut s, ctrl('s')).is_empty());
    let form = policy_form(&s);
    assert_eq!(
        form.errors.keys().copied().collect::<Vec<_>>(),
        vec![FIRST_TARGET + 1]
    );
    assert_eq!(form.focus, FIRST_TARGET + 1);
    assert!(form.errors[&(FIRST_TARGET + 1)].starts_with("a target is 1 minute to"));
}

#[test]
fn only_sysadmins_reach_the_policy_and_the_webhooks() {
    for who in [john(), jane()] {
        for cmd in ["sla", "webhooks"] {
            let mut s = signed_in(who.clone());
            let fx = app::command::run(&mut s, cmd);
            assert!(fx.is_empty());
            assert_eq!(s.flash.as_ref().unwrap().text, text::NOT_ALLOWED);
            assert!(matches!(s.screen, Screen::Queue(_)));
        }
    }
}

// ---- webhooks

fn hooks(s: &app::State) -> &tms_tui::screens::WebhooksState {
    match &s.screen {
        Screen::Webhooks(w) => w,
        other => panic!("not the webhooks: {other:?}"),
    }
}

#[test]
fn the_deliveries_follow_the_highlighted_webhook_and_are_reread_while_pending() {
    let mut s = signed_in(admin());
    let fx = app::command::run(&mut s, "webhooks");
    assert_eq!(requests(&fx), vec![Request::Webhooks]);
    let fx = reply(&mut s, Request::Webhooks, Reply::Webhooks(webhooks()));
    assert_eq!(requests(&fx), vec![Request::Deliveries(1)]);
    // Webhook 1 has a pending delivery: a reread is asked for, once.
    let fx = reply(
        &mut s,
        Request::Deliveries(1),
        Reply::Deliveries(deliveries(1)),
    );
    assert_eq!(fx, vec![Effect::Wake(REREAD, Alarm::Deliveries(1))]);
    assert_eq!(hooks(&s).shown_deliveries().unwrap().len(), 3);

    // Down: webhook 2's deliveries are asked for; webhook 1's late answer is not shown.
    let fx = ch(&mut s, 'j');
    assert_eq!(requests(&fx), vec![Request::Deliveries(2)]);
    assert!(hooks(&s).shown_deliveries().is_none());
    reply(
        &mut s,
        Request::Deliveries(1),
        Reply::Deliveries(deliveries(1)),
    );
    assert!(hooks(&s).shown_deliveries().is_none());
    let fx = reply(
        &mut s,
        Request::Deliveries(2),
        Reply::Deliveries(Vec::new()),
    );
    assert!(fx.is_empty(), "a reread is already waiting");
    assert_eq!(hooks(&s).shown_deliveries(), Some(&[][..]));

    // Another screen's alarm does nothing here; the reread's own reads the highlighted
    // webhook's deliveries again.
    assert!(app::update(&mut s, Action::Wake(Alarm::Burst)).is_empty());
    let fx = app::update(&mut s, Action::Wake(Alarm::Deliveries(1)));
    assert_eq!(requests(&fx), vec![Request::Deliveries(2)]);
    let fx = reply(
        &mut s,
        Request::Deliveries(2),
        Reply::Deliveries(Vec::new()),
    );
    assert!(fx.is_empty(), "nothing pending: no more rereads");
    assert!(app::update(&mut s, Action::Wake(Alarm::Deliveries(1))).is_empty());

    // A failed read is shown in place of the deliveries.
    ch(&mut s, 'k');
    fail(&mut s, Request::Deliveries(1), 404, "No such webhook");
    assert_eq!(
        hooks(&s).deliveries_error.as_deref(),
        Some("No such webhook")
    );
    assert!(s.flash.is_none());
}

#[test]
fn one_reread_runs_at_a_time_and_one_ended_behind_another_screen_is_set_again() {
    let mut s = signed_in(admin());
    let fx = app::command::run(&mut s, "webhooks");
    let fx = answer_all(&mut s, fx, &server);
    answer_all(&mut s, fx, &server);
    let pending = || Reply::Deliveries(deliveries(1));
    // The first answer set reread 1; `r` reads again and sets reread 2.
    assert_eq!(hooks(&s).reread, Some(1));
    let fx = ch(&mut s, 'r');
    assert!(requests(&fx).contains(&Request::Deliveries(1)));
    let fx = reply(&mut s, Request::Deliveries(1), pending());
    assert_eq!(fx, vec![Effect::Wake(REREAD, Alarm::Deliveries(2))]);
    // Reread 1 ends late: ignored, so only one chain of rereads goes on.
    assert!(app::update(&mut s, Action::Wake(Alarm::Deliveries(1))).is_empty());
    let fx = app::update(&mut s, Action::Wake(Alarm::Deliveries(2)));
    assert_eq!(requests(&fx), vec![Request::Deliveries(1)]);
    let fx = reply(&mut s, Request::Deliveries(1), pending());
    assert_eq!(fx, vec![Effect::Wake(REREAD, Alarm::Deliveries(3))]);

    // Reread 3 ends while the form is in front: lost there, and set again on coming back.
    ch(&mut s, 'n');
    assert!(app::update(&mut s, Action::Wake(Alarm::Deliveries(3))).is_empty());
    let fx = press(&mut s, KeyCode::Esc);
    assert!(requests(&fx).contains(&Request::Deliveries(1)));
    let fx = reply(&mut s, Request::Deliveries(1), pending());
    assert_eq!(fx, vec![Effect::Wake(REREAD, Alarm::Deliveries(4))]);
}

#[test]
fn an_admin_deletes_a_webhook_after_confirming() {
    let mut s = signed_in(admin());
    let fx = app::command::run(&mut s, "webhooks");
    answer_all(&mut s, fx, &server);
    ch(&mut s, 'j');
    ch(&mut s, 'd');
    let Some(Overlay::Confirm(c)) = &s.overlay else {
        panic!()
    };
    assert!(c.message.contains("https://billing.example.com/tms"));
    let fx = ch(&mut s, 'y');
    assert_eq!(requests(&fx), vec![Request::DeleteWebhook(2)]);
    let fx = reply(
        &mut s,
        Request::DeleteWebhook(2),
        Reply::Webhook(webhooks()[1].clone()),
    );
    assert_eq!(
        s.flash.as_ref().unwrap().text,
        "Webhook 2 (https://billing.example.com/tms) deleted."
    );
    assert_eq!(hooks(&s).hooks.len(), 1);
    assert!(requests(&fx).contains(&Request::Webhooks));
}

#[test]
fn the_webhook_form_checks_then_sends_the_ticked_events() {
    let mut s = signed_in(admin());
    let fx = app::command::run(&mut s, "webhooks");
    answer_all(&mut s, fx, &server);
    ch(&mut s, 'n');
    let Screen::WebhookForm(form) = &s.screen else {
        panic!()
    };
    let secret = form.secret.text().to_string();
    assert_eq!(secret.len(), 32);
    // No URL: nothing is sent, the URL says why.
    assert!(app::update(&mut s, ctrl('s')).is_empty());
    let Screen::WebhookForm(form) = &s.screen else {
        panic!()
    };
    assert_eq!(
        form.errors[0].as_deref(),
        Some("give an http:// or https:// URL")
    );
    typing(&mut s, "https://hooks.example.com/tms");
    // Untick ticket.updated and comment.updated (Space on their rows).
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Tab);
    ch(&mut s, ' ');
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Down);
    ch(&mut s, ' ');
    let fx = app::update(&mut s, ctrl('s'));
    let want = NewWebhook {
        url: "https://hooks.example.com/tms".into(),
        events: [
            WebhookEvent::TicketCreated,
            WebhookEvent::TicketDeleted,
            WebhookEvent::CommentCreated,
            WebhookEvent::CommentDeleted,
        ]
        .iter()
        .map(|e| e.as_str().to_string())
        .collect(),
        secret,
    };
    assert_eq!(requests(&fx), vec![Request::CreateWebhook(want.clone())]);
    // The server's refusal stays on the form.
    fail(
        &mut s,
        Request::CreateWebhook(want.clone()),
        422,
        "url: 10.0.0.1 is a private address",
    );
    let Screen::WebhookForm(form) = &s.screen else {
        panic!()
    };
    assert!(form.error.as_ref().unwrap().contains("private address"));
    assert!(s.flash.is_none());
    // Esc while a save is on its way keeps the form, where its answer is shown.
    let fx = app::update(&mut s, ctrl('s'));
    assert_eq!(requests(&fx), vec![Request::CreateWebhook(want.clone())]);
    press(&mut s, KeyCode::Esc);
    assert!(matches!(s.screen, Screen::WebhookForm(_)));
    fail(
        &mut s,
        Request::CreateWebhook(want.clone()),
        409,
        "As many webhooks as a server keeps (20)",
    );
    // Saved: back to the list, read again.
    let fx = app::update(&mut s, ctrl('s'));
    assert_eq!(requests(&fx), vec![Request::CreateWebhook(want.clone())]);
    let fx = reply(
        &mut s,
        Request::CreateWebhook(want),
        Reply::Webhook(webhooks()[0].clone()),
    );
    assert!(matches!(s.screen, Screen::Webhooks(_)));
    assert!(requests(&fx).contains(&Request::Webhooks));
    assert_eq!(
        s.flash.as_ref().unwrap().text,
        "Webhook 1 saved; its secret is not shown again."
    );
}

// ---- my settings

#[test]
fn everyone_turns_their_email_off_and_staff_say_they_are_away() {
    let mut s = signed_in(jane());
    let fx = app::command::run(&mut s, "settings");
    assert_eq!(requests(&fx), vec![Request::Notifications]);
    answer_all(&mut s, fx, &server);
    let fx = press(&mut s, KeyCode::Enter);
    let off = NotificationSettings { email: false };
    assert_eq!(requests(&fx), vec![Request::SetNotifications(off)]);
    assert!(press(&mut s, KeyCode::Enter).is_empty(), "one at a time");
    reply(
        &mut s,
        Request::SetNotifications(off),
        Reply::Notifications(off),
    );
    assert_eq!(
        s.flash.as_ref().unwrap().text,
        "Email is off: you are sent no email about tickets."
    );
    // A requester has no away row: the cursor stays on email.
    ch(&mut s, 'j');
    let fx = ch(&mut s, ' ');
    assert_eq!(
        requests(&fx),
        vec![Request::SetNotifications(NotificationSettings {
            email: true
        })]
    );

    let mut s = signed_in(john());
    let fx = app::command::run(&mut s, "settings");
    answer_all(&mut s, fx, &server);
    ch(&mut s, 'j');
    let fx = press(&mut s, KeyCode::Enter);
    assert_eq!(requests(&fx), vec![Request::SetAway(true)]);
    reply(
        &mut s,
        Request::SetAway(true),
        Reply::Me(User {
            is_away: true,
            ..john()
        }),
    );
    assert!(s.user.as_ref().unwrap().is_away);
    let fx = press(&mut s, KeyCode::Enter);
    assert_eq!(requests(&fx), vec![Request::SetAway(false)]);
}

#[test]
fn a_failed_settings_read_is_shown_and_toggling_waits_for_it() {
    let mut s = signed_in(jane());
    let fx = app::command::run(&mut s, "settings");
    answer_all(&mut s, fx, &|_| None);
    fail(&mut s, Request::Notifications, 500, "database unavailable");
    let Screen::Settings(st) = &s.screen else {
        panic!()
    };
    assert_eq!(st.error.as_deref(), Some("database unavailable"));
    assert!(s.flash.is_none());
    let fx = press(&mut s, KeyCode::Enter);
    assert!(requests(&fx).is_empty());
    assert_eq!(
        s.flash.as_ref().unwrap().text,
        "Your settings are not loaded yet."
    );
    // r reads again.
    let fx = ch(&mut s, 'r');
    assert_eq!(requests(&fx), vec![Request::Notifications]);
}
