//! loom: every interleaving of producers and a consumer on a small ring.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p bpf-model --release --test loom_ringbuf`. Each producer
//! reserves 8-byte records and writes into each its own position and identity, then submits or discards
//! it; the consumer reads concurrently, and the main thread drains the rest at the end. Checked: every
//! submitted record is read exactly once, no discarded one is read, records come in reservation order
//! (increasing positions), every record read is intact (it names its own position, so a record read
//! while busy, or overwritten, is caught), and `pending_pos` never passes a record that is still busy
//! (each producer checks it while it holds its reservation). The 64-byte ring (a profile with 64-byte
//! pages) holds three such records, so there every reservation takes the fast path; the 32-byte ring
//! holds one, so there reservations also fail for space and take the slow path (cursor locked,
//! `pending_pos` scanned).
//!
//! Under `--cfg ringbuf_broken` the ring publishes `producer_pos`, and the slow path scans `pending_pos`,
//! without waiting for earlier producers' turns; the same tests must then fail, so they are marked
//! `should_panic` in that build (`scripts/test.sh` runs both builds).
#![cfg(loom)]

use bpf_model::ringbuf::RingBuf;
use bpf_model::KernelProfile;
use loom::sync::Arc;
use loom::thread;

/// The x86-64 profile with pages of `size` bytes, so that a ring of `size` bytes is one page.
fn pages_of(size: u32) -> KernelProfile {
    KernelProfile { page_size: size, ..KernelProfile::x86_64_v6_18() }
}

/// What a producer did: `(position, id, seq, submitted)`.
type Made = Vec<(u64, u8, u8, bool)>;

fn produce(rb: &RingBuf, id: u8, plan: &[bool]) -> Made {
    let mut made = Vec::new();
    for (seq, &submit) in plan.iter().enumerate() {
        if let Some(mut s) = rb.reserve(8, 0) {
            let pos = s.position();
            let mut payload = [0u8; 8];
            payload[..4].copy_from_slice(&(pos as u32).to_le_bytes());
            payload[4] = id;
            payload[5] = seq as u8;
            payload[6] = 0xAB;
            payload[7] = 0xCD;
            s.write(0, &payload);
            // The kernel's pending-position rule: no stored `pending_pos` passes a record still BUSY.
            let pend = rb.pending_pos();
            assert!(pend <= pos, "pending_pos {pend} passed the busy record at {pos}");
            if submit {
                s.submit(0);
            } else {
                s.discard(0);
            }
            made.push((pos, id, seq as u8, submit));
        }
    }
    made
}

/// Reads what is there, checking each record names its own position.
fn drain(rb: &RingBuf, passes: usize, seen: &mut Vec<(u64, u8, u8)>) {
    let mut c = rb.consumer().expect("one consumer");
    for _ in 0..passes {
        c.consume(usize::MAX, |r| {
            let d = r.data();
            assert_eq!(d.len(), 8, "record at {} has size {}", r.position(), d.len());
            let named = u32::from_le_bytes([d[0], d[1], d[2], d[3]]);
            assert_eq!(u64::from(named), r.position(), "record at {} is not the one reserved there", r.position());
            assert_eq!((d[6], d[7]), (0xAB, 0xCD), "record at {} not intact", r.position());
            seen.push((r.position(), d[4], d[5]));
            0
        })
        .expect("consume");
    }
}

fn check(made: Vec<Made>, seen: Vec<(u64, u8, u8)>) {
    for w in seen.windows(2) {
        assert!(w[0].0 < w[1].0, "out of reservation order: {seen:?}");
    }
    let mut expected: Vec<(u64, u8, u8)> =
        made.into_iter().flatten().filter(|m| m.3).map(|(p, id, seq, _)| (p, id, seq)).collect();
    expected.sort();
    let mut got = seen;
    got.sort();
    assert_eq!(got, expected, "exactly the submitted records, once each");
}

fn scenario(plans: &'static [&'static [bool]]) {
    scenario_on(64, plans);
}

/// The scenario on a ring of `size` bytes (pages of `size` bytes).
fn scenario_on(size: u32, plans: &'static [&'static [bool]]) {
    loom::model(move || {
        let rb = Arc::new(RingBuf::new(&pages_of(size), size).expect("ring"));
        let producers: Vec<_> = plans
            .iter()
            .enumerate()
            .map(|(id, plan)| {
                let rb = rb.clone();
                thread::spawn(move || produce(&rb, id as u8, plan))
            })
            .collect();
        let consumer = {
            let rb = rb.clone();
            thread::spawn(move || {
                let mut seen = Vec::new();
                drain(&rb, 1, &mut seen);
                seen
            })
        };
        let made: Vec<Made> = producers.into_iter().map(|h| h.join().unwrap()).collect();
        let mut seen = consumer.join().unwrap();
        drain(&rb, 1, &mut seen);
        check(made, seen);
    });
}

#[test]
#[cfg_attr(ringbuf_broken, should_panic)]
fn loom_two_producers_and_a_consumer() {
    scenario(&[&[true, false], &[true]]);
}

#[test]
#[cfg_attr(ringbuf_broken, should_panic)]
fn loom_three_producers_and_a_consumer() {
    scenario(&[&[true], &[false], &[true]]);
}

/// The slow path: a 32-byte ring holds one 8-byte record at a time, so a second reservation finds no
/// room in the stored positions (`pending_pos` still at the first record) and must lock the cursor, wait
/// for its turn and scan, while the other producer claims and the consumer frees space.
#[test]
#[cfg_attr(ringbuf_broken, should_panic)]
fn loom_slow_path_two_producers_one_record_of_room() {
    scenario_on(32, &[&[true, true], &[false, true]]);
}

/// No lost wakeup: a consumer that sleeps whenever it finds nothing is always woken by the commit of the
/// record it waits for (a lost wakeup is a deadlock, which loom reports).
#[test]
#[cfg(not(ringbuf_broken))]
fn loom_blocking_consumer_is_always_woken() {
    loom::model(|| {
        let rb = Arc::new(RingBuf::new(&pages_of(64), 64).expect("ring"));
        let p = {
            let rb = rb.clone();
            thread::spawn(move || {
                rb.output(&[1, 2, 3, 4, 5, 6, 7, 8], 0).expect("space");
            })
        };
        let mut c = rb.consumer().expect("consumer");
        let mut got = 0;
        while got == 0 {
            got = c.consume(usize::MAX, |_| 0).expect("consume");
            if got == 0 {
                c.wait(None);
            }
        }
        drop(c);
        p.join().unwrap();
    });
}
