//! The consumer side: a zero-copy reader of model rings and of real kernel rings, and the wakeups.
//!
//! Kernel: the protocol of `kernel/bpf/ringbuf.c`; the loop is libbpf's `ringbuf_process_ring()`.
//!
//! [`Consumer`] reads any [`RingMemory`]: a model [`RingBuf`](super::RingBuf), or a kernel ring mapped
//! into this process (the `bpf-oracle` crate maps one: consumer page read-write, producer page and the
//! double-mapped data read-only, and waits with epoll on the map's fd).
//!
//! Orderings: `producer_pos` and each header's `len` are loaded with **acquire** (pairing with the
//! producer's release store of the position, and with the commit's release store / `xchg` of `len`), so
//! the payload a record's header announces is complete when it is read; `consumer_pos` is stored with
//! **release** after each record, so a producer that reads it (acquire) cannot reuse bytes still being
//! read. Before sleeping, the consumer issues a SeqCst fence between its last `consumer_pos` store and
//! its last look at the ring; the commit has a full barrier between its header store and its
//! `consumer_pos` load. So no wakeup is lost: either the producer sees the consumer waiting at its record
//! and wakes it, or the consumer sees the record and does not sleep.

use super::layout::*;
use super::producer::RingBuf;
use crate::sync::{fence, AtomicU64, Condvar, Mutex, Ordering};
use std::time::Duration;

/// The memory of a ring as a consumer sees it.
///
/// # Safety
/// An implementation promises that:
/// - [`consumer_pos`](RingMemory::consumer_pos) and [`producer_pos`](RingMemory::producer_pos) are the
///   ring's positions and [`mask`](RingMemory::mask) its size minus one;
/// - [`header_len`](RingMemory::header_len) reads the `len` word of the header at a data offset below the
///   size with acquire ordering;
/// - [`payload`](RingMemory::payload) returns `len` bytes at a data offset below the size, contiguous
///   across the end of the area (the kernel's double mapping), with `len` up to the size;
/// - only one [`Consumer`] reads the ring at a time, so that the bytes of a committed record are not
///   rewritten while the consumer has not moved `consumer_pos` past it.
pub unsafe trait RingMemory {
    /// The data size minus one.
    fn mask(&self) -> u64;
    /// `consumer_pos`.
    fn consumer_pos(&self) -> &AtomicU64;
    /// `producer_pos`.
    fn producer_pos(&self) -> &AtomicU64;
    /// The header's `len` at data offset `off`, loaded with acquire.
    fn header_len(&self, off: usize) -> u32;
    /// `len` bytes at data offset `off`.
    ///
    /// # Safety
    /// The bytes belong to a committed record not yet consumed.
    #[cfg(not(loom))]
    unsafe fn payload(&self, off: usize, len: usize) -> &[u8];
    /// `len` bytes at data offset `off`, copied (under loom, where memory is a set of atomics).
    #[cfg(loom)]
    fn payload_copy(&self, off: usize, len: usize) -> Vec<u8>;
    /// Blocks until a producer's commit wakes the consumer, or `timeout` passes, unless `ready()` (checked
    /// after the consumer announced that it sleeps) says there is something to read. Returns true unless
    /// it timed out.
    fn wait(&self, ready: &dyn Fn() -> bool, timeout: Option<Duration>) -> bool;
    /// Called when the consumer is dropped.
    fn release(&self) {}
}

/// A committed record, borrowed from the ring until the consumer moves past it.
#[derive(Debug)]
pub struct Record<'a> {
    pos: u64,
    #[cfg(not(loom))]
    data: &'a [u8],
    #[cfg(loom)]
    data: Vec<u8>,
    #[cfg(loom)]
    _ring: std::marker::PhantomData<&'a ()>,
}

impl Record<'_> {
    /// The record's position (of its header).
    #[inline]
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// The payload (`len` bytes, the header's size field).
    #[allow(clippy::needless_borrow)] // a slice borrowed from the ring, or (under loom) an owned copy
    #[inline]
    pub fn data(&self) -> &[u8] {
        &self.data
    }
}

/// The one consumer of a ring: reads records in order, skips discarded ones, stops at the first busy one.
#[derive(Debug)]
pub struct Consumer<M: RingMemory> {
    mem: M,
}

impl<M: RingMemory> Consumer<M> {
    /// A consumer of `mem`.
    pub fn new(mem: M) -> Consumer<M> {
        Consumer { mem }
    }

    /// The memory it reads.
    pub fn memory(&self) -> &M {
        &self.mem
    }

    /// `ring__avail_data_size()`: `producer_pos - consumer_pos`.
    pub fn avail_data(&self) -> u64 {
        let cons = self.mem.consumer_pos().load(Ordering::Acquire);
        self.mem.producer_pos().load(Ordering::Acquire).wrapping_sub(cons)
    }

    /// Moves `consumer_pos` by hand, as user space may (the consumer page is writable). Producers trust
    /// it only as far as the kernel does: `pending_pos` still protects busy records.
    ///
    /// # Safety
    /// Moved to a position that is not the end of a consumed record, the consumer reads headers out of
    /// the middle of records, and moved ahead, it lets producers reuse bytes it will read: the kernel
    /// allows both (the reader just gets garbage). In a model ring, where producers write with plain
    /// memory accesses, that would be a data race, so the caller promises that no producer writes to the
    /// ring from here until the consumer is back on a record boundary that producers published (the
    /// differential tests run single-threaded). On a model ring of a kernel without
    /// [`Rule::RingbufPendingPos`](crate::version::Rule::RingbufPendingPos), moving it past a record still
    /// reserved lets a new reservation overlap that record: the caller also promises that overlapping
    /// samples are written from one thread and never through two [`Sample::as_mut_slice`] borrows at once
    /// ([`Sample::write`] and the dynptrs are fine). For a kernel ring this is as safe as libbpf.
    ///
    /// [`Sample::as_mut_slice`]: super::Sample::as_mut_slice
    /// [`Sample::write`]: super::Sample::write
    pub unsafe fn set_consumer_pos(&mut self, pos: u64) {
        self.mem.consumer_pos().store(pos, Ordering::Release);
    }

    /// libbpf's `ringbuf_process_ring()`: hands up to `max` committed records to `f`, in order, and moves
    /// `consumer_pos` past each record (discarded ones included) right after it. Stops at the first
    /// busy record, when the ring is empty, or when `f` returns a negative value (the record counts as
    /// consumed and that value is returned as the error). Returns the number of records handed to `f`.
    ///
    /// Where this departs from libbpf: a header that only user space could have put in the way (after
    /// moving `consumer_pos` by hand) is not followed out of bounds. If `consumer_pos` is not 8-aligned or
    /// the header announces a record larger than the ring, it stops with `Err(-EINVAL)` and leaves
    /// `consumer_pos` where it is (libbpf would read past the mapping).
    ///
    /// ```
    /// use bpf_model::ringbuf::RingBuf;
    /// use bpf_model::KernelProfile;
    /// let rb = RingBuf::new(&KernelProfile::x86_64_v6_18(), 4096).unwrap();
    /// let first = rb.reserve(1, 0).unwrap();
    /// rb.output(b"second", 0).unwrap();
    /// let mut c = rb.consumer().unwrap();
    /// assert_eq!(c.consume(10, |_| 0), Ok(0), "the first record is still busy");
    /// first.discard(0);
    /// let mut seen = vec![];
    /// assert_eq!(c.consume(10, |r| { seen.push(r.data().to_vec()); 0 }), Ok(1));
    /// assert_eq!(seen, [b"second".to_vec()]);
    /// ```
    pub fn consume<F>(&mut self, max: usize, mut f: F) -> Result<usize, i32>
    where
        F: FnMut(Record<'_>) -> i32,
    {
        let mask = self.mem.mask();
        let mut cnt = 0usize;
        let mut cons = self.mem.consumer_pos().load(Ordering::Acquire);
        loop {
            let mut got_new = false;
            let prod = self.mem.producer_pos().load(Ordering::Acquire);
            while cons < prod {
                if cons % 8 != 0 {
                    return Err(-22);
                }
                let off = (cons & mask) as usize;
                let len = self.mem.header_len(off);
                if len & BPF_RINGBUF_BUSY_BIT != 0 {
                    return Ok(cnt);
                }
                got_new = true;
                let pos = cons;
                let size = len_size(len);
                if record_footprint(u64::from(size)) > mask + 1 {
                    return Err(-22);
                }
                cons += record_footprint(u64::from(size));
                if len & BPF_RINGBUF_DISCARD_BIT == 0 {
                    let rec = self.record(pos, off + 8, size as usize);
                    let err = f(rec);
                    if err < 0 {
                        self.mem.consumer_pos().store(cons, Ordering::Release);
                        return Err(err);
                    }
                    cnt += 1;
                }
                self.mem.consumer_pos().store(cons, Ordering::Release);
                if cnt >= max {
                    return Ok(cnt);
                }
            }
            if !got_new {
                return Ok(cnt);
            }
        }
    }

    /// Like [`consume`](Self::consume), but stores `consumer_pos` once, after the batch, instead of after
    /// every record: producers see the space freed a little later, and the consumer's cache line is
    /// written once per batch instead of once per record. Stops at the first busy record or after `max`
    /// records; `f` cannot fail.
    ///
    /// ```
    /// use bpf_model::ringbuf::RingBuf;
    /// use bpf_model::KernelProfile;
    /// let rb = RingBuf::new(&KernelProfile::x86_64_v6_18(), 4096).unwrap();
    /// for i in 0..3u8 {
    ///     rb.output(&[i], 0).unwrap();
    /// }
    /// let mut c = rb.consumer().unwrap();
    /// assert_eq!(c.consume_batch(2, |_| ()), 2);
    /// assert_eq!(rb.consumer_pos(), 32);
    /// ```
    pub fn consume_batch<F>(&mut self, max: usize, mut f: F) -> usize
    where
        F: FnMut(Record<'_>),
    {
        let mask = self.mem.mask();
        let start = self.mem.consumer_pos().load(Ordering::Acquire);
        let mut cons = start;
        let mut cnt = 0usize;
        let prod = self.mem.producer_pos().load(Ordering::Acquire);
        while cons < prod && cnt < max && cons % 8 == 0 {
            let off = (cons & mask) as usize;
            let len = self.mem.header_len(off);
            let size = len_size(len);
            if len & BPF_RINGBUF_BUSY_BIT != 0 || record_footprint(u64::from(size)) > mask + 1 {
                break;
            }
            let pos = cons;
            cons += record_footprint(u64::from(size));
            if len & BPF_RINGBUF_DISCARD_BIT == 0 {
                f(self.record(pos, off + 8, size as usize));
                cnt += 1;
            }
        }
        if cons != start {
            self.mem.consumer_pos().store(cons, Ordering::Release);
        }
        cnt
    }

    #[cfg(not(loom))]
    #[inline]
    fn record(&self, pos: u64, off: usize, len: usize) -> Record<'_> {
        // SAFETY: the header at `pos` was read committed (acquire), and this consumer has not moved
        // `consumer_pos` past it, so no producer writes these bytes while the record is borrowed (the
        // record borrows `self`, and only `&mut self` moves the position).
        Record { pos, data: unsafe { self.mem.payload(off, len) } }
    }

    #[cfg(loom)]
    #[inline]
    fn record(&self, pos: u64, off: usize, len: usize) -> Record<'_> {
        Record { pos, data: self.mem.payload_copy(off, len), _ring: std::marker::PhantomData }
    }

    /// Whether the record at `consumer_pos` is committed, after a full barrier (the check a consumer makes
    /// before it sleeps).
    fn ready(&self) -> bool {
        fence(Ordering::SeqCst);
        let cons = self.mem.consumer_pos().load(Ordering::Acquire);
        let prod = self.mem.producer_pos().load(Ordering::Acquire);
        cons < prod && self.mem.header_len((cons & self.mem.mask()) as usize) & BPF_RINGBUF_BUSY_BIT == 0
    }

    /// Blocks until a commit wakes the consumer (or `timeout` passes), unless the next record is already
    /// committed. Returns false on timeout. A commit with `BPF_RB_NO_WAKEUP`, or one made while the
    /// consumer was behind, does not wake it, as in the kernel.
    pub fn wait(&self, timeout: Option<Duration>) -> bool {
        self.mem.wait(&|| self.ready(), timeout)
    }
}

impl<M: RingMemory> Drop for Consumer<M> {
    fn drop(&mut self) {
        self.mem.release();
    }
}

// SAFETY: positions and mask are the ring's; headers are loaded with acquire; the data area is `2 * size`
// bytes and a record's bytes are contiguous in it (see `RingBuf`); `RingBuf::consumer()` hands out one
// consumer at a time.
unsafe impl RingMemory for &RingBuf {
    #[inline]
    fn mask(&self) -> u64 {
        self.mask
    }

    #[inline]
    fn consumer_pos(&self) -> &AtomicU64 {
        &self.consumer_pos
    }

    #[inline]
    fn producer_pos(&self) -> &AtomicU64 {
        &self.prod.producer_pos
    }

    #[inline]
    fn header_len(&self, off: usize) -> u32 {
        word_len(self.words.load(off, Ordering::Acquire))
    }

    #[cfg(not(loom))]
    #[inline]
    unsafe fn payload(&self, off: usize, len: usize) -> &[u8] {
        let size = (self.mask + 1) as usize;
        if off + len > size {
            // A wrapping record: its commit made the copy past the end equal to the start of the area.
            // A record found after `consumer_pos` was moved by hand was never committed as such, so make
            // the copy again: the kernel's double mapping always shows the start of the area there.
            // SAFETY: in bounds; the bytes belong to the committed, unconsumed record (caller), so no
            // producer accesses them, and the copy past the end is only read through this record.
            unsafe { self.words.copy(0, size, off + len - size) }
        }
        // SAFETY: in bounds of the 2 * size area (off < size, len < size), and committed (caller).
        unsafe { self.words.slice(off, len) }
    }

    #[cfg(loom)]
    fn payload_copy(&self, off: usize, len: usize) -> Vec<u8> {
        let mut v = vec![0u8; len];
        // SAFETY: in bounds; committed and published to this thread (caller).
        unsafe { self.words.read_bytes(off, &mut v) };
        v
    }

    fn wait(&self, ready: &dyn Fn() -> bool, timeout: Option<Duration>) -> bool {
        self.notifier.wait(ready, timeout)
    }

    fn release(&self) {
        self.release_consumer();
    }
}

/// The model's `rb->waitq` and `irq_work`: a commit that decides to wake bumps an epoch under a mutex and
/// notifies a condition variable, but only when a consumer announced that it sleeps.
pub(crate) struct Notifier {
    epoch: Mutex<u64>,
    cv: Condvar,
    sleepers: AtomicU64,
    wakeups: AtomicU64,
}

impl Notifier {
    pub(crate) fn new() -> Notifier {
        Notifier { epoch: Mutex::new(0), cv: Condvar::new(), sleepers: AtomicU64::new(0), wakeups: AtomicU64::new(0) }
    }

    pub(crate) fn wakeups(&self) -> u64 {
        self.wakeups.load(Ordering::Relaxed)
    }

    /// A commit decided to wake. The caller has issued a SeqCst fence after its header store.
    #[inline]
    pub(crate) fn notify(&self) {
        self.wakeups.fetch_add(1, Ordering::Relaxed);
        if self.sleepers.load(Ordering::SeqCst) > 0 {
            let mut e = self.epoch.lock().unwrap_or_else(|p| p.into_inner());
            *e += 1;
            drop(e);
            self.cv.notify_all();
        }
    }

    fn wait(&self, ready: &dyn Fn() -> bool, timeout: Option<Duration>) -> bool {
        self.sleepers.fetch_add(1, Ordering::SeqCst);
        let e0 = *self.epoch.lock().unwrap_or_else(|p| p.into_inner());
        // `ready` begins with a SeqCst fence: after the sleepers increment, before looking at the ring.
        if ready() {
            self.sleepers.fetch_sub(1, Ordering::SeqCst);
            return true;
        }
        let mut g = self.epoch.lock().unwrap_or_else(|p| p.into_inner());
        let mut woke = true;
        while *g == e0 {
            match timeout {
                None => g = self.cv.wait(g).unwrap_or_else(|p| p.into_inner()),
                Some(t) => {
                    let (g2, res) = self.cv.wait_timeout(g, t).unwrap_or_else(|p| p.into_inner());
                    g = g2;
                    if res.timed_out() {
                        woke = *g != e0;
                        break;
                    }
                }
            }
        }
        drop(g);
        self.sleepers.fetch_sub(1, Ordering::SeqCst);
        woke
    }
}
