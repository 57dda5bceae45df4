//! Replays every committed kernel vector against the model, each with the profile of the kernel that
//! produced it: `vectors/<area>.jsonl` (the project's host kernel) and `vectors/<series>/<area>.jsonl`
//! (each kernel of the qemu matrix, recorded by `scripts/matrix.sh`). Needs no BPF.

use bpf_model::vectors::{replay_file, vector_files};
use std::path::Path;

#[test]
fn committed_vectors_agree_with_the_model() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
    let files = vector_files(&dir).unwrap_or_else(|e| panic!("{e}"));
    let mut total = 0;
    let mut failures = Vec::new();
    for f in &files {
        let shown = f.path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(&f.path).display().to_string();
        let replay = match replay_file(f) {
            Ok(r) => r,
            Err(e) => {
                failures.push(e.to_string());
                continue;
            }
        };
        println!("{shown}: {} cases, {} mismatches", replay.cases, replay.mismatches.len());
        if replay.cases == 0 {
            failures.push(format!("{shown}: no records"));
        }
        total += replay.cases;
        for m in replay.mismatches.iter().take(5) {
            failures.push(format!("{shown}:{}: case {}\n  kernel {}\n  model  {}", m.line, m.case, m.kernel, m.model));
        }
    }
    assert!(dir.join("dynptr.jsonl").exists(), "vectors/dynptr.jsonl must be committed");
    assert!(failures.is_empty(), "model disagrees with recorded kernel outcomes:\n{}", failures.join("\n"));
    println!("replayed {total} kernel vectors from {} files", files.len());
}
