//! `struct bpf_dynptr`: a pointer with a size, a type and a read-only bit, and every operation a BPF
//! program can perform on it, as each kernel from 6.1 to 7.3 performs it.
//!
//! Every dynptr carries the [`Rules`] of the kernel it was made for (constructors take them), so that a
//! dynptr made for 6.12 behaves as 6.12's for its whole life:
//! - offsets and sizes are `u64` in both faces; before 6.19 the kernel's parameters were `u32`, so only
//!   the low 32 bits count (an offset of `1 << 32` is 0), and `bpf_dynptr_size` returns a `u32`
//!   ([`Rule::DynptrU64Offsets`]);
//! - the kfuncs exist from their [`Func::since`] (6.1 has only the helpers `from_mem`, `read`, `write`,
//!   `data` and the ring buffer's); see [`Dynptr::has`].
//!
//! Kernel: `include/linux/bpf.h` (`struct bpf_dynptr_kern`), `kernel/bpf/helpers.c` (the helpers and kfuncs),
//! `net/core/filter.c` (the SKB, SKB_META and XDP constructors and their load/store paths).
//!
//! The kernel keeps three words per dynptr: `data`, a `u32 size` whose low 24 bits are the size, bits
//! 28..30 the type and bit 31 the read-only flag, and a `u32 offset` into `data`. [`Dynptr`] keeps exactly
//! those. What `data` points at depends on the type:
//!
//! | type | `data` | model |
//! |---|---|---|
//! | LOCAL, RINGBUF | the memory itself | a slice of [`Cell<u8>`] |
//! | SKB, SKB_META | `struct sk_buff *` | an [`Skb`]: packet bytes with a linear head length, and metadata |
//! | XDP | `struct xdp_buff *` | an [`XdpBuff`]: a linear area and page fragments |
//!
//! Memory is a slice of [`Cell<u8>`]: several dynptrs (clones) may share it and write through any of them,
//! as the kernel's raw pointer allows, without `unsafe` aliasing. Clones are plain copies ([`Dynptr`] is
//! `Copy`), exactly as `bpf_dynptr_clone()` is a 16-byte struct copy.
//!
//! Every operation has two faces: a safe method (`Result<_, Errno>`, slices borrowed from the memory where
//! the kernel hands out a direct pointer) and the kernel ABI in [`abi`] (the helper's integer return).
//!
//! ```
//! # const R: bpf_model::Rules = bpf_model::Rules::newest();
//! use bpf_model::dynptr::{Dynptr, DynptrType};
//! use bpf_model::Errno;
//! use std::cell::Cell;
//!
//! let mut buf = [0u8; 16];
//! let mem = Cell::from_mut(&mut buf[..]).as_slice_of_cells();
//! let ptr = Dynptr::from_mem(R, mem, 16, 0).unwrap();
//! assert_eq!(ptr.dynptr_type(), Some(DynptrType::Local));
//! ptr.write(4, b"abcd", 0).unwrap();
//! let mut out = [0u8; 4];
//! ptr.read(&mut out, 4, 0).unwrap();
//! assert_eq!(&out, b"abcd");
//! assert_eq!(ptr.read(&mut out, 13, 0), Err(Errno::E2BIG));
//! ```
//!
//! # What the live kernel judged, and what it cannot be driven to
//!
//! `bpf-oracle`'s dynptr area runs every operation on every type below in the live kernel (see
//! `oracle/bpf/dynptr.bpf.c`): LOCAL over a map value (SYSCALL program), RINGBUF from
//! `bpf_ringbuf_reserve_dynptr` (SYSCALL), SKB from a TC test run, read-only SKB from a `cgroup_skb` test
//! run, SKB_META from a TC test run, XDP linear and with fragments from an `xdp.frags` test run. These
//! cannot be driven from a test run, and are modelled from the v6.18 source only:
//! - `from_mem` sizes above the map value (the verifier bounds the size argument), so `from_mem`'s
//!   `E2BIG` for sizes above [`DYNPTR_MAX_SIZE`] is not kernel-judged (the RINGBUF constructor's is);
//! - non-linear SKBs (a TC/cgroup_skb test run always builds a linear skb), so [`Skb::with_frags`] and the
//!   pull done by a write are modelled from source. For a non-linear skb, `bpf_dynptr_slice` without a
//!   buffer at an offset past the linear head computes `skb_headlen(skb) - offset` in unsigned arithmetic
//!   (`skb_pointer_if_linear()`), so the kernel returns a pointer past the head; the model returns `None`;
//! - SKB_META with a non-empty metadata area, and a cloned skb (a TC test run's skb has no metadata and is
//!   not cloned), so SKB_META is judged at size 0 only;
//! - lengths of read/write above 512 bytes (the verifier bounds the buffer of `bpf_dynptr_read`).
//!
//! Where the spec notes and v6.18 differ, v6.18 wins: `bpf_dynptr_from_skb_meta` has no read-only variant in
//! v6.18 (only `bpf_dynptr_from_skb` is swapped for `bpf_dynptr_from_skb_rdonly` by the verifier; an SKB_META
//! dynptr is read-only only over a cloned skb). The live kernel also showed:
//! - the verifier refuses `bpf_dynptr_slice_rdwr` in SYSCALL programs ("the prog does not allow writes to
//!   packet data"), whatever the dynptr's type, so the oracle drives LOCAL and RINGBUF `slice_rdwr` from TC
//!   programs;
//! - `bpf_dynptr_memset` on a read-only dynptr is `EINVAL` even for an empty range at the end (the empty
//!   `slice_rdwr` is NULL for a read-only dynptr, and the read-only check comes before the range);
//! - overlapping copies inside one packet (`bpf_dynptr_copy` between clones when only one side is a direct
//!   pointer) go through the kernel's `memcpy`, whose result depends on the CPU ([`Memcpy`], chosen by
//!   [`KernelProfile::cpu_fsrm`](crate::KernelProfile::cpu_fsrm)): with FSRM (`rep movsb`) it copies
//!   ascending byte by byte, so a destination above the source repeats the pattern; without it (qemu's
//!   TCG CPUs) `memcpy_orig` copies 32-byte blocks, backwards when the source address's low byte is below
//!   the destination's. LOCAL, RINGBUF and SKB_META copies are `memmove`s. The model does the same;
//! - Debian's 6.1, 6.12, 6.16-6.19 and 7.0-7.3 under qemu judged the version rules: the `u32` truncation
//!   up to 6.18, the kfuncs each release has, and 6.1's flags-first `bpf_dynptr_write`
//!   (`vectors/<series>/dynptr.jsonl`).
//!
//! Memory operations are bulk copies (`ptr::copy`, `write_bytes`) on the `Cell<u8>` memory, so a 1 MiB
//! `memset`, `read` or `write` runs at the speed of a slice fill or copy (see `benches/dynptr.rs`).

use crate::prog::Func;
use crate::version::{Rule, Rules};
use crate::Errno;
use std::cell::Cell;

/// `DYNPTR_MAX_SIZE`: the largest size a dynptr can carry, `(1 << 24) - 1`.
pub const DYNPTR_MAX_SIZE: u32 = (1 << 24) - 1;
/// `DYNPTR_TYPE_SHIFT`: the type sits in bits 28..30 of the size word.
pub const DYNPTR_TYPE_SHIFT: u32 = 28;
/// `DYNPTR_SIZE_MASK`: the size bits of the size word.
pub const DYNPTR_SIZE_MASK: u32 = 0x00FF_FFFF;
/// `DYNPTR_RDONLY_BIT`: bit 31 of the size word.
pub const DYNPTR_RDONLY_BIT: u32 = 1 << 31;
/// `BPF_F_RECOMPUTE_CSUM`: a flag `bpf_dynptr_write` accepts on SKB dynptrs.
pub const BPF_F_RECOMPUTE_CSUM: u64 = 1 << 0;
/// `BPF_F_INVALIDATE_HASH`: a flag `bpf_dynptr_write` accepts on SKB dynptrs.
pub const BPF_F_INVALIDATE_HASH: u64 = 1 << 1;
/// The chunk size of `bpf_dynptr_copy` and `bpf_dynptr_memset` on non-contiguous memory (their stack buffer).
pub const CHUNK: u32 = 256;
/// `bpf_xdp_pointer()` refuses offsets and lengths above this with `EFAULT`.
pub const XDP_MAX_OFF_LEN: u32 = 0xffff;
/// `INT_MAX`: `bpf_skb_store_bytes` refuses larger offsets with `EFAULT`.
const INT_MAX: u32 = i32::MAX as u32;

/// `enum bpf_dynptr_type` of v6.18.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
#[cfg_attr(feature = "vectors", derive(serde::Serialize, serde::Deserialize))]
pub enum DynptrType {
    /// `BPF_DYNPTR_TYPE_LOCAL` (1): memory of the program (a map value, global data).
    Local = 1,
    /// `BPF_DYNPTR_TYPE_RINGBUF` (2): a ring buffer sample.
    Ringbuf = 2,
    /// `BPF_DYNPTR_TYPE_SKB` (3): a socket buffer's packet data.
    Skb = 3,
    /// `BPF_DYNPTR_TYPE_XDP` (4): an XDP buffer, fragments included.
    Xdp = 4,
    /// `BPF_DYNPTR_TYPE_SKB_META` (5, new in v6.18): the metadata area in front of an skb's data.
    SkbMeta = 5,
}

impl DynptrType {
    /// The type from its number in the size word.
    pub const fn from_raw(v: u32) -> Option<DynptrType> {
        match v {
            1 => Some(DynptrType::Local),
            2 => Some(DynptrType::Ringbuf),
            3 => Some(DynptrType::Skb),
            4 => Some(DynptrType::Xdp),
            5 => Some(DynptrType::SkbMeta),
            _ => None,
        }
    }
}

// ------------------------------------------------------------------------------------------------------
// Bulk operations on `Cell<u8>` memory.

/// Copies `src` into `dst` (equal lengths).
#[inline]
fn cells_to_bytes(src: &[Cell<u8>], dst: &mut [u8]) {
    let n = src.len().min(dst.len());
    // SAFETY: `Cell<u8>` has the layout of `u8`; `src` is valid for `n` reads and `dst` for `n` writes.
    // They cannot overlap: `dst` is a unique `&mut [u8]`, and no `&mut [u8]` can coexist with a live
    // `&[Cell<u8>]` of the same memory (`Cell::from_mut` takes the `&mut` for the cells' whole lifetime).
    // `Cell` is `!Sync`, so no other thread writes `src` meanwhile.
    unsafe { std::ptr::copy_nonoverlapping(src.as_ptr().cast::<u8>(), dst.as_mut_ptr(), n) }
}

/// Copies `src` into `dst` (equal lengths).
#[inline]
fn bytes_to_cells(src: &[u8], dst: &[Cell<u8>]) {
    let n = src.len().min(dst.len());
    // SAFETY: writing through a shared `&[Cell<u8>]` is allowed (`Cell` is `UnsafeCell`, same layout as
    // `u8`); `dst` is valid for `n` writes and `src` for `n` reads; a `&[u8]` cannot be derived from cells,
    // so the ranges do not overlap; `Cell` is `!Sync`, so this thread is the only one accessing them.
    unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), dst.as_ptr() as *mut u8, n) }
}

/// `memmove` between two cell slices that may overlap (equal lengths).
#[inline]
fn cells_move(src: &[Cell<u8>], dst: &[Cell<u8>]) {
    let n = src.len().min(dst.len());
    // SAFETY: both are valid for `n` bytes; `ptr::copy` allows overlap (memmove); writes through `&Cell`
    // memory are allowed; `Cell` is `!Sync`, so no other thread accesses either range.
    unsafe { std::ptr::copy(src.as_ptr().cast::<u8>(), dst.as_ptr() as *mut u8, n) }
}

/// `memcpy` between two cell slices as the kernel's x86-64 `memcpy` (`rep movsb`) performs it: ascending
/// byte by byte, so an overlapping destination above the source repeats the pattern (equal lengths).
#[inline]
fn cells_copy_forward(src: &[Cell<u8>], dst: &[Cell<u8>]) {
    let n = src.len().min(dst.len());
    let (s, d) = (src.as_ptr() as usize, dst.as_ptr() as usize);
    // `d - s` (wrapping) is below `n` exactly when the destination starts inside the source, above it.
    if d.wrapping_sub(s) >= n {
        // No overlap, or the destination at or below the source: memmove gives the ascending copy's result.
        cells_move(src, dst);
    } else {
        for i in 0..n {
            dst[i].set(src[i].get());
        }
    }
}

/// The source of a write: program bytes, or cells of some dynptr's memory (`bpf_dynptr_copy`).
#[derive(Clone, Copy)]
enum Src<'s> {
    Bytes(&'s [u8]),
    Cells(&'s [Cell<u8>]),
}

impl Src<'_> {
    #[inline]
    fn len(&self) -> usize {
        match self {
            Src::Bytes(b) => b.len(),
            Src::Cells(c) => c.len(),
        }
    }

    /// Copies into `dst`: `memmove` if `memmove`, else the kernel's `memcpy`.
    #[inline]
    fn copy_to(&self, dst: &[Cell<u8>], memmove: bool) {
        match self {
            Src::Bytes(b) => bytes_to_cells(b, dst),
            Src::Cells(c) if memmove => cells_move(c, dst),
            Src::Cells(c) => cells_copy_forward(c, dst),
        }
    }
}

/// The destination of a read: program bytes, or cells of some dynptr's memory (`bpf_dynptr_copy`).
enum Dst<'d> {
    Bytes(&'d mut [u8]),
    Cells(&'d [Cell<u8>]),
}

impl Dst<'_> {
    #[inline]
    fn len(&self) -> usize {
        match self {
            Dst::Bytes(b) => b.len(),
            Dst::Cells(c) => c.len(),
        }
    }

    /// Copies `src` in: `memmove` if `memmove`, else the kernel's `memcpy`.
    #[inline]
    fn copy_from(&mut self, src: &[Cell<u8>], memmove: bool) {
        match self {
            Dst::Bytes(b) => cells_to_bytes(src, b),
            Dst::Cells(c) if memmove => cells_move(src, c),
            Dst::Cells(c) => cells_copy_forward(src, c),
        }
    }

    fn zero(&mut self) {
        match self {
            Dst::Bytes(b) => b.fill(0),
            Dst::Cells(c) => cells_fill(c, 0),
        }
    }
}

/// `memset` on cells.
#[inline]
fn cells_fill(dst: &[Cell<u8>], val: u8) {
    // SAFETY: `dst` is valid for `dst.len()` writes through its `UnsafeCell`s; `Cell` is `!Sync`.
    unsafe { std::ptr::write_bytes(dst.as_ptr() as *mut u8, val, dst.len()) }
}

fn new_cells(bytes: &[u8]) -> Box<[Cell<u8>]> {
    bytes.iter().map(|&b| Cell::new(b)).collect()
}

fn cells_vec(cells: &[Cell<u8>]) -> Vec<u8> {
    let mut v = vec![0u8; cells.len()];
    cells_to_bytes(cells, &mut v);
    v
}

/// `cells[start..start + len]`, or `EFAULT` when a dynptr points outside its memory (which no constructor
/// of this module allows, but [`Dynptr::ringbuf_sample`] trusts its caller).
#[inline]
fn range(cells: &[Cell<u8>], start: u64, len: u64) -> Result<&[Cell<u8>], Errno> {
    let start = usize::try_from(start).map_err(|_| Errno::EFAULT)?;
    let len = usize::try_from(len).map_err(|_| Errno::EFAULT)?;
    cells.get(start..start.saturating_add(len)).ok_or(Errno::EFAULT)
}

// ------------------------------------------------------------------------------------------------------
// Packets.

/// A `struct sk_buff` as dynptrs see it: `len` packet bytes of which the first `headlen` are linear (the
/// rest in page fragments), the metadata area in front of the data, and whether it is cloned.
///
/// ```
/// use bpf_model::dynptr::Skb;
/// let skb = Skb::with_frags(b"head", &[b"frag0", b"frag1"]);
/// assert_eq!((skb.len(), skb.headlen()), (14, 4));
/// assert_eq!(skb.to_vec(), b"headfrag0frag1");
/// ```
#[derive(Debug)]
pub struct Skb {
    data: Box<[Cell<u8>]>,
    headlen: Cell<u32>,
    meta: Box<[Cell<u8>]>,
    cloned: Cell<bool>,
}

impl Skb {
    /// A linear skb holding `data` (what a TC test run builds from `data_in`).
    pub fn new(data: &[u8]) -> Skb {
        Skb::with_frags(data, &[])
    }

    /// An skb whose linear head is `head`, followed by the fragments `frags`.
    pub fn with_frags(head: &[u8], frags: &[&[u8]]) -> Skb {
        let mut all = head.to_vec();
        for f in frags {
            all.extend_from_slice(f);
        }
        Skb {
            data: new_cells(&all),
            headlen: Cell::new(head.len() as u32),
            meta: new_cells(&[]),
            cloned: Cell::new(false),
        }
    }

    /// The same skb with `meta` as its metadata area (`skb_metadata_len()` bytes before the MAC header).
    pub fn with_meta(mut self, meta: &[u8]) -> Skb {
        self.meta = new_cells(meta);
        self
    }

    /// The same skb, marked cloned (`skb_cloned()`): SKB_META dynptrs over it are read-only.
    pub fn cloned(self) -> Skb {
        self.cloned.set(true);
        self
    }

    /// `skb->len`.
    pub fn len(&self) -> u32 {
        self.data.len() as u32
    }

    /// True when the packet has no bytes.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// `skb_headlen()`: bytes in the linear head.
    pub fn headlen(&self) -> u32 {
        self.headlen.get()
    }

    /// The packet bytes.
    pub fn to_vec(&self) -> Vec<u8> {
        cells_vec(&self.data)
    }

    /// The metadata bytes.
    pub fn meta_vec(&self) -> Vec<u8> {
        cells_vec(&self.meta)
    }

    /// `__bpf_skb_load_bytes()`: `offset > INT_MAX` or out of range → `EFAULT` and `dst` zeroed.
    fn load_bytes(&self, offset: u32, mut dst: Dst<'_>) -> Result<(), Errno> {
        match range(&self.data, u64::from(offset), dst.len() as u64) {
            Ok(src) if offset <= INT_MAX => {
                dst.copy_from(src, false);
                Ok(())
            }
            _ => {
                dst.zero();
                Err(Errno::EFAULT)
            }
        }
    }

    /// `__bpf_skb_store_bytes()`: flags other than `BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH` →
    /// `EINVAL`; `offset > INT_MAX` → `EFAULT`; `bpf_try_make_writable(skb, offset + len)` (which pulls the
    /// written range into the linear head and unclones) fails → `EFAULT`; then the copy. Checksum and hash
    /// flags change no packet byte.
    fn store_bytes(&self, offset: u32, src: Src<'_>, flags: u64) -> Result<(), Errno> {
        if flags & !(BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH) != 0 {
            return Err(Errno::EINVAL);
        }
        if offset > INT_MAX {
            return Err(Errno::EFAULT);
        }
        let write_len = offset.checked_add(src.len() as u32).ok_or(Errno::EFAULT)?;
        let dst = range(&self.data, u64::from(offset), src.len() as u64)?;
        self.headlen.set(self.headlen.get().max(write_len));
        self.cloned.set(false);
        src.copy_to(dst, false);
        Ok(())
    }

    /// `skb_header_pointer()` with a buffer / `skb_pointer_if_linear()` without one.
    fn slice<'a>(&'a self, offset: u32, len: u32, buffer: Option<&mut [u8]>) -> Option<Slice<'a>> {
        let linear = u64::from(offset) + u64::from(len) <= u64::from(self.headlen.get());
        if linear {
            return range(&self.data, u64::from(offset), u64::from(len)).ok().map(Slice::Direct);
        }
        let buffer = buffer?;
        let src = range(&self.data, u64::from(offset), u64::from(len)).ok()?;
        cells_to_bytes(src, &mut buffer[..len as usize]);
        Some(Slice::Buffer)
    }
}

/// A `struct xdp_buff`: a linear area followed by page fragments (`skb_shared_info` frags).
///
/// ```
/// use bpf_model::dynptr::XdpBuff;
/// let xdp = XdpBuff::with_frags(b"linear", &[b"page0", b"page1"]);
/// assert_eq!(xdp.len(), 16);
/// assert_eq!(xdp.segments(), &[6, 5, 5]);
/// ```
#[derive(Debug)]
pub struct XdpBuff {
    data: Box<[Cell<u8>]>,
    segs: Box<[u32]>,
    memcpy: Memcpy,
}

/// Which x86-64 `memcpy` the kernel runs: it decides the bytes of a copy between overlapping ranges of one
/// XDP buffer (`bpf_dynptr_copy` between clones, when only one side is a direct pointer, goes through
/// `bpf_xdp_copy_buf`'s `memcpy`s). Chosen by the CPU: see [`Memcpy::for_cpu`].
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum Memcpy {
    /// `rep movsb` (CPUs with FSRM): one ascending byte copy, so a destination above the source repeats
    /// the pattern.
    #[default]
    RepMovsb,
    /// `memcpy_orig` (no FSRM): 32-byte blocks, each loaded whole before it is stored, ascending, or
    /// descending when the low byte of the source address is below the destination's (signed); the last
    /// `n % 32` bytes (at the end going up, at the start going down) also loaded before stored. In a
    /// test run's XDP buffer the linear data starts 256 bytes into a page-aligned allocation and each
    /// fragment at the start of its page, so an address's low byte is the offset into its segment.
    Orig,
}

impl Memcpy {
    /// The kernel's choice: `rep movsb` with FSRM; without it `memcpy_orig` (from 6.4; 6.1 also takes
    /// `rep movsb` with ERMS, which every CPU of our matrix has).
    pub const fn for_cpu(rules: Rules, fsrm: bool) -> Memcpy {
        if fsrm || !rules.at_least(crate::KernelVersion::new(6, 4, 0)) {
            Memcpy::RepMovsb
        } else {
            Memcpy::Orig
        }
    }
}

impl XdpBuff {
    /// A linear XDP buffer (no fragments).
    pub fn new(data: &[u8]) -> XdpBuff {
        XdpBuff::with_frags(data, &[])
    }

    /// An XDP buffer with the linear area `linear` and the fragments `frags`.
    pub fn with_frags(linear: &[u8], frags: &[&[u8]]) -> XdpBuff {
        let mut all = linear.to_vec();
        let mut segs = vec![linear.len() as u32];
        for f in frags {
            all.extend_from_slice(f);
            segs.push(f.len() as u32);
        }
        XdpBuff { data: new_cells(&all), segs: segs.into(), memcpy: Memcpy::RepMovsb }
    }

    /// The same buffer in a kernel whose `memcpy` is `memcpy`.
    pub fn with_memcpy(mut self, memcpy: Memcpy) -> XdpBuff {
        self.memcpy = memcpy;
        self
    }

    /// The low byte of the kernel address of byte `abs` (its offset into its segment; see [`Memcpy::Orig`]).
    fn addr_low(&self, abs: usize) -> u8 {
        let mut start = 0usize;
        for &len in self.segs.iter() {
            let end = start.saturating_add(len as usize);
            if abs < end {
                break;
            }
            start = end;
        }
        (abs.wrapping_sub(start) & 0xff) as u8
    }

    /// `memcpy(data + dst, data + src, n)` as `memcpy_orig` does it (see [`Memcpy::Orig`]); both ranges lie
    /// in `data`.
    fn memcpy_orig(&self, dst: usize, src: usize, n: usize) {
        let block = |d: usize, s: usize, len: usize| {
            if let (Some(sc), Some(dc)) = (self.data.get(s..s + len), self.data.get(d..d + len)) {
                cells_move(sc, dc);
            }
        };
        let (blocks, tail) = (n / 32, n % 32);
        if (self.addr_low(src) as i8) < (self.addr_low(dst) as i8) {
            // Descending: the blocks from the end, then the `tail` bytes at the start.
            for k in (0..blocks).rev() {
                let o = tail + 32 * k;
                block(dst + o, src + o, 32);
            }
            block(dst, src, tail);
        } else {
            for k in 0..blocks {
                block(dst + 32 * k, src + 32 * k, 32);
            }
            block(dst + 32 * blocks, src + 32 * blocks, tail);
        }
    }

    /// `bpf_xdp_copy_buf()` between `data[abs..abs + n]` and `data[other..other + n]` (`store`: into `abs`),
    /// one `memcpy_orig` per segment the range at `abs` touches, ascending.
    fn copy_buf_orig(&self, abs: usize, other: usize, n: usize, store: bool) {
        let mut start = 0usize;
        let end = abs + n;
        for &len in self.segs.iter() {
            let seg_end = start + len as usize;
            let (lo, hi) = (abs.max(start), end.min(seg_end));
            if lo < hi {
                let o = other + (lo - abs);
                if store {
                    self.memcpy_orig(lo, o, hi - lo);
                } else {
                    self.memcpy_orig(o, lo, hi - lo);
                }
            }
            start = seg_end;
        }
    }

    /// The index in `data` where `cells` starts, when `cells` lies in `data`.
    fn index_of(&self, cells: &[Cell<u8>]) -> Option<usize> {
        let (base, p) = (self.data.as_ptr() as usize, cells.as_ptr() as usize);
        let i = p.checked_sub(base)?;
        (i + cells.len() <= self.data.len()).then_some(i)
    }

    /// The buffer an XDP test run (`bpf_prog_test_run_xdp`) builds from `data` with `ctx.data_end = linear`:
    /// the first `min(linear, max_linear)` bytes linear, the rest in fragments of `page_size` bytes each.
    pub fn test_run(data: &[u8], linear: u32, max_linear: u32, page_size: u32) -> XdpBuff {
        let lin = (linear.min(max_linear) as usize).min(data.len());
        let frags: Vec<&[u8]> = data[lin..].chunks(page_size.max(1) as usize).collect();
        XdpBuff::with_frags(&data[..lin], &frags)
    }

    /// `xdp_get_buff_len()`: linear plus fragment bytes.
    pub fn len(&self) -> u32 {
        self.data.len() as u32
    }

    /// True when the buffer has no bytes.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The sizes of the linear area and of each fragment.
    pub fn segments(&self) -> &[u32] {
        &self.segs
    }

    /// All bytes, linear area then fragments.
    pub fn to_vec(&self) -> Vec<u8> {
        cells_vec(&self.data)
    }

    /// `bpf_xdp_pointer()`: `offset` or `len` above 0xffff → `EFAULT`; past the end → `EINVAL`; the index of a
    /// direct pointer when the range lies in one segment, else `None`. An offset at the very end of a
    /// fragmented buffer finds no fragment and, with `len == 0`, yields the start of the linear area.
    fn pointer(&self, offset: u32, len: u32) -> Result<Option<usize>, Errno> {
        if offset > XDP_MAX_OFF_LEN || len > XDP_MAX_OFF_LEN {
            return Err(Errno::EFAULT);
        }
        if offset + len > self.len() {
            return Err(Errno::EINVAL);
        }
        let mut size = self.segs[0];
        let mut base = 0u32;
        let mut off = offset;
        if off >= size {
            off -= size;
            let mut start = size;
            for &frag in &self.segs[1..] {
                if off < frag {
                    base = start;
                    size = frag;
                    break;
                }
                off -= frag;
                start += frag;
            }
        }
        Ok((off + len <= size).then_some((base + off) as usize))
    }

    /// `__bpf_xdp_load_bytes()`: `bpf_xdp_pointer()`'s error, else a `memcpy` (one segment) or
    /// `bpf_xdp_copy_buf()` (segment by segment, ascending: the same bytes as one ascending copy).
    fn load_bytes(&self, offset: u32, mut dst: Dst<'_>) -> Result<(), Errno> {
        self.pointer(offset, dst.len() as u32)?;
        let src = range(&self.data, u64::from(offset), dst.len() as u64)?;
        if let (Memcpy::Orig, Dst::Cells(c)) = (self.memcpy, &dst) {
            if let Some(i) = self.index_of(c) {
                self.copy_buf_orig(offset as usize, i, c.len(), false);
                return Ok(());
            }
        }
        dst.copy_from(src, false);
        Ok(())
    }

    /// `__bpf_xdp_store_bytes()`: as [`XdpBuff::load_bytes`], in the other direction.
    fn store_bytes(&self, offset: u32, src: Src<'_>) -> Result<(), Errno> {
        self.pointer(offset, src.len() as u32)?;
        let dst = range(&self.data, u64::from(offset), src.len() as u64)?;
        if let (Memcpy::Orig, Src::Cells(c)) = (self.memcpy, src) {
            if let Some(i) = self.index_of(c) {
                self.copy_buf_orig(offset as usize, i, c.len(), true);
                return Ok(());
            }
        }
        src.copy_to(dst, false);
        Ok(())
    }

    fn slice<'a>(&'a self, offset: u32, len: u32, buffer: Option<&mut [u8]>) -> Option<Slice<'a>> {
        if let Ok(Some(i)) = self.pointer(offset, len) {
            return range(&self.data, i as u64, u64::from(len)).ok().map(Slice::Direct);
        }
        let buffer = buffer?;
        cells_to_bytes(range(&self.data, u64::from(offset), u64::from(len)).ok()?, &mut buffer[..len as usize]);
        Some(Slice::Buffer)
    }
}

/// What `bpf_dynptr_slice` / `bpf_dynptr_slice_rdwr` returned when not NULL.
#[derive(Debug, Clone, Copy)]
pub enum Slice<'a> {
    /// A direct pointer to the dynptr's memory: reads see it, and writes through it reach it.
    Direct(&'a [Cell<u8>]),
    /// The data was copied into the caller's buffer, and the pointer returned is the buffer's. Writes to
    /// the buffer reach the dynptr only through a later `bpf_dynptr_write`.
    Buffer,
}

// ------------------------------------------------------------------------------------------------------
// The dynptr.

/// What `data` points at.
#[derive(Clone, Copy, Debug)]
enum Backing<'a> {
    /// LOCAL, RINGBUF: the memory.
    Mem(&'a [Cell<u8>]),
    /// SKB, SKB_META: the skb.
    Skb(&'a Skb),
    /// XDP: the xdp_buff.
    Xdp(&'a XdpBuff),
}

/// `struct bpf_dynptr_kern`: data, size word (size, type, read-only bit) and offset, and the [`Rules`] of the
/// kernel it was made for (which decide the width of offsets and which kfuncs exist), kept by every copy.
///
/// A null dynptr (the kernel's `data == NULL`) has no memory and a zero size word.
#[derive(Clone, Copy, Debug)]
pub struct Dynptr<'a> {
    data: Option<Backing<'a>>,
    size: u32,
    offset: u32,
    rules: Rules,
}

impl<'a> Dynptr<'a> {
    /// The null dynptr of a kernel with `rules` (`bpf_dynptr_set_null()`: every word zero).
    ///
    /// ```
    /// # use bpf_model::dynptr::Dynptr;
    /// # use bpf_model::Rules;
    /// let p = Dynptr::null(Rules::newest());
    /// assert!(p.is_null() && !p.is_rdonly() && p.size() == 0);
    /// ```
    pub const fn null(rules: Rules) -> Dynptr<'a> {
        Dynptr { data: None, size: 0, offset: 0, rules }
    }

    /// `bpf_dynptr_init()`: data, offset, size, then the type in bits 28..30. No size check here.
    fn init(rules: Rules, data: Backing<'a>, ty: DynptrType, offset: u32, size: u32) -> Dynptr<'a> {
        Dynptr { data: Some(data), size: size | (ty as u32) << DYNPTR_TYPE_SHIFT, offset, rules }
    }

    /// The rules of the kernel this dynptr was made for.
    pub const fn rules(&self) -> Rules {
        self.rules
    }

    /// Whether this dynptr's kernel has `func` (a dynptr kfunc appeared between 6.4 and 6.18; see
    /// [`Func::since`]). A program calling a kfunc its kernel lacks does not load (libbpf finds no such
    /// symbol in the kernel's BTF: `-ESRCH`); the model's methods for such a kfunc answer
    /// [`Errno::ESRCH`] (slices: `None`).
    ///
    /// ```
    /// # use bpf_model::dynptr::Dynptr;
    /// # use bpf_model::prog::Func;
    /// # use bpf_model::{Errno, KernelVersion, Rules};
    /// let old = Dynptr::null(Rules::new(KernelVersion::new(6, 12, 0)).unwrap());
    /// assert!(!old.has(Func::DynptrCopy) && old.has(Func::DynptrClone));
    /// assert_eq!(old.copy(0, &old, 0, 0), Err(Errno::ESRCH));
    /// ```
    pub const fn has(&self, func: Func) -> bool {
        self.rules.at_least(func.since())
    }

    const fn kfunc(&self, func: Func) -> Result<(), Errno> {
        if self.has(func) {
            Ok(())
        } else {
            Err(Errno::ESRCH)
        }
    }

    /// An offset or size argument as the kernel's function receives it: the full `u64` from 6.19
    /// ([`Rule::DynptrU64Offsets`]), its low 32 bits before (the parameter was a `u32`).
    #[inline]
    pub const fn arg(&self, v: u64) -> u64 {
        if self.rules.has(Rule::DynptrU64Offsets) {
            v
        } else {
            v & 0xffff_ffff
        }
    }

    /// `bpf_dynptr_from_mem()`: a LOCAL dynptr over `size` bytes of `data`.
    ///
    /// Kernel: `kernel/bpf/helpers.c`, `bpf_dynptr_from_mem()`. Checks, in order:
    /// 1. `size > DYNPTR_MAX_SIZE` → `E2BIG` (the dynptr is set null);
    /// 2. `flags != 0` → `EINVAL` (set null);
    /// 3. a LOCAL dynptr at offset 0 → 0.
    ///
    /// The verifier guarantees that `size` bytes are readable; the model checks it too and answers `EFAULT`
    /// where no program could pass such a size. A size of 0 gives a valid, non-null, empty dynptr.
    ///
    /// ```
    /// # const R: bpf_model::Rules = bpf_model::Rules::newest();
    /// # use bpf_model::dynptr::Dynptr;
    /// # use bpf_model::Errno;
    /// # use std::cell::Cell;
    /// let mut buf = [0u8; 8];
    /// let mem = Cell::from_mut(&mut buf[..]).as_slice_of_cells();
    /// assert_eq!(Dynptr::from_mem(R, mem, 8, 0).unwrap().size(), 8);
    /// assert_eq!(Dynptr::from_mem(R, mem, 1 << 24, 1).unwrap_err(), Errno::E2BIG); // size before flags
    /// assert_eq!(Dynptr::from_mem(R, mem, 8, 1).unwrap_err(), Errno::EINVAL);
    /// assert!(!Dynptr::from_mem(R, mem, 0, 0).unwrap().is_null());
    /// ```
    pub fn from_mem(rules: Rules, data: &'a [Cell<u8>], size: u32, flags: u64) -> Result<Dynptr<'a>, Errno> {
        check_size(size)?;
        if flags != 0 {
            return Err(Errno::EINVAL);
        }
        if size as usize > data.len() {
            return Err(Errno::EFAULT);
        }
        Ok(Dynptr::init(rules, Backing::Mem(data), DynptrType::Local, 0, size))
    }

    /// A RINGBUF dynptr over a reserved sample (`bpf_ringbuf_reserve_dynptr()` success path:
    /// `bpf_dynptr_init(ptr, sample, BPF_DYNPTR_TYPE_RINGBUF, 0, size)`). The caller has checked `size`
    /// (flags, then `DYNPTR_MAX_SIZE`, then the reservation); accesses beyond `data` answer `EFAULT`.
    ///
    /// ```
    /// # const R: bpf_model::Rules = bpf_model::Rules::newest();
    /// # use bpf_model::dynptr::{Dynptr, DynptrType};
    /// # use std::cell::Cell;
    /// let mut sample = [0u8; 24];
    /// let p = Dynptr::ringbuf_sample(R, Cell::from_mut(&mut sample[..]).as_slice_of_cells(), 24);
    /// assert_eq!(p.dynptr_type(), Some(DynptrType::Ringbuf));
    /// p.memset(0, 24, 7).unwrap();
    /// assert_eq!(sample, [7; 24]);
    /// ```
    pub fn ringbuf_sample(rules: Rules, data: &'a [Cell<u8>], size: u32) -> Dynptr<'a> {
        Dynptr::init(rules, Backing::Mem(data), DynptrType::Ringbuf, 0, size)
    }

    /// `bpf_dynptr_from_skb()`: an SKB dynptr over the whole packet (`skb->len`, fragments included).
    ///
    /// Kernel: `net/core/filter.c`, `bpf_dynptr_from_skb()`. Checks: `flags != 0` → `EINVAL` (set null);
    /// else SKB, offset 0, size `skb->len` → 0. No size check. In program types that may not write packet
    /// data (cgroup_skb, socket filters, tracing) the verifier calls [`Dynptr::from_skb_rdonly`] instead.
    ///
    /// ```
    /// # const R: bpf_model::Rules = bpf_model::Rules::newest();
    /// # use bpf_model::dynptr::{Dynptr, Skb};
    /// # use bpf_model::Errno;
    /// let skb = Skb::new(&[0u8; 60]);
    /// let p = Dynptr::from_skb(R, &skb, 0).unwrap();
    /// assert_eq!((p.size(), p.is_rdonly()), (60, false));
    /// p.write(0, b"\xff\xff", 0).unwrap();
    /// assert_eq!(&skb.to_vec()[..3], b"\xff\xff\x00");
    /// assert_eq!(Dynptr::from_skb(R, &skb, 1).unwrap_err(), Errno::EINVAL);
    /// ```
    pub fn from_skb(rules: Rules, skb: &'a Skb, flags: u64) -> Result<Dynptr<'a>, Errno> {
        Dynptr::null(rules).kfunc(Func::DynptrFromSkb)?;
        if flags != 0 {
            return Err(Errno::EINVAL);
        }
        Ok(Dynptr::init(rules, Backing::Skb(skb), DynptrType::Skb, 0, skb.len()))
    }

    /// `bpf_dynptr_from_skb_rdonly()`: [`Dynptr::from_skb`], then the read-only bit.
    ///
    /// ```
    /// # const R: bpf_model::Rules = bpf_model::Rules::newest();
    /// # use bpf_model::dynptr::{Dynptr, Skb};
    /// # use bpf_model::Errno;
    /// let skb = Skb::new(&[1u8; 20]);
    /// let p = Dynptr::from_skb_rdonly(R, &skb, 0).unwrap();
    /// assert!(p.is_rdonly());
    /// assert_eq!(p.write(0, b"x", 0), Err(Errno::EINVAL));
    /// ```
    pub fn from_skb_rdonly(rules: Rules, skb: &'a Skb, flags: u64) -> Result<Dynptr<'a>, Errno> {
        let mut p = Dynptr::from_skb(rules, skb, flags)?;
        p.set_rdonly();
        Ok(p)
    }

    /// `bpf_dynptr_from_skb_meta()` (new in v6.18): an SKB_META dynptr over the skb's metadata area.
    ///
    /// Kernel: `net/core/filter.c`, `bpf_dynptr_from_skb_meta()`. Checks: `flags != 0` → `EINVAL` (set
    /// null); else SKB_META, offset 0, size `skb_metadata_len(skb)`, read-only if `skb_cloned(skb)` → 0.
    /// Only TC programs may call it. v6.18 has no read-only variant for other program types.
    ///
    /// ```
    /// # const R: bpf_model::Rules = bpf_model::Rules::newest();
    /// # use bpf_model::dynptr::{Dynptr, DynptrType, Skb};
    /// let skb = Skb::new(&[0u8; 14]).with_meta(&[1, 2, 3, 4]);
    /// let p = Dynptr::from_skb_meta(R, &skb, 0).unwrap();
    /// assert_eq!((p.dynptr_type(), p.size()), (Some(DynptrType::SkbMeta), 4));
    /// let skb2 = Skb::new(&[0u8; 14]).cloned();
    /// assert!(Dynptr::from_skb_meta(R, &skb2, 0).unwrap().is_rdonly());
    /// ```
    pub fn from_skb_meta(rules: Rules, skb: &'a Skb, flags: u64) -> Result<Dynptr<'a>, Errno> {
        Dynptr::null(rules).kfunc(Func::DynptrFromSkbMeta)?;
        if flags != 0 {
            return Err(Errno::EINVAL);
        }
        let mut p = Dynptr::init(rules, Backing::Skb(skb), DynptrType::SkbMeta, 0, skb.meta.len() as u32);
        if skb.cloned.get() {
            p.set_rdonly();
        }
        Ok(p)
    }

    /// `bpf_dynptr_from_xdp()`: an XDP dynptr over the whole buffer (`xdp_get_buff_len()`, fragments
    /// included).
    ///
    /// Kernel: `net/core/filter.c`, `bpf_dynptr_from_xdp()`. Checks: `flags != 0` → `EINVAL` (set null);
    /// else XDP, offset 0 → 0.
    ///
    /// ```
    /// # const R: bpf_model::Rules = bpf_model::Rules::newest();
    /// # use bpf_model::dynptr::{Dynptr, XdpBuff};
    /// let xdp = XdpBuff::with_frags(&[0u8; 16], &[&[1u8; 32]]);
    /// let p = Dynptr::from_xdp(R, &xdp, 0).unwrap();
    /// assert_eq!(p.size(), 48);
    /// ```
    pub fn from_xdp(rules: Rules, xdp: &'a XdpBuff, flags: u64) -> Result<Dynptr<'a>, Errno> {
        Dynptr::null(rules).kfunc(Func::DynptrFromXdp)?;
        if flags != 0 {
            return Err(Errno::EINVAL);
        }
        Ok(Dynptr::init(rules, Backing::Xdp(xdp), DynptrType::Xdp, 0, xdp.len()))
    }

    /// The raw size word: size in bits 0..23, type in 28..30, read-only in 31.
    pub const fn size_word(&self) -> u32 {
        self.size
    }

    /// The offset into the underlying memory.
    pub const fn offset(&self) -> u32 {
        self.offset
    }

    /// `__bpf_dynptr_size()`: the size bits (0 for a null dynptr). For the kfunc `bpf_dynptr_size`, which
    /// answers `(u32)-EINVAL` on a null dynptr, see [`Dynptr::checked_size`] and [`abi::bpf_dynptr_size`].
    pub const fn size(&self) -> u32 {
        self.size & DYNPTR_SIZE_MASK
    }

    /// `bpf_dynptr_size()`: the (adjusted) size, or `EINVAL` for a null dynptr.
    ///
    /// Kernel: `kernel/bpf/helpers.c`, `bpf_dynptr_size()` (6.5). The kfunc returns `-EINVAL` in its return
    /// type: a `__u32` (4294967274) up to 6.18, a `u64` from 6.19 ([`Rule::DynptrU64Offsets`]); see
    /// [`abi::bpf_dynptr_size`].
    ///
    /// ```
    /// # use bpf_model::dynptr::{abi, Dynptr};
    /// # use bpf_model::{Errno, KernelVersion, Rules};
    /// let v6_18 = Rules::new(KernelVersion::new(6, 18, 0)).unwrap();
    /// assert_eq!(Dynptr::null(v6_18).checked_size(), Err(Errno::EINVAL));
    /// assert_eq!(abi::bpf_dynptr_size(&Dynptr::null(v6_18)), 0xffff_ffea);
    /// assert_eq!(abi::bpf_dynptr_size(&Dynptr::null(Rules::newest())), 0xffff_ffff_ffff_ffea);
    /// ```
    pub const fn checked_size(&self) -> Result<u64, Errno> {
        if !self.has(Func::DynptrSize) {
            Err(Errno::ESRCH)
        } else if self.data.is_none() {
            Err(Errno::EINVAL)
        } else {
            Ok(self.size() as u64)
        }
    }

    /// `bpf_dynptr_is_null()`: `data == NULL`.
    ///
    /// ```
    /// # const R: bpf_model::Rules = bpf_model::Rules::newest();
    /// # use bpf_model::dynptr::Dynptr;
    /// assert!(Dynptr::null(R).is_null());
    /// ```
    pub const fn is_null(&self) -> bool {
        self.data.is_none()
    }

    /// `bpf_dynptr_is_rdonly()`: false for a null dynptr, else bit 31 of the size word.
    ///
    /// ```
    /// # const R: bpf_model::Rules = bpf_model::Rules::newest();
    /// # use bpf_model::dynptr::{Dynptr, Skb};
    /// let skb = Skb::new(&[0u8; 14]);
    /// assert!(Dynptr::from_skb_rdonly(R, &skb, 0).unwrap().is_rdonly());
    /// assert!(!Dynptr::null(R).is_rdonly());
    /// ```
    pub const fn is_rdonly(&self) -> bool {
        self.data.is_some() && self.size & DYNPTR_RDONLY_BIT != 0
    }

    /// The type in the size word, `None` for a null dynptr.
    pub const fn dynptr_type(&self) -> Option<DynptrType> {
        DynptrType::from_raw((self.size >> DYNPTR_TYPE_SHIFT) & 0x7)
    }

    /// `bpf_dynptr_set_rdonly()`.
    pub fn set_rdonly(&mut self) {
        self.size |= DYNPTR_RDONLY_BIT;
    }

    /// `bpf_dynptr_check_off_len()`: `len > size || offset > size - len` → `E2BIG`; cannot overflow. The
    /// arguments are taken as the kernel receives them ([`Dynptr::arg`]: truncated to `u32` up to 6.18).
    #[inline]
    pub const fn check_off_len(&self, offset: u64, len: u64) -> Result<(), Errno> {
        let (offset, len) = (self.arg(offset), self.arg(len));
        let size = self.size() as u64;
        if len > size || offset > size - len {
            Err(Errno::E2BIG)
        } else {
            Ok(())
        }
    }

    /// The absolute offset `ptr->offset + offset` of an offset that passed [`Dynptr::check_off_len`] (so
    /// below 2^24, and the `u32` sum is exact).
    #[inline]
    fn abs(&self, offset: u64) -> u32 {
        self.offset.wrapping_add(self.arg(offset) as u32)
    }

    /// `bpf_dynptr_read()`: copy `dst.len()` bytes from `offset` into `dst`.
    ///
    /// Kernel: `kernel/bpf/helpers.c`, `__bpf_dynptr_read()`. Checks, in order:
    /// 1. null dynptr **or** `flags != 0` → `EINVAL` (before the range);
    /// 2. `bpf_dynptr_check_off_len(offset, len)` → `E2BIG`;
    /// 3. by type: LOCAL/RINGBUF `memmove`; SKB `__bpf_skb_load_bytes()` (which on failure zeroes `dst` and
    ///    answers `EFAULT`); XDP `__bpf_xdp_load_bytes()` (`EFAULT` when the absolute offset or the length
    ///    is above 0xffff); SKB_META `memmove` from the metadata. Read-only dynptrs can be read.
    ///
    /// Returns 0 (`Ok`) or the errno; `dst` is untouched on the errors of steps 1 and 2.
    ///
    /// ```
    /// # const R: bpf_model::Rules = bpf_model::Rules::newest();
    /// # use bpf_model::dynptr::{Dynptr, XdpBuff};
    /// # use bpf_model::Errno;
    /// # use std::cell::Cell;
    /// let mut buf = *b"hello world";
    /// let p = Dynptr::from_mem(R, Cell::from_mut(&mut buf[..]).as_slice_of_cells(), 11, 0).unwrap();
    /// let mut out = [0u8; 5];
    /// p.read(&mut out, 6, 0).unwrap();
    /// assert_eq!(&out, b"world");
    /// assert_eq!(p.read(&mut out, 7, 0), Err(Errno::E2BIG));
    /// assert_eq!(p.read(&mut out, 7, 1), Err(Errno::EINVAL)); // flags before the range
    /// let big = XdpBuff::with_frags(&[0u8; 3520], &vec![&[0u8; 4096][..]; 16]);
    /// let x = Dynptr::from_xdp(R, &big, 0).unwrap();
    /// assert_eq!(x.read(&mut out, 0x10000, 0), Err(Errno::EFAULT)); // bpf_xdp_pointer()'s 0xffff limit
    /// ```
    #[inline]
    pub fn read(&self, dst: &mut [u8], offset: u64, flags: u64) -> Result<(), Errno> {
        self.read_into(Dst::Bytes(dst), offset, flags)
    }

    #[inline]
    fn read_into(&self, mut dst: Dst<'_>, offset: u64, flags: u64) -> Result<(), Errno> {
        let data = match self.data {
            Some(d) if flags == 0 => d,
            _ => return Err(Errno::EINVAL),
        };
        let len = u32::try_from(dst.len()).map_err(|_| Errno::E2BIG)?;
        self.check_off_len(offset, u64::from(len))?;
        let off = self.abs(offset);
        match (data, self.dynptr_type()) {
            (Backing::Mem(m), _) => {
                dst.copy_from(range(m, u64::from(off), u64::from(len))?, true);
                Ok(())
            }
            (Backing::Skb(skb), Some(DynptrType::SkbMeta)) => {
                dst.copy_from(range(&skb.meta, u64::from(off), u64::from(len))?, true);
                Ok(())
            }
            (Backing::Skb(skb), _) => skb.load_bytes(off, dst),
            (Backing::Xdp(xdp), _) => xdp.load_bytes(off, dst),
        }
    }

    /// `bpf_dynptr_write()`: copy `src` into the dynptr at `offset`.
    ///
    /// Kernel: `kernel/bpf/helpers.c`, `__bpf_dynptr_write()`. Checks, in order:
    /// 1. null or read-only dynptr → `EINVAL`; before 6.4 also any flags
    ///    ([`Rule::DynptrWriteRangeBeforeFlags`]);
    /// 2. `bpf_dynptr_check_off_len(offset, len)` → `E2BIG` (before the flags);
    /// 3. by type: LOCAL/RINGBUF `flags != 0` → `EINVAL`, else `memmove`; SKB `__bpf_skb_store_bytes()`
    ///    (flags other than `BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH` → `EINVAL`, then the written range
    ///    is pulled into the linear head); XDP `flags != 0` → `EINVAL`, else `__bpf_xdp_store_bytes()`
    ///    (`EFAULT` above 0xffff); SKB_META `flags != 0` → `EINVAL`, else `memmove`.
    ///
    /// ```
    /// # const R: bpf_model::Rules = bpf_model::Rules::newest();
    /// # use bpf_model::dynptr::{Dynptr, Skb, BPF_F_RECOMPUTE_CSUM};
    /// # use bpf_model::Errno;
    /// # use std::cell::Cell;
    /// let mut buf = [0u8; 8];
    /// let p = Dynptr::from_mem(R, Cell::from_mut(&mut buf[..]).as_slice_of_cells(), 8, 0).unwrap();
    /// p.write(6, b"ab", 0).unwrap();
    /// assert_eq!(p.write(7, b"ab", 1), Err(Errno::E2BIG)); // the range before the flags
    /// assert_eq!(p.write(6, b"ab", 1), Err(Errno::EINVAL));
    /// let skb = Skb::with_frags(&[0u8; 14], &[&[0u8; 50]]);
    /// let s = Dynptr::from_skb(R, &skb, 0).unwrap();
    /// s.write(20, b"x", BPF_F_RECOMPUTE_CSUM).unwrap(); // SKB takes csum/hash flags
    /// assert_eq!(skb.headlen(), 21); // the write pulled bytes 14..21 into the head
    /// assert_eq!(buf[6..], *b"ab");
    /// ```
    #[inline]
    pub fn write(&self, offset: u64, src: &[u8], flags: u64) -> Result<(), Errno> {
        self.write_from(offset, Src::Bytes(src), flags)
    }

    #[inline]
    fn write_from(&self, offset: u64, src: Src<'_>, flags: u64) -> Result<(), Errno> {
        let data = match self.data {
            Some(d) if !self.is_rdonly() => d,
            _ => return Err(Errno::EINVAL),
        };
        if flags != 0 && !self.rules.has(Rule::DynptrWriteRangeBeforeFlags) {
            return Err(Errno::EINVAL);
        }
        let len = u32::try_from(src.len()).map_err(|_| Errno::E2BIG)?;
        self.check_off_len(offset, u64::from(len))?;
        let off = self.abs(offset);
        match (data, self.dynptr_type()) {
            (Backing::Skb(skb), Some(DynptrType::Skb)) => skb.store_bytes(off, src, flags),
            _ if flags != 0 => Err(Errno::EINVAL),
            (Backing::Mem(m), _) => {
                src.copy_to(range(m, u64::from(off), u64::from(len))?, true);
                Ok(())
            }
            (Backing::Skb(skb), _) => {
                src.copy_to(range(&skb.meta, u64::from(off), u64::from(len))?, true);
                Ok(())
            }
            (Backing::Xdp(xdp), _) => xdp.store_bytes(off, src),
        }
    }

    /// `bpf_dynptr_data()`: a direct pointer to `len` bytes at `offset`, or `None` (NULL).
    ///
    /// Kernel: `kernel/bpf/helpers.c`, `bpf_dynptr_data()`. NULL, in order, for: a null dynptr; a failed
    /// `bpf_dynptr_check_off_len`; a read-only dynptr (even to read); an SKB, XDP or SKB_META dynptr (they
    /// must use `bpf_dynptr_slice`). `len` must be a verifier constant. `offset == size, len == 0` gives a
    /// valid one-past-the-end, empty slice.
    ///
    /// ```
    /// # const R: bpf_model::Rules = bpf_model::Rules::newest();
    /// # use bpf_model::dynptr::Dynptr;
    /// # use std::cell::Cell;
    /// let mut buf = [0u8; 8];
    /// let p = Dynptr::from_mem(R, Cell::from_mut(&mut buf[..]).as_slice_of_cells(), 8, 0).unwrap();
    /// p.data(2, 3).unwrap()[0].set(9);
    /// assert_eq!(p.data(8, 0).map(|s| s.len()), Some(0));
    /// assert!(p.data(8, 1).is_none());
    /// assert_eq!(buf[2], 9);
    /// ```
    #[inline]
    pub fn data(&self, offset: u64, len: u64) -> Option<&'a [Cell<u8>]> {
        let data = self.data?;
        self.check_off_len(offset, len).ok()?;
        if self.is_rdonly() {
            return None;
        }
        match data {
            Backing::Mem(m) => range(m, u64::from(self.abs(offset)), self.arg(len)).ok(),
            Backing::Skb(_) | Backing::Xdp(_) => None,
        }
    }

    /// `bpf_dynptr_slice()`: a read-only view of `len` (`buffer__szk`) bytes at `offset`: a direct pointer
    /// when the bytes are contiguous, else a copy into `buffer` (when given), else `None` (NULL).
    ///
    /// Kernel: `kernel/bpf/helpers.c`, `bpf_dynptr_slice()`. In order: null dynptr → NULL;
    /// `bpf_dynptr_check_off_len(offset, len)` → NULL; then by type: LOCAL/RINGBUF direct (read-only dynptrs
    /// too); SKB `skb_header_pointer()` with a buffer (direct if in the linear head, else copied), or
    /// `skb_pointer_if_linear()` without; XDP `bpf_xdp_pointer()` direct when in one segment (and offset and
    /// length ≤ 0xffff), else the copy into the buffer (`bpf_xdp_copy_buf()`), else NULL; SKB_META direct.
    /// A `buffer` shorter than `len` (which the verifier never lets through) gives `None`.
    ///
    /// ```
    /// # const R: bpf_model::Rules = bpf_model::Rules::newest();
    /// # use bpf_model::dynptr::{Dynptr, Slice, XdpBuff};
    /// let xdp = XdpBuff::with_frags(b"0123", &[b"4567"]);
    /// let p = Dynptr::from_xdp(R, &xdp, 0).unwrap();
    /// assert!(matches!(p.slice(0, 4, None), Some(Slice::Direct(_))));
    /// assert!(p.slice(2, 4, None).is_none()); // crosses into a fragment, no buffer
    /// let mut buf = [0u8; 4];
    /// assert!(matches!(p.slice(2, 4, Some(&mut buf)), Some(Slice::Buffer)));
    /// assert_eq!(&buf, b"2345");
    /// ```
    #[inline]
    pub fn slice(&self, offset: u64, len: u64, buffer: Option<&mut [u8]>) -> Option<Slice<'a>> {
        if !self.has(Func::DynptrSlice) {
            return None;
        }
        let data = self.data?;
        self.check_off_len(offset, len).ok()?;
        // Below 2^24 after the check: exact.
        let len = self.arg(len) as u32;
        let buffer = match buffer {
            Some(b) if b.len() < len as usize => return None,
            b => b,
        };
        let off = self.abs(offset);
        match (data, self.dynptr_type()) {
            (Backing::Mem(m), _) => range(m, u64::from(off), u64::from(len)).ok().map(Slice::Direct),
            (Backing::Skb(skb), Some(DynptrType::SkbMeta)) => {
                range(&skb.meta, u64::from(off), u64::from(len)).ok().map(Slice::Direct)
            }
            (Backing::Skb(skb), _) => skb.slice(off, len, buffer),
            (Backing::Xdp(xdp), _) => xdp.slice(off, len, buffer),
        }
    }

    /// `bpf_dynptr_slice_rdwr()`: [`Dynptr::slice`], but NULL for a read-only dynptr (checked with null,
    /// first).
    ///
    /// Kernel: `kernel/bpf/helpers.c`, `bpf_dynptr_slice_rdwr()`. The verifier refuses it in programs that
    /// may not write packet data. When it returns [`Slice::Buffer`], writes to the buffer reach the packet
    /// only through a later [`Dynptr::write`].
    ///
    /// ```
    /// # const R: bpf_model::Rules = bpf_model::Rules::newest();
    /// # use bpf_model::dynptr::{Dynptr, Skb, Slice};
    /// let skb = Skb::new(&[0u8; 20]);
    /// let p = Dynptr::from_skb(R, &skb, 0).unwrap();
    /// if let Some(Slice::Direct(s)) = p.slice_rdwr(0, 2, None) { s[1].set(5) }
    /// assert_eq!(skb.to_vec()[1], 5);
    /// assert!(Dynptr::from_skb_rdonly(R, &skb, 0).unwrap().slice_rdwr(0, 2, None).is_none());
    /// ```
    #[inline]
    pub fn slice_rdwr(&self, offset: u64, len: u64, buffer: Option<&mut [u8]>) -> Option<Slice<'a>> {
        if !self.has(Func::DynptrSliceRdwr) || self.is_null() || self.is_rdonly() {
            return None;
        }
        self.slice(offset, len, buffer)
    }

    /// `bpf_dynptr_adjust()`: narrow the dynptr to `[start, end)` of its current view.
    ///
    /// Kernel: `kernel/bpf/helpers.c`, `bpf_dynptr_adjust()`. Checks, in order:
    /// 1. null dynptr or `start > end` → `EINVAL`;
    /// 2. `start > size || end > size` → `ERANGE`;
    /// 3. `offset += start; size = end - start` (type and read-only bit kept) → 0.
    ///
    /// A clone is a separate struct: adjusting it leaves the original's view alone, and the reverse.
    ///
    /// ```
    /// # const R: bpf_model::Rules = bpf_model::Rules::newest();
    /// # use bpf_model::dynptr::Dynptr;
    /// # use bpf_model::Errno;
    /// # use std::cell::Cell;
    /// let mut buf = *b"abcdefgh";
    /// let mut p = Dynptr::from_mem(R, Cell::from_mut(&mut buf[..]).as_slice_of_cells(), 8, 0).unwrap();
    /// let c = p.clone_dynptr().unwrap();
    /// p.adjust(2, 5).unwrap();
    /// let mut out = [0u8; 3];
    /// p.read(&mut out, 0, 0).unwrap();
    /// assert_eq!((&out, p.size(), c.size()), (b"cde", 3, 8));
    /// assert_eq!(p.adjust(2, 1), Err(Errno::EINVAL));
    /// assert_eq!(p.adjust(0, 4), Err(Errno::ERANGE));
    /// ```
    pub fn adjust(&mut self, start: u64, end: u64) -> Result<(), Errno> {
        self.kfunc(Func::DynptrAdjust)?;
        let (start, end) = (self.arg(start), self.arg(end));
        if self.data.is_none() || start > end {
            return Err(Errno::EINVAL);
        }
        let size = u64::from(self.size());
        if start > size || end > size {
            return Err(Errno::ERANGE);
        }
        // Both at most the size, below 2^24: the `u32` arithmetic is exact.
        self.offset = self.offset.wrapping_add(start as u32);
        self.size = (end - start) as u32 | (self.size & !DYNPTR_SIZE_MASK);
        Ok(())
    }

    /// `bpf_dynptr_clone()`: a copy sharing the data, with its own offset and size (type and read-only bit
    /// inherited).
    ///
    /// Kernel: `kernel/bpf/helpers.c`, `bpf_dynptr_clone()`. A null source → `EINVAL`, and the clone is set
    /// null (see [`abi::bpf_dynptr_clone`]); else the 16-byte copy → 0.
    ///
    /// ```
    /// # const R: bpf_model::Rules = bpf_model::Rules::newest();
    /// # use bpf_model::dynptr::Dynptr;
    /// # use bpf_model::Errno;
    /// # use std::cell::Cell;
    /// let mut buf = [0u8; 4];
    /// let p = Dynptr::from_mem(R, Cell::from_mut(&mut buf[..]).as_slice_of_cells(), 4, 0).unwrap();
    /// let c = p.clone_dynptr().unwrap();
    /// c.write(0, b"z", 0).unwrap();
    /// let mut out = [0u8; 1];
    /// p.read(&mut out, 0, 0).unwrap();
    /// assert_eq!(&out, b"z"); // shared data
    /// assert_eq!(Dynptr::null(R).clone_dynptr().unwrap_err(), Errno::EINVAL);
    /// ```
    pub fn clone_dynptr(&self) -> Result<Dynptr<'a>, Errno> {
        self.kfunc(Func::DynptrClone)?;
        if self.data.is_none() {
            return Err(Errno::EINVAL);
        }
        Ok(*self)
    }

    /// `bpf_dynptr_copy()`: copy `len` bytes from `src` at `src_off` into `self` at `dst_off`.
    ///
    /// Kernel: `kernel/bpf/helpers.c`, `bpf_dynptr_copy()`. Steps, in order:
    /// 1. `s = bpf_dynptr_slice(src, src_off, NULL, len)`, `d = bpf_dynptr_slice_rdwr(dst, dst_off, NULL, len)`;
    /// 2. both direct → `memmove` → 0;
    /// 3. only `s` → `__bpf_dynptr_write(dst, dst_off, s, len, 0)` (`EINVAL` null/read-only, `E2BIG` range,
    ///    XDP `EFAULT`);
    /// 4. only `d` → `__bpf_dynptr_read(d, len, src, src_off, 0)` (`EINVAL` null, `E2BIG` range);
    /// 5. neither → either range check fails → `E2BIG`; else 256-byte chunks, each read into a stack buffer and
    ///    written, in ascending order; the first error is returned, earlier chunks stay written.
    ///
    /// So two null dynptrs with `len == 0` and offsets 0 copy nothing and answer 0.
    ///
    /// ```
    /// # const R: bpf_model::Rules = bpf_model::Rules::newest();
    /// # use bpf_model::dynptr::Dynptr;
    /// # use bpf_model::Errno;
    /// # use std::cell::Cell;
    /// let mut a = *b"abcdef";
    /// let mut b = [0u8; 6];
    /// let src = Dynptr::from_mem(R, Cell::from_mut(&mut a[..]).as_slice_of_cells(), 6, 0).unwrap();
    /// let dst = Dynptr::from_mem(R, Cell::from_mut(&mut b[..]).as_slice_of_cells(), 6, 0).unwrap();
    /// dst.copy(1, &src, 2, 4).unwrap();
    /// assert_eq!(dst.copy(3, &src, 0, 4), Err(Errno::E2BIG));
    /// assert_eq!(Dynptr::null(R).copy(0, &Dynptr::null(R), 0, 0), Ok(()));
    /// assert_eq!(&b, b"\0cdef\0");
    /// ```
    pub fn copy(&self, dst_off: u64, src: &Dynptr<'a>, src_off: u64, len: u64) -> Result<(), Errno> {
        self.kfunc(Func::DynptrCopy)?;
        let (dst_off, src_off, len) = (self.arg(dst_off), self.arg(src_off), self.arg(len));
        let s = src.slice(src_off, len, None);
        let d = self.slice_rdwr(dst_off, len, None);
        match (s, d) {
            (Some(Slice::Direct(s)), Some(Slice::Direct(d))) => {
                cells_move(s, d);
                Ok(())
            }
            (Some(Slice::Direct(s)), _) => self.write_from(dst_off, Src::Cells(s), 0),
            (_, Some(Slice::Direct(d))) => src.read_into(Dst::Cells(d), src_off, 0),
            _ => {
                if self.check_off_len(dst_off, len).is_err() || src.check_off_len(src_off, len).is_err() {
                    return Err(Errno::E2BIG);
                }
                // Every offset below is at most a size (below 2^24): no sum overflows.
                let mut buf = [0u8; CHUNK as usize];
                let mut off = 0u64;
                while off < len {
                    let n = u64::from(CHUNK).min(len - off);
                    let chunk = &mut buf[..n as usize];
                    src.read(chunk, src_off + off, 0)?;
                    self.write(dst_off + off, chunk, 0)?;
                    off += n;
                }
                Ok(())
            }
        }
    }

    /// `bpf_dynptr_memset()` (new in v6.17): fill `len` bytes at `offset` with `val`.
    ///
    /// Kernel: `kernel/bpf/helpers.c`, `bpf_dynptr_memset()`. Steps, in order:
    /// 1. `bpf_dynptr_slice_rdwr(p, offset, NULL, len)` direct → `memset` → 0;
    /// 2. read-only → `EINVAL` (before the range);
    /// 3. `bpf_dynptr_check_off_len(offset, len)` → `E2BIG`;
    /// 4. 256-byte chunks through `__bpf_dynptr_write(.., flags 0)`; the first error is returned (earlier
    ///    chunks stay written: an XDP chunk past 0xffff fails with `EFAULT`).
    ///
    /// A null dynptr is not read-only, so `memset(null, 0, 0, v)` is 0 and any other range `E2BIG`.
    ///
    /// ```
    /// # const R: bpf_model::Rules = bpf_model::Rules::newest();
    /// # use bpf_model::dynptr::{Dynptr, Skb};
    /// # use bpf_model::Errno;
    /// # use std::cell::Cell;
    /// let mut buf = [0u8; 6];
    /// let p = Dynptr::from_mem(R, Cell::from_mut(&mut buf[..]).as_slice_of_cells(), 6, 0).unwrap();
    /// p.memset(1, 4, 0xee).unwrap();
    /// assert_eq!(p.memset(3, 4, 0), Err(Errno::E2BIG));
    /// assert_eq!(Dynptr::null(R).memset(0, 0, 1), Ok(()));
    /// assert_eq!(Dynptr::null(R).memset(0, 1, 1), Err(Errno::E2BIG));
    /// let skb = Skb::new(&[0u8; 14]);
    /// assert_eq!(Dynptr::from_skb_rdonly(R, &skb, 0).unwrap().memset(99, 1, 0), Err(Errno::EINVAL));
    /// assert_eq!(buf, [0, 0xee, 0xee, 0xee, 0xee, 0]);
    /// ```
    #[inline]
    pub fn memset(&self, offset: u64, len: u64, val: u8) -> Result<(), Errno> {
        self.kfunc(Func::DynptrMemset)?;
        let (offset, len) = (self.arg(offset), self.arg(len));
        if let Some(Slice::Direct(s)) = self.slice_rdwr(offset, len, None) {
            cells_fill(s, val);
            return Ok(());
        }
        if self.is_rdonly() {
            return Err(Errno::EINVAL);
        }
        self.check_off_len(offset, len)?;
        // `offset + len` is at most the size (below 2^24): no sum overflows.
        let buf = [val; CHUNK as usize];
        let mut off = 0u64;
        while off < len {
            let n = u64::from(CHUNK).min(len - off);
            self.write(offset + off, &buf[..n as usize], 0)?;
            off += n;
        }
        Ok(())
    }
}

/// `bpf_dynptr_check_size()`: `size > DYNPTR_MAX_SIZE` → `E2BIG`.
pub const fn check_size(size: u32) -> Result<(), Errno> {
    if size > DYNPTR_MAX_SIZE {
        Err(Errno::E2BIG)
    } else {
        Ok(())
    }
}

/// The kernel ABI face: each helper and kfunc with the kernel's argument order and integer return
/// (`0` or a negative errno, `bool` as 0/1, pointers as addresses or 0), for runtimes that embed the model.
/// Offsets and sizes are the 64-bit registers a program passes: a dynptr of a kernel before 6.19 takes
/// their low 32 bits ([`Rule::DynptrU64Offsets`]). Constructors write the dynptr through `ptr`, and set it
/// null on failure, as the kernel does. A kfunc the dynptr's kernel lacks ([`Dynptr::has`]) answers
/// `-ESRCH` (`bpf_dynptr_size`: `(u64)-ESRCH`; slices: 0; `is_null`, `is_rdonly`: 0).
///
/// ```
/// use bpf_model::dynptr::{abi, Dynptr};
/// use bpf_model::{KernelVersion, Rules};
/// use std::cell::Cell;
/// let mut buf = [0u8; 8];
/// let mem = Cell::from_mut(&mut buf[..]).as_slice_of_cells();
/// let rules = Rules::newest();
/// let mut p = Dynptr::null(rules);
/// assert_eq!(abi::bpf_dynptr_from_mem(rules, mem, 8, 0, &mut p), 0);
/// assert_eq!(abi::bpf_dynptr_write(&p, 4, b"abcde", 5, 0), -7); // -E2BIG
/// assert_eq!(abi::bpf_dynptr_memset(&p, 0, 8, 1), 0);
/// assert_eq!(abi::bpf_dynptr_write(&p, 1 << 32, b"ab", 2, 0), -7); // 6.19 and later: u64 offsets
/// let v6_18 = Rules::new(KernelVersion::new(6, 18, 0)).unwrap();
/// let mut old = Dynptr::null(v6_18);
/// assert_eq!(abi::bpf_dynptr_from_mem(v6_18, mem, 8, 0, &mut old), 0);
/// assert_eq!(abi::bpf_dynptr_write(&old, 1 << 32, b"ab", 2, 0), 0); // 6.18: the offset is truncated to 0
/// let mut out = [0u8; 3];
/// assert_eq!(abi::bpf_dynptr_read(&mut out, 3, &old, 0, 0), 0);
/// assert_eq!(&out, b"ab\x01");
/// assert_eq!(abi::bpf_dynptr_from_mem(rules, mem, 8, 1, &mut p), -22);
/// assert!(p.is_null());
/// ```
pub mod abi {
    use super::{Dynptr, Skb, Slice, XdpBuff};
    use crate::prog::Func;
    use crate::version::{Rule, Rules};
    use crate::Errno;
    use std::cell::Cell;

    fn ret(r: Result<(), Errno>) -> i64 {
        Errno::ret_of(r.map(|()| 0i64))
    }

    fn set<'a>(rules: Rules, ptr: &mut Dynptr<'a>, r: Result<Dynptr<'a>, Errno>) -> i64 {
        match r {
            Ok(p) => {
                *ptr = p;
                0
            }
            Err(e) => {
                *ptr = Dynptr::null(rules);
                e.to_ret()
            }
        }
    }

    fn addr(s: Option<Slice<'_>>, buffer: Option<&[u8]>) -> u64 {
        match s {
            Some(Slice::Direct(d)) => d.as_ptr() as u64,
            Some(Slice::Buffer) => buffer.map_or(0, |b| b.as_ptr() as u64),
            None => 0,
        }
    }

    /// `long bpf_dynptr_from_mem(void *data, u32 size, u64 flags, struct bpf_dynptr *ptr)`.
    pub fn bpf_dynptr_from_mem<'a>(
        rules: Rules,
        data: &'a [Cell<u8>],
        size: u32,
        flags: u64,
        ptr: &mut Dynptr<'a>,
    ) -> i64 {
        set(rules, ptr, Dynptr::from_mem(rules, data, size, flags))
    }

    /// `int bpf_dynptr_from_skb(struct __sk_buff *skb, u64 flags, struct bpf_dynptr *ptr)`; `rdonly` selects
    /// `bpf_dynptr_from_skb_rdonly`, as the verifier does for programs that may not write packets.
    pub fn bpf_dynptr_from_skb<'a>(rules: Rules, skb: &'a Skb, flags: u64, rdonly: bool, ptr: &mut Dynptr<'a>) -> i64 {
        let r = if rdonly { Dynptr::from_skb_rdonly(rules, skb, flags) } else { Dynptr::from_skb(rules, skb, flags) };
        set(rules, ptr, r)
    }

    /// `int bpf_dynptr_from_skb_meta(struct __sk_buff *skb, u64 flags, struct bpf_dynptr *ptr)`.
    pub fn bpf_dynptr_from_skb_meta<'a>(rules: Rules, skb: &'a Skb, flags: u64, ptr: &mut Dynptr<'a>) -> i64 {
        set(rules, ptr, Dynptr::from_skb_meta(rules, skb, flags))
    }

    /// `int bpf_dynptr_from_xdp(struct xdp_md *xdp, u64 flags, struct bpf_dynptr *ptr)`.
    pub fn bpf_dynptr_from_xdp<'a>(rules: Rules, xdp: &'a XdpBuff, flags: u64, ptr: &mut Dynptr<'a>) -> i64 {
        set(rules, ptr, Dynptr::from_xdp(rules, xdp, flags))
    }

    /// `long bpf_dynptr_read(void *dst, u64 len, const struct bpf_dynptr *src, u64 offset, u64 flags)` (`u32`
    /// `len` and `offset` before 6.19); `len` larger than `dst` answers `-EFAULT` (the verifier never
    /// allows it).
    pub fn bpf_dynptr_read(dst: &mut [u8], len: u64, src: &Dynptr<'_>, offset: u64, flags: u64) -> i64 {
        let len = usize::try_from(src.arg(len)).unwrap_or(usize::MAX);
        match dst.get_mut(..len) {
            Some(d) => ret(src.read(d, offset, flags)),
            None => Errno::EFAULT.to_ret(),
        }
    }

    /// `long bpf_dynptr_write(const struct bpf_dynptr *dst, u64 offset, void *src, u64 len, u64 flags)`
    /// (`u32` before 6.19); `len` larger than `src` answers `-EFAULT` (the verifier never allows it).
    pub fn bpf_dynptr_write(dst: &Dynptr<'_>, offset: u64, src: &[u8], len: u64, flags: u64) -> i64 {
        let len = usize::try_from(dst.arg(len)).unwrap_or(usize::MAX);
        match src.get(..len) {
            Some(s) => ret(dst.write(offset, s, flags)),
            None => Errno::EFAULT.to_ret(),
        }
    }

    /// `void *bpf_dynptr_data(const struct bpf_dynptr *ptr, u64 offset, u64 len)`: the address, or 0.
    pub fn bpf_dynptr_data(ptr: &Dynptr<'_>, offset: u64, len: u64) -> u64 {
        ptr.data(offset, len).map_or(0, |d| d.as_ptr() as u64)
    }

    /// `void *bpf_dynptr_slice(const struct bpf_dynptr *p, u64 offset, void *buffer__opt, u64 buffer__szk)`:
    /// the address of the data or of the buffer, or 0. The buffer's length is `buffer__szk` when given.
    pub fn bpf_dynptr_slice(p: &Dynptr<'_>, offset: u64, mut buffer: Option<&mut [u8]>, szk: u64) -> u64 {
        let s = p.slice(offset, szk, buffer.as_deref_mut());
        addr(s, buffer.as_deref())
    }

    /// `void *bpf_dynptr_slice_rdwr(...)`: as [`bpf_dynptr_slice`], NULL for read-only dynptrs.
    pub fn bpf_dynptr_slice_rdwr(p: &Dynptr<'_>, offset: u64, mut buffer: Option<&mut [u8]>, szk: u64) -> u64 {
        let s = p.slice_rdwr(offset, szk, buffer.as_deref_mut());
        addr(s, buffer.as_deref())
    }

    /// `int bpf_dynptr_adjust(struct bpf_dynptr *p, u64 start, u64 end)`.
    pub fn bpf_dynptr_adjust(p: &mut Dynptr<'_>, start: u64, end: u64) -> i64 {
        ret(p.adjust(start, end))
    }

    /// `bool bpf_dynptr_is_null(const struct bpf_dynptr *p)`.
    pub fn bpf_dynptr_is_null(p: &Dynptr<'_>) -> i64 {
        if !p.has(Func::DynptrIsNull) {
            return 0;
        }
        i64::from(p.is_null())
    }

    /// `bool bpf_dynptr_is_rdonly(const struct bpf_dynptr *p)`.
    pub fn bpf_dynptr_is_rdonly(p: &Dynptr<'_>) -> i64 {
        if !p.has(Func::DynptrIsRdonly) {
            return 0;
        }
        i64::from(p.is_rdonly())
    }

    /// `u64 bpf_dynptr_size(const struct bpf_dynptr *p)` (`__u32` before 6.19): `-EINVAL` in the return
    /// type for a null dynptr, so 0xffffffea up to 6.18 and 0xffffffffffffffea from 6.19, as a program
    /// reads the 64-bit register.
    pub fn bpf_dynptr_size(p: &Dynptr<'_>) -> u64 {
        let v = match p.checked_size() {
            Ok(n) => n,
            Err(e) => e.to_ret() as u64,
        };
        if p.rules().has(Rule::DynptrU64Offsets) {
            v
        } else {
            v & 0xffff_ffff
        }
    }

    /// `int bpf_dynptr_clone(const struct bpf_dynptr *p, struct bpf_dynptr *clone__uninit)`.
    pub fn bpf_dynptr_clone<'a>(p: &Dynptr<'a>, clone: &mut Dynptr<'a>) -> i64 {
        set(p.rules(), clone, p.clone_dynptr())
    }

    /// `int bpf_dynptr_copy(struct bpf_dynptr *dst, u64 dst_off, struct bpf_dynptr *src, u64 src_off, u64 size)`
    /// (`u32` before 6.19).
    pub fn bpf_dynptr_copy(dst: &Dynptr<'_>, dst_off: u64, src: &Dynptr<'_>, src_off: u64, size: u64) -> i64 {
        // The lifetimes of the two dynptrs may differ; a copy through a common shorter lifetime is the same.
        ret(dst.copy(dst_off, src, src_off, size))
    }

    /// `int bpf_dynptr_memset(struct bpf_dynptr *p, u64 offset, u64 size, u8 val)` (`u32` before 6.19).
    pub fn bpf_dynptr_memset(p: &Dynptr<'_>, offset: u64, size: u64, val: u8) -> i64 {
        ret(p.memset(offset, size, val))
    }
}
