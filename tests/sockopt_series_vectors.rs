//! Replays the sockopt vectors recorded on each kernel of the matrix (`vectors/<series>/sockopt.jsonl`,
//! recorded by `bpf-oracle conformance --area sockopt --record` inside Debian's kernel of the series) against
//! the model built with that kernel's profile and rules.

use std::path::Path;

#[test]
fn every_kernel_s_sockopt_vectors_agree_with_the_model() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("vectors/")
        .filter_map(Result::ok)
        .map(|e| e.path().join("sockopt.jsonl"))
        .filter(|p| p.exists())
        .collect();
    files.sort();
    let mut failures = Vec::new();
    for path in &files {
        let replay = bpf_model::vectors::replay_area("sockopt", path).unwrap_or_else(|e| panic!("{e}"));
        println!("{}: {} cases, {} mismatches", path.display(), replay.cases, replay.mismatches.len());
        assert!(replay.cases >= 1000, "{}: only {} cases", path.display(), replay.cases);
        for m in replay.mismatches.iter().take(4) {
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
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
