//! The overview table in the `prog` module docs (`src/prog/overview.md`) is the model's own answer:
//! regenerate it with `BPF_MODEL_UPDATE_OVERVIEW=1 cargo test --test prog_overview`.

use bpf_model::prog::overview_table;

#[test]
fn overview_table_in_docs_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/prog/overview.md");
    let want = overview_table();
    if std::env::var("BPF_MODEL_UPDATE_OVERVIEW").is_ok_and(|v| v == "1") {
        std::fs::write(path, &want).expect("write overview.md");
    }
    let have = std::fs::read_to_string(path).expect("read overview.md");
    assert!(
        have == want,
        "src/prog/overview.md is stale: run BPF_MODEL_UPDATE_OVERVIEW=1 cargo test --test prog_overview"
    );
}
