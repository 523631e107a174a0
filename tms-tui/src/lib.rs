//! tms, the terminal client: an Elm-style loop (`app`: state, pure `update`, effects) drawn by
//! `ui` and driven by `driver`, talking to the server only through `api`.

pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod driver;
pub mod editor;
#[cfg(feature = "embedded")]
pub mod embedded;
pub mod screens;
pub mod sort;
pub mod terminal;
pub mod theme;
pub mod ui;
pub mod widgets;

use api::ApiClient;
use app::{Mode, Setup, State};
use cli::{Cli, Command};
use config::SessionStore;
use std::path::PathBuf;
use theme::{Theme, ThemeName};

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// Where the server is.
enum Target {
    Remote(String),
    #[cfg_attr(not(feature = "embedded"), allow(dead_code))]
    Embedded(PathBuf),
    Demo,
}

/// A server to talk to, kept alive as long as this value lives.
struct Connection {
    base: String,
    mode: Mode,
    /// Under which name the session token is saved; `None` never saves (demo).
    session_key: Option<String>,
    #[cfg(feature = "embedded")]
    _server: Option<embedded::Embedded>,
}

/// Runs `tms` with its parsed command line.
pub fn run(cli: Cli) -> Result<(), Error> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(run_async(cli))
}

fn target(cli: &Cli, file: &config::ConfigFile) -> Result<Target, Error> {
    if cli.demo {
        return Ok(Target::Demo);
    }
    if let Some(db) = &cli.db {
        return Ok(Target::Embedded(db.clone()));
    }
    if let Some(url) = cli.server.clone().or_else(|| file.server.clone()) {
        return Ok(Target::Remote(url));
    }
    let db = config::default_db().ok_or("cannot find the user's data directory; pass --db PATH")?;
    Ok(Target::Embedded(db))
}

async fn connect(target: Target) -> Result<Connection, Error> {
    match target {
        Target::Remote(url) => Ok(Connection {
            base: url.trim_end_matches('/').to_string(),
            mode: Mode::Remote,
            session_key: Some(url.trim_end_matches('/').to_string()),
            #[cfg(feature = "embedded")]
            _server: None,
        }),
        #[cfg(feature = "embedded")]
        Target::Embedded(db) => {
            let key = format!("embedded:{}", db.display());
            let server = embedded::Embedded::start(embedded::Db::File(db)).await?;
            Ok(Connection {
                base: server.base_url(),
                mode: Mode::Embedded,
                session_key: Some(key),
                _server: Some(server),
            })
        }
        #[cfg(feature = "embedded")]
        Target::Demo => {
            let server = embedded::Embedded::start(embedded::Db::Demo).await?;
            Ok(Connection {
                base: server.base_url(),
                mode: Mode::Demo,
                session_key: None,
                _server: Some(server),
            })
        }
        #[cfg(not(feature = "embedded"))]
        Target::Embedded(_) | Target::Demo => {
            Err("this tms was built without the embedded server; use --server URL".into())
        }
    }
}

async fn run_async(cli: Cli) -> Result<(), Error> {
    let dir = config::config_dir();
    let file = match &dir {
        Some(d) => config::load(d)?,
        None => config::ConfigFile::default(),
    };
    let conn = connect(target(&cli, &file)?).await?;
    let store = dir.as_deref().map(SessionStore::new);
    let saved = match (&store, &conn.session_key) {
        (Some(s), Some(k)) => s.get(k),
        _ => None,
    };
    let mut client = ApiClient::new(&conn.base)?;
    client.set_token(saved.clone());
    if let Some(Command::Logout) = cli.command {
        return logout(
            &client,
            store.as_ref(),
            conn.session_key.as_deref(),
            saved.is_some(),
        )
        .await;
    }
    let name = cli
        .theme
        .or(file.theme)
        .map(|t| t.parse::<ThemeName>())
        .transpose()?
        .unwrap_or_default();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let server = match conn.mode {
        Mode::Remote => conn.base.clone(),
        Mode::Embedded | Mode::Demo => format!("embedded ({})", conn.base),
    };
    let setup = Setup {
        mode: conn.mode,
        server,
        has_token: saved.is_some(),
    };
    let state = State::new(setup, Theme::pick(name, no_color), tms_core::timefmt::now());
    let drafts = driver::DraftSink {
        store: dir
            .as_deref()
            .map(config::DraftStore::new)
            .filter(|_| conn.session_key.is_some()),
        server: conn.session_key.clone().unwrap_or_default(),
    };
    let tokens = driver::TokenSink {
        store: store.filter(|_| conn.session_key.is_some()),
        key: conn.session_key.clone().unwrap_or_default(),
    };
    let term = terminal::enter();
    let _guard = terminal::Guard;
    driver::run(term, client, state, (tokens, drafts)).await?;
    Ok(())
}

async fn logout(
    client: &ApiClient,
    store: Option<&SessionStore>,
    key: Option<&str>,
    had: bool,
) -> Result<(), Error> {
    if !had {
        println!("Not logged in.");
        return Ok(());
    }
    if let Err(e) = client.logout().await
        && !e.is_unauthorized()
    {
        eprintln!("tms: the server did not confirm the logout ({e}); forgetting the token anyway");
    }
    if let (Some(s), Some(k)) = (store, key) {
        s.set(k, None)?;
    }
    println!("Logged out.");
    Ok(())
}
