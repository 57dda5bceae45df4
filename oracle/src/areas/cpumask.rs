//! The cpumask area: `oracle/bpf/cpumask.bpf.c` against `bpf_model::cpumask`.
//!
//! Each case is one run of the SYSCALL program `cpumask_run`: three `bpf_cpumask_create`s, up to
//! [`MAX_OPS`] kfunc calls read from `.bss`, a readback of every mask (kfuncs and raw memory), three
//! releases. Distribute results are compared only in their deterministic part ([`distribute_step`]): a CPU
//! below `nr_cpu_ids` that `bpf_cpumask_test_cpu` finds in the mask(s), or the exact "nothing" value.
//!
//! The object loads on every kernel that has the family: `bpf_cpumask_populate` (6.15) is a weak `__ksym`
//! behind `bpf_ksym_exists`, so a kernel without it runs every other kfunc and answers [`Step::Absent`] for
//! it. What the kernel has is probed at run time from its BTF (`/sys/kernel/btf/vmlinux`): a kernel without
//! `bpf_cpumask_create` does not open the area, and says so. The verdict on `populate`'s destination type
//! ([`CpumaskOp::PopulatePlain`]) is measured once when the area opens, by loading the object's two
//! autoload-off programs one at a time.

use crate::conformance::Area;
use crate::kernel::{self, skel::cpumask as skel, OracleError, Pod};
use crate::rng::Rng;
use bpf_model::cpumask::CpumaskAlloc;
use bpf_model::cpumask::CpumaskGeometry;
use bpf_model::vectors::cpumask::{
    distribute_step, CpumaskCase, CpumaskOp, CpumaskOutcome, MaskReadback, SrcFill, SrcPattern, Step, MAX_OPS, NMASKS,
    RAW_CAP, SRC_CAP, SRC_OFF_CAP, TEST_BITS,
};
use bpf_model::vectors::ByteImage;
use bpf_model::KernelProfile;
use libbpf_rs::skel::{OpenSkel, SkelBuilder};
use libbpf_rs::OpenObject;
use std::mem::MaybeUninit;

/// `aux[i]` of a populate whose kfunc the kernel lacks (the program's `ABSENT`).
const ABSENT: u32 = 0xab5e;
/// Kinds of operation the generator draws from: every [`CpumaskOp`] but [`CpumaskOp::PopulatePlain`].
const RUN_KINDS: u64 = 24;

/// Whether the kernel's BTF names the function `name` (a `\0name\0` string of `/sys/kernel/btf/vmlinux`).
fn btf_has(btf: &[u8], name: &str) -> bool {
    let needle: Vec<u8> = [&[0u8][..], name.as_bytes(), &[0u8][..]].concat();
    btf.windows(needle.len()).any(|w| w == needle.as_slice())
}

/// The errno of a failed load (libbpf reports it as an OS error), or `EINVAL` where it names none.
fn load_errno(e: &libbpf_rs::Error) -> i32 {
    let text = e.to_string();
    text.rsplit_once("os error ")
        .and_then(|(_, rest)| rest.trim_end_matches(|c: char| !c.is_ascii_digit()).parse().ok())
        .unwrap_or(22)
}

/// What libbpf printed during [`load_only`] (the verifier's log of a refused program).
/// The line of the verifier's log that says why (the last that is not libbpf's own or a dump).
fn refusal_line(log: &str) -> String {
    log.lines()
        .map(str::trim)
        .rfind(|l| {
            !l.is_empty()
                && !l.starts_with("libbpf:")
                && !l.starts_with("--")
                && !l.starts_with("processed")
                && !l.starts_with(|c: char| c.is_ascii_digit() || c == ';' || c == 'R')
        })
        .unwrap_or("")
        .to_string()
}

/// Loads the object with only the program `pick` chooses; whether it loaded, or its errno and the
/// verifier's reason.
fn load_only(
    pick: impl FnOnce(&mut skel::OpenCpumaskSkel<'static>),
) -> Result<skel::CpumaskSkel<'static>, (i32, String)> {
    let storage: &'static mut MaybeUninit<OpenObject> = Box::leak(Box::new(MaybeUninit::uninit()));
    let mut open = skel::CpumaskSkelBuilder::default().open(storage).map_err(|e| (load_errno(&e), e.to_string()))?;
    open.progs.cpumask_run.set_autoload(false);
    pick(&mut open);
    let (loaded, log) = kernel::capture_libbpf_log(libbpf_rs::PrintLevel::Debug, || open.load());
    loaded.map_err(|e| {
        let why = refusal_line(&log);
        (load_errno(&e), if why.is_empty() { e.to_string() } else { why })
    })
}

/// The kernel's verdict on a `bpf_cpumask_populate` whose destination is a plain `struct cpumask *`:
/// `Some(step)` where it can judge, `None` (with the reason on stderr) where the control program, whose
/// destination is a `struct bpf_cpumask *`, does not load either.
fn populate_plain_verdict(btf: &[u8]) -> Option<Step> {
    if !btf_has(btf, "bpf_cpumask_populate") {
        return Some(Step::Absent);
    }
    if let Err((errno, msg)) = load_only(|o| o.progs.populate_control.set_autoload(true)) {
        eprintln!(
            "cpumask: populate's destination type not judged on this kernel: the control program does not load \
             (errno {errno}): {msg}"
        );
        return None;
    }
    Some(match load_only(|o| o.progs.populate_plain.set_autoload(true)) {
        Ok(_) => {
            eprintln!("cpumask: populate with a plain struct cpumask * destination loads");
            Step::Load(0)
        }
        Err((errno, why)) => {
            eprintln!("cpumask: populate with a plain struct cpumask * destination is refused (errno {errno}): {why}");
            Step::Load(-errno)
        }
    })
}

// SAFETY: `cpumask_args` is the skeleton's repr(C) struct of u32/i32 fields.
unsafe impl Pod for skel::types::cpumask_args {}

/// The loaded cpumask program and the geometry of the live kernel.
pub struct CpumaskArea {
    skel: skel::CpumaskSkel<'static>,
    geo: CpumaskGeometry,
    /// The kernel's verdict for [`CpumaskOp::PopulatePlain`] (`None`: not judged here).
    plain: Option<Step>,
}

impl CpumaskArea {
    /// The live kernel's cpumask geometry.
    pub fn geometry(&self) -> CpumaskGeometry {
        self.geo
    }

    fn cpu(&self, rng: &mut Rng) -> u32 {
        let n = self.geo.nr_cpu_ids();
        let big = self.geo.nr_cpus();
        match rng.below(14) {
            0..=5 => rng.below(u64::from(n)) as u32,
            6 => n,
            7 => n + 1 + rng.below(64) as u32,
            8 => big.wrapping_sub(1),
            9 => big,
            10 => *rng.pick(&[63, 64, 65, 127, 128]),
            11 => u32::MAX - rng.below(2) as u32,
            12 => rng.next_u32(),
            _ => n.saturating_sub(1),
        }
    }

    fn populate(&self, rng: &mut Rng, d: u8) -> CpumaskOp {
        let need = self.geo.bitmap_size(self.geo.nr_cpu_ids()) as u32;
        let long = self.geo.bits_per_long() / 8;
        let size = match rng.below(10) {
            0 => 0,
            1 => 1,
            2 => need.saturating_sub(1),
            3 | 4 => need,
            5 => need + 1,
            6 => need + rng.below(u64::from(long)) as u32,
            7 => self.geo.cpumask_size() as u32,
            8 => rng.below(4 * u64::from(need) + 8) as u32,
            _ => need + rng.below(64) as u32,
        };
        let offset = if rng.chance(1, 2) { 0 } else { rng.below(u64::from(SRC_OFF_CAP)) as u32 };
        CpumaskOp::Populate { d, offset, size }
    }

    /// The verdict [`CpumaskOp::PopulatePlain`] gets on this kernel, if it can judge it.
    pub fn populate_plain_verdict(&self) -> Option<Step> {
        self.plain
    }

    /// One operation of kind `code` (0..25) on random masks.
    fn op(&self, rng: &mut Rng, code: u64) -> CpumaskOp {
        use CpumaskOp::*;
        let m = |rng: &mut Rng| rng.below(NMASKS as u64) as u8;
        let (d, a, b) = (m(rng), m(rng), m(rng));
        match code {
            0 => First { a },
            1 => FirstZero { a },
            2 => FirstAnd { a, b },
            3 => SetCpu { cpu: self.cpu(rng), d },
            4 => ClearCpu { cpu: self.cpu(rng), d },
            5 => TestCpu { cpu: self.cpu(rng), a },
            6 => TestAndSetCpu { cpu: self.cpu(rng), d },
            7 => TestAndClearCpu { cpu: self.cpu(rng), d },
            8 => Setall { d },
            9 => Clear { d },
            10 => And { d, a, b },
            11 => Or { d, a, b },
            12 => Xor { d, a, b },
            13 => Equal { a, b },
            14 => Intersects { a, b },
            15 => Subset { a, b },
            16 => Empty { a },
            17 => Full { a },
            18 => Copy { d, a },
            19 => AnyDistribute { a },
            20 => AnyAndDistribute { a, b },
            21 => Weight { a },
            22 => self.populate(rng, d),
            23 => AcquireRelease { d },
            _ => PopulatePlain,
        }
    }

    fn kernel_run(&mut self, case: &CpumaskCase) -> Result<CpumaskOutcome, OracleError> {
        let raw_len = self.geo.cpumask_size() + 4;
        if raw_len > RAW_CAP {
            return Err(OracleError::Kernel(format!("sizeof(cpumask_t) + 4 = {raw_len} exceeds RAW_CAP")));
        }
        let ops: Vec<CpumaskOp> = case.ops.iter().take(MAX_OPS).copied().collect();
        {
            let bss =
                self.skel.maps.bss_data.as_deref_mut().ok_or_else(|| OracleError::Kernel("no .bss mmap".into()))?;
            for (i, b) in bss.src.iter_mut().enumerate() {
                *b = case.src.byte(i);
            }
            for (slot, op) in bss.ops.iter_mut().zip(ops.iter().map(|o| o.encode()).chain(std::iter::repeat([0; 7]))) {
                (slot.code, slot.cpu, slot.d, slot.a, slot.b, slot.off, slot.size) =
                    (op[0], op[1], op[2], op[3], op[4], op[5], op[6]);
            }
            bss.ret.fill(0);
            bss.aux.fill(0);
            bss.aux2.fill(0);
            for k in 0..NMASKS {
                bss.raw[k].fill(0);
                bss.test_bits[k].fill(0);
            }
        }
        let mut args = skel::types::cpumask_args {
            nops: ops.len() as u32,
            raw_len: raw_len as u32,
            usage_off: self.geo.cpumask_size() as u32,
            created: -1,
        };
        kernel::run_syscall(&self.skel.progs.cpumask_run, &mut args)?;
        if args.created != 3 {
            return Ok(CpumaskOutcome { created: args.created, steps: vec![], masks: vec![] });
        }
        let bss = self.skel.maps.bss_data.as_deref().ok_or_else(|| OracleError::Kernel("no .bss mmap".into()))?;
        let n = self.geo.nr_cpu_ids();
        let steps = ops
            .iter()
            .enumerate()
            .map(|(i, op)| {
                let r = bss.ret[i];
                use CpumaskOp::*;
                match op {
                    First { .. } | FirstZero { .. } | FirstAnd { .. } | Weight { .. } => Step::U32(r as u32),
                    TestCpu { .. }
                    | TestAndSetCpu { .. }
                    | TestAndClearCpu { .. }
                    | And { .. }
                    | Equal { .. }
                    | Intersects { .. }
                    | Subset { .. }
                    | Empty { .. }
                    | Full { .. } => Step::Bool(r != 0),
                    AnyDistribute { .. } | AnyAndDistribute { .. } => distribute_step(r as u32, bss.aux[i] != 0, n),
                    Populate { .. } if bss.aux[i] == ABSENT => Step::Absent,
                    Populate { .. } => Step::Int(r as i32),
                    PopulatePlain => self.plain.unwrap_or(Step::Load(i32::MIN)),
                    AcquireRelease { .. } => Step::Usage { acquired: bss.aux[i], released: bss.aux2[i] },
                    SetCpu { .. }
                    | ClearCpu { .. }
                    | Setall { .. }
                    | Clear { .. }
                    | Or { .. }
                    | Xor { .. }
                    | Copy { .. } => Step::Void,
                }
            })
            .collect();
        let masks = (0..NMASKS)
            .map(|k| MaskReadback {
                test_cpu: (0..TEST_BITS)
                    .filter(|&c| bss.test_bits[k][(c / 64) as usize] >> (c % 64) & 1 != 0)
                    .collect(),
                first: bss.rb_first[k],
                first_zero: bss.rb_first_zero[k],
                weight: bss.rb_weight[k],
                empty: bss.rb_empty[k] != 0,
                full: bss.rb_full[k] != 0,
                raw: ByteImage::new(&bss.raw[k][..raw_len]),
            })
            .collect();
        Ok(CpumaskOutcome { created: 3, steps, masks })
    }
}

impl Area for CpumaskArea {
    type Case = CpumaskCase;
    const DEFAULT_CASES: u64 = 50_000;

    /// Opens the area, or says why this kernel cannot run it: no cpumask kfuncs in its BTF (checked first,
    /// and compared with what the model says of the profile's version), or a profile without a geometry.
    fn open(profile: &KernelProfile) -> Result<Self, OracleError> {
        let btf = std::fs::read("/sys/kernel/btf/vmlinux")
            .map_err(|e| OracleError::Kernel(format!("reading /sys/kernel/btf/vmlinux: {e}")))?;
        let model = CpumaskAlloc::open(profile);
        if !btf_has(&btf, "bpf_cpumask_create") {
            // Absent, not failed, when the model agrees that this kernel has no cpumask kfuncs.
            return Err(match &model {
                Err(e) => OracleError::absent(format!(
                    "kernel {} lacks the cpumask area: no bpf_cpumask_create in its BTF (the model agrees: {e})",
                    profile.release
                )),
                Ok(_) => OracleError::Kernel(format!(
                    "kernel {} lacks the cpumask area: no bpf_cpumask_create in its BTF (the model DISAGREES: it \
                     gives {} the cpumask kfuncs)",
                    profile.release, profile.version
                )),
            });
        }
        let geo = CpumaskGeometry::from_profile(profile)
            .map_err(|e| OracleError::Kernel(format!("profile has no cpumask geometry: {e}")))?;
        let skel = kernel::load(skel::CpumaskSkelBuilder::default(), "cpumask.bpf.c")?;
        Ok(CpumaskArea { skel, geo, plain: populate_plain_verdict(&btf) })
    }

    /// A random prefix of 0..11 operations biased to the ones that make tails and edges (setall, populate,
    /// or/xor/copy), then one operation of a kind drawn uniformly from all 24 run-time kinds, and 1 in 25 of
    /// the time the load-time `populate_plain` where this kernel judges it (the label).
    fn generate(&mut self, rng: &mut Rng) -> CpumaskCase {
        let pattern = *rng.pick(&[
            SrcPattern::Zero,
            SrcPattern::Ones,
            SrcPattern::Alternating,
            SrcPattern::Random,
            SrcPattern::Random,
            SrcPattern::Sparse,
        ]);
        let src = SrcFill { pattern, seed: rng.next_u64() };
        let prefix = rng.below(MAX_OPS as u64) as usize;
        let mut ops = Vec::with_capacity(prefix + 1);
        for _ in 0..prefix {
            let code =
                if rng.chance(1, 2) { *rng.pick(&[3, 8, 22, 22, 11, 12, 18, 10, 6]) } else { rng.below(RUN_KINDS) };
            ops.push(self.op(rng, code));
        }
        let last = rng.below(RUN_KINDS + u64::from(self.plain.is_some()));
        ops.push(self.op(rng, last));
        CpumaskCase { src, ops }
    }

    fn run_kernel(&mut self, case: &CpumaskCase) -> Result<CpumaskOutcome, OracleError> {
        self.kernel_run(case)
    }

    fn shrink(&self, case: &CpumaskCase) -> Vec<CpumaskCase> {
        let mut out = Vec::new();
        // Drop one operation (never the last, the label), simplest first.
        for i in 0..case.ops.len().saturating_sub(1) {
            let mut c = case.clone();
            c.ops.remove(i);
            out.push(c);
        }
        if case.src.pattern != SrcPattern::Zero {
            out.push(CpumaskCase { src: SrcFill { pattern: SrcPattern::Zero, seed: 0 }, ..case.clone() });
        }
        out
    }

    fn is_edge(&self, case: &CpumaskCase) -> bool {
        let need = self.geo.bitmap_size(self.geo.nr_cpu_ids()) as u32;
        case.ops.iter().any(|op| match *op {
            CpumaskOp::Populate { size, .. } => size.abs_diff(need) <= 1,
            CpumaskOp::Setall { .. } => true,
            CpumaskOp::SetCpu { cpu, .. } | CpumaskOp::TestCpu { cpu, .. } => cpu >= self.geo.nr_cpu_ids(),
            _ => false,
        })
    }
}

/// `SRC_CAP` is shared with the program; the model's populate slices stay inside it.
const _: () = assert!(SRC_CAP == 2048);
