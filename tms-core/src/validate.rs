//! Validated input types: parse, don't validate. A value of one of these types is known good,
//! so handlers and the client never re-check it.

use std::fmt;

/// Why one field of an input was refused. `field` is the JSON field name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {msg}")]
pub struct ValidationError {
    pub field: &'static str,
    pub msg: String,
    /// A machine-readable kind, e.g. `value_error.length`.
    pub kind: &'static str,
}

impl ValidationError {
    pub fn new(field: &'static str, kind: &'static str, msg: impl Into<String>) -> Self {
        Self {
            field,
            msg: msg.into(),
            kind,
        }
    }
}

pub const TITLE_MAX: usize = 200;
pub const TEXT_MAX: usize = 20_000;
pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 32;
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 128;
pub const EMAIL_MAX: usize = 254;

fn bad_control(s: &str, allow_newlines: bool) -> bool {
    s.chars()
        .any(|c| c.is_control() && !(allow_newlines && (c == '\n' || c == '\t')))
}

/// Characters that draw nothing: zero-width spaces and joiners, the word joiner, the byte-order
/// mark, the soft hyphen, invisible operators, variation selectors, tags and Hangul fillers. A
/// text made only of these (and whitespace) looks empty, so it counts as empty.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{2064}'
        | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}'
        | '\u{E0000}'..='\u{E007F}' | '\u{E0100}'..='\u{E01EF}')
}

/// Bidirectional embeddings and overrides (LRE, RLE, PDF, LRO, RLO): they reorder the text
/// that follows them, so a title can display as something other than what it says. Marks
/// and isolates, which mixed-direction text needs, are allowed.
fn is_bidi_override(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}')
}

fn check_len(field: &'static str, s: &str, min: usize, max: usize) -> Result<(), ValidationError> {
    let n = s.chars().count();
    let visible = n > 0 && s.chars().any(|c| !c.is_whitespace() && !is_invisible(c));
    if n < min || (min > 0 && !visible) {
        let msg = if min == 1 {
            "must not be empty".to_string()
        } else {
            format!("must be at least {min} characters")
        };
        return Err(ValidationError::new(field, "value_error.too_short", msg));
    }
    if n > max {
        return Err(ValidationError::new(
            field,
            "value_error.too_long",
            format!("must be at most {max} characters (got {n})"),
        ));
    }
    Ok(())
}

macro_rules! string_newtype {
    ($name:ident) => {
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_newtype!(TicketTitle);
string_newtype!(Body);
string_newtype!(Username);
string_newtype!(Email);
string_newtype!(Password);

impl TicketTitle {
    /// 1–200 characters after trimming, one line.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let t = raw.trim();
        check_len("title", t, 1, TITLE_MAX)?;
        if bad_control(t, false) {
            return Err(ValidationError::new(
                "title",
                "value_error.control_character",
                "must be one line without control characters",
            ));
        }
        if t.chars().any(is_bidi_override) {
            return Err(ValidationError::new(
                "title",
                "value_error.bidi_override",
                "must not contain bidirectional override characters (U+202A–U+202E)",
            ));
        }
        Ok(Self(t.to_string()))
    }
}

impl Body {
    /// A ticket description or comment text: 1–20,000 characters after trimming; newlines and
    /// tabs allowed (CRLF is stored as LF), other control characters refused. `field` names
    /// the field in errors.
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, ValidationError> {
        let normal = raw.replace("\r\n", "\n");
        let t = normal.trim();
        check_len(field, t, 1, TEXT_MAX)?;
        if bad_control(t, true) {
            return Err(ValidationError::new(
                field,
                "value_error.control_character",
                "must not contain control characters other than newline and tab",
            ));
        }
        Ok(Self(t.to_string()))
    }
}

impl Username {
    /// 3–32 characters of letters, digits, `_`, `.` and `-`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let t = raw.trim();
        check_len("username", t, USERNAME_MIN, USERNAME_MAX)?;
        if !t
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        {
            return Err(ValidationError::new(
                "username",
                "value_error.username",
                "may contain only letters, digits, '_', '.' and '-'",
            ));
        }
        Ok(Self(t.to_string()))
    }
}

impl Email {
    /// A syntactically valid address, trimmed and lower-cased, in ASCII: internationalised
    /// domains are written in their `xn--` form. Non-ASCII addresses are refused, so that no
    /// account can sign up under a lookalike (mixed-script) of another's address.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let t = raw.trim().to_lowercase();
        let invalid =
            || ValidationError::new("email", "value_error.email", "is not a valid email address");
        if t.is_empty() || t.chars().count() > EMAIL_MAX {
            return Err(invalid());
        }
        let (local, domain) = t.split_once('@').ok_or_else(invalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok {
            Ok(Self(t))
        } else {
            Err(invalid())
        }
    }
}

impl Password {
    /// 8–128 characters, no composition rules (NIST SP 800-63B), and not the account's own
    /// email or username. `field` names the field in errors.
    pub fn parse(
        field: &'static str,
        raw: &str,
        username: &str,
        email: &str,
    ) -> Result<Self, ValidationError> {
        check_len(field, raw, PASSWORD_MIN, PASSWORD_MAX)?;
        if raw.chars().any(char::is_control) {
            return Err(ValidationError::new(
                field,
                "value_error.control_character",
                "must not contain control characters",
            ));
        }
        let lower = raw.to_lowercase();
        if lower == username.to_lowercase() || lower == email.to_lowercase() {
            return Err(ValidationError::new(
                field,
                "value_error.password",
                "must not be the same as the username or email",
            ));
        }
        Ok(Self(raw.to_string()))
    }
}

/// Most tags one ticket may carry.
pub const TAGS_MAX: usize = 20;
/// Longest tag, in characters.
pub const TAG_LEN_MAX: usize = 32;

/// One tag: 1–32 characters of `a-z 0-9 - _`, starting with a letter or digit. Upper-case
/// letters are taken as their lower-case ones (`VPN` is the tag `vpn`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tag(String);

impl Tag {
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, ValidationError> {
        let t = raw.to_ascii_lowercase();
        let ok = (1..=TAG_LEN_MAX).contains(&t.len())
            && t.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && t.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if ok {
            Ok(Self(t))
        } else {
            Err(ValidationError::new(
                field,
                "value_error.tag",
                format!(
                    "{raw:?} is not a tag: 1 to {TAG_LEN_MAX} characters of a-z, 0-9, '-' and '_', starting with a letter or digit"
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A ticket's set of tags: each one valid, duplicates (after lower-casing) merged, sorted, at
/// most [`TAGS_MAX`].
pub fn tag_set(field: &'static str, raw: &[String]) -> Result<Vec<String>, ValidationError> {
    let mut tags = raw
        .iter()
        .map(|t| Tag::parse(field, t).map(Tag::into_inner))
        .collect::<Result<Vec<_>, _>>()?;
    tags.sort_unstable();
    tags.dedup();
    if tags.len() > TAGS_MAX {
        return Err(ValidationError::new(
            field,
            "value_error.too_many_tags",
            format!(
                "a ticket carries at most {TAGS_MAX} tags ({} given)",
                tags.len()
            ),
        ));
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("  Printer on fire  ", Some("Printer on fire"))]
    #[case("   ", None)]
    #[case("", None)]
    #[case("two\nlines", None)]
    #[case("bell\u{7}", None)]
    #[case("\u{200B}\u{200D}\u{FEFF}", None)]
    #[case(" \u{2060} \u{00AD} ", None)]
    #[case("invoice \u{202E}fdp.exe", None)]
    #[case(
        "Hebrew \u{2067}שלום\u{2069} ok",
        Some("Hebrew \u{2067}שלום\u{2069} ok")
    )]
    #[case("zero\u{200D}width inside", Some("zero\u{200D}width inside"))]
    fn titles(#[case] raw: &str, #[case] want: Option<&str>) {
        assert_eq!(
            TicketTitle::parse(raw)
                .ok()
                .as_ref()
                .map(TicketTitle::as_str),
            want
        );
    }

    #[test]
    fn title_length_counts_characters() {
        assert!(TicketTitle::parse(&"é".repeat(200)).is_ok());
        let e = TicketTitle::parse(&"x".repeat(201)).unwrap_err();
        assert_eq!(e.field, "title");
        assert_eq!(e.kind, "value_error.too_long");
    }

    #[test]
    fn bodies_keep_newlines_and_tabs() {
        let b = Body::parse("description", "line 1\r\n\tline 2\n").unwrap();
        assert_eq!(b.as_str(), "line 1\n\tline 2");
        assert!(Body::parse("description", "nul\0").is_err());
        assert!(Body::parse("description", &"x".repeat(20_001)).is_err());
        assert_eq!(
            Body::parse("description", " ").unwrap_err().field,
            "description"
        );
    }

    #[rstest]
    #[case("jane.doe", true)]
    #[case("J_D-1", true)]
    #[case("ab", false)]
    #[case("has space", false)]
    #[case("ünï", false)]
    fn usernames(#[case] raw: &str, #[case] ok: bool) {
        assert_eq!(Username::parse(raw).is_ok(), ok);
    }

    #[rstest]
    #[case(" Jane.Doe@Example.COM ", Some("jane.doe@example.com"))]
    #[case("a@b.co", Some("a@b.co"))]
    #[case("no-at.example.com", None)]
    #[case("a@localhost", None)]
    #[case("a@@b.com", None)]
    #[case("a b@c.com", None)]
    #[case(".a@b.com", None)]
    #[case("admin@ex\u{0430}mple.com", None)]
    #[case("p\u{0430}ypal@example.com", None)]
    #[case("user@xn--bcher-kva.example", Some("user@xn--bcher-kva.example"))]
    fn emails(#[case] raw: &str, #[case] want: Option<&str>) {
        assert_eq!(Email::parse(raw).ok().as_ref().map(Email::as_str), want);
    }

    #[test]
    fn passwords() {
        assert!(Password::parse("password", "Hello123.", "jane", "jane@x.io").is_ok());
        assert!(Password::parse("password", "short", "jane", "jane@x.io").is_err());
        assert!(Password::parse("password", "jane@x.io", "jane", "jane@x.io").is_err());
        assert!(Password::parse("password", "JaneDoe99", "janedoe99", "j@x.io").is_err());
        assert!(Password::parse("password", &"p".repeat(129), "jane", "j@x.io").is_err());
        assert!(Password::parse("password", &"\0".repeat(8), "jane", "j@x.io").is_err());
        assert!(Password::parse("password", "tab\there ok", "jane", "j@x.io").is_err());
        assert!(Password::parse("password", "correct horse ünïcode", "jane", "j@x.io").is_ok());
    }

    #[test]
    fn invisible_only_text_is_empty() {
        let e = Body::parse("description", "\u{200B}\n\u{200B}").unwrap_err();
        assert_eq!(e.kind, "value_error.too_short");
        assert!(Body::parse("description", "a\u{200B}").is_ok());
    }

    #[test]
    fn tags_are_lower_cased_checked_merged_and_counted() {
        assert_eq!(
            tag_set("tags", &["VPN".into(), "vpn".into(), "a-1_b".into()]).unwrap(),
            ["a-1_b", "vpn"]
        );
        for bad in ["", "-x", "_x", "a b", "é", "a.b", &"x".repeat(33)] {
            let e = Tag::parse("tags", bad).unwrap_err();
            assert_eq!(e.kind, "value_error.tag", "{bad:?}");
        }
        assert!(Tag::parse("tags", &"x".repeat(32)).is_ok());
        let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        assert_eq!(
            tag_set("tags", &many).unwrap_err().kind,
            "value_error.too_many_tags"
        );
        assert_eq!(tag_set("tags", &many[..20]).unwrap().len(), 20);
    }
}
