//! The backstop behind the cooperative budgets: a thread that stops the process when the run
//! is far past its budget in code that never checks one — one regorus operation on values
//! shared into themselves (`x40 == y40`, `print(x40)` of a list doubled 40 times) compares or
//! prints 2^40 elements in a single call, with no budget check inside.
//!
//! Armed by [`super::start_run`]; every [`POLL`] it reads the resident memory
//! (`/proc/self/statm`) and the clock. Past 125% of `limits.run-memory`, or past
//! `limits.run-seconds` plus max(5 s, 25%), it writes one line to stderr and ends the process
//! with exit code 2 (an error: the gate fails closed). The run's own findings are not reported
//! then — which operation was running is unknown, and the process may hold no memory to build
//! them with — but every report asked for is written, prepared when the run starts
//! ([`set_reports`]): one `run-stopped` finding saying which backstop stopped the run. Everything
//! the cooperative budgets can stop (renders, policy builtins, discovery, loops) ends long
//! before, as a finding for its chart or policy.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How often the backstop looks.
pub const POLL: Duration = Duration::from_millis(50);

/// Resident bytes past which the process is stopped (u64::MAX: none).
static HARD_MEMORY: AtomicU64 = AtomicU64::new(u64::MAX);
/// Nanoseconds after the watchdog's anchor past which the process is stopped (u64::MAX: none).
static HARD_DEADLINE: AtomicU64 = AtomicU64::new(u64::MAX);

fn anchor() -> Instant {
    static ANCHOR: OnceLock<Instant> = OnceLock::new();
    *ANCHOR.get_or_init(Instant::now)
}

/// The hard bounds for a run of `limits`, starting now.
pub fn hard_bounds(limits: &crate::model::Limits) -> (u64, Duration) {
    let memory = limits.run_memory.saturating_add(limits.run_memory / 4);
    let grace = Duration::from_secs(5).max(Duration::from_secs(limits.run_seconds) / 4);
    (memory, Duration::from_secs(limits.run_seconds) + grace)
}

/// Arms (or re-arms, for the next repository of an audit) the backstop for a run of `limits`.
pub fn arm(limits: &crate::model::Limits) {
    let (memory, time) = hard_bounds(limits);
    let deadline = (Instant::now() + time).saturating_duration_since(anchor());
    HARD_MEMORY.store(memory, Ordering::Relaxed);
    HARD_DEADLINE.store(
        u64::try_from(deadline.as_nanos()).unwrap_or(u64::MAX),
        Ordering::Relaxed,
    );
    static STARTED: OnceLock<()> = OnceLock::new();
    STARTED.get_or_init(|| {
        let page = page_size();
        // Formatted before it is needed: when it fires, the process may have no memory left.
        let _ = std::thread::Builder::new()
            .name("chartgate-watchdog".into())
            .stack_size(64 << 10)
            .spawn(move || watch(page));
    });
}

fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    u64::try_from(p).ok().filter(|&p| p > 0).unwrap_or(4096)
}

/// Resident bytes of the process, from `/proc/self/statm` (its second field, in pages), read
/// into a stack buffer.
fn resident(page: u64) -> Option<u64> {
    use std::io::Read;
    let mut buf = [0u8; 128];
    let n = std::fs::File::open("/proc/self/statm")
        .and_then(|mut f| f.read(&mut buf))
        .ok()?;
    let text = std::str::from_utf8(&buf[..n]).ok()?;
    let pages: u64 = text.split_ascii_whitespace().nth(1)?.parse().ok()?;
    Some(pages.saturating_mul(page))
}

const MEMORY_MESSAGE: &[u8] = b"chartgate: stopped: the process holds more than limits.run-memory + 25% in an operation that checks no budget (a policy comparing or printing a value shared into itself, or inputs of millions of objects)";
const TIME_MESSAGE: &[u8] = b"chartgate: stopped: the run is past limits.run-seconds + max(5 s, 25%) in an operation that checks no budget (a policy comparing or printing a value shared into itself, or inputs of millions of objects)";
const NO_REPORT: &[u8] = b"; no report was written\n";
const REPORTS_WRITTEN: &[u8] =
    b"; every report asked for holds one `run-stopped` finding instead of the run's findings\n";

/// Why the backstop stopped the process.
#[derive(Clone, Copy)]
enum Reason {
    Memory,
    Time,
}

/// A report the backstop writes when it stops the process, formatted when the run starts:
/// to `path` (created or truncated, never through a symbolic link), or to stdout when `path`
/// is None. One text per [`Reason`].
pub struct StopReport {
    /// The file, already checked and its directories created (`confine::output::prepare`).
    pub path: Option<std::ffi::CString>,
    /// The report when the memory backstop stops the run.
    pub memory: Vec<u8>,
    /// The report when the time backstop stops the run.
    pub time: Vec<u8>,
}

static REPORTS: OnceLock<Vec<StopReport>> = OnceLock::new();

/// The reports to write if the backstop stops this run (the first call of a process counts).
pub fn set_reports(reports: Vec<StopReport>) {
    let _ = REPORTS.set(reports);
}

/// Stands the backstop down: the run's reports are written, and nothing may replace them.
pub fn disarm() {
    HARD_MEMORY.store(u64::MAX, Ordering::Relaxed);
    HARD_DEADLINE.store(u64::MAX, Ordering::Relaxed);
}

/// `write(2)` of all of `bytes` to `fd` (short writes continued; errors give up).
fn write_all(fd: libc::c_int, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: a valid buffer and its length.
        let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        let Ok(n) = usize::try_from(n) else { return };
        if n == 0 {
            return;
        }
        bytes = &bytes[n..];
    }
}

fn stop(reason: Reason) -> ! {
    // Only system calls on buffers made before: no allocation (the process may have no memory
    // left) and no lock (another thread may hold any).
    let reports = REPORTS.get().map(Vec::as_slice).unwrap_or_default();
    for r in reports {
        let bytes = match reason {
            Reason::Memory => &r.memory,
            Reason::Time => &r.time,
        };
        match &r.path {
            None => write_all(1, bytes),
            Some(path) => {
                let flags = libc::O_WRONLY
                    | libc::O_CREAT
                    | libc::O_TRUNC
                    | libc::O_NOFOLLOW
                    | libc::O_CLOEXEC;
                // SAFETY: a NUL-terminated path; open/close have no other preconditions.
                let fd = unsafe { libc::open(path.as_ptr(), flags, 0o644 as libc::c_uint) };
                if fd >= 0 {
                    write_all(fd, bytes);
                    // SAFETY: fd was opened above.
                    unsafe { libc::close(fd) };
                }
            }
        }
    }
    write_all(
        2,
        match reason {
            Reason::Memory => MEMORY_MESSAGE,
            Reason::Time => TIME_MESSAGE,
        },
    );
    write_all(
        2,
        if reports.is_empty() {
            NO_REPORT
        } else {
            REPORTS_WRITTEN
        },
    );
    // SAFETY: _exit(2) is async-signal-safe; no destructor runs (other threads may hold any
    // lock).
    unsafe { libc::_exit(2) }
}

fn watch(page: u64) {
    loop {
        std::thread::sleep(POLL);
        let memory = HARD_MEMORY.load(Ordering::Relaxed);
        if memory != u64::MAX && resident(page).is_some_and(|r| r > memory) {
            stop(Reason::Memory);
        }
        let deadline = HARD_DEADLINE.load(Ordering::Relaxed);
        let now = Instant::now()
            .saturating_duration_since(anchor())
            .as_nanos();
        if deadline != u64::MAX && now > u128::from(deadline) {
            stop(Reason::Time);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backstop_sits_above_the_run_budgets() {
        let l = crate::model::Limits::default();
        let (memory, time) = hard_bounds(&l);
        assert_eq!(memory, (2u64 << 30) + (512 << 20));
        assert_eq!(time, Duration::from_millis(37_500));
        let small = crate::model::Limits {
            run_seconds: 2,
            run_memory: 64 << 20,
            ..l
        };
        assert_eq!(hard_bounds(&small), (80 << 20, Duration::from_secs(7)));
        assert!(resident(page_size()).is_some_and(|r| r > 0));
    }
}
