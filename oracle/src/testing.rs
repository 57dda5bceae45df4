//! For the differential tests: run in the kernel, or say clearly why not.
//!
//! On a machine that cannot load BPF a test prints one `SKIPPED: <test>: <reason>` line and returns,
//! unless `BPF_ORACLE_REQUIRE=1` is set (as CI on our machines does), in which case it fails.

/// True when the kernel side can run. Otherwise prints the SKIPPED line (or panics when kernel tests
/// are required) and returns false.
pub fn kernel_available(test: &str) -> bool {
    let p = crate::probe::probe();
    if p.ok() {
        return true;
    }
    let why = p.missing.join("; ");
    if std::env::var("BPF_ORACLE_REQUIRE").is_ok_and(|v| v == "1") {
        panic!("{test}: kernel tests are required (BPF_ORACLE_REQUIRE=1) but this machine cannot load BPF: {why}");
    }
    println!("SKIPPED: {test}: this machine cannot load BPF programs: {why}");
    false
}

/// Runs `n` cases of area `A` generated from `gen`, asserting model and kernel agree on each; the
/// message names the first disagreement, shrunk. Returns the number of cases run in the kernel. A kernel
/// that lacks the area ([`crate::OracleError::Absent`]) prints a `SKIPPED:` line and runs none, or fails
/// when `BPF_ORACLE_REQUIRE=1`.
pub fn differential<A: crate::conformance::Area>(n: u64, seed: u64) -> u64 {
    let profile = bpf_model::KernelProfile::detect().profile;
    let opts = crate::conformance::RunOpts { cases: Some(n), seed, ..Default::default() };
    let report = crate::conformance::run::<A>(&opts, &profile);
    if let Some(why) = &report.absent {
        let area = <A::Case as bpf_model::vectors::Case>::AREA;
        if std::env::var("BPF_ORACLE_REQUIRE").is_ok_and(|v| v == "1") {
            panic!("{area}: kernel tests are required (BPF_ORACLE_REQUIRE=1) but this kernel lacks the area: {why}");
        }
        println!("SKIPPED: {area} differential: this kernel lacks the area: {why}");
        return 0;
    }
    assert!(report.passed(), "{}", report.table());
    println!("{}", report.summary_line());
    report.cases
}
