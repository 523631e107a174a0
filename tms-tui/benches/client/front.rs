//! The child processes: `tms` started through `tms_tui::run_on` with a frontend that draws
//! into a sink through ratatui's crossterm backend (the escape sequences are produced as for a
//! terminal), types keys on a schedule and times every frame.

use crate::Args;
use crate::feed::{Feed, FeedReport};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use std::future::Future;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tms_tui::api::events::News;
use tms_tui::app::{Action, State};
use tms_tui::driver::Frontend;
use tms_tui::screens::Screen;
use tokio::sync::mpsc;

/// The keys typed, over and over: moving in the queue, paging, opening a ticket and scrolling
/// it, back, switching tabs.
const SCRIPT: &[(KeyCode, KeyModifiers)] = &[
    (KeyCode::Char('j'), KeyModifiers::NONE),
    (KeyCode::Char('j'), KeyModifiers::NONE),
    (KeyCode::Char('j'), KeyModifiers::NONE),
    (KeyCode::Char('k'), KeyModifiers::NONE),
    (KeyCode::PageDown, KeyModifiers::NONE),
    (KeyCode::Char('j'), KeyModifiers::NONE),
    (KeyCode::PageUp, KeyModifiers::NONE),
    (KeyCode::Enter, KeyModifiers::NONE),
    (KeyCode::Char('j'), KeyModifiers::NONE),
    (KeyCode::Char('j'), KeyModifiers::NONE),
    (KeyCode::Char('k'), KeyModifiers::NONE),
    (KeyCode::Esc, KeyModifiers::NONE),
    (KeyCode::Tab, KeyModifiers::NONE),
    (KeyCode::Char('j'), KeyModifiers::NONE),
    (KeyCode::Tab, KeyModifiers::NONE),
    (KeyCode::Char('k'), KeyModifiers::NONE),
    (KeyCode::BackTab, KeyModifiers::SHIFT),
    (KeyCode::BackTab, KeyModifiers::SHIFT),
    (KeyCode::Char('G'), KeyModifiers::NONE),
    (KeyCode::Char('g'), KeyModifiers::NONE),
];

/// Milliseconds between keys, around 20 (50 keys a second), varied so that keys do not fall
/// in step with the events.
fn gap(i: usize) -> Duration {
    Duration::from_micros(15_000 + (i as u64 * 7_919 % 10_000))
}

pub fn percentile(v: &[f64], p: f64) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    let rank = (p / 100.0 * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Types `keys` keys from `start` on its own thread, as the terminal's reader thread hands
/// keys to the loop (a timer of the loop's runtime would round each key up to its millisecond).
fn keyboard(start: Instant, keys: usize) -> mpsc::UnboundedReceiver<(KeyEvent, Instant)> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        let mut due = start;
        for i in 0..keys {
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            let (code, mods) = SCRIPT[i % SCRIPT.len()];
            if tx
                .send((KeyEvent::new(code, mods), Instant::now()))
                .is_err()
            {
                return;
            }
            due += gap(i);
        }
    });
    rx
}

/// The queue in front, its rows read (`complete`: and every tab's count).
fn queue_shown(state: &State, complete: bool) -> bool {
    match &state.screen {
        Screen::Queue(q) => {
            q.rows.is_some() && !q.loading && (!complete || q.counts.iter().all(Option::is_some))
        }
        _ => false,
    }
}

/// What a key that reads from the server waits for: its answer drawn.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Awaited {
    /// The ticket opened (Enter), shown with its thread.
    Ticket,
    /// The tab switched to, its rows shown.
    Tab,
}

/// Whether what `awaited` waits for is on screen.
fn answered(state: &State, awaited: Awaited) -> Option<bool> {
    match (&state.screen, awaited) {
        (Screen::Ticket(t), Awaited::Ticket) => Some(t.detail.is_some() && !t.loading),
        (Screen::Queue(q), Awaited::Tab) => Some(q.rows.is_some() && !q.loading),
        // Left before the answer came.
        _ => None,
    }
}

/// The embedded server's address, as the client shows it.
fn base_url(state: &State) -> Option<String> {
    let s = state.setup.server.strip_prefix("embedded (")?;
    Some(s.strip_suffix(')')?.to_string())
}

/// A key handed to the loop and not drawn yet.
struct Typed {
    /// When it was due (typed).
    due: Instant,
    /// When the loop took it.
    taken: Instant,
    /// What it reads from the server, if anything.
    awaits: Option<Awaited>,
}

struct Bench {
    term: Terminal<CrosstermBackend<std::io::Sink>>,
    /// When the process was spawned, by the parent's clock.
    t0: Option<SystemTime>,
    first: Option<f64>,
    rows: Option<f64>,
    complete: Option<f64>,
    /// Keys to type; zero for the first-frame measurement.
    keys: usize,
    rate: u32,
    feed: Option<Feed>,
    fed: Option<FeedReport>,
    /// When typing starts; `None` until the queue is shown and the event stream up.
    start: Option<Instant>,
    /// The keys typed, each with when, from the keyboard's thread.
    keyboard: Option<mpsc::UnboundedReceiver<(KeyEvent, Instant)>>,
    /// When the key the loop was last handed was typed.
    typed_at: Option<Instant>,
    /// Keys taken by the loop.
    next: usize,
    typed: Option<Typed>,
    /// A key whose answer is not drawn yet: when it was typed, and what it waits for.
    awaiting: Option<(Instant, Awaited)>,
    opened: Vec<f64>,
    switched: Vec<f64>,
    latencies: Vec<f64>,
    waits: Vec<f64>,
    updates: Vec<f64>,
    key_draws: Vec<f64>,
    draws: Vec<f64>,
    /// The loop's turn in progress: what it handles, since when.
    turn: Option<(&'static str, Instant)>,
    /// Every turn's time from taking an action to its frame drawn, by the action's kind.
    turns: std::collections::BTreeMap<&'static str, Vec<f64>>,
    events: u64,
    last_event: Option<Instant>,
    done: bool,
}

impl Bench {
    fn new(args: &Args, keys: usize, rate: u32) -> Self {
        let backend = CrosstermBackend::new(std::io::sink());
        let area = Rect::new(0, 0, args.width, args.height);
        let term = Terminal::with_options(
            backend,
            TerminalOptions {
                viewport: Viewport::Fixed(area),
            },
        )
        .expect("terminal");
        let t0 = std::env::var("TMS_BENCH_T0_NS")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .map(|ns| UNIX_EPOCH + Duration::from_nanos(ns));
        Self {
            term,
            t0,
            first: None,
            rows: None,
            complete: None,
            keys,
            rate,
            feed: None,
            fed: None,
            start: None,
            keyboard: None,
            typed_at: None,
            next: 0,
            typed: None,
            awaiting: None,
            opened: Vec::new(),
            switched: Vec::new(),
            latencies: Vec::new(),
            waits: Vec::new(),
            updates: Vec::new(),
            key_draws: Vec::new(),
            draws: Vec::new(),
            turn: None,
            turns: Default::default(),
            events: 0,
            last_event: None,
            done: false,
        }
    }

    fn since_t0(&self) -> f64 {
        let t0 = self.t0.unwrap_or(UNIX_EPOCH);
        ms(SystemTime::now().duration_since(t0).unwrap_or_default())
    }

    /// The start-up figures, after a frame.
    fn first_frames(&mut self, state: &State) {
        self.first.get_or_insert(self.since_t0());
        if self.rows.is_none() && queue_shown(state, false) {
            self.rows = Some(self.since_t0());
        }
        if self.complete.is_none() && queue_shown(state, true) {
            self.complete = Some(self.since_t0());
            if self.keys == 0 {
                self.done = true;
            }
        }
    }

    /// Records how long the key that read from the server took to have its answer drawn, once
    /// it is (a key that left the screen first is not counted).
    fn note_answer(&mut self, state: &State, end: Instant) {
        let Some((due, awaited)) = self.awaiting else {
            return;
        };
        match answered(state, awaited) {
            Some(false) => return,
            Some(true) if awaited == Awaited::Ticket => self.opened.push(ms(end - due)),
            Some(true) => self.switched.push(ms(end - due)),
            None => {}
        }
        self.awaiting = None;
    }

    /// Starts the events and the typing once the queue is shown and the stream is up.
    fn maybe_start(&mut self, state: &State) {
        if self.start.is_some() || !queue_shown(state, true) || !state.live.is_up() {
            return;
        }
        let base = base_url(state).expect("an embedded client");
        self.feed = Some(Feed::start(base, self.rate));
        // A second for the first events to flow before the first key.
        let start = Instant::now() + Duration::from_secs(1);
        self.start = Some(start);
        self.keyboard = Some(keyboard(start, self.keys));
    }
}

impl Frontend for Bench {
    fn draw(&mut self, state: &State) -> std::io::Result<()> {
        let begin = Instant::now();
        self.term.draw(|f| tms_tui::ui::view(f, state))?;
        let end = Instant::now();
        self.draws.push(ms(end - begin));
        if let Some((kind, since)) = self.turn.take() {
            self.turns.entry(kind).or_default().push(ms(end - since));
        }
        self.first_frames(state);
        self.note_answer(state, end);
        if let Some(typed) = self.typed.take() {
            if let Some(awaited) = typed.awaits {
                self.awaiting = Some((typed.due, awaited));
                self.note_answer(state, end);
            }
            self.latencies.push(ms(end - typed.due));
            self.waits.push(ms(typed.taken - typed.due));
            self.updates.push(ms(begin - typed.taken));
            self.key_draws.push(ms(end - begin));
            if self.next >= self.keys {
                self.done = true;
                // Before the client stops, so that no change finds the server gone.
                self.fed = self.feed.take().map(Feed::stop);
            }
        }
        if self.keys > 0 {
            self.maybe_start(state);
        }
        Ok(())
    }

    fn next_event(&mut self) -> impl Future<Output = Option<std::io::Result<Event>>> + Send {
        let done = self.done;
        let keyboard = self.keyboard.as_mut();
        let typed_at = &mut self.typed_at;
        async move {
            match keyboard {
                _ if done => None,
                None => std::future::pending().await,
                Some(keyboard) => {
                    let (key, typed) = keyboard.recv().await?;
                    *typed_at = Some(typed);
                    Some(Ok(Event::Key(key)))
                }
            }
        }
    }

    fn edit(&mut self, _text: &str) -> std::io::Result<Result<String, String>> {
        Ok(Err("no editor in the benchmark".into()))
    }

    fn observe(&mut self, action: &Action) {
        if self.start.is_some_and(|s| s <= Instant::now()) {
            let kind = match action {
                Action::Key(_) => "key",
                Action::Live { .. } => "event",
                Action::Response { .. } => "reply",
                Action::Tick(_) => "tick",
                Action::Wake(_) => "wake",
                _ => "other",
            };
            self.turn = Some((kind, Instant::now()));
        }
        match action {
            Action::Key(key) => {
                let taken = Instant::now();
                let awaits = match key.code {
                    KeyCode::Enter => Some(Awaited::Ticket),
                    KeyCode::Tab | KeyCode::BackTab => Some(Awaited::Tab),
                    _ => None,
                };
                self.typed = Some(Typed {
                    due: self.typed_at.take().unwrap_or(taken),
                    taken,
                    awaits,
                });
                self.next += 1;
            }
            Action::Live {
                news: News::Event(_),
                ..
            } if self.start.is_some_and(|s| s <= Instant::now()) => {
                self.events += 1;
                self.last_event = Some(Instant::now());
            }
            _ => {}
        }
    }
}

/// Runs one child measurement and prints its figures.
pub fn child(what: &str, args: &Args) {
    let db = args.db.clone().expect("--db");
    let cli = tms_tui::cli::Cli {
        server: None,
        demo: false,
        db: Some(db),
        theme: None,
        command: None,
    };
    let (keys, rate) = match what {
        "first-frame" => (0, 0),
        "keys" => (args.keys, args.rate),
        other => panic!("unknown child {other}"),
    };
    let mut bench = Bench::new(args, keys, rate);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime
        .block_on(tms_tui::run_on(cli, &mut bench))
        .expect("run the client");
    drop(runtime);
    if keys == 0 {
        println!(
            "first={:.2} rows={:.2} complete={:.2}",
            bench.first.unwrap_or(f64::NAN),
            bench.rows.unwrap_or(f64::NAN),
            bench.complete.unwrap_or(f64::NAN)
        );
        return;
    }
    report_keys(&bench, bench.fed.as_ref());
}

fn report_keys(bench: &Bench, fed: Option<&FeedReport>) {
    let start = bench.start.expect("typing started");
    let secs = bench.last_event.map_or(0.0, |t| (t - start).as_secs_f64());
    println!();
    println!(
        "keys: {} keys at ~50/s while another agent changes tickets at {}/s (client-side ms):",
        bench.latencies.len(),
        bench.rate
    );
    println!(
        "  {:<40} {:>7} {:>7} {:>7} {:>7}",
        "", "p50", "p99", "p99.9", "max"
    );
    let opened = format!("Enter -> ticket shown ({})", bench.opened.len());
    let switched = format!("Tab -> tab's rows shown ({})", bench.switched.len());
    let rows: [(&str, &[f64]); 7] = [
        ("key press -> frame drawn", &bench.latencies),
        ("  waiting for the loop", &bench.waits),
        ("  update and effects", &bench.updates),
        ("  drawing the key's frame", &bench.key_draws),
        ("every frame's drawing", &bench.draws),
        (&opened, &bench.opened),
        (&switched, &bench.switched),
    ];
    for (name, v) in rows {
        println!(
            "  {name:<40} {:>7.2} {:>7.2} {:>7.2} {:>7.2}",
            percentile(v, 50.0),
            percentile(v, 99.0),
            percentile(v, 99.9),
            percentile(v, 100.0)
        );
    }
    println!("  frames drawn: {}", bench.draws.len());
    let turns: Vec<String> = bench
        .turns
        .iter()
        .map(|(kind, v)| {
            format!(
                "{kind} {} p99 {:.2} max {:.2}",
                v.len(),
                percentile(v, 99.0),
                percentile(v, 100.0)
            )
        })
        .collect();
    println!(
        "  the loop's turns (action taken -> its frame drawn, ms): {}",
        turns.join("; ")
    );
    if let Some(fed) = fed {
        println!(
            "  events received by the client while typing: {} ({:.1}/s over {:.1} s)",
            bench.events,
            bench.events as f64 / secs.max(f64::EPSILON),
            secs
        );
        fed.print();
    }
}
