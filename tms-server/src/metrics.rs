//! Prometheus metrics (`--metrics-bind ADDR`, off by default; README, "Metrics"):
//! requests by route, method and status with their latency, the SQLite writer's queue and batch
//! sizes, the database work in flight, and the open event streams — recorded through the
//! `metrics` facade and rendered by `metrics-exporter-prometheus` on a listener of their own, so
//! that the API port never exposes them. Without `--metrics-bind` no recorder is installed and
//! every recording is a no-op.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Requests answered, by `method`, `route` (the route's pattern, `unmatched` for none) and
/// `status`.
pub const REQUESTS: &str = "tms_http_requests_total";
/// Seconds from a request's arrival to its answer's head, by `method` and `route`.
pub const LATENCY: &str = "tms_http_request_duration_seconds";
/// Event streams (`GET /api/v1/events`) open now.
pub const EVENT_STREAMS: &str = "tms_event_streams";
/// Writes waiting for SQLite's writer thread.
pub const WRITER_QUEUE: &str = "tms_writer_queue_depth";
/// Writes committed together in one of the writer's transactions.
pub const WRITER_BATCH: &str = "tms_writer_batch_size";
/// Reads and writes running on the database now, by `kind` (`read`, `write`, `search`).
pub const DB_IN_FLIGHT: &str = "tms_db_in_flight";

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process's recorder (once; later calls return the same handle).
pub fn install() -> Result<&'static PrometheusHandle, String> {
    if let Some(h) = HANDLE.get() {
        return Ok(h);
    }
    let builder = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full(LATENCY.into()),
            &[
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ],
        )
        .and_then(|b| {
            b.set_buckets_for_metric(
                Matcher::Full(WRITER_BATCH.into()),
                &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0],
            )
        })
        .map_err(|e| e.to_string())?;
    let recorder = builder.build_recorder();
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder)
        .map_err(|e| format!("cannot install the metrics recorder: {e}"))?;
    describe();
    Ok(HANDLE.get_or_init(|| handle))
}

fn describe() {
    metrics::describe_counter!(REQUESTS, "Requests answered, by method, route and status.");
    metrics::describe_histogram!(
        LATENCY,
        metrics::Unit::Seconds,
        "Time from a request's arrival to its answer's head, by method and route."
    );
    metrics::describe_gauge!(EVENT_STREAMS, "Event streams open now.");
    metrics::describe_gauge!(WRITER_QUEUE, "Writes waiting for the SQLite writer.");
    metrics::describe_histogram!(WRITER_BATCH, "Writes committed in one writer transaction.");
    metrics::describe_gauge!(DB_IN_FLIGHT, "Database reads and writes running, by kind.");
}

/// Whether a recorder was installed (then the HTTP layer records).
pub fn enabled() -> bool {
    HANDLE.get().is_some()
}

/// The middleware that counts and times every request.
pub async fn track(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!(REQUESTS, "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!(LATENCY, "method" => method, "route" => route)
        .record(start.elapsed().as_secs_f64());
    response
}

/// Counts one unit of `gauge` (with `labels`) while it lives.
pub struct InFlight {
    gauge: metrics::Gauge,
}

impl InFlight {
    pub fn new(gauge: metrics::Gauge) -> Self {
        gauge.increment(1.0);
        Self { gauge }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.gauge.decrement(1.0);
    }
}

/// The metrics listener's service: `GET /metrics` in Prometheus's text format.
pub fn router(handle: &'static PrometheusHandle) -> axum::Router {
    axum::Router::new().route(
        "/metrics",
        get(move || async move {
            handle.run_upkeep();
            (
                [(
                    axum::http::header::CONTENT_TYPE,
                    "text/plain; version=0.0.4; charset=utf-8",
                )],
                handle.render(),
            )
                .into_response()
        }),
    )
}

/// Serves [`router`] on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    handle: &'static PrometheusHandle,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(handle))
        .with_graceful_shutdown(shutdown)
        .await
}
