//! `BPF_MAP_TYPE_USER_RINGBUF` against the live kernel: user space produces into the mmapped map with
//! libbpf's algorithm or writes headers and `producer_pos` by hand, and `user_ringbuf.bpf.c` drains it with
//! `bpf_user_ringbuf_drain()`. Every step's return value, the samples the callback saw, both positions,
//! the data area and the `EPOLLOUT` wakeup are compared with `bpf_model::ringbuf::UserRingBuf`.

use bpf_model::ringbuf::{BPF_RB_FORCE_WAKEUP, BPF_RB_NO_WAKEUP, BPF_RINGBUF_BUSY_BIT, BPF_RINGBUF_DISCARD_BIT};
use bpf_model::vectors::ringbuf::user::{fill_byte, run_user_seq, UserStep, UserStepOutcome};
use bpf_model::KernelProfile;
use bpf_oracle::areas::ringbuf::RingbufArea;
use bpf_oracle::conformance::Area;
use bpf_oracle::rng::Rng;
use bpf_oracle::testing::kernel_available;

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
    UserStep::Drain { flags, pattern }
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
