//! Replays every committed kernel vector (`vectors/<area>.jsonl`) against the model. Needs no BPF.

use bpf_model::vectors::{replay_area, AREAS};
use std::path::Path;

#[test]
fn committed_vectors_agree_with_the_model() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
    let mut total = 0;
    let mut failures = Vec::new();
    for area in AREAS {
        let path = dir.join(format!("{area}.jsonl"));
        if !path.exists() {
            println!("vectors/{area}.jsonl: none recorded yet");
            continue;
        }
        let replay = replay_area(area, &path).unwrap_or_else(|e| panic!("{e}"));
        println!("vectors/{area}.jsonl: {} cases, {} mismatches", replay.cases, replay.mismatches.len());
        assert!(replay.cases > 0, "vectors/{area}.jsonl has no records");
        total += replay.cases;
        for m in replay.mismatches.iter().take(5) {
            failures.push(format!(
                "{}:{}: case {}\n  kernel {}\n  model  {}",
                path.display(),
                m.line,
                m.case,
                m.kernel,
                m.model
            ));
        }
    }
    assert!(dir.join("dynptr.jsonl").exists(), "vectors/dynptr.jsonl must be committed");
    assert!(failures.is_empty(), "model disagrees with recorded kernel outcomes:\n{}", failures.join("\n"));
    println!("replayed {total} kernel vectors");
}
