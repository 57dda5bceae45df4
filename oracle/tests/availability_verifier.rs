//! The availability differential: every (function, program) pair that this kernel can judge, model against
//! the live verifier, and `bpf-oracle explain` for every function.
//!
//! What the kernel cannot judge is probed when the area opens, not listed here: vehicles whose empty
//! program the kernel refuses, and functions this kernel build refuses in every program type. Each is
//! printed, and the test checks that what is left out is left out for a reason the kernel gave.

use bpf_model::prog::{Func, ProgType};
use bpf_model::vectors::availability::VEHICLES;
use bpf_model::KernelProfile;
use bpf_oracle::areas::availability::{explain, AvailabilityArea};
use bpf_oracle::conformance::Area;
use bpf_oracle::testing::{differential, kernel_available};

#[test]
fn every_loadable_pair_agrees_with_the_verifier() {
    if !kernel_available("every_loadable_pair_agrees_with_the_verifier") {
        return;
    }
    let profile = KernelProfile::detect().profile;
    let area = AvailabilityArea::open_quiet(&profile).expect("open the availability area");
    for (v, why) in &area.not_loadable {
        println!("not loadable on this kernel: {} ({}): {why}", v.name, v.prog.prog_type);
        assert!(!why.is_empty(), "{}", v.name);
    }
    for (f, why) in &area.refused {
        println!("refused by this kernel build: {f}: {why}");
    }
    // The probe that said this machine can run BPF loaded a SYSCALL program: its vehicle must be walked.
    let syscall = VEHICLES.iter().find(|v| v.prog.prog_type == ProgType::Syscall).expect("a SYSCALL vehicle");
    assert!(area.not_loadable.iter().all(|(v, _)| v.name != syscall.name), "SYSCALL programs load here");
    let loadable = VEHICLES.len() - area.not_loadable.len();
    let n = (Func::ALL.len() - area.refused.len()) * loadable;
    assert_eq!(area.pairs().len(), n);
    assert_eq!(area.default_cases(), n as u64);
    drop(area);
    // One walk over every pair the kernel can judge: both programs of each pair judged by the verifier.
    assert_eq!(differential::<AvailabilityArea>(n as u64, 1), n as u64);
}

#[test]
fn explain_works_for_every_function() {
    let kernel = bpf_oracle::probe::probe().ok();
    let profile = KernelProfile::detect().profile;
    let (loadable, refused) = if kernel {
        let area = AvailabilityArea::open_quiet(&profile).expect("open the availability area");
        (VEHICLES.len() - area.not_loadable.len(), area.refused.iter().map(|(f, _)| *f).collect())
    } else {
        (0, Vec::new())
    };
    for f in Func::ALL {
        let page = explain(f.name(), &profile, kernel).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(page.starts_with(f.name()), "{f}");
        assert!(page.contains(f.doc().signature), "{f}");
        assert!(!page.contains("DISAGREE"), "{f}:\n{page}");
        // The verdicts of the ten kernels of the matrix, from their recorded vectors: all agree.
        let (_, matrix) = page.split_once("\nPer kernel of the matrix").expect("the per-kernel table");
        assert!(!matrix.contains("(no vectors"), "{f}:\n{matrix}");
        let rows: Vec<&str> =
            matrix.lines().filter(|l| VEHICLES.iter().any(|v| l.trim_start().starts_with(v.name))).collect();
        assert!(rows.len() >= VEHICLES.len(), "{f}:\n{matrix}");
        assert!(rows.iter().all(|l| !l.contains('!')), "{f}: the model disagrees with a kernel:\n{matrix}");
        assert!(rows.iter().any(|l| l.trim_end().ends_with(" ok")), "{f}: accepted nowhere on 7.3:\n{matrix}");
        if kernel {
            let agree = page.lines().filter(|l| l.ends_with(" agree")).count();
            let build = page.lines().filter(|l| l.contains("refused by this kernel build")).count();
            if refused.contains(f) {
                assert_eq!((agree, build), (0, loadable), "{f}:\n{page}");
            } else {
                assert_eq!((agree, build), (loadable, 0), "{f}:\n{page}");
            }
        }
    }
    assert!(explain("bpf_no_such_function", &profile, false).is_err());
}
