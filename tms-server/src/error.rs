//! `AppError`: every way a request can fail, and the one place that maps each to a status
//! code and a JSON body. 5xx causes are logged here, once, and never sent to the client.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tms_core::api::{ErrorBody, FieldError, ValidationErrorBody};
use tms_core::{Denied, ValidationError};

use crate::service::ServiceError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the body is not what the route reads (malformed JSON, wrong content type).
    #[error("{0}")]
    BadRequest(String),
    /// 401: no, invalid or expired credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// 403
    #[error("{0}")]
    Forbidden(String),
    /// 404
    #[error("{0}")]
    NotFound(String),
    /// 409
    #[error("{0}")]
    Conflict(String),
    /// 412 with the ticket as it is now (and a `detail`).
    #[error("{}", STALE)]
    Stale(Box<tms_core::api::TicketDetail>),
    /// 413
    #[error("request body is larger than the 1 MiB limit")]
    PayloadTooLarge,
    /// 408: the request did not complete within the server's time limit.
    #[error("the request took longer than the server's time limit")]
    Timeout,
    /// 414
    #[error("the query string is longer than the 8 KiB limit")]
    QueryTooLong,
    /// 431
    #[error("the request headers are larger than the 16 KiB limit")]
    HeadersTooLarge,
    /// 422 with per-field details.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// 429 with `Retry-After` seconds.
    #[error("too many failed attempts; try again in {0} s")]
    TooManyAttempts(u64),
    /// 429 with `Retry-After` seconds: a bounded queue (password hashing, searches) is full.
    #[error("the server is busy; try again in {0} s")]
    Busy(u64),
    /// 500: a bug or a storage failure. The message is logged, not sent.
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    /// A 422 for one field of the body.
    pub fn invalid(e: ValidationError) -> Self {
        Self::invalid_at("body", vec![e])
    }

    /// A 422 listing several fields, located in `body`, `query` or `path`.
    pub fn invalid_at(location: &str, errors: Vec<ValidationError>) -> Self {
        Self::Invalid(
            errors
                .into_iter()
                .map(|e| FieldError {
                    loc: vec![location.to_string(), e.field.to_string()],
                    msg: e.msg,
                    kind: e.kind.to_string(),
                })
                .collect(),
        )
    }

    /// A 404 for a ticket that does not exist or is not the caller's to see.
    pub fn ticket_not_found(id: i64) -> Self {
        Self::NotFound(format!("ticket id {id} doesn't exist"))
    }

    /// A refusal about a resource: an invisible one answers as `not_found` would.
    pub fn denied(denied: Denied, not_found: impl FnOnce() -> AppError) -> Self {
        match denied {
            Denied::NotVisible => not_found(),
            Denied::Forbidden(why) => Self::Forbidden(why.to_string()),
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Stale(_) => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Timeout => StatusCode::REQUEST_TIMEOUT,
            Self::QueryTooLong => StatusCode::URI_TOO_LONG,
            Self::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyAttempts(_) | Self::Busy(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// Role gates (admin only, staff only, …) concern no particular resource: `?` turns their
/// refusal into a 403 (or a plain 404 for `NotVisible`).
impl From<Denied> for AppError {
    fn from(denied: Denied) -> Self {
        Self::denied(denied, || Self::NotFound("Not Found".into()))
    }
}

impl From<ServiceError> for AppError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(fields) => Self::Invalid(
                fields
                    .into_iter()
                    .map(|(location, e)| FieldError {
                        loc: vec![location.to_string(), e.field.to_string()],
                        msg: e.msg,
                        kind: e.kind.to_string(),
                    })
                    .collect(),
            ),
            ServiceError::Unauthorized(m) => Self::Unauthorized(m),
            ServiceError::NotFound(m) => Self::NotFound(m),
            ServiceError::Forbidden(m) => Self::Forbidden(m),
            ServiceError::Conflict(m) => Self::Conflict(m),
            ServiceError::Stale(current) => Self::Stale(current),
            ServiceError::BulkRefused(failed) => Self::Invalid(
                failed
                    .into_iter()
                    .map(|(id, kind, msg)| FieldError {
                        loc: vec!["body".into(), "ids".into(), id.to_string()],
                        msg,
                        kind: kind.to_string(),
                    })
                    .collect(),
            ),
            ServiceError::TooManyAttempts(s) => Self::TooManyAttempts(s),
            ServiceError::Busy(s) => Self::Busy(s),
            ServiceError::Internal(m) => Self::Internal(m),
        }
    }
}

/// The `detail` of a 412.
const STALE: &str = "the ticket changed since the version this change was made against; \
     the body is the ticket as it is now";

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry = match &self {
            Self::TooManyAttempts(secs) | Self::Busy(secs) => Some(HeaderValue::from(*secs)),
            _ => None,
        };
        let mut response = match self {
            Self::Invalid(detail) => (status, Json(ValidationErrorBody { detail })).into_response(),
            Self::Stale(current) => {
                let mut res = crate::etag::stale(&current, STALE).into_response();
                *res.status_mut() = status;
                res
            }
            Self::Internal(cause) => {
                tracing::error!(%cause, "request failed");
                let body = ErrorBody {
                    detail: "internal server error".into(),
                };
                (status, Json(body)).into_response()
            }
            other => {
                let body = ErrorBody {
                    detail: other.to_string(),
                };
                (status, Json(body)).into_response()
            }
        };
        let headers = response.headers_mut();
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(secs) = retry {
            headers.insert(header::RETRY_AFTER, secs);
        }
        response
    }
}
