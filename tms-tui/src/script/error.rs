//! How a scripting command fails: one sentence on stderr and an exit status a script can test
//! (docs/CLI.md, "Exit status").

use crate::api::ApiError;
use std::process::ExitCode;

/// The documented exit statuses. 2 is also clap's own for a command line it cannot parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    Error = 1,
    Usage = 2,
    NotFound = 3,
    NotAllowed = 4,
    Conflict = 5,
    Unreachable = 6,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

/// Why a command did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum ScriptError {
    /// A command line clap accepts but that cannot be carried out as given.
    #[error("{0}")]
    Usage(String),
    /// No session is saved for the server in use.
    #[error("not logged in to {0}: run `tms login` first")]
    NotLoggedIn(String),
    /// The saved session was refused: it expired or was ended.
    #[error("the session saved for {0} has ended: run `tms login` again")]
    SessionEnded(String),
    /// Something named on the command line that the server does not have.
    #[error("{0}")]
    NotFound(String),
    /// The server could not be reached at all.
    #[error("cannot reach {server} ({why})")]
    Unreachable { server: String, why: String },
    /// The server refused or failed the request; its own sentence.
    #[error("{0}")]
    Api(ApiError),
    /// Anything else, as a sentence (a database that cannot be opened, a terminal to read
    /// from missing).
    #[error("{0}")]
    Other(String),
    /// Writing the output or reading the input failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

pub type Result<T> = std::result::Result<T, ScriptError>;

impl ScriptError {
    /// The exit status this failure is documented to give.
    pub fn exit(&self) -> Exit {
        match self {
            ScriptError::Usage(_) => Exit::Usage,
            ScriptError::NotLoggedIn(_) | ScriptError::SessionEnded(_) => Exit::NotAllowed,
            ScriptError::NotFound(_) => Exit::NotFound,
            ScriptError::Unreachable { .. } => Exit::Unreachable,
            ScriptError::Api(e) => api_exit(e),
            ScriptError::Other(_) => Exit::Error,
            ScriptError::Io(e) if is_broken_pipe(e) => Exit::Ok,
            ScriptError::Io(_) => Exit::Error,
        }
    }

    /// What to print on stderr: one sentence after `tms: `, or nothing for a reader that went
    /// away (`tms ticket list | head`), which is no failure.
    pub fn sentence(&self) -> Option<String> {
        match self {
            ScriptError::Io(e) if is_broken_pipe(e) => None,
            ScriptError::Api(ApiError::Stale(now)) => Some(format!(
                "ticket {} changed meanwhile (it is at version {} now); nothing was changed.",
                now.ticket.id, now.ticket.version
            )),
            other => Some(sentence(&other.to_string())),
        }
    }
}

/// An error reply of the server, sorted into the documented statuses. A validation failure
/// (422) is a plain error: the server's detail says what to fix.
fn api_exit(e: &ApiError) -> Exit {
    match e {
        ApiError::Unreachable(_) => Exit::Unreachable,
        ApiError::Stale(_) => Exit::Conflict,
        ApiError::Decode(_) => Exit::Error,
        ApiError::Status { status, .. } => match status {
            401 | 403 => Exit::NotAllowed,
            404 => Exit::NotFound,
            409 | 412 => Exit::Conflict,
            _ => Exit::Error,
        },
    }
}

fn is_broken_pipe(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::BrokenPipe
}

/// `text` as one sentence: on one line, ending in a full stop.
fn sentence(text: &str) -> String {
    let mut s = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if !s.ends_with(['.', '!', '?']) {
        s.push('.');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16, detail: &str) -> ScriptError {
        ScriptError::Api(ApiError::Status {
            status,
            detail: detail.into(),
            retry_after: None,
        })
    }

    #[test]
    fn statuses_map_to_the_documented_exits() {
        assert_eq!(status(404, "x").exit(), Exit::NotFound);
        assert_eq!(status(401, "x").exit(), Exit::NotAllowed);
        assert_eq!(status(403, "x").exit(), Exit::NotAllowed);
        assert_eq!(status(409, "x").exit(), Exit::Conflict);
        assert_eq!(status(412, "x").exit(), Exit::Conflict);
        assert_eq!(status(422, "x").exit(), Exit::Error);
        assert_eq!(status(429, "x").exit(), Exit::Error);
        assert_eq!(status(500, "x").exit(), Exit::Error);
        assert_eq!(
            ScriptError::Api(ApiError::Unreachable("refused".into())).exit(),
            Exit::Unreachable
        );
        assert_eq!(
            ScriptError::NotLoggedIn("x".into()).exit(),
            Exit::NotAllowed
        );
        assert_eq!(ScriptError::Usage("x".into()).exit(), Exit::Usage);
    }

    #[test]
    fn the_server_detail_is_one_sentence() {
        assert_eq!(
            status(404, "ticket id 99 doesn't exist")
                .sentence()
                .unwrap(),
            "ticket id 99 doesn't exist."
        );
        assert_eq!(
            status(422, "title: must not be\nempty").sentence().unwrap(),
            "title: must not be empty."
        );
        assert_eq!(status(403, "Done.").sentence().unwrap(), "Done.");
    }

    #[test]
    fn a_closed_pipe_is_quiet_success() {
        let e = ScriptError::Io(std::io::ErrorKind::BrokenPipe.into());
        assert_eq!(e.exit(), Exit::Ok);
        assert_eq!(e.sentence(), None);
    }
}
