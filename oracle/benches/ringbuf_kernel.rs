//! The kernel's own ring buffer against the model's, in one run: a BPF program (one `BPF_PROG_TEST_RUN`
//! of `rb_bench` in `oracle/bpf/ringbuf.bpf.c`) reserves and submits 8-byte records with `bpf_loop` while
//! the model's `Consumer` drains the mmapped kernel ring on the other CPU; the model's lock-free ring does
//! the same with one producer thread. Both consumers pause briefly after a drain that found nothing
//! (`poll_pause`, as in `benches/ringbuf.rs`). Prints the median rates and ratio of rounds that run both back to back, then criterion's timings.
//!
//! `cargo bench -p bpf-oracle --bench ringbuf_kernel` (needs root and BPF; prints SKIPPED otherwise).

use bpf_model::ringbuf::RingBuf;
use bpf_model::KernelProfile;
use bpf_oracle::areas::ringbuf::RingbufArea;
use bpf_oracle::conformance::Area;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::time::{Duration, Instant};

const N: u64 = 1 << 20;

fn model_run(n: u64) -> Duration {
    let rb = RingBuf::new(&KernelProfile::x86_64_v6_18(), 1 << 20).unwrap();
    let t0 = Instant::now();
    std::thread::scope(|s| {
        let rb = &rb;
        s.spawn(move || {
            for i in 0..n {
                loop {
                    if let Some(mut r) = rb.reserve(8, 0) {
                        r.as_mut_slice().copy_from_slice(&i.to_ne_bytes());
                        r.submit(0);
                        break;
                    }
                    std::hint::spin_loop();
                }
            }
        });
        let mut c = rb.consumer().unwrap();
        let mut got = 0u64;
        while got < n {
            let k = c.consume_batch(4096, |_| ()) as u64;
            got += k;
            if k == 0 {
                bpf_oracle::areas::ringbuf::poll_pause();
            }
        }
    });
    t0.elapsed()
}

fn bench(c: &mut Criterion) {
    if !bpf_oracle::probe::probe().ok() {
        println!("SKIPPED: ringbuf_kernel: this machine cannot load BPF programs");
        return;
    }
    let profile = KernelProfile::detect().profile;
    let mut area = RingbufArea::open(&profile).expect("load ringbuf.bpf.c");
    rotation(&mut area);
    let mut g = c.benchmark_group("ring_1p_8B");
    g.measurement_time(Duration::from_secs(3)).sample_size(10);
    g.throughput(Throughput::Elements(N));
    g.bench_function("kernel_ringbuf_bpf_program", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| area.bench_kernel(N).expect("kernel run").0).sum())
    });
    g.bench_function("model_lockfree", |b| b.iter_custom(|iters| (0..iters).map(|_| model_run(N)).sum()));
    g.finish();
}

/// The ratio, measured in rounds that run the kernel ring and the model ring back to back, so that a slow
/// phase of this shared machine cannot favour either: the medians of the rates and of the per-round
/// ratios (records the kernel could not reserve, with the ring full, are not counted as produced).
fn rotation(area: &mut RingbufArea) {
    const ROUNDS: usize = 9;
    let (mut kernel, mut model, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let (d, got) = area.bench_kernel(N).expect("kernel run");
        let k = got as f64 / d.as_secs_f64() / 1e6;
        let m = N as f64 / model_run(N).as_secs_f64() / 1e6;
        kernel.push(k);
        model.push(m);
        ratio.push(m / k);
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "median of {ROUNDS} rounds (M records/s): kernel ring (BPF producer) {:.1}, model lock-free {:.1}; \
         median ratio model/kernel {:.2}",
        median(kernel),
        median(model),
        median(ratio)
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
