//! Dynptr cases: a dynptr of one type (LOCAL, RINGBUF, SKB, read-only SKB, SKB_META, XDP), a second LOCAL
//! dynptr, a clone, then a sequence of up to [`NSTEPS`] operations through any of the handles.
//!
//! The kernel side is `oracle/bpf/dynptr.bpf.c`: one program per type (SYSCALL for LOCAL and RINGBUF, TC for
//! SKB and SKB_META, `cgroup_skb` for the read-only SKB, `xdp.frags` for XDP), all running the same
//! interpreter over the case, whose arguments live in the program's global data. Every program does:
//!
//! 1. `d0` = the constructor of the case's type (its return is [`DynptrOutcome::ctor`]); a RINGBUF sample is
//!    then filled with the seed bytes through `bpf_dynptr_write`;
//! 2. `d2` = `bpf_dynptr_from_mem` over a second map value of `aux_size` bytes ([`DynptrOutcome::aux`]);
//! 3. `bpf_dynptr_adjust(d0, ..)` when `pre_adjust` is given ([`DynptrOutcome::pre`]);
//! 4. `d1` = `bpf_dynptr_clone(d0)` ([`DynptrOutcome::clone`]);
//! 5. the steps, each on handle `h` (0: `d0`, 1: `d1`, 2: `d2`, 3: `d3`, which only a [`DynptrOp::Clone`]
//!    step initialises);
//! 6. RINGBUF: `bpf_ringbuf_submit_dynptr(d0)`; user space consumes the record to see its bytes.
//!
//! The outcome holds every return value, what each read or slice saw, and the bytes of the whole buffer
//! afterwards (map value, ring buffer record, or the packet as the test run returns it).

use super::{ByteImage, Case};
use crate::dynptr::{abi, Dynptr, Memcpy, Skb, Slice, XdpBuff, DYNPTR_MAX_SIZE};
use crate::prog::Func;
use crate::{Errno, KernelProfile, Rules};
use serde::{Deserialize, Serialize};
use std::cell::Cell;

/// Bytes of the map value behind a LOCAL `d0`.
pub const MEM_CAP: usize = 1024;
/// Bytes of the second map value, behind `d2`.
pub const AUX_CAP: usize = 512;
/// Capacity of each step's output buffer and of a read/write's source and destination (the verifier's bound).
pub const OUT_CAP: usize = 512;
/// Steps per case.
pub const NSTEPS: usize = 4;
/// The legacy name of the capacity of read/write buffers (the foundation's `BUF_CAP`).
pub const BUF_CAP: usize = OUT_CAP;
/// `max_entries` of the oracle's ring buffer map (one page).
pub const RINGBUF_BYTES: u32 = 4096;
/// The largest sample `bpf_ringbuf_reserve_dynptr` can reserve in the empty ring: `RINGBUF_BYTES - 16`.
pub const RINGBUF_MAX_SAMPLE: u32 = RINGBUF_BYTES - 16;
/// The constant lengths `bpf_dynptr_data`, `bpf_dynptr_slice` and `bpf_dynptr_slice_rdwr` are called with
/// (the verifier wants a constant; a length outside this set is rounded down to the next one).
pub const CONST_LENS: [u32; 5] = [0, 1, 14, 64, 256];
/// `ETH_HLEN`: SKB test runs need at least this many bytes, and cgroup_skb programs see the packet after it.
pub const ETH_HLEN: u32 = 14;
/// The largest SKB test-run packet the oracle uses (the kernel allows a little more than 3700 bytes).
pub const SKB_MAX: u32 = 3000;
/// The largest linear area of an XDP test run: `PAGE_SIZE - XDP_PACKET_HEADROOM - tailroom` (4096 - 256 - 320).
pub const XDP_MAX_LINEAR: u32 = 3520;
/// The page size: XDP test runs put the bytes beyond the linear area in fragments of this size.
pub const PAGE_SIZE: u32 = 4096;
/// `MAX_SKB_FRAGS`.
pub const MAX_FRAGS: u32 = 17;
/// The largest XDP test-run packet: linear area plus 17 full fragments.
pub const XDP_MAX: u32 = XDP_MAX_LINEAR + MAX_FRAGS * PAGE_SIZE;
/// The return recorded for a step that did not run (a handle not initialised yet, or `slice_rdwr` in a
/// program type that may not write packets).
pub const NOT_RUN: i64 = -1000;

/// The byte at index `i` of a buffer filled with `seed`: what both sides start from.
pub fn fill_byte(seed: u8, i: usize) -> u8 {
    seed.wrapping_add((i as u8).wrapping_mul(31))
}

fn filled(seed: u8, n: usize) -> Vec<u8> {
    (0..n).map(|i| fill_byte(seed, i)).collect()
}

/// The constant length the programs use for a requested `bpf_dynptr_data`/`slice` length.
pub fn const_len(len: u64) -> u32 {
    CONST_LENS.iter().copied().filter(|&l| u64::from(l) <= len).max().unwrap_or(0)
}

/// The kfuncs the programs call, in the order of the bits of their `avail` word (bit i: the kernel has
/// `KFUNCS[i]`). A step calling a kfunc the kernel lacks records [`NOT_RUN`], and so does the model for a
/// profile whose kernel lacks it.
pub const KFUNCS: [Func; 12] = [
    Func::DynptrSlice,
    Func::DynptrSliceRdwr,
    Func::DynptrAdjust,
    Func::DynptrIsNull,
    Func::DynptrIsRdonly,
    Func::DynptrSize,
    Func::DynptrClone,
    Func::DynptrCopy,
    Func::DynptrMemset,
    Func::DynptrFromSkb,
    Func::DynptrFromSkbMeta,
    Func::DynptrFromXdp,
];

/// The kfunc an operation calls (`None` for the helpers `read`, `write` and `data`, which 6.1 has).
pub fn kfunc_of(op: &DynptrOp) -> Option<Func> {
    match op {
        DynptrOp::Read { .. } | DynptrOp::Write { .. } | DynptrOp::Data { .. } => None,
        DynptrOp::Slice { .. } => Some(Func::DynptrSlice),
        DynptrOp::SliceRdwr { .. } => Some(Func::DynptrSliceRdwr),
        DynptrOp::Adjust { .. } => Some(Func::DynptrAdjust),
        DynptrOp::IsNull => Some(Func::DynptrIsNull),
        DynptrOp::IsRdonly => Some(Func::DynptrIsRdonly),
        DynptrOp::Size => Some(Func::DynptrSize),
        DynptrOp::Clone => Some(Func::DynptrClone),
        DynptrOp::Copy { .. } => Some(Func::DynptrCopy),
        DynptrOp::Memset { .. } => Some(Func::DynptrMemset),
    }
}

/// The constructor kfunc of a kind (`None` for LOCAL and RINGBUF, made by helpers).
pub fn ctor_kfunc(kind: Kind) -> Option<Func> {
    match kind {
        Kind::Local | Kind::Ringbuf => None,
        Kind::Skb | Kind::SkbRdonly => Some(Func::DynptrFromSkb),
        Kind::SkbMeta => Some(Func::DynptrFromSkbMeta),
        Kind::Xdp => Some(Func::DynptrFromXdp),
    }
}

/// The type of `d0` and the program that makes it.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// `bpf_dynptr_from_mem` over a map value, in a SYSCALL program.
    #[default]
    Local,
    /// `bpf_ringbuf_reserve_dynptr` in a SYSCALL program, on an empty ring of [`RINGBUF_BYTES`].
    Ringbuf,
    /// `bpf_dynptr_from_skb` in a TC program (packet of `size` bytes, linear).
    Skb,
    /// `bpf_dynptr_from_skb` in a `cgroup_skb` program: the verifier makes it read-only; the program sees the
    /// packet after its Ethernet header, and the test run zeroes that header in its output.
    SkbRdonly,
    /// `bpf_dynptr_from_skb_meta` in a TC program (no metadata: size 0).
    SkbMeta,
    /// `bpf_dynptr_from_xdp` in an `xdp.frags` program: `head` bytes linear, the rest in page fragments.
    Xdp,
}

/// One operation through one handle.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum DynptrOp {
    /// `bpf_dynptr_read(out, len, p, offset, flags)` into an output buffer filled with 0xAA.
    Read {
        /// Bytes to read (at most [`OUT_CAP`]).
        len: u64,
        /// Offset into the dynptr.
        offset: u64,
        /// Helper flags.
        flags: u64,
    },
    /// `bpf_dynptr_write(p, offset, src, len, flags)` from a source filled with `src_seed`.
    Write {
        /// Offset into the dynptr.
        offset: u64,
        /// Bytes to write (at most [`OUT_CAP`]).
        len: u64,
        /// Helper flags.
        flags: u64,
        /// Seed of the source bytes.
        src_seed: u8,
    },
    /// `bpf_dynptr_data(p, offset, len)`; when not NULL, `len` bytes of `val` are stored through it.
    Data {
        /// Offset.
        offset: u64,
        /// One of [`CONST_LENS`].
        len: u64,
        /// Byte stored through the pointer.
        val: u8,
    },
    /// `bpf_dynptr_slice(p, offset, buffer or NULL, len)`; the bytes seen are copied out.
    Slice {
        /// Offset.
        offset: u64,
        /// One of [`CONST_LENS`].
        len: u64,
        /// Pass a buffer (else NULL).
        buffer: bool,
    },
    /// `bpf_dynptr_slice_rdwr(...)`; the bytes seen are copied out, then `val` is stored through the pointer.
    SliceRdwr {
        /// Offset.
        offset: u64,
        /// One of [`CONST_LENS`].
        len: u64,
        /// Pass a buffer (else NULL).
        buffer: bool,
        /// Byte stored through the pointer.
        val: u8,
    },
    /// `bpf_dynptr_adjust(p, start, end)`.
    Adjust {
        /// Start.
        start: u64,
        /// End.
        end: u64,
    },
    /// `bpf_dynptr_is_null(p)`.
    IsNull,
    /// `bpf_dynptr_is_rdonly(p)`.
    IsRdonly,
    /// `bpf_dynptr_size(p)` (as an unsigned 32-bit value).
    Size,
    /// `bpf_dynptr_clone(p, &d3)` (only once per case).
    Clone,
    /// `bpf_dynptr_copy(p, dst_off, handle src, src_off, len)`.
    Copy {
        /// Offset into `p`.
        dst_off: u64,
        /// The source handle (0..=3).
        src: u8,
        /// Offset into the source.
        src_off: u64,
        /// Bytes.
        len: u64,
    },
    /// `bpf_dynptr_memset(p, offset, len, val)`.
    Memset {
        /// Offset.
        offset: u64,
        /// Bytes.
        len: u64,
        /// Byte.
        val: u8,
    },
}

impl DynptrOp {
    /// The operation's name, as in the report labels.
    pub fn name(&self) -> &'static str {
        match self {
            DynptrOp::Read { .. } => "read",
            DynptrOp::Write { .. } => "write",
            DynptrOp::Data { .. } => "data",
            DynptrOp::Slice { .. } => "slice",
            DynptrOp::SliceRdwr { .. } => "slice_rdwr",
            DynptrOp::Adjust { .. } => "adjust",
            DynptrOp::IsNull => "is_null",
            DynptrOp::IsRdonly => "is_rdonly",
            DynptrOp::Size => "size",
            DynptrOp::Clone => "clone",
            DynptrOp::Copy { .. } => "copy",
            DynptrOp::Memset { .. } => "memset",
        }
    }

    /// True for the operations whose output buffer is part of the outcome.
    pub fn has_out(&self) -> bool {
        matches!(self, DynptrOp::Read { .. } | DynptrOp::Slice { .. } | DynptrOp::SliceRdwr { .. })
    }
}

/// One step: an operation through handle `h`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// 0: `d0`, 1: its clone `d1`, 2: the LOCAL `d2`, 3: `d3` (made by a [`DynptrOp::Clone`] step).
    pub h: u8,
    /// The operation.
    #[serde(flatten)]
    pub op: DynptrOp,
}

/// A dynptr case.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct DynptrCase {
    /// The type of `d0`.
    pub kind: Kind,
    /// LOCAL: `bpf_dynptr_from_mem` size (at most [`MEM_CAP`]); RINGBUF: the reserved size; SKB/XDP: the
    /// packet length.
    pub size: u32,
    /// XDP: the linear bytes (`ctx.data_end`); ignored for other kinds.
    pub head: u32,
    /// The constructor's flags.
    pub flags: u64,
    /// Seed of the initial bytes of `d0`'s memory.
    pub seed: u8,
    /// Size of `d2` (at most [`AUX_CAP`]).
    pub aux_size: u32,
    /// Seed of `d2`'s memory.
    pub aux_seed: u8,
    /// `bpf_dynptr_adjust(d0, start, end)` before the clone.
    pub pre_adjust: Option<(u64, u64)>,
    /// The steps (at most [`NSTEPS`]).
    pub steps: Vec<Step>,
}

/// What happened.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct DynptrOutcome {
    /// The constructor's return.
    pub ctor: i64,
    /// `bpf_dynptr_from_mem` of `d2`.
    pub aux: i64,
    /// The adjust before the clone (0 when none).
    pub pre: i64,
    /// `bpf_dynptr_clone(d0, &d1)`.
    pub clone: i64,
    /// Each step's return: helpers and int kfuncs as returned, bools 0/1, `bpf_dynptr_size` as u32, data
    /// and slices 0 (NULL), 1 (a direct pointer) or 2 (the buffer).
    pub rets: Vec<i64>,
    /// Each read's or slice's output buffer ([`OUT_CAP`] bytes, 0xAA where not written); empty for others.
    pub outs: Vec<ByteImage>,
    /// `d0`'s whole buffer afterwards: the map value, the ring buffer record (empty if none was reserved),
    /// or the packet.
    pub mem: ByteImage,
    /// `d2`'s whole map value afterwards.
    pub aux_mem: ByteImage,
}

impl DynptrOutcome {
    /// The form written to a vector file.
    pub fn for_record(&self) -> DynptrOutcome {
        DynptrOutcome {
            outs: self.outs.iter().map(ByteImage::for_record).collect(),
            mem: self.mem.for_record(),
            aux_mem: self.aux_mem.for_record(),
            ..self.clone()
        }
    }
}

fn ret(r: Result<(), Errno>) -> i64 {
    Errno::ret_of(r.map(|()| 0i64))
}

fn ctor<'a>(rules: Rules, r: Result<Dynptr<'a>, Errno>) -> (Dynptr<'a>, i64) {
    match r {
        Ok(p) => (p, 0),
        Err(e) => (Dynptr::null(rules), e.to_ret()),
    }
}

/// `bpf_ringbuf_reserve_dynptr` on the oracle's empty ring: flags, then `DYNPTR_MAX_SIZE`, then the space.
pub fn ringbuf_reserve(size: u32, flags: u64) -> Result<(), Errno> {
    if flags != 0 {
        return Err(Errno::EINVAL);
    }
    if size > DYNPTR_MAX_SIZE {
        return Err(Errno::E2BIG);
    }
    if size > RINGBUF_MAX_SAMPLE {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

struct Run {
    pre: i64,
    clone: i64,
    rets: Vec<i64>,
    outs: Vec<ByteImage>,
}

impl DynptrCase {
    /// The label's type part: `local`, `ringbuf`, `skb`, `skb-rdonly`, `skb-meta`, `xdp` or `xdp-frags`.
    pub fn kind_label(&self) -> &'static str {
        match self.kind {
            Kind::Local => "local",
            Kind::Ringbuf => "ringbuf",
            Kind::Skb => "skb",
            Kind::SkbRdonly => "skb-rdonly",
            Kind::SkbMeta => "skb-meta",
            Kind::Xdp if self.size > self.head.min(XDP_MAX_LINEAR) => "xdp-frags",
            Kind::Xdp => "xdp",
        }
    }

    fn exec<'a>(&self, rules: Rules, d0: Dynptr<'a>, d2: Dynptr<'a>) -> Run {
        let has = |f: Func| rules.at_least(f.since());
        let mut h: [Option<Dynptr<'a>>; 4] = [Some(d0), None, Some(d2), None];
        let mut pre = 0;
        if let Some((s, e)) = self.pre_adjust {
            pre = match h[0].as_mut() {
                Some(p) if has(Func::DynptrAdjust) => abi::bpf_dynptr_adjust(p, s, e),
                _ => NOT_RUN,
            };
        }
        let mut clone = NOT_RUN;
        if has(Func::DynptrClone) {
            let mut d1 = Dynptr::null(rules);
            clone = abi::bpf_dynptr_clone(&d0_of(rules, &h), &mut d1);
            h[1] = Some(d1);
        }
        let mut cloned3 = false;
        let mut rets = Vec::new();
        let mut outs = Vec::new();
        for step in self.steps.iter().take(NSTEPS) {
            let mut out = vec![0xAAu8; OUT_CAP];
            let r = match h.get(step.h as usize).copied().flatten() {
                None => NOT_RUN,
                Some(mut p) => {
                    let r = self.step(&mut p, &step.op, &h, &mut out, &mut cloned3);
                    h[step.h as usize] = Some(p);
                    if let (DynptrOp::Clone, Some(c)) = (&step.op, r.1) {
                        h[3] = Some(c);
                    }
                    r.0
                }
            };
            rets.push(r);
            outs.push(if step.op.has_out() { ByteImage::new(&out) } else { ByteImage::new(&[]) });
        }
        Run { pre, clone, rets, outs }
    }

    fn step<'a>(
        &self,
        p: &mut Dynptr<'a>,
        op: &DynptrOp,
        h: &[Option<Dynptr<'a>>; 4],
        out: &mut [u8],
        cloned3: &mut bool,
    ) -> (i64, Option<Dynptr<'a>>) {
        if kfunc_of(op).is_some_and(|f| !p.has(f)) {
            return (NOT_RUN, None);
        }
        let r = match *op {
            DynptrOp::Read { len, offset, flags } => {
                let n = usize::try_from(len).unwrap_or(usize::MAX).min(OUT_CAP);
                ret(p.read(&mut out[..n], offset, flags))
            }
            DynptrOp::Write { offset, len, flags, src_seed } => {
                ret(p.write(offset, &filled(src_seed, usize::try_from(len).unwrap_or(usize::MAX).min(OUT_CAP)), flags))
            }
            DynptrOp::Data { offset, len, val } => match p.data(offset, u64::from(const_len(len))) {
                Some(s) => {
                    s.iter().for_each(|c| c.set(val));
                    1
                }
                None => 0,
            },
            DynptrOp::Slice { offset, len, buffer } => slice_step(p, offset, len, buffer, None, out),
            DynptrOp::SliceRdwr { offset, len, buffer, val } => {
                if self.kind == Kind::SkbRdonly {
                    NOT_RUN
                } else {
                    slice_step(p, offset, len, buffer, Some(val), out)
                }
            }
            DynptrOp::Adjust { start, end } => abi::bpf_dynptr_adjust(p, start, end),
            DynptrOp::IsNull => abi::bpf_dynptr_is_null(p),
            DynptrOp::IsRdonly => abi::bpf_dynptr_is_rdonly(p),
            DynptrOp::Size => abi::bpf_dynptr_size(p) as i64,
            DynptrOp::Clone => {
                if *cloned3 {
                    NOT_RUN
                } else {
                    *cloned3 = true;
                    let mut c = Dynptr::null(p.rules());
                    let r = abi::bpf_dynptr_clone(p, &mut c);
                    return (r, Some(c));
                }
            }
            DynptrOp::Copy { dst_off, src, src_off, len } => match h.get(src as usize).copied().flatten() {
                // The source as it is now, earlier adjusts included (for `src == h`, the handle itself).
                Some(s) => abi::bpf_dynptr_copy(p, dst_off, &s, src_off, len),
                None => NOT_RUN,
            },
            DynptrOp::Memset { offset, len, val } => abi::bpf_dynptr_memset(p, offset, len, val),
        };
        (r, None)
    }

    /// The memory behind `d0` as the model starts from it, and the outcome after running the case.
    fn outcome(&self, rules: Rules, fsrm: bool) -> DynptrOutcome {
        let mut aux_bytes = filled(self.aux_seed, AUX_CAP);
        let pkt = || filled(self.seed, self.size as usize);
        if ctor_kfunc(self.kind).is_some_and(|f| !rules.at_least(f.since())) {
            // The kernel has no constructor for this type: the program records NOT_RUN everywhere.
            let n = self.steps.len().min(NSTEPS);
            let mut mem = pkt();
            if self.kind == Kind::SkbRdonly {
                mem.iter_mut().take(ETH_HLEN as usize).for_each(|b| *b = 0);
            }
            return DynptrOutcome {
                ctor: NOT_RUN,
                aux: NOT_RUN,
                pre: NOT_RUN,
                clone: NOT_RUN,
                rets: vec![NOT_RUN; n],
                outs: self
                    .steps
                    .iter()
                    .take(NSTEPS)
                    .map(|s| if s.op.has_out() { ByteImage::new(&[0xAA; OUT_CAP]) } else { ByteImage::new(&[]) })
                    .collect(),
                mem: ByteImage::new(&mem),
                aux_mem: ByteImage::new(&aux_bytes),
            };
        }
        let aux_cells = Cell::from_mut(&mut aux_bytes[..]).as_slice_of_cells();
        let (d2, aux) = ctor(rules, Dynptr::from_mem(rules, aux_cells, self.aux_size.min(AUX_CAP as u32), 0));
        let (c, run, mem) = match self.kind {
            Kind::Local => {
                let mut mem = filled(self.seed, MEM_CAP);
                let (run, c) = {
                    let cells = Cell::from_mut(&mut mem[..]).as_slice_of_cells();
                    let (d0, c) =
                        ctor(rules, Dynptr::from_mem(rules, cells, self.size.min(MEM_CAP as u32), self.flags));
                    (self.exec(rules, d0, d2), c)
                };
                (c, run, mem)
            }
            Kind::Ringbuf => match ringbuf_reserve(self.size, self.flags) {
                Ok(()) => {
                    let mut sample = filled(self.seed, self.size as usize);
                    let run = {
                        let cells = Cell::from_mut(&mut sample[..]).as_slice_of_cells();
                        self.exec(rules, Dynptr::ringbuf_sample(rules, cells, self.size), d2)
                    };
                    (0, run, sample)
                }
                Err(e) => (e.to_ret(), self.exec(rules, Dynptr::null(rules), d2), Vec::new()),
            },
            Kind::Skb | Kind::SkbMeta => {
                let skb = Skb::new(&pkt());
                let r = if self.kind == Kind::Skb {
                    Dynptr::from_skb(rules, &skb, self.flags)
                } else {
                    Dynptr::from_skb_meta(rules, &skb, self.flags)
                };
                let (d0, c) = ctor(rules, r);
                let run = self.exec(rules, d0, d2);
                (c, run, skb.to_vec())
            }
            Kind::SkbRdonly => {
                let p = pkt();
                let skb = Skb::new(p.get(ETH_HLEN as usize..).unwrap_or(&[]));
                let (d0, c) = ctor(rules, Dynptr::from_skb_rdonly(rules, &skb, self.flags));
                let run = self.exec(rules, d0, d2);
                let mut mem = vec![0u8; (ETH_HLEN as usize).min(p.len())];
                mem.extend(skb.to_vec());
                (c, run, mem)
            }
            Kind::Xdp => {
                let xdp = XdpBuff::test_run(&pkt(), self.head, XDP_MAX_LINEAR, PAGE_SIZE)
                    .with_memcpy(Memcpy::for_cpu(rules, fsrm));
                let (d0, c) = ctor(rules, Dynptr::from_xdp(rules, &xdp, self.flags));
                let run = self.exec(rules, d0, d2);
                (c, run, xdp.to_vec())
            }
        };
        DynptrOutcome {
            ctor: c,
            aux,
            pre: run.pre,
            clone: run.clone,
            rets: run.rets,
            outs: run.outs,
            mem: ByteImage::new(&mem),
            aux_mem: ByteImage::new(&aux_bytes),
        }
    }
}

fn d0_of<'a>(rules: Rules, h: &[Option<Dynptr<'a>>; 4]) -> Dynptr<'a> {
    h[0].unwrap_or(Dynptr::null(rules))
}

/// A slice step: 0 NULL, 1 direct, 2 the buffer; the bytes seen go to `out`, then `val` is stored through
/// the pointer for `slice_rdwr`.
fn slice_step(p: &Dynptr<'_>, offset: u64, len: u64, buffer: bool, val: Option<u8>, out: &mut [u8]) -> i64 {
    let len = const_len(len);
    let mut buf = [0u8; 256];
    let b = if buffer { Some(&mut buf[..len as usize]) } else { None };
    let l = u64::from(len);
    let s = if val.is_some() { p.slice_rdwr(offset, l, b) } else { p.slice(offset, l, b) };
    match s {
        None => 0,
        Some(Slice::Direct(d)) => {
            for (o, c) in out.iter_mut().zip(d) {
                *o = c.get();
            }
            if let Some(v) = val {
                d.iter().for_each(|c| c.set(v));
            }
            1
        }
        Some(Slice::Buffer) => {
            out[..len as usize].copy_from_slice(&buf[..len as usize]);
            2
        }
    }
}

impl Case for DynptrCase {
    type Outcome = DynptrOutcome;
    const AREA: &'static str = "dynptr";

    /// Runs the case as the profile's kernel ([`KernelProfile::rules`]; a version outside 6.1-7.3, which
    /// no recorded kernel has, runs as the newest).
    fn run_model(&self, profile: &KernelProfile) -> DynptrOutcome {
        self.outcome(profile.rules().unwrap_or(Rules::newest()), profile.cpu_fsrm)
    }

    fn outcome_for_record(outcome: &DynptrOutcome) -> DynptrOutcome {
        outcome.for_record()
    }

    fn label(&self) -> String {
        let op = self.steps.first().map_or("ctor", |s| s.op.name());
        format!("{op}/{}", self.kind_label())
    }
}
