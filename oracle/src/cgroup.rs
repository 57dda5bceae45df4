//! A private cgroup v2 for socket programs, and loopback TCP connections made inside it.
//!
//! [`CgroupGuard::new`] makes `<cgroup2>/bpf-oracle-<pid>-<start>-<n>` and moves this process into it;
//! dropping the guard (on panic too) moves the process back and removes the directory. `<start>` is the
//! process's start time (clock ticks since boot, field 22 of `/proc/<pid>/stat`): with the PID it names
//! the owner, so [`remove_stale`] removes the directories of oracles that are gone (killed, say) even when
//! their PID has been reused since. Programs are
//! attached through [`CgroupGuard::attach`], which returns libbpf links: a link detaches when it drops,
//! and the guard keeps its links and drops them before it removes the cgroup.
//!
//! Moving the process affects every thread of it, so callers serialise socket tests with [`lock`].

use crate::kernel::OracleError;
use std::fs;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard};

/// Where cgroup v2 is mounted (`/sys/fs/cgroup/unified` on our machines, `/sys/fs/cgroup` on pure v2).
pub fn cgroup2_mount() -> Option<String> {
    let mounts = fs::read_to_string("/proc/mounts").ok()?;
    mounts.lines().find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        (f.len() > 2 && f[2] == "cgroup2").then(|| f[1].to_string())
    })
}

/// The process's cgroup v2 path (the `0::` line of `/proc/self/cgroup`).
fn own_cgroup() -> Option<String> {
    let text = fs::read_to_string("/proc/self/cgroup").ok()?;
    text.lines().find_map(|l| l.strip_prefix("0::")).map(str::to_string)
}

static SOCKET_TESTS: Mutex<()> = Mutex::new(());

/// Serialises the tests that move this process between cgroups.
pub fn lock() -> MutexGuard<'static, ()> {
    SOCKET_TESTS.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A child cgroup this process sits in while the guard lives.
pub struct CgroupGuard {
    path: PathBuf,
    home: PathBuf,
    dir: fs::File,
    links: Vec<libbpf_rs::Link>,
}

impl CgroupGuard {
    /// Makes a fresh child cgroup and moves this process into it. Stale `bpf-oracle-*` cgroups of
    /// oracles that are gone (left by a killed run) are removed first.
    pub fn new() -> Result<CgroupGuard, OracleError> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let mnt = cgroup2_mount().ok_or_else(|| OracleError::Unavailable(vec!["no cgroup v2 mount".into()]))?;
        let own = own_cgroup().ok_or_else(|| OracleError::Kernel("no 0:: line in /proc/self/cgroup".into()))?;
        remove_stale_in(&mnt);
        let home = PathBuf::from(format!("{mnt}{own}"));
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        let start = start_time(pid).ok_or_else(|| OracleError::Kernel(format!("no start time in /proc/{pid}/stat")))?;
        let path = PathBuf::from(&mnt).join(format!("{PREFIX}{pid}-{start}-{n}"));
        fs::create_dir(&path).map_err(|e| OracleError::kernel(&format!("mkdir {}", path.display()), e))?;
        let dir = match fs::File::open(&path) {
            Ok(d) => d,
            Err(e) => {
                let _ = fs::remove_dir(&path);
                return Err(OracleError::kernel(&format!("open {}", path.display()), e));
            }
        };
        let guard = CgroupGuard { path, home, dir, links: Vec::new() };
        move_self(&guard.path)?;
        Ok(guard)
    }

    /// The cgroup directory's file descriptor, for `attach_cgroup`.
    pub fn fd(&self) -> i32 {
        self.dir.as_raw_fd()
    }

    /// The cgroup's path.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Attaches `prog` to this cgroup; the link lives until the guard drops (or [`Self::detach_all`]).
    pub fn attach(&mut self, prog: &libbpf_rs::ProgramMut<'_>) -> Result<(), OracleError> {
        let link = prog.attach_cgroup(self.fd()).map_err(|e| OracleError::kernel("attach to cgroup", e))?;
        self.links.push(link);
        Ok(())
    }

    /// Detaches every program attached through this guard.
    pub fn detach_all(&mut self) {
        self.links.clear();
    }
}

impl Drop for CgroupGuard {
    fn drop(&mut self) {
        self.links.clear();
        // rmdir is EBUSY while a task is still inside; a thread of this process being created as the
        // process moves out can land there. Move out again and retry, for half a second at most.
        for _ in 0..50 {
            let _ = move_self(&self.home);
            match fs::remove_dir(&self.path) {
                Err(e) if e.raw_os_error() == Some(libc::EBUSY) => {
                    std::thread::sleep(std::time::Duration::from_millis(10))
                }
                _ => break,
            }
        }
    }
}

fn move_self(cgroup: &std::path::Path) -> Result<(), OracleError> {
    let procs = cgroup.join("cgroup.procs");
    fs::write(&procs, std::process::id().to_string())
        .map_err(|e| OracleError::kernel(&format!("writing {}", procs.display()), e))
}

/// The prefix of the oracle's cgroup directories.
pub const PREFIX: &str = "bpf-oracle-";

/// The start time of process `pid` in clock ticks since boot (field 22 of `/proc/<pid>/stat`, counted
/// after the command name, which may hold spaces and parentheses), or `None` when there is no such process.
pub fn start_time(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    // After ")": state is field 3, so starttime (field 22) is the 20th.
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// Whether the cgroup directory `name` is one of ours whose owner is gone: a `bpf-oracle-<pid>-<start>-<n>`
/// whose process no longer exists or has another start time (the PID was reused), or an older
/// `bpf-oracle-<pid>-<n>` (no oracle names its directories so any more).
pub fn is_stale(name: &str) -> bool {
    let Some(rest) = name.strip_prefix(PREFIX) else { return false };
    let parts: Vec<&str> = rest.split('-').collect();
    if !parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    match parts.as_slice() {
        [pid, start, _n] => match (pid.parse::<u32>(), start.parse::<u64>()) {
            (Ok(pid), Ok(start)) => start_time(pid) != Some(start),
            _ => false,
        },
        [_pid, _n] => true,
        _ => false,
    }
}

/// Removes the stale `bpf-oracle-*` cgroups ([`is_stale`]) under the cgroup v2 mount, whichever area
/// made them. Every oracle start calls it. A directory that still holds a process stays (`rmdir` refuses).
pub fn remove_stale() {
    if let Some(mnt) = cgroup2_mount() {
        remove_stale_in(&mnt);
    }
}

fn remove_stale_in(mnt: &str) {
    let Ok(entries) = fs::read_dir(mnt) else { return };
    for e in entries.flatten() {
        if is_stale(&e.file_name().to_string_lossy()) {
            let _ = fs::remove_dir(e.path());
        }
    }
}

/// A connected loopback TCP pair: the client's and the server's ends.
pub struct TcpPair {
    /// The connecting end.
    pub client: TcpStream,
    /// The accepted end.
    pub server: TcpStream,
}

/// Connects to a fresh listener on `127.0.0.1` (or `::1` when `v6`), and accepts.
pub fn tcp_pair(v6: bool) -> Result<TcpPair, OracleError> {
    let addr: SocketAddr = if v6 { (Ipv6Addr::LOCALHOST, 0).into() } else { (Ipv4Addr::LOCALHOST, 0).into() };
    let listener = TcpListener::bind(addr).map_err(|e| OracleError::kernel("bind loopback listener", e))?;
    let local = listener.local_addr().map_err(|e| OracleError::kernel("listener address", e))?;
    let client = TcpStream::connect(local).map_err(|e| OracleError::kernel("connect on loopback", e))?;
    let (server, _) = listener.accept().map_err(|e| OracleError::kernel("accept on loopback", e))?;
    Ok(TcpPair { client, server })
}
