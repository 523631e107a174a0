//! Integration tests of the HTTP API: each test starts a real server on `127.0.0.1:0` over a
//! fresh temporary database and talks to it over HTTP. One binary, so the linker runs once.

mod assignment;
mod auth;
mod bad_input;
mod bulk;
mod cluster;
mod comments;
mod docs;
mod edits;
mod events;
mod general;
mod healthcheck;
mod helpers;
mod history;
mod live;
mod lockout;
mod logs;
mod metrics;
mod notes;
mod notify;
mod pages;
mod permissions;
mod receivers;
mod rules;
mod sla;
mod stats;
mod tags;
mod tickets;
mod users;
mod versions;
mod views;
