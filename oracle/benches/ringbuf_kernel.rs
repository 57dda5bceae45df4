//! The kernel's own ring buffer against the model's, in one run: a BPF program (one `BPF_PROG_TEST_RUN`
//! of `rb_bench` in `oracle/bpf/ringbuf.bpf.c`) reserves and submits 8-byte records with `bpf_loop` while
//! the model's `Consumer` drains the mmapped kernel ring on the other CPU; the model's lock-free ring does
//! the same with one producer thread. Both consumers pause briefly after a drain that found nothing
//! (`poll_pause`, as in `benches/ringbuf.rs`). Prints records per second and the ratio.
//!
//! `cargo bench -p bpf-oracle --bench ringbuf_kernel` (needs root and BPF; prints SKIPPED otherwise).

use bpf_model::ringbuf::RingBuf;
use bpf_model::KernelProfile;
use bpf_oracle::areas::ringbuf::RingbufArea;
use bpf_oracle::conformance::Area;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::sync::atomic::{AtomicU64, Ordering};
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
    let best_kernel = AtomicU64::new(0);
    let best_model = AtomicU64::new(0);
    let mut g = c.benchmark_group("ring_1p_8B");
    g.measurement_time(Duration::from_secs(3)).sample_size(10);
    g.throughput(Throughput::Elements(N));
    g.bench_function("kernel_ringbuf_bpf_program", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let (d, got) = area.bench_kernel(N).expect("kernel run");
                best_kernel.fetch_max((got as f64 / d.as_secs_f64()) as u64, Ordering::Relaxed);
                total += d;
            }
            total
        })
    });
    g.bench_function("model_lockfree", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let d = model_run(N);
                best_model.fetch_max((N as f64 / d.as_secs_f64()) as u64, Ordering::Relaxed);
                total += d;
            }
            total
        })
    });
    g.finish();
    let (k, m) = (best_kernel.load(Ordering::Relaxed) as f64, best_model.load(Ordering::Relaxed) as f64);
    println!(
        "best rates (M records/s): kernel ring (BPF producer) {:.1}, model lock-free {:.1}; ratio model/kernel {:.2}",
        k / 1e6,
        m / 1e6,
        m / k
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
