//! Colours and user-visible wording in one place: a dark theme (default), a light one, and a
//! monochrome one used when `NO_COLOR` is set.

use ratatui::style::{Color, Modifier, Style};
use tms_core::{ActivityType, Priority, Role, Status};

/// Which palette to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ThemeName {
    #[default]
    Dark,
    Light,
    /// No colours at all (`NO_COLOR`): emphasis by bold, underline and reverse only.
    Plain,
}

impl std::str::FromStr for ThemeName {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "dark" => Ok(Self::Dark),
            "light" => Ok(Self::Light),
            "plain" | "none" | "mono" => Ok(Self::Plain),
            other => Err(format!("unknown theme {other:?} (dark, light, plain)")),
        }
    }
}

/// Every style the views use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub name: ThemeName,
    pub base: Style,
    pub header: Style,
    pub title: Style,
    pub muted: Style,
    pub border: Style,
    pub focus_border: Style,
    pub selected: Style,
    pub key: Style,
    pub tab_active: Style,
    pub tab: Style,
    pub error: Style,
    pub info: Style,
    pub banner: Style,
    pub input: Style,
    /// A row just changed by someone (also marked by a sign, for `NO_COLOR`).
    pub fresh: Style,
    accent: [Color; 6],
}

const fn fg(c: Color) -> Style {
    Style::new().fg(c)
}

impl Theme {
    /// The theme for `name`; `NO_COLOR` in the environment wins over any choice.
    pub fn pick(name: ThemeName, no_color: bool) -> Self {
        if no_color {
            return Self::plain();
        }
        match name {
            ThemeName::Dark => Self::dark(),
            ThemeName::Light => Self::light(),
            ThemeName::Plain => Self::plain(),
        }
    }

    pub fn dark() -> Self {
        Self {
            name: ThemeName::Dark,
            base: Style::new(),
            header: Style::new().fg(Color::Black).bg(Color::Cyan),
            title: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            muted: fg(Color::DarkGray),
            border: fg(Color::DarkGray),
            focus_border: fg(Color::Cyan),
            selected: Style::new()
                .bg(Color::Rgb(40, 60, 90))
                .add_modifier(Modifier::BOLD),
            key: fg(Color::Yellow).add_modifier(Modifier::BOLD),
            tab_active: Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
            tab: fg(Color::Gray),
            error: fg(Color::LightRed).add_modifier(Modifier::BOLD),
            info: fg(Color::LightGreen),
            banner: Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD),
            input: Style::new().fg(Color::White).bg(Color::Rgb(30, 30, 40)),
            fresh: fg(Color::LightGreen).add_modifier(Modifier::BOLD),
            accent: [
                Color::LightRed,
                Color::Yellow,
                Color::Green,
                Color::Cyan,
                Color::Magenta,
                Color::Blue,
            ],
        }
    }

    pub fn light() -> Self {
        Self {
            name: ThemeName::Light,
            base: Style::new(),
            header: Style::new().fg(Color::White).bg(Color::Blue),
            title: Style::new().fg(Color::Blue).add_modifier(Modifier::BOLD),
            // Greys dark enough to read on a light background (contrast 4.5:1 or more).
            muted: fg(Color::Rgb(90, 90, 90)),
            border: fg(Color::Rgb(110, 110, 110)),
            focus_border: fg(Color::Blue),
            selected: Style::new()
                .bg(Color::Rgb(200, 220, 250))
                .add_modifier(Modifier::BOLD),
            key: fg(Color::Magenta).add_modifier(Modifier::BOLD),
            tab_active: Style::new()
                .fg(Color::White)
                .bg(Color::Blue)
                .add_modifier(Modifier::BOLD),
            tab: fg(Color::Rgb(60, 60, 60)),
            error: fg(Color::Red).add_modifier(Modifier::BOLD),
            info: fg(Color::Rgb(0, 110, 0)),
            banner: Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD),
            input: Style::new().fg(Color::Black).bg(Color::Rgb(235, 235, 235)),
            fresh: fg(Color::Rgb(0, 110, 0)).add_modifier(Modifier::BOLD),
            accent: [
                Color::Red,
                Color::Rgb(170, 110, 0),
                Color::Green,
                Color::Blue,
                Color::Magenta,
                Color::Cyan,
            ],
        }
    }

    pub fn plain() -> Self {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        Self {
            name: ThemeName::Plain,
            base: Style::new(),
            header: Style::new().add_modifier(Modifier::REVERSED),
            title: bold,
            muted: Style::new(),
            border: Style::new(),
            focus_border: bold,
            selected: Style::new().add_modifier(Modifier::REVERSED),
            key: bold,
            tab_active: Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            tab: Style::new(),
            error: bold,
            info: Style::new(),
            banner: Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            input: Style::new().add_modifier(Modifier::UNDERLINED),
            fresh: bold,
            accent: [Color::Reset; 6],
        }
    }

    fn colour(&self, i: usize) -> Style {
        if self.name == ThemeName::Plain {
            Style::new()
        } else {
            fg(self.accent[i])
        }
    }

    pub fn priority(&self, p: Priority) -> Style {
        match p {
            Priority::High => self.colour(0).add_modifier(Modifier::BOLD),
            Priority::Medium => self.colour(1),
            Priority::Low => self.colour(3),
        }
    }

    pub fn status(&self, s: Status) -> Style {
        match s {
            Status::Open => self.colour(0),
            Status::InProgress => self.colour(1),
            Status::Waiting => self.colour(4),
            Status::Resolved => self.colour(2),
        }
    }

    /// An SLA state: breached as an error, at risk in the warning colour, the rest quiet
    /// (the words say the state without colour: `ui::sla`).
    pub fn sla(&self, s: tms_core::SlaState) -> Style {
        match s {
            tms_core::SlaState::Breached => self.error,
            tms_core::SlaState::AtRisk => self.colour(1).add_modifier(Modifier::BOLD),
            _ => self.muted,
        }
    }

    pub fn role(&self, r: Role) -> Style {
        match r {
            Role::Admin => self.colour(4).add_modifier(Modifier::BOLD),
            Role::Agent => self.colour(3),
            Role::Requester => Style::new(),
        }
    }

    pub fn activity(&self, a: ActivityType) -> Style {
        match a {
            ActivityType::Create => self.colour(2),
            ActivityType::Update => self.colour(1),
            ActivityType::Delete => self.colour(0),
            ActivityType::Auth => self.colour(4),
            ActivityType::Read => self.muted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// WCAG contrast of an RGB colour against white.
    fn contrast_on_white(c: Color) -> f64 {
        let Color::Rgb(r, g, b) = c else {
            panic!("{c:?} is not a fixed colour")
        };
        let lin = |v: u8| {
            let v = f64::from(v) / 255.0;
            if v <= 0.03928 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        let l = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
        1.05 / (l + 0.05)
    }

    #[test]
    fn light_theme_greys_are_readable_on_a_light_background() {
        let t = Theme::light();
        for (name, style) in [("muted", t.muted), ("border", t.border), ("tab", t.tab)] {
            let c = style.fg.unwrap();
            assert!(contrast_on_white(c) >= 4.5, "{name}: {c:?}");
        }
    }
}

/// Sentences the user reads, kept together so the wording stays consistent.
pub mod text {
    pub const APP: &str = "tms";
    pub const LOADING: &str = "Loading…";
    pub const SENDING: &str = "Sending…";
    pub const SESSION_ENDED: &str =
        "Your session has ended (expired or signed out elsewhere). Please log in again.";
    pub const WRONG_LOGIN: &str = "Wrong email or password.";
    pub const OFFLINE: &str = "Server unreachable";
    pub const NOT_ALLOWED: &str = "Your role cannot do that here.";
    pub const DRAFT_KEPT: &str = "Draft kept; open the same editor again to continue.";
    pub const NO_TICKETS: &str = "No tickets here.";
    pub const PASSWORD_CHANGED: &str = "Password changed; your other sessions have ended.";
    pub const WRONG_CURRENT_PASSWORD: &str = "The current password is wrong.";
    pub const SEARCH_TICKETS: &str = "Search tickets (words match as prefixes: pass → password)";
    /// The heading of the history's time column: times are shown in UTC, as everywhere.
    pub const HISTORY_WHEN: &str = "When (UTC)";
    /// A changed description, which the history never shows in full.
    pub const HISTORY_DESCRIPTION: &str = "the description";
    pub const NO_HISTORY: &str = "No changes recorded.";
    /// The event stream is up: what others change shows as it happens.
    pub const LIVE: &str = "● live";
    pub const RECONNECTING: &str = "○ reconnecting…";
    /// Before the number of a row just changed by someone.
    pub const FRESH_SIGN: &str = "•";

    /// The line above a ticket's history: how many changes (once known) and the key that
    /// hides it.
    pub fn history_summary(changes: Option<usize>, key: &str) -> String {
        match changes {
            Some(1) => format!("History · 1 change, oldest first · {key} hides"),
            Some(n) => format!("History · {n} changes, oldest first · {key} hides"),
            None => format!("History · {key} hides"),
        }
    }

    /// The "what" of a history entry, read after who made it: `alice commented`.
    pub fn history_what(kind: tms_core::HistoryKind) -> &'static str {
        use tms_core::HistoryKind as H;
        match kind {
            H::Created => "created",
            H::Title => "renamed",
            H::Description => "edited",
            H::Status => "status",
            H::Priority => "priority",
            H::Assignee => "assignee",
            H::Tags => "tags",
            H::Comment => "commented",
            H::InternalNote => "noted",
            H::ResolutionDate => "resolution",
        }
    }

    /// The message for a login refused with 429.
    pub fn locked_out(retry_after: Option<u64>) -> String {
        match retry_after {
            Some(s) => format!("Too many failed attempts. Try again in {s} s."),
            None => "Too many failed attempts. Try again later.".to_string(),
        }
    }

    /// The question before leaving with `n` unsent texts; `kept`: they are stored for next
    /// time (never in demo mode, whose helpdesk goes when tms quits).
    pub fn quit_with_drafts(n: usize, kept: bool) -> String {
        let (what, it, kept_as) = if n == 1 {
            ("1 unsent text".to_string(), "it", "it is kept as a draft")
        } else {
            (
                format!("{n} unsent texts"),
                "they",
                "they are kept as drafts",
            )
        };
        if kept {
            format!("You have {what}; {kept_as} for next time. Quit anyway?")
        } else {
            format!("You have {what}; the demo keeps no drafts, so {it} will be lost. Quit anyway?")
        }
    }

    /// The standing reminder of actions that found no server.
    pub fn unsent(n: usize, key: &str) -> String {
        let what = if n == 1 {
            "1 action was".to_string()
        } else {
            format!("{n} actions were")
        };
        format!("{what} not sent — {key} sends again")
    }

    pub fn unreachable(server: &str, why: &str) -> String {
        format!("Cannot reach the server at {server} ({why}).")
    }
}
