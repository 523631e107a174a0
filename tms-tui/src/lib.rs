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
pub mod script;
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

impl Target {
    /// Under which name the session token is saved; `None` never saves (demo).
    fn session_key(&self) -> Option<String> {
        match self {
            Target::Remote(url) => Some(url.trim_end_matches('/').to_string()),
            Target::Embedded(db) => Some(format!("embedded:{}", db.display())),
            Target::Demo => None,
        }
    }

    fn describe(&self) -> String {
        match self {
            Target::Remote(url) => url.trim_end_matches('/').to_string(),
            Target::Embedded(db) => format!("the embedded server on {}", db.display()),
            Target::Demo => "the demo server".into(),
        }
    }
}

async fn connect(target: Target) -> Result<Connection, Error> {
    let session_key = target.session_key();
    match target {
        Target::Remote(url) => Ok(Connection {
            base: url.trim_end_matches('/').to_string(),
            mode: Mode::Remote,
            session_key,
            #[cfg(feature = "embedded")]
            _server: None,
        }),
        #[cfg(feature = "embedded")]
        Target::Embedded(db) => {
            let server = embedded::Embedded::start(embedded::Db::File(db)).await?;
            Ok(Connection {
                base: server.base_url(),
                mode: Mode::Embedded,
                session_key,
                _server: Some(server),
            })
        }
        #[cfg(feature = "embedded")]
        Target::Demo => {
            let server = embedded::Embedded::start(embedded::Db::Demo).await?;
            Ok(Connection {
                base: server.base_url(),
                mode: Mode::Demo,
                session_key,
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
    let Some(start) = prepare(cli).await? else {
        return Ok(());
    };
    let term = terminal::enter();
    let _guard = terminal::Guard;
    driver::run(term, start.client, start.state, start.sinks).await?;
    Ok(())
}

/// Starts `tms` with its parsed command line as [`run`] does, but on `front` instead of the
/// terminal: the client benchmark measures the user's start-up and loop through this.
pub async fn run_on(cli: Cli, front: &mut impl driver::Frontend) -> Result<(), Error> {
    let Some(start) = prepare(cli).await? else {
        return Ok(());
    };
    driver::run_on(front, start.client, start.state, start.sinks).await?;
    Ok(())
}

/// A client ready for its loop, and the server it talks to (kept alive with it).
struct Started {
    _conn: Connection,
    client: ApiClient,
    state: State,
    sinks: (driver::TokenSink, driver::DraftSink),
}

/// What a start knows before any server is touched: the configuration, the server tms would
/// use, and the session saved for it. The terminal client and the scripting commands share it,
/// so a login by either is the other's too.
struct Place {
    dir: Option<PathBuf>,
    file: config::ConfigFile,
    target: Target,
    store: Option<SessionStore>,
    saved: Option<String>,
}

fn locate(cli: &Cli) -> Result<Place, Error> {
    let dir = config::config_dir();
    let file = match &dir {
        Some(d) => config::load(d)?,
        None => config::ConfigFile::default(),
    };
    let target = target(cli, &file)?;
    let store = dir.as_deref().map(SessionStore::new);
    let saved = match (&store, target.session_key()) {
        (Some(s), Some(k)) => s.get(&k),
        _ => None,
    };
    Ok(Place {
        dir,
        file,
        target,
        store,
        saved,
    })
}

/// Everything before the terminal is taken: the configuration, the server (started if
/// embedded), the saved session. `None` when the command was done without the loop (logout).
async fn prepare(cli: Cli) -> Result<Option<Started>, Error> {
    if cli
        .command
        .as_ref()
        .is_some_and(|c| c.is_offline() || c.is_script())
    {
        // Done by the binary before it gets here; nothing to start.
        return Ok(None);
    }
    let Place {
        dir,
        file,
        target,
        store,
        saved,
    } = locate(&cli)?;
    if let Some(Command::Logout) = cli.command {
        logout(target, store.as_ref(), saved).await?;
        return Ok(None);
    }
    let conn = connect(target).await?;
    let mut client = ApiClient::new(&conn.base)?;
    client.set_token(saved.clone());
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
    tokens.load_devices(&mut client);
    Ok(Some(Started {
        _conn: conn,
        client,
        state,
        sinks: (tokens, drafts),
    }))
}

/// `tms logout`: ends the session saved for the server a normal start would use. Without one,
/// names the servers that do have a saved session instead of starting anything.
async fn logout(
    target: Target,
    store: Option<&SessionStore>,
    saved: Option<String>,
) -> Result<(), Error> {
    let Some(token) = saved else {
        println!("Not logged in to {}.", target.describe());
        let others = store.map(SessionStore::servers).unwrap_or_default();
        for server in others.iter().filter(|s| !s.starts_with("embedded:")) {
            println!("A session is saved for {server}: `tms logout --server {server}` ends it.");
        }
        return Ok(());
    };
    let key = target.session_key();
    let what = target.describe();
    let conn = connect(target).await?;
    let mut client = ApiClient::new(&conn.base)?;
    client.set_token(Some(token));
    if let Err(e) = client.logout().await
        && !e.is_unauthorized()
    {
        eprintln!("tms: the server did not confirm the logout ({e}); forgetting the token anyway");
    }
    if let (Some(s), Some(k)) = (store, key) {
        s.set(&k, None)?;
    }
    println!("Logged out of {what}.");
    Ok(())
}
