//! Extractors that carry cross-cutting work: the authenticated caller, JSON bodies and query
//! strings whose rejections use the API's error format, and numeric path ids.

use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;
use tms_core::api::User;
use tms_core::{Actor, ValidationError};

use crate::error::AppError;
use crate::state::AppState;

/// The caller, from a valid `Authorization: Bearer` session token.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user: User,
    pub session_id: i64,
}

impl AuthUser {
    pub fn actor(&self) -> Actor {
        Actor {
            id: self.user.id,
            role: self.user.role,
        }
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let Bearer(token) = Bearer::from_request_parts(parts, state).await?;
        let caller = crate::service::sessions::authenticate(state, &token).await?;
        Ok(AuthUser {
            user: caller.user,
            session_id: caller.session_id,
        })
    }
}

/// The bearer token sent, not yet checked: for a handler that checks it while it reads
/// (`service::tickets::read_for_token`). Without one, 401 as [`AuthUser`].
pub struct Bearer(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Bearer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        bearer(parts)
            .map(|t| Self(t.to_string()))
            .ok_or_else(|| AppError::Unauthorized("Not authenticated".into()))
    }
}

/// The caller if a token is sent (and valid), `None` when no `Authorization` header is sent.
pub struct MaybeAuthUser(pub Option<AuthUser>);

impl FromRequestParts<AppState> for MaybeAuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if parts.headers.contains_key(header::AUTHORIZATION) {
            AuthUser::from_request_parts(parts, state)
                .await
                .map(|u| Self(Some(u)))
        } else {
            Ok(Self(None))
        }
    }
}

/// A JSON body; malformed JSON is a 400, a well-formed body of the wrong shape a 422, an
/// oversized one a 413.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        // Every body of the API is an object; serde would otherwise also read a struct from
        // an array (`["name"]`), which no client means.
        let axum::Json(value) = axum::Json::<serde_json::Value>::from_request(req, state)
            .await
            .map_err(json_rejection)?;
        if !value.is_object() {
            return Err(body_shape_error("the body must be a JSON object".into()));
        }
        serde_json::from_value(value)
            .map(Self)
            .map_err(|e| body_shape_error(e.to_string()))
    }
}

fn body_shape_error(msg: String) -> AppError {
    AppError::Invalid(vec![tms_core::api::FieldError {
        loc: vec!["body".into()],
        msg,
        kind: "type_error".into(),
    }])
}

/// A raw body that could not be read: too large (413) or broken off (400).
pub fn bytes_rejection(r: BytesRejection) -> AppError {
    if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge
    } else {
        AppError::BadRequest(r.body_text())
    }
}

fn json_rejection(r: JsonRejection) -> AppError {
    match r {
        JsonRejection::JsonDataError(e) => body_shape_error(e.body_text()),
        JsonRejection::JsonSyntaxError(e) => {
            AppError::BadRequest(format!("malformed JSON body: {}", e.body_text()))
        }
        JsonRejection::MissingJsonContentType(_) => {
            AppError::BadRequest("expected a JSON body with Content-Type: application/json".into())
        }
        JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            AppError::PayloadTooLarge
        }
        other => AppError::BadRequest(other.body_text()),
    }
}

/// The query string as `(key, value)` pairs, keys possibly repeated.
pub struct QueryPairs(pub Vec<(String, String)>);

impl QueryPairs {
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for QueryPairs {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let raw = parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str::<Vec<(String, String)>>(raw)
            .map(Self)
            .map_err(|e| AppError::BadRequest(format!("malformed query string: {e}")))
    }
}

/// A numeric id in the path (`/tickets/{id}`); anything else is a 422.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|e| AppError::BadRequest(e.body_text()))?;
        raw.parse::<i64>().map(Id).map_err(|_| {
            AppError::invalid_at(
                "path",
                vec![ValidationError::new(
                    "id",
                    "type_error.integer",
                    "must be an integer",
                )],
            )
        })
    }
}

/// The client's IP address: the peer's, or — when the peer is a trusted reverse proxy
/// (`--trusted-proxy`) — the rightmost address of `X-Forwarded-For` that is not itself a
/// trusted proxy. From any other peer `X-Forwarded-For` is ignored, so a client cannot pick
/// the address it is slowed under. `None` when the server runs without connection info.
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl ClientAddr {
    pub fn resolve(
        peer: std::net::IpAddr,
        headers: &axum::http::HeaderMap,
        trusted: &[ipnet::IpNet],
    ) -> std::net::IpAddr {
        let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|net| net.contains(ip));
        // An IPv4 peer on a dual-stack listener arrives as ::ffff:a.b.c.d.
        let peer = peer.to_canonical();
        if !is_trusted(&peer) {
            return peer;
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else {
                // Not written by a proxy we trust: the last trusted hop is all we know.
                return client;
            };
            client = ip;
            if !is_trusted(&ip) {
                break;
            }
        }
        client
    }
}

/// An address as proxies write it in `X-Forwarded-For`: bare, or IPv6 in brackets, possibly
/// with a port.
fn parse_hop(hop: &str) -> Option<std::net::IpAddr> {
    let ip = match hop.parse::<std::net::IpAddr>() {
        Ok(ip) => ip,
        Err(_) => hop.parse::<std::net::SocketAddr>().ok()?.ip(),
    };
    Some(ip.to_canonical())
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(Self(peer.map(|p| {
            Self::resolve(p, &parts.headers, &state.config.trusted_proxies)
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        let headers = |v: &str| {
            let mut h = axum::http::HeaderMap::new();
            h.insert("x-forwarded-for", v.parse().unwrap());
            h
        };
        let h = headers("6.6.6.6, 203.0.113.7, 10.1.1.1");
        // From the proxy: the rightmost address not a proxy.
        assert_eq!(
            ClientAddr::resolve(ip("10.0.0.5"), &h, &trusted),
            ip("203.0.113.7")
        );
        // From anyone else: the header is the client's own claim, ignored.
        assert_eq!(
            ClientAddr::resolve(ip("198.51.100.1"), &h, &trusted),
            ip("198.51.100.1")
        );
        assert_eq!(ClientAddr::resolve(ip("10.0.0.5"), &h, &[]), ip("10.0.0.5"));
        let h = headers("[2001:db8::1]:4711");
        assert_eq!(
            ClientAddr::resolve(ip("10.0.0.5"), &h, &trusted),
            ip("2001:db8::1")
        );
        let h = headers("garbage, 10.2.2.2");
        assert_eq!(
            ClientAddr::resolve(ip("10.0.0.5"), &h, &trusted),
            ip("10.2.2.2")
        );
        let mapped = ip("::ffff:10.0.0.5");
        assert_eq!(
            ClientAddr::resolve(mapped, &headers("203.0.113.8"), &trusted),
            ip("203.0.113.8"),
            "an IPv4 proxy on a dual-stack listener"
        );
        let none = axum::http::HeaderMap::new();
        assert_eq!(
            ClientAddr::resolve(ip("10.0.0.5"), &none, &trusted),
            ip("10.0.0.5")
        );
    }
}
