//! `--vm rbpf`: the oracle's own BPF programs (the same objects the kernel loads) run in rbpf over the
//! model instead of in the kernel, on the same generated cases, with the same comparison.
//!
//! [`enable`] installs the runner for this thread; [`crate::kernel::run_syscall`] then hands each SYSCALL
//! test run here. The area loads its skeleton into the kernel as usual (its inputs go into the kernel's
//! global sections, its outputs are read from them); around the rbpf run the global sections are copied
//! from the kernel's maps into the environment's and back (`.bss`, `.data`: both ways; `.rodata`: in), so
//! the area's code is the same for both runtimes.
//!
//! Areas: cpumask. The dynptr area also drives SKB, XDP and SKB_META dynptrs from TC, cgroup_skb and XDP
//! test runs (no packet contexts in the environment), and the ringbuf area reads the kernel's ring from
//! user space and uses `bpf_loop` (a BPF callback, which rbpf cannot make from a helper); neither runs here.

use crate::kernel::OracleError;
use bpf_model::embed::{rbpf, Env};
use bpf_model::KernelProfile;
use libbpf_rs::{MapCore, MapFlags, MapHandle};
use std::cell::RefCell;
use std::os::fd::{AsFd, AsRawFd};

/// The areas `--vm rbpf` runs.
pub const AREAS: &[&str] = &["cpumask"];

/// The objects the areas load, as the build compiled them.
const OBJECTS: &[(&str, &[u8])] = &[("cpumask", include_bytes!(concat!(env!("OUT_DIR"), "/cpumask.bpf.o")))];

struct Runner {
    env: Env,
    objects: Vec<rbpf::Object>,
}

thread_local! {
    static RUNNER: RefCell<Option<Runner>> = const { RefCell::new(None) };
}

/// Routes this thread's SYSCALL test runs to rbpf over the model for `profile`'s kernel.
pub fn enable(profile: &KernelProfile) -> Result<(), OracleError> {
    let mut env = Env::new(profile.clone()).map_err(|e| OracleError::Kernel(format!("environment: {e}")))?;
    let mut objects = Vec::new();
    for (name, elf) in OBJECTS {
        objects.push(rbpf::load(&mut env, elf).map_err(|e| OracleError::Kernel(format!("{name}.bpf.o: {e}")))?);
    }
    RUNNER.with(|r| *r.borrow_mut() = Some(Runner { env, objects }));
    Ok(())
}

/// True when [`enable`] was called on this thread.
pub fn enabled() -> bool {
    RUNNER.with(|r| r.borrow().is_some())
}

/// The ids of the maps `prog` uses.
fn map_ids(prog: &libbpf_rs::ProgramMut<'_>) -> Result<Vec<u32>, OracleError> {
    let fd = prog.as_fd().as_raw_fd();
    let mut info = libbpf_rs::libbpf_sys::bpf_prog_info::default();
    let mut len = size_of::<libbpf_rs::libbpf_sys::bpf_prog_info>() as u32;
    // SAFETY: `info` is a zeroed `bpf_prog_info` of `len` bytes that the kernel fills; no pointers in it
    // are set, so the kernel writes only into `info`.
    let r = unsafe { libbpf_rs::libbpf_sys::bpf_prog_get_info_by_fd(fd, &mut info, &mut len) };
    if r != 0 {
        return Err(OracleError::Kernel(format!("bpf_prog_get_info_by_fd: {r}")));
    }
    let mut ids = vec![0u32; info.nr_map_ids as usize];
    let mut info2 = libbpf_rs::libbpf_sys::bpf_prog_info {
        nr_map_ids: ids.len() as u32,
        map_ids: ids.as_mut_ptr() as u64,
        ..Default::default()
    };
    let mut len = size_of::<libbpf_rs::libbpf_sys::bpf_prog_info>() as u32;
    // SAFETY: `map_ids` points at `nr_map_ids` writable u32s that outlive the call.
    let r = unsafe { libbpf_rs::libbpf_sys::bpf_prog_get_info_by_fd(fd, &mut info2, &mut len) };
    if r != 0 {
        return Err(OracleError::Kernel(format!("bpf_prog_get_info_by_fd: {r}")));
    }
    ids.truncate(info2.nr_map_ids as usize);
    Ok(ids)
}

/// The kernel's global-section maps of `prog`: `(suffix, map)` for `.bss`, `.data`, `.rodata`.
fn globals(prog: &libbpf_rs::ProgramMut<'_>) -> Result<Vec<(&'static str, MapHandle)>, OracleError> {
    let mut out = Vec::new();
    for id in map_ids(prog)? {
        let m = MapHandle::from_map_id(id).map_err(|e| OracleError::kernel("map by id", e))?;
        let name = m.name().to_string_lossy().into_owned();
        for suffix in [".bss", ".data", ".rodata"] {
            if name.ends_with(suffix) {
                out.push((suffix, m));
                break;
            }
        }
    }
    Ok(out)
}

/// Runs `prog` in rbpf with `ctx` if [`enable`] was called; `None` otherwise.
pub fn run_syscall(prog: &libbpf_rs::ProgramMut<'_>, ctx: &mut [u8]) -> Option<Result<u32, OracleError>> {
    if !enabled() {
        return None;
    }
    Some(run(prog, ctx))
}

fn run(prog: &libbpf_rs::ProgramMut<'_>, ctx: &mut [u8]) -> Result<u32, OracleError> {
    let name = prog.name().to_string_lossy().into_owned();
    let globals = globals(prog)?;
    RUNNER.with(|r| {
        let mut r = r.borrow_mut();
        let runner = r.as_mut().ok_or_else(|| OracleError::Kernel("rbpf runner gone".into()))?;
        let (obj, p) = runner
            .objects
            .iter()
            .find_map(|o| o.program(&name).map(|p| (o, p)))
            .ok_or_else(|| OracleError::Kernel(format!("program {name} is not in an rbpf object")))?;
        let handle = |suffix: &str| obj.maps().iter().find(|(n, _)| n == suffix).map(|&(_, h)| h);
        for (suffix, m) in &globals {
            let v = m
                .lookup(&0u32.to_ne_bytes(), MapFlags::ANY)
                .map_err(|e| OracleError::kernel("read a global section", e))?
                .unwrap_or_default();
            if let Some(h) = handle(suffix) {
                runner.env.write_array(h, 0, &v);
            }
        }
        let ret = rbpf::run(&mut runner.env, p, ctx).map_err(|e| OracleError::Kernel(format!("rbpf: {e}")))?;
        for (suffix, m) in &globals {
            if *suffix == ".rodata" {
                continue;
            }
            if let Some(bytes) = handle(suffix).and_then(|h| runner.env.array_bytes(h)) {
                let n = m.value_size() as usize;
                m.update(&0u32.to_ne_bytes(), &bytes[..n.min(bytes.len())], MapFlags::ANY)
                    .map_err(|e| OracleError::kernel("write a global section", e))?;
            }
        }
        Ok(ret as u32)
    })
}
