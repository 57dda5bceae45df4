//! Cpumask cases: three masks made by `bpf_cpumask_create`, a sequence of kfunc calls on them, then every
//! mask read back.
//!
//! The kernel side is `oracle/bpf/cpumask.bpf.c`, a SYSCALL program run with `BPF_PROG_TEST_RUN`: one run
//! creates the masks, runs the sequence, reads each mask back through the kfuncs (`test_cpu` for CPUs
//! `0..TEST_BITS`, `first`, `first_zero`, `weight`, `empty`, `full`) and as raw memory (the `cpumask_t` bits
//! and the refcount after them, with `bpf_probe_read_kernel`), and releases them.
//!
//! `bpf_cpumask_any_distribute` / `bpf_cpumask_any_and_distribute` read a per-CPU cursor the scheduler shares,
//! so only part of their answer is deterministic; both sides report it through [`distribute_step`].

use super::{ByteImage, Case};
use crate::cpumask::{
    abi, check_populate, BpfCpumask, CpumaskAlloc, CpumaskGeometry, DistributeCursor, LoadRefusal, PopulateDst,
};
use crate::prog::Func;
use crate::KernelProfile;
use serde::{Deserialize, Serialize};

/// Operations per case (the program's `MAX_OPS`).
pub const MAX_OPS: usize = 12;
/// Masks per case.
pub const NMASKS: usize = 3;
/// Bytes of the populate source buffer (the program's `SRC_CAP`); its base is aligned to 8.
pub const SRC_CAP: usize = 2048;
/// The largest populate offset from the aligned base, plus one.
pub const SRC_OFF_CAP: u32 = 16;
/// The largest populate size the program passes (`SRC_CAP - 16`).
pub const SRC_SIZE_CAP: u32 = (SRC_CAP - 16) as u32;
/// CPUs `0..TEST_BITS` are read back with `bpf_cpumask_test_cpu`.
pub const TEST_BITS: u32 = 512;
/// Bytes of raw readback per mask, at most (`sizeof(cpumask_t) + sizeof(refcount_t)`).
pub const RAW_CAP: usize = 2048;

/// How the populate source buffer is filled.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SrcPattern {
    /// All zero.
    Zero,
    /// All 0xff.
    Ones,
    /// All 0xaa (the odd CPUs, as the kernel selftest uses).
    Alternating,
    /// Pseudo-random bytes from the seed.
    Random,
    /// Mostly zero, a few single bits.
    Sparse,
}

/// The populate source: a pattern and a seed.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct SrcFill {
    /// The pattern.
    pub pattern: SrcPattern,
    /// Its seed (for `Random` and `Sparse`).
    pub seed: u64,
}

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl SrcFill {
    /// Byte `i` of the source buffer.
    pub fn byte(&self, i: usize) -> u8 {
        match self.pattern {
            SrcPattern::Zero => 0,
            SrcPattern::Ones => 0xff,
            SrcPattern::Alternating => 0xaa,
            SrcPattern::Random => mix(self.seed ^ (i as u64).wrapping_mul(0x1000_0001)) as u8,
            SrcPattern::Sparse => {
                let h = mix(self.seed ^ (i as u64).wrapping_mul(0x1000_0001));
                if h % 6 == 0 {
                    1 << ((h >> 8) & 7)
                } else {
                    0
                }
            }
        }
    }

    /// The whole buffer.
    pub fn buffer(&self) -> Vec<u8> {
        (0..SRC_CAP).map(|i| self.byte(i)).collect()
    }
}

/// One kfunc call. `d` is the mask written, `a` and `b` the masks read (indices `0..NMASKS`).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(tag = "op", rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum CpumaskOp {
    /// `bpf_cpumask_first(a)`.
    First { a: u8 },
    /// `bpf_cpumask_first_zero(a)`.
    FirstZero { a: u8 },
    /// `bpf_cpumask_first_and(a, b)`.
    FirstAnd { a: u8, b: u8 },
    /// `bpf_cpumask_set_cpu(cpu, d)`.
    SetCpu { cpu: u32, d: u8 },
    /// `bpf_cpumask_clear_cpu(cpu, d)`.
    ClearCpu { cpu: u32, d: u8 },
    /// `bpf_cpumask_test_cpu(cpu, a)`.
    TestCpu { cpu: u32, a: u8 },
    /// `bpf_cpumask_test_and_set_cpu(cpu, d)`.
    TestAndSetCpu { cpu: u32, d: u8 },
    /// `bpf_cpumask_test_and_clear_cpu(cpu, d)`.
    TestAndClearCpu { cpu: u32, d: u8 },
    /// `bpf_cpumask_setall(d)`.
    Setall { d: u8 },
    /// `bpf_cpumask_clear(d)`.
    Clear { d: u8 },
    /// `bpf_cpumask_and(d, a, b)`.
    And { d: u8, a: u8, b: u8 },
    /// `bpf_cpumask_or(d, a, b)`.
    Or { d: u8, a: u8, b: u8 },
    /// `bpf_cpumask_xor(d, a, b)`.
    Xor { d: u8, a: u8, b: u8 },
    /// `bpf_cpumask_equal(a, b)`.
    Equal { a: u8, b: u8 },
    /// `bpf_cpumask_intersects(a, b)`.
    Intersects { a: u8, b: u8 },
    /// `bpf_cpumask_subset(a, b)`.
    Subset { a: u8, b: u8 },
    /// `bpf_cpumask_empty(a)`.
    Empty { a: u8 },
    /// `bpf_cpumask_full(a)`.
    Full { a: u8 },
    /// `bpf_cpumask_copy(d, a)`.
    Copy { d: u8, a: u8 },
    /// `bpf_cpumask_any_distribute(a)`.
    AnyDistribute { a: u8 },
    /// `bpf_cpumask_any_and_distribute(a, b)`.
    AnyAndDistribute { a: u8, b: u8 },
    /// `bpf_cpumask_weight(a)`.
    Weight { a: u8 },
    /// `bpf_cpumask_populate(d, src + offset, size)`: `offset` from the 8-aligned base of the source buffer.
    Populate { d: u8, offset: u32, size: u32 },
    /// `r = bpf_cpumask_acquire(d)`, read the refcount, `bpf_cpumask_release(r)`, read it again.
    AcquireRelease { d: u8 },
    /// Whether a program that calls `bpf_cpumask_populate` with a plain `struct cpumask *` destination (a
    /// task's `cpus_ptr`) loads: a load-time verdict, which the oracle measures once per kernel.
    PopulatePlain,
}

/// The operation's fields as the program reads them: `[code, cpu, d, a, b, off, size]`.
pub type OpWords = [u32; 7];

impl CpumaskOp {
    /// The kfunc's name, without `bpf_cpumask_` (`"first_and"`); `"acquire_release"` for the pair.
    pub fn name(&self) -> &'static str {
        Self::NAMES[self.encode()[0] as usize]
    }

    /// Every operation's name, by code.
    pub const NAMES: [&'static str; 25] = [
        "first",
        "first_zero",
        "first_and",
        "set_cpu",
        "clear_cpu",
        "test_cpu",
        "test_and_set_cpu",
        "test_and_clear_cpu",
        "setall",
        "clear",
        "and",
        "or",
        "xor",
        "equal",
        "intersects",
        "subset",
        "empty",
        "full",
        "copy",
        "any_distribute",
        "any_and_distribute",
        "weight",
        "populate",
        "acquire_release",
        "populate_plain",
    ];

    /// The program's encoding (`struct cm_op`).
    pub fn encode(&self) -> OpWords {
        use CpumaskOp::*;
        let m = |x: u8| u32::from(x);
        match *self {
            First { a } => [0, 0, 0, m(a), 0, 0, 0],
            FirstZero { a } => [1, 0, 0, m(a), 0, 0, 0],
            FirstAnd { a, b } => [2, 0, 0, m(a), m(b), 0, 0],
            SetCpu { cpu, d } => [3, cpu, m(d), 0, 0, 0, 0],
            ClearCpu { cpu, d } => [4, cpu, m(d), 0, 0, 0, 0],
            TestCpu { cpu, a } => [5, cpu, 0, m(a), 0, 0, 0],
            TestAndSetCpu { cpu, d } => [6, cpu, m(d), 0, 0, 0, 0],
            TestAndClearCpu { cpu, d } => [7, cpu, m(d), 0, 0, 0, 0],
            Setall { d } => [8, 0, m(d), 0, 0, 0, 0],
            Clear { d } => [9, 0, m(d), 0, 0, 0, 0],
            And { d, a, b } => [10, 0, m(d), m(a), m(b), 0, 0],
            Or { d, a, b } => [11, 0, m(d), m(a), m(b), 0, 0],
            Xor { d, a, b } => [12, 0, m(d), m(a), m(b), 0, 0],
            Equal { a, b } => [13, 0, 0, m(a), m(b), 0, 0],
            Intersects { a, b } => [14, 0, 0, m(a), m(b), 0, 0],
            Subset { a, b } => [15, 0, 0, m(a), m(b), 0, 0],
            Empty { a } => [16, 0, 0, m(a), 0, 0, 0],
            Full { a } => [17, 0, 0, m(a), 0, 0, 0],
            Copy { d, a } => [18, 0, m(d), m(a), 0, 0, 0],
            AnyDistribute { a } => [19, 0, 0, m(a), 0, 0, 0],
            AnyAndDistribute { a, b } => [20, 0, 0, m(a), m(b), 0, 0],
            Weight { a } => [21, 0, 0, m(a), 0, 0, 0],
            Populate { d, offset, size } => [22, 0, m(d), 0, 0, offset, size],
            AcquireRelease { d } => [23, 0, m(d), 0, 0, 0, 0],
            PopulatePlain => [24, 0, 0, 0, 0, 0, 0],
        }
    }
}

/// A cpumask case: the populate source and up to [`MAX_OPS`] operations on three fresh masks.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct CpumaskCase {
    /// The populate source buffer.
    pub src: SrcFill,
    /// The operations, in order.
    pub ops: Vec<CpumaskOp>,
}

/// What one operation returned.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// A `void` kfunc.
    Void,
    /// A `u32` result.
    U32(u32),
    /// A `bool` result.
    Bool(bool),
    /// An `int` result (`populate`: 0 or a negative errno).
    Int(i32),
    /// A distribute result that is a CPU `< nr_cpu_ids` set in the mask(s): all that the kernel's shared
    /// per-CPU cursor leaves deterministic when more than one CPU qualifies.
    Distributed,
    /// The kfunc is not in this kernel (the program's weak `__ksym` is unresolved: `bpf_ksym_exists` is
    /// false), so no program that calls it loads.
    Absent,
    /// A load-time verdict: 0 if the program loads, else the load's negative errno.
    Load(i32),
    /// The refcount while the extra reference was held, and after it was released.
    Usage {
        /// `usage` after `bpf_cpumask_acquire`.
        acquired: u32,
        /// `usage` after `bpf_cpumask_release` of the extra reference.
        released: u32,
    },
}

/// The deterministic part of a distribute result `cpu`: [`Step::Distributed`] when `cpu < nr_cpu_ids` and
/// `bpf_cpumask_test_cpu(cpu, ...)` is true of the mask (of both masks, for the `and` form), else the value
/// itself (`small_cpumask_bits` for an empty mask; on a small kernel possibly a tail bit).
pub fn distribute_step(cpu: u32, in_masks: bool, nr_cpu_ids: u32) -> Step {
    if cpu < nr_cpu_ids && in_masks {
        Step::Distributed
    } else {
        Step::U32(cpu)
    }
}

/// One mask as read back at the end of a run.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct MaskReadback {
    /// The CPUs in `0..TEST_BITS` for which `bpf_cpumask_test_cpu` is true.
    pub test_cpu: Vec<u32>,
    /// `bpf_cpumask_first`.
    pub first: u32,
    /// `bpf_cpumask_first_zero`.
    pub first_zero: u32,
    /// `bpf_cpumask_weight`.
    pub weight: u32,
    /// `bpf_cpumask_empty`.
    pub empty: bool,
    /// `bpf_cpumask_full`.
    pub full: bool,
    /// The object's memory: `sizeof(cpumask_t)` bytes of bits (tail and later words included), then the
    /// 4-byte `refcount_t` (1).
    pub raw: ByteImage,
}

/// What happened.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct CpumaskOutcome {
    /// Masks created (3; 0 if `bpf_cpumask_create` returned NULL, and then nothing else ran).
    pub created: i32,
    /// One result per operation.
    pub steps: Vec<Step>,
    /// The three masks at the end.
    pub masks: Vec<MaskReadback>,
}

impl CpumaskOutcome {
    /// The form written to a vector file.
    pub fn for_record(&self) -> CpumaskOutcome {
        let mut o = self.clone();
        for m in &mut o.masks {
            m.raw = m.raw.for_record();
        }
        o
    }
}

/// The populate arguments the program passes for `offset` and `size`: `offset & 15`, `size` capped.
pub fn populate_args(offset: u32, size: u32) -> (usize, usize) {
    ((offset % SRC_OFF_CAP) as usize, size.min(SRC_SIZE_CAP) as usize)
}

/// The step of a [`CpumaskOp::PopulatePlain`] for the verdict `verdict`: [`Step::Absent`] when the kernel
/// has no `bpf_cpumask_populate`, else [`Step::Load`] with 0 or the refusal's negative errno.
pub fn populate_plain_step(verdict: Result<(), LoadRefusal>) -> Step {
    match verdict {
        Ok(()) => Step::Load(0),
        Err(e) => e.errno().map_or(Step::Absent, |e| Step::Load(e.to_ret_i32())),
    }
}

/// Reads a mask back as the program does.
pub fn readback(m: &BpfCpumask) -> MaskReadback {
    let mut raw = m.to_bytes();
    raw.extend_from_slice(&m.usage().to_le_bytes());
    MaskReadback {
        test_cpu: (0..TEST_BITS).filter(|&c| abi::bpf_cpumask_test_cpu(c, m)).collect(),
        first: abi::bpf_cpumask_first(m),
        first_zero: abi::bpf_cpumask_first_zero(m),
        weight: abi::bpf_cpumask_weight(m),
        empty: abi::bpf_cpumask_empty(m),
        full: abi::bpf_cpumask_full(m),
        raw: ByteImage::new(&raw),
    }
}

impl Case for CpumaskCase {
    type Outcome = CpumaskOutcome;
    const AREA: &'static str = "cpumask";

    /// Runs the case through the ABI face ([`crate::cpumask::abi`]), the one kfunc-dispatching runtimes use,
    /// so that every recorded kernel answer checks it.
    fn run_model(&self, profile: &KernelProfile) -> CpumaskOutcome {
        let alloc = CpumaskAlloc::new(profile);
        let none = CpumaskOutcome { created: 0, steps: vec![], masks: vec![] };
        let (Some(m0), Some(m1), Some(m2)) = (alloc.create(), alloc.create(), alloc.create()) else {
            return none;
        };
        let nr_cpu_ids = CpumaskGeometry::from_profile(profile).map(|g| g.nr_cpu_ids()).unwrap_or(0);
        let masks = [m0, m1, m2];
        let pick = |i: u8| &masks[usize::from(i).min(NMASKS - 1)];
        let src = self.src.buffer();
        // This CPU's distribute cursor: unknown in the kernel; the model starts from the boot value.
        let mut cursor = DistributeCursor::default();
        let mut steps = Vec::with_capacity(self.ops.len());
        for op in self.ops.iter().take(MAX_OPS) {
            use CpumaskOp::*;
            let step = match *op {
                First { a } => Step::U32(abi::bpf_cpumask_first(pick(a))),
                FirstZero { a } => Step::U32(abi::bpf_cpumask_first_zero(pick(a))),
                FirstAnd { a, b } => Step::U32(abi::bpf_cpumask_first_and(pick(a), pick(b))),
                SetCpu { cpu, d } => {
                    abi::bpf_cpumask_set_cpu(cpu, pick(d));
                    Step::Void
                }
                ClearCpu { cpu, d } => {
                    abi::bpf_cpumask_clear_cpu(cpu, pick(d));
                    Step::Void
                }
                TestCpu { cpu, a } => Step::Bool(abi::bpf_cpumask_test_cpu(cpu, pick(a))),
                TestAndSetCpu { cpu, d } => Step::Bool(abi::bpf_cpumask_test_and_set_cpu(cpu, pick(d))),
                TestAndClearCpu { cpu, d } => Step::Bool(abi::bpf_cpumask_test_and_clear_cpu(cpu, pick(d))),
                Setall { d } => {
                    abi::bpf_cpumask_setall(pick(d));
                    Step::Void
                }
                Clear { d } => {
                    abi::bpf_cpumask_clear(pick(d));
                    Step::Void
                }
                And { d, a, b } => Step::Bool(abi::bpf_cpumask_and(pick(d), pick(a), pick(b))),
                Or { d, a, b } => {
                    abi::bpf_cpumask_or(pick(d), pick(a), pick(b));
                    Step::Void
                }
                Xor { d, a, b } => {
                    abi::bpf_cpumask_xor(pick(d), pick(a), pick(b));
                    Step::Void
                }
                Equal { a, b } => Step::Bool(abi::bpf_cpumask_equal(pick(a), pick(b))),
                Intersects { a, b } => Step::Bool(abi::bpf_cpumask_intersects(pick(a), pick(b))),
                Subset { a, b } => Step::Bool(abi::bpf_cpumask_subset(pick(a), pick(b))),
                Empty { a } => Step::Bool(abi::bpf_cpumask_empty(pick(a))),
                Full { a } => Step::Bool(abi::bpf_cpumask_full(pick(a))),
                Copy { d, a } => {
                    abi::bpf_cpumask_copy(pick(d), pick(a));
                    Step::Void
                }
                AnyDistribute { a } => {
                    let cpu = abi::bpf_cpumask_any_distribute(pick(a), &mut cursor);
                    distribute_step(cpu, abi::bpf_cpumask_test_cpu(cpu, pick(a)), nr_cpu_ids)
                }
                AnyAndDistribute { a, b } => {
                    let cpu = abi::bpf_cpumask_any_and_distribute(pick(a), pick(b), &mut cursor);
                    let both = abi::bpf_cpumask_test_cpu(cpu, pick(a)) && abi::bpf_cpumask_test_cpu(cpu, pick(b));
                    distribute_step(cpu, both, nr_cpu_ids)
                }
                Weight { a } => Step::U32(abi::bpf_cpumask_weight(pick(a))),
                Populate { .. } if !pick(0).has_kfunc(Func::CpumaskPopulate) => Step::Absent,
                Populate { d, offset, size } => {
                    let (off, len) = populate_args(offset, size);
                    // The base of the program's buffer is aligned to 8, so the address is `off` modulo 8.
                    Step::Int(abi::bpf_cpumask_populate(pick(d), &src[off..off + len], off))
                }
                AcquireRelease { d } => {
                    let r = abi::bpf_cpumask_acquire(pick(d));
                    let acquired = pick(d).usage();
                    abi::bpf_cpumask_release(r);
                    Step::Usage { acquired, released: pick(d).usage() }
                }
                PopulatePlain => populate_plain_step(check_populate(pick(0).rules(), PopulateDst::Cpumask)),
            };
            steps.push(step);
        }
        CpumaskOutcome { created: 3, steps, masks: masks.iter().map(readback).collect() }
    }

    fn outcome_for_record(outcome: &CpumaskOutcome) -> CpumaskOutcome {
        outcome.for_record()
    }

    fn label(&self) -> String {
        self.ops.last().map_or("none", |op| op.name()).to_string()
    }
}
