//! Secrets and files: the database and its WAL files are owner-only, and the first
//! administrator's password is never printed — not at start, not in help, not in errors.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use crate::process::{Server, client, login};

#[track_caller]
pub fn assert_owner_only(path: &Path) {
    let mode = std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "{} is {:o}",
        path.display(),
        mode & 0o777
    );
}

fn with_suffix(db: &Path, suffix: &str) -> std::path::PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(suffix);
    p.into()
}

/// A database created by `serve` (and its `-wal` and `-shm` while serving) is 0600, and the
/// start-up output names the first SysAdmin but never their password.
#[tokio::test]
async fn the_database_is_owner_only_and_the_admin_password_is_not_printed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("data").join("tms.db");
    let password = "the very first admin secret";
    let server = Server::start(
        &db,
        &[],
        &[
            ("TMS_ADMIN_EMAIL", "root@example.com"),
            ("TMS_ADMIN_PASSWORD", password),
        ],
    );
    login(&client(), &server.base, "root", password).await;
    for suffix in ["", "-wal", "-shm", "-lock"] {
        assert_owner_only(&with_suffix(&db, suffix));
    }
    // The directory it created for the database is the owner's alone too.
    let dir_mode = std::fs::metadata(db.parent().unwrap())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(dir_mode & 0o777, 0o700, "{dir_mode:o}");
    let out = server.output();
    assert!(out.contains("created the first SysAdmin"), "{out}");
    assert!(!out.contains(password), "{out}");

    // A database file copied in with looser permissions is tightened when opened.
    drop(server);
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let _server = Server::start(&db, &[], &[]);
    assert_owner_only(&db);
}

/// Neither `--help` nor a refused start-up shows the password from the environment.
#[test]
fn the_admin_password_is_not_shown_by_help_or_errors() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], password: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_tms-server"))
            .args(args)
            .env("TMS_ADMIN_EMAIL", "root@example.com")
            .env("TMS_ADMIN_PASSWORD", password)
            .env("TMS_DB", dir.path().join("tms.db"))
            .env("TMS_BIND", "127.0.0.1:0")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    };
    let (ok, help) = run(&["serve", "--help"], "help must hide me");
    assert!(ok && help.contains("TMS_ADMIN_PASSWORD"), "{help}");
    assert!(!help.contains("help must hide me"), "{help}");
    // Too long to be accepted: the start-up is refused, and says why without echoing it.
    let long = "q".repeat(129);
    let (ok, err) = run(&["serve"], &long);
    assert!(!ok, "start-up with an invalid admin password is refused");
    assert!(!err.contains(&long), "{err}");
}
