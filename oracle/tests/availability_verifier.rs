//! The availability differential: every (function, program) pair that this machine can load, model against
//! the live verifier, and `bpf-oracle explain` for every function.

use bpf_model::prog::Func;
use bpf_model::vectors::availability::VEHICLES;
use bpf_oracle::areas::availability::{explain, AvailabilityArea, NOT_LOADABLE};
use bpf_oracle::conformance::Area;
use bpf_oracle::testing::{differential, kernel_available};

#[test]
fn every_loadable_pair_agrees_with_the_verifier() {
    if !kernel_available("every_loadable_pair_agrees_with_the_verifier") {
        return;
    }
    let area = AvailabilityArea::open_quiet().expect("open the availability area");
    let skipped: Vec<&str> = area.not_loadable.iter().map(|(v, _)| v.name).collect();
    let listed: Vec<&str> = NOT_LOADABLE.iter().map(|(n, _)| *n).collect();
    assert_eq!(skipped, listed, "the vehicles this machine cannot load changed");
    assert_eq!(area.pairs().len() as u64, AvailabilityArea::DEFAULT_CASES);
    assert_eq!(area.pairs().len(), Func::ALL.len() * (VEHICLES.len() - NOT_LOADABLE.len()));
    drop(area);
    // One walk over every loadable pair: both programs of each pair judged by the verifier.
    let n = differential::<AvailabilityArea>(AvailabilityArea::DEFAULT_CASES, 1);
    assert_eq!(n, AvailabilityArea::DEFAULT_CASES);
}

#[test]
fn explain_works_for_every_function() {
    let kernel = bpf_oracle::probe::probe().ok();
    let profile = bpf_model::KernelProfile::detect().profile;
    for f in Func::ALL {
        let page = explain(f.name(), &profile, kernel).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(page.starts_with(f.name()), "{f}");
        assert!(page.contains(f.doc().signature), "{f}");
        assert!(!page.contains("DISAGREE"), "{f}:\n{page}");
        if kernel {
            let agree = page.lines().filter(|l| l.ends_with(" agree")).count();
            assert_eq!(agree, VEHICLES.len() - NOT_LOADABLE.len(), "{f}:\n{page}");
        }
    }
    assert!(explain("bpf_no_such_function", &profile, false).is_err());
}
