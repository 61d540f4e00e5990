//! Budgets of one run and of each render: wall time and memory, so that hostile input ends the
//! render that carries it (a `render-error` finding for that chart and environment) while every
//! other render goes on.
//!
//! - Memory is counted by the global allocator ([`alloc::Counting`], installed in `main.rs` and
//!   the benchmarks): a thread-local live-byte counter, published to a process-wide one by the
//!   checks below.
//! - A **scope** ([`scoped`]) is one render (or one policy evaluation) on its worker thread: the
//!   growth of the thread's live bytes since the scope began is held to `limits.render-memory`,
//!   and its deadline to `limits.render-seconds` from the scope's start.
//! - The **run** ([`start_run`]) holds the whole process to `limits.run-memory` and
//!   `limits.run-seconds`; renders that would start after the run's time is spent are reported
//!   as not checked.
//!
//! - Behind them, [`watchdog`] stops the process (exit 2, one line) when the run is far past
//!   its budgets in an operation that checks none.
//!
//! Long-running code calls [`check`] (memory: two thread-local reads and one atomic load) inside
//! its loops, and [`check_time`] (a clock read) every so many steps; both return the first budget
//! exceeded as an [`Exceeded`] whose text names the limit.

pub mod alloc;
pub mod watchdog;

use std::cell::Cell;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Which budget ran out, with the figures for the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exceeded {
    /// A render or policy evaluation allocated more than `limits.render-memory`.
    RenderMemory { used: u64, limit: u64 },
    /// The process holds more than `limits.run-memory`.
    RunMemory { used: u64, limit: u64 },
    /// A render ran past `limits.render-seconds`.
    RenderTime { seconds: u64 },
    /// The run ran past `limits.run-seconds`.
    RunTime { seconds: u64 },
}

/// Bytes in MiB, rounded up (a budget of 512 MiB crossed by a few bytes shows as 513).
fn mib(bytes: u64) -> u64 {
    bytes.div_ceil(1 << 20)
}

impl std::fmt::Display for Exceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exceeded::RenderMemory { used, limit } => write!(
                f,
                "render memory exceeded: {} MiB allocated, over the budget of {} MiB (limits.render-memory)",
                mib(*used),
                mib(*limit)
            ),
            Exceeded::RunMemory { used, limit } => write!(
                f,
                "run memory exceeded: the process holds {} MiB, over the budget of {} MiB (limits.run-memory)",
                mib(*used),
                mib(*limit)
            ),
            Exceeded::RenderTime { seconds } => write!(
                f,
                "render time exceeded: over the budget of {seconds}s (limits.render-seconds)"
            ),
            Exceeded::RunTime { seconds } => write!(
                f,
                "run time exceeded: over the budget of {seconds}s (limits.run-seconds)"
            ),
        }
    }
}

impl std::error::Error for Exceeded {}

/// The budget of the scope running on this thread.
#[derive(Clone, Copy)]
struct Scope {
    /// The thread's live bytes when the scope began.
    base: i64,
    /// Bytes the scope may grow the thread's live bytes by.
    memory: u64,
    deadline: Instant,
    seconds: u64,
}

thread_local! {
    static SCOPE: Cell<Option<Scope>> = const { Cell::new(None) };
}

/// No run budget: u64::MAX.
static RUN_MEMORY: AtomicU64 = AtomicU64::new(u64::MAX);
/// The run's deadline in nanoseconds after [`anchor`] (u64::MAX: none), and its length.
static RUN_DEADLINE: AtomicU64 = AtomicU64::new(u64::MAX);
static RUN_SECONDS: AtomicU64 = AtomicU64::new(0);

fn anchor() -> Instant {
    static ANCHOR: OnceLock<Instant> = OnceLock::new();
    *ANCHOR.get_or_init(Instant::now)
}

/// Starts the run's budget now: `limits.run-seconds` from now, `limits.run-memory` for the
/// process. Called once by `chartgate check`/`audit` with the run's (platform) limits; library
/// use without it has no run budget.
pub fn start_run(limits: &crate::model::Limits) {
    let anchor = anchor();
    let deadline = Instant::now() + Duration::from_secs(limits.run_seconds);
    let ns = deadline.saturating_duration_since(anchor).as_nanos();
    RUN_DEADLINE.store(u64::try_from(ns).unwrap_or(u64::MAX), Ordering::Relaxed);
    RUN_SECONDS.store(limits.run_seconds, Ordering::Relaxed);
    RUN_MEMORY.store(limits.run_memory, Ordering::Relaxed);
    watchdog::arm(limits);
}

/// The run's time budget, when it is spent.
pub fn run_time_spent() -> Option<Exceeded> {
    let deadline = RUN_DEADLINE.load(Ordering::Relaxed);
    if deadline == u64::MAX {
        return None;
    }
    let now = Instant::now()
        .saturating_duration_since(anchor())
        .as_nanos();
    (now > u128::from(deadline)).then(|| Exceeded::RunTime {
        seconds: RUN_SECONDS.load(Ordering::Relaxed),
    })
}

/// Restores the previous scope when a scope ends, unwinding included.
struct Restore(Option<Scope>);

impl Drop for Restore {
    fn drop(&mut self) {
        SCOPE.with(|s| s.set(self.0));
    }
}

/// Runs `f` as one render's (or one policy evaluation's) scope on this thread: `memory` bytes of
/// growth and `seconds` of wall time from now. Scopes nest (a rayon worker waiting inside one
/// render may run another job): the inner scope applies until it ends.
pub fn scoped<T>(memory: u64, seconds: u64, f: impl FnOnce() -> T) -> T {
    let scope = Scope {
        base: alloc::thread_live(),
        memory,
        deadline: Instant::now() + Duration::from_secs(seconds),
        seconds,
    };
    let _restore = Restore(SCOPE.with(|s| s.replace(Some(scope))));
    f()
}

/// The scope running on this thread, to carry into work it hands to other threads.
#[derive(Clone, Copy)]
pub struct Inherited(Option<Scope>);

/// This thread's scope, for [`Inherited::run`] on a rayon worker.
pub fn inherit() -> Inherited {
    Inherited(SCOPE.with(Cell::get))
}

impl Inherited {
    /// Runs `f` under the inherited scope's deadline and memory budget (counted from this
    /// thread's live bytes now); without one, runs `f` as it is.
    pub fn run<T>(self, f: impl FnOnce() -> T) -> T {
        match self.0 {
            Some(s) => {
                let scope = Scope {
                    base: alloc::thread_live(),
                    ..s
                };
                let _restore = Restore(SCOPE.with(|c| c.replace(Some(scope))));
                f()
            }
            None => f(),
        }
    }
}

/// [`scoped`] with the render limits of `limits`.
pub fn render_scope<T>(limits: &crate::model::Limits, f: impl FnOnce() -> T) -> T {
    scoped(limits.render_memory, limits.render_seconds, f)
}

/// The memory budgets: this thread's scope and the run. Cheap enough for every loop iteration.
#[inline]
pub fn check() -> Result<(), Exceeded> {
    if let Some(s) = SCOPE.with(Cell::get) {
        let used = alloc::thread_live().saturating_sub(s.base);
        if used > 0 && used as u64 > s.memory {
            return Err(Exceeded::RenderMemory {
                used: used as u64,
                limit: s.memory,
            });
        }
    }
    alloc::publish();
    let run = RUN_MEMORY.load(Ordering::Relaxed);
    if run != u64::MAX {
        let live = alloc::process_live();
        if live > 0 && live as u64 > run {
            return Err(Exceeded::RunMemory {
                used: live as u64,
                limit: run,
            });
        }
    }
    Ok(())
}

/// [`check`] plus the deadlines of this thread's scope and of the run (reads the clock: call it
/// every so many steps of a loop).
pub fn check_time() -> Result<(), Exceeded> {
    check()?;
    if let Some(s) = SCOPE.with(Cell::get)
        && Instant::now() > s.deadline
    {
        return Err(Exceeded::RenderTime { seconds: s.seconds });
    }
    match run_time_spent() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// [`check`] plus the run's deadline only: for the template engine, which keeps the render's
/// deadline itself (started with the render, reported with the template position).
pub fn check_run_time() -> Result<(), Exceeded> {
    check()?;
    match run_time_spent() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// What is left of the memory budgets on this thread: the bytes the current scope (and the
/// run) may still grow by, and the `limits.` key of the tighter one. None without any budget
/// (no scope and no run budget). Without the counting allocator nothing counts as used.
pub fn remaining_memory() -> Option<(u64, &'static str)> {
    let mut left: Option<(u64, &'static str)> = None;
    if let Some(s) = SCOPE.with(Cell::get) {
        let used = alloc::thread_live().saturating_sub(s.base).max(0) as u64;
        left = Some((s.memory.saturating_sub(used), "limits.render-memory"));
    }
    let run = RUN_MEMORY.load(Ordering::Relaxed);
    if run != u64::MAX {
        let live = alloc::process_live().max(0) as u64;
        let run_left = run.saturating_sub(live);
        if left.is_none_or(|(l, _)| run_left < l) {
            left = Some((run_left, "limits.run-memory"));
        }
    }
    left
}

/// What is left of the wall-clock budgets on this thread: the time until the scope's or the
/// run's deadline, whichever comes first. None without any.
pub fn remaining_time() -> Option<Duration> {
    let now = Instant::now();
    let scope = SCOPE
        .with(Cell::get)
        .map(|s| s.deadline.saturating_duration_since(now));
    let deadline = RUN_DEADLINE.load(Ordering::Relaxed);
    let run = (deadline != u64::MAX).then(|| {
        let at = anchor() + Duration::from_nanos(deadline);
        at.saturating_duration_since(now)
    });
    match (scope, run) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// A cheap step counter for loops: [`Ticker::tick`] checks memory every 16 steps and time every
/// 1024.
#[derive(Default)]
pub struct Ticker(u32);

impl Ticker {
    #[inline]
    pub fn tick(&mut self) -> Result<(), Exceeded> {
        self.0 = self.0.wrapping_add(1);
        if self.0 & 1023 == 0 {
            check_time()
        } else if self.0 & 15 == 0 {
            check()
        } else {
            Ok(())
        }
    }
}

/// Whether a scope is active on this thread (tests).
pub fn in_scope() -> bool {
    SCOPE.with(Cell::get).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_memory_budget_counts_this_threads_growth() {
        // Unit tests run under the counting allocator (lib.rs).
        assert!(alloc::installed() || alloc::thread_live() != 0);
        let r = scoped(1 << 20, 60, || {
            assert!(in_scope());
            assert_eq!(check(), Ok(()));
            let big = vec![1u8; 2 << 20];
            let e = check();
            drop(big);
            (e, check())
        });
        match r.0 {
            Err(Exceeded::RenderMemory { used, limit }) => {
                assert_eq!(limit, 1 << 20);
                assert!(used >= 2 << 20, "{used}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(r.1, Ok(()));
        assert!(!in_scope());
        assert_eq!(
            Exceeded::RenderMemory {
                used: 3 << 20,
                limit: 1 << 20
            }
            .to_string(),
            "render memory exceeded: 3 MiB allocated, over the budget of 1 MiB (limits.render-memory)"
        );
    }

    #[test]
    fn remaining_budgets_shrink_as_the_scope_allocates() {
        scoped(8 << 20, 60, || {
            let (before, which) = remaining_memory().expect("a scope");
            assert_eq!(which, "limits.render-memory");
            assert!(before <= 8 << 20 && before > 7 << 20, "{before}");
            let big = vec![1u8; 4 << 20];
            let (after, _) = remaining_memory().expect("a scope");
            assert!(after + (4 << 20) <= before + 4096, "{before} {after}");
            drop(big);
            let t = remaining_time().expect("a deadline");
            assert!(t <= Duration::from_secs(60) && t > Duration::from_secs(50));
        });
    }

    #[test]
    fn scopes_nest_and_restore_on_unwind() {
        scoped(1 << 30, 60, || {
            let inner = std::panic::catch_unwind(|| scoped(1, 0, || panic!("x")));
            assert!(inner.is_err());
            // The outer scope is back (the inner one's 0 s deadline would fail here).
            std::thread::sleep(Duration::from_millis(5));
            assert_eq!(check_time(), Ok(()));
        });
        let r = scoped(1 << 30, 0, || {
            std::thread::sleep(Duration::from_millis(5));
            check_time()
        });
        assert_eq!(r, Err(Exceeded::RenderTime { seconds: 0 }));
    }
}
