//! argon2id password hashing on a few dedicated threads (one per core), never on the async
//! workers. A fixed set of threads bounds memory: each hash takes `m_kib` KiB, and the
//! allocator keeps such blocks per thread, so an unbounded pool would keep one per thread ever
//! used.
//!
//! Jobs wait in one bounded queue per [`Purpose`], and the threads take from the queues in
//! turn: a flood of signups or password changes fills only its own queue (further ones get
//! 429 at once) and delays a login by at most one hash of each other kind. A job whose
//! requester has gone away (the client hung up, the request timed out) is dropped unrun.

use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use tokio::sync::oneshot;

use crate::service::ServiceError;

/// What a hash is for; each purpose queues separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Verifying a password at login.
    Login,
    /// Hashing the password of a public signup.
    Signup,
    /// Password changes and resets, accounts created by a SysAdmin.
    Account,
}

impl Purpose {
    const ALL: [Purpose; 3] = [Purpose::Login, Purpose::Signup, Purpose::Account];

    fn index(self) -> usize {
        self as usize
    }

    /// Jobs that may wait at once. Logins are already slowed per account and per address;
    /// signups and password changes are rarer, and slowed per address and per account too.
    fn capacity(self) -> usize {
        match self {
            Purpose::Login => 64,
            Purpose::Signup | Purpose::Account => 8,
        }
    }
}

/// Seconds a client is told to wait when a queue is full: a queue drains in about that long.
const BUSY_RETRY_SECS: u64 = 1;

/// A queued hash, and whether its requester has gone away (then it is dropped unrun, and
/// does not count against the queue's bound).
struct Job {
    run: Box<dyn FnOnce() + Send>,
    gone: Arc<AtomicBool>,
}

/// Held by the waiting request: dropping it (the client hung up, the request timed out)
/// marks the job gone.
struct Waiting(Arc<AtomicBool>);

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

#[derive(Default)]
struct Queues {
    waiting: [VecDeque<Job>; 3],
    /// The purpose served next, so that each gets its turn.
    next: usize,
    closed: bool,
}

#[derive(Default)]
struct Shared {
    queues: Mutex<Queues>,
    ready: Condvar,
}

/// Owns the threads: when the last [`Hasher`] goes, they stop.
struct Pool {
    shared: Arc<Shared>,
}

impl Drop for Pool {
    fn drop(&mut self) {
        if let Ok(mut q) = self.shared.queues.lock() {
            q.closed = true;
        }
        self.shared.ready.notify_all();
    }
}

/// Hashes and verifies passwords at a fixed cost.
#[derive(Clone)]
pub struct Hasher {
    params: Params,
    pool: Arc<Pool>,
    /// A hash of a random password: verified against when the email is unknown, so that an
    /// unknown email costs the same time as a wrong password.
    dummy: Arc<String>,
}

impl Hasher {
    /// `m_kib` memory, `t` passes, one lane (OWASP: 19 MiB, 2 passes, 1 lane).
    pub fn new(m_kib: u32, t: u32) -> Result<Self, ServiceError> {
        let params = Params::new(m_kib, t, 1, None)
            .map_err(|e| ServiceError::Internal(format!("argon2 parameters: {e}")))?;
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let dummy = hash_with(&params, &random_password())?;
        let shared = Arc::new(Shared::default());
        for i in 0..threads {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name(format!("tms-hash-{i}"))
                .spawn(move || worker(&shared))
                .map_err(|e| ServiceError::Internal(format!("hashing thread: {e}")))?;
        }
        Ok(Self {
            params,
            pool: Arc::new(Pool { shared }),
            dummy: Arc::new(dummy),
        })
    }

    /// The PHC string of `password`.
    pub async fn hash(&self, purpose: Purpose, password: String) -> Result<String, ServiceError> {
        let params = self.params.clone();
        self.run(purpose, move || hash_with(&params, &password))
            .await?
    }

    /// Whether `password` matches `phc`; with `None` (unknown account) verifies against the
    /// dummy hash and returns false, taking the same time.
    pub async fn verify(
        &self,
        purpose: Purpose,
        password: String,
        phc: Option<String>,
    ) -> Result<bool, ServiceError> {
        let known = phc.is_some();
        let phc = phc.unwrap_or_else(|| self.dummy.as_str().to_string());
        let ok = self
            .run(purpose, move || verify_with(&password, &phc))
            .await?;
        Ok(known && ok)
    }

    /// Hashes synchronously (command-line tools only).
    pub fn hash_blocking(&self, password: &str) -> Result<String, ServiceError> {
        hash_with(&self.params, password)
    }

    async fn run<T: Send + 'static>(
        &self,
        purpose: Purpose,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ServiceError> {
        let (done, result) = oneshot::channel();
        let gone = Arc::new(AtomicBool::new(false));
        let _waiting = Waiting(Arc::clone(&gone));
        let job = Job {
            run: Box::new(move || {
                let _ = done.send(f());
            }),
            gone,
        };
        {
            let shared = &self.pool.shared;
            let mut q = shared
                .queues
                .lock()
                .map_err(|_| ServiceError::Internal("hashing queue poisoned".into()))?;
            let waiting = &mut q.waiting[purpose.index()];
            if waiting.len() >= purpose.capacity() {
                waiting.retain(|j| !j.gone.load(Ordering::Relaxed));
            }
            if waiting.len() >= purpose.capacity() {
                return Err(ServiceError::Busy(BUSY_RETRY_SECS));
            }
            waiting.push_back(job);
            drop(q);
            shared.ready.notify_one();
        }
        result
            .await
            .map_err(|_| ServiceError::Internal("a hashing job failed".into()))
    }
}

/// Takes the next job, each purpose in turn; `None` once the pool is dropped.
fn next_job(shared: &Shared) -> Option<Job> {
    let mut q = shared.queues.lock().ok()?;
    loop {
        if q.closed {
            return None;
        }
        let start = q.next;
        for step in 0..Purpose::ALL.len() {
            let i = (start + step) % Purpose::ALL.len();
            if let Some(job) = q.waiting[i].pop_front() {
                q.next = (i + 1) % Purpose::ALL.len();
                return Some(job);
            }
        }
        q = shared.ready.wait(q).ok()?;
    }
}

fn worker(shared: &Shared) {
    while let Some(job) = next_job(shared) {
        // Nobody waits for the answer any more: spend no hash on it.
        if job.gone.load(Ordering::Relaxed) {
            continue;
        }
        // A panicking hash must not take the thread down with it.
        drop(std::panic::catch_unwind(std::panic::AssertUnwindSafe(
            job.run,
        )));
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

fn hash_with(params: &Params, password: &str) -> Result<String, ServiceError> {
    let fail = |e: &dyn std::fmt::Display| ServiceError::Internal(format!("hashing failed: {e}"));
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

/// Whether `phc` is a bcrypt hash (`$2a$`, `$2b$`, `$2y$`): the seed application's, kept by
/// `tms-server import-seed` until its user's first successful login replaces it with
/// argon2id (`service::auth::login`).
pub fn is_bcrypt(phc: &str) -> bool {
    ["$2a$", "$2b$", "$2y$"].iter().any(|p| phc.starts_with(p))
}

fn verify_with(password: &str, phc: &str) -> bool {
    if is_bcrypt(phc) {
        // The cost is in the hash; bcrypt compares in constant time.
        return bcrypt::verify(password, phc).unwrap_or(false);
    }
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
        let login = Purpose::Login;
        let phc = h
            .hash(Purpose::Signup, "correct horse".into())
            .await
            .unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
        assert!(
            h.verify(login, "correct horse".into(), Some(phc.clone()))
                .await
                .unwrap()
        );
        assert!(
            !h.verify(login, "wrong horse".into(), Some(phc))
                .await
                .unwrap()
        );
        assert!(!h.verify(login, "anything".into(), None).await.unwrap());
    }

    /// A full queue refuses at once; other purposes still get through; jobs whose requester
    /// left are never run.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn each_purpose_has_a_bounded_queue_and_abandoned_jobs_are_dropped() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let h = Hasher::new(8 * 1024, 3).unwrap();
        let ran = Arc::new(AtomicUsize::new(0));
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        // Requests that queue a signup hash and are then dropped, as hyper drops the handler
        // of a client that hung up.
        let mut pending = Vec::new();
        let mut busy = 0;
        for _ in 0..Purpose::Signup.capacity() + threads + 24 {
            let mut job = Box::pin(h.clone().run_counted(Purpose::Signup, Arc::clone(&ran)));
            match poll_once(job.as_mut()).await {
                Some(Err(ServiceError::Busy(secs))) => {
                    assert!(secs >= 1);
                    busy += 1;
                }
                // This thread was held up long enough for a hash to finish: not a failure.
                Some(Ok(())) => {}
                Some(other) => panic!("unexpected: {other:?}"),
                None => pending.push(job),
            }
        }
        assert!(busy > 0, "the signup queue never filled");
        // A login is not refused by the full signup queue.
        let ok = h.verify(Purpose::Login, "x".into(), None).await.unwrap();
        assert!(!ok);
        let accepted = pending.len();
        drop(pending);
        // A new signup waits behind the abandoned ones, which are skipped, not hashed.
        h.hash(Purpose::Signup, "correct horse".into())
            .await
            .unwrap();
        let ran = ran.load(Ordering::SeqCst);
        assert!(
            ran < accepted,
            "{ran} of {accepted} abandoned jobs were hashed"
        );
    }

    impl Hasher {
        async fn run_counted(
            self,
            purpose: Purpose,
            ran: Arc<std::sync::atomic::AtomicUsize>,
        ) -> Result<(), ServiceError> {
            let params = self.params.clone();
            self.run(purpose, move || {
                ran.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                hash_with(&params, "abandoned")
            })
            .await?
            .map(|_| ())
        }
    }

    /// Polls `f` once: its output if it finished.
    async fn poll_once<F: std::future::Future + Unpin>(mut f: F) -> Option<F::Output> {
        std::future::poll_fn(|cx| {
            std::task::Poll::Ready(match std::pin::Pin::new(&mut f).poll(cx) {
                std::task::Poll::Ready(v) => Some(v),
                std::task::Poll::Pending => None,
            })
        })
        .await
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

    /// The seed application's hashes (bcrypt, cost 12) verify; anything else that is not
    /// argon2id does not.
    #[test]
    fn bcrypt_hashes_of_the_seed_application_verify() {
        let seed = "$2b$12$M1Vs.iRo1Ctp8xwBxLULpu/q7kfLBhMCVNZUXRxacRmUd4uAGGi9q";
        assert!(is_bcrypt(seed));
        assert!(verify_with("Hello123.", seed));
        assert!(!verify_with("Hello123", seed));
        let ours = bcrypt::hash("correct horse", 4).unwrap();
        assert!(verify_with("correct horse", &ours));
        assert!(!verify_with("correct horsE", &ours));
        assert!(!is_bcrypt("$argon2id$v=19$m=2048,t=1,p=1$c2FsdA$aGFzaA"));
        assert!(!verify_with("x", "$2b$12$short"));
    }
}
