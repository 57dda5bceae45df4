//! Records per second for reserve + submit of 8-byte records, one consumer draining in batches, with 1 and
//! 2 producers: the lock-free ring against `crossbeam::queue::ArrayQueue` carrying the same payloads and
//! against the same ring reserving under a spinlock (the kernel's algorithm). Between the ratios and
//! criterion's timings, a ten-million-record stress run (1 to 8 producers, random sizes and discards)
//! checks that nothing is lost. The kernel's own ring is measured by `oracle/benches/ringbuf_kernel.rs`.
//!
//! `cargo bench --bench ringbuf`. The ratios come first, from rounds that run every peer back to back
//! ([`rotation`]); criterion's per-peer timings follow.

use bpf_model::ringbuf::{ReserveMode, RingBuf};
use bpf_model::KernelProfile;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use crossbeam::queue::ArrayQueue;
use std::time::{Duration, Instant};

const RING: u32 = 1 << 20;

/// `producers` threads each reserve + submit `per` 8-byte records; the calling thread drains.
fn ring_run(rb: &RingBuf, producers: u64, per: u64) -> Duration {
    let t0 = Instant::now();
    std::thread::scope(|s| {
        for p in 0..producers {
            s.spawn(move || {
                for i in 0..per {
                    let v = (p << 56 | i).to_ne_bytes();
                    loop {
                        if let Some(mut r) = rb.reserve(8, 0) {
                            r.as_mut_slice().copy_from_slice(&v);
                            r.submit(0);
                            break;
                        }
                        std::hint::spin_loop();
                    }
                }
            });
        }
        let mut c = rb.consumer().expect("consumer");
        let mut got = 0u64;
        let mut sum = 0u64;
        while got < producers * per {
            let n = c.consume_batch(4096, |r| {
                sum = sum.wrapping_add(r.data()[0] as u64);
            }) as u64;
            got += n;
            if n == 0 {
                idle();
            }
        }
        std::hint::black_box(sum);
    });
    t0.elapsed()
}

fn queue_run(q: &ArrayQueue<u64>, producers: u64, per: u64) -> Duration {
    let t0 = Instant::now();
    std::thread::scope(|s| {
        for p in 0..producers {
            s.spawn(move || {
                for i in 0..per {
                    let mut v = p << 56 | i;
                    while let Err(back) = q.push(v) {
                        v = back;
                        std::hint::spin_loop();
                    }
                }
            });
        }
        let mut got = 0u64;
        let mut sum = 0u64;
        while got < producers * per {
            let mut n = 0;
            while n < 4096 {
                match q.pop() {
                    Some(v) => {
                        sum = sum.wrapping_add(v);
                        n += 1;
                    }
                    None => break,
                }
            }
            got += n;
            if n == 0 {
                idle();
            }
        }
        std::hint::black_box(sum);
    });
    t0.elapsed()
}

/// What both consumers do after a drain that found nothing: pause for a moment instead of polling the
/// producers' cache lines again at once. A consumer that re-reads `producer_pos` (or the queue's tail) and
/// the next header in a tight loop takes those lines away from the producer after every record, so each
/// record then costs cross-core cache-line transfers instead of a few instructions; real consumers sleep
/// (epoll) and drain in batches. Then it yields its CPU: with more threads than CPUs, a producer that was
/// preempted in the middle of a record (after its claim, before its publication, or holding the spinlock)
/// gets to run again at once instead of at the next scheduler tick. Every peer gets the same pause.
#[inline]
fn idle() {
    for _ in 0..IDLE_SPINS {
        std::hint::spin_loop();
    }
    std::thread::yield_now();
}

/// Length of [`idle`]'s pause, in `spin_loop` hints.
const IDLE_SPINS: u32 = 256;

/// The peers, in the order a round measures them.
#[derive(Clone, Copy)]
enum Peer {
    LockFree,
    Spinlock,
    ArrayQueue,
}

/// Records per producer in one measured run.
const PER: u64 = 1 << 20;

/// One run of `peer` with `producers` producers of `PER` records each (a fresh ring or queue).
fn run_once(peer: Peer, producers: u64) -> Duration {
    let p = KernelProfile::x86_64_v6_18();
    match peer {
        Peer::LockFree => ring_run(&RingBuf::with_mode(&p, RING, ReserveMode::LockFree).unwrap(), producers, PER),
        Peer::Spinlock => ring_run(&RingBuf::with_mode(&p, RING, ReserveMode::Spinlock).unwrap(), producers, PER),
        Peer::ArrayQueue => queue_run(&ArrayQueue::new(RING as usize / 16), producers, PER),
    }
}

/// Records per second of one run.
fn measure(peer: Peer, producers: u64) -> f64 {
    (producers * PER) as f64 / run_once(peer, producers).as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The ratios, measured so that a slow phase of this shared machine (they last seconds, and move a rate by
/// half) cannot favour one peer: `ROUNDS` rounds, each running every peer once, back to back; the result is
/// the median of each peer's rates and the median of the per-round ratios. (Criterion's groups below run
/// each peer for seconds on end, so their means are not comparable between peers here.)
fn rotation() {
    const ROUNDS: usize = 15;
    for producers in [1u64, 2] {
        let mut rates: [Vec<f64>; 3] = Default::default();
        let (mut vs_spin, mut vs_queue) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            let r = [Peer::LockFree, Peer::Spinlock, Peer::ArrayQueue].map(|peer| measure(peer, producers));
            vs_spin.push(r[0] / r[1]);
            vs_queue.push(r[0] / r[2]);
            for (all, one) in rates.iter_mut().zip(r) {
                all.push(one / 1e6);
            }
        }
        let [lf, sl, aq] = rates.map(median);
        println!(
            "{producers} producer(s), median of {ROUNDS} rounds (M records/s): lock-free {lf:.1}, spinlock {sl:.1}, \
             ArrayQueue {aq:.1}; median ratios lock-free/spinlock {:.2}, lock-free/ArrayQueue {:.2}",
            median(vs_spin),
            median(vs_queue)
        );
    }
}

fn bench(c: &mut Criterion) {
    // The ratios first, in a fresh process: after the stress run's allocations and threads, the same
    // rounds measured the two-producer ratio at a quarter of its value.
    rotation();
    stress_ten_million();
    let mut g = c.benchmark_group("reserve_submit_8B");
    g.measurement_time(Duration::from_secs(3)).sample_size(10);
    for producers in [1u64, 2] {
        g.throughput(Throughput::Elements(producers * PER));
        for (name, peer) in
            [("lockfree", Peer::LockFree), ("spinlock", Peer::Spinlock), ("crossbeam_array_queue", Peer::ArrayQueue)]
        {
            g.bench_function(format!("{name}_{producers}p"), |b| {
                b.iter_custom(|iters| (0..iters).map(|_| run_once(peer, producers)).sum())
            });
        }
    }
    g.finish();
}

/// Ten million records from 1..8 producers with random sizes and discards; checks exactly-once, in
/// order per producer, intact.
/// `RINGBUF_STRESS_RECORDS` overrides the count (0 skips the stress run).
fn stress_ten_million() {
    let records: u64 = std::env::var("RINGBUF_STRESS_RECORDS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000_000);
    if records == 0 {
        return;
    }
    let rb = RingBuf::new(&KernelProfile::x86_64_v6_18(), 1 << 16).unwrap();
    let t0 = Instant::now();
    let mut total = 0u64;
    for producers in 1..=8u64 {
        let per = records / 36;
        total += stress_once(&rb, producers, per);
    }
    println!(
        "stress: {total} records submitted by 1..8 producers ({records} reserved), all read once, intact, in order, in {:?}",
        t0.elapsed()
    );
}

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z ^ (z >> 31)
}

fn stress_once(rb: &RingBuf, producers: u64, per: u64) -> u64 {
    std::thread::scope(|s| {
        for id in 0..producers {
            s.spawn(move || {
                for seq in 0..per {
                    let r = mix(id << 40 | seq);
                    let size = 16 + (r % 48) as usize;
                    let mut sample = loop {
                        if let Some(s) = rb.reserve(size as u64, 0) {
                            break s;
                        }
                        std::thread::yield_now();
                    };
                    let buf = sample.as_mut_slice();
                    buf[..8].copy_from_slice(&id.to_le_bytes());
                    buf[8..16].copy_from_slice(&seq.to_le_bytes());
                    for (i, b) in buf.iter_mut().enumerate().skip(16) {
                        *b = (seq as u8) ^ (i as u8);
                    }
                    if r >> 61 == 0 {
                        sample.discard(0);
                    } else {
                        sample.submit(0);
                    }
                }
            });
        }
        let mut next = vec![0u64; producers as usize];
        let expected: u64 =
            (0..producers).map(|id| (0..per).filter(|&q| mix(id << 40 | q) >> 61 != 0).count() as u64).sum();
        let mut got = 0u64;
        let mut c = rb.consumer().unwrap();
        while got < expected {
            let before = got;
            got += c
                .consume(usize::MAX, |r| {
                    let d = r.data();
                    let id = u64::from_le_bytes(d[..8].try_into().unwrap());
                    let seq = u64::from_le_bytes(d[8..16].try_into().unwrap());
                    let mut want = next[id as usize];
                    while mix(id << 40 | want) >> 61 == 0 {
                        want += 1;
                    }
                    assert_eq!(seq, want, "producer {id} order");
                    assert_eq!(d.len(), 16 + (mix(id << 40 | seq) % 48) as usize);
                    assert!(d.iter().enumerate().skip(16).all(|(i, b)| *b == (seq as u8) ^ (i as u8)), "intact");
                    next[id as usize] = seq + 1;
                    0
                })
                .unwrap() as u64;
            if got == before {
                c.wait(Some(std::time::Duration::from_millis(1)));
            }
        }
        expected
    })
}

criterion_group!(benches, bench);
criterion_main!(benches);
