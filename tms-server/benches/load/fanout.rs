//! Event fan-out (`--fanout N[,M…]`): N open `GET /api/v1/events` streams — a tenth of them
//! Requesters, each the requester of one of the tickets changed, the rest staff — while
//! status updates are made through the API at a steady rate. For every (change, stream) pair
//! that should see the change, the delay from just before the write was sent (so the commit
//! is inside it), and from its reply, to the event's arrival on the stream; events that never
//! arrive are counted as missed. The harness's own share is shown two ways: its CPU time
//! while the changes are made, and the time its streams spend taking events apart (each
//! event's text split and its JSON parsed, as a client would).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::BodyExt;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;

/// The statuses the changes cycle through: each change moves its ticket to the next one.
const CYCLE: [&str; 3] = ["In Progress", "Waiting", "Open"];

/// One change made: its ticket and the version it made, when it was sent and answered.
struct Made {
    ticket: i64,
    version: i64,
    sent: Instant,
    answered: Instant,
}

/// What one stream received: `(ticket, version) → arrival`, how many resyncs, and the time
/// spent taking its events apart.
#[derive(Default)]
struct Received {
    arrivals: HashMap<(i64, i64), Instant>,
    resyncs: u64,
    events: u64,
    parsing: Duration,
}

/// Who the streams are and what they follow.
pub struct Setup {
    pub staff_tokens: Vec<String>,
    /// `(token, ticket id)` of each Requester whose ticket is changed.
    pub requesters: Vec<(String, i64)>,
    /// The status of each changed ticket before the run.
    pub statuses: HashMap<i64, String>,
}

/// What one measurement found, for medians over runs.
#[derive(Clone, Copy, Debug, Default)]
pub struct Summary {
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
    pub reply_p50: f64,
    pub reply_p99: f64,
    pub missed: u64,
    pub expected: u64,
    pub harness_cpu: f64,
    pub server_cpu: f64,
    pub parse_us: f64,
}

/// Opens one event stream and records every `ticket` event until `until`.
async fn stream(
    addr: SocketAddr,
    token: String,
    until: Instant,
    ready: Arc<tokio::sync::Barrier>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Received {
    let mut got = Received::default();
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let _ = stream.set_nodelay(true);
    let (mut sender, conn) = http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    let req = crate::get(addr, "/api/v1/events", &token);
    let resp = sender.send_request(req).await.expect("events");
    assert_eq!(resp.status(), 200, "event stream refused");
    ready.wait().await;
    let mut body = resp.into_body();
    let mut buf: Vec<u8> = Vec::new();
    loop {
        let left = until.saturating_duration_since(Instant::now());
        let frame = tokio::select! {
            f = tokio::time::timeout(left, body.frame()) => match f {
                Ok(Some(Ok(f))) => f,
                _ => break,
            },
            _ = stop.changed() => break,
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        let now = Instant::now();
        buf.extend_from_slice(&data);
        // Events end with a blank line.
        while let Some(end) = buf.windows(2).position(|w| w == b"\n\n") {
            let event: Vec<u8> = buf.drain(..end + 2).collect();
            let text = String::from_utf8_lossy(&event);
            let mut name = "";
            let mut payload = "";
            for line in text.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = v.trim();
                } else if let Some(v) = line.strip_prefix("data:") {
                    payload = v.trim();
                }
            }
            match name {
                "ticket" => {
                    got.events += 1;
                    let v: serde_json::Value = serde_json::from_str(payload).unwrap_or_default();
                    if let (Some(t), Some(version)) =
                        (v["ticket_id"].as_i64(), v["ticket"]["version"].as_i64())
                    {
                        got.arrivals.entry((t, version)).or_insert(now);
                    }
                }
                "resync" => got.resyncs += 1,
                _ => {}
            }
        }
        got.parsing += now.elapsed();
    }
    got
}

/// CPU seconds (user + system) a process has used so far, from /proc.
fn cpu_seconds(pid: Option<u32>) -> f64 {
    let path = pid.map_or("/proc/self/stat".to_string(), |p| format!("/proc/{p}/stat"));
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    // The fields after the command name, which may hold spaces, in parentheses.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of stat: 12 and 13 after the command name, counted
    // from 1 (the state field is the first).
    (ticks(11) + ticks(12)) / 100.0
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Runs the fan-out measurement with `streams` streams against the server at `addr` (process
/// `server_pid`), and prints what it found.
pub async fn run(
    addr: SocketAddr,
    server_pid: u32,
    setup: &mut Setup,
    streams: usize,
    rate: f64,
    duration: Duration,
) -> Summary {
    let requester_streams = (streams / 10).min(setup.requesters.len());
    let staff_streams = streams - requester_streams;
    let grace = Duration::from_secs(2);
    // A bound, should the streams not be told to stop.
    let until = Instant::now() + Duration::from_secs(60) + duration + grace;
    let ready = Arc::new(tokio::sync::Barrier::new(streams + 1));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    // The ticket a Requester's stream follows; staff streams follow every change.
    let mut follows: Vec<Option<i64>> = Vec::new();
    for i in 0..staff_streams {
        let token = setup.staff_tokens[i % setup.staff_tokens.len()].clone();
        tasks.push(tokio::spawn(stream(
            addr,
            token,
            until,
            Arc::clone(&ready),
            stopped.clone(),
        )));
        follows.push(None);
    }
    for (token, ticket) in setup.requesters.iter().take(requester_streams) {
        tasks.push(tokio::spawn(stream(
            addr,
            token.clone(),
            until,
            Arc::clone(&ready),
            stopped.clone(),
        )));
        follows.push(Some(*ticket));
    }
    ready.wait().await;
    eprintln!(
        "  {streams} streams open ({staff_streams} staff, {requester_streams} requesters); changing {rate}/s for {duration:?}"
    );
    // Changed: the followed tickets (all of them when no Requester streams).
    let changed: Vec<i64> = setup
        .requesters
        .iter()
        .take(requester_streams.max(1))
        .map(|(_, t)| *t)
        .collect();
    let writer = setup.staff_tokens[0].clone();
    let conn = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let _ = conn.set_nodelay(true);
    let (mut sender, c) = http1::handshake(TokioIo::new(conn))
        .await
        .expect("handshake");
    tokio::spawn(c);
    let (cpu_self, cpu_server, wall) = (
        cpu_seconds(None),
        cpu_seconds(Some(server_pid)),
        Instant::now(),
    );
    let mut made: Vec<Made> = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let stop_at = Instant::now() + duration;
    let mut n = 0usize;
    while Instant::now() < stop_at {
        tick.tick().await;
        let ticket = changed[n % changed.len()];
        n += 1;
        // Always a real change: the next status after the ticket's own.
        let now = setup.statuses.get(&ticket).map_or("", String::as_str);
        let status = CYCLE
            .iter()
            .position(|s| *s == now)
            .map_or(CYCLE[0], |i| CYCLE[(i + 1) % CYCLE.len()]);
        let body = serde_json::json!({ "status": status }).to_string();
        let req = crate::send_json(
            addr,
            "PATCH",
            &format!("/api/v1/tickets/{ticket}"),
            Some(&writer),
            body,
        );
        // The connection takes the next request once the last reply was read.
        sender.ready().await.expect("writer's connection");
        let sent = Instant::now();
        let resp = sender.send_request(req).await.expect("status update");
        let answered = Instant::now();
        let code = resp.status();
        let bytes = resp.into_body().collect().await.expect("reply").to_bytes();
        assert!(
            code.is_success(),
            "status update failed: {code} {}",
            String::from_utf8_lossy(&bytes)
        );
        let v: serde_json::Value = serde_json::from_slice(&bytes).expect("reply json");
        let version = v["version"].as_i64().expect("version in the reply");
        setup.statuses.insert(ticket, status.to_string());
        made.push(Made {
            ticket,
            version,
            sent,
            answered,
        });
    }
    let wall = wall.elapsed().as_secs_f64();
    // Let the last events arrive before the CPU is counted.
    tokio::time::sleep(grace).await;
    let (cpu_self, cpu_server) = (
        cpu_seconds(None) - cpu_self,
        cpu_seconds(Some(server_pid)) - cpu_server,
    );
    let _ = stop.send(true);
    let mut received = Vec::new();
    for t in tasks {
        received.push(t.await.expect("stream task"));
    }
    let (mut from_send, mut from_reply) = (Vec::new(), Vec::new());
    let (mut expected, mut missed, mut before_reply) = (0u64, 0u64, 0u64);
    for m in &made {
        for (r, follows) in received.iter().zip(&follows) {
            if follows.is_some_and(|t| t != m.ticket) {
                continue;
            }
            expected += 1;
            match r.arrivals.get(&(m.ticket, m.version)) {
                Some(at) => {
                    from_send.push(ms(at.saturating_duration_since(m.sent)));
                    if *at < m.answered {
                        before_reply += 1;
                    }
                    from_reply.push(ms(at.saturating_duration_since(m.answered)));
                }
                None => missed += 1,
            }
        }
    }
    from_send.sort_by(f64::total_cmp);
    from_reply.sort_by(f64::total_cmp);
    let resyncs: u64 = received.iter().map(|r| r.resyncs).sum();
    let events: u64 = received.iter().map(|r| r.events).sum();
    let parsing: Duration = received.iter().map(|r| r.parsing).sum();
    let mut write_ms: Vec<f64> = made.iter().map(|m| ms(m.answered - m.sent)).collect();
    write_ms.sort_by(f64::total_cmp);
    let summary = Summary {
        p50: pct(&from_send, 0.5),
        p99: pct(&from_send, 0.99),
        max: from_send.last().copied().unwrap_or(0.0),
        reply_p50: pct(&from_reply, 0.5),
        reply_p99: pct(&from_reply, 0.99),
        missed,
        expected,
        harness_cpu: 100.0 * cpu_self / (wall + grace.as_secs_f64()),
        server_cpu: 100.0 * cpu_server / (wall + grace.as_secs_f64()),
        parse_us: parsing.as_secs_f64() * 1e6 / (events.max(1) as f64),
    };
    println!(
        "\nEvent fan-out: {streams} streams ({staff_streams} staff, {requester_streams} requesters), {} status updates at {rate}/s over {wall:.1} s",
        made.len(),
    );
    println!("| delay to arrival | p50 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|");
    println!(
        "| from just before the write was sent | {:.2} | {:.2} | {:.2} |",
        summary.p50, summary.p99, summary.max
    );
    println!(
        "| from the write's reply (0 if before it) | {:.2} | {:.2} | {:.2} |",
        summary.reply_p50,
        summary.reply_p99,
        from_reply.last().copied().unwrap_or(0.0)
    );
    println!(
        "(change, stream) pairs: {expected} expected, {} arrived ({before_reply} before the write's reply), {missed} missed; {resyncs} resyncs",
        from_send.len()
    );
    println!(
        "status update: p50 {:.2} ms, p99 {:.2} ms",
        pct(&write_ms, 0.5),
        pct(&write_ms, 0.99)
    );
    println!(
        "CPU while changing: harness {:.1}% of one core, server {:.1}%; the harness took {events} events apart at {:.1} µs each ({:.1}% of one core)",
        summary.harness_cpu,
        summary.server_cpu,
        summary.parse_us,
        100.0 * parsing.as_secs_f64() / (wall + grace.as_secs_f64())
    );
    summary
}

/// Logs in sixteen agents and the Requesters of `tickets` (`(ticket id, requester email)`),
/// and reads the status of each of those tickets.
pub async fn setup(addr: SocketAddr, tickets: &[(i64, String)]) -> Setup {
    let mut staff_tokens = Vec::new();
    for i in 1..=16 {
        staff_tokens.push(crate::login(addr, &format!("agent{i}@gen.example.com")).await);
    }
    let mut requesters = Vec::new();
    let mut statuses = HashMap::new();
    for (ticket, email) in tickets {
        requesters.push((crate::login(addr, email).await, *ticket));
        let (code, bytes) = crate::client::once(
            addr,
            crate::get(addr, &format!("/api/v1/tickets/{ticket}"), &staff_tokens[0]),
        )
        .await
        .expect("read a ticket");
        assert_eq!(code, 200, "read ticket {ticket}");
        let v: serde_json::Value = serde_json::from_slice(&bytes).expect("ticket json");
        statuses.insert(
            *ticket,
            v["status"].as_str().unwrap_or_default().to_string(),
        );
    }
    Setup {
        staff_tokens,
        requesters,
        statuses,
    }
}

/// Medians over runs of each stream count's summaries.
pub fn report(counts: &[usize], rate: f64, runs: &[Vec<Summary>]) {
    let median = |f: &dyn Fn(&Summary) -> f64, i: usize| {
        let mut v: Vec<f64> = runs.iter().filter_map(|r| r.get(i)).map(f).collect();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.0)
    };
    println!(
        "\nEvent fan-out, medians of {} run(s), {rate} changes/s: delay from just before the write was sent to each stream's receipt",
        runs.len()
    );
    println!(
        "| streams | p50 ms | p99 ms | max ms | p99 from the reply ms | missed | harness CPU % | server CPU % | µs per event in the harness |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (i, n) in counts.iter().enumerate() {
        let missed: u64 = runs.iter().filter_map(|r| r.get(i)).map(|s| s.missed).sum();
        let expected: u64 = runs
            .iter()
            .filter_map(|r| r.get(i))
            .map(|s| s.expected)
            .sum();
        println!(
            "| {n} | {:.2} | {:.2} | {:.2} | {:.2} | {missed} of {expected} | {:.1} | {:.1} | {:.1} |",
            median(&|s| s.p50, i),
            median(&|s| s.p99, i),
            median(&|s| s.max, i),
            median(&|s| s.reply_p99, i),
            median(&|s| s.harness_cpu, i),
            median(&|s| s.server_cpu, i),
            median(&|s| s.parse_us, i),
        );
    }
}
