//! argon2id password hashing on a few dedicated threads (one per core), never on the async
//! workers. A fixed set of threads bounds memory: each hash takes `m_kib` KiB, and the
//! allocator keeps such blocks per thread, so an unbounded pool would keep one per thread ever
//! used. A burst of logins queues instead.

use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::cell::RefCell;
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

thread_local! {
    /// Each hashing thread's argon2 working memory, allocated once and reused: allocating
    /// and freeing 19 MiB per login leaves the allocator holding far more than that.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// The raw argon2id output for `password` and `salt` under `params`, using this thread's
/// reusable memory.
fn raw_hash(params: &Params, password: &[u8], salt: &[u8]) -> Result<Vec<u8>, argon2::Error> {
    let mut out = vec![0u8; params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN)];
    BLOCKS.with(|cell| {
        let mut blocks = cell.borrow_mut();
        if blocks.len() < params.block_count() {
            blocks.resize(params.block_count(), Block::default());
        }
        let needed = params.block_count();
        argon(params).hash_password_into_with_memory(
            password,
            salt,
            &mut out,
            &mut blocks[..needed],
        )
    })?;
    Ok(out)
}

fn hash_with(params: &Params, password: &str) -> Result<String, AppError> {
    let fail = |e: &dyn std::fmt::Display| AppError::Internal(format!("hashing failed: {e}"));
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    let mut buf = [0u8; 64];
    let raw_salt = salt.as_salt().decode_b64(&mut buf).map_err(|e| fail(&e))?;
    let out = raw_hash(params, password.as_bytes(), raw_salt).map_err(|e| fail(&e))?;
    let output = Output::new(&out).map_err(|e| fail(&e))?;
    Ok(format!(
        "$argon2id$v=19$m={},t={},p={}${}${output}",
        params.m_cost(),
        params.t_cost(),
        params.p_cost(),
        salt.as_str()
    ))
}

fn verify_with(password: &str, phc: &str) -> bool {
    // Verification uses the parameters recorded in the PHC string itself.
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Ok(params), Some(salt), Some(expected)) =
        (Params::try_from(&parsed), parsed.salt, parsed.hash)
    else {
        return false;
    };
    if parsed.algorithm.as_str() != "argon2id" {
        return false;
    }
    let params = match Params::new(
        params.m_cost(),
        params.t_cost(),
        params.p_cost(),
        Some(expected.len()),
    ) {
        Ok(p) => p,
        Err(_) => return false,
    };
    let mut buf = [0u8; 64];
    let Ok(raw_salt) = salt.decode_b64(&mut buf) else {
        return false;
    };
    match raw_hash(&params, password.as_bytes(), raw_salt).map(|out| Output::new(&out)) {
        // `Output` compares in constant time.
        Ok(Ok(out)) => out == expected,
        _ => false,
    }
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

    #[test]
    fn phc_strings_interoperate_with_the_reference_implementation() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let params = Params::new(2048, 1, 1, None).unwrap();
        let ours = hash_with(&params, "correct horse").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"wrong horse", &parsed)
                .is_err()
        );
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let theirs = argon(&params)
            .hash_password(b"battery staple", &salt)
            .unwrap()
            .to_string();
        assert!(verify_with("battery staple", &theirs));
        assert!(!verify_with("battery stapler", &theirs));
        assert!(!verify_with(
            "battery staple",
            "$argon2i$v=19$m=2048,t=1,p=1$c2FsdHNhbHQ$aGFzaA"
        ));
        assert!(!verify_with("battery staple", "not a hash"));
    }
}
