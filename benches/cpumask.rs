//! `bpf_cpumask_populate` and the two-mask kfuncs (`and`, `or`, `xor`, `equal`, `subset`, `first_and`,
//! `copy`) on the model's `BpfCpumask` (bitvec storage behind a refcounted handle), against the same work
//! on plain `[u64]` words written as the kernel's `lib/bitmap.c` loops, at nr_cpu_ids = NR_CPUS = 64
//! (small, one word), 512 and 8192 (large). Run: `cargo bench --bench cpumask`; the ratio of each pair is
//! model time / words time.

use bpf_model::cpumask::BpfCpumask;
use bpf_model::KernelProfile;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::hint::black_box;
use std::time::Duration;

fn profile(n: u32) -> KernelProfile {
    let mut p = KernelProfile::x86_64_v6_18();
    (p.nr_cpus, p.nr_cpu_ids) = (n, n);
    p
}

fn last_word_mask(nbits: usize) -> u64 {
    !0u64 >> (nbits.wrapping_neg() & 63)
}

/// The kernel's loops on plain words (`__bitmap_and`, `__bitmap_or`, ..., `FIND_FIRST_BIT`, memcpy).
mod words {
    use super::last_word_mask;

    pub fn and(dst: &mut [u64], a: &[u64], b: &[u64], nbits: usize) -> bool {
        let lim = nbits / 64;
        let mut r = 0;
        for k in 0..lim {
            dst[k] = a[k] & b[k];
            r |= dst[k];
        }
        if nbits % 64 != 0 {
            dst[lim] = a[lim] & b[lim] & last_word_mask(nbits);
            r |= dst[lim];
        }
        r != 0
    }
    pub fn or(dst: &mut [u64], a: &[u64], b: &[u64], nbits: usize) {
        for k in 0..nbits.div_ceil(64) {
            dst[k] = a[k] | b[k];
        }
    }
    pub fn xor(dst: &mut [u64], a: &[u64], b: &[u64], nbits: usize) {
        for k in 0..nbits.div_ceil(64) {
            dst[k] = a[k] ^ b[k];
        }
    }
    pub fn equal(a: &[u64], b: &[u64], nbits: usize) -> bool {
        let lim = nbits / 64;
        (0..lim).all(|k| a[k] == b[k]) && (nbits % 64 == 0 || (a[lim] ^ b[lim]) & last_word_mask(nbits) == 0)
    }
    pub fn subset(a: &[u64], b: &[u64], nbits: usize) -> bool {
        let lim = nbits / 64;
        (0..lim).all(|k| a[k] & !b[k] == 0) && (nbits % 64 == 0 || a[lim] & !b[lim] & last_word_mask(nbits) == 0)
    }
    pub fn first_and(a: &[u64], b: &[u64], nbits: usize) -> usize {
        for k in 0..nbits.div_ceil(64) {
            let v = a[k] & b[k];
            if v != 0 {
                return (k * 64 + v.trailing_zeros() as usize).min(nbits);
            }
        }
        nbits
    }
    pub fn copy(dst: &mut [u64], src: &[u64], nbits: usize) {
        let n = nbits.div_ceil(64);
        dst[..n].copy_from_slice(&src[..n]);
    }
    pub fn populate(dst: &mut [u64], src: &[u8], nbits: usize) -> i32 {
        let need = nbits.div_ceil(64) * 8;
        if src.len() < need {
            return -13;
        }
        for (w, c) in dst.iter_mut().zip(src[..need].chunks_exact(8)) {
            *w = u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
        }
        0
    }
}

fn bench(c: &mut Criterion) {
    for n in [64usize, 512, 8192] {
        let p = profile(n as u32);
        let src: Vec<u8> = (0..n / 8).map(|i| (i as u8).wrapping_mul(37) | 1).collect();
        let (d, a, b) =
            (BpfCpumask::create(&p).unwrap(), BpfCpumask::create(&p).unwrap(), BpfCpumask::create(&p).unwrap());
        a.populate(&src, 0).unwrap();
        b.setall();
        b.clear_cpu(n as u32 - 1); // equal/subset/first_and have to scan to the end
        let words_n = n / 64;
        let (mut wd, mut wa, mut wb) = (vec![0u64; words_n], vec![0u64; words_n], vec![!0u64; words_n]);
        words::populate(&mut wa, &src, n);
        wb[words_n - 1] &= !(1 << 63);
        // equal and subset compare b with itself, so both scan all n bits.
        let mut g = c.benchmark_group(format!("cpumask/{n}"));
        g.warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_millis(800)).sample_size(20);

        g.bench_function(BenchmarkId::new("populate", "model"), |bn| bn.iter(|| d.populate(black_box(&src), 0)));
        g.bench_function(BenchmarkId::new("populate", "words"), |bn| {
            bn.iter(|| words::populate(&mut wd, black_box(&src), n))
        });
        g.bench_function(BenchmarkId::new("and", "model"), |bn| bn.iter(|| d.and(black_box(&a), &b)));
        g.bench_function(BenchmarkId::new("and", "words"), |bn| {
            bn.iter(|| words::and(&mut wd, black_box(&wa), &wb, n))
        });
        g.bench_function(BenchmarkId::new("or", "model"), |bn| bn.iter(|| d.or(black_box(&a), &b)));
        g.bench_function(BenchmarkId::new("or", "words"), |bn| bn.iter(|| words::or(&mut wd, black_box(&wa), &wb, n)));
        g.bench_function(BenchmarkId::new("xor", "model"), |bn| bn.iter(|| d.xor(black_box(&a), &b)));
        g.bench_function(BenchmarkId::new("xor", "words"), |bn| {
            bn.iter(|| words::xor(&mut wd, black_box(&wa), &wb, n))
        });
        g.bench_function(BenchmarkId::new("equal", "model"), |bn| bn.iter(|| black_box(&b).equal(&b)));
        g.bench_function(BenchmarkId::new("equal", "words"), |bn| bn.iter(|| words::equal(black_box(&wb), &wb, n)));
        g.bench_function(BenchmarkId::new("subset", "model"), |bn| bn.iter(|| black_box(&b).subset(&b)));
        g.bench_function(BenchmarkId::new("subset", "words"), |bn| bn.iter(|| words::subset(black_box(&wb), &wb, n)));
        // first_and of a full mask and a mask holding only the last CPU: both scan every word.
        let (full, last) = (BpfCpumask::create(&p).unwrap(), BpfCpumask::create(&p).unwrap());
        full.setall();
        last.set_cpu(n as u32 - 1);
        let (wfull, mut wlast) = (vec![!0u64; words_n], vec![0u64; words_n]);
        wlast[words_n - 1] = 1 << 63;
        g.bench_function(BenchmarkId::new("first_and", "model"), |bn| bn.iter(|| black_box(&full).first_and(&last)));
        g.bench_function(BenchmarkId::new("first_and", "words"), |bn| {
            bn.iter(|| words::first_and(black_box(&wfull), &wlast, n))
        });
        g.bench_function(BenchmarkId::new("copy", "model"), |bn| bn.iter(|| d.copy_from(black_box(&a))));
        g.bench_function(BenchmarkId::new("copy", "words"), |bn| bn.iter(|| words::copy(&mut wd, black_box(&wa), n)));
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
