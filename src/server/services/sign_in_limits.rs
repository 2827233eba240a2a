//! Bounds on the work an anonymous client can cause by signing in. A password
//! check (argon2id, ≈ 19 MiB and tens of milliseconds) runs only with a
//! permit: at most `PARALLEL_CHECKS` at once and `MAX_WAITING` queued, beyond
//! that the answer is "busy" at once. Each client address has at most one
//! attempt in flight and `CLIENT_ATTEMPTS_PER_MINUTE` a minute, so one client
//! can neither fill the queue nor starve the owner signing in from elsewhere.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Password checks running at once (one per core on the reference machine).
pub const PARALLEL_CHECKS: usize = 2;
/// Attempts waiting for a check; more are refused at once.
pub const MAX_WAITING: usize = 4;
/// Attempts one client address may make per minute.
pub const CLIENT_ATTEMPTS_PER_MINUTE: u32 = 20;
const WINDOW: Duration = Duration::from_secs(60);
/// Above this many tracked clients, idle ones are forgotten.
const PRUNE_AT: usize = 10_000;

/// Why an attempt was not admitted, with the seconds to wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy(pub u64);

#[derive(Debug)]
struct Client {
    in_flight: bool,
    window_start: Instant,
    attempts: u32,
}

#[derive(Debug)]
pub struct SignInLimits {
    checks: Arc<Semaphore>,
    waiting: AtomicUsize,
    checks_done: AtomicU64,
    clients: Mutex<HashMap<IpAddr, Client>>,
}

impl Default for SignInLimits {
    fn default() -> Self {
        Self {
            checks: Arc::new(Semaphore::new(PARALLEL_CHECKS)),
            waiting: AtomicUsize::new(0),
            checks_done: AtomicU64::new(0),
            clients: Mutex::new(HashMap::new()),
        }
    }
}

/// A client's admitted attempt; dropping it lets the client try again.
pub struct ClientSlot<'a> {
    limits: &'a SignInLimits,
    client: IpAddr,
}

impl Drop for ClientSlot<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.limits.clients.lock().expect("clients lock").get_mut(&self.client) {
            c.in_flight = false;
        }
    }
}

/// The right to run one password check.
pub struct CheckPermit(#[allow(dead_code)] OwnedSemaphorePermit);

impl SignInLimits {
    /// Admits one attempt from `client`: one at a time, a bounded number a minute.
    pub fn admit(&self, client: IpAddr) -> Result<ClientSlot<'_>, Busy> {
        let mut clients = self.clients.lock().expect("clients lock");
        let now = Instant::now();
        if clients.len() >= PRUNE_AT {
            clients.retain(|_, c| c.in_flight || now.duration_since(c.window_start) < WINDOW);
        }
        let c = clients.entry(client).or_insert(Client {
            in_flight: false,
            window_start: now,
            attempts: 0,
        });
        if now.duration_since(c.window_start) >= WINDOW {
            c.window_start = now;
            c.attempts = 0;
        }
        if c.in_flight {
            return Err(Busy(1));
        }
        if c.attempts >= CLIENT_ATTEMPTS_PER_MINUTE {
            let left = WINDOW.saturating_sub(now.duration_since(c.window_start));
            return Err(Busy(left.as_secs().max(1)));
        }
        c.attempts += 1;
        c.in_flight = true;
        Ok(ClientSlot { limits: self, client })
    }

    /// Waits for a check permit, or says "busy" at once when the queue is full.
    pub async fn check_permit(&self) -> Result<CheckPermit, Busy> {
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= MAX_WAITING {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(Busy(1));
        }
        let permit = self.checks.clone().acquire_owned().await;
        self.waiting.fetch_sub(1, Ordering::AcqRel);
        permit.map(CheckPermit).map_err(|_| Busy(1))
    }

    /// Runs a password check under a permit (off the async threads), then hands
    /// freed memory back to the system: the allocator tuning made for images would
    /// otherwise keep argon2's 19 MiB buffers. Trimming after every check (at most
    /// `PARALLEL_CHECKS` at a time) leaves no race over which check ends last.
    pub async fn run_check<T: Send + 'static>(
        &self,
        _permit: CheckPermit,
        check: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let out = tokio::task::spawn_blocking(move || {
            let out = check();
            crate::imaging::release_memory();
            out
        })
        .await
        .ok();
        self.checks_done.fetch_add(1, Ordering::Relaxed);
        out
    }

    /// Password checks run so far (tests and metrics).
    pub fn checks_done(&self) -> u64 {
        self.checks_done.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn one_attempt_in_flight_per_client() {
        let limits = SignInLimits::default();
        let slot = limits.admit(A).expect("first attempt");
        assert_eq!(limits.admit(A).err(), Some(Busy(1)));
        assert!(limits.admit(B).is_ok(), "another client is not held up");
        drop(slot);
        assert!(limits.admit(A).is_ok());
    }

    #[test]
    fn clients_have_a_rate() {
        let limits = SignInLimits::default();
        for _ in 0..CLIENT_ATTEMPTS_PER_MINUTE {
            drop(limits.admit(A).expect("within the rate"));
        }
        assert!(matches!(limits.admit(A), Err(Busy(s)) if s >= 1));
        assert!(limits.admit(B).is_ok());
    }

    #[tokio::test]
    async fn a_full_queue_answers_busy_at_once() {
        let limits = Arc::new(SignInLimits::default());
        let held: Vec<_> = hold_all_permits(&limits).await;
        for _ in 0..MAX_WAITING {
            let l = limits.clone();
            tokio::spawn(async move { l.check_permit().await.is_ok() });
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(limits.check_permit().await.err(), Some(Busy(1)));
        drop(held);
    }

    async fn hold_all_permits(limits: &SignInLimits) -> Vec<CheckPermit> {
        let mut v = Vec::new();
        for _ in 0..PARALLEL_CHECKS {
            v.push(limits.check_permit().await.expect("free permit"));
        }
        v
    }
}
