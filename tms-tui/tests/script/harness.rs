//! Runs `tms` with its own configuration, data and home directories (so no real user file is
//! read or written) against a seeded demo database, embedded or behind a server on loopback.

use clap::Parser;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use tms_tui::config::SessionStore;
use tms_tui::embedded::{Db, Embedded};

/// The password of every demo account.
pub const PASSWORD: &str = "Hello123.";

/// A demo helpdesk in a new SQLite file at `path`.
pub fn seed_demo(path: &Path) {
    let seed = ["tms-server", "seed-demo", "--db", path.to_str().unwrap()];
    tms_server::cli::run(tms_server::cli::Cli::parse_from(seed)).unwrap();
}

/// What one run of `tms` did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts success and gives stdout.
    pub fn ok(self) -> String {
        assert_eq!(self.code, 0, "{self:#?}");
        self.stdout
    }

    /// Asserts the exit status `code`, one `tms: …` sentence on stderr and nothing on
    /// stdout; gives the sentence.
    pub fn fails(self, code: i32) -> String {
        assert_eq!(self.code, code, "{self:#?}");
        assert!(self.stdout.is_empty(), "{self:#?}");
        assert!(
            self.stderr.starts_with("tms: ")
                && self.stderr.ends_with(".\n")
                && self.stderr.lines().count() == 1,
            "{self:#?}"
        );
        self.stderr
    }
}

/// The server `tms` is pointed at, and the directories it keeps things in.
pub struct Env {
    dir: tempfile::TempDir,
    target: Vec<String>,
    /// The remote server, served on a runtime of its own while the test runs.
    _server: Option<(tokio::runtime::Runtime, Embedded)>,
}

impl Env {
    /// `tms --db FILE` on a demo database: each command starts the server in-process.
    pub fn embedded() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("helpdesk.db");
        seed_demo(&db);
        let target = vec!["--db".into(), db.to_str().unwrap().into()];
        Self {
            dir,
            target,
            _server: None,
        }
    }

    /// `tms --server URL` of a real server on a demo database, listening on loopback.
    pub fn remote() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("served.db");
        seed_demo(&db);
        let rt = tokio::runtime::Runtime::new().unwrap();
        let server = rt.block_on(Embedded::start(Db::File(db))).unwrap();
        let target = vec!["--server".into(), server.base_url()];
        Self {
            dir,
            target,
            _server: Some((rt, server)),
        }
    }

    /// `tms --server URL` for a URL where nothing listens.
    pub fn nowhere() -> Self {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        Self {
            dir: tempfile::tempdir().unwrap(),
            target: vec!["--server".into(), format!("http://127.0.0.1:{port}")],
            _server: None,
        }
    }

    /// The remote server's URL, for a test to read through the API what a command did.
    pub fn base_url(&self) -> Option<&str> {
        (self.target[0] == "--server").then(|| self.target[1].as_str())
    }

    /// The flags choosing the server (`--db PATH` or `--server URL`).
    pub fn target(&self) -> &[String] {
        &self.target
    }

    /// The name the session is saved under, as the terminal client reads it.
    pub fn session_key(&self) -> String {
        match self.target[0].as_str() {
            "--db" => format!("embedded:{}", self.target[1]),
            _ => self.target[1].clone(),
        }
    }

    pub fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    pub fn sessions(&self) -> SessionStore {
        SessionStore::new(&self.config_dir())
    }

    pub fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tms"));
        let d = self.dir.path();
        cmd.env("TMS_CONFIG_DIR", self.config_dir())
            .env("HOME", d)
            .env("XDG_CONFIG_HOME", d.join("xdg-config"))
            .env("XDG_DATA_HOME", d.join("xdg-data"))
            .env_remove("TMS_SERVER")
            .env_remove("TMS_DB")
            .env_remove("NO_COLOR");
        cmd
    }

    /// A shell command line running `tms [target] ARGS` in this environment, then
    /// `echo EXITED STATUS` and a pause, for a terminal (tmux) to show.
    pub fn shell_line(&self, extra_env: &str, args: &str) -> String {
        let d = self.dir.path();
        format!(
            "sh -c 'env -u TMS_SERVER -u TMS_DB -u NO_COLOR TMS_CONFIG_DIR={} HOME={} \
             XDG_CONFIG_HOME={} XDG_DATA_HOME={} {extra_env} {} {} {args}; \
             echo EXITED $?; sleep 60'",
            self.config_dir().display(),
            d.display(),
            d.join("xdg-config").display(),
            d.join("xdg-data").display(),
            env!("CARGO_BIN_EXE_tms"),
            self.target.join(" "),
        )
    }

    /// `tms [target] ARGS` with `stdin` as its standard input.
    pub fn run_with(&self, args: &[&str], stdin: &str) -> Run {
        let mut child = self
            .command()
            .args(&self.target)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // A command that reads nothing may have exited already: a closed pipe is fine.
        let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
        let out = child.wait_with_output().unwrap();
        Run {
            code: out.status.code().expect("exited, not killed"),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
    }

    /// `tms [target] ARGS` with nothing on standard input.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, "")
    }

    /// Logs in as `email` with the demo password, from stdin.
    pub fn login(&self, email: &str) -> String {
        let stdin = format!("{PASSWORD}\n");
        self.run_with(&["login", "--email", email, "--password-stdin"], &stdin)
            .ok()
    }

    /// Runs a command that prints JSON and parses it.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.run(args).ok();
        assert_eq!(out.lines().count(), 1, "one line: {out}");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
    }
}
