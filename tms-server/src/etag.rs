//! Entity tags and the conditional requests that use them (`docs/API.md`, "Versions and
//! conditional requests"): `ETag` on ticket and list replies, `If-None-Match` answered 304 when
//! nothing a reply shows has changed, `If-Match` naming the ticket versions a change was made
//! against.
//!
//! A ticket's tag is `"<version>-<digest>"`: its version, which `If-Match` compares, and a
//! digest of the reply's bytes, which changes with anything else it shows (a person renamed). A
//! list's tag is the digest alone. Tags are strong: one tag, one byte sequence.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use tms_core::api::TicketDetail;

use crate::json::{FastJson, WriteJson};

/// A JSON reply and its entity tag; cheap to clone (the body is shared), so that a reply
/// can be remembered and served again (`service::pages`).
#[derive(Clone, Debug)]
pub struct Tagged {
    body: Bytes,
    etag: std::sync::Arc<str>,
}

/// A 64-bit digest of `bytes`: XXH3, the same on every server and build, and fast enough to
/// run over every reply (a page of 50 tickets is ~50 KB; `BENCHMARKS.md`).
fn digest(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

impl Tagged {
    /// `value` as JSON, tagged by its bytes and, for a ticket, by its `version`.
    pub fn new<T: WriteJson>(value: T, version: Option<i64>) -> Self {
        Self::from_body(FastJson(value).to_vec(), version)
    }

    /// Tags a body already written.
    pub fn from_body(body: Vec<u8>, version: Option<i64>) -> Self {
        let d = digest(&body);
        let etag = match version {
            Some(v) => format!("\"{v}-{d:016x}\""),
            None => format!("\"{d:016x}\""),
        };
        Self {
            body: Bytes::from(body),
            etag: etag.into(),
        }
    }

    /// The reply's bytes.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The reply's entity tag, quotes included.
    pub fn etag(&self) -> &str {
        &self.etag
    }

    /// The reply, or `304 Not Modified` (with its tag, no body) when `If-None-Match` in
    /// `request` names its tag or is `*`.
    pub fn unless_unchanged(self, request: &HeaderMap) -> Response {
        if none_match(request, &self.etag) {
            let mut res = StatusCode::NOT_MODIFIED.into_response();
            self.put_tag(&mut res);
            return res;
        }
        self.into_response()
    }

    fn put_tag(&self, res: &mut Response) {
        if let Ok(v) = HeaderValue::from_str(&self.etag) {
            res.headers_mut().insert(header::ETAG, v);
        }
    }
}

impl IntoResponse for Tagged {
    fn into_response(self) -> Response {
        let etag = HeaderValue::from_str(&self.etag).ok();
        let mut res = self.body.into_response();
        let headers = res.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(etag) = etag {
            headers.insert(header::ETAG, etag);
        }
        res
    }
}

/// The body of a 412: the ticket as it is now, as a read of it shows it, with a `detail`
/// saying why the change was refused; tagged like a read of it.
pub fn stale(current: &TicketDetail, detail: &str) -> Tagged {
    let version = current.ticket.version;
    let mut body = FastJson(current).to_vec();
    // The ticket is an object: its first key goes after `{`.
    let field = format!("{}:{},", "\"detail\"", serde_json::Value::from(detail));
    body.splice(1..1, field.into_bytes());
    Tagged::from_body(body, Some(version))
}

/// The tags of a list-valued header (`If-Match`, `If-None-Match`), each without `W/`; `None`
/// for `*`.
fn tags(value: &str) -> Option<Vec<&str>> {
    if value.trim() == "*" {
        return None;
    }
    Some(
        value
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .filter(|t| !t.is_empty())
            .collect(),
    )
}

/// Whether `If-None-Match` names `etag` (weak comparison, as RFC 9110 has it for this header).
fn none_match(request: &HeaderMap, etag: &str) -> bool {
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| tags(v).is_none_or(|ts| ts.contains(&etag)))
}

/// The ticket versions named by `If-Match`: `None` when there is no such header or it is
/// `*` (any version will do). A tag that names no version (`"abc"`) matches none, so a
/// change sent with only such tags is refused with 412, as RFC 9110 has it.
pub fn if_match_versions(request: &HeaderMap) -> Option<Vec<i64>> {
    let mut versions = Vec::new();
    let mut any = false;
    for value in request.get_all(header::IF_MATCH) {
        // An empty field states no condition.
        if value.as_bytes().iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        any = true;
        let Some(ts) = value.to_str().ok().map(tags) else {
            continue;
        };
        // `*`: any version will do.
        let ts = ts?;
        versions.extend(ts.into_iter().filter_map(|t| {
            let t = t.strip_prefix('"')?.strip_suffix('"')?;
            t.split('-').next()?.parse::<i64>().ok()
        }));
    }
    any.then_some(versions)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: header::HeaderName, values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(name.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn if_match_names_versions_or_anything() {
        let v = |vals: &[&str]| if_match_versions(&headers(header::IF_MATCH, vals));
        assert_eq!(v(&[]), None);
        assert_eq!(v(&[""]), None, "an empty field states no condition");
        assert_eq!(v(&["*"]), None);
        assert_eq!(v(&["\"3-00ff\""]), Some(vec![3]));
        assert_eq!(v(&["\"3\""]), Some(vec![3]));
        assert_eq!(v(&["W/\"4-aa\", \"5-bb\""]), Some(vec![4, 5]));
        assert_eq!(v(&["\"7-aa\"", "\"8-bb\""]), Some(vec![7, 8]));
        // Names no version: matches none.
        assert_eq!(v(&["\"abc\""]), Some(vec![]));
        assert_eq!(v(&["3"]), Some(vec![]), "unquoted is not a tag");
    }

    #[test]
    fn if_none_match_compares_whole_tags_weakly() {
        let tagged = Tagged::from_body(b"{\"id\":1}".to_vec(), Some(2));
        let etag = tagged.etag.to_string();
        assert!(etag.starts_with("\"2-") && etag.ends_with('"'), "{etag}");
        let matches = |vals: &[&str]| none_match(&headers(header::IF_NONE_MATCH, vals), &etag);
        assert!(matches(&[&etag]));
        assert!(matches(&[&format!("W/{etag}")]));
        assert!(matches(&[&format!("\"x\", {etag}")]));
        assert!(matches(&["*"]));
        assert!(!matches(&["\"2-0000000000000000\""]));
        assert!(!matches(&[]));
        // Other bytes, another tag.
        let other = Tagged::from_body(b"{\"id\":2}".to_vec(), Some(2));
        assert_ne!(&*other.etag, etag);
    }
}
