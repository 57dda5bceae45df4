//! [`KernelProfile`]: every piece of kernel configuration and sysctl state that changes an answer.
//!
//! The model never reads hidden globals. Whatever depends on how a kernel was built or tuned, such as
//! `nr_cpu_ids` and `NR_CPUS` (cpumask search results), `HZ` (jiffies rounding in `bpf_setsockopt`),
//! `CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS` (`bpf_cpumask_populate`), the page size (ring buffer
//! capacity) or `net.core.rmem_max` (`SO_RCVBUF`), is a field here, and every function that depends on it
//! takes a profile.
//!
//! ```
//! use bpf_model::KernelProfile;
//! let here = KernelProfile::x86_64_v6_18();
//! assert_eq!(here.nr_cpus, 256);
//! let small = KernelProfile::generic_small();
//! assert!(small.nr_cpus <= 64);
//! ```

use crate::version::{Rule, Rules, UnsupportedVersion};
use std::collections::BTreeMap;
use std::fmt;

/// A kernel release, compared as `(major, minor, patch)`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
#[cfg_attr(feature = "vectors", derive(serde::Serialize, serde::Deserialize))]
pub struct KernelVersion {
    /// `6` in 6.18.2.
    pub major: u16,
    /// `18` in 6.18.2.
    pub minor: u16,
    /// `2` in 6.18.2.
    pub patch: u16,
}

impl KernelVersion {
    /// The series: `(6, 18)` for 6.18.44.
    pub const fn series(self) -> (u16, u16) {
        (self.major, self.minor)
    }

    /// `KernelVersion::new(6, 18, 0)` is v6.18.
    pub const fn new(major: u16, minor: u16, patch: u16) -> Self {
        KernelVersion { major, minor, patch }
    }

    /// The version a release string starts with: `"6.18.44-fc-v769"` is 6.18.44.
    pub fn parse_release(release: &str) -> Option<KernelVersion> {
        let mut nums = release.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty());
        let major = nums.next()?.parse().ok()?;
        let minor = nums.next()?.parse().ok()?;
        let patch = release
            .splitn(3, '.')
            .nth(2)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        Some(KernelVersion { major, minor, patch })
    }
}

impl KernelVersion {
    /// The stable release a distribution names in the kernel's banner (`/proc/version`) when its release
    /// string does not: Debian's 6.1 kernels are `6.1.0-57-amd64` for `uname -r` and say `Debian
    /// 6.1.192-3` in the banner, and stable fixes make the patch level matter. Returns `release` unless
    /// the banner names a later release of the same series.
    ///
    /// ```
    /// use bpf_model::KernelVersion;
    /// let banner = "Linux version 6.1.0-57-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) \
    ///               12.2.0) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-01-02)";
    /// let v = KernelVersion::stable_from_banner(KernelVersion::new(6, 1, 0), banner);
    /// assert_eq!(v, KernelVersion::new(6, 1, 192));
    /// let v = KernelVersion::stable_from_banner(KernelVersion::new(6, 18, 44), "Linux version 6.18.44");
    /// assert_eq!(v, KernelVersion::new(6, 18, 44));
    /// ```
    pub fn stable_from_banner(release: KernelVersion, banner: &str) -> KernelVersion {
        banner
            .split("Debian ")
            .skip(1)
            .filter_map(KernelVersion::parse_release)
            .filter(|v| v.series() == release.series() && v.patch > release.patch)
            .max()
            .unwrap_or(release)
    }
}

impl fmt::Display for KernelVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.patch == 0 {
            write!(f, "{}.{}", self.major, self.minor)
        } else {
            write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
        }
    }
}

/// The configuration and sysctl state of one kernel, as far as the model's answers depend on it.
#[derive(Clone, PartialEq, Eq, Debug)]
#[cfg_attr(feature = "vectors", derive(serde::Serialize, serde::Deserialize))]
pub struct KernelProfile {
    /// A short name: the preset's, or `"detected"`.
    pub name: String,
    /// The kernel release string (`uname -r`).
    pub release: String,
    /// The version the release string names.
    pub version: KernelVersion,
    /// `uname -m`.
    pub arch: String,
    /// `PAGE_SIZE` in bytes.
    pub page_size: u32,
    /// `BITS_PER_LONG`: 64 on 64-bit kernels.
    pub bits_per_long: u32,
    /// `nr_cpu_ids`: one more than the highest possible CPU id (`/sys/devices/system/cpu/possible`).
    pub nr_cpu_ids: u32,
    /// `CONFIG_NR_CPUS`: the compile-time width of `cpumask_t`.
    pub nr_cpus: u32,
    /// `CONFIG_FORCE_NR_CPUS`: `nr_cpu_ids` is the constant `NR_CPUS`.
    pub force_nr_cpus: bool,
    /// `CONFIG_HZ`: jiffies per second.
    pub hz: u32,
    /// `CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS`.
    pub efficient_unaligned_access: bool,
    /// The CPU has FSRM (fast short `rep movsb`, the `fsrm` flag of `/proc/cpuinfo`): the kernel's x86-64
    /// `memcpy` is then `rep movsb`, else `memcpy_orig`, which copies overlapping ranges differently (see
    /// [`crate::dynptr::Memcpy`]). Absent from vector headers recorded before it existed: true.
    #[cfg_attr(feature = "vectors", serde(default = "yes"))]
    pub cpu_fsrm: bool,
    /// `net.core.rmem_max`.
    pub rmem_max: u32,
    /// `net.core.wmem_max`.
    pub wmem_max: u32,
    /// `net.ipv4.tcp_available_congestion_control`, in the kernel's order.
    pub tcp_available_congestion_control: Vec<String>,
    /// `net.ipv4.tcp_congestion_control`: what a new socket starts with.
    pub tcp_congestion_control: String,
    /// Further sysctls a model area reads, by dotted name (`"net.ipv4.tcp_rmem"`), as the file holds them.
    pub sysctls: BTreeMap<String, String>,
}

impl KernelProfile {
    /// The machines this project runs on: Linux 6.18 on x86_64, 2 possible CPUs, `NR_CPUS=256`, `HZ=250`,
    /// efficient unaligned access, 4 KiB pages, `rmem_max = wmem_max = 4 MiB`, congestion controls
    /// `reno bbr cubic` with `bbr` as the default.
    pub fn x86_64_v6_18() -> KernelProfile {
        KernelProfile {
            name: "x86_64-v6.18".into(),
            release: "6.18.44".into(),
            version: KernelVersion::new(6, 18, 44),
            arch: "x86_64".into(),
            page_size: 4096,
            bits_per_long: 64,
            nr_cpu_ids: 2,
            nr_cpus: 256,
            force_nr_cpus: false,
            hz: 250,
            efficient_unaligned_access: true,
            cpu_fsrm: true,
            rmem_max: 4 * 1024 * 1024,
            wmem_max: 4 * 1024 * 1024,
            tcp_available_congestion_control: vec!["reno".into(), "bbr".into(), "cubic".into()],
            tcp_congestion_control: "bbr".into(),
            sysctls: BTreeMap::from([
                ("net.core.rmem_default".into(), "212992".into()),
                ("net.core.wmem_default".into(), "212992".into()),
                ("net.ipv4.tcp_rmem".into(), "4096\t131072\t33554432".into()),
                ("net.ipv4.tcp_wmem".into(), "4096\t16384\t4194304".into()),
                ("net.core.txrehash".into(), "1".into()),
            ]),
        }
    }

    /// A generic "small" kernel: x86_64 `defconfig` shape with `NR_CPUS=64` (so every cpumask fits one
    /// word and the search functions answer `NR_CPUS` when nothing is found), 4 possible CPUs, `HZ=1000`,
    /// upstream default sysctls (`rmem_max = wmem_max = 212992`) and `cubic`.
    pub fn generic_small() -> KernelProfile {
        KernelProfile {
            name: "generic-small".into(),
            release: "6.18.0".into(),
            version: KernelVersion::new(6, 18, 0),
            arch: "x86_64".into(),
            page_size: 4096,
            bits_per_long: 64,
            nr_cpu_ids: 4,
            nr_cpus: 64,
            force_nr_cpus: false,
            hz: 1000,
            efficient_unaligned_access: true,
            cpu_fsrm: true,
            rmem_max: 212992,
            wmem_max: 212992,
            tcp_available_congestion_control: vec!["reno".into(), "cubic".into()],
            tcp_congestion_control: "cubic".into(),
            sysctls: BTreeMap::new(),
        }
    }

    /// A large, strict-alignment kernel: `NR_CPUS=8192` with 8192 possible CPUs, `HZ=100`, no efficient
    /// unaligned access (as on some RISC-V and MIPS builds), 64 KiB pages.
    pub fn large_strict_align() -> KernelProfile {
        KernelProfile {
            name: "large-strict-align".into(),
            arch: "riscv64".into(),
            page_size: 65536,
            nr_cpu_ids: 8192,
            nr_cpus: 8192,
            hz: 100,
            efficient_unaligned_access: false,
            cpu_fsrm: true,
            ..KernelProfile::generic_small()
        }
    }

    /// Debian's build of kernel series `major.minor`, as the matrix boots it (`../shared/qemu/`: the newest
    /// Debian package of the series, under qemu with 2 CPUs): `NR_CPUS=8192`, `HZ=250`, efficient
    /// unaligned access, 4 KiB pages, upstream default sysctls, `reno cubic` with `cubic` as the default
    /// (`tcp_bbr` is a module there). `None` for a series that is not in the matrix.
    pub fn debian(major: u16, minor: u16) -> Option<KernelProfile> {
        let patch = match (major, minor) {
            (6, 1) => 192,
            (6, 12) => 118,
            (6, 16) => 12,
            (6, 17) => 13,
            (6, 18) => 15,
            (6, 19) => 14,
            (7, 0) => 13,
            (7, 1) => 13,
            (7, 2) => 12,
            (7, 3) => 4,
            _ => return None,
        };
        let version = KernelVersion::new(major, minor, patch);
        Some(KernelProfile {
            name: format!("debian-{major}.{minor}"),
            release: format!("{version}-debian"),
            version,
            nr_cpu_ids: 2,
            nr_cpus: 8192,
            hz: 250,
            ..KernelProfile::generic_small()
        })
    }

    /// Every named preset: the three shapes above, then Debian's kernel of each series of the matrix.
    pub fn presets() -> Vec<KernelProfile> {
        let mut all = vec![Self::x86_64_v6_18(), Self::generic_small(), Self::large_strict_align()];
        all.extend(crate::version::MATRIX.iter().filter_map(|&(ma, mi)| Self::debian(ma, mi)));
        all
    }

    /// The rules of this profile's kernel version, or why the model does not speak for it.
    pub fn rules(&self) -> Result<Rules, UnsupportedVersion> {
        Rules::new(self.version)
    }

    /// The preset with this name.
    pub fn preset(name: &str) -> Option<KernelProfile> {
        Self::presets().into_iter().find(|p| p.name == name)
    }

    /// Reads the profile of the running system: `uname`, the config (`/proc/config.gz`, else
    /// `/boot/config-<release>`; without either, `NR_CPUS` from `/sys/devices/system/cpu/kernel_max`),
    /// `/sys/devices/system/cpu/possible` and `/proc/sys`. A release outside 6.1-7.3 is listed as missing. Whatever cannot be read keeps the value of
    /// [`KernelProfile::x86_64_v6_18`] and is listed in [`Detected::missing`] with the reason.
    pub fn detect() -> Detected {
        detect::detect()
    }

    /// `cpu_valid()` width and the fallback of search functions depend on these three; see `cpumask`.
    pub fn sysctl(&self, name: &str) -> Option<&str> {
        self.sysctls.get(name).map(String::as_str)
    }

    /// `HZ` converts: `msecs_to_jiffies()` rounding up, as the kernel does for `HZ` dividing 1000.
    pub fn msecs_to_jiffies(&self, ms: u32) -> u64 {
        (u64::from(ms) * u64::from(self.hz)).div_ceil(1000)
    }
}

/// The result of [`KernelProfile::detect`]: the profile, and what could not be read.
#[derive(Clone, Debug)]
pub struct Detected {
    /// The profile, with preset values where reading failed.
    pub profile: KernelProfile,
    /// `(what, why)` for every value that could not be read.
    pub missing: Vec<(String, String)>,
}

impl Detected {
    /// True when every value was read from the live system.
    pub fn complete(&self) -> bool {
        self.missing.is_empty()
    }
}

#[cfg(feature = "vectors")]
fn yes() -> bool {
    true
}

mod detect {
    use super::*;
    use std::fs;
    use std::io::Read;

    pub(super) fn detect() -> Detected {
        let mut p = KernelProfile::x86_64_v6_18();
        p.name = "detected".into();
        p.sysctls.clear();
        let mut missing = Vec::new();
        let mut miss = |what: &str, why: String| missing.push((what.to_string(), why));

        match fs::read_to_string("/proc/sys/kernel/osrelease") {
            Ok(r) => {
                p.release = r.trim().to_string();
                match KernelVersion::parse_release(&p.release) {
                    Some(v) => {
                        let banner = fs::read_to_string("/proc/version").unwrap_or_default();
                        p.version = KernelVersion::stable_from_banner(v, &banner);
                    }
                    None => miss("version", format!("cannot parse release {:?}", p.release)),
                }
            }
            Err(e) => miss("release", format!("/proc/sys/kernel/osrelease: {e}")),
        }
        p.arch = std::env::consts::ARCH.to_string();
        p.bits_per_long = usize::BITS;
        match page_size() {
            Some(ps) => p.page_size = ps,
            None => miss("page_size", "no KernelPageSize in /proc/self/smaps".into()),
        }
        match fs::read_to_string("/sys/devices/system/cpu/possible") {
            Ok(s) => match parse_cpu_list_max(s.trim()) {
                Some(max) => p.nr_cpu_ids = max + 1,
                None => miss("nr_cpu_ids", format!("cannot parse cpu list {:?}", s.trim())),
            },
            Err(e) => miss("nr_cpu_ids", format!("/sys/devices/system/cpu/possible: {e}")),
        }
        match read_config(&p.release) {
            Ok((source, cfg)) => {
                let get = |k: &str| config_value(&cfg, k);
                match get("CONFIG_NR_CPUS").and_then(|v| v.parse().ok()) {
                    Some(n) => p.nr_cpus = n,
                    None => miss("nr_cpus", format!("CONFIG_NR_CPUS not in {source}")),
                }
                p.force_nr_cpus = get("CONFIG_FORCE_NR_CPUS").as_deref() == Some("y");
                match get("CONFIG_HZ").and_then(|v| v.parse().ok()) {
                    Some(hz) => p.hz = hz,
                    None => miss("hz", format!("CONFIG_HZ not in {source}")),
                }
                p.efficient_unaligned_access = get("CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS").as_deref() == Some("y");
            }
            Err(why) => {
                // Without a config, NR_CPUS still shows as `kernel_max` (NR_CPUS - 1); HZ and unaligned
                // access keep the preset's values.
                match fs::read_to_string("/sys/devices/system/cpu/kernel_max").map(|s| s.trim().parse::<u32>()) {
                    Ok(Ok(max)) => p.nr_cpus = max.saturating_add(1),
                    Ok(Err(_)) => miss("nr_cpus", format!("{why}; /sys/devices/system/cpu/kernel_max: not a number")),
                    Err(e) => miss("nr_cpus", format!("{why}; /sys/devices/system/cpu/kernel_max: {e}")),
                }
                for what in ["hz", "efficient_unaligned_access", "force_nr_cpus"] {
                    miss(what, why.clone());
                }
            }
        }
        if let Err(e) = p.rules() {
            miss("version", e.to_string());
        }
        match fs::read_to_string("/proc/cpuinfo") {
            Ok(info) => {
                let flags = info.lines().find(|l| l.starts_with("flags")).unwrap_or("");
                p.cpu_fsrm = flags.split_whitespace().any(|f| f == "fsrm");
            }
            Err(e) => miss("cpu_fsrm", format!("/proc/cpuinfo: {e}")),
        }
        let sysctl = |name: &str| -> Result<String, String> {
            let path = format!("/proc/sys/{}", name.replace('.', "/"));
            fs::read_to_string(&path).map(|s| s.trim().to_string()).map_err(|e| format!("{path}: {e}"))
        };
        let num = |name: &str, slot: &mut u32, miss: &mut dyn FnMut(&str, String)| match sysctl(name) {
            Ok(v) => match v.parse() {
                Ok(n) => *slot = n,
                Err(_) => miss(name, format!("not a number: {v:?}")),
            },
            Err(e) => miss(name, e),
        };
        num("net.core.rmem_max", &mut p.rmem_max, &mut miss);
        num("net.core.wmem_max", &mut p.wmem_max, &mut miss);
        match sysctl("net.ipv4.tcp_available_congestion_control") {
            Ok(v) => p.tcp_available_congestion_control = v.split_whitespace().map(String::from).collect(),
            Err(e) => miss("net.ipv4.tcp_available_congestion_control", e),
        }
        match sysctl("net.ipv4.tcp_congestion_control") {
            Ok(v) => p.tcp_congestion_control = v,
            Err(e) => miss("net.ipv4.tcp_congestion_control", e),
        }
        // The sysctls a model area reads; the last ones only from the kernel that has them (a kernel
        // without the sysctl uses a constant, which is not a gap in the profile).
        let rules = p.rules().ok();
        let since = |rule: Rule| rules.is_some_and(|r| r.has(rule));
        for (name, wanted) in [
            ("net.core.rmem_default", true),
            ("net.core.wmem_default", true),
            ("net.ipv4.tcp_rmem", true),
            ("net.ipv4.tcp_wmem", true),
            ("net.core.txrehash", true),
            ("net.ipv4.tcp_keepalive_time", true),
            ("net.ipv4.tcp_keepalive_intvl", true),
            ("net.ipv4.tcp_keepalive_probes", true),
            ("net.ipv4.tcp_syn_retries", true),
            ("net.ipv6.auto_flowlabels", true),
            ("net.ipv4.tcp_rto_min_us", since(Rule::SockoptRtoMinSysctl)),
            ("net.ipv4.tcp_rto_max_ms", since(Rule::SockoptRtoMaxSysctl)),
            ("net.ipv4.tcp_adv_win_scale", !since(Rule::SockoptRcvlowatSpaceFromWin)),
        ] {
            match sysctl(name) {
                Ok(v) => {
                    p.sysctls.insert(name.to_string(), v);
                }
                Err(e) if wanted => miss(name, e),
                Err(_) => {}
            }
        }
        Detected { profile: p, missing }
    }

    /// `"0-1"`, `"0,2-5"`: the highest CPU id named.
    pub(super) fn parse_cpu_list_max(list: &str) -> Option<u32> {
        list.split(',')
            .map(|r| r.rsplit('-').next().and_then(|n| n.trim().parse::<u32>().ok()))
            .try_fold(None, |acc: Option<u32>, n| n.map(|n| Some(acc.map_or(n, |a| a.max(n)))))
            .flatten()
    }

    fn page_size() -> Option<u32> {
        let smaps = fs::read_to_string("/proc/self/smaps").ok()?;
        let line = smaps.lines().find(|l| l.starts_with("KernelPageSize:"))?;
        let kb: u32 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    }

    /// The kernel's config: `/proc/config.gz` (`CONFIG_IKCONFIG_PROC`), else `/boot/config-<release>` (as
    /// distributions ship it). Returns where it was read, and the text.
    fn read_config(release: &str) -> Result<(String, String), String> {
        let gz = match fs::read("/proc/config.gz") {
            Ok(raw) => {
                let mut out = String::new();
                gunzip(&raw)
                    .ok_or_else(|| "/proc/config.gz: not a gzip stream this reader understands".to_string())?
                    .as_slice()
                    .read_to_string(&mut out)
                    .map_err(|e| format!("/proc/config.gz: {e}"))?;
                return Ok(("/proc/config.gz".into(), out));
            }
            Err(e) => format!("/proc/config.gz: {e}"),
        };
        let boot = format!("/boot/config-{release}");
        match fs::read_to_string(&boot) {
            Ok(text) => Ok((boot, text)),
            Err(e) => Err(format!("{gz}; {boot}: {e}")),
        }
    }

    fn config_value(cfg: &str, key: &str) -> Option<String> {
        cfg.lines()
            .find_map(|l| l.strip_prefix(key).and_then(|rest| rest.strip_prefix('=')))
            .map(|v| v.trim_matches('"').to_string())
    }

    /// A small inflate (RFC 1951) for one gzip member, so that the model needs no C zlib to read
    /// `/proc/config.gz`.
    pub(super) fn gunzip(data: &[u8]) -> Option<Vec<u8>> {
        if data.len() < 18 || data[0] != 0x1f || data[1] != 0x8b || data[2] != 8 {
            return None;
        }
        let flags = data[3];
        let mut pos = 10;
        if flags & 4 != 0 {
            let xlen = usize::from(*data.get(pos)?) | usize::from(*data.get(pos + 1)?) << 8;
            pos += 2 + xlen;
        }
        for bit in [8u8, 16] {
            if flags & bit != 0 {
                pos += data.get(pos..)?.iter().position(|&b| b == 0)? + 1;
            }
        }
        if flags & 2 != 0 {
            pos += 2;
        }
        inflate(data.get(pos..)?)
    }

    struct Bits<'a> {
        data: &'a [u8],
        pos: usize,
        bit: u32,
        nbits: u32,
    }

    impl Bits<'_> {
        fn need(&mut self, n: u32) -> Option<u32> {
            while self.nbits < n {
                let b = *self.data.get(self.pos)?;
                self.pos += 1;
                self.bit |= u32::from(b) << self.nbits;
                self.nbits += 8;
            }
            let v = self.bit & ((1u32 << n) - 1);
            self.bit = if n == 32 { 0 } else { self.bit >> n };
            self.nbits -= n;
            Some(v)
        }
    }

    /// Canonical Huffman code: counts per length, symbols in order.
    struct Huffman {
        counts: [u16; 16],
        symbols: Vec<u16>,
    }

    impl Huffman {
        fn new(lengths: &[u8]) -> Huffman {
            let mut counts = [0u16; 16];
            for &l in lengths {
                counts[usize::from(l)] += 1;
            }
            counts[0] = 0;
            let mut offs = [0u16; 16];
            for i in 1..16 {
                offs[i] = offs[i - 1] + counts[i - 1];
            }
            let mut symbols = vec![0u16; lengths.len()];
            for (s, &l) in lengths.iter().enumerate() {
                if l != 0 {
                    symbols[usize::from(offs[usize::from(l)])] = s as u16;
                    offs[usize::from(l)] += 1;
                }
            }
            Huffman { counts, symbols }
        }

        fn decode(&self, bits: &mut Bits<'_>) -> Option<u16> {
            let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
            for len in 1..16 {
                code |= bits.need(1)? as i32;
                let count = i32::from(self.counts[len]);
                if code - count < first {
                    return self.symbols.get((index + code - first) as usize).copied();
                }
                index += count;
                first += count;
                first <<= 1;
                code <<= 1;
            }
            None
        }
    }

    const LBASE: [u16; 29] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227,
        258,
    ];
    const LEXT: [u8; 29] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
    const DBASE: [u16; 30] = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
        6145, 8193, 12289, 16385, 24577,
    ];
    const DEXT: [u8; 30] =
        [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];

    fn inflate(data: &[u8]) -> Option<Vec<u8>> {
        let mut bits = Bits { data, pos: 0, bit: 0, nbits: 0 };
        let mut out = Vec::new();
        loop {
            let last = bits.need(1)?;
            match bits.need(2)? {
                0 => {
                    bits.bit = 0;
                    bits.nbits = 0;
                    let p = bits.pos;
                    let len = usize::from(*data.get(p)?) | usize::from(*data.get(p + 1)?) << 8;
                    out.extend_from_slice(data.get(p + 4..p + 4 + len)?);
                    bits.pos = p + 4 + len;
                }
                1 => {
                    let mut l = [8u8; 288];
                    l[144..256].fill(9);
                    l[256..280].fill(7);
                    codes(&mut bits, &mut out, &Huffman::new(&l), &Huffman::new(&[5u8; 30]))?;
                }
                2 => {
                    let (lit, dist) = dynamic_tables(&mut bits)?;
                    codes(&mut bits, &mut out, &lit, &dist)?;
                }
                _ => return None,
            }
            if last == 1 {
                return Some(out);
            }
        }
    }

    fn dynamic_tables(bits: &mut Bits<'_>) -> Option<(Huffman, Huffman)> {
        const ORDER: [usize; 19] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
        let nlen = bits.need(5)? as usize + 257;
        let ndist = bits.need(5)? as usize + 1;
        let ncode = bits.need(4)? as usize + 4;
        let mut cl = [0u8; 19];
        for &i in ORDER.iter().take(ncode) {
            cl[i] = bits.need(3)? as u8;
        }
        let clh = Huffman::new(&cl);
        let mut lengths = vec![0u8; nlen + ndist];
        let mut i = 0;
        while i < nlen + ndist {
            let sym = clh.decode(bits)?;
            let (val, rep) = match sym {
                0..=15 => (sym as u8, 1),
                16 => (*lengths.get(i.checked_sub(1)?)?, 3 + bits.need(2)? as usize),
                17 => (0, 3 + bits.need(3)? as usize),
                18 => (0, 11 + bits.need(7)? as usize),
                _ => return None,
            };
            for _ in 0..rep {
                *lengths.get_mut(i)? = val;
                i += 1;
            }
        }
        Some((Huffman::new(&lengths[..nlen]), Huffman::new(&lengths[nlen..])))
    }

    fn codes(bits: &mut Bits<'_>, out: &mut Vec<u8>, lit: &Huffman, dist: &Huffman) -> Option<()> {
        loop {
            let sym = lit.decode(bits)?;
            match sym {
                0..=255 => out.push(sym as u8),
                256 => return Some(()),
                _ => {
                    let i = usize::from(sym - 257);
                    let len = usize::from(*LBASE.get(i)?) + bits.need(u32::from(LEXT[i]))? as usize;
                    let d = usize::from(dist.decode(bits)?);
                    let back = usize::from(*DBASE.get(d)?) + bits.need(u32::from(DEXT[d]))? as usize;
                    let start = out.len().checked_sub(back)?;
                    for k in 0..len {
                        out.push(out[start + k]);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_strings_parse() {
        assert_eq!(KernelVersion::parse_release("6.18.44-fc-v769"), Some(KernelVersion::new(6, 18, 44)));
        assert_eq!(KernelVersion::parse_release("6.18"), Some(KernelVersion::new(6, 18, 0)));
        assert_eq!(KernelVersion::parse_release("6.18-rc1"), Some(KernelVersion::new(6, 18, 0)));
        assert_eq!(KernelVersion::parse_release("x"), None);
        assert!(KernelVersion::new(6, 18, 0) > KernelVersion::new(6, 9, 3));
    }

    #[test]
    fn cpu_lists_parse() {
        assert_eq!(detect::parse_cpu_list_max("0-1"), Some(1));
        assert_eq!(detect::parse_cpu_list_max("0"), Some(0));
        assert_eq!(detect::parse_cpu_list_max("0,2-5,7"), Some(7));
        assert_eq!(detect::parse_cpu_list_max("a"), None);
    }

    #[test]
    fn gunzip_reads_stored_and_fixed_blocks() {
        // "hello hello hello\n" compressed by gzip -9 (fixed Huffman, one back-reference).
        let gz: [u8; 29] = [
            0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0xc8, 0x40,
            0x90, 0x5c, 0x00, 0x3b, 0x7c, 0x8a, 0xdf, 0x12, 0x00, 0x00, 0x00,
        ];
        let out = detect::gunzip(&gz).expect("inflates");
        assert_eq!(out, b"hello hello hello\n");
    }

    #[test]
    fn jiffies_round_up() {
        let p = KernelProfile::x86_64_v6_18();
        assert_eq!(p.msecs_to_jiffies(0), 0);
        assert_eq!(p.msecs_to_jiffies(1), 1);
        assert_eq!(p.msecs_to_jiffies(4), 1);
        assert_eq!(p.msecs_to_jiffies(5), 2);
    }
}
