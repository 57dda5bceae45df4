//! Replays every committed kernel vector against the model, each with the profile of the kernel that
//! produced it: `vectors/<area>.jsonl` (the project's host kernel) and `vectors/<series>/<area>.jsonl`
//! (each kernel of the qemu matrix, recorded by `scripts/matrix.sh`). Needs no BPF.

use bpf_model::cpumask::CpumaskAlloc;
use bpf_model::vectors::{replay_file, vector_files, AREAS};
use bpf_model::version::MATRIX;
use bpf_model::KernelProfile;
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
    // Every kernel of the matrix has every area it has (the model says which it lacks).
    for (ma, mi) in MATRIX {
        let profile = KernelProfile::debian(ma, mi).expect("a preset per matrix kernel");
        for area in AREAS {
            let lacks = area == "cpumask" && CpumaskAlloc::open(&profile).is_err();
            let recorded = files.iter().any(|f| f.path == dir.join(format!("{ma}.{mi}/{area}.jsonl")));
            assert!(recorded || lacks, "no vectors/{ma}.{mi}/{area}.jsonl");
            assert!(!(recorded && lacks), "vectors/{ma}.{mi}/{area}.jsonl, but the model says {ma}.{mi} lacks {area}");
        }
    }
    assert!(failures.is_empty(), "model disagrees with recorded kernel outcomes:\n{}", failures.join("\n"));
    println!("replayed {total} kernel vectors from {} files", files.len());
}
