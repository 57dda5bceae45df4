//! The oracle's vehicles, each proved in the live kernel: SYSCALL test runs, a tp_btf program triggered by
//! our own syscall, XDP and TC test runs, sock_ops in a private cgroup over loopback TCP (IPv4 and IPv6),
//! the cleanup of that cgroup, and `KernelProfile::detect()` on this machine.

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
