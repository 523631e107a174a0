//! A lean HTTP/1.1 load generator: `concurrency` keep-alive connections, each sending its
//! requests back to back for a fixed time, recording every latency.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;

/// What one request of a scenario looks like; `n` counts requests so each can differ.
pub type MakeRequest = Arc<dyn Fn(u64) -> Request<Full<Bytes>> + Send + Sync>;

/// The outcome of one bounded run.
pub struct Stats {
    pub requests: u64,
    pub errors: u64,
    pub elapsed: Duration,
    pub latencies: Vec<Duration>,
    /// Non-2xx replies by status (0: connection or protocol failure).
    pub failures: std::collections::BTreeMap<u16, u64>,
}

impl Stats {
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    pub fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let idx = ((self.latencies.len() - 1) as f64 * p).round() as usize;
        self.latencies[idx]
    }
}

async fn connection(
    addr: SocketAddr,
    make: MakeRequest,
    until: Instant,
    offset: u64,
    stride: u64,
) -> (
    u64,
    u64,
    Vec<Duration>,
    std::collections::BTreeMap<u16, u64>,
) {
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut failures = std::collections::BTreeMap::new();
    let mut n = offset;
    'reconnect: while Instant::now() < until {
        let Ok(stream) = tokio::net::TcpStream::connect(addr).await else {
            errors += 1;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let Ok((mut sender, conn)) = http1::handshake(TokioIo::new(stream)).await else {
            errors += 1;
            continue;
        };
        tokio::spawn(conn);
        while Instant::now() < until {
            let start = Instant::now();
            let status = match sender.send_request(make(n)).await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let body = resp.into_body().collect().await;
                    if body.is_ok() { status } else { 0 }
                }
                Err(_) => 0,
            };
            let ok = (200..300).contains(&status);
            if !ok {
                *failures.entry(status).or_insert(0) += 1;
            }
            n += stride;
            if ok {
                latencies.push(start.elapsed());
            } else {
                errors += 1;
                continue 'reconnect;
            }
        }
    }
    (latencies.len() as u64, errors, latencies, failures)
}

/// Runs `make` at `concurrency` for `duration`, the connections spread over `addrs` in turn.
pub async fn run(
    addrs: &[SocketAddr],
    concurrency: u64,
    duration: Duration,
    make: MakeRequest,
) -> Stats {
    let started = Instant::now();
    let until = started + duration;
    let tasks: Vec<_> = (0..concurrency)
        .map(|i| {
            let addr = addrs[i as usize % addrs.len()];
            tokio::spawn(connection(addr, Arc::clone(&make), until, i, concurrency))
        })
        .collect();
    let mut stats = Stats {
        requests: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
        failures: std::collections::BTreeMap::new(),
    };
    for t in tasks {
        if let Ok((ok, errors, lat, failures)) = t.await {
            stats.requests += ok;
            stats.errors += errors;
            stats.latencies.extend(lat);
            for (code, n) in failures {
                *stats.failures.entry(code).or_insert(0) += n;
            }
        }
    }
    stats.elapsed = started.elapsed();
    stats.latencies.sort_unstable();
    stats
}

/// One request, for setting up (login, lookups).
pub async fn once(addr: SocketAddr, req: Request<Full<Bytes>>) -> Result<(u16, Bytes), String> {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| e.to_string())?;
    let (mut sender, conn) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, body))
}
