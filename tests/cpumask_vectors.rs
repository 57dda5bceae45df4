//! Replays the recorded kernel outcomes of `vectors/cpumask.jsonl` (recorded by
//! `bpf-oracle conformance --area cpumask --record`) against the model. Needs no BPF.

use bpf_model::vectors::cpumask::{CpumaskCase, CpumaskOp, Step};
use bpf_model::vectors::{replay_area, Header, Record};
use std::path::Path;

#[test]
fn recorded_cpumask_vectors_agree_with_the_model() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors/cpumask.jsonl");
    let replay = replay_area("cpumask", &path).unwrap_or_else(|e| panic!("{e}"));
    let first: Vec<String> = replay.mismatches.iter().take(3).map(|m| format!("{m:?}")).collect();
    assert!(replay.mismatches.is_empty(), "{} mismatches, first: {first:#?}", replay.mismatches.len());
    assert!(replay.cases >= 500, "only {} records", replay.cases);
    println!("vectors/cpumask.jsonl: {} kernel cases replayed, all agree", replay.cases);
}

/// The recorded file covers every kfunc, and holds the kernel's answers at the edges the model documents.
#[test]
fn recorded_cpumask_vectors_cover_every_kfunc_and_the_edges() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors/cpumask.jsonl");
    let text = std::fs::read_to_string(path).expect("vectors/cpumask.jsonl");
    let mut lines = text.lines();
    let header: Header = serde_json::from_str(lines.next().expect("header")).expect("header");
    let mut seen = std::collections::BTreeSet::new();
    let (mut eacces, mut tail_set, mut usage) = (false, false, false);
    for line in lines {
        let rec: Record<CpumaskCase, bpf_model::vectors::cpumask::CpumaskOutcome> =
            serde_json::from_str(line).expect("record");
        for (op, step) in rec.case.ops.iter().zip(&rec.kernel.steps) {
            seen.insert(op.name());
            eacces |= matches!((op, step), (CpumaskOp::Populate { .. }, Step::Int(-13)));
            usage |= matches!(step, Step::Usage { acquired: 2, released: 1 });
        }
        // A medium kernel's setall fills the whole first word: 0xff bytes past nr_cpu_ids in memory.
        if header.profile.nr_cpu_ids < 8 && rec.case.ops.iter().any(|op| matches!(op, CpumaskOp::Setall { .. })) {
            tail_set |= rec
                .kernel
                .masks
                .iter()
                .any(|m| serde_json::to_string(&m.raw).is_ok_and(|s| s.starts_with("\"ffffffffffffffff")));
        }
    }
    assert_eq!(seen.len(), CpumaskOp::NAMES.len(), "{seen:?}");
    assert!(eacces && usage, "edges missing: eacces={eacces} usage={usage}");
    assert!(header.profile.nr_cpu_ids >= 8 || tail_set, "no recorded setall tail");
}
