//! The kernel version as data: which rules hold for a kernel, one row per change.
//!
//! The model speaks for every kernel from 6.1 LTS to 7.3. Where the semantics moved between them, the
//! change is one [`Rule`] below, named after what changed, with the first release that has it, the stable
//! releases that got it as a backport, and its commit. Code that behaves differently asks
//! [`Rules::has`]; it never compares version numbers itself.
//!
//! [`Rules`] is a small `Copy` value derived from a [`KernelProfile`](crate::KernelProfile) (as gimli
//! hands its `Encoding` to the code that cares): constructors take it, so a ring or a socket made for
//! 6.1 behaves like 6.1's for its whole life.
//!
//! ```
//! use bpf_model::version::{Rule, Rules};
//! use bpf_model::{KernelProfile, KernelVersion};
//!
//! let old = Rules::new(KernelVersion::new(6, 18, 15)).unwrap();
//! let new = Rules::new(KernelVersion::new(6, 19, 0)).unwrap();
//! assert!(!old.has(Rule::DynptrU64Offsets));
//! assert!(new.has(Rule::DynptrU64Offsets));
//! // A fix that reached the 6.18 series as a stable backport: 6.18.44 has it, 6.18.15 does not.
//! assert!(!old.has(Rule::SockoptIpTosMappedV6));
//! assert!(Rules::new(KernelVersion::new(6, 18, 44)).unwrap().has(Rule::SockoptIpTosMappedV6));
//! // Outside 6.1-7.3 the model does not guess.
//! assert!(Rules::new(KernelVersion::new(5, 15, 0)).is_err());
//! assert_eq!(KernelProfile::x86_64_v6_18().rules().unwrap().version(), KernelVersion::new(6, 18, 44));
//! ```

use crate::KernelVersion;
use std::fmt;

/// The oldest kernel the model speaks for: 6.1 LTS.
pub const OLDEST: KernelVersion = KernelVersion::new(6, 1, 0);
/// The newest kernel series the model speaks for: 7.3 (every stable release of it).
pub const NEWEST_SERIES: (u16, u16) = (7, 3);

/// The kernel series of the matrix: Debian's build of each is booted under qemu and judges the model.
pub const MATRIX: [(u16, u16); 10] =
    [(6, 1), (6, 12), (6, 16), (6, 17), (6, 18), (6, 19), (7, 0), (7, 1), (7, 2), (7, 3)];

/// The area of the model a rule changes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum RuleArea {
    /// `struct bpf_dynptr` and its helpers and kfuncs.
    Dynptr,
    /// The ring buffer and the user ring buffer.
    Ringbuf,
    /// The cpumask kfuncs.
    Cpumask,
    /// `bpf_setsockopt` / `bpf_getsockopt`.
    Sockopt,
    /// Which program types may call which function.
    Availability,
}

/// One rule's row: what changed, in which releases, by which commit.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RuleRow {
    /// The area it changes.
    pub area: RuleArea,
    /// The first release (`x.y.0`) that has it.
    pub since: KernelVersion,
    /// Earlier series that got it as a stable backport: the first stable release of each that has it.
    pub stable: &'static [KernelVersion],
    /// The upstream commit (12 hex digits), or `""` where only the release is known.
    pub commit: &'static str,
    /// What changed, in one sentence.
    pub summary: &'static str,
}

macro_rules! rules {
    ($(
        $(#[doc = $doc:literal])*
        $var:ident {
            area: $area:ident,
            since: ($ma:literal, $mi:literal),
            stable: [$(($sma:literal, $smi:literal, $sp:literal)),* $(,)?],
            commit: $commit:literal,
            summary: $summary:literal,
        }
    )*) => {
        /// A change of behaviour between 6.1 and 7.3. Each variant is one row: see [`Rule::row`].
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
        #[non_exhaustive]
        pub enum Rule {
            $(
                $(#[doc = $doc])*
                #[doc = ""]
                #[doc = concat!("Since v", $ma, ".", $mi, $(", and v", $sma, ".", $smi, ".", $sp,)* ".")]
                $var,
            )*
        }

        impl Rule {
            /// Every rule, in the order of the table.
            pub const ALL: &'static [Rule] = &[$(Rule::$var),*];

            /// The rule's row.
            pub const fn row(self) -> RuleRow {
                match self {
                    $(Rule::$var => RuleRow {
                        area: RuleArea::$area,
                        since: KernelVersion::new($ma, $mi, 0),
                        stable: &[$(KernelVersion { major: $sma, minor: $smi, patch: $sp }),*],
                        commit: $commit,
                        summary: $summary,
                    },)*
                }
            }

            /// The rule's name (`"DynptrU64Offsets"`).
            pub const fn name(self) -> &'static str {
                match self { $(Rule::$var => stringify!($var),)* }
            }
        }
    };
}

rules! {
    // ---- dynptr ----------------------------------------------------------------------------------------

    /// `bpf_dynptr_write` checks the range before the flags, and the flags per dynptr type (SKB takes
    /// `BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH`); before, flags other than 0 were `-EINVAL` first,
    /// with the null and read-only checks, whatever the range.
    DynptrWriteRangeBeforeFlags {
        area: Dynptr,
        since: (6, 4),
        stable: [],
        commit: "b5964b968ac6",
        summary: "bpf_dynptr_write checks the range before the flags, and the flags per type",
    }

    /// Offsets and sizes of the dynptr helpers and kfuncs are `u64` (before: `u32`, so an offset of
    /// `1 << 32` was truncated to 0); `bpf_dynptr_size` returns `u64`.
    DynptrU64Offsets {
        area: Dynptr,
        since: (6, 19),
        stable: [],
        commit: "531b87d865eb",
        summary: "dynptr offsets and sizes widen from u32 to u64",
    }

    // ---- ring buffer -----------------------------------------------------------------------------------

    /// `pending_pos` in the producer page: no reservation overtakes a record that is still BUSY. Before
    /// it, the space check looked at `consumer_pos` alone, so once user space moved `consumer_pos` past a
    /// BUSY record a reservation could take that record's bytes. A security fix, backported to the stable
    /// series (Debian's 6.1.192 has the field in its BTF; 6.1.97 is the first 6.1 release with it).
    RingbufPendingPos {
        area: Ringbuf,
        since: (6, 10),
        stable: [(6, 1, 97), (6, 6, 37), (6, 9, 8)],
        commit: "cfa1a2329a69",
        summary: "a reservation never overtakes a BUSY record (pending_pos)",
    }

    /// `BPF_F_RB_OVERWRITE` (map flag `1 << 19`, RINGBUF only) and `BPF_RB_OVERWRITE_POS` for
    /// `bpf_ringbuf_query`.
    RingbufOverwrite {
        area: Ringbuf,
        since: (6, 19),
        stable: [],
        commit: "feeaf1346f80",
        summary: "overwrite mode: BPF_F_RB_OVERWRITE and BPF_RB_OVERWRITE_POS",
    }

    // ---- cpumask ---------------------------------------------------------------------------------------

    /// `bpf_cpumask_populate` takes a `struct bpf_cpumask *` (before: any `struct cpumask *`): the verifier
    /// refuses a program whose destination is a plain `struct cpumask *`, such as a task's `cpus_ptr`, which
    /// 6.15-7.1 let a program overwrite. The verifier's refusal is `-EINVAL` ("expected pointer to STRUCT
    /// bpf_cpumask but R1 has a pointer to STRUCT cpumask"). A stable backport reached the 6.18 series (the
    /// host's 6.18.44 refuses); the commit is not pinned yet.
    CpumaskPopulateBpfCpumaskArg {
        area: Cpumask,
        since: (7, 2),
        stable: [(6, 18, 44)],
        commit: "",
        summary: "bpf_cpumask_populate's destination must be a struct bpf_cpumask",
    }

    // ---- sockopt ---------------------------------------------------------------------------------------

    /// A fresh TCP socket's `icsk_rto_min` comes from the `net.ipv4.tcp_rto_min_us` sysctl (before: the
    /// constant `TCP_RTO_MIN`, `HZ / 5`); `TCP_BPF_RTO_MIN` reads it back from 6.15.
    SockoptRtoMinSysctl {
        area: Sockopt,
        since: (6, 11),
        stable: [],
        commit: "f086edef71be",
        summary: "the RTO minimum of a new socket comes from net.ipv4.tcp_rto_min_us",
    }

    /// `SOL_TCP` / `TCP_BPF_SOCK_OPS_CB_FLAGS` is in the whitelist, for set and get (before: `-EINVAL`;
    /// only `bpf_sock_ops_cb_flags_set()` could set the flags).
    SockoptTcpBpfSockOpsCbFlags {
        area: Sockopt,
        since: (6, 10),
        stable: [],
        commit: "",
        summary: "TCP_BPF_SOCK_OPS_CB_FLAGS",
    }

    /// `SO_RCVLOWAT` on TCP sizes the receive buffer with `tcp_space_from_win()` (the socket's
    /// `scaling_ratio`) and sets `window_clamp` to the low-water mark; before, the buffer became twice the
    /// mark and `window_clamp` `tcp_win_from_space()` of that (by `net.ipv4.tcp_adv_win_scale`). The
    /// first release is not verified: after 6.1 and by 6.12 on the matrix.
    SockoptRcvlowatSpaceFromWin {
        area: Sockopt,
        since: (6, 7),
        stable: [],
        commit: "d1361840f8c5",
        summary: "SO_RCVLOWAT sizes the receive buffer from the scaling ratio",
    }

    /// `SO_RCVLOWAT` on TCP only raises a non-zero `window_clamp` (before: sets it to the mark). Stable
    /// backports from the review series of 2025-10-17; the matrix shows 6.12.118 with it and 6.16.12
    /// without.
    SockoptRcvlowatKeepsWindowClamp {
        area: Sockopt,
        since: (6, 18),
        stable: [(6, 6, 113), (6, 12, 54), (6, 17, 4)],
        commit: "21b29e74ffe5",
        summary: "SO_RCVLOWAT leaves a zero or larger window_clamp alone",
    }

    /// `TCP_WINDOW_CLAMP` compares the value with `SOCK_MIN_RCVBUF / 2` as an `int` (`max_t(int, ..)`),
    /// so a negative value becomes 1152; before, the comparison was unsigned (`SOCK_MIN_RCVBUF` is a
    /// `size_t`) and a negative value was stored as it is. "tcp: tcp_set_window_clamp() cleanup", in the
    /// 6.15 merge window.
    SockoptWindowClampSigned {
        area: Sockopt,
        since: (6, 15),
        stable: [],
        commit: "",
        summary: "TCP_WINDOW_CLAMP's minimum is compared as int",
    }

    /// `bpf_getsockopt` of `TCP_BPF_RTO_MIN` and `TCP_BPF_DELACK_MAX` (before: set only, get `-EINVAL`).
    SockoptBpfRtoMinDelackGet {
        area: Sockopt,
        since: (6, 15),
        stable: [],
        commit: "5584cd7e0ddd",
        summary: "bpf_getsockopt of TCP_BPF_RTO_MIN and TCP_BPF_DELACK_MAX",
    }

    /// `SOL_SOCKET` / `SK_BPF_CB_FLAGS` (the BPF TX-timestamping callbacks) is in the whitelist (before:
    /// `-EINVAL`).
    SockoptSkBpfCbFlags {
        area: Sockopt,
        since: (6, 15),
        stable: [],
        commit: "",
        summary: "SK_BPF_CB_FLAGS",
    }

    /// `SOL_TCP` / `TCP_RTO_MAX_MS` is in the whitelist (before: `-EINVAL`).
    SockoptTcpRtoMaxMs {
        area: Sockopt,
        since: (6, 15),
        stable: [],
        commit: "54a378f43425",
        summary: "TCP_RTO_MAX_MS",
    }

    /// A fresh TCP socket's `icsk_rto_max` comes from the `net.ipv4.tcp_rto_max_ms` sysctl (before: the
    /// constant `TCP_RTO_MAX`, 120 s).
    SockoptRtoMaxSysctl {
        area: Sockopt,
        since: (6, 15),
        stable: [],
        commit: "1280c26228bd",
        summary: "the RTO maximum of a new socket comes from net.ipv4.tcp_rto_max_ms",
    }

    /// `bpf_setsockopt` / `bpf_getsockopt` of `IP_TOS` on an IPv4-mapped `AF_INET6` socket is allowed
    /// (before: `-EINVAL`). A fix with a `Fixes:` tag, so stable series got it as a backport.
    SockoptIpTosMappedV6 {
        area: Sockopt,
        since: (7, 1),
        stable: [(6, 1, 178), (6, 6, 145), (6, 12, 97), (6, 18, 44)],
        commit: "ca0f587c029a",
        summary: "IP_TOS on IPv4-mapped IPv6 sockets",
    }

    /// `SOL_TCP` options need a real TCP socket (`sk_is_tcp()`: inet, `SOCK_STREAM`, `IPPROTO_TCP`);
    /// before, `IPPROTO_TCP` was enough, so a `SOCK_RAW` socket of protocol `IPPROTO_TCP` got through.
    SockoptSolTcpNeedsTcpSock {
        area: Sockopt,
        since: (7, 1),
        stable: [],
        commit: "1c2958e4ab1e",
        summary: "SOL_TCP options need a real TCP socket",
    }

    /// `SO_RCVBUF` on a TCP socket also sets `window_clamp` to `tcp_win_from_space()` of the new buffer
    /// (through `tcp_set_window_clamp()`, so at least `SOCK_MIN_RCVBUF / 2`); before, it left the clamp
    /// alone. Seen on the matrix: 7.0.13 without, 7.1.13 with; the commit was not found.
    SockoptRcvbufSetsWindowClamp {
        area: Sockopt,
        since: (7, 1),
        stable: [],
        commit: "",
        summary: "SO_RCVBUF on TCP sets window_clamp from the new buffer",
    }

    /// `IP_TRANSPARENT` and `IPV6_TRANSPARENT` are in the whitelist.
    SockoptTransparent {
        area: Sockopt,
        since: (7, 3),
        stable: [],
        commit: "dec58a70d4e7",
        summary: "IP_TRANSPARENT and IPV6_TRANSPARENT",
    }

    // ---- availability ----------------------------------------------------------------------------------

    /// A helper with no prototype for the program is refused with `program of this type cannot use helper
    /// <name>#<id>` (before: `unknown func <name>#<id>`; `-EINVAL` both). Seen: the old line on 6.1, the
    /// new one from 6.12 on; the release in 6.2-6.12 that changed it is not pinned (no commit found).
    HelperDenialNamesProgType {
        area: Availability,
        since: (6, 12),
        stable: [],
        commit: "",
        summary: "helper refused with 'program of this type cannot use helper' (was 'unknown func')",
    }

    /// `bpf_setsockopt` / `bpf_getsockopt` are refused again in the `AF_UNIX` getpeername and getsockname
    /// sock_addr hooks (`cgroup/getpeername_unix`, `cgroup/getsockname_unix`), which had them from 6.16
    /// (refused on 6.12; accepted on 6.16, 6.17, 6.18.15, 6.18.44, 6.19, 7.0, 7.1; refused on 7.2 and 7.3).
    /// The commit is not pinned.
    SockoptUnixGetnameWithdrawn {
        area: Availability,
        since: (7, 2),
        stable: [],
        commit: "",
        summary: "bpf_{set,get}sockopt refused again in the AF_UNIX getpeername/getsockname hooks",
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let row = self.row();
        write!(f, "{} (since {}", self.name(), row.since)?;
        for s in row.stable {
            write!(f, ", {s}")?;
        }
        if !row.commit.is_empty() {
            write!(f, "; commit {}", row.commit)?;
        }
        write!(f, "): {}", row.summary)
    }
}

/// A version the model does not speak for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct UnsupportedVersion(pub KernelVersion);

impl fmt::Display for UnsupportedVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "kernel {} is outside the releases the model speaks for ({} to {}.{}.x)",
            self.0, OLDEST, NEWEST_SERIES.0, NEWEST_SERIES.1
        )
    }
}

impl std::error::Error for UnsupportedVersion {}

/// Which rules hold for one kernel: the small `Copy` value the model's constructors take.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Rules {
    version: KernelVersion,
}

impl Rules {
    /// The rules of `version`; an error outside 6.1 to 7.3.
    pub const fn new(version: KernelVersion) -> Result<Rules, UnsupportedVersion> {
        let newest = (version.major as u32) < NEWEST_SERIES.0 as u32
            || (version.major == NEWEST_SERIES.0 && version.minor <= NEWEST_SERIES.1);
        let oldest = version.major > OLDEST.major || (version.major == OLDEST.major && version.minor >= OLDEST.minor);
        if oldest && newest {
            Ok(Rules { version })
        } else {
            Err(UnsupportedVersion(version))
        }
    }

    /// The rules of the newest kernel the model speaks for (7.3).
    pub const fn newest() -> Rules {
        Rules { version: KernelVersion::new(NEWEST_SERIES.0, NEWEST_SERIES.1, 0) }
    }

    /// The kernel these rules are for.
    pub const fn version(self) -> KernelVersion {
        self.version
    }

    /// Whether `rule` holds for this kernel: its release is at least the rule's first, or it is a stable
    /// release of a series that got the rule as a backport, at or after the backport.
    pub const fn has(self, rule: Rule) -> bool {
        let row = rule.row();
        if at_least(self.version, row.since) {
            return true;
        }
        let mut i = 0;
        while i < row.stable.len() {
            let s = row.stable[i];
            if s.major == self.version.major && s.minor == self.version.minor && self.version.patch >= s.patch {
                return true;
            }
            i += 1;
        }
        false
    }

    /// Whether this kernel's release is at least `major.minor` (for functions and program types, whose
    /// rows carry the release that added them).
    pub const fn at_least(self, since: KernelVersion) -> bool {
        at_least(self.version, since)
    }
}

const fn at_least(v: KernelVersion, since: KernelVersion) -> bool {
    if v.major != since.major {
        return v.major > since.major;
    }
    if v.minor != since.minor {
        return v.minor > since.minor;
    }
    v.patch >= since.patch
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(ma: u16, mi: u16, p: u16) -> Rules {
        Rules::new(KernelVersion::new(ma, mi, p)).unwrap()
    }

    #[test]
    fn range_is_6_1_to_7_3() {
        assert!(Rules::new(KernelVersion::new(6, 0, 99)).is_err());
        assert!(Rules::new(KernelVersion::new(6, 1, 0)).is_ok());
        assert!(Rules::new(KernelVersion::new(7, 3, 900)).is_ok());
        assert!(Rules::new(KernelVersion::new(7, 4, 0)).is_err());
        assert!(Rules::new(KernelVersion::new(8, 0, 0)).is_err());
        assert!(Rules::new(KernelVersion::new(5, 19, 0)).is_err());
        for (ma, mi) in MATRIX {
            assert!(Rules::new(KernelVersion::new(ma, mi, 0)).is_ok());
        }
    }

    #[test]
    fn since_and_backports() {
        assert!(!r(6, 18, 99).has(Rule::DynptrU64Offsets));
        assert!(r(6, 19, 0).has(Rule::DynptrU64Offsets));
        assert!(r(7, 0, 0).has(Rule::DynptrU64Offsets));
        assert!(!r(6, 18, 43).has(Rule::SockoptIpTosMappedV6));
        assert!(r(6, 18, 44).has(Rule::SockoptIpTosMappedV6));
        assert!(!r(7, 0, 13).has(Rule::SockoptIpTosMappedV6));
        assert!(r(7, 1, 0).has(Rule::SockoptIpTosMappedV6));
        assert!(!r(6, 12, 96).has(Rule::SockoptIpTosMappedV6));
        assert!(r(6, 12, 97).has(Rule::SockoptIpTosMappedV6));
        assert!(!r(6, 16, 12).has(Rule::SockoptIpTosMappedV6));
    }

    #[test]
    fn every_rule_has_a_row() {
        for rule in Rule::ALL {
            let row = rule.row();
            assert!(Rules::new(row.since).is_ok(), "{rule}: since outside the range");
            for s in row.stable {
                assert!(s.major < row.since.major || (s.major == row.since.major && s.minor < row.since.minor));
            }
            assert!(row.commit.is_empty() || row.commit.len() == 12, "{rule}: commit {:?}", row.commit);
        }
    }
}
