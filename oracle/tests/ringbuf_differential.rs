//! The ring buffer against the live kernel: generated sequences (the conformance generator), the
//! pending-position rule reached by moving `consumer_pos` by hand, what the generated runs cover, and the
//! model's consumer reading a real kernel ring, blocking on epoll until a program's commit wakes it.

use bpf_model::ringbuf::{Consumer, RingBuf, BPF_RB_FORCE_WAKEUP};
use bpf_model::vectors::ringbuf::{Batch, Op, RingbufCase, RingbufOutcome, Slot, Step};
use bpf_model::vectors::Case;
use bpf_model::KernelProfile;
use bpf_oracle::areas::ringbuf::RingbufArea;
use bpf_oracle::conformance::Area;
use bpf_oracle::rng::Rng;
use bpf_oracle::testing::{differential, kernel_available};
use std::time::{Duration, Instant};

fn profile() -> KernelProfile {
    KernelProfile::detect().profile
}

#[test]
fn generated_sequences_agree_with_kernel() {
    if !kernel_available("generated_sequences_agree_with_kernel") {
        return;
    }
    let n = differential::<RingbufArea>(2000, 0x5eed_4b1d);
    assert_eq!(n, 2000);
}

/// The selftest `ringbuf_write` scenario: `consumer_pos` moved 3/4 of the ring ahead by hand, a reservation
/// of 3/4 of the ring succeeds and stays busy, and the next one fails because of `pending_pos` although
/// the consumer check alone would let it through.
#[test]
fn pending_position_rule_matches_kernel() {
    if !kernel_available("pending_position_rule_matches_kernel") {
        return;
    }
    let p = profile();
    let mut area = RingbufArea::open(&p).expect("load ringbuf.bpf.c");
    let size = 16384u32;
    let batch = Batch {
        slots: [Slot(size * 3 / 4 - 8, 0, 1, false, 0), Slot(size / 2 - 8, 0, 2, false, 0), Slot(8, 0, 3, true, 0)],
        ..Default::default()
    };
    let case = RingbufCase::Seq {
        size,
        steps: vec![
            Step::SetConsumerPos(u64::from(size) * 3 / 4),
            Step::Run(batch),
            Step::Consume { max: u32::MAX, fail_at: None },
        ],
    };
    let kernel = area.run_kernel(&case).expect("kernel run");
    let model = case.run_model(&p);
    assert_eq!(kernel, model);
    let RingbufOutcome::Seq(steps) = kernel else { panic!("ring not created") };
    let run = &steps[1].rets;
    assert_eq!(run[4], 0, "the first reservation succeeds");
    assert_eq!(run[7], -22, "the second fails on pending_pos (-EINVAL from reserve_dynptr)");
    assert_eq!(run[10], 0, "a small third one still fits behind the busy first record");
    // With the consumer check alone, the second reservation would have fitted:
    let new_prod = u64::from(size) * 3 / 4 + u64::from(size) / 2;
    assert!(new_prod - u64::from(size) * 3 / 4 < u64::from(size));
}

/// What the generated sequences reach in the kernel, counted on the kernel's own outcomes.
#[test]
fn generated_sequences_cover_the_rules() {
    if !kernel_available("generated_sequences_cover_the_rules") {
        return;
    }
    let p = profile();
    let mut area = RingbufArea::open(&p).expect("load ringbuf.bpf.c");
    let mut rng = Rng::new(7);
    let (mut woke, mut quiet, mut einval, mut eagain, mut e2big, mut wrapped, mut consumed) = (0, 0, 0, 0, 0, 0, 0);
    for _ in 0..600 {
        let case = area.generate(&mut rng);
        let RingbufCase::Seq { size, .. } = &case else { continue };
        let size = u64::from(*size);
        let kernel = area.run_kernel(&case).expect("kernel run");
        assert_eq!(kernel, case.run_model(&p), "case {case:?}");
        let RingbufOutcome::Seq(steps) = kernel else { continue };
        for s in &steps {
            match s.woke {
                Some(true) => woke += 1,
                Some(false) => quiet += 1,
                None => {}
            }
            einval += s.rets.iter().filter(|&&r| r == -22).count();
            eagain += s.rets.iter().filter(|&&r| r == -11).count();
            e2big += s.rets.iter().filter(|&&r| r == -7).count();
            if s.woke.is_none() && !s.rets.is_empty() {
                let ByteImageWords(w) = words(&s.detail);
                for rec in w.chunks(3) {
                    consumed += 1;
                    if (rec[0] & (size - 1)) + 8 + rec[1] > size {
                        wrapped += 1;
                    }
                }
            }
        }
    }
    println!(
        "coverage: runs woke={woke} quiet={quiet}; returns EINVAL={einval} EAGAIN={eagain} E2BIG={e2big}; \
         records consumed from kernel rings={consumed}, of which wrapped={wrapped}"
    );
    for (what, n) in [("woke", woke), ("quiet", quiet), ("EINVAL", einval), ("EAGAIN", eagain), ("E2BIG", e2big)] {
        assert!(n > 0, "no {what}");
    }
    assert!(consumed > 100 && wrapped > 0, "consumed {consumed}, wrapped {wrapped}");
}

struct ByteImageWords(Vec<u64>);

fn words(img: &bpf_model::vectors::ByteImage) -> ByteImageWords {
    match img {
        bpf_model::vectors::ByteImage::Full(b) => {
            ByteImageWords(b.chunks(8).map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).collect())
        }
        _ => ByteImageWords(vec![]),
    }
}

/// The model's consumer on a real kernel ring: it blocks in epoll until a BPF program's output wakes it
/// (adaptive rule: the consumer has caught up, so the commit wakes it), then reads the record zero-copy.
#[test]
fn consumer_blocks_on_kernel_ring_until_a_commit_wakes_it() {
    if !kernel_available("consumer_blocks_on_kernel_ring_until_a_commit_wakes_it") {
        return;
    }
    let p = profile();
    let mut area = RingbufArea::open(&p).expect("load ringbuf.bpf.c");
    let ring = area.fresh_ring(4096).expect("ring");
    // Slots with flags 1: reserve_dynptr fails with EINVAL and leaves the ring alone.
    let unused = [Slot(0, 1, 0, false, 0); 3];
    let batch = Batch { pre: vec![Op(1, 24, 0, 0, 5, false)], slots: unused, ..Default::default() };
    let model = RingBuf::new(&p, 4096).unwrap();
    let (_, _, model_wakes) = bpf_model::vectors::ringbuf::run_batch(&model, &batch);
    assert!(model_wakes, "the model says this commit wakes the waiting consumer");
    let waiter_ring = ring.remap().expect("second mapping");
    std::thread::scope(|s| {
        let waiter = s.spawn(|| {
            let mut c = Consumer::new(&waiter_ring);
            let t0 = Instant::now();
            let woke = c.wait(Some(Duration::from_secs(10)));
            let mut got = Vec::new();
            c.consume(usize::MAX, |r| {
                got.push(r.data().to_vec());
                0
            })
            .unwrap();
            (woke, t0.elapsed(), got)
        });
        std::thread::sleep(Duration::from_millis(200));
        area.run_step(&ring, &Step::Run(batch.clone())).expect("run");
        let (woke, waited, got) = waiter.join().unwrap();
        assert!(woke, "epoll reported the wakeup");
        assert!(waited >= Duration::from_millis(150), "it did block ({waited:?})");
        assert_eq!(got.len(), 1);
        let expected: Vec<u8> = (5..5 + 24).map(bpf_model::vectors::ringbuf::src_byte).collect();
        assert_eq!(got[0], expected);
    });
    // NO_WAKEUP: a commit at the consumer's position does not wake it; FORCE_WAKEUP wakes it although it
    // is behind (the second record is not at consumer_pos).
    let ring = area.fresh_ring(4096).expect("ring");
    let quiet = Batch { pre: vec![Op(1, 8, 1, 0, 0, false)], slots: unused, ..Default::default() };
    let o = area.run_step(&ring, &Step::Run(quiet)).expect("run");
    assert_eq!(o.woke, Some(false), "NO_WAKEUP: no epoll event");
    let forced = Batch { pre: vec![Op(1, 8, BPF_RB_FORCE_WAKEUP, 0, 0, false)], slots: unused, ..Default::default() };
    let o = area.run_step(&ring, &Step::Run(forced)).expect("run");
    assert_eq!(o.woke, Some(true), "FORCE_WAKEUP wakes although the consumer is behind");
}
