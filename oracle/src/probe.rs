//! Can this machine load BPF programs? And if not, why not.

use crate::kernel::{self, skel, OracleError};

/// What the probe found.
#[derive(Debug, Clone)]
pub struct Probe {
    /// `uname -r`.
    pub release: String,
    /// What is missing for the oracle to run; empty when everything works.
    pub missing: Vec<String>,
    /// Where cgroup v2 is mounted, if it is.
    pub cgroup2: Option<String>,
    /// The clang that compiled the BPF programs.
    pub clang: &'static str,
}

impl Probe {
    /// True when BPF programs load and run here.
    pub fn ok(&self) -> bool {
        self.missing.is_empty()
    }

    /// `Ok` when the oracle can run, else [`OracleError::Unavailable`] with the reasons.
    pub fn require(&self) -> Result<(), OracleError> {
        if self.ok() {
            Ok(())
        } else {
            Err(OracleError::Unavailable(self.missing.clone()))
        }
    }
}

/// The clang that compiled the BPF programs of `oracle/bpf/` (found by `build.rs`).
pub const CLANG: &str = env!("ORACLE_CLANG");

const CAP_SYS_ADMIN: u32 = 21;
const CAP_PERFMON: u32 = 38;
const CAP_BPF: u32 = 39;
const CAP_NET_ADMIN: u32 = 12;

/// Checks privileges (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, or CAP_SYS_ADMIN), BTF, the JIT, cgroup v2,
/// then loads and runs a one-line SYSCALL program.
pub fn probe() -> Probe {
    let mut missing = Vec::new();
    match effective_caps() {
        Some(caps) => {
            let has = |c: u32| caps & (1u64 << c) != 0;
            let admin = has(CAP_SYS_ADMIN);
            for (cap, name) in [(CAP_BPF, "CAP_BPF"), (CAP_PERFMON, "CAP_PERFMON"), (CAP_NET_ADMIN, "CAP_NET_ADMIN")] {
                if !has(cap) && !admin {
                    missing.push(format!("no {name} (run as root)"));
                }
            }
        }
        None => missing.push("cannot read CapEff from /proc/self/status".into()),
    }
    if !std::path::Path::new("/sys/kernel/btf/vmlinux").exists() {
        missing.push("no BTF: /sys/kernel/btf/vmlinux is missing (CONFIG_DEBUG_INFO_BTF)".into());
    }
    match std::fs::read_to_string("/proc/sys/net/core/bpf_jit_enable") {
        Ok(v) if v.trim() != "0" => {}
        Ok(_) => missing.push("the BPF JIT is off (net.core.bpf_jit_enable = 0)".into()),
        Err(_) => missing.push("no BPF JIT (/proc/sys/net/core/bpf_jit_enable is missing)".into()),
    }
    let cgroup2 = crate::cgroup::cgroup2_mount();
    if cgroup2.is_none() {
        missing.push("no cgroup v2 mount in /proc/mounts".into());
    }
    if missing.is_empty() {
        if let Err(e) = run_probe_program() {
            missing.push(e.to_string());
        }
    }
    Probe { release: kernel::release(), missing, cgroup2, clang: CLANG }
}

fn effective_caps() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let hex = status.lines().find_map(|l| l.strip_prefix("CapEff:"))?.trim();
    u64::from_str_radix(hex, 16).ok()
}

fn run_probe_program() -> Result<(), OracleError> {
    let skel = kernel::load(skel::probe::ProbeSkelBuilder::default(), "probe.bpf.c")?;
    let mut args = skel::probe::types::probe_args { r#in: 41, out: 0 };
    kernel::run_syscall(&skel.progs.probe, &mut args)?;
    if args.out != 42 {
        return Err(OracleError::Kernel(format!("probe program returned {} for 41, expected 42", args.out)));
    }
    Ok(())
}

// SAFETY: a repr(C) struct of two u64.
unsafe impl kernel::Pod for skel::probe::types::probe_args {}
