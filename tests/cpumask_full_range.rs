//! Every public cpumask function over the full range of its integer arguments: no panic (run in a debug
//! build, where arithmetic overflow panics). Geometries are drawn both from the whole `u32` range (mostly
//! refused) and folded into the accepted one, so that the functions on masks see every argument too.

use bpf_model::cpumask::{
    abi, check_populate, has_kfunc, BpfCpumask, Cpumask, CpumaskAlloc, CpumaskGeometry, DistributeCursor, PopulateDst,
};
use bpf_model::prog::Func;
use bpf_model::{KernelProfile, KernelVersion, Rules};
use quickcheck::{QuickCheck, TestResult};

const EDGES: [u32; 9] = [0, 1, 31, 32, 63, 64, 65, u32::MAX - 1, u32::MAX];

fn args(seed: u32) -> [u32; 12] {
    let mut v = [0u32; 12];
    v[..9].copy_from_slice(&EDGES);
    (v[9], v[10], v[11]) = (seed, seed.wrapping_mul(2_654_435_761), seed >> 7);
    v
}

fn exercise(g: CpumaskGeometry, seed: u32, addr: usize, len: u16) {
    let _ = (g.bitmap_size(seed), g.bitmap_size(u32::MAX), g.cpumask_size(), g.config());
    let _ = (g.small_cpumask_bits(), g.large_cpumask_bits(), g.nr_cpumask_bits());
    let (mut a, mut b, mut d) = (Cpumask::new(g), Cpumask::new(g), Cpumask::new(g));
    for cpu in args(seed) {
        a.set_cpu(cpu);
        b.clear_cpu(cpu);
        let _ = (a.test_cpu(cpu), a.test_and_set_cpu(cpu), b.test_and_clear_cpu(cpu), a.cpu_valid(cpu));
        let mut cur = DistributeCursor::new(cpu);
        let _ = (a.any_distribute(&mut cur), a.any_and_distribute(&b, &mut cur), cur.prev());
    }
    let src = vec![0xa5u8; usize::from(len)];
    for at in [addr, usize::MAX, 0, 1, 7] {
        let _ = d.populate(&src, at);
    }
    b.setall();
    let _ = (d.and(&a, &b), d.first(), d.first_zero(), d.first_and(&a), d.weight(), d.empty(), d.full());
    d.or(&a, &b);
    d.xor(&a, &b);
    let _ = (d.equal(&a), d.intersects(&b), d.subset(&a));
    d.copy_from(&a);
    d.clear();
    let _ = d.to_bytes();
}

fn profile(g: CpumaskGeometry, ma: u16, mi: u16, pa: u16) -> KernelProfile {
    let mut p = KernelProfile::generic_small();
    (p.nr_cpu_ids, p.nr_cpus, p.bits_per_long, p.efficient_unaligned_access) =
        (g.nr_cpu_ids(), g.nr_cpus(), g.bits_per_long(), g.efficient_unaligned_access());
    p.version = KernelVersion::new(ma, mi, pa);
    p
}

#[test]
fn every_geometry_and_argument_is_total() {
    fn prop(geo: (u32, u32, u32, bool), seed: u32, addr: usize, len: u16, v: (u16, u16, u16)) -> TestResult {
        let (n, nr, w, eff) = geo;
        // The whole range: most are refused, none panics.
        let _ = CpumaskGeometry::new(n, nr, w, eff);
        // Folded into the accepted range.
        let w = if w % 2 == 0 { 64 } else { 32 };
        let nr = 1 + nr % (bpf_model::cpumask::MAX_NR_CPUS / if seed % 3 == 0 { 1 } else { 64 });
        let n = 1 + n % nr;
        let g = CpumaskGeometry::new(n, nr, w, eff).unwrap();
        exercise(g, seed, addr, len);
        let p = profile(g, v.0, v.1, v.2);
        let alloc = CpumaskAlloc::with_limit(&p, addr);
        let _ = (CpumaskAlloc::open(&p).map(|a| a.live()), alloc.live(), alloc.rules());
        if let Some(m) = alloc.create() {
            let o = BpfCpumask::create(&p).or_else(|| alloc.create());
            for cpu in args(seed) {
                abi::bpf_cpumask_set_cpu(cpu, &m);
                let _ = abi::bpf_cpumask_test_and_clear_cpu(cpu, &m);
                let mut cur = DistributeCursor::new(cpu);
                let _ = abi::bpf_cpumask_any_distribute(&m, &mut cur);
            }
            let _ = abi::bpf_cpumask_populate(&m, &vec![1u8; usize::from(len)], addr);
            if let Some(o) = o {
                abi::bpf_cpumask_xor(&m, &m, &o);
                let _ = (abi::bpf_cpumask_equal(&m, &o), m.usage(), m.has_kfunc(Func::CpumaskPopulate));
            }
        }
        if let Ok(r) = Rules::new(KernelVersion::new(v.0, v.1, v.2)) {
            let _ = (has_kfunc(r, Func::CpumaskPopulate), check_populate(r, PopulateDst::Cpumask));
        }
        TestResult::passed()
    }
    QuickCheck::new()
        .tests(300)
        .quickcheck(prop as fn((u32, u32, u32, bool), u32, usize, u16, (u16, u16, u16)) -> TestResult);
}

#[test]
fn the_extreme_geometries() {
    for (n, nr, w) in [(1, 1, 32), (1, 1, 64), (65536, 65536, 64), (65536, 65536, 32), (1, 65536, 64), (64, 8192, 64)] {
        for seed in [0, u32::MAX] {
            exercise(CpumaskGeometry::new(n, nr, w, false).unwrap(), seed, usize::MAX, 9000);
        }
    }
}
