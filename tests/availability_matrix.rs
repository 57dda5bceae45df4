//! Replays the availability vectors of every kernel of the matrix (`vectors/<series>/availability.jsonl`,
//! recorded by `bpf-oracle conformance --area availability` in Debian's kernel of each series under qemu)
//! against the model built with each file's profile. Needs no BPF.

use bpf_model::vectors::replay_area;
use bpf_model::version::MATRIX;
use std::path::Path;

#[test]
fn every_kernel_of_the_matrix_agrees() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
    let mut failures = Vec::new();
    let mut missing = Vec::new();
    for (ma, mi) in MATRIX {
        let path = dir.join(format!("{ma}.{mi}")).join("availability.jsonl");
        if !path.exists() {
            missing.push(path.display().to_string());
            continue;
        }
        let replay = replay_area("availability", &path).unwrap_or_else(|e| panic!("{e}"));
        println!("{}: {} cases, {} mismatches", path.display(), replay.cases, replay.mismatches.len());
        assert!(replay.cases > 0, "{} has no records", path.display());
        for m in replay.mismatches.iter().take(400) {
            failures.push(format!(
                "{}:{}: {}\n  kernel {}\n  model  {}",
                path.display(),
                m.line,
                m.case,
                m.kernel,
                m.model
            ));
        }
    }
    assert!(failures.is_empty(), "model disagrees with recorded kernel outcomes:\n{}", failures.join("\n"));
    assert!(missing.is_empty(), "no vectors recorded for {missing:?}");
}
