//! Naming people on the command line: `me`, `none`, or an email (or username), looked up in
//! the staff directory (`GET /api/v1/users/`), as ids are what the API takes.

use super::Session;
use super::error::{Result, ScriptError};
use crate::api::DirectoryQuery;
use tms_core::api::DIRECTORY_MAX;

/// Whom a flag such as `--assignee` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    /// The logged-in user.
    Me,
    /// Nobody: unassigned.
    Nobody,
    /// An active user by email or username (ignoring case).
    Person(String),
}

/// clap's parser for `me|EMAIL|none`.
pub fn who(text: &str) -> std::result::Result<Who, String> {
    let t = text.trim();
    match t.to_ascii_lowercase().as_str() {
        "" => Err("expected me, none, or an email".into()),
        "me" => Ok(Who::Me),
        "none" => Ok(Who::Nobody),
        _ => Ok(Who::Person(t.to_string())),
    }
}

/// The id of the user `who` names; `None` for nobody.
pub async fn resolve(s: &Session, who: &Who) -> Result<Option<i64>> {
    match who {
        Who::Nobody => Ok(None),
        Who::Me => Ok(Some(s.client().me().await.map_err(|e| s.error(e))?.id)),
        Who::Person(name) => find(s, name).await.map(Some),
    }
}

async fn find(s: &Session, name: &str) -> Result<i64> {
    let q = DirectoryQuery {
        q: Some(name.to_string()),
        role: None,
        limit: Some(DIRECTORY_MAX),
    };
    let found = s.client().directory(&q).await.map_err(|e| s.error(e))?;
    found
        .iter()
        .find(|u| u.email.eq_ignore_ascii_case(name))
        .or_else(|| found.iter().find(|u| u.username.eq_ignore_ascii_case(name)))
        .map(|u| u.id)
        .ok_or_else(|| {
            ScriptError::NotFound(format!("no active user has the email or username {name}"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn me_none_and_people_are_told_apart() {
        assert_eq!(who("me"), Ok(Who::Me));
        assert_eq!(who("NONE"), Ok(Who::Nobody));
        assert_eq!(
            who(" ann@example.com "),
            Ok(Who::Person("ann@example.com".into()))
        );
        assert!(who(" ").is_err());
    }
}
