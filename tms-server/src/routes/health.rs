//! `GET /` and `GET /healthz`.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use tms_core::api::Health;

use crate::error::AppError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(root))
        .route("/healthz", get(health))
}

/// Liveness and version; says whether first-run setup is pending.
#[utoipa::path(get, path = "/healthz", tag = "Health",
    responses((status = 200, description = "The server is up", body = Health)))]
pub async fn health(State(state): State<AppState>) -> Result<Json<Health>, AppError> {
    let setup_required =
        state.config.bootstrap_admin_signup && crate::service::users::count(&state).await? == 0;
    Ok(Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        setup_required,
    }))
}

/// The same reply at the root, where the seed served it.
#[utoipa::path(get, path = "/", tag = "Health",
    responses((status = 200, description = "The server is up", body = Health)))]
pub async fn root(state: State<AppState>) -> Result<Json<Health>, AppError> {
    health(state).await
}
