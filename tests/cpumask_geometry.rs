//! Geometries the kernels of the matrix do not have, with the answers the kernel's code gives for them:
//! 32-bit longs with more than 64 CPUs (no 32-bit kernel is booted here), and bits past the last word of
//! `nr_cpu_ids` when `nr_cpu_ids` is a multiple of 64 below `NR_CPUS`. The 64-CPU geometry of a real
//! kernel (Debian's, `possible_cpus=64`) is in `vectors/<series>/cpumask-64cpus.jsonl`.

use bpf_model::cpumask::{abi, BpfCpumask, Cpumask, CpumaskConfig, CpumaskGeometry};
use bpf_model::KernelProfile;

fn geo(nr_cpu_ids: u32, nr_cpus: u32, w: u32) -> CpumaskGeometry {
    CpumaskGeometry::new(nr_cpu_ids, nr_cpus, w, true).unwrap()
}

/// `BITS_PER_LONG = 32`, `NR_CPUS = 128` (medium: `128 <= 4 * 32`), `nr_cpu_ids = 70`: three longs cover
/// the CPUs, so every width ends part-way through the model's second 64-bit storage word.
#[test]
fn thirty_two_bit_longs_past_the_first_64_cpus() {
    let g = geo(70, 128, 32);
    assert_eq!(g.config(), CpumaskConfig::Medium);
    assert_eq!((g.bitmap_size(70), g.cpumask_size()), (12, 16));
    let mut m = Cpumask::new(g);
    // find_first_bit(bits, 70) of an empty mask: the width.
    assert_eq!((m.first(), m.first_zero(), m.weight()), (70, 0, 0));
    // bitmap_fill(bits, 70): memset(0xff) of BITS_TO_LONGS(70) * sizeof(long) = 12 bytes.
    m.setall();
    assert_eq!(m.to_bytes(), [[0xff; 12].as_slice(), &[0; 4]].concat());
    assert_eq!((m.first(), m.first_zero(), m.weight(), m.full()), (0, 70, 70, true));
    m.clear_cpu(69);
    assert_eq!((m.first_zero(), m.weight(), m.full()), (69, 69, false));
    m.clear_cpu(3);
    assert_eq!(m.first_zero(), 3);
    // bitmap_and(dst, a, b, 70): three longs, the last masked to bits 64..69.
    let (mut d, mut a) = (Cpumask::new(g), Cpumask::new(g));
    a.setall();
    assert!(d.and(&a, &m));
    assert_eq!(d.to_bytes(), [&[0xf7, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0, 0, 0][..], &[0; 4]].concat());
    // bitmap_populate of 12 bytes: the third long is copied whole.
    let mut p = Cpumask::new(g);
    p.populate(&[0xff; 12], 0).unwrap();
    assert_eq!((p.weight(), p.to_bytes()[11], p.to_bytes()[12]), (70, 0xff, 0));
    // A range ending in the low half of the second storage word: nr_cpu_ids = 65.
    let mut q = Cpumask::new(geo(65, 128, 32));
    q.setall();
    assert_eq!((q.first_zero(), q.weight(), q.to_bytes()[..12].to_vec()), (65, 65, [0xff; 12].to_vec()));
}

/// `nr_cpu_ids = 64` with `NR_CPUS = 256` (medium, 64-bit longs): `bitmap_and(dst, a, b, 64)` writes the one
/// long below 64 and nothing after it (`__bitmap_and` masks a last word only when `nbits % BITS_PER_LONG`
/// is not 0). No kernel leaves bits past `nr_cpu_ids`' last word in its own masks (nothing writes there);
/// the model can, through a mask of another geometry, and keeps them as the kernel's loop would.
#[test]
fn and_keeps_the_words_past_a_whole_long_width() {
    let g = geo(64, 256, 64);
    let mut wide = Cpumask::new(geo(128, 256, 64));
    wide.setall();
    let mut d = Cpumask::new(g);
    d.copy_from(&wide); // bitmap_copy(large_cpumask_bits = NR_CPUS): every word
    assert_eq!(&d.to_bytes()[..16], &[0xff; 16]);
    let (mut a, mut b) = (Cpumask::new(g), Cpumask::new(g));
    a.setall();
    b.set_cpu(63);
    assert!(d.and(&a, &b));
    let bytes = d.to_bytes();
    assert_eq!(&bytes[..8], &[0, 0, 0, 0, 0, 0, 0, 0x80]);
    assert_eq!(&bytes[8..16], &[0xff; 8], "the second long is past the width and keeps its bits");
    // On the 64-CPU distribution kernel (large): the same operation on masks of its own.
    let mut p = KernelProfile::debian(6, 18).unwrap();
    p.nr_cpu_ids = 64;
    let (x, y, z) = (BpfCpumask::create(&p).unwrap(), BpfCpumask::create(&p).unwrap(), BpfCpumask::create(&p).unwrap());
    abi::bpf_cpumask_setall(&x);
    abi::bpf_cpumask_set_cpu(0, &y);
    assert!(abi::bpf_cpumask_and(&z, &x, &y));
    assert_eq!((abi::bpf_cpumask_first(&z), abi::bpf_cpumask_weight(&z), z.to_bytes()[8]), (0, 1, 0));
}

/// The ABI face's two-mask functions write and answer as the methods do (the recorded kernel vectors,
/// replayed through this face, give the kernel's own answers: `tests/cpumask_vectors.rs`).
#[test]
fn abi_xor_and_equal() {
    let p = KernelProfile::debian(6, 18).unwrap();
    let (a, b, d) = (BpfCpumask::create(&p).unwrap(), BpfCpumask::create(&p).unwrap(), BpfCpumask::create(&p).unwrap());
    abi::bpf_cpumask_set_cpu(0, &a);
    abi::bpf_cpumask_set_cpu(1, &b);
    assert!(!abi::bpf_cpumask_equal(&a, &b));
    abi::bpf_cpumask_xor(&d, &a, &b);
    assert_eq!(d.to_bytes()[0], 0x03);
    abi::bpf_cpumask_xor(&d, &d, &a);
    assert_eq!(d.to_bytes()[0], 0x02);
    assert!(abi::bpf_cpumask_equal(&d, &b));
}

/// The refusals name what is wrong, and the accessors give back what the geometry was made with.
#[test]
fn refusals_and_accessors() {
    use bpf_model::cpumask::{CpumaskAlloc, GeometryError, Unavailable};
    let msg = |e: GeometryError| e.to_string();
    assert_eq!(msg(GeometryError::BitsPerLong(16)), "BITS_PER_LONG 16 is neither 32 nor 64");
    assert!(msg(GeometryError::NrCpus(0)).starts_with("NR_CPUS 0 is not in 1..="));
    assert_eq!(msg(GeometryError::NrCpuIds(9)), "nr_cpu_ids 9 is not in 1..=NR_CPUS");
    assert!(msg(GeometryError::ForcedMismatch).contains("CONFIG_FORCE_NR_CPUS"));
    let mut p = KernelProfile::debian(6, 12).unwrap();
    p.force_nr_cpus = true;
    assert_eq!(CpumaskGeometry::from_profile(&p), Err(GeometryError::ForcedMismatch));
    p.nr_cpu_ids = p.nr_cpus;
    assert!(CpumaskGeometry::from_profile(&p).is_ok());
    p.bits_per_long = 16;
    let e = CpumaskAlloc::open(&p).unwrap_err();
    assert_eq!(
        (e, e.to_string()),
        (
            Unavailable::Geometry(GeometryError::BitsPerLong(16)),
            format!("profile has no cpumask geometry: {}", msg(GeometryError::BitsPerLong(16)))
        )
    );
    let mut old = KernelProfile::debian(7, 3).unwrap();
    old.version = bpf_model::KernelVersion::new(5, 10, 0);
    assert!(CpumaskAlloc::open(&old).unwrap_err().to_string().contains("5.10"));
    let g = CpumaskGeometry::new(5, 100, 32, false).unwrap();
    assert_eq!((g.nr_cpu_ids(), g.nr_cpus(), g.bits_per_long(), g.efficient_unaligned_access()), (5, 100, 32, false));
    assert_eq!((g.small_cpumask_bits(), g.large_cpumask_bits(), g.nr_cpumask_bits()), (5, 100, 5));
    assert!(CpumaskGeometry::new(5, 100, 64, true).unwrap().efficient_unaligned_access());
    let mut m = Cpumask::new(g);
    assert_eq!(m.geometry(), g);
    m.set_cpu(4);
    m.set_cpu(1);
    assert_eq!(m.bits().iter_ones().collect::<Vec<_>>(), [1, 4]);
    assert_eq!(m.bits().len(), 128);
    let dbg = format!("{m:?}");
    assert!(dbg.contains("set_bits: [1, 4]") && dbg.contains("nr_cpu_ids: 5"), "{dbg}");
}

/// A mask of another geometry reads as zero past its own storage (the model's documented rule for masks
/// of two kernels; no kernel has two geometries).
#[test]
fn a_shorter_mask_reads_as_zero_past_its_storage() {
    let (mut long, mut short) = (Cpumask::new(geo(70, 128, 64)), Cpumask::new(geo(2, 64, 64)));
    assert_eq!(long.first_and(&short), 70);
    assert!(long.equal(&short) && !long.intersects(&short) && long.subset(&short));
    long.set_cpu(69);
    assert_eq!(long.first_and(&short), 70);
    assert!(!long.equal(&short) && !long.subset(&short));
    long.set_cpu(1);
    short.set_cpu(1);
    assert_eq!(long.first_and(&short), 1);
    assert!(long.intersects(&short));
    // The two-mask writers read the short source the same way, in either position.
    let mut d = Cpumask::new(geo(70, 128, 64));
    d.or(&long, &short);
    assert_eq!(d.bits().iter_ones().collect::<Vec<_>>(), [1, 69]);
    d.xor(&short, &long);
    assert_eq!(d.bits().iter_ones().collect::<Vec<_>>(), [69]);
    d.setall();
    assert!(d.and(&long, &short));
    assert_eq!(d.bits().iter_ones().collect::<Vec<_>>(), [1]);
}
