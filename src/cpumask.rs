//! `struct bpf_cpumask` and every BPF cpumask kfunc.
//!
//! Kernel: `kernel/bpf/cpumask.c` (the kfuncs), `include/linux/cpumask.h` (which bit width each operation
//! uses), `include/linux/bitmap.h`, `lib/bitmap.c`, `include/linux/find.h`, `lib/find_bit.c` (the bitmap
//! primitives) and `lib/cpumask.c` (`cpumask_any_distribute()`), as of v6.18.
//!
//! # The object
//!
//! A `struct bpf_cpumask` is a whole `cpumask_t` (`NR_CPUS` bits, rounded up to whole `long`s) followed by a
//! `refcount_t`. [`Cpumask`] is the bitmap (the kernel's `struct cpumask`), kept in a `bitvec` [`BitVec`] of
//! exactly `BITS_TO_LONGS(NR_CPUS) * BITS_PER_LONG` bits, so the bits past `nr_cpu_ids` in the last used
//! word (the *tail*) and the words past it are all there, as in kernel memory. [`BpfCpumask`] is one
//! *reference* to a refcounted object: [`CpumaskAlloc::create`] (`bpf_cpumask_create()`) returns the first,
//! [`BpfCpumask::acquire`] another, [`BpfCpumask::release`] consumes one, and the object lives while a
//! reference does. A released reference is moved away, so the compiler forbids using it.
//!
//! # The three widths
//!
//! `include/linux/cpumask.h` gives each operation one of three bit counts. With `W = BITS_PER_LONG`:
//!
//! | `NR_CPUS` | `small_cpumask_bits` | `large_cpumask_bits` | ([`CpumaskGeometry::config`]) |
//! |---|---|---|---|
//! | `<= W` | `NR_CPUS` (a constant) | `NR_CPUS` | [`CpumaskConfig::Small`] |
//! | `<= 4 * W` | `nr_cpu_ids` | `NR_CPUS` | [`CpumaskConfig::Medium`] |
//! | larger | `nr_cpu_ids` | `nr_cpu_ids` | [`CpumaskConfig::Large`] |
//!
//! and `nr_cpumask_bits` is always `nr_cpu_ids`. The search functions answer their width when nothing is
//! found, so "nothing" is `NR_CPUS` on a small kernel and `nr_cpu_ids` otherwise. In the small configuration
//! the width is a compile-time constant of at most one word, so the kernel takes the one-word inline paths
//! of `bitmap.h`; the model follows them (they only differ from the general paths in `setall`).
//!
//! # The tail
//!
//! Bits `nr_cpu_ids ..` of the last word used by `nr_cpu_ids` can only become set through
//! [`Cpumask::populate`] (which copies whole words), [`Cpumask::setall`] (medium and large kernels fill whole
//! words), and [`Cpumask::or`] / [`Cpumask::xor`] / [`Cpumask::copy_from`] of a mask that has them.
//! [`Cpumask::set_cpu`] refuses every CPU `>= nr_cpu_ids`. [`Cpumask::and`] clears the tail below its width
//! and [`Cpumask::clear`] clears whole words. Whether the tail is *visible* depends on the width: on a small
//! kernel (`NR_CPUS <= 64`) `first`, `first_zero`, `first_and`, `and`'s result, `equal`, `intersects`,
//! `subset`, `empty`, `weight` and the distribute functions all look at every bit below `NR_CPUS`, tail
//! included; on medium and large kernels they look only below `nr_cpu_ids`. `full` and `test_cpu` never
//! see it.
//!
//! # What the live kernel judged, and what it cannot show
//!
//! `bpf-oracle conformance --area cpumask` runs generated sequences of every kfunc on three masks in a SYSCALL
//! program (the seed page for `bpf_cpumask_populate` does not list SYSCALL; v6.18 registers the whole kfunc
//! set for it, and the live kernel runs it) and compares every return value, `test_cpu` of CPUs 0..512,
//! `first`/`first_zero`/`weight`/`empty`/`full`, and the raw memory of each object (bits and refcount) with
//! the model; `vectors/cpumask.jsonl` holds a sample. The kernel here is a medium one (x86_64,
//! `NR_CPUS=256`, `nr_cpu_ids=2`, efficient unaligned access), and its memory shows what the spec notes
//! derived: `setall` sets bits 2..63 of word 0, `populate` copies all 64 bits of word 0, `or`/`xor`/`copy`
//! carry them, `and` clears them, and no query sees them. Debian's kernels of the matrix (6.12 to 7.3, booted
//! under qemu) are large ones (`NR_CPUS=8192`), with `nr_cpu_ids` 2 and 64; their answers are
//! `vectors/<series>/cpumask*.jsonl`. What no kernel here can show: the small configuration (`NR_CPUS <= 64`,
//! where the tail is visible), 32-bit longs, the `-EINVAL` of `populate` (x86 has efficient unaligned
//! access), a NULL from `bpf_cpumask_create`, and the distribute cursor (shared with the scheduler). Those are
//! covered by `tests/cpumask_properties.rs`, which checks the model against a word-by-word transliteration of
//! the v6.18 C for any configuration, and `tests/cpumask_geometry.rs`.
//!
//! # Kernel versions
//!
//! The family arrived in 6.3 (`bpf_cpumask_create` ...); `first_and` and the two distribute kfuncs in 6.5,
//! `weight` in 6.8, `populate` in 6.15: each kfunc's release is its row in [`crate::prog::Func`], and
//! [`has_kfunc`] asks [`Rules::at_least`] of it. A program that calls a kfunc its kernel lacks does not load.
//! From 7.2 ([`Rule::CpumaskPopulateBpfCpumaskArg`]) `populate`'s destination is a `struct bpf_cpumask *`:
//! the verifier refuses a plain `struct cpumask *` (such as a task's `cpus_ptr`), which earlier kernels let a
//! program overwrite ([`check_populate`]). [`CpumaskAlloc`] carries the [`Rules`] of its profile, so the
//! objects it makes answer for that kernel all their life.
//!
//! The model assumes a little-endian kernel (bit `i` of a mask is bit `i % 8` of byte `i / 8`), which is what
//! every profile here describes; [`Cpumask::to_bytes`] and [`Cpumask::populate`] use that layout.
//!
//! ```
//! use bpf_model::cpumask::BpfCpumask;
//! use bpf_model::KernelProfile;
//!
//! let here = KernelProfile::x86_64_v6_18(); // NR_CPUS = 256, nr_cpu_ids = 2
//! let m = BpfCpumask::create(&here).expect("bpf_cpumask_create");
//! assert_eq!(m.first(), 2); // empty: nr_cpu_ids
//! m.set_cpu(1);
//! m.set_cpu(5); // >= nr_cpu_ids: ignored
//! assert_eq!((m.first(), m.weight()), (1, 1));
//! m.setall();
//! assert!(m.full());
//! assert_eq!(m.to_bytes()[0], 0xff); // the tail of word 0 is set too, and invisible
//! assert_eq!(m.weight(), 2);
//! m.release();
//! ```

use crate::prog::{Family, Func};
use crate::version::{Rule, Rules, UnsupportedVersion};
use crate::{Errno, KernelProfile, KernelVersion};
use bitvec::prelude::*;
use std::cell::{Cell, Ref, RefCell, RefMut};
use std::fmt;
use std::rc::Rc;

/// The largest `NR_CPUS` the model accepts (the largest any architecture's Kconfig allows is 8192 on
/// x86 MAXSMP and powerpc; the model is generous).
pub const MAX_NR_CPUS: u32 = 1 << 16;

/// Which of `include/linux/cpumask.h`'s three width regimes a kernel is in.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum CpumaskConfig {
    /// `NR_CPUS <= BITS_PER_LONG`: every width is the constant `NR_CPUS`, one word.
    Small,
    /// `NR_CPUS <= 4 * BITS_PER_LONG`: `small_cpumask_bits = nr_cpu_ids`, `large_cpumask_bits = NR_CPUS`.
    Medium,
    /// Larger: both widths are `nr_cpu_ids`.
    Large,
}

/// Why a [`KernelProfile`] describes no kernel whose cpumasks the model can build.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum GeometryError {
    /// `BITS_PER_LONG` is neither 32 nor 64.
    BitsPerLong(u32),
    /// `NR_CPUS` is 0 or above [`MAX_NR_CPUS`].
    NrCpus(u32),
    /// `nr_cpu_ids` is 0 or above `NR_CPUS` (the kernel guarantees `1 <= nr_cpu_ids <= NR_CPUS`).
    NrCpuIds(u32),
    /// `CONFIG_FORCE_NR_CPUS` with `nr_cpu_ids != NR_CPUS` (the kernel warns at boot and keeps `NR_CPUS`).
    ForcedMismatch,
}

impl fmt::Display for GeometryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GeometryError::BitsPerLong(b) => write!(f, "BITS_PER_LONG {b} is neither 32 nor 64"),
            GeometryError::NrCpus(n) => write!(f, "NR_CPUS {n} is not in 1..={MAX_NR_CPUS}"),
            GeometryError::NrCpuIds(n) => write!(f, "nr_cpu_ids {n} is not in 1..=NR_CPUS"),
            GeometryError::ForcedMismatch => f.write_str("CONFIG_FORCE_NR_CPUS needs nr_cpu_ids == NR_CPUS"),
        }
    }
}

impl std::error::Error for GeometryError {}

/// The part of a [`KernelProfile`] cpumasks depend on: `nr_cpu_ids`, `NR_CPUS`, `BITS_PER_LONG` and
/// `CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS`, checked to describe a possible kernel.
///
/// ```
/// use bpf_model::cpumask::{CpumaskConfig, CpumaskGeometry};
/// use bpf_model::KernelProfile;
/// let g = CpumaskGeometry::from_profile(&KernelProfile::x86_64_v6_18()).unwrap();
/// assert_eq!(g.config(), CpumaskConfig::Medium);
/// assert_eq!((g.small_cpumask_bits(), g.large_cpumask_bits(), g.nr_cpumask_bits()), (2, 256, 2));
/// assert_eq!(g.bitmap_size(g.nr_cpu_ids()), 8); // bitmap_size(2) = one long
/// assert_eq!(g.cpumask_size(), 32); // sizeof(cpumask_t)
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct CpumaskGeometry {
    nr_cpu_ids: u32,
    nr_cpus: u32,
    bits_per_long: u32,
    efficient_unaligned_access: bool,
}

impl CpumaskGeometry {
    /// The geometry of `profile`, or why it describes no possible kernel.
    ///
    /// `CONFIG_FORCE_NR_CPUS` (`profile.force_nr_cpus`) makes `nr_cpu_ids` the constant `NR_CPUS`; that lets
    /// `bitmap.h` take its constant-size paths for `nr_cpumask_bits` too (`bitmap_full`, `bitmap_fill`,
    /// `bitmap_copy`, `bitmap_equal`'s `memcmp`), which give the same bits and answers as the general ones
    /// when `nr_cpu_ids == NR_CPUS`, so the model needs nothing more than that equality.
    pub fn from_profile(profile: &KernelProfile) -> Result<CpumaskGeometry, GeometryError> {
        Self::new(profile.nr_cpu_ids, profile.nr_cpus, profile.bits_per_long, profile.efficient_unaligned_access)
            .and_then(|g| {
                if profile.force_nr_cpus && profile.nr_cpu_ids != profile.nr_cpus {
                    Err(GeometryError::ForcedMismatch)
                } else {
                    Ok(g)
                }
            })
    }

    /// A geometry from its four numbers (checked as [`CpumaskGeometry::from_profile`] does).
    pub fn new(
        nr_cpu_ids: u32,
        nr_cpus: u32,
        bits_per_long: u32,
        efficient_unaligned_access: bool,
    ) -> Result<CpumaskGeometry, GeometryError> {
        if bits_per_long != 32 && bits_per_long != 64 {
            return Err(GeometryError::BitsPerLong(bits_per_long));
        }
        if nr_cpus == 0 || nr_cpus > MAX_NR_CPUS {
            return Err(GeometryError::NrCpus(nr_cpus));
        }
        if nr_cpu_ids == 0 || nr_cpu_ids > nr_cpus {
            return Err(GeometryError::NrCpuIds(nr_cpu_ids));
        }
        Ok(CpumaskGeometry { nr_cpu_ids, nr_cpus, bits_per_long, efficient_unaligned_access })
    }

    /// `nr_cpu_ids`.
    pub fn nr_cpu_ids(&self) -> u32 {
        self.nr_cpu_ids
    }

    /// `NR_CPUS`.
    pub fn nr_cpus(&self) -> u32 {
        self.nr_cpus
    }

    /// `BITS_PER_LONG`.
    pub fn bits_per_long(&self) -> u32 {
        self.bits_per_long
    }

    /// `CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS`.
    pub fn efficient_unaligned_access(&self) -> bool {
        self.efficient_unaligned_access
    }

    /// The width regime (see the module docs).
    pub fn config(&self) -> CpumaskConfig {
        if self.nr_cpus <= self.bits_per_long {
            CpumaskConfig::Small
        } else if self.nr_cpus <= 4 * self.bits_per_long {
            CpumaskConfig::Medium
        } else {
            CpumaskConfig::Large
        }
    }

    /// `small_cpumask_bits`: the width of the searches, the two-mask operations, `empty` and `weight`.
    pub fn small_cpumask_bits(&self) -> u32 {
        match self.config() {
            CpumaskConfig::Small => self.nr_cpus,
            _ => self.nr_cpu_ids,
        }
    }

    /// `large_cpumask_bits`: the width of `clear` and `copy`.
    pub fn large_cpumask_bits(&self) -> u32 {
        match self.config() {
            CpumaskConfig::Large => self.nr_cpu_ids,
            _ => self.nr_cpus,
        }
    }

    /// `nr_cpumask_bits`: always `nr_cpu_ids` (the width of `setall`, `full` and `populate`).
    pub fn nr_cpumask_bits(&self) -> u32 {
        self.nr_cpu_ids
    }

    /// `bitmap_size(nbits)`: `ALIGN(nbits, BITS_PER_LONG) / 8` bytes.
    pub fn bitmap_size(&self, nbits: u32) -> usize {
        self.round_up(nbits) / 8
    }

    /// `sizeof(cpumask_t)`: `bitmap_size(NR_CPUS)` bytes.
    pub fn cpumask_size(&self) -> usize {
        self.bitmap_size(self.nr_cpus)
    }

    /// `nbits` rounded up to whole longs, in bits.
    fn round_up(&self, nbits: u32) -> usize {
        let w = self.bits_per_long as usize;
        (nbits as usize).div_ceil(w) * w
    }

    /// `small_const_nbits(small_cpumask_bits)`: the one-word inline paths of `bitmap.h` are taken.
    fn small_const(&self) -> bool {
        self.config() == CpumaskConfig::Small
    }
}

/// Bits `0..n` of one 64-bit storage word `i`, as a mask (all ones when the word lies below `n`).
fn prefix_mask(i: usize, n: usize) -> u64 {
    let lo = i * 64;
    if n >= lo + 64 {
        !0
    } else if n <= lo {
        0
    } else {
        (1u64 << (n - lo)) - 1
    }
}

/// Why a profile's kernel has no cpumask kfuncs the model can build ([`CpumaskAlloc::open`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Unavailable {
    /// The profile describes no possible kernel.
    Geometry(GeometryError),
    /// The model does not speak for the profile's version.
    Version(UnsupportedVersion),
    /// The kernel predates the cpumask kfuncs (`bpf_cpumask_create`'s release, 6.3).
    NoCpumaskKfuncs(KernelVersion),
}

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unavailable::Geometry(e) => write!(f, "profile has no cpumask geometry: {e}"),
            Unavailable::Version(e) => e.fmt(f),
            Unavailable::NoCpumaskKfuncs(v) => write!(
                f,
                "kernel {v} has no cpumask kfuncs (bpf_cpumask_create arrived in {})",
                Func::CpumaskCreate.since()
            ),
        }
    }
}

impl std::error::Error for Unavailable {}

/// Whether the kernel of `rules` has the cpumask kfunc `func` (false for a function of another family).
///
/// Kernel: `cpumask_kfunc_btf_ids` in `kernel/bpf/cpumask.c`, as each release has it; the releases are the
/// functions' rows.
///
/// ```
/// use bpf_model::cpumask::has_kfunc;
/// use bpf_model::prog::Func;
/// use bpf_model::{KernelVersion, Rules};
/// let r = |mi| Rules::new(KernelVersion::new(6, mi, 0)).unwrap();
/// assert!(!has_kfunc(r(1), Func::CpumaskCreate));
/// assert!(has_kfunc(r(12), Func::CpumaskWeight) && !has_kfunc(r(12), Func::CpumaskPopulate));
/// assert!(has_kfunc(r(16), Func::CpumaskPopulate));
/// ```
pub fn has_kfunc(rules: Rules, func: Func) -> bool {
    func.family() == Family::Cpumask && rules.at_least(func.since())
}

/// What a program passes as `bpf_cpumask_populate`'s destination.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum PopulateDst {
    /// A `struct bpf_cpumask *` (from `bpf_cpumask_create`, `bpf_cpumask_acquire`, a kptr).
    BpfCpumask,
    /// A plain trusted `struct cpumask *` that is not a `bpf_cpumask` (a task's `cpus_ptr`).
    Cpumask,
}

/// Why a program calling a cpumask kfunc does not load.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum LoadRefusal {
    /// The kernel has no such kfunc (libbpf cannot resolve the extern; a weak one reads as absent).
    NoSuchKfunc(Func),
    /// `bpf_cpumask_populate`'s destination is not a `struct bpf_cpumask *`
    /// ([`Rule::CpumaskPopulateBpfCpumaskArg`]): the verifier's argument type check fails.
    DstNotBpfCpumask,
}

impl LoadRefusal {
    /// The load's errno, where the verifier gives one (`None` for a kfunc libbpf cannot resolve).
    pub fn errno(self) -> Option<Errno> {
        match self {
            LoadRefusal::NoSuchKfunc(_) => None,
            LoadRefusal::DstNotBpfCpumask => Some(Errno::EINVAL),
        }
    }
}

/// The verifier's verdict on a call of `bpf_cpumask_populate` with destination `dst`.
///
/// Kernel: `check_kfunc_args()` (`kernel/bpf/verifier.c`) on the destination, a `KF_ARG_PTR_TO_BTF_ID`: the
/// register's BTF type must be the parameter's struct or have it as its first member, recursively
/// (`btf_struct_ids_match()`). Before 7.2 the parameter is `struct cpumask`, which a `struct bpf_cpumask`
/// starts with, so both destinations load; from 7.2 it is `struct bpf_cpumask`, and a plain `struct cpumask`
/// is refused. The kfunc itself is 6.15's: earlier kernels refuse both with [`LoadRefusal::NoSuchKfunc`].
///
/// ```
/// use bpf_model::cpumask::{check_populate, LoadRefusal, PopulateDst};
/// use bpf_model::{KernelVersion, Rules};
/// let r = |ma, mi| Rules::new(KernelVersion::new(ma, mi, 0)).unwrap();
/// assert_eq!(check_populate(r(7, 1), PopulateDst::Cpumask), Ok(()));
/// assert_eq!(check_populate(r(7, 2), PopulateDst::Cpumask), Err(LoadRefusal::DstNotBpfCpumask));
/// assert_eq!(check_populate(r(7, 2), PopulateDst::BpfCpumask), Ok(()));
/// ```
pub fn check_populate(rules: Rules, dst: PopulateDst) -> Result<(), LoadRefusal> {
    if !has_kfunc(rules, Func::CpumaskPopulate) {
        return Err(LoadRefusal::NoSuchKfunc(Func::CpumaskPopulate));
    }
    match dst {
        PopulateDst::BpfCpumask => Ok(()),
        PopulateDst::Cpumask if rules.has(Rule::CpumaskPopulateBpfCpumaskArg) => Err(LoadRefusal::DstNotBpfCpumask),
        PopulateDst::Cpumask => Ok(()),
    }
}

/// `struct cpumask`: `NR_CPUS` bits rounded up to whole longs, with the kernel's semantics for each kfunc.
///
/// Every method names the kernel function it models. The methods that take another mask read it with this
/// mask's geometry; masks of one kernel share one geometry (a mask of another geometry reads as zero past
/// its own storage).
#[derive(Clone, PartialEq, Eq)]
pub struct Cpumask {
    geo: CpumaskGeometry,
    bits: BitVec<u64, Lsb0>,
}

impl fmt::Debug for Cpumask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ones: Vec<usize> = self.bits.iter_ones().collect();
        f.debug_struct("Cpumask").field("geometry", &self.geo).field("set_bits", &ones).finish()
    }
}

impl Cpumask {
    /// A zeroed mask (`memset(cpumask, 0, sizeof(*cpumask))` in `bpf_cpumask_create()`).
    pub fn new(geo: CpumaskGeometry) -> Cpumask {
        Cpumask { geo, bits: bitvec![u64, Lsb0; 0; geo.round_up(geo.nr_cpus)] }
    }

    /// The geometry this mask was made with.
    pub fn geometry(&self) -> CpumaskGeometry {
        self.geo
    }

    /// Every bit of the storage, tail and words past `nr_cpu_ids` included (what kernel memory holds).
    pub fn bits(&self) -> &BitSlice<u64, Lsb0> {
        &self.bits
    }

    /// The storage as kernel memory: `sizeof(cpumask_t)` bytes, little-endian longs.
    pub fn to_bytes(&self) -> Vec<u8> {
        let n = self.geo.cpumask_size();
        self.bits.as_raw_slice().iter().flat_map(|w| w.to_le_bytes()).take(n).collect()
    }

    fn word(&self, i: usize) -> u64 {
        self.bits.as_raw_slice().get(i).copied().unwrap_or(0)
    }

    fn words_mut(&mut self) -> &mut [u64] {
        self.bits.as_raw_mut_slice()
    }

    /// Reads `other`'s word `i` (0 past its storage).
    fn other_word(other: &Cpumask, i: usize) -> u64 {
        other.word(i)
    }

    fn small(&self) -> usize {
        self.geo.small_cpumask_bits() as usize
    }

    fn nr(&self) -> usize {
        self.geo.nr_cpu_ids as usize
    }

    /// `find_first_bit()` over the first `n` bits of `f(word)`: the lowest set bit below `n`, else `n`.
    fn find_first(&self, n: usize, f: impl Fn(usize) -> u64) -> u32 {
        for i in 0..n.div_ceil(64) {
            let v = f(i) & prefix_mask(i, n);
            if v != 0 {
                return (i * 64 + v.trailing_zeros() as usize) as u32;
            }
        }
        n as u32
    }

    /// The first word `i` below bit `n` where `f(self[i], other[i])`, masked to bits below `n`, is not zero,
    /// with that value: the loop of `lib/bitmap.c` and `FIND_FIRST_BIT`, on whole slices when both masks have
    /// this mask's storage.
    fn first_hit(&self, other: &Cpumask, n: usize, f: impl Fn(u64, u64) -> u64) -> Option<(usize, u64)> {
        let (nw, full) = (n.div_ceil(64), n / 64);
        let (ra, rb) = (self.bits.as_raw_slice(), other.bits.as_raw_slice());
        if ra.len() < nw || rb.len() < nw {
            return (0..nw).map(|i| (i, f(self.word(i), other.word(i)) & prefix_mask(i, n))).find(|&(_, v)| v != 0);
        }
        for (i, (&x, &y)) in ra[..full].iter().zip(&rb[..full]).enumerate() {
            let v = f(x, y);
            if v != 0 {
                return Some((i, v));
            }
        }
        let v = if full < nw { f(ra[full], rb[full]) & prefix_mask(full, n) } else { 0 };
        (v != 0).then_some((full, v))
    }

    /// The bit index of a [`Cpumask::first_hit`], or `n`.
    fn first_bit(hit: Option<(usize, u64)>, n: usize) -> u32 {
        hit.map_or(n, |(i, v)| i * 64 + v.trailing_zeros() as usize) as u32
    }

    /// Replaces bits `0..range` (a whole number of longs) with `f(word)`, keeping the words past it.
    fn assign_prefix(&mut self, range: usize, mut f: impl FnMut(usize) -> u64) {
        let words = self.words_mut();
        for (i, w) in words.iter_mut().enumerate().take(range.div_ceil(64)) {
            let m = prefix_mask(i, range);
            *w = (*w & !m) | (f(i) & m);
        }
    }

    /// Replaces bits `0..range` (a whole number of longs) with `op(a, b)` word by word, keeping the words
    /// past it: [`Cpumask::assign_prefix`] on whole slices when both sources have this mask's storage.
    fn assign_prefix2(&mut self, range: usize, a: &Cpumask, b: &Cpumask, op: impl Fn(u64, u64) -> u64) {
        let nw = range.div_ceil(64);
        let full = range / 64;
        let (ra, rb) = (a.bits.as_raw_slice(), b.bits.as_raw_slice());
        let d = self.bits.as_raw_mut_slice();
        if ra.len() < nw || rb.len() < nw || d.len() < nw {
            return self.assign_prefix(range, |i| op(a.word(i), b.word(i)));
        }
        for ((d, &x), &y) in d[..full].iter_mut().zip(&ra[..full]).zip(&rb[..full]) {
            *d = op(x, y);
        }
        if full < nw {
            let m = prefix_mask(full, range);
            d[full] = (d[full] & !m) | (op(ra[full], rb[full]) & m);
        }
    }

    /// `bpf_cpumask_first()`: the lowest set CPU.
    ///
    /// Kernel: `kernel/bpf/cpumask.c`, `bpf_cpumask_first()` → `cpumask_first()` →
    /// `find_first_bit(bits, small_cpumask_bits)`. No checks. Empty: `small_cpumask_bits`, which is
    /// `NR_CPUS` on a small kernel (and a tail bit, if one is set, is found there) and `nr_cpu_ids` otherwise.
    ///
    /// ```
    /// # use bpf_model::cpumask::*; use bpf_model::KernelProfile;
    /// let m = Cpumask::new(CpumaskGeometry::from_profile(&KernelProfile::generic_small()).unwrap());
    /// assert_eq!(m.first(), 64); // NR_CPUS = 64, nr_cpu_ids = 4
    /// ```
    pub fn first(&self) -> u32 {
        Self::first_bit(self.first_hit(self, self.small(), |x, _| x), self.small())
    }

    /// `bpf_cpumask_first_zero()`: the lowest clear CPU.
    ///
    /// Kernel: `bpf_cpumask_first_zero()` → `cpumask_first_zero()` → `find_first_zero_bit(bits,
    /// small_cpumask_bits)`. All set: `small_cpumask_bits` (after `setall` that is `nr_cpu_ids` on every kernel,
    /// because a small kernel's `setall` clears the tail).
    ///
    /// ```
    /// # use bpf_model::cpumask::*; use bpf_model::KernelProfile;
    /// let mut m = Cpumask::new(CpumaskGeometry::from_profile(&KernelProfile::generic_small()).unwrap());
    /// m.set_cpu(0);
    /// assert_eq!(m.first_zero(), 1);
    /// m.setall();
    /// assert_eq!(m.first_zero(), 4);
    /// ```
    pub fn first_zero(&self) -> u32 {
        Self::first_bit(self.first_hit(self, self.small(), |x, _| !x), self.small())
    }

    /// `bpf_cpumask_first_and()`: the lowest CPU set in both masks.
    ///
    /// Kernel: `bpf_cpumask_first_and()` → `cpumask_first_and()` → `find_first_and_bit(a, b,
    /// small_cpumask_bits)`. None: `small_cpumask_bits`.
    ///
    /// ```
    /// # use bpf_model::cpumask::*; use bpf_model::KernelProfile;
    /// let g = CpumaskGeometry::from_profile(&KernelProfile::x86_64_v6_18()).unwrap();
    /// let (mut a, mut b) = (Cpumask::new(g), Cpumask::new(g));
    /// a.set_cpu(1);
    /// assert_eq!(a.first_and(&b), 2);
    /// b.set_cpu(1);
    /// assert_eq!(a.first_and(&b), 1);
    /// ```
    pub fn first_and(&self, other: &Cpumask) -> u32 {
        Self::first_bit(self.first_hit(other, self.small(), |x, y| x & y), self.small())
    }

    /// `cpu_valid()`: `cpu < nr_cpu_ids` (the CPU is a `u32`, so a negative `int` is invalid).
    pub fn cpu_valid(&self, cpu: u32) -> bool {
        cpu < self.geo.nr_cpu_ids
    }

    /// `bpf_cpumask_set_cpu()`: sets a CPU.
    ///
    /// Kernel: `bpf_cpumask_set_cpu()`: 1. `!cpu_valid(cpu)` → return, nothing changes; 2. `cpumask_set_cpu()`
    /// (atomic `set_bit`). Returns nothing.
    ///
    /// ```
    /// # use bpf_model::cpumask::*; use bpf_model::KernelProfile;
    /// let mut m = Cpumask::new(CpumaskGeometry::from_profile(&KernelProfile::x86_64_v6_18()).unwrap());
    /// m.set_cpu(1);
    /// m.set_cpu(2); // nr_cpu_ids = 2: ignored
    /// m.set_cpu(u32::MAX);
    /// assert_eq!(m.bits().count_ones(), 1);
    /// ```
    pub fn set_cpu(&mut self, cpu: u32) {
        if self.cpu_valid(cpu) {
            self.bits.set(cpu as usize, true);
        }
    }

    /// `bpf_cpumask_clear_cpu()`: clears a CPU.
    ///
    /// Kernel: `bpf_cpumask_clear_cpu()`: 1. `!cpu_valid(cpu)` → return; 2. `cpumask_clear_cpu()`.
    ///
    /// ```
    /// # use bpf_model::cpumask::*; use bpf_model::KernelProfile;
    /// let mut m = Cpumask::new(CpumaskGeometry::from_profile(&KernelProfile::x86_64_v6_18()).unwrap());
    /// m.setall();
    /// m.clear_cpu(0);
    /// m.clear_cpu(7); // invalid: the (invisible) tail bit 7 stays set
    /// assert_eq!(m.to_bytes()[0], 0xfe);
    /// ```
    pub fn clear_cpu(&mut self, cpu: u32) {
        if self.cpu_valid(cpu) {
            self.bits.set(cpu as usize, false);
        }
    }

    /// `bpf_cpumask_test_cpu()`: whether a CPU is set.
    ///
    /// Kernel: `bpf_cpumask_test_cpu()`: 1. `!cpu_valid(cpu)` → `false`, whatever the bit holds;
    /// 2. `cpumask_test_cpu()`.
    ///
    /// ```
    /// # use bpf_model::cpumask::*; use bpf_model::KernelProfile;
    /// let mut m = Cpumask::new(CpumaskGeometry::from_profile(&KernelProfile::x86_64_v6_18()).unwrap());
    /// m.setall();
    /// assert!(m.test_cpu(1));
    /// assert!(!m.test_cpu(2)); // set in memory, but not a valid CPU
    /// ```
    pub fn test_cpu(&self, cpu: u32) -> bool {
        self.cpu_valid(cpu) && self.bits[cpu as usize]
    }

    /// `bpf_cpumask_test_and_set_cpu()`: sets a CPU and says whether it was set.
    ///
    /// Kernel: `bpf_cpumask_test_and_set_cpu()`: 1. `!cpu_valid(cpu)` → `false`, no change;
    /// 2. `cpumask_test_and_set_cpu()` (atomic), the old bit.
    ///
    /// ```
    /// # use bpf_model::cpumask::*; use bpf_model::KernelProfile;
    /// let mut m = Cpumask::new(CpumaskGeometry::from_profile(&KernelProfile::x86_64_v6_18()).unwrap());
    /// assert!(!m.test_and_set_cpu(0));
    /// assert!(m.test_and_set_cpu(0));
    /// assert!(!m.test_and_set_cpu(2));
    /// ```
    pub fn test_and_set_cpu(&mut self, cpu: u32) -> bool {
        if !self.cpu_valid(cpu) {
            return false;
        }
        self.bits.replace(cpu as usize, true)
    }

    /// `bpf_cpumask_test_and_clear_cpu()`: clears a CPU and says whether it was set.
    ///
    /// Kernel: `bpf_cpumask_test_and_clear_cpu()`: 1. `!cpu_valid(cpu)` → `false`, no change;
    /// 2. `cpumask_test_and_clear_cpu()` (atomic), the old bit.
    ///
    /// ```
    /// # use bpf_model::cpumask::*; use bpf_model::KernelProfile;
    /// let mut m = Cpumask::new(CpumaskGeometry::from_profile(&KernelProfile::x86_64_v6_18()).unwrap());
    /// m.set_cpu(1);
    /// assert!(m.test_and_clear_cpu(1));
    /// assert!(!m.test_and_clear_cpu(1));
    /// ```
    pub fn test_and_clear_cpu(&mut self, cpu: u32) -> bool {
        if !self.cpu_valid(cpu) {
            return false;
        }
        self.bits.replace(cpu as usize, false)
    }

    /// `bpf_cpumask_setall()`: sets every valid CPU.
    ///
    /// Kernel: `bpf_cpumask_setall()` → `cpumask_setall()`. Small kernel (`small_const_nbits`): word 0 becomes
    /// `BITMAP_LAST_WORD_MASK(nr_cpu_ids)`, so bits `0..nr_cpu_ids` are set and the tail is **cleared**.
    /// Otherwise `bitmap_fill(nr_cpu_ids)`, a `memset(0xff)` of `bitmap_size(nr_cpu_ids)` bytes: the tail of the
    /// last word is **set** (invisible there, since every query uses `nr_cpu_ids`); later words keep their
    /// values.
    ///
    /// ```
    /// # use bpf_model::cpumask::*; use bpf_model::KernelProfile;
    /// let mut small = Cpumask::new(CpumaskGeometry::from_profile(&KernelProfile::generic_small()).unwrap());
    /// small.setall();
    /// assert_eq!(small.to_bytes()[0], 0x0f);
    /// let mut medium = Cpumask::new(CpumaskGeometry::from_profile(&KernelProfile::x86_64_v6_18()).unwrap());
    /// medium.setall();
    /// assert_eq!(&medium.to_bytes()[..9], &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0]);
    /// ```
    pub fn setall(&mut self) {
        let nr = self.nr();
        if self.geo.small_const() {
            let w = self.geo.bits_per_long as usize;
            self.assign_prefix(w, |i| prefix_mask(i, nr));
        } else {
            let r = self.geo.round_up(self.geo.nr_cpu_ids);
            self.assign_prefix(r, |_| !0);
        }
    }

    /// `bpf_cpumask_clear()`: clears the mask.
    ///
    /// Kernel: `bpf_cpumask_clear()` → `cpumask_clear()` → `bitmap_zero(large_cpumask_bits)`: every word of
    /// `cpumask_t` on small and medium kernels, the `BITS_TO_LONGS(nr_cpu_ids)` words on large ones (the tail
    /// of the last is cleared with it).
    ///
    /// ```
    /// # use bpf_model::cpumask::*; use bpf_model::KernelProfile;
    /// let mut m = Cpumask::new(CpumaskGeometry::from_profile(&KernelProfile::x86_64_v6_18()).unwrap());
    /// m.setall();
    /// m.clear();
    /// assert!(m.bits().not_any());
    /// ```
    pub fn clear(&mut self) {
        let r = self.geo.round_up(self.geo.large_cpumask_bits());
        self.assign_prefix(r, |_| 0);
    }

    /// `bpf_cpumask_and()`: `self = a & b`; true when the result is not empty.
    ///
    /// Kernel: `bpf_cpumask_and()` → `cpumask_and()` → `bitmap_and(small_cpumask_bits)`: bits below the width
    /// are `a & b`, the rest of the last word is cleared (`__bitmap_and()` and the one-word path both mask with
    /// `BITMAP_LAST_WORD_MASK`), later words keep their values. The result counts bits below the width: on a
    /// small kernel tail bits of `a & b` are kept and make it true.
    ///
    /// ```
    /// # use bpf_model::cpumask::*; use bpf_model::KernelProfile;
    /// let g = CpumaskGeometry::from_profile(&KernelProfile::x86_64_v6_18()).unwrap();
    /// let (mut d, mut a, mut b) = (Cpumask::new(g), Cpumask::new(g), Cpumask::new(g));
    /// a.setall();
    /// b.setall();
    /// assert!(d.and(&a, &b));
    /// assert_eq!(d.to_bytes()[0], 0x03); // the tail is cleared
    /// b.clear();
    /// assert!(!d.and(&a, &b));
    /// ```
    pub fn and(&mut self, a: &Cpumask, b: &Cpumask) -> bool {
        let s = self.small();
        let r = self.geo.round_up(s as u32);
        self.assign_prefix2(r, a, b, |x, y| x & y);
        // BITMAP_LAST_WORD_MASK(small_cpumask_bits) on the last word; `r` ends in that word.
        let words = self.words_mut();
        if let Some(w) = words.get_mut(s / 64).filter(|_| s % 64 != 0) {
            *w &= prefix_mask(s / 64, s);
        }
        words.iter().take(s.div_ceil(64)).enumerate().any(|(i, &w)| w & prefix_mask(i, s) != 0)
    }

    /// `bpf_cpumask_or()`: `self = a | b`.
    ///
    /// Kernel: `bpf_cpumask_or()` → `cpumask_or()` → `bitmap_or(small_cpumask_bits)`: whole words, the
    /// `BITS_TO_LONGS(small_cpumask_bits)` first ones, unmasked, so tail bits propagate.
    ///
    /// ```
    /// # use bpf_model::cpumask::*; use bpf_model::KernelProfile;
    /// let g = CpumaskGeometry::from_profile(&KernelProfile::x86_64_v6_18()).unwrap();
    /// let (mut d, mut a, b) = (Cpumask::new(g), Cpumask::new(g), Cpumask::new(g));
    /// a.setall();
    /// d.or(&a, &b);
    /// assert_eq!(d.to_bytes()[7], 0xff); // tail copied through
    /// ```
    pub fn or(&mut self, a: &Cpumask, b: &Cpumask) {
        let r = self.geo.round_up(self.small() as u32);
        self.assign_prefix2(r, a, b, |x, y| x | y);
    }

    /// `bpf_cpumask_xor()`: `self = a ^ b`.
    ///
    /// Kernel: `bpf_cpumask_xor()` → `cpumask_xor()` → `bitmap_xor(small_cpumask_bits)`: whole words, unmasked.
    ///
    /// ```
    /// # use bpf_model::cpumask::*; use bpf_model::KernelProfile;
    /// let g = CpumaskGeometry::from_profile(&KernelProfile::x86_64_v6_18()).unwrap();
    /// let (mut d, mut a, b) = (Cpumask::new(g), Cpumask::new(g), Cpumask::new(g));
    /// a.set_cpu(1);
    /// d.xor(&a, &b);
    /// assert!(d.test_cpu(1));
    /// ```
    pub fn xor(&mut self, a: &Cpumask, b: &Cpumask) {
        let r = self.geo.round_up(self.small() as u32);
        self.assign_prefix2(r, a, b, |x, y| x ^ y);
    }

    /// `bpf_cpumask_equal()`: whether the masks agree on every bit below `small_cpumask_bits`.
    ///
    /// Kernel: `bpf_cpumask_equal()` → `cpumask_equal()` → `bitmap_equal(small_cpumask_bits)` (the last word is
    /// masked). On a small kernel the tail counts.
    ///
    /// ```
    /// # use bpf_model::cpumask::*; use bpf_model::KernelProfile;
    /// let g = CpumaskGeometry::from_profile(&KernelProfile::x86_64_v6_18()).unwrap();
    /// let (mut a, mut b) = (Cpumask::new(g), Cpumask::new(g));
    /// a.setall(); // bits 0..64 in memory
    /// b.set_cpu(0);
    /// b.set_cpu(1); // bits 0..2
    /// assert!(a.equal(&b));
    /// ```
    pub fn equal(&self, other: &Cpumask) -> bool {
        self.first_hit(other, self.small(), |x, y| x ^ y).is_none()
    }

    /// `bpf_cpumask_intersects()`: whether some bit below `small_cpumask_bits` is set in both.
    ///
    /// Kernel: `bpf_cpumask_intersects()` → `cpumask_intersects()` → `bitmap_intersects(small_cpumask_bits)`.
    ///
    /// ```
    /// # use bpf_model::cpumask::*; use bpf_model::KernelProfile;
    /// let g = CpumaskGeometry::from_profile(&KernelProfile::x86_64_v6_18()).unwrap();
    /// let (mut a, mut b) = (Cpumask::new(g), Cpumask::new(g));
    /// a.set_cpu(0);
    /// b.set_cpu(1);
    /// assert!(!a.intersects(&b));
    /// ```
    pub fn intersects(&self, other: &Cpumask) -> bool {
        self.first_hit(other, self.small(), |x, y| x & y).is_some()
    }

    /// `bpf_cpumask_subset()`: whether every bit of `self` below `small_cpumask_bits` is set in `other`
    /// (`self` is `src1`, the candidate subset).
    ///
    /// Kernel: `bpf_cpumask_subset()` → `cpumask_subset()` → `bitmap_subset(small_cpumask_bits)`.
    ///
    /// ```
    /// # use bpf_model::cpumask::*; use bpf_model::KernelProfile;
    /// let g = CpumaskGeometry::from_profile(&KernelProfile::x86_64_v6_18()).unwrap();
    /// let (mut a, mut b) = (Cpumask::new(g), Cpumask::new(g));
    /// assert!(a.subset(&b)); // the empty set
    /// a.set_cpu(0);
    /// assert!(!a.subset(&b));
    /// b.setall();
    /// assert!(a.subset(&b));
    /// ```
    pub fn subset(&self, other: &Cpumask) -> bool {
        self.first_hit(other, self.small(), |x, y| x & !y).is_none()
    }

    /// `bpf_cpumask_empty()`: whether no bit below `small_cpumask_bits` is set.
    ///
    /// Kernel: `bpf_cpumask_empty()` → `cpumask_empty()` → `bitmap_empty(small_cpumask_bits)`. On a small
    /// kernel a tail bit makes the mask non-empty.
    ///
    /// ```
    /// # use bpf_model::cpumask::*; use bpf_model::KernelProfile;
    /// let g = CpumaskGeometry::from_profile(&KernelProfile::generic_small()).unwrap();
    /// let mut m = Cpumask::new(g);
    /// assert!(m.empty());
    /// m.populate(&[0x10, 0, 0, 0, 0, 0, 0, 0], 0).unwrap(); // bit 4: the tail (nr_cpu_ids = 4)
    /// assert!(!m.empty());
    /// ```
    pub fn empty(&self) -> bool {
        let s = self.small();
        self.bits[..s].not_any()
    }

    /// `bpf_cpumask_full()`: whether every valid CPU is set.
    ///
    /// Kernel: `bpf_cpumask_full()` → `cpumask_full()` → `bitmap_full(nr_cpumask_bits)`: on every kernel the
    /// width is `nr_cpu_ids`, so the tail never counts.
    ///
    /// ```
    /// # use bpf_model::cpumask::*; use bpf_model::KernelProfile;
    /// let mut m = Cpumask::new(CpumaskGeometry::from_profile(&KernelProfile::generic_small()).unwrap());
    /// m.populate(&[0x0f, 0, 0, 0, 0, 0, 0, 0], 0).unwrap();
    /// assert!(m.full());
    /// ```
    pub fn full(&self) -> bool {
        let n = self.nr();
        self.bits[..n].all()
    }

    /// `bpf_cpumask_copy()`: `self = src`.
    ///
    /// Kernel: `bpf_cpumask_copy()` → `cpumask_copy()` → `bitmap_copy(large_cpumask_bits)`: whole words (every
    /// word of `cpumask_t` on small and medium kernels, `BITS_TO_LONGS(nr_cpu_ids)` on large ones), tail
    /// included.
    ///
    /// ```
    /// # use bpf_model::cpumask::*; use bpf_model::KernelProfile;
    /// let g = CpumaskGeometry::from_profile(&KernelProfile::x86_64_v6_18()).unwrap();
    /// let (mut d, mut s) = (Cpumask::new(g), Cpumask::new(g));
    /// s.setall();
    /// d.copy_from(&s);
    /// assert_eq!(d, s);
    /// ```
    pub fn copy_from(&mut self, src: &Cpumask) {
        let r = self.geo.round_up(self.geo.large_cpumask_bits());
        self.assign_prefix2(r, src, src, |x, _| x);
    }

    /// `find_next_bit_wrap(f, size, offset)` of `include/linux/find.h`.
    fn next_wrap(&self, size: usize, offset: usize, f: impl Fn(usize) -> u64) -> u32 {
        let next = if offset >= size {
            size
        } else {
            // The first set bit in offset..size.
            (self.find_first(size, |i| f(i) & !prefix_mask(i, offset))) as usize
        };
        if next < size || offset == 0 {
            return next as u32;
        }
        // find_first_bit(addr, offset). The kernel's cursor is always below nr_cpu_ids, so `offset` lies inside
        // the storage; a larger cursor given to the model reads zeros past it, which cannot be found.
        let lim = offset.min(self.bits.len());
        let bit = self.find_first(lim, &f) as usize;
        if bit < lim {
            bit as u32
        } else {
            size as u32
        }
    }

    fn distribute(&self, cursor: &mut DistributeCursor, f: impl Fn(usize) -> u64) -> u32 {
        let s = self.small();
        if self.geo.nr_cpus == 1 {
            // NR_CPUS == 1: cpumask_any[_and]_distribute() is cpumask_first[_and](), no cursor.
            return self.find_first(s, f);
        }
        let offset = cursor.prev as usize + 1;
        let next = self.next_wrap(s, offset, f);
        if next < self.geo.nr_cpu_ids {
            cursor.prev = next;
        }
        next
    }

    /// `bpf_cpumask_any_distribute()`: a set CPU, chosen round-robin per CPU.
    ///
    /// Kernel: `bpf_cpumask_any_distribute()` → `cpumask_any_distribute()` (`lib/cpumask.c`): reads this CPU's
    /// `distribute_cpu_mask_prev` (`cursor`; 0 at boot, so the first pick skips CPU 0), takes
    /// `cpumask_next_wrap(prev, mask)` = `find_next_bit_wrap(bits, small_cpumask_bits, prev + 1)` (the first set
    /// bit after `prev`, else the first from 0, else `small_cpumask_bits`), and stores the answer in the cursor
    /// only if it is `< nr_cpu_ids`. With `NR_CPUS == 1` it is [`Cpumask::first`].
    ///
    /// The kernel's cursor is per CPU and shared with the scheduler (`kernel/sched/{rt,deadline,core,ext_idle}.c`
    /// call the same function), so a BPF program cannot know it: what the kernel makes deterministic is that
    /// the answer is a set bit of the mask below `small_cpumask_bits` when there is one (below `nr_cpu_ids` on
    /// medium and large kernels; on a small kernel it may be a tail bit), exactly that bit for a one-bit mask,
    /// and `small_cpumask_bits` for an empty one. The model returns the exact answer for the cursor given.
    ///
    /// ```
    /// # use bpf_model::cpumask::*; use bpf_model::KernelProfile;
    /// let mut m = Cpumask::new(CpumaskGeometry::from_profile(&KernelProfile::generic_small()).unwrap());
    /// let mut cur = DistributeCursor::default();
    /// assert_eq!(m.any_distribute(&mut cur), 64); // empty: NR_CPUS
    /// m.setall();
    /// assert_eq!(m.any_distribute(&mut cur), 1); // skips 0 first
    /// assert_eq!(m.any_distribute(&mut cur), 2);
    /// assert_eq!(m.any_distribute(&mut cur), 3);
    /// assert_eq!(m.any_distribute(&mut cur), 0); // wrapped
    /// ```
    pub fn any_distribute(&self, cursor: &mut DistributeCursor) -> u32 {
        self.distribute(cursor, |i| self.word(i))
    }

    /// `bpf_cpumask_any_and_distribute()`: a CPU set in both masks, chosen round-robin per CPU.
    ///
    /// Kernel: `bpf_cpumask_any_and_distribute()` → `cpumask_any_and_distribute()`: as
    /// [`Cpumask::any_distribute`] on `self & other` (`find_next_and_bit_wrap`), with the same cursor.
    ///
    /// ```
    /// # use bpf_model::cpumask::*; use bpf_model::KernelProfile;
    /// let g = CpumaskGeometry::from_profile(&KernelProfile::x86_64_v6_18()).unwrap();
    /// let (mut a, mut b) = (Cpumask::new(g), Cpumask::new(g));
    /// let mut cur = DistributeCursor::default();
    /// a.setall();
    /// assert_eq!(a.any_and_distribute(&b, &mut cur), 2); // nothing in common: nr_cpu_ids
    /// b.set_cpu(0);
    /// assert_eq!(a.any_and_distribute(&b, &mut cur), 0);
    /// ```
    pub fn any_and_distribute(&self, other: &Cpumask, cursor: &mut DistributeCursor) -> u32 {
        self.distribute(cursor, |i| self.word(i) & Self::other_word(other, i))
    }

    /// `bpf_cpumask_weight()`: the number of set bits below `small_cpumask_bits`.
    ///
    /// Kernel: `bpf_cpumask_weight()` → `cpumask_weight()` → `bitmap_weight(small_cpumask_bits)`. On a small
    /// kernel tail bits are counted (up to `NR_CPUS`).
    ///
    /// ```
    /// # use bpf_model::cpumask::*; use bpf_model::KernelProfile;
    /// let mut m = Cpumask::new(CpumaskGeometry::from_profile(&KernelProfile::generic_small()).unwrap());
    /// m.populate(&[0xff; 8], 0).unwrap();
    /// assert_eq!(m.weight(), 64); // nr_cpu_ids is 4, NR_CPUS 64
    /// ```
    pub fn weight(&self) -> u32 {
        let s = self.small();
        self.bits[..s].count_ones() as u32
    }

    /// `bpf_cpumask_populate()`: copies a bit pattern from program memory.
    ///
    /// Kernel: `kernel/bpf/cpumask.c`, `bpf_cpumask_populate(cpumask, src, src__sz)`. Checks, in order:
    /// 1. `src__sz < bitmap_size(nr_cpu_ids)` → `EACCES` (`src.len()` is `src__sz`);
    /// 2. no `CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS` and `src` not aligned to `sizeof(long)` → `EINVAL`
    ///    (`src_addr` is the address the program passed, or any number with the same remainder modulo
    ///    `sizeof(long)`);
    /// 3. `bitmap_copy(bits, src, nr_cpu_ids)`: the first `bitmap_size(nr_cpu_ids)` bytes, whole longs, so the
    ///    tail of the last one is copied as it is (not cleared); later words and the rest of `src` are
    ///    untouched. Then 0.
    ///
    /// Nothing changes on an error.
    ///
    /// ```
    /// # use bpf_model::cpumask::*; use bpf_model::{Errno, KernelProfile};
    /// let mut m = Cpumask::new(CpumaskGeometry::from_profile(&KernelProfile::large_strict_align()).unwrap());
    /// let buf = vec![0xaa; 1025];
    /// assert_eq!(m.populate(&buf[..1023], 1), Err(Errno::EACCES)); // too small wins over unaligned
    /// assert_eq!(m.populate(&buf[..1024], 1), Err(Errno::EINVAL)); // no efficient unaligned access
    /// assert_eq!(m.populate(&buf[..1024], 8), Ok(()));
    /// assert!(m.test_cpu(1) && !m.test_cpu(0));
    /// ```
    pub fn populate(&mut self, src: &[u8], src_addr: usize) -> Result<(), Errno> {
        let need = self.geo.bitmap_size(self.geo.nr_cpu_ids);
        if src.len() < need {
            return Err(Errno::EACCES);
        }
        let long = (self.geo.bits_per_long / 8) as usize;
        if !self.geo.efficient_unaligned_access && src_addr % long != 0 {
            return Err(Errno::EINVAL);
        }
        let words = self.words_mut();
        let (whole, rest) = src[..need].split_at(need / 8 * 8);
        for (w, chunk) in words.iter_mut().zip(whole.chunks_exact(8)) {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(chunk);
            *w = u64::from_le_bytes(bytes);
        }
        if let Some(w) = words.get_mut(need / 8).filter(|_| !rest.is_empty()) {
            // 32-bit longs: an odd number of them ends in half of a 64-bit storage word.
            let mut bytes = w.to_le_bytes();
            bytes[..rest.len()].copy_from_slice(rest);
            *w = u64::from_le_bytes(bytes);
        }
        Ok(())
    }
}

/// This CPU's `distribute_cpu_mask_prev` (`lib/cpumask.c`): the last CPU `cpumask_any_distribute()` or
/// `cpumask_any_and_distribute()` returned on it. The kernel starts it at 0 and writes only values below
/// `nr_cpu_ids`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Hash)]
pub struct DistributeCursor {
    prev: u32,
}

impl DistributeCursor {
    /// A cursor holding `prev` (the kernel only ever holds values below `nr_cpu_ids`).
    pub fn new(prev: u32) -> DistributeCursor {
        DistributeCursor { prev }
    }

    /// The last CPU picked (0 before any pick).
    pub fn prev(&self) -> u32 {
        self.prev
    }
}

/// The memory `bpf_cpumask_create()` takes objects from (the kernel's `bpf_cpumask_ma`, a `bpf_mem_alloc`).
///
/// The kernel's allocator returns NULL when it has no memory; the model's does when `limit` objects are
/// live, so that a caller can exercise the NULL path. Objects go back when their last reference is released
/// (the kernel frees them after an RCU grace period, `bpf_mem_cache_free_rcu()`; no program can reach them in
/// between, so the model frees at once).
///
/// ```
/// use bpf_model::cpumask::CpumaskAlloc;
/// use bpf_model::KernelProfile;
/// let ma = CpumaskAlloc::with_limit(&KernelProfile::x86_64_v6_18(), 1);
/// let m = ma.create().unwrap();
/// assert!(ma.create().is_none()); // NULL: the program must check
/// let again = m.acquire();
/// m.release();
/// assert_eq!(ma.live(), 1); // one reference remains
/// again.release();
/// assert_eq!(ma.live(), 0);
/// assert!(ma.create().is_some());
/// ```
#[derive(Clone, Debug)]
pub struct CpumaskAlloc {
    kernel: Result<(CpumaskGeometry, Rules), Unavailable>,
    state: Rc<AllocState>,
}

#[derive(Debug)]
struct AllocState {
    live: Cell<usize>,
    limit: usize,
}

impl CpumaskAlloc {
    /// An allocator for `profile`'s kernel that never runs out. On a kernel without the cpumask kfuncs (or
    /// a profile [`CpumaskAlloc::open`] refuses) every [`CpumaskAlloc::create`] is `None`.
    pub fn new(profile: &KernelProfile) -> CpumaskAlloc {
        Self::with_limit(profile, usize::MAX)
    }

    /// An allocator that fails once `limit` objects are live.
    pub fn with_limit(profile: &KernelProfile, limit: usize) -> CpumaskAlloc {
        CpumaskAlloc { kernel: Self::kernel(profile), state: Rc::new(AllocState { live: Cell::new(0), limit }) }
    }

    /// An allocator for `profile`'s kernel that never runs out, or why that kernel has no cpumask kfuncs the
    /// model can build: its geometry, its version, or a release before `bpf_cpumask_create`'s.
    ///
    /// ```
    /// use bpf_model::cpumask::{CpumaskAlloc, Unavailable};
    /// use bpf_model::{KernelProfile, KernelVersion};
    /// let old = KernelProfile::debian(6, 1).unwrap();
    /// assert!(matches!(CpumaskAlloc::open(&old), Err(Unavailable::NoCpumaskKfuncs(_))));
    /// assert!(CpumaskAlloc::open(&KernelProfile::debian(6, 12).unwrap()).is_ok());
    /// ```
    pub fn open(profile: &KernelProfile) -> Result<CpumaskAlloc, Unavailable> {
        let a = Self::new(profile);
        a.kernel.map(|_| a.clone())
    }

    fn kernel(profile: &KernelProfile) -> Result<(CpumaskGeometry, Rules), Unavailable> {
        let geo = CpumaskGeometry::from_profile(profile).map_err(Unavailable::Geometry)?;
        let rules = profile.rules().map_err(Unavailable::Version)?;
        if !has_kfunc(rules, Func::CpumaskCreate) {
            return Err(Unavailable::NoCpumaskKfuncs(rules.version()));
        }
        Ok((geo, rules))
    }

    /// The rules of the allocator's kernel (`None` where [`CpumaskAlloc::open`] refuses the profile).
    pub fn rules(&self) -> Option<Rules> {
        self.kernel.as_ref().ok().map(|&(_, r)| r)
    }

    /// Objects allocated and not yet freed.
    pub fn live(&self) -> usize {
        self.state.live.get()
    }

    /// `bpf_cpumask_create()`: a zeroed mask with one reference.
    ///
    /// Kernel: `kernel/bpf/cpumask.c`, `bpf_cpumask_create()`: 1. `bpf_mem_cache_alloc()`, NULL (`None`) when
    /// out of memory; 2. `memset` of the whole object to 0; 3. `refcount_set(usage, 1)`. `None` also when the
    /// profile describes no possible kernel ([`CpumaskGeometry::from_profile`] fails). The live kernel cannot
    /// be driven out of memory on purpose, so the NULL path is checked only here.
    pub fn create(&self) -> Option<BpfCpumask> {
        let (geo, rules) = *self.kernel.as_ref().ok()?;
        if self.state.live.get() >= self.state.limit {
            return None;
        }
        self.state.live.set(self.state.live.get() + 1);
        let inner = Rc::new(Object { mask: RefCell::new(Cpumask::new(geo)), rules, alloc: self.state.clone() });
        Some(BpfCpumask { inner })
    }
}

#[derive(Debug)]
struct Object {
    mask: RefCell<Cpumask>,
    rules: Rules,
    alloc: Rc<AllocState>,
}

impl Drop for Object {
    fn drop(&mut self) {
        // The last reference is gone: bpf_mem_cache_free_rcu().
        self.alloc.live.set(self.alloc.live.get().saturating_sub(1));
    }
}

/// One reference to a `struct bpf_cpumask` (`KF_ACQUIRE` results: [`CpumaskAlloc::create`],
/// [`BpfCpumask::acquire`]).
///
/// The object's `usage` count is the number of `BpfCpumask` values that point to it; [`BpfCpumask::release`]
/// consumes one (dropping one does the same). Every kfunc that takes a `struct bpf_cpumask *` or a
/// `const struct cpumask *` is a method; the masks a two-mask operation reads may be the one it writes (as
/// in `bpf_cpumask_and(m, m, other)`), which the methods allow.
#[derive(Debug)]
pub struct BpfCpumask {
    inner: Rc<Object>,
}

impl BpfCpumask {
    /// `bpf_cpumask_create()` from an allocator that never runs out ([`CpumaskAlloc::create`]).
    ///
    /// ```
    /// # use bpf_model::cpumask::BpfCpumask; use bpf_model::KernelProfile;
    /// let m = BpfCpumask::create(&KernelProfile::x86_64_v6_18()).unwrap();
    /// assert!(m.empty());
    /// assert_eq!(m.usage(), 1);
    /// ```
    pub fn create(profile: &KernelProfile) -> Option<BpfCpumask> {
        CpumaskAlloc::new(profile).create()
    }

    /// `bpf_cpumask_acquire()`: another reference to the same object.
    ///
    /// Kernel: `bpf_cpumask_acquire()`: `refcount_inc(usage)`, returns the same pointer. The verifier requires a
    /// referenced or trusted pointer (`KF_TRUSTED_ARGS`), which a live `BpfCpumask` is.
    ///
    /// ```
    /// # use bpf_model::cpumask::BpfCpumask; use bpf_model::KernelProfile;
    /// let m = BpfCpumask::create(&KernelProfile::x86_64_v6_18()).unwrap();
    /// let r = m.acquire();
    /// assert_eq!((m.usage(), r.same_object(&m)), (2, true));
    /// r.set_cpu(0);
    /// assert!(m.test_cpu(0));
    /// r.release();
    /// assert_eq!(m.usage(), 1);
    /// ```
    pub fn acquire(&self) -> BpfCpumask {
        BpfCpumask { inner: self.inner.clone() }
    }

    /// `bpf_cpumask_release()`: gives this reference back; the object is freed with the last one.
    ///
    /// Kernel: `bpf_cpumask_release()`: `refcount_dec_and_test(usage)`, then `bpf_mem_cache_free_rcu()` at 0.
    /// (`bpf_cpumask_release_dtor()` does the same for a mask stored as a kptr in a map.)
    pub fn release(self) {
        drop(self)
    }

    /// The rules of the kernel the object was made for.
    pub fn rules(&self) -> Rules {
        self.inner.rules
    }

    /// Whether the object's kernel has the cpumask kfunc `func` ([`has_kfunc`]).
    pub fn has_kfunc(&self, func: Func) -> bool {
        has_kfunc(self.inner.rules, func)
    }

    /// The object's `usage` refcount: how many references exist.
    pub fn usage(&self) -> u32 {
        Rc::strong_count(&self.inner) as u32
    }

    /// Whether two references point to the same object.
    pub fn same_object(&self, other: &BpfCpumask) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }

    /// The mask, read-only.
    pub fn mask(&self) -> Ref<'_, Cpumask> {
        self.inner.mask.borrow()
    }

    fn mask_mut(&self) -> RefMut<'_, Cpumask> {
        self.inner.mask.borrow_mut()
    }

    /// The object's memory: `sizeof(cpumask_t)` bytes of bitmap ([`Cpumask::to_bytes`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.mask().to_bytes()
    }

    /// Runs `f(dst, a, b)` with `self` as `dst`; a source that is `self`'s object is copied first, so that
    /// `dst` can be borrowed mutably (the kernel reads and writes the same words in place, which gives the
    /// same result for these word-wise operations).
    fn with_sources<R>(
        &self,
        a: &BpfCpumask,
        b: &BpfCpumask,
        f: impl FnOnce(&mut Cpumask, &Cpumask, &Cpumask) -> R,
    ) -> R {
        if self.same_object(a) || self.same_object(b) {
            let (ca, cb) = (a.mask().clone(), b.mask().clone());
            f(&mut self.mask_mut(), &ca, &cb)
        } else {
            let (ra, rb) = (a.mask(), b.mask());
            f(&mut self.mask_mut(), &ra, &rb)
        }
    }

    /// `bpf_cpumask_first()`; see [`Cpumask::first`].
    pub fn first(&self) -> u32 {
        self.mask().first()
    }

    /// `bpf_cpumask_first_zero()`; see [`Cpumask::first_zero`].
    pub fn first_zero(&self) -> u32 {
        self.mask().first_zero()
    }

    /// `bpf_cpumask_first_and(self, other)`; see [`Cpumask::first_and`].
    pub fn first_and(&self, other: &BpfCpumask) -> u32 {
        self.mask().first_and(&other.mask())
    }

    /// `bpf_cpumask_set_cpu(cpu, self)`; see [`Cpumask::set_cpu`].
    pub fn set_cpu(&self, cpu: u32) {
        self.mask_mut().set_cpu(cpu)
    }

    /// `bpf_cpumask_clear_cpu(cpu, self)`; see [`Cpumask::clear_cpu`].
    pub fn clear_cpu(&self, cpu: u32) {
        self.mask_mut().clear_cpu(cpu)
    }

    /// `bpf_cpumask_test_cpu(cpu, self)`; see [`Cpumask::test_cpu`].
    pub fn test_cpu(&self, cpu: u32) -> bool {
        self.mask().test_cpu(cpu)
    }

    /// `bpf_cpumask_test_and_set_cpu(cpu, self)`; see [`Cpumask::test_and_set_cpu`].
    pub fn test_and_set_cpu(&self, cpu: u32) -> bool {
        self.mask_mut().test_and_set_cpu(cpu)
    }

    /// `bpf_cpumask_test_and_clear_cpu(cpu, self)`; see [`Cpumask::test_and_clear_cpu`].
    pub fn test_and_clear_cpu(&self, cpu: u32) -> bool {
        self.mask_mut().test_and_clear_cpu(cpu)
    }

    /// `bpf_cpumask_setall(self)`; see [`Cpumask::setall`].
    pub fn setall(&self) {
        self.mask_mut().setall()
    }

    /// `bpf_cpumask_clear(self)`; see [`Cpumask::clear`].
    pub fn clear(&self) {
        self.mask_mut().clear()
    }

    /// `bpf_cpumask_and(self, a, b)`; see [`Cpumask::and`]. `a` and `b` may be `self`.
    ///
    /// ```
    /// # use bpf_model::cpumask::BpfCpumask; use bpf_model::KernelProfile;
    /// let p = KernelProfile::x86_64_v6_18();
    /// let (m, o) = (BpfCpumask::create(&p).unwrap(), BpfCpumask::create(&p).unwrap());
    /// m.setall();
    /// o.set_cpu(1);
    /// assert!(m.and(&m, &o)); // m &= o
    /// assert_eq!(m.to_bytes()[0], 0x02);
    /// ```
    pub fn and(&self, a: &BpfCpumask, b: &BpfCpumask) -> bool {
        self.with_sources(a, b, |d, a, b| d.and(a, b))
    }

    /// `bpf_cpumask_or(self, a, b)`; see [`Cpumask::or`]. `a` and `b` may be `self`.
    pub fn or(&self, a: &BpfCpumask, b: &BpfCpumask) {
        self.with_sources(a, b, |d, a, b| d.or(a, b))
    }

    /// `bpf_cpumask_xor(self, a, b)`; see [`Cpumask::xor`]. `a` and `b` may be `self`.
    pub fn xor(&self, a: &BpfCpumask, b: &BpfCpumask) {
        self.with_sources(a, b, |d, a, b| d.xor(a, b))
    }

    /// `bpf_cpumask_equal(self, other)`; see [`Cpumask::equal`].
    pub fn equal(&self, other: &BpfCpumask) -> bool {
        self.mask().equal(&other.mask())
    }

    /// `bpf_cpumask_intersects(self, other)`; see [`Cpumask::intersects`].
    pub fn intersects(&self, other: &BpfCpumask) -> bool {
        self.mask().intersects(&other.mask())
    }

    /// `bpf_cpumask_subset(self, other)`: `self ⊆ other`; see [`Cpumask::subset`].
    pub fn subset(&self, other: &BpfCpumask) -> bool {
        self.mask().subset(&other.mask())
    }

    /// `bpf_cpumask_empty(self)`; see [`Cpumask::empty`].
    pub fn empty(&self) -> bool {
        self.mask().empty()
    }

    /// `bpf_cpumask_full(self)`; see [`Cpumask::full`].
    pub fn full(&self) -> bool {
        self.mask().full()
    }

    /// `bpf_cpumask_copy(self, src)`; see [`Cpumask::copy_from`]. `src` may be `self`.
    pub fn copy_from(&self, src: &BpfCpumask) {
        if !self.same_object(src) {
            self.mask_mut().copy_from(&src.mask())
        }
    }

    /// `bpf_cpumask_any_distribute(self)`; see [`Cpumask::any_distribute`].
    pub fn any_distribute(&self, cursor: &mut DistributeCursor) -> u32 {
        self.mask().any_distribute(cursor)
    }

    /// `bpf_cpumask_any_and_distribute(self, other)`; see [`Cpumask::any_and_distribute`].
    pub fn any_and_distribute(&self, other: &BpfCpumask, cursor: &mut DistributeCursor) -> u32 {
        self.mask().any_and_distribute(&other.mask(), cursor)
    }

    /// `bpf_cpumask_weight(self)`; see [`Cpumask::weight`].
    pub fn weight(&self) -> u32 {
        self.mask().weight()
    }

    /// `bpf_cpumask_populate(self, src, src.len())` with `src` at address `src_addr`; see
    /// [`Cpumask::populate`]. The kfunc is 6.15's: on an older kernel ([`BpfCpumask::has_kfunc`] is false) a
    /// program that calls it does not load, so there is no run-time answer to give.
    pub fn populate(&self, src: &[u8], src_addr: usize) -> Result<(), Errno> {
        self.mask_mut().populate(src, src_addr)
    }
}

/// The kernel ABI face: each kfunc under its kernel name, with its C return type (`u32`, `bool`, `int` with
/// a negative errno, `struct bpf_cpumask *` as `Option`), for runtimes that dispatch kfunc calls by name.
///
/// ```
/// use bpf_model::cpumask::abi::*;
/// use bpf_model::KernelProfile;
/// let m = bpf_cpumask_create(&KernelProfile::x86_64_v6_18()).unwrap();
/// assert_eq!(bpf_cpumask_populate(&m, &[1], 0), -13); // -EACCES
/// assert_eq!(bpf_cpumask_populate(&m, &[1, 0, 0, 0, 0, 0, 0, 0], 0), 0);
/// assert_eq!(bpf_cpumask_first(&m), 0);
/// bpf_cpumask_release(m);
/// ```
pub mod abi {
    use super::{BpfCpumask, DistributeCursor};
    use crate::KernelProfile;

    /// `bpf_cpumask_create()`: `None` is NULL.
    pub fn bpf_cpumask_create(profile: &KernelProfile) -> Option<BpfCpumask> {
        BpfCpumask::create(profile)
    }
    /// `bpf_cpumask_acquire()`.
    pub fn bpf_cpumask_acquire(m: &BpfCpumask) -> BpfCpumask {
        m.acquire()
    }
    /// `bpf_cpumask_release()`.
    pub fn bpf_cpumask_release(m: BpfCpumask) {
        m.release()
    }
    /// `bpf_cpumask_first()`.
    pub fn bpf_cpumask_first(m: &BpfCpumask) -> u32 {
        m.first()
    }
    /// `bpf_cpumask_first_zero()`.
    pub fn bpf_cpumask_first_zero(m: &BpfCpumask) -> u32 {
        m.first_zero()
    }
    /// `bpf_cpumask_first_and()`.
    pub fn bpf_cpumask_first_and(a: &BpfCpumask, b: &BpfCpumask) -> u32 {
        a.first_and(b)
    }
    /// `bpf_cpumask_set_cpu()`.
    pub fn bpf_cpumask_set_cpu(cpu: u32, m: &BpfCpumask) {
        m.set_cpu(cpu)
    }
    /// `bpf_cpumask_clear_cpu()`.
    pub fn bpf_cpumask_clear_cpu(cpu: u32, m: &BpfCpumask) {
        m.clear_cpu(cpu)
    }
    /// `bpf_cpumask_test_cpu()`.
    pub fn bpf_cpumask_test_cpu(cpu: u32, m: &BpfCpumask) -> bool {
        m.test_cpu(cpu)
    }
    /// `bpf_cpumask_test_and_set_cpu()`.
    pub fn bpf_cpumask_test_and_set_cpu(cpu: u32, m: &BpfCpumask) -> bool {
        m.test_and_set_cpu(cpu)
    }
    /// `bpf_cpumask_test_and_clear_cpu()`.
    pub fn bpf_cpumask_test_and_clear_cpu(cpu: u32, m: &BpfCpumask) -> bool {
        m.test_and_clear_cpu(cpu)
    }
    /// `bpf_cpumask_setall()`.
    pub fn bpf_cpumask_setall(m: &BpfCpumask) {
        m.setall()
    }
    /// `bpf_cpumask_clear()`.
    pub fn bpf_cpumask_clear(m: &BpfCpumask) {
        m.clear()
    }
    /// `bpf_cpumask_and()`.
    pub fn bpf_cpumask_and(dst: &BpfCpumask, a: &BpfCpumask, b: &BpfCpumask) -> bool {
        dst.and(a, b)
    }
    /// `bpf_cpumask_or()`.
    pub fn bpf_cpumask_or(dst: &BpfCpumask, a: &BpfCpumask, b: &BpfCpumask) {
        dst.or(a, b)
    }
    /// `bpf_cpumask_xor()`.
    pub fn bpf_cpumask_xor(dst: &BpfCpumask, a: &BpfCpumask, b: &BpfCpumask) {
        dst.xor(a, b)
    }
    /// `bpf_cpumask_equal()`.
    pub fn bpf_cpumask_equal(a: &BpfCpumask, b: &BpfCpumask) -> bool {
        a.equal(b)
    }
    /// `bpf_cpumask_intersects()`.
    pub fn bpf_cpumask_intersects(a: &BpfCpumask, b: &BpfCpumask) -> bool {
        a.intersects(b)
    }
    /// `bpf_cpumask_subset()`.
    pub fn bpf_cpumask_subset(a: &BpfCpumask, b: &BpfCpumask) -> bool {
        a.subset(b)
    }
    /// `bpf_cpumask_empty()`.
    pub fn bpf_cpumask_empty(m: &BpfCpumask) -> bool {
        m.empty()
    }
    /// `bpf_cpumask_full()`.
    pub fn bpf_cpumask_full(m: &BpfCpumask) -> bool {
        m.full()
    }
    /// `bpf_cpumask_copy()`.
    pub fn bpf_cpumask_copy(dst: &BpfCpumask, src: &BpfCpumask) {
        dst.copy_from(src)
    }
    /// `bpf_cpumask_any_distribute()`, with this CPU's cursor.
    pub fn bpf_cpumask_any_distribute(m: &BpfCpumask, cursor: &mut DistributeCursor) -> u32 {
        m.any_distribute(cursor)
    }
    /// `bpf_cpumask_any_and_distribute()`, with this CPU's cursor.
    pub fn bpf_cpumask_any_and_distribute(a: &BpfCpumask, b: &BpfCpumask, cursor: &mut DistributeCursor) -> u32 {
        a.any_and_distribute(b, cursor)
    }
    /// `bpf_cpumask_weight()`.
    pub fn bpf_cpumask_weight(m: &BpfCpumask) -> u32 {
        m.weight()
    }
    /// `bpf_cpumask_populate()`: 0 or `-EACCES` / `-EINVAL`.
    pub fn bpf_cpumask_populate(m: &BpfCpumask, src: &[u8], src_addr: usize) -> i32 {
        match m.populate(src, src_addr) {
            Ok(()) => 0,
            Err(e) => e.to_ret_i32(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_profiles_create_nothing() {
        let mut p = KernelProfile::generic_small();
        p.nr_cpu_ids = 65;
        assert_eq!(CpumaskGeometry::from_profile(&p), Err(GeometryError::NrCpuIds(65)));
        assert!(BpfCpumask::create(&p).is_none());
        p.nr_cpu_ids = 4;
        p.bits_per_long = 16;
        assert!(BpfCpumask::create(&p).is_none());
    }

    #[test]
    fn any_cursor_is_total() {
        let m = BpfCpumask::create(&KernelProfile::large_strict_align()).unwrap();
        let mut cur = DistributeCursor::new(u32::MAX);
        assert_eq!(m.any_distribute(&mut cur), 8192);
        m.set_cpu(7);
        assert_eq!(m.any_distribute(&mut cur), 7);
        assert_eq!(cur.prev(), 7);
    }

    #[test]
    fn populate_keeps_words_past_nr_cpu_ids() {
        let mut p = KernelProfile::x86_64_v6_18();
        p.nr_cpu_ids = 65; // two longs
        let m = BpfCpumask::create(&p).unwrap();
        m.setall(); // words 0, 1 all ones
        m.populate(&[0u8; 16], 0).unwrap();
        assert!(m.to_bytes().iter().all(|&b| b == 0));
    }
}
