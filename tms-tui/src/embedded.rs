//! Embedded mode: the server runs inside the client on a loopback port, and the client talks to
//! it over HTTP exactly as it would to a remote one.

use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::sync::oneshot;

/// Which database the embedded server opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Db {
    /// The user's database, created (with its directory) if missing.
    File(PathBuf),
    /// A fresh database with the demo data, deleted on exit.
    Demo,
}

/// A running in-process server; dropping it stops the server (and removes a demo database).
pub struct Embedded {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    _demo_dir: Option<tempfile::TempDir>,
}

impl Embedded {
    /// Opens (and migrates) the database, loads the demo data if asked, and starts serving on
    /// `127.0.0.1` at a free port.
    pub async fn start(db: Db) -> Result<Self, crate::Error> {
        let demo = db == Db::Demo;
        let (path, demo_dir) = match db {
            Db::File(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)?;
                }
                (path, None)
            }
            Db::Demo => {
                let dir = tempfile::Builder::new().prefix("tms-demo-").tempdir()?;
                (dir.path().join("demo.db"), Some(dir))
            }
        };
        let mut config = tms_server::Config::new(&path);
        config.bootstrap_admin_signup = true;
        let state = tokio::task::spawn_blocking(move || -> Result<_, String> {
            let state = tms_server::AppState::open(config)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            if demo {
                tms_server::demo::seed(&state)
                    .map_err(|e| format!("loading the demo data: {e}"))?;
            }
            Ok(state)
        })
        .await??;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            if let Err(e) = tms_server::serve(listener, state, shutdown).await {
                tracing::error!("embedded server stopped: {e}");
            }
        });
        Ok(Self {
            addr,
            stop: Some(stop),
            _demo_dir: demo_dir,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Embedded {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
