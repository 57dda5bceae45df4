//! Attach points that change an answer (`expected_attach_type`, `enum bpf_attach_type` in
//! `include/uapi/linux/bpf.h`): the sock_addr, LSM and iterator hooks, and a program as type plus attach point.

use super::ProgType;

/// `cgroup/<hook>` of a CGROUP_SOCK_ADDR program (its `expected_attach_type`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "vectors", derive(serde::Serialize, serde::Deserialize))]
#[allow(missing_docs)]
pub enum SockAddrHook {
    Bind4,
    Bind6,
    Connect4,
    Connect6,
    UnixConnect,
    Sendmsg4,
    Sendmsg6,
    UnixSendmsg,
    Recvmsg4,
    Recvmsg6,
    UnixRecvmsg,
    Getpeername4,
    Getpeername6,
    UnixGetpeername,
    Getsockname4,
    Getsockname6,
    UnixGetsockname,
}

impl SockAddrHook {
    /// The uapi `enum bpf_attach_type` value.
    pub const fn attach_type(self) -> u32 {
        use SockAddrHook::*;
        match self {
            Bind4 => 8,
            Bind6 => 9,
            Connect4 => 10,
            Connect6 => 11,
            Sendmsg4 => 14,
            Sendmsg6 => 15,
            Recvmsg4 => 19,
            Recvmsg6 => 20,
            Getpeername4 => 29,
            Getpeername6 => 30,
            Getsockname4 => 31,
            Getsockname6 => 32,
            UnixConnect => 49,
            UnixSendmsg => 50,
            UnixRecvmsg => 51,
            UnixGetpeername => 52,
            UnixGetsockname => 53,
        }
    }

    /// The `AF_UNIX` hooks, added in 6.7.
    pub const fn is_unix(self) -> bool {
        use SockAddrHook::*;
        matches!(self, UnixConnect | UnixSendmsg | UnixRecvmsg | UnixGetpeername | UnixGetsockname)
    }

    /// The recvmsg hooks, which must return 1.
    pub const fn is_recvmsg(self) -> bool {
        matches!(self, SockAddrHook::Recvmsg4 | SockAddrHook::Recvmsg6 | SockAddrHook::UnixRecvmsg)
    }
}

/// The LSM hook an LSM program attaches to, as far as it changes an answer.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "vectors", derive(serde::Serialize, serde::Deserialize))]
pub enum LsmHook {
    /// `sock_graft`: in `bpf_lsm_locked_sockopt_hooks` (the socket is locked).
    SockGraft,
    /// `inet_csk_clone`: locked sockopt hook.
    InetCskClone,
    /// `inet_conn_established`: locked sockopt hook.
    InetConnEstablished,
    /// `socket_post_create`: in `bpf_lsm_unlocked_sockopt_hooks`.
    SocketPostCreate,
    /// `socket_socketpair`: unlocked sockopt hook.
    SocketSocketpair,
    /// `socket_sock_rcv_skb(struct sock *, struct sk_buff *)`: no sockopt helpers.
    SocketSockRcvSkb,
    /// `socket_bind`: no sockopt helpers.
    SocketBind,
    /// Any other hook.
    Other,
}

impl LsmHook {
    /// The hook's name (`"socket_post_create"`), whose BTF function is `bpf_lsm_<name>`.
    pub const fn name(self) -> &'static str {
        use LsmHook::*;
        match self {
            SockGraft => "sock_graft",
            InetCskClone => "inet_csk_clone",
            InetConnEstablished => "inet_conn_established",
            SocketPostCreate => "socket_post_create",
            SocketSocketpair => "socket_socketpair",
            SocketSockRcvSkb => "socket_sock_rcv_skb",
            SocketBind => "socket_bind",
            Other => "file_open",
        }
    }

    /// In `bpf_lsm_locked_sockopt_hooks` or `bpf_lsm_unlocked_sockopt_hooks` (`kernel/bpf/bpf_lsm.c`).
    pub const fn has_sockopt(self) -> bool {
        use LsmHook::*;
        matches!(self, SockGraft | InetCskClone | InetConnEstablished | SocketPostCreate | SocketSocketpair)
    }
}

/// A BPF iterator target (`iter/<target>`), as far as it changes an answer.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "vectors", derive(serde::Serialize, serde::Deserialize))]
pub enum IterTarget {
    /// `iter/tcp`: its `get_func_proto` adds `bpf_setsockopt`/`bpf_getsockopt` (`net/ipv4/tcp_ipv4.c`).
    Tcp,
    /// `iter/unix`: adds them too (`net/unix/af_unix.c`).
    Unix,
    /// `iter/task`, or any other target without extra helpers.
    Task,
}

impl IterTarget {
    /// The target's name (`"tcp"`), whose BTF function is `bpf_iter_<name>`.
    pub const fn name(self) -> &'static str {
        match self {
            IterTarget::Tcp => "tcp",
            IterTarget::Unix => "unix",
            IterTarget::Task => "task",
        }
    }
}

/// What of a program, beyond its type, changes which functions it may call.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "vectors", derive(serde::Serialize, serde::Deserialize))]
pub enum Attach {
    /// Nothing beyond the type matters (or the default attach point of the type).
    Default,
    /// A CGROUP_SOCK_ADDR hook.
    SockAddr(SockAddrHook),
    /// CGROUP_SOCKOPT `cgroup/getsockopt` (`BPF_CGROUP_GETSOCKOPT`).
    CgroupGetsockopt,
    /// CGROUP_SOCKOPT `cgroup/setsockopt` (`BPF_CGROUP_SETSOCKOPT`).
    CgroupSetsockopt,
    /// LSM `lsm/<hook>` (`BPF_LSM_MAC`).
    LsmMac(LsmHook),
    /// LSM `lsm_cgroup/<hook>` (`BPF_LSM_CGROUP`).
    LsmCgroup(LsmHook),
    /// TRACING `tp_btf/<tracepoint>` (`BPF_TRACE_RAW_TP`).
    TpBtf,
    /// TRACING fentry/fexit/fmod_ret (`BPF_TRACE_FENTRY` ...).
    Trampoline,
    /// TRACING `iter/<target>` (`BPF_TRACE_ITER`).
    Iter(IterTarget),
    /// STRUCT_OPS `tcp_congestion_ops` member other than `release`.
    TcpCaOp,
    /// STRUCT_OPS `tcp_congestion_ops.release`.
    TcpCaRelease,
    /// EXT (freplace) of a program of this type.
    ExtOf(ProgType),
}

/// A program as the verifier sees it for availability: its type and attach point.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "vectors", derive(serde::Serialize, serde::Deserialize))]
pub struct Prog {
    /// `BPF_PROG_TYPE_*`.
    pub prog_type: ProgType,
    /// The attach point, where it matters.
    pub attach: Attach,
}

impl Prog {
    /// A program of `prog_type` attached at `attach`.
    pub const fn new(prog_type: ProgType, attach: Attach) -> Prog {
        Prog { prog_type, attach }
    }

    /// A program of `prog_type` at its default attach point.
    pub const fn of(prog_type: ProgType) -> Prog {
        Prog { prog_type, attach: Attach::Default }
    }

    /// The type whose tables the verifier consults: an EXT program's target type (`resolve_prog_type()`).
    pub const fn resolved_type(&self) -> ProgType {
        match (self.prog_type, self.attach) {
            (ProgType::Ext, Attach::ExtOf(t)) => t,
            (t, _) => t,
        }
    }
}

/// The attach points of a type that change an answer, the first being the type's default.
pub fn attach_points(prog_type: ProgType) -> Vec<Attach> {
    use ProgType::*;
    match prog_type {
        CgroupSockAddr => [
            SockAddrHook::Connect4,
            SockAddrHook::Connect6,
            SockAddrHook::Bind4,
            SockAddrHook::Bind6,
            SockAddrHook::Sendmsg4,
            SockAddrHook::Sendmsg6,
            SockAddrHook::Recvmsg4,
            SockAddrHook::Recvmsg6,
            SockAddrHook::Getpeername4,
            SockAddrHook::Getpeername6,
            SockAddrHook::Getsockname4,
            SockAddrHook::Getsockname6,
            SockAddrHook::UnixConnect,
            SockAddrHook::UnixSendmsg,
            SockAddrHook::UnixRecvmsg,
            SockAddrHook::UnixGetpeername,
            SockAddrHook::UnixGetsockname,
        ]
        .into_iter()
        .map(Attach::SockAddr)
        .collect(),
        CgroupSockopt => vec![Attach::CgroupSetsockopt, Attach::CgroupGetsockopt],
        Lsm => {
            let hooks = [
                LsmHook::SockGraft,
                LsmHook::InetCskClone,
                LsmHook::InetConnEstablished,
                LsmHook::SocketPostCreate,
                LsmHook::SocketSocketpair,
                LsmHook::SocketSockRcvSkb,
                LsmHook::SocketBind,
                LsmHook::Other,
            ];
            hooks.iter().map(|&h| Attach::LsmMac(h)).chain(hooks.iter().map(|&h| Attach::LsmCgroup(h))).collect()
        }
        Tracing => vec![
            Attach::TpBtf,
            Attach::Trampoline,
            Attach::Iter(IterTarget::Tcp),
            Attach::Iter(IterTarget::Unix),
            Attach::Iter(IterTarget::Task),
        ],
        StructOps => vec![Attach::TcpCaOp, Attach::TcpCaRelease, Attach::Default],
        Ext => ProgType::ALL
            .into_iter()
            .filter(|t| !matches!(t, ProgType::Ext | ProgType::Unspec))
            .map(Attach::ExtOf)
            .collect(),
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
        | LwtSeg6local
        | LircMode2
        | SkReuseport
        | FlowDissector
        | CgroupSysctl
        | RawTracepointWritable
        | SkLookup
        | Syscall
        | Netfilter => vec![Attach::Default],
    }
}
