//! `tms ticket list|show|create|comment|update`.

use super::error::{Result, ScriptError};
use super::output::{JsonFlag, ListFormat, Out};
use super::people::{self, Who};
use super::{Session, input, ticket_text};
use tms_core::api::{NewCommentRequest, NewTicketRequest, SortKey, TicketQuery, TicketUpdate};
use tms_core::{Priority, Status};

/// The most tickets one request asks for (the API's largest page).
const PAGE_SIZE: u64 = 100;

#[derive(Debug, Clone, clap::Subcommand)]
pub enum TicketCommand {
    /// List tickets, newest first (a Requester sees their own), following pages up to --limit.
    List(ListArgs),
    /// Show a ticket with its comments.
    Show(ShowArgs),
    /// File a ticket and print its number.
    Create(CreateArgs),
    /// Comment on a ticket, or (staff) write an internal note.
    Comment(CommentArgs),
    /// Change a ticket's status, priority or assignee.
    Update(UpdateArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct ListArgs {
    /// Only tickets in this status: open, in-progress, waiting or resolved (repeat for any
    /// of several).
    #[arg(long, value_parser = input::status, value_name = "STATUS")]
    pub status: Vec<Status>,
    /// Only tickets of this priority: low, medium or high (repeat for any of several).
    #[arg(long, value_parser = input::priority, value_name = "PRIORITY")]
    pub priority: Vec<Priority>,
    /// Only tickets carrying this tag (repeat: all of them); staff only.
    #[arg(long, value_name = "TAG")]
    pub tag: Vec<String>,
    /// Only tickets assigned to me, to the user with this email, or to nobody (none).
    #[arg(long, value_parser = people::who, value_name = "me|EMAIL|none")]
    pub assignee: Option<Who>,
    /// Only tickets in this SLA state now: ok, at-risk, breached, paused or met (repeat for
    /// any of several).
    #[arg(long, value_parser = input::sla_state, value_name = "STATE")]
    pub sla: Vec<tms_core::SlaState>,
    /// Only tickets holding every word of this search (title, description, comments).
    #[arg(long, value_name = "WORDS")]
    pub search: Option<String>,
    /// creation_date, updated_at, priority, status, id or due (the next SLA due time, soonest
    /// first); a leading `-` sorts descending.
    /// Default -creation_date (-id with --search).
    #[arg(long, value_parser = input::sort, allow_hyphen_values = true, value_name = "FIELD")]
    pub sort: Option<SortKey>,
    /// At most this many tickets.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub limit: u64,
    #[command(flatten)]
    pub format: ListFormat,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ShowArgs {
    /// The ticket's number.
    #[arg(value_parser = clap::value_parser!(i64).range(1..), value_name = "N")]
    pub number: i64,
    #[command(flatten)]
    pub out: JsonFlag,
}

#[derive(Debug, Clone, clap::Args)]
pub struct CreateArgs {
    /// The title: one line, at most 200 characters.
    #[arg(long)]
    pub title: String,
    /// low, medium (the default) or high.
    #[arg(long, value_parser = input::priority, value_name = "PRIORITY")]
    pub priority: Option<Priority>,
    /// What it is about; `-` reads it from standard input. Without it the title is used.
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// `-` reads the description from standard input (as `--description -`).
    #[arg(value_name = "-", value_parser = ["-"], hide_possible_values = true, conflicts_with = "description")]
    pub stdin: Option<String>,
    #[command(flatten)]
    pub out: JsonFlag,
}

#[derive(Debug, Clone, clap::Args)]
pub struct CommentArgs {
    /// The ticket's number.
    #[arg(value_parser = clap::value_parser!(i64).range(1..), value_name = "N")]
    pub number: i64,
    /// The comment; `-` reads it from standard input.
    #[arg(long, short, value_name = "TEXT", required_unless_present = "stdin")]
    pub message: Option<String>,
    /// `-` reads the comment from standard input (as `--message -`).
    #[arg(value_name = "-", value_parser = ["-"], hide_possible_values = true, conflicts_with = "message")]
    pub stdin: Option<String>,
    /// An internal note: staff only, never shown to the requester.
    #[arg(long)]
    pub internal: bool,
    #[command(flatten)]
    pub out: JsonFlag,
}

#[derive(Debug, Clone, clap::Args)]
#[command(group(
    clap::ArgGroup::new("change")
        .required(true)
        .multiple(true)
        .args(["status", "priority", "assign"])
))]
pub struct UpdateArgs {
    /// The ticket's number.
    #[arg(value_parser = clap::value_parser!(i64).range(1..), value_name = "N")]
    pub number: i64,
    /// open, in-progress, waiting or resolved.
    #[arg(long, value_parser = input::status, value_name = "STATUS")]
    pub status: Option<Status>,
    /// low, medium or high.
    #[arg(long, value_parser = input::priority, value_name = "PRIORITY")]
    pub priority: Option<Priority>,
    /// Assign to me, to the staff member with this email, or to nobody (none).
    #[arg(long, value_parser = people::who, value_name = "me|EMAIL|none")]
    pub assign: Option<Who>,
    /// Change the ticket only while it is still at this version (its `version` field);
    /// otherwise change nothing and exit with status 5.
    #[arg(long, value_name = "VERSION")]
    pub if_version: Option<i64>,
    #[command(flatten)]
    pub out: JsonFlag,
}

pub async fn run(s: &Session, cmd: TicketCommand, out: &mut Out) -> Result<()> {
    match cmd {
        TicketCommand::List(a) => list(s, &a, out).await,
        TicketCommand::Show(a) => show(s, &a, out).await,
        TicketCommand::Create(a) => create(s, &a, out).await,
        TicketCommand::Comment(a) => comment(s, &a, out).await,
        TicketCommand::Update(a) => update(s, &a, out).await,
    }
}

/// The list query the flags describe, with a person named by `--assignee` looked up.
async fn query(s: &Session, a: &ListArgs) -> Result<TicketQuery> {
    let mut q = TicketQuery {
        status: a.status.clone(),
        priority: a.priority.clone(),
        tag: a.tag.clone(),
        sla: a.sla.clone(),
        q: a.search.clone(),
        size: a.limit.min(PAGE_SIZE),
        ..TicketQuery::default()
    };
    if let Some(sort) = a.sort {
        q.sort = sort;
    }
    match &a.assignee {
        Some(Who::Nobody) => q.unassigned = true,
        Some(who) => q.assigned_agent_id = people::resolve(s, who).await?,
        None => {}
    }
    Ok(q)
}

async fn list(s: &Session, a: &ListArgs, out: &mut Out) -> Result<()> {
    let mut q = query(s, a).await?;
    let limit = usize::try_from(a.limit).unwrap_or(usize::MAX);
    let mut items = Vec::new();
    let total = loop {
        let page = s
            .client()
            .list_tickets_raw(&q)
            .await
            .map_err(|e| s.error(e))?;
        let empty = page.items.is_empty();
        items.extend(page.items);
        match page.next_cursor {
            Some(cursor) if !empty && items.len() < limit => q.after = Some(cursor),
            _ => break page.total,
        }
    };
    items.truncate(limit);
    let format = a.format.format();
    out.list(format, &items)?;
    if out.is_terminal() && format == super::Format::Table && total > items.len() as u64 {
        out.note(&format!(
            "Showing {} of {total} tickets; --limit shows more.",
            items.len()
        ))?;
    }
    Ok(())
}

async fn show(s: &Session, a: &ShowArgs, out: &mut Out) -> Result<()> {
    let detail = s
        .client()
        .get_ticket_raw(a.number)
        .await
        .map_err(|e| s.error(e))?;
    if a.out.json {
        return Ok(out.json(&detail)?);
    }
    Ok(out.block(&ticket_text::detail(&detail.value, out.now()))?)
}

async fn create(s: &Session, a: &CreateArgs, out: &mut Out) -> Result<()> {
    let description = match (&a.description, &a.stdin) {
        (Some(text), _) => input::text(text)?,
        (None, Some(dash)) => input::text(dash)?,
        (None, None) => a.title.clone(),
    };
    let body = NewTicketRequest {
        title: a.title.clone(),
        description,
        priority: a.priority,
        status: None,
        requester_id: None,
        assigned_agent_id: None,
        tags: None,
    };
    let ticket = s
        .client()
        .create_ticket_raw(&body)
        .await
        .map_err(|e| s.error(e))?;
    if a.out.json {
        return Ok(out.json(&ticket)?);
    }
    Ok(out.line(&ticket.value.id.to_string())?)
}

async fn comment(s: &Session, a: &CommentArgs, out: &mut Out) -> Result<()> {
    let text = match (&a.message, &a.stdin) {
        (Some(text), _) => input::text(text)?,
        (None, Some(dash)) => input::text(dash)?,
        (None, None) => return Err(ScriptError::Usage("give --message TEXT or -".into())),
    };
    let body = NewCommentRequest {
        ticket_id: a.number,
        description: text,
        is_internal: a.internal,
    };
    let comment = s
        .client()
        .create_comment_raw(&body)
        .await
        .map_err(|e| s.error(e))?;
    if a.out.json {
        return Ok(out.json(&comment)?);
    }
    let what = if comment.value.is_internal {
        "internal note"
    } else {
        "comment"
    };
    Ok(out.line(&format!(
        "Added {what} {} to ticket {}.",
        comment.value.id, a.number
    ))?)
}

async fn update(s: &Session, a: &UpdateArgs, out: &mut Out) -> Result<()> {
    let assignee = match &a.assign {
        Some(who) => Some(people::resolve(s, who).await?),
        None => None,
    };
    let body = TicketUpdate {
        status: a.status,
        priority: a.priority,
        assigned_agent_id: assignee,
        ..TicketUpdate::default()
    };
    let detail = s
        .client()
        .update_ticket_raw(a.number, &body, a.if_version)
        .await
        .map_err(|e| s.error(e))?;
    if a.out.json {
        return Ok(out.json(&detail)?);
    }
    Ok(out.line(&ticket_text::updated(&detail.value))?)
}
