//! The availability gates per function family and the verifier's verdict on a call
//! (`kernel/bpf/verifier.c`, `check_helper_call()` and `check_kfunc_call()`).

use super::{attach_points, v, Attach, Family, Func, FuncKind, IterTarget, Prog, ProgType, SockAddrHook};
use crate::version::{Rule, Rules};
use crate::{KernelProfile, KernelVersion};

fn later(a: KernelVersion, b: KernelVersion) -> KernelVersion {
    a.max(b)
}

/// The version from which the family's gate opens for `prog` (before the function's own version and the
/// type's are applied), or `None` where it never does.
fn family_gate(func: Func, prog: &Prog) -> Option<KernelVersion> {
    use ProgType::*;
    let ty = prog.resolved_type();
    let any = v(3, 18);
    match func.family() {
        Family::Sockopt => sockopt_gate(func, ty, prog.attach),
        Family::Ringbuf | Family::BaseCapBpf => ty.has_base_helpers().then_some(any),
        Family::CommonKfunc => common_kfunc_gate(ty),
        Family::SliceRdwr => {
            if ty.may_write_packet() {
                common_kfunc_gate(ty)
            } else {
                None
            }
        }
        Family::SkbKfunc => match ty {
            SchedCls | SchedAct | SkSkb | SocketFilter | CgroupSkb | LwtIn | LwtOut | LwtXmit | LwtSeg6local => {
                Some(any)
            }
            // Registered for CGROUP_SKB, i.e. on the CGROUP hook, which the other cgroup types and SOCK_OPS
            // joined later.
            CgroupSock | CgroupDevice | CgroupSockAddr | CgroupSockopt | CgroupSysctl | SockOps => {
                cgroup_hook_floor(ty)
            }
            Netfilter => Some(v(6, 5)),
            // Registered for TRACING: seen on 6.12.118, not on 6.1 (which has no such kfunc).
            Tracing | Tracepoint | PerfEvent | Lsm | RawTracepoint => {
                tracing_hook_floor(ty).map(|f| later(f, v(6, 12)))
            }
            Unspec
            | Kprobe
            | Xdp
            | SkMsg
            | LircMode2
            | SkReuseport
            | FlowDissector
            | RawTracepointWritable
            | StructOps
            | Ext
            | SkLookup
            | Syscall => None,
        },
        Family::XdpKfunc => (ty == Xdp).then_some(any),
        Family::SkbMetaKfunc => matches!(ty, SchedCls | SchedAct).then_some(any),
        Family::Cpumask => match ty {
            StructOps => Some(any),
            Syscall => Some(v(6, 11)),
            Unspec
            | SocketFilter
            | Kprobe
            | SchedCls
            | SchedAct
            | Tracepoint
            | Xdp
            | PerfEvent
            | CgroupSkb
            | CgroupSock
            | LwtIn
            | LwtOut
            | LwtXmit
            | SockOps
            | SkSkb
            | CgroupDevice
            | SkMsg
            | RawTracepoint
            | CgroupSockAddr
            | LwtSeg6local
            | LircMode2
            | SkReuseport
            | FlowDissector
            | CgroupSysctl
            | RawTracepointWritable
            | CgroupSockopt
            | Tracing
            | Ext
            | Lsm
            | SkLookup
            | Netfilter => tracing_hook_floor(ty),
        },
    }
}

/// The common kfuncs: `btf_kfunc_id_set_contains()` looks in the common hook first, for every program
/// type, whatever hook the type maps to. (The seed page's per-type tags, CGROUP_* 6.12, CGROUP_SOCK_ADDR
/// 6.7, SOCK_OPS 6.15, are when those types joined the CGROUP hook, which only the kfuncs registered for a
/// hook need: Debian's 6.12 accepts the common dynptr kfuncs in SOCK_OPS.)
fn common_kfunc_gate(ty: ProgType) -> Option<KernelVersion> {
    use ProgType::*;
    match ty {
        Unspec | Ext => None,
        SocketFilter
        | Kprobe
        | SchedCls
        | SchedAct
        | Tracepoint
        | Xdp
        | PerfEvent
        | CgroupSkb
        | CgroupSock
        | LwtIn
        | LwtOut
        | LwtXmit
        | SockOps
        | SkSkb
        | CgroupDevice
        | SkMsg
        | RawTracepoint
        | CgroupSockAddr
        | LwtSeg6local
        | LircMode2
        | SkReuseport
        | FlowDissector
        | CgroupSysctl
        | RawTracepointWritable
        | CgroupSockopt
        | Tracing
        | StructOps
        | Lsm
        | SkLookup
        | Syscall
        | Netfilter => Some(v(3, 18)),
    }
}

/// When a type reaches the TRACING kfunc hook (`bpf_prog_type_to_kfunc_hook()`): TRACING and LSM always,
/// TRACEPOINT and PERF_EVENT from 6.12 (seed page), RAW_TRACEPOINT from 7.0 (refused on 6.19, accepted on
/// 7.0: the cpumask kfuncs and `bpf_dynptr_from_skb`'s gate; RAW_TRACEPOINT_WRITABLE stays out).
fn tracing_hook_floor(ty: ProgType) -> Option<KernelVersion> {
    use ProgType::*;
    match ty {
        Tracing | Lsm => Some(v(3, 18)),
        Tracepoint | PerfEvent => Some(v(6, 12)),
        RawTracepoint => Some(v(7, 0)),
        Unspec
        | SocketFilter
        | Kprobe
        | SchedCls
        | SchedAct
        | Xdp
        | CgroupSkb
        | CgroupSock
        | LwtIn
        | LwtOut
        | LwtXmit
        | SockOps
        | SkSkb
        | CgroupDevice
        | SkMsg
        | CgroupSockAddr
        | LwtSeg6local
        | LircMode2
        | SkReuseport
        | FlowDissector
        | CgroupSysctl
        | RawTracepointWritable
        | CgroupSockopt
        | StructOps
        | Ext
        | SkLookup
        | Syscall
        | Netfilter => None,
    }
}

/// When a type other than CGROUP_SKB reaches the CGROUP kfunc hook (`bpf_prog_type_to_kfunc_hook()`), where
/// the kfuncs registered for CGROUP_SKB live: the seed page's tags, consistent with the matrix (6.12 lets
/// CGROUP_SOCK and CGROUP_SOCK_ADDR programs through and not SOCK_OPS ones; 6.16 lets SOCK_OPS through).
fn cgroup_hook_floor(ty: ProgType) -> Option<KernelVersion> {
    use ProgType::*;
    match ty {
        CgroupSkb => Some(v(3, 18)),
        CgroupDevice | CgroupSock | CgroupSockopt | CgroupSysctl => Some(v(6, 12)),
        CgroupSockAddr => Some(v(6, 7)),
        SockOps => Some(v(6, 15)),
        Unspec
        | SocketFilter
        | Kprobe
        | SchedCls
        | SchedAct
        | Tracepoint
        | Xdp
        | PerfEvent
        | LwtIn
        | LwtOut
        | LwtXmit
        | SkSkb
        | SkMsg
        | RawTracepoint
        | LwtSeg6local
        | LircMode2
        | SkReuseport
        | FlowDissector
        | RawTracepointWritable
        | Tracing
        | StructOps
        | Ext
        | Lsm
        | SkLookup
        | Syscall
        | Netfilter => None,
    }
}

fn sockopt_gate(func: Func, ty: ProgType, attach: Attach) -> Option<KernelVersion> {
    use ProgType::*;
    match (ty, attach) {
        (SockOps, _) => Some(func.since()),
        // `cgroup/sock_create` (the vehicle's attach point): refused up to 6.18, accepted from 6.19 on.
        (CgroupSock, _) => Some(v(6, 19)),
        (CgroupSockAddr, Attach::SockAddr(h)) => sock_addr_sockopt(h),
        (CgroupSockAddr, _) => None,
        (CgroupSockopt, Attach::CgroupSetsockopt) => Some(v(5, 15)),
        (Lsm, Attach::LsmCgroup(h)) if h.has_sockopt() => Some(v(6, 0)),
        (StructOps, Attach::TcpCaOp) => Some(v(5, 15)),
        (Tracing, Attach::Iter(IterTarget::Tcp)) => Some(v(5, 15)),
        (Tracing, Attach::Iter(IterTarget::Unix)) => Some(v(5, 18)),
        _ => None,
    }
}

/// `sock_addr_func_proto()` (`net/core/filter.c`): the hooks that get `bpf_sock_addr_{set,get}sockopt`.
/// Every inet hook on every kernel of the matrix; the `AF_UNIX` hooks (6.7) connect, sendmsg and recvmsg
/// from the start, getpeername and getsockname from 6.16 (refused on 6.12) to 7.1 (see [`withdrawn_by`]).
fn sock_addr_sockopt(h: SockAddrHook) -> Option<KernelVersion> {
    use SockAddrHook::*;
    match h {
        Connect4 | Connect6 => Some(v(5, 8)),
        Bind4 | Bind6 | Sendmsg4 | Sendmsg6 | Recvmsg4 | Recvmsg6 | Getpeername4 | Getpeername6 | Getsockname4
        | Getsockname6 => Some(v(5, 8)),
        UnixConnect | UnixSendmsg | UnixRecvmsg => Some(v(6, 7)),
        // Until [`Rule::SockoptUnixGetnameWithdrawn`] (7.2).
        UnixGetpeername | UnixGetsockname => Some(v(6, 16)),
    }
}

/// The first kernel version in which the program `prog` (type and attach point) may call `func`, or `None`
/// if no version allows it. The answer is never earlier than the function or the program type.
///
/// An EXT program answers as its target (`Attach::ExtOf(t)`), but not before 5.6.
///
/// ```
/// use bpf_model::prog::{availability_for, Attach, Func, IterTarget, LsmHook, Prog, ProgType};
/// use bpf_model::KernelVersion;
/// let iter_tcp = Prog::new(ProgType::Tracing, Attach::Iter(IterTarget::Tcp));
/// assert_eq!(availability_for(Func::Setsockopt, &iter_tcp), Some(KernelVersion::new(5, 15, 0)));
/// let tp_btf = Prog::new(ProgType::Tracing, Attach::TpBtf);
/// assert_eq!(availability_for(Func::Setsockopt, &tp_btf), None);
/// let lsm = Prog::new(ProgType::Lsm, Attach::LsmCgroup(LsmHook::SocketPostCreate));
/// assert_eq!(availability_for(Func::Getsockopt, &lsm), Some(KernelVersion::new(6, 0, 0)));
/// let ext = Prog::new(ProgType::Ext, Attach::ExtOf(ProgType::Xdp));
/// assert_eq!(availability_for(Func::DynptrFromXdp, &ext), Some(KernelVersion::new(6, 4, 0)));
/// ```
pub fn availability_for(func: Func, prog: &Prog) -> Option<KernelVersion> {
    if prog.prog_type == ProgType::Unspec {
        return None;
    }
    if prog.prog_type == ProgType::Ext {
        let Attach::ExtOf(target) = prog.attach else { return None };
        if matches!(target, ProgType::Ext | ProgType::Unspec) {
            return None;
        }
        let inner = availability_for(func, &Prog::of(target))?;
        return Some(later(inner, ProgType::Ext.since()));
    }
    let gate = family_gate(func, prog)?;
    Some(later(later(gate, func.since()), prog.prog_type.since()))
}

/// The rule that takes the pair away again on a later kernel, if any: [`check_rules`] refuses the call
/// where it holds, whatever [`availability_for`] says.
///
/// ```
/// use bpf_model::prog::{withdrawn_by, Attach, Func, Prog, ProgType, SockAddrHook};
/// use bpf_model::version::Rule;
/// let p = Prog::new(ProgType::CgroupSockAddr, Attach::SockAddr(SockAddrHook::UnixGetsockname));
/// assert_eq!(withdrawn_by(Func::Setsockopt, &p), Some(Rule::SockoptUnixGetnameWithdrawn));
/// ```
pub fn withdrawn_by(func: Func, prog: &Prog) -> Option<Rule> {
    use SockAddrHook::*;
    match (func.family(), prog.prog_type, prog.attach) {
        (Family::Sockopt, ProgType::CgroupSockAddr, Attach::SockAddr(UnixGetpeername | UnixGetsockname)) => {
            Some(Rule::SockoptUnixGetnameWithdrawn)
        }
        _ => None,
    }
}

/// The first kernel version in which some program of type `prog_type` may call `func` (the earliest over
/// its attach points, see [`attach_points`]), or `None`.
///
/// ```
/// use bpf_model::prog::{availability, Func, ProgType};
/// use bpf_model::KernelVersion;
/// assert_eq!(availability(Func::RingbufReserveDynptr, ProgType::Syscall), Some(KernelVersion::new(5, 19, 0)));
/// assert_eq!(availability(Func::DynptrMemset, ProgType::SockOps), Some(KernelVersion::new(6, 17, 0)));
/// assert_eq!(availability(Func::CpumaskPopulate, ProgType::Tracepoint), Some(KernelVersion::new(6, 15, 0)));
/// assert_eq!(availability(Func::CpumaskPopulate, ProgType::Kprobe), None);
/// assert_eq!(availability(Func::DynptrSliceRdwr, ProgType::Syscall), None);
/// ```
pub fn availability(func: Func, prog_type: ProgType) -> Option<KernelVersion> {
    attach_points(prog_type).iter().filter_map(|a| availability_for(func, &Prog::new(prog_type, *a))).min()
}

/// True when only some attach points of `prog_type` may call `func`.
pub fn depends_on_attach(func: Func, prog_type: ProgType) -> bool {
    let answers: Vec<_> =
        attach_points(prog_type).iter().map(|a| availability_for(func, &Prog::new(prog_type, *a))).collect();
    answers.windows(2).any(|w| w[0] != w[1])
}

/// Why the verifier refuses a call.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "vectors", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "vectors", serde(rename_all = "snake_case"))]
pub enum Denial {
    /// The program type cannot be loaded at all (`BPF_PROG_TYPE_UNSPEC`): `-EINVAL` from `BPF_PROG_LOAD`.
    ProgType,
    /// The kernel does not know the function: a helper id at or above `__BPF_FUNC_MAX_ID` (`invalid func`,
    /// `-EINVAL`), or a kfunc missing from vmlinux BTF, which the loader cannot resolve (libbpf:
    /// `extern (func ksym) '<name>': not found in kernel or module BTFs`, `-ESRCH`), so the program never
    /// reaches the verifier.
    Unknown,
    /// Helper with no prototype for this program: `program of this type cannot use helper bpf_<name>#<id>`
    /// (before [`Rule::HelperDenialNamesProgType`]: `unknown func bpf_<name>#<id>`), `-EINVAL`.
    HelperNotAllowed,
    /// Kfunc not in a set registered for this program's hook: `calling kernel function <name> is not allowed`,
    /// `-EACCES`.
    KfuncNotAllowed,
    /// `bpf_dynptr_slice_rdwr` in a program that may not write packet data: `the prog does not allow writes
    /// to packet data`, `-EINVAL`.
    PacketWrite,
    /// The profile names a kernel outside 6.1 to 7.3: the model does not answer for it.
    UnsupportedKernel,
}

impl Denial {
    /// The verifier log line (without the trailing newline) on the kernel `rules` describes; for
    /// [`Denial::Unknown`] of a kfunc, the loader's.
    pub fn message(self, func: Func, rules: Rules) -> String {
        let id = func.helper_id().unwrap_or(0);
        match self {
            Denial::ProgType => "invalid program type".to_string(),
            Denial::Unknown => match func.kind() {
                FuncKind::Helper(id) => format!("invalid func unknown#{id}"),
                FuncKind::Kfunc => format!("extern (func ksym) '{}': not found in kernel or module BTFs", func.name()),
            },
            Denial::HelperNotAllowed if rules.has(Rule::HelperDenialNamesProgType) => {
                format!("program of this type cannot use helper {}#{id}", func.name())
            }
            Denial::HelperNotAllowed => format!("unknown func {}#{id}", func.name()),
            Denial::KfuncNotAllowed => format!("calling kernel function {} is not allowed", func.name()),
            Denial::PacketWrite => "the prog does not allow writes to packet data".to_string(),
            Denial::UnsupportedKernel => {
                format!("kernel {} is outside the releases the model speaks for", rules.version())
            }
        }
    }

    /// The errno the load of a program calling `func` fails with (`BPF_PROG_LOAD`'s, or the loader's for a
    /// kfunc it cannot resolve).
    pub fn errno(self, func: Func) -> crate::Errno {
        match (self, func.kind()) {
            (Denial::KfuncNotAllowed, _) => crate::Errno::EACCES,
            (Denial::Unknown, FuncKind::Kfunc) => crate::Errno::ESRCH,
            (
                Denial::Unknown
                | Denial::ProgType
                | Denial::HelperNotAllowed
                | Denial::PacketWrite
                | Denial::UnsupportedKernel,
                _,
            ) => crate::Errno::EINVAL,
        }
    }
}

/// The verifier's availability verdict for a call of `func` in `prog` on the kernel `profile` describes (its
/// [`Rules`]); [`Denial::UnsupportedKernel`] for a version outside 6.1 to 7.3. See [`check_rules`].
///
/// ```
/// use bpf_model::prog::{check, Denial, Func, Prog, ProgType};
/// use bpf_model::{KernelProfile, KernelVersion};
/// let mut p = KernelProfile::x86_64_v6_18();
/// assert_eq!(check(Func::DynptrSliceRdwr, &Prog::of(ProgType::Syscall), &p), Err(Denial::PacketWrite));
/// assert_eq!(check(Func::RingbufOutput, &Prog::of(ProgType::LircMode2), &p), Err(Denial::HelperNotAllowed));
/// p.version = KernelVersion::new(6, 16, 0);
/// assert_eq!(check(Func::DynptrMemset, &Prog::of(ProgType::Syscall), &p), Err(Denial::Unknown));
/// p.version = KernelVersion::new(5, 15, 0);
/// assert_eq!(check(Func::RingbufOutput, &Prog::of(ProgType::Xdp), &p), Err(Denial::UnsupportedKernel));
/// ```
pub fn check(func: Func, prog: &Prog, profile: &KernelProfile) -> Result<(), Denial> {
    match profile.rules() {
        Ok(rules) => check_rules(func, prog, rules),
        Err(_) => Err(Denial::UnsupportedKernel),
    }
}

/// The verifier's availability verdict for a call of `func` in `prog` on the kernel of `rules`.
///
/// Check order (`kernel/bpf/verifier.c`): the program type must exist (`BPF_PROG_LOAD`), then the function
/// must exist in this release (a kfunc must be in vmlinux BTF for the loader to resolve it), then the gate:
/// for a helper the type's `get_func_proto` (`check_helper_call()`), for a kfunc the common hook and then
/// the type's hook (`fetch_kfunc_meta()`); argument checks follow, and only after them the packet-write
/// check of `bpf_dynptr_slice_rdwr`.
///
/// ```
/// use bpf_model::prog::{check_rules, Denial, Func, Prog, ProgType};
/// use bpf_model::version::Rules;
/// use bpf_model::KernelVersion;
/// let r = |major, minor| Rules::new(KernelVersion::new(major, minor, 0)).unwrap();
/// let sock_ops = Prog::of(ProgType::SockOps);
/// assert_eq!(check_rules(Func::DynptrFromSkb, &sock_ops, r(6, 12)), Err(Denial::KfuncNotAllowed));
/// assert_eq!(check_rules(Func::DynptrFromSkb, &sock_ops, r(6, 16)), Ok(()));
/// assert_eq!(check_rules(Func::DynptrSlice, &sock_ops, r(6, 1)), Err(Denial::Unknown));
/// ```
pub fn check_rules(func: Func, prog: &Prog, rules: Rules) -> Result<(), Denial> {
    if prog.prog_type == ProgType::Unspec {
        return Err(Denial::ProgType);
    }
    if !rules.at_least(func.since()) {
        return Err(Denial::Unknown);
    }
    match availability_for(func, prog) {
        Some(since) if rules.at_least(since) && !withdrawn_by(func, prog).is_some_and(|r| rules.has(r)) => Ok(()),
        _ => {
            let ty = prog.resolved_type();
            if func.family() == Family::SliceRdwr
                && availability_for(Func::DynptrSlice, prog).is_some_and(|s| rules.at_least(s))
                && !ty.may_write_packet()
            {
                return Err(Denial::PacketWrite);
            }
            Err(if func.is_kfunc() { Denial::KfuncNotAllowed } else { Denial::HelperNotAllowed })
        }
    }
}
