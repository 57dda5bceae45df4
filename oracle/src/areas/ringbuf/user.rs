//! The user ring buffer part of the ring buffer area: `oracle/bpf/user_ringbuf.bpf.c` and a mmapped
//! `BPF_MAP_TYPE_USER_RINGBUF` against `bpf_model::ringbuf::UserRingBuf`.
//!
//! Every sequence gets a fresh user ring, created with `bpf()` and put at index 0 of the program's
//! array-of-maps. User space maps it as libbpf's `user_ring_buffer__new()` does (consumer page read-only,
//! producer page and twice the data read-write, [`KernelUserRing`]) and produces into it with libbpf's
//! algorithm (`user_ring_buffer__reserve()` / `__submit()` / `__discard()`), or writes headers and
//! `producer_pos` by hand. Wakeups of the drain are observed with an edge-triggered `EPOLLOUT` epoll.
//!
//! A sequence runs on one thread, one `BPF_PROG_TEST_RUN` at a time, so its drains never overlap, and its
//! rings are small. Two behaviours are reached by dedicated kernel cases in
//! `oracle/tests/ringbuf_user_differential.rs` instead (not recorded as vectors):
//! - `-EBUSY`, a drain of a map another drain is running on: [`BusyRig`] (`oracle/bpf/user_ringbuf_busy.bpf.c`)
//!   makes two drains overlap deterministically with a handshake through the mmapped .bss: the first
//!   drain's callback sets a flag on its first sample and waits (nested `bpf_loop`, bounded by a deadline)
//!   until user space releases it; meanwhile the second drain runs on the other CPU (raw-fd test runs from
//!   two threads). The kernel returned `-EBUSY` to the second drain, which consumed nothing and woke no one;
//!   the first one finished normally;
//! - the 128 Ki-sample cap of one drain: a 4 MiB ring filled through [`KernelUserRing::reserve`] with more
//!   than 131072 small samples; the first drain stopped after 131072 records, discarded ones included.

use super::{create_map, map_pages, RingbufArea};
use crate::kernel::{self, skel::user_ringbuf as skel, skel::user_ringbuf_busy as busy, OracleError, Pod};
use crate::rng::Rng;
use bpf_model::ringbuf::{
    RingType, UserRingBuf, BPF_RB_FORCE_WAKEUP, BPF_RB_NO_WAKEUP, BPF_RINGBUF_BUSY_BIT, BPF_RINGBUF_DISCARD_BIT,
};
use bpf_model::vectors::ringbuf::user::{
    fill_byte, raw_header, run_user_step, wsrc_byte, Seen, UserStep, UserStepOutcome, MAX_SEEN, PEEK,
};
use bpf_model::vectors::ByteImage;
use libbpf_rs::{libbpf_sys, MapCore, MapFlags};
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

// SAFETY: `ur_ctx` is the skeleton's repr(C) struct of one u32.
unsafe impl Pod for skel::types::ur_ctx {}

/// The loaded drain program.
pub struct UserSide {
    skel: skel::UserRingbufSkel<'static>,
}

impl UserSide {
    /// Loads `user_ringbuf.bpf.c`.
    pub fn open() -> Result<UserSide, OracleError> {
        Ok(UserSide { skel: kernel::load(skel::UserRingbufSkelBuilder::default(), "user_ringbuf.bpf.c")? })
    }
}

/// A kernel user ring buffer mapped the way libbpf maps it, with an edge-triggered `EPOLLOUT` epoll.
#[derive(Debug)]
pub struct KernelUserRing {
    fd: OwnedFd,
    epoll: OwnedFd,
    size: usize,
    page: usize,
    cons: *mut u8,
    prod: *mut u8,
}

impl KernelUserRing {
    /// Maps the user ring `fd` of `size` data bytes: the consumer page read-only at offset 0, the producer
    /// page and twice the data read-write at offset `page`; registers it with a new epoll
    /// (`EPOLLOUT | EPOLLET`).
    pub fn map(fd: OwnedFd, size: usize, page: usize) -> Result<KernelUserRing, OracleError> {
        let m = map_pages(&fd, size, page, libc::PROT_READ, libc::PROT_READ | libc::PROT_WRITE, libc::EPOLLOUT)?;
        Ok(KernelUserRing { fd, epoll: m.epoll, size, page, cons: m.cons, prod: m.prod })
    }

    /// The map's fd.
    pub fn fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    fn data(&self) -> *mut u8 {
        // SAFETY: the producer mapping is page + 2 * size bytes long.
        unsafe { self.prod.add(self.page) }
    }

    fn cons_pos(&self) -> &AtomicU64 {
        // SAFETY: mapped read-only, 8-aligned, for the life of `self`; only loaded.
        unsafe { AtomicU64::from_ptr(self.cons.cast()) }
    }

    fn prod_pos(&self) -> &AtomicU64 {
        // SAFETY: mapped read-write, 8-aligned, for the life of `self`; the kernel only loads it.
        unsafe { AtomicU64::from_ptr(self.prod.cast()) }
    }

    /// `consumer_pos`, `producer_pos`.
    pub fn positions(&self) -> (u64, u64) {
        (self.cons_pos().load(Ordering::Acquire), self.prod_pos().load(Ordering::Acquire))
    }

    /// A copy of the data area (read while no program runs).
    pub fn data_image(&self) -> Vec<u8> {
        let mut v = vec![0u8; self.size];
        // SAFETY: the data mapping holds `size` bytes (twice); no drain runs between test runs.
        unsafe { std::ptr::copy_nonoverlapping(self.data(), v.as_mut_ptr(), self.size) };
        v
    }

    /// Writes `bytes` at position `pos` of the data area, wrapping at the end (through the double
    /// mapping, as user space does). At most `size` bytes.
    pub fn write_at(&self, pos: u64, bytes: &[u8]) {
        let off = (pos & (self.size as u64 - 1)) as usize;
        let n = bytes.len().min(self.size);
        // SAFETY: off < size and n <= size, so the bytes lie in the 2 * size data mapping; no drain runs.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.data().add(off), n) };
    }

    /// Writes `producer_pos` (the producer page is mapped read-write).
    pub fn set_producer_pos(&self, pos: u64) {
        self.prod_pos().store(pos, Ordering::Release);
    }

    /// libbpf's `user_ring_buffer__reserve(rb, size)`, then the payload [`fill_byte`]s, then
    /// `user_ring_buffer__submit()` (commit 0), `__discard()` (commit 1) or nothing (the record stays BUSY).
    /// Returns 0 or `-errno`.
    pub fn reserve(&self, size: u32, seed: u32, commit: u8) -> i64 {
        if size & (BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT) != 0 {
            return -i64::from(libc::E2BIG);
        }
        let cons = self.cons_pos().load(Ordering::Acquire);
        let prod = self.prod_pos().load(Ordering::Acquire);
        let total = (u64::from(size) + 8 + 7) & !7;
        if total > self.size as u64 {
            return -i64::from(libc::E2BIG);
        }
        if (self.size as u64).wrapping_sub(prod.wrapping_sub(cons)) < total {
            return -i64::from(libc::ENOSPC);
        }
        self.write_at(prod, &raw_header(size | BPF_RINGBUF_BUSY_BIT));
        self.prod_pos().store(prod.wrapping_add(total), Ordering::Release);
        let payload: Vec<u8> = (0..size as usize).map(|j| fill_byte(seed, j)).collect();
        self.write_at(prod.wrapping_add(8), &payload);
        if commit <= 1 {
            // libbpf's user_ringbuf_commit(): the header is 8 bytes before the sample, modulo the size.
            let off = (prod & (self.size as u64 - 1)) as usize;
            if off % 4 == 0 {
                // SAFETY: off < size, 4-aligned, inside the data mapping.
                let len = unsafe { AtomicU32::from_ptr(self.data().add(off).cast()) };
                let mut new = len.load(Ordering::Relaxed) & !BPF_RINGBUF_BUSY_BIT;
                if commit == 1 {
                    new |= BPF_RINGBUF_DISCARD_BIT;
                }
                len.swap(new, Ordering::AcqRel);
            } else {
                let mut b = [0u8; 4];
                // SAFETY: 4 bytes at off < size inside the double data mapping.
                unsafe { std::ptr::copy_nonoverlapping(self.data().add(off), b.as_mut_ptr(), 4) };
                let mut new = u32::from_le_bytes(b) & !BPF_RINGBUF_BUSY_BIT;
                if commit == 1 {
                    new |= BPF_RINGBUF_DISCARD_BIT;
                }
                self.write_at(prod, &new.to_le_bytes());
            }
        }
        0
    }

    /// Whether the edge-triggered epoll reports the ring now (only after a wakeup since the last call).
    pub fn poll_woke(&self, timeout_ms: i32) -> bool {
        let mut ev = [libc::epoll_event { events: 0, u64: 0 }; 1];
        // SAFETY: valid epoll fd and a buffer of one event.
        let n = unsafe { libc::epoll_wait(self.epoll.as_raw_fd(), ev.as_mut_ptr(), 1, timeout_ms) };
        n > 0
    }
}

// SAFETY: the mappings are shared memory of the whole process, valid until drop; the only writers are this
// struct's methods, called from one thread at a time by the area, and the kernel's drain.
unsafe impl Send for KernelUserRing {}

impl Drop for KernelUserRing {
    fn drop(&mut self) {
        // SAFETY: unmapping the two regions `map` created; nothing borrows them past `self`.
        unsafe {
            libc::munmap(self.cons.cast(), self.page);
            libc::munmap(self.prod.cast(), self.page + 2 * self.size);
        }
    }
}

impl RingbufArea {
    /// A fresh kernel user ring of `size` bytes, installed as the ring the drain program uses, and mapped.
    pub fn fresh_user_ring(&mut self, size: u32) -> Result<KernelUserRing, OracleError> {
        let fd = create_map(RingType::UserRingbuf, 0, 0, 0, size)
            .map_err(|e| OracleError::Kernel(format!("creating a user ring of {size} bytes: errno {e}")))?;
        self.user
            .skel
            .maps
            .urings
            .update(&0u32.to_ne_bytes(), &fd.as_raw_fd().to_ne_bytes(), MapFlags::ANY)
            .map_err(|e| OracleError::kernel("putting the user ring in the array of maps", e))?;
        KernelUserRing::map(fd, size as usize, self.profile.page_size as usize)
    }

    /// Runs one user ring step on `ring` (the ring last made by [`fresh_user_ring`](Self::fresh_user_ring)).
    pub fn run_user_step(&mut self, ring: &KernelUserRing, step: &UserStep) -> Result<UserStepOutcome, OracleError> {
        let (ret, calls, seen, woke) = match *step {
            UserStep::Reserve { size, seed, commit } => (ring.reserve(size, seed, commit), 0, vec![], None),
            UserStep::RawHeader { len, advance } => {
                let (_, prod) = ring.positions();
                ring.write_at(prod, &raw_header(len));
                ring.set_producer_pos(prod.wrapping_add(advance));
                (0, 0, vec![], None)
            }
            UserStep::SetProducerPos(p) => {
                ring.set_producer_pos(p);
                (0, 0, vec![], None)
            }
            UserStep::Drain { flags, pattern, wpat, woff, wlen } => {
                let bss =
                    self.user.skel.maps.bss_data.as_deref_mut().ok_or_else(|| OracleError::Kernel("no .bss".into()))?;
                bss.uargs.flags = flags;
                bss.uargs.pattern = pattern;
                bss.uargs.wpat = wpat;
                bss.uargs.woff = woff;
                bss.uargs.wlen = wlen;
                for (j, b) in bss.wsrc.iter_mut().enumerate() {
                    *b = wsrc_byte(j);
                }
                bss.ncalls = 0;
                bss.ur_ret = 0;
                for s in bss.seen.iter_mut() {
                    *s = Default::default();
                }
                while ring.poll_woke(0) {}
                let mut ctx = skel::types::ur_ctx::default();
                let r = kernel::run_syscall(&self.user.skel.progs.ur_drain, &mut ctx)?;
                if r != 0 {
                    return Err(OracleError::Kernel(format!("ur_drain returned {r}")));
                }
                let woke = ring.poll_woke(0);
                let bss =
                    self.user.skel.maps.bss_data.as_deref().ok_or_else(|| OracleError::Kernel("no .bss".into()))?;
                let calls = bss.ncalls;
                let seen = bss
                    .seen
                    .iter()
                    .take((calls as usize).min(MAX_SEEN))
                    .map(|s| Seen {
                        size: s.size,
                        read_ret: i64::from(s.read_ret as i32),
                        bytes: s.bytes[..(s.size as usize).min(PEEK)].to_vec(),
                        write_ret: s.write_ret,
                    })
                    .collect();
                (bss.ur_ret, calls, seen, Some(woke))
            }
        };
        let (cons, prod) = ring.positions();
        Ok(UserStepOutcome { ret, calls, seen, woke, cons, prod, data: ByteImage::new(&ring.data_image()) })
    }

    /// Runs a user ring sequence in the kernel (`Err(errno)` inside `Ok` when the ring cannot be created).
    pub fn run_user_kernel(
        &mut self,
        size: u32,
        steps: &[UserStep],
    ) -> Result<Result<Vec<UserStepOutcome>, i64>, OracleError> {
        if let Err(e) = create_map(RingType::UserRingbuf, 0, 0, 0, size) {
            return Ok(Err(-i64::from(e)));
        }
        let ring = self.fresh_user_ring(size)?;
        let mut out = Vec::with_capacity(steps.len());
        for st in steps {
            out.push(self.run_user_step(&ring, st)?);
        }
        Ok(Ok(out))
    }

    /// A generated user ring sequence: `(size, steps)`, sizes and positions chosen from the model's state.
    pub fn gen_user(&self, rng: &mut Rng) -> (u32, Vec<UserStep>) {
        let size = *rng.pick(&[4096u32, 4096, 8192]);
        let Ok(mut ur) = UserRingBuf::new(&self.profile, size) else { return (size, vec![]) };
        let n = 1 + rng.below(10) as usize;
        let mut steps = Vec::with_capacity(n + 1);
        let ring = u64::from(size);
        let footprint = |len: u32| (u64::from(len & !(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT)) + 15) & !7;
        for _ in 0..n {
            let (cons, prod) = (ur.consumer_pos(), ur.producer_pos());
            let free = ring.wrapping_sub(prod.wrapping_sub(cons));
            let step = match rng.below(20) {
                0..=8 => {
                    let size = match rng.below(20) {
                        0..=7 => rng.below(64) as u32,
                        8..=10 => rng.below(ring / 3) as u32,
                        11..=13 => free.saturating_sub(8 + rng.below(3) * 8).min(u64::from(u32::MAX)) as u32,
                        14 | 15 => size - 8 - rng.below(2) as u32,
                        16 => size - 7 + rng.below(16) as u32,
                        17 => (1 << 30) | rng.below(64) as u32,
                        18 => (1 << 31) | rng.below(64) as u32,
                        _ => rng.below(2 * ring) as u32,
                    };
                    let commit = match rng.below(10) {
                        0..=6 => 0,
                        7 | 8 => 1,
                        _ => 2,
                    };
                    UserStep::Reserve { size, seed: rng.next_u32(), commit }
                }
                9..=11 => {
                    let base = rng.below(64) as u32;
                    let len = match rng.below(12) {
                        0..=2 => base,
                        3 => base | BPF_RINGBUF_BUSY_BIT,
                        4 | 5 => base | BPF_RINGBUF_DISCARD_BIT,
                        6 => base | BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT,
                        7 => size - 8,
                        8 => size + rng.below(16) as u32,
                        9 => (1 << 24) + rng.below(2) as u32,
                        10 => rng.below(u64::from(size)) as u32,
                        _ => rng.next_u32(),
                    };
                    let fp = footprint(len);
                    let advance = match rng.below(10) {
                        0..=4 => fp,
                        5 => fp + 8 * rng.below(4),
                        6 => fp.saturating_sub(8),
                        7 => rng.below(64),
                        8 => ring + 8 * rng.below(4),
                        _ => fp + 1 + rng.below(7),
                    };
                    UserStep::RawHeader { len, advance }
                }
                12 => UserStep::SetProducerPos(match rng.below(6) {
                    0 => prod + 1 + rng.below(7),
                    1 => cons.wrapping_sub(8),
                    2 => cons,
                    3 => prod.wrapping_sub(8),
                    4 => cons + ring + 8,
                    _ => rng.next_u64(),
                }),
                _ => Self::gen_drain(rng),
            };
            run_user_step(&mut ur, &step);
            steps.push(step);
        }
        // Most sequences end with a drain.
        if !matches!(steps.last(), Some(UserStep::Drain { .. })) && rng.chance(3, 4) {
            steps.push(Self::gen_drain(rng));
        }
        (size, steps)
    }

    /// A drain step; a third of them write through the callback's dynptr (in bounds, at the edge, or out).
    fn gen_drain(rng: &mut Rng) -> UserStep {
        let (flags, pattern) = (Self::gen_drain_flags(rng), Self::gen_pattern(rng));
        if !rng.chance(1, 3) {
            return UserStep::Drain { flags, pattern, wpat: 0, woff: 0, wlen: 0 };
        }
        let wpat = if rng.chance(1, 2) { u64::MAX } else { rng.next_u64() };
        let woff = match rng.below(6) {
            0..=2 => rng.below(16) as u32,
            3 => rng.below(64) as u32,
            4 => rng.below(4096) as u32,
            _ => rng.next_u32(),
        };
        UserStep::Drain { flags, pattern, wpat, woff, wlen: rng.below(32) as u32 }
    }

    fn gen_drain_flags(rng: &mut Rng) -> u64 {
        match rng.below(10) {
            0 => BPF_RB_NO_WAKEUP,
            1 => BPF_RB_FORCE_WAKEUP,
            2 => BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP,
            3 => 1 << rng.below(64),
            _ => 0,
        }
    }

    fn gen_pattern(rng: &mut Rng) -> u64 {
        match rng.below(10) {
            0..=4 => 0,
            5..=7 => rng.next_u64(),
            _ => 1 << rng.below(8),
        }
    }
}

/// What two overlapping drains of one user ring did (kernel: [`BusyRig::run_overlap`]; the model does the
/// same with two threads in `oracle/tests/ringbuf_user_differential.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverlapOutcome {
    /// `consumer_pos` while the first drain's callback holds its first sample.
    pub cons_while_held: u64,
    /// The second drain's return value.
    pub other_ret: i64,
    /// How many times the second drain's callback ran.
    pub other_calls: u32,
    /// Whether the `EPOLLOUT` epoll saw a wakeup from the second drain.
    pub other_woke: bool,
    /// `consumer_pos` after the second drain returned (the first still holding its sample).
    pub cons_after_other: u64,
    /// The first drain's return value.
    pub hold_ret: i64,
    /// How many times the first drain's callback ran.
    pub hold_calls: u32,
    /// `consumer_pos` after the first drain returned.
    pub cons_after_hold: u64,
    /// Whether the epoll saw a wakeup from the first drain.
    pub hold_woke: bool,
}

/// `oracle/bpf/user_ringbuf_busy.bpf.c` with its user ring mapped: two drains of one map made to overlap
/// deterministically (see [`run_overlap`](Self::run_overlap)).
pub struct BusyRig {
    skel: busy::UserRingbufBusySkel<'static>,
    ring: KernelUserRing,
}

/// `BPF_PROG_TEST_RUN` of a SYSCALL program by its raw fd, without a context (the programs read none):
/// the program's return value, or the negative error of the call. A raw fd can be used from any thread.
fn test_run_fd(fd: RawFd) -> Result<u32, i32> {
    let mut opts = libbpf_sys::bpf_test_run_opts {
        sz: std::mem::size_of::<libbpf_sys::bpf_test_run_opts>() as _,
        ..Default::default()
    };
    // SAFETY: `opts` is a valid, zero-initialised `bpf_test_run_opts` with `sz` set; no buffers are passed.
    let r = unsafe { libbpf_sys::bpf_prog_test_run_opts(fd, &mut opts) };
    if r < 0 {
        Err(r)
    } else {
        Ok(opts.retval)
    }
}

impl BusyRig {
    /// Loads the programs and maps their 4096-byte user ring as libbpf does.
    pub fn open(profile: &bpf_model::KernelProfile) -> Result<BusyRig, OracleError> {
        let skel = kernel::load(busy::UserRingbufBusySkelBuilder::default(), "user_ringbuf_busy.bpf.c")?;
        let fd = skel
            .maps
            .busy_ring
            .as_fd()
            .try_clone_to_owned()
            .map_err(|e| OracleError::Kernel(format!("dup of the user ring fd: {e}")))?;
        let ring = KernelUserRing::map(fd, 4096, profile.page_size as usize)?;
        Ok(BusyRig { skel, ring })
    }

    /// The user ring, to produce into.
    pub fn ring(&self) -> &KernelUserRing {
        &self.ring
    }

    fn bss(&mut self) -> Result<*mut busy::types::bss, OracleError> {
        let bss = self.skel.maps.bss_data.as_deref_mut().ok_or_else(|| OracleError::Kernel("no .bss".into()))?;
        Ok(bss)
    }

    /// Runs `ub_other` alone: a drain of the ring with `flags` whose callback returns 0. Returns the
    /// drain's value and how many samples the callback saw.
    pub fn drain_other(&mut self, flags: u64) -> Result<(i64, u32), OracleError> {
        let bss = self.skel.maps.bss_data.as_deref_mut().ok_or_else(|| OracleError::Kernel("no .bss".into()))?;
        bss.other_flags = flags;
        bss.other_calls = 0;
        bss.other_ret = 0;
        test_run_fd(self.skel.progs.ub_other.as_fd().as_raw_fd())
            .map_err(|e| OracleError::Kernel(format!("BPF_PROG_TEST_RUN of ub_other: {e}")))?;
        let bss = self.skel.maps.bss_data.as_deref().ok_or_else(|| OracleError::Kernel("no .bss".into()))?;
        Ok((bss.other_ret, bss.other_calls))
    }

    /// Two overlapping drains of the ring: a thread runs `ub_hold` (flags 0), whose callback on its first
    /// sample sets `entered` and waits for `release`; once `entered` is seen, this thread runs `ub_other`
    /// (a second drain of the same map with `other_flags`, on the other CPU), reads `consumer_pos` and the
    /// epoll, then sets `release` and collects the first drain's result. Every wait is bounded by `timeout`
    /// (the BPF side gives up after it too, and that is reported as an error, not as an outcome).
    pub fn run_overlap(&mut self, other_flags: u64, timeout: Duration) -> Result<OverlapOutcome, OracleError> {
        {
            let b = self.skel.maps.bss_data.as_deref_mut().ok_or_else(|| OracleError::Kernel("no .bss".into()))?;
            b.entered = 0;
            b.release = 0;
            b.timed_out = 0;
            b.hold_calls = 0;
            b.other_calls = 0;
            b.hold_ret = 0;
            b.other_ret = 0;
            b.other_flags = other_flags;
            b.wait_ns = timeout.as_nanos() as u64;
        }
        let bss = self.bss()?;
        // SAFETY (all four): `bss` points into the skeleton's mmapped .bss, which lives as long as `self`
        // (borrowed mutably for this whole call); the fields are naturally aligned u32 / i64. While a
        // program runs, the kernel reads and writes them concurrently, so this thread only touches them
        // through atomics (the kernel's accesses are plain or volatile loads and stores of the same width).
        let entered = unsafe { AtomicU32::from_ptr(std::ptr::addr_of_mut!((*bss).entered)) };
        // SAFETY: as above.
        let release = unsafe { AtomicU32::from_ptr(std::ptr::addr_of_mut!((*bss).release)) };
        // SAFETY: as above.
        let other_ret = unsafe { AtomicI64::from_ptr(std::ptr::addr_of_mut!((*bss).other_ret)) };
        // SAFETY: as above.
        let other_calls = unsafe { AtomicU32::from_ptr(std::ptr::addr_of_mut!((*bss).other_calls)) };
        let hold_fd = self.skel.progs.ub_hold.as_fd().as_raw_fd();
        let other_fd = self.skel.progs.ub_other.as_fd().as_raw_fd();
        while self.ring.poll_woke(0) {}
        let (tx, rx) = std::sync::mpsc::channel();
        let first = std::thread::spawn(move || {
            let _ = tx.send(test_run_fd(hold_fd));
        });
        let give_up = |why: String| {
            release.store(1, Ordering::Release);
            let _ = rx.recv_timeout(timeout + Duration::from_secs(5));
            OracleError::Kernel(why)
        };
        let start = std::time::Instant::now();
        while entered.load(Ordering::Acquire) == 0 {
            if start.elapsed() > timeout {
                return Err(give_up(format!("the first drain's callback did not start within {timeout:?}")));
            }
            std::thread::sleep(Duration::from_micros(100));
        }
        let cons_while_held = self.ring.positions().0;
        if let Err(e) = test_run_fd(other_fd) {
            return Err(give_up(format!("BPF_PROG_TEST_RUN of ub_other: {e}")));
        }
        let (other_ret, other_calls) = (other_ret.load(Ordering::Acquire), other_calls.load(Ordering::Acquire));
        let other_woke = self.ring.poll_woke(50);
        let cons_after_other = self.ring.positions().0;
        release.store(1, Ordering::Release);
        let hold = rx
            .recv_timeout(timeout + Duration::from_secs(5))
            .map_err(|_| OracleError::Kernel(format!("the first drain did not return within {timeout:?}")))?
            .map_err(|e| OracleError::Kernel(format!("BPF_PROG_TEST_RUN of ub_hold: {e}")))?;
        let _ = first.join();
        let b = self.skel.maps.bss_data.as_deref().ok_or_else(|| OracleError::Kernel("no .bss".into()))?;
        if b.timed_out != 0 {
            return Err(OracleError::Kernel(format!("the first drain's callback gave up waiting after {timeout:?}")));
        }
        if hold != 0 {
            return Err(OracleError::Kernel(format!("ub_hold returned {hold}")));
        }
        let (hold_ret, hold_calls) = (b.hold_ret, b.hold_calls);
        let hold_woke = self.ring.poll_woke(100);
        Ok(OverlapOutcome {
            cons_while_held,
            other_ret,
            other_calls,
            other_woke,
            cons_after_other,
            hold_ret,
            hold_calls,
            cons_after_hold: self.ring.positions().0,
            hold_woke,
        })
    }
}
