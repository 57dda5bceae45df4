//! Loading and running the oracle's BPF programs in the live kernel.

use libbpf_rs::skel::{OpenSkel, SkelBuilder};
use libbpf_rs::{OpenObject, ProgramInput};
use std::fmt;
use std::mem::MaybeUninit;

/// What libbpf printed while a load was captured: see [`capture_libbpf_log`].
static LIBBPF_LOG: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());
/// One capture at a time: libbpf's print callback is process-wide, and tests load in parallel threads.
static CAPTURE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn collect_libbpf_log(_level: libbpf_rs::PrintLevel, msg: String) {
    LIBBPF_LOG.lock().unwrap_or_else(|e| e.into_inner()).push_str(&msg);
}

/// Runs `f` (a load) with libbpf's messages up to `level` captured, and returns its result and the text
/// (the verifier's log of a program that failed). Captures are serialized, so two threads' logs never mix.
pub fn capture_libbpf_log<T>(level: libbpf_rs::PrintLevel, f: impl FnOnce() -> T) -> (T, String) {
    let _one = CAPTURE.lock().unwrap_or_else(|e| e.into_inner());
    LIBBPF_LOG.lock().unwrap_or_else(|e| e.into_inner()).clear();
    let prev = libbpf_rs::set_print(Some((level, collect_libbpf_log)));
    let r = f();
    libbpf_rs::set_print(prev);
    (r, std::mem::take(&mut *LIBBPF_LOG.lock().unwrap_or_else(|e| e.into_inner())))
}

/// Why the oracle could not do what was asked.
#[derive(Debug)]
pub enum OracleError {
    /// The machine cannot load BPF; the strings say what is missing.
    Unavailable(Vec<String>),
    /// A libbpf or syscall error, with what was being done.
    Kernel(String),
    /// This kernel does not have the area at all (e.g. no cpumask kfuncs before 6.3): not a failure. An
    /// area's `open` returns it, with the reason, when the kernel lacks what every one of its cases needs.
    Absent(String),
}

impl fmt::Display for OracleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OracleError::Unavailable(why) => write!(f, "this machine cannot load BPF programs: {}", why.join("; ")),
            OracleError::Kernel(what) => f.write_str(what),
            OracleError::Absent(why) => write!(f, "this kernel does not have it: {why}"),
        }
    }
}

impl std::error::Error for OracleError {}

impl OracleError {
    /// Wraps a libbpf error with what was being done.
    pub fn kernel(what: &str, e: impl fmt::Display) -> OracleError {
        OracleError::Kernel(format!("{what}: {e}"))
    }

    /// The kernel lacks the area: `why` names what is missing (and since when kernels have it).
    pub fn absent(why: impl Into<String>) -> OracleError {
        OracleError::Absent(why.into())
    }
}

/// Opens and loads a skeleton. The small `OpenObject` storage is leaked so that the loaded skeleton can
/// live in the caller's struct; the programs and maps themselves are closed when the skeleton drops.
pub fn load<B>(builder: B, what: &str) -> Result<<B::Output as OpenSkel<'static>>::Output, OracleError>
where
    B: SkelBuilder<'static>,
{
    let storage: &'static mut MaybeUninit<OpenObject> = Box::leak(Box::new(MaybeUninit::uninit()));
    let open = builder.open(storage).map_err(|e| OracleError::kernel(&format!("opening {what}"), e))?;
    open.load().map_err(|e| OracleError::kernel(&format!("loading {what}"), e))
}

/// A plain-old-data argument struct that a BPF program reads and writes as raw bytes.
///
/// # Safety
/// Implement only for `#[repr(C)]` structs made of integers and arrays of integers (no padding the
/// program could leave uninitialised matters, no pointers, every bit pattern valid), such as the
/// `types::*_args` structs the skeletons generate.
pub unsafe trait Pod: Copy + 'static {}

/// The bytes of a [`Pod`] value, writable.
pub fn pod_bytes_mut<T: Pod>(v: &mut T) -> &mut [u8] {
    // SAFETY: `T: Pod` is a repr(C) struct of integers: every byte is initialised (skeleton args structs
    // are created with `Default`, which zeroes padding too, and the kernel writes whole bytes back), every
    // bit pattern is a valid `T`, and the slice borrows `v` mutably for its whole life.
    unsafe { std::slice::from_raw_parts_mut((v as *mut T).cast::<u8>(), size_of::<T>()) }
}

/// Runs a SYSCALL program once with `args` as its context (`BPF_PROG_TEST_RUN`, `ctx_in` only); the
/// kernel copies the context back into `args`. Returns the program's return value.
pub fn run_syscall<T: Pod>(prog: &libbpf_rs::ProgramMut<'_>, args: &mut T) -> Result<u32, OracleError> {
    if let Some(r) = crate::vm::run_syscall(prog, pod_bytes_mut(args)) {
        return r; // `--vm rbpf`: the same program in rbpf over the model
    }
    let input = ProgramInput { context_in: Some(pod_bytes_mut(args)), ..Default::default() };
    prog.test_run(input).map(|o| o.return_value).map_err(|e| OracleError::kernel("BPF_PROG_TEST_RUN (syscall)", e))
}

/// What a packet test run returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketRun {
    /// The program's return value (XDP action, TC verdict).
    pub retval: u32,
    /// The packet as the program left it.
    pub data_out: Vec<u8>,
}

/// Runs an XDP or TC (SCHED_CLS) program once on `packet` (`BPF_PROG_TEST_RUN` with `data_in`), with
/// `ctx_in` when given (`struct xdp_md` / `struct __sk_buff`) and `flags` (e.g.
/// `BPF_F_TEST_XDP_LIVE_FRAMES` is not used; fragments come from a packet longer than a page).
pub fn run_packet(
    prog: &libbpf_rs::ProgramMut<'_>,
    packet: &[u8],
    ctx_in: Option<&mut [u8]>,
    out_cap: usize,
) -> Result<PacketRun, OracleError> {
    let mut out = vec![0u8; out_cap];
    let input =
        ProgramInput { data_in: Some(packet), data_out: Some(&mut out), context_in: ctx_in, ..Default::default() };
    let o = prog.test_run(input).map_err(|e| OracleError::kernel("BPF_PROG_TEST_RUN (packet)", e))?;
    let retval = o.return_value;
    let n = o.data.as_ref().map_or(0, |d| d.len());
    out.truncate(n);
    Ok(PacketRun { retval, data_out: out })
}

/// Makes one cheap syscall (`getppid`) from the calling thread, the trigger of a `tp_btf/sys_enter`
/// program filtered on this process.
pub fn trigger_syscall() {
    // SAFETY: getppid takes no arguments, cannot fail and touches no memory of ours.
    unsafe {
        libc::syscall(libc::SYS_getppid);
    }
}

/// The kernel release (`uname -r`).
pub fn release() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease").map(|s| s.trim().to_string()).unwrap_or_default()
}

/// Skeletons of the programs in `oracle/bpf/`, one module per `<name>.bpf.c` (generated by `build.rs`).
pub mod skel {
    #![allow(missing_docs, clippy::all)]
    include!(concat!(env!("OUT_DIR"), "/skels.rs"));
}
