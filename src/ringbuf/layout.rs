//! The ring buffer's memory: constants, record headers, positions and the map creation rules.
//!
//! Kernel: `kernel/bpf/ringbuf.c` (`struct bpf_ringbuf`, `struct bpf_ringbuf_hdr`, `ringbuf_map_alloc()`),
//! `include/uapi/linux/bpf.h` (the `BPF_RB_*` and `BPF_RINGBUF_*` constants).
//!
//! What user space maps, at these offsets of the map's mmap:
//!
//! ```text
//! 0               consumer page: u64 consumer_pos at offset 0 (RW for RINGBUF, RO for USER_RINGBUF)
//! PAGE_SIZE       producer page: u64 producer_pos at 0, u64 pending_pos at 8 (v6.10+, not ABI)
//! 2 * PAGE_SIZE   data: size bytes, then the same pages again (the kernel maps them twice)
//! ```
//!
//! A record is an 8-byte header `{ u32 len; u32 pg_off; }` and the payload, padded to 8 bytes; `len` holds
//! the payload size in bits 0..29, [`BPF_RINGBUF_DISCARD_BIT`] and [`BPF_RINGBUF_BUSY_BIT`].

use crate::version::Rule;
use crate::{Errno, KernelProfile};

/// `BPF_RB_NO_WAKEUP`: a commit never wakes the consumer.
pub const BPF_RB_NO_WAKEUP: u64 = 1 << 0;
/// `BPF_RB_FORCE_WAKEUP`: a commit always wakes the consumer (tested first: it wins over NO_WAKEUP).
pub const BPF_RB_FORCE_WAKEUP: u64 = 1 << 1;
/// `BPF_RB_AVAIL_DATA`: query `producer_pos - consumer_pos`.
pub const BPF_RB_AVAIL_DATA: u64 = 0;
/// `BPF_RB_RING_SIZE`: query the data size.
pub const BPF_RB_RING_SIZE: u64 = 1;
/// `BPF_RB_CONS_POS`: query the consumer position.
pub const BPF_RB_CONS_POS: u64 = 2;
/// `BPF_RB_PROD_POS`: query the producer position.
pub const BPF_RB_PROD_POS: u64 = 3;
/// `BPF_RINGBUF_BUSY_BIT`: the record is reserved and not yet committed.
pub const BPF_RINGBUF_BUSY_BIT: u32 = 1 << 31;
/// `BPF_RINGBUF_DISCARD_BIT`: the record was discarded; consumers skip it.
pub const BPF_RINGBUF_DISCARD_BIT: u32 = 1 << 30;
/// `BPF_RINGBUF_HDR_SZ`: the record header's size.
pub const BPF_RINGBUF_HDR_SZ: u32 = 8;
/// `RINGBUF_MAX_RECORD_SZ` (`UINT_MAX / 4`): the largest size `__bpf_ringbuf_reserve()` looks at.
pub const RINGBUF_MAX_RECORD_SZ: u64 = (u32::MAX / 4) as u64;
/// `BPF_F_NUMA_NODE`: the only map flag a ring buffer accepts.
pub const BPF_F_NUMA_NODE: u32 = 1 << 2;
/// `RINGBUF_CREATE_FLAG_MASK` before [`Rule::RingbufOverwrite`](crate::version::Rule::RingbufOverwrite)
/// (from it, [`BPF_F_RB_OVERWRITE`] too).
pub const RINGBUF_CREATE_FLAG_MASK: u32 = BPF_F_NUMA_NODE;
/// `BPF_F_RB_OVERWRITE` (6.19+, RINGBUF only): a full ring overwrites its oldest committed records.
pub const BPF_F_RB_OVERWRITE: u32 = 1 << 19;
/// `BPF_RB_OVERWRITE_POS` (6.19+): query the overwrite position.
pub const BPF_RB_OVERWRITE_POS: u64 = 4;
/// `RINGBUF_PGOFF`: pages of `struct bpf_ringbuf` in front of the consumer page (its waitqueue, irq_work,
/// mask, page array and locks fit one page on every page size the kernel supports).
pub const RINGBUF_PGOFF: u32 = 1;
/// `RINGBUF_POS_PAGES`: the consumer page and the producer page.
pub const RINGBUF_POS_PAGES: u32 = 2;
/// `BPF_MAX_USER_RINGBUF_SAMPLES`: the most samples one `bpf_user_ringbuf_drain()` call looks at.
pub const BPF_MAX_USER_RINGBUF_SAMPLES: u64 = 128 * 1024;
/// Byte offset of `pending_pos` in the producer page.
pub const PENDING_POS_OFFSET: usize = 8;

/// The two map types that share this layout.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
#[cfg_attr(feature = "vectors", derive(serde::Serialize, serde::Deserialize))]
pub enum RingType {
    /// `BPF_MAP_TYPE_RINGBUF` (27): BPF programs produce, user space consumes.
    Ringbuf,
    /// `BPF_MAP_TYPE_USER_RINGBUF` (31): user space produces, BPF programs drain.
    UserRingbuf,
}

/// `round_up(size + BPF_RINGBUF_HDR_SZ, 8)`: the bytes a record of `size` payload bytes occupies.
///
/// The kernel computes it in 64-bit unsigned arithmetic, which wraps: every caller in the kernel has
/// bounded `size` first (`RINGBUF_MAX_RECORD_SZ`, or a 30-bit `len`), and so does every caller here, but
/// for a `size` within 15 of `u64::MAX` this returns the wrapped value the kernel's macro would.
///
/// ```
/// use bpf_model::ringbuf::record_footprint;
/// assert_eq!(record_footprint(0), 8);
/// assert_eq!(record_footprint(1), 16);
/// assert_eq!(record_footprint(8), 16);
/// assert_eq!(record_footprint(u64::MAX - 1), 8, "wraps as the kernel's round_up() does");
/// ```
pub const fn record_footprint(size: u64) -> u64 {
    size.wrapping_add(BPF_RINGBUF_HDR_SZ as u64 + 7) & !7
}

/// The payload size in a header's `len` (the flag bits cleared).
pub const fn len_size(len: u32) -> u32 {
    len & !(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT)
}

/// A header word as it sits in memory: `len` at byte 0, `pg_off` at byte 4, in native byte order.
#[inline]
pub(crate) fn header_word(len: u32, pg_off: u32) -> u64 {
    let mut b = [0u8; 8];
    b[..4].copy_from_slice(&len.to_ne_bytes());
    b[4..].copy_from_slice(&pg_off.to_ne_bytes());
    u64::from_ne_bytes(b)
}

/// The `len` field of a header word.
#[inline]
pub(crate) fn word_len(w: u64) -> u32 {
    let b = w.to_ne_bytes();
    u32::from_ne_bytes([b[0], b[1], b[2], b[3]])
}

/// The `pg_off` field of a header word.
#[inline]
pub(crate) fn word_pg_off(w: u64) -> u32 {
    let b = w.to_ne_bytes();
    u32::from_ne_bytes([b[4], b[5], b[6], b[7]])
}

/// `bpf_ringbuf_rec_pg_off()`: pages from the start of `struct bpf_ringbuf` to a header at data offset
/// `off`. The data starts `RINGBUF_PGOFF + RINGBUF_POS_PAGES` pages in. `None` when `page_size` is not a
/// power of two (no kernel has such pages; [`check_create`] refuses such a profile).
///
/// The kernel computes `(hdr - rb) >> PAGE_SHIFT` in 64-bit unsigned arithmetic and stores it in the
/// 32-bit `pg_off`: so does this (wrapping, then truncating), which only matters for offsets no ring has.
///
/// ```
/// use bpf_model::ringbuf::rec_pg_off;
/// assert_eq!(rec_pg_off(4096, 0), Some(3));
/// assert_eq!(rec_pg_off(4096, 4096 + 8), Some(4));
/// assert_eq!(rec_pg_off(4096, u64::MAX - 1), Some(2), "wraps as the kernel's pointer difference would");
/// assert_eq!(rec_pg_off(0, 8), None);
/// assert_eq!(rec_pg_off(3000, 8), None);
/// ```
#[inline]
pub fn rec_pg_off(page_size: u32, off: u64) -> Option<u32> {
    page_size.is_power_of_two().then(|| rec_pg_off_shift(page_size.trailing_zeros(), off))
}

/// [`rec_pg_off`] with the page size given as its shift (`PAGE_SHIFT`, below 32): the form a ring uses on
/// every reservation.
#[inline]
pub(crate) fn rec_pg_off_shift(page_shift: u32, off: u64) -> u32 {
    let base = u64::from(RINGBUF_PGOFF + RINGBUF_POS_PAGES) << page_shift;
    (base.wrapping_add(off) >> page_shift) as u32
}

/// Whether `page_size` can be a kernel's page size as far as a ring is concerned: a power of two that holds
/// the producer page's two positions. (Real kernels have 4 KiB to 256 KiB pages; the loom tests use
/// smaller ones, so that a ring of a few records is a whole number of pages.)
pub const fn page_size_ok(page_size: u32) -> bool {
    page_size.is_power_of_two() && page_size >= 16
}

/// The checks of `ringbuf_map_alloc()` (the same function serves RINGBUF and USER_RINGBUF), for the
/// profile's kernel.
///
/// Kernel: `kernel/bpf/ringbuf.c`, `ringbuf_map_alloc()`. Checks, in order:
/// 1. `map_flags` outside `RINGBUF_CREATE_FLAG_MASK` → `EINVAL`: `BPF_F_NUMA_NODE`, and with
///    [`Rule::RingbufOverwrite`](crate::version::Rule::RingbufOverwrite) also [`BPF_F_RB_OVERWRITE`];
/// 2. [`BPF_F_RB_OVERWRITE`] on anything but a RINGBUF → `EINVAL`;
/// 3. `key_size != 0`, `value_size != 0`, `max_entries` not a power of two (0 included), or not a multiple
///    of `PAGE_SIZE` → `EINVAL`;
/// 4. allocation failure → `ENOMEM` (the model's own allocation, in [`RingBuf::create`](super::RingBuf::create)).
///
/// A profile whose page size no kernel has ([`page_size_ok`]), or whose version the model does not speak
/// for, is refused first, with `EINVAL`.
///
/// There is no size limit beyond that on 64-bit kernels: `max_entries` is a u32, so the largest ring is
/// 2 GiB.
///
/// ```
/// use bpf_model::ringbuf::{check_create, RingType::*, BPF_F_RB_OVERWRITE};
/// use bpf_model::{Errno, KernelProfile};
/// let p = KernelProfile::x86_64_v6_18();
/// assert_eq!(check_create(&p, Ringbuf, 0, 0, 0, 4096), Ok(()));
/// assert_eq!(check_create(&p, Ringbuf, 0, 0, 0, 2048), Err(Errno::EINVAL)); // smaller than a page
/// assert_eq!(check_create(&p, Ringbuf, 0, 0, 0, 3 * 4096), Err(Errno::EINVAL)); // not a power of two
/// assert_eq!(check_create(&p, Ringbuf, 1 << 10, 0, 0, 4096), Err(Errno::EINVAL)); // BPF_F_MMAPABLE
/// assert_eq!(check_create(&p, Ringbuf, 1 << 2, 0, 0, 4096), Ok(())); // BPF_F_NUMA_NODE
/// assert_eq!(check_create(&p, Ringbuf, BPF_F_RB_OVERWRITE, 0, 0, 4096), Err(Errno::EINVAL)); // 6.18
/// let p = KernelProfile::debian(6, 19).unwrap();
/// assert_eq!(check_create(&p, Ringbuf, BPF_F_RB_OVERWRITE, 0, 0, 4096), Ok(()));
/// assert_eq!(check_create(&p, UserRingbuf, BPF_F_RB_OVERWRITE, 0, 0, 4096), Err(Errno::EINVAL));
/// ```
pub fn check_create(
    profile: &KernelProfile,
    ty: RingType,
    map_flags: u32,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
) -> Result<(), Errno> {
    let rules = profile.rules().map_err(|_| Errno::EINVAL)?;
    if !page_size_ok(profile.page_size) {
        return Err(Errno::EINVAL);
    }
    let mask = if rules.has(Rule::RingbufOverwrite) {
        RINGBUF_CREATE_FLAG_MASK | BPF_F_RB_OVERWRITE
    } else {
        RINGBUF_CREATE_FLAG_MASK
    };
    if map_flags & !mask != 0 {
        return Err(Errno::EINVAL);
    }
    if map_flags & BPF_F_RB_OVERWRITE != 0 && ty != RingType::Ringbuf {
        return Err(Errno::EINVAL);
    }
    let page = profile.page_size;
    if key_size != 0 || value_size != 0 || !max_entries.is_power_of_two() || max_entries % page != 0 {
        return Err(Errno::EINVAL);
    }
    Ok(())
}
