//! The other agent: changes tickets through the API at a fixed rate on its own thread and
//! runtime, so that the events of its changes reach the benchmarked client over the client's own
//! event stream. Half the changes are to rows the client shows (its queue's first page), half to
//! tickets anywhere in the helpdesk. It reports how late it was, so that it can be told apart
//! from the client being slow.

use crate::front::percentile;
use crate::{OTHER_AGENT, PASSWORD};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tms_core::api::{LoginRequest, TicketQuery, TicketUpdate};
use tms_core::{Priority, Status};
use tms_tui::api::ApiClient;

pub struct Feed {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<FeedReport>,
}

#[derive(Default)]
pub struct FeedReport {
    rate: u32,
    sent: u64,
    failed: u64,
    /// How late each change was sent after its time (ms).
    late: Vec<f64>,
    /// How long each change took to be answered (ms).
    answered: Vec<f64>,
    secs: f64,
    /// CPU time of the feed's thread (ms).
    cpu_ms: f64,
}

impl Feed {
    /// Starts changing tickets at `rate` a second on the server at `base`.
    pub fn start(base: String, rate: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("feed runtime");
            let mut report = runtime.block_on(run(base, rate, flag));
            report.cpu_ms = thread_cpu_ms();
            report
        });
        Self { stop, thread }
    }

    pub fn stop(self) -> FeedReport {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().expect("the feed thread")
    }
}

impl FeedReport {
    pub fn print(&self) {
        if self.rate == 0 {
            return;
        }
        println!(
            "  changes sent: {} ({:.1}/s over {:.1} s), {} failed; sent late by p50 {:.2} / p99 {:.2} / max {:.2} ms; answered in p50 {:.1} / p99 {:.1} ms",
            self.sent,
            self.sent as f64 / self.secs.max(f64::EPSILON),
            self.secs,
            self.failed,
            percentile(&self.late, 50.0),
            percentile(&self.late, 99.0),
            percentile(&self.late, 100.0),
            percentile(&self.answered, 50.0),
            percentile(&self.answered, 99.0),
        );
        println!(
            "  the feed's own thread used {:.0} ms of CPU ({:.1}% of one core)",
            self.cpu_ms,
            self.cpu_ms / 10.0 / self.secs.max(f64::EPSILON)
        );
    }
}

/// User plus system time of the calling thread, from `/proc/thread-self/stat` (0 elsewhere).
fn thread_cpu_ms() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/thread-self/stat") else {
        return 0.0;
    };
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of stat(5), counted from the state (field 3); in clock ticks of 10 ms.
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i)?.parse::<u64>().ok())
        .sum();
    ticks as f64 * 10.0
}

fn next(p: Priority) -> Priority {
    match p {
        Priority::Low => Priority::Medium,
        Priority::Medium => Priority::High,
        Priority::High => Priority::Low,
    }
}

async fn run(base: String, rate: u32, stop: Arc<AtomicBool>) -> FeedReport {
    let mut report = FeedReport {
        rate,
        ..FeedReport::default()
    };
    if rate == 0 {
        return report;
    }
    let mut client = ApiClient::new(&base).expect("client");
    let session = client
        .login(&LoginRequest {
            email: OTHER_AGENT.into(),
            password: PASSWORD.into(),
        })
        .await
        .expect("the other agent logs in");
    client.set_token(Some(session.reply.access_token));
    // The benchmarked client's first tab: unassigned tickets not yet resolved.
    let shown = client
        .list_tickets(&TicketQuery {
            unassigned: true,
            status: vec![Status::Open, Status::InProgress, Status::Waiting],
            ..TicketQuery::default()
        })
        .await
        .expect("the first page");
    let total = client
        .list_tickets(&TicketQuery {
            size: 1,
            ..TicketQuery::default()
        })
        .await
        .expect("the count")
        .total;
    let mut known: HashMap<i64, Priority> = shown
        .items
        .iter()
        .map(|i| (i.ticket.id, i.ticket.priority))
        .collect();
    let visible: Vec<i64> = shown.items.iter().map(|i| i.ticket.id).collect();
    // Elsewhere: 200 tickets spread over the whole helpdesk.
    let elsewhere: Vec<i64> = (0..200u64)
        .map(|k| 1 + (k * 2_654_435_761 % total.max(1)) as i64)
        .collect();
    // What those are now, so that every change is one.
    for &id in &elsewhere {
        if let Ok(t) = client.get_ticket(id).await {
            known.insert(id, t.ticket.priority);
        }
    }
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let period = Duration::from_secs_f64(1.0 / f64::from(rate));
    let start = Instant::now();
    let mut i: u64 = 0;
    while !stop.load(Ordering::Relaxed) {
        let due = start + period * u32::try_from(i).unwrap_or(u32::MAX);
        tokio::time::sleep_until(due.into()).await;
        report
            .late
            .push(Instant::now().duration_since(due).as_secs_f64() * 1000.0);
        while let Ok(answer) = rx.try_recv() {
            record(&mut report, &mut known, answer);
        }
        let id = if i.is_multiple_of(2) && !visible.is_empty() {
            visible[(i / 2) as usize % visible.len()]
        } else {
            elsewhere[(i / 2) as usize % elsewhere.len()]
        };
        let priority = next(known.get(&id).copied().unwrap_or(Priority::Low));
        known.insert(id, priority);
        let (c, tx) = (client.clone(), tx.clone());
        tokio::spawn(async move {
            let sent = Instant::now();
            let body = TicketUpdate {
                priority: Some(priority),
                ..TicketUpdate::default()
            };
            let result = c.update_ticket(id, &body, None).await;
            let answer = result.map(|t| (t.ticket.id, t.ticket.priority));
            let _ = tx.send((sent.elapsed(), answer.map_err(|e| e.to_string())));
        });
        report.sent += 1;
        i += 1;
    }
    report.secs = start.elapsed().as_secs_f64();
    drop(tx);
    while let Some(answer) = rx.recv().await {
        record(&mut report, &mut known, answer);
    }
    report
}

type Answer = (Duration, Result<(i64, Priority), String>);

fn record(report: &mut FeedReport, known: &mut HashMap<i64, Priority>, answer: Answer) {
    let (took, result) = answer;
    report.answered.push(took.as_secs_f64() * 1000.0);
    match result {
        Ok((id, priority)) => {
            known.insert(id, priority);
        }
        Err(e) => {
            if report.failed == 0 {
                eprintln!("a change failed: {e}");
            }
            report.failed += 1;
        }
    }
}
