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
//! let message = denial.message(Func::CpumaskCreate, here.rules().unwrap());
//! assert_eq!(message, "calling kernel function bpf_cpumask_create is not allowed");
//! // The cpumask kfuncs are callable from SYSCALL programs on 6.18 (the seed page does not list it).
//! assert!(check(Func::CpumaskPopulate, &Prog::of(ProgType::Syscall), &here).is_ok());
//! ```
//!
//! ## Where the answers come from
//!
//! - **Which program types, on which kernel**: the kernel source, judged by the ten kernels of the matrix
//!   (Debian's 6.1, 6.12, 6.16, 6.17, 6.18, 6.19, 7.0, 7.1, 7.2 and 7.3 under qemu) and by our own host:
//!   `bpf-oracle conformance --area availability` loads every (function, program) pair in each and the
//!   verdicts are recorded in `vectors/<series>/availability.jsonl` (and `vectors/availability.jsonl` for the
//!   host), which `cargo test` replays against the model with each kernel's profile. Where a seed page and
//!   the kernel disagree the model follows the kernel: the cpumask kfuncs are registered for
//!   `BPF_PROG_TYPE_SYSCALL` (`kernel/bpf/cpumask.c`, `cpumask_kfunc_init()`), which the
//!   `bpf_cpumask_populate` page does not list; the common dynptr kfuncs (`bpf_dynptr_memset` and friends) are
//!   registered for `BPF_PROG_TYPE_UNSPEC`, so the verifier lets every program type call them, including
//!   KPROBE, RAW_TRACEPOINT, SK_MSG, SK_REUSEPORT, FLOW_DISSECTOR and SK_LOOKUP, which the
//!   `bpf_dynptr_memset` page does not list, and from their first release (the page's later per-type tags
//!   are the CGROUP kfunc hook's, see below); and `bpf_dynptr_slice_rdwr` passes the kfunc gate everywhere
//!   but is then refused (`the prog does not allow writes to packet data`, `-EINVAL`) in every program type
//!   that may not write packet data, even for a LOCAL dynptr, so it is available only to SCHED_CLS,
//!   SCHED_ACT, XDP, LWT_XMIT, SK_SKB, SK_MSG and CGROUP_SOCKOPT.
//! - **Since which version**: the first kernel of the matrix that accepts the pair, and inside the ranges
//!   Debian does not package (6.2-6.11, 6.13-6.15) the release of the function or registration, from its
//!   commit where we have it (each function's page says which). Versions before 6.1 are the seed pages'
//!   and the source's (`bpf_setsockopt`: CGROUP_SOCKOPT 5.15, CGROUP_SOCK_ADDR 5.8, LSM 6.0): the matrix
//!   starts at 6.1, and every one of them holds there. An answer is never earlier than the program type.
//!   Verdict messages that changed between releases are rules of [`crate::version`] (the helper refusal,
//!   `unknown func` on 6.1).
//!
//! ## What a kernel cannot judge
//!
//! The oracle probes each vehicle when it opens: a program type or attach point the kernel does not have
//! (`BPF_PROG_TYPE_UNSPEC` anywhere; NETFILTER and the `AF_UNIX` sock_addr hooks on 6.1), a build without
//! `CONFIG_BPF_LIRC_MODE2` (every kernel here), or a kernel that refuses BPF trampolines (our host: fentry,
//! LSM and EXT fail with `EPERM` and an empty verifier log; the Debian guests load them) is reported with
//! the kernel's errno and left out. A function that a kernel *build* refuses in every program type (our
//! host's verifier says `bpf_dynptr_slice_rdwr() is not allowed`, `-EPERM`, which no release's verifier
//! does) is reported and left out too: the model speaks for releases, not for local patches.
//!
//! Found by the live verifier and followed by the model: kfunc registration is per *hook*, so a set
//! registered for CGROUP_SKB (`bpf_dynptr_from_skb`) passes the gate in every type of the CGROUP hook
//! (CGROUP_SOCK, CGROUP_DEVICE, CGROUP_SOCK_ADDR, CGROUP_SOCKOPT, CGROUP_SYSCTL, and SOCK_OPS from 6.15:
//! refused on 6.12, accepted on 6.16), where the context then has no `sk_buff` to give it.
//!
//! ## Overview: every modelled function by program type
//!
//! Each cell is the first version in which a program of that type may call the function (`·`: never);
//! `*` marks a type where only some attach points may, `†` one where an attach point loses it again on a
//! later kernel (see the function's page). Columns:
#![doc = include_str!("overview.md")]

mod attach;
mod func;
mod prog_type;
mod verifier;

pub use attach::{attach_points, Attach, IterTarget, LsmHook, Prog, SockAddrHook};
pub use func::{CpumaskArgs, Family, Func, FuncDoc, FuncKind, Recipe, HELPER_GATE, KFUNC_GATE};
pub use prog_type::{KfuncHook, ProgType};
pub use verifier::{availability, availability_for, check, check_rules, depends_on_attach, withdrawn_by, Denial};

use crate::KernelVersion;

const fn v(major: u16, minor: u16) -> KernelVersion {
    KernelVersion::new(major, minor, 0)
}

/// The overview table (markdown): one row per function, one column per program type; each cell the first
/// version, `·` for never, `*` where only some attach points may, `†` where some attach point loses the
/// function again on a later kernel ([`withdrawn_by`]). `src/prog/overview.md` holds its output.
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
            // An attach point that loses the function again (e.g. 6.16-7.2): named in the function's page.
            let withdrawn = attach_points(t).iter().any(|a| withdrawn_by(f, &Prog::new(t, *a)).is_some());
            let cell = if withdrawn { format!("{cell}†") } else { cell };
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    out
}
