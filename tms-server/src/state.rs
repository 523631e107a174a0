//! The state every use case shares: the database, the settings, the password hasher, the
//! attempt limiter, the session cache, the device-token key and the search gate.

use std::sync::Arc;

use crate::auth::cache::SessionCache;
use crate::auth::device::DeviceKeys;
use crate::auth::password::Hasher;
use crate::auth::slowing::Slowing;
use crate::config::Config;
use crate::service::ServiceError;
use crate::store::postgres::Pg;
use crate::store::sqlite::{Db, DbError};
use crate::store::{Engine, Store};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{0}")]
    Setup(String),
}

impl From<ServiceError> for StartError {
    fn from(e: ServiceError) -> Self {
        Self::Setup(e.to_string())
    }
}

/// Shared by all handlers; one reference count to clone (axum clones the state for every
/// request, and each count is an atomic operation on a line the cores share: see
/// BENCHMARKS.md, "Hardening round").
#[derive(Clone)]
pub struct AppState {
    shared: Arc<Shared>,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.shared
    }
}

/// What [`AppState`] holds.
pub struct Shared {
    pub store: Store,
    pub config: Arc<Config>,
    pub hasher: Hasher,
    pub limiter: Slowing,
    pub sessions: Arc<SessionCache>,
    pub devices: Arc<DeviceKeys>,
    pub searches: Arc<crate::search_gate::SearchGate>,
    /// List pages remembered while nothing they show changed.
    pub pages: crate::service::pages::PageCache,
    /// The objects of the latest event batches, read once for every open event stream.
    pub event_reads: crate::service::events::BatchReads,
    /// Set when the server stops serving: open event streams end, so that a graceful
    /// shutdown does not wait for clients that never hang up.
    pub stopping: tokio::sync::watch::Sender<bool>,
}

impl AppState {
    /// Opens and migrates the database and prepares the hasher. Blocking: call before serving
    /// or from a blocking context.
    pub fn open(mut config: Config) -> Result<Self, StartError> {
        config.cors_origins = config
            .cors_origins
            .iter()
            .filter(|o| !o.trim().is_empty())
            .map(|o| crate::config::parse_origin(o))
            .collect::<Result<_, _>>()
            .map_err(StartError::Setup)?;
        config.notify.check().map_err(StartError::Setup)?;
        let store = match &config.database_url {
            Some(url) => Store::new(Engine::Postgres(
                Pg::open(url, config.pool_size, config.request_timeout)
                    .map_err(|e| StartError::Setup(e.to_string()))?,
            )),
            None => Store::new(Engine::Sqlite(Db::open_with_deadline(
                &config.db_path,
                config.readers,
                config.request_timeout,
            )?)),
        };
        store.relay_events();
        let hasher = Hasher::new(config.argon2_m_kib, config.argon2_t)?;
        let device_key = store
            .write_blocking(|tx| tx.server_key("device_key", 32).map_err(ServiceError::from))?;
        let pages =
            crate::service::pages::PageCache::new(store.events().clone(), config.page_cache);
        Ok(Self {
            shared: Arc::new(Shared {
                pages,
                event_reads: Default::default(),
                limiter: Slowing::new(&store, config.login_window),
                store,
                searches: Arc::new(crate::search_gate::SearchGate::new(
                    config.max_searches_per_user,
                )),
                config: Arc::new(config),
                hasher,
                sessions: Arc::new(SessionCache::default()),
                devices: Arc::new(DeviceKeys::new(device_key)),
                stopping: tokio::sync::watch::Sender::new(false),
            }),
        })
    }
}
