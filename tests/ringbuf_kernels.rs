//! Replays the ring buffer vectors recorded on each kernel of the matrix (`vectors/<series>/ringbuf*.jsonl`,
//! recorded by `bpf-oracle conformance --record` in Debian's kernel of each series under qemu) against the
//! model, each with the profile of the kernel it was recorded on. Needs no BPF.

use bpf_model::vectors::replay_area;
use std::path::Path;

#[test]
fn ringbuf_vectors_of_every_kernel_agree_with_the_model() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
    let mut failures = Vec::new();
    let mut files = 0;
    let mut series: Vec<_> = std::fs::read_dir(&dir)
        .expect("vectors/")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    series.sort();
    for kernel in series {
        for area in ["ringbuf"] {
            let path = kernel.join(format!("{area}.jsonl"));
            if !path.exists() {
                continue;
            }
            files += 1;
            let replay = replay_area(area, &path).unwrap_or_else(|e| panic!("{e}"));
            println!("{}: {} cases, {} mismatches", path.display(), replay.cases, replay.mismatches.len());
            assert!(replay.cases > 0, "{} has no records", path.display());
            for m in replay.mismatches.iter().take(3) {
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
    }
    assert!(failures.is_empty(), "model disagrees with recorded kernel outcomes:\n{}", failures.join("\n"));
    println!("{files} per-kernel ring buffer files replayed");
}
