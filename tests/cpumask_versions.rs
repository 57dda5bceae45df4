//! The cpumask area across kernels: every `vectors/<series>/cpumask*.jsonl` (recorded by `bpf-oracle
//! conformance --area cpumask --record` inside Debian's kernel of that series, booted under qemu) replays
//! against the model built with the profile it was recorded on; and the version rules the model applies.

use bpf_model::cpumask::{check_populate, has_kfunc, CpumaskAlloc, LoadRefusal, PopulateDst, Unavailable};
use bpf_model::prog::{Family, Func};
use bpf_model::vectors::cpumask::{CpumaskCase, CpumaskOp, CpumaskOutcome, Step};
use bpf_model::vectors::{replay_area, Header, Record};
use bpf_model::{KernelProfile, KernelVersion, Rule, Rules};
use std::path::{Path, PathBuf};

/// Every per-kernel cpumask vector file, in series order.
fn per_kernel_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("vectors/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .flat_map(|dir| std::fs::read_dir(dir).into_iter().flatten().filter_map(Result::ok).map(|e| e.path()))
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("cpumask") && n.ends_with(".jsonl"))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_kernels_cpumask_vectors_agree_with_the_model() {
    let files = per_kernel_files();
    assert!(!files.is_empty(), "no vectors/<series>/cpumask*.jsonl");
    for path in files {
        let replay = replay_area("cpumask", &path).unwrap_or_else(|e| panic!("{e}"));
        let first: Vec<String> = replay.mismatches.iter().take(3).map(|m| format!("{m:?}")).collect();
        assert!(
            replay.mismatches.is_empty(),
            "{}: {} mismatches, first: {first:#?}",
            path.display(),
            replay.mismatches.len()
        );
        assert!(replay.cases >= 1000, "{}: only {} records", path.display(), replay.cases);
        println!("{}: {} kernel cases replayed, all agree", path.display(), replay.cases);
    }
}

/// What each kernel said about `bpf_cpumask_populate`: absent before 6.15 (every populate is
/// [`Step::Absent`]), and the verdict on a plain `struct cpumask *` destination, which each file holds.
#[test]
fn each_kernel_recorded_its_populate_verdicts() {
    for path in per_kernel_files() {
        let text = std::fs::read_to_string(&path).expect("read");
        let mut lines = text.lines();
        let header: Header = serde_json::from_str(lines.next().expect("header")).expect("header");
        let rules = header.profile.rules().expect("a supported version");
        let (mut populates, mut absent, mut plain) = (0, 0, Vec::new());
        for line in lines {
            let rec: Record<CpumaskCase, CpumaskOutcome> = serde_json::from_str(line).expect("record");
            for (op, step) in rec.case.ops.iter().zip(&rec.kernel.steps) {
                match op {
                    CpumaskOp::Populate { .. } => {
                        populates += 1;
                        absent += usize::from(*step == Step::Absent);
                    }
                    CpumaskOp::PopulatePlain => plain.push(*step),
                    _ => {}
                }
            }
        }
        let has = has_kfunc(rules, Func::CpumaskPopulate);
        assert!(populates > 0, "{}: no populate", path.display());
        assert_eq!(absent, if has { 0 } else { populates }, "{}", path.display());
        assert!(!plain.is_empty(), "{}: no populate_plain verdict", path.display());
        plain.dedup();
        println!(
            "{} ({}): populate {}; plain destination {:?}",
            path.display(),
            header.kernel_release,
            if has { "present" } else { "absent" },
            plain
        );
    }
}

fn r(ma: u16, mi: u16, p: u16) -> Rules {
    Rules::new(KernelVersion::new(ma, mi, p)).unwrap()
}

#[test]
fn the_kfuncs_arrive_with_their_rows() {
    let cpumask: Vec<Func> = Func::ALL.iter().copied().filter(|f| f.family() == Family::Cpumask).collect();
    assert_eq!(cpumask.len(), 26);
    for f in &cpumask {
        assert!(!has_kfunc(r(6, 1, 192), *f), "{f:?} on 6.1");
        assert!(has_kfunc(r(7, 3, 4), *f), "{f:?} on 7.3");
        let s = f.since();
        assert!(has_kfunc(r(s.major, s.minor, 0), *f));
    }
    assert!(!has_kfunc(r(6, 12, 118), Func::CpumaskPopulate));
    assert!(has_kfunc(r(6, 12, 118), Func::CpumaskWeight));
    assert!(!has_kfunc(r(7, 3, 0), Func::DynptrSize), "another family");
}

#[test]
fn populate_destination_rule() {
    use PopulateDst::*;
    assert_eq!(check_populate(r(6, 12, 0), BpfCpumask), Err(LoadRefusal::NoSuchKfunc(Func::CpumaskPopulate)));
    assert_eq!(LoadRefusal::NoSuchKfunc(Func::CpumaskPopulate).errno(), None);
    for (ma, mi, p) in [(6, 16, 12), (6, 18, 15), (7, 1, 13)] {
        assert_eq!(check_populate(r(ma, mi, p), Cpumask), Ok(()), "{ma}.{mi}.{p}");
    }
    for (ma, mi, p) in [(6, 18, 44), (7, 2, 0), (7, 3, 4)] {
        assert_eq!(check_populate(r(ma, mi, p), Cpumask), Err(LoadRefusal::DstNotBpfCpumask), "{ma}.{mi}.{p}");
        assert_eq!(check_populate(r(ma, mi, p), BpfCpumask), Ok(()));
    }
    assert_eq!(LoadRefusal::DstNotBpfCpumask.errno(), Some(bpf_model::Errno::EINVAL));
    assert!(r(7, 2, 0).has(Rule::CpumaskPopulateBpfCpumaskArg));
}

#[test]
fn a_kernel_without_the_family_has_no_allocator() {
    let old = KernelProfile::debian(6, 1).unwrap();
    let e = CpumaskAlloc::open(&old).unwrap_err();
    assert!(matches!(e, Unavailable::NoCpumaskKfuncs(v) if v.major == 6 && v.minor == 1), "{e:?}");
    assert!(e.to_string().contains("no cpumask kfuncs"), "{e}");
    assert!(CpumaskAlloc::new(&old).create().is_none());
    assert_eq!(CpumaskAlloc::new(&old).rules(), None);
    let twelve = CpumaskAlloc::open(&KernelProfile::debian(6, 12).unwrap()).unwrap();
    assert_eq!(twelve.rules().map(|r| (r.version().major, r.version().minor)), Some((6, 12)));
    let m = CpumaskAlloc::open(&KernelProfile::debian(6, 12).unwrap()).unwrap().create().unwrap();
    assert!(!m.has_kfunc(Func::CpumaskPopulate) && m.has_kfunc(Func::CpumaskFirstAnd));
    assert_eq!(m.rules().version().minor, 12);
    let mut bad = KernelProfile::debian(7, 3).unwrap();
    bad.version = KernelVersion::new(5, 15, 0);
    assert!(matches!(CpumaskAlloc::open(&bad), Err(Unavailable::Version(_))));
    bad = KernelProfile::debian(7, 3).unwrap();
    bad.nr_cpu_ids = 0;
    assert!(matches!(CpumaskAlloc::open(&bad), Err(Unavailable::Geometry(_))));
}
