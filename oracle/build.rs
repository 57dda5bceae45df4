//! Compiles every `bpf/*.bpf.c` with clang into a BPF object and generates its libbpf-rs skeleton as
//! `$OUT_DIR/<name>.skel.rs`.

use libbpf_cargo::SkeletonBuilder;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let bpf_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("bpf");
    println!("cargo:rerun-if-changed={}", bpf_dir.display());
    println!("cargo:rerun-if-env-changed=CLANG");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let clang = find_clang();
    let mut sources: Vec<PathBuf> = std::fs::read_dir(&bpf_dir)
        .expect("oracle/bpf exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".bpf.c"))
        .collect();
    sources.sort();
    let mut modules = String::new();
    for src in sources {
        println!("cargo:rerun-if-changed={}", src.display());
        let name = src.file_name().unwrap().to_string_lossy().trim_end_matches(".bpf.c").to_string();
        let skel = out.join(format!("{name}.skel.rs"));
        let obj = out.join(format!("{name}.bpf.o"));
        SkeletonBuilder::new()
            .source(&src)
            .obj(&obj)
            .clang(&clang)
            .clang_args([
                format!("-I{}", bpf_dir.display()),
                "-I/usr/include/x86_64-linux-gnu".to_string(),
                "-D__TARGET_ARCH_x86".to_string(),
                "-Wall".to_string(),
                "-Wno-unused-function".to_string(),
            ])
            .build_and_generate(&skel)
            .unwrap_or_else(|e| panic!("building {}: {e:#}", src.display()));
        modules.push_str(&format!(
            "/// `oracle/bpf/{name}.bpf.c`.\npub mod {name} {{\n    include!(concat!(env!(\"OUT_DIR\"), \"/{name}.skel.rs\"));\n}}\n"
        ));
    }
    std::fs::write(out.join("skels.rs"), modules).expect("writing skels.rs");
    println!("cargo:rustc-env=ORACLE_CLANG={}", clang.display());
}

/// `$CLANG`, else Debian's clang-19, else `clang`; a clear message when there is none.
fn find_clang() -> PathBuf {
    if let Some(c) = std::env::var_os("CLANG") {
        return PathBuf::from(c);
    }
    for c in ["clang-19", "clang"] {
        if Command::new(c).arg("--version").output().map(|o| o.status.success()).unwrap_or(false) {
            return PathBuf::from(c);
        }
    }
    panic!("bpf-oracle needs clang to compile its BPF programs: apt-get install clang-19 (or set CLANG)");
}
