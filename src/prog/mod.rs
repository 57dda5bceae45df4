//! Which program may call what, since when: program types, the helpers and kfuncs this crate models, and
//! [`availability`].
//!
//! A BPF author's first question about a helper or kfunc is "can my program type call it, on my kernel?".
//! The verifier answers it at load time, before it looks at any argument:
//!
//! - a **helper** call (`call <id>`) is looked up in the program type's `get_func_proto` table (for most
//!   types a switch that falls back to `bpf_base_func_proto()` in `kernel/bpf/helpers.c`). No prototype
//!   means `program of this type cannot use helper bpf_<name>#<id>` and `-EINVAL`
//!   (`kernel/bpf/verifier.c`, `check_helper_call()`);
//! - a **kfunc** call (`BPF_PSEUDO_KFUNC_CALL`) must be in a kfunc set registered with
//!   `register_btf_kfunc_id_set()` either for `BPF_PROG_TYPE_UNSPEC` (the common hook: every program type)
//!   or for a program type that `bpf_prog_type_to_kfunc_hook()` (`kernel/bpf/btf.c`) maps to the same hook
//!   as the caller. Otherwise `calling kernel function <name> is not allowed` and `-EACCES`
//!   (`check_kfunc_call()` → `fetch_kfunc_meta()`).
//!
//! [`availability`] gives the first kernel version in which a program type passes that gate for a function;
//! [`availability_for`] does the same for one concrete program ([`Prog`]: a type and the attach point
//! that changes the answer, e.g. `cgroup/setsockopt` versus `cgroup/getsockopt`); [`check`] gives the
//! verifier's verdict, with its message and errno, for a given kernel.
//!
//! ```
//! use bpf_model::prog::{availability, availability_for, check, Attach, Denial, Func, Prog, ProgType};
//! use bpf_model::{KernelProfile, KernelVersion};
//! // bpf_setsockopt: sock_ops since 4.13; XDP never.
//! assert_eq!(availability(Func::Setsockopt, ProgType::SockOps), Some(KernelVersion::new(4, 13, 0)));
//! assert_eq!(availability(Func::Setsockopt, ProgType::Xdp), None);
//! // CGROUP_SOCKOPT: only cgroup/setsockopt programs may call it.
//! let getsockopt_prog = Prog::new(ProgType::CgroupSockopt, Attach::CgroupGetsockopt);
//! assert_eq!(availability_for(Func::Setsockopt, &getsockopt_prog), None);
//! // The kernel's verdict, as the verifier prints it.
//! let here = KernelProfile::x86_64_v6_18();
//! let denial = check(Func::CpumaskCreate, &Prog::of(ProgType::Xdp), &here).unwrap_err();
//! assert_eq!(denial, Denial::KfuncNotAllowed);
//! assert_eq!(denial.message(Func::CpumaskCreate), "calling kernel function bpf_cpumask_create is not allowed");
//! // The cpumask kfuncs are callable from SYSCALL programs on 6.18 (the seed page does not list it).
//! assert!(check(Func::CpumaskPopulate, &Prog::of(ProgType::Syscall), &here).is_ok());
//! ```
//!
//! ## Where the answers come from
//!
//! - **Which program types** (for v6.18): the kernel source, and every (function, program) pair that this
//!   machine can load is checked against the live verifier by `bpf-oracle conformance --area availability`
//!   (recorded in `vectors/availability.jsonl`). Where a seed page and the kernel disagree the model follows
//!   the kernel: the cpumask kfuncs are registered for `BPF_PROG_TYPE_SYSCALL` (`kernel/bpf/cpumask.c`,
//!   `cpumask_kfunc_init()`), which the `bpf_cpumask_populate` page does not list; the common dynptr kfuncs
//!   (`bpf_dynptr_memset` and friends) are registered for `BPF_PROG_TYPE_UNSPEC`, so the verifier lets every
//!   program type call them, including KPROBE, RAW_TRACEPOINT, SK_MSG, SK_REUSEPORT, FLOW_DISSECTOR and
//!   SK_LOOKUP, which the `bpf_dynptr_memset` page does not list; and `bpf_dynptr_slice_rdwr` passes the
//!   kfunc gate everywhere but is then refused (`the prog does not allow writes to packet data`, `-EINVAL`)
//!   in every program type that may not write packet data, even for a LOCAL dynptr, so it is available
//!   only to SCHED_CLS, SCHED_ACT, XDP, LWT_XMIT, SK_SKB, SK_MSG and CGROUP_SOCKOPT.
//! - **Since which version**: the seed pages where they speak (`bpf_setsockopt`: CGROUP_SOCKOPT 5.15,
//!   CGROUP_SOCK_ADDR 5.8, LSM 6.0; `bpf_dynptr_memset`: 6.17, and the per-type tags of its page: CGROUP_DEVICE,
//!   CGROUP_SOCK, CGROUP_SOCKOPT, CGROUP_SYSCTL, PERF_EVENT and TRACEPOINT 6.12, CGROUP_SOCK_ADDR 6.7, SOCK_OPS
//!   6.15, applied to every kfunc reached through those hooks; `bpf_cpumask_populate`: 6.15, PERF_EVENT and
//!   TRACEPOINT 6.12), otherwise the release that merged the function or registration, as far as we know it;
//!   an answer is never earlier than the program type itself. Versions marked **UNVERIFIED** in a function's
//!   page are not confirmed from a release tree. Only the v6.18 answer is checked against a live kernel.
//!
//! ## Program types the oracle cannot load here
//!
//! `BPF_PROG_TYPE_UNSPEC` is not a loadable type (`BPF_PROG_LOAD` fails with `-EINVAL` whatever it calls);
//! `BPF_PROG_TYPE_LIRC_MODE2` is not built into the test machine's kernel (`CONFIG_BPF_LIRC_MODE2` unset);
//! every program that needs a BPF trampoline (`BPF_PROG_TYPE_LSM`, TRACING fentry, `BPF_PROG_TYPE_EXT`, which
//! takes its target's answers) fails to load on the test machine with `EPERM` and an empty verifier log. The model answers for them from the source; the
//! conformance run reports those pairs as not loadable, with the reason, and does not count them.
//!
//! Found by the live verifier and followed by the model: kfunc registration is per *hook*, so a set
//! registered for CGROUP_SKB (`bpf_dynptr_from_skb`) passes the gate in every type of the CGROUP hook
//! (CGROUP_SOCK, CGROUP_DEVICE, CGROUP_SOCK_ADDR, CGROUP_SOCKOPT, CGROUP_SYSCTL, SOCK_OPS), where the
//! context then has no `sk_buff` to give it.
//!
//! ## Overview: every modelled function by program type
//!
//! Each cell is the first version in which a program of that type may call the function (`·`: never);
//! `*` marks a type where only some attach points may (see the function's page). Columns:
#![doc = include_str!("overview.md")]

mod attach;
mod func;
mod prog_type;
mod verifier;

pub use attach::{attach_points, Attach, IterTarget, LsmHook, Prog, SockAddrHook};
pub use func::{Family, Func, FuncDoc, FuncKind, HELPER_GATE, KFUNC_GATE};
pub use prog_type::{KfuncHook, ProgType};
pub use verifier::{availability, availability_for, check, depends_on_attach, Denial};

use crate::KernelVersion;

const fn v(major: u16, minor: u16) -> KernelVersion {
    KernelVersion::new(major, minor, 0)
}

/// The overview table (markdown): one row per function, one column per program type; each cell the first
/// version, `·` for never, `*` where only some attach points may. `src/prog/overview.md` holds its output.
pub fn overview_table() -> String {
    let types: Vec<ProgType> = ProgType::ALL.into_iter().filter(|t| *t != ProgType::Unspec).collect();
    let mut out = String::new();
    out.push_str(&types.iter().map(|t| format!("`{}` = `{}`", t.short(), t.name())).collect::<Vec<_>>().join(", "));
    out.push_str(".\n\n| function |");
    for t in &types {
        out.push_str(&format!(" {} |", t.short()));
    }
    out.push_str("\n|---|");
    for _ in &types {
        out.push_str("---|");
    }
    out.push('\n');
    for &f in Func::ALL {
        out.push_str(&format!("| [`{}`](Func::{:?}) |", f.name(), f));
        for &t in &types {
            let cell = match availability(f, t) {
                Some(ver) => format!("{}.{}{}", ver.major, ver.minor, if depends_on_attach(f, t) { "*" } else { "" }),
                None => "·".to_string(),
            };
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    out
}
