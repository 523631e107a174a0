//! tms-server: the helpdesk's HTTP API on SQLite.
//!
//! `app(state)` builds the whole service; `serve(listener, state, shutdown)` runs it on a
//! listener the caller bound, which is how the command line, the tests (on `127.0.0.1:0`) and
//! the terminal client's embedded mode all start it.

pub mod auth;
pub mod cli;
pub mod config;
pub mod demo;
pub mod error;
pub mod etag;
pub mod events;
pub mod extract;
pub mod generate;
pub mod json;
mod listen;
pub mod metrics;
pub mod notify;
pub mod routes;
pub mod search_gate;
pub mod seed;
pub mod service;
pub mod state;
pub mod store;

use std::future::Future;

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower::Layer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::normalize_path::{NormalizePath, NormalizePathLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use config::Config;
pub use state::{AppState, StartError};

/// The largest request body accepted (413 beyond).
pub const BODY_LIMIT: usize = 1024 * 1024;
/// The longest query string accepted (414 beyond): every filter and a search phrase fit
/// many times over.
pub const QUERY_LIMIT: usize = 8 * 1024;
/// The most header bytes accepted (431 beyond); the bearer token takes under 100.
pub const HEADER_LIMIT: usize = 16 * 1024;

/// Refuses oversized query strings and headers, and answers 408 to a request (body
/// included) not done within `timeout` — all as JSON errors, like every other refusal.
async fn limits(State(timeout): State<Duration>, req: Request, next: Next) -> Response {
    if req.uri().query().map_or(0, str::len) > QUERY_LIMIT {
        return error::AppError::QueryTooLong.into_response();
    }
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if header_bytes > HEADER_LIMIT {
        return error::AppError::HeadersTooLarge.into_response();
    }
    tokio::time::timeout(timeout, next.run(req))
        .await
        .unwrap_or_else(|_| error::AppError::Timeout.into_response())
}

/// The tracing span of a request: method and path only. The query string is left out: it
/// can carry secrets (a token sent as `?access_token=`, search text).
fn request_span(req: &Request) -> tracing::Span {
    tracing::debug_span!("request", method = %req.method(), path = %req.uri().path())
}

fn security_headers(router: Router) -> Router {
    let set = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    router
        .layer(set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(set(header::REFERRER_POLICY, "no-referrer"))
        .layer(set(header::X_FRAME_OPTIONS, "DENY"))
        .layer(set(header::CACHE_CONTROL, "no-store"))
        // The API serves JSON only: nothing in a reply may load, run or frame anything.
        .layer(set(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'",
        ))
}

fn cors(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    // Checked and normalised by `AppState::open`.
    let allowed: Vec<HeaderValue> = origins.iter().filter_map(|o| o.parse().ok()).collect();
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(allowed))
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]),
    )
}

/// The whole HTTP service. Trailing slashes are optional on every path.
pub fn app(state: AppState) -> NormalizePath<Router> {
    let timeout = state.config.request_timeout;
    let cors = cors(&state.config.cors_origins);
    let mut routes = routes::router();
    if metrics::enabled() {
        // After routing, so that each request is counted under its route's pattern.
        routes = routes.route_layer(axum::middleware::from_fn(metrics::track));
    }
    let mut router = routes
        .with_state(state)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(timeout, limits))
        .layer(TraceLayer::new_for_http().make_span_with(request_span));
    if let Some(cors) = cors {
        router = router.layer(cors);
    }
    NormalizePathLayer::trim_trailing_slash().layer(security_headers(router))
}

/// Serves `app(state)` on `listener` until `shutdown` completes, holding a SQLite database's
/// serving lock (see `store::sqlite::lock`) meanwhile.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let lock = match state.store.sqlite() {
        Some(db) => Some(store::sqlite::lock::lock(db.path()).map_err(std::io::Error::other)?),
        None => None,
    };
    serve_locked(listener, state, lock, shutdown).await
}

/// [`serve`] for a caller that took the serving lock itself (if the engine has one), before
/// opening the database.
pub async fn serve_locked(
    listener: tokio::net::TcpListener,
    state: AppState,
    lock: Option<store::sqlite::lock::ServeLock>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let header_timeout = state.config.request_timeout;
    let limits = listen::ConnLimits::from_config(&state.config);
    tracing::debug!(?limits, "connection limits");
    let stopping = state.stopping.clone();
    // The delivery worker of notifications (docs/ARCHITECTURE.md, "Notifications").
    let deliveries = tokio::spawn(notify::run(
        state.store.clone(),
        state.config.notify.clone(),
        state.stopping.subscribe(),
    ));
    let stop = stopping.clone();
    let shutdown = async move {
        shutdown.await;
        // Event streams end, the delivery worker stops; every other request finishes.
        stop.send_replace(true);
    };
    let served = listen::run(listener, app(state), header_timeout, limits, shutdown).await;
    stopping.send_replace(true);
    // It gives back what it was delivering; bounded, as an unreachable database must not
    // hold the stop.
    let _ = tokio::time::timeout(Duration::from_secs(10), deliveries).await;
    drop(lock);
    served
}
