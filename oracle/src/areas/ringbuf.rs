//! The ring buffer area: `oracle/bpf/ringbuf.bpf.c` and the mmapped map against `bpf_model::ringbuf`.
//!
//! Every sequence gets a fresh `BPF_MAP_TYPE_RINGBUF`, created with the `bpf()` syscall and put at index 0 of
//! the program's array-of-maps. User space maps it as libbpf does (consumer page read-write, producer page
//! and twice the data read-only, [`KernelRing`]) and reads it with the model's own
//! [`Consumer`]; wakeups are observed with an edge-triggered epoll on the fd.
//! About 20 percent of the generated cases are user ring sequences instead ([`user`]).

pub mod user;

use crate::conformance::Area;
use crate::kernel::{self, skel::ringbuf as skel, OracleError, Pod};
use crate::rng::Rng;
use bpf_model::ringbuf::{
    Consumer, RingBuf, RingMemory, RingType, BPF_F_RB_OVERWRITE, BPF_RB_FORCE_WAKEUP, BPF_RB_NO_WAKEUP,
};
use bpf_model::vectors::ringbuf::user::UserStep;
use bpf_model::vectors::ringbuf::{
    run_batch, run_consume, src_byte, Batch, Op, RingbufCase, RingbufOutcome, Slot, Step, StepOutcome, NAFTER, NPRE,
    RESERVE_SIZES, SRC_CAP,
};
use bpf_model::vectors::{fnv64, ByteImage, Case};
use bpf_model::KernelProfile;
use libbpf_rs::{MapCore, MapFlags};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

// SAFETY: `rb_ctx` is the skeleton's repr(C) struct of one u32.
unsafe impl Pod for skel::types::rb_ctx {}

const BPF_MAP_CREATE: libc::c_long = 0;
const BPF_MAP_TYPE_RINGBUF: u32 = 27;
const BPF_MAP_TYPE_USER_RINGBUF: u32 = 31;

/// `bpf(BPF_MAP_CREATE)` with these attributes: the new map's fd, or the errno.
pub fn create_map(
    ty: RingType,
    map_flags: u32,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
) -> Result<OwnedFd, i32> {
    let map_type = match ty {
        RingType::Ringbuf => BPF_MAP_TYPE_RINGBUF,
        RingType::UserRingbuf => BPF_MAP_TYPE_USER_RINGBUF,
    };
    // union bpf_attr, map-create part: map_type, key_size, value_size, max_entries, map_flags, then zeros
    // (inner_map_fd, numa_node = 0, name, ifindex, ...).
    let mut attr = [0u32; 32];
    attr[..5].copy_from_slice(&[map_type, key_size, value_size, max_entries, map_flags]);
    // SAFETY: BPF_MAP_CREATE reads `size` bytes of the attribute buffer, which lives across the call.
    let fd =
        unsafe { libc::syscall(libc::SYS_bpf, BPF_MAP_CREATE, attr.as_mut_ptr(), std::mem::size_of_val(&attr) as u32) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0));
    }
    // SAFETY: the syscall returned a new fd that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// A kernel ring buffer map mapped into this process the way libbpf maps it, and an edge-triggered epoll
/// instance watching it.
#[derive(Debug)]
pub struct KernelRing {
    fd: OwnedFd,
    epoll: OwnedFd,
    size: usize,
    page: usize,
    cons: *mut u8,
    prod: *mut u8,
}

impl KernelRing {
    /// Maps the ring `fd` of `size` data bytes: the consumer page read-write at offset 0, the producer page
    /// and twice the data read-only at offset `page`; registers it with a new epoll (`EPOLLIN | EPOLLET`).
    pub fn map(fd: OwnedFd, size: usize, page: usize) -> Result<KernelRing, OracleError> {
        let m = map_pages(&fd, size, page, libc::PROT_READ | libc::PROT_WRITE, libc::PROT_READ, libc::EPOLLIN)?;
        Ok(KernelRing { fd, epoll: m.epoll, size, page, cons: m.cons, prod: m.prod })
    }

    /// A second mapping of the same ring with its own epoll instance (edge-triggered events go to one
    /// waiter per instance).
    pub fn remap(&self) -> Result<KernelRing, OracleError> {
        let fd = self.fd.try_clone().map_err(|e| OracleError::Kernel(format!("dup: {e}")))?;
        KernelRing::map(fd, self.size, self.page)
    }

    /// The map's fd.
    pub fn fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    fn data(&self) -> *const u8 {
        // SAFETY: the producer mapping is page + 2 * size bytes long.
        unsafe { self.prod.add(self.page) }
    }

    /// Writes `consumer_pos` through the writable consumer page.
    pub fn set_consumer_pos(&self, pos: u64) {
        RingMemory::consumer_pos(&self).store(pos, Ordering::Release);
    }

    /// `consumer_pos`, `producer_pos`, `pending_pos` (offset 8 of the producer page).
    pub fn positions(&self) -> (u64, u64, u64) {
        // SAFETY: both pages are mapped, 8-aligned, and live as long as `self`.
        unsafe {
            (
                AtomicU64::from_ptr(self.cons.cast()).load(Ordering::Acquire),
                AtomicU64::from_ptr(self.prod.cast()).load(Ordering::Acquire),
                AtomicU64::from_ptr(self.prod.add(8).cast()).load(Ordering::Acquire),
            )
        }
    }

    /// A copy of the data area (read while no program runs).
    pub fn data_image(&self) -> Vec<u8> {
        let mut v = vec![0u8; self.size];
        // SAFETY: the data mapping holds `size` bytes (twice); no producer runs between test runs.
        unsafe { std::ptr::copy_nonoverlapping(self.data(), v.as_mut_ptr(), self.size) };
        v
    }

    /// Whether epoll reports the ring readable now (edge-triggered: only after a wakeup since the last call).
    pub fn poll_woke(&self, timeout_ms: i32) -> bool {
        let mut ev = [libc::epoll_event { events: 0, u64: 0 }; 1];
        // SAFETY: valid epoll fd and a buffer of one event.
        let n = unsafe { libc::epoll_wait(self.epoll.as_raw_fd(), ev.as_mut_ptr(), 1, timeout_ms) };
        n > 0
    }
}

// SAFETY: the mappings are shared memory of the whole process, valid until drop; every access through
// them is atomic or, for record payloads, governed by the `RingMemory` contract (one consumer).
unsafe impl Send for KernelRing {}
// SAFETY: as above; `&KernelRing` methods only load positions and headers atomically, store
// `consumer_pos` atomically, or copy bytes while no program runs.
unsafe impl Sync for KernelRing {}

/// The mappings and epoll instance of a kernel ring (RINGBUF or USER_RINGBUF) mapped as libbpf does.
pub(crate) struct Pages {
    pub(crate) epoll: OwnedFd,
    pub(crate) cons: *mut u8,
    pub(crate) prod: *mut u8,
}

/// Maps the consumer page of `fd` at offset 0 with `cons_prot`, the producer page and twice the data at
/// offset `page` with `prod_prot`, and registers the fd with a new edge-triggered epoll for `events`.
/// Whatever was mapped is unmapped again when a later step fails.
pub(crate) fn map_pages(
    fd: &OwnedFd,
    size: usize,
    page: usize,
    cons_prot: i32,
    prod_prot: i32,
    events: i32,
) -> Result<Pages, OracleError> {
    let err = |what: &str| OracleError::Kernel(format!("{what}: {}", std::io::Error::last_os_error()));
    // SAFETY: mapping a fresh region of a BPF map fd; the kernel checks offsets, sizes and protections.
    let cons = unsafe { libc::mmap(std::ptr::null_mut(), page, cons_prot, libc::MAP_SHARED, fd.as_raw_fd(), 0) };
    if cons == libc::MAP_FAILED {
        return Err(err("mmap consumer page"));
    }
    // SAFETY: as above, at offset one page.
    let prod = unsafe {
        libc::mmap(std::ptr::null_mut(), page + 2 * size, prod_prot, libc::MAP_SHARED, fd.as_raw_fd(), page as i64)
    };
    let unmap = |with_prod: bool| {
        // SAFETY: unmapping the regions mapped just above, which nothing else refers to yet.
        unsafe {
            libc::munmap(cons, page);
            if with_prod {
                libc::munmap(prod, page + 2 * size);
            }
        }
    };
    if prod == libc::MAP_FAILED {
        let e = err("mmap producer page and data");
        unmap(false);
        return Err(e);
    }
    // SAFETY: epoll_create1 has no memory arguments.
    let epoll = match unsafe_owned(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) }) {
        Ok(ep) => ep,
        Err(e) => {
            unmap(true);
            return Err(e);
        }
    };
    let mut ev = libc::epoll_event { events: (events | libc::EPOLLET) as u32, u64: 0 };
    // SAFETY: valid fds and event struct.
    if unsafe { libc::epoll_ctl(epoll.as_raw_fd(), libc::EPOLL_CTL_ADD, fd.as_raw_fd(), &mut ev) } != 0 {
        let e = err("epoll_ctl");
        unmap(true);
        return Err(e);
    }
    Ok(Pages { epoll, cons: cons.cast(), prod: prod.cast() })
}

fn unsafe_owned(fd: i32) -> Result<OwnedFd, OracleError> {
    if fd < 0 {
        return Err(OracleError::Kernel(format!("epoll_create1: {}", std::io::Error::last_os_error())));
    }
    // SAFETY: a new fd that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

impl Drop for KernelRing {
    fn drop(&mut self) {
        // SAFETY: unmapping the two regions `map` created; nothing borrows them past `self`.
        unsafe {
            libc::munmap(self.cons.cast(), self.page);
            libc::munmap(self.prod.cast(), self.page + 2 * self.size);
        }
    }
}

// SAFETY: the consumer page holds consumer_pos at 0, the producer page producer_pos at 0, the data follows
// and is mapped twice, so a record is contiguous; headers are loaded with acquire through the mapping; one
// `Consumer` per `KernelRing` is the caller's rule (the differential test makes one per step).
unsafe impl RingMemory for &KernelRing {
    fn mask(&self) -> u64 {
        self.size as u64 - 1
    }

    fn consumer_pos(&self) -> &AtomicU64 {
        // SAFETY: mapped read-write, 8-aligned, for the life of `self`; the kernel accesses it atomically.
        unsafe { AtomicU64::from_ptr(self.cons.cast()) }
    }

    fn producer_pos(&self) -> &AtomicU64 {
        // SAFETY: mapped (read-only; only loaded), 8-aligned, for the life of `self`.
        unsafe { AtomicU64::from_ptr(self.prod.cast()) }
    }

    fn header_len(&self, off: usize) -> u32 {
        // SAFETY: off < size, 8-aligned, inside the data mapping; only loaded.
        unsafe { AtomicU32::from_ptr(self.data().add(off) as *mut u32).load(Ordering::Acquire) }
    }

    unsafe fn payload(&self, off: usize, len: usize) -> &[u8] {
        // SAFETY: off < size and len < size, so the bytes lie in the double mapping; the record is
        // committed and not consumed, so the kernel does not rewrite it (caller).
        unsafe { std::slice::from_raw_parts(self.data().add(off), len) }
    }

    fn wait(&self, ready: &dyn Fn() -> bool, timeout: Option<Duration>) -> bool {
        if ready() {
            return true;
        }
        self.poll_woke(timeout.map_or(-1, |t| t.as_millis().min(i32::MAX as u128) as i32))
    }
}

/// The loaded ring buffer program.
pub struct RingbufArea {
    skel: skel::RingbufSkel<'static>,
    user: user::UserSide,
    profile: KernelProfile,
}

fn op_c(op: &Op) -> skel::types::rb_op {
    let Op(kind, size, flags, cflags, seed, discard) = *op;
    skel::types::rb_op { kind: u32::from(kind), size, flags, cflags, seed, discard: u32::from(discard) }
}

fn ops_c<const N: usize>(ops: &[Op]) -> [skel::types::rb_op; N] {
    std::array::from_fn(|i| op_c(&ops.get(i).copied().unwrap_or_default()))
}

fn slot_c(s: &Slot) -> skel::types::rb_slot {
    let Slot(size, flags, seed, discard, rel_flags) = *s;
    skel::types::rb_slot { size, seed, flags, rel_flags, discard: u32::from(discard), ..Default::default() }
}

impl RingbufArea {
    /// A fresh kernel ring of `size` bytes, installed as the ring the program uses, and mapped.
    pub fn fresh_ring(&mut self, size: u32) -> Result<KernelRing, OracleError> {
        let fd = create_map(RingType::Ringbuf, 0, 0, 0, size)
            .map_err(|e| OracleError::Kernel(format!("creating a ring of {size} bytes: errno {e}")))?;
        self.skel
            .maps
            .rings
            .update(&0u32.to_ne_bytes(), &fd.as_raw_fd().to_ne_bytes(), MapFlags::ANY)
            .map_err(|e| OracleError::kernel("putting the ring in the array of maps", e))?;
        KernelRing::map(fd, size as usize, self.profile.page_size as usize)
    }

    /// Throughput of the kernel's own ring: one program run reserves and submits `n` 8-byte records
    /// (`bpf_loop`) into a 1 MiB ring while another thread drains it with the model's [`Consumer`]. Returns
    /// the time from the start of the run until the consumer has read every record that was produced, and
    /// the number produced (reservations that found the ring full are not retried).
    pub fn bench_kernel(&mut self, n: u64) -> Result<(Duration, u64), OracleError> {
        let fd = self
            .skel
            .maps
            .bench_rb
            .as_fd()
            .try_clone_to_owned()
            .map_err(|e| OracleError::Kernel(format!("dup: {e}")))?;
        let ring = KernelRing::map(fd, 1 << 20, self.profile.page_size as usize)?;
        let bss = self.skel.maps.bss_data.as_deref_mut().ok_or_else(|| OracleError::Kernel("no .bss".into()))?;
        bss.bench_n = n;
        bss.bench_fail = 0;
        let produced = std::sync::atomic::AtomicU64::new(u64::MAX);
        let t0 = std::time::Instant::now();
        let prog = &self.skel.progs.rb_bench;
        let ran = std::thread::scope(|s| {
            let consumer = s.spawn(|| {
                let mut c = Consumer::new(&ring);
                let mut got = 0u64;
                let mut sum = 0u64;
                while got < produced.load(Ordering::Acquire) {
                    let k = c.consume_batch(4096, |r| {
                        sum = sum.wrapping_add(r.data()[0] as u64);
                    }) as u64;
                    got += k;
                    if k == 0 {
                        poll_pause();
                    }
                }
                std::hint::black_box(sum);
                got
            });
            let mut ctx = skel::types::rb_ctx::default();
            let r = kernel::run_syscall(prog, &mut ctx);
            let fail = self.skel.maps.bss_data.as_deref().map_or(n, |b| b.bench_fail);
            produced.store(n - fail.min(n), Ordering::Release);
            let got = consumer.join().unwrap_or(0);
            r.map(|_| got)
        })?;
        Ok((t0.elapsed(), ran))
    }

    /// Runs one step on `ring` (which must be the ring last made by [`fresh_ring`](Self::fresh_ring)) and
    /// returns what the kernel did.
    pub fn run_step(&mut self, ring: &KernelRing, step: &Step) -> Result<StepOutcome, OracleError> {
        let (rets, detail, woke) = match step {
            Step::Run(b) => {
                let bss =
                    self.skel.maps.bss_data.as_deref_mut().ok_or_else(|| OracleError::Kernel("no .bss".into()))?;
                bss.batch.pre = ops_c(&b.pre);
                bss.batch.after_res = ops_c(&b.after_res);
                bss.batch.after_rel = ops_c(&b.after_rel);
                bss.batch.slot = std::array::from_fn(|i| slot_c(&b.slots[i]));
                bss.batch.order = b.order;
                for s in bss.steps.iter_mut() {
                    *s = Default::default();
                }
                while ring.poll_woke(0) {}
                let mut ctx = skel::types::rb_ctx::default();
                let r = kernel::run_syscall(&self.skel.progs.rb_batch, &mut ctx)?;
                if r != 0 {
                    return Err(OracleError::Kernel(format!("rb_batch returned {r}")));
                }
                let woke = ring.poll_woke(0);
                let bss = self.skel.maps.bss_data.as_deref().ok_or_else(|| OracleError::Kernel("no .bss".into()))?;
                let rets = bss.steps.iter().map(|s| s.ret).collect();
                let snaps: Vec<u64> = bss.steps.iter().flat_map(|s| [s.prod, s.cons, s.avail]).collect();
                (rets, snaps, Some(woke))
            }
            Step::Consume { max, fail_at } => {
                let mut seen = Vec::new();
                let mut c = Consumer::new(ring);
                let mut i = 0u32;
                let r = c.consume(*max as usize, |rec| {
                    seen.extend([rec.position(), rec.data().len() as u64, fnv64(rec.data())]);
                    let fail = *fail_at == Some(i);
                    i += 1;
                    if fail {
                        -1
                    } else {
                        0
                    }
                });
                (vec![r.map_or_else(i64::from, |n| n as i64)], seen, None)
            }
            Step::SetConsumerPos(pos) => {
                ring.set_consumer_pos(*pos);
                (vec![], vec![], None)
            }
        };
        let (cons, prod, pend) = ring.positions();
        Ok(StepOutcome {
            rets,
            detail: ByteImage::new(&detail.iter().flat_map(|w| w.to_le_bytes()).collect::<Vec<u8>>()),
            woke,
            cons,
            prod,
            pend,
            data: ByteImage::new(&ring.data_image()),
        })
    }

    fn gen_op(rng: &mut Rng, ring: u32) -> Op {
        let wake_flags = |rng: &mut Rng| match rng.below(10) {
            0 => BPF_RB_NO_WAKEUP,
            1 => BPF_RB_FORCE_WAKEUP,
            2 => BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP,
            3 => 1 << rng.below(64),
            _ => 0,
        };
        match rng.below(12) {
            0..=3 => Op::default(),
            4..=7 => {
                let size = Self::gen_size(rng, ring).min(SRC_CAP as u32 + 8);
                Op(1, size, wake_flags(rng), 0, rng.next_u32(), false)
            }
            8 => Op(2, 0, if rng.chance(1, 5) { rng.next_u64() } else { rng.below(5) }, 0, 0, false),
            _ => {
                let flags = if rng.chance(1, 10) { 1 << rng.below(64) } else { 0 };
                Op(
                    3,
                    rng.below(RESERVE_SIZES.len() as u64 + 1) as u32,
                    flags,
                    wake_flags(rng),
                    rng.next_u32(),
                    rng.chance(1, 3),
                )
            }
        }
    }

    fn gen_size(rng: &mut Rng, ring: u32) -> u32 {
        match rng.below(10) {
            0..=3 => rng.below(64) as u32,
            4 | 5 => rng.below(u64::from(ring / 3)) as u32,
            6 => ring - 16 - 8 * rng.below(3) as u32,
            7 => ring - 8 + rng.below(16) as u32,
            8 => ring / 2 - rng.below(32) as u32,
            _ => match rng.below(4) {
                0 => (1 << 24) - 1 + rng.below(3) as u32,
                1 => u32::MAX,
                2 => 0x3FFF_FFFF + rng.below(2) as u32,
                _ => rng.below(u64::from(ring) * 2) as u32,
            },
        }
    }

    fn gen_batch(rng: &mut Rng, ring: u32) -> Batch {
        let ops = |rng: &mut Rng, n: usize| (0..n).map(|_| Self::gen_op(rng, ring)).collect::<Vec<_>>();
        let slot = |rng: &mut Rng| {
            let flags = if rng.chance(1, 6) {
                if rng.chance(1, 2) {
                    1
                } else {
                    1 << rng.below(64)
                }
            } else {
                0
            };
            let rel = match rng.below(8) {
                0 => BPF_RB_NO_WAKEUP,
                1 => BPF_RB_FORCE_WAKEUP,
                2 => 1 << rng.below(64),
                _ => 0,
            };
            Slot(Self::gen_size(rng, ring), flags, rng.next_u32(), rng.chance(1, 3), rel)
        };
        Batch {
            pre: ops(rng, NPRE),
            slots: [slot(rng), slot(rng), slot(rng)],
            after_res: ops(rng, 3 * NAFTER),
            after_rel: ops(rng, 3 * NAFTER),
            order: if rng.chance(1, 20) { rng.next_u32() } else { rng.below(6) as u32 },
        }
    }

    /// A sequence whose consumer positions are chosen from the model's state as it goes.
    fn gen_seq(&self, rng: &mut Rng) -> RingbufCase {
        let size = *rng.pick(&[4096u32, 4096, 4096, 8192, 16384]);
        let Ok(rb) = RingBuf::new(&self.profile, size) else {
            return RingbufCase::Seq { size, steps: vec![] };
        };
        let n = 1 + rng.below(7) as usize;
        let mut steps = Vec::with_capacity(n);
        if rng.chance(1, 6) {
            // The pending-position rule: the consumer moved ahead by hand; a big reservation stays busy
            // while the next one would fit the consumer check alone.
            let ahead = u64::from(size) * 3 / 4;
            steps.push(Step::SetConsumerPos(ahead));
            let mut b = Self::gen_batch(rng, size);
            b.slots[0] = Slot(size * 3 / 4 - 8 - 8 * rng.below(2) as u32, 0, rng.next_u32(), rng.chance(1, 2), 0);
            b.slots[1] = Slot(size / 2 - 8 * rng.below(64) as u32, 0, rng.next_u32(), rng.chance(1, 2), 0);
            steps.push(Step::Run(b));
        }
        while steps.len() < n {
            let step = match rng.below(20) {
                0..=10 => Step::Run(Self::gen_batch(rng, size)),
                11..=16 => Step::Consume {
                    max: if rng.chance(1, 2) { u32::MAX } else { 1 + rng.below(4) as u32 },
                    fail_at: if rng.chance(1, 6) { Some(rng.below(3) as u32) } else { None },
                },
                _ => {
                    let (cons, prod) = (rb.consumer_pos(), rb.producer_pos());
                    let pos = match rng.below(6) {
                        0 => prod,
                        1 => prod + u64::from(size) * 3 / 4,
                        2 => cons + 8 * rng.below(64),
                        3 => prod.saturating_sub(8 * rng.below(64)),
                        4 => prod + u64::from(size) - 8 * rng.below(4),
                        _ => rng.next_u64(),
                    };
                    Step::SetConsumerPos(pos)
                }
            };
            match &step {
                Step::Run(b) => {
                    run_batch(&rb, b);
                }
                Step::Consume { max, fail_at } => {
                    run_consume(&rb, *max, *fail_at);
                }
                Step::SetConsumerPos(p) => {
                    if let Some(mut c) = rb.consumer() {
                        // SAFETY: the generator's model ring has no other thread.
                        unsafe { c.set_consumer_pos(*p) };
                    }
                }
            }
            steps.push(step);
        }
        RingbufCase::Seq { size, steps }
    }
}

impl Area for RingbufArea {
    type Case = RingbufCase;
    const DEFAULT_CASES: u64 = 10_000;

    fn open(profile: &KernelProfile) -> Result<Self, OracleError> {
        let mut skel = kernel::load(skel::RingbufSkelBuilder::default(), "ringbuf.bpf.c")?;
        let bss = skel.maps.bss_data.as_deref_mut().ok_or_else(|| OracleError::Kernel("no .bss mmap".into()))?;
        for (i, b) in bss.src.iter_mut().enumerate() {
            *b = src_byte(i);
        }
        Ok(RingbufArea { skel, user: user::UserSide::open()?, profile: profile.clone() })
    }

    fn generate(&mut self, rng: &mut Rng) -> RingbufCase {
        if rng.chance(1, 10) {
            let ty = if rng.chance(1, 3) { RingType::UserRingbuf } else { RingType::Ringbuf };
            let map_flags = match rng.below(7) {
                0 => 1 << rng.below(20),
                1 => 1 << 2,
                2 => BPF_F_RB_OVERWRITE | (rng.below(2) as u32) << 2,
                _ => 0,
            };
            let small = |rng: &mut Rng| if rng.chance(1, 8) { 1 + rng.below(8) as u32 } else { 0 };
            let max_entries = match rng.below(10) {
                0 => 0,
                1 => 4096 * (1 + rng.below(8) as u32),
                2 => 1 << rng.below(12),
                3 => 4095 + rng.below(3) as u32,
                4 => (1 << 31) + 4096,
                5 => u32::MAX,
                _ => 4096 << rng.below(5),
            };
            return RingbufCase::Create { ty, map_flags, key_size: small(rng), value_size: small(rng), max_entries };
        }
        if rng.chance(2, 9) {
            let (size, steps) = self.gen_user(rng);
            return RingbufCase::User { size, steps };
        }
        self.gen_seq(rng)
    }

    fn run_kernel(&mut self, case: &RingbufCase) -> Result<RingbufOutcome, OracleError> {
        match case {
            RingbufCase::Create { ty, map_flags, key_size, value_size, max_entries } => {
                Ok(RingbufOutcome::Create(match create_map(*ty, *map_flags, *key_size, *value_size, *max_entries) {
                    Ok(_fd) => 0,
                    Err(e) => -i64::from(e),
                }))
            }
            RingbufCase::Seq { size, steps } => {
                if let Err(e) = create_map(RingType::Ringbuf, 0, 0, 0, *size) {
                    return Ok(RingbufOutcome::Create(-i64::from(e)));
                }
                let ring = self.fresh_ring(*size)?;
                let mut out = Vec::with_capacity(steps.len());
                for step in steps {
                    out.push(self.run_step(&ring, step)?);
                }
                Ok(RingbufOutcome::Seq(out))
            }
            RingbufCase::User { size, steps } => Ok(match self.run_user_kernel(*size, steps)? {
                Ok(v) => RingbufOutcome::User(v),
                Err(e) => RingbufOutcome::Create(e),
            }),
        }
    }

    fn shrink(&self, case: &RingbufCase) -> Vec<RingbufCase> {
        if let RingbufCase::User { size, steps } = case {
            return (0..steps.len())
                .rev()
                .map(|i| {
                    let mut s = steps.clone();
                    s.remove(i);
                    RingbufCase::User { size: *size, steps: s }
                })
                .collect();
        }
        let RingbufCase::Seq { size, steps } = case else { return vec![] };
        let mut out = Vec::new();
        for i in (0..steps.len()).rev() {
            let mut s = steps.clone();
            s.remove(i);
            out.push(RingbufCase::Seq { size: *size, steps: s });
        }
        for (i, st) in steps.iter().enumerate() {
            if let Step::Run(b) = st {
                for which in 0..3 {
                    let v = match which {
                        0 => &b.pre,
                        1 => &b.after_res,
                        _ => &b.after_rel,
                    };
                    for j in 0..v.len() {
                        if v[j] != Op::default() {
                            let mut nb = b.clone();
                            let t = match which {
                                0 => &mut nb.pre,
                                1 => &mut nb.after_res,
                                _ => &mut nb.after_rel,
                            };
                            t[j] = Op::default();
                            let mut s = steps.clone();
                            s[i] = Step::Run(nb);
                            out.push(RingbufCase::Seq { size: *size, steps: s });
                        }
                    }
                }
            }
        }
        out
    }

    fn is_edge(&self, case: &RingbufCase) -> bool {
        match case {
            RingbufCase::Create { .. } => true,
            RingbufCase::User { steps, .. } => {
                steps.iter().any(|s| !matches!(s, UserStep::Reserve { .. } | UserStep::Drain { .. }))
            }
            RingbufCase::Seq { steps, .. } => {
                steps.iter().any(|s| matches!(s, Step::SetConsumerPos(_)))
                    || matches!(case.run_model(&self.profile), RingbufOutcome::Seq(v)
                        if v.iter().any(|s| s.woke == Some(true) && s.rets.iter().any(|&r| r < 0)))
            }
        }
    }
}

/// What a polling consumer does after a drain that found nothing: a short pause (256 CPU spin hints and a
/// yield) before it looks again, as in the model's own benchmark (`benches/ringbuf.rs`). Polling at once would
/// pull the producer's lines away after every record; and on a kernel ring, a consumer that always sits
/// at the next record makes every commit queue a wakeup (`irq_work`), which a real consumer (asleep in
/// epoll, or batching) does not.
pub fn poll_pause() {
    for _ in 0..256 {
        std::hint::spin_loop();
    }
    std::thread::yield_now();
}
