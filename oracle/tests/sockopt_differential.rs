//! `bpf_setsockopt` / `bpf_getsockopt` in the live kernel against `bpf_model::sockopt`: generated batches
//! on loopback TCP (IPv4 and IPv6) through every vehicle of the area (sock_ops callbacks including a
//! request socket and the unlocked TX-timestamping callback, cgroup connect4/connect6, cgroup/setsockopt on
//! client, accepted, listening and unconnected sockets); and the same in a network namespace of its own
//! whose sysctls are not the defaults, so that every socket default the kernel takes from a sysctl is
//! judged against the profile.

use bpf_model::version::Rule;
use bpf_model::KernelProfile;
use bpf_oracle::areas::sockopt::SockoptArea;
use bpf_oracle::conformance::{run, RunOpts};
use bpf_oracle::testing::{differential, kernel_available};
use std::time::Duration;

#[test]
fn sockopt_batches_agree_with_the_kernel() {
    if !kernel_available("sockopt_batches_agree_with_the_kernel") {
        return;
    }
    let mut n = 0;
    for seed in [11, 12] {
        n += differential::<SockoptArea>(5_000, seed);
    }
    assert!(n >= 10_000, "only {n} cases ran in the kernel");
}

/// `ifconfig lo up` in the calling thread's network namespace.
fn loopback_up() -> std::io::Result<()> {
    // SAFETY: plain socket(2); the result is checked and closed below.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: an all-zero ifreq is valid; the name is "lo" with its NUL, well inside IFNAMSIZ.
    let mut ifr: libc::ifreq = unsafe { std::mem::zeroed() };
    for (d, s) in ifr.ifr_name.iter_mut().zip(b"lo\0") {
        *d = *s as libc::c_char;
    }
    // SAFETY: `ifr` lives across both calls and is the struct these requests take; `fd` is open.
    let r = unsafe {
        if libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut ifr) != 0 {
            -1
        } else {
            ifr.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
            libc::ioctl(fd, libc::SIOCSIFFLAGS, &ifr)
        }
    };
    let err = std::io::Error::last_os_error();
    // SAFETY: `fd` is ours and closed once.
    unsafe { libc::close(fd) };
    if r != 0 {
        return Err(err);
    }
    Ok(())
}

#[test]
fn socket_defaults_follow_the_namespace_sysctls() {
    if !kernel_available("socket_defaults_follow_the_namespace_sysctls") {
        return;
    }
    let host = KernelProfile::detect().profile;
    let rules = host.rules().expect("the host kernel is one the model speaks for");
    let mut changes = vec![
        ("net.ipv4.tcp_keepalive_time", "1234"),
        ("net.ipv4.tcp_keepalive_intvl", "33"),
        ("net.ipv4.tcp_keepalive_probes", "4"),
        ("net.ipv4.tcp_syn_retries", "3"),
        ("net.ipv6.auto_flowlabels", "0"),
        ("net.core.txrehash", "0"),
    ];
    if rules.has(Rule::SockoptRtoMinSysctl) {
        changes.push(("net.ipv4.tcp_rto_min_us", "100000"));
    }
    if rules.has(Rule::SockoptRtoMaxSysctl) {
        changes.push(("net.ipv4.tcp_rto_max_ms", "60000"));
    }
    let host_keepalive = std::fs::read_to_string("/proc/sys/net/ipv4/tcp_keepalive_time").expect("sysctl");
    // The thread's own network namespace: its sysctls, its loopback, its sockets; nothing outside changes,
    // and it goes away with the thread, on panic too.
    let worker = std::thread::spawn(move || {
        // SAFETY: unshare(2) of the calling thread's network namespace only.
        assert_eq!(unsafe { libc::unshare(libc::CLONE_NEWNET) }, 0, "unshare: {}", std::io::Error::last_os_error());
        loopback_up().expect("loopback up in the new namespace");
        let mut profile = host.clone();
        for (name, value) in &changes {
            let path = format!("/proc/sys/{}", name.replace('.', "/"));
            std::fs::write(&path, value).unwrap_or_else(|e| panic!("{path}: {e}"));
        }
        // What the namespace holds now, as detect() reads it (the per-namespace sysctls).
        let inside = KernelProfile::detect().profile;
        for (name, value) in &changes {
            assert_eq!(inside.sysctl(name), Some(*value), "{name} in the new namespace");
        }
        profile.sysctls = inside.sysctls;
        profile.tcp_congestion_control = inside.tcp_congestion_control;
        let opts = RunOpts { cases: Some(3_000), seed: 21, ..Default::default() };
        run::<SockoptArea>(&opts, &profile)
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(600);
    while !worker.is_finished() {
        assert!(std::time::Instant::now() < deadline, "the namespace run did not end within 600 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    let report = worker.join().expect("the namespace run panicked");
    assert!(report.passed(), "{}", report.table());
    assert!(report.cases >= 3_000, "only {} cases ran", report.cases);
    println!("{}", report.summary_line());
    // The host's namespace was never touched.
    assert_eq!(std::fs::read_to_string("/proc/sys/net/ipv4/tcp_keepalive_time").expect("sysctl"), host_keepalive);
}

/// A zero `optlen` never reaches the helper: the verifier refuses the program (`-EACCES`), and the model
/// answers both faces with that verdict.
#[test]
fn a_zero_optlen_is_the_verifier_s_refusal_in_both_faces() {
    use bpf_model::sockopt::*;
    if !kernel_available("a_zero_optlen_is_the_verifier_s_refusal_in_both_faces") {
        return;
    }
    let p = KernelProfile::detect().profile;
    let mut sk = Sock::tcp(false, TCP_ESTABLISHED, p.rules().expect("supported kernel"), &p);
    let ctx = CallCtx::sock_ops(4);
    for set in [true, false] {
        let kernel = bpf_oracle::areas::sockopt::zero_optlen_load_verdict(set).expect("the object opens");
        let model = if set {
            bpf_setsockopt(&mut sk, &ctx, SOL_SOCKET, SO_MARK, &[], &p)
        } else {
            bpf_getsockopt(&sk, &ctx, SOL_SOCKET, SO_MARK, &mut [], &p)
        };
        assert_eq!(kernel, Err(model), "set={set}: kernel load verdict vs model");
        assert_eq!(model, -13);
    }
}
