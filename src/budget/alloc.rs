//! The counting global allocator: wraps another allocator (mimalloc in the binary) and keeps the
//! live bytes of each thread in a thread-local counter — one add to thread-local memory per
//! allocation, no atomics, no branches. The process-wide figure is the sum of what threads
//! publish ([`publish`], called by the budget checks once a thread's count moved by
//! [`PUBLISH_BYTES`]). Budgets ([`super`]) read these counters; nothing here ever fails an
//! allocation (an allocator may not unwind, and failing one aborts the process).
//!
//! A thread's counter is "bytes this thread allocated minus bytes it freed": memory allocated on
//! one thread and freed on another shows up as growth on the first and shrinkage on the second.
//! Budgets measure growth since a scope began on one thread, which is what a render or a policy
//! evaluation running on its worker thread allocates.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

/// A thread publishes its count to the process total once it moved by this many bytes.
pub const PUBLISH_BYTES: i64 = 256 << 10;

/// A [`GlobalAlloc`] that counts live bytes per thread around `A`.
pub struct Counting<A>(pub A);

struct Counters {
    /// Bytes allocated minus bytes freed by this thread since it started.
    live: Cell<i64>,
    /// The part of `live` already added to [`PROCESS`].
    published: Cell<i64>,
}

thread_local! {
    // `const` and without `Drop`: usable from the allocator at any time, thread exit included.
    static LOCAL: Counters = const {
        Counters {
            live: Cell::new(0),
            published: Cell::new(0),
        }
    };
}

/// Live bytes of the process, as published by its threads.
static PROCESS: AtomicI64 = AtomicI64::new(0);
/// Set once a thread published a non-zero count: budgets are only enforced with counting.
static INSTALLED: AtomicBool = AtomicBool::new(false);

#[inline(always)]
fn count(delta: i64) {
    LOCAL.with(|c| c.live.set(c.live.get().wrapping_add(delta)));
}

// SAFETY: every method forwards to `A` unchanged; counting touches only a thread-local cell,
// never allocates and never unwinds.
//
// Each method counts *before* forwarding, so the call to `A` is a tail call and counting costs
// two instructions (counting after the call cost 5% of the org benchmark's instructions). A
// failed allocation is counted all the same: an infallible one aborts the process anyway, and a
// fallible one (`try_reserve`) leaves the count higher than the truth, never lower.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Counting<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as i64);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { self.0.alloc(layout) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as i64);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { self.0.alloc_zeroed(layout) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as i64));
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { self.0.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size as i64 - layout.size() as i64);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { self.0.realloc(ptr, layout, new_size) }
    }
}

/// Adds this thread's change since it last published to the process total, once it exceeds
/// [`PUBLISH_BYTES`] either way.
#[inline]
pub fn publish() {
    LOCAL.with(|c| {
        let (live, published) = (c.live.get(), c.published.get());
        let delta = live.wrapping_sub(published);
        if !(-PUBLISH_BYTES..=PUBLISH_BYTES).contains(&delta) {
            c.published.set(live);
            PROCESS.fetch_add(delta, Ordering::Relaxed);
            if !INSTALLED.load(Ordering::Relaxed) {
                INSTALLED.store(true, Ordering::Relaxed);
            }
        }
    });
}

/// Bytes this thread allocated minus those it freed (0 without the counting allocator).
#[inline]
pub fn thread_live() -> i64 {
    LOCAL.with(|c| c.live.get())
}

/// Live bytes of the whole process: the published total plus this thread's unpublished part
/// (other threads' unpublished parts, each under [`PUBLISH_BYTES`] after their last check, are
/// not seen).
#[inline]
pub fn process_live() -> i64 {
    PROCESS.load(Ordering::Relaxed) + LOCAL.with(|c| c.live.get().wrapping_sub(c.published.get()))
}

/// Whether the counting allocator is the global allocator (a count was published): without
/// it every counter stays 0 and memory budgets cannot be enforced.
pub fn installed() -> bool {
    INSTALLED.load(Ordering::Relaxed)
}

/// Turns transparent huge pages off for this process. With huge pages the kernel zeroes (and
/// compacts for) 2 MiB at each first touch: perf of `chartgate check` on the org benchmark
/// showed a fifth of all samples in `clear_page_erms` under huge-page faults, and
/// `MIMALLOC_ALLOW_THP=0` cut system time from 1.2 s to 0.4 s with less peak memory.
/// mimalloc is built with its `no_thp` feature, so it never asks for huge pages itself (before
/// `main` included: that cut `chartgate rules` from 5.5 to 3.4 ms of CPU); this call covers
/// kernels whose THP mode is `always`, which give them unasked. The flag is read at fault time.
/// Call it first thing in `main` (binary and benches).
pub fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integer arguments and touches no memory of ours;
    // a failure (an old kernel) leaves the default, which is only slower.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
