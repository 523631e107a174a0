//! The one keymap: `(context, key) -> Cmd`. Key handling, the footer and the `?` overlay are
//! all read from [`BINDINGS`], so the hints can never drift from what the keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where the keyboard focus is; each screen or overlay has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ctx {
    /// Valid wherever no text is being typed.
    Global,
    Boot,
    Login,
    Setup,
    Queue,
    Ticket,
    NewTicket,
    Users,
    UserForm,
    Log,
    /// The dashboard.
    Dash,
    Password,
    /// The SLA policy form.
    SlaPolicy,
    Webhooks,
    WebhookForm,
    /// My settings.
    Settings,
    Picker,
    /// A picker of people that narrows as you type.
    Finder,
    Confirm,
    Prompt,
    Compose,
    Command,
    Help,
}

impl Ctx {
    /// Contexts where printable keys type text instead of running commands.
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Ctx::Login
                | Ctx::Setup
                | Ctx::NewTicket
                | Ctx::UserForm
                | Ctx::Password
                | Ctx::SlaPolicy
                | Ctx::WebhookForm
                | Ctx::Prompt
                | Ctx::Finder
                | Ctx::Compose
                | Ctx::Command
        )
    }
}

/// What a key asks for; the screen in focus gives it meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cmd {
    /// Ctrl-C: leave tms from anywhere (asking first if text is unsent).
    Quit,
    /// `q`: back, or on the home screen leave tms (asking first if text is unsent).
    Leave,
    Help,
    CommandLine,
    Back,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    NextTab,
    PrevTab,
    /// Tab `n`; a binding of several keys goes to tab `n` with its first, `n + 1` with its
    /// second, and so on.
    GoTab(usize),
    Take,
    Assign,
    SetStatus,
    SetPriority,
    Comment,
    /// Write an internal note (staff).
    Note,
    /// Edit the tags of a ticket, or add and remove tags on the marked ones (staff).
    Tags,
    /// Filter the queue by tags (staff).
    FilterTag,
    /// Show or hide the ticket's history.
    History,
    Refresh,
    Search,
    FilterStatus,
    FilterPriority,
    /// Filter the queue by SLA state (staff).
    FilterSla,
    Sort,
    NextPage,
    PrevPage,
    New,
    Edit,
    EditExternal,
    EditTitle,
    Delete,
    DeleteTicket,
    ChangeRole,
    ResetPassword,
    Reactivate,
    ToggleInactive,
    /// The next auto-assignment mode (off, round robin, least loaded).
    AssignmentMode,
    /// The selected agent away from auto-assignment, or back.
    ToggleAway,
    FilterUser,
    FilterType,
    FilterTicket,
    ClearFilters,
    ClearLog,
    NextField,
    PrevField,
    Submit,
    ExternalEditor,
    ChoicePrev,
    ChoiceNext,
    Yes,
    No,
    Complete,
    /// Send again the actions that found no server.
    Retry,
    /// Mark or unmark the highlighted row for a change of all marked rows.
    Mark,
    /// Mark every row from the last one marked to the highlighted one.
    MarkRange,
    /// Save the queue's tab, its filters and sort as a view (a tab of its own).
    SaveView,
    /// Delete the view whose tab is in front.
    DeleteView,
}

/// A key as written in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum K {
    Ch(char),
    Ctrl(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
}

impl K {
    pub fn matches(self, ev: &KeyEvent) -> bool {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let alt = ev.modifiers.contains(KeyModifiers::ALT);
        match (self, ev.code) {
            (K::Ch(c), KeyCode::Char(e)) => !ctrl && !alt && c == e,
            (K::Ctrl(c), KeyCode::Char(e)) => ctrl && c == e.to_ascii_lowercase(),
            (K::Enter, KeyCode::Enter) => !ctrl && !alt,
            (K::Esc, KeyCode::Esc) => true,
            (K::Tab, KeyCode::Tab) => !ev.modifiers.contains(KeyModifiers::SHIFT),
            (K::BackTab, KeyCode::BackTab) => true,
            (K::Up, KeyCode::Up) => true,
            (K::Down, KeyCode::Down) => true,
            (K::Left, KeyCode::Left) => true,
            (K::Right, KeyCode::Right) => true,
            (K::PageUp, KeyCode::PageUp) => true,
            (K::PageDown, KeyCode::PageDown) => true,
            (K::Home, KeyCode::Home) => true,
            (K::End, KeyCode::End) => true,
            _ => false,
        }
    }

    pub fn label(self) -> String {
        match self {
            K::Ch(' ') => "Space".into(),
            K::Ch(c) => c.to_string(),
            K::Ctrl(c) => format!("^{}", c.to_ascii_uppercase()),
            K::Enter => "Enter".into(),
            K::Esc => "Esc".into(),
            K::Tab => "Tab".into(),
            K::BackTab => "S-Tab".into(),
            K::Up => "↑".into(),
            K::Down => "↓".into(),
            K::Left => "←".into(),
            K::Right => "→".into(),
            K::PageUp => "PgUp".into(),
            K::PageDown => "PgDn".into(),
            K::Home => "Home".into(),
            K::End => "End".into(),
        }
    }
}

/// One row of the keymap.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub ctx: Ctx,
    pub keys: &'static [K],
    pub cmd: Cmd,
    pub help: &'static str,
    /// Shown in the footer (the most useful keys only).
    pub footer: bool,
}

mod table;

use Ctx as C;
use table::b;
pub use table::{BINDINGS, NAV};

/// Contexts that take the list navigation keys of [`NAV`].
const LISTS: [Ctx; 8] = [
    C::Queue,
    C::Ticket,
    C::Users,
    C::Log,
    C::Dash,
    C::Webhooks,
    C::Settings,
    C::Help,
];

/// Is this binding live in `ctx`? Text contexts and overlays get no `Global` rows but Ctrl-C.
fn in_scope(bind: &Binding, ctx: Ctx) -> bool {
    let overlay = matches!(ctx, C::Help | C::Picker | C::Confirm);
    bind.ctx == ctx
        || (bind.ctx == C::Global && (!(ctx.is_text() || overlay) || bind.cmd == Cmd::Quit))
}

/// The command a key runs in `ctx`, if any.
pub fn lookup(ctx: Ctx, key: &KeyEvent) -> Option<Cmd> {
    let own = BINDINGS
        .iter()
        .filter(|b| b.ctx == ctx)
        .chain(
            BINDINGS
                .iter()
                .filter(|b| b.ctx == C::Global && in_scope(b, ctx)),
        )
        .find_map(|b| {
            let i = b.keys.iter().position(|k| k.matches(key))?;
            Some(match b.cmd {
                Cmd::GoTab(n) => Cmd::GoTab(n + i),
                cmd => cmd,
            })
        });
    if own.is_some() {
        return own;
    }
    let list = LISTS.contains(&ctx) || ctx == C::Picker;
    NAV.iter()
        .filter(|_| list)
        .find(|(keys, _, _)| keys.iter().any(|k| k.matches(key)))
        .map(|(_, cmd, _)| *cmd)
}

/// The rows to show for `ctx`: its own, then the global ones, in table order.
pub fn bindings_for(ctx: Ctx) -> Vec<Binding> {
    let mut rows: Vec<Binding> = BINDINGS.iter().filter(|b| b.ctx == ctx).copied().collect();
    if LISTS.contains(&ctx) && ctx != C::Help {
        rows.extend(
            NAV.iter()
                .map(|(keys, cmd, help)| b(ctx, keys, *cmd, help, false)),
        );
    }
    let own: Vec<Cmd> = rows.iter().map(|b| b.cmd).collect();
    rows.extend(
        BINDINGS
            .iter()
            .filter(|b| b.ctx == C::Global && in_scope(b, ctx) && !own.contains(&b.cmd))
            .copied(),
    );
    rows
}

/// The binding that runs `cmd` in `ctx` (its own rows, the list keys, then the global ones).
fn binding(ctx: Ctx, cmd: Cmd) -> Option<Binding> {
    bindings_for(ctx)
        .into_iter()
        .find(|b| b.cmd == cmd)
        .or_else(|| {
            NAV.iter()
                .find(|(_, c, _)| *c == cmd)
                .map(|(keys, cmd, help)| b(ctx, keys, *cmd, help, false))
        })
}

/// How the keys that run `cmd` in `ctx` are written (`^S`, `Tab/↓`), for hints in sentences.
pub fn key_for(ctx: Ctx, cmd: Cmd) -> String {
    binding(ctx, cmd)
        .map(|b| keys_label(&b))
        .unwrap_or_default()
}

/// A hint line written from the table: `^S file the ticket · Tab next field · Esc cancel`.
pub fn hint(ctx: Ctx, cmds: &[Cmd]) -> String {
    cmds.iter()
        .filter_map(|c| binding(ctx, *c))
        .map(|b| format!("{} {}", keys_label(&b), short_help(b.help)))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The short form of a help text, for footers and hints: up to the first parenthesis.
pub fn short_help(help: &str) -> &str {
    help.split(" (").next().unwrap_or(help)
}

/// How a binding's keys are written in the footer and help: `q/Esc`.
pub fn keys_label(bind: &Binding) -> String {
    bind.keys
        .iter()
        .map(|k| k.label())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    #[test]
    fn screen_rows_win_over_global_ones() {
        assert_eq!(lookup(C::Queue, &key('t')), Some(Cmd::Take));
        assert_eq!(lookup(C::Queue, &key('q')), Some(Cmd::Leave));
        let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
        assert_eq!(lookup(C::Queue, &esc), Some(Cmd::Back));
        assert_eq!(
            lookup(C::Login, &esc),
            None,
            "Esc never quits from the login"
        );
        assert_eq!(lookup(C::Queue, &key('j')), Some(Cmd::Down));
        assert_eq!(lookup(C::Login, &key('q')), None, "q types into a field");
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(lookup(C::Compose, &ctrl_c), Some(Cmd::Quit));
    }

    #[test]
    fn no_key_is_bound_twice_in_one_context() {
        for ctx in [
            C::Queue,
            C::Ticket,
            C::Users,
            C::Log,
            C::Dash,
            C::SlaPolicy,
            C::Webhooks,
            C::WebhookForm,
            C::Settings,
            C::Login,
            C::NewTicket,
            C::Compose,
        ] {
            let rows: Vec<Binding> = BINDINGS.iter().filter(|b| b.ctx == ctx).copied().collect();
            for (i, a) in rows.iter().enumerate() {
                for other in &rows[i + 1..] {
                    for k in a.keys {
                        assert!(!other.keys.contains(k), "{ctx:?}: {k:?} bound twice");
                    }
                }
            }
        }
    }

    #[test]
    fn hints_are_written_from_the_table() {
        assert_eq!(
            hint(C::Compose, &[Cmd::Submit, Cmd::ExternalEditor, Cmd::Back]),
            "^S send · ^E open in $EDITOR · Esc close"
        );
        assert_eq!(
            hint(C::Confirm, &[Cmd::Yes, Cmd::No]),
            "y/Y yes · n/N/Esc/q no"
        );
        assert_eq!(key_for(C::Ticket, Cmd::Down), "↓/j", "list keys too");
        assert_eq!(key_for(C::Login, Cmd::Quit), "^C");
        for ctx in [C::Queue, C::Ticket, C::NewTicket, C::Compose, C::Login] {
            for bind in bindings_for(ctx) {
                for k in bind.keys {
                    let ev = match *k {
                        K::Ch(c) => KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
                        K::Ctrl(c) => KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL),
                        _ => continue,
                    };
                    let cmd = match bind.cmd {
                        Cmd::GoTab(n) => {
                            Cmd::GoTab(n + bind.keys.iter().position(|o| o == k).unwrap())
                        }
                        cmd => cmd,
                    };
                    assert_eq!(lookup(ctx, &ev), Some(cmd), "{ctx:?} {k:?}");
                }
            }
        }
    }

    #[test]
    fn help_rows_include_globals_once() {
        let rows = bindings_for(C::Queue);
        assert!(rows.iter().any(|b| b.cmd == Cmd::Help));
        assert_eq!(rows.iter().filter(|b| b.cmd == Cmd::Back).count(), 1);
        assert_eq!(rows.iter().filter(|b| b.cmd == Cmd::Leave).count(), 1);
        assert!(bindings_for(C::Compose).iter().all(|b| b.cmd != Cmd::Help));
    }
}
