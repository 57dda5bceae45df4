//! Real kernel rings, read and written from this process with the crate alone (feature `kernel`).
//!
//! Kernel: `kernel/bpf/ringbuf.c` (`ringbuf_map_mmap_kern()`, `ringbuf_map_mmap_user()`,
//! `ringbuf_map_poll_kern()`, `ringbuf_map_poll_user()`, `bpf_ringbuf_commit()`, `bpf_user_ringbuf_drain()`),
//! `kernel/bpf/syscall.c` (`bpf_obj_get_info_by_fd()`); the mappings are libbpf's (`src/ringbuf.c`).
//! System calls go through libc; nothing here needs libbpf or a C compiler.
//!
//! - [`KernelRingBuf`]: a `BPF_MAP_TYPE_RINGBUF` opened from its map fd, mapped as libbpf maps it (the
//!   consumer page read-write, the producer page and the twice-mapped data read-only), and watched by an
//!   edge-triggered epoll. It is a [`RingMemory`], so the model's own [`Consumer`](super::Consumer) reads it,
//!   zero-copy, exactly as it reads a model ring; [`Consumer::wait`](super::Consumer::wait) sleeps in
//!   `epoll_wait` until a commit wakes it.
//! - [`KernelUserRingBuf`]: a `BPF_MAP_TYPE_USER_RINGBUF` opened from its map fd, mapped the other way round,
//!   with libbpf's single producer ([`reserve`](KernelUserRingBuf::reserve),
//!   [`reserve_blocking`](KernelUserRingBuf::reserve_blocking), submit, discard).
//! - [`ModelRing`]: a model [`RingBuf`](super::RingBuf) behind an `Arc`, readable the same way, with an
//!   eventfd that turns readable when the model's commit wakes the consumer ([`RingFd`]).
//! - `AsyncConsumer` (feature `tokio`): waits for either kind of ring in tokio through `AsyncFd`.
//!
//! Opening checks what the fd is before it maps anything, and every failure is an [`Errno`]: a closed fd
//! `EBADF`; a fd that is no BPF object `EINVAL` (the kernel's answer to `BPF_OBJ_GET_INFO_BY_FD`); a map of
//! another type `EINVAL` (as libbpf's `ring_buffer__add()`); a program or link fd `ENODEV` (its info is
//! not a map's, and it has no `mmap`); a read-only map fd the `mmap` errno (`EACCES`).
//!
//! # Sleeping without losing a wakeup
//!
//! The kernel wakes the consumer only when a commit finds `consumer_pos` at the committed record (or the
//! producer passed `BPF_RB_FORCE_WAKEUP`), and an edge-triggered epoll reports each wakeup once. A consumer
//! therefore may sleep only after it has read everything and then looked again, with a full barrier
//! between its last `consumer_pos` store and that look: the commit has the partner barrier (the `xchg` of
//! the header's `len` in `bpf_ringbuf_commit()`, before it reads `consumer_pos`), so either the commit
//! sees the consumer at its record and wakes it, or the consumer sees the record and does not sleep.
//! Without the barrier both can miss, and the reader sleeps on data (libbpf's level-triggered epoll hides
//! this, because its `epoll_wait` polls the ring again after a barrier of its own; an edge-triggered
//! reader does not get that second look). [`Consumer::wait`](super::Consumer::wait) and `AsyncConsumer`
//! take the look with the barrier ([`record_ready`]).

mod model;
mod sys;
#[cfg(feature = "tokio")]
mod tokio;
mod user;

pub use model::ModelRing;
pub use sys::{map_info, open_pinned, MapInfo};
#[cfg(feature = "tokio")]
pub use tokio::AsyncConsumer;
pub use user::{KernelUserRingBuf, KernelUserSample};

use super::consumer::RingMemory;
use super::layout::{RingType, BPF_RINGBUF_BUSY_BIT};
use crate::sync::{fence, AtomicU64, Ordering};
use crate::Errno;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::sync::atomic::AtomicU32;
use std::time::Duration;
use sys::{Epoll, Mapping};

/// `BPF_MAP_TYPE_RINGBUF`.
pub const BPF_MAP_TYPE_RINGBUF: u32 = 27;
/// `BPF_MAP_TYPE_USER_RINGBUF`.
pub const BPF_MAP_TYPE_USER_RINGBUF: u32 = 31;
/// `BPF_F_RB_OVERWRITE` (v6.19+): a ring whose producers overwrite the oldest records. Its consumer
/// protocol differs, so this reader refuses such a ring (`EOPNOTSUPP`) rather than misread it.
pub const BPF_F_RB_OVERWRITE: u32 = 1 << 19;

/// A ring's memory that signals its consumer's wakeups on a file descriptor, so that an event loop can
/// wait for them: the map fd of a [`KernelRingBuf`] (the kernel's `ringbuf_map_poll_kern()`), the eventfd of
/// a [`ModelRing`]. Code written against `RingFd` runs on both.
pub trait RingFd: RingMemory {
    /// The descriptor that turns readable (an epoll edge) when a commit wakes the consumer. Register it
    /// edge-triggered, as tokio and mio do.
    fn wakeup_fd(&self) -> Result<BorrowedFd<'_>, Errno>;

    /// Called by a reader that found nothing to read (after [`record_ready`] said so) right before it
    /// waits for [`wakeup_fd`](RingFd::wakeup_fd). A kernel ring needs nothing; a model ring arms the
    /// thread that turns the model's wakeup into an eventfd edge.
    fn will_wait(&self) {}

    /// Called after the fd reported readiness, before the reader looks at the ring again (a model ring
    /// resets its eventfd counter).
    fn woke(&self) {}
}

/// Whether the record at `consumer_pos` is committed, looked at after a full barrier: the check a consumer
/// makes after its last `consumer_pos` store and before it sleeps (see the module docs).
///
/// The barrier pairs with the one in the commit between its header store and its `consumer_pos` load
/// (`bpf_ringbuf_commit()`'s `xchg` in the kernel, the SeqCst fence in the model's commit).
pub fn record_ready<M: RingMemory + ?Sized>(mem: &M) -> bool {
    fence(Ordering::SeqCst);
    let cons = mem.consumer_pos().load(Ordering::Acquire);
    let prod = mem.producer_pos().load(Ordering::Acquire);
    cons < prod && mem.header_len((cons & mem.mask()) as usize) & BPF_RINGBUF_BUSY_BIT == 0
}

/// The map type, size and page size of a ring fd, checked as [`KernelRingBuf::new`] documents.
fn open_ring(fd: BorrowedFd<'_>, ty: RingType) -> Result<(usize, usize), Errno> {
    let info = map_info(fd)?;
    let want = match ty {
        RingType::Ringbuf => BPF_MAP_TYPE_RINGBUF,
        RingType::UserRingbuf => BPF_MAP_TYPE_USER_RINGBUF,
    };
    if info.map_type != want {
        return Err(Errno::EINVAL);
    }
    if info.map_flags & BPF_F_RB_OVERWRITE != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    let page = sys::page_size()?;
    let size = info.max_entries as usize;
    // A ring's size is a power of two and a multiple of the page (`ringbuf_map_alloc()`); anything else
    // is not a ring's info (a program's or link's read as a map's).
    if !size.is_power_of_two() || size % page != 0 {
        return Err(Errno::ENODEV);
    }
    // The producer page and the data mapped twice must be addressable.
    size.checked_mul(2).and_then(|d| d.checked_add(page)).ok_or(Errno::ENOMEM)?;
    Ok((size, page))
}

/// A kernel `BPF_MAP_TYPE_RINGBUF` mapped into this process, for one [`Consumer`](super::Consumer).
///
/// ```no_run
/// use bpf_model::ringbuf::Consumer;
/// use bpf_model::ringbuf::kernel::KernelRingBuf;
/// # fn demo(map_fd: std::os::fd::BorrowedFd<'_>) -> Result<(), bpf_model::Errno> {
/// let mut ring = Consumer::new(KernelRingBuf::new(map_fd)?);
/// loop {
///     ring.consume(usize::MAX, |r| { println!("{} bytes", r.data().len()); 0 }).ok();
///     ring.wait(Some(std::time::Duration::from_secs(1))); // epoll, edge-triggered, never on data
/// }
/// # }
/// ```
///
/// Like libbpf's and aya's readers, it cannot stop another process (or another mapping of the same map
/// in this one) from consuming the same ring; one consumer per ring is the user's rule, as in the kernel's
/// design.
#[derive(Debug)]
pub struct KernelRingBuf {
    // Field order is drop order: the mappings go before the fd (either order is valid for the kernel).
    cons: Mapping,
    prod: Mapping,
    epoll: Epoll,
    fd: OwnedFd,
    size: usize,
    page: usize,
}

impl KernelRingBuf {
    /// Opens the ring of the map `fd` refers to, on a duplicate of it (the caller keeps its fd).
    ///
    /// Checks, in order: the fd is open (`EBADF`); `BPF_OBJ_GET_INFO_BY_FD` accepts it (`EINVAL` for a
    /// fd that is no BPF object); the map type is `BPF_MAP_TYPE_RINGBUF` (`EINVAL`); not an overwrite
    /// ring (`EOPNOTSUPP`); its size is a ring's (`ENODEV`); then the kernel's checks of the two
    /// mappings (`EACCES` for a read-only fd, `ENODEV` for an object without `mmap`) and of the epoll
    /// registration.
    pub fn new(fd: impl AsFd) -> Result<KernelRingBuf, Errno> {
        KernelRingBuf::from_owned(sys::dup_raw(fd.as_fd().as_raw_fd())?)
    }

    /// [`new`](Self::new) for a raw map fd, as libbpf's `ring_buffer__add()` takes it: the fd is
    /// duplicated first, so a fd that is not open is `EBADF`, never undefined behaviour.
    pub fn from_raw(fd: RawFd) -> Result<KernelRingBuf, Errno> {
        KernelRingBuf::from_owned(sys::dup_raw(fd)?)
    }

    /// [`new`](Self::new), taking the fd over.
    pub fn from_owned(fd: OwnedFd) -> Result<KernelRingBuf, Errno> {
        let (size, page) = open_ring(fd.as_fd(), RingType::Ringbuf)?;
        // The consumer page read-write at offset 0; the producer page and the data, which the kernel maps
        // twice back to back, read-only at offset one page (`ringbuf_map_mmap_kern()` allows only the
        // consumer page to be writable).
        let cons = Mapping::new(fd.as_fd(), page, libc::PROT_READ | libc::PROT_WRITE, 0)?;
        let prod = Mapping::new(fd.as_fd(), page + 2 * size, libc::PROT_READ, page)?;
        let epoll = Epoll::new(fd.as_fd(), libc::EPOLLIN)?;
        Ok(KernelRingBuf { cons, prod, epoll, fd, size, page })
    }

    /// The data size in bytes (`max_entries`).
    pub fn size(&self) -> u64 {
        self.size as u64
    }

    /// `producer_pos - consumer_pos` (`BPF_RB_AVAIL_DATA`).
    pub fn avail_data(&self) -> u64 {
        let cons = self.consumer_pos().load(Ordering::Acquire);
        self.producer_pos().load(Ordering::Acquire).wrapping_sub(cons)
    }

    /// `consumer_pos`, `producer_pos` and `pending_pos` (offset 8 of the producer page, v6.10+; not ABI,
    /// zero before).
    pub fn positions(&self) -> (u64, u64, u64) {
        // SAFETY: offset 8 of the producer page is inside the mapping, 8-aligned, and lives as long as
        // `self`; the kernel writes it atomically (under its spinlock), this only loads it.
        let pending = unsafe { AtomicU64::from_ptr(self.prod.ptr().add(8).cast()) };
        (
            self.consumer_pos().load(Ordering::Acquire),
            self.producer_pos().load(Ordering::Acquire),
            pending.load(Ordering::Acquire),
        )
    }

    fn data(&self) -> *const u8 {
        // SAFETY: the producer mapping is `page + 2 * size` bytes long, so one page in is inside it.
        unsafe { self.prod.ptr().add(self.page) }
    }
}

impl TryFrom<OwnedFd> for KernelRingBuf {
    type Error = Errno;

    /// [`KernelRingBuf::from_owned`].
    fn try_from(fd: OwnedFd) -> Result<KernelRingBuf, Errno> {
        KernelRingBuf::from_owned(fd)
    }
}

impl AsFd for KernelRingBuf {
    /// The map fd (its own duplicate): readable when the ring holds data (`ringbuf_map_poll_kern()`), with
    /// an edge whenever a commit wakes the consumer.
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for KernelRingBuf {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

// SAFETY: `consumer_pos` is at offset 0 of the consumer page and `producer_pos` at offset 0 of the producer
// page, the data follows one page later and is mapped twice back to back, so `size` bytes from any offset
// below `size` are contiguous; `mask` is `size - 1` for the power-of-two size the kernel reported;
// `header_len` loads with acquire. One consumer: `KernelRingBuf` is not `Clone` and `Consumer` owns it
// (other mappings of the map are outside what this process can enforce, as for libbpf and aya).
unsafe impl RingMemory for KernelRingBuf {
    fn mask(&self) -> u64 {
        self.size as u64 - 1
    }

    fn consumer_pos(&self) -> &AtomicU64 {
        // SAFETY: offset 0 of the consumer page: mapped read-write, 8-aligned, for the life of `self`; the
        // kernel only reads it, with `smp_load_acquire()` in `__bpf_ringbuf_reserve()`, which pairs with
        // the consumer's release stores.
        unsafe { AtomicU64::from_ptr(self.cons.ptr().cast()) }
    }

    fn producer_pos(&self) -> &AtomicU64 {
        // SAFETY: offset 0 of the producer page: mapped (read-only; only loaded), 8-aligned, for the life
        // of `self`. The consumer's acquire loads pair with `smp_store_release(&rb->producer_pos)` in
        // `__bpf_ringbuf_reserve()`.
        unsafe { AtomicU64::from_ptr(self.prod.ptr().cast()) }
    }

    fn header_len(&self, off: usize) -> u32 {
        // SAFETY: `off < size` and 8-aligned (the consumer checks both), so the word is inside the data
        // mapping and aligned; only loaded. The acquire load pairs with the commit's `xchg` of
        // `hdr->len` in `bpf_ringbuf_commit()`, so the payload is visible once BUSY reads clear.
        unsafe { AtomicU32::from_ptr(self.data().add(off) as *mut u32).load(Ordering::Acquire) }
    }

    unsafe fn payload(&self, off: usize, len: usize) -> &[u8] {
        // SAFETY: `off < size` and `len <= size`, so the bytes lie in the double mapping of the data; they
        // belong to a committed record that this consumer has not moved past (caller), which the kernel
        // does not rewrite until `consumer_pos` moves past it.
        unsafe { std::slice::from_raw_parts(self.data().add(off), len) }
    }

    fn wait(&self, ready: &dyn Fn() -> bool, timeout: Option<Duration>) -> bool {
        // `ready` (the consumer's look, after a full barrier) comes after every `consumer_pos` store, so
        // a commit it misses saw the consumer at its record and queued the wakeup that the edge-triggered
        // epoll holds for the call below.
        if ready() {
            return true;
        }
        self.epoll.wait(timeout).unwrap_or(false)
    }
}

impl RingFd for KernelRingBuf {
    fn wakeup_fd(&self) -> Result<BorrowedFd<'_>, Errno> {
        Ok(self.fd.as_fd())
    }
}
