//! argon2id password hashing on a few dedicated threads (one per core), never on the async
//! workers. A fixed set of threads bounds memory: each hash takes `m_kib` KiB, and the
//! allocator keeps such blocks per thread, so an unbounded pool would keep one per thread ever
//! used. A burst of logins queues instead.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::{Arc, Mutex, mpsc};
use tokio::sync::oneshot;

use crate::error::AppError;

/// Hashes and verifies passwords at a fixed cost.
#[derive(Clone)]
pub struct Hasher {
    params: Params,
    jobs: mpsc::Sender<Job>,
    /// A hash of a random password: verified against when the email is unknown, so that an
    /// unknown email costs the same time as a wrong password.
    dummy: Arc<String>,
}

impl Hasher {
    /// `m_kib` memory, `t` passes, one lane (OWASP: 19 MiB, 2 passes, 1 lane).
    pub fn new(m_kib: u32, t: u32) -> Result<Self, AppError> {
        let params = Params::new(m_kib, t, 1, None)
            .map_err(|e| AppError::Internal(format!("argon2 parameters: {e}")))?;
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let dummy = hash_with(&params, &random_password())?;
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..threads {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("tms-hash-{i}"))
                .spawn(move || worker(&queue))
                .map_err(|e| AppError::Internal(format!("hashing thread: {e}")))?;
        }
        Ok(Self {
            params,
            jobs,
            dummy: Arc::new(dummy),
        })
    }

    /// The PHC string of `password`.
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        let params = self.params.clone();
        self.run(move || hash_with(&params, &password)).await?
    }

    /// Whether `password` matches `phc`; with `None` (unknown account) verifies against the
    /// dummy hash and returns false, taking the same time.
    pub async fn verify(&self, password: String, phc: Option<String>) -> Result<bool, AppError> {
        let known = phc.is_some();
        let phc = phc.unwrap_or_else(|| self.dummy.as_str().to_string());
        let ok = self.run(move || verify_with(&password, &phc)).await?;
        Ok(known && ok)
    }

    /// Hashes synchronously (command-line tools only).
    pub fn hash_blocking(&self, password: &str) -> Result<String, AppError> {
        hash_with(&self.params, password)
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(f());
        });
        self.jobs
            .send(job)
            .map_err(|_| AppError::Internal("hashing threads are gone".into()))?;
        result
            .await
            .map_err(|_| AppError::Internal("a hashing job failed".into()))
    }
}

type Job = Box<dyn FnOnce() + Send>;

fn worker(queue: &Mutex<mpsc::Receiver<Job>>) {
    loop {
        let job = match queue.lock() {
            Ok(q) => q.recv(),
            Err(_) => return,
        };
        match job {
            // A panicking hash must not take the thread down with it.
            Ok(job) => drop(std::panic::catch_unwind(std::panic::AssertUnwindSafe(job))),
            Err(_) => return,
        }
    }
}

fn argon(params: &Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
}

fn hash_with(params: &Params, password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    argon(params)
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("hashing failed: {e}")))
}

fn verify_with(password: &str, phc: &str) -> bool {
    // Verification uses the parameters recorded in the PHC string itself.
    PasswordHash::new(phc)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

fn random_password() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_unknown_accounts_never_match() {
        let h = Hasher::new(1024, 1).unwrap();
        let phc = h.hash("correct horse".into()).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
        assert!(
            h.verify("correct horse".into(), Some(phc.clone()))
                .await
                .unwrap()
        );
        assert!(!h.verify("wrong horse".into(), Some(phc)).await.unwrap());
        assert!(!h.verify("anything".into(), None).await.unwrap());
    }

    #[test]
    fn production_parameters_are_owasp() {
        let h = Hasher::new(19 * 1024, 2).unwrap();
        let phc = h.hash_blocking("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    }
}
