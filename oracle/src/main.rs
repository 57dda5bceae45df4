//! `bpf-oracle`: the conformance run of bpf-model against the live kernel.
//!
//! ```text
//! bpf-oracle conformance [--cases N] [--seed S] [--area A]... [--record [DIR]] [--record-limit N] [--vm rbpf]
//! bpf-oracle probe
//! bpf-oracle profile
//! bpf-oracle explain FUNCTION
//! bpf-oracle --version
//! ```

use bpf_model::vectors::AREAS;
use bpf_model::KernelProfile;
use bpf_oracle::areas;
use bpf_oracle::conformance::{self, RunOpts};
use bpf_oracle::probe::probe;
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage:
  bpf-oracle conformance [--cases N] [--seed S] [--area AREA]... [--record [DIR]] [--record-limit N] [--vm rbpf]
      Runs generated cases of every area (or the named ones) through bpf-model and the live kernel.
      Areas: dynptr, ringbuf, cpumask, sockopt, availability. --record writes the kernel's outcomes to
      DIR/<area>.jsonl (default DIR: vectors). Exits non-zero if any area disagrees. --vm rbpf runs the
      same programs in rbpf over the model instead of the kernel (areas: cpumask).
  bpf-oracle probe      Says whether this machine can load BPF programs, and why not.
  bpf-oracle profile    Prints the KernelProfile detected from this system.
  bpf-oracle --version  Prints the oracle's version, the kernels the model covers and the clang it used.
  bpf-oracle explain FUNCTION
      Prints the page of a modelled helper or kfunc (bpf_setsockopt, bpf_cpumask_populate, ...): what it
      does, parameters, returns, signature, program types with versions, check order, and per program the
      model's verdict next to the live kernel's verifier verdict.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Whatever a killed oracle left behind (its private cgroups), whichever area it ran.
    bpf_oracle::cgroup::remove_stale();
    let result = match args.first().map(String::as_str) {
        Some("conformance") => conformance(&args[1..]),
        Some("probe") => probe_cmd(),
        Some("profile") => profile_cmd(),
        Some("explain") => explain_cmd(&args[1..]),
        Some("-V" | "--version") => {
            println!("{}", version_text());
            Ok(ExitCode::SUCCESS)
        }
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("{msg}");
            ExitCode::from(2)
        }
    }
}

/// `bpf-oracle 0.1.0 (kernels 6.1 to 7.3; BPF objects compiled with /usr/bin/clang-19)`.
fn version_text() -> String {
    let (major, minor) = bpf_model::version::NEWEST_SERIES;
    let oldest = bpf_model::version::OLDEST;
    format!(
        "bpf-oracle {} (kernels {}.{} to {major}.{minor}; BPF objects compiled with {})",
        env!("CARGO_PKG_VERSION"),
        oldest.major,
        oldest.minor,
        bpf_oracle::probe::CLANG
    )
}

fn probe_cmd() -> Result<ExitCode, String> {
    let p = probe();
    println!("kernel {}; clang {}; cgroup2 at {}", p.release, p.clang, p.cgroup2.as_deref().unwrap_or("(none)"));
    if p.ok() {
        println!("BPF: ok (a SYSCALL program loaded and ran)");
        Ok(ExitCode::SUCCESS)
    } else {
        for m in &p.missing {
            println!("BPF: missing: {m}");
        }
        Ok(ExitCode::FAILURE)
    }
}

fn profile_cmd() -> Result<ExitCode, String> {
    let d = KernelProfile::detect();
    println!("{:#?}", d.profile);
    for (what, why) in &d.missing {
        println!("could not read {what}: {why}");
    }
    Ok(if d.complete() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn explain_cmd(args: &[String]) -> Result<ExitCode, String> {
    let [name] = args else { return Err(format!("explain needs one function name\n{USAGE}")) };
    let profile = KernelProfile::detect().profile;
    let page = areas::availability::explain(name, &profile, probe().ok())?;
    print!("{page}");
    Ok(ExitCode::SUCCESS)
}

fn parse_num(flag: &str, v: Option<&String>) -> Result<u64, String> {
    let v = v.ok_or_else(|| format!("{flag} needs a value"))?;
    v.replace('_', "").parse().map_err(|_| format!("{flag}: not a number: {v}"))
}

fn conformance(args: &[String]) -> Result<ExitCode, String> {
    let mut opts = RunOpts { progress: true, ..RunOpts::default() };
    let mut wanted: Vec<String> = Vec::new();
    let mut vm = false;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--cases" => {
                opts.cases = Some(parse_num("--cases", args.get(i + 1))?);
                i += 1;
            }
            "--seed" => {
                opts.seed = parse_num("--seed", args.get(i + 1))?;
                i += 1;
            }
            "--area" => {
                let a = args.get(i + 1).ok_or("--area needs a value")?;
                if !AREAS.contains(&a.as_str()) {
                    return Err(format!("unknown area {a:?}; areas: {}", AREAS.join(", ")));
                }
                wanted.push(a.clone());
                i += 1;
            }
            "--record" => {
                let dir = match args.get(i + 1) {
                    Some(d) if !d.starts_with("--") => {
                        i += 1;
                        d.clone()
                    }
                    _ => "vectors".to_string(),
                };
                opts.record_dir = Some(PathBuf::from(dir));
            }
            "--vm" => {
                match args.get(i + 1).map(String::as_str) {
                    Some("rbpf") => vm = true,
                    Some("kernel") => vm = false,
                    other => return Err(format!("--vm takes rbpf or kernel, not {other:?}")),
                }
                i += 1;
            }
            "--record-limit" => {
                opts.record_limit = parse_num("--record-limit", args.get(i + 1))? as usize;
                i += 1;
            }
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
        i += 1;
    }
    let p = probe();
    if !p.ok() {
        eprintln!("bpf-oracle conformance: this machine cannot load BPF programs:");
        for m in &p.missing {
            eprintln!("  - {m}");
        }
        return Ok(ExitCode::FAILURE);
    }
    let detected = KernelProfile::detect();
    for (what, why) in &detected.missing {
        eprintln!("note: profile: could not read {what}: {why}");
    }
    let profile = detected.profile;
    println!(
        "conformance: kernel {} ({}), nr_cpu_ids={} NR_CPUS={} HZ={}, {} cases per area, seed {}",
        p.release,
        profile.arch,
        profile.nr_cpu_ids,
        profile.nr_cpus,
        profile.hz,
        opts.cases.map_or("the default number of".to_string(), |n| n.to_string()),
        opts.seed
    );
    let all: &[&str] = if vm { bpf_oracle::vm::AREAS } else { &AREAS };
    if vm {
        if opts.record_dir.is_some() {
            return Err("--record records the kernel's outcomes; it does not go with --vm rbpf".into());
        }
        if let Some(w) = wanted.iter().find(|w| !all.contains(&w.as_str())) {
            return Err(format!("--vm rbpf runs {}, not {w} (see oracle/src/vm.rs)", all.join(", ")));
        }
        bpf_oracle::vm::enable(&profile).map_err(|e| e.to_string())?;
    }
    let areas: Vec<&str> = if wanted.is_empty() {
        all.to_vec()
    } else {
        all.iter().copied().filter(|a| wanted.iter().any(|w| w == a)).collect()
    };
    conformance::stop_on_signals();
    let mut reports = Vec::new();
    for a in areas {
        // Each area's objects (links, programs, maps, cgroup) are dropped when `run_area` returns.
        reports.push(areas::run_area(a, &opts, &profile));
        if conformance::interrupted().is_some() {
            break;
        }
    }
    for r in &reports {
        print!("{}", r.table());
    }
    for r in &reports {
        if let Some(reason) = r.reason_line() {
            println!("{reason}");
        }
        let line = r.summary_line();
        if vm {
            println!(
                "{}",
                line.replacen(&format!("conformance {}:", r.area), &format!("conformance {} (rbpf):", r.area), 1)
            );
        } else {
            println!("{line}");
        }
    }
    if let Some(sig) = conformance::interrupted() {
        eprintln!("bpf-oracle conformance: stopped by signal {sig}; cleaned up");
        let _ = std::io::Write::flush(&mut std::io::stdout());
        conformance::exit_with_signal(sig);
    }
    Ok(if reports.iter().all(|r| r.passed()) { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
