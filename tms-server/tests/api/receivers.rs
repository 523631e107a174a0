//! Real receivers of notifications for tests: an HTTP server for webhooks, started on
//! `127.0.0.1:0`, that records every request and answers as the test tells it; and an SMTP
//! server (`scripts/smtp-sink.sh`, aiosmtpd) in a process of its own that writes every
//! message it accepts to a directory.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// One request a receiver got.
#[derive(Debug, Clone)]
pub struct Hit {
    pub at: Instant,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Hit {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_str()
            .unwrap()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a delivery's body is JSON")
    }

    /// `X-Tms-Delivery`.
    pub fn delivery(&self) -> i64 {
        self.header("x-tms-delivery").parse().unwrap()
    }

    /// Whether `X-Tms-Signature` is the HMAC-SHA256 of the exact body keyed with `secret`.
    pub fn signed_with(&self, secret: &str) -> bool {
        let Some(hex_sig) = self.header("x-tms-signature").strip_prefix("sha256=") else {
            return false;
        };
        let Ok(sig) = hex::decode(hex_sig) else {
            return false;
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(&self.body);
        mac.verify_slice(&sig).is_ok()
    }
}

/// How a receiver answers its `n`th request (from 0).
#[derive(Debug, Clone, Copy)]
pub enum Reply {
    Status(u16),
    /// Holds the request open this long, then answers 200.
    Hold(Duration),
}

type Plan = Arc<dyn Fn(usize) -> Reply + Send + Sync>;

#[derive(Clone)]
struct Shared {
    hits: Arc<Mutex<Vec<Hit>>>,
    plan: Plan,
}

/// A webhook receiver.
pub struct Receiver {
    pub url: String,
    hits: Arc<Mutex<Vec<Hit>>>,
    task: tokio::task::JoinHandle<()>,
}

async fn take(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let n = {
        let mut hits = s.hits.lock().unwrap();
        hits.push(Hit {
            at: Instant::now(),
            headers,
            body,
        });
        hits.len() - 1
    };
    match (s.plan)(n) {
        Reply::Status(code) => StatusCode::from_u16(code).unwrap(),
        Reply::Hold(d) => {
            tokio::time::sleep(d).await;
            StatusCode::OK
        }
    }
}

impl Receiver {
    /// A receiver that answers 200 to everything.
    pub async fn ok() -> Self {
        Self::start(|_| Reply::Status(200)).await
    }

    /// A receiver whose `n`th request (from 0) is answered by `plan(n)`.
    pub async fn start(plan: impl Fn(usize) -> Reply + Send + Sync + 'static) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let hits = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared {
            hits: hits.clone(),
            plan: Arc::new(plan),
        };
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(take))
            .with_state(shared);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, hits, task }
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    /// The requests so far, once `enough` holds of them (within `within`).
    pub async fn wait_for(&self, within: Duration, enough: impl Fn(&[Hit]) -> bool) -> Vec<Hit> {
        let start = Instant::now();
        loop {
            let hits = self.hits();
            if enough(&hits) {
                return hits;
            }
            assert!(
                start.elapsed() < within,
                "the receiver did not get what was expected within {within:?}; it got {} requests: {:#?}",
                hits.len(),
                hits.iter()
                    .map(|h| String::from_utf8_lossy(&h.body).into_owned())
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits for `n` requests; returns them.
    pub async fn wait_count(&self, n: usize) -> Vec<Hit> {
        self.wait_for(Duration::from_secs(20), |h| h.len() >= n)
            .await
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The SMTP sink to run (`TMS_TEST_SMTP`: the path of `scripts/smtp-sink.sh`), or `None`
/// with a note: the test is skipped.
pub fn sink_program() -> Option<String> {
    let p = std::env::var("TMS_TEST_SMTP")
        .ok()
        .filter(|p| !p.is_empty());
    if p.is_none() {
        eprintln!(
            "skipped: TMS_TEST_SMTP is not set (bash scripts/smtp-sink.sh install, then TMS_TEST_SMTP=$PWD/scripts/smtp-sink.sh)"
        );
    }
    p
}

/// A running SMTP sink; killed when dropped.
pub struct Sink {
    pub url: String,
    dir: tempfile::TempDir,
    child: std::process::Child,
}

impl Sink {
    /// Starts a sink if `TMS_TEST_SMTP` names one; `auth` (`user:password`) makes it require a
    /// login.
    pub fn start(auth: Option<&str>) -> Option<Self> {
        let program = sink_program()?;
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = std::process::Command::new("bash");
        cmd.arg(&program)
            .arg("serve")
            .arg("--dir")
            .arg(dir.path().join("mail"))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit());
        if let Some(a) = auth {
            cmd.arg("--auth").arg(a);
        }
        let mut child = cmd.spawn().expect("start the SMTP sink");
        let out = child.stdout.take().unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut line).unwrap();
        let url = line.trim().to_string();
        assert!(
            url.starts_with("smtp://"),
            "the sink did not start: {line:?}"
        );
        Some(Self { url, dir, child })
    }

    fn mail_dir(&self) -> PathBuf {
        self.dir.path().join("mail")
    }

    /// Every message received, in order.
    pub fn messages(&self) -> Vec<Mail> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.mail_dir())
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        names.retain(|p| p.extension().is_some_and(|e| e == "json"));
        names.sort();
        names
            .iter()
            .map(|p| Mail(serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()))
            .collect()
    }

    /// The messages once there are at least `n` (within 20 s).
    pub async fn wait_count(&self, n: usize) -> Vec<Mail> {
        let start = Instant::now();
        loop {
            let got = self.messages();
            if got.len() >= n {
                return got;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{} messages arrived, not {n}: {:#?}",
                got.len(),
                got.iter().map(|m| m.summary()).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A message the sink received.
#[derive(Debug, Clone)]
pub struct Mail(pub Value);

impl Mail {
    pub fn to(&self) -> Vec<String> {
        self.0["rcpt_tos"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    }

    pub fn header(&self, name: &str) -> String {
        self.0["headers"][name.to_ascii_lowercase()][0]
            .as_str()
            .unwrap_or_else(|| panic!("no {name} header in {}", self.0))
            .to_string()
    }

    pub fn subject(&self) -> String {
        self.header("subject")
    }

    pub fn body(&self) -> String {
        self.0["body"].as_str().unwrap().replace("\r\n", "\n")
    }

    /// `to: subject`, for messages and comparisons.
    pub fn summary(&self) -> String {
        format!("{}: {}", self.to().join(","), self.subject())
    }
}
