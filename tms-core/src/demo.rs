//! The accounts of the demo helpdesk, as plain data: the server creates them in a demo
//! database, and the terminal client lists them on its login screen in demo mode.

use crate::domain::Role;

/// The password of every demo account.
pub const PASSWORD: &str = "Hello123.";

/// One demo account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Account {
    pub username: &'static str,
    pub email: &'static str,
    pub role: Role,
}

const fn account(username: &'static str, email: &'static str, role: Role) -> Account {
    Account {
        username,
        email,
        role,
    }
}

/// The demo accounts in the order they are created, so the first has id 1: the demo tickets
/// name their people by these ids.
pub const ACCOUNTS: &[Account] = &[
    account("Admin", "admin@example.com", Role::Admin),
    account("Jane", "jane.doe@example.com", Role::Requester),
    account("John", "john.smith@example.com", Role::Agent),
    account("Sophia", "sophia.martinez@example.com", Role::Agent),
    account("Alex", "alex.johnson@example.com", Role::Agent),
    account("Emily", "emily.white@example.com", Role::Requester),
    account("Michael", "michael.brown@example.com", Role::Requester),
    account("Chloe", "chloe.taylor@example.com", Role::Requester),
    account("David", "david.wilson@example.com", Role::Requester),
    account("James", "james.anderson@example.com", Role::Requester),
    account("Isabella", "isabella.thomas@example.com", Role::Requester),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::{Email, Password, Username};

    #[test]
    fn every_account_is_valid_and_unique_with_the_demo_password() {
        for a in ACCOUNTS {
            assert!(Username::parse(a.username).is_ok(), "{a:?}");
            assert_eq!(
                Email::parse(a.email).map(|e| e.into_inner()),
                Ok(a.email.to_string())
            );
            assert!(
                Password::parse("password", PASSWORD, a.username, a.email).is_ok(),
                "{a:?}"
            );
        }
        let mut emails: Vec<&str> = ACCOUNTS.iter().map(|a| a.email).collect();
        emails.sort_unstable();
        emails.dedup();
        assert_eq!(emails.len(), ACCOUNTS.len());
        assert_eq!(
            ACCOUNTS[0].role,
            Role::Admin,
            "the demo has its admin first"
        );
    }
}
