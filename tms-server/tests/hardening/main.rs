//! Hardening tests: the real `tms-server` binary killed mid-write, flooded by concurrent
//! clients, attacked at login, fed hostile input and oversized requests, and backed up while
//! it writes. One binary, so the linker runs once.

// The API tests' harness (an in-process server over a fresh database, five logged-in users);
// this binary uses only part of it.
#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod api;

// The real receivers of notifications (an HTTP server, an SMTP sink).
#[allow(dead_code)]
#[path = "../api/receivers.rs"]
mod receivers;

mod auth;
mod backup;
mod concurrency;
mod crash;
mod files;
mod flood;
mod notify;
mod process;
mod sessions;
mod transport;
