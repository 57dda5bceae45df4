//! The synchronisation primitives of the ring buffer: std's normally, loom's under `cfg(loom)`.
//!
//! Every atomic, lock and spin the ring buffer uses goes through this module, so that
//! `RUSTFLAGS="--cfg loom" cargo test --test loom_ringbuf` explores every interleaving of the same code
//! that runs in production. The one thing loom cannot model is a raw byte buffer shared between threads,
//! so the data area is a slice of 64-bit words ([`Words`]): headers are read and written as atomic words
//! in both builds, and payload bytes are copied with plain memory accesses normally and with relaxed word
//! accesses under loom (so that loom also tracks the payload and finds a consumer that reads it too early).

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{fence, AtomicBool, AtomicU64, Ordering};
#[cfg(loom)]
pub(crate) use loom::sync::{Condvar, Mutex};
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{fence, AtomicBool, AtomicU64, Ordering};
#[cfg(not(loom))]
pub(crate) use std::sync::{Condvar, Mutex};

/// One step of a spin-wait: a CPU hint, and every 64 steps a yield to the scheduler (so that a waiting
/// thread lets a preempted one run on a machine with fewer cores than threads). Under loom, a yield.
#[inline]
pub(crate) fn spin_wait(step: &mut u32) {
    #[cfg(loom)]
    {
        let _ = step;
        loom::thread::yield_now();
    }
    #[cfg(not(loom))]
    {
        *step = step.wrapping_add(1);
        if *step % 64 == 0 {
            std::thread::yield_now();
        } else {
            std::hint::spin_loop();
        }
    }
}

/// A shared array of 8-byte words: the ring's data area.
///
/// Invariants (upheld by the ring buffer, which is the only user):
/// - a word that holds a record header is only ever accessed with the atomic methods;
/// - the payload bytes of a record are written by the one producer that reserved it, while no other thread
///   reads or writes them (the header's BUSY bit, published with release ordering, orders those writes before
///   any read), and read by the consumer only after it has read the committed header with acquire ordering.
pub(crate) struct Words {
    words: Box<[AtomicU64]>,
}

impl Words {
    /// `n` zeroed words (the kernel's pages are `__GFP_ZERO`), or `None` if the allocation fails.
    pub(crate) fn new(n: usize) -> Option<Words> {
        let mut v: Vec<AtomicU64> = Vec::new();
        v.try_reserve_exact(n).ok()?;
        v.extend((0..n).map(|_| AtomicU64::new(0)));
        Some(Words { words: v.into_boxed_slice() })
    }

    /// Length in bytes.
    pub(crate) fn len_bytes(&self) -> usize {
        self.words.len() * 8
    }

    /// Atomic load of the word at byte offset `off` (8-aligned, in bounds).
    #[inline]
    pub(crate) fn load(&self, off: usize, order: Ordering) -> u64 {
        self.words[off / 8].load(order)
    }

    /// Atomic store of the word at byte offset `off`.
    #[inline]
    pub(crate) fn store(&self, off: usize, v: u64, order: Ordering) {
        self.words[off / 8].store(v, order)
    }

    /// Atomic exchange of the word at byte offset `off`.
    #[inline]
    pub(crate) fn swap(&self, off: usize, v: u64, order: Ordering) -> u64 {
        self.words[off / 8].swap(v, order)
    }

    /// Copies `src` to byte offset `off`.
    ///
    /// # Safety
    /// `off + src.len() <= self.len_bytes()`, and no other thread accesses these bytes (nor, under loom, the
    /// words that hold them) until an ordering operation publishes the write.
    #[inline]
    pub(crate) unsafe fn write_bytes(&self, off: usize, src: &[u8]) {
        debug_assert!(off + src.len() <= self.len_bytes());
        #[cfg(not(loom))]
        {
            // SAFETY: in bounds (caller), the words are interior-mutable (`AtomicU64` wraps an
            // `UnsafeCell`), the pointer comes from the whole slice so it may address every word, and no other
            // thread touches these bytes concurrently (caller).
            unsafe {
                let base = self.words.as_ptr() as *mut u8;
                std::ptr::copy_nonoverlapping(src.as_ptr(), base.add(off), src.len());
            }
        }
        #[cfg(loom)]
        {
            let mut i = 0;
            while i < src.len() {
                let at = off + i;
                let (word, first) = (at / 8, at % 8);
                let n = (8 - first).min(src.len() - i);
                let w = &self.words[word];
                let mut bytes = if n == 8 { [0u8; 8] } else { w.load(Ordering::Relaxed).to_ne_bytes() };
                bytes[first..first + n].copy_from_slice(&src[i..i + n]);
                w.store(u64::from_ne_bytes(bytes), Ordering::Relaxed);
                i += n;
            }
        }
    }

    /// Copies bytes at offset `off` into `dst`.
    ///
    /// # Safety
    /// In bounds, and no thread writes these bytes concurrently (they were published to this thread).
    #[inline]
    pub(crate) unsafe fn read_bytes(&self, off: usize, dst: &mut [u8]) {
        debug_assert!(off + dst.len() <= self.len_bytes());
        #[cfg(not(loom))]
        {
            // SAFETY: in bounds, and no concurrent writer (caller).
            unsafe {
                let base = self.words.as_ptr() as *const u8;
                std::ptr::copy_nonoverlapping(base.add(off), dst.as_mut_ptr(), dst.len());
            }
        }
        #[cfg(loom)]
        {
            let mut i = 0;
            while i < dst.len() {
                let at = off + i;
                let (word, first) = (at / 8, at % 8);
                let n = (8 - first).min(dst.len() - i);
                let bytes = self.words[word].load(Ordering::Relaxed).to_ne_bytes();
                dst[i..i + n].copy_from_slice(&bytes[first..first + n]);
                i += n;
            }
        }
    }

    /// Copies `n` bytes from offset `from` to offset `to` (the ranges do not overlap): how the ring keeps
    /// the copy past the end of its data area equal to the start, where the kernel maps the pages twice.
    ///
    /// # Safety
    /// Both ranges in bounds, and no other thread accesses either range until an ordering operation
    /// publishes the write.
    #[inline]
    pub(crate) unsafe fn copy(&self, from: usize, to: usize, n: usize) {
        let mut bytes = vec![0u8; n];
        // SAFETY: in bounds and not accessed concurrently (caller).
        unsafe {
            self.read_bytes(from, &mut bytes);
            self.write_bytes(to, &bytes);
        }
    }

    /// A shared view of `len` bytes at `off`.
    ///
    /// # Safety
    /// In bounds, and no thread writes these bytes while the returned borrow lives.
    #[cfg(not(loom))]
    #[inline]
    pub(crate) unsafe fn slice(&self, off: usize, len: usize) -> &[u8] {
        debug_assert!(off + len <= self.len_bytes());
        // SAFETY: in bounds and not written while borrowed (caller); u8 has no alignment or validity needs.
        unsafe { std::slice::from_raw_parts((self.words.as_ptr() as *const u8).add(off), len) }
    }

    /// A view of `len` bytes at `off` as cells, for a dynptr over a reserved sample.
    ///
    /// # Safety
    /// In bounds, and only the calling thread accesses these bytes while the returned borrow lives (the
    /// cells are `!Sync`, so the borrow cannot leave the thread).
    #[cfg(not(loom))]
    #[inline]
    pub(crate) unsafe fn cells(&self, off: usize, len: usize) -> &[std::cell::Cell<u8>] {
        debug_assert!(off + len <= self.len_bytes());
        // SAFETY: in bounds; the memory is interior-mutable (inside `AtomicU64`'s `UnsafeCell`), `Cell<u8>`
        // has the layout of `u8`, and no other thread accesses it while the borrow lives (caller).
        unsafe { std::slice::from_raw_parts((self.words.as_ptr() as *const std::cell::Cell<u8>).add(off), len) }
    }

    /// A copy of `len` bytes at `off`, read word by word with relaxed atomic loads (always sound; exact
    /// when no producer is writing).
    pub(crate) fn snapshot(&self, off: usize, len: usize) -> Vec<u8> {
        (off..off + len).map(|at| self.words[at / 8].load(Ordering::Relaxed).to_ne_bytes()[at % 8]).collect()
    }
}
