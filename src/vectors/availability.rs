//! Availability cases: one (function, program) pair, judged by the verifier.
//!
//! For each pair the oracle (`oracle/src/areas/availability.rs`) loads two programs of the [`Vehicle`]'s
//! type into the live kernel:
//!
//! - the **bare** program calls the function with every argument register zero. The availability gate
//!   comes before any argument check, so its verdict says only whether the gate let the call through
//!   ([`Gate::Passed`], whatever failed later) or closed it ([`Gate::Denied`], with the verifier's reason);
//! - the **full** program calls it with correctly typed arguments and the companions it needs
//!   ([`program_calls`]: a dynptr from `bpf_dynptr_from_mem` over a map value, a ring buffer record and its
//!   release, a cpumask from `bpf_cpumask_create` and its release, the socket or packet of the context). Its
//!   verdict is [`Verdict::Accepted`], [`Verdict::Denied`] naming the first call the verifier refused, or
//!   [`Verdict::Refused`] when the gates passed but the program still failed (the context has no object of
//!   the type the function needs, e.g. no `sk_buff` in a TRACEPOINT program).
//!
//! The model predicts both from [`crate::prog::check`] and the vehicle's context. Vehicles whose programs
//! this machine cannot load at all (an empty program fails) are reported by the oracle, not compared.

use super::Case;
use crate::prog::{check, Attach, Denial, Func, IterTarget, LsmHook, Prog, ProgType, Recipe, SockAddrHook};
use crate::KernelProfile;
use serde::{Deserialize, Serialize};

/// Where a program finds an object a function needs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Obj {
    /// Nowhere: the context offers none.
    None,
    /// The context pointer itself (`struct __sk_buff *`, `struct bpf_sock_ops *`, ...).
    Ctx,
    /// A pointer field of the context at byte offset `off` (`NULL`-checked first when `nullable`).
    CtxField {
        /// Byte offset in the context.
        off: i16,
        /// Whether the verifier types it as maybe-NULL.
        nullable: bool,
    },
    /// Argument `idx` of a BTF-typed context (`tp_btf`, LSM, struct_ops: a `u64` array).
    Arg(u8),
    /// Field `member` of struct `strukt` behind argument `idx` (`NULL`-checked first).
    ArgField {
        /// The argument.
        idx: u8,
        /// The pointed-to struct's name.
        strukt: &'static str,
        /// The pointer member to load.
        member: &'static str,
    },
}

impl Obj {
    /// Whether the program has such an object at all.
    pub const fn exists(self) -> bool {
        !matches!(self, Obj::None)
    }
}

/// A concrete program the oracle loads for a program type: its type and attach point, what its context
/// offers, and what it returns.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Vehicle {
    /// The name used in cases (`"cgroup_sockopt/setsockopt"`).
    pub name: &'static str,
    /// Type and attach point.
    pub prog: Prog,
    /// Where it finds an `sk_buff` (for `bpf_dynptr_from_skb[_meta]`).
    pub skb: Obj,
    /// Where it finds its socket (for `bpf_setsockopt` / `bpf_getsockopt`).
    pub sock: Obj,
    /// Whether its context is an `xdp_md` (for `bpf_dynptr_from_xdp`).
    pub xdp: bool,
    /// The value it returns (within the type's allowed range).
    pub retval: i32,
    /// The tracepoint of a `tp_btf` program.
    pub target: Option<&'static str>,
}

const fn veh(name: &'static str, prog_type: ProgType, attach: Attach) -> Vehicle {
    Vehicle {
        name,
        prog: Prog::new(prog_type, attach),
        skb: Obj::None,
        sock: Obj::None,
        xdp: false,
        retval: 0,
        target: None,
    }
}

const fn skb(mut v: Vehicle, o: Obj) -> Vehicle {
    v.skb = o;
    v
}

const fn sock(mut v: Vehicle, o: Obj) -> Vehicle {
    v.sock = o;
    v
}

const fn ret(mut v: Vehicle, r: i32) -> Vehicle {
    v.retval = r;
    v
}

use Attach as A;
use ProgType as T;

/// Every program the availability area loads, one or more per program type (one per attach point that
/// changes an answer), in uapi order.
pub const VEHICLES: &[Vehicle] = &[
    veh("unspec", T::Unspec, A::Default),
    skb(veh("socket_filter", T::SocketFilter, A::Default), Obj::Ctx),
    veh("kprobe", T::Kprobe, A::Default),
    skb(veh("sched_cls", T::SchedCls, A::Default), Obj::Ctx),
    skb(veh("sched_act", T::SchedAct, A::Default), Obj::Ctx),
    veh("tracepoint", T::Tracepoint, A::Default),
    Vehicle { xdp: true, ..veh("xdp", T::Xdp, A::Default) },
    veh("perf_event", T::PerfEvent, A::Default),
    skb(veh("cgroup_skb", T::CgroupSkb, A::Default), Obj::Ctx),
    sock(veh("cgroup_sock", T::CgroupSock, A::Default), Obj::Ctx),
    skb(veh("lwt_in", T::LwtIn, A::Default), Obj::Ctx),
    skb(veh("lwt_out", T::LwtOut, A::Default), Obj::Ctx),
    skb(veh("lwt_xmit", T::LwtXmit, A::Default), Obj::Ctx),
    sock(veh("sock_ops", T::SockOps, A::Default), Obj::Ctx),
    skb(veh("sk_skb", T::SkSkb, A::Default), Obj::Ctx),
    veh("cgroup_device", T::CgroupDevice, A::Default),
    veh("sk_msg", T::SkMsg, A::Default),
    veh("raw_tracepoint", T::RawTracepoint, A::Default),
    sock(veh("cgroup_sock_addr/connect4", T::CgroupSockAddr, A::SockAddr(SockAddrHook::Connect4)), Obj::Ctx),
    sock(veh("cgroup_sock_addr/connect6", T::CgroupSockAddr, A::SockAddr(SockAddrHook::Connect6)), Obj::Ctx),
    sock(veh("cgroup_sock_addr/bind4", T::CgroupSockAddr, A::SockAddr(SockAddrHook::Bind4)), Obj::Ctx),
    sock(veh("cgroup_sock_addr/sendmsg4", T::CgroupSockAddr, A::SockAddr(SockAddrHook::Sendmsg4)), Obj::Ctx),
    ret(sock(veh("cgroup_sock_addr/recvmsg4", T::CgroupSockAddr, A::SockAddr(SockAddrHook::Recvmsg4)), Obj::Ctx), 1),
    ret(
        sock(
            veh("cgroup_sock_addr/getpeername4", T::CgroupSockAddr, A::SockAddr(SockAddrHook::Getpeername4)),
            Obj::Ctx,
        ),
        1,
    ),
    ret(
        sock(
            veh("cgroup_sock_addr/getsockname4", T::CgroupSockAddr, A::SockAddr(SockAddrHook::Getsockname4)),
            Obj::Ctx,
        ),
        1,
    ),
    sock(veh("cgroup_sock_addr/bind6", T::CgroupSockAddr, A::SockAddr(SockAddrHook::Bind6)), Obj::Ctx),
    sock(veh("cgroup_sock_addr/sendmsg6", T::CgroupSockAddr, A::SockAddr(SockAddrHook::Sendmsg6)), Obj::Ctx),
    ret(sock(veh("cgroup_sock_addr/recvmsg6", T::CgroupSockAddr, A::SockAddr(SockAddrHook::Recvmsg6)), Obj::Ctx), 1),
    ret(
        sock(
            veh("cgroup_sock_addr/getpeername6", T::CgroupSockAddr, A::SockAddr(SockAddrHook::Getpeername6)),
            Obj::Ctx,
        ),
        1,
    ),
    ret(
        sock(
            veh("cgroup_sock_addr/getsockname6", T::CgroupSockAddr, A::SockAddr(SockAddrHook::Getsockname6)),
            Obj::Ctx,
        ),
        1,
    ),
    sock(veh("cgroup_sock_addr/connect_unix", T::CgroupSockAddr, A::SockAddr(SockAddrHook::UnixConnect)), Obj::Ctx),
    sock(veh("cgroup_sock_addr/sendmsg_unix", T::CgroupSockAddr, A::SockAddr(SockAddrHook::UnixSendmsg)), Obj::Ctx),
    ret(
        sock(veh("cgroup_sock_addr/recvmsg_unix", T::CgroupSockAddr, A::SockAddr(SockAddrHook::UnixRecvmsg)), Obj::Ctx),
        1,
    ),
    ret(
        sock(
            veh("cgroup_sock_addr/getpeername_unix", T::CgroupSockAddr, A::SockAddr(SockAddrHook::UnixGetpeername)),
            Obj::Ctx,
        ),
        1,
    ),
    ret(
        sock(
            veh("cgroup_sock_addr/getsockname_unix", T::CgroupSockAddr, A::SockAddr(SockAddrHook::UnixGetsockname)),
            Obj::Ctx,
        ),
        1,
    ),
    skb(veh("lwt_seg6local", T::LwtSeg6local, A::Default), Obj::Ctx),
    veh("lirc_mode2", T::LircMode2, A::Default),
    veh("sk_reuseport", T::SkReuseport, A::Default),
    veh("flow_dissector", T::FlowDissector, A::Default),
    veh("cgroup_sysctl", T::CgroupSysctl, A::Default),
    veh("raw_tracepoint_writable", T::RawTracepointWritable, A::Default),
    sock(
        veh("cgroup_sockopt/setsockopt", T::CgroupSockopt, A::CgroupSetsockopt),
        Obj::CtxField { off: 0, nullable: false },
    ),
    sock(
        veh("cgroup_sockopt/getsockopt", T::CgroupSockopt, A::CgroupGetsockopt),
        Obj::CtxField { off: 0, nullable: false },
    ),
    Vehicle { target: Some("kfree_skb"), ..skb(veh("tracing/tp_btf/kfree_skb", T::Tracing, A::TpBtf), Obj::Arg(0)) },
    sock(veh("tracing/iter/tcp", T::Tracing, A::Iter(IterTarget::Tcp)), Obj::CtxField { off: 8, nullable: true }),
    sock(veh("tracing/iter/unix", T::Tracing, A::Iter(IterTarget::Unix)), Obj::CtxField { off: 8, nullable: true }),
    veh("tracing/iter/task", T::Tracing, A::Iter(IterTarget::Task)),
    Vehicle { target: Some("bpf_fentry_test1"), ..veh("tracing/fentry/bpf_fentry_test1", T::Tracing, A::Trampoline) },
    sock(veh("struct_ops/tcp_congestion_ops/init", T::StructOps, A::TcpCaOp), Obj::Arg(0)),
    sock(veh("struct_ops/tcp_congestion_ops/release", T::StructOps, A::TcpCaRelease), Obj::Arg(0)),
    Vehicle { xdp: true, ..veh("ext/xdp", T::Ext, A::ExtOf(T::Xdp)) },
    sock(skb(veh("lsm/socket_sock_rcv_skb", T::Lsm, A::LsmMac(LsmHook::SocketSockRcvSkb)), Obj::Arg(1)), Obj::Arg(0)),
    ret(
        sock(
            veh("lsm_cgroup/socket_post_create", T::Lsm, A::LsmCgroup(LsmHook::SocketPostCreate)),
            Obj::ArgField { idx: 0, strukt: "socket", member: "sk" },
        ),
        1,
    ),
    ret(sock(veh("lsm_cgroup/sock_graft", T::Lsm, A::LsmCgroup(LsmHook::SockGraft)), Obj::Arg(0)), 1),
    ret(veh("lsm_cgroup/socket_bind", T::Lsm, A::LsmCgroup(LsmHook::SocketBind)), 1),
    veh("sk_lookup", T::SkLookup, A::Default),
    veh("syscall", T::Syscall, A::Default),
    ret(skb(veh("netfilter", T::Netfilter, A::Default), Obj::CtxField { off: 8, nullable: false }), 1),
];

/// The vehicle named `name`.
pub fn vehicle(name: &str) -> Option<&'static Vehicle> {
    VEHICLES.iter().find(|v| v.name == name)
}

/// The calls of the full program for `func`, in program order: its companions and itself ([`Recipe::calls`]).
pub fn program_calls(func: Func) -> Vec<Func> {
    func.recipe().calls(func)
}

/// Whether `vehicle` offers the object `func` needs as an argument (`true` for functions that need none
/// beyond what the oracle makes itself: maps, stack dynptrs, cpumasks).
pub fn has_object(func: Func, vehicle: &Vehicle) -> bool {
    match func.recipe() {
        Recipe::Sockopt => vehicle.sock.exists(),
        Recipe::FromSkb { ctx_only: false } => vehicle.skb.exists(),
        Recipe::FromSkb { ctx_only: true } => vehicle.skb == Obj::Ctx,
        Recipe::FromXdp => vehicle.xdp,
        Recipe::RingbufOutput
        | Recipe::RingbufRecord { .. }
        | Recipe::RingbufQuery
        | Recipe::FromMem
        | Recipe::RingbufDynptr { .. }
        | Recipe::DynptrRead
        | Recipe::DynptrWrite
        | Recipe::DynptrRange
        | Recipe::UserRingbufDrain
        | Recipe::DynptrSlice
        | Recipe::Dynptr
        | Recipe::DynptrClone
        | Recipe::DynptrCopy
        | Recipe::DynptrMemset
        | Recipe::CpumaskNew
        | Recipe::CpumaskAcquire
        | Recipe::Cpumask(_) => true,
    }
}

/// A case: call `func` from the program `prog` (a [`Vehicle`] name).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct AvailabilityCase {
    /// The function's kernel name (`"bpf_cpumask_populate"`).
    pub func: String,
    /// The vehicle's name (`"syscall"`).
    pub prog: String,
}

impl AvailabilityCase {
    /// The case for `func` in `vehicle`.
    pub fn new(func: Func, vehicle: &Vehicle) -> AvailabilityCase {
        AvailabilityCase { func: func.name().to_string(), prog: vehicle.name.to_string() }
    }
}

/// The bare program's verdict: did the availability gate let the call through?
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "gate", rename_all = "snake_case")]
pub enum Gate {
    /// Closed: the verifier refused the call itself.
    Denied {
        /// Why.
        denial: Denial,
        /// The errno of `BPF_PROG_LOAD`, positive.
        errno: i32,
    },
    /// Passed: the program was accepted, or refused for a later reason (its zero arguments).
    Passed,
}

/// The full program's verdict.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The verifier accepted the program.
    Accepted,
    /// A gate refused a call.
    Denied {
        /// Why.
        denial: Denial,
        /// The function the verifier named (the first refused call).
        func: String,
        /// The errno of `BPF_PROG_LOAD`, positive.
        errno: i32,
        /// The verifier's log line, compared exactly ([`Denial::message`] on the model side).
        message: String,
    },
    /// Every call passed its gate, but the program was still refused (an argument the context cannot
    /// supply). The log line is kept for the reader and not compared.
    Refused {
        /// The verifier's last log line (kernel side), or the model's reason.
        why: String,
    },
}

impl PartialEq for Verdict {
    fn eq(&self, other: &Verdict) -> bool {
        match (self, other) {
            (Verdict::Accepted, Verdict::Accepted) => true,
            (Verdict::Refused { .. }, Verdict::Refused { .. }) => true,
            (
                Verdict::Denied { denial: a, func: fa, errno: ea, message: ma },
                Verdict::Denied { denial: b, func: fb, errno: eb, message: mb },
            ) => a == b && fa == fb && ea == eb && ma == mb,
            _ => false,
        }
    }
}

/// What the verifier did with the two programs of a case.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct AvailabilityOutcome {
    /// The bare program (zero arguments).
    pub bare: Gate,
    /// The full program (typed arguments, companions).
    pub full: Verdict,
}

/// The model's verdict for the bare program of `func` in `vehicle`.
pub fn model_bare(func: Func, vehicle: &Vehicle, profile: &KernelProfile) -> Gate {
    match check(func, &vehicle.prog, profile) {
        Ok(()) | Err(Denial::PacketWrite) => Gate::Passed,
        Err(denial) => Gate::Denied { denial, errno: denial.errno(func).as_raw() },
    }
}

/// The model's verdict for the full program of `func` in `vehicle`: the loader resolves every kfunc the
/// program calls before the verifier sees it, then the verifier checks the calls in program order.
pub fn model_full(func: Func, vehicle: &Vehicle, profile: &KernelProfile) -> Verdict {
    let Ok(rules) = profile.rules() else {
        let denial = Denial::UnsupportedKernel;
        return Verdict::Denied {
            denial,
            func: func.name().to_string(),
            errno: denial.errno(func).as_raw(),
            message: format!("kernel {} is outside the releases the model speaks for", profile.version),
        };
    };
    let calls = program_calls(func);
    let unresolved = calls.iter().find(|&&c| c.is_kfunc() && check(c, &vehicle.prog, profile) == Err(Denial::Unknown));
    if let Some(&call) = unresolved {
        let denial = Denial::Unknown;
        return Verdict::Denied {
            denial,
            func: call.name().to_string(),
            errno: denial.errno(call).as_raw(),
            message: denial.message(call, rules),
        };
    }
    for call in calls {
        match check(call, &vehicle.prog, profile) {
            Ok(()) | Err(Denial::PacketWrite) if !has_object(call, vehicle) => {
                return Verdict::Refused { why: format!("{} has no object of the type {call} needs", vehicle.name) }
            }
            Ok(()) => {}
            Err(denial) => {
                return Verdict::Denied {
                    denial,
                    func: call.name().to_string(),
                    errno: denial.errno(call).as_raw(),
                    message: denial.message(call, rules),
                };
            }
        }
    }
    Verdict::Accepted
}

impl Case for AvailabilityCase {
    type Outcome = AvailabilityOutcome;
    const AREA: &'static str = "availability";

    fn run_model(&self, profile: &KernelProfile) -> AvailabilityOutcome {
        match (Func::from_name(&self.func), vehicle(&self.prog)) {
            (Some(f), Some(v)) => {
                AvailabilityOutcome { bare: model_bare(f, v, profile), full: model_full(f, v, profile) }
            }
            _ => AvailabilityOutcome {
                bare: Gate::Passed,
                full: Verdict::Refused { why: format!("unknown function {:?} or program {:?}", self.func, self.prog) },
            },
        }
    }

    fn label(&self) -> String {
        self.prog.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vehicles_are_named_uniquely_and_cover_every_type() {
        for (i, a) in VEHICLES.iter().enumerate() {
            assert!(VEHICLES[i + 1..].iter().all(|b| b.name != a.name), "{}", a.name);
        }
        for t in ProgType::ALL {
            assert!(VEHICLES.iter().any(|v| v.prog.prog_type == t), "{t}");
        }
    }
}
