//! The thin adapter between the embedding layer and the areas' safe APIs: every constructor and
//! crate-internal accessor the environment uses goes through here, so that a change of an area's
//! constructors (for example taking [`Rules`](crate::Rules)) is one edit in this file.

use crate::cpumask::{BpfCpumask, CpumaskAlloc};
use crate::dynptr::Dynptr;
use crate::ringbuf::{RingBuf, UserRingBuf};
use crate::{Errno, KernelProfile, Rules};
use std::cell::Cell;

/// A RINGBUF map of `max_entries` data bytes, for `profile`'s kernel.
pub(super) fn ringbuf(profile: &KernelProfile, max_entries: u32) -> Result<RingBuf, Errno> {
    RingBuf::new(profile, max_entries)
}

/// A USER_RINGBUF map of `max_entries` data bytes, for `profile`'s kernel.
pub(super) fn user_ringbuf(profile: &KernelProfile, max_entries: u32) -> Result<UserRingBuf, Errno> {
    UserRingBuf::new(profile, max_entries)
}

/// The cpumask allocator of `profile`'s kernel.
pub(super) fn cpumask_alloc(profile: &KernelProfile) -> CpumaskAlloc {
    CpumaskAlloc::new(profile)
}

/// `bpf_cpumask_create()` from `alloc`.
pub(super) fn cpumask_create(alloc: &CpumaskAlloc) -> Option<BpfCpumask> {
    alloc.create()
}

/// The ring's whole data area (`2 * size` bytes: the data and the copy that keeps wrapping records
/// contiguous, as the kernel's double mapping does), as cells.
pub(super) fn ring_area(rb: &RingBuf) -> &[Cell<u8>] {
    let len = rb.words.len_bytes();
    // SAFETY: in bounds (the whole area). The environment that owns the ring is `!Sync` (it holds cells)
    // and is the ring's only producer: payload bytes are accessed through this view only inside a live
    // reservation (`Env` hands out sample ranges only while the sample is reserved), and header words are
    // only touched by the ring's own atomic methods, which run on this same thread.
    unsafe { rb.words.cells(0, len) }
}

/// The ring's data offset of position `pos`.
pub(super) fn ring_off(rb: &RingBuf, pos: u64) -> usize {
    rb.off(pos)
}

/// `bpf_ringbuf_commit()` of the `size`-byte record reserved at `pos`: submit, or discard with `discard`.
pub(super) fn ring_commit(rb: &RingBuf, pos: u64, size: u32, flags: u64, discard: bool) {
    rb.commit(pos, size, flags, discard);
}

/// `__bpf_ringbuf_reserve()` through the safe API, leaving the record reserved (BUSY) until
/// [`ring_commit`]: its position, or `None` (the helper's NULL).
pub(super) fn ring_reserve(rb: &RingBuf, size: u64, flags: u64) -> Option<u64> {
    let sample = rb.reserve(size, flags)?;
    let pos = sample.position();
    // The record stays reserved: the environment commits it by its address, as the kernel does.
    std::mem::forget(sample);
    Some(pos)
}

/// `bpf_ringbuf_reserve_dynptr()` through the safe API, leaving the record reserved: `Ok(position)` or
/// the helper's errno (flags, then size, then the reservation), in the kernel's order.
pub(super) fn ring_reserve_dynptr(rb: &RingBuf, size: u32, flags: u64) -> Result<u64, Errno> {
    let d = rb.reserve_dynptr(size, flags)?;
    let area = ring_area(rb).as_ptr() as usize;
    let payload = d.dynptr().data(0, 0).map(|s| s.as_ptr() as usize).ok_or(Errno::EFAULT)?;
    // The payload follows the 8-byte header; `commit` uses the position modulo the ring size only.
    let pos = (payload - area - 8) as u64;
    std::mem::forget(d);
    Ok(pos)
}

/// A LOCAL dynptr as the kernel's `bpf_dynptr_kern` holds it: `cells` from `data`, then `offset` and
/// `size` bits of the size word, and the read-only bit. `None` where no kernel dynptr could look so.
pub(super) fn local_dynptr(
    rules: Rules,
    cells: &[Cell<u8>],
    offset: u32,
    size: u32,
    rdonly: bool,
) -> Option<Dynptr<'_>> {
    let total = offset.checked_add(size)?;
    narrowed(Dynptr::from_mem(rules, cells, total, 0).ok()?, offset, total, rdonly)
}

/// A RINGBUF dynptr over a reserved sample's `cells` (the whole payload), narrowed as the kernel's struct
/// says.
pub(super) fn ringbuf_dynptr(
    rules: Rules,
    cells: &[Cell<u8>],
    offset: u32,
    size: u32,
    rdonly: bool,
) -> Option<Dynptr<'_>> {
    let total = offset.checked_add(size)?;
    narrowed(Dynptr::ringbuf_sample(rules, cells, u32::try_from(cells.len()).ok()?), offset, total, rdonly)
}

/// `d` adjusted to `[offset, end)` and made read-only if `rdonly`: the struct's offset, size and bit.
fn narrowed(mut d: Dynptr<'_>, offset: u32, end: u32, rdonly: bool) -> Option<Dynptr<'_>> {
    d.adjust(u64::from(offset), u64::from(end)).ok()?;
    if rdonly {
        d.set_rdonly();
    }
    Some(d)
}
