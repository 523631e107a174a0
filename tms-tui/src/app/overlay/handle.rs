//! Keys, replies and editor results for the open overlay.

use super::{
    Compose, ConfirmFor, DraftKey, Overlay, Pick, PickFor, Picker, Prompt, PromptFor, people,
};
use crate::api::ApiError;
use crate::app::keymap::{self, Cmd};
use crate::app::{EditorResult, Effect, Reply, Request, State, command, route};
use crate::screens::{Screen, move_cursor};
use crate::theme::text;
use crate::widgets::TextArea;
use crossterm::event::KeyEvent;
use tms_core::api::{CommentUpdate, NewCommentRequest, TicketQuery, TicketUpdate, UserUpdate};
use tms_core::validate::{Body, Password, TicketTitle, tag_set};

fn req(r: Request) -> Vec<Effect> {
    vec![Effect::Request(r)]
}

/// A key while an overlay is open.
pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(ctx) = state.overlay.as_ref().map(Overlay::ctx) else {
        return Vec::new();
    };
    let cmd = keymap::lookup(ctx, &key);
    if cmd == Some(Cmd::Quit) {
        return route::request_quit(state);
    }
    let Some(overlay) = state.overlay.take() else {
        return Vec::new();
    };
    match overlay {
        Overlay::Help { mut scroll } => {
            if cmd != Some(Cmd::Back) {
                move_cursor(&mut scroll, 200, cmd.unwrap_or(Cmd::Open));
                state.overlay = Some(Overlay::Help { scroll });
            }
            Vec::new()
        }
        Overlay::Command(line) => command::on_key(state, line, cmd, key),
        Overlay::Picker(p) => on_picker(state, p, cmd, key),
        Overlay::Confirm(c) => match cmd {
            Some(Cmd::Yes) if c.action == ConfirmFor::Quit => route::quit(state),
            Some(Cmd::Yes) if c.action == ConfirmFor::Discard => {
                route::apply(state, vec![crate::screens::Out::Back])
            }
            Some(Cmd::Yes) => req(match c.action {
                ConfirmFor::Quit | ConfirmFor::Discard => return Vec::new(),
                ConfirmFor::Override {
                    id,
                    assignee,
                    version,
                } => Request::UpdateTicket(
                    id,
                    TicketUpdate {
                        assigned_agent_id: Some(assignee),
                        ..Default::default()
                    },
                    Some(version),
                ),
                ConfirmFor::Bulk(change) => Request::Bulk(*change),
                ConfirmFor::Reapply {
                    id,
                    change,
                    version,
                } => Request::UpdateTicket(id, *change, Some(version)),
                ConfirmFor::DeleteTicket(id) => Request::DeleteTicket(id),
                ConfirmFor::DeleteComment {
                    ticket_id,
                    comment_id,
                } => Request::DeleteComment {
                    ticket_id,
                    comment_id,
                },
                ConfirmFor::DeactivateUser(id) => Request::DeleteUser(id),
                ConfirmFor::ClearLog => Request::ClearLogs,
                ConfirmFor::DeleteView(id) => Request::DeleteView(id),
                ConfirmFor::DeleteWebhook(id) => Request::DeleteWebhook(id),
            }),
            Some(Cmd::No) => Vec::new(),
            _ => {
                state.overlay = Some(Overlay::Confirm(c));
                Vec::new()
            }
        },
        Overlay::Prompt(p) => on_prompt(state, p, cmd, key),
        Overlay::Compose(c) => on_compose(state, c, cmd, key),
    }
}

fn on_picker(state: &mut State, mut p: Picker, cmd: Option<Cmd>, key: KeyEvent) -> Vec<Effect> {
    let mut fx = Vec::new();
    match cmd {
        Some(Cmd::Back) => return Vec::new(),
        Some(Cmd::Submit) => {
            return match p.items.get(p.selected) {
                Some((_, pick)) => {
                    let pick = *pick;
                    apply_pick(state, &p, pick)
                }
                None => Vec::new(),
            };
        }
        Some(Cmd::ChoicePrev) => {
            move_cursor(&mut p.selected, p.items.len(), Cmd::Up);
        }
        Some(Cmd::ChoiceNext) => {
            move_cursor(&mut p.selected, p.items.len(), Cmd::Down);
        }
        Some(c) if p.search.is_none() => {
            move_cursor(&mut p.selected, p.items.len(), c);
        }
        _ => {
            if p.search.as_mut().is_some_and(|s| s.handle(key)) {
                p.selected = 0;
                fx = people::on_typed(state, &mut p);
            }
        }
    }
    state.overlay = Some(Overlay::Picker(p));
    fx
}

fn update_ticket(state: &State, id: i64, update: TicketUpdate) -> Vec<Effect> {
    let version = super::super::gate::shown_version(state, id);
    req(Request::UpdateTicket(id, update, version))
}

/// Asks before one change goes to every ticket marked in the queue in front.
fn confirm_bulk(state: &mut State, changes: tms_core::api::BulkChanges) -> Vec<Effect> {
    let Screen::Queue(q) = &state.screen else {
        return Vec::new();
    };
    state.overlay = super::bulk_confirm(state, q.marked_ids(), changes);
    Vec::new()
}

/// Runs `f` on the queue in front and reloads it.
fn on_queue(state: &mut State, f: impl FnOnce(&mut crate::screens::QueueState)) -> Vec<Effect> {
    match &mut state.screen {
        Screen::Queue(q) => {
            f(q);
            q.page = 1;
            q.selected = 0;
            q.refresh().into_iter().map(Effect::Request).collect()
        }
        _ => Vec::new(),
    }
}

fn on_log(state: &mut State, f: impl FnOnce(&mut crate::screens::LogState)) -> Vec<Effect> {
    match &mut state.screen {
        Screen::Log(l) => {
            f(l);
            l.refilter().into_iter().map(Effect::Request).collect()
        }
        _ => Vec::new(),
    }
}

fn apply_pick(state: &mut State, picker: &Picker, pick: Pick) -> Vec<Effect> {
    match (picker.purpose, pick) {
        (PickFor::TicketStatus(id), Pick::Status(status @ Some(_))) => update_ticket(
            state,
            id,
            TicketUpdate {
                status,
                ..Default::default()
            },
        ),
        (PickFor::TicketPriority(id), Pick::Priority(priority @ Some(_))) => update_ticket(
            state,
            id,
            TicketUpdate {
                priority,
                ..Default::default()
            },
        ),
        (PickFor::Assign(id), Pick::Agent(assignee)) => req(Request::Recheck { id, assignee }),
        (PickFor::Bulk(_), pick) => {
            let mut changes = tms_core::api::BulkChanges::default();
            match pick {
                Pick::Status(s @ Some(_)) => changes.status = s,
                Pick::Priority(p @ Some(_)) => changes.priority = p,
                Pick::Agent(a) => changes.assigned_agent_id = Some(a),
                _ => return Vec::new(),
            }
            confirm_bulk(state, changes)
        }
        (PickFor::FilterStatus, Pick::Status(s)) => on_queue(state, |q| q.status = s),
        (PickFor::FilterPriority, Pick::Priority(p)) => on_queue(state, |q| q.priority = p),
        (PickFor::FilterSla, Pick::Sla(f)) => on_queue(state, |q| q.sla = f),
        (PickFor::Sort, Pick::Sort(k)) => on_queue(state, |q| q.sort = k),
        (PickFor::UserRole(id), Pick::Role(role)) => req(Request::UpdateUser(
            id,
            UserUpdate {
                role: Some(role),
                ..Default::default()
            },
        )),
        (PickFor::Requester, Pick::Requester(r)) => {
            let person = picker.people.iter().find(|p| Some(p.id) == r).cloned();
            if let Screen::NewTicket(form) = &mut state.screen {
                form.requester = person;
            }
            Vec::new()
        }
        (PickFor::SaveView, Pick::Shared(shared)) => {
            state.overlay = Some(super::view_name_prompt(shared));
            Vec::new()
        }
        (PickFor::LogType, Pick::Activity(a)) => on_log(state, |l| l.query.activity_type = a),
        (PickFor::LogUser, Pick::User(u)) => {
            let person = picker.people.iter().find(|p| Some(p.id) == u).cloned();
            on_log(state, |l| {
                l.query.user_id = u;
                if let Some(p) = person.filter(|p| !l.users.iter().any(|k| k.id == p.id)) {
                    l.users.push(p);
                }
            })
        }
        _ => Vec::new(),
    }
}

fn on_prompt(state: &mut State, mut p: Prompt, cmd: Option<Cmd>, key: KeyEvent) -> Vec<Effect> {
    let tags = takes_tags(&p.purpose);
    match cmd {
        Some(Cmd::Back) => return Vec::new(),
        _ if tags && key.code == crossterm::event::KeyCode::Tab => {
            if let Some(word) = p.suggestions.first() {
                let text = p.input.text();
                let keep = text.len() - tag_word(text).len();
                let done = format!("{}{word} ", &text[..keep]);
                p.input.set(&done);
            }
        }
        Some(Cmd::Submit) if !p.sending => match submit_prompt(state, &mut p) {
            Ok(fx) if !p.sending => return fx,
            Ok(fx) => {
                state.overlay = Some(Overlay::Prompt(p));
                return fx;
            }
            Err(msg) => p.error = Some(msg),
        },
        _ => {
            if p.input.handle(key) {
                p.error = None;
            }
        }
    }
    if tags {
        p.suggestions = tag_suggestions(state, p.input.text());
    }
    state.overlay = Some(Overlay::Prompt(p));
    Vec::new()
}

fn takes_tags(purpose: &PromptFor) -> bool {
    matches!(
        purpose,
        PromptFor::Tags { .. } | PromptFor::BulkTags(_) | PromptFor::FilterTags
    )
}

/// The tag being typed: the last word, without a `+` or `-` in front.
fn tag_word(text: &str) -> &str {
    let word = text.rsplit(char::is_whitespace).next().unwrap_or_default();
    word.trim_start_matches(['+', '-'])
}

/// The known tags that begin with the tag being typed, most used first (none before a
/// first letter, or once it is whole).
pub fn tag_suggestions(state: &State, text: &str) -> Vec<String> {
    let word = tag_word(text).to_ascii_lowercase();
    if word.is_empty() {
        return Vec::new();
    }
    state
        .tags
        .iter()
        .filter(|t| t.name.starts_with(&word) && t.name != word)
        .take(6)
        .map(|t| t.name.clone())
        .collect()
}

/// The tags typed: checked and ordered as the server will take them.
fn typed_tags(field: &'static str, words: &[&str]) -> Result<Vec<String>, String> {
    let words: Vec<String> = words.iter().map(ToString::to_string).collect();
    tag_set(field, &words).map_err(|e| e.msg)
}

/// A search string the server will take, checked by the very rule it applies (length, one line).
fn search_text(raw: &str) -> Result<Option<String>, String> {
    TicketQuery::from_pairs([("q", raw)])
        .map(|q| q.q)
        .map_err(|errs| errs.first().map_or_else(String::new, |e| e.msg.clone()))
}

/// The effects of a prompt's answer; `p.sending` set means "keep it open until the reply".
fn submit_prompt(state: &mut State, p: &mut Prompt) -> Result<Vec<Effect>, String> {
    let raw = p.input.text().trim().to_string();
    match &p.purpose {
        PromptFor::Search => {
            let search = search_text(&raw)?;
            Ok(on_queue(state, |q| q.search = search))
        }
        PromptFor::UserSearch => match &mut state.screen {
            Screen::Users(u) => {
                u.query.q = search_text(&raw)?;
                Ok(u.refresh().into_iter().map(Effect::Request).collect())
            }
            _ => Ok(Vec::new()),
        },
        PromptFor::LogTicket => {
            let id = match raw.trim_start_matches('#') {
                "" => None,
                n => Some(
                    n.parse::<i64>()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or("enter a ticket number")?,
                ),
            };
            Ok(on_log(state, |l| l.query.ticket_id = id))
        }
        PromptFor::Tags { id, version } => {
            let words: Vec<&str> = raw.split_whitespace().collect();
            let tags = typed_tags("tags", &words)?;
            p.sending = true;
            let change = TicketUpdate {
                tags: Some(tags),
                ..Default::default()
            };
            Ok(req(Request::UpdateTicket(*id, change, *version)))
        }
        PromptFor::BulkTags(ids) => {
            let (remove, add): (Vec<&str>, Vec<&str>) = raw
                .split_whitespace()
                .map(|w| w.strip_prefix('+').unwrap_or(w))
                .partition(|w| w.starts_with('-'));
            let remove: Vec<&str> = remove.iter().map(|w| &w[1..]).collect();
            let changes = tms_core::api::BulkChanges {
                add_tags: Some(typed_tags("add", &add)?).filter(|t| !t.is_empty()),
                remove_tags: Some(typed_tags("remove", &remove)?).filter(|t| !t.is_empty()),
                ..Default::default()
            };
            let confirm = super::bulk_confirm(state, ids.clone(), changes)
                .ok_or("type tags to add (vpn or +vpn) or to remove (-vpn)")?;
            state.overlay = Some(confirm);
            Ok(Vec::new())
        }
        PromptFor::FilterTags => {
            let words: Vec<&str> = raw.split_whitespace().collect();
            let tags = typed_tags("tag", &words)?;
            Ok(on_queue(state, |q| q.tags = tags))
        }
        PromptFor::Title { id, version } => {
            let title = TicketTitle::parse(&raw).map_err(|e| e.msg)?;
            p.sending = true;
            let change = TicketUpdate {
                title: Some(title.into_inner()),
                ..Default::default()
            };
            Ok(req(Request::UpdateTicket(*id, change, *version)))
        }
        PromptFor::ViewName { shared } => {
            let Screen::Queue(q) = &state.screen else {
                return Ok(Vec::new());
            };
            let request = q.new_view(&raw, *shared)?;
            p.sending = true;
            Ok(req(request))
        }
        PromptFor::Password {
            user_id,
            username,
            email,
        } => {
            let pw =
                Password::parse("password", p.input.text(), username, email).map_err(|e| e.msg)?;
            p.sending = true;
            let update = UserUpdate {
                password: Some(pw.into_inner()),
                ..Default::default()
            };
            Ok(req(Request::UpdateUser(*user_id, update)))
        }
    }
}

fn on_compose(state: &mut State, mut c: Compose, cmd: Option<Cmd>, key: KeyEvent) -> Vec<Effect> {
    let mut fx = Vec::new();
    match cmd {
        Some(Cmd::Back) => {
            let text = c.area.text();
            if c.area.is_blank() || text == c.original {
                state.drafts.remove(&c.key);
            } else {
                state.drafts.insert(c.key, text);
                state.info(text::DRAFT_KEPT);
            }
            return Vec::new();
        }
        Some(Cmd::ExternalEditor) => fx.push(Effect::OpenEditor(c.area.text())),
        Some(Cmd::Submit) if !c.sending => match compose_request(&c) {
            Ok(r) => {
                c.sending = true;
                c.error = None;
                state.drafts.insert(c.key, c.area.text());
                fx.push(Effect::Request(r));
            }
            Err(msg) => c.error = Some(msg),
        },
        _ => {
            if !c.sending && c.area.handle(key) {
                c.error = None;
            }
        }
    }
    state.overlay = Some(Overlay::Compose(c));
    fx
}

fn compose_request(c: &Compose) -> Result<Request, String> {
    let field = if matches!(c.key, DraftKey::Description(_)) {
        "description"
    } else {
        "comment"
    };
    let body = Body::parse(field, &c.area.text())
        .map_err(|e| e.msg)?
        .into_inner();
    Ok(match c.key {
        DraftKey::Comment(ticket_id) | DraftKey::Note(ticket_id) => {
            Request::CreateComment(NewCommentRequest {
                ticket_id,
                description: body,
                is_internal: matches!(c.key, DraftKey::Note(_)),
            })
        }
        DraftKey::EditComment {
            ticket_id,
            comment_id,
        } => Request::UpdateComment {
            ticket_id,
            comment_id,
            update: CommentUpdate {
                description: Some(body),
                ticket_id: None,
            },
        },
        DraftKey::Description(id) => Request::UpdateTicket(
            id,
            TicketUpdate {
                description: Some(body),
                ..Default::default()
            },
            c.version,
        ),
    })
}

/// The draft a request sends, if it sends one.
fn draft_of(request: &Request) -> Option<DraftKey> {
    match request {
        Request::CreateComment(c) if c.is_internal => Some(DraftKey::Note(c.ticket_id)),
        Request::CreateComment(c) => Some(DraftKey::Comment(c.ticket_id)),
        Request::UpdateComment {
            ticket_id,
            comment_id,
            ..
        } => Some(DraftKey::EditComment {
            ticket_id: *ticket_id,
            comment_id: *comment_id,
        }),
        Request::UpdateTicket(id, u, _) if u.description.is_some() => {
            Some(DraftKey::Description(*id))
        }
        _ => None,
    }
}

fn prompt_sent(p: &Prompt, request: &Request) -> bool {
    match (&p.purpose, request) {
        (PromptFor::Title { id, .. }, Request::UpdateTicket(rid, u, _)) => {
            id == rid && u.title.is_some()
        }
        (PromptFor::ViewName { .. }, Request::CreateView(_)) => true,
        (PromptFor::Tags { id, .. }, Request::UpdateTicket(rid, u, _)) => {
            id == rid && u.tags.is_some()
        }
        (PromptFor::Password { user_id, .. }, Request::UpdateUser(id, u)) => {
            user_id == id && u.password.is_some()
        }
        _ => false,
    }
}

/// A reply that may belong to the open composer or prompt. A sent text is forgotten only once
/// the server has it; on failure it stays in the editor (or in the drafts). Returns whether
/// the error, if any, has been shown.
pub fn on_sent(state: &mut State, request: &Request, result: &Result<Reply, ApiError>) -> bool {
    let key = draft_of(request);
    if result.is_ok()
        && let Some(k) = key
    {
        state.drafts.remove(&k);
    }
    let error = result.as_ref().err().map(ToString::to_string);
    match &mut state.overlay {
        Some(Overlay::Compose(c)) if Some(c.key) == key && c.sending => {
            c.sending = false;
            c.error.clone_from(&error);
        }
        Some(Overlay::Prompt(p)) if p.sending && prompt_sent(p, request) => {
            p.sending = false;
            p.error.clone_from(&error);
        }
        _ => return false,
    }
    if error.is_none() {
        state.overlay = None;
    }
    true
}

/// `$EDITOR` closed: its text goes back where it came from.
pub fn on_editor_done(state: &mut State, result: EditorResult) -> Vec<Effect> {
    match result {
        Ok(text) => {
            let text = text.trim_end_matches('\n');
            match (&mut state.overlay, &mut state.screen) {
                (Some(Overlay::Compose(c)), _) => c.area = TextArea::new(text),
                (None, Screen::NewTicket(n)) => n.set_description(text),
                _ => {}
            }
        }
        Err(e) => state.error(format!("The editor failed: {e}")),
    }
    Vec::new()
}
