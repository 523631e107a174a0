//! The real `tms` binary in a detached tmux session: start it, send keys, read the screen.

use std::process::Command;
use std::time::{Duration, Instant};

/// One tmux session running `tms`, killed on drop.
pub struct Tmux {
    name: String,
}

impl Tmux {
    /// Runs `cmd` in a 100×30 session named after `label` and this process.
    pub fn start(label: &str, cmd: &str) -> Self {
        Self::start_sized(label, cmd, 100, 30)
    }

    /// Runs `cmd` in a `width`×`height` session named after `label` and this process.
    pub fn start_sized(label: &str, cmd: &str, width: u16, height: u16) -> Self {
        let name = format!("tms-{label}-{}", std::process::id());
        let (width, height) = (width.to_string(), height.to_string());
        let ok = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                &name,
                "-x",
                &width,
                "-y",
                &height,
                cmd,
            ])
            .status()
            .unwrap()
            .success();
        assert!(ok, "tmux new-session failed");
        Self { name }
    }

    /// `tms --demo` without colours (and with an editor that changes nothing), keeping its
    /// configuration in `config`.
    pub fn demo(label: &str, config: &std::path::Path) -> Self {
        let cmd = format!(
            "env TMS_CONFIG_DIR={} NO_COLOR=1 EDITOR=true {} --demo",
            config.display(),
            env!("CARGO_BIN_EXE_tms")
        );
        Self::start(label, &cmd)
    }

    pub fn screen(&self) -> String {
        self.capture(&[])
    }

    /// The screen with its attributes as escape sequences (bold is `ESC[1m`). Used by the
    /// scripting commands' tests (tests/script), which share this file.
    #[allow(dead_code)]
    pub fn styled_screen(&self) -> String {
        self.capture(&["-e"])
    }

    fn capture(&self, flags: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p"])
            .args(flags)
            .args(["-t", &self.name])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen shows `text`; fails with the screen after 30 s (a loaded CI
    /// machine can be slow to start a debug build).
    pub fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "never saw {text:?}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Named keys (`Enter`, `Down`, `C-s`), one at a time, so Esc never merges with the next.
    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            Command::new("tmux")
                .args(["send-keys", "-t", &self.name, k])
                .status()
                .unwrap();
            std::thread::sleep(Duration::from_millis(120));
        }
    }

    pub fn type_text(&self, text: &str) {
        Command::new("tmux")
            .args(["send-keys", "-t", &self.name, "-l", text])
            .status()
            .unwrap();
        std::thread::sleep(Duration::from_millis(150));
    }

    /// Pastes `text` as a terminal does: tmux turns each LF into CR, and wraps it in bracketed
    /// paste markers when the program asked for them (`bracketed`).
    pub fn paste(&self, text: &str, bracketed: bool) {
        Command::new("tmux")
            .args(["set-buffer", "-b", &self.name, "--", text])
            .status()
            .unwrap();
        let mut args = vec!["paste-buffer", "-d", "-b", &self.name, "-t", &self.name];
        if bracketed {
            args.push("-p");
        }
        Command::new("tmux").args(&args).status().unwrap();
        std::thread::sleep(Duration::from_millis(300));
    }

    pub fn command(&self, cmd: &str) {
        self.keys(&[":"]);
        self.type_text(cmd);
        self.keys(&["Enter"]);
    }

    /// Logs in as the `downs`-th demo account (admin is 1, John 2, Jane 5).
    pub fn login_demo(&self, downs: usize, expect: &str) {
        self.wait_for("Log in to tms");
        for _ in 0..downs {
            self.keys(&["Down"]);
        }
        self.keys(&["Enter"]);
        self.wait_for(expect);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .stderr(std::process::Stdio::null())
            .status();
    }
}

pub fn have_tmux() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}
