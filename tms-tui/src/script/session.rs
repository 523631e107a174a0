//! `tms login`: opens a session and saves it where the terminal client keeps its own, so
//! either one's login serves the other.

use super::error::{Result, ScriptError};
use super::output::Out;
use super::{connect, input, no_saved_sessions};
use crate::Place;
use crate::api::{ApiClient, ApiError, account_key};
use tms_core::api::LoginRequest;

#[derive(Debug, Clone, clap::Args)]
pub struct LoginArgs {
    /// The account's email.
    #[arg(long, value_name = "EMAIL")]
    pub email: String,
    /// Read the password from the first line of standard input instead of asking for it at
    /// the terminal.
    #[arg(long)]
    pub password_stdin: bool,
}

/// Logs in to the server a start would use and saves the session (and the device token the
/// server set, as the terminal client does).
pub(crate) async fn login(place: Place, args: &LoginArgs, out: &mut Out) -> Result<()> {
    let server = place.target.describe();
    let (Some(store), Some(key)) = (place.store, place.target.session_key()) else {
        return Err(match place.target.session_key() {
            None => no_saved_sessions(),
            Some(_) => ScriptError::Other(
                "cannot find the configuration directory to save the session in; set TMS_CONFIG_DIR"
                    .into(),
            ),
        });
    };
    let password = input::password(args.password_stdin, "Password: ", false)?;
    let conn = connect(place.target).await?;
    let mut client = ApiClient::new(&conn.base).map_err(ScriptError::Api)?;
    for (account, token) in store.devices(&key) {
        client.set_device(&account, token);
    }
    let unreachable = |e: ApiError| match e {
        ApiError::Unreachable(why) => ScriptError::Unreachable {
            server: server.clone(),
            why,
        },
        e => ScriptError::Api(e),
    };
    if client.health().await.map_err(unreachable)?.setup_required {
        return Err(ScriptError::Other(format!(
            "{server} has no accounts yet: start `tms` without a command to create the first one"
        )));
    }
    let body = LoginRequest {
        email: args.email.clone(),
        password,
    };
    let session = client.login(&body).await.map_err(unreachable)?;
    store.set(&key, Some(&session.reply.access_token))?;
    if let Some(device) = &session.device {
        store.set_device(&key, &account_key(&args.email), device)?;
    }
    let user = &session.reply.user;
    out.line(&format!(
        "Logged in to {server} as {} ({}).",
        user.username, user.role
    ))?;
    Ok(())
}
