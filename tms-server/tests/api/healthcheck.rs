//! `tms-server healthcheck` (the container image's health check) against a real server, and
//! against an address where nothing listens.

use crate::helpers::*;

fn healthcheck(addr: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tms-server"))
        .args(["healthcheck", "--addr", addr])
        .output()
        .unwrap()
}

#[tokio::test]
async fn healthcheck_passes_on_a_serving_server_and_fails_without_one() {
    let s = start().await;
    let addr = s.base.trim_start_matches("http://").to_string();
    let out = tokio::task::spawn_blocking(move || healthcheck(&addr))
        .await
        .unwrap();
    assert!(out.status.success(), "{out:?}");

    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().to_string()
    };
    let out = tokio::task::spawn_blocking(move || healthcheck(&closed))
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot reach"));
}
