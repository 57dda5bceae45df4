//! Who may call the helpers and how: the program types and attach points that get an implementation of
//! `bpf_setsockopt`/`bpf_getsockopt` (the `*_func_proto()` tables), and the caller of one call.

use super::{BPF_SOCK_OPS_WRITE_HDR_OPT_CB, LOOPBACK_IFINDEX};
use crate::KernelVersion;

/// Which helper implementation the caller got; see [`helper_proto`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "vectors", derive(serde::Serialize, serde::Deserialize))]
pub enum Caller {
    /// `bpf_sock_ops_{set,get}sockopt`, in sock_ops callback `op`.
    SockOps {
        /// The `BPF_SOCK_OPS_*` callback.
        op: u32,
    },
    /// `bpf_sock_addr_{set,get}sockopt` (cgroup connect4/6, bind4/6, ...): the locked `ctx->sk`.
    SockAddr,
    /// `bpf_sk_{set,get}sockopt`: `cgroup/setsockopt`, tcp-cc struct_ops, `iter/tcp`, `iter/unix`, the
    /// locked LSM-cgroup hooks.
    Locked,
    /// `bpf_unlocked_sk_{set,get}sockopt`: LSM-cgroup `socket_post_create` / `socket_socketpair`.
    Unlocked,
}

/// Everything about the call that is not the socket: who calls, and the environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallCtx {
    /// The helper implementation.
    pub caller: Caller,
    /// Whether the task that happens to run the program has `CAP_NET_RAW` in the socket's network
    /// namespace (checked only when rebinding a bound socket to a device).
    pub cap_net_raw: bool,
    /// The network devices `SO_BINDTODEVICE` can find by name: `(name, ifindex)`.
    pub devices: Vec<(String, i32)>,
}

impl CallCtx {
    /// A call from `caller`, by a task with `CAP_NET_RAW`, in a namespace that has only `lo`.
    pub fn new(caller: Caller) -> CallCtx {
        CallCtx { caller, cap_net_raw: true, devices: vec![("lo".into(), LOOPBACK_IFINDEX)] }
    }

    /// A sock_ops program in callback `op`.
    pub fn sock_ops(op: u32) -> CallCtx {
        CallCtx::new(Caller::SockOps { op })
    }

    /// `kernel: net/core/filter.c, is_locked_tcp_sock_ops()` negated: a sock_ops callback past
    /// `BPF_SOCK_OPS_WRITE_HDR_OPT_CB`.
    pub fn unlocked_sock_ops(&self) -> bool {
        matches!(self.caller, Caller::SockOps { op } if op > BPF_SOCK_OPS_WRITE_HDR_OPT_CB)
    }
}

/// A BPF program type, as far as these helpers care.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProgKind {
    /// `BPF_PROG_TYPE_SOCK_OPS`.
    SockOps,
    /// `BPF_PROG_TYPE_CGROUP_SOCK_ADDR` with this expected attach type.
    CgroupSockAddr(SockAddrAttach),
    /// `BPF_PROG_TYPE_CGROUP_SOCKOPT`: `cgroup/setsockopt` (true) or `cgroup/getsockopt` (false).
    CgroupSockopt {
        /// Attached as `BPF_CGROUP_SETSOCKOPT`.
        setsockopt: bool,
    },
    /// `BPF_PROG_TYPE_LSM` with `BPF_LSM_CGROUP` on this hook (or `BPF_LSM_MAC` when `cgroup` is false).
    Lsm {
        /// `BPF_LSM_CGROUP` rather than `BPF_LSM_MAC`.
        cgroup: bool,
        /// The hook (`"socket_post_create"`, `"inet_conn_established"`, ...).
        hook: &'static str,
    },
    /// `BPF_PROG_TYPE_STRUCT_OPS` implementing `tcp_congestion_ops`; `release` is the `.release` op.
    TcpCongestionOps {
        /// The program implements `.release`.
        release: bool,
    },
    /// `BPF_PROG_TYPE_TRACING` `iter/tcp`.
    IterTcp,
    /// `BPF_PROG_TYPE_TRACING` `iter/unix`.
    IterUnix,
    /// Anything else (XDP, TC, socket filter, kprobe, SYSCALL, sk_skb, sk_msg, ...).
    Other,
}

/// The sock_addr attach types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SockAddrAttach {
    /// `BPF_CGROUP_INET4_CONNECT` / `INET6_CONNECT` (since v5.8).
    InetConnect,
    /// `BPF_CGROUP_UNIX_CONNECT`.
    UnixConnect,
    /// bind, sendmsg, recvmsg, getpeername, getsockname (inet and unix).
    OtherAddrHook,
    /// `BPF_CGROUP_INET_SOCK_CREATE` and other attach types of the program type without the helpers.
    None,
}

/// Which implementation of `bpf_setsockopt`/`bpf_getsockopt` a program gets in v6.18, with the first
/// release that gave it one; `None` when the verifier rejects the call ("program of this type cannot use
/// helper bpf_setsockopt#49").
///
/// Kernel: net/core/filter.c, `sock_ops_func_proto()` and `sock_addr_func_proto()`;
/// kernel/bpf/cgroup.c, `cg_sockopt_func_proto()`; kernel/bpf/bpf_lsm.c, `bpf_lsm_func_proto()`;
/// net/ipv4/bpf_tcp_ca.c, `bpf_tcp_ca_get_func_proto()`; net/ipv4/tcp_ipv4.c and net/unix/af_unix.c,
/// the iterators' `get_func_proto`. Versions: sock_ops v4.13 (set) / v4.15 (get), sock_addr connect
/// v5.8, cgroup/setsockopt v5.15, LSM-cgroup v6.0 (the seed page), tcp-cc and `iter/tcp` v5.15 and
/// `iter/unix` v5.18 (from the commits' merge windows, **not verified against release tags**). The
/// extension of sock_addr to the other hooks is in v6.18; its first release is not verified
/// (`None` in the version).
///
/// ```
/// use bpf_model::sockopt::*;
/// assert_eq!(helper_proto(ProgKind::SockOps, true).map(|p| p.0), Some(Caller::SockOps { op: 0 }));
/// assert!(helper_proto(ProgKind::CgroupSockopt { setsockopt: false }, true).is_none());
/// assert!(helper_proto(ProgKind::TcpCongestionOps { release: true }, true).is_none());
/// ```
pub fn helper_proto(prog: ProgKind, set: bool) -> Option<(Caller, Option<KernelVersion>)> {
    let v = |a, b| Some(KernelVersion::new(a, b, 0));
    match prog {
        ProgKind::SockOps => Some((Caller::SockOps { op: 0 }, if set { v(4, 13) } else { v(4, 15) })),
        ProgKind::CgroupSockAddr(SockAddrAttach::InetConnect) => Some((Caller::SockAddr, v(5, 8))),
        ProgKind::CgroupSockAddr(SockAddrAttach::UnixConnect | SockAddrAttach::OtherAddrHook) => {
            Some((Caller::SockAddr, None))
        }
        ProgKind::CgroupSockAddr(SockAddrAttach::None) => None,
        ProgKind::CgroupSockopt { setsockopt: true } => Some((Caller::Locked, v(5, 15))),
        ProgKind::CgroupSockopt { setsockopt: false } => None,
        ProgKind::Lsm { cgroup: true, hook } => match hook {
            "sock_graft" | "inet_csk_clone" | "inet_conn_established" => Some((Caller::Locked, v(6, 0))),
            "socket_post_create" | "socket_socketpair" => Some((Caller::Unlocked, v(6, 0))),
            _ => None,
        },
        ProgKind::Lsm { cgroup: false, .. } => None,
        ProgKind::TcpCongestionOps { release: false } => Some((Caller::Locked, v(5, 15))),
        ProgKind::TcpCongestionOps { release: true } => None,
        ProgKind::IterTcp => Some((Caller::Locked, v(5, 15))),
        ProgKind::IterUnix => Some((Caller::Locked, v(5, 18))),
        ProgKind::Other => None,
    }
}
