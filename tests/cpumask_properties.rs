//! Properties of the cpumask model for kernels the live kernel here (NR_CPUS=256, nr_cpu_ids=2, x86_64)
//! cannot show: `NR_CPUS <= BITS_PER_LONG` (the small, constant-width configuration), `nr_cpu_ids` up to
//! 8192 (the large configuration), 32-bit longs, and no efficient unaligned access.
//!
//! The main property compares the model, on quickcheck-generated kernels and kfunc sequences, with `Lit`:
//! a literal transliteration of the v6.18 C code paths (`include/linux/cpumask.h` picks
//! `small_cpumask_bits` / `large_cpumask_bits` / `nr_cpumask_bits`; `include/linux/bitmap.h` picks the
//! one-word inline path when `small_const_nbits(nbits)` holds, else `lib/bitmap.c`; `include/linux/find.h`
//! and `lib/find_bit.c` `FIND_FIRST_BIT` / `FIND_NEXT_BIT`; `lib/cpumask.c` `cpumask_any_distribute()`;
//! `kernel/bpf/cpumask.c` `cpu_valid()` and `bpf_cpumask_populate()`), written word by word in `BITS_PER_LONG`
//! words as the kernel does, independently of the model's bitvec code. The other properties state single
//! consequences of that source, each named at the property.

use bpf_model::cpumask::{BpfCpumask, CpumaskConfig, CpumaskGeometry, DistributeCursor};
use bpf_model::vectors::cpumask::CpumaskOp;
use bpf_model::{Errno, KernelProfile};
use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};

/// A kernel: BITS_PER_LONG, NR_CPUS, nr_cpu_ids, CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS.
#[derive(Clone, Copy, Debug)]
struct Kern {
    w: u32,
    nr_cpus: u32,
    n: u32,
    eff: bool,
}

impl Kern {
    fn profile(&self) -> KernelProfile {
        let mut p = KernelProfile::generic_small();
        (p.bits_per_long, p.nr_cpus, p.nr_cpu_ids, p.efficient_unaligned_access) =
            (self.w, self.nr_cpus, self.n, self.eff);
        p
    }
}

impl Arbitrary for Kern {
    fn arbitrary(g: &mut Gen) -> Kern {
        let w = *g.choose(&[32u32, 64, 64]).unwrap();
        let pick = |g: &mut Gen, lo: u32, hi: u32| lo + u32::arbitrary(g) % (hi - lo + 1);
        let nr_cpus = match u8::arbitrary(g) % 6 {
            0 | 1 => pick(g, 1, w),                                // small
            2 => pick(g, w + 1, 4 * w),                            // medium
            3 => *g.choose(&[8192, 4096, 512, 320, 257]).unwrap(), // large, common values
            _ => pick(g, 4 * w + 1, 8192),
        };
        let n = match u8::arbitrary(g) % 5 {
            0 => nr_cpus,
            1 => pick(g, 1, nr_cpus.min(4)),
            2 => {
                let m = pick(g, 1, nr_cpus.div_ceil(w)) * w; // a whole number of longs
                m.min(nr_cpus)
            }
            _ => pick(g, 1, nr_cpus),
        };
        Kern { w, nr_cpus, n, eff: bool::arbitrary(g) }
    }
}

/// A kernel and a kfunc sequence on three masks, with a populate source.
#[derive(Clone, Debug)]
struct Scenario {
    kern: Kern,
    ops: Vec<CpumaskOp>,
    src: Vec<u8>,
}

fn cpu(g: &mut Gen, k: &Kern) -> u32 {
    let r = u32::arbitrary(g);
    match u8::arbitrary(g) % 10 {
        0..=3 => r % k.n,
        4 => k.n,
        5 => k.n + r % 70,
        6 => k.nr_cpus - 1,
        7 => *g.choose(&[k.w - 1, k.w, k.nr_cpus, 8191, 8192]).unwrap(),
        8 => u32::MAX - r % 2,
        _ => r,
    }
}

fn op(g: &mut Gen, k: &Kern) -> CpumaskOp {
    use CpumaskOp::*;
    let m = |g: &mut Gen| u8::arbitrary(g) % 3;
    let (d, a, b) = (m(g), m(g), m(g));
    let need = (k.n.div_ceil(k.w) * k.w / 8) as i64;
    match u8::arbitrary(g) % 26 {
        0 => First { a },
        1 => FirstZero { a },
        2 => FirstAnd { a, b },
        3 => SetCpu { cpu: cpu(g, k), d },
        4 => ClearCpu { cpu: cpu(g, k), d },
        5 => TestCpu { cpu: cpu(g, k), a },
        6 => TestAndSetCpu { cpu: cpu(g, k), d },
        7 => TestAndClearCpu { cpu: cpu(g, k), d },
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
        _ => {
            let delta = i64::from(i8::arbitrary(g) % 6);
            let size = (need + delta).clamp(0, 1100) as u32;
            Populate { d, offset: u32::arbitrary(g) % 16, size }
        }
    }
}

impl Arbitrary for Scenario {
    fn arbitrary(g: &mut Gen) -> Scenario {
        let kern = Kern::arbitrary(g);
        let len = usize::arbitrary(g) % 24 + 1;
        let ops = (0..len).map(|_| op(g, &kern)).collect();
        let fill = u8::arbitrary(g) % 3;
        let src = (0..1120).map(|_| if fill == 0 { 0xff } else { u8::arbitrary(g) }).collect();
        Scenario { kern, ops, src }
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Scenario>> {
        let s = self.clone();
        Box::new((0..s.ops.len()).map(move |i| {
            let mut t = s.clone();
            t.ops.remove(i);
            t
        }))
    }
}

/// The kernel's C, word by word. `words` are BITS_PER_LONG-bit longs (held in u64).
#[derive(Clone, Debug)]
struct Lit {
    k: Kern,
    words: Vec<u64>,
}

impl Lit {
    fn new(k: Kern) -> Lit {
        Lit { k, words: vec![0; k.nr_cpus.div_ceil(k.w) as usize] }
    }
    fn ones(&self) -> u64 {
        if self.k.w == 64 {
            !0
        } else {
            0xffff_ffff
        }
    }
    /// BITMAP_LAST_WORD_MASK(nbits): ~0UL >> (-nbits & (BITS_PER_LONG - 1)).
    fn last_word_mask(&self, nbits: u32) -> u64 {
        self.ones() >> (nbits.wrapping_neg() & (self.k.w - 1))
    }
    /// GENMASK(h, l) in a long.
    fn genmask(&self, h: u32, l: u32) -> u64 {
        (self.ones() << l) & (self.ones() >> (self.k.w - 1 - h)) & self.ones()
    }
    /// small_cpumask_bits and whether it is a compile-time constant (then small_const_nbits holds).
    fn small(&self) -> (u32, bool) {
        if self.k.nr_cpus <= self.k.w {
            (self.k.nr_cpus, true)
        } else {
            (self.k.n, false)
        }
    }
    fn large(&self) -> (u32, bool) {
        if self.k.nr_cpus <= self.k.w {
            (self.k.nr_cpus, true)
        } else if self.k.nr_cpus <= 4 * self.k.w {
            (self.k.nr_cpus, false) // constant, but above one word: small_const_nbits is false
        } else {
            (self.k.n, false)
        }
    }
    fn longs(&self, nbits: u32) -> usize {
        nbits.div_ceil(self.k.w) as usize
    }
    fn w(&self, a: &[u64], i: usize) -> u64 {
        a[i]
    }
    /// find_first_bit / FIND_FIRST_BIT over fetch(idx).
    fn find_first(&self, size: u32, small_const: bool, fetch: impl Fn(usize) -> u64) -> u32 {
        if small_const {
            let val = fetch(0) & self.genmask(size - 1, 0);
            return if val != 0 { val.trailing_zeros() } else { size };
        }
        let w = self.k.w as u64;
        let mut sz = u64::from(size);
        let mut idx = 0u64;
        while idx * w < sz {
            let val = fetch(idx as usize) & self.ones();
            if val != 0 {
                sz = (idx * w + u64::from(val.trailing_zeros())).min(sz);
                break;
            }
            idx += 1;
        }
        sz as u32
    }
    /// find_next_bit / FIND_NEXT_BIT.
    fn find_next(&self, size: u32, offset: u64, small_const: bool, fetch: &impl Fn(usize) -> u64) -> u32 {
        if small_const {
            if offset >= u64::from(size) {
                return size;
            }
            let val = fetch(0) & self.genmask(size - 1, offset as u32);
            return if val != 0 { val.trailing_zeros() } else { size };
        }
        let w = u64::from(self.k.w);
        let sz = u64::from(size);
        if offset >= sz {
            return size;
        }
        let mask = (self.ones() << (offset % w)) & self.ones();
        let mut idx = offset / w;
        let mut tmp = fetch(idx as usize) & mask;
        while tmp == 0 {
            if (idx + 1) * w >= sz {
                return size;
            }
            idx += 1;
            tmp = fetch(idx as usize) & self.ones();
        }
        (idx * w + u64::from(tmp.trailing_zeros())).min(sz) as u32
    }
    /// bitmap_size(nbits) bytes.
    fn bitmap_size(&self, nbits: u32) -> usize {
        (nbits.div_ceil(self.k.w) * self.k.w / 8) as usize
    }
    fn bytes(&self) -> Vec<u8> {
        let b = (self.k.w / 8) as usize;
        self.words.iter().flat_map(|w| w.to_le_bytes().into_iter().take(b)).collect()
    }
}

/// What one operation returned, in the kernel's C types.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum R {
    Void,
    U(u32),
    B(bool),
    I(i32),
    Usage(u32, u32),
}

/// Runs `op` on the literal masks, with `prev` as this CPU's distribute_cpu_mask_prev.
fn lit_step(m: &mut [Lit; 3], op: CpumaskOp, prev: &mut u32, src: &[u8]) -> R {
    use CpumaskOp::*;
    let k = m[0].k;
    let x = |i: u8| usize::from(i);
    let valid = |cpu: u32| cpu < k.n; // cpu_valid()
    let bit = |cpu: u32| ((cpu / k.w) as usize, 1u64 << (cpu % k.w));
    let l = m[0].clone();
    let (s, s_const) = l.small();
    match op {
        First { a } => R::U(l.find_first(s, s_const, |i| m[x(a)].words[i])),
        FirstZero { a } => {
            let v = &m[x(a)];
            if s_const {
                let val = v.words[0] | (!l.genmask(s - 1, 0) & l.ones());
                R::U(if val == l.ones() { s } else { (!val).trailing_zeros() })
            } else {
                R::U(l.find_first(s, false, |i| !v.words[i] & l.ones()))
            }
        }
        FirstAnd { a, b } => R::U(l.find_first(s, s_const, |i| m[x(a)].words[i] & m[x(b)].words[i])),
        SetCpu { cpu, d } | ClearCpu { cpu, d } => {
            if valid(cpu) {
                let (i, b) = bit(cpu);
                if matches!(op, SetCpu { .. }) {
                    m[x(d)].words[i] |= b
                } else {
                    m[x(d)].words[i] &= !b
                }
            }
            R::Void
        }
        TestCpu { cpu, a } => R::B(
            valid(cpu) && {
                let (i, b) = bit(cpu);
                m[x(a)].words[i] & b != 0
            },
        ),
        TestAndSetCpu { cpu, d } | TestAndClearCpu { cpu, d } => {
            if !valid(cpu) {
                return R::B(false);
            }
            let (i, b) = bit(cpu);
            let old = m[x(d)].words[i] & b != 0;
            if matches!(op, TestAndSetCpu { .. }) {
                m[x(d)].words[i] |= b
            } else {
                m[x(d)].words[i] &= !b
            }
            R::B(old)
        }
        Setall { d } => {
            if s_const {
                m[x(d)].words[0] = l.last_word_mask(k.n);
            } else {
                let longs = l.bitmap_size(k.n) / (k.w / 8) as usize; // memset(0xff, bitmap_size)
                for w in &mut m[x(d)].words[..longs] {
                    *w = l.ones();
                }
            }
            R::Void
        }
        Clear { d } => {
            let (lb, lconst) = l.large();
            if lconst {
                m[x(d)].words[0] = 0;
            } else {
                let longs = l.longs(lb);
                m[x(d)].words[..longs].fill(0);
            }
            R::Void
        }
        And { d, a, b } => {
            let (wa, wb) = (m[x(a)].words.clone(), m[x(b)].words.clone());
            if s_const {
                let v = wa[0] & wb[0] & l.last_word_mask(s);
                m[x(d)].words[0] = v;
                return R::B(v != 0);
            }
            let lim = (s / k.w) as usize;
            let mut result = 0;
            for kk in 0..lim {
                m[x(d)].words[kk] = wa[kk] & wb[kk];
                result |= m[x(d)].words[kk];
            }
            if s % k.w != 0 {
                m[x(d)].words[lim] = wa[lim] & wb[lim] & l.last_word_mask(s);
                result |= m[x(d)].words[lim];
            }
            R::B(result != 0)
        }
        Or { d, a, b } | Xor { d, a, b } => {
            let (wa, wb) = (m[x(a)].words.clone(), m[x(b)].words.clone());
            let f = |p: u64, q: u64| if matches!(op, Or { .. }) { p | q } else { p ^ q };
            let nr = if s_const { 1 } else { l.longs(s) };
            for kk in 0..nr {
                m[x(d)].words[kk] = f(wa[kk], wb[kk]);
            }
            R::Void
        }
        Equal { a, b } | Intersects { a, b } | Subset { a, b } => {
            let (wa, wb) = (&m[x(a)].words, &m[x(b)].words);
            let f = |p: u64, q: u64| match op {
                Equal { .. } => p ^ q,
                Intersects { .. } => p & q,
                _ => p & !q & l.ones(),
            };
            let hit = if s_const {
                f(l.w(wa, 0), l.w(wb, 0)) & l.last_word_mask(s) != 0
            } else {
                let lim = (s / k.w) as usize;
                (0..lim).any(|kk| f(wa[kk], wb[kk]) != 0)
                    || (s % k.w != 0 && f(wa[lim], wb[lim]) & l.last_word_mask(s) != 0)
            };
            R::B(if matches!(op, Intersects { .. }) { hit } else { !hit })
        }
        Empty { a } => {
            let v = &m[x(a)];
            R::B(if s_const {
                v.words[0] & l.last_word_mask(s) == 0
            } else {
                l.find_first(s, false, |i| v.words[i]) == s
            })
        }
        Full { a } => {
            // bitmap_full(nr_cpumask_bits): nr_cpu_ids is not a constant (no FORCE_NR_CPUS here).
            let v = &m[x(a)];
            R::B(l.find_first(k.n, false, |i| !v.words[i] & l.ones()) == k.n)
        }
        Copy { d, a } => {
            let (lb, lconst) = l.large();
            let longs = if lconst { 1 } else { l.longs(lb) };
            let src_words = m[x(a)].words.clone();
            m[x(d)].words[..longs].copy_from_slice(&src_words[..longs]);
            R::Void
        }
        AnyDistribute { .. } | AnyAndDistribute { .. } => {
            let (a, b) = match op {
                AnyDistribute { a } => (a, a),
                AnyAndDistribute { a, b } => (a, b),
                _ => unreachable!(),
            };
            let (wa, wb) = (m[x(a)].words.clone(), m[x(b)].words.clone());
            let fetch = |i: usize| wa[i] & wb[i];
            if k.nr_cpus == 1 {
                return R::U(l.find_first(s, s_const, fetch));
            }
            let offset = u64::from(*prev) + 1;
            let mut next = l.find_next(s, offset, s_const, &fetch);
            if next >= s {
                // find_next_bit_wrap(): wrap to find_first_bit(addr, offset) unless offset == 0.
                let bit = l.find_first(offset as u32, false, fetch);
                next = if u64::from(bit) < offset { bit } else { s };
            }
            if next < k.n {
                *prev = next;
            }
            R::U(next)
        }
        Weight { a } => {
            let v = &m[x(a)];
            if s_const {
                return R::U((v.words[0] & l.last_word_mask(s)).count_ones());
            }
            let lim = (s / k.w) as usize;
            let mut c: u32 = v.words[..lim].iter().map(|w| w.count_ones()).sum();
            if s % k.w != 0 {
                c += (v.words[lim] & l.last_word_mask(s)).count_ones();
            }
            R::U(c)
        }
        Populate { d, offset, size } => {
            let (off, len) = (offset as usize, size as usize);
            if len < l.bitmap_size(k.n) {
                return R::I(-13);
            }
            if !k.eff && off % (k.w / 8) as usize != 0 {
                return R::I(-22);
            }
            let b = (k.w / 8) as usize;
            let n_bytes = l.bitmap_size(k.n);
            for (i, chunk) in src[off..off + n_bytes].chunks(b).enumerate() {
                let mut word = [0u8; 8];
                word[..b].copy_from_slice(chunk);
                m[x(d)].words[i] = u64::from_le_bytes(word);
            }
            R::I(0)
        }
        AcquireRelease { .. } => R::Usage(2, 1),
        // A load-time verdict with no run-time effect: never generated here (tests/cpumask_versions.rs).
        PopulatePlain => R::Void,
    }
}

fn model_step(m: &[BpfCpumask; 3], op: CpumaskOp, cur: &mut DistributeCursor, src: &[u8]) -> R {
    use CpumaskOp::*;
    let x = |i: u8| &m[usize::from(i)];
    match op {
        First { a } => R::U(x(a).first()),
        FirstZero { a } => R::U(x(a).first_zero()),
        FirstAnd { a, b } => R::U(x(a).first_and(x(b))),
        SetCpu { cpu, d } => {
            x(d).set_cpu(cpu);
            R::Void
        }
        ClearCpu { cpu, d } => {
            x(d).clear_cpu(cpu);
            R::Void
        }
        TestCpu { cpu, a } => R::B(x(a).test_cpu(cpu)),
        TestAndSetCpu { cpu, d } => R::B(x(d).test_and_set_cpu(cpu)),
        TestAndClearCpu { cpu, d } => R::B(x(d).test_and_clear_cpu(cpu)),
        Setall { d } => {
            x(d).setall();
            R::Void
        }
        Clear { d } => {
            x(d).clear();
            R::Void
        }
        And { d, a, b } => R::B(x(d).and(x(a), x(b))),
        Or { d, a, b } => {
            x(d).or(x(a), x(b));
            R::Void
        }
        Xor { d, a, b } => {
            x(d).xor(x(a), x(b));
            R::Void
        }
        Equal { a, b } => R::B(x(a).equal(x(b))),
        Intersects { a, b } => R::B(x(a).intersects(x(b))),
        Subset { a, b } => R::B(x(a).subset(x(b))),
        Empty { a } => R::B(x(a).empty()),
        Full { a } => R::B(x(a).full()),
        Copy { d, a } => {
            x(d).copy_from(x(a));
            R::Void
        }
        AnyDistribute { a } => R::U(x(a).any_distribute(cur)),
        AnyAndDistribute { a, b } => R::U(x(a).any_and_distribute(x(b), cur)),
        Weight { a } => R::U(x(a).weight()),
        Populate { d, offset, size } => {
            let (off, len) = (offset as usize, size as usize);
            R::I(match x(d).populate(&src[off..off + len], off) {
                Ok(()) => 0,
                Err(e) => e.to_ret_i32(),
            })
        }
        AcquireRelease { d } => {
            let r = x(d).acquire();
            let acquired = x(d).usage();
            r.release();
            R::Usage(acquired, x(d).usage())
        }
        PopulatePlain => R::Void,
    }
}

/// The model equals the literal kernel C on every step's result, every mask's bytes and the distribute
/// cursor, for any kernel shape (small, medium, large; 32/64-bit longs; with and without efficient
/// unaligned access).
fn model_is_the_kernel_code(s: Scenario) -> TestResult {
    let p = s.kern.profile();
    let (Some(a), Some(b), Some(c)) = (BpfCpumask::create(&p), BpfCpumask::create(&p), BpfCpumask::create(&p)) else {
        return TestResult::error(format!("create failed for {:?}", s.kern));
    };
    let model = [a, b, c];
    let mut lit = [Lit::new(s.kern), Lit::new(s.kern), Lit::new(s.kern)];
    let (mut cur, mut prev) = (DistributeCursor::default(), 0u32);
    for (i, &op) in s.ops.iter().enumerate() {
        let want = lit_step(&mut lit, op, &mut prev, &s.src);
        let got = model_step(&model, op, &mut cur, &s.src);
        if want != got || cur.prev() != prev {
            return TestResult::error(format!("step {i} {op:?}: kernel C {want:?}, model {got:?} ({:?})", s.kern));
        }
        for k in 0..3 {
            if model[k].to_bytes() != lit[k].bytes() {
                return TestResult::error(format!(
                    "step {i} {op:?}: mask {k} bytes differ ({:?})\nC     {:02x?}\nmodel {:02x?}",
                    s.kern,
                    lit[k].bytes(),
                    model[k].to_bytes()
                ));
            }
        }
    }
    TestResult::passed()
}

#[test]
fn model_matches_the_kernel_code_on_every_config() {
    QuickCheck::new().tests(3000).quickcheck(model_is_the_kernel_code as fn(Scenario) -> TestResult);
}

/// cpumask.h: with NR_CPUS <= BITS_PER_LONG, small_cpumask_bits is NR_CPUS, so the searches answer NR_CPUS
/// for "nothing", and bits populate copied past nr_cpu_ids are seen by weight/first_zero/empty/equal but
/// not by full (nr_cpumask_bits) or test_cpu (cpu_valid).
#[test]
fn small_kernels_see_the_tail() {
    fn prop(k: Kern) -> TestResult {
        if k.nr_cpus > k.w || k.n == k.nr_cpus {
            return TestResult::discard();
        }
        let p = k.profile();
        let g = CpumaskGeometry::from_profile(&p).unwrap();
        assert_eq!(g.config(), CpumaskConfig::Small);
        let m = BpfCpumask::create(&p).unwrap();
        let other = BpfCpumask::create(&p).unwrap();
        assert_eq!((m.first(), m.first_and(&other)), (k.nr_cpus, k.nr_cpus));
        let ones = vec![0xffu8; 8];
        assert_eq!(m.populate(&ones, 0), Ok(()));
        other.setall(); // the small path: LAST_WORD_MASK(nr_cpu_ids), tail cleared
        assert_eq!(m.weight(), k.nr_cpus);
        assert_eq!(other.weight(), k.n);
        assert_eq!(m.first_zero(), k.nr_cpus);
        assert_eq!(other.first_zero(), k.n);
        assert!(m.full() && other.full());
        assert!(!m.equal(&other), "the tail makes them differ");
        assert!(!m.test_cpu(k.n));
        m.clear();
        m.setall();
        assert!(m.equal(&other));
        // A mask with only tail bits: not empty, first is the lowest tail bit.
        let tail = BpfCpumask::create(&p).unwrap();
        let mut bytes = [0u8; 8];
        bytes[(k.n / 8) as usize] = 1 << (k.n % 8);
        tail.populate(&bytes, 0).unwrap();
        assert!(!tail.empty());
        assert_eq!(tail.first(), k.n);
        assert_eq!(tail.any_distribute(&mut DistributeCursor::default()), k.n, "a tail bit is returned");
        TestResult::passed()
    }
    QuickCheck::new().tests(2000).quickcheck(prop as fn(Kern) -> TestResult);
}

/// cpumask.h: with NR_CPUS > BITS_PER_LONG every query uses nr_cpu_ids (search "nothing" = nr_cpu_ids), and
/// bitmap_fill in setall sets whole longs; tails stay invisible.
#[test]
fn medium_and_large_kernels_hide_the_tail() {
    fn prop(k: Kern) -> TestResult {
        if k.nr_cpus <= k.w {
            return TestResult::discard();
        }
        let p = k.profile();
        let m = BpfCpumask::create(&p).unwrap();
        assert_eq!(m.first(), k.n);
        m.setall();
        let longs = k.n.div_ceil(k.w) as usize;
        let bytes = m.to_bytes();
        assert!(bytes[..longs * (k.w / 8) as usize].iter().all(|&b| b == 0xff));
        assert!(bytes[longs * (k.w / 8) as usize..].iter().all(|&b| b == 0));
        assert_eq!((m.weight(), m.first_zero(), m.full()), (k.n, k.n, true));
        let e = BpfCpumask::create(&p).unwrap();
        assert!(!m.intersects(&e) && e.subset(&m));
        TestResult::passed()
    }
    QuickCheck::new().tests(2000).quickcheck(prop as fn(Kern) -> TestResult);
}

/// kernel/bpf/cpumask.c, bpf_cpumask_populate(): -EACCES when src__sz < bitmap_size(nr_cpu_ids), checked
/// before -EINVAL for a src not aligned to sizeof(long) without CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS;
/// otherwise exactly bitmap_size(nr_cpu_ids) bytes are copied and nothing else changes.
#[test]
fn populate_checks_size_then_alignment_and_copies_whole_longs() {
    fn prop(k: Kern, len: u16, addr: u8, seed: u8) -> bool {
        let p = k.profile();
        let m = BpfCpumask::create(&p).unwrap();
        m.setall();
        let before = m.to_bytes();
        let need = (k.n.div_ceil(k.w) * k.w / 8) as usize;
        let len = usize::from(len) % (need + 16);
        let src: Vec<u8> = (0..len).map(|i| seed.wrapping_mul(31).wrapping_add(i as u8)).collect();
        let addr = usize::from(addr);
        let got = m.populate(&src, addr);
        let after = m.to_bytes();
        if len < need {
            got == Err(Errno::EACCES) && after == before
        } else if !k.eff && addr % (k.w / 8) as usize != 0 {
            got == Err(Errno::EINVAL) && after == before
        } else {
            got == Ok(()) && after[..need] == src[..need] && after[need..] == before[need..]
        }
    }
    QuickCheck::new().tests(5000).quickcheck(prop as fn(Kern, u16, u8, u8) -> bool);
}

/// The words past BITS_TO_LONGS(nr_cpu_ids) start zero (bpf_cpumask_create's memset) and no kfunc writes a
/// nonzero value there: set_cpu is refused past nr_cpu_ids, populate/setall (medium, large) stop at
/// bitmap_size(nr_cpu_ids), and and/or/xor/copy/clear only move what the masks already hold there.
fn words_past_nr_cpu_ids_stay_zero(s: Scenario) -> bool {
    let p = s.kern.profile();
    let m = [BpfCpumask::create(&p).unwrap(), BpfCpumask::create(&p).unwrap(), BpfCpumask::create(&p).unwrap()];
    let mut cur = DistributeCursor::default();
    let used = (s.kern.n.div_ceil(s.kern.w) * s.kern.w / 8) as usize;
    s.ops.iter().all(|&op| {
        model_step(&m, op, &mut cur, &s.src);
        m.iter().all(|x| x.to_bytes()[used..].iter().all(|&b| b == 0))
    })
}

#[test]
fn nothing_writes_past_nr_cpu_ids_words() {
    QuickCheck::new().tests(2000).quickcheck(words_past_nr_cpu_ids_stay_zero as fn(Scenario) -> bool);
}

/// lib/cpumask.c: the cursor starts at 0 ("our first selection will skip 0"), so on a full mask the picks
/// cycle 1, 2, ..., nr_cpu_ids - 1, 0; an empty mask answers small_cpumask_bits and leaves the cursor.
#[test]
fn distribute_cycles_from_one() {
    fn prop(k: Kern) -> TestResult {
        if k.nr_cpus == 1 || k.n > 600 {
            return TestResult::discard();
        }
        let p = k.profile();
        let g = CpumaskGeometry::from_profile(&p).unwrap();
        let m = BpfCpumask::create(&p).unwrap();
        let mut cur = DistributeCursor::default();
        assert_eq!(m.any_distribute(&mut cur), g.small_cpumask_bits());
        assert_eq!(cur.prev(), 0);
        m.setall();
        for i in 1..=k.n {
            assert_eq!(m.any_distribute(&mut cur), i % k.n);
        }
        TestResult::passed()
    }
    QuickCheck::new().tests(1000).quickcheck(prop as fn(Kern) -> TestResult);
}

/// cpu_valid(): every kfunc that takes a CPU ignores (set/clear) or answers false (test*) for
/// cpu >= nr_cpu_ids, u32::MAX (a negative int) included, and changes nothing.
#[test]
fn invalid_cpus_change_nothing() {
    fn prop(k: Kern, r: u32) -> bool {
        let p = k.profile();
        let m = BpfCpumask::create(&p).unwrap();
        m.populate(&[0xa5; 1100], 0).unwrap();
        let before = m.to_bytes();
        let cpu = k.n.saturating_add(r % 100).max(if r % 7 == 0 { u32::MAX } else { 0 });
        m.set_cpu(cpu);
        m.clear_cpu(cpu);
        !m.test_cpu(cpu) && !m.test_and_set_cpu(cpu) && !m.test_and_clear_cpu(cpu) && m.to_bytes() == before
    }
    QuickCheck::new().tests(2000).quickcheck(prop as fn(Kern, u32) -> bool);
}
