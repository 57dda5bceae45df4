//! The oracle's vehicles, each proved in the live kernel: SYSCALL test runs, a tp_btf program triggered by
//! our own syscall, XDP and TC test runs, sock_ops in a private cgroup over loopback TCP (IPv4 and IPv6),
//! the cleanup of that cgroup (after a panic, SIGINT and SIGKILL too), and `KernelProfile::detect()` on this
//! machine.

use bpf_oracle::cgroup::{self, CgroupGuard};
use bpf_oracle::kernel::{self, skel::vehicles as skel};
use bpf_oracle::testing::kernel_available;

fn load() -> skel::VehiclesSkel<'static> {
    kernel::load(skel::VehiclesSkelBuilder::default(), "vehicles.bpf.c").expect("load vehicles.bpf.c")
}

#[test]
fn tp_btf_program_sees_our_own_syscall() {
    if !kernel_available("tp_btf_program_sees_our_own_syscall") {
        return;
    }
    let mut s = load();
    s.maps.bss_data.as_deref_mut().unwrap().target_tgid = std::process::id();
    let _link = s.progs.on_sys_enter.attach().expect("attach tp_btf/sys_enter");
    let before = s.maps.bss_data.as_deref().unwrap().sys_enter_hits;
    kernel::trigger_syscall();
    let bss = s.maps.bss_data.as_deref().unwrap();
    assert!(bss.sys_enter_hits > before, "the tracing program did not run");
    // Other threads of the test binary may make syscalls too; ours was the getppid at least once.
    assert!(bss.last_syscall_nr < 512, "syscall number {}", bss.last_syscall_nr);
}

#[test]
fn xdp_and_tc_test_runs_see_and_change_the_packet() {
    if !kernel_available("xdp_and_tc_test_runs_see_and_change_the_packet") {
        return;
    }
    let s = load();
    let packet: Vec<u8> = (0..64u8).collect();
    let xdp = kernel::run_packet(&s.progs.xdp_mark, &packet, None, 4096).expect("xdp test run");
    assert_eq!(xdp.retval, 2, "XDP_PASS");
    assert_eq!(xdp.data_out[0], 0xEE);
    assert_eq!(&xdp.data_out[1..], &packet[1..]);
    let tc = kernel::run_packet(&s.progs.tc_len, &packet, None, 4096).expect("tc test run");
    assert_eq!(tc.retval, 64, "skb->len");
    assert_eq!(tc.data_out, packet);
}

#[test]
fn sock_ops_in_a_private_cgroup_on_loopback_then_nothing_left_behind() {
    if !kernel_available("sock_ops_in_a_private_cgroup_on_loopback_then_nothing_left_behind") {
        return;
    }
    const ACTIVE_ESTABLISHED: usize = 4;
    const PASSIVE_ESTABLISHED: usize = 5;
    const TCP_CONNECT: usize = 3;
    let _serial = cgroup::lock();
    let s = load();
    let path;
    {
        let mut guard = CgroupGuard::new().expect("private cgroup");
        path = guard.path().to_path_buf();
        guard.attach(&s.progs.sockops_count).expect("attach sock_ops");
        for v6 in [false, true] {
            let _pair = cgroup::tcp_pair(v6).expect("loopback pair");
        }
        let bss = s.maps.bss_data.as_deref().unwrap();
        assert_eq!(bss.sockops_ops[TCP_CONNECT], 2, "one TCP_CONNECT per connection");
        assert_eq!(bss.sockops_ops[ACTIVE_ESTABLISHED], 2);
        assert_eq!(bss.sockops_ops[PASSIVE_ESTABLISHED], 2);
        assert_eq!(bss.sockops_family[ACTIVE_ESTABLISHED], libc::AF_INET6 as u32, "the last one was IPv6");
    }
    assert!(!path.exists(), "cgroup {} left behind", path.display());
    let own = std::fs::read_to_string("/proc/self/cgroup").unwrap();
    assert!(!own.contains("bpf-oracle-"), "still in the oracle's cgroup: {own}");
}

#[test]
fn cgroup_is_removed_on_panic_too() {
    if !kernel_available("cgroup_is_removed_on_panic_too") {
        return;
    }
    let _serial = cgroup::lock();
    let path = std::sync::Mutex::new(None);
    let r = std::panic::catch_unwind(|| {
        let guard = CgroupGuard::new().expect("private cgroup");
        *path.lock().unwrap() = Some(guard.path().to_path_buf());
        panic!("deliberate");
    });
    assert!(r.is_err());
    let path = path.lock().unwrap().clone().unwrap();
    assert!(!path.exists(), "cgroup {} left behind after a panic", path.display());
}

#[test]
fn profile_detect_reads_everything_here() {
    if !kernel_available("profile_detect_reads_everything_here") {
        return;
    }
    let d = bpf_model::KernelProfile::detect();
    assert!(d.complete(), "could not read: {:?}", d.missing);
    let p = d.profile;
    assert_eq!(p.release, kernel::release());
    let possible = std::fs::read_to_string("/sys/devices/system/cpu/possible").unwrap();
    assert!(possible.trim().ends_with(&(p.nr_cpu_ids - 1).to_string()));
    assert!(p.nr_cpus >= p.nr_cpu_ids);
    assert!([100, 250, 300, 1000].contains(&p.hz));
    assert_eq!(p.page_size, 4096);
}

/// The oracle's cgroup directories of process `pid` under the cgroup v2 mount.
fn oracle_cgroups_of(pid: u32) -> Vec<std::path::PathBuf> {
    let mnt = cgroup::cgroup2_mount().expect("cgroup2 mount");
    let prefix = format!("{}{pid}-", cgroup::PREFIX);
    std::fs::read_dir(mnt)
        .expect("read the cgroup2 mount")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect()
}

/// Polls `f` every 20 ms for at most `secs` seconds.
fn wait_until<T>(secs: u64, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if std::time::Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Starts a long sockopt run of the oracle and waits (at most 60 s) until it sits in its private cgroup.
fn oracle_in_its_cgroup() -> (std::process::Child, std::path::PathBuf) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_bpf-oracle"))
        .args(["conformance", "--area", "sockopt", "--cases", "100000000"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start bpf-oracle");
    let pid = child.id();
    match wait_until(60, || oracle_cgroups_of(pid).into_iter().next()) {
        Some(dir) => (child, dir),
        None => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("bpf-oracle (pid {pid}) made no cgroup within 60 s");
        }
    }
}

/// Waits at most 60 s for the child to end (then kills it and fails).
fn wait_bounded(child: &mut std::process::Child) -> std::process::ExitStatus {
    match wait_until(60, || child.try_wait().expect("wait for bpf-oracle")) {
        Some(status) => status,
        None => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("bpf-oracle did not end within 60 s of the signal");
        }
    }
}

#[test]
fn a_killed_oracle_leaves_nothing_that_the_next_run_of_another_area_does_not_remove() {
    use std::os::unix::process::ExitStatusExt;
    if !kernel_available("a_killed_oracle_leaves_nothing_that_the_next_run_of_another_area_does_not_remove") {
        return;
    }
    // The children start in this process's cgroup: keep the other tests from moving us meanwhile.
    let _serial = cgroup::lock();
    let oracle = env!("CARGO_BIN_EXE_bpf-oracle");

    // SIGKILL: no clean-up is possible, the empty cgroup stays until the next oracle starts.
    let (mut child, dir) = oracle_in_its_cgroup();
    let pid = child.id();
    // SAFETY: sending a signal to our own child process, which has not been waited for (its PID is ours).
    assert_eq!(unsafe { libc::kill(pid as i32, libc::SIGKILL) }, 0);
    let status = wait_bounded(&mut child);
    assert_eq!(status.signal(), Some(libc::SIGKILL));
    assert!(dir.exists(), "{} is gone before any other oracle ran", dir.display());
    // A stale directory of a reused PID: this live process's PID with another start time. And a
    // directory of a live owner (this process, its real start time), which must stay.
    let me = std::process::id();
    let start = cgroup::start_time(me).expect("our own start time");
    let mnt = std::path::PathBuf::from(cgroup::cgroup2_mount().unwrap());
    let reused = mnt.join(format!("{}{me}-{}-990", cgroup::PREFIX, start + 1));
    let live = mnt.join(format!("{}{me}-{start}-991", cgroup::PREFIX));
    std::fs::create_dir(&reused).expect("mkdir a stale cgroup");
    std::fs::create_dir(&live).expect("mkdir a live cgroup");
    // The next run, of another area (ringbuf uses no cgroup), removes what the killed one left.
    let next = std::process::Command::new(oracle)
        .args(["conformance", "--area", "ringbuf", "--cases", "3"])
        .output()
        .expect("run bpf-oracle");
    assert!(next.status.code().is_some(), "the next run ended by a signal: {:?}", next.status);
    assert!(!dir.exists(), "{} left behind by the SIGKILLed oracle {pid}", dir.display());
    assert!(!reused.exists(), "{} (a reused PID) left behind", reused.display());
    let live_kept = live.exists();
    let _ = std::fs::remove_dir(&live);
    assert!(live_kept, "{} of a live oracle was removed", live.display());

    // SIGINT: the oracle cleans up itself and ends with the signal's status.
    let (mut child, dir) = oracle_in_its_cgroup();
    let pid = child.id();
    // SAFETY: as above.
    assert_eq!(unsafe { libc::kill(pid as i32, libc::SIGINT) }, 0);
    let status = wait_bounded(&mut child);
    assert_eq!(status.signal(), Some(libc::SIGINT), "exit status {status:?}");
    assert!(!dir.exists(), "{} left behind after SIGINT", dir.display());
    assert!(oracle_cgroups_of(pid).is_empty(), "cgroups of {pid} left: {:?}", oracle_cgroups_of(pid));
}

#[test]
fn version_names_the_crate_version_and_the_kernels() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_bpf-oracle")).arg("--version").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let want = format!("bpf-oracle {} (kernels 6.1 to 7.3; BPF objects compiled with ", env!("CARGO_PKG_VERSION"));
    assert!(text.starts_with(&want), "{text}");
}
