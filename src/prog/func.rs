//! The modelled helpers and kfuncs, each with its page (what `bpf-oracle explain` prints), and the
//! load-time gates of helpers (`include/uapi/linux/bpf.h` ids) and kfuncs (`kernel/bpf/btf.c` kfunc sets).

use super::v;
use crate::KernelVersion;
use std::fmt;

/// Helper or kfunc.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum FuncKind {
    /// A helper: `call <id>` with the uapi `BPF_FUNC_*` id.
    Helper(u32),
    /// A kfunc: `call` with `BPF_PSEUDO_KFUNC_CALL` and the function's BTF id in vmlinux.
    Kfunc,
}

/// Which gate decides a function's availability; functions of one family share their program types.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Family {
    /// `bpf_setsockopt` / `bpf_getsockopt`: per-type protos in `net/core/filter.c`, `kernel/bpf/cgroup.c`,
    /// `kernel/bpf/bpf_lsm.c`, `net/ipv4/bpf_tcp_ca.c` and the tcp/unix iterators.
    Sockopt,
    /// Ring buffer helpers 130-134: the first, capability-free part of `bpf_base_func_proto()`.
    Ringbuf,
    /// Dynptr helpers and `bpf_user_ringbuf_drain`: the `CAP_BPF` part of `bpf_base_func_proto()`.
    BaseCapBpf,
    /// Common dynptr kfuncs: `common_btf_ids`, registered for `BPF_PROG_TYPE_UNSPEC` (every type).
    CommonKfunc,
    /// `bpf_dynptr_slice_rdwr`: common, then refused where packet writes are not allowed.
    SliceRdwr,
    /// `bpf_dynptr_from_skb`: `bpf_kfunc_set_skb` (`net/core/filter.c`).
    SkbKfunc,
    /// `bpf_dynptr_from_xdp`: `bpf_kfunc_set_xdp`.
    XdpKfunc,
    /// `bpf_dynptr_from_skb_meta`: `bpf_kfunc_set_skb_meta`.
    SkbMetaKfunc,
    /// The cpumask kfuncs: `cpumask_kfunc_set` (`kernel/bpf/cpumask.c`).
    Cpumask,
}

/// A correctly typed call of a function, with the companions the verifier requires around it: what the
/// availability cases' *full* program does (`bpf_model::vectors::availability`). Functions of one argument
/// shape share a recipe, so a new helper or kfunc of a known shape is one row of the table below.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Recipe {
    /// `(socket, SOL_SOCKET, SO_MARK, &buf, 4)` on the program's socket.
    Sockopt,
    /// `(ringbuf, &map_value, 8, 0)`.
    RingbufOutput,
    /// `bpf_ringbuf_reserve(ringbuf, 8, 0)`; if not NULL, `release(record, 0)`.
    RingbufRecord {
        /// `bpf_ringbuf_submit` or `bpf_ringbuf_discard`.
        release: Func,
    },
    /// `(ringbuf, 0)`.
    RingbufQuery,
    /// `(&map_value, 16, 0, &dynptr)`.
    FromMem,
    /// `bpf_ringbuf_reserve_dynptr(ringbuf, 8, 0, &dynptr)`, then `release(&dynptr, 0)`.
    RingbufDynptr {
        /// `bpf_ringbuf_submit_dynptr` or `bpf_ringbuf_discard_dynptr`.
        release: Func,
    },
    /// `(&buf, 8, &dynptr, 0, 0)` on a LOCAL dynptr from `bpf_dynptr_from_mem`.
    DynptrRead,
    /// `(&dynptr, 0, &buf, 8, 0)`.
    DynptrWrite,
    /// `(&dynptr, 0, 8)`.
    DynptrRange,
    /// `(user_ringbuf, callback, NULL, 0)`.
    UserRingbufDrain,
    /// `(&dynptr, 0, NULL, 8)`.
    DynptrSlice,
    /// `(&dynptr)`.
    Dynptr,
    /// `(&dynptr, &clone)`.
    DynptrClone,
    /// `(&dst, 0, &src, 0, 8)` between two LOCAL dynptrs.
    DynptrCopy,
    /// `(&dynptr, 0, 8, 0)`.
    DynptrMemset,
    /// `(skb, 0, &dynptr)` with the program's `sk_buff`.
    FromSkb {
        /// Only the context itself will do (`bpf_dynptr_from_skb_meta`), not an `sk_buff` it points to.
        ctx_only: bool,
    },
    /// `(xdp_md, 0, &dynptr)` with the program's context.
    FromXdp,
    /// `bpf_cpumask_create()`; if not NULL, `bpf_cpumask_release()`.
    CpumaskNew,
    /// `bpf_cpumask_create()`, `bpf_cpumask_acquire()` of it, both released.
    CpumaskAcquire,
    /// `bpf_cpumask_create()`, the call, `bpf_cpumask_release()`.
    Cpumask(CpumaskArgs),
}

/// The arguments of a cpumask kfunc, `mask` being a created `struct bpf_cpumask`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum CpumaskArgs {
    /// `(mask)`.
    Mask,
    /// `(mask, mask)`.
    TwoMasks,
    /// `(0, mask)`.
    CpuMask,
    /// `(mask, mask, mask)`.
    ThreeMasks,
    /// `(mask, &map_value, 32)`.
    Populate,
}

impl Recipe {
    /// The calls of the program in program order: its companions and `func` itself.
    pub fn calls(self, func: Func) -> Vec<Func> {
        use Func::*;
        match self {
            Recipe::RingbufRecord { release } => vec![RingbufReserve, release],
            Recipe::RingbufDynptr { release } => vec![RingbufReserveDynptr, release],
            Recipe::DynptrRead
            | Recipe::DynptrWrite
            | Recipe::DynptrRange
            | Recipe::DynptrSlice
            | Recipe::Dynptr
            | Recipe::DynptrClone
            | Recipe::DynptrMemset => vec![DynptrFromMem, func],
            Recipe::DynptrCopy => vec![DynptrFromMem, DynptrFromMem, func],
            Recipe::CpumaskNew => vec![CpumaskCreate, CpumaskRelease],
            Recipe::CpumaskAcquire => vec![CpumaskCreate, func, CpumaskRelease, CpumaskRelease],
            Recipe::Cpumask(_) => vec![CpumaskCreate, func, CpumaskRelease],
            Recipe::Sockopt
            | Recipe::RingbufOutput
            | Recipe::RingbufQuery
            | Recipe::FromMem
            | Recipe::UserRingbufDrain
            | Recipe::FromSkb { .. }
            | Recipe::FromXdp => vec![func],
        }
    }
}

macro_rules! fam_doc {
    (Sockopt) => {
        "# Program types\n\n\
         | program | since |\n|---|---|\n\
         | `BPF_PROG_TYPE_SOCK_OPS` | 4.13 (`bpf_getsockopt`: 4.15) |\n\
         | `BPF_PROG_TYPE_CGROUP_SOCK_ADDR`, inet hooks (connect, bind, sendmsg, recvmsg, getpeername, getsockname, v4 and v6) | 5.8 (seed page); every kernel of the matrix accepts the call in each |\n\
         | `BPF_PROG_TYPE_CGROUP_SOCK_ADDR`, `AF_UNIX` connect, sendmsg, recvmsg | 6.7 (the hooks' release); accepted from 6.12 on |\n\
         | `BPF_PROG_TYPE_CGROUP_SOCK_ADDR`, `AF_UNIX` getpeername, getsockname | 6.16: refused on 6.12, accepted from 6.16 on (the commit in 6.13-6.16 is not pinned) |\n\
         | `BPF_PROG_TYPE_CGROUP_SOCKOPT`, `cgroup/setsockopt` only | 5.15 (seed page) |\n\
         | `BPF_PROG_TYPE_CGROUP_SOCK`, `cgroup/sock_create` (the other attach points of the type are not judged) | 6.19: refused up to 6.18.44, accepted from 6.19 on (commit not pinned) |\n\
         | `BPF_PROG_TYPE_LSM`, `lsm_cgroup/` on `sock_graft`, `inet_csk_clone`, `inet_conn_established`, `socket_post_create`, `socket_socketpair` only | 6.0 (seed page) |\n\
         | `BPF_PROG_TYPE_STRUCT_OPS`, `tcp_congestion_ops` members other than `release` | 5.15 (source; not on the seed page) |\n\
         | `BPF_PROG_TYPE_TRACING`, `iter/tcp` | 5.15 (source; not on the seed page) |\n\
         | `BPF_PROG_TYPE_TRACING`, `iter/unix` | 5.18 (source; not on the seed page) |\n\n\
         Nothing else: `program of this type cannot use helper` (6.1: `unknown func`), `-EINVAL`. The seed page \
         lists only the sock_ops, sock_addr, cgroup sockopt and LSM rows; the kernel source adds the \
         tcp_congestion_ops and iterator rows, and every kernel of the matrix accepts the call there \
         (`tcp_congestion_ops.init`, `iter/tcp`, `iter/unix`; refused in `.release`), so the model follows the \
         kernel. Versions before 6.1 are the source's: the matrix starts at 6.1, which accepts every row but \
         the `AF_UNIX` ones (6.1 has no such hooks)."
    };
    (Ringbuf) => {
        "# Program types\n\n\
         Every program type whose helper table falls back to `bpf_base_func_proto()` (capability-free part), \
         since the helper's version or the type's, whichever is later: all types except \
         `BPF_PROG_TYPE_LIRC_MODE2` (its table stops at its own helpers) and `BPF_PROG_TYPE_UNSPEC`; \
         `BPF_PROG_TYPE_EXT` takes its target's answer. See the overview table in [`crate::prog`]."
    };
    (BaseCapBpf) => {
        "# Program types\n\n\
         Every program type whose helper table falls back to `bpf_base_func_proto()`, for a loader with \
         `CAP_BPF` (or a BPF token granting it): all types except `BPF_PROG_TYPE_LIRC_MODE2` and \
         `BPF_PROG_TYPE_UNSPEC`, since the helper's version or the type's, whichever is later; \
         `BPF_PROG_TYPE_EXT` takes its target's answer. Without `CAP_BPF` the table has no entry and the \
         verifier says `program of this type cannot use helper`. The seed page for \
         `bpf_ringbuf_reserve_dynptr` lists the same types. See the overview table in [`crate::prog`]."
    };
    (CommonKfunc) => {
        "# Program types\n\n\
         Registered for `BPF_PROG_TYPE_UNSPEC` (`common_btf_ids` in `kernel/bpf/helpers.c`), which \
         `btf_kfunc_id_set_contains()` checks first for every program type: all types, since the kfunc's \
         version. The `bpf_dynptr_memset` seed page tags some types later (CGROUP_* and TRACEPOINT, \
         PERF_EVENT 6.12, CGROUP_SOCK_ADDR 6.7, SOCK_OPS 6.15): those are when the types joined a kfunc hook, \
         which a common kfunc does not need, and Debian's 6.12 accepts these kfuncs in SOCK_OPS. The seed page \
         does not list KPROBE, RAW_TRACEPOINT, RAW_TRACEPOINT_WRITABLE, SK_MSG, SK_REUSEPORT, FLOW_DISSECTOR, \
         SK_LOOKUP or LIRC_MODE2; every kernel of the matrix accepts the call from them, and the model follows \
         the kernel."
    };
    (SliceRdwr) => {
        "# Program types\n\n\
         The kfunc is common (registered for `BPF_PROG_TYPE_UNSPEC`), but the verifier then refuses it with \
         `the prog does not allow writes to packet data` (`-EINVAL`) in every program type for which \
         `may_access_direct_pkt_data(.., BPF_WRITE)` is false, whatever the dynptr type. So it is available to \
         SCHED_CLS, SCHED_ACT, XDP, LWT_XMIT, SK_SKB, SK_MSG and CGROUP_SOCKOPT only, since 6.4."
    };
    (SkbKfunc) => {
        "# Program types\n\n\
         `bpf_kfunc_set_skb` is registered for SCHED_CLS, SCHED_ACT, SK_SKB, SOCKET_FILTER, CGROUP_SKB, LWT_IN, \
         LWT_OUT, LWT_XMIT, LWT_SEG6LOCAL (6.4), NETFILTER (6.5: the type's release is 6.4, the kfunc set's \
         registration for it is not pinned; accepted from 6.12 on) and TRACING (accepted from 6.12.118 on: \
         `tp_btf` programs with an `sk_buff` argument). Registration is per kfunc *hook*, so TRACING's hook \
         also serves TRACEPOINT, PERF_EVENT, LSM and \
         RAW_TRACEPOINT from 7.0 (refused on 6.19, accepted on 7.0; its context has no `sk_buff`), and \
         CGROUP_SKB's hook (`BTF_KFUNC_HOOK_CGROUP`) also serves \
         the types that joined that hook: CGROUP_SOCK_ADDR (6.7, seed page), CGROUP_SOCK, CGROUP_DEVICE, \
         CGROUP_SOCKOPT, CGROUP_SYSCTL (6.12, seed page; accepted on 6.12) and SOCK_OPS (6.15, seed page: \
         refused on 6.12, accepted from 6.16 on). Where the context offers no `sk_buff` (TRACEPOINT, \
         PERF_EVENT, an iterator, the non-skb cgroup types, SOCK_OPS) the verifier passes the availability \
         gate and then refuses the argument (`arg#0 pointer type STRUCT __sk_buff must point to scalar, or \
         struct with scalar`)."
    };
    (XdpKfunc) => {
        "# Program types\n\n`BPF_PROG_TYPE_XDP` only (`bpf_kfunc_set_xdp`), since 6.4."
    };
    (SkbMetaKfunc) => {
        "# Program types\n\n`BPF_PROG_TYPE_SCHED_CLS` and `BPF_PROG_TYPE_SCHED_ACT` only \
         (`bpf_kfunc_set_skb_meta`), since 6.18."
    };
    (Cpumask) => {
        "# Program types\n\n\
         `cpumask_kfunc_set` is registered for TRACING, STRUCT_OPS and SYSCALL (`kernel/bpf/cpumask.c`); \
         TRACING's kfunc hook also serves TRACEPOINT and PERF_EVENT (since 6.12, seed page), LSM, and \
         RAW_TRACEPOINT from 7.0 (refused on 6.19, accepted on 7.0; not RAW_TRACEPOINT_WRITABLE). \
         Versions: TRACING, STRUCT_OPS and LSM since the kfunc's version; TRACEPOINT and PERF_EVENT not \
         before 6.12; SYSCALL not before 6.11 (the registration's release is not pinned; 6.1 has no cpumask \
         kfuncs, 6.12 accepts them from SYSCALL). **The seed page for `bpf_cpumask_populate` does not list \
         SYSCALL; every kernel of the matrix that has the kfunc accepts the call from SYSCALL, so the model \
         follows the kernel.** KPROBE (own hook), RAW_TRACEPOINT before 7.0, RAW_TRACEPOINT_WRITABLE and \
         every networking and cgroup type: \
         `calling kernel function ... is not allowed`, `-EACCES`."
    };
}

macro_rules! funcs {
    ($( $var:ident {
        name: $name:literal,
        kind: $kind:expr,
        since: ($ma:literal, $mi:literal),
        family: $fam:ident,
        recipe: $recipe:expr,
        summary: $summary:literal,
        params: [$(($pn:literal, $pd:literal)),* $(,)?],
        returns: $ret:literal,
        signature: $sig:literal,
        checks: $checks:literal,
        example: ($ok:ident, $okma:literal, $okmi:literal, $no:ident),
    } )*) => {
        /// Every helper and kfunc this crate models. Each variant's page follows the seed pages' shape: what it
        /// does, parameters, return values, signature, program types with versions, the check order the model
        /// follows, and a runnable example. `bpf-oracle explain <name>` prints the same page with the live
        /// kernel's verdict per program type.
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
        pub enum Func {
            $(
                #[doc = concat!(
                    "`", $name, "`: ", $summary, "\n\n",
                    "Since v", $ma, ".", $mi, ".\n\n",
                    "# Parameters\n\n", $("- `", $pn, "`: ", $pd, "\n",)* "\n",
                    "# Returns\n\n", $ret, "\n\n",
                    "# Signature\n\n```c\n", $sig, "\n```\n\n",
                    fam_doc!($fam), "\n\n",
                    "# Check order\n\n", $checks, "\n\n",
                    "# Example\n\n```\n",
                    "use bpf_model::prog::{availability, Func, ProgType};\n",
                    "use bpf_model::KernelVersion;\n",
                    "let f = Func::", stringify!($var), ";\n",
                    "assert_eq!(f.name(), \"", $name, "\");\n",
                    "assert_eq!(Func::from_name(\"", $name, "\"), Some(f));\n",
                    "assert_eq!(availability(f, ProgType::", stringify!($ok), "), Some(KernelVersion::new(",
                    $okma, ", ", $okmi, ", 0)));\n",
                    "assert_eq!(availability(f, ProgType::", stringify!($no), "), None);\n",
                    "```\n"
                )]
                $var,
            )*
        }

        impl Func {
            /// Every modelled function: helpers by id, then kfuncs.
            pub const ALL: &'static [Func] = &[$(Func::$var),*];

            /// The kernel's name (`"bpf_ringbuf_output"`).
            pub const fn name(self) -> &'static str {
                match self { $(Func::$var => $name,)* }
            }

            /// Helper (with its uapi id) or kfunc.
            pub const fn kind(self) -> FuncKind {
                match self { $(Func::$var => $kind,)* }
            }

            /// The release that added the function.
            pub const fn since(self) -> KernelVersion {
                match self { $(Func::$var => v($ma, $mi),)* }
            }

            /// The gate that decides its program types.
            pub const fn family(self) -> Family {
                match self { $(Func::$var => Family::$fam,)* }
            }

            /// A correctly typed call of it, with the companions it needs (what the availability cases load).
            pub const fn recipe(self) -> Recipe {
                match self { $(Func::$var => $recipe,)* }
            }

            /// Its page, as data (what `bpf-oracle explain` prints).
            pub const fn doc(self) -> FuncDoc {
                match self {
                    $(Func::$var => FuncDoc {
                        summary: $summary,
                        params: &[$(($pn, $pd)),*],
                        returns: $ret,
                        signature: $sig,
                        program_types: fam_doc!($fam),
                        checks: $checks,
                    },)*
                }
            }
        }
    };
}

/// The page of one function, as data.
#[derive(Clone, Copy, Debug)]
pub struct FuncDoc {
    /// What it does.
    pub summary: &'static str,
    /// `(name, meaning)` per parameter.
    pub params: &'static [(&'static str, &'static str)],
    /// What it returns.
    pub returns: &'static str,
    /// The C signature.
    pub signature: &'static str,
    /// Its program types, as text (the exact table is [`availability`](super::availability)).
    pub program_types: &'static str,
    /// The order in which the kernel checks its inputs.
    pub checks: &'static str,
}

/// The load-time gate every helper passes first ("helper gate" in the check orders).
pub const HELPER_GATE: &str = "the helper id must be below `__BPF_FUNC_MAX_ID` (`invalid func`, `-EINVAL`), then the \
program type's `get_func_proto` must return a prototype (`program of this type cannot use helper`, `-EINVAL`), \
then the GPL check, then the arguments against the prototype.";

/// The load-time gate every kfunc passes first ("kfunc gate" in the check orders).
pub const KFUNC_GATE: &str = "the program must be JITed and GPL-compatible (`add_kfunc_call()`), then the kfunc must \
be in a set registered for `BPF_PROG_TYPE_UNSPEC` or for the program's kfunc hook (`calling kernel function <name> \
is not allowed`, `-EACCES`), then the arguments against its BTF prototype and flags.";

funcs! {
    Setsockopt {
        name: "bpf_setsockopt",
        kind: FuncKind::Helper(49),
        since: (4, 13),
        family: Sockopt,
        recipe: Recipe::Sockopt,
        summary: "emulate `setsockopt(2)` on the program's full socket, for the whitelisted options only.",
        params: [
            ("bpf_socket", "the context (`struct bpf_sock_ops`, `struct bpf_sock_addr`) or a socket pointer (cgroup sockopt, LSM, tcp_congestion_ops, iterators)"),
            ("level", "`SOL_SOCKET`, `SOL_TCP`, `SOL_IP` or `SOL_IPV6`"),
            ("optname", "the option; see [`crate::sockopt`] for the whitelist"),
            ("optval", "the value, `optlen` readable bytes"),
            ("optlen", "a constant size greater than 0"),
        ],
        returns: "0 on success, a negative errno otherwise (`-EINVAL` for options outside the whitelist or a socket that is not full, `-EOPNOTSUPP` in unlocked sock_ops callbacks, ...).",
        signature: "static long (* const bpf_setsockopt)(void *bpf_socket, int level, int optname, void *optval, int optlen) = (void *) 49;",
        checks: "Load time: helper gate, then `optlen` must be a known constant > 0. Run time (sock_ops): callback op above `BPF_SOCK_OPS_WRITE_HDR_OPT_CB` → `-EOPNOTSUPP`; not a full socket → `-EINVAL`; dispatch on level (SOL_SOCKET, SOL_IP, SOL_IPV6, SOL_TCP), each checking family/protocol and `optlen` before the option's own validation.",
        example: (SockOps, 4, 13, Xdp),
    }
    Getsockopt {
        name: "bpf_getsockopt",
        kind: FuncKind::Helper(57),
        since: (4, 15),
        family: Sockopt,
        recipe: Recipe::Sockopt,
        summary: "emulate `getsockopt(2)` on the program's full socket; on error the whole buffer is zeroed.",
        params: [
            ("bpf_socket", "as for `bpf_setsockopt`"),
            ("level", "`SOL_SOCKET`, `SOL_TCP`, `SOL_IP` or `SOL_IPV6`"),
            ("optname", "the option"),
            ("optval", "the output buffer, `optlen` writable bytes (may be uninitialised)"),
            ("optlen", "a constant size greater than 0"),
        ],
        returns: "0 on success (sock_ops `TCP_BPF_SYN*`: the number of bytes), a negative errno otherwise; on error `optval` is all zero.",
        signature: "static long (* const bpf_getsockopt)(void *bpf_socket, int level, int optname, void *optval, int optlen) = (void *) 57;",
        checks: "Load time: helper gate, then `optlen` a known constant > 0. Run time: as `bpf_setsockopt`, dispatching SOL_SOCKET, SOL_TCP, SOL_IP, SOL_IPV6; any error sets the returned length to 0 and zero-fills `optval`.",
        example: (CgroupSockAddr, 5, 8, Kprobe),
    }
    RingbufOutput {
        name: "bpf_ringbuf_output",
        kind: FuncKind::Helper(130),
        since: (5, 8),
        family: Ringbuf,
        recipe: Recipe::RingbufOutput,
        summary: "copy `size` bytes into a new ring buffer record and commit it.",
        params: [
            ("ringbuf", "a `BPF_MAP_TYPE_RINGBUF` map"),
            ("data", "the bytes to copy"),
            ("size", "bounded size, 0 allowed"),
            ("flags", "`BPF_RB_NO_WAKEUP`, `BPF_RB_FORCE_WAKEUP` or 0"),
        ],
        returns: "0, `-EINVAL` for unknown flags, `-EAGAIN` when the record does not fit.",
        signature: "static long (* const bpf_ringbuf_output)(void *ringbuf, void *data, __u64 size, __u64 flags) = (void *) 130;",
        checks: "Load time: helper gate; map must be a RINGBUF. Run time: flags outside the two wakeup bits → `-EINVAL` (before reserving); reservation fails → `-EAGAIN`; else copy, commit, 0.",
        example: (Xdp, 5, 8, LircMode2),
    }
    RingbufReserve {
        name: "bpf_ringbuf_reserve",
        kind: FuncKind::Helper(131),
        since: (5, 8),
        family: Ringbuf,
        recipe: Recipe::RingbufRecord { release: Func::RingbufDiscard },
        summary: "reserve a record of constant `size` bytes; the program must submit or discard it.",
        params: [
            ("ringbuf", "a `BPF_MAP_TYPE_RINGBUF` map"),
            ("size", "a verifier-known constant"),
            ("flags", "must be 0"),
        ],
        returns: "a pointer to the record's data, or NULL (flags not 0, no space, lock not taken).",
        signature: "static void *(* const bpf_ringbuf_reserve)(void *ringbuf, __u64 size, __u64 flags) = (void *) 131;",
        checks: "Load time: helper gate; the result must be NULL-checked and released exactly once. Run time: flags ≠ 0 → NULL; otherwise the reservation (NULL if it does not fit).",
        example: (Syscall, 5, 14, LircMode2),
    }
    RingbufSubmit {
        name: "bpf_ringbuf_submit",
        kind: FuncKind::Helper(132),
        since: (5, 8),
        family: Ringbuf,
        recipe: Recipe::RingbufRecord { release: Func::RingbufSubmit },
        summary: "commit a record reserved with `bpf_ringbuf_reserve`.",
        params: [("data", "the reserved record"), ("flags", "wakeup flags")],
        returns: "nothing.",
        signature: "static void (* const bpf_ringbuf_submit)(void *data, __u64 flags) = (void *) 132;",
        checks: "Load time: helper gate; `data` must be an unreleased ring buffer record. Run time: always succeeds.",
        example: (SchedCls, 5, 8, Unspec),
    }
    RingbufDiscard {
        name: "bpf_ringbuf_discard",
        kind: FuncKind::Helper(133),
        since: (5, 8),
        family: Ringbuf,
        recipe: Recipe::RingbufRecord { release: Func::RingbufDiscard },
        summary: "discard a record reserved with `bpf_ringbuf_reserve`.",
        params: [("data", "the reserved record"), ("flags", "wakeup flags")],
        returns: "nothing.",
        signature: "static void (* const bpf_ringbuf_discard)(void *data, __u64 flags) = (void *) 133;",
        checks: "Load time: helper gate; `data` must be an unreleased ring buffer record. Run time: always succeeds.",
        example: (Tracing, 5, 8, LircMode2),
    }
    RingbufQuery {
        name: "bpf_ringbuf_query",
        kind: FuncKind::Helper(134),
        since: (5, 8),
        family: Ringbuf,
        recipe: Recipe::RingbufQuery,
        summary: "read a ring buffer property: available data, size, consumer or producer position.",
        params: [("ringbuf", "a `BPF_MAP_TYPE_RINGBUF` map"), ("flags", "`BPF_RB_AVAIL_DATA` (0) .. `BPF_RB_PROD_POS` (3)")],
        returns: "the property; 0 for an unknown flag.",
        signature: "static __u64 (* const bpf_ringbuf_query)(void *ringbuf, __u64 flags) = (void *) 134;",
        checks: "Load time: helper gate. Run time: switch on flags, unknown → 0.",
        example: (SkLookup, 5, 9, LircMode2),
    }
    DynptrFromMem {
        name: "bpf_dynptr_from_mem",
        kind: FuncKind::Helper(197),
        since: (5, 19),
        family: BaseCapBpf,
        recipe: Recipe::FromMem,
        summary: "make a LOCAL dynptr over `size` bytes of a map value.",
        params: [
            ("data", "a map value (global data included)"),
            ("size", "bounded by the value's size"),
            ("flags", "must be 0"),
            ("ptr", "an uninitialised stack `struct bpf_dynptr`"),
        ],
        returns: "0; `-E2BIG` for a size above 16777215, `-EINVAL` for flags (the dynptr is then null).",
        signature: "static long (* const bpf_dynptr_from_mem)(void *data, __u32 size, __u64 flags, struct bpf_dynptr *ptr) = (void *) 197;",
        checks: "Load time: helper gate (`CAP_BPF`). Run time: size > 16777215 → `-E2BIG`; flags ≠ 0 → `-EINVAL`; else 0. See [`crate::dynptr`].",
        example: (Kprobe, 5, 19, LircMode2),
    }
    RingbufReserveDynptr {
        name: "bpf_ringbuf_reserve_dynptr",
        kind: FuncKind::Helper(198),
        since: (5, 19),
        family: BaseCapBpf,
        recipe: Recipe::RingbufDynptr { release: Func::RingbufDiscardDynptr },
        summary: "reserve a ring buffer record of any `size` through a dynptr; submit or discard it even on failure.",
        params: [
            ("ringbuf", "a `BPF_MAP_TYPE_RINGBUF` map"),
            ("size", "any u32"),
            ("flags", "must be 0"),
            ("ptr", "an uninitialised stack `struct bpf_dynptr`"),
        ],
        returns: "0; `-EINVAL` for flags or no space, `-E2BIG` for a size above 16777215 (the dynptr is then null).",
        signature: "static long (* const bpf_ringbuf_reserve_dynptr)(void *ringbuf, __u32 size, __u64 flags, struct bpf_dynptr *ptr) = (void *) 198;",
        checks: "Load time: helper gate (`CAP_BPF`); a matching submit/discard is required on every path. Run time: flags ≠ 0 → `-EINVAL`; size > 16777215 → `-E2BIG`; reservation fails → `-EINVAL`; else 0.",
        example: (Tracepoint, 5, 19, LircMode2),
    }
    RingbufSubmitDynptr {
        name: "bpf_ringbuf_submit_dynptr",
        kind: FuncKind::Helper(199),
        since: (5, 19),
        family: BaseCapBpf,
        recipe: Recipe::RingbufDynptr { release: Func::RingbufSubmitDynptr },
        summary: "commit the record behind a ring buffer dynptr and null the dynptr.",
        params: [("ptr", "a RINGBUF dynptr"), ("flags", "wakeup flags")],
        returns: "nothing.",
        signature: "static void (* const bpf_ringbuf_submit_dynptr)(struct bpf_dynptr *ptr, __u64 flags) = (void *) 199;",
        checks: "Load time: helper gate (`CAP_BPF`); `ptr` must be an initialised RINGBUF dynptr. Run time: a null dynptr is a no-op.",
        example: (Xdp, 5, 19, LircMode2),
    }
    RingbufDiscardDynptr {
        name: "bpf_ringbuf_discard_dynptr",
        kind: FuncKind::Helper(200),
        since: (5, 19),
        family: BaseCapBpf,
        recipe: Recipe::RingbufDynptr { release: Func::RingbufDiscardDynptr },
        summary: "discard the record behind a ring buffer dynptr and null the dynptr.",
        params: [("ptr", "a RINGBUF dynptr"), ("flags", "wakeup flags")],
        returns: "nothing.",
        signature: "static void (* const bpf_ringbuf_discard_dynptr)(struct bpf_dynptr *ptr, __u64 flags) = (void *) 200;",
        checks: "Load time: helper gate (`CAP_BPF`). Run time: a null dynptr is a no-op.",
        example: (CgroupSkb, 5, 19, LircMode2),
    }
    DynptrRead {
        name: "bpf_dynptr_read",
        kind: FuncKind::Helper(201),
        since: (5, 19),
        family: BaseCapBpf,
        recipe: Recipe::DynptrRead,
        summary: "copy `len` bytes at `offset` of a dynptr into `dst`.",
        params: [
            ("dst", "destination memory"),
            ("len", "bytes to read"),
            ("src", "an initialised dynptr"),
            ("offset", "offset into the dynptr"),
            ("flags", "must be 0"),
        ],
        returns: "0; `-EINVAL` (null dynptr or flags), `-E2BIG` (range).",
        signature: "static long (* const bpf_dynptr_read)(void *dst, __u32 len, const struct bpf_dynptr *src, __u32 offset, __u64 flags) = (void *) 201;",
        checks: "Load time: helper gate (`CAP_BPF`). Run time: null or flags → `-EINVAL`; range → `-E2BIG`; copy by type. See [`crate::dynptr`].",
        example: (SkMsg, 5, 19, LircMode2),
    }
    DynptrWrite {
        name: "bpf_dynptr_write",
        kind: FuncKind::Helper(202),
        since: (5, 19),
        family: BaseCapBpf,
        recipe: Recipe::DynptrWrite,
        summary: "copy `len` bytes from `src` into a dynptr at `offset`.",
        params: [
            ("dst", "an initialised, writable dynptr"),
            ("offset", "offset into the dynptr"),
            ("src", "source memory"),
            ("len", "bytes to write"),
            ("flags", "0 (SKB: `BPF_F_RECOMPUTE_CSUM`, `BPF_F_INVALIDATE_HASH`)"),
        ],
        returns: "0; `-EINVAL` (null, read-only, flags), `-E2BIG` (range).",
        signature: "static long (* const bpf_dynptr_write)(const struct bpf_dynptr *dst, __u32 offset, void *src, __u32 len, __u64 flags) = (void *) 202;",
        checks: "Load time: helper gate (`CAP_BPF`). Run time: null or read-only → `-EINVAL`; range → `-E2BIG`; then per type, flags ≠ 0 → `-EINVAL` (LOCAL/RINGBUF). See [`crate::dynptr`].",
        example: (LwtXmit, 5, 19, LircMode2),
    }
    DynptrData {
        name: "bpf_dynptr_data",
        kind: FuncKind::Helper(203),
        since: (5, 19),
        family: BaseCapBpf,
        recipe: Recipe::DynptrRange,
        summary: "a direct pointer to `len` (constant) bytes at `offset` of a LOCAL or RINGBUF dynptr.",
        params: [("ptr", "an initialised dynptr"), ("offset", "offset"), ("len", "a constant length")],
        returns: "the pointer, or NULL (null dynptr, range, read-only, SKB/XDP/SKB_META type).",
        signature: "static void *(* const bpf_dynptr_data)(const struct bpf_dynptr *ptr, __u32 offset, __u32 len) = (void *) 203;",
        checks: "Load time: helper gate (`CAP_BPF`), `len` constant. Run time: null → NULL; range → NULL; read-only → NULL; SKB/XDP/SKB_META → NULL; else the pointer.",
        example: (Netfilter, 6, 4, LircMode2),
    }
    UserRingbufDrain {
        name: "bpf_user_ringbuf_drain",
        kind: FuncKind::Helper(209),
        since: (6, 1),
        family: BaseCapBpf,
        recipe: Recipe::UserRingbufDrain,
        summary: "consume samples from a user ring buffer, calling `callback` with a dynptr to each.",
        params: [
            ("map", "a `BPF_MAP_TYPE_USER_RINGBUF` map"),
            ("callback", "`long (*)(struct bpf_dynptr *dynptr, void *ctx)`, returning 0 (continue) or 1 (stop)"),
            ("ctx", "passed to the callback"),
            ("flags", "wakeup flags"),
        ],
        returns: "the number of samples consumed, or a negative errno (`-EINVAL` flags or bad header, `-EBUSY` another drainer, `-E2BIG`).",
        signature: "static long (* const bpf_user_ringbuf_drain)(void *map, void *callback_fn, void *ctx, __u64 flags) = (void *) 209;",
        checks: "Load time: helper gate (`CAP_BPF`), callback returns 0 or 1. Run time: flags → `-EINVAL`; busy → `-EBUSY`; then up to 128Ki samples, each header checked before the callback.",
        example: (Syscall, 6, 1, LircMode2),
    }
    DynptrSlice {
        name: "bpf_dynptr_slice",
        kind: FuncKind::Kfunc,
        since: (6, 4),
        family: CommonKfunc,
        recipe: Recipe::DynptrSlice,
        summary: "a read-only pointer to `buffer__szk` bytes at `offset`, direct or copied into `buffer__opt`.",
        params: [
            ("p", "an initialised dynptr"),
            ("offset", "offset"),
            ("buffer__opt", "a buffer for non-linear data, or NULL"),
            ("buffer__szk", "a constant size"),
        ],
        returns: "the pointer (read-only to the verifier), or NULL.",
        signature: "void *bpf_dynptr_slice(const struct bpf_dynptr *p, u32 offset, void *buffer__opt, u32 buffer__szk)",
        checks: "Load time: kfunc gate, then `buffer__szk` constant, the result must be NULL-checked. Run time: null → NULL; range → NULL; per type.",
        example: (Kprobe, 6, 4, Unspec),
    }
    DynptrSliceRdwr {
        name: "bpf_dynptr_slice_rdwr",
        kind: FuncKind::Kfunc,
        since: (6, 4),
        family: SliceRdwr,
        recipe: Recipe::DynptrSlice,
        summary: "a writable pointer to `buffer__szk` bytes at `offset`, direct or copied into `buffer__opt`.",
        params: [
            ("p", "an initialised, writable dynptr"),
            ("offset", "offset"),
            ("buffer__opt", "a buffer for non-linear data, or NULL"),
            ("buffer__szk", "a constant size"),
        ],
        returns: "the pointer, or NULL (also for a read-only dynptr).",
        signature: "void *bpf_dynptr_slice_rdwr(const struct bpf_dynptr *p, u32 offset, void *buffer__opt, u32 buffer__szk)",
        checks: "Load time: kfunc gate, arguments, then `the prog does not allow writes to packet data` (`-EINVAL`) unless the program type may write packets. Run time: null or read-only → NULL; range → NULL; per type.",
        example: (Xdp, 6, 4, Syscall),
    }
    DynptrAdjust {
        name: "bpf_dynptr_adjust",
        kind: FuncKind::Kfunc,
        since: (6, 5),
        family: CommonKfunc,
        recipe: Recipe::DynptrRange,
        summary: "narrow a dynptr to `[start, end)` of its current view.",
        params: [("p", "an initialised dynptr"), ("start", "new start"), ("end", "new end")],
        returns: "0; `-EINVAL` (null, start > end), `-ERANGE` (beyond the size).",
        signature: "int bpf_dynptr_adjust(const struct bpf_dynptr *p, u32 start, u32 end)",
        checks: "Load time: kfunc gate. Run time: null or start > end → `-EINVAL`; start or end > size → `-ERANGE`; else 0.",
        example: (SkReuseport, 6, 5, Unspec),
    }
    DynptrIsNull {
        name: "bpf_dynptr_is_null",
        kind: FuncKind::Kfunc,
        since: (6, 5),
        family: CommonKfunc,
        recipe: Recipe::Dynptr,
        summary: "whether the dynptr is null.",
        params: [("p", "an initialised dynptr")],
        returns: "true for a null dynptr.",
        signature: "bool bpf_dynptr_is_null(const struct bpf_dynptr *p)",
        checks: "Load time: kfunc gate. Run time: no checks.",
        example: (FlowDissector, 6, 5, Unspec),
    }
    DynptrIsRdonly {
        name: "bpf_dynptr_is_rdonly",
        kind: FuncKind::Kfunc,
        since: (6, 5),
        family: CommonKfunc,
        recipe: Recipe::Dynptr,
        summary: "whether the dynptr is read-only (false for a null dynptr).",
        params: [("p", "an initialised dynptr")],
        returns: "the read-only bit; false when null.",
        signature: "bool bpf_dynptr_is_rdonly(const struct bpf_dynptr *p)",
        checks: "Load time: kfunc gate. Run time: null → false.",
        example: (CgroupSkb, 6, 5, Unspec),
    }
    DynptrSize {
        name: "bpf_dynptr_size",
        kind: FuncKind::Kfunc,
        since: (6, 5),
        family: CommonKfunc,
        recipe: Recipe::Dynptr,
        summary: "the dynptr's current size.",
        params: [("p", "an initialised dynptr")],
        returns: "the size; `(u32)-EINVAL` for a null dynptr.",
        signature: "__u32 bpf_dynptr_size(const struct bpf_dynptr *p)",
        checks: "Load time: kfunc gate. Run time: null → `(u32)-EINVAL`.",
        example: (CgroupDevice, 6, 5, Unspec),
    }
    DynptrClone {
        name: "bpf_dynptr_clone",
        kind: FuncKind::Kfunc,
        since: (6, 5),
        family: CommonKfunc,
        recipe: Recipe::DynptrClone,
        summary: "copy a dynptr's view into a new stack dynptr linked to it.",
        params: [("p", "an initialised dynptr"), ("clone__uninit", "an uninitialised stack dynptr")],
        returns: "0; `-EINVAL` for a null source (the clone is null).",
        signature: "int bpf_dynptr_clone(const struct bpf_dynptr *p, struct bpf_dynptr *clone__uninit)",
        checks: "Load time: kfunc gate. Run time: null → clone null, `-EINVAL`; else 0.",
        example: (SockOps, 6, 5, Unspec),
    }
    DynptrCopy {
        name: "bpf_dynptr_copy",
        kind: FuncKind::Kfunc,
        since: (6, 15),
        family: CommonKfunc,
        recipe: Recipe::DynptrCopy,
        summary: "copy `size` bytes between two dynptrs (overlap-safe for contiguous memory). Since 6.15 (commit daec295a7094; not in 6.12's BTF, in 6.16's).",
        params: [
            ("dst_ptr", "destination dynptr"),
            ("dst_off", "offset into it"),
            ("src_ptr", "source dynptr"),
            ("src_off", "offset into it"),
            ("size", "bytes"),
        ],
        returns: "0, or the errno of the failing read/write (`-EINVAL`, `-E2BIG`).",
        signature: "int bpf_dynptr_copy(struct bpf_dynptr *dst_ptr, u32 dst_off, struct bpf_dynptr *src_ptr, u32 src_off, u32 size)",
        checks: "Load time: kfunc gate. Run time: slices of both; both direct → memmove; one direct → write/read through the other; neither → range checks (`-E2BIG`) then 256-byte chunks.",
        example: (Syscall, 6, 15, Unspec),
    }
    DynptrMemset {
        name: "bpf_dynptr_memset",
        kind: FuncKind::Kfunc,
        since: (6, 17),
        family: CommonKfunc,
        recipe: Recipe::DynptrMemset,
        summary: "fill `size` bytes at `offset` of a dynptr with the byte `val`.",
        params: [
            ("p", "destination dynptr"),
            ("offset", "offset into the dynptr"),
            ("size", "number of bytes to fill"),
            ("val", "the byte"),
        ],
        returns: "0 on success; negative error (`-EINVAL` read-only, `-E2BIG` range) otherwise.",
        signature: "int bpf_dynptr_memset(struct bpf_dynptr *p, u32 offset, u32 size, u8 val)",
        checks: "Load time: kfunc gate. Run time: writable slice → memset, 0; read-only → `-EINVAL`; range → `-E2BIG`; else 256-byte chunks.",
        example: (Tracing, 6, 17, Unspec),
    }
    DynptrFromSkb {
        name: "bpf_dynptr_from_skb",
        kind: FuncKind::Kfunc,
        since: (6, 4),
        family: SkbKfunc,
        recipe: Recipe::FromSkb { ctx_only: false },
        summary: "make an SKB dynptr over the packet (read-only where the program may not write packets).",
        params: [
            ("s", "the `struct __sk_buff *` context, or a trusted `struct sk_buff *`"),
            ("flags", "must be 0"),
            ("ptr__uninit", "an uninitialised stack dynptr"),
        ],
        returns: "0; `-EINVAL` for flags (the dynptr is null).",
        signature: "int bpf_dynptr_from_skb(struct __sk_buff *s, u64 flags, struct bpf_dynptr *ptr__uninit)",
        checks: "Load time: kfunc gate, then `s` must be the context or a trusted sk_buff. Run time: flags ≠ 0 → null, `-EINVAL`; else size = `skb->len`.",
        example: (SchedCls, 6, 4, Xdp),
    }
    DynptrFromXdp {
        name: "bpf_dynptr_from_xdp",
        kind: FuncKind::Kfunc,
        since: (6, 4),
        family: XdpKfunc,
        recipe: Recipe::FromXdp,
        summary: "make an XDP dynptr over the frame, fragments included.",
        params: [
            ("x", "the `struct xdp_md *` context"),
            ("flags", "must be 0"),
            ("ptr__uninit", "an uninitialised stack dynptr"),
        ],
        returns: "0; `-EINVAL` for flags.",
        signature: "int bpf_dynptr_from_xdp(struct xdp_md *x, u64 flags, struct bpf_dynptr *ptr__uninit)",
        checks: "Load time: kfunc gate. Run time: flags ≠ 0 → null, `-EINVAL`; else size = `xdp_get_buff_len()`.",
        example: (Xdp, 6, 4, SchedCls),
    }
    DynptrFromSkbMeta {
        name: "bpf_dynptr_from_skb_meta",
        kind: FuncKind::Kfunc,
        since: (6, 18),
        family: SkbMetaKfunc,
        recipe: Recipe::FromSkb { ctx_only: true },
        summary: "make an SKB_META dynptr over the packet's metadata area (tc only).",
        params: [
            ("skb_", "the `struct __sk_buff *` context"),
            ("flags", "must be 0"),
            ("ptr__uninit", "an uninitialised stack dynptr"),
        ],
        returns: "0; `-EINVAL` for flags.",
        signature: "int bpf_dynptr_from_skb_meta(struct __sk_buff *skb_, u64 flags, struct bpf_dynptr *ptr__uninit)",
        checks: "Load time: kfunc gate. Run time: flags ≠ 0 → null, `-EINVAL`; size = `skb_metadata_len()`; read-only if the program may not write packets or the skb is cloned.",
        example: (SchedAct, 6, 18, Xdp),
    }
    CpumaskCreate {
        name: "bpf_cpumask_create",
        kind: FuncKind::Kfunc,
        since: (6, 3),
        family: Cpumask,
        recipe: Recipe::CpumaskNew,
        summary: "allocate an empty `struct bpf_cpumask` with one reference.",
        params: [],
        returns: "the cpumask (acquired; release it or store it as a kptr), or NULL when out of memory.",
        signature: "struct bpf_cpumask *bpf_cpumask_create(void)",
        checks: "Load time: kfunc gate; `KF_ACQUIRE | KF_RET_NULL`. Run time: allocation failure → NULL.",
        example: (Tracing, 6, 3, Kprobe),
    }
    CpumaskRelease {
        name: "bpf_cpumask_release",
        kind: FuncKind::Kfunc,
        since: (6, 3),
        family: Cpumask,
        recipe: Recipe::CpumaskNew,
        summary: "drop a reference; the last one frees the mask after an RCU grace period.",
        params: [("cpumask", "an acquired cpumask")],
        returns: "nothing.",
        signature: "void bpf_cpumask_release(struct bpf_cpumask *cpumask)",
        checks: "Load time: kfunc gate; `KF_RELEASE`. Run time: none.",
        example: (StructOps, 6, 3, Xdp),
    }
    CpumaskAcquire {
        name: "bpf_cpumask_acquire",
        kind: FuncKind::Kfunc,
        since: (6, 3),
        family: Cpumask,
        recipe: Recipe::CpumaskAcquire,
        summary: "take another reference on a trusted cpumask.",
        params: [("cpumask", "a referenced or trusted cpumask")],
        returns: "the same cpumask, acquired.",
        signature: "struct bpf_cpumask *bpf_cpumask_acquire(struct bpf_cpumask *cpumask)",
        checks: "Load time: kfunc gate; `KF_ACQUIRE | KF_TRUSTED_ARGS`. Run time: none.",
        example: (Lsm, 6, 3, SchedCls),
    }
    CpumaskFirst {
        name: "bpf_cpumask_first",
        kind: FuncKind::Kfunc,
        since: (6, 3),
        family: Cpumask,
        recipe: Recipe::Cpumask(CpumaskArgs::Mask),
        summary: "the lowest set CPU.",
        params: [("cpumask", "the mask")],
        returns: "the index; `small_cpumask_bits` (≥ nr_cpu_ids) when empty.",
        signature: "u32 bpf_cpumask_first(const struct cpumask *cpumask)",
        checks: "Load time: kfunc gate; `KF_RCU`. Run time: none. See [`crate::cpumask`].",
        example: (Tracepoint, 6, 12, RawTracepointWritable),
    }
    CpumaskFirstZero {
        name: "bpf_cpumask_first_zero",
        kind: FuncKind::Kfunc,
        since: (6, 3),
        family: Cpumask,
        recipe: Recipe::Cpumask(CpumaskArgs::Mask),
        summary: "the lowest clear CPU.",
        params: [("cpumask", "the mask")],
        returns: "the index; `small_cpumask_bits` when full.",
        signature: "u32 bpf_cpumask_first_zero(const struct cpumask *cpumask)",
        checks: "Load time: kfunc gate; `KF_RCU`.",
        example: (PerfEvent, 6, 12, SkLookup),
    }
    CpumaskFirstAnd {
        name: "bpf_cpumask_first_and",
        kind: FuncKind::Kfunc,
        since: (6, 5),
        family: Cpumask,
        recipe: Recipe::Cpumask(CpumaskArgs::TwoMasks),
        summary: "the lowest CPU set in both masks. Since 6.5 (source; not in 6.1's BTF, in 6.12's).",
        params: [("src1", "first mask"), ("src2", "second mask")],
        returns: "the index; `small_cpumask_bits` when none.",
        signature: "u32 bpf_cpumask_first_and(const struct cpumask *src1, const struct cpumask *src2)",
        checks: "Load time: kfunc gate; `KF_RCU`.",
        example: (Tracing, 6, 5, Xdp),
    }
    CpumaskSetCpu {
        name: "bpf_cpumask_set_cpu",
        kind: FuncKind::Kfunc,
        since: (6, 3),
        family: Cpumask,
        recipe: Recipe::Cpumask(CpumaskArgs::CpuMask),
        summary: "set a CPU's bit (atomic); silent no-op for cpu ≥ nr_cpu_ids.",
        params: [("cpu", "the CPU (u32)"), ("cpumask", "a `struct bpf_cpumask`")],
        returns: "nothing.",
        signature: "void bpf_cpumask_set_cpu(u32 cpu, struct bpf_cpumask *cpumask)",
        checks: "Load time: kfunc gate; `KF_RCU`. Run time: cpu ≥ nr_cpu_ids → nothing.",
        example: (Syscall, 6, 11, SkMsg),
    }
    CpumaskClearCpu {
        name: "bpf_cpumask_clear_cpu",
        kind: FuncKind::Kfunc,
        since: (6, 3),
        family: Cpumask,
        recipe: Recipe::Cpumask(CpumaskArgs::CpuMask),
        summary: "clear a CPU's bit (atomic); silent no-op for cpu ≥ nr_cpu_ids.",
        params: [("cpu", "the CPU"), ("cpumask", "a `struct bpf_cpumask`")],
        returns: "nothing.",
        signature: "void bpf_cpumask_clear_cpu(u32 cpu, struct bpf_cpumask *cpumask)",
        checks: "Load time: kfunc gate; `KF_RCU`. Run time: invalid cpu → nothing.",
        example: (Tracing, 6, 3, CgroupSkb),
    }
    CpumaskTestCpu {
        name: "bpf_cpumask_test_cpu",
        kind: FuncKind::Kfunc,
        since: (6, 3),
        family: Cpumask,
        recipe: Recipe::Cpumask(CpumaskArgs::CpuMask),
        summary: "whether a CPU's bit is set (false for cpu ≥ nr_cpu_ids).",
        params: [("cpu", "the CPU"), ("cpumask", "the mask")],
        returns: "the bit.",
        signature: "bool bpf_cpumask_test_cpu(u32 cpu, const struct cpumask *cpumask)",
        checks: "Load time: kfunc gate; `KF_RCU`. Run time: invalid cpu → false.",
        example: (Tracing, 6, 3, SchedCls),
    }
    CpumaskTestAndSetCpu {
        name: "bpf_cpumask_test_and_set_cpu",
        kind: FuncKind::Kfunc,
        since: (6, 3),
        family: Cpumask,
        recipe: Recipe::Cpumask(CpumaskArgs::CpuMask),
        summary: "set a CPU's bit and return its old value (atomic).",
        params: [("cpu", "the CPU"), ("cpumask", "a `struct bpf_cpumask`")],
        returns: "the old bit; false and no change for an invalid cpu.",
        signature: "bool bpf_cpumask_test_and_set_cpu(u32 cpu, struct bpf_cpumask *cpumask)",
        checks: "Load time: kfunc gate; `KF_RCU`.",
        example: (Tracing, 6, 3, CgroupSock),
    }
    CpumaskTestAndClearCpu {
        name: "bpf_cpumask_test_and_clear_cpu",
        kind: FuncKind::Kfunc,
        since: (6, 3),
        family: Cpumask,
        recipe: Recipe::Cpumask(CpumaskArgs::CpuMask),
        summary: "clear a CPU's bit and return its old value (atomic).",
        params: [("cpu", "the CPU"), ("cpumask", "a `struct bpf_cpumask`")],
        returns: "the old bit; false and no change for an invalid cpu.",
        signature: "bool bpf_cpumask_test_and_clear_cpu(u32 cpu, struct bpf_cpumask *cpumask)",
        checks: "Load time: kfunc gate; `KF_RCU`.",
        example: (Tracing, 6, 3, CgroupSysctl),
    }
    CpumaskSetall {
        name: "bpf_cpumask_setall",
        kind: FuncKind::Kfunc,
        since: (6, 3),
        family: Cpumask,
        recipe: Recipe::Cpumask(CpumaskArgs::Mask),
        summary: "set the bits of all possible CPUs.",
        params: [("cpumask", "a `struct bpf_cpumask`")],
        returns: "nothing.",
        signature: "void bpf_cpumask_setall(struct bpf_cpumask *cpumask)",
        checks: "Load time: kfunc gate; `KF_RCU`.",
        example: (Tracing, 6, 3, SkSkb),
    }
    CpumaskClear {
        name: "bpf_cpumask_clear",
        kind: FuncKind::Kfunc,
        since: (6, 3),
        family: Cpumask,
        recipe: Recipe::Cpumask(CpumaskArgs::Mask),
        summary: "clear every bit.",
        params: [("cpumask", "a `struct bpf_cpumask`")],
        returns: "nothing.",
        signature: "void bpf_cpumask_clear(struct bpf_cpumask *cpumask)",
        checks: "Load time: kfunc gate; `KF_RCU`.",
        example: (Tracing, 6, 3, LwtIn),
    }
    CpumaskAnd {
        name: "bpf_cpumask_and",
        kind: FuncKind::Kfunc,
        since: (6, 3),
        family: Cpumask,
        recipe: Recipe::Cpumask(CpumaskArgs::ThreeMasks),
        summary: "`dst = src1 & src2`.",
        params: [("dst", "a `struct bpf_cpumask`"), ("src1", "first mask"), ("src2", "second mask")],
        returns: "true if `dst` is not empty.",
        signature: "bool bpf_cpumask_and(struct bpf_cpumask *dst, const struct cpumask *src1, const struct cpumask *src2)",
        checks: "Load time: kfunc gate; `KF_RCU`.",
        example: (Tracing, 6, 3, LwtOut),
    }
    CpumaskOr {
        name: "bpf_cpumask_or",
        kind: FuncKind::Kfunc,
        since: (6, 3),
        family: Cpumask,
        recipe: Recipe::Cpumask(CpumaskArgs::ThreeMasks),
        summary: "`dst = src1 | src2`.",
        params: [("dst", "a `struct bpf_cpumask`"), ("src1", "first mask"), ("src2", "second mask")],
        returns: "nothing.",
        signature: "void bpf_cpumask_or(struct bpf_cpumask *dst, const struct cpumask *src1, const struct cpumask *src2)",
        checks: "Load time: kfunc gate; `KF_RCU`.",
        example: (Tracing, 6, 3, LwtXmit),
    }
    CpumaskXor {
        name: "bpf_cpumask_xor",
        kind: FuncKind::Kfunc,
        since: (6, 3),
        family: Cpumask,
        recipe: Recipe::Cpumask(CpumaskArgs::ThreeMasks),
        summary: "`dst = src1 ^ src2`.",
        params: [("dst", "a `struct bpf_cpumask`"), ("src1", "first mask"), ("src2", "second mask")],
        returns: "nothing.",
        signature: "void bpf_cpumask_xor(struct bpf_cpumask *dst, const struct cpumask *src1, const struct cpumask *src2)",
        checks: "Load time: kfunc gate; `KF_RCU`.",
        example: (Tracing, 6, 3, SockOps),
    }
    CpumaskEqual {
        name: "bpf_cpumask_equal",
        kind: FuncKind::Kfunc,
        since: (6, 3),
        family: Cpumask,
        recipe: Recipe::Cpumask(CpumaskArgs::TwoMasks),
        summary: "whether two masks are equal.",
        params: [("src1", "first mask"), ("src2", "second mask")],
        returns: "the comparison.",
        signature: "bool bpf_cpumask_equal(const struct cpumask *src1, const struct cpumask *src2)",
        checks: "Load time: kfunc gate; `KF_RCU`.",
        example: (Tracing, 6, 3, CgroupDevice),
    }
    CpumaskIntersects {
        name: "bpf_cpumask_intersects",
        kind: FuncKind::Kfunc,
        since: (6, 3),
        family: Cpumask,
        recipe: Recipe::Cpumask(CpumaskArgs::TwoMasks),
        summary: "whether two masks share a CPU.",
        params: [("src1", "first mask"), ("src2", "second mask")],
        returns: "the answer.",
        signature: "bool bpf_cpumask_intersects(const struct cpumask *src1, const struct cpumask *src2)",
        checks: "Load time: kfunc gate; `KF_RCU`.",
        example: (Tracing, 6, 3, CgroupSockAddr),
    }
    CpumaskSubset {
        name: "bpf_cpumask_subset",
        kind: FuncKind::Kfunc,
        since: (6, 3),
        family: Cpumask,
        recipe: Recipe::Cpumask(CpumaskArgs::TwoMasks),
        summary: "whether every CPU of `src1` is in `src2`.",
        params: [("src1", "the candidate subset"), ("src2", "the superset")],
        returns: "the answer.",
        signature: "bool bpf_cpumask_subset(const struct cpumask *src1, const struct cpumask *src2)",
        checks: "Load time: kfunc gate; `KF_RCU`.",
        example: (Tracing, 6, 3, LwtSeg6local),
    }
    CpumaskEmpty {
        name: "bpf_cpumask_empty",
        kind: FuncKind::Kfunc,
        since: (6, 3),
        family: Cpumask,
        recipe: Recipe::Cpumask(CpumaskArgs::Mask),
        summary: "whether no bit is set.",
        params: [("cpumask", "the mask")],
        returns: "the answer.",
        signature: "bool bpf_cpumask_empty(const struct cpumask *cpumask)",
        checks: "Load time: kfunc gate; `KF_RCU`.",
        example: (Tracing, 6, 3, SkReuseport),
    }
    CpumaskFull {
        name: "bpf_cpumask_full",
        kind: FuncKind::Kfunc,
        since: (6, 3),
        family: Cpumask,
        recipe: Recipe::Cpumask(CpumaskArgs::Mask),
        summary: "whether every possible CPU's bit is set.",
        params: [("cpumask", "the mask")],
        returns: "the answer.",
        signature: "bool bpf_cpumask_full(const struct cpumask *cpumask)",
        checks: "Load time: kfunc gate; `KF_RCU`.",
        example: (Tracing, 6, 3, FlowDissector),
    }
    CpumaskCopy {
        name: "bpf_cpumask_copy",
        kind: FuncKind::Kfunc,
        since: (6, 3),
        family: Cpumask,
        recipe: Recipe::Cpumask(CpumaskArgs::TwoMasks),
        summary: "`dst = src`.",
        params: [("dst", "a `struct bpf_cpumask`"), ("src", "the source mask")],
        returns: "nothing.",
        signature: "void bpf_cpumask_copy(struct bpf_cpumask *dst, const struct cpumask *src)",
        checks: "Load time: kfunc gate; `KF_RCU`.",
        example: (Tracing, 6, 3, RawTracepointWritable),
    }
    CpumaskAnyDistribute {
        name: "bpf_cpumask_any_distribute",
        kind: FuncKind::Kfunc,
        since: (6, 5),
        family: Cpumask,
        recipe: Recipe::Cpumask(CpumaskArgs::Mask),
        summary: "some set CPU, spreading picks across calls (replaced `bpf_cpumask_any` in 6.5).",
        params: [("cpumask", "the mask")],
        returns: "a set CPU; ≥ nr_cpu_ids when empty.",
        signature: "u32 bpf_cpumask_any_distribute(const struct cpumask *cpumask)",
        checks: "Load time: kfunc gate; `KF_RCU`.",
        example: (Tracing, 6, 5, CgroupSockopt),
    }
    CpumaskAnyAndDistribute {
        name: "bpf_cpumask_any_and_distribute",
        kind: FuncKind::Kfunc,
        since: (6, 5),
        family: Cpumask,
        recipe: Recipe::Cpumask(CpumaskArgs::TwoMasks),
        summary: "some CPU set in both masks, spreading picks (replaced `bpf_cpumask_any_and` in 6.5).",
        params: [("src1", "first mask"), ("src2", "second mask")],
        returns: "a CPU; ≥ nr_cpu_ids when the intersection is empty.",
        signature: "u32 bpf_cpumask_any_and_distribute(const struct cpumask *src1, const struct cpumask *src2)",
        checks: "Load time: kfunc gate; `KF_RCU`.",
        example: (Tracing, 6, 5, Netfilter),
    }
    CpumaskWeight {
        name: "bpf_cpumask_weight",
        kind: FuncKind::Kfunc,
        since: (6, 8),
        family: Cpumask,
        recipe: Recipe::Cpumask(CpumaskArgs::Mask),
        summary: "the number of set bits. Since 6.8 (source; absent in 6.7, in 6.12's BTF).",
        params: [("cpumask", "the mask")],
        returns: "the popcount.",
        signature: "u32 bpf_cpumask_weight(const struct cpumask *cpumask)",
        checks: "Load time: kfunc gate; `KF_RCU`.",
        example: (Tracing, 6, 8, Kprobe),
    }
    CpumaskPopulate {
        name: "bpf_cpumask_populate",
        kind: FuncKind::Kfunc,
        since: (6, 15),
        family: Cpumask,
        recipe: Recipe::Cpumask(CpumaskArgs::Populate),
        summary: "populate the CPU mask from the contents of a BPF memory region.",
        params: [
            ("cpumask", "the cpumask being populated"),
            ("src", "the BPF memory holding the bit pattern"),
            ("src__sz", "length of the BPF memory region in bytes"),
        ],
        returns: "0 if populated; `-EACCES` if the region is smaller than `bitmap_size(nr_cpu_ids)`; `-EINVAL` if it is not long-aligned on an architecture without efficient unaligned access.",
        signature: "int bpf_cpumask_populate(struct cpumask *cpumask, void *src, size_t src__sz)",
        checks: "Load time: kfunc gate; `KF_RCU`; `src`/`src__sz` readable memory. Run time: size → `-EACCES`, then alignment → `-EINVAL`, then copy whole longs. See [`crate::cpumask`].",
        example: (Syscall, 6, 15, Xdp),
    }
}

impl Func {
    /// The function with the kernel name `name` (`"bpf_cpumask_create"`; the `bpf_` prefix may be left out).
    pub fn from_name(name: &str) -> Option<Func> {
        let name = name.trim();
        Func::ALL.iter().copied().find(|f| f.name() == name || f.name().strip_prefix("bpf_") == Some(name))
    }

    /// The uapi helper id, for helpers.
    pub const fn helper_id(self) -> Option<u32> {
        match self.kind() {
            FuncKind::Helper(id) => Some(id),
            FuncKind::Kfunc => None,
        }
    }

    /// True for kfuncs.
    pub const fn is_kfunc(self) -> bool {
        matches!(self.kind(), FuncKind::Kfunc)
    }

    /// The load-time gate it passes first: [`HELPER_GATE`] or [`KFUNC_GATE`].
    pub const fn gate(self) -> &'static str {
        if self.is_kfunc() {
            KFUNC_GATE
        } else {
            HELPER_GATE
        }
    }
}

impl fmt::Display for Func {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
