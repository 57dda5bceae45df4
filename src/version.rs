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

    /// `pending_pos` in the producer page: no reservation overtakes a record that is still BUSY.
    RingbufPendingPos {
        area: Ringbuf,
        since: (6, 10),
        stable: [],
        commit: "",
        summary: "a reservation never overtakes a BUSY record (pending_pos)",
    }

    /// `BPF_F_RB_OVERWRITE` (map flag `1 << 19`, RINGBUF only) and `BPF_RB_OVERWRITE_POS` for
    /// `bpf_ringbuf_query`.
    RingbufOverwrite {
        area: Ringbuf,
        since: (6, 19),
        stable: [],
        commit: "",
        summary: "overwrite mode: BPF_F_RB_OVERWRITE and BPF_RB_OVERWRITE_POS",
    }

    // ---- cpumask ---------------------------------------------------------------------------------------

    /// `bpf_cpumask_populate` takes a `struct bpf_cpumask *` (before: any `struct cpumask *`).
    CpumaskPopulateBpfCpumaskArg {
        area: Cpumask,
        since: (7, 2),
        stable: [],
        commit: "",
        summary: "bpf_cpumask_populate's destination must be a struct bpf_cpumask",
    }

    // ---- sockopt ---------------------------------------------------------------------------------------

    /// `bpf_setsockopt` / `bpf_getsockopt` of `IP_TOS` on an IPv4-mapped `AF_INET6` socket is allowed
    /// (before: `-EINVAL`).
    SockoptIpTosMappedV6 {
        area: Sockopt,
        since: (7, 1),
        stable: [(6, 18, 44)],
        commit: "ca0f587c029a",
        summary: "IP_TOS on IPv4-mapped IPv6 sockets",
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
        assert!(!r(6, 12, 200).has(Rule::SockoptIpTosMappedV6));
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
