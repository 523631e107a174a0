//! The enumerations of the domain and their wire strings (the seed application's, unchanged).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $wire)] $variant),+
        }

        // Written by hand: the derive does not see the `serde(rename)` this macro generates,
        // and would document the variant names instead of the wire strings.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($wire),+]))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The exact wire string.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($wire => Ok($name::$variant),)+
                    _ => Err(UnknownValue {
                        kind: stringify!($name),
                        expected: &[$($wire),+],
                    }),
                }
            }
        }
    };
}

/// A string that is not one of an enumeration's wire strings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid {kind}; expected one of: {}", expected.join(", "))]
pub struct UnknownValue {
    pub kind: &'static str,
    pub expected: &'static [&'static str],
}

wire_enum!(
    /// What a user may do; see `rules`.
    Role { Requester => "Requester", Agent => "Helpdesk Agent", Admin => "SysAdmin" }
);
wire_enum!(
    /// Where a ticket stands, in workflow order. Any status may move to any other. Waiting is
    /// on the customer: their reply moves the ticket back to Open (`rules::status_after_comment`).
    Status { Open => "Open", InProgress => "In Progress", Waiting => "Waiting", Resolved => "Resolved" }
);
wire_enum!(
    /// How a ticket stands against its SLA (`sla_state`, `tms_core::sla`): `ok` while every
    /// running clock has more than a fifth of its target left, `at_risk` with a fifth or less,
    /// `breached` once a clock ran out (for good once it stopped late), `paused` while Waiting
    /// on the customer, `met` when everything the clocks waited for happened in time.
    SlaState { Ok => "ok", AtRisk => "at_risk", Breached => "breached", Paused => "paused", Met => "met" }
);
wire_enum!(
    /// How urgent a ticket is.
    Priority { Low => "Low", Medium => "Medium", High => "High" }
);
wire_enum!(
    /// What one entry of a ticket's history records.
    HistoryKind {
        Created => "created", Title => "title", Description => "description", Status => "status",
        Priority => "priority", Assignee => "assignee", Tags => "tags", Comment => "comment",
        InternalNote => "internal_note", ResolutionDate => "resolution_date",
    }
);
wire_enum!(
    /// The kind of an activity-log entry.
    ActivityType { Create => "Create", Read => "Read", Update => "Update", Delete => "Delete", Auth => "Auth" }
);

impl Role {
    /// The roles that work tickets (and may be assigned one).
    pub const STAFF: &'static [Role] = &[Role::Agent, Role::Admin];

    /// Agents and admins work tickets; only they may be assigned one.
    pub fn is_staff(self) -> bool {
        Self::STAFF.contains(&self)
    }
}

impl Status {
    /// The statuses of a ticket still to be worked on.
    pub fn is_unresolved(self) -> bool {
        self != Status::Resolved
    }
}

impl Priority {
    /// Sort weight: higher is more urgent.
    pub fn rank(self) -> u8 {
        match self {
            Priority::Low => 0,
            Priority::Medium => 1,
            Priority::High => 2,
        }
    }
}

impl Status {
    /// Sort weight following the workflow.
    pub fn rank(self) -> u8 {
        match self {
            Status::Open => 0,
            Status::InProgress => 1,
            Status::Waiting => 2,
            Status::Resolved => 3,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_strings_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(*r));
            let json = serde_json::to_string(r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.as_str()));
        }
        assert_eq!(Status::InProgress.as_str(), "In Progress");
        assert_eq!(Role::Agent.as_str(), "Helpdesk Agent");
        assert!("in progress".parse::<Status>().is_err());
        let err = "Urgent".parse::<Priority>().unwrap_err();
        assert!(err.to_string().contains("Low, Medium, High"));
    }
}
