//! Tickets: list (with filters, sort, search and paging), the agent queue, read, create,
//! change, delete and history — each one transaction script over the storage interface.

use tms_core::api::HistoryEntry;
use tms_core::api::{
    BulkChangeRequest, BulkChanges, NewTicketRequest, Page, SortField, SortKey, TagCount, Ticket,
    TicketDetail, TicketListItem, TicketQuery, TicketUpdate,
};
use tms_core::rules::{self, TicketChange, TicketFacts};
use tms_core::timefmt::{self, Timestamp};
use tms_core::validate::{Body, Tag, TicketTitle, tag_set};
use tms_core::{ActivityType, Actor, HistoryKind, Priority, Status, ValidationError};

use super::notify::{self, Notify};
use super::pages::{Lookup, PageKey};
use super::{ServiceError, assignment, sla};
use crate::etag::Tagged;
use crate::state::AppState;
use crate::store::{Field, ListPage, NewTicket, Read, StoreError, TicketState, Write, value_of};

/// How long a search's statements may run before the search is refused as too costly.
pub const SEARCH_BUDGET: std::time::Duration = std::time::Duration::from_secs(2);

/// Records a read in the activity log when the server audits reads.
async fn audit_read(
    app: &AppState,
    actor: Actor,
    details: String,
    ticket_id: Option<i64>,
) -> Result<(), ServiceError> {
    if !app.config.audit_reads {
        return Ok(());
    }
    let now = timefmt::now();
    app.store
        .write(move |tx| {
            tx.insert_log(actor.id, ActivityType::Read, &details, ticket_id, now)
                .map_err(ServiceError::from)
        })
        .await
}

/// A ticket as `actor` may read it: a Requester is never shown its tags.
pub fn redact(actor: Actor, t: &mut Ticket) {
    if !actor.role.is_staff() {
        t.tags = None;
    }
}

/// A ticket with its thread as `actor` may read it: a Requester is shown neither its tags
/// nor its internal notes.
pub fn redact_detail(actor: Actor, d: &mut TicketDetail) {
    redact(actor, &mut d.ticket);
    d.comments
        .retain(|c| rules::can_see_comment(actor, c.comment.is_internal));
}

/// Which tickets a list shows: everything the caller may see, or one agent's queue.
pub enum Scope {
    All,
    Queue(i64),
}

/// A page of the tickets the caller may see (a Requester: their own), filtered, sorted and
/// paged by the query string's `pairs`, as its reply (JSON and `ETag`). Search results come
/// newest first by ticket number unless a sort is asked for — the order the search index
/// yields them in, so that any term costs the same.
///
/// A page nothing has changed since it was last read is served from memory
/// (`service::pages`): the caller's session was checked, and the read is logged when reads
/// are audited, all the same. Searches too: a search remembered is the same data under the
/// same generation rule, and serving it again spares the search threads.
pub async fn list(
    app: &AppState,
    actor: Actor,
    pairs: &[(String, String)],
    scope: Scope,
) -> Result<Tagged, ServiceError> {
    if let Scope::Queue(_) = scope {
        rules::check_view_queue(actor)?;
    }
    let only = rules::list_scope(actor);
    let (audit, queue) = match scope {
        Scope::All => ("viewing all tickets", None),
        Scope::Queue(agent) => ("viewing assigned tickets", Some(agent)),
    };
    let key = PageKey {
        class: only,
        queue,
        pairs: pairs.to_vec(),
    };
    // Which tickets are in an SLA state changes as time passes, not only with the data: such
    // pages are served for at most as long as their totals are used past a change of state
    // (`store::counts::TIMED_LAG_US`). Other pages show states at most `pages::MAX_AGE` old.
    let by_time = pairs.iter().any(|(k, _)| k == "sla");
    let reply = match app.pages.lookup(&key) {
        Lookup::Hit(reply) => reply,
        Lookup::Miss(generation) => {
            let page = read_page(app, actor, pairs, queue, only).await?;
            let reply = Tagged::new(page, None);
            let max_age = match by_time {
                true => std::time::Duration::from_micros(crate::store::counts::TIMED_LAG_US as u64),
                false => super::pages::MAX_AGE,
            };
            app.pages.remember_for(key, generation, &reply, max_age);
            reply
        }
    };
    audit_read(app, actor, audit.into(), None).await?;
    Ok(reply)
}

/// A page of a list, read from the database.
async fn read_page(
    app: &AppState,
    actor: Actor,
    pairs: &[(String, String)],
    queue: Option<i64>,
    only: Option<i64>,
) -> Result<Page<TicketListItem>, ServiceError> {
    let mut q = TicketQuery::from_pairs(super::pairs(pairs))
        .map_err(|e| ServiceError::invalid_at("query", e))?;
    let explicit_sort = pairs.iter().any(|(k, _)| k == "sort");
    if let Some(agent) = queue {
        q.assigned_agent_id = Some(agent);
        q.unassigned = false;
    }
    let sort = if q.q.is_some() && !explicit_sort {
        SortKey {
            field: SortField::Id,
            descending: true,
        }
    } else {
        q.sort
    };
    let (page, size) = (q.page, q.size);
    let mut found = fetch(app, actor, q, sort, only).await?;
    for item in &mut found.items {
        redact(actor, &mut item.ticket);
    }
    let mut out = Page::new(found.items, found.total, page, size);
    out.next_cursor = found.next_cursor;
    Ok(out)
}

/// One page of a list, on the engine's search capacity when it searches.
async fn fetch(
    app: &AppState,
    actor: Actor,
    q: TicketQuery,
    sort: SortKey,
    only: Option<i64>,
) -> Result<ListPage, ServiceError> {
    if only.is_some() && !q.tag.is_empty() {
        // A Requester sees no tags: filtering by one must not tell which tickets carry it.
        return Ok(ListPage::empty(0));
    }
    if q.q.is_some() {
        let list = move |r: &dyn Read| r.tickets(&q, sort, only).map_err(list_error);
        // A search can cost far more than a list: a few at a time per user, on the engine's
        // search capacity, within a budget.
        let permit = app
            .searches
            .try_start(actor.id)
            .ok_or(ServiceError::Busy(1))?;
        // Held by the search itself: released when its statements end, not when a client
        // that hung up drops the request.
        app.store
            .search(SEARCH_BUDGET, move |r| {
                let _permit = permit;
                list(r)
            })
            .await
    } else {
        app.store.tickets(q, sort, only).await.map_err(list_error)
    }
}

/// The tickets the caller may see that match a list query (a saved view's), without reading
/// them: the `total` of its first page.
pub async fn count(app: &AppState, actor: Actor, mut q: TicketQuery) -> Result<u64, ServiceError> {
    q.page = 1;
    q.size = 1;
    q.after = None;
    let sort = q.sort;
    Ok(fetch(app, actor, q, sort, rules::list_scope(actor))
        .await?
        .total)
}

fn list_error(e: StoreError) -> ServiceError {
    match e {
        StoreError::Interrupted => ServiceError::invalid_at(
            "query",
            vec![ValidationError::new(
                "q",
                "value_error.search_too_costly",
                format!(
                    "this search took longer than {} s to answer; use longer or fewer common words, or add a filter",
                    SEARCH_BUDGET.as_secs()
                ),
            )],
        ),
        StoreError::BadCursor => ServiceError::invalid_at(
            "query",
            vec![ValidationError::new(
                "after",
                "value_error.cursor",
                "is not a cursor of this list's sort order",
            )],
        ),
        other => other.into(),
    }
}

fn detail(r: &dyn Read, id: i64) -> Result<Option<TicketDetail>, ServiceError> {
    Ok(r.ticket_thread(id)?
        .map(|(item, comments)| TicketDetail::of(item, comments)))
}

/// One ticket with its people and its thread, for the caller of a session token, whose
/// session is read at the same time as the ticket (one round trip instead of two, on PostgreSQL in the same batch of statements):
/// the ticket is shown only once the session proved live and the caller may see it.
pub async fn read_for_token(
    app: &AppState,
    token: &str,
    id: i64,
) -> Result<TicketDetail, ServiceError> {
    let (caller, found) = tokio::join!(
        super::sessions::authenticate(app, token),
        app.store.ticket_thread(id)
    );
    let caller = caller?;
    let actor = Actor {
        id: caller.user.id,
        role: caller.user.role,
    };
    shown(app, actor, id, found?).await
}

/// The ticket `found` (a read of ticket `id`) if `actor` may see it.
async fn shown(
    app: &AppState,
    actor: Actor,
    id: i64,
    found: Option<(TicketListItem, Vec<tms_core::api::CommentWithUser>)>,
) -> Result<TicketDetail, ServiceError> {
    let (item, comments) = found
        .filter(|(item, _)| rules::can_see_ticket(actor, item.ticket.requester_id))
        .ok_or_else(|| ServiceError::ticket_not_found(id))?;
    audit_read(app, actor, format!("viewing ticket {id}"), Some(id)).await?;
    let mut shown = TicketDetail::of(item, comments);
    redact_detail(actor, &mut shown);
    Ok(shown)
}

/// Every change of a ticket, oldest first, for whoever may see it.
pub async fn history(
    app: &AppState,
    actor: Actor,
    id: i64,
) -> Result<Vec<HistoryEntry>, ServiceError> {
    app.store
        .read(move |r| {
            let t = r
                .ticket(id)?
                .ok_or_else(|| ServiceError::ticket_not_found(id))?;
            rules::check_see_ticket(actor, t.requester_id)
                .map_err(|d| ServiceError::denied(d, || ServiceError::ticket_not_found(id)))?;
            let mut entries = r.history(&t)?;
            if !actor.role.is_staff() {
                entries
                    .retain(|e| !matches!(e.kind, HistoryKind::Tags | HistoryKind::InternalNote));
            }
            Ok(entries)
        })
        .await
}

/// The tags on the tickets `actor` can see, most used first; none for a Requester, who is
/// not shown tags.
pub async fn tags(app: &AppState, actor: Actor) -> Result<Vec<TagCount>, ServiceError> {
    if !actor.role.is_staff() {
        return Ok(Vec::new());
    }
    let counts = app
        .store
        .read(|r| Ok::<_, ServiceError>(r.tag_counts()?))
        .await?;
    Ok(counts
        .into_iter()
        .map(|(name, count)| TagCount { name, count })
        .collect())
}

/// 422 unless `agent` may be assigned tickets.
fn check_assignee(r: &dyn Read, agent: i64) -> Result<(), ServiceError> {
    match r.user(agent)? {
        Some(u) if rules::can_be_assigned(u.role, u.is_active) => Ok(()),
        _ => Err(ServiceError::invalid(ValidationError::new(
            "assigned_agent_id",
            "value_error.assignee",
            format!("user {agent} is not an active helpdesk agent or admin"),
        ))),
    }
}

/// File a ticket. Staff may file for someone else, pre-assign, or pick the status.
pub async fn create(
    app: &AppState,
    actor: Actor,
    req: NewTicketRequest,
) -> Result<Ticket, ServiceError> {
    let title = TicketTitle::parse(&req.title).map_err(ServiceError::invalid)?;
    let description =
        Body::parse("description", &req.description).map_err(ServiceError::invalid)?;
    rules::check_create_ticket(actor, req.requester_id, req.status, req.assigned_agent_id)?;
    let tags = parse_tags(actor, req.tags.as_deref())?.unwrap_or_default();
    let now = timefmt::now();
    let status = req.status.unwrap_or(Status::Open);
    let n = Notify::of(app);
    app.store
        .write(move |tx| {
            let requester_id = req.requester_id.unwrap_or(actor.id);
            if requester_id != actor.id || req.assigned_agent_id.is_some() {
                // The named people must stay active until this ticket is stored.
                tx.share_accounts()?;
            }
            if requester_id != actor.id && !tx.user(requester_id)?.is_some_and(|u| u.is_active) {
                return Err(ServiceError::invalid(ValidationError::new(
                    "requester_id",
                    "value_error.requester",
                    format!("user {requester_id} is not an active user"),
                )));
            }
            if let Some(agent) = req.assigned_agent_id {
                check_assignee(tx, agent)?;
            }
            let auto = if req.assigned_agent_id.is_none() && status.is_unresolved() {
                assignment::pick(tx)?
            } else {
                None
            };
            let priority = req.priority.unwrap_or(Priority::Medium);
            let new = NewTicket {
                title: title.as_str(),
                description: description.as_str(),
                status,
                priority,
                requester_id,
                assigned_agent_id: req.assigned_agent_id.or(auto.map(|(agent, _)| agent)),
                resolution_date: rules::resolution_on_create(status, now),
                creation_date: now,
                tags: &tags,
                sla: sla::start(tx, priority, status, now)?,
            };
            let mut t = tx.insert_ticket(&new)?;
            let details = format!("created ticket {}", t.id);
            tx.insert_log(actor.id, ActivityType::Create, &details, Some(t.id), now)?;
            if let Some((_, mode)) = auto {
                // Logged and in the history as an assignment made just after the creation.
                let unassigned = Ticket {
                    assigned_agent_id: None,
                    ..t.clone()
                };
                let new = TicketState::of(&t);
                if let Some(details) = describe_changes(tx, &unassigned, &new)? {
                    tx.record_history(&unassigned, &new, actor.id, now)?;
                    let details = format!(
                        "{details} (auto-assignment, {})",
                        assignment::describe(mode)
                    );
                    tx.insert_log(actor.id, ActivityType::Update, &details, Some(t.id), now)?;
                }
            }
            notify::ticket_created(tx, n, actor, &t, auto.is_some(), now)?;
            redact(actor, &mut t);
            Ok(t)
        })
        .await
}

/// Tags sent by `actor` (`field` names them in errors): staff only (403), each valid (422).
fn parse_tags(actor: Actor, tags: Option<&[String]>) -> Result<Option<Vec<String>>, ServiceError> {
    let Some(tags) = tags else { return Ok(None) };
    rules::check_set_tags(actor)?;
    Ok(Some(tag_set("tags", tags).map_err(ServiceError::invalid)?))
}

/// How a change treats a ticket's tags.
enum TagChange {
    Keep,
    /// Replace the set (create, PUT, PATCH).
    Set(Vec<String>),
    /// Add some and take some off (a bulk change).
    Edit {
        add: Vec<String>,
        remove: Vec<String>,
    },
}

impl TagChange {
    /// The tags of a ticket that has `old`, or why it cannot have them.
    fn apply(&self, old: &[String]) -> Result<Vec<String>, ServiceError> {
        match self {
            TagChange::Keep => Ok(old.to_vec()),
            TagChange::Set(tags) => Ok(tags.clone()),
            TagChange::Edit { add, remove } => {
                let merged: Vec<String> = old
                    .iter()
                    .chain(add)
                    .filter(|t| !remove.contains(t))
                    .cloned()
                    .collect();
                tag_set("add_tags", &merged).map_err(ServiceError::invalid)
            }
        }
    }
}

/// A change of some fields of a ticket, parsed; `None` keeps a field.
struct Change {
    title: Option<TicketTitle>,
    description: Option<Body>,
    tags: TagChange,
    req: TicketUpdate,
}

/// A full-object PUT (all of title, description, status and priority) — the web client's form
/// sends back every field it read — that sends a field's value from before another user's
/// latest change of that field is resending what it read, not changing it back: that field
/// keeps the other user's value, so two forms filled from the same read cannot silently undo
/// each other's changes. (Clients that send only what they change are not second-guessed.)
/// See `migrations/sqlite/0008_ticket_history.sql`.
fn keep_later_changes(
    r: &dyn Read,
    old: &Ticket,
    actor: i64,
    c: &mut Change,
) -> Result<(), ServiceError> {
    let stale = |field: Field, value: Option<String>| -> Result<bool, ServiceError> {
        if value == value_of(old, field) {
            return Ok(false);
        }
        let last = r.last_change(old.id, field)?;
        Ok(last.is_some_and(|c| c.actor_id != actor && c.old_value == value))
    };
    if let Some(t) = c.title.as_ref()
        && stale(Field::Title, Some(t.as_str().to_string()))?
    {
        c.title = None;
    }
    if let Some(d) = c.description.as_ref()
        && stale(Field::Description, Some(d.as_str().to_string()))?
    {
        c.description = None;
    }
    let req = &mut c.req;
    if let Some(s) = req.status
        && stale(Field::Status, Some(s.to_string()))?
    {
        // The resolution date goes with the status it was read with.
        req.status = None;
        req.resolution_date = None;
    }
    if let Some(p) = req.priority
        && stale(Field::Priority, Some(p.to_string()))?
    {
        req.priority = None;
    }
    // A resolution date travels in whole seconds; history keeps microseconds.
    if let Some(sent) = req.resolution_date {
        let second = |t: Timestamp| timefmt::to_micros(timefmt::whole_seconds(t));
        let sent = sent.map(second);
        if sent != old.resolution_date.map(second)
            && let Some(c) = r.last_change(old.id, Field::ResolutionDate)?
        {
            let before = c
                .old_value
                .and_then(|v| v.parse::<i64>().ok())
                .map(|us| second(timefmt::from_micros(us)));
            if c.actor_id != actor && before == sent {
                req.resolution_date = None;
            }
        }
    }
    if let Some(a) = req.assigned_agent_id
        && stale(Field::Assignee, a.map(|id| id.to_string()))?
    {
        req.assigned_agent_id = None;
    }
    if let TagChange::Set(tags) = &c.tags
        && stale(Field::Tags, (!tags.is_empty()).then(|| tags.join(" ")))?
    {
        c.tags = TagChange::Keep;
    }
    Ok(())
}

/// Change some fields of a ticket; omitted fields stay. `full_object` is a PUT of every
/// field (see [`keep_later_changes`]).
/// `if_match`: the versions the caller's change was made against (`If-Match`); when the
/// ticket is at none of them, nothing changes and the caller gets [`ServiceError::Stale`]
/// with the ticket as it is. `None` changes whatever the version (clients that send none).
pub async fn update(
    app: &AppState,
    actor: Actor,
    id: i64,
    req: TicketUpdate,
    full_object: bool,
    if_match: Option<Vec<i64>>,
) -> Result<TicketDetail, ServiceError> {
    let title = req
        .title
        .as_deref()
        .map(TicketTitle::parse)
        .transpose()
        .map_err(ServiceError::invalid)?;
    let description = req
        .description
        .as_deref()
        .map(|d| Body::parse("description", d))
        .transpose()
        .map_err(ServiceError::invalid)?;
    // Checked here, permitted once the ticket is known to be visible (below).
    let tags = match req.tags.as_deref() {
        Some(tags) => TagChange::Set(tag_set("tags", tags).map_err(ServiceError::invalid)?),
        None => TagChange::Keep,
    };
    // A client that names the version it read needs no guessing at what it resent.
    let full_object = full_object
        && if_match.is_none()
        && req.title.is_some()
        && req.description.is_some()
        && req.status.is_some()
        && req.priority.is_some();
    let mut change = Change {
        title,
        description,
        tags,
        req,
    };
    let now = timefmt::now();
    let n = Notify::of(app);
    app.store
        .write(move |tx| {
            if change.req.assigned_agent_id.flatten().is_some() {
                // The new assignee must stay active until this change is stored (a
                // deactivation unassigns their open tickets: it must see this one).
                tx.share_accounts()?;
            }
            let old = tx
                .ticket_for_update(id)?
                .filter(|t| rules::can_see_ticket(actor, t.requester_id))
                .ok_or_else(|| ServiceError::ticket_not_found(id))?;
            if let Some(versions) = &if_match
                && !versions.contains(&old.version)
            {
                let mut current =
                    detail(tx, id)?.ok_or_else(|| ServiceError::ticket_not_found(id))?;
                redact_detail(actor, &mut current);
                return Err(ServiceError::Stale(Box::new(current)));
            }
            if !matches!(change.tags, TagChange::Keep) {
                // After the visibility check: a ticket the caller cannot see is a 404.
                rules::check_set_tags(actor)?;
            }
            if full_object {
                keep_later_changes(tx, &old, actor.id, &mut change)?;
            }
            apply_change(tx, n, actor, &old, &change, now)?;
            let mut changed = detail(tx, id)?.ok_or_else(|| ServiceError::ticket_not_found(id))?;
            redact_detail(actor, &mut changed);
            Ok(changed)
        })
        .await
}

/// Applies `change` to ticket `old` (read under its row lock) for `actor`: the rules checked,
/// the new state stored with its history rows and activity-log entry, as one change of one
/// ticket. Changing nothing stores nothing.
fn apply_change(
    tx: &dyn Write,
    n: Notify,
    actor: Actor,
    old: &Ticket,
    change: &Change,
    now: Timestamp,
) -> Result<(), ServiceError> {
    let id = old.id;
    let req = &change.req;
    let facts = TicketFacts {
        requester_id: old.requester_id,
        status: old.status,
        assigned_agent_id: old.assigned_agent_id,
        resolution_date: old.resolution_date,
        creation_date: old.creation_date,
    };
    let asked = TicketChange {
        status: req.status,
        assigned_agent_id: req.assigned_agent_id,
        resolution_date: req.resolution_date,
    };
    rules::check_update_ticket(actor, &facts, &asked)
        .map_err(|d| ServiceError::denied(d, || ServiceError::ticket_not_found(id)))?;
    let assignee = req.assigned_agent_id.unwrap_or(old.assigned_agent_id);
    if let Some(agent) = assignee.filter(|a| Some(*a) != old.assigned_agent_id) {
        check_assignee(tx, agent)?;
    }
    let resolution = rules::next_resolution_date(&facts, req.status, req.resolution_date, now)
        .map_err(ServiceError::invalid)?;
    let tags = change.tags.apply(old.tags.as_deref().unwrap_or_default())?;
    let new = TicketState {
        title: change
            .title
            .as_ref()
            .map_or(old.title.as_str(), |t| t.as_str()),
        description: change
            .description
            .as_ref()
            .map_or(old.description.as_str(), |d| d.as_str()),
        status: req.status.unwrap_or(old.status),
        priority: req.priority.unwrap_or(old.priority),
        resolution_date: resolution,
        assigned_agent_id: assignee,
        updated_at: now,
        tags: &tags,
    };
    if let Some(details) = describe_changes(tx, old, &new)? {
        // Before the update, which then reads the clocks back with the ticket.
        sla::on_change(tx, old, new.status, new.priority, now)?;
        let changed = tx.update_ticket(id, &new)?;
        tx.record_history(old, &new, actor.id, now)?;
        tx.insert_log(actor.id, ActivityType::Update, &details, Some(id), now)?;
        notify::ticket_changed(tx, n, actor, old, &changed, now)?;
    }
    Ok(())
}

/// Most tickets one bulk change may name.
pub const BULK_MAX: usize = 500;

/// One change applied to many tickets (staff), all or nothing, in one transaction: each
/// ticket's change checked, stored and logged as if made alone. When any ticket cannot take
/// it (invisible, not permitted, invalid for it), nothing changes and every failing id is
/// named with its reason. Returns the changed tickets in the order of `req.ids`.
pub async fn bulk(
    app: &AppState,
    actor: Actor,
    req: BulkChangeRequest,
) -> Result<Vec<TicketListItem>, ServiceError> {
    rules::check_bulk_change(actor)?;
    let BulkChangeRequest { ids, changes } = req;
    let mut problems = Vec::new();
    if ids.is_empty() || ids.len() > BULK_MAX {
        problems.push(ValidationError::new(
            "ids",
            "value_error.list",
            format!("name 1 to {BULK_MAX} tickets"),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = ids.iter().find(|id| !seen.insert(**id)) {
        problems.push(ValidationError::new(
            "ids",
            "value_error.duplicate",
            format!("ticket {dup} is named twice"),
        ));
    }
    let names_tags = |tags: &Option<Vec<String>>| tags.as_ref().is_some_and(|t| !t.is_empty());
    let edits_tags = names_tags(&changes.add_tags) || names_tags(&changes.remove_tags);
    let plain = BulkChanges {
        add_tags: None,
        remove_tags: None,
        ..changes.clone()
    };
    if plain == BulkChanges::default() && !edits_tags {
        problems.push(ValidationError::new(
            "changes",
            "value_error.empty",
            "name at least one change: status, priority, assigned_agent_id, add_tags or remove_tags",
        ));
    }
    let add =
        tag_set("add_tags", changes.add_tags.as_deref().unwrap_or_default()).unwrap_or_else(|e| {
            problems.push(e);
            Vec::new()
        });
    // Any number of tags may be taken off; each must be one.
    let remove: Vec<String> = changes
        .remove_tags
        .iter()
        .flatten()
        .filter_map(|t| match Tag::parse("remove_tags", t) {
            Ok(tag) => Some(tag.into_inner()),
            Err(e) => {
                problems.push(e);
                None
            }
        })
        .collect();
    if !problems.is_empty() {
        return Err(ServiceError::invalid_at("body", problems));
    }
    let change = Change {
        title: None,
        description: None,
        tags: if edits_tags {
            TagChange::Edit { add, remove }
        } else {
            TagChange::Keep
        },
        req: TicketUpdate {
            status: changes.status,
            priority: changes.priority,
            assigned_agent_id: changes.assigned_agent_id,
            ..Default::default()
        },
    };
    let now = timefmt::now();
    let n = Notify::of(app);
    app.store
        .write(move |tx| {
            if change.req.assigned_agent_id.flatten().is_some() {
                tx.share_accounts()?;
            }
            // Locked in id order: two bulk changes over the same tickets take turns instead of
            // deadlocking.
            let mut order = ids.clone();
            order.sort_unstable();
            let mut failed = Vec::new();
            for id in order {
                let outcome = tx
                    .ticket_for_update(id)?
                    .filter(|t| rules::can_see_ticket(actor, t.requester_id))
                    .ok_or_else(|| ServiceError::ticket_not_found(id))
                    .and_then(|old| apply_change(tx, n, actor, &old, &change, now));
                match outcome {
                    Ok(()) => {}
                    Err(e @ (ServiceError::Internal(_) | ServiceError::Busy(_))) => return Err(e),
                    Err(e) => failed.push(bulk_failure(id, e)),
                }
            }
            if !failed.is_empty() {
                // Returning an error undoes the changes already made.
                failed.sort_by_key(|(id, ..)| ids.iter().position(|x| x == id));
                return Err(ServiceError::BulkRefused(failed));
            }
            ids.iter()
                .map(|&id| {
                    tx.ticket_item(id)?
                        .ok_or_else(|| ServiceError::ticket_not_found(id))
                })
                .collect()
        })
        .await
}

/// Why ticket `id` cannot take a bulk change: the id, a machine-readable kind and a sentence.
fn bulk_failure(id: i64, e: ServiceError) -> (i64, &'static str, String) {
    let (kind, why) = match e {
        ServiceError::NotFound(m) => ("not_found", m),
        ServiceError::Forbidden(m) => ("forbidden", m),
        ServiceError::Conflict(m) => ("conflict", m),
        ServiceError::Invalid(fields) => (
            "value_error",
            fields
                .into_iter()
                .map(|(_, f)| format!("{}: {}", f.field, f.msg))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        other => ("error", other.to_string()),
    };
    (id, kind, format!("ticket {id}: {why}"))
}

/// Delete a ticket and its thread (SysAdmin).
pub async fn delete(app: &AppState, actor: Actor, id: i64) -> Result<Ticket, ServiceError> {
    let now = timefmt::now();
    app.store
        .write(move |tx: &dyn Write| {
            let t = tx
                .ticket_for_update(id)?
                .ok_or_else(|| ServiceError::ticket_not_found(id))?;
            rules::check_delete_ticket(actor, t.requester_id)
                .map_err(|d| ServiceError::denied(d, || ServiceError::ticket_not_found(id)))?;
            tx.delete_ticket(id)?;
            let details = format!("deleted ticket {id}");
            tx.insert_log(actor.id, ActivityType::Delete, &details, Some(id), now)?;
            notify::ticket_deleted(tx, &t, now)?;
            Ok(t)
        })
        .await
}

fn name(r: &dyn Read, id: Option<i64>) -> Result<String, ServiceError> {
    Ok(match id {
        None => "nobody".into(),
        Some(id) => r
            .user(id)?
            .map_or_else(|| format!("user {id}"), |u| u.username),
    })
}

/// The activity log's sentence for an update, in the seed's wording: `None` if nothing
/// changes; otherwise e.g. "updated ticket 12: status Open → In Progress, assignee nobody →
/// John", or "ticket 12 has been resolved: …" when it moves to Resolved.
fn describe_changes(
    r: &dyn Read,
    old: &Ticket,
    new: &TicketState<'_>,
) -> Result<Option<String>, ServiceError> {
    let mut parts = Vec::new();
    if old.title != new.title {
        parts.push(format!("title \"{}\" → \"{}\"", old.title, new.title));
    }
    if old.description != new.description {
        parts.push("description edited".to_string());
    }
    if old.status != new.status {
        parts.push(format!("status {} → {}", old.status, new.status));
    }
    if old.priority != new.priority {
        parts.push(format!("priority {} → {}", old.priority, new.priority));
    }
    if old.assigned_agent_id != new.assigned_agent_id {
        parts.push(format!(
            "assignee {} → {}",
            name(r, old.assigned_agent_id)?,
            name(r, new.assigned_agent_id)?
        ));
    }
    if old.resolution_date != new.resolution_date && old.status == new.status {
        parts.push("resolution date changed".to_string());
    }
    let old_tags = old.tags.as_deref().unwrap_or_default();
    if old_tags != new.tags {
        let shown = |t: &[String]| {
            if t.is_empty() {
                "none".to_string()
            } else {
                t.join(" ")
            }
        };
        parts.push(format!("tags {} → {}", shown(old_tags), shown(new.tags)));
    }
    if parts.is_empty() {
        return Ok(None);
    }
    let id = old.id;
    let head = if new.status == Status::Resolved && old.status != Status::Resolved {
        format!("ticket {id} has been resolved")
    } else {
        format!("updated ticket {id}")
    };
    Ok(Some(format!("{head}: {}", parts.join(", "))))
}
