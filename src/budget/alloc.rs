//! The counting global allocator: wraps another allocator (mimalloc in the binary) and keeps the
//! live bytes of each thread in a thread-local counter (two plain thread-local adds per
//! allocation, no atomics), publishing them to one process-wide atomic counter in batches of
//! [`FLUSH_BYTES`]. Budgets ([`super`]) read these counters; nothing here ever fails an
//! allocation (an allocator may not unwind, and failing one aborts the process).
//!
//! A thread's counter is "bytes this thread allocated minus bytes it freed": memory allocated on
//! one thread and freed on another shows up as growth on the first and shrinkage on the second.
//! Budgets measure growth since a scope began on one thread, which is what a render or a policy
//! evaluation running on its worker thread allocates.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

/// Thread deltas are published to the process counter once they exceed this many bytes either
/// way, so the process-wide figure is exact to within this much per thread.
pub const FLUSH_BYTES: i64 = 256 << 10;

/// A [`GlobalAlloc`] that counts live bytes per thread and per process around `A`.
pub struct Counting<A>(pub A);

struct Counters {
    /// Bytes allocated minus bytes freed by this thread since it started.
    live: Cell<i64>,
    /// Part of `live` not yet added to [`PROCESS`].
    pending: Cell<i64>,
}

thread_local! {
    // `const` and without `Drop`: usable from the allocator at any time, thread exit included.
    static LOCAL: Counters = const {
        Counters {
            live: Cell::new(0),
            pending: Cell::new(0),
        }
    };
}

/// Live bytes of the process (published part).
static PROCESS: AtomicI64 = AtomicI64::new(0);
/// Set by the first counted allocation: budgets are only enforced when counting is installed.
static INSTALLED: AtomicBool = AtomicBool::new(false);

#[inline(always)]
fn count(delta: i64) {
    LOCAL.with(|c| {
        c.live.set(c.live.get().wrapping_add(delta));
        let p = c.pending.get().wrapping_add(delta);
        if p > FLUSH_BYTES || p < -FLUSH_BYTES {
            c.pending.set(0);
            PROCESS.fetch_add(p, Ordering::Relaxed);
            if !INSTALLED.load(Ordering::Relaxed) {
                INSTALLED.store(true, Ordering::Relaxed);
            }
        } else {
            c.pending.set(p);
        }
    });
}

// SAFETY: every method forwards to `A` unchanged; counting touches only thread-local cells and
// an atomic, never allocates and never unwinds.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Counting<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let p = unsafe { self.0.alloc(layout) };
        if !p.is_null() {
            count(layout.size() as i64);
        }
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let p = unsafe { self.0.alloc_zeroed(layout) };
        if !p.is_null() {
            count(layout.size() as i64);
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { self.0.dealloc(ptr, layout) };
        count(-(layout.size() as i64));
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let p = unsafe { self.0.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            count(new_size as i64 - layout.size() as i64);
        }
        p
    }
}

/// Bytes this thread allocated minus those it freed (0 without the counting allocator).
#[inline]
pub fn thread_live() -> i64 {
    LOCAL.with(|c| c.live.get())
}

/// Live bytes of the whole process: the published total plus this thread's unpublished part
/// (other threads' unpublished parts, under [`FLUSH_BYTES`] each, are not seen).
#[inline]
pub fn process_live() -> i64 {
    PROCESS.load(Ordering::Relaxed) + LOCAL.with(|c| c.pending.get())
}

/// Whether the counting allocator is the global allocator (it has published a count): without
/// it every counter stays 0 and memory budgets cannot be enforced.
pub fn installed() -> bool {
    INSTALLED.load(Ordering::Relaxed)
}
