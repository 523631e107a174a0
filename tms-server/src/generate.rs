//! `tms-server gen`: fills a database with realistic tickets for benchmarks — titles and
//! 200–1,000-character descriptions from a vocabulary, comments on a share of them, a spread
//! of statuses, priorities, requesters, agents and dates over three years.
//!
//! Every ticket carries one topic word (each in about 10% of tickets, a "common" search term)
//! and one error code `E` + six digits (a rare term: a given code is in about N/1,000,000 tickets).
//! Tickets carry 0–3 tags out of [`TAGS`], the first ones far more often than the last
//! ([`COMMON_TAG`] on about a quarter of tickets); a share of the unresolved ones are Waiting.

use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use time::Duration;
use tms_core::timefmt::{self, Timestamp};
use tms_core::{Priority, Role, Status};

use crate::auth::password::Hasher;
use crate::service::ServiceError;
use crate::store::postgres::Pg;
use crate::store::sqlite::{self, bulk};
use crate::store::{BulkTicket, StoreError, Target, Write};

/// Ten topics: each ticket is about one, so each topic word is in ~10% of tickets.
pub const TOPICS: &[&str] = &[
    "printer", "vpn", "email", "laptop", "password", "network", "license", "monitor", "database",
    "phone",
];

/// The tags tickets carry, most used first: tag `k` is drawn with weight `1 / (k + 1)`.
pub const TAGS: &[&str] = &[
    "hardware",
    "access",
    "network",
    "software",
    "onboarding",
    "remote",
    "urgent",
    "security",
    "billing",
    "vip",
    "outage",
    "how-to",
    "follow-up",
    "duplicate",
    "escalated",
];

/// The most used tag (on about a quarter of the tickets): the benchmark's tag filter.
pub const COMMON_TAG: &str = "hardware";

const OBJECTS: &[&str] = &[
    "driver",
    "account",
    "connection",
    "screen",
    "keyboard",
    "update",
    "certificate",
    "mailbox",
    "folder",
    "calendar",
    "backup",
    "server",
    "client",
    "profile",
    "token",
    "cable",
    "dock",
    "headset",
    "badge",
    "portal",
];
const VERBS: &[&str] = &[
    "fails",
    "stopped working",
    "keeps crashing",
    "is slow",
    "shows an error",
    "needs replacing",
    "cannot connect",
    "freezes",
    "disconnects",
    "was reset",
    "is missing",
    "requires approval",
];
const FILLER: &[&str] = &[
    "since this morning",
    "after the last update",
    "when working from home",
    "on the third floor",
    "for the whole team",
    "every few minutes",
    "during video calls",
    "before the quarterly deadline",
    "only on Mondays",
    "after restarting twice",
    "with the new badge",
    "in the meeting rooms",
];
const ASKS: &[&str] = &[
    "Could someone take a look?",
    "This blocks my work.",
    "Please advise.",
    "It worked fine last week.",
    "I have already tried restarting.",
    "My manager approved the request.",
    "Logs are attached to the ticket.",
    "The error appears intermittently.",
    "Colleagues see the same problem.",
    "Is there a workaround?",
];
const REPLIES: &[&str] = &[
    "Thanks, I am looking into it.",
    "Could you send a screenshot of the error?",
    "I have reset it on our side; please try again.",
    "This is a known issue; a fix is scheduled.",
    "Escalated to the second-line team.",
    "Works again after the change, thanks!",
    "Please restart and confirm.",
    "I booked a visit for tomorrow morning.",
];

/// How many of each kind of user a database of `tickets` tickets gets.
fn people(tickets: u64) -> (u64, u64) {
    // At least sixteen, so that the load benchmark can search as sixteen agents at once (one
    // user runs at most two searches at a time).
    let agents = (tickets / 20_000).clamp(16, 200);
    let requesters = (tickets / 50).clamp(20, 50_000);
    (agents, requesters)
}

fn description(rng: &mut StdRng, topic: &str, code: &str) -> String {
    let target = rng.gen_range(200..=1000);
    let mut text = format!(
        "The {topic} {} {} {}. Error code {code}.",
        OBJECTS.choose(rng).unwrap_or(&"driver"),
        VERBS.choose(rng).unwrap_or(&"fails"),
        FILLER.choose(rng).unwrap_or(&"today"),
    );
    while text.len() < target {
        text.push(' ');
        if rng.gen_bool(0.5) {
            text.push_str(ASKS.choose(rng).unwrap_or(&"Please advise."));
        } else {
            let sentence = format!(
                "The {} {} {}.",
                OBJECTS.choose(rng).unwrap_or(&"driver"),
                VERBS.choose(rng).unwrap_or(&"fails"),
                FILLER.choose(rng).unwrap_or(&"today")
            );
            text.push_str(&sentence);
        }
    }
    text.truncate(text.floor_char_boundary(1000));
    text
}

/// A storage failure of the generator, as the command line reports it.
fn sql(e: impl Into<StoreError>) -> ServiceError {
    ServiceError::from(e.into())
}

struct Pools {
    agents: Vec<i64>,
    requesters: Vec<i64>,
    /// The default SLA policy and its calendar: every generated ticket has clocks.
    sla: (tms_core::sla::SlaPolicy, tms_core::sla::Calendar),
}

/// The default SLA policy with its calendar.
fn default_sla() -> (tms_core::sla::SlaPolicy, tms_core::sla::Calendar) {
    let policy = tms_core::sla::SlaPolicy::default();
    let cal = policy
        .calendar()
        .unwrap_or_else(|_| tms_core::sla::Calendar::utc());
    (policy, cal)
}

/// The generator's accounts, made if missing: an admin, agents and requesters.
fn ensure_users(tx: &dyn Write, tickets: u64, hash: &str) -> Result<Pools, ServiceError> {
    let (n_agents, n_requesters) = people(tickets);
    let now = timefmt::now();
    if tx.user_by_email("admin@example.com")?.is_none() {
        tx.insert_user("admin", "admin@example.com", Role::Admin, hash, now)?;
    }
    let make = |prefix: &str, n: u64, role: Role| -> Result<Vec<i64>, ServiceError> {
        (1..=n)
            .map(|i| {
                let email = format!("{prefix}{i}@gen.example.com");
                Ok(match tx.user_by_email(&email)? {
                    Some((u, _)) => u.id,
                    None => {
                        tx.insert_user(&format!("{prefix}{i}"), &email, role, hash, now)?
                            .id
                    }
                })
            })
            .collect()
    };
    let agents = make("agent", n_agents, Role::Agent)?;
    let requesters = make("user", n_requesters, Role::Requester)?;
    Ok(Pools {
        agents,
        requesters,
        sla: default_sla(),
    })
}

/// 0–3 distinct tags (none on 40% of tickets, 1 on 30%, 2 on 20%, 3 on 10%), skewed towards
/// the first of [`TAGS`]; sorted, as `tms_core::validate::tag_set` leaves them.
fn tags(rng: &mut StdRng) -> Vec<String> {
    let n = match rng.gen_range(0..10) {
        0..=3 => 0,
        4..=6 => 1,
        7..=8 => 2,
        _ => 3,
    };
    // Harmonic weights: the k-th tag is drawn with weight 1 / (k + 1).
    let total: f64 = (1..=TAGS.len()).map(|k| 1.0 / k as f64).sum();
    let mut out: Vec<String> = Vec::with_capacity(n);
    while out.len() < n {
        let mut x = rng.gen_range(0.0..total);
        let mut pick = TAGS.len() - 1;
        for (k, _) in TAGS.iter().enumerate() {
            x -= 1.0 / (k + 1) as f64;
            if x < 0.0 {
                pick = k;
                break;
            }
        }
        let tag = TAGS[pick].to_string();
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    out.sort_unstable();
    out
}

fn ticket(rng: &mut StdRng, pools: &Pools, i: u64, n: u64, now: Timestamp) -> BulkTicket {
    let span = Duration::days(3 * 365);
    // Ticket i of n was filed at a time proportional to i, with some jitter.
    let frac = (i as f64 + rng.gen_range(0.0..1.0)) / n as f64;
    let created =
        now - span + Duration::seconds_f64(span.as_seconds_f64() * frac) - Duration::minutes(1);
    let age_days = (now - created).whole_days();
    let status = match (age_days, rng.gen_range(0..100)) {
        (d, r) if d > 30 && r < 95 => Status::Resolved,
        (d, r) if d > 30 && r < 97 => Status::Waiting,
        (d, _) if d > 30 => Status::Open,
        (_, r) if r < 35 => Status::Open,
        (_, r) if r < 60 => Status::InProgress,
        (_, r) if r < 75 => Status::Waiting,
        _ => Status::Resolved,
    };
    let priority = match rng.gen_range(0..10) {
        0..=2 => Priority::Low,
        3..=7 => Priority::Medium,
        _ => Priority::High,
    };
    let requester = *pools.requesters.choose(rng).unwrap_or(&1);
    let agent = *pools.agents.choose(rng).unwrap_or(&1);
    let assigned = match status {
        Status::Open if rng.gen_bool(0.5) => None,
        _ => Some(agent),
    };
    let topic = TOPICS[(i % TOPICS.len() as u64) as usize];
    let code = format!("E{:06}", rng.gen_range(0..1_000_000));
    let title = format!(
        "{} {} {}",
        topic[..1].to_uppercase() + &topic[1..],
        OBJECTS.choose(rng).unwrap_or(&"driver"),
        VERBS.choose(rng).unwrap_or(&"fails")
    );
    let n_comments = if rng.gen_bool(0.3) {
        rng.gen_range(1..=4)
    } else {
        0
    };
    let max_gap = (now - created).whole_minutes().clamp(1, 60 * 24 * 3);
    let mut at = created;
    let comments: Vec<_> = (0..n_comments)
        .map(|k| {
            at += Duration::minutes(rng.gen_range(1..=max_gap) / (n_comments + 1));
            let (who, text) = if k % 2 == 0 {
                (
                    requester,
                    ASKS.choose(rng).unwrap_or(&"Please advise.").to_string(),
                )
            } else {
                (agent, REPLIES.choose(rng).unwrap_or(&"Thanks.").to_string())
            };
            (who, text, at.min(now))
        })
        .collect();
    let updated_at = comments.last().map_or(created, |c| c.2);
    let resolution_date =
        (status == Status::Resolved).then(|| (updated_at + Duration::hours(2)).min(now));
    // The agent's first reply is the second comment.
    let answered = comments.get(1).map(|c| c.2);
    let (policy, cal) = &pools.sla;
    let sla = crate::service::sla::clock_for(
        policy,
        cal,
        priority,
        status,
        created,
        answered,
        resolution_date.unwrap_or(updated_at),
    );
    BulkTicket {
        sla,
        tags: tags(rng),
        description: description(rng, topic, &code),
        title,
        status,
        priority,
        requester_id: requester,
        assigned_agent_id: assigned,
        creation_date: created,
        updated_at: resolution_date.unwrap_or(updated_at),
        resolution_date,
        comments,
    }
}

/// Adds `n` generated tickets (and the users they need) to the database `target`.
pub fn generate(target: &Target, n: u64, seed: u64, progress: bool) -> Result<(), ServiceError> {
    let hash = Hasher::new(19 * 1024, 2)?.hash_blocking(crate::demo::DEMO_PASSWORD)?;
    match target {
        Target::Sqlite(path) => {
            let mut conn = sqlite::open_direct(path).map_err(sql)?;
            let tx = conn.unchecked_transaction().map_err(sql)?;
            let counts = sqlite::counts::CountCache::default();
            let pools = ensure_users(&sqlite::Tx::new(&tx, &counts), n, &hash)?;
            tx.commit().map_err(sql)?;
            let triggers = bulk::search_triggers(&conn).map_err(sql)?;
            fill(n, seed, progress, &pools, |batch| {
                bulk::insert_batch(&mut conn, &triggers, batch).map_err(sql)
            })?;
            bulk::finish(&conn).map_err(sql)
        }
        Target::Postgres(url) => {
            let pg = Pg::open(url, 2, std::time::Duration::from_secs(3600))?;
            let hash = hash.clone();
            let pools = pg.write_blocking(move |tx| ensure_users(tx, n, &hash))?;
            fill(n, seed, progress, &pools, |batch| {
                pg.insert_generated(batch).map_err(ServiceError::from)
            })?;
            Ok(pg.analyze()?)
        }
    }
}

/// Generates `n` tickets in batches and hands each batch to `load`.
fn fill(
    n: u64,
    seed: u64,
    progress: bool,
    pools: &Pools,
    mut load: impl FnMut(&[BulkTicket]) -> Result<(), ServiceError>,
) -> Result<(), ServiceError> {
    let mut rng = StdRng::seed_from_u64(seed);
    let bar = if progress {
        ProgressBar::new(n)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} tickets  {per_sec}  eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let now = timefmt::now();
    const BATCH: u64 = 10_000;
    let mut i = 0;
    while i < n {
        let end = (i + BATCH).min(n);
        let batch: Vec<_> = (i..end)
            .map(|k| ticket(&mut rng, pools, k, n, now))
            .collect();
        load(&batch)?;
        bar.inc(end - i);
        i = end;
    }
    bar.finish();
    Ok(())
}

/// The version of what [`generate`] makes, in the name of the benchmarks' cached databases:
/// v2 has sixteen agents at least (the load benchmark searches as sixteen agents); v3 tags and
/// Waiting tickets. Raise it whenever the generated data changes.
pub const DATA_VERSION: u32 = 4;

/// The SQLite database of `tickets` generated tickets (seed 1) under `dir`, made once and kept
/// for every later benchmark run (the load harness and the client benchmark share it).
pub fn cached_sqlite(dir: &std::path::Path, tickets: u64) -> Result<std::path::PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let path = dir.join(format!("tms-v{DATA_VERSION}-{tickets}.db"));
    if path.exists() {
        return Ok(path);
    }
    let partial = dir.join(format!("tms-{tickets}.partial.db"));
    let _ = std::fs::remove_file(&partial);
    eprintln!(
        "generating {tickets} tickets into {} (once) ...",
        path.display()
    );
    generate(&Target::Sqlite(partial.clone()), tickets, 1, true).map_err(|e| e.to_string())?;
    // Fold the write-ahead log in, so that the kept file stands alone.
    let conn = rusqlite::Connection::open(&partial).map_err(|e| e.to_string())?;
    conn.pragma_update(None, "wal_checkpoint", "TRUNCATE")
        .map_err(|e| e.to_string())?;
    drop(conn);
    std::fs::rename(&partial, &path).map_err(|e| e.to_string())?;
    Ok(path)
}
