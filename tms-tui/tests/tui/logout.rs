//! `tms logout` ends the session of the server a normal start would use: `--server` (also
//! after the subcommand), `TMS_SERVER`, then the config file; without a session there it names
//! the servers that have one. Each case runs the real binary against a real server.

use crate::e2e::client_as;
use std::path::Path;
use std::process::Command;
use tms_tui::config::SessionStore;
use tms_tui::embedded::{Db, Embedded};

/// `tms ARGS` with its configuration (and data) in `dir`; returns what it printed.
fn tms(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_tms"))
        .args(args)
        .env("TMS_CONFIG_DIR", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("HOME", dir)
        .env_remove("TMS_SERVER")
        .env_remove("TMS_DB")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A saved session for `base` (as a login in the client leaves it); returns its token.
async fn remembered(dir: &Path, base: &str) -> String {
    let token = client_as(base, "john.smith@example.com")
        .await
        .token()
        .unwrap()
        .to_string();
    SessionStore::new(&dir.join("config"))
        .set(base, Some(&token))
        .unwrap();
    token
}

async fn valid(base: &str, token: &str) -> bool {
    let mut c = tms_tui::api::ApiClient::new(base).unwrap();
    c.set_token(Some(token.to_string()));
    c.me().await.is_ok()
}

#[test]
fn logout_ends_the_session_of_the_server_a_start_would_use() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(Embedded::start(Db::Demo)).unwrap();
    let base = server.base_url();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    // Nothing configured: the embedded database has no session; the remote one is named.
    let token = rt.block_on(remembered(d, &base));
    let said = tms(d, &["logout"], &[]);
    assert!(
        said.contains("Not logged in to the embedded server"),
        "{said}"
    );
    assert!(
        said.contains(&format!("tms logout --server {base}")),
        "{said}"
    );
    assert!(rt.block_on(valid(&base, &token)));
    assert!(!d.join("data").exists(), "no embedded database was created");

    // The flag, after the subcommand too.
    let said = tms(d, &["logout", "--server", &base], &[]);
    assert!(said.contains("Logged out"), "{said}");
    assert!(!rt.block_on(valid(&base, &token)));

    // The environment.
    let token = rt.block_on(remembered(d, &base));
    tms(d, &["logout"], &[("TMS_SERVER", &base)]);
    assert!(!rt.block_on(valid(&base, &token)));

    // The config file.
    let token = rt.block_on(remembered(d, &base));
    std::fs::write(
        d.join("config").join("config.toml"),
        format!("server = \"{base}\"\n"),
    )
    .unwrap();
    let said = tms(d, &["logout"], &[]);
    assert!(said.contains("Logged out"), "{said}");
    assert!(!rt.block_on(valid(&base, &token)));
    assert!(SessionStore::new(&d.join("config")).get(&base).is_none());
}
