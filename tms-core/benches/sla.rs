//! What the SLA arithmetic costs a ticket change (BENCHMARKS.md, "SLA arithmetic per change"):
//! the server reads the stored policy, parses it, builds its calendar and starts or moves the
//! clocks on every creation and every status or priority change, without a cache. Each step is
//! timed alone and together, for the default policy (around the clock, UTC) and for business
//! hours in Europe/Berlin with 20 holidays; the figure is the median of 21 batches.
//!
//!   cargo bench -p tms-core --bench sla

use std::hint::black_box;
use std::time::Instant;
use tms_core::sla::{SlaPolicy, TicketClock};
use tms_core::{Priority, Status};

const BATCHES: usize = 21;
const PER_BATCH: u32 = 2_000;

/// Microseconds per call of `f`: the median of [`BATCHES`] batches.
fn median_us(mut f: impl FnMut(i64)) -> f64 {
    let mut samples: Vec<f64> = (0..BATCHES)
        .map(|_| {
            let start = Instant::now();
            for i in 0..PER_BATCH {
                f(i64::from(i));
            }
            start.elapsed().as_secs_f64() * 1e6 / f64::from(PER_BATCH)
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[BATCHES / 2]
}

fn business_hours() -> SlaPolicy {
    let mut p = SlaPolicy {
        time_zone: "Europe/Berlin".into(),
        ..SlaPolicy::default()
    };
    for day in ["mon", "tue", "wed", "thu", "fri"] {
        let span = ["09:00".to_string(), "17:00".to_string()];
        p.business_hours.insert(day.into(), vec![span]);
    }
    for day in ["sat", "sun"] {
        p.business_hours.insert(day.into(), Vec::new());
    }
    p.holidays = (0..20)
        .map(|i| format!("2027-{:02}-{:02}", i % 12 + 1, i / 12 + 10))
        .collect();
    p
}

fn main() {
    // A Friday afternoon in December 2026, in microseconds since the epoch.
    let now: i64 = 1_796_050_800_000_000;
    println!(
        "{:<44} {:>10} {:>10}",
        "step (µs per call, median)", "default", "business"
    );
    let policies = [SlaPolicy::default(), business_hours()];
    let json: Vec<String> = policies
        .iter()
        .map(|p| serde_json::to_string(p).expect("policy"))
        .collect();
    let row = |name: &str, f: &dyn Fn(usize, i64)| {
        let [a, b] = [0, 1].map(|k| median_us(|i| f(k, i)));
        println!("{name:<44} {a:>10.2} {b:>10.2}");
    };
    row("parse the stored policy (JSON)", &|k, _| {
        black_box(serde_json::from_str::<SlaPolicy>(&json[k]).expect("parse"));
    });
    row("build its calendar (zone, hours, holidays)", &|k, _| {
        black_box(policies[k].calendar().expect("calendar"));
    });
    let cals = policies.each_ref().map(|p| p.calendar().expect("calendar"));
    row("start the clocks of a Low ticket", &|k, i| {
        let target = policies[k].targets[&Priority::Low];
        black_box(TicketClock::start(&cals[k], target, now + i * 60_000_000));
    });
    row("pause on Waiting and resume 2 h later", &|k, i| {
        let target = policies[k].targets[&Priority::Low];
        let at = now + i * 60_000_000;
        let mut c = TicketClock::start(&cals[k], target, at).expect("clock");
        c.status_changed(&cals[k], Status::Open, Status::Waiting, at + 3_600_000_000);
        c.status_changed(&cals[k], Status::Waiting, Status::Open, at + 10_800_000_000);
        black_box(c);
    });
    row("a creation: parse, calendar, start", &|k, i| {
        let p: SlaPolicy = serde_json::from_str(&json[k]).expect("parse");
        let cal = p.calendar().expect("calendar");
        let target = p.targets[&Priority::Low];
        black_box(TicketClock::start(&cal, target, now + i * 60_000_000));
    });
}
