//! The accept loop: each connection is served over HTTP/1.1 with a limit on how long its
//! request headers may take to arrive, so that a client trickling bytes (slowloris) cannot
//! hold a connection — and a file descriptor — forever. axum's own `serve` sets no such limit.
//!
//! Connections are also counted, so that idle sockets cannot use up the process's file
//! descriptors (after which nobody is answered):
//! - at most `per_address` from one peer address (IPv6: per /64); trusted proxies are exempt;
//! - at most `total` in all, kept below the open-file limit (raised to the hard limit at
//!   start where allowed). At the limit, a new connection takes the place of the connection
//!   that has been idle longest — waiting for its first request or between requests — so new
//!   clients are answered while idle sockets wait out their timeout. Only when no connection
//!   is idle is a new one turned away.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tower::{Service, ServiceExt};

use crate::auth::limiter::Key;

/// How many connections the accept loop keeps.
#[derive(Debug, Clone)]
pub struct ConnLimits {
    pub total: usize,
    pub per_address: usize,
    pub trusted: Vec<ipnet::IpNet>,
}

impl ConnLimits {
    /// `configured` connections, or (0) as many as the open-file limit allows once raised to
    /// its hard limit, keeping an eighth (at least 64) for the database and everything else.
    pub fn from_config(config: &crate::Config) -> Self {
        let total = if config.max_connections > 0 {
            config.max_connections
        } else {
            let soft = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
            let soft = usize::try_from(soft).unwrap_or(usize::MAX);
            soft.saturating_sub((soft / 8).max(64)).max(16)
        };
        Self {
            total,
            per_address: config.max_connections_per_address.max(1),
            trusted: config.trusted_proxies.clone(),
        }
    }
}

/// What a connection's requests update as they start and finish, without the table's lock.
#[derive(Default)]
struct Activity {
    /// Requests being answered on it now.
    busy: AtomicUsize,
    /// When it last became idle (or was accepted), in microseconds since `Registry::epoch`.
    idle_since_us: AtomicU64,
}

struct Conn {
    net: IpAddr,
    activity: Arc<Activity>,
    /// Told to close the connection to make room.
    shed: Arc<Notify>,
    /// Told once the connection is closed.
    closed: Arc<Notify>,
}

/// A connection admitted by [`Registry::admit`].
struct Admitted {
    id: u64,
    activity: Arc<Activity>,
    shed: Arc<Notify>,
    closed: Arc<Notify>,
    /// The connection shed to make room: its socket is closed before this one is served,
    /// so the descriptors in use never pass the limit.
    made_room: Option<Arc<Notify>>,
}

#[derive(Default)]
struct Table {
    next_id: u64,
    conns: HashMap<u64, Conn>,
    per_net: HashMap<IpAddr, usize>,
}

/// The open connections, shared by the accept loop and the connections' tasks.
#[derive(Clone)]
struct Registry {
    limits: Arc<ConnLimits>,
    table: Arc<Mutex<Table>>,
    epoch: Instant,
}

/// Why a new connection is turned away.
#[derive(Debug)]
enum Refused {
    PerAddress,
    Full,
}

impl Registry {
    fn new(limits: ConnLimits) -> Self {
        Self {
            limits: Arc::new(limits),
            table: Arc::new(Mutex::new(Table::default())),
            epoch: Instant::now(),
        }
    }

    fn now_us(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    /// Registers a connection from `peer`, shedding the longest-idle one at the limit.
    fn admit(&self, peer: IpAddr) -> Result<Admitted, Refused> {
        // An IPv4 peer on a dual-stack listener arrives as ::ffff:a.b.c.d.
        let peer = peer.to_canonical();
        let net = Key::network(peer);
        let trusted = self.limits.trusted.iter().any(|n| n.contains(&peer));
        let mut t = self.table.lock().map_err(|_| Refused::Full)?;
        if !trusted && t.per_net.get(&net).copied().unwrap_or(0) >= self.limits.per_address {
            return Err(Refused::PerAddress);
        }
        let mut made_room = None;
        if t.conns.len() >= self.limits.total {
            let oldest = t
                .conns
                .iter()
                .filter(|(_, c)| c.activity.busy.load(Ordering::Acquire) == 0)
                .min_by_key(|(_, c)| c.activity.idle_since_us.load(Ordering::Acquire))
                .map(|(id, _)| *id);
            let Some(id) = oldest else {
                return Err(Refused::Full);
            };
            // It leaves the table now; its task closes the socket.
            if let Some(c) = remove(&mut t, id) {
                c.shed.notify_one();
                made_room = Some(c.closed);
            }
        }
        t.next_id += 1;
        let id = t.next_id;
        let (shed, closed) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
        let activity = Arc::new(Activity::default());
        activity
            .idle_since_us
            .store(self.now_us(), Ordering::Release);
        t.conns.insert(
            id,
            Conn {
                net,
                activity: Arc::clone(&activity),
                shed: Arc::clone(&shed),
                closed: Arc::clone(&closed),
            },
        );
        *t.per_net.entry(net).or_insert(0) += 1;
        Ok(Admitted {
            id,
            activity,
            shed,
            closed,
            made_room,
        })
    }

    fn release(&self, id: u64) {
        if let Ok(mut t) = self.table.lock() {
            remove(&mut t, id);
        }
    }

    /// A request started (`true`) or finished on a connection.
    fn mark(&self, activity: &Activity, started: bool) {
        if started {
            activity.busy.fetch_add(1, Ordering::AcqRel);
        } else {
            activity
                .idle_since_us
                .store(self.now_us(), Ordering::Release);
            activity.busy.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

fn remove(t: &mut Table, id: u64) -> Option<Conn> {
    let c = t.conns.remove(&id)?;
    if let Some(n) = t.per_net.get_mut(&c.net) {
        *n -= 1;
        if *n == 0 {
            t.per_net.remove(&c.net);
        }
    }
    Some(c)
}

/// Marks a connection busy while a request is answered; idle again when dropped.
struct Busy {
    registry: Registry,
    activity: Arc<Activity>,
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.registry.mark(&self.activity, false);
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then lets open connections finish
/// their current request. Handlers see the peer as `ConnectInfo<SocketAddr>`.
pub async fn run<S>(
    listener: TcpListener,
    app: S,
    header_timeout: Duration,
    limits: ConnLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()>
where
    S: Service<Request<Body>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    let (stop_tx, stop_rx) = watch::channel(false);
    // Every connection holds a clone of `open`; the loop waits for all of them to go.
    let (open_tx, open) = watch::channel(());
    let registry = Registry::new(limits);
    let mut refusals_logged = Instant::now() - Duration::from_secs(60);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and the like: pause rather than spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Admitted {
            id,
            activity,
            shed,
            closed,
            made_room,
        } = match registry.admit(remote.ip()) {
            Ok(admitted) => admitted,
            Err(why) => {
                // Closing at once frees the descriptor; one warning a minute at most.
                if refusals_logged.elapsed() >= Duration::from_secs(60) {
                    refusals_logged = Instant::now();
                    tracing::warn!(peer = %remote.ip(), reason = ?why, "connection refused by the connection limits");
                }
                drop(stream);
                continue;
            }
        };
        if let Some(gone) = made_room {
            // The connection that made room is closed before this one is served, so the
            // descriptors in use stay under the limit. It was idle, and an idle connection is
            // dropped at once (see the shed arm below), so this wait is short; `notify_one`
            // keeps a permit, so it returns even if that connection closed already.
            let _ = tokio::time::timeout(Duration::from_secs(1), gone.notified()).await;
        }
        let _ = stream.set_nodelay(true);
        let watched = Arc::clone(&activity);
        let marks = registry.clone();
        let service = app
            .clone()
            .map_request(move |req: Request<Incoming>| {
                let mut req = req.map(Body::new);
                req.extensions_mut().insert(ConnectInfo(remote));
                req
            })
            .map_future(move |fut| {
                marks.mark(&activity, true);
                let busy = Busy {
                    registry: marks.clone(),
                    activity: Arc::clone(&activity),
                };
                async move {
                    let out = fut.await;
                    drop(busy);
                    out
                }
            });
        let mut stop = stop_rx.clone();
        let still_open = open.clone();
        let registry = registry.clone();
        tokio::spawn(async move {
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                () = shed.notified() => {
                    // Idle (waiting for a request, or trickling one's headers): dropped here,
                    // which closes the socket now — a graceful shutdown would wait out a
                    // half-sent request. A request being answered is let finish.
                    if watched.busy.load(Ordering::Acquire) > 0 {
                        conn.as_mut().graceful_shutdown();
                        let _ = tokio::time::timeout(Duration::from_secs(5), conn).await;
                    }
                }
                _ = stop.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            registry.release(id);
            closed.notify_one();
            drop(still_open);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(open);
    open_tx.closed().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry(total: usize, per_address: usize) -> Registry {
        Registry::new(ConnLimits {
            total,
            per_address,
            trusted: vec!["10.9.0.0/16".parse().unwrap()],
        })
    }

    #[test]
    fn one_address_gets_its_share_and_proxies_are_exempt() {
        let r = registry(100, 2);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        r.admit(a).unwrap();
        let second = r.admit(a).unwrap().id;
        assert!(matches!(r.admit(a), Err(Refused::PerAddress)));
        // The same /64 is one address.
        let v6 = |s: &str| s.parse::<IpAddr>().unwrap();
        r.admit(v6("2001:db8::1")).unwrap();
        r.admit(v6("2001:db8::2")).unwrap();
        assert!(r.admit(v6("2001:db8::3")).is_err());
        r.release(second);
        r.admit(a).unwrap();
        let proxy: IpAddr = "10.9.1.1".parse().unwrap();
        for _ in 0..10 {
            r.admit(proxy).unwrap();
        }
    }

    #[test]
    fn at_the_limit_the_longest_idle_connection_makes_room() {
        let r = registry(3, 10);
        let ip = |i: u8| IpAddr::from([192, 0, 2, i]);
        let first = r.admit(ip(1)).unwrap();
        let second = r.admit(ip(2)).unwrap().id;
        let third = r.admit(ip(3)).unwrap();
        // The first and third are answering requests; the second is idle.
        r.mark(&first.activity, true);
        r.mark(&third.activity, true);
        let first_activity = Arc::clone(&first.activity);
        let first = first.id;
        assert!(r.admit(ip(4)).unwrap().made_room.is_some());
        let t = r.table.lock().unwrap();
        assert!(!t.conns.contains_key(&second), "the idle one made room");
        assert!(t.conns.contains_key(&first));
        drop(t);
        // Everyone busy: a newcomer is turned away.
        let fourth = {
            let t = r.table.lock().unwrap();
            let id = t.conns.keys().copied().max().unwrap();
            Arc::clone(&t.conns[&id].activity)
        };
        r.mark(&fourth, true);
        assert!(matches!(r.admit(ip(5)), Err(Refused::Full)));
        r.mark(&first_activity, false);
        r.admit(ip(5)).unwrap();
        assert!(!r.table.lock().unwrap().conns.contains_key(&first));
    }
}
