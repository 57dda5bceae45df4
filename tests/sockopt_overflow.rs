//! Every public function of `bpf_model::sockopt` over the full range of its integer arguments, and over
//! sockets whose every public integer field takes any value: no panic, in the debug build `cargo test`
//! makes (arithmetic overflow checks on). The kernel's arithmetic is the spec: where it wraps the model
//! wraps, and the answers stay the kernel's errno set.

use bpf_model::prog::{Attach, IterTarget, LsmHook, Prog, ProgType, SockAddrHook};
use bpf_model::sockopt::*;
use bpf_model::{Errno, KernelProfile, KernelVersion};
use quickcheck::{Arbitrary, Gen, QuickCheck};

/// A socket with every public integer field drawn from its whole range.
#[derive(Clone, Debug)]
struct AnySock(Sock, KernelProfile);

fn any<T: Arbitrary>(g: &mut Gen) -> T {
    T::arbitrary(g)
}

impl Arbitrary for AnySock {
    fn arbitrary(g: &mut Gen) -> AnySock {
        let presets = KernelProfile::presets();
        let mut p = g.choose(&presets).cloned().expect("presets");
        p.hz = any(g);
        p.rmem_max = any(g);
        p.wmem_max = any(g);
        p.bits_per_long = *g.choose(&[32, 64]).expect("non-empty");
        for name in [
            "net.ipv4.tcp_rmem",
            "net.ipv4.tcp_wmem",
            "net.core.txrehash",
            "net.ipv4.tcp_keepalive_time",
            "net.ipv4.tcp_keepalive_intvl",
            "net.ipv4.tcp_keepalive_probes",
            "net.ipv4.tcp_syn_retries",
            "net.ipv6.auto_flowlabels",
            "net.ipv4.tcp_rto_min_us",
            "net.ipv4.tcp_rto_max_ms",
        ] {
            if bool::arbitrary(g) {
                let v = format!("{} {} {}", i64::arbitrary(g), i32::arbitrary(g), u32::arbitrary(g));
                p.sysctls.insert(name.into(), v);
            }
        }
        let rules = p.rules().expect("presets are supported kernels");
        let mut sk = Sock::tcp(any(g), any(g), rules, &p);
        sk.family = any(g);
        sk.sk_type = any(g);
        sk.protocol = any(g);
        sk.ipv6only = any(g);
        sk.state = any(g);
        sk.has_socket = any(g);
        sk.reuse = any(g);
        sk.priority = any(g);
        sk.mark = any(g);
        sk.sndbuf = any(g);
        sk.rcvbuf = any(g);
        sk.sndbuf_locked = any(g);
        sk.rcvbuf_locked = any(g);
        sk.rcvlowat = any(g);
        sk.max_pacing_rate = any(g);
        sk.bound_dev_if = any(g);
        sk.txrehash = any(g);
        sk.bpf_cb_flags = any(g);
        sk.user_mss = any(g);
        sk.mss_cache = any(g);
        sk.keepidle = any(g);
        sk.keepintvl = any(g);
        sk.keepcnt = any(g);
        sk.syncnt = any(g);
        sk.window_clamp = any(g);
        sk.user_timeout = any(g);
        sk.notsent_lowat = any(g);
        sk.save_syn = any(g);
        sk.rto_max = any(g);
        sk.delack_max = any(g);
        sk.rto_min = any(g);
        sk.sock_ops_cb_flags = any(g);
        sk.snd_cwnd = any(g);
        sk.snd_cwnd_clamp = any(g);
        sk.snd_ssthresh = any(g);
        sk.data_segs_out = any(g);
        sk.syn_data = any(g);
        sk.scaling_ratio = any(g);
        sk.tos = any(g);
        sk.tclass = any(g);
        if bool::arbitrary(g) {
            let data: Vec<u8> = Arbitrary::arbitrary(g);
            sk.saved_syn = Some(SavedSyn { mac_hdrlen: any(g), network_hdrlen: any(g), tcp_hdrlen: any(g), data });
        }
        AnySock(sk, p)
    }
}

#[derive(Clone, Debug)]
struct Call {
    op: u32,
    caller: u8,
    level: i32,
    optname: i32,
    val: i32,
    optval: Vec<u8>,
    get_len: u8,
}

impl Arbitrary for Call {
    fn arbitrary(g: &mut Gen) -> Call {
        let (level, optname) =
            if bool::arbitrary(g) { g.choose(SockOpt::ALL).expect("non-empty").raw() } else { (any(g), any(g)) };
        Call {
            op: any(g),
            caller: any(g),
            level,
            optname,
            val: any(g),
            optval: Arbitrary::arbitrary(g),
            get_len: any(g),
        }
    }
}

fn no_panic(s: AnySock, c: Call) -> bool {
    let AnySock(mut sk, p) = s;
    let ctx = CallCtx::new(match c.caller % 4 {
        0 => Caller::SockOps { op: c.op },
        1 => Caller::SockAddr,
        2 => Caller::Locked,
        _ => Caller::Unlocked,
    });
    let _ = sk.saved_syn.as_ref().map(|s| (s.len(), s.is_empty()));
    let _ = (sk.fullsock(), sk.is_inet(), sk.is_tcp(), sk.ip_level_ok(), sk.tcp_level_ok());
    let before = sk.clone();
    let r1 = sk.setsockopt(&ctx, c.level, c.optname, &c.optval, &p);
    let r2 = sk.setsockopt(&ctx, c.level, c.optname, &c.val.to_le_bytes(), &p);
    let mut buf = vec![0xAA; usize::from(c.get_len)];
    let r3 = sk.getsockopt(&ctx, c.level, c.optname, &mut buf, &p);
    let opt = SockOpt::from_raw(c.level, c.optname);
    let _ = (opt.name(), opt.settable(), opt.gettable(), opt.level(), opt.is_tcp_int(), opt.raw());
    let _ = sk.set_int(&ctx, opt, c.val, &p);
    let _ = sk.get_int(&ctx, opt, &p);
    let _ = sk.sock_ops_cb_flags_set(c.op, c.val);
    let mut sk2 = before.clone();
    let abi_set = bpf_setsockopt(&mut sk2, &ctx, c.level, c.optname, &c.optval, &p);
    let mut buf2 = vec![0xAA; usize::from(c.get_len)];
    let _ = bpf_getsockopt(&before, &ctx, c.level, c.optname, &mut buf2, &p);
    let _ = Level::from_raw(c.level).raw();
    let _ = (rt_tos2priority(c.val as u8), CallCtx::sock_ops(c.op).unlocked_sock_ops());
    let ok = |r: Result<(), Errno>| r.map_or(true, |_| true);
    ok(r1) && ok(r2) && r3.map_or(true, |n| n as usize <= buf.len()) && abi_set <= 0
}

#[test]
fn sockopt_never_panics_over_the_full_integer_range() {
    QuickCheck::new().tests(20_000).quickcheck(no_panic as fn(AnySock, Call) -> bool);
}

#[test]
fn jiffies_conversions_never_panic() {
    fn prop(a: u32, b: u64, hz: u32) -> bool {
        let _ = (usecs_to_jiffies(a, hz), msecs_to_jiffies(a, hz), jiffies_to_usecs(b, hz), jiffies_to_msecs(b, hz));
        true
    }
    QuickCheck::new().tests(20_000).quickcheck(prop as fn(u32, u64, u32) -> bool);
    for hz in [0, 1, u32::MAX] {
        for v in [0, 1, u32::MAX] {
            assert!(prop(v, u64::from(v), hz) && prop(v, u64::MAX, hz));
        }
    }
}

/// The edges the outside check found: `HZ = u32::MAX` (`120 * HZ`) and saved-SYN lengths that overflow.
#[test]
fn the_reported_overflows_wrap() {
    let mut p = KernelProfile::debian(6, 12).expect("preset");
    p.hz = u32::MAX;
    let rules = p.rules().expect("6.12");
    let mut sk = Sock::tcp(false, TCP_ESTABLISHED, rules, &p);
    assert_eq!(sk.rto_max, u32::MAX.wrapping_mul(120));
    sk.saved_syn = Some(SavedSyn { mac_hdrlen: u32::MAX, network_hdrlen: 2, tcp_hdrlen: u32::MAX, data: vec![1; 8] });
    assert_eq!(sk.saved_syn.as_ref().map(SavedSyn::len), Some(0));
    let syn = SavedSyn { mac_hdrlen: 0, network_hdrlen: 20, tcp_hdrlen: 20, data: vec![0; 40] };
    assert_eq!((syn.len(), syn.is_empty()), (40, false));
    let ctx = CallCtx::sock_ops(4);
    let mut buf = [0xAA; 8];
    for optname in [TCP_BPF_SYN, TCP_BPF_SYN_IP, TCP_BPF_SYN_MAC] {
        let r = sk.getsockopt(&ctx, SOL_TCP, optname, &mut buf, &p);
        assert!(matches!(r, Ok(_) | Err(Errno::ENOSPC) | Err(Errno::ENOENT)), "{optname}: {r:?}");
    }
    let r = sk.getsockopt(&CallCtx::new(Caller::Locked), SOL_TCP, TCP_SAVED_SYN, &mut buf, &p);
    assert_eq!(r, Err(Errno::EINVAL)); // 8 bytes asked of a saved SYN whose length wraps to 0
}

#[test]
fn caller_of_every_program_is_total() {
    let p = KernelProfile::x86_64_v6_18();
    let mut progs = vec![
        Prog::new(ProgType::CgroupSockopt, Attach::CgroupSetsockopt),
        Prog::new(ProgType::CgroupSockopt, Attach::CgroupGetsockopt),
        Prog::new(ProgType::Tracing, Attach::Iter(IterTarget::Tcp)),
        Prog::new(ProgType::Tracing, Attach::Iter(IterTarget::Unix)),
        Prog::new(ProgType::Lsm, Attach::LsmCgroup(LsmHook::SockGraft)),
        Prog::new(ProgType::Lsm, Attach::LsmCgroup(LsmHook::SocketPostCreate)),
        Prog::new(ProgType::StructOps, Attach::TcpCaOp),
        Prog::of(ProgType::SockOps),
        Prog::of(ProgType::Xdp),
    ];
    progs.extend(
        [SockAddrHook::Connect4, SockAddrHook::Bind6, SockAddrHook::UnixConnect]
            .map(|h| Prog::new(ProgType::CgroupSockAddr, Attach::SockAddr(h))),
    );
    for prog in &progs {
        for set in [true, false] {
            let verdict = bpf_model::prog::check(
                if set { bpf_model::prog::Func::Setsockopt } else { bpf_model::prog::Func::Getsockopt },
                prog,
                &p,
            );
            // One table: Caller::of answers exactly where prog::check allows the call.
            assert_eq!(Caller::of(prog, set, &p).is_ok(), verdict.is_ok(), "{prog:?} set={set}");
        }
    }
    assert_eq!(Caller::of(&Prog::of(ProgType::SockOps), true, &p), Ok(Caller::SockOps { op: 0 }));
    let bind = Prog::new(ProgType::CgroupSockAddr, Attach::SockAddr(SockAddrHook::Bind4));
    assert_eq!(Caller::of(&bind, false, &p), Ok(Caller::SockAddr));
    // bpf_sk_* for the locked callers, bpf_unlocked_sk_* for the two unlocked LSM-cgroup hooks.
    let setsockopt = Prog::new(ProgType::CgroupSockopt, Attach::CgroupSetsockopt);
    assert_eq!(Caller::of(&setsockopt, true, &p), Ok(Caller::Locked));
    let graft = Prog::new(ProgType::Lsm, Attach::LsmCgroup(LsmHook::SockGraft));
    assert_eq!(Caller::of(&graft, true, &p), Ok(Caller::Locked));
    let post_create = Prog::new(ProgType::Lsm, Attach::LsmCgroup(LsmHook::SocketPostCreate));
    assert_eq!(Caller::of(&post_create, true, &p), Ok(Caller::Unlocked));
    let _ = KernelVersion::new(6, 18, 0);
}
