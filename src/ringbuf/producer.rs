//! The ring buffer object and its producer side: reserve, commit (submit / discard), output, query, and
//! the dynptr helpers.
//!
//! Kernel: `kernel/bpf/ringbuf.c`, `__bpf_ringbuf_reserve()`, `bpf_ringbuf_commit()` and the helpers.
//!
//! Memory orderings, against the consumer's side of the protocol (libbpf's `ringbuf_process_ring()` or
//! this crate's [`Consumer`](super::Consumer)):
//! - the header is written (BUSY) before `producer_pos` is published with **release**; the consumer loads
//!   `producer_pos` with acquire, so it never sees a position whose header it cannot see;
//! - the commit stores the header's new `len` with **release** after every payload write, and the consumer
//!   loads `len` with acquire before it reads the payload;
//! - the commit then issues a **SeqCst fence** before loading `consumer_pos` to decide on a wakeup, and the
//!   consumer issues one between storing `consumer_pos` and re-reading the header before it sleeps
//!   (the kernel's `xchg()` is that full barrier): either the producer sees the consumer waiting at its
//!   record and wakes it, or the consumer sees the committed header and does not sleep;
//! - `consumer_pos` is loaded with **acquire**, pairing with the consumer's release store after it has
//!   finished reading a record, so a producer never writes over bytes the consumer is still reading.

use super::consumer::Notifier;
use super::layout::*;
use crate::sync::{spin_wait, AtomicBool, AtomicU64, Ordering, Words};
use crate::version::{Rule, Rules};
use crate::{Errno, KernelProfile};
use crossbeam_utils::CachePadded;

/// Set in the reservation cursor while a producer scans `pending_pos` on the slow path. Positions are
/// 8-aligned, so bit 0 is free.
const CURSOR_LOCKED: u64 = 1;

/// How many times (1, 2, 4, ... CPU spin hints) a producer backs off, in one reservation, when it finds
/// another producer's claim not yet published or loses the claim's CAS to another producer.
///
/// Claiming at once would queue it behind that claim: both producers would then hand the positions' cache
/// line back and forth and wait for each other's publication on every record (measured on two cores: 5
/// to 7 M records/s for two producers, a tenth of one producer alone). Backing off instead lets the other
/// producer stream. A lost CAS backs off for the same reason (as crossbeam's `ArrayQueue` does); it
/// lifted two producers from 11-22 to 21-24 M records/s in the same rounds. The backoff only delays (it
/// reads, it writes nothing), so it is left out under loom, whose interleavings it would only multiply.
const CLAIM_BACKOFF_STEPS: u32 = if cfg!(loom) { 0 } else { 8 };

/// How many times a producer then yields its CPU, still behind an unpublished claim, before it claims
/// anyway.
///
/// A claim behind an unpublished one cannot be published before it, so claiming early gains nothing, and
/// it makes this producer a link in the chain: preempted after its claim, it holds up every later
/// producer. When the earlier claim stays unpublished through the spinning backoff, its producer has most
/// likely lost its CPU, perhaps to this very thread, so this one yields. With more threads than CPUs (two
/// producers and a consumer on two CPUs, `benches/ringbuf.rs`), two producers went from 0.35-0.67 of one
/// producer's rate to 0.87-1.01 (4 yields gave 0.86-0.88). After the last yield the producer claims
/// anyway, so no claim waits for another producer without bound. Left out under loom, like the backoff.
const CLAIM_YIELDS: u32 = if cfg!(loom) { 0 } else { 16 };

/// One step of the claim's backoff: `2^step` CPU spin hints for the first [`CLAIM_BACKOFF_STEPS`] steps,
/// then a yield of the CPU.
#[inline]
fn back_off(step: &mut u32) {
    if *step < CLAIM_BACKOFF_STEPS {
        for _ in 0..1u32 << *step {
            std::hint::spin_loop();
        }
    } else {
        std::thread::yield_now();
    }
    *step += 1;
}

/// How producers claim space.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ReserveMode {
    /// Compare-and-swap on a reservation cursor, no lock (the default).
    LockFree,
    /// The kernel's algorithm: the whole reservation under one spinlock. For comparison (benchmarks).
    Spinlock,
}

/// What producers write: the producer page's two positions and the reservation cursor, together on one
/// cache line, since a reservation touches all three.
pub(crate) struct Positions {
    /// The producer page's `producer_pos`.
    pub(crate) producer_pos: AtomicU64,
    /// The producer page's `pending_pos` (v6.10+): the oldest record that may still be BUSY.
    pub(crate) pending_pos: AtomicU64,
    /// The reservation cursor (lock-free mode): the end of the last claimed record, with
    /// [`CURSOR_LOCKED`] set while a producer takes the slow path. `producer_pos` catches up with it once
    /// every claimed header is written.
    pub(crate) reserve_pos: AtomicU64,
}

/// A ring buffer map, `BPF_MAP_TYPE_RINGBUF` (the producer side is BPF programs, the consumer user space).
///
/// Producers call [`reserve`](RingBuf::reserve), [`output`](RingBuf::output) and friends through a shared
/// reference from any number of threads; one [`Consumer`](super::Consumer) at a time reads it.
pub struct RingBuf {
    pub(crate) ty: RingType,
    pub(crate) page_size: u32,
    /// `PAGE_SHIFT` (the page size is a power of two: [`check_create`]).
    page_shift: u32,
    pub(crate) mask: u64,
    /// The rules of the kernel the ring was made for.
    rules: Rules,
    /// `Rule::RingbufPendingPos`: whether reservations track and respect `pending_pos`.
    pending: bool,
    mode: ReserveMode,
    /// The consumer page's `consumer_pos`.
    pub(crate) consumer_pos: CachePadded<AtomicU64>,
    /// The producers' positions, on one cache line.
    pub(crate) prod: CachePadded<Positions>,
    /// The whole reservation, in spinlock mode.
    lock: CachePadded<AtomicBool>,
    /// `2 * size` bytes: the data area and the copy that keeps wrapping records contiguous.
    pub(crate) words: Words,
    pub(crate) notifier: Notifier,
    consumer_taken: AtomicBool,
    /// `rb->busy` of a USER_RINGBUF: one drain at a time.
    #[cfg_attr(loom, allow(dead_code))]
    pub(crate) drain_busy: AtomicBool,
}

impl std::fmt::Debug for RingBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RingBuf")
            .field("type", &self.ty)
            .field("size", &(self.mask + 1))
            .field("consumer_pos", &self.consumer_pos.load(Ordering::Relaxed))
            .field("producer_pos", &self.prod.producer_pos.load(Ordering::Relaxed))
            .field("pending_pos", &self.prod.pending_pos.load(Ordering::Relaxed))
            .finish()
    }
}

impl RingBuf {
    /// `BPF_MAP_CREATE` for a ring buffer map of `ty`, with the kernel's checks ([`check_create`]) and
    /// `ENOMEM` when the model cannot allocate the data (it allocates `2 * max_entries` bytes).
    ///
    /// The ring behaves as the profile's kernel's for its whole life ([`rules`](Self::rules)). A profile
    /// whose version the model does not speak for ([`KernelProfile::rules`]) is refused with `EINVAL`.
    ///
    /// A RINGBUF with [`BPF_F_RB_OVERWRITE`], which a 6.19+ kernel creates, is refused with `EOPNOTSUPP`:
    /// the model has no overwrite mode yet (what the kernel's map creation answers is [`check_create`]).
    pub fn create(
        profile: &KernelProfile,
        ty: RingType,
        map_flags: u32,
        key_size: u32,
        value_size: u32,
        max_entries: u32,
    ) -> Result<RingBuf, Errno> {
        check_create(profile, ty, map_flags, key_size, value_size, max_entries)?;
        if map_flags & BPF_F_RB_OVERWRITE != 0 {
            // The kernel accepts it (6.19+); the model's rings do not overwrite yet.
            return Err(Errno::EOPNOTSUPP);
        }
        RingBuf::alloc(profile, ty, max_entries, ReserveMode::LockFree)
    }

    /// A `BPF_MAP_TYPE_RINGBUF` of `max_entries` data bytes (no flags), lock-free.
    ///
    /// ```
    /// use bpf_model::ringbuf::RingBuf;
    /// use bpf_model::{Errno, KernelProfile};
    /// let p = KernelProfile::x86_64_v6_18();
    /// assert!(RingBuf::new(&p, 8192).is_ok());
    /// assert_eq!(RingBuf::new(&p, 0).unwrap_err(), Errno::EINVAL);
    /// ```
    pub fn new(profile: &KernelProfile, max_entries: u32) -> Result<RingBuf, Errno> {
        RingBuf::create(profile, RingType::Ringbuf, 0, 0, 0, max_entries)
    }

    /// A `BPF_MAP_TYPE_RINGBUF` whose producers claim space as `mode` says.
    pub fn with_mode(profile: &KernelProfile, max_entries: u32, mode: ReserveMode) -> Result<RingBuf, Errno> {
        check_create(profile, RingType::Ringbuf, 0, 0, 0, max_entries)?;
        RingBuf::alloc(profile, RingType::Ringbuf, max_entries, mode)
    }

    pub(crate) fn alloc(
        profile: &KernelProfile,
        ty: RingType,
        max_entries: u32,
        mode: ReserveMode,
    ) -> Result<RingBuf, Errno> {
        let rules = profile.rules().map_err(|_| Errno::EINVAL)?;
        if !page_size_ok(profile.page_size) || !max_entries.is_power_of_two() {
            return Err(Errno::EINVAL);
        }
        let words = Words::new(max_entries as usize / 4).ok_or(Errno::ENOMEM)?;
        Ok(RingBuf {
            ty,
            page_size: profile.page_size,
            page_shift: profile.page_size.trailing_zeros(),
            mask: u64::from(max_entries) - 1,
            rules,
            pending: rules.has(Rule::RingbufPendingPos),
            mode,
            consumer_pos: CachePadded::new(AtomicU64::new(0)),
            prod: CachePadded::new(Positions {
                producer_pos: AtomicU64::new(0),
                pending_pos: AtomicU64::new(0),
                reserve_pos: AtomicU64::new(0),
            }),
            lock: CachePadded::new(AtomicBool::new(false)),
            words,
            notifier: Notifier::new(),
            consumer_taken: AtomicBool::new(false),
            drain_busy: AtomicBool::new(false),
        })
    }

    /// The map type.
    pub fn ring_type(&self) -> RingType {
        self.ty
    }

    /// The rules of the kernel this ring was made for.
    pub fn rules(&self) -> Rules {
        self.rules
    }

    /// The data size (`max_entries`, `mask + 1`).
    pub fn size(&self) -> u64 {
        self.mask + 1
    }

    /// `consumer_pos`, as user space reads it from the consumer page.
    pub fn consumer_pos(&self) -> u64 {
        self.consumer_pos.load(Ordering::Acquire)
    }

    /// `producer_pos`, as user space reads it from the producer page.
    pub fn producer_pos(&self) -> u64 {
        self.prod.producer_pos.load(Ordering::Acquire)
    }

    /// `pending_pos`, as user space reads it from the producer page (offset 8). A kernel without
    /// `Rule::RingbufPendingPos` has no such field: the zeroed page reads 0 there, and so does this.
    pub fn pending_pos(&self) -> u64 {
        self.prod.pending_pos.load(Ordering::Acquire)
    }

    /// How many commits so far decided to wake the consumer (the kernel's `irq_work_queue()` calls).
    pub fn wakeups(&self) -> u64 {
        self.notifier.wakeups()
    }

    /// The consumer page as user space maps it: `page_size` bytes, `consumer_pos` at offset 0, the rest 0.
    ///
    /// ```
    /// use bpf_model::ringbuf::RingBuf;
    /// use bpf_model::KernelProfile;
    /// let mut rb = RingBuf::new(&KernelProfile::x86_64_v6_18(), 4096).unwrap();
    /// rb.output(b"abc", 0).unwrap();
    /// rb.consumer().unwrap().consume(1, |_| 0).unwrap();
    /// let page = rb.consumer_page();
    /// assert_eq!(page.len(), 4096);
    /// assert_eq!(page[..8], 16u64.to_ne_bytes());
    /// assert!(page[8..].iter().all(|&b| b == 0));
    /// ```
    pub fn consumer_page(&mut self) -> Vec<u8> {
        // The page size is a power of two of at least 16 bytes (`check_create`).
        let mut page = vec![0u8; self.page_size as usize];
        page[..8].copy_from_slice(&self.consumer_pos().to_ne_bytes());
        page
    }

    /// The producer page: `producer_pos` at 0, `pending_pos` at 8 (0 on a kernel without it).
    pub fn producer_page(&mut self) -> Vec<u8> {
        let mut page = vec![0u8; self.page_size as usize];
        page[..8].copy_from_slice(&self.producer_pos().to_ne_bytes());
        page[PENDING_POS_OFFSET..PENDING_POS_OFFSET + 8].copy_from_slice(&self.pending_pos().to_ne_bytes());
        page
    }

    /// The data area, byte for byte as the kernel holds it (headers included). Needs `&mut self`, so that
    /// no producer is writing.
    pub fn data_image(&mut self) -> Vec<u8> {
        self.words.snapshot(0, (self.mask + 1) as usize)
    }

    /// Takes the ring's one consumer; `None` while another [`Consumer`](super::Consumer) of it lives.
    pub fn consumer(&self) -> Option<super::Consumer<&RingBuf>> {
        self.consumer_taken
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .ok()
            .map(|_| super::Consumer::new(self))
    }

    pub(crate) fn release_consumer(&self) {
        self.consumer_taken.store(false, Ordering::Release);
    }

    /// Offset of position `pos` in the data area.
    #[inline]
    pub(crate) fn off(&self, pos: u64) -> usize {
        (pos & self.mask) as usize
    }

    /// Walks `pending_pos` forward over committed records up to `prod`, as the kernel does before every
    /// space check. Returns the new value. A kernel without `Rule::RingbufPendingPos` has no such walk:
    /// `pending_pos` stays 0.
    #[inline]
    fn scan_pending(&self, mut pend: u64, prod: u64) -> u64 {
        if !self.pending {
            return pend;
        }
        while pend < prod {
            let len = word_len(self.words.load(self.off(pend), Ordering::Acquire));
            if len & BPF_RINGBUF_BUSY_BIT != 0 {
                break;
            }
            pend += record_footprint(u64::from(len & !BPF_RINGBUF_DISCARD_BIT));
        }
        pend
    }

    /// The kernel's space check: the new end at most `mask` bytes past `consumer_pos` and (with
    /// `Rule::RingbufPendingPos`) past `pending_pos`.
    ///
    /// Without the rule the kernel checks `consumer_pos` alone: once user space has moved `consumer_pos`
    /// past a record that is still BUSY, a reservation may take the bytes of that record (its header
    /// included) while its producer still writes them, and that producer's commit then flips the BUSY bit
    /// of whatever header lies at its old position. The model does the same.
    #[inline]
    fn fits(&self, new_prod: u64, cons: u64, pend: u64) -> bool {
        new_prod.wrapping_sub(cons) <= self.mask && (!self.pending || new_prod.wrapping_sub(pend) <= self.mask)
    }

    /// `__bpf_ringbuf_reserve()`: claims a record of `size` payload bytes, writes its BUSY header and
    /// publishes it. Returns its position, or `None` where the kernel returns NULL.
    ///
    /// Checks, in the kernel's order:
    /// 1. `size > RINGBUF_MAX_RECORD_SZ` → NULL;
    /// 2. `round_up(size + 8, 8) > size of the ring` → NULL;
    /// 3. `consumer_pos` is read (acquire), once;
    /// 4. `pending_pos` is advanced over committed records;
    /// 5. `new_prod - consumer_pos > mask` or `new_prod - pending_pos > mask` → NULL.
    ///
    /// Lock-free, steps 4 and 5 are split (see [`claim`](Self::claim)): the claim checks against the
    /// stored `pending_pos`, which only lags the kernel's freshly scanned value, so a claim that passes
    /// would pass in the kernel too; `pending_pos` is then advanced in [`publish`](Self::publish), where
    /// the kernel would have advanced it, and a claim that does not pass takes the kernel's way.
    #[inline(always)]
    pub(crate) fn reserve_raw(&self, size: u64) -> Option<u64> {
        if size > RINGBUF_MAX_RECORD_SZ {
            return None;
        }
        let len = record_footprint(size);
        if len > self.mask + 1 {
            return None;
        }
        let cons = self.consumer_pos.load(Ordering::Acquire);
        let start = match self.mode {
            ReserveMode::LockFree => self.claim(cons, len)?,
            ReserveMode::Spinlock => return self.reserve_locked(cons, size, len),
        };
        self.write_busy_header(start, size);
        self.publish(start, start + len);
        Some(start)
    }

    /// Writes the header of a new record at `pos`: `size` with BUSY, and its page offset. Published by
    /// the release store of `producer_pos` that follows.
    #[inline(always)]
    fn write_busy_header(&self, pos: u64, size: u64) {
        let off = self.off(pos);
        let hdr = header_word(size as u32 | BPF_RINGBUF_BUSY_BIT, rec_pg_off_shift(self.page_shift, off as u64));
        self.words.store(off, hdr, Ordering::Relaxed);
    }

    /// The lock-free claim: one CAS on the reservation cursor, when the stored positions show room.
    ///
    /// `consumer_pos` and `pending_pos` only move forward, so a check that passes against the values
    /// loaded here passes against the kernel's fresh ones. Behind another producer's unpublished claim it
    /// backs off, then yields ([`CLAIM_BACKOFF_STEPS`], [`CLAIM_YIELDS`]); after losing the CAS it backs
    /// off. When it does not pass, the ring may be full or merely `pending_pos` stale:
    /// [`claim_scanned`](Self::claim_scanned) decides as the kernel does.
    #[inline(always)]
    fn claim(&self, cons: u64, len: u64) -> Option<u64> {
        let mut step = 0u32;
        let mut backoff = 0u32;
        loop {
            let start = self.prod.reserve_pos.load(Ordering::Acquire);
            if start & CURSOR_LOCKED != 0 {
                spin_wait(&mut step);
                continue;
            }
            if backoff < CLAIM_BACKOFF_STEPS + CLAIM_YIELDS && self.prod.producer_pos.load(Ordering::Acquire) != start {
                back_off(&mut backoff);
                continue;
            }
            let new_prod = start + len;
            if self.fits(new_prod, cons, self.prod.pending_pos.load(Ordering::Acquire)) {
                if self
                    .prod
                    .reserve_pos
                    .compare_exchange_weak(start, new_prod, Ordering::AcqRel, Ordering::Relaxed)
                    .is_ok()
                {
                    return Some(start);
                }
                // Another producer claimed first.
                if backoff < CLAIM_BACKOFF_STEPS {
                    back_off(&mut backoff);
                }
                continue;
            }
            if self
                .prod
                .reserve_pos
                .compare_exchange(start, start | CURSOR_LOCKED, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                return self.claim_scanned(cons, start, len);
            }
        }
    }

    /// The slow claim, with the cursor locked: waits until every earlier claim is published, advances
    /// `pending_pos` as the kernel does, checks, and unlocks the cursor, past the new record if it fits.
    ///
    /// Holding the cursor and the publication turn, this producer is the only one that writes
    /// `pending_pos` or a header, so the headers it scans are the current lap's.
    #[cold]
    fn claim_scanned(&self, cons: u64, start: u64, len: u64) -> Option<u64> {
        // The deliberately broken variant skips this wait too (see `publish`).
        #[cfg(not(ringbuf_broken))]
        self.wait_turn(start);
        let pend = self.scan_pending(self.prod.pending_pos.load(Ordering::Relaxed), start);
        self.prod.pending_pos.store(pend, Ordering::Release);
        let new_prod = start + len;
        let fits = self.fits(new_prod, cons, pend);
        self.prod.reserve_pos.store(if fits { new_prod } else { start }, Ordering::Release);
        fits.then_some(start)
    }

    /// Waits until every reservation before `start` is published: then `producer_pos == start` and this
    /// producer holds the publication turn.
    #[inline]
    #[cfg_attr(ringbuf_broken, allow(dead_code))] // the broken variant never waits
    fn wait_turn(&self, start: u64) {
        let mut step = 0u32;
        while self.prod.producer_pos.load(Ordering::Acquire) != start {
            spin_wait(&mut step);
        }
    }

    /// Publishes `producer_pos = end` once every earlier reservation is published (reservation order is
    /// visibility order), advancing `pending_pos` first, as the kernel's reservation would have.
    ///
    /// Publication turns are taken one at a time, in reservation order, each beginning with an acquire
    /// load of the previous turn's release store: so turns write `pending_pos` without an atomic
    /// read-modify-write, and the headers a turn scans (below `start`) are the current lap's (a claim
    /// overwrites only bytes below a `pending_pos` that an earlier turn stored, and this turn starts from
    /// that value or a later one).
    #[inline(always)]
    fn publish(&self, start: u64, end: u64) {
        #[cfg(not(ringbuf_broken))]
        self.wait_turn(start);
        // The deliberately broken variant publishes without waiting for earlier producers, so a consumer
        // may read the header of a record whose producer has not written it yet. The loom tests catch it.
        let pend = self.prod.pending_pos.load(Ordering::Relaxed);
        let scanned = self.scan_pending(pend, start);
        if scanned != pend {
            self.prod.pending_pos.store(scanned, Ordering::Release);
        }
        #[cfg(not(ringbuf_broken))]
        self.prod.producer_pos.store(end, Ordering::Release);
        #[cfg(ringbuf_broken)]
        self.prod.producer_pos.fetch_max(end, Ordering::Release);
    }

    /// The kernel's algorithm: everything under one lock.
    fn reserve_locked(&self, cons: u64, size: u64, len: u64) -> Option<u64> {
        let mut step = 0u32;
        while self.lock.compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
            spin_wait(&mut step);
        }
        let prod = self.prod.producer_pos.load(Ordering::Relaxed);
        let pend = self.scan_pending(self.prod.pending_pos.load(Ordering::Relaxed), prod);
        self.prod.pending_pos.store(pend, Ordering::Release);
        let new_prod = prod + len;
        let ok = self.fits(new_prod, cons, pend);
        if ok {
            self.write_busy_header(prod, size);
            self.prod.reserve_pos.store(new_prod, Ordering::Relaxed);
            self.prod.producer_pos.store(new_prod, Ordering::Release);
        }
        self.lock.store(false, Ordering::Release);
        ok.then_some(prod)
    }

    /// The sample at `pos`: copies the bytes a wrapping record will cover into the contiguous copy.
    #[inline(always)]
    fn sample_at(&self, pos: u64, size: u32) -> Sample<'_> {
        let off = self.off(pos);
        let end = off + 8 + size as usize;
        let data_size = (self.mask + 1) as usize;
        if end > data_size {
            self.wrap_reserved(end - data_size);
        }
        Sample { rb: self, pos, size }
    }

    /// The rare part of [`sample_at`](Self::sample_at), out of line so that the hot path stays small: a
    /// wrapping record's copy past the end gets the bytes the kernel's double mapping would show there.
    #[cold]
    #[inline(never)]
    fn wrap_reserved(&self, n: usize) {
        // SAFETY: bytes 0..n and size..size+n belong to this reservation alone (no other producer can
        // claim them and the consumer does not read them before the commit); both ranges are in bounds of
        // the 2 * size area (n < size).
        unsafe { self.words.copy(0, (self.mask + 1) as usize, n) }
    }

    /// The rare part of [`commit`](Self::commit): copies a wrapping record's tail (`n` bytes past the end
    /// of the area) to the start of the area, before the header store publishes it.
    #[cold]
    #[inline(never)]
    fn wrap_committed(&self, n: usize) {
        // SAFETY: the wrapped tail belongs to this reservation until the header store publishes it; both
        // ranges are in bounds of the 2 * size area (n < size).
        unsafe { self.words.copy((self.mask + 1) as usize, 0, n) }
    }

    /// `bpf_ringbuf_commit()`: clears BUSY (and sets DISCARD), then the wakeup rule. Returns whether the
    /// commit wakes the consumer.
    ///
    /// Wakeup, in the kernel's order: `flags & BPF_RB_FORCE_WAKEUP` → wake; else
    /// `(consumer_pos & mask) == record offset && !(flags & BPF_RB_NO_WAKEUP)` → wake. Other flag bits are
    /// ignored.
    #[inline(always)]
    ///
    /// `size` is the sample's payload size as reserved: the wrapped tail to copy is the sample's own, not
    /// what its header says now (on a kernel without `Rule::RingbufPendingPos`, a later reservation may
    /// have overwritten that header).
    pub(crate) fn commit(&self, pos: u64, size: u32, flags: u64, discard: bool) -> bool {
        let off = self.off(pos);
        let w = self.words.load(off, Ordering::Relaxed);
        let size = size as usize;
        let data_size = (self.mask + 1) as usize;
        if off + 8 + size > data_size {
            self.wrap_committed(off + 8 + size - data_size);
        }
        let mut new_len = word_len(w) ^ BPF_RINGBUF_BUSY_BIT;
        if discard {
            new_len |= BPF_RINGBUF_DISCARD_BIT;
        }
        self.words.store(off, header_word(new_len, word_pg_off(w)), Ordering::Release);
        crate::sync::fence(Ordering::SeqCst);
        let cons = self.consumer_pos.load(Ordering::Acquire) & self.mask;
        let wake = flags & BPF_RB_FORCE_WAKEUP != 0 || (cons == off as u64 && flags & BPF_RB_NO_WAKEUP == 0);
        if wake {
            self.notifier.notify();
        }
        wake
    }

    /// `bpf_ringbuf_reserve(map, size, flags)`.
    ///
    /// Kernel: `kernel/bpf/ringbuf.c`, `bpf_ringbuf_reserve()`. `flags != 0` → NULL (`None`), then
    /// `__bpf_ringbuf_reserve()`: `size > RINGBUF_MAX_RECORD_SZ` → NULL; the record does not fit the whole
    /// ring → NULL; the new end more than `size - 1` past `consumer_pos` or past `pending_pos` → NULL.
    ///
    /// ```
    /// use bpf_model::ringbuf::RingBuf;
    /// use bpf_model::KernelProfile;
    /// let rb = RingBuf::new(&KernelProfile::x86_64_v6_18(), 4096).unwrap();
    /// assert!(rb.reserve(4096 - 8, 0).is_none(), "a record may not fill the ring");
    /// assert!(rb.reserve(8, 1).is_none(), "flags must be 0");
    /// let s = rb.reserve(4096 - 16, 0).expect("the largest record");
    /// assert!(rb.reserve(0, 0).is_none(), "full");
    /// s.discard(0);
    /// ```
    #[inline(always)]
    pub fn reserve(&self, size: u64, flags: u64) -> Option<Sample<'_>> {
        if flags != 0 {
            return None;
        }
        let pos = self.reserve_raw(size)?;
        Some(self.sample_at(pos, size as u32))
    }

    /// `bpf_ringbuf_output(map, data, size, flags)`: reserve, copy, commit. Returns whether the commit woke
    /// the consumer.
    ///
    /// Kernel: `kernel/bpf/ringbuf.c`, `bpf_ringbuf_output()`. Checks, in order:
    /// 1. `flags & ~(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP)` → `EINVAL`;
    /// 2. the reservation fails → `EAGAIN`;
    /// 3. copy, commit → 0.
    ///
    /// ```
    /// use bpf_model::ringbuf::RingBuf;
    /// use bpf_model::{Errno, KernelProfile};
    /// let rb = RingBuf::new(&KernelProfile::x86_64_v6_18(), 4096).unwrap();
    /// assert_eq!(rb.output(&[0; 4], 4), Err(Errno::EINVAL));
    /// assert_eq!(rb.output(&[0; 4096], 0), Err(Errno::EAGAIN));
    /// assert_eq!(rb.bpf_ringbuf_output(&[], 0), 0);
    /// ```
    pub fn output(&self, data: &[u8], flags: u64) -> Result<bool, Errno> {
        if flags & !(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP) != 0 {
            return Err(Errno::EINVAL);
        }
        let mut s = self.reserve(data.len() as u64, 0).ok_or(Errno::EAGAIN)?;
        s.write(0, data);
        Ok(s.submit(flags))
    }

    /// The kernel ABI face of [`output`](Self::output): 0 or `-errno`.
    pub fn bpf_ringbuf_output(&self, data: &[u8], flags: u64) -> i64 {
        Errno::ret_of(self.output(data, flags).map(|_| 0i64))
    }

    /// `bpf_ringbuf_query(map, flags)`.
    ///
    /// Kernel: `kernel/bpf/ringbuf.c`, `bpf_ringbuf_query()`: `BPF_RB_AVAIL_DATA` → `producer_pos -
    /// consumer_pos` (busy and discarded records, headers and padding included); `BPF_RB_RING_SIZE` → the
    /// data size; `BPF_RB_CONS_POS` / `BPF_RB_PROD_POS` → the positions; anything else → 0 (no error).
    ///
    /// ```
    /// use bpf_model::ringbuf::*;
    /// use bpf_model::KernelProfile;
    /// let rb = RingBuf::new(&KernelProfile::x86_64_v6_18(), 4096).unwrap();
    /// rb.output(&[1, 2, 3], BPF_RB_NO_WAKEUP).unwrap();
    /// assert_eq!(rb.query(BPF_RB_AVAIL_DATA), 16);
    /// assert_eq!(rb.query(BPF_RB_RING_SIZE), 4096);
    /// assert_eq!(rb.query(BPF_RB_PROD_POS), 16);
    /// assert_eq!(rb.query(4), 0);
    /// ```
    pub fn query(&self, flags: u64) -> u64 {
        match flags {
            BPF_RB_AVAIL_DATA => {
                let cons = self.consumer_pos.load(Ordering::Acquire);
                self.prod.producer_pos.load(Ordering::Acquire).wrapping_sub(cons)
            }
            BPF_RB_RING_SIZE => self.mask + 1,
            BPF_RB_CONS_POS => self.consumer_pos.load(Ordering::Acquire),
            BPF_RB_PROD_POS => self.prod.producer_pos.load(Ordering::Acquire),
            _ => 0,
        }
    }

    /// `bpf_ringbuf_reserve_dynptr(map, size, flags, ptr)`: a RINGBUF dynptr over a new sample.
    ///
    /// Kernel: `kernel/bpf/ringbuf.c`, `bpf_ringbuf_reserve_dynptr()`. Checks, in order:
    /// 1. `flags != 0` → `EINVAL` (the dynptr is set null);
    /// 2. `size > DYNPTR_MAX_SIZE` → `E2BIG` (null);
    /// 3. the reservation fails → `EINVAL` (null; not `ENOSPC`, not `EAGAIN`);
    /// 4. a RINGBUF dynptr, offset 0, `size` bytes → 0.
    ///
    /// The safe face returns the error alone: releasing a null dynptr is a no-op, so there is nothing to
    /// release. [`bpf_ringbuf_reserve_dynptr`](Self::bpf_ringbuf_reserve_dynptr) is the ABI face.
    ///
    /// ```
    /// use bpf_model::ringbuf::RingBuf;
    /// use bpf_model::{Errno, KernelProfile};
    /// let rb = RingBuf::new(&KernelProfile::x86_64_v6_18(), 4096).unwrap();
    /// assert_eq!(rb.reserve_dynptr(8, 1).unwrap_err(), Errno::EINVAL);
    /// assert_eq!(rb.reserve_dynptr(1 << 24, 0).unwrap_err(), Errno::E2BIG);
    /// assert_eq!(rb.reserve_dynptr(4096, 0).unwrap_err(), Errno::EINVAL);
    /// let d = rb.reserve_dynptr(4, 0).unwrap();
    /// d.dynptr().write(0, b"abcd", 0).unwrap();
    /// d.submit(0);
    /// ```
    #[cfg(not(loom))]
    pub fn reserve_dynptr(&self, size: u32, flags: u64) -> Result<RingDynptr<'_>, Errno> {
        if flags != 0 {
            return Err(Errno::EINVAL);
        }
        crate::dynptr::check_size(size)?;
        let pos = self.reserve_raw(u64::from(size)).ok_or(Errno::EINVAL)?;
        let sample = self.sample_at(pos, size);
        // SAFETY: the sample's payload belongs to this reservation alone until it is committed, and the
        // cells cannot leave this thread (`Cell` is `!Sync`); `RingDynptr` hands out copies of the dynptr
        // that borrow it, and its submit / discard take it by value, so no copy outlives the reservation.
        let cells = unsafe { self.words.cells(sample.payload_off(), size as usize) };
        Ok(RingDynptr { sample: Some(sample), ptr: crate::dynptr::Dynptr::ringbuf_sample(self.rules(), cells, size) })
    }

    /// The ABI face of [`reserve_dynptr`](Self::reserve_dynptr): the helper's return value and the
    /// dynptr (null on failure), which must be submitted or discarded either way, as the verifier demands.
    #[cfg(not(loom))]
    pub fn bpf_ringbuf_reserve_dynptr(&self, size: u32, flags: u64) -> (i64, RingDynptr<'_>) {
        match self.reserve_dynptr(size, flags) {
            Ok(d) => (0, d),
            Err(e) => (e.to_ret(), RingDynptr { sample: None, ptr: crate::dynptr::Dynptr::null(self.rules()) }),
        }
    }
}

/// A reserved record (`bpf_ringbuf_reserve()`'s non-NULL result): write its payload, then
/// [`submit`](Sample::submit) or [`discard`](Sample::discard) it. Dropping it discards it with flags 0
/// (a BPF program cannot leave a reservation unreleased; the verifier rejects it).
///
/// ```
/// use bpf_model::ringbuf::{RingBuf, BPF_RINGBUF_DISCARD_BIT};
/// use bpf_model::KernelProfile;
/// let mut rb = RingBuf::new(&KernelProfile::x86_64_v6_18(), 4096).unwrap();
/// drop(rb.reserve(4, 0).unwrap());
/// let kept = rb.reserve(4, 0).unwrap();
/// kept.submit(0);
/// let hdr = u32::from_ne_bytes(rb.data_image()[..4].try_into().unwrap());
/// assert_eq!(hdr, BPF_RINGBUF_DISCARD_BIT | 4, "the dropped sample was discarded");
/// let mut c = rb.consumer().unwrap();
/// assert_eq!(c.consume_batch(10, |r| assert_eq!(r.position(), 16)), 1);
/// ```
#[derive(Debug)]
pub struct Sample<'a> {
    rb: &'a RingBuf,
    pos: u64,
    size: u32,
}

impl<'a> Sample<'a> {
    /// The record's position (its header's byte position; the payload starts 8 bytes later).
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// The payload size.
    pub fn size(&self) -> u32 {
        self.size
    }

    #[inline]
    fn payload_off(&self) -> usize {
        self.rb.off(self.pos) + 8
    }

    /// Copies `src` into the payload at `at`, clamped to the payload's end.
    #[inline]
    pub fn write(&mut self, at: usize, src: &[u8]) {
        let size = self.size as usize;
        let at = at.min(size);
        let n = src.len().min(size - at);
        // SAFETY: in bounds of this sample's payload, which only this reservation accesses until commit.
        unsafe { self.rb.words.write_bytes(self.payload_off() + at, &src[..n]) }
    }

    /// The payload, writable. Contiguous also when the record wraps.
    #[cfg(not(loom))]
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        let (off, size) = (self.payload_off(), self.size as usize);
        // SAFETY: the payload is this reservation's alone until commit; `&mut self` makes the borrow
        // unique, and commit takes `self` by value, so the slice cannot outlive the reservation. The memory
        // is interior-mutable (inside the atomics), so writing through a pointer derived from it is allowed.
        unsafe { std::slice::from_raw_parts_mut(self.rb.words.cells(off, size).as_ptr() as *mut u8, size) }
    }

    /// `bpf_ringbuf_submit(sample, flags)`: commits the record. Returns whether the consumer is woken.
    #[inline(always)]
    pub fn submit(self, flags: u64) -> bool {
        let (rb, pos, size) = self.release();
        rb.commit(pos, size, flags, false)
    }

    /// `bpf_ringbuf_discard(sample, flags)`: commits the record with DISCARD. Returns whether the consumer
    /// is woken (discards wake by the same rule).
    #[inline]
    pub fn discard(self, flags: u64) -> bool {
        let (rb, pos, size) = self.release();
        rb.commit(pos, size, flags, true)
    }

    /// Takes the reservation out of the sample without running its drop (which would discard it): a
    /// released sample has no drop code left on the hot path.
    #[inline(always)]
    fn release(self) -> (&'a RingBuf, u64, u32) {
        let this = std::mem::ManuallyDrop::new(self);
        (this.rb, this.pos, this.size)
    }
}

impl Drop for Sample<'_> {
    #[inline]
    fn drop(&mut self) {
        self.rb.commit(self.pos, self.size, 0, true);
    }
}

/// A RINGBUF dynptr from [`RingBuf::reserve_dynptr`]: `bpf_ringbuf_submit_dynptr()` /
/// `bpf_ringbuf_discard_dynptr()` release it. A null one (after a failed reservation) releases as a no-op.
#[cfg(not(loom))]
#[derive(Debug)]
pub struct RingDynptr<'a> {
    sample: Option<Sample<'a>>,
    ptr: crate::dynptr::Dynptr<'a>,
}

#[cfg(not(loom))]
impl RingDynptr<'_> {
    /// The dynptr (a copy that cannot outlive this reservation).
    pub fn dynptr(&self) -> crate::dynptr::Dynptr<'_> {
        self.ptr
    }

    /// Whether the dynptr is null (the reservation failed).
    pub fn is_null(&self) -> bool {
        self.sample.is_none()
    }

    /// `bpf_ringbuf_submit_dynptr(ptr, flags)`: commits `ptr->data` (the sample, whatever the dynptr's
    /// offset) and sets the dynptr null. No-op on a null dynptr. Returns whether the consumer is woken.
    pub fn submit(self, flags: u64) -> bool {
        self.sample.is_some_and(|s| s.submit(flags))
    }

    /// `bpf_ringbuf_discard_dynptr(ptr, flags)`: as submit, with DISCARD.
    pub fn discard(self, flags: u64) -> bool {
        self.sample.is_some_and(|s| s.discard(flags))
    }
}
