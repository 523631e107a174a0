//! SLA clocks on business hours: when a target of business time started at an instant falls
//! due, and how much business time lies between two instants — in a time zone of the IANA
//! database (compiled in by `jiff`), across nights, weekends, holidays and daylight-saving
//! changes. Instants are microseconds since the Unix epoch, as tms stores them.
//!
//! Business time is time that actually elapses inside business hours: an hour of business
//! hours that a spring-forward change skips does not exist, and the hour a fall-back change
//! repeats counts twice, so "around the clock" is exactly elapsed time.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::domain::Priority;
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

/// How a ticket stands against its SLA (`sla_state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    /// Every pending clock has more than a fifth of its target left.
    Ok,
    /// A pending clock has a fifth of its target or less left.
    AtRisk,
    /// A clock ran out: a due time passed before what it waited for happened.
    Breached,
    /// Waiting on the customer: the clocks stand still.
    Paused,
    /// Everything the clocks waited for happened in time.
    Met,
}

/// One SLA clock of a ticket: its target (business µs), when it falls due, and when what it
/// waits for happened (`None`: not yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    pub target_us: i64,
    pub due: i64,
    pub done_at: Option<i64>,
}

/// The SLA state of a ticket with `clocks` at `now`: paused while it waits on the customer;
/// breached when any clock ran out (even one since met late); met when all are done in time;
/// at risk when a pending clock has a fifth of its target or less left (in business time);
/// else ok.
pub fn state(cal: &Calendar, clocks: &[Clock], paused: bool, now: i64) -> SlaState {
    let late = |c: &Clock| c.done_at.unwrap_or(now) > c.due;
    if clocks.iter().any(late) {
        return SlaState::Breached;
    }
    if paused {
        return SlaState::Paused;
    }
    let pending: Vec<&Clock> = clocks.iter().filter(|c| c.done_at.is_none()).collect();
    if pending.is_empty() {
        return SlaState::Met;
    }
    let at_risk = pending
        .iter()
        .any(|c| cal.between(now, c.due).saturating_mul(5) <= c.target_us);
    if at_risk {
        SlaState::AtRisk
    } else {
        SlaState::Ok
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

    #[test]
    fn states_follow_the_clocks() {
        let cal = Calendar::around_the_clock(TimeZone::UTC);
        let min = MINUTE_US;
        let clock = |due: i64, done_at| Clock {
            target_us: 100 * min,
            due,
            done_at,
        };
        let now = 1_000 * min;
        assert_eq!(
            state(&cal, &[clock(now + 50 * min, None)], false, now),
            SlaState::Ok
        );
        assert_eq!(
            state(&cal, &[clock(now + 20 * min, None)], false, now),
            SlaState::AtRisk
        );
        assert_eq!(
            state(&cal, &[clock(now - min, None)], false, now),
            SlaState::Breached
        );
        assert_eq!(
            state(&cal, &[clock(now + 50 * min, None)], true, now),
            SlaState::Paused
        );
        let met = clock(now - min, Some(now - 2 * min));
        assert_eq!(state(&cal, &[met], false, now), SlaState::Met);
        let late = clock(now - 5 * min, Some(now - 2 * min));
        assert_eq!(
            state(&cal, &[late, clock(now + 90 * min, None)], false, now),
            SlaState::Breached
        );
        assert_eq!(
            state(&cal, &[met, clock(now + 90 * min, None)], false, now),
            SlaState::Ok
        );
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
