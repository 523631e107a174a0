//! The SLA policy (docs/API.md, "SLA policy"): read and set by a SysAdmin, checked whole (an
//! IANA time zone, business hours per day, holidays, targets for every priority), kept as the
//! `sla` settings row; without one the default applies (around the clock in UTC, High 60/480,
//! Medium 240/1440, Low 480/4320 minutes).

use tms_core::sla::SlaPolicy;
use tms_core::{ActivityType, Actor, rules, timefmt};

use super::ServiceError;
use crate::state::AppState;
use crate::store::{Read, StoreError};

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
