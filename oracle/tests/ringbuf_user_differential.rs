//! `BPF_MAP_TYPE_USER_RINGBUF` against the live kernel: user space produces into the mmapped map with
//! libbpf's algorithm or writes headers and `producer_pos` by hand, and `user_ringbuf.bpf.c` drains it with
//! `bpf_user_ringbuf_drain()`. Every step's return value, the samples the callback saw, both positions,
//! the data area and the `EPOLLOUT` wakeup are compared with `bpf_model::ringbuf::UserRingBuf`. Two more
//! cases: the 128 Ki-sample cap of one drain (a 4 MiB ring), and `-EBUSY` for two overlapping drains of
//! one map (`user_ringbuf_busy.bpf.c`, a handshake through .bss, and two threads in the model).

use bpf_model::ringbuf::{
    UserRingBuf, BPF_MAX_USER_RINGBUF_SAMPLES, BPF_RB_FORCE_WAKEUP, BPF_RB_NO_WAKEUP, BPF_RINGBUF_BUSY_BIT,
    BPF_RINGBUF_DISCARD_BIT,
};
use bpf_model::vectors::ringbuf::user::{fill_byte, run_user_seq, user_step_outcome, UserStep, UserStepOutcome};
use bpf_model::KernelProfile;
use bpf_oracle::areas::ringbuf::user::{BusyRig, KernelUserRing, OverlapOutcome};
use bpf_oracle::areas::ringbuf::RingbufArea;
use bpf_oracle::conformance::Area;
use bpf_oracle::rng::Rng;
use bpf_oracle::testing::kernel_available;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const EINVAL: i64 = -22;
const E2BIG: i64 = -7;
const ENOSPC: i64 = -28;

fn profile() -> KernelProfile {
    KernelProfile::detect().profile
}

/// Runs `steps` on a fresh user ring of `size` bytes in the kernel and in the model, asserts they agree,
/// and returns the kernel's outcome.
fn both(area: &mut RingbufArea, p: &KernelProfile, size: u32, steps: &[UserStep]) -> Vec<UserStepOutcome> {
    let kernel = area.run_user_kernel(size, steps).expect("kernel run").expect("user ring created");
    let model = run_user_seq(p, size, steps).expect("model ring");
    assert_eq!(kernel.len(), model.len());
    for (i, (k, m)) in kernel.iter().zip(&model).enumerate() {
        assert_eq!(k, m, "step {i} ({:?}) of {steps:?}", steps[i]);
    }
    kernel
}

fn drain(flags: u64, pattern: u64) -> UserStep {
    UserStep::Drain { flags, pattern, wpat: 0, woff: 0, wlen: 0 }
}

fn reserve(size: u32, commit: u8) -> UserStep {
    UserStep::Reserve { size, seed: size ^ 0x5a, commit }
}

/// 1,500 generated sequences agree, and together they reach every path of the drain and of the producer
/// (counted on the kernel's own outcomes).
#[test]
fn generated_user_ring_sequences_agree_with_kernel() {
    if !kernel_available("generated_user_ring_sequences_agree_with_kernel") {
        return;
    }
    let p = profile();
    let mut area = RingbufArea::open(&p).expect("load the ring buffer programs");
    let mut rng = Rng::new(0x05e7_71b6);
    let n = 1500;
    let (mut drains, mut einval, mut e2big, mut positive, mut empty, mut stopped_early) = (0, 0, 0, 0, 0, 0);
    let (mut enospc, mut r_e2big, mut reserved, mut woke, mut quiet) = (0, 0, 0, 0, 0);
    for _ in 0..n {
        let (size, steps) = area.gen_user(&mut rng);
        let out = both(&mut area, &p, size, &steps);
        for (st, o) in steps.iter().zip(&out) {
            match st {
                UserStep::Reserve { .. } => match o.ret {
                    0 => reserved += 1,
                    ENOSPC => enospc += 1,
                    E2BIG => r_e2big += 1,
                    r => panic!("reserve returned {r}"),
                },
                UserStep::Drain { pattern, .. } => {
                    drains += 1;
                    match o.ret {
                        EINVAL => einval += 1,
                        E2BIG => e2big += 1,
                        0 => empty += 1,
                        r if r > 0 => positive += 1,
                        r => panic!("drain returned {r}"),
                    }
                    if o.ret >= 0 {
                        assert_eq!(o.ret, i64::from(o.calls), "discarded samples are not counted");
                    }
                    if o.calls > 0 && (pattern >> (o.calls - 1)) & 1 == 1 {
                        stopped_early += 1;
                    }
                    match o.woke {
                        Some(true) => woke += 1,
                        _ => quiet += 1,
                    }
                }
                _ => {}
            }
        }
    }
    println!(
        "user ring: {n} sequences; reserve ok={reserved} ENOSPC={enospc} E2BIG={r_e2big}; drains={drains}: \
         >0={positive} 0={empty} EINVAL={einval} E2BIG={e2big}, callback stopped the drain={stopped_early}, \
         woke={woke} quiet={quiet}"
    );
    for (what, c) in [
        ("reserve ok", reserved),
        ("ENOSPC", enospc),
        ("reserve E2BIG", r_e2big),
        ("drain >0", positive),
        ("drain 0", empty),
        ("drain EINVAL", einval),
        ("drain E2BIG", e2big),
        ("callback return 1", stopped_early),
        ("woke", woke),
        ("quiet", quiet),
    ] {
        assert!(c > 0, "no {what}");
    }
}

/// A user ring can be filled to 100 percent (unlike a RINGBUF), and the next reservation gets ENOSPC; the
/// drain hands the sample over whole and wakes `EPOLLOUT` waiters.
#[test]
fn user_ring_fills_completely() {
    if !kernel_available("user_ring_fills_completely") {
        return;
    }
    let p = profile();
    let mut area = RingbufArea::open(&p).expect("load");
    let out = both(&mut area, &p, 4096, &[reserve(4096 - 8, 0), reserve(0, 0), drain(0, 0), reserve(0, 0)]);
    assert_eq!((out[0].ret, out[0].prod), (0, 4096));
    assert_eq!(out[1].ret, ENOSPC);
    assert_eq!(out[2].ret, 1);
    assert_eq!(out[2].seen[0].size, 4088);
    assert_eq!(out[2].seen[0].bytes, (0..16).map(|j| fill_byte(4088 ^ 0x5a, j)).collect::<Vec<_>>());
    assert_eq!(out[2].cons, 4096);
    assert_eq!(out[2].woke, Some(true));
    assert_eq!(out[3].ret, 0);
}

/// The drain callback's dynptr lies over the ring itself: `bpf_dynptr_write()` through it changes the
/// sample's bytes in the ring (what user space sees afterwards), also across the end of the area for a
/// wrapping sample; a write past the sample's end fails with `-E2BIG` and changes nothing.
#[test]
fn drain_callback_writes_through_to_the_ring() {
    if !kernel_available("drain_callback_writes_through_to_the_ring") {
        return;
    }
    let p = profile();
    let mut area = RingbufArea::open(&p).expect("load");
    let write = |woff: u32, wlen: u32| UserStep::Drain { flags: 0, pattern: 0, wpat: u64::MAX, woff, wlen };
    // In bounds: the bytes change in the ring, and the callback reads them back.
    let out = both(&mut area, &p, 4096, &[reserve(40, 0), write(3, 20)]);
    assert_eq!(out[1].seen[0].write_ret, 0);
    let bpf_model::vectors::ByteImage::Full(data) = &out[1].data else { panic!("a live image is whole") };
    let want: Vec<u8> = (0..20).map(bpf_model::vectors::ringbuf::user::wsrc_byte).collect();
    assert_eq!(&data[8 + 3..8 + 23], &want[..], "the write reached the ring");
    // Out of bounds: -E2BIG, nothing written.
    let out = both(&mut area, &p, 4096, &[reserve(16, 0), write(10, 8)]);
    assert_eq!(out[1].seen[0].write_ret, E2BIG);
    // A sample that wraps past the end of the area: the write lands on both sides of the end.
    let out = both(&mut area, &p, 4096, &[reserve(4000, 0), drain(0, 0), reserve(200, 0), write(70, 31)]);
    assert_eq!(out[3].seen[0].write_ret, 0);
}

/// The drain's return value: the samples looked at minus the discarded ones, including the one on which
/// the callback returned 1 (whose space is consumed too); a BUSY record stops the drain without error.
#[test]
fn drain_counts_and_stops_like_the_kernel() {
    if !kernel_available("drain_counts_and_stops_like_the_kernel") {
        return;
    }
    let p = profile();
    let mut area = RingbufArea::open(&p).expect("load");
    let steps = [
        reserve(5, 0),
        reserve(9, 1),
        reserve(3, 0),
        reserve(20, 0),
        drain(0, 0b10),
        reserve(1, 2),
        reserve(2, 0),
        drain(BPF_RB_NO_WAKEUP, 0),
        drain(BPF_RB_FORCE_WAKEUP, 0),
        drain(4, 0),
    ];
    let out = both(&mut area, &p, 4096, &steps);
    // 5, (9 discarded), 3 -> callback returned 1 at the second call: 2 = 3 looked at - 1 discarded.
    assert_eq!((out[4].ret, out[4].calls), (2, 2));
    assert_eq!(out[4].cons, 16 + 24 + 16);
    assert_eq!(out[4].woke, Some(true));
    // Then the 20-byte one; the BUSY record stops the drain; NO_WAKEUP: no wakeup.
    assert_eq!((out[7].ret, out[7].calls), (1, 1));
    assert_eq!(out[7].woke, Some(false));
    // Nothing to drain, but FORCE_WAKEUP wakes anyway.
    assert_eq!((out[8].ret, out[8].woke), (0, Some(true)));
    // Unknown flag bit.
    assert_eq!((out[9].ret, out[9].woke), (EINVAL, Some(false)));
}

/// Bad headers written by hand: a footprint past `producer_pos` is -EINVAL, one larger than the ring
/// -E2BIG, an unaligned `producer_pos` -EINVAL, a `producer_pos` behind `consumer_pos` looks empty; the
/// samples drained before the error stay drained.
#[test]
fn bad_headers_reach_the_drain_errors() {
    if !kernel_available("bad_headers_reach_the_drain_errors") {
        return;
    }
    let p = profile();
    let mut area = RingbufArea::open(&p).expect("load");
    let raw = |len: u32, advance: u64| UserStep::RawHeader { len, advance };
    let out = both(&mut area, &p, 4096, &[reserve(4, 0), raw(100, 64), drain(0, 0)]);
    assert_eq!((out[2].ret, out[2].calls, out[2].cons), (EINVAL, 1, 16));
    let out = both(&mut area, &p, 4096, &[raw(4096, 4104), drain(0, 0)]);
    assert_eq!((out[1].ret, out[1].cons), (E2BIG, 0));
    let out = both(&mut area, &p, 4096, &[raw(8, 17), drain(0, 0)]);
    assert_eq!(out[1].ret, EINVAL);
    let out = both(&mut area, &p, 4096, &[raw(8 | BPF_RINGBUF_DISCARD_BIT, 16), raw(0, 8), drain(0, 0)]);
    assert_eq!((out[2].ret, out[2].calls, out[2].cons), (1, 1, 24), "the discard is skipped and not counted");
    let out = both(&mut area, &p, 4096, &[raw(8 | BPF_RINGBUF_BUSY_BIT, 16), drain(0, 0)]);
    assert_eq!((out[1].ret, out[1].cons), (0, 0), "a BUSY header stops the drain");
    let out = both(&mut area, &p, 4096, &[reserve(0, 0), drain(0, 0), UserStep::SetProducerPos(0), drain(0, 0)]);
    assert_eq!((out[3].ret, out[3].cons), (0, 8), "producer_pos behind consumer_pos: nothing to drain");
}

/// The `DYNPTR_MAX_SIZE` check (sample size above 2^24 - 1: -E2BIG) is reachable only in a ring larger
/// than 16 MiB; a 32 MiB user ring reaches it, and a sample of exactly 2^24 - 1 bytes is handed over.
#[test]
fn dynptr_size_limit_in_a_big_user_ring() {
    if !kernel_available("dynptr_size_limit_in_a_big_user_ring") {
        return;
    }
    let p = profile();
    let mut area = RingbufArea::open(&p).expect("load");
    let big = 1u32 << 25;
    let fp = |len: u64| (len + 15) & !7;
    let raw = |len: u32| UserStep::RawHeader { len, advance: fp(u64::from(len)) };
    let out = both(&mut area, &p, big, &[raw((1 << 24) - 1), drain(0, 0), raw(1 << 24), drain(0, 0)]);
    assert_eq!((out[1].ret, out[1].seen[0].size), (1, (1 << 24) - 1));
    assert_eq!((out[3].ret, out[3].calls), (E2BIG, 0));
}

/// A drain that found only a discarded sample returns 0 but still wakes `EPOLLOUT` waiters: the wakeup
/// counts the samples looked at, discarded ones included.
#[test]
fn discarded_only_drain_returns_zero_and_wakes() {
    if !kernel_available("discarded_only_drain_returns_zero_and_wakes") {
        return;
    }
    let p = profile();
    let mut area = RingbufArea::open(&p).expect("load");
    let out = both(&mut area, &p, 4096, &[reserve(3, 1), drain(0, 0), drain(0, 0)]);
    assert_eq!((out[1].ret, out[1].calls, out[1].cons, out[1].woke), (0, 0, 16, Some(true)));
    assert_eq!((out[2].ret, out[2].woke), (0, Some(false)), "nothing looked at: no wakeup");
}

/// Runs a drain step on both sides and asserts they agree; returns the kernel's outcome.
fn drain_both(
    area: &mut RingbufArea,
    ring: &KernelUserRing,
    ur: &mut UserRingBuf,
    step: &UserStep,
    what: &str,
) -> UserStepOutcome {
    let k = area.run_user_step(ring, step).expect("kernel drain");
    let m = user_step_outcome(ur, step);
    assert_eq!(k, m, "{what}: kernel (left) and model (right) disagree");
    k
}

/// `BPF_MAX_USER_RINGBUF_SAMPLES`: one drain looks at no more than 131072 records, though more are
/// committed, and the discarded records it skips count towards that cap (the kernel's loop counts every
/// record it looked at; a discard is subtracted from the return value only). A 4 MiB user ring holds
/// 131072 + 1000 samples of 8 bytes (16-byte footprints), every 997th one discarded; the first drain stops
/// after exactly 131072 records (consumer_pos = 131072 * 16) and returns 131072 minus the discards among
/// them, the second drain takes the rest. If discards did not count, the first drain would have consumed
/// 131072 + 133 records. The 131072nd record itself is a discard, and so is the 131073rd (the first one left
/// to the second drain).
#[test]
fn one_drain_stops_at_128ki_samples_discards_included() {
    if !kernel_available("one_drain_stops_at_128ki_samples_discards_included") {
        return;
    }
    let p = profile();
    let mut area = RingbufArea::open(&p).expect("load");
    let size = 4u32 << 20;
    let cap = BPF_MAX_USER_RINGBUF_SAMPLES;
    assert_eq!(cap, 131_072);
    let n = cap + 1000;
    // Every 997th, and the last record the first drain looks at and the first one it leaves.
    let discarded = |i: u64| i % 997 == 3 || i == cap - 1 || i == cap;
    let ring = area.fresh_user_ring(size).expect("a 4 MiB user ring");
    let mut ur = UserRingBuf::new(&p, size).expect("model ring");
    for i in 0..n {
        let commit = u8::from(discarded(i));
        let seed = i as u32;
        assert_eq!(ring.reserve(8, seed, commit), 0, "kernel reserve {i}");
        let mut s = ur.reserve(8).expect("model reserve");
        s.write(0, &(0..8).map(|j| fill_byte(seed, j)).collect::<Vec<_>>());
        if commit == 1 {
            s.discard();
        } else {
            s.submit();
        }
    }
    assert_eq!(ring.positions(), (0, n * 16));
    let first = drain_both(&mut area, &ring, &mut ur, &drain(0, 0), "first drain");
    let d_first = (0..cap).filter(|&i| discarded(i)).count() as i64;
    let d_rest = (cap..n).filter(|&i| discarded(i)).count() as i64;
    assert_eq!((d_first, d_rest), (133, 2));
    assert_eq!(first.ret, cap as i64 - d_first, "the first drain returns the cap minus the discards it skipped");
    assert_eq!(i64::from(first.calls), first.ret);
    assert_eq!(first.cons, cap * 16, "the first drain stops after exactly 131072 records");
    assert_eq!(first.woke, Some(true));
    let second = drain_both(&mut area, &ring, &mut ur, &drain(0, 0), "second drain");
    assert_eq!(second.ret, (n - cap) as i64 - d_rest);
    assert_eq!(second.cons, n * 16);
    let third = drain_both(&mut area, &ring, &mut ur, &drain(0, 0), "third drain");
    assert_eq!((third.ret, third.cons), (0, n * 16));
    println!(
        "128 Ki cap: first drain {} (cons {}), second {} (cons {}), third {}",
        first.ret, first.cons, second.ret, second.cons, third.ret
    );
}

const EBUSY: i64 = -16;

/// Fills a user ring with the samples of the overlap scenario: three submitted, one discarded.
fn overlap_samples() -> [(u32, u8); 4] {
    [(5, 0), (9, 1), (3, 0), (20, 0)]
}

/// The model's side of [`BusyRig::run_overlap`]: the first drain runs on a scoped thread, its callback
/// blocks on its first sample until released; this thread runs the second drain meanwhile.
fn model_overlap(p: &KernelProfile, other_flags: u64, timeout: Duration) -> (OverlapOutcome, UserRingBuf) {
    let mut ur = UserRingBuf::new(p, 4096).expect("model ring");
    for (size, commit) in overlap_samples() {
        let s = ur.reserve(size).expect("model reserve");
        if commit == 1 {
            s.discard();
        } else {
            s.submit();
        }
    }
    let entered = AtomicBool::new(false);
    let release = AtomicBool::new(false);
    let out = std::thread::scope(|scope| {
        let ur = &ur;
        let (entered, release) = (&entered, &release);
        let first = scope.spawn(move || {
            let before = ur.wakeups();
            let mut calls = 0u32;
            let mut timed_out = false;
            let ret = ur.drain(0, |_| {
                calls += 1;
                if calls == 1 {
                    entered.store(true, Ordering::Release);
                    let start = Instant::now();
                    while !release.load(Ordering::Acquire) {
                        if start.elapsed() > timeout {
                            timed_out = true;
                            break;
                        }
                        std::thread::sleep(Duration::from_micros(100));
                    }
                }
                0
            });
            (ret, calls, ur.wakeups() != before && ur.writable(), timed_out)
        });
        let start = Instant::now();
        while !entered.load(Ordering::Acquire) {
            if start.elapsed() > timeout {
                release.store(true, Ordering::Release);
                panic!("model: the first drain's callback did not start within {timeout:?}");
            }
            std::thread::sleep(Duration::from_micros(100));
        }
        let cons_while_held = ur.consumer_pos();
        let before = ur.wakeups();
        let mut other_calls = 0u32;
        let other_ret = ur.drain(other_flags, |_| {
            other_calls += 1;
            0
        });
        let other_woke = ur.wakeups() != before && ur.writable();
        let cons_after_other = ur.consumer_pos();
        release.store(true, Ordering::Release);
        let (hold_ret, hold_calls, hold_woke, timed_out) = first.join().expect("model: the first drain panicked");
        assert!(!timed_out, "model: the first drain's callback gave up waiting after {timeout:?}");
        OverlapOutcome {
            cons_while_held,
            other_ret,
            other_calls,
            other_woke,
            cons_after_other,
            hold_ret,
            hold_calls,
            cons_after_hold: ur.consumer_pos(),
            hold_woke,
        }
    });
    (out, ur)
}

/// `-EBUSY`: a drain of a user ring that another drain is running on. The first drain's callback holds
/// its first sample (set a flag, wait for user space to release it) while a second drain of the same map
/// runs on the other CPU: the second returns -EBUSY at once, runs no callback, moves nothing and wakes no
/// one even with FORCE_WAKEUP (it returns before the wakeup); `consumer_pos` stays 0 while the first
/// sample is held. Released, the first drain goes on: 4 records looked at, 1 discarded, 3 returned, all
/// consumed. Then the map is free again: a later drain works. An unknown flag in the second drain gets
/// -EINVAL instead: the flags are checked before the busy flag. Same in the model, with two threads.
#[test]
fn overlapping_drains_get_ebusy() {
    if !kernel_available("overlapping_drains_get_ebusy") {
        return;
    }
    let p = profile();
    let timeout = Duration::from_secs(10);
    let flags = [BPF_RB_FORCE_WAKEUP, 0, BPF_RB_NO_WAKEUP, 4];
    for other_flags in flags {
        let mut rig = BusyRig::open(&p).expect("load user_ringbuf_busy.bpf.c");
        for (size, commit) in overlap_samples() {
            assert_eq!(rig.ring().reserve(size, size, commit), 0);
        }
        let k = rig.run_overlap(other_flags, timeout).expect("kernel overlap");
        let (m, mut ur) = model_overlap(&p, other_flags, timeout);
        assert_eq!(k, m, "other_flags {other_flags}: kernel (left) and model (right) disagree");
        let expect = OverlapOutcome {
            cons_while_held: 0,
            other_ret: if other_flags == 4 { EINVAL } else { EBUSY },
            other_calls: 0,
            other_woke: false,
            cons_after_other: 0,
            hold_ret: 3,
            hold_calls: 3,
            cons_after_hold: 16 + 24 + 16 + 32,
            hold_woke: true,
        };
        assert_eq!(k, expect, "other_flags {other_flags}");
        // The busy flag was cleared: a later drain of the same map works.
        assert_eq!(rig.ring().reserve(7, 7, 0), 0);
        ur.reserve(7).expect("model reserve").submit();
        let kn = rig.drain_other(0).expect("kernel drain");
        assert_eq!(kn, (1, 1));
        assert_eq!(ur.drain(0, |_| 0), kn.0);
        assert_eq!(rig.ring().positions().0, ur.consumer_pos());
    }
    println!("EBUSY: {} overlapping drain pairs agree", flags.len());
}
