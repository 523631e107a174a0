//! The SLA policy (docs/API.md, "SLA policy"): read and set by a SysAdmin, checked whole (an
//! IANA time zone, business hours per day, holidays, targets for every priority), kept as the
//! `sla` settings row; without one the default applies (around the clock in UTC, High 60/480,
//! Medium 240/1440, Low 480/4320 minutes).

use std::sync::{Arc, Mutex, PoisonError};
use tms_core::api::Ticket;
use tms_core::sla::{Calendar, SlaPolicy, SlaTarget, TicketClock};
use tms_core::timefmt::{Timestamp, to_micros};
use tms_core::{ActivityType, Actor, Priority, Status, rules, timefmt};

use super::ServiceError;
use crate::state::AppState;
use crate::store::{Read, StoreError, StoredClock, Write};

/// The settings row of the policy.
const SETTING: &str = "sla";

/// The policy in force: the stored one, else the default.
pub fn current(r: &dyn Read) -> Result<SlaPolicy, ServiceError> {
    parse(r.setting(SETTING)?)
}

/// The policy a settings value holds, the default for none.
fn parse(value: Option<String>) -> Result<SlaPolicy, ServiceError> {
    match value {
        None => Ok(SlaPolicy::default()),
        Some(json) => serde_json::from_str(&json).map_err(|e| {
            ServiceError::from(StoreError::Other(format!(
                "the stored SLA policy is not valid: {e}"
            )))
        }),
    }
}

/// The policy (SysAdmin).
pub async fn get(app: &AppState, actor: Actor) -> Result<SlaPolicy, ServiceError> {
    rules::check_admin(actor)?;
    app.store.read(|r| current(r)).await
}

/// Replaces the policy (SysAdmin) after checking it whole: every problem is named (422) and
/// nothing changes. A change is logged.
pub async fn set(
    app: &AppState,
    actor: Actor,
    policy: SlaPolicy,
) -> Result<SlaPolicy, ServiceError> {
    rules::check_admin(actor)?;
    policy
        .calendar()
        .map_err(|errors| ServiceError::invalid_at("body", errors))?;
    let json = serde_json::to_string(&policy).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let now = timefmt::now();
    app.store
        .write(move |tx| {
            let old = tx.setting_for_update(SETTING)?;
            let stored = old.is_some();
            let before = parse(old)?;
            if !stored || before != policy {
                tx.put_setting(SETTING, &json)?;
            }
            if before != policy {
                let details = format!(
                    "changed the SLA policy: {}, {}",
                    if policy.enabled { "on" } else { "off" },
                    policy.time_zone
                );
                tx.insert_log(actor.id, ActivityType::Update, &details, None, now)?;
            }
            Ok(policy)
        })
        .await
}

/// A policy with its calendar.
#[derive(Debug)]
pub struct InForce {
    pub policy: SlaPolicy,
    pub cal: Calendar,
}

/// The last stored text read (`None`: no row) and what it says. Parsing the policy and building
/// its calendar cost more than reading the row, and happen on every creation and status or
/// priority change (BENCHMARKS.md, "What a creation pays for SLA and notifications"); the row
/// itself is still read each time, so a policy set through another server applies at once.
static LAST_IN_FORCE: Mutex<Option<(Option<String>, Arc<InForce>)>> = Mutex::new(None);

/// The policy in force and its calendar (a stored policy was checked when it was set).
pub fn in_force(r: &dyn Read) -> Result<Arc<InForce>, ServiceError> {
    let stored = r.setting(SETTING)?;
    let mut last = LAST_IN_FORCE.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((text, in_force)) = &*last
        && *text == stored
    {
        return Ok(Arc::clone(in_force));
    }
    let policy = parse(stored.clone())?;
    let cal = policy.calendar().map_err(|_| {
        ServiceError::from(StoreError::Other(
            "the stored SLA policy is not valid".into(),
        ))
    })?;
    let in_force = Arc::new(InForce { policy, cal });
    *last = Some((stored, Arc::clone(&in_force)));
    Ok(in_force)
}

/// A priority's targets under `policy` (every priority has some: the policy was checked).
fn target(policy: &SlaPolicy, priority: Priority) -> SlaTarget {
    policy.targets.get(&priority).copied().unwrap_or(SlaTarget {
        first_response_minutes: 0,
        resolution_minutes: 0,
    })
}

/// The clocks of a ticket of `priority` filed at `created` under `policy`, already in
/// `status` since `changed` and first answered at `responded` (for tickets filed with a
/// status, the demo and generated data); `None` while the SLA is off. Later changes of the
/// policy leave the clocks as they are (docs/API.md, "SLA clocks").
pub fn clock_for(
    policy: &SlaPolicy,
    cal: &Calendar,
    priority: Priority,
    status: Status,
    created: Timestamp,
    responded: Option<Timestamp>,
    changed: Timestamp,
) -> Option<TicketClock> {
    if !policy.enabled {
        return None;
    }
    let mut clock = TicketClock::start(cal, target(policy, priority), to_micros(created))?;
    if let Some(at) = responded {
        clock.responded(Status::Open, to_micros(at));
    }
    clock.status_changed(cal, Status::Open, status, to_micros(changed.max(created)));
    Some(clock)
}

/// The clocks a ticket filed now gets under the policy in force.
pub fn start(
    r: &dyn Read,
    priority: Priority,
    status: Status,
    now: Timestamp,
) -> Result<Option<TicketClock>, ServiceError> {
    let f = in_force(r)?;
    Ok(clock_for(
        &f.policy, &f.cal, priority, status, now, None, now,
    ))
}

/// Keeps ticket `old`'s clocks in step with a change to `status` and `priority` at `now`: a
/// priority change re-targets from the creation, Waiting pauses, leaving it resumes,
/// Resolved stops. A ticket without clocks keeps none.
pub fn on_change(
    tx: &dyn Write,
    old: &Ticket,
    status: Status,
    priority: Priority,
    now: Timestamp,
) -> Result<(), ServiceError> {
    if old.resolution_due.is_none() || (status == old.status && priority == old.priority) {
        return Ok(());
    }
    let Some(mut clock) = tx.sla_clock(old.id)? else {
        return Ok(());
    };
    let f = in_force(tx)?;
    if priority != old.priority {
        let created = to_micros(old.creation_date);
        clock.retarget(&f.cal, target(&f.policy, priority), created, old.status);
    }
    clock.status_changed(&f.cal, old.status, status, to_micros(now));
    tx.save_sla(old.id, &StoredClock::new(clock, status))?;
    Ok(())
}

/// A public staff reply to ticket `t` at `now`: the first is its first response (internal
/// notes never are; the caller does not call this for them).
pub fn on_reply(tx: &dyn Write, t: &Ticket, now: Timestamp) -> Result<(), ServiceError> {
    if t.resolution_due.is_none() || t.first_responded_at.is_some() {
        return Ok(());
    }
    let Some(mut clock) = tx.sla_clock(t.id)? else {
        return Ok(());
    };
    clock.responded(t.status, to_micros(now));
    tx.save_sla(t.id, &StoredClock::new(clock, t.status))?;
    Ok(())
}
