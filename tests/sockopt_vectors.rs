//! The recorded kernel vectors of the sockopt area (`vectors/sockopt.jsonl`) cover the whitelist: every
//! settable option was set successfully and read back in the same case (options that cannot be read back
//! got the kernel's `-EINVAL` from the get), every get-only option was read successfully, and every
//! caller kind ran. The replay of the same file against the model is in `tests/vectors.rs`.

use bpf_model::sockopt::{Caller, SockOpt};
use bpf_model::vectors::sockopt::{SockoptCase, SockoptOutcome};
use bpf_model::vectors::{Header, Record};
use std::collections::BTreeSet;
use std::path::Path;

fn header() -> Header {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors/sockopt.jsonl");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(text.lines().next().unwrap_or_default()).expect("header line")
}

fn records() -> Vec<Record<SockoptCase, SockoptOutcome>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors/sockopt.jsonl");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad record {l}: {e}")))
        .collect()
}

#[test]
fn every_whitelisted_option_was_set_and_read_back_in_the_kernel() {
    let recs = records();
    assert!(recs.len() >= 1000, "only {} records", recs.len());
    let rules = header().profile.rules().expect("a kernel the model speaks for");
    let mut missing = Vec::new();
    for &opt in SockOpt::ALL {
        let (level, optname) = opt.raw();
        let of_opt = || recs.iter().filter(|r| r.case.level == level && r.case.optname == optname);
        // What the recorded kernel's whitelist lets succeed.
        let settable = opt.settable() && opt.set_avail().on(rules);
        let gettable = opt.gettable() && opt.get_avail().on(rules);
        let ok = match (settable, gettable) {
            // Set, then the get of the same case read it back.
            (true, true) => of_opt()
                .any(|r| r.case.set.is_some() && r.kernel.set_ret == 0 && r.case.get_len > 0 && r.kernel.get_ret == 0),
            // Set-only: the set succeeded and the get in the same case answered -EINVAL.
            (true, false) => of_opt().any(|r| {
                r.case.set.is_some() && r.kernel.set_ret == 0 && r.case.get_len > 0 && r.kernel.get_ret == -22
            }),
            // Get-only: a successful get (the SYN headers answer with their length).
            (false, true) => of_opt().any(|r| r.case.get_len > 0 && r.kernel.get_ret >= 0),
            (false, false) => true,
        };
        if !ok {
            missing.push(opt.name());
        }
    }
    assert!(missing.is_empty(), "not set and read back in the recorded vectors: {missing:?}");
}

#[test]
fn every_caller_and_family_ran() {
    let recs = records();
    let vehicles: BTreeSet<&str> = recs.iter().map(|r| r.case.vehicle.as_str()).collect();
    for v in
        ["sockops/tcp_connect", "sockops/active_established", "sockops/passive_established", "connect", "setsockopt"]
    {
        for fam in ["v4", "v6"] {
            let name = format!("{v}/{fam}");
            assert!(vehicles.contains(name.as_str()), "no records from {name}: {vehicles:?}");
        }
    }
    assert!(recs.iter().any(|r| r.case.caller == Caller::SockOps { op: 20 } && r.kernel.set_ret == -95));
    assert!(recs.iter().any(|r| r.case.caller == Caller::SockAddr));
    assert!(recs.iter().any(|r| r.case.caller == Caller::Locked));
    // bpf_sock_ops_cb_flags_set(): unsupported bits come back as the return, the rest reads back.
    assert!(recs.iter().any(|r| r.case.cb_flags_set && r.kernel.set_ret > 0 && r.kernel.get_ret == 0));
    // A request socket (not a full socket): sets fail with -EINVAL.
    assert!(recs.iter().any(|r| r.case.vehicle.starts_with("sockops/timeout_init_request") && r.kernel.set_ret == -22));
}

#[test]
fn the_model_agrees_with_every_recorded_kernel_outcome() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors/sockopt.jsonl");
    let replay = bpf_model::vectors::replay_area("sockopt", &path).unwrap_or_else(|e| panic!("{e}"));
    assert!(replay.cases >= 1000, "only {} cases", replay.cases);
    let first: Vec<String> = replay
        .mismatches
        .iter()
        .take(3)
        .map(|m| format!("line {}: {}\n kernel {}\n model {}", m.line, m.case, m.kernel, m.model))
        .collect();
    assert!(replay.mismatches.is_empty(), "{} mismatches:\n{}", replay.mismatches.len(), first.join("\n"));
    println!("vectors/sockopt.jsonl: {} kernel cases replayed, all agree", replay.cases);
}
