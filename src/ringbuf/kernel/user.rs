//! [`KernelUserRingBuf`]: the producer side of a kernel `BPF_MAP_TYPE_USER_RINGBUF`.

use super::sys::{self, Epoll, Mapping};
use super::{open_ring, RingType};
use crate::ringbuf::layout::{header_word, record_footprint, BPF_RINGBUF_BUSY_BIT, BPF_RINGBUF_DISCARD_BIT};
use crate::sync::{AtomicU64, Ordering};
use crate::Errno;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::sync::atomic::AtomicU32;
use std::time::{Duration, Instant};

/// A kernel user ring buffer mapped into this process as libbpf's `user_ring_buffer__new()` maps it (the
/// consumer page read-only, the producer page and the twice-mapped data read-write), with libbpf's single
/// producer: samples are reserved, written in place, and submitted or discarded, in order; a BPF program
/// drains them with `bpf_user_ringbuf_drain()`.
///
/// The model's twin is [`UserRingBuf`](crate::ringbuf::UserRingBuf) (same checks, same bytes; checked
/// against this kernel by `bpf-oracle`).
///
/// ```no_run
/// use bpf_model::ringbuf::kernel::KernelUserRingBuf;
/// # fn demo(map_fd: std::os::fd::BorrowedFd<'_>) -> Result<(), bpf_model::Errno> {
/// let mut ring = KernelUserRingBuf::new(map_fd)?;
/// let mut s = ring.reserve_blocking(5, std::time::Duration::from_secs(1))?;
/// s.write(0, b"hello");
/// s.submit(); // the next bpf_user_ringbuf_drain() sees it
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct KernelUserRingBuf {
    cons: Mapping,
    prod: Mapping,
    epoll: Epoll,
    fd: OwnedFd,
    size: usize,
    page: usize,
}

impl KernelUserRingBuf {
    /// Opens the user ring of the map `fd` refers to, on a duplicate of it. The same checks as
    /// [`KernelRingBuf::new`](super::KernelRingBuf::new), for `BPF_MAP_TYPE_USER_RINGBUF`; the mappings
    /// are the other way round (`ringbuf_map_mmap_user()` refuses a writable consumer page).
    pub fn new(fd: impl AsFd) -> Result<KernelUserRingBuf, Errno> {
        KernelUserRingBuf::from_owned(sys::dup_raw(fd.as_fd().as_raw_fd())?)
    }

    /// [`new`](Self::new) for a raw map fd (duplicated first: `EBADF` when it is not open).
    pub fn from_raw(fd: RawFd) -> Result<KernelUserRingBuf, Errno> {
        KernelUserRingBuf::from_owned(sys::dup_raw(fd)?)
    }

    /// [`new`](Self::new), taking the fd over.
    pub fn from_owned(fd: OwnedFd) -> Result<KernelUserRingBuf, Errno> {
        let (size, page) = open_ring(fd.as_fd(), RingType::UserRingbuf)?;
        let cons = Mapping::new(fd.as_fd(), page, libc::PROT_READ, 0)?;
        let prod = Mapping::new(fd.as_fd(), page + 2 * size, libc::PROT_READ | libc::PROT_WRITE, page)?;
        let epoll = Epoll::new(fd.as_fd(), libc::EPOLLOUT)?;
        Ok(KernelUserRingBuf { cons, prod, epoll, fd, size, page })
    }

    /// The data size in bytes.
    pub fn size(&self) -> u64 {
        self.size as u64
    }

    fn cons_pos(&self) -> &AtomicU64 {
        // SAFETY: offset 0 of the consumer page: mapped read-only, 8-aligned, for the life of `self`; only
        // loaded here. The kernel stores it with `smp_store_release()` in `bpf_user_ringbuf_drain()`.
        unsafe { AtomicU64::from_ptr(self.cons.ptr().cast()) }
    }

    fn prod_pos(&self) -> &AtomicU64 {
        // SAFETY: offset 0 of the producer page: mapped read-write, 8-aligned, for the life of `self`; the
        // kernel loads it with `smp_load_acquire()` in `__bpf_user_ringbuf_peek()`.
        unsafe { AtomicU64::from_ptr(self.prod.ptr().cast()) }
    }

    fn data(&self) -> *mut u8 {
        // SAFETY: the producer mapping is `page + 2 * size` bytes long, so one page in is inside it.
        unsafe { self.prod.ptr().add(self.page) }
    }

    /// `consumer_pos` (written by the kernel's drain) and `producer_pos`.
    pub fn positions(&self) -> (u64, u64) {
        (self.cons_pos().load(Ordering::Acquire), self.prod_pos().load(Ordering::Acquire))
    }

    /// libbpf's `user_ring_buffer__reserve(rb, size)`; the model's is
    /// [`UserRingBuf::reserve`](crate::ringbuf::UserRingBuf::reserve).
    ///
    /// Checks, in order:
    /// 1. `size` has bit 31 or bit 30 set → `E2BIG`;
    /// 2. `round_up(size + 8, 8)` larger than the ring → `E2BIG`;
    /// 3. less room than that between `producer_pos` and `consumer_pos` → `ENOSPC` (a user ring may be
    ///    filled completely);
    /// 4. writes the header `{ size | BUSY, 0 }`, moves `producer_pos` (release) and returns the sample.
    ///
    /// A `producer_pos` that is not 8-aligned (only a hand-written one can be) → `EINVAL`: libbpf would
    /// write the header there anyway, and the kernel's drain refuses such a ring with `-EINVAL`.
    pub fn reserve(&mut self, size: u32) -> Result<KernelUserSample<'_>, Errno> {
        if size & (BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT) != 0 {
            return Err(Errno::E2BIG);
        }
        // Acquire pairs with the drain's `smp_store_release(&rb->consumer_pos)`: the kernel has finished
        // reading the bytes this reservation may reuse.
        let cons = self.cons_pos().load(Ordering::Acquire);
        let prod = self.prod_pos().load(Ordering::Relaxed);
        let total = record_footprint(u64::from(size));
        if total > self.size as u64 {
            return Err(Errno::E2BIG);
        }
        if (self.size as u64).wrapping_sub(prod.wrapping_sub(cons)) < total {
            return Err(Errno::ENOSPC);
        }
        if prod % 8 != 0 {
            return Err(Errno::EINVAL);
        }
        let off = (prod & (self.size as u64 - 1)) as usize;
        // SAFETY: `off < size`, 8-aligned, inside the data mapping; the kernel does not read past
        // `producer_pos`, which this store is before. The header's `pg_off` stays 0, as libbpf leaves it.
        unsafe { AtomicU64::from_ptr(self.data().add(off).cast()) }
            .store(header_word(size | BPF_RINGBUF_BUSY_BIT, 0), Ordering::Relaxed);
        // Release pairs with the drain's `smp_load_acquire(&rb->producer_pos)`: the BUSY header is visible
        // before the position that announces it.
        self.prod_pos().store(prod + total, Ordering::Release);
        Ok(KernelUserSample { ring: self, off, size, done: false })
    }

    /// libbpf's `user_ring_buffer__reserve_blocking()`: [`reserve`](Self::reserve), and while it says
    /// `ENOSPC`, waits (edge-triggered `EPOLLOUT` on the map fd, which a drain that consumed a sample
    /// wakes) up to `timeout` in all, then tries again. `ENOSPC` when the ring is still full at the end.
    pub fn reserve_blocking(&mut self, size: u32, timeout: Duration) -> Result<KernelUserSample<'_>, Errno> {
        let deadline = Instant::now().checked_add(timeout);
        loop {
            match self.try_space(size) {
                Err(Errno::ENOSPC) => {}
                Err(e) => return Err(e),
                Ok(()) => return self.reserve(size),
            }
            let left = match deadline {
                None => None,
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(Errno::ENOSPC);
                    }
                    Some(left)
                }
            };
            // A drain that frees space stores `consumer_pos` before it wakes EPOLLOUT waiters, and the
            // epoll holds an edge that comes between the check above and this call.
            self.epoll.wait(left)?;
        }
    }

    /// The checks of [`reserve`](Self::reserve), without reserving.
    fn try_space(&self, size: u32) -> Result<(), Errno> {
        if size & (BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT) != 0 {
            return Err(Errno::E2BIG);
        }
        let (cons, prod) = self.positions();
        let total = record_footprint(u64::from(size));
        if total > self.size as u64 {
            return Err(Errno::E2BIG);
        }
        if (self.size as u64).wrapping_sub(prod.wrapping_sub(cons)) < total {
            return Err(Errno::ENOSPC);
        }
        Ok(())
    }
}

impl AsFd for KernelUserRingBuf {
    /// The map fd (its own duplicate): writable while the ring is not full (`ringbuf_map_poll_user()`).
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for KernelUserRingBuf {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

/// A sample reserved in a kernel user ring: write it, then [`submit`](Self::submit) or
/// [`discard`](Self::discard) it. Dropping it discards it.
#[derive(Debug)]
pub struct KernelUserSample<'a> {
    ring: &'a mut KernelUserRingBuf,
    off: usize,
    size: u32,
    done: bool,
}

impl KernelUserSample<'_> {
    /// The sample's size.
    pub fn size(&self) -> u32 {
        self.size
    }

    /// The sample's bytes, contiguous even where they wrap past the end of the data (double mapping).
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: the payload starts 8 bytes after the header at `off < size` and is `size` bytes long
        // with `size + 8 <= ring size`, so it lies inside the `2 * size` data mapping; the header is BUSY,
        // so the kernel's drain stops there and reads none of it until the commit, and `&mut self` (which
        // borrows the ring mutably) makes this the only reference.
        unsafe { std::slice::from_raw_parts_mut(self.ring.data().add(self.off + 8), self.size as usize) }
    }

    /// Copies `src` into the sample at `at`, clamped to its size.
    pub fn write(&mut self, at: usize, src: &[u8]) {
        let s = self.as_mut_slice();
        let at = at.min(s.len());
        let n = src.len().min(s.len() - at);
        s[at..at + n].copy_from_slice(&src[..n]);
    }

    fn commit(&mut self, discard: bool) {
        let mut len = self.size;
        if discard {
            len |= BPF_RINGBUF_DISCARD_BIT;
        }
        // SAFETY: the header at `off < size` is 8-aligned inside the data mapping. The swap (a full
        // barrier) pairs with the drain's `smp_load_acquire(&hdr->len)` in `__bpf_user_ringbuf_peek()`:
        // the payload written before it is visible once the drain sees BUSY clear.
        unsafe { AtomicU32::from_ptr(self.ring.data().add(self.off).cast()) }.swap(len, Ordering::AcqRel);
        self.done = true;
    }

    /// libbpf's `user_ring_buffer__submit()`: clears BUSY.
    pub fn submit(mut self) {
        self.commit(false);
    }

    /// libbpf's `user_ring_buffer__discard()`: clears BUSY and sets DISCARD (the drain skips it).
    pub fn discard(mut self) {
        self.commit(true);
    }
}

impl Drop for KernelUserSample<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.commit(true);
        }
    }
}
