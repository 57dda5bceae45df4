//! Program types: `enum bpf_prog_type` (`include/uapi/linux/bpf.h`), and the kfunc hook each maps to
//! (`kernel/bpf/btf.c`, `bpf_prog_type_to_kfunc_hook()`).

use super::v;
use crate::KernelVersion;
use std::fmt;

macro_rules! prog_types {
    ($( $var:ident = $num:literal, $name:literal, $short:literal, ($ma:literal, $mi:literal), $doc:literal; )*) => {
        /// `enum bpf_prog_type` of v6.18 (`include/uapi/linux/bpf.h`), with its uapi number.
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
        #[cfg_attr(feature = "vectors", derive(serde::Serialize, serde::Deserialize))]
        #[repr(u32)]
        pub enum ProgType {
            $( #[doc = concat!("`", $name, "` (", $num, "): ", $doc, " Since v", $ma, ".", $mi, ".")] $var = $num, )*
        }

        impl ProgType {
            /// Every program type, in uapi order.
            pub const ALL: [ProgType; 33] = [$(ProgType::$var),*];

            /// The uapi name (`"BPF_PROG_TYPE_XDP"`).
            pub const fn name(self) -> &'static str {
                match self { $(ProgType::$var => $name,)* }
            }

            /// A short column label for the overview table (`"XDP"`).
            pub const fn short(self) -> &'static str {
                match self { $(ProgType::$var => $short,)* }
            }

            /// The release that added the program type.
            pub const fn since(self) -> KernelVersion {
                match self { $(ProgType::$var => v($ma, $mi),)* }
            }
        }
    };
}

prog_types! {
    Unspec = 0, "BPF_PROG_TYPE_UNSPEC", "UNSPEC", (3, 18), "not a loadable type; `BPF_PROG_LOAD` refuses it with `-EINVAL`.";
    SocketFilter = 1, "BPF_PROG_TYPE_SOCKET_FILTER", "SOCKF", (3, 19), "socket filters (`SO_ATTACH_BPF`).";
    Kprobe = 2, "BPF_PROG_TYPE_KPROBE", "KPROBE", (4, 1), "kprobes, uprobes; own kfunc hook (`BTF_KFUNC_HOOK_KPROBE`).";
    SchedCls = 3, "BPF_PROG_TYPE_SCHED_CLS", "TC", (4, 1), "tc classifiers (`tc`, `tcx`).";
    SchedAct = 4, "BPF_PROG_TYPE_SCHED_ACT", "TCACT", (4, 1), "tc actions.";
    Tracepoint = 5, "BPF_PROG_TYPE_TRACEPOINT", "TP", (4, 7), "perf tracepoints; the TRACING kfunc hook since 6.12.";
    Xdp = 6, "BPF_PROG_TYPE_XDP", "XDP", (4, 8), "XDP.";
    PerfEvent = 7, "BPF_PROG_TYPE_PERF_EVENT", "PERF", (4, 9), "perf events; the TRACING kfunc hook since 6.12.";
    CgroupSkb = 8, "BPF_PROG_TYPE_CGROUP_SKB", "CGSKB", (4, 10), "cgroup ingress/egress skb filters.";
    CgroupSock = 9, "BPF_PROG_TYPE_CGROUP_SOCK", "CGSOCK", (4, 10), "cgroup socket create/release/post_bind.";
    LwtIn = 10, "BPF_PROG_TYPE_LWT_IN", "LWTIN", (4, 10), "lightweight tunnel input.";
    LwtOut = 11, "BPF_PROG_TYPE_LWT_OUT", "LWTOUT", (4, 10), "lightweight tunnel output.";
    LwtXmit = 12, "BPF_PROG_TYPE_LWT_XMIT", "LWTXMIT", (4, 10), "lightweight tunnel transmit.";
    SockOps = 13, "BPF_PROG_TYPE_SOCK_OPS", "SOCKOPS", (4, 13), "TCP socket operation callbacks.";
    SkSkb = 14, "BPF_PROG_TYPE_SK_SKB", "SKSKB", (4, 14), "sockmap stream parser/verdict.";
    CgroupDevice = 15, "BPF_PROG_TYPE_CGROUP_DEVICE", "CGDEV", (4, 15), "cgroup device access control.";
    SkMsg = 16, "BPF_PROG_TYPE_SK_MSG", "SKMSG", (4, 17), "sockmap sendmsg verdict.";
    RawTracepoint = 17, "BPF_PROG_TYPE_RAW_TRACEPOINT", "RAWTP", (4, 17), "raw tracepoints; the TRACING kfunc hook since 7.0.";
    CgroupSockAddr = 18, "BPF_PROG_TYPE_CGROUP_SOCK_ADDR", "SOCKADDR", (4, 17), "cgroup bind/connect/sendmsg/recvmsg/getpeername/getsockname hooks.";
    LwtSeg6local = 19, "BPF_PROG_TYPE_LWT_SEG6LOCAL", "SEG6", (4, 18), "SRv6 `End.BPF` actions.";
    LircMode2 = 20, "BPF_PROG_TYPE_LIRC_MODE2", "LIRC", (4, 18), "IR decoders; its helper table does not fall back to `bpf_base_func_proto()`.";
    SkReuseport = 21, "BPF_PROG_TYPE_SK_REUSEPORT", "REUSEPORT", (4, 19), "`SO_REUSEPORT` socket selection.";
    FlowDissector = 22, "BPF_PROG_TYPE_FLOW_DISSECTOR", "FLOWDIS", (4, 20), "flow dissectors.";
    CgroupSysctl = 23, "BPF_PROG_TYPE_CGROUP_SYSCTL", "CGSYSCTL", (5, 2), "cgroup sysctl access control.";
    RawTracepointWritable = 24, "BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE", "RAWTPW", (5, 2), "writable raw tracepoints.";
    CgroupSockopt = 25, "BPF_PROG_TYPE_CGROUP_SOCKOPT", "CGSOCKOPT", (5, 3), "cgroup getsockopt/setsockopt hooks.";
    Tracing = 26, "BPF_PROG_TYPE_TRACING", "TRACING", (5, 5), "`tp_btf`, fentry/fexit/fmod_ret, iterators.";
    StructOps = 27, "BPF_PROG_TYPE_STRUCT_OPS", "STOPS", (5, 6), "struct_ops members (`tcp_congestion_ops`, `sched_ext_ops`, ...).";
    Ext = 28, "BPF_PROG_TYPE_EXT", "EXT", (5, 6), "freplace: takes the answers of the program it replaces.";
    Lsm = 29, "BPF_PROG_TYPE_LSM", "LSM", (5, 7), "BPF LSM (`lsm/`, `lsm_cgroup/`).";
    SkLookup = 30, "BPF_PROG_TYPE_SK_LOOKUP", "SKLOOKUP", (5, 9), "socket lookup.";
    Syscall = 31, "BPF_PROG_TYPE_SYSCALL", "SYSCALL", (5, 14), "programs run by `BPF_PROG_TEST_RUN` that may make syscalls.";
    Netfilter = 32, "BPF_PROG_TYPE_NETFILTER", "NF", (6, 4), "netfilter hooks.";
}

impl ProgType {
    /// The program type with uapi number `n`.
    pub fn from_u32(n: u32) -> Option<ProgType> {
        ProgType::ALL.get(n as usize).copied()
    }

    /// The type from its uapi name, with or without the `BPF_PROG_TYPE_` prefix, any case (`"xdp"`).
    pub fn from_name(name: &str) -> Option<ProgType> {
        let want = name.trim().to_ascii_uppercase();
        let want = want.strip_prefix("BPF_PROG_TYPE_").unwrap_or(&want);
        ProgType::ALL.into_iter().find(|t| t.name().strip_prefix("BPF_PROG_TYPE_") == Some(want))
    }

    /// The kfunc hook `bpf_prog_type_to_kfunc_hook()` maps this type to on 7.3 (`kernel/bpf/btf.c`); when
    /// a type joined its hook is part of the availability gates ([`crate::prog::check_rules`]).
    pub const fn kfunc_hook(self) -> KfuncHook {
        use ProgType::*;
        match self {
            Unspec => KfuncHook::Common,
            Xdp => KfuncHook::Xdp,
            SchedCls => KfuncHook::Tc,
            StructOps => KfuncHook::StructOps,
            Tracing | Tracepoint | PerfEvent | Lsm | RawTracepoint => KfuncHook::Tracing,
            Syscall => KfuncHook::Syscall,
            CgroupSkb | CgroupSock | CgroupDevice | CgroupSockAddr | CgroupSockopt | CgroupSysctl | SockOps => {
                KfuncHook::Cgroup
            }
            SchedAct => KfuncHook::SchedAct,
            SkSkb => KfuncHook::SkSkb,
            SocketFilter => KfuncHook::SocketFilter,
            LwtIn | LwtOut | LwtXmit | LwtSeg6local => KfuncHook::Lwt,
            Netfilter => KfuncHook::Netfilter,
            Kprobe => KfuncHook::Kprobe,
            RawTracepointWritable | SkMsg | LircMode2 | SkReuseport | FlowDissector | SkLookup | Ext => KfuncHook::None,
        }
    }

    /// Whether `may_access_direct_pkt_data(.., BPF_WRITE)` (`kernel/bpf/verifier.c`) allows the type to write
    /// packet data; `bpf_dynptr_slice_rdwr` is refused everywhere else.
    pub const fn may_write_packet(self) -> bool {
        use ProgType::*;
        matches!(self, SchedCls | SchedAct | Xdp | LwtXmit | SkSkb | SkMsg | CgroupSockopt)
    }

    /// Whether the type's helper table reaches `bpf_base_func_proto()` (`kernel/bpf/helpers.c`), directly or
    /// through `bpf_sk_base_func_proto()` / `bpf_tracing_func_proto()` / `tracing_prog_func_proto()`.
    /// LIRC_MODE2's table (`drivers/media/rc/bpf-lirc.c`) lists its own few helpers and stops.
    pub const fn has_base_helpers(self) -> bool {
        !matches!(self, ProgType::Unspec | ProgType::LircMode2 | ProgType::Ext)
    }
}

impl fmt::Display for ProgType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The kfunc hooks of `enum btf_kfunc_hook` (`kernel/bpf/btf.c`) a program type can map to.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum KfuncHook {
    /// `BTF_KFUNC_HOOK_COMMON`: sets registered for `BPF_PROG_TYPE_UNSPEC`; checked first for every type.
    Common,
    /// `BTF_KFUNC_HOOK_XDP`.
    Xdp,
    /// `BTF_KFUNC_HOOK_TC` (SCHED_CLS).
    Tc,
    /// `BTF_KFUNC_HOOK_STRUCT_OPS`.
    StructOps,
    /// `BTF_KFUNC_HOOK_TRACING`: TRACING, LSM, TRACEPOINT and PERF_EVENT (6.12), RAW_TRACEPOINT (7.0).
    Tracing,
    /// `BTF_KFUNC_HOOK_SYSCALL`.
    Syscall,
    /// `BTF_KFUNC_HOOK_CGROUP`: the cgroup types and SOCK_OPS.
    Cgroup,
    /// `BTF_KFUNC_HOOK_SCHED_ACT`.
    SchedAct,
    /// `BTF_KFUNC_HOOK_SK_SKB`.
    SkSkb,
    /// `BTF_KFUNC_HOOK_SOCKET_FILTER`.
    SocketFilter,
    /// `BTF_KFUNC_HOOK_LWT`: the four LWT types.
    Lwt,
    /// `BTF_KFUNC_HOOK_NETFILTER`.
    Netfilter,
    /// `BTF_KFUNC_HOOK_KPROBE`.
    Kprobe,
    /// `BTF_KFUNC_HOOK_MAX`: no hook of its own (RAW_TRACEPOINT before 7.0, RAW_TRACEPOINT_WRITABLE, SK_MSG, SK_REUSEPORT,
    /// FLOW_DISSECTOR, LIRC_MODE2, SK_LOOKUP, EXT resolves to its target); only common kfuncs.
    None,
}
