//! List query parameters: parsed from `(key, value)` pairs (so keys may repeat) into typed
//! values, and written back to pairs by the client.

use crate::domain::{ActivityType, Priority, Role, SlaState, Status};
use crate::validate::{TAGS_MAX, Tag, ValidationError};
use std::str::FromStr;

/// A column the ticket list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortField {
    CreationDate,
    UpdatedAt,
    Priority,
    Status,
    Id,
    /// The earliest due time of the clocks still running (`sla_next_due`); tickets with none
    /// come after all others.
    Due,
}

impl SortField {
    pub const ALL: &'static [SortField] = &[
        SortField::CreationDate,
        SortField::UpdatedAt,
        SortField::Priority,
        SortField::Status,
        SortField::Id,
        SortField::Due,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortField::CreationDate => "creation_date",
            SortField::UpdatedAt => "updated_at",
            SortField::Priority => "priority",
            SortField::Status => "status",
            SortField::Id => "id",
            SortField::Due => "due",
        }
    }
}

/// A sort order: a field and a direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SortKey {
    pub field: SortField,
    pub descending: bool,
}

impl Default for SortKey {
    /// Newest first.
    fn default() -> Self {
        Self {
            field: SortField::CreationDate,
            descending: true,
        }
    }
}

impl FromStr for SortKey {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (descending, name) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let field = SortField::ALL
            .iter()
            .copied()
            .find(|f| f.as_str() == name)
            .ok_or_else(|| {
                ValidationError::new(
                    "sort",
                    "value_error.sort",
                    "must be one of creation_date, updated_at, priority, status, id, due, optionally prefixed with '-'",
                )
            })?;
        Ok(Self { field, descending })
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for SortKey {
    /// Every accepted spelling, so the document names exactly what the parser takes.
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let names = SortField::ALL
            .iter()
            .flat_map(|f| ["", "-", "+"].map(|sign| format!("{sign}{}", f.as_str())));
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(names))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for SortKey {}

impl std::fmt::Display for SortKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.descending {
            f.write_str("-")?;
        }
        f.write_str(self.field.as_str())
    }
}

pub const DEFAULT_PAGE_SIZE: u64 = 50;
pub const MAX_PAGE_SIZE: u64 = 100;
pub const MAX_QUERY_LEN: usize = 200;
/// Most words a ticket search may hold: each one is a lookup in the full-text index, and a
/// search must stay cheap enough to answer within its time budget.
pub const MAX_SEARCH_TERMS: usize = 8;

/// One word of a ticket search: a run of letters and digits (what the full-text index splits
/// text into). A word of two or more characters matches every word it begins (`pass` finds
/// "password"), as people expect of a search box; a single character matches only itself, as
/// a prefix that short would match most of the index. A trailing `*` is accepted and changes
/// nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchTerm<'a> {
    pub text: &'a str,
    pub prefix: bool,
}

/// The words of a search, in order; empty when nothing searchable is left.
pub fn search_terms(input: &str) -> Vec<SearchTerm<'_>> {
    input
        .split(|c: char| !c.is_alphanumeric())
        .filter(|run| !run.is_empty())
        .map(|text| SearchTerm {
            text,
            prefix: text.chars().nth(1).is_some(),
        })
        .collect()
}

/// The filters, sort and page of a ticket list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketQuery {
    pub status: Vec<Status>,
    pub priority: Vec<Priority>,
    /// Tickets carrying every one of these tags (sorted, distinct).
    pub tag: Vec<String>,
    /// Tickets whose SLA state (at the time of the read) is one of these.
    pub sla: Vec<SlaState>,
    pub assigned_agent_id: Option<i64>,
    pub requester_id: Option<i64>,
    pub unassigned: bool,
    pub q: Option<String>,
    pub sort: SortKey,
    pub page: u64,
    pub size: u64,
    /// Keyset paging: the `next_cursor` of the previous page. Takes the place of `page` and
    /// costs the same however deep the page.
    pub after: Option<String>,
}

impl Default for TicketQuery {
    fn default() -> Self {
        Self {
            status: Vec::new(),
            priority: Vec::new(),
            tag: Vec::new(),
            sla: Vec::new(),
            assigned_agent_id: None,
            requester_id: None,
            unassigned: false,
            q: None,
            sort: SortKey::default(),
            page: 1,
            size: DEFAULT_PAGE_SIZE,
            after: None,
        }
    }
}

fn parse_enum<T: FromStr>(field: &'static str, v: &str) -> Result<T, ValidationError>
where
    T::Err: std::fmt::Display,
{
    v.parse::<T>()
        .map_err(|e| ValidationError::new(field, "type_error.enum", e.to_string()))
}

fn parse_id(field: &'static str, v: &str) -> Result<i64, ValidationError> {
    match v.parse::<i64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(ValidationError::new(
            field,
            "type_error.integer",
            "must be a positive integer",
        )),
    }
}

/// What [`parse_bool`] takes, as the OpenAPI document states it: `true`, `1`, `yes`, `on`,
/// `false`, `0`, `no`, `off` in any case of ASCII letters, or empty (false).
pub const BOOL_QUERY_PATTERN: &str =
    "^(|[Tt][Rr][Uu][Ee]|1|[Yy][Ee][Ss]|[Oo][Nn]|[Ff][Aa][Ll][Ss][Ee]|0|[Nn][Oo]|[Oo][Ff][Ff])$";

/// The OpenAPI schema of a yes/no query parameter ([`BOOL_QUERY_PATTERN`]).
#[cfg(feature = "openapi")]
pub fn bool_query_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(BOOL_QUERY_PATTERN))
        .description(Some(
            "`true`, `1`, `yes`, `on` or `false`, `0`, `no`, `off` (any case), or empty for false.",
        ))
        .into()
}

fn parse_bool(field: &'static str, v: &str) -> Result<bool, ValidationError> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" | "" => Ok(false),
        _ => Err(ValidationError::new(
            field,
            "type_error.bool",
            "must be true or false",
        )),
    }
}

fn parse_range(field: &'static str, v: &str, min: u64, max: u64) -> Result<u64, ValidationError> {
    match v.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(ValidationError::new(
            field,
            "value_error.number",
            format!("must be an integer from {min} to {max}"),
        )),
    }
}

/// The limits apply to the text as sent, before trimming, as the API document states them.
fn parse_search(v: &str) -> Result<Option<String>, ValidationError> {
    if v.chars().count() > MAX_QUERY_LEN {
        return Err(ValidationError::new(
            "q",
            "value_error.too_long",
            format!("must be at most {MAX_QUERY_LEN} characters"),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(ValidationError::new(
            "q",
            "value_error.control_character",
            "must be one line",
        ));
    }
    let t = v.trim();
    let words = search_terms(t).len();
    if words > MAX_SEARCH_TERMS {
        return Err(ValidationError::new(
            "q",
            "value_error.too_many_words",
            format!("must have at most {MAX_SEARCH_TERMS} words (it has {words})"),
        ));
    }
    Ok((!t.is_empty()).then(|| t.to_string()))
}

/// Runs `f` over every pair, collecting every error instead of stopping at the first.
fn collect_errors<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    mut f: impl FnMut(&str, &str) -> Result<(), ValidationError>,
) -> Result<(), Vec<ValidationError>> {
    let errors: Vec<_> = pairs
        .into_iter()
        .filter_map(|(k, v)| f(k, v).err())
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The largest page number accepted; beyond it no list has rows, and it keeps offsets in range.
pub const MAX_PAGE: u64 = 1_000_000_000;

impl TicketQuery {
    /// Parses query pairs; unknown keys are ignored, as web frameworks do.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, Vec<ValidationError>> {
        let mut q = TicketQuery::default();
        collect_errors(pairs, |k, v| {
            match k {
                "status" => q.status.push(parse_enum("status", v)?),
                "priority" => q.priority.push(parse_enum("priority", v)?),
                "tag" => q.tag.push(Tag::parse("tag", v)?.into_inner()),
                "sla" => q.sla.push(parse_enum("sla", v)?),
                "assigned_agent_id" => {
                    q.assigned_agent_id = Some(parse_id("assigned_agent_id", v)?)
                }
                "requester_id" => q.requester_id = Some(parse_id("requester_id", v)?),
                "unassigned" => q.unassigned = parse_bool("unassigned", v)?,
                "q" => q.q = parse_search(v)?,
                "sort" => q.sort = v.parse()?,
                "page" => q.page = parse_range("page", v, 1, MAX_PAGE)?,
                "size" => q.size = parse_range("size", v, 1, MAX_PAGE_SIZE)?,
                "after" => q.after = parse_cursor(v)?,
                _ => {}
            }
            Ok(())
        })?;
        q.status.sort_unstable();
        q.status.dedup();
        q.priority.sort_unstable();
        q.priority.dedup();
        q.tag.sort_unstable();
        q.tag.dedup();
        q.sla.sort_unstable();
        q.sla.dedup();
        if q.tag.len() > TAGS_MAX {
            // No ticket carries more, so such a filter could match nothing anyway.
            return Err(vec![ValidationError::new(
                "tag",
                "value_error.too_many_tags",
                format!("name at most {TAGS_MAX} tags"),
            )]);
        }
        Ok(q)
    }

    /// The query as pairs for a URL, omitting defaults.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        out.extend(
            self.status
                .iter()
                .map(|s| ("status", s.as_str().to_string())),
        );
        out.extend(
            self.priority
                .iter()
                .map(|p| ("priority", p.as_str().to_string())),
        );
        out.extend(self.tag.iter().map(|t| ("tag", t.clone())));
        out.extend(self.sla.iter().map(|s| ("sla", s.as_str().to_string())));
        if let Some(id) = self.assigned_agent_id {
            out.push(("assigned_agent_id", id.to_string()));
        }
        if let Some(id) = self.requester_id {
            out.push(("requester_id", id.to_string()));
        }
        if self.unassigned {
            out.push(("unassigned", "true".to_string()));
        }
        if let Some(q) = &self.q {
            out.push(("q", q.clone()));
        }
        if self.sort != SortKey::default() {
            out.push(("sort", self.sort.to_string()));
        }
        if self.page != 1 {
            out.push(("page", self.page.to_string()));
        }
        if self.size != DEFAULT_PAGE_SIZE {
            out.push(("size", self.size.to_string()));
        }
        if let Some(c) = &self.after {
            out.push(("after", c.clone()));
        }
        out
    }
}

fn parse_cursor(v: &str) -> Result<Option<String>, ValidationError> {
    let ok = v.len() <= 100
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if !ok {
        return Err(ValidationError::new(
            "after",
            "value_error.cursor",
            "is not a cursor from a previous page",
        ));
    }
    Ok((!v.is_empty()).then(|| v.to_string()))
}

pub const DEFAULT_LOG_LIMIT: u64 = 100;
pub const MAX_LOG_LIMIT: u64 = 1000;

/// Filters and paging of the activity log (newest first; `before_id` pages back).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogQuery {
    pub user_id: Option<i64>,
    pub activity_type: Option<ActivityType>,
    pub ticket_id: Option<i64>,
    pub limit: u64,
    pub before_id: Option<i64>,
}

impl Default for LogQuery {
    fn default() -> Self {
        Self {
            user_id: None,
            activity_type: None,
            ticket_id: None,
            limit: DEFAULT_LOG_LIMIT,
            before_id: None,
        }
    }
}

impl LogQuery {
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, Vec<ValidationError>> {
        let mut q = LogQuery::default();
        collect_errors(pairs, |k, v| {
            match k {
                "user_id" => q.user_id = Some(parse_id("user_id", v)?),
                "activity_type" => q.activity_type = Some(parse_enum("activity_type", v)?),
                "ticket_id" => q.ticket_id = Some(parse_id("ticket_id", v)?),
                "limit" => q.limit = parse_range("limit", v, 1, MAX_LOG_LIMIT)?,
                "before_id" => q.before_id = Some(parse_id("before_id", v)?),
                _ => {}
            }
            Ok(())
        })?;
        Ok(q)
    }

    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(v) = self.user_id {
            out.push(("user_id", v.to_string()));
        }
        if let Some(v) = self.activity_type {
            out.push(("activity_type", v.as_str().to_string()));
        }
        if let Some(v) = self.ticket_id {
            out.push(("ticket_id", v.to_string()));
        }
        if self.limit != DEFAULT_LOG_LIMIT {
            out.push(("limit", self.limit.to_string()));
        }
        if let Some(v) = self.before_id {
            out.push(("before_id", v.to_string()));
        }
        out
    }
}

/// Filters of the admin user list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserQuery {
    /// Matches username or email, case-insensitively.
    pub q: Option<String>,
    pub role: Option<Role>,
    pub include_inactive: bool,
}

impl UserQuery {
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, Vec<ValidationError>> {
        let mut q = UserQuery::default();
        collect_errors(pairs, |k, v| {
            match k {
                "q" => q.q = parse_search(v)?,
                "role" => q.role = Some(parse_enum("role", v)?),
                "include_inactive" => q.include_inactive = parse_bool("include_inactive", v)?,
                _ => {}
            }
            Ok(())
        })?;
        Ok(q)
    }

    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(v) = &self.q {
            out.push(("q", v.clone()));
        }
        if let Some(v) = self.role {
            out.push(("role", v.as_str().to_string()));
        }
        if self.include_inactive {
            out.push(("include_inactive", "true".to_string()));
        }
        out
    }
}

/// Most people one directory search returns, and how many without a `limit`.
pub const DIRECTORY_MAX: u64 = 50;
pub const DIRECTORY_DEFAULT: u64 = 20;

/// Parameters of the staff directory (`GET /api/v1/users/`), which lists active users only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectoryQuery {
    /// Matches username or email, case-insensitively.
    pub q: Option<String>,
    pub role: Option<Role>,
    /// At most this many (1 to [`DIRECTORY_MAX`]); [`DIRECTORY_DEFAULT`] when absent.
    pub limit: Option<u64>,
}

impl DirectoryQuery {
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, Vec<ValidationError>> {
        let mut q = DirectoryQuery::default();
        collect_errors(pairs, |k, v| {
            match k {
                "q" => q.q = parse_search(v)?,
                "role" => q.role = Some(parse_enum("role", v)?),
                "limit" => q.limit = Some(parse_range("limit", v, 1, DIRECTORY_MAX)?),
                "include_inactive" => {
                    return Err(ValidationError::new(
                        "include_inactive",
                        "value_error.not_allowed",
                        "the directory lists active users only",
                    ));
                }
                _ => {}
            }
            Ok(())
        })?;
        Ok(q)
    }

    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(v) = &self.q {
            out.push(("q", v.clone()));
        }
        if let Some(v) = self.role {
            out.push(("role", v.as_str().to_string()));
        }
        if let Some(n) = self.limit {
            out.push(("limit", n.to_string()));
        }
        out
    }

    /// How many to return.
    pub fn limit(&self) -> u64 {
        self.limit.unwrap_or(DIRECTORY_DEFAULT)
    }

    /// The same filters as an admin user-list query (active users only).
    pub fn users(&self) -> UserQuery {
        UserQuery {
            q: self.q.clone(),
            role: self.role,
            include_inactive: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_pattern_of_yes_no_parameters_is_what_the_parser_takes() {
        let pattern = regex::Regex::new(BOOL_QUERY_PATTERN).unwrap();
        let mut candidates: Vec<String> = [
            "", " ", "2", "y", "n", "tru", "truee", " true", "true ", "off\n", "nö", "yes!", "0.0",
            "10", "ON", "oN", "No", "FALSE", "TrUe",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Every way of writing each word in upper and lower case.
        for word in ["true", "1", "yes", "on", "false", "0", "no", "off"] {
            let n = word.len();
            for mask in 0..(1u32 << n) {
                candidates.push(
                    word.chars()
                        .enumerate()
                        .map(|(i, c)| {
                            if mask >> i & 1 == 1 {
                                c.to_ascii_uppercase()
                            } else {
                                c
                            }
                        })
                        .collect(),
                );
            }
        }
        for c in &candidates {
            assert_eq!(
                pattern.is_match(c),
                parse_bool("unassigned", c).is_ok(),
                "{c:?}"
            );
        }
    }

    #[test]
    fn directory_queries_round_trip_and_are_bounded() {
        let q = DirectoryQuery {
            q: Some("isa".into()),
            role: Some(Role::Requester),
            limit: Some(50),
        };
        let pairs = q.to_pairs();
        let back = DirectoryQuery::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str()))).unwrap();
        assert_eq!(back, q);
        assert_eq!(DirectoryQuery::default().limit(), DIRECTORY_DEFAULT);
        for bad in [
            ("limit", "0"),
            ("limit", "51"),
            ("include_inactive", "true"),
        ] {
            let e = DirectoryQuery::from_pairs([bad]).unwrap_err();
            assert_eq!(e[0].field, bad.0);
        }
    }

    #[test]
    fn ticket_query_parses_repeats_and_defaults() {
        let q = TicketQuery::from_pairs([
            ("status", "Open"),
            ("status", "In Progress"),
            ("status", "Open"),
            ("sort", "-priority"),
            ("size", "100"),
            ("other", "ignored"),
        ])
        .unwrap();
        assert_eq!(q.status, vec![Status::Open, Status::InProgress]);
        assert_eq!(
            q.sort,
            SortKey {
                field: SortField::Priority,
                descending: true
            }
        );
        assert_eq!(q.size, 100);
        assert_eq!(q.page, 1);
        let back =
            TicketQuery::from_pairs(q.to_pairs().iter().map(|(k, v)| (*k, v.as_str()))).unwrap();
        assert_eq!(back, q);
    }

    #[test]
    fn ticket_query_reports_every_bad_field() {
        let errs = TicketQuery::from_pairs([
            ("status", "Closed"),
            ("size", "101"),
            ("page", "0"),
            ("sort", "title"),
            ("assigned_agent_id", "-3"),
        ])
        .unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            ["status", "size", "page", "sort", "assigned_agent_id"]
        );
    }

    #[test]
    fn searches_are_words_matched_as_prefixes_and_bounded() {
        let words: Vec<_> = search_terms("pass* e-mail x Ünï")
            .iter()
            .map(|t| (t.text, t.prefix))
            .collect();
        assert_eq!(
            words,
            [
                ("pass", true),
                ("e", false),
                ("mail", true),
                ("x", false),
                ("Ünï", true)
            ]
        );
        assert!(search_terms(" -- ** ").is_empty());
        let nine = "a1 b2 c3 d4 e5 f6 g7 h8 i9";
        let err = TicketQuery::from_pairs([("q", nine)]).unwrap_err();
        assert_eq!(err[0].field, "q");
        assert!(TicketQuery::from_pairs([("q", "a1 b2 c3 d4 e5 f6 g7 h8")]).is_ok());
        // Punctuation splits words too: this is nine.
        assert!(TicketQuery::from_pairs([("q", "a-b-c-d-e-f-g-h-i")]).is_err());
    }

    #[test]
    fn blank_search_is_no_search() {
        assert_eq!(TicketQuery::from_pairs([("q", "  ")]).unwrap().q, None);
        assert!(TicketQuery::from_pairs([("q", "a\u{0}b")]).is_err());
    }

    #[test]
    fn log_query_limits() {
        assert_eq!(LogQuery::from_pairs([]).unwrap().limit, 100);
        assert!(LogQuery::from_pairs([("limit", "1001")]).is_err());
        let q = LogQuery::from_pairs([("activity_type", "Auth"), ("before_id", "9")]).unwrap();
        assert_eq!(q.activity_type, Some(ActivityType::Auth));
        assert_eq!(q.before_id, Some(9));
    }
}
