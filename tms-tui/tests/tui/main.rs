//! The client's tests in one binary: pure update behaviour, snapshots of every screen,
//! random key sequences, and the real binary end to end.

mod e2e;
mod fixtures;
mod props;
mod snapshots;
mod update;
mod update_admin;
mod update_ticket;
