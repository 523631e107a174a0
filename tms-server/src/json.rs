//! JSON for the replies that carry the most text: pages of tickets and ticket details.
//!
//! A page of 50 tickets is ~50 KB, nearly all of it descriptions, and serde_json escapes strings
//! one byte at a time; that was the hottest function of a list request. These writers produce
//! byte-for-byte what the serde derives of `tms_core::api` produce (the tests compare them), but
//! skip eight bytes at a time through text that needs no escaping, write timestamps without
//! allocating, and size the buffer before they start. The serde derives stay the definition of
//! the wire format; these are a faster way to write it.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tms_core::api::{
    Comment, CommentWithUser, Page, Ticket, TicketDetail, TicketListItem, UserSummary,
};
use tms_core::timefmt::{self, Timestamp};

/// A value that can write itself as JSON.
pub trait WriteJson {
    /// Appends the value's JSON to `out`.
    fn write_json(&self, out: &mut Vec<u8>);
    /// About how many bytes [`WriteJson::write_json`] will append.
    fn size_hint(&self) -> usize;
}

/// A JSON reply written by [`WriteJson`] instead of serde.
pub struct FastJson<T>(pub T);

impl<T: WriteJson> FastJson<T> {
    /// The reply body.
    pub fn to_vec(&self) -> Vec<u8> {
        // Escapes and numbers can outgrow the hint a little; an eighth more avoids regrowing.
        let hint = self.0.size_hint();
        let mut out = Vec::with_capacity(hint + hint / 8);
        self.0.write_json(&mut out);
        out
    }
}

impl<T: WriteJson> IntoResponse for FastJson<T> {
    fn into_response(self) -> Response {
        let mut res = self.to_vec().into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        res
    }
}

/// Whether any of the eight bytes of `w` is a control character, `"` or `\`: the bytes a JSON
/// string must escape. Exact, with no false positives (each test ignores bytes ≥ 0x80).
fn word_needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    let is = |b: u8| {
        let x = w ^ (ONES * u64::from(b));
        x.wrapping_sub(ONES) & !x & HIGH
    };
    below_space | is(b'"') | is(b'\\') != 0
}

fn write_escape(out: &mut Vec<u8>, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match b {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x0c => out.extend_from_slice(b"\\f"),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\t' => out.extend_from_slice(b"\\t"),
        _ => out.extend_from_slice(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[usize::from(b >> 4)],
            HEX[usize::from(b & 0xf)],
        ]),
    }
}

/// Appends `s` as a JSON string, escaped exactly as serde_json escapes it.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.push(b'"');
    let mut run_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if let Some(chunk) = bytes.get(i..i + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            if !word_needs_escape(u64::from_le_bytes(word)) {
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        if b < 0x20 || b == b'"' || b == b'\\' {
            out.extend_from_slice(&bytes[run_start..i]);
            write_escape(out, b);
            run_start = i + 1;
        }
        i += 1;
    }
    out.extend_from_slice(&bytes[run_start..]);
    out.push(b'"');
}

fn write_int<I: itoa::Integer>(out: &mut Vec<u8>, n: I) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

fn write_time(out: &mut Vec<u8>, t: Timestamp) {
    out.push(b'"');
    timefmt::write_wire(t, out);
    out.push(b'"');
}

/// Writes `{"key":value,...}` from a list of keys and writers, keeping the commas in one place.
struct Object<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Object<'a> {
    fn new(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        Self { out, first: true }
    }

    fn key(&mut self, key: &str) -> &mut Vec<u8> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
    }

    fn str(&mut self, key: &str, v: &str) -> &mut Self {
        write_str(self.key(key), v);
        self
    }

    fn int(&mut self, key: &str, v: i64) -> &mut Self {
        write_int(self.key(key), v);
        self
    }

    fn uint(&mut self, key: &str, v: u64) -> &mut Self {
        write_int(self.key(key), v);
        self
    }

    fn opt_int(&mut self, key: &str, v: Option<i64>) -> &mut Self {
        match v {
            Some(v) => self.int(key, v),
            None => self.raw(key, b"null"),
        }
    }

    fn time(&mut self, key: &str, v: Timestamp) -> &mut Self {
        write_time(self.key(key), v);
        self
    }

    fn opt_time(&mut self, key: &str, v: Option<Timestamp>) -> &mut Self {
        match v {
            Some(v) => self.time(key, v),
            None => self.raw(key, b"null"),
        }
    }

    fn raw(&mut self, key: &str, json: &[u8]) -> &mut Self {
        self.key(key).extend_from_slice(json);
        self
    }

    fn value<T: WriteJson + ?Sized>(&mut self, key: &str, v: &T) -> &mut Self {
        v.write_json(self.key(key));
        self
    }

    fn end(&mut self) {
        self.out.push(b'}');
    }
}

/// The fields of a ticket, for the objects that flatten one.
fn ticket_fields(o: &mut Object<'_>, t: &Ticket) {
    o.int("id", t.id)
        .str("title", &t.title)
        .str("description", &t.description)
        .str("status", t.status.as_str())
        .str("priority", t.priority.as_str())
        .time("creation_date", t.creation_date)
        .time("updated_at", t.updated_at)
        .opt_time("resolution_date", t.resolution_date)
        .int("requester_id", t.requester_id)
        .opt_int("assigned_agent_id", t.assigned_agent_id)
        .int("version", t.version)
        .opt_time("first_response_due", t.first_response_due)
        .opt_time("resolution_due", t.resolution_due)
        .opt_time("first_responded_at", t.first_responded_at)
        .opt_time("sla_next_due", t.sla_next_due);
    match t.sla_state {
        Some(s) => o.str("sla_state", s.as_str()),
        None => o.raw("sla_state", b"null"),
    };
    if let Some(tags) = &t.tags {
        o.value("tags", tags.as_slice());
    }
}

/// Fixed text of a ticket object: keys, punctuation, numbers and timestamps.
const TICKET_OVERHEAD: usize = 480;
const USER_OVERHEAD: usize = 64;

fn ticket_size(t: &Ticket) -> usize {
    let tags = t.tags.as_ref().map_or(0, |tags| {
        10 + tags.iter().map(|t| t.len() + 3).sum::<usize>()
    });
    TICKET_OVERHEAD + t.title.len() + t.description.len() + tags
}

impl WriteJson for String {
    fn write_json(&self, out: &mut Vec<u8>) {
        write_str(out, self);
    }

    fn size_hint(&self) -> usize {
        self.len() + 2
    }
}

impl WriteJson for UserSummary {
    fn write_json(&self, out: &mut Vec<u8>) {
        Object::new(out)
            .int("id", self.id)
            .str("username", &self.username)
            .str("email", &self.email)
            .str("role", self.role.as_str())
            .end();
    }

    fn size_hint(&self) -> usize {
        USER_OVERHEAD + self.username.len() + self.email.len()
    }
}

impl<T: WriteJson> WriteJson for Option<T> {
    fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Some(v) => v.write_json(out),
            None => out.extend_from_slice(b"null"),
        }
    }

    fn size_hint(&self) -> usize {
        self.as_ref().map_or(4, WriteJson::size_hint)
    }
}

impl<T: WriteJson + ?Sized> WriteJson for &T {
    fn write_json(&self, out: &mut Vec<u8>) {
        (**self).write_json(out);
    }

    fn size_hint(&self) -> usize {
        (**self).size_hint()
    }
}

impl<T: WriteJson> WriteJson for [T] {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.push(b'[');
        for (i, v) in self.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            v.write_json(out);
        }
        out.push(b']');
    }

    fn size_hint(&self) -> usize {
        2 + self.iter().map(|v| v.size_hint() + 1).sum::<usize>()
    }
}

impl WriteJson for Ticket {
    fn write_json(&self, out: &mut Vec<u8>) {
        let mut o = Object::new(out);
        ticket_fields(&mut o, self);
        o.end();
    }

    fn size_hint(&self) -> usize {
        ticket_size(self)
    }
}

impl WriteJson for TicketListItem {
    fn write_json(&self, out: &mut Vec<u8>) {
        let mut o = Object::new(out);
        ticket_fields(&mut o, &self.ticket);
        o.value("requester", &self.requester)
            .value("assigned_agent", &self.assigned_agent)
            .end();
    }

    fn size_hint(&self) -> usize {
        ticket_size(&self.ticket) + self.requester.size_hint() + self.assigned_agent.size_hint()
    }
}

fn comment_fields(o: &mut Object<'_>, c: &Comment) {
    o.int("id", c.id)
        .int("ticket_id", c.ticket_id)
        .int("commented_by_id", c.commented_by_id)
        .str("description", &c.description)
        .time("creation_date", c.creation_date)
        .time("updated_at", c.updated_at)
        .raw(
            "is_internal",
            if c.is_internal { b"true" } else { b"false" },
        );
}

impl WriteJson for CommentWithUser {
    fn write_json(&self, out: &mut Vec<u8>) {
        let mut o = Object::new(out);
        comment_fields(&mut o, &self.comment);
        o.value("user", &self.user).end();
    }

    fn size_hint(&self) -> usize {
        200 + self.comment.description.len() + self.user.size_hint()
    }
}

impl WriteJson for TicketDetail {
    fn write_json(&self, out: &mut Vec<u8>) {
        let mut o = Object::new(out);
        ticket_fields(&mut o, &self.ticket);
        o.value("requester", &self.requester)
            .value("assigned_agent", &self.assigned_agent)
            .value("comments", self.comments.as_slice())
            .end();
    }

    fn size_hint(&self) -> usize {
        ticket_size(&self.ticket)
            + self.requester.size_hint()
            + self.assigned_agent.size_hint()
            + self.comments.as_slice().size_hint()
    }
}

impl<T: WriteJson> WriteJson for Page<T> {
    fn write_json(&self, out: &mut Vec<u8>) {
        let mut o = Object::new(out);
        o.value("items", self.items.as_slice())
            .uint("total", self.total)
            .uint("page", self.page)
            .uint("size", self.size)
            .uint("pages", self.pages);
        if let Some(c) = &self.next_cursor {
            o.str("next_cursor", c);
        }
        o.end();
    }

    fn size_hint(&self) -> usize {
        self.items.as_slice().size_hint() + 128
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tms_core::domain::{Priority, Role, SlaState, Status};

    fn text() -> impl Strategy<Value = String> {
        // Long runs of plain text with escapes, multi-byte characters and control bytes at
        // every offset, so every path of the word-at-a-time scan is taken.
        proptest::collection::vec(
            prop_oneof![
                6 => "[a-zA-Z0-9 .,:/-]{0,24}",
                1 => prop::sample::select(vec!["\"", "\\", "\n", "\r", "\t", "\u{8}", "\u{c}",
                    "\u{0}", "\u{1f}", "\u{7f}", "é", "€", "𝄞", "\u{2028}", "/"])
                    .prop_map(String::from),
            ],
            0..40,
        )
        .prop_map(|parts| parts.concat())
    }

    fn time() -> impl Strategy<Value = Timestamp> {
        (0i64..4_102_444_800_000_000).prop_map(timefmt::from_micros)
    }

    fn user() -> impl Strategy<Value = UserSummary> {
        (
            any::<i64>(),
            text(),
            text(),
            prop::sample::select(Role::ALL),
        )
            .prop_map(|(id, username, email, role)| UserSummary {
                id,
                username,
                email,
                role,
            })
    }

    fn ticket() -> impl Strategy<Value = Ticket> {
        (
            any::<i64>(),
            text(),
            text(),
            prop::sample::select(Status::ALL),
            prop::sample::select(Priority::ALL),
            (time(), time(), proptest::option::of(time())),
            (
                any::<i64>(),
                proptest::option::of(any::<i64>()),
                any::<i64>(),
            ),
            proptest::option::of(proptest::collection::vec(text(), 0..4)),
            (
                proptest::option::of(time()),
                proptest::option::of(time()),
                proptest::option::of(time()),
                proptest::option::of(time()),
                proptest::option::of(prop::sample::select(SlaState::ALL)),
            ),
        )
            .prop_map(
                |(
                    id,
                    title,
                    description,
                    status,
                    priority,
                    (c, u, r),
                    (req, agent, version),
                    tags,
                    (
                        first_response_due,
                        resolution_due,
                        first_responded_at,
                        sla_next_due,
                        sla_state,
                    ),
                )| {
                    Ticket {
                        id,
                        title,
                        description,
                        status,
                        priority,
                        creation_date: c,
                        updated_at: u,
                        resolution_date: r,
                        requester_id: req,
                        assigned_agent_id: agent,
                        version,
                        tags,
                        first_response_due,
                        resolution_due,
                        first_responded_at,
                        sla_next_due,
                        sla_state,
                    }
                },
            )
    }

    fn item() -> impl Strategy<Value = TicketListItem> {
        (ticket(), user(), proptest::option::of(user())).prop_map(|(ticket, requester, agent)| {
            TicketListItem {
                ticket,
                requester,
                assigned_agent: agent,
            }
        })
    }

    fn comment() -> impl Strategy<Value = CommentWithUser> {
        (
            any::<[i64; 3]>(),
            text(),
            time(),
            time(),
            any::<bool>(),
            user(),
        )
            .prop_map(
                |([id, ticket_id, by], description, c, u, is_internal, user)| CommentWithUser {
                    comment: Comment {
                        id,
                        ticket_id,
                        commented_by_id: by,
                        description,
                        creation_date: c,
                        updated_at: u,
                        is_internal,
                    },
                    user,
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn strings_escape_as_serde_does(s in text()) {
            let mut ours = Vec::new();
            write_str(&mut ours, &s);
            prop_assert_eq!(String::from_utf8(ours).unwrap(), serde_json::to_string(&s).unwrap());
        }

        #[test]
        fn pages_are_written_as_serde_writes_them(
            items in proptest::collection::vec(item(), 0..6),
            total in any::<u64>(), page in 1u64..1000, size in 1u64..100,
            cursor in proptest::option::of(text()),
        ) {
            let mut p = Page::new(items, total, page, size);
            p.next_cursor = cursor;
            let theirs = serde_json::to_vec(&p).unwrap();
            prop_assert_eq!(String::from_utf8(FastJson(p).to_vec()).unwrap(), String::from_utf8(theirs).unwrap());
        }

        #[test]
        fn details_are_written_as_serde_writes_them(
            it in item(), comments in proptest::collection::vec(comment(), 0..5),
        ) {
            let d = TicketDetail {
                ticket: it.ticket,
                requester: it.requester,
                assigned_agent: it.assigned_agent,
                comments,
            };
            let theirs = serde_json::to_vec(&d).unwrap();
            prop_assert_eq!(String::from_utf8(FastJson(d).to_vec()).unwrap(), String::from_utf8(theirs).unwrap());
        }

        #[test]
        fn tickets_are_written_as_serde_writes_them(t in ticket()) {
            let theirs = serde_json::to_vec(&t).unwrap();
            prop_assert_eq!(String::from_utf8(FastJson(t).to_vec()).unwrap(), String::from_utf8(theirs).unwrap());
        }
    }

    #[test]
    fn every_byte_is_escaped_as_serde_does() {
        for b in 0u8..0x80 {
            for pad in 0..9 {
                let s = format!("{}{}{}", "x".repeat(pad), char::from(b), "y".repeat(9));
                let mut ours = Vec::new();
                write_str(&mut ours, &s);
                assert_eq!(
                    String::from_utf8(ours).unwrap(),
                    serde_json::to_string(&s).unwrap()
                );
            }
        }
    }

    #[test]
    fn a_page_is_written_without_regrowing_its_buffer() {
        let t = timefmt::from_micros(1_764_000_000_123_456);
        let person = |id| UserSummary {
            id,
            username: format!("person{id}"),
            email: format!("person{id}@example.com"),
            role: Role::Agent,
        };
        let items = (1..=50)
            .map(|id| TicketListItem {
                ticket: Ticket {
                    id,
                    title: "Printer on floor 4 shows \"paper jam\"".into(),
                    description: "The printer stops after each page.\n".repeat(20),
                    status: Status::InProgress,
                    priority: Priority::High,
                    creation_date: t,
                    updated_at: t,
                    resolution_date: Some(t),
                    requester_id: id + 1000,
                    assigned_agent_id: Some(7),
                    version: 3,
                    tags: Some(vec!["printer".into(), "floor-4".into()]),
                    first_response_due: Some(t),
                    resolution_due: Some(t),
                    first_responded_at: Some(t),
                    sla_next_due: Some(t),
                    sla_state: Some(SlaState::AtRisk),
                },
                requester: person(id + 1000),
                assigned_agent: Some(person(7)),
            })
            .collect();
        let mut page = Page::new(items, 1_000_000, 1, 50);
        page.next_cursor = Some("cd.1764000000123456.1".into());
        let json = FastJson(page);
        let hint = json.0.size_hint();
        let out = json.to_vec();
        assert!(
            out.len() <= hint + hint / 8,
            "{} > {}",
            out.len(),
            hint + hint / 8
        );
        assert!(
            out.len() * 10 >= hint * 9,
            "hint {hint} far above {}",
            out.len()
        );
    }
}
