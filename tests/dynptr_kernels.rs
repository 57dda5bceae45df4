//! The dynptr vectors each kernel of the matrix recorded (`vectors/<series>/dynptr.jsonl`, from
//! `bpf-oracle conformance --area dynptr --record` in Debian's kernel of that series under qemu), replayed
//! against the model configured with the profile in each file's header.

use bpf_model::vectors::{replay_area, Header};
use std::path::Path;

#[test]
fn every_kernels_dynptr_vectors_agree_with_the_model() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("vectors/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("dynptr.jsonl").is_file())
        .collect();
    dirs.sort();
    let mut failures = Vec::new();
    let mut total = 0;
    for dir in &dirs {
        let series = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let file = dir.join("dynptr.jsonl");
        let text = std::fs::read_to_string(&file).expect("readable");
        let header: Header = serde_json::from_str(text.lines().next().unwrap_or("")).expect("header line");
        let (ma, mi) = header.profile.version.series();
        assert_eq!(format!("{ma}.{mi}"), series, "{}: the header's kernel is not the directory's", file.display());
        let replay = replay_area("dynptr", &file).unwrap_or_else(|e| panic!("{e}"));
        assert!(replay.cases >= 100, "{}: only {} cases", file.display(), replay.cases);
        println!("{series}: {} dynptr vectors, {} mismatches", replay.cases, replay.mismatches.len());
        total += replay.cases;
        for m in replay.mismatches.iter().take(3) {
            failures.push(format!(
                "{}:{}\n  case   {}\n  kernel {}\n  model  {}",
                file.display(),
                m.line,
                m.case,
                m.kernel,
                m.model
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!("{} kernels, {total} dynptr vectors replayed", dirs.len());
}
