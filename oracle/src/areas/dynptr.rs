//! The dynptr area: `oracle/bpf/dynptr.bpf.c` against `bpf_model::dynptr`.
//!
//! Every dynptr type the kernel lets a test run reach: LOCAL and RINGBUF in SYSCALL programs, SKB and SKB_META
//! in TC test runs, the read-only SKB in a `cgroup_skb` test run, XDP (linear and with fragments) in an
//! `xdp.frags` test run. The case's arguments go to the programs' global data; each program runs the same
//! sequence (constructor, second LOCAL dynptr, adjust, clone, steps) and writes its returns back.
//!
//! The object loads on any kernel: a kfunc the kernel lacks is a weak symbol whose calls answer `NOT_RUN`
//! (the model, configured as the kernel, answers the same), and a program the verifier refuses is left
//! out of the load (see [`DynptrArea::open`]), with one line saying which operations and types that
//! excludes and the verifier's reason; the generator then makes no case that needs it.

use crate::conformance::Area;
use crate::kernel::{self, skel::dynptr as skel, OracleError};
use crate::rng::Rng;
use bpf_model::dynptr::DYNPTR_MAX_SIZE;
use bpf_model::vectors::dynptr::{
    const_len, fill_byte, DynptrCase, DynptrOp, DynptrOutcome, Kind, Step, AUX_CAP, CONST_LENS, ETH_HLEN, MAX_FRAGS,
    MEM_CAP, NSTEPS, OUT_CAP, PAGE_SIZE, RINGBUF_MAX_SAMPLE, SKB_MAX, XDP_MAX, XDP_MAX_LINEAR,
};
use bpf_model::vectors::ByteImage;
use bpf_model::KernelProfile;
use libbpf_rs::skel::{OpenSkel, SkelBuilder};
use libbpf_rs::{OpenObject, PrintLevel, RingBuffer, RingBufferBuilder};
use std::cell::RefCell;
use std::mem::MaybeUninit;
use std::rc::Rc;

/// The loaded dynptr programs and the consumer of their ring buffer.
pub struct DynptrArea {
    ring: RingBuffer<'static>,
    records: Rc<RefCell<Vec<Vec<u8>>>>,
    skel: skel::DynptrSkel<'static>,
    excluded: Vec<Exclusion>,
    /// Whether an XDP test run takes a `ctx.data_end` below the packet's length (fragments chosen by the
    /// caller); where it does not, XDP cases put the whole packet in the linear part (the kernel then
    /// moves what does not fit into fragments itself).
    xdp_split: bool,
}

/// A program of `dynptr.bpf.c` the kernel refused, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclusion {
    /// The program (`dynptr_skb_rdwr`).
    pub program: String,
    /// The verifier's (or libbpf's) last line about it.
    pub reason: String,
}

impl Exclusion {
    /// The case kind and whether it is the `slice_rdwr` twin.
    pub fn target(&self) -> Option<(Kind, bool)> {
        PROGRAMS.iter().find(|(name, _, _)| *name == self.program).map(|&(_, k, rdwr)| (k, rdwr))
    }

    /// The line printed when the area opens.
    pub fn line(&self) -> String {
        match self.target() {
            Some((kind, true)) => format!(
                "dynptr: excluded slice_rdwr on {}: the kernel refused {}: {}",
                kind_name(kind),
                self.program,
                self.reason
            ),
            Some((kind, false)) => format!(
                "dynptr: excluded every case of type {}: the kernel refused {}: {}",
                kind_name(kind),
                self.program,
                self.reason
            ),
            None => format!("dynptr: excluded {}: {}", self.program, self.reason),
        }
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Local => "local",
        Kind::Ringbuf => "ringbuf",
        Kind::Skb => "skb",
        Kind::SkbRdonly => "skb-rdonly",
        Kind::SkbMeta => "skb-meta",
        Kind::Xdp => "xdp",
    }
}

/// Every program of `dynptr.bpf.c`: its name, the kind it runs, and whether it is the twin that may call
/// `bpf_dynptr_slice_rdwr`.
const PROGRAMS: [(&str, Kind, bool); 11] = [
    ("dynptr_local", Kind::Local, false),
    ("dynptr_local_rdwr", Kind::Local, true),
    ("dynptr_ringbuf", Kind::Ringbuf, false),
    ("dynptr_ringbuf_rdwr", Kind::Ringbuf, true),
    ("dynptr_skb", Kind::Skb, false),
    ("dynptr_skb_rdwr", Kind::Skb, true),
    ("dynptr_skb_meta", Kind::SkbMeta, false),
    ("dynptr_skb_meta_rdwr", Kind::SkbMeta, true),
    ("dynptr_skb_rdonly", Kind::SkbRdonly, false),
    ("dynptr_xdp", Kind::Xdp, false),
    ("dynptr_xdp_rdwr", Kind::Xdp, true),
];

/// libbpf's messages while the object loads (libbpf's print callback is a plain `fn`, so a static).
/// The program libbpf says failed to load, and the last meaningful line of its verifier log.
fn failed_program(log: &str) -> Option<Exclusion> {
    const FAILED: &str = "': BPF program load failed: ";
    let at = log.rfind(FAILED)?;
    let start = log[..at].rfind("prog '")? + "prog '".len();
    let program = log[start..at].to_string();
    let failure = log[at + FAILED.len()..].lines().next().unwrap_or("").trim().to_string();
    let begin = format!("prog '{program}': -- BEGIN PROG LOAD LOG --");
    let verifier = log.rfind(&begin).and_then(|b| {
        let text = &log[b + begin.len()..];
        let text = &text[..text.find("-- END PROG LOAD LOG --").unwrap_or(text.len())];
        text.lines()
            .rev()
            .map(str::trim)
            .find(|l| {
                !l.is_empty()
                    && !l.starts_with("processed ")
                    && !l.starts_with("verification time")
                    && !l.starts_with("stack depth")
            })
            .map(str::to_string)
    });
    let reason = match verifier {
        Some(v) => format!("{v} ({failure})"),
        None => failure,
    };
    Some(Exclusion { program, reason })
}

/// Opens and loads `dynptr.bpf.c` with every program but those in `excluded`.
fn load_without(excluded: &[Exclusion]) -> Result<skel::DynptrSkel<'static>, (OracleError, String)> {
    let storage: &'static mut MaybeUninit<OpenObject> = Box::leak(Box::new(MaybeUninit::uninit()));
    let mut open = skel::DynptrSkelBuilder::default()
        .open(storage)
        .map_err(|e| (OracleError::kernel("opening dynptr.bpf.c", e), String::new()))?;
    for mut prog in open.open_object_mut().progs_mut() {
        let name = prog.name().to_string_lossy().into_owned();
        prog.set_autoload(!excluded.iter().any(|x| x.program == name));
    }
    let (r, log) = kernel::capture_libbpf_log(PrintLevel::Warn, || open.load());
    r.map_err(|e| (OracleError::kernel("loading dynptr.bpf.c", e), log))
}

fn op_code(op: &DynptrOp) -> u32 {
    match op {
        DynptrOp::Read { .. } => 1,
        DynptrOp::Write { .. } => 2,
        DynptrOp::Data { .. } => 3,
        DynptrOp::Slice { .. } => 4,
        DynptrOp::SliceRdwr { .. } => 5,
        DynptrOp::Adjust { .. } => 6,
        DynptrOp::IsNull => 7,
        DynptrOp::IsRdonly => 8,
        DynptrOp::Size => 9,
        DynptrOp::Clone => 10,
        DynptrOp::Copy { .. } => 11,
        DynptrOp::Memset { .. } => 12,
    }
}

fn step_args(s: &Step) -> skel::types::step {
    let mut a = skel::types::step { op: op_code(&s.op), h: u32::from(s.h), ..Default::default() };
    match s.op {
        DynptrOp::Read { len, offset, flags } => (a.a, a.b, a.flags) = (offset, len, flags),
        DynptrOp::Write { offset, len, flags, .. } => (a.a, a.b, a.flags) = (offset, len, flags),
        DynptrOp::Data { offset, len, val } => (a.a, a.b, a.val) = (offset, len, u32::from(val)),
        DynptrOp::Slice { offset, len, buffer } => (a.a, a.b, a.buffer) = (offset, len, u32::from(buffer)),
        DynptrOp::SliceRdwr { offset, len, buffer, val } => {
            (a.a, a.b, a.buffer, a.val) = (offset, len, u32::from(buffer), u32::from(val))
        }
        DynptrOp::Adjust { start, end } => (a.a, a.b) = (start, end),
        DynptrOp::IsNull | DynptrOp::IsRdonly | DynptrOp::Size | DynptrOp::Clone => {}
        DynptrOp::Copy { dst_off, src, src_off, len } => {
            (a.a, a.src, a.b, a.c) = (dst_off, u32::from(src), src_off, len)
        }
        DynptrOp::Memset { offset, len, val } => (a.a, a.b, a.val) = (offset, len, u32::from(val)),
    }
    a
}

/// A generated u32 as a 64-bit argument: mostly itself; one in 16 with bit 32 set (what a kernel before
/// 6.19 truncates away and 6.19 refuses), one in 64 near `u64::MAX`.
trait Widen {
    fn widen(self, rng: &mut Rng) -> u64;
}

impl Widen for u32 {
    fn widen(self, rng: &mut Rng) -> u64 {
        match rng.below(64) {
            0 => u64::MAX - rng.below(2),
            1..=4 => (1u64 << 32) + u64::from(self),
            _ => u64::from(self),
        }
    }
}

/// A u32 near the interesting points of a dynptr of `size` bytes (and of XDP's 0xffff limit).
fn point(rng: &mut Rng, size: u32, bound: u32) -> u32 {
    match rng.below(10) {
        0 => 0xffff - rng.below(3) as u32 + 1,
        1 => size.wrapping_sub(rng.below(3) as u32),
        _ => rng.edgy_u32(size, bound),
    }
}

fn flags(rng: &mut Rng) -> u64 {
    match rng.below(20) {
        0 => 1u64 << rng.below(64),
        1 => 1 + rng.below(3),
        _ => 0,
    }
}

/// Runs a SYSCALL program once without a context (its arguments are in its global data).
fn run_no_ctx(prog: &libbpf_rs::ProgramMut<'_>) -> Result<u32, OracleError> {
    prog.test_run(libbpf_rs::ProgramInput::default())
        .map(|o| o.return_value)
        .map_err(|e| OracleError::kernel("BPF_PROG_TEST_RUN (syscall)", e))
}

impl DynptrArea {
    /// The programs the kernel refused.
    pub fn excluded(&self) -> &[Exclusion] {
        &self.excluded
    }

    /// Whether cases of `kind` can run, with `slice_rdwr` steps when `rdwr`.
    pub fn can_run(&self, kind: Kind, rdwr: bool) -> bool {
        let needs = |r: bool| !self.excluded.iter().any(|x| x.target() == Some((kind, r)));
        needs(false) && (!rdwr || needs(true))
    }

    #[allow(clippy::too_many_arguments)]
    fn gen_op(
        rng: &mut Rng,
        rdwr_ok: bool,
        size: u32,
        first: bool,
        nsteps: usize,
        has3: bool,
        edge: u32,
    ) -> (u8, DynptrOp) {
        let cap = OUT_CAP as u32;
        let h = match rng.below(10) {
            0..=4 => 0,
            5..=7 => 1,
            8 => 2,
            _ if has3 => 3,
            _ => 1,
        };
        // Half of the ranges are valid ones (offset + len <= size), so that the success paths (direct,
        // buffer, chunked) are exercised as much as the edges.
        let valid = rng.chance(1, 2);
        let vlen = |rng: &mut Rng, max: u32| rng.below(u64::from(size.min(max)) + 1) as u32;
        // For XDP with fragments, a third of the valid ranges straddle the end of the linear area.
        let voff = |rng: &mut Rng, len: u32| {
            if edge > 0 && rng.chance(1, 3) {
                edge.saturating_sub(rng.below(u64::from(len) + 1) as u32).min(size.saturating_sub(len))
            } else {
                rng.below(u64::from(size.saturating_sub(len)) + 1) as u32
            }
        };
        let span = size.max(16);
        let op = loop {
            let pick = rng.below(12);
            // slice_rdwr is refused by the verifier in programs that may not write packets, and wherever
            // this kernel refused the `*_rdwr` twin.
            if pick == 4 && !rdwr_ok {
                continue;
            }
            // A clone into d3 first, so that later steps can use d3.
            if pick == 9 && !first && nsteps > 1 && rng.chance(1, 2) {
                continue;
            }
            break pick;
        };
        let len = |rng: &mut Rng| point(rng, size, span);
        let small = |rng: &mut Rng| rng.edgy_u32(size, cap).min(cap);
        let clen = |rng: &mut Rng| *rng.pick(&CONST_LENS) + u32::from(rng.chance(1, 8));
        let op = match op {
            0 | 1 | 3 | 4 | 10 | 11 if valid => {
                let l = match op {
                    0 | 1 => vlen(rng, cap),
                    3 | 4 => const_len(vlen(rng, 256).into()),
                    _ => vlen(rng, u32::MAX),
                };
                let offset = voff(rng, l);
                match op {
                    0 => DynptrOp::Read { len: l.into(), offset: offset.into(), flags: 0 },
                    1 => DynptrOp::Write {
                        offset: offset.into(),
                        len: l.into(),
                        flags: 0,
                        src_seed: rng.next_u32() as u8,
                    },
                    3 => DynptrOp::Slice { offset: offset.into(), len: l.into(), buffer: rng.chance(1, 2) },
                    4 => DynptrOp::SliceRdwr {
                        offset: offset.into(),
                        len: l.into(),
                        buffer: rng.chance(1, 2),
                        val: rng.next_u32() as u8,
                    },
                    10 => DynptrOp::Copy {
                        dst_off: offset.into(),
                        src: if has3 { *rng.pick(&[0u8, 1, 1, 2, 2, 3]) } else { *rng.pick(&[0u8, 1, 1, 2, 2]) },
                        src_off: voff(rng, l).into(),
                        len: l.into(),
                    },
                    _ => DynptrOp::Memset { offset: offset.into(), len: l.into(), val: rng.next_u32() as u8 },
                }
            }
            0 => {
                let l = small(rng);
                DynptrOp::Read {
                    len: l.into(),
                    offset: point(rng, size.wrapping_sub(l), span).widen(rng),
                    flags: flags(rng),
                }
            }
            1 => {
                let l = small(rng);
                let f = if rng.chance(1, 4) { flags(rng) | rng.below(4) } else { flags(rng) };
                DynptrOp::Write {
                    offset: point(rng, size.wrapping_sub(l), span).widen(rng),
                    len: l.into(),
                    flags: f,
                    src_seed: rng.next_u32() as u8,
                }
            }
            2 => {
                let l = clen(rng);
                DynptrOp::Data {
                    offset: point(rng, size.wrapping_sub(l), span).widen(rng),
                    len: l.widen(rng),
                    val: rng.next_u32() as u8,
                }
            }
            3 | 4 => {
                let l = clen(rng);
                let offset = point(rng, size.wrapping_sub(l.min(256)), span).widen(rng);
                let l = l.widen(rng);
                let buffer = rng.chance(1, 2);
                if op == 3 {
                    DynptrOp::Slice { offset, len: l, buffer }
                } else {
                    DynptrOp::SliceRdwr { offset, len: l, buffer, val: rng.next_u32() as u8 }
                }
            }
            5 => {
                let start = point(rng, size, span);
                let end =
                    if rng.chance(1, 2) { point(rng, size, span) } else { start.wrapping_add(rng.below(64) as u32) };
                DynptrOp::Adjust { start: start.widen(rng), end: end.widen(rng) }
            }
            6 => DynptrOp::IsNull,
            7 => DynptrOp::IsRdonly,
            8 => DynptrOp::Size,
            9 => DynptrOp::Clone,
            10 => {
                let l = if rng.chance(1, 3) { rng.below(u64::from(span) + 1) as u32 } else { len(rng) };
                DynptrOp::Copy {
                    dst_off: point(rng, size.wrapping_sub(l), span).widen(rng),
                    src: if has3 { *rng.pick(&[0u8, 1, 1, 2, 2, 3]) } else { *rng.pick(&[0u8, 1, 1, 2, 2]) },
                    src_off: point(rng, size.wrapping_sub(l), span).widen(rng),
                    len: l.widen(rng),
                }
            }
            _ => {
                let l = if rng.chance(1, 3) { rng.below(u64::from(span) + 1) as u32 } else { len(rng) };
                DynptrOp::Memset {
                    offset: point(rng, size.wrapping_sub(l), span).widen(rng),
                    len: l.widen(rng),
                    val: rng.next_u32() as u8,
                }
            }
        };
        (h, op)
    }

    fn bss(&mut self) -> Result<&mut skel::types::bss, OracleError> {
        self.skel.maps.bss_data.as_deref_mut().ok_or_else(|| OracleError::Kernel("no .bss mmap".into()))
    }
}

impl Area for DynptrArea {
    type Case = DynptrCase;
    const DEFAULT_CASES: u64 = 100_000;

    /// Loads `dynptr.bpf.c`. When the kernel refuses a program, the load is retried without it (at most
    /// once per program), and the refusal is kept as an [`Exclusion`] and printed as one line on stderr.
    fn open(_profile: &KernelProfile) -> Result<Self, OracleError> {
        let mut excluded: Vec<Exclusion> = Vec::new();
        let skel = loop {
            match load_without(&excluded) {
                Ok(skel) => break skel,
                Err((e, log)) => match failed_program(&log) {
                    Some(x) if !excluded.iter().any(|y| y.program == x.program) && x.target().is_some() => {
                        eprintln!("{}", x.line());
                        excluded.push(x);
                    }
                    _ => return Err(e),
                },
            }
        };
        let records: Rc<RefCell<Vec<Vec<u8>>>> = Rc::default();
        let sink = records.clone();
        let mut builder = RingBufferBuilder::new();
        builder
            .add(&skel.maps.rb, move |data: &[u8]| {
                sink.borrow_mut().push(data.to_vec());
                0
            })
            .map_err(|e| OracleError::kernel("ring buffer consumer", e))?;
        let ring = builder.build().map_err(|e| OracleError::kernel("ring buffer consumer", e))?;
        let mut area = DynptrArea { ring, records, skel, excluded, xdp_split: true };
        if area.can_run(Kind::Xdp, false) {
            let probe = DynptrCase {
                kind: Kind::Xdp,
                size: 200,
                head: 100,
                flags: 0,
                seed: 0,
                aux_size: 0,
                aux_seed: 0,
                pre_adjust: None,
                steps: vec![Step { h: 0, op: DynptrOp::IsNull }],
            };
            if let Err(e) = area.run_kernel(&probe) {
                eprintln!(
                    "dynptr: excluded xdp cases whose linear part is shorter than the packet \
                     (ctx.data_end below the data's length): {e}; xdp cases put the whole packet in ctx.data_end"
                );
                area.xdp_split = false;
            }
        }
        Ok(area)
    }

    fn generate(&mut self, rng: &mut Rng) -> DynptrCase {
        let kinds: Vec<Kind> = [Kind::Local, Kind::Ringbuf, Kind::Skb, Kind::SkbRdonly, Kind::SkbMeta, Kind::Xdp]
            .into_iter()
            .filter(|&k| self.can_run(k, false))
            .collect();
        let kind = *rng.pick(&kinds);
        let rdwr_ok = kind != Kind::SkbRdonly && self.can_run(kind, true);
        let (size, head) = match kind {
            Kind::Local => (rng.edgy_u32(MEM_CAP as u32, MEM_CAP as u32).min(MEM_CAP as u32), 0),
            Kind::Ringbuf => {
                let s = match rng.below(8) {
                    0 => DYNPTR_MAX_SIZE + rng.below(3) as u32 - 1,
                    1 => RINGBUF_MAX_SAMPLE + rng.below(3) as u32 - 1,
                    2 => u32::MAX - rng.below(2) as u32,
                    _ => rng.below(1100) as u32,
                };
                (s, 0)
            }
            Kind::Skb | Kind::SkbRdonly | Kind::SkbMeta => {
                (ETH_HLEN + rng.edgy_u32(300, SKB_MAX - ETH_HLEN).min(SKB_MAX - ETH_HLEN), 0)
            }
            Kind::Xdp => {
                let total = match rng.below(10) {
                    0 => XDP_MAX - rng.below(6000) as u32,
                    1..=3 => ETH_HLEN + rng.below(9000) as u32,
                    _ => ETH_HLEN + rng.below(700) as u32,
                };
                let head = match rng.below(6) {
                    _ if !self.xdp_split => total,
                    0 => total,
                    1 => XDP_MAX_LINEAR.min(total),
                    2 => (ETH_HLEN + rng.below(64) as u32).min(total),
                    _ => rng.below(u64::from(total) + 1) as u32,
                };
                // A test run fails with ENOMEM when the bytes past the linear area need more than 17 pages.
                let total = total.min(head.min(XDP_MAX_LINEAR) + MAX_FRAGS * PAGE_SIZE);
                (total, head)
            }
        };
        let ctor_flags = if rng.chance(1, 25) { flags(rng) | 1 } else { 0 };
        let dsize = match kind {
            Kind::SkbRdonly => size - ETH_HLEN,
            Kind::SkbMeta => 0,
            _ => size,
        };
        let pre_adjust = if rng.chance(1, 4) {
            let s = rng.edgy_u32(dsize, dsize);
            let e = if rng.chance(3, 4) { rng.edgy_u32(dsize, dsize).max(s) } else { rng.edgy_u32(dsize, dsize) };
            Some((s.widen(rng), e.widen(rng)))
        } else {
            None
        };
        let nsteps = 1 + rng.below(NSTEPS as u64) as usize;
        let mut steps = Vec::new();
        let mut has3 = false;
        for i in 0..nsteps {
            let edge = if kind == Kind::Xdp && size > head.min(XDP_MAX_LINEAR) { head.min(XDP_MAX_LINEAR) } else { 0 };
            let (h, op) = Self::gen_op(rng, rdwr_ok, dsize, i == 0, nsteps, has3, edge);
            has3 |= op == DynptrOp::Clone && h != 3;
            steps.push(Step { h, op });
        }
        DynptrCase {
            kind,
            size,
            head,
            flags: ctor_flags,
            seed: rng.next_u32() as u8,
            aux_size: rng.edgy_u32(AUX_CAP as u32, AUX_CAP as u32).min(AUX_CAP as u32),
            aux_seed: rng.next_u32() as u8,
            pre_adjust,
            steps,
        }
    }

    fn run_kernel(&mut self, case: &DynptrCase) -> Result<DynptrOutcome, OracleError> {
        let bss = self.bss()?;
        for (i, b) in bss.mem.iter_mut().enumerate() {
            *b = fill_byte(case.seed, i);
        }
        for (i, b) in bss.rbfill.iter_mut().enumerate() {
            *b = fill_byte(case.seed, i);
        }
        for (i, b) in bss.aux_mem.iter_mut().enumerate() {
            *b = fill_byte(case.aux_seed, i);
        }
        for o in bss.outs.iter_mut() {
            o.fill(0xAA);
        }
        let mut a = skel::types::dynptr_args {
            size: case.size,
            aux_size: case.aux_size,
            flags: case.flags,
            nsteps: case.steps.len().min(NSTEPS) as u32,
            ..Default::default()
        };
        if let Some((s, e)) = case.pre_adjust {
            (a.pre_adjust, a.pre_start, a.pre_end) = (1, s, e);
        }
        for (i, s) in case.steps.iter().take(NSTEPS).enumerate() {
            a.steps[i] = step_args(s);
            if let DynptrOp::Write { src_seed, .. } = s.op {
                for (j, b) in bss.wsrc[i].iter_mut().enumerate() {
                    *b = fill_byte(src_seed, j);
                }
            }
        }
        bss.args = a;
        let pkt: Vec<u8> = match case.kind {
            Kind::Local | Kind::Ringbuf => Vec::new(),
            _ => (0..case.size as usize).map(|i| fill_byte(case.seed, i)).collect(),
        };
        let rdwr =
            case.kind != Kind::SkbRdonly && case.steps.iter().any(|s| matches!(s.op, DynptrOp::SliceRdwr { .. }));
        if !self.can_run(case.kind, rdwr) {
            return Err(OracleError::Kernel(format!(
                "this kernel refused the program for {} cases{}",
                kind_name(case.kind),
                if rdwr { " with slice_rdwr" } else { "" }
            )));
        }
        let progs = &self.skel.progs;
        let eth = [0u8; ETH_HLEN as usize];
        let mem = match (case.kind, rdwr) {
            (Kind::Local, true) => {
                kernel::run_packet(&progs.dynptr_local_rdwr, &eth, None, eth.len())?;
                None
            }
            (Kind::Local, false) => {
                run_no_ctx(&progs.dynptr_local)?;
                None
            }
            (Kind::Ringbuf, _) => {
                if rdwr {
                    kernel::run_packet(&progs.dynptr_ringbuf_rdwr, &eth, None, eth.len())?;
                } else {
                    run_no_ctx(&progs.dynptr_ringbuf)?;
                }
                self.records.borrow_mut().clear();
                self.ring.consume().map_err(|e| OracleError::kernel("ring buffer consume", e))?;
                let recs = std::mem::take(&mut *self.records.borrow_mut());
                Some(recs.into_iter().next().unwrap_or_default())
            }
            (Kind::Skb, r) => {
                let prog = if r { &progs.dynptr_skb_rdwr } else { &progs.dynptr_skb };
                Some(kernel::run_packet(prog, &pkt, None, pkt.len())?.data_out)
            }
            (Kind::SkbMeta, r) => {
                let prog = if r { &progs.dynptr_skb_meta_rdwr } else { &progs.dynptr_skb_meta };
                Some(kernel::run_packet(prog, &pkt, None, pkt.len())?.data_out)
            }
            (Kind::SkbRdonly, _) => Some(kernel::run_packet(&progs.dynptr_skb_rdonly, &pkt, None, pkt.len())?.data_out),
            (Kind::Xdp, r) => {
                // struct xdp_md: data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex.
                let mut ctx = [0u8; 24];
                ctx[4..8].copy_from_slice(&case.head.to_ne_bytes());
                let prog = if r { &progs.dynptr_xdp_rdwr } else { &progs.dynptr_xdp };
                Some(kernel::run_packet(prog, &pkt, Some(&mut ctx), pkt.len())?.data_out)
            }
        };
        let bss = self.bss()?;
        let a = &bss.args;
        let n = case.steps.len().min(NSTEPS);
        let outs = case
            .steps
            .iter()
            .take(NSTEPS)
            .enumerate()
            .map(|(i, s)| if s.op.has_out() { ByteImage::new(&bss.outs[i]) } else { ByteImage::new(&[]) })
            .collect();
        Ok(DynptrOutcome {
            ctor: a.ctor,
            aux: a.aux,
            pre: a.pre,
            clone: a.clone,
            rets: a.rets[..n].to_vec(),
            outs,
            mem: ByteImage::new(mem.as_deref().unwrap_or(&bss.mem)),
            aux_mem: ByteImage::new(&bss.aux_mem),
        })
    }

    fn shrink(&self, case: &DynptrCase) -> Vec<DynptrCase> {
        let mut out = Vec::new();
        let mut push = |c: DynptrCase| {
            if c != *case {
                out.push(c);
            }
        };
        for i in 0..case.steps.len() {
            let mut c = case.clone();
            c.steps.remove(i);
            if !c.steps.is_empty() {
                push(c);
            }
        }
        push(DynptrCase { pre_adjust: None, ..case.clone() });
        push(DynptrCase { seed: 0, aux_seed: 0, ..case.clone() });
        push(DynptrCase { flags: 0, ..case.clone() });
        out
    }

    fn is_edge(&self, case: &DynptrCase) -> bool {
        case.steps.len() <= 2 && case.size <= 9000 && case.pre_adjust.is_none()
    }
}
