//! Model-only properties of `bpf_model::prog`: names and numbers round-trip, the answers are consistent
//! with each other and with the verdict function, and the seed pages' versions are encoded as given.

use bpf_model::prog::{
    attach_points, availability, availability_for, check, withdrawn_by, Attach, Denial, Func, FuncKind, Prog, ProgType,
};
use bpf_model::{KernelProfile, KernelVersion};

fn v(major: u16, minor: u16) -> Option<KernelVersion> {
    Some(KernelVersion::new(major, minor, 0))
}

#[test]
fn prog_types_are_the_uapi_enum() {
    for (i, t) in ProgType::ALL.into_iter().enumerate() {
        assert_eq!(t as usize, i);
        assert_eq!(ProgType::from_u32(i as u32), Some(t));
        assert_eq!(ProgType::from_name(t.name()), Some(t));
        assert_eq!(ProgType::from_name(&t.name()["BPF_PROG_TYPE_".len()..].to_lowercase()), Some(t));
    }
    assert_eq!(ProgType::from_u32(33), None);
    assert_eq!(ProgType::Netfilter as u32, 32);
}

#[test]
fn helper_ids_are_the_uapi_ones() {
    let ids = [
        (Func::Setsockopt, 49),
        (Func::Getsockopt, 57),
        (Func::RingbufOutput, 130),
        (Func::RingbufReserve, 131),
        (Func::RingbufSubmit, 132),
        (Func::RingbufDiscard, 133),
        (Func::RingbufQuery, 134),
        (Func::DynptrFromMem, 197),
        (Func::RingbufReserveDynptr, 198),
        (Func::RingbufSubmitDynptr, 199),
        (Func::RingbufDiscardDynptr, 200),
        (Func::DynptrRead, 201),
        (Func::DynptrWrite, 202),
        (Func::DynptrData, 203),
        (Func::UserRingbufDrain, 209),
    ];
    for (f, id) in ids {
        assert_eq!(f.kind(), FuncKind::Helper(id), "{f}");
    }
    let helpers = Func::ALL.iter().filter(|f| !f.is_kfunc()).count();
    assert_eq!(helpers, ids.len());
    for &f in Func::ALL {
        assert_eq!(Func::from_name(f.name()), Some(f));
        assert_eq!(Func::from_name(&f.name()[4..]), Some(f));
    }
}

#[test]
fn answers_are_never_earlier_than_function_or_type() {
    for &f in Func::ALL {
        for t in ProgType::ALL {
            for a in attach_points(t) {
                if let Some(since) = availability_for(f, &Prog::new(t, a)) {
                    assert!(since >= f.since() && since >= t.since(), "{f} {t} {a:?}: {since}");
                }
            }
            assert_eq!(availability(f, ProgType::Unspec), None);
        }
    }
}

#[test]
fn check_agrees_with_availability_on_every_pair() {
    for profile in KernelProfile::presets() {
        for &f in Func::ALL {
            for t in ProgType::ALL {
                for a in attach_points(t) {
                    let p = Prog::new(t, a);
                    let rules = profile.rules().unwrap();
                    let ok = availability_for(f, &p).is_some_and(|s| rules.at_least(s))
                        && !withdrawn_by(f, &p).is_some_and(|r| rules.has(r));
                    match check(f, &p, &profile) {
                        Ok(()) => assert!(ok, "{f} {t} {a:?}"),
                        Err(d) => {
                            assert!(!ok, "{f} {t} {a:?}");
                            let known = rules.at_least(f.since());
                            let want_kfunc = f.is_kfunc() && t != ProgType::Unspec;
                            match d {
                                Denial::Unknown => assert!(!known, "{f} {t} {a:?} {}", profile.version),
                                Denial::ProgType => assert_eq!(t, ProgType::Unspec),
                                Denial::PacketWrite => assert_eq!(f, Func::DynptrSliceRdwr),
                                Denial::KfuncNotAllowed | Denial::HelperNotAllowed => {
                                    assert!(known, "{f} {t} {a:?}");
                                    assert_eq!(d == Denial::KfuncNotAllowed, want_kfunc, "{f} {t} {a:?} {d:?}");
                                }
                                Denial::UnsupportedKernel => panic!("{} is a preset", profile.version),
                            }
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn older_kernels_do_not_know_newer_functions() {
    let mut p = KernelProfile::x86_64_v6_18();
    p.version = KernelVersion::new(6, 17, 0);
    let prog = Prog::of(ProgType::SchedCls);
    assert_eq!(check(Func::DynptrFromSkbMeta, &prog, &p), Err(Denial::Unknown));
    assert_eq!(check(Func::DynptrMemset, &prog, &p), Ok(()));
    p.version = KernelVersion::new(6, 11, 0);
    assert_eq!(check(Func::CpumaskCreate, &Prog::of(ProgType::Syscall), &p), Ok(()));
    p.version = KernelVersion::new(6, 10, 0);
    assert_eq!(check(Func::CpumaskCreate, &Prog::of(ProgType::Syscall), &p), Err(Denial::KfuncNotAllowed));
}

/// The versions the seed pages give are the model's.
#[test]
fn seed_page_versions() {
    use ProgType::*;
    // bpf_setsockopt
    assert_eq!(availability(Func::Setsockopt, CgroupSockopt), v(5, 15));
    assert_eq!(availability(Func::Setsockopt, CgroupSockAddr), v(5, 8));
    assert_eq!(availability(Func::Setsockopt, Lsm), v(6, 0));
    assert_eq!(availability(Func::Setsockopt, SockOps), v(4, 13));
    let lsm_mac = Prog::new(Lsm, Attach::LsmMac(bpf_model::prog::LsmHook::SockGraft));
    assert_eq!(availability_for(Func::Setsockopt, &lsm_mac), None);
    // bpf_dynptr_memset: 6.17 everywhere its page lists (its per-type tags are all earlier).
    for t in [CgroupDevice, CgroupSkb, CgroupSock, CgroupSockopt, CgroupSockAddr, CgroupSysctl, Lsm, LwtIn] {
        assert_eq!(availability(Func::DynptrMemset, t), v(6, 17), "{t}");
    }
    for t in [LwtOut, LwtSeg6local, LwtXmit, Netfilter, PerfEvent, SchedAct, SchedCls, SkSkb, SocketFilter] {
        assert_eq!(availability(Func::DynptrMemset, t), v(6, 17), "{t}");
    }
    for t in [SockOps, StructOps, Syscall, Tracepoint, Tracing, Xdp] {
        assert_eq!(availability(Func::DynptrMemset, t), v(6, 17), "{t}");
    }
    // The per-type tags of that page are when a type joined the CGROUP kfunc hook: they hold for a kfunc
    // registered for CGROUP_SKB (Debian's 6.12 refuses bpf_dynptr_from_skb in SOCK_OPS, 6.16 accepts it),
    // not for the common kfuncs, which every type reaches (6.12 accepts bpf_dynptr_slice in SOCK_OPS).
    assert_eq!(availability(Func::DynptrFromSkb, CgroupDevice), v(6, 12));
    assert_eq!(availability(Func::DynptrFromSkb, CgroupSockAddr), v(6, 7));
    assert_eq!(availability(Func::DynptrFromSkb, SockOps), v(6, 15));
    for t in [CgroupDevice, CgroupSockAddr, SockOps, Tracepoint] {
        assert_eq!(availability(Func::DynptrSlice, t), v(6, 4), "{t}");
    }
    // bpf_ringbuf_reserve_dynptr: every type of its page.
    for t in ProgType::ALL {
        let want = !matches!(t, Unspec | LircMode2);
        assert_eq!(availability(Func::RingbufReserveDynptr, t).is_some(), want, "{t}");
    }
    // bpf_cpumask_populate: its page's types, plus SYSCALL from the kernel.
    assert_eq!(availability(Func::CpumaskPopulate, Lsm), v(6, 15));
    assert_eq!(availability(Func::CpumaskPopulate, PerfEvent), v(6, 15));
    assert_eq!(availability(Func::CpumaskPopulate, StructOps), v(6, 15));
    assert_eq!(availability(Func::CpumaskPopulate, Tracepoint), v(6, 15));
    assert_eq!(availability(Func::CpumaskPopulate, Tracing), v(6, 15));
    assert_eq!(availability(Func::CpumaskPopulate, Syscall), v(6, 15));
    let cpumask_types: Vec<ProgType> =
        ProgType::ALL.into_iter().filter(|&t| availability(Func::CpumaskPopulate, t).is_some()).collect();
    // RAW_TRACEPOINT joined the TRACING kfunc hook in 7.0 (refused on 6.19, accepted on 7.0).
    assert_eq!(cpumask_types, [Tracepoint, PerfEvent, RawTracepoint, Tracing, StructOps, Ext, Lsm, Syscall]);
    assert_eq!(availability(Func::CpumaskPopulate, RawTracepoint), v(7, 0));
}
