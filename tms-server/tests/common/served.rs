//! A real server on `127.0.0.1:0` over a database of the test's own, for the test binaries
//! that are not the API suite (`migrate.rs`, `transfer.rs`), each of which includes this file.

use std::time::Duration;

use serde_json::{Value, json};
use tms_server::{AppState, Config};

pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

/// Test settings: cheap password hashing.
pub fn cheap(mut config: Config) -> Config {
    config.argon2_m_kib = 1024;
    config.argon2_t = 1;
    config.readers = 2;
    config
}

/// The database of `config`, opened (and migrated) with [`cheap`] settings.
pub async fn open(config: Config) -> AppState {
    blocking(move || AppState::open(cheap(config)).unwrap()).await
}

/// A server on `127.0.0.1:0`, and an HTTP client for it.
pub struct Served {
    pub base: String,
    pub http: reqwest::Client,
    pub state: AppState,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Served {
    /// Serves `state`; returns once it answers (its database's serving lock taken).
    pub async fn start(state: AppState) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(tms_server::serve(listener, state.clone(), async {
            let _ = stopped.await;
        }));
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let health = http.get(format!("{base}/healthz")).send().await.unwrap();
        assert_eq!(health.status().as_u16(), 200);
        Self {
            base,
            http,
            state,
            stop,
            task,
        }
    }

    /// Stops serving and waits until the server let go of its database.
    pub async fn stop(self) {
        drop(self.http);
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .expect("the server stops")
            .unwrap()
            .unwrap();
        drop(self.state);
    }

    /// The status and JSON body (`null` when empty) of one request.
    pub async fn call(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut rb = self.http.request(method, format!("{}{path}", self.base));
        if !token.is_empty() {
            rb = rb.bearer_auth(token);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let r = rb.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        };
        (status, body)
    }

    /// A 200 reply's body.
    pub async fn get(&self, token: &str, path: &str) -> Value {
        let (status, body) = self.call(reqwest::Method::GET, token, path, None).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// Signs in; the status and the access token (empty on a refusal).
    pub async fn try_login(&self, email: &str, password: &str) -> (u16, String) {
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                "",
                "/login",
                Some(json!({"email": email, "password": password})),
            )
            .await;
        let token = body["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        (status, token)
    }

    /// Signs in; the access token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let (status, token) = self.try_login(email, password).await;
        assert_eq!(status, 200, "login of {email}");
        token
    }

    /// Signs in with the demo password.
    pub async fn login_demo(&self, email: &str) -> String {
        self.login(email, tms_server::demo::DEMO_PASSWORD).await
    }
}
