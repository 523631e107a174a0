//! `tms user list|add` (SysAdmin).

use super::error::Result;
use super::output::{JsonFlag, ListFormat, Listed, Out, wire_time};
use super::{Session, input};
use tms_core::Role;
use tms_core::api::{NewUserRequest, User, UserQuery};
use tms_core::timefmt::{Timestamp, age};

#[derive(Debug, Clone, clap::Subcommand)]
pub enum UserCommand {
    /// List the accounts, by id (SysAdmin).
    List(ListArgs),
    /// Create an account and print its id (SysAdmin).
    Add(AddArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct ListArgs {
    /// Only users whose username or email holds this text.
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// Only users of this role: requester, helpdesk-agent or sysadmin.
    #[arg(long, value_parser = input::role, value_name = "ROLE")]
    pub role: Option<Role>,
    /// Deactivated users too.
    #[arg(long)]
    pub include_inactive: bool,
    #[command(flatten)]
    pub format: ListFormat,
}

#[derive(Debug, Clone, clap::Args)]
pub struct AddArgs {
    /// The new user's email.
    #[arg(long, value_name = "EMAIL")]
    pub email: String,
    /// 3 to 32 letters, digits, `_`, `.` or `-`.
    #[arg(long, value_name = "NAME")]
    pub username: String,
    /// requester (the default), helpdesk-agent or sysadmin.
    #[arg(long, value_parser = input::role, value_name = "ROLE", default_value = "Requester")]
    pub role: Role,
    /// Read the new user's password from the first line of standard input instead of
    /// asking for it (twice) at the terminal.
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub out: JsonFlag,
}

pub async fn run(s: &Session, cmd: UserCommand, out: &mut Out) -> Result<()> {
    match cmd {
        UserCommand::List(a) => list(s, &a, out).await,
        UserCommand::Add(a) => add(s, &a, out).await,
    }
}

async fn list(s: &Session, a: &ListArgs, out: &mut Out) -> Result<()> {
    let q = UserQuery {
        q: a.search.clone(),
        role: a.role,
        include_inactive: a.include_inactive,
    };
    let users = s
        .client()
        .list_users_raw(&q)
        .await
        .map_err(|e| s.error(e))?;
    Ok(out.list(a.format.format(), &users)?)
}

async fn add(s: &Session, a: &AddArgs, out: &mut Out) -> Result<()> {
    let password = input::password(a.password_stdin, "Password for the new user: ", true)?;
    let body = NewUserRequest {
        username: a.username.clone(),
        email: a.email.clone(),
        password,
        role: a.role,
    };
    let user = s
        .client()
        .create_user_raw(&body)
        .await
        .map_err(|e| s.error(e))?;
    if a.out.json {
        return Ok(out.json(&user)?);
    }
    Ok(out.line(&user.value.id.to_string())?)
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

impl Listed for User {
    const TABLE: &'static [&'static str] = &[
        "ID", "USERNAME", "EMAIL", "ROLE", "ACTIVE", "AWAY", "CREATED",
    ];
    const CSV: &'static [&'static str] = &[
        "id",
        "username",
        "email",
        "role",
        "is_active",
        "is_away",
        "created_at",
    ];
    const NONE: &'static str = "No users match.";

    fn table_row(&self, now: Timestamp) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.username.clone(),
            self.email.clone(),
            self.role.to_string(),
            yes_no(self.is_active).into(),
            yes_no(self.is_away).into(),
            age(self.created_at, now),
        ]
    }

    /// Flags as the JSON writes them (`true`/`false`), so both forms read alike.
    fn csv_record(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.username.clone(),
            self.email.clone(),
            self.role.to_string(),
            self.is_active.to_string(),
            self.is_away.to_string(),
            wire_time(self.created_at),
        ]
    }
}
