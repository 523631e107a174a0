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
    Picker,
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
                | Ctx::Prompt
                | Ctx::Compose
                | Ctx::Command
        )
    }
}

/// What a key asks for; the screen in focus gives it meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cmd {
    Quit,
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
    GoTab(usize),
    Take,
    Assign,
    SetStatus,
    SetPriority,
    Comment,
    Refresh,
    Search,
    FilterStatus,
    FilterPriority,
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

const fn b(ctx: Ctx, keys: &'static [K], cmd: Cmd, help: &'static str, footer: bool) -> Binding {
    Binding {
        ctx,
        keys,
        cmd,
        help,
        footer,
    }
}

use Ctx as C;
use K::*;

const NAV: [(&[K], Cmd, &str); 6] = [
    (&[Up, Ch('k')], Cmd::Up, "up"),
    (&[Down, Ch('j')], Cmd::Down, "down"),
    (&[PageUp, Ctrl('u')], Cmd::PageUp, "page up"),
    (&[PageDown, Ctrl('d')], Cmd::PageDown, "page down"),
    (&[Home, Ch('g')], Cmd::Top, "first"),
    (&[End, Ch('G')], Cmd::Bottom, "last"),
];

/// Every binding. Earlier rows win; a context's own rows are searched before `Global`.
pub static BINDINGS: &[Binding] = &[
    b(C::Global, &[Ctrl('c')], Cmd::Quit, "quit tms", false),
    b(
        C::Global,
        &[Ch('?')],
        Cmd::Help,
        "keys of this screen",
        true,
    ),
    b(
        C::Global,
        &[Ch(':')],
        Cmd::CommandLine,
        "command line (:42 :mine :users :log :new :quit)",
        true,
    ),
    b(C::Global, &[Ch('q'), Esc], Cmd::Back, "back / quit", true),
    // Boot
    b(C::Boot, &[Ch('r')], Cmd::Refresh, "retry", true),
    // Login
    b(C::Login, &[Enter], Cmd::Submit, "log in", true),
    b(
        C::Login,
        &[Tab, BackTab],
        Cmd::NextField,
        "next field",
        true,
    ),
    b(
        C::Login,
        &[Up, Down],
        Cmd::ChoiceNext,
        "pick a demo account",
        true,
    ),
    b(C::Login, &[Esc], Cmd::Back, "quit", true),
    // Setup
    b(
        C::Setup,
        &[Enter],
        Cmd::Submit,
        "next field / create the admin",
        true,
    ),
    b(C::Setup, &[Tab, Down], Cmd::NextField, "next field", true),
    b(
        C::Setup,
        &[BackTab, Up],
        Cmd::PrevField,
        "previous field",
        false,
    ),
    b(C::Setup, &[Esc], Cmd::Back, "quit", true),
    // Queue
    b(C::Queue, &[Enter, Ch('l')], Cmd::Open, "open ticket", true),
    b(C::Queue, &[Tab, Right], Cmd::NextTab, "next tab", false),
    b(
        C::Queue,
        &[BackTab, Left],
        Cmd::PrevTab,
        "previous tab",
        false,
    ),
    b(C::Queue, &[Ch('1')], Cmd::GoTab(0), "tab Unassigned", false),
    b(C::Queue, &[Ch('2')], Cmd::GoTab(1), "tab Mine", false),
    b(C::Queue, &[Ch('3')], Cmd::GoTab(2), "tab All open", false),
    b(C::Queue, &[Ch('4')], Cmd::GoTab(3), "tab All", false),
    b(C::Queue, &[Ch('n')], Cmd::New, "new ticket", true),
    b(C::Queue, &[Ch('t')], Cmd::Take, "take (assign to me)", true),
    b(C::Queue, &[Ch('a')], Cmd::Assign, "assign to…", true),
    b(C::Queue, &[Ch('s')], Cmd::SetStatus, "set status", true),
    b(C::Queue, &[Ch('p')], Cmd::SetPriority, "set priority", true),
    b(C::Queue, &[Ch('c')], Cmd::Comment, "comment", true),
    b(C::Queue, &[Ch('/')], Cmd::Search, "full-text search", true),
    b(
        C::Queue,
        &[Ch('f')],
        Cmd::FilterStatus,
        "filter by status",
        false,
    ),
    b(
        C::Queue,
        &[Ch('F')],
        Cmd::FilterPriority,
        "filter by priority",
        false,
    ),
    b(C::Queue, &[Ch('o')], Cmd::Sort, "sort by…", false),
    b(
        C::Queue,
        &[Ch('x')],
        Cmd::ClearFilters,
        "clear filters and search",
        false,
    ),
    b(C::Queue, &[Ch(']')], Cmd::NextPage, "next page", false),
    b(C::Queue, &[Ch('[')], Cmd::PrevPage, "previous page", false),
    b(C::Queue, &[Ch('r')], Cmd::Refresh, "refresh", false),
    // Ticket
    b(C::Ticket, &[Ch('c')], Cmd::Comment, "add a comment", true),
    b(
        C::Ticket,
        &[Ch('e')],
        Cmd::Edit,
        "edit selected text inline",
        true,
    ),
    b(
        C::Ticket,
        &[Ch('E')],
        Cmd::EditExternal,
        "edit selected text in $EDITOR",
        false,
    ),
    b(C::Ticket, &[Ch('T')], Cmd::EditTitle, "edit title", false),
    b(
        C::Ticket,
        &[Ch('t')],
        Cmd::Take,
        "take (assign to me)",
        true,
    ),
    b(C::Ticket, &[Ch('a')], Cmd::Assign, "assign to…", true),
    b(C::Ticket, &[Ch('s')], Cmd::SetStatus, "set status", true),
    b(
        C::Ticket,
        &[Ch('p')],
        Cmd::SetPriority,
        "set priority",
        true,
    ),
    b(
        C::Ticket,
        &[Ch('d')],
        Cmd::Delete,
        "delete selected comment",
        false,
    ),
    b(
        C::Ticket,
        &[Ch('D')],
        Cmd::DeleteTicket,
        "delete ticket",
        false,
    ),
    b(
        C::Ticket,
        &[Ch(' ')],
        Cmd::PageDown,
        "scroll selected text",
        false,
    ),
    b(C::Ticket, &[Ch('r')], Cmd::Refresh, "refresh", false),
    // New ticket
    b(
        C::NewTicket,
        &[Ctrl('s')],
        Cmd::Submit,
        "file the ticket",
        true,
    ),
    b(C::NewTicket, &[Tab], Cmd::NextField, "next field", true),
    b(
        C::NewTicket,
        &[BackTab],
        Cmd::PrevField,
        "previous field",
        false,
    ),
    b(
        C::NewTicket,
        &[Left],
        Cmd::ChoicePrev,
        "lower priority (on Priority)",
        false,
    ),
    b(
        C::NewTicket,
        &[Right],
        Cmd::ChoiceNext,
        "higher priority (on Priority)",
        true,
    ),
    b(
        C::NewTicket,
        &[Ctrl('e')],
        Cmd::ExternalEditor,
        "description in $EDITOR",
        false,
    ),
    b(C::NewTicket, &[Esc], Cmd::Back, "cancel (draft kept)", true),
    // Users
    b(C::Users, &[Ch('n')], Cmd::New, "new user", true),
    b(C::Users, &[Ch('e'), Enter], Cmd::Edit, "edit user", true),
    b(C::Users, &[Ch('R')], Cmd::ChangeRole, "change role", true),
    b(
        C::Users,
        &[Ch('P')],
        Cmd::ResetPassword,
        "reset password",
        true,
    ),
    b(C::Users, &[Ch('d')], Cmd::Delete, "deactivate", true),
    b(C::Users, &[Ch('A')], Cmd::Reactivate, "reactivate", false),
    b(
        C::Users,
        &[Ch('i')],
        Cmd::ToggleInactive,
        "show / hide inactive",
        false,
    ),
    b(C::Users, &[Ch('/')], Cmd::Search, "search", false),
    b(C::Users, &[Ch('r')], Cmd::Refresh, "refresh", false),
    // User form
    b(C::UserForm, &[Ctrl('s')], Cmd::Submit, "save", true),
    b(
        C::UserForm,
        &[Enter],
        Cmd::Submit,
        "next field / save",
        false,
    ),
    b(
        C::UserForm,
        &[Tab, Down],
        Cmd::NextField,
        "next field",
        true,
    ),
    b(
        C::UserForm,
        &[BackTab, Up],
        Cmd::PrevField,
        "previous field",
        false,
    ),
    b(
        C::UserForm,
        &[Left],
        Cmd::ChoicePrev,
        "previous role (on Role)",
        false,
    ),
    b(
        C::UserForm,
        &[Right],
        Cmd::ChoiceNext,
        "next role (on Role)",
        true,
    ),
    b(C::UserForm, &[Esc], Cmd::Back, "cancel", true),
    // Activity log
    b(
        C::Log,
        &[Enter],
        Cmd::Open,
        "open the entry's ticket",
        false,
    ),
    b(C::Log, &[Ch('u')], Cmd::FilterUser, "filter by user", true),
    b(C::Log, &[Ch('y')], Cmd::FilterType, "filter by type", true),
    b(
        C::Log,
        &[Ch('#')],
        Cmd::FilterTicket,
        "filter by ticket",
        true,
    ),
    b(
        C::Log,
        &[Ch('x')],
        Cmd::ClearFilters,
        "clear filters",
        false,
    ),
    b(C::Log, &[Ch(']')], Cmd::NextPage, "older entries", true),
    b(C::Log, &[Ch('[')], Cmd::PrevPage, "newer entries", false),
    b(C::Log, &[Ch('C')], Cmd::ClearLog, "clear the log", false),
    b(C::Log, &[Ch('r')], Cmd::Refresh, "refresh", false),
    // Overlays
    b(C::Picker, &[Enter, Ch(' ')], Cmd::Submit, "choose", true),
    b(C::Picker, &[Esc, Ch('q')], Cmd::Back, "cancel", true),
    b(C::Confirm, &[Ch('y'), Ch('Y')], Cmd::Yes, "yes", true),
    b(
        C::Confirm,
        &[Ch('n'), Ch('N'), Esc, Ch('q')],
        Cmd::No,
        "no",
        true,
    ),
    b(C::Prompt, &[Enter], Cmd::Submit, "ok", true),
    b(C::Prompt, &[Esc], Cmd::Back, "cancel", true),
    b(C::Compose, &[Ctrl('s')], Cmd::Submit, "send", true),
    b(
        C::Compose,
        &[Ctrl('e')],
        Cmd::ExternalEditor,
        "open in $EDITOR",
        true,
    ),
    b(C::Compose, &[Esc], Cmd::Back, "close (draft kept)", true),
    b(C::Command, &[Enter], Cmd::Submit, "run", true),
    b(C::Command, &[Tab], Cmd::Complete, "complete", true),
    b(
        C::Command,
        &[Up],
        Cmd::ChoicePrev,
        "previous suggestion",
        false,
    ),
    b(
        C::Command,
        &[Down],
        Cmd::ChoiceNext,
        "next suggestion",
        false,
    ),
    b(C::Command, &[Esc], Cmd::Back, "cancel", true),
    b(
        C::Help,
        &[Esc, Ch('q'), Ch('?')],
        Cmd::Back,
        "close help",
        true,
    ),
];

/// Contexts that take the list navigation keys of [`NAV`].
const LISTS: [Ctx; 5] = [C::Queue, C::Ticket, C::Users, C::Log, C::Help];

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
        .find(|b| b.keys.iter().any(|k| k.matches(key)))
        .map(|b| b.cmd);
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
        assert_eq!(lookup(C::Queue, &key('q')), Some(Cmd::Back));
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
    fn help_rows_include_globals_once() {
        let rows = bindings_for(C::Queue);
        assert!(rows.iter().any(|b| b.cmd == Cmd::Help));
        assert_eq!(rows.iter().filter(|b| b.cmd == Cmd::Back).count(), 1);
        assert!(bindings_for(C::Compose).iter().all(|b| b.cmd != Cmd::Help));
    }
}
