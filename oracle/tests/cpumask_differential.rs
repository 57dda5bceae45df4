//! The cpumask kfuncs, model against the live kernel: generated sequences on three masks, every populate
//! size around `bitmap_size(nr_cpu_ids)` at every offset from an aligned base, and the part of the
//! distribute functions the kernel makes deterministic.

use bpf_model::cpumask::CpumaskGeometry;
use bpf_model::vectors::cpumask::{CpumaskCase, CpumaskOp, SrcFill, SrcPattern, Step, SRC_OFF_CAP};
use bpf_model::vectors::{to_json, Case};
use bpf_oracle::areas::cpumask::CpumaskArea;
use bpf_oracle::conformance::Area;
use bpf_oracle::rng::Rng;
use bpf_oracle::testing::{differential, kernel_available};
use std::collections::BTreeMap;

fn open() -> (CpumaskArea, bpf_model::KernelProfile) {
    let profile = bpf_model::KernelProfile::detect().profile;
    (CpumaskArea::open(&profile).expect("load cpumask.bpf.c"), profile)
}

fn agree(area: &mut CpumaskArea, profile: &bpf_model::KernelProfile, case: &CpumaskCase) -> Step {
    let kernel = area.run_kernel(case).expect("kernel test run");
    let model = case.run_model(profile);
    assert_eq!(kernel, model, "case {}\nkernel {}\nmodel  {}", to_json(case), to_json(&kernel), to_json(&model));
    kernel.steps.last().copied().unwrap_or(Step::Void)
}

#[test]
fn cpumask_sequences_agree_with_kernel() {
    if !kernel_available("cpumask_sequences_agree_with_kernel") {
        return;
    }
    // Every kfunc appears in the generated sequences, as the label and inside prefixes.
    let (mut area, _) = open();
    let mut rng = Rng::new(99);
    let mut seen: BTreeMap<&str, u64> = BTreeMap::new();
    for _ in 0..2000 {
        for op in area.generate(&mut rng).ops {
            *seen.entry(op.name()).or_default() += 1;
        }
    }
    assert_eq!(seen.len(), CpumaskOp::NAMES.len(), "kfuncs generated: {seen:?}");
    let n = differential::<CpumaskArea>(5000, 0xc9u64);
    assert_eq!(n, 5000);
}

#[test]
fn cpumask_populate_sizes_and_offsets_agree_with_kernel() {
    if !kernel_available("cpumask_populate_sizes_and_offsets_agree_with_kernel") {
        return;
    }
    let (mut area, profile) = open();
    let geo = CpumaskGeometry::from_profile(&profile).unwrap();
    let need = geo.bitmap_size(geo.nr_cpu_ids()) as u32;
    let mut results: BTreeMap<i32, u32> = BTreeMap::new();
    for pattern in [SrcPattern::Ones, SrcPattern::Random, SrcPattern::Alternating] {
        for offset in 0..SRC_OFF_CAP {
            for size in (0..=need + 9).chain([geo.cpumask_size() as u32, 1000]) {
                // Start from setall (the tail of word 0 set), populate, read everything back.
                let case = CpumaskCase {
                    src: SrcFill { pattern, seed: u64::from(offset * 1000 + size) },
                    ops: vec![
                        CpumaskOp::Setall { d: 1 },
                        CpumaskOp::Populate { d: 1, offset, size },
                        CpumaskOp::Weight { a: 1 },
                    ],
                };
                let kernel = area.run_kernel(&case).expect("kernel test run");
                assert_eq!(kernel, case.run_model(&profile), "case {}", to_json(&case));
                if let Step::Int(r) = kernel.steps[1] {
                    *results.entry(r).or_default() += 1;
                }
            }
        }
    }
    // Both outcomes were seen: -EACCES below bitmap_size(nr_cpu_ids), 0 from there (no -EINVAL here: x86
    // has efficient unaligned access).
    assert!(results.contains_key(&-13) && results.contains_key(&0), "{results:?}");
    println!("populate returns: {results:?}");
}

#[test]
fn cpumask_distribute_is_deterministic_where_the_kernel_is() {
    if !kernel_available("cpumask_distribute_is_deterministic_where_the_kernel_is") {
        return;
    }
    let (mut area, profile) = open();
    let geo = CpumaskGeometry::from_profile(&profile).unwrap();
    let n = geo.nr_cpu_ids();
    let src = SrcFill { pattern: SrcPattern::Zero, seed: 0 };
    // Empty mask: exactly small_cpumask_bits.
    let empty = CpumaskCase { src, ops: vec![CpumaskOp::AnyDistribute { a: 0 }] };
    assert_eq!(agree(&mut area, &profile, &empty), Step::U32(geo.small_cpumask_bits()));
    let disjoint = CpumaskCase {
        src,
        ops: vec![
            CpumaskOp::SetCpu { cpu: 0, d: 0 },
            CpumaskOp::SetCpu { cpu: n - 1, d: 1 },
            CpumaskOp::ClearCpu { cpu: 0, d: 1 },
            CpumaskOp::AnyAndDistribute { a: 0, b: 1 },
        ],
    };
    assert_eq!(agree(&mut area, &profile, &disjoint), Step::U32(geo.small_cpumask_bits()));
    // One CPU: exactly that CPU, whatever the cursor (the raw value is checked through test_cpu).
    for cpu in 0..n.min(64) {
        let one = CpumaskCase {
            src,
            ops: vec![
                CpumaskOp::SetCpu { cpu, d: 2 },
                CpumaskOp::Setall { d: 0 },
                CpumaskOp::AnyAndDistribute { a: 0, b: 2 },
            ],
        };
        assert_eq!(agree(&mut area, &profile, &one), Step::Distributed);
    }
    // Full mask, many calls: always some valid CPU of the mask.
    let full = CpumaskCase {
        src,
        ops: [CpumaskOp::Setall { d: 0 }].into_iter().chain([CpumaskOp::AnyDistribute { a: 0 }; 11]).collect(),
    };
    for _ in 0..200 {
        agree(&mut area, &profile, &full);
    }
}
