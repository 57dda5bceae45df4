//! Who calls the helpers and how: the implementation of `bpf_setsockopt`/`bpf_getsockopt` a program gets
//! (whether it may call them at all is `prog::check`'s answer), and the caller of one call.

use super::{BPF_SOCK_OPS_WRITE_HDR_OPT_CB, LOOPBACK_IFINDEX};
use crate::prog::{self, Attach, Denial, Func, LsmHook, Prog, ProgType};
use crate::KernelProfile;

/// Which helper implementation the caller got; see [`Caller::of`].
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

impl Caller {
    /// Which implementation of `bpf_setsockopt` (`set`) or `bpf_getsockopt` a program gets on the
    /// profile's kernel, or the verifier's [`Denial`] when it may not call the helper at all.
    ///
    /// Whether it may call it is [`prog::check`] (the one table of which program may call what, since
    /// when); which implementation it then gets follows the program's type and attach point:
    /// sock_ops → `bpf_sock_ops_*`, CGROUP_SOCK_ADDR → `bpf_sock_addr_*`, the LSM-cgroup hooks
    /// `socket_post_create` / `socket_socketpair` → `bpf_unlocked_sk_*`, every other caller
    /// (`cgroup/setsockopt`, the locked LSM-cgroup hooks, tcp-cc struct_ops, `iter/tcp`, `iter/unix`) →
    /// `bpf_sk_*`. Kernel: net/core/filter.c, `sock_ops_func_proto()`, `sock_addr_func_proto()`;
    /// kernel/bpf/cgroup.c, `cg_sockopt_func_proto()`; kernel/bpf/bpf_lsm.c, `bpf_lsm_func_proto()`;
    /// net/ipv4/bpf_tcp_ca.c, `bpf_tcp_ca_get_func_proto()`; the iterators' `get_func_proto`.
    ///
    /// ```
    /// use bpf_model::prog::{Attach, Denial, LsmHook, Prog, ProgType};
    /// use bpf_model::sockopt::Caller;
    /// use bpf_model::KernelProfile;
    /// let p = KernelProfile::x86_64_v6_18();
    /// assert_eq!(Caller::of(&Prog::of(ProgType::SockOps), true, &p), Ok(Caller::SockOps { op: 0 }));
    /// let getsockopt = Prog::new(ProgType::CgroupSockopt, Attach::CgroupGetsockopt);
    /// assert_eq!(Caller::of(&getsockopt, true, &p), Err(Denial::HelperNotAllowed));
    /// let post_create = Prog::new(ProgType::Lsm, Attach::LsmCgroup(LsmHook::SocketPostCreate));
    /// assert_eq!(Caller::of(&post_create, false, &p), Ok(Caller::Unlocked));
    /// ```
    pub fn of(prog: &Prog, set: bool, profile: &KernelProfile) -> Result<Caller, Denial> {
        let func = if set { Func::Setsockopt } else { Func::Getsockopt };
        prog::check(func, prog, profile)?;
        let unlocked = matches!(prog.attach, Attach::LsmCgroup(LsmHook::SocketPostCreate | LsmHook::SocketSocketpair));
        Ok(match prog.resolved_type() {
            ProgType::SockOps => Caller::SockOps { op: 0 },
            ProgType::CgroupSockAddr => Caller::SockAddr,
            _ if unlocked => Caller::Unlocked,
            _ => Caller::Locked,
        })
    }
}
