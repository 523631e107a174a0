//! The state every handler shares: the database, the settings, the password hasher and the
//! failed-login limiter.

use std::sync::Arc;

use crate::auth::cache::SessionCache;
use crate::auth::limiter::LoginLimiter;
use crate::auth::password::Hasher;
use crate::config::Config;
use crate::db::{Db, DbError};
use crate::error::AppError;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{0}")]
    Setup(String),
}

impl From<AppError> for StartError {
    fn from(e: AppError) -> Self {
        Self::Setup(e.to_string())
    }
}

/// Shared by all handlers; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub hasher: Hasher,
    pub limiter: Arc<LoginLimiter>,
    pub sessions: Arc<SessionCache>,
}

impl AppState {
    /// Opens and migrates the database and prepares the hasher. Blocking: call before serving
    /// or from a blocking context.
    pub fn open(config: Config) -> Result<Self, StartError> {
        let db = Db::open(&config.db_path, config.readers)?;
        let hasher = Hasher::new(config.argon2_m_kib, config.argon2_t)?;
        let limiter = LoginLimiter::new(
            config.login_window,
            config.login_max_per_account,
            config.login_max_per_address,
        );
        Ok(Self {
            db,
            config: Arc::new(config),
            hasher,
            limiter: Arc::new(limiter),
            sessions: Arc::new(SessionCache::default()),
        })
    }
}
