//! Stress: 1 to 8 producer threads reserve records of random sizes on one ring, discard some at random,
//! and one consumer checks that it gets exactly the submitted records, each once, each intact, in each
//! producer's order. One million records in all (a tenth of that in a debug build), in both reserve
//! modes; `benches/ringbuf.rs` runs ten million. A ring of 64 bytes, where most reservations take the
//! slow path, runs the same check.
//!
//! A broken ring fails these tests, it never hangs them: every wait is bounded by a deadline, a
//! producer that panics makes the consumer fail at once, and a consumer that fails stops the producers.
#![cfg(not(loom))]

use bpf_model::ringbuf::{ReserveMode, RingBuf};
use bpf_model::KernelProfile;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long a stress run may go without progress (a new record for the consumer, space for a producer)
/// before the ring is declared stuck; on a loaded two-core machine progress comes within milliseconds.
const STUCK: Duration = Duration::from_secs(10);

/// Counts a finished thread when dropped, and raises `abort` if the thread is unwinding from a panic.
struct Finish<'a> {
    done: &'a AtomicUsize,
    abort: &'a AtomicBool,
}

impl Drop for Finish<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.abort.store(true, Ordering::Release);
        }
        self.done.fetch_add(1, Ordering::Release);
    }
}

/// SplitMix64 step, for sizes and discard decisions both sides can recompute.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Record `seq` of producer `id`: its size (5 to `max`) and whether it is discarded.
fn plan(id: u32, seq: u32, max: usize) -> (usize, bool) {
    let r = mix(u64::from(id) << 32 | u64::from(seq));
    (5 + (r % (max as u64 - 4)) as usize, r >> 60 == 0)
}

fn byte(id: u32, seq: u32, i: usize) -> u8 {
    (id as u8).wrapping_mul(31) ^ (seq as u8) ^ (i as u8).wrapping_mul(7)
}

/// Runs `producers` threads of `per` records each on a 64 KiB ring; returns the records the consumer
/// checked.
fn stress(mode: ReserveMode, producers: u32, per: u32) -> u64 {
    let rb = RingBuf::with_mode(&KernelProfile::x86_64_v6_18(), 1 << 16, mode).expect("ring");
    stress_on(&rb, producers, per, 96, None)
}

/// Runs `producers` threads of `per` records of at most `max` bytes each on `rb`. With `fault: Some((id,
/// seq))`, producer `id` panics instead of reserving record `seq`.
fn stress_on(rb: &RingBuf, producers: u32, per: u32, max: usize, fault: Option<(u32, u32)>) -> u64 {
    let plan = |id, seq| plan(id, seq, max);
    let done = AtomicUsize::new(0);
    let abort = AtomicBool::new(false);
    std::thread::scope(|s| {
        for id in 0..producers {
            let (done, abort) = (&done, &abort);
            s.spawn(move || {
                let _finish = Finish { done, abort };
                let mut payload = [0u8; 128];
                let mut deadline = Instant::now() + STUCK;
                for seq in 0..per {
                    assert_ne!(fault, Some((id, seq)), "deliberate failure of producer {id}");
                    let (size, discard) = plan(id, seq);
                    payload[0] = id as u8;
                    payload[1..5].copy_from_slice(&seq.to_le_bytes());
                    for (i, b) in payload.iter_mut().enumerate().take(size).skip(5) {
                        *b = byte(id, seq, i);
                    }
                    let mut sample = loop {
                        if let Some(s) = rb.reserve(size as u64, 0) {
                            break s;
                        }
                        if abort.load(Ordering::Acquire) {
                            return;
                        }
                        assert!(Instant::now() < deadline, "producer {id}: no space for record {seq} in {STUCK:?}");
                        std::thread::yield_now();
                    };
                    deadline = Instant::now() + STUCK;
                    sample.as_mut_slice().copy_from_slice(&payload[..size]);
                    if discard {
                        sample.discard(0);
                    } else {
                        sample.submit(0);
                    }
                }
            });
        }
        // A failing check below unwinds through this guard, which stops the producers.
        let _stop = Finish { done: &done, abort: &abort };
        let mut next = vec![0u32; producers as usize];
        let mut checked = 0u64;
        let mut c = rb.consumer().expect("consumer");
        let mut deadline = Instant::now() + STUCK;
        loop {
            assert!(!abort.load(Ordering::Acquire), "a producer panicked");
            assert!(Instant::now() < deadline, "the consumer got nothing new for {STUCK:?}: the ring is stuck");
            let finished = done.load(Ordering::Acquire) == producers as usize;
            let n = c
                .consume(usize::MAX, |r| {
                    let d = r.data();
                    let id = u32::from(d[0]);
                    let seq = u32::from_le_bytes([d[1], d[2], d[3], d[4]]);
                    assert!(id < producers, "unknown producer {id}");
                    let mut want = next[id as usize];
                    while plan(id, want).1 {
                        want += 1;
                    }
                    assert_eq!(seq, want, "producer {id}: got record {seq}, expected {want}");
                    let (size, discard) = plan(id, seq);
                    assert!(!discard, "discarded record {id}/{seq} was read");
                    assert_eq!(d.len(), size, "record {id}/{seq} size");
                    for (i, b) in d.iter().enumerate().skip(5) {
                        assert_eq!(*b, byte(id, seq, i), "record {id}/{seq} byte {i}");
                    }
                    next[id as usize] = seq + 1;
                    checked += 1;
                    0
                })
                .expect("consume");
            if n > 0 {
                deadline = Instant::now() + STUCK;
            } else {
                if finished && c.avail_data() == 0 {
                    break;
                }
                c.wait(Some(Duration::from_millis(1)));
            }
        }
        for id in 0..producers {
            let mut end = next[id as usize];
            while end < per && plan(id, end).1 {
                end += 1;
            }
            assert_eq!(end, per, "producer {id}: records after {} never arrived", next[id as usize]);
        }
        let submitted: u64 = (0..producers).map(|id| (0..per).filter(|&q| !plan(id, q).1).count() as u64).sum();
        assert_eq!(checked, submitted);
        submitted
    })
}

const TOTAL: u32 = if cfg!(debug_assertions) { 100_000 } else { 1_000_000 };

#[test]
fn lock_free_stress_one_to_eight_producers() {
    let mut records = 0;
    for producers in 1..=8u32 {
        records += u64::from(producers * (TOTAL / 36));
        stress(ReserveMode::LockFree, producers, TOTAL / 36);
    }
    println!("lock-free stress: {records} records reserved by 1..8 producers, all checked");
}

#[test]
fn spinlock_stress_four_producers() {
    stress(ReserveMode::Spinlock, 4, TOTAL / 16);
}

/// A 64-byte ring (pages of 64 bytes) holds two or three records, so producers keep finding it full and
/// take the claim's slow path, which locks the reservation cursor: a cursor that is not really locked
/// there lets another producer claim from a stale position, and this test fails (corrupt or lost records,
/// or a stuck ring).
#[test]
fn lock_free_slow_path_stress_tiny_ring() {
    let p = KernelProfile { page_size: 64, ..KernelProfile::x86_64_v6_18() };
    for producers in [2u32, 4, 8] {
        let rb = RingBuf::new(&p, 64).expect("ring");
        stress_on(&rb, producers, TOTAL / 20, 24, None);
    }
}

/// A producer that panics ends the run with a failure at once, instead of leaving the consumer waiting for
/// its records (and the other producers, on a full ring, waiting for the consumer).
#[test]
fn a_panicking_producer_fails_the_run_fast() {
    let rb = RingBuf::new(&KernelProfile::x86_64_v6_18(), 4096).expect("ring");
    let start = Instant::now();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| stress_on(&rb, 3, 100_000, 96, Some((1, 50)))));
    assert!(r.is_err(), "the run fails");
    assert!(start.elapsed() < Duration::from_secs(30), "and fast: {:?}", start.elapsed());
}
