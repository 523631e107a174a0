//! SLA clocks on business hours: when a target of business time started at an instant falls
//! due, and how much business time lies between two instants — in a time zone of the IANA
//! database (compiled in by `jiff`), across nights, weekends, holidays and daylight-saving
//! changes. Instants are microseconds since the Unix epoch, as tms stores them. A ticket's two
//! clocks ([`TicketClock`]) are kept with it: started at its creation, paused while it is
//! Waiting, stopped by the first public staff reply and by its resolution.
//!
//! Business time is time that actually elapses inside business hours: an hour of business
//! hours that a spring-forward change skips does not exist, and the hour a fall-back change
//! repeats counts twice, so "around the clock" is exactly elapsed time.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::domain::{Priority, Status};
use crate::validate::ValidationError;

/// Microseconds per minute.
const MINUTE_US: i64 = 60_000_000;
/// How far ahead a due time is looked for before a calendar is taken to have no business time
/// left (a week of business hours all on holidays, say): ten years of days.
const HORIZON_DAYS: u32 = 3_660;
/// The days of the week as the policy names them, Monday first.
pub const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
/// The longest target: a year of business minutes.
pub const TARGET_MAX_MINUTES: u32 = 525_600;
/// Most holidays a policy may list.
pub const HOLIDAYS_MAX: usize = 1_000;

/// Part of a day, in minutes from midnight: `start` < `end` ≤ 1440.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hours {
    pub start: u16,
    pub end: u16,
}

/// Business hours in a time zone, and the dates that have none.
#[derive(Debug, Clone)]
pub struct Calendar {
    tz: TimeZone,
    /// Monday first; each day's hours in order, not overlapping.
    week: [Vec<Hours>; 7],
    holidays: BTreeSet<Date>,
}

impl Calendar {
    /// Around the clock in UTC (elapsed time).
    pub fn utc() -> Self {
        Self::around_the_clock(TimeZone::UTC)
    }

    /// Every hour of every day, in `tz`.
    pub fn around_the_clock(tz: TimeZone) -> Self {
        Self {
            tz,
            week: std::array::from_fn(|_| {
                vec![Hours {
                    start: 0,
                    end: 1440,
                }]
            }),
            holidays: BTreeSet::new(),
        }
    }

    /// A calendar of `week` (Monday first; each day's hours in order, not overlapping) in
    /// `tz`, closed on `holidays`.
    pub fn new(tz: TimeZone, week: [Vec<Hours>; 7], holidays: BTreeSet<Date>) -> Self {
        Self { tz, week, holidays }
    }

    /// The business hours of `date` as instants (µs), in order.
    fn windows(&self, date: Date) -> Vec<(i64, i64)> {
        if self.holidays.contains(&date) {
            return Vec::new();
        }
        let day = usize::from(date.weekday().to_monday_zero_offset().unsigned_abs());
        self.week[day]
            .iter()
            .filter_map(|h| {
                let start = self.instant(date, h.start)?;
                let end = self.instant(date, h.end)?;
                (end > start).then_some((start, end))
            })
            .collect()
    }

    /// The instant of `minute` minutes after midnight of `date` on the local clock (1440:
    /// the next midnight). A clock time a spring-forward change skips is taken as the same
    /// time after the change ("compatible" disambiguation); one a fall-back change repeats
    /// as its first occurrence.
    fn instant(&self, date: Date, minute: u16) -> Option<i64> {
        let (date, minute) = if minute >= 1440 {
            (date.tomorrow().ok()?, minute - 1440)
        } else {
            (date, minute)
        };
        let hour = i8::try_from(minute / 60).ok()?;
        let min = i8::try_from(minute % 60).ok()?;
        let local: DateTime = date.at(hour, min, 0, 0);
        let zoned = self
            .tz
            .to_ambiguous_zoned_datetime(local)
            .compatible()
            .ok()?;
        Some(zoned.timestamp().as_microsecond())
    }

    /// The local date of instant `us`.
    fn date_of(&self, us: i64) -> Option<Date> {
        let ts = jiff::Timestamp::from_microsecond(us).ok()?;
        Some(ts.to_zoned_datetime(self.tz.clone()).date())
    }

    /// The instant at which `business_us` microseconds of business time have passed since
    /// `start`; `None` when the calendar has no more business time within ten years.
    pub fn add_us(&self, start: i64, business_us: i64) -> Option<i64> {
        let mut left = business_us.max(0);
        // A day's hours end by the next midnight, so none before `start`'s local date reach it.
        let mut date = self.date_of(start)?;
        for _ in 0..HORIZON_DAYS {
            for (from, to) in self.windows(date) {
                let from = from.max(start);
                if from >= to {
                    continue;
                }
                if to - from >= left {
                    return Some(from + left);
                }
                left -= to - from;
            }
            date = date.tomorrow().ok()?;
        }
        None
    }

    /// The instant at which `minutes` of business time have passed since `start`.
    pub fn add(&self, start: i64, minutes: i64) -> Option<i64> {
        self.add_us(start, minutes.checked_mul(MINUTE_US)?)
    }

    /// The business time (µs) between instants `a` and `b`: 0 unless `a` < `b`.
    pub fn between(&self, a: i64, b: i64) -> i64 {
        if b <= a {
            return 0;
        }
        let (Some(mut date), Some(last)) = (self.date_of(a), self.date_of(b)) else {
            return 0;
        };
        let mut total = 0;
        while date <= last {
            for (from, to) in self.windows(date) {
                let (from, to) = (from.max(a), to.min(b));
                if from < to {
                    total += to - from;
                }
            }
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
        total
    }
}

pub use crate::domain::SlaState;

/// One of a ticket's SLA clocks as stored: when it falls due, and when it gets at risk (a
/// fifth of its target or less left). Both move on by every pause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    pub due: i64,
    pub risk: i64,
}

impl Deadline {
    /// The deadline of a target of `minutes` business minutes started at `start`, after
    /// `paused_us` of business time paused.
    fn of(cal: &Calendar, start: i64, minutes: u32, paused_us: i64) -> Option<Self> {
        let target = i64::from(minutes) * MINUTE_US;
        Some(Self {
            due: cal.add_us(start, target + paused_us)?,
            risk: cal.add_us(start, target - target / 5 + paused_us)?,
        })
    }

    fn shifted(self, cal: &Calendar, business_us: i64) -> Self {
        Self {
            due: cal.add_us(self.due, business_us).unwrap_or(self.due),
            risk: cal.add_us(self.risk, business_us).unwrap_or(self.risk),
        }
    }
}

/// A ticket's SLA clocks, stored with it (instants in µs): the first response and the
/// resolution. The first response is pending until the first public staff comment, the
/// resolution until the ticket is Resolved; while it is Waiting both stand still. A clock that
/// stops late leaves the ticket `breached` for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketClock {
    pub first_response: Deadline,
    pub resolution: Deadline,
    pub first_responded_at: Option<i64>,
    /// Since when the clocks stand still (the ticket is Waiting).
    pub paused_at: Option<i64>,
    /// The business time paused so far.
    pub paused_us: i64,
    /// A clock stopped after its due time.
    pub breached: bool,
}

impl TicketClock {
    /// The clocks of a ticket filed at `created` with `target`; `None` when the calendar has
    /// no business time left to count them in.
    pub fn start(cal: &Calendar, target: SlaTarget, created: i64) -> Option<Self> {
        Some(Self {
            first_response: Deadline::of(cal, created, target.first_response_minutes, 0)?,
            resolution: Deadline::of(cal, created, target.resolution_minutes, 0)?,
            first_responded_at: None,
            paused_at: None,
            paused_us: 0,
            breached: false,
        })
    }

    /// Whether the first response is still awaited by a ticket in `status`.
    fn awaits_response(&self, status: Status) -> bool {
        self.first_responded_at.is_none() && status != Status::Resolved
    }

    /// The ticket's status moved from `from` to `to` at `now`: Waiting pauses the clocks,
    /// leaving it resumes them with the due times moved by the business time paused, and
    /// Resolved stops them (late: breached).
    pub fn status_changed(&mut self, cal: &Calendar, from: Status, to: Status, now: i64) {
        if from == to {
            return;
        }
        if let Some(since) = self.paused_at.take() {
            let paused = cal.between(since, now);
            self.paused_us += paused;
            if self.awaits_response(from) {
                self.first_response = self.first_response.shifted(cal, paused);
            }
            self.resolution = self.resolution.shifted(cal, paused);
        }
        // A clock that ran out before this change stays breached whatever comes next: a
        // pause or a resolution does not undo it.
        let overdue = self.next(from).is_some_and(|d| d.due <= now);
        match to {
            Status::Waiting => {
                self.breached |= overdue;
                self.paused_at = Some(now);
            }
            Status::Resolved => self.breached |= overdue,
            Status::Open | Status::InProgress => {}
        }
    }

    /// A public staff comment at `now`: the first one is the first response (late: breached).
    pub fn responded(&mut self, status: Status, now: i64) {
        if self.awaits_response(status) {
            self.first_responded_at = Some(now);
            self.breached |= now > self.first_response.due;
        }
    }

    /// The priority changed: the targets are now `target`, counted from the creation at
    /// `created` (with the business time paused so far); a clock already stopped keeps its due
    /// time.
    pub fn retarget(&mut self, cal: &Calendar, target: SlaTarget, created: i64, status: Status) {
        if self.awaits_response(status)
            && let Some(d) =
                Deadline::of(cal, created, target.first_response_minutes, self.paused_us)
        {
            self.first_response = d;
        }
        if status != Status::Resolved
            && let Some(d) = Deadline::of(cal, created, target.resolution_minutes, self.paused_us)
        {
            self.resolution = d;
        }
    }

    /// The earliest due time and at-risk time of the clocks still running for a ticket in
    /// `status` (kept beside the clocks so that lists filter and sort by them); `None` when
    /// none is.
    pub fn next(&self, status: Status) -> Option<Deadline> {
        let mut running = Vec::with_capacity(2);
        if self.awaits_response(status) {
            running.push(self.first_response);
        }
        if status != Status::Resolved {
            running.push(self.resolution);
        }
        Some(Deadline {
            due: running.iter().map(|d| d.due).min()?,
            risk: running.iter().map(|d| d.risk).min()?,
        })
    }

    /// The earliest deadline of the clocks running now (none while paused): what is stored
    /// beside the clocks for the lists to filter and sort by (`sla_next_due`).
    pub fn running(&self, status: Status) -> Option<Deadline> {
        if self.paused_at.is_some() {
            None
        } else {
            self.next(status)
        }
    }

    /// The ticket's SLA state at `now`.
    pub fn state(&self, status: Status, now: i64) -> SlaState {
        derive_state(
            self.breached,
            self.paused_at.is_some(),
            self.next(status),
            now,
        )
    }
}

/// The SLA state from what is stored (the stores' filters say the same in SQL): breached for
/// good once a clock stopped late; paused while Waiting; met when no clock runs; breached,
/// at risk or ok by the earliest running clock.
pub fn derive_state(breached: bool, paused: bool, next: Option<Deadline>, now: i64) -> SlaState {
    if breached {
        return SlaState::Breached;
    }
    if paused {
        return SlaState::Paused;
    }
    match next {
        None => SlaState::Met,
        Some(d) if d.due <= now => SlaState::Breached,
        Some(d) if d.risk <= now => SlaState::AtRisk,
        Some(_) => SlaState::Ok,
    }
}

/// A priority's targets, in business minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SlaTarget {
    pub first_response_minutes: u32,
    pub resolution_minutes: u32,
}

/// The SLA policy as the API reads and writes it (`/api/v1/admin/sla`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SlaPolicy {
    pub enabled: bool,
    /// An IANA time zone name, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// Per day (`mon` … `sun`), its business hours as `["HH:MM", "HH:MM"]` pairs (`24:00`
    /// ends a day); a day absent or empty has none.
    pub business_hours: BTreeMap<String, Vec<[String; 2]>>,
    /// Dates (`YYYY-MM-DD`, in the policy's time zone) without business hours.
    pub holidays: Vec<String>,
    /// Targets of `High`, `Medium` and `Low`.
    pub targets: BTreeMap<Priority, SlaTarget>,
}

impl Default for SlaPolicy {
    /// Enabled, around the clock in UTC; High 60/480, Medium 240/1440, Low 480/4320 minutes.
    fn default() -> Self {
        let all_day = || vec![["00:00".to_string(), "24:00".to_string()]];
        let target = |first, resolution| SlaTarget {
            first_response_minutes: first,
            resolution_minutes: resolution,
        };
        Self {
            enabled: true,
            time_zone: "UTC".into(),
            business_hours: DAYS.iter().map(|d| (d.to_string(), all_day())).collect(),
            holidays: Vec::new(),
            targets: [
                (Priority::High, target(60, 480)),
                (Priority::Medium, target(240, 1440)),
                (Priority::Low, target(480, 4320)),
            ]
            .into_iter()
            .collect(),
        }
    }
}

/// `HH:MM` as minutes from midnight, `24:00` included.
fn clock_minutes(s: &str) -> Option<u16> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) => Some(1440),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

impl SlaPolicy {
    /// The policy's calendar, or every reason it cannot be one (each naming its field).
    pub fn calendar(&self) -> Result<Calendar, Vec<ValidationError>> {
        let mut errors = Vec::new();
        let tz = TimeZone::get(&self.time_zone)
            .map_err(|_| {
                errors.push(ValidationError::new(
                    "time_zone",
                    "value_error.time_zone",
                    format!(
                        "{:?} is not a time zone of the IANA database",
                        self.time_zone
                    ),
                ));
            })
            .ok();
        let mut week: [Vec<Hours>; 7] = Default::default();
        for (day, spans) in &self.business_hours {
            let Some(i) = DAYS.iter().position(|d| d == day) else {
                errors.push(ValidationError::new(
                    "business_hours",
                    "value_error.day",
                    format!("{day:?} is not a day: use {}", DAYS.join(", ")),
                ));
                continue;
            };
            for [from, to] in spans {
                match (clock_minutes(from), clock_minutes(to)) {
                    (Some(start), Some(end)) if start < end => week[i].push(Hours { start, end }),
                    _ => errors.push(ValidationError::new(
                        "business_hours",
                        "value_error.hours",
                        format!(
                            "{day}: [{from:?}, {to:?}] is not a span of the day (HH:MM to a later HH:MM, 24:00 at most)"
                        ),
                    )),
                }
            }
            week[i].sort_unstable();
            if week[i].windows(2).any(|w| w[1].start < w[0].end) {
                errors.push(ValidationError::new(
                    "business_hours",
                    "value_error.overlap",
                    format!("{day}: business hours overlap"),
                ));
            }
        }
        if self.holidays.len() > HOLIDAYS_MAX {
            errors.push(ValidationError::new(
                "holidays",
                "value_error.too_many",
                format!("list at most {HOLIDAYS_MAX} holidays"),
            ));
        }
        let mut holidays = BTreeSet::new();
        for h in &self.holidays {
            match h.parse::<Date>() {
                Ok(d) if h.len() == 10 => {
                    holidays.insert(d);
                }
                _ => errors.push(ValidationError::new(
                    "holidays",
                    "value_error.date",
                    format!("{h:?} is not a date (YYYY-MM-DD)"),
                )),
            }
        }
        for p in Priority::ALL {
            match self.targets.get(p) {
                None => errors.push(ValidationError::new(
                    "targets",
                    "value_error.missing",
                    format!("give the targets of {p}"),
                )),
                Some(t) => {
                    let ok = |m: u32| (1..=TARGET_MAX_MINUTES).contains(&m);
                    if !ok(t.first_response_minutes) || !ok(t.resolution_minutes) {
                        errors.push(ValidationError::new(
                            "targets",
                            "value_error.minutes",
                            format!("{p}: targets are 1 to {TARGET_MAX_MINUTES} minutes"),
                        ));
                    }
                }
            }
        }
        match tz {
            Some(tz) if errors.is_empty() => Ok(Calendar::new(tz, week, holidays)),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Microseconds of a local wall-clock time in `tz` (`2026-03-27T16:00`).
    fn at(tz: &str, local: &str) -> i64 {
        let dt: DateTime = local.parse().unwrap();
        let tz = TimeZone::get(tz).unwrap();
        tz.to_ambiguous_zoned_datetime(dt)
            .compatible()
            .unwrap()
            .timestamp()
            .as_microsecond()
    }

    /// The local wall-clock time of `us` in `tz`, to the minute.
    fn local(tz: &str, us: i64) -> String {
        let z = jiff::Timestamp::from_microsecond(us)
            .unwrap()
            .to_zoned_datetime(TimeZone::get(tz).unwrap());
        z.datetime().strftime("%Y-%m-%dT%H:%M").to_string()
    }

    fn office(tz: &str, holidays: &[&str]) -> Calendar {
        let nine_to_five = || vec![["09:00".to_string(), "17:00".to_string()]];
        let policy = SlaPolicy {
            time_zone: tz.into(),
            business_hours: DAYS[..5]
                .iter()
                .map(|d| (d.to_string(), nine_to_five()))
                .chain([("sat".to_string(), Vec::new())])
                .collect(),
            holidays: holidays.iter().map(ToString::to_string).collect(),
            ..SlaPolicy::default()
        };
        policy.calendar().unwrap()
    }

    const BERLIN: &str = "Europe/Berlin";

    #[test]
    fn office_hours_skip_nights_and_weekends() {
        let cal = office(BERLIN, &[]);
        // Friday 16:00 + 2 h: one hour on Friday, one on Monday.
        let due = cal.add(at(BERLIN, "2026-11-27T16:00"), 120).unwrap();
        assert_eq!(local(BERLIN, due), "2026-11-30T10:00");
        // Started at night: the clock starts at nine.
        let due = cal.add(at(BERLIN, "2026-11-24T22:30"), 30).unwrap();
        assert_eq!(local(BERLIN, due), "2026-11-25T09:30");
        // Ending exactly at closing time stays on that day.
        let due = cal.add(at(BERLIN, "2026-11-24T09:00"), 480).unwrap();
        assert_eq!(local(BERLIN, due), "2026-11-24T17:00");
        // A week: five business days.
        let due = cal.add(at(BERLIN, "2026-11-23T09:00"), 5 * 480).unwrap();
        assert_eq!(local(BERLIN, due), "2026-11-27T17:00");
        let between = cal.between(
            at(BERLIN, "2026-11-27T16:00"),
            at(BERLIN, "2026-11-30T10:00"),
        );
        assert_eq!(between, 120 * MINUTE_US);
    }

    #[test]
    fn holidays_have_no_business_hours() {
        let cal = office(BERLIN, &["2026-12-24", "2026-12-25"]);
        // Wednesday 23rd 16:00 + 2 h: 1 h that day, Thursday and Friday are holidays, the
        // weekend closed: Monday 10:00.
        let due = cal.add(at(BERLIN, "2026-12-23T16:00"), 120).unwrap();
        assert_eq!(local(BERLIN, due), "2026-12-28T10:00");
    }

    #[test]
    fn daylight_saving_changes_count_time_that_elapses() {
        let cal = Calendar::around_the_clock(TimeZone::get(BERLIN).unwrap());
        // Spring forward (29 March 2026, 02:00 → 03:00): 60 minutes from 01:30 end at 03:30.
        let due = cal.add(at(BERLIN, "2026-03-29T01:30"), 60).unwrap();
        assert_eq!(local(BERLIN, due), "2026-03-29T03:30");
        // That day has 23 hours, the fall-back day (25 October) 25.
        let day = |d: &str, next: &str| {
            cal.between(
                at(BERLIN, &format!("{d}T00:00")),
                at(BERLIN, &format!("{next}T00:00")),
            ) / MINUTE_US
                / 60
        };
        assert_eq!(day("2026-03-29", "2026-03-30"), 23);
        assert_eq!(day("2026-10-25", "2026-10-26"), 25);
        // Office hours are not touched by a change at night.
        let cal = office("America/New_York", &[]);
        let due = cal
            .add(at("America/New_York", "2026-03-06T16:00"), 120)
            .unwrap();
        assert_eq!(local("America/New_York", due), "2026-03-09T10:00");
        // Hours that a change skips are shorter: 01:00–04:00 on the spring-forward night is
        // two hours of business time.
        let mut week: [Vec<Hours>; 7] = Default::default();
        week[6] = vec![Hours {
            start: 60,
            end: 240,
        }];
        let night = Calendar::new(TimeZone::get(BERLIN).unwrap(), week, BTreeSet::new());
        let spent = night.between(
            at(BERLIN, "2026-03-28T00:00"),
            at(BERLIN, "2026-03-30T00:00"),
        );
        assert_eq!(spent, 120 * MINUTE_US);
    }

    #[test]
    fn a_pause_moves_the_due_time_by_the_business_time_paused() {
        let cal = office(BERLIN, &[]);
        let start = at(BERLIN, "2026-11-23T09:00");
        let due = cal.add(start, 240).unwrap();
        assert_eq!(local(BERLIN, due), "2026-11-23T13:00");
        // Waiting from 10:00 to the next day 11:00: 7 + 2 business hours paused.
        let (from, to) = (
            at(BERLIN, "2026-11-23T10:00"),
            at(BERLIN, "2026-11-24T11:00"),
        );
        let paused = cal.between(from, to);
        assert_eq!(paused, 9 * 60 * MINUTE_US);
        let moved = cal.add_us(due, paused).unwrap();
        assert_eq!(local(BERLIN, moved), "2026-11-24T14:00");
        // The same as three business hours left at the resume.
        assert_eq!(cal.add(to, 180), Some(moved));
    }

    fn targets(first: u32, resolution: u32) -> SlaTarget {
        SlaTarget {
            first_response_minutes: first,
            resolution_minutes: resolution,
        }
    }

    #[test]
    fn a_tickets_clocks_run_pause_and_stop() {
        use Status::*;
        let cal = office(BERLIN, &[]);
        let created = at(BERLIN, "2026-11-23T09:00");
        let mut c = TicketClock::start(&cal, targets(60, 600), created).unwrap();
        assert_eq!(local(BERLIN, c.first_response.due), "2026-11-23T10:00");
        assert_eq!(local(BERLIN, c.first_response.risk), "2026-11-23T09:48");
        // 600 business minutes: 8 h Monday, 2 h Tuesday.
        assert_eq!(local(BERLIN, c.resolution.due), "2026-11-24T11:00");
        assert_eq!(c.state(Open, at(BERLIN, "2026-11-23T09:30")), SlaState::Ok);
        assert_eq!(
            c.state(Open, at(BERLIN, "2026-11-23T09:50")),
            SlaState::AtRisk
        );
        assert_eq!(
            c.state(Open, at(BERLIN, "2026-11-23T10:01")),
            SlaState::Breached
        );

        // Answered in time: the response clock stops; the resolution one runs on.
        c.responded(Open, at(BERLIN, "2026-11-23T09:40"));
        assert!(!c.breached);
        assert_eq!(c.next(Open).unwrap(), c.resolution);
        assert_eq!(c.state(Open, at(BERLIN, "2026-11-23T12:00")), SlaState::Ok);
        // A second reply changes nothing.
        let before = c;
        c.responded(Open, at(BERLIN, "2026-11-24T09:00"));
        assert_eq!(c, before);

        // Waiting from Monday 16:00 to Tuesday 10:00: 2 business hours paused.
        c.status_changed(&cal, Open, Waiting, at(BERLIN, "2026-11-23T16:00"));
        assert_eq!(
            c.state(Waiting, at(BERLIN, "2026-11-24T12:00")),
            SlaState::Paused
        );
        c.status_changed(&cal, Waiting, Open, at(BERLIN, "2026-11-24T10:00"));
        assert_eq!(c.paused_us, 2 * 60 * MINUTE_US);
        assert_eq!(local(BERLIN, c.resolution.due), "2026-11-24T13:00");
        assert_eq!(
            local(BERLIN, c.first_response.due),
            "2026-11-23T10:00",
            "stopped"
        );
        // Resolved in time: met, for good.
        c.status_changed(&cal, Open, Resolved, at(BERLIN, "2026-11-24T12:30"));
        assert!(!c.breached);
        assert_eq!(c.next(Resolved), None);
        assert_eq!(
            c.state(Resolved, at(BERLIN, "2026-12-24T12:30")),
            SlaState::Met
        );
    }

    #[test]
    fn late_clocks_breach_for_good_and_notes_or_reopening_do_not_undo_it() {
        use Status::*;
        let cal = Calendar::around_the_clock(TimeZone::UTC);
        let min = MINUTE_US;
        let mut c = TicketClock::start(&cal, targets(60, 480), 0).unwrap();
        c.responded(InProgress, 61 * min);
        assert!(c.breached, "answered a minute late");
        c.status_changed(&cal, InProgress, Resolved, 100 * min);
        assert_eq!(c.state(Resolved, 100 * min), SlaState::Breached);

        // Resolved late without an answer; reopened, the resolution clock runs again (overdue).
        let mut c = TicketClock::start(&cal, targets(60, 480), 0).unwrap();
        c.status_changed(&cal, Open, Resolved, 30 * min);
        assert!(!c.breached, "resolved before either was due");
        c.status_changed(&cal, Resolved, Open, 600 * min);
        assert_eq!(c.state(Open, 600 * min), SlaState::Breached);
        assert_eq!(c.next(Open).unwrap().due, 60 * min, "still unanswered");

        // Overdue, then put on Waiting: breached, not paused, and nothing runs meanwhile.
        let mut c = TicketClock::start(&cal, targets(60, 480), 0).unwrap();
        c.status_changed(&cal, Open, Waiting, 90 * min);
        assert!(c.breached, "the first response was due at 60");
        assert_eq!(c.running(Waiting), None);
        assert_eq!(c.state(Waiting, 91 * min), SlaState::Breached);
        // In time, then Waiting: paused, and no running deadline to sort by.
        let mut c = TicketClock::start(&cal, targets(60, 480), 0).unwrap();
        c.status_changed(&cal, Open, Waiting, 30 * min);
        assert!(!c.breached);
        assert_eq!(c.state(Waiting, 10_000 * min), SlaState::Paused);
        c.status_changed(&cal, Waiting, InProgress, 130 * min);
        assert_eq!(
            c.running(InProgress).unwrap().due,
            160 * min,
            "moved by the 100 minutes paused"
        );
    }

    #[test]
    fn a_priority_change_retargets_from_the_creation() {
        use Status::*;
        let cal = office(BERLIN, &[]);
        let created = at(BERLIN, "2026-11-23T09:00");
        let mut c = TicketClock::start(&cal, targets(480, 4320), created).unwrap();
        // Waiting for an hour first.
        c.status_changed(&cal, Open, Waiting, at(BERLIN, "2026-11-23T10:00"));
        c.status_changed(&cal, Waiting, Open, at(BERLIN, "2026-11-23T11:00"));
        // Raised to High (60/480) at 11:30: due an hour of work after creation, plus the pause.
        c.retarget(&cal, targets(60, 480), created, Open);
        assert_eq!(local(BERLIN, c.first_response.due), "2026-11-23T11:00");
        assert_eq!(local(BERLIN, c.resolution.due), "2026-11-24T10:00");
        assert_eq!(
            c.state(Open, at(BERLIN, "2026-11-23T11:30")),
            SlaState::Breached
        );
        // An answered clock keeps its due time.
        let mut answered = TicketClock::start(&cal, targets(480, 4320), created).unwrap();
        answered.responded(Open, at(BERLIN, "2026-11-23T09:30"));
        let kept = answered.first_response;
        answered.retarget(&cal, targets(60, 480), created, Open);
        assert_eq!(answered.first_response, kept);
    }

    #[test]
    fn states_derive_from_what_is_stored() {
        let d = Deadline { due: 100, risk: 80 };
        assert_eq!(derive_state(false, false, Some(d), 50), SlaState::Ok);
        assert_eq!(derive_state(false, false, Some(d), 80), SlaState::AtRisk);
        assert_eq!(derive_state(false, false, Some(d), 100), SlaState::Breached);
        assert_eq!(derive_state(false, true, Some(d), 200), SlaState::Paused);
        assert_eq!(derive_state(true, true, Some(d), 0), SlaState::Breached);
        assert_eq!(derive_state(false, false, None, 0), SlaState::Met);
        assert_eq!(derive_state(true, false, None, 0), SlaState::Breached);
    }

    #[test]
    fn a_policy_is_checked_whole() {
        assert!(SlaPolicy::default().calendar().is_ok());
        let mut bad = SlaPolicy {
            time_zone: "Mars/Olympus".into(),
            holidays: vec!["2026-13-01".into()],
            ..SlaPolicy::default()
        };
        bad.business_hours
            .insert("mon".into(), vec![["17:00".into(), "09:00".into()]]);
        bad.business_hours.insert(
            "tue".into(),
            vec![
                ["09:00".into(), "12:00".into()],
                ["11:00".into(), "13:00".into()],
            ],
        );
        bad.business_hours.insert("caturday".into(), Vec::new());
        bad.targets.remove(&Priority::Low);
        let kinds: Vec<&str> = bad.calendar().unwrap_err().iter().map(|e| e.kind).collect();
        for kind in [
            "value_error.time_zone",
            "value_error.hours",
            "value_error.overlap",
            "value_error.day",
            "value_error.date",
            "value_error.missing",
        ] {
            assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
        }
        assert_eq!(clock_minutes("24:00"), Some(1440));
        assert_eq!(clock_minutes("24:01"), None);
        assert_eq!(clock_minutes("9:00"), None);
    }

    #[test]
    fn a_calendar_without_business_hours_never_falls_due() {
        let policy = SlaPolicy {
            business_hours: BTreeMap::new(),
            ..SlaPolicy::default()
        };
        let cal = policy.calendar().unwrap();
        assert_eq!(cal.add(0, 1), None);
        assert_eq!(cal.between(0, 1_000 * MINUTE_US), 0);
    }
}
