//! `BPF_MAP_TYPE_USER_RINGBUF`: user space produces, a BPF program drains.
//!
//! Kernel: `kernel/bpf/ringbuf.c`, `__bpf_user_ringbuf_peek()`, `bpf_user_ringbuf_drain()`; the producer is
//! libbpf's `user_ring_buffer__reserve()` / `__submit()` / `__discard()` (single producer, not thread-safe).
//!
//! Same layout as a RINGBUF, other owners: user space writes `producer_pos` and the data (the producer page
//! and the data are mapped read-write), the kernel writes `consumer_pos` (mapped read-only). So the kernel
//! trusts nothing user space wrote: the drain checks every header against the positions and the ring size.
//! Unlike a RINGBUF, a user ring can be filled to 100 percent.
//!
//! **Checked against the live kernel** (Linux 6.18, `bpf-oracle conformance --area ringbuf`, the `user`
//! labels, and `oracle/tests/ringbuf_user_differential.rs`): on a real `USER_RINGBUF` mmapped as libbpf maps
//! it, sequences of [`reserve`](UserRingBuf::reserve) + submit / discard / leave-busy, headers and
//! `producer_pos` written by hand ([`write_raw`](UserRingBuf::write_raw),
//! [`set_producer_pos`](UserRingBuf::set_producer_pos)), and [`drain`](UserRingBuf::drain)s run by
//! `oracle/bpf/user_ringbuf.bpf.c` (`bpf_user_ringbuf_drain()` in a SYSCALL program whose callback returns 0
//! or 1 per a pattern). Compared after every step: each reserve's result (success, `E2BIG`, `ENOSPC`), the
//! drain's return value, the size and first 16 bytes of every sample the callback saw, `consumer_pos`,
//! `producer_pos`, the whole data area, and whether an edge-triggered `EPOLLOUT` epoll on the map fd saw the
//! drain's wakeup. Reached in the kernel: filling the ring to 100 percent, the callback stopping the drain
//! (its sample still counted and consumed), discarded samples skipped and not counted, a BUSY header
//! stopping the drain, `-EINVAL` for unknown flags, an unaligned `producer_pos` and a footprint past
//! `producer_pos`, `-E2BIG` for a footprint larger than the ring and (in a 32 MiB ring, the only way to
//! reach it) for a sample above `DYNPTR_MAX_SIZE`, FORCE_WAKEUP waking with nothing drained, NO_WAKEUP
//! staying quiet.
//!
//! Two behaviours need more than one test run at a time or a big ring, and have their own kernel cases in
//! `oracle/tests/ringbuf_user_differential.rs`, each run on the model the same way:
//! - the cap of one drain, `BPF_MAX_USER_RINGBUF_SAMPLES` (131072): a 4 MiB user ring filled with
//!   131072 + 1000 samples of 16-byte footprint, some discarded (among them the 131072nd and the 131073rd
//!   record). The kernel's first drain stopped after exactly 131072 records (`consumer_pos` = 131072 * 16)
//!   and returned 131072 minus the discards among them: a discarded record counts towards the cap (the
//!   loop counts every record it looked at), as the model does. The second drain took the rest;
//! - `-EBUSY` (`oracle/bpf/user_ringbuf_busy.bpf.c`): a drain whose callback, on its first sample, holds it
//!   until user space releases it, and meanwhile a second drain of the same map on the other CPU. The
//!   kernel's second drain returned `-EBUSY`, ran no callback, left `consumer_pos` alone (still 0: the held
//!   sample is consumed only after its callback returns) and woke no one even with FORCE_WAKEUP (it
//!   returns before the wakeup); with an unknown flag it returned `-EINVAL` instead (flags are checked
//!   first). The first drain then finished normally (all samples, its usual return value and wakeup), and
//!   later drains of the map worked. The model, with the first drain on another thread whose callback
//!   blocks, gave the same values.
//!
//! What the kernel run corrected: a `producer_pos` that user space left unaligned. libbpf's reserve does
//! not check it and writes the header (and the submit's exchange) at that unaligned offset; the model used
//! to write an aligned word there. (The kernel's drain then returns `-EINVAL` for that `producer_pos`.)
//!
//! User space owns every byte here, so the model keeps both copies of the data area equal on every write
//! (what the kernel's double mapping gives for free), and a sample can be read contiguously anywhere.
//!
//! ```
//! use bpf_model::ringbuf::UserRingBuf;
//! use bpf_model::{Errno, KernelProfile};
//! let mut ur = UserRingBuf::new(&KernelProfile::x86_64_v6_18(), 4096).unwrap();
//! let mut s = ur.reserve(4096 - 8).expect("a user ring may be filled completely");
//! s.write(0, b"abc");
//! s.submit();
//! assert_eq!(ur.reserve(0).unwrap_err(), Errno::ENOSPC);
//! let mut sizes = vec![];
//! assert_eq!(ur.drain(0, |d| { sizes.push(d.size()); 0 }), 1);
//! assert_eq!(sizes, [4096 - 8]);
//! ```

use super::layout::*;
use super::producer::{ReserveMode, RingBuf};
use crate::sync::Ordering;
use crate::{Errno, KernelProfile};

/// A user ring buffer map. The producer methods take `&mut self` (libbpf's producer is single-threaded);
/// the drain takes `&self`, and two concurrent drains get `EBUSY`, as in the kernel.
#[derive(Debug)]
pub struct UserRingBuf {
    rb: RingBuf,
}

impl UserRingBuf {
    /// `BPF_MAP_CREATE` for `BPF_MAP_TYPE_USER_RINGBUF` (same checks as a RINGBUF, [`check_create`]).
    pub fn create(
        profile: &KernelProfile,
        map_flags: u32,
        key_size: u32,
        value_size: u32,
        max_entries: u32,
    ) -> Result<UserRingBuf, Errno> {
        check_create(profile, RingType::UserRingbuf, map_flags, key_size, value_size, max_entries)?;
        Ok(UserRingBuf { rb: RingBuf::alloc(profile, RingType::UserRingbuf, max_entries, ReserveMode::Spinlock)? })
    }

    /// A user ring of `max_entries` data bytes.
    pub fn new(profile: &KernelProfile, max_entries: u32) -> Result<UserRingBuf, Errno> {
        UserRingBuf::create(profile, 0, 0, 0, max_entries)
    }

    /// The data size.
    pub fn size(&self) -> u64 {
        self.rb.size()
    }

    /// `consumer_pos` (written by the kernel's drain).
    pub fn consumer_pos(&self) -> u64 {
        self.rb.consumer_pos()
    }

    /// How many drains so far decided to wake `EPOLLOUT` waiters (the kernel's `irq_work_queue()` calls).
    ///
    /// ```
    /// use bpf_model::ringbuf::{UserRingBuf, BPF_RB_FORCE_WAKEUP, BPF_RB_NO_WAKEUP};
    /// use bpf_model::KernelProfile;
    /// let mut ur = UserRingBuf::new(&KernelProfile::x86_64_v6_18(), 4096).unwrap();
    /// assert_eq!(ur.drain(0, |_| 0), 0);
    /// assert_eq!(ur.wakeups(), 0, "nothing looked at, no wakeup");
    /// assert_eq!(ur.drain(BPF_RB_FORCE_WAKEUP, |_| 0), 0);
    /// assert_eq!(ur.wakeups(), 1, "FORCE_WAKEUP wakes even when nothing was drained");
    /// ur.reserve(3).unwrap().discard();
    /// assert_eq!(ur.drain(0, |_| 0), 0, "a discarded sample is not counted...");
    /// assert_eq!(ur.wakeups(), 2, "...but it was looked at, so the drain wakes");
    /// ur.reserve(3).unwrap().submit();
    /// assert_eq!(ur.drain(BPF_RB_NO_WAKEUP, |_| 0), 1);
    /// assert_eq!(ur.wakeups(), 2);
    /// ```
    pub fn wakeups(&self) -> u64 {
        self.rb.wakeups()
    }

    /// `producer_pos` (written by user space).
    pub fn producer_pos(&self) -> u64 {
        self.rb.producer_pos()
    }

    /// The data area, byte for byte.
    pub fn data_image(&mut self) -> Vec<u8> {
        self.rb.data_image()
    }

    /// Writes `producer_pos` by hand (user space maps the producer page read-write).
    pub fn set_producer_pos(&mut self, pos: u64) {
        self.rb.prod.producer_pos.store(pos, Ordering::Release);
    }

    /// Writes bytes into the data area at offset `off` (taken modulo the size) by hand, wrapping at the end,
    /// as user space may.
    pub fn write_raw(&mut self, off: u64, bytes: &[u8]) {
        for (i, b) in bytes.iter().enumerate() {
            self.put(off.wrapping_add(i as u64), *b);
        }
    }

    fn put(&mut self, pos: u64, b: u8) {
        let size = self.rb.size() as usize;
        let off = self.rb.off(pos);
        // SAFETY: `&mut self`: no drain or other writer runs; both offsets are in the 2 * size area.
        unsafe {
            self.rb.words.write_bytes(off, &[b]);
            self.rb.words.write_bytes(off + size, &[b]);
        }
    }

    /// libbpf's `user_ring_buffer__reserve(rb, size)`.
    ///
    /// Checks, in order:
    /// 1. `size` has bit 31 or bit 30 set → `E2BIG`;
    /// 2. `round_up(size + 8, 8) > ring size` → `E2BIG`;
    /// 3. `ring size - (producer_pos - consumer_pos) < round_up(size + 8, 8)` → `ENOSPC` (so the ring may
    ///    be filled completely);
    /// 4. writes the header `{ size | BUSY, 0 }`, moves `producer_pos` (release) and returns the sample at
    ///    `(producer_pos + 8) & mask`.
    pub fn reserve(&mut self, size: u32) -> Result<UserSample<'_>, Errno> {
        if size & (BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT) != 0 {
            return Err(Errno::E2BIG);
        }
        let cons = self.rb.consumer_pos.load(Ordering::Acquire);
        let prod = self.rb.prod.producer_pos.load(Ordering::Acquire);
        let total = record_footprint(u64::from(size));
        if total > self.rb.size() {
            return Err(Errno::E2BIG);
        }
        if self.rb.size().wrapping_sub(prod.wrapping_sub(cons)) < total {
            return Err(Errno::ENOSPC);
        }
        if prod % 8 == 0 {
            let off = self.rb.off(prod);
            let hdr = header_word(size | BPF_RINGBUF_BUSY_BIT, 0);
            self.rb.words.store(off, hdr, Ordering::Relaxed);
            self.rb.words.store(off + self.rb.size() as usize, hdr, Ordering::Relaxed);
        } else {
            // User space may have left `producer_pos` unaligned; libbpf writes the header there anyway.
            self.write_raw(prod, &raw_header_bytes(size | BPF_RINGBUF_BUSY_BIT));
        }
        self.rb.prod.producer_pos.store(prod.wrapping_add(total), Ordering::Release);
        Ok(UserSample { ur: self, pos: prod, size })
    }

    /// `bpf_user_ringbuf_drain(map, callback, ctx, flags)`: hands each committed sample to `callback` as a
    /// LOCAL dynptr, up to `BPF_MAX_USER_RINGBUF_SAMPLES`, until the callback returns nonzero. Returns the
    /// helper's value: the number of samples looked at minus the discarded ones, or `-errno`.
    ///
    /// Checks, in the kernel's order:
    /// 1. `flags & ~(NO_WAKEUP | FORCE_WAKEUP)` → `-EINVAL`;
    /// 2. another drain is running → `-EBUSY` (nothing consumed, no wakeup, even with FORCE_WAKEUP);
    /// 3. per sample (`__bpf_user_ringbuf_peek()`): `producer_pos % 8 != 0` → `-EINVAL`;
    ///    `consumer_pos >= producer_pos` → stop; the sample's footprint larger than `producer_pos -
    ///    consumer_pos` → `-EINVAL`; larger than the ring → `-E2BIG`; its size above `DYNPTR_MAX_SIZE` →
    ///    `-E2BIG`; DISCARD → skip it (counted, then subtracted); BUSY → stop.
    ///
    /// One drain looks at no more than `BPF_MAX_USER_RINGBUF_SAMPLES` records, discarded ones included.
    /// After each callback `consumer_pos` moves past the sample, even when the callback returned 1. An
    /// error returns at once; samples already drained stay drained.
    ///
    /// The callback's dynptr is a LOCAL dynptr directly over the sample's bytes in the ring (the kernel's
    /// `bpf_dynptr_init()` over the mapped data, read-write): a callback that writes through it
    /// (`bpf_dynptr_write()`, `bpf_dynptr_memset()`) changes the ring, and user space sees the change.
    #[cfg(not(loom))]
    pub fn drain<F>(&self, flags: u64, mut callback: F) -> i64
    where
        F: FnMut(&crate::dynptr::Dynptr<'_>) -> u64,
    {
        if flags & !(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP) != 0 {
            return Errno::EINVAL.to_ret();
        }
        if self.rb.drain_busy.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
            return Errno::EBUSY.to_ret();
        }
        let (mut samples, mut discarded, mut ret) = (0i64, 0i64, 0i64);
        let mut failed = false;
        while (samples as u64) < BPF_MAX_USER_RINGBUF_SAMPLES && ret == 0 {
            match self.peek() {
                Err(Errno::ENODATA) => break,
                Err(Errno::EAGAIN) => discarded += 1,
                Err(e) => {
                    ret = e.to_ret();
                    failed = true;
                    break;
                }
                Ok((off, size)) => {
                    // SAFETY: in bounds of the 2 * size area (off < size, size < ring size, and both copies
                    // are equal, so the bytes past the end are the wrapped tail); only this thread touches
                    // them while the borrow lives: this is the only drain (busy bit), and user space, the
                    // only other writer, needs `&mut self`, which this `&self` borrow excludes.
                    let cells = unsafe { self.rb.words.cells(off, size as usize) };
                    let rules = self.rb.rules();
                    let ptr = crate::dynptr::Dynptr::from_mem(rules, cells, size, 0)
                        .unwrap_or(crate::dynptr::Dynptr::null(rules));
                    ret = callback(&ptr) as i64;
                    self.mirror(off, size as usize);
                    let cons = self.rb.consumer_pos.load(Ordering::Relaxed);
                    self.rb.consumer_pos.store(cons + record_footprint(u64::from(size)), Ordering::Release);
                }
            }
            samples += 1;
        }
        if !failed {
            ret = samples - discarded;
        }
        self.rb.drain_busy.store(false, Ordering::Release);
        if flags & BPF_RB_FORCE_WAKEUP != 0 || (flags & BPF_RB_NO_WAKEUP == 0 && samples > 0) {
            self.rb.notifier.notify();
        }
        ret
    }

    /// Makes both copies of the data area equal again over `len` bytes at `off` that the drain's callback
    /// may have written (the kernel's double mapping does this by itself): bytes below the size go to the
    /// copy past the end, bytes past the end to the start of the area.
    #[cfg(not(loom))]
    fn mirror(&self, off: usize, len: usize) {
        let size = self.rb.size() as usize;
        let below = len.min(size.saturating_sub(off));
        // SAFETY: off < size and len < size, so both ranges of each copy are in bounds of the 2 * size area
        // and do not overlap; this drain is the only accessor (see `drain`), and the dynptr's borrow ended.
        unsafe {
            self.rb.words.copy(off, off + size, below);
            if len > below {
                self.rb.words.copy(size, 0, len - below);
            }
        }
    }

    /// `__bpf_user_ringbuf_peek()`: the next sample's data offset and size.
    #[cfg_attr(loom, allow(dead_code))]
    fn peek(&self) -> Result<(usize, u32), Errno> {
        let prod = self.rb.prod.producer_pos.load(Ordering::Acquire);
        if prod % 8 != 0 {
            return Err(Errno::EINVAL);
        }
        let cons = self.rb.consumer_pos.load(Ordering::Acquire);
        if cons >= prod {
            return Err(Errno::ENODATA);
        }
        let hdr_len = word_len(self.rb.words.load(self.rb.off(cons) & !7, Ordering::Acquire));
        let hdr_len = if cons % 8 == 0 { hdr_len } else { self.unaligned_len(cons) };
        let flags = hdr_len & (BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
        let sample_len = hdr_len & !flags;
        let total = record_footprint(u64::from(sample_len));
        if total > prod - cons {
            return Err(Errno::EINVAL);
        }
        if total > self.rb.size() {
            return Err(Errno::E2BIG);
        }
        if crate::dynptr::check_size(sample_len).is_err() {
            return Err(Errno::E2BIG);
        }
        if flags & BPF_RINGBUF_DISCARD_BIT != 0 {
            self.rb.consumer_pos.store(cons + total, Ordering::Release);
            return Err(Errno::EAGAIN);
        }
        if flags & BPF_RINGBUF_BUSY_BIT != 0 {
            return Err(Errno::ENODATA);
        }
        Ok((self.rb.off(cons + 8), sample_len))
    }

    /// The `len` at a position that is not 8-aligned (the kernel never moves `consumer_pos` to one, but
    /// reads whatever is there).
    #[cfg_attr(loom, allow(dead_code))]
    fn unaligned_len(&self, pos: u64) -> u32 {
        let b = self.rb.words.snapshot(self.rb.off(pos), 4);
        u32::from_ne_bytes([b[0], b[1], b[2], b[3]])
    }

    /// A drain would find nothing and the consumer may be woken (`EPOLLOUT`): `producer_pos - consumer_pos
    /// < size`, the poll rule of a user ring.
    pub fn writable(&self) -> bool {
        self.rb.query(BPF_RB_AVAIL_DATA) < self.rb.size()
    }
}

/// A sample reserved in a user ring: write it, then submit or discard it. Dropping it discards it.
#[derive(Debug)]
pub struct UserSample<'a> {
    ur: &'a mut UserRingBuf,
    pos: u64,
    size: u32,
}

impl UserSample<'_> {
    /// The position of the sample's header.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Copies `src` into the sample at `at`, clamped to its size.
    pub fn write(&mut self, at: usize, src: &[u8]) {
        let size = self.size as usize;
        let at = at.min(size);
        let n = src.len().min(size - at);
        let start = self.pos.wrapping_add(8 + at as u64);
        self.ur.write_raw(start, &src[..n]);
    }

    fn commit(&mut self, discard: bool) {
        let off = self.ur.rb.off(self.pos);
        let mut len = self.size;
        if discard {
            len |= BPF_RINGBUF_DISCARD_BIT;
        }
        if self.pos % 8 != 0 {
            self.ur.write_raw(self.pos, &len.to_le_bytes());
            self.size = u32::MAX;
            return;
        }
        let w = header_word(len, 0);
        self.ur.rb.words.store(off + self.ur.rb.size() as usize, w, Ordering::Relaxed);
        self.ur.rb.words.swap(off, w, Ordering::SeqCst);
        self.size = u32::MAX;
    }

    /// libbpf's `user_ring_buffer__submit()`: clears BUSY with an atomic exchange.
    pub fn submit(mut self) {
        self.commit(false);
    }

    /// libbpf's `user_ring_buffer__discard()`: clears BUSY and sets DISCARD.
    pub fn discard(mut self) {
        self.commit(true);
    }
}

impl Drop for UserSample<'_> {
    fn drop(&mut self) {
        if self.size != u32::MAX {
            self.commit(true);
        }
    }
}

/// A header `{ len, pg_off: 0 }` as bytes (little-endian, the only byte order this model runs on).
fn raw_header_bytes(len: u32) -> [u8; 8] {
    let mut h = [0u8; 8];
    h[..4].copy_from_slice(&len.to_le_bytes());
    h
}
