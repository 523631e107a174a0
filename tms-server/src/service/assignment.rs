//! Auto-assignment (docs/API.md, "Auto-assignment"): a ticket filed without an assignee goes,
//! in its creation's transaction, to an available helpdesk agent — active, not away — in turn
//! (`round_robin`) or to the one with the fewest Open and In Progress tickets, ties in turn
//! (`least_loaded`).
//!
//! The mode and the agent given the previous ticket are one settings row. Each assigning
//! transaction locks that row before it reads the workloads and writes the row back, so on
//! PostgreSQL assignments by several servers take turns and each reads the workloads the
//! previous one left (READ COMMITTED: a statement after the lock sees every commit before it).

use serde::{Deserialize, Serialize};
use tms_core::api::{AssignmentAgent, AssignmentMode, AssignmentSettings, AssignmentUpdate};
use tms_core::{ActivityType, Actor, rules, timefmt};

use super::ServiceError;
use crate::state::AppState;
use crate::store::{AgentLoad, Read, StoreError, Write};

/// The settings row of auto-assignment.
const SETTING: &str = "assignment";

/// What the settings row holds.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Stored {
    #[serde(default)]
    mode: AssignmentMode,
    /// The agent given the previous ticket: the turn goes on after them.
    #[serde(default)]
    last: Option<i64>,
}

fn parse(value: Option<String>) -> Result<Stored, ServiceError> {
    match value {
        None => Ok(Stored::default()),
        Some(v) => serde_json::from_str(&v).map_err(|e| {
            ServiceError::from(StoreError::Other(format!(
                "the stored assignment setting is not valid: {e}"
            )))
        }),
    }
}

fn store(tx: &dyn Write, s: &Stored) -> Result<(), ServiceError> {
    let json = serde_json::to_string(s).map_err(|e| ServiceError::Internal(e.to_string()))?;
    Ok(tx.put_setting(SETTING, &json)?)
}

fn settings(r: &dyn Read, mode: AssignmentMode) -> Result<AssignmentSettings, ServiceError> {
    let agents = r
        .agent_loads()?
        .into_iter()
        .map(|a| AssignmentAgent {
            id: a.id,
            username: a.username,
            is_away: a.is_away,
            open: a.open,
        })
        .collect();
    Ok(AssignmentSettings { mode, agents })
}

/// The mode and the helpdesk agents it shares among (SysAdmin).
pub async fn get(app: &AppState, actor: Actor) -> Result<AssignmentSettings, ServiceError> {
    rules::check_admin(actor)?;
    app.store
        .read(|r| {
            let mode = parse(r.setting(SETTING)?)?.mode;
            settings(r, mode)
        })
        .await
}

/// Sets the mode (SysAdmin), logged when it changes.
pub async fn set(
    app: &AppState,
    actor: Actor,
    req: AssignmentUpdate,
) -> Result<AssignmentSettings, ServiceError> {
    rules::check_admin(actor)?;
    let now = timefmt::now();
    app.store
        .write(move |tx| {
            let mut s = parse(tx.setting_for_update(SETTING)?)?;
            if s.mode != req.mode {
                s.mode = req.mode;
                store(tx, &s)?;
                let details = format!("set auto-assignment to {}", describe(req.mode));
                tx.insert_log(actor.id, ActivityType::Update, &details, None, now)?;
            }
            settings(tx, s.mode)
        })
        .await
}

/// Stores `mode` with no turn taken yet, unlogged (for loading data, not for requests).
pub fn put_mode(tx: &dyn Write, mode: AssignmentMode) -> Result<(), ServiceError> {
    store(tx, &Stored { mode, last: None })
}

/// How the log names a mode.
pub fn describe(mode: AssignmentMode) -> &'static str {
    match mode {
        AssignmentMode::Off => "off",
        AssignmentMode::RoundRobin => "round robin",
        AssignmentMode::LeastLoaded => "least loaded",
    }
}

/// The agent a new ticket goes to, inside its creation's transaction, and the mode that
/// chose them; `None` when auto-assignment is off or nobody is available. Takes the
/// accounts' shared lock (the chosen agent stays active until the ticket is stored) and the
/// settings row's lock.
pub fn pick(tx: &dyn Write) -> Result<Option<(i64, AssignmentMode)>, ServiceError> {
    // Unlocked first: with assignment off (the default) a creation takes no lock at all.
    if parse(tx.setting(SETTING)?)?.mode == AssignmentMode::Off {
        return Ok(None);
    }
    tx.share_accounts()?;
    let mut s = parse(tx.setting_for_update(SETTING)?)?;
    let Some(agent) = choose(s.mode, s.last, &tx.agent_loads()?) else {
        return Ok(None);
    };
    s.last = Some(agent);
    store(tx, &s)?;
    Ok(Some((agent, s.mode)))
}

/// Whom `mode` picks among `agents` (by id; away ones skipped) after `last`.
fn choose(mode: AssignmentMode, last: Option<i64>, agents: &[AgentLoad]) -> Option<i64> {
    let available = agents.iter().filter(|a| !a.is_away);
    let candidates: Vec<i64> = match mode {
        AssignmentMode::Off => return None,
        AssignmentMode::RoundRobin => available.map(|a| a.id).collect(),
        AssignmentMode::LeastLoaded => {
            let least = available.clone().map(|a| a.open).min()?;
            available
                .filter(|a| a.open == least)
                .map(|a| a.id)
                .collect()
        }
    };
    // In turn: the first after the previous one, else the first.
    let after = last.unwrap_or(i64::MIN);
    candidates
        .iter()
        .copied()
        .find(|&id| id > after)
        .or_else(|| candidates.first().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(id: i64, open: u64, is_away: bool) -> AgentLoad {
        AgentLoad {
            id,
            username: format!("agent{id}"),
            is_away,
            open,
        }
    }

    #[test]
    fn round_robin_goes_in_turn_and_skips_the_away() {
        let agents = [agent(3, 9, false), agent(5, 0, true), agent(8, 1, false)];
        let mode = AssignmentMode::RoundRobin;
        assert_eq!(choose(mode, None, &agents), Some(3));
        assert_eq!(choose(mode, Some(3), &agents), Some(8));
        assert_eq!(choose(mode, Some(8), &agents), Some(3));
        // The previous one left meanwhile: the turn goes on after their id.
        assert_eq!(choose(mode, Some(4), &agents), Some(8));
    }

    #[test]
    fn least_loaded_takes_the_fewest_open_ties_in_turn() {
        let agents = [
            agent(2, 4, false),
            agent(3, 1, false),
            agent(4, 0, true),
            agent(6, 1, false),
        ];
        let mode = AssignmentMode::LeastLoaded;
        assert_eq!(choose(mode, None, &agents), Some(3));
        assert_eq!(choose(mode, Some(3), &agents), Some(6));
        assert_eq!(choose(mode, Some(6), &agents), Some(3));
    }

    #[test]
    fn nobody_available_or_off_picks_nobody() {
        let away = [agent(2, 0, true)];
        assert_eq!(choose(AssignmentMode::RoundRobin, None, &away), None);
        assert_eq!(choose(AssignmentMode::LeastLoaded, None, &away), None);
        assert_eq!(choose(AssignmentMode::LeastLoaded, None, &[]), None);
        let here = [agent(2, 0, false)];
        assert_eq!(choose(AssignmentMode::Off, None, &here), None);
    }
}
