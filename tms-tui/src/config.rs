//! Where tms keeps things: `~/.config/tms/config.toml` (server, theme), the saved session and
//! device tokens and unsent drafts beside it (mode 0600), and the embedded database under the
//! XDG data directory.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// `config.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigFile {
    /// A shared server to use instead of the embedded one.
    pub server: Option<String>,
    /// `dark` (default), `light` or `plain`.
    pub theme: Option<String>,
}

/// The configuration directory: `$TMS_CONFIG_DIR`, else `~/.config/tms`.
pub fn config_dir() -> Option<PathBuf> {
    std::env::var_os("TMS_CONFIG_DIR")
        .map(PathBuf::from)
        .or_else(|| dirs::config_dir().map(|d| d.join("tms")))
}

/// The embedded database: `~/.local/share/tms/tms.db`.
pub fn default_db() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join("tms").join("tms.db"))
}

/// Reads `config.toml`; a missing file is an empty configuration.
pub fn load(dir: &Path) -> Result<ConfigFile, String> {
    let path = dir.join("config.toml");
    match std::fs::read_to_string(&path) {
        Ok(s) => toml::from_str(&s).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(ConfigFile::default()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Session tokens by server, and device tokens by server and account, in `sessions.toml`,
/// readable by the owner only.
#[derive(Debug, Clone)]
pub struct SessionStore {
    path: PathBuf,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Sessions {
    #[serde(default)]
    tokens: BTreeMap<String, String>,
    /// The `tms_device` cookie of the latest login, by server and then account. It outlives
    /// the session: it is no credential, only what keeps others' failed logins from slowing
    /// this client's.
    #[serde(default)]
    devices: BTreeMap<String, BTreeMap<String, String>>,
}

impl SessionStore {
    pub fn new(dir: &Path) -> Self {
        Self {
            path: dir.join("sessions.toml"),
        }
    }

    fn read(&self) -> Sessions {
        std::fs::read_to_string(&self.path)
            .ok()
            .and_then(|s| toml::from_str(&s).ok())
            .unwrap_or_default()
    }

    /// The token saved for `server`.
    pub fn get(&self, server: &str) -> Option<String> {
        self.read().tokens.get(server).cloned()
    }

    /// Every server with a saved token.
    pub fn servers(&self) -> Vec<String> {
        self.read().tokens.into_keys().collect()
    }

    /// Saves (or with `None` forgets) the token for `server`.
    pub fn set(&self, server: &str, token: Option<&str>) -> io::Result<()> {
        let mut all = self.read();
        match token {
            Some(t) => all.tokens.insert(server.to_string(), t.to_string()),
            None => all.tokens.remove(server),
        };
        self.write(&all)
    }

    /// The device tokens kept for `server`, by account.
    pub fn devices(&self, server: &str) -> BTreeMap<String, String> {
        self.read().devices.remove(server).unwrap_or_default()
    }

    /// Keeps `token` as the device token of `account` on `server`, replacing the one before.
    pub fn set_device(&self, server: &str, account: &str, token: &str) -> io::Result<()> {
        let mut all = self.read();
        all.devices
            .entry(server.to_string())
            .or_default()
            .insert(account.to_string(), token.to_string());
        self.write(&all)
    }

    fn write(&self, all: &Sessions) -> io::Result<()> {
        let text = toml::to_string(all).map_err(io::Error::other)?;
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        write_private(&self.path, &text)
    }
}

/// Unsent drafts by server and user, in `drafts.json`, readable by the owner only.
#[derive(Debug, Clone)]
pub struct DraftStore {
    path: PathBuf,
}

impl DraftStore {
    pub fn new(dir: &Path) -> Self {
        Self {
            path: dir.join("drafts.json"),
        }
    }

    fn read(&self) -> BTreeMap<String, serde_json::Value> {
        std::fs::read_to_string(&self.path)
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default()
    }

    /// The drafts kept under `key`; nothing kept (or unreadable) is the default.
    pub fn get<T: serde::de::DeserializeOwned + Default>(&self, key: &str) -> T {
        self.read()
            .remove(key)
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default()
    }

    /// Keeps `drafts` under `key`; `None` forgets them (the file goes when nothing is left).
    pub fn set<T: Serialize>(&self, key: &str, drafts: Option<&T>) -> io::Result<()> {
        let mut all = self.read();
        match drafts {
            Some(d) => {
                let v = serde_json::to_value(d).map_err(io::Error::other)?;
                all.insert(key.to_string(), v);
            }
            None => {
                all.remove(key);
            }
        }
        if all.is_empty() {
            return match std::fs::remove_file(&self.path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            };
        }
        let text = serde_json::to_string_pretty(&all).map_err(io::Error::other)?;
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        write_private(&self.path, &text)
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_owner_only(path: &Path) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{}", path.display());
        }
    }

    #[test]
    fn tokens_round_trip_privately() {
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::new(dir.path());
        assert_eq!(store.get("http://a"), None);
        store.set("http://a", Some("tok")).unwrap();
        store.set("http://b", Some("other")).unwrap();
        assert_eq!(store.get("http://a").as_deref(), Some("tok"));
        store.set("http://a", None).unwrap();
        assert_eq!(store.get("http://a"), None);
        assert_eq!(store.get("http://b").as_deref(), Some("other"));
        assert_owner_only(&dir.path().join("sessions.toml"));
    }

    #[test]
    fn device_tokens_are_kept_per_server_and_account_beside_the_sessions() {
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::new(dir.path());
        store.set("http://a", Some("tok")).unwrap();
        store
            .set_device("http://a", "ann@example.com", "d1")
            .unwrap();
        store
            .set_device("http://a", "bob@example.com", "d2")
            .unwrap();
        store
            .set_device("http://b", "ann@example.com", "d3")
            .unwrap();
        store
            .set_device("http://a", "ann@example.com", "d4")
            .unwrap();
        store.set("http://a", None).unwrap();
        let a = store.devices("http://a");
        assert_eq!(a.get("ann@example.com").map(String::as_str), Some("d4"));
        assert_eq!(a.get("bob@example.com").map(String::as_str), Some("d2"));
        assert_eq!(store.devices("http://b").len(), 1);
        assert!(store.devices("http://c").is_empty());
        assert_eq!(store.get("http://a"), None, "a logout keeps the device");
    }

    #[test]
    fn drafts_are_kept_per_key_privately_and_removed_when_empty() {
        let dir = tempfile::tempdir().unwrap();
        let store = DraftStore::new(dir.path());
        let none: Vec<String> = store.get("http://a#3");
        assert!(none.is_empty());
        store.set("http://a#3", Some(&vec!["hello"])).unwrap();
        store.set("http://a#4", Some(&vec!["other"])).unwrap();
        assert_eq!(store.get::<Vec<String>>("http://a#3"), vec!["hello"]);
        assert_owner_only(&dir.path().join("drafts.json"));
        store.set::<Vec<String>>("http://a#3", None).unwrap();
        assert!(store.get::<Vec<String>>("http://a#3").is_empty());
        assert_eq!(store.get::<Vec<String>>("http://a#4"), vec!["other"]);
        store.set::<Vec<String>>("http://a#4", None).unwrap();
        assert!(!dir.path().join("drafts.json").exists());
    }

    #[test]
    fn config_file_parses() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()).unwrap(), ConfigFile::default());
        std::fs::write(
            dir.path().join("config.toml"),
            "server = \"http://h:8000\"\ntheme = \"light\"\n",
        )
        .unwrap();
        let c = load(dir.path()).unwrap();
        assert_eq!(c.server.as_deref(), Some("http://h:8000"));
    }
}
