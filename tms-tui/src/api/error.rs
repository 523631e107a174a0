//! The one place where a non-2xx reply (or no reply at all) becomes a typed [`ApiError`].

use reqwest::StatusCode;
use tms_core::api::{ErrorBody, ValidationErrorBody};

/// Why a request did not give the expected answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// No HTTP answer: refused, timed out, DNS, TLS.
    #[error("cannot reach the server ({0})")]
    Unreachable(String),
    /// The server answered with an error status; `detail` is its sentence.
    #[error("{detail}")]
    Status {
        status: u16,
        detail: String,
        /// Seconds, from `Retry-After` on a 429.
        retry_after: Option<u64>,
    },
    /// 412: the ticket changed since the version a change was made against; the ticket as
    /// it is now.
    #[error("the ticket changed meanwhile")]
    Stale(Box<tms_core::api::TicketDetail>),
    /// A 2xx whose body was not what this client expects.
    #[error("unexpected reply from the server ({0})")]
    Decode(String),
}

impl ApiError {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            ApiError::Stale(_) => Some(412),
            _ => None,
        }
    }

    /// The session is gone (expired, revoked, user deactivated).
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }

    pub fn is_unreachable(&self) -> bool {
        matches!(self, ApiError::Unreachable(_))
    }

    /// A transport failure from reqwest.
    pub fn from_transport(e: &reqwest::Error) -> Self {
        if e.is_decode() {
            return ApiError::Decode(e.to_string());
        }
        let why = if e.is_timeout() {
            "timed out".to_string()
        } else if e.is_connect() {
            "connection refused".to_string()
        } else {
            let mut why = e.to_string();
            if let Some(url) = e.url() {
                why = why
                    .replace(&format!(" ({url})"), "")
                    .replace(url.as_str(), "");
            }
            why
        };
        ApiError::Unreachable(why)
    }
}

/// Turns a non-2xx reply into an [`ApiError`], reading the server's `detail`: a sentence, or
/// for a 422 a list of invalid fields, joined into one readable line.
pub fn from_status(status: StatusCode, retry_after: Option<u64>, body: &str) -> ApiError {
    if status == StatusCode::PRECONDITION_FAILED
        && let Ok(current) = serde_json::from_str::<tms_core::api::TicketDetail>(body)
    {
        return ApiError::Stale(Box::new(current));
    }
    let detail = if let Ok(b) = serde_json::from_str::<ErrorBody>(body) {
        b.detail
    } else if let Ok(v) = serde_json::from_str::<ValidationErrorBody>(body) {
        v.detail
            .iter()
            .map(|f| {
                // A bulk refusal names its ticket in the sentence already.
                if f.loc.get(1).is_some_and(|l| l == "ids") && f.loc.len() == 3 {
                    return f.msg.clone();
                }
                let field = f.loc.iter().rev().find(|l| *l != "body").cloned();
                match field {
                    Some(name) => format!("{name}: {}", f.msg),
                    None => f.msg.clone(),
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    } else {
        status
            .canonical_reason()
            .map_or_else(|| format!("HTTP {}", status.as_u16()), str::to_string)
    };
    ApiError::Status {
        status: status.as_u16(),
        detail,
        retry_after,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_detail_is_kept() {
        let e = from_status(
            StatusCode::FORBIDDEN,
            None,
            r#"{"detail":"Only a SysAdmin can do this"}"#,
        );
        assert_eq!(e.to_string(), "Only a SysAdmin can do this");
        assert_eq!(e.status(), Some(403));
    }

    #[test]
    fn validation_errors_are_joined() {
        let body = r#"{"detail":[{"loc":["body","title"],"msg":"must not be empty","type":"x"},
            {"loc":["body","description"],"msg":"too long","type":"y"}]}"#;
        let e = from_status(StatusCode::UNPROCESSABLE_ENTITY, None, body);
        assert_eq!(
            e.to_string(),
            "title: must not be empty; description: too long"
        );
    }

    #[test]
    fn non_json_falls_back_to_reason() {
        let e = from_status(StatusCode::BAD_GATEWAY, None, "<html>");
        assert_eq!(e.to_string(), "Bad Gateway");
        let e = from_status(StatusCode::TOO_MANY_REQUESTS, Some(30), "{}");
        assert_eq!(
            e,
            ApiError::Status {
                status: 429,
                detail: "Too Many Requests".into(),
                retry_after: Some(30)
            }
        );
    }
}
