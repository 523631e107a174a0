//! The client's tests in one binary: pure update behaviour, snapshots of every screen,
//! random input on every screen, and the real binary end to end (also across a server
//! restart).

mod account;
mod bulk;
mod cli_docs;
mod commands;
mod e2e;
mod e2e_agent_tools;
mod e2e_live;
mod e2e_settings;
mod e2e_tour;
mod fixtures;
mod leaving;
mod live;
mod logout;
mod notes;
mod offline;
mod props;
mod restart;
mod snapshots;
mod tables;
mod tags;
mod text;
mod tmux;
mod update;
mod update_admin;
mod update_history;
mod update_live;
mod update_login;
mod update_settings;
mod update_ticket;
mod update_views;
mod writes;
