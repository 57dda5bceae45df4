//! Ring buffer cases: map creation, and sequences of program runs and consumer steps on one fresh ring.
//!
//! The kernel side is `oracle/bpf/ringbuf.bpf.c`: a SYSCALL program run with `BPF_PROG_TEST_RUN` performs one
//! [`Batch`] on a fresh `BPF_MAP_TYPE_RINGBUF` (an inner map of an array-of-maps, swapped for every
//! sequence). The verifier forbids holding a reservation across program runs, so a batch has a fixed shape
//! that keeps up to three reservations open at once within one run: some operations, three
//! `bpf_ringbuf_reserve_dynptr` calls each followed by operations, then the three releases (submit or
//! discard) in one of the six orders, each followed by operations. After every step of a run the program
//! records the step's return value and `bpf_ringbuf_query`'s producer position, consumer position and
//! available data. Between runs, user space consumes through the mmapped map with
//! [`Consumer`](crate::ringbuf::Consumer) (the same code reads the model ring) or writes `consumer_pos` by
//! hand. After every step of a sequence both sides' positions, `pending_pos` and the whole data area
//! (headers included) are compared, and after every run whether epoll (edge-triggered) saw a wakeup.
//!
//! [`RingbufCase::User`] sequences run on a `BPF_MAP_TYPE_USER_RINGBUF` instead: user space produces and a
//! program drains ([`user`]).

pub mod user;

use super::{fnv64, ByteImage, Case};
use crate::ringbuf::{
    check_create, RingBuf, RingType, BPF_F_RB_OVERWRITE, BPF_RB_AVAIL_DATA, BPF_RB_CONS_POS, BPF_RB_PROD_POS,
};
use crate::{Errno, KernelProfile};
use serde::{Deserialize, Serialize};

/// Size of the program's source buffer for outputs and dynptr writes (plus 64 bytes of offsets).
pub const SRC_CAP: usize = 8192;
/// Operations before the reservations.
pub const NPRE: usize = 4;
/// Operations after each reservation and after each release.
pub const NAFTER: usize = 2;
/// Steps one run records.
pub const NSTEPS: usize = NPRE + 3 * (1 + NAFTER) * 2;
/// The constant sizes the `bpf_ringbuf_reserve` operation chooses from (the helper wants a constant).
pub const RESERVE_SIZES: [u64; 12] = [0, 1, 7, 8, 13, 64, 1000, 4072, 4080, 4088, 8176, 8184];
/// The release orders of the three reservations, by `Batch::order`.
pub const ORDERS: [[usize; 3]; 6] = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];

/// Byte `i` of the program's source buffer.
pub fn src_byte(i: usize) -> u8 {
    (i as u8).wrapping_mul(7).wrapping_add((i >> 8) as u8) ^ 0x5a
}

/// One operation, `(kind, size, flags, commit flags, seed, discard)`: kind 0 does nothing, 1 is
/// `bpf_ringbuf_output(rb, src + seed % 64, min(size, SRC_CAP), flags)`, 2 is `bpf_ringbuf_query(rb, flags)`,
/// 3 is `bpf_ringbuf_reserve(rb, RESERVE_SIZES[size], flags)`, a u64 `seed * 0x0101010101010101` written
/// when the size is at least 8, and a submit or discard with the commit flags (returns 1, or 0 for NULL).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Op(pub u8, pub u32, pub u64, pub u64, pub u32, pub bool);

/// One reservation, `(size, flags, seed, discard, release flags)`: `bpf_ringbuf_reserve_dynptr(rb, size,
/// flags, &d)`, then `bpf_dynptr_write(&d, 0, src + seed % 64, min(size, SRC_CAP), 0)`, released later by
/// `bpf_ringbuf_discard_dynptr` or `bpf_ringbuf_submit_dynptr` with the release flags.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Slot(pub u32, pub u64, pub u32, pub bool, pub u64);

/// One program run.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct Batch {
    /// Operations before the reservations ([`NPRE`]).
    pub pre: Vec<Op>,
    /// The three reservations.
    pub slots: [Slot; 3],
    /// Operations after reservation k: `after_res[k * NAFTER..]`.
    pub after_res: Vec<Op>,
    /// Operations after the k-th release: `after_rel[k * NAFTER..]`.
    pub after_rel: Vec<Op>,
    /// Release order (index into [`ORDERS`]; other values mean order 0).
    pub order: u32,
}

/// One step of a sequence.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// A program run.
    Run(Batch),
    /// User space consumes up to `max` records; the callback returns -1 at record `fail_at` (if any).
    Consume {
        /// Most records to hand over.
        max: u32,
        /// 0-based index of the record whose callback fails.
        fail_at: Option<u32>,
    },
    /// User space writes `consumer_pos`.
    SetConsumerPos(u64),
}

/// A ring buffer case.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RingbufCase {
    /// `BPF_MAP_CREATE`.
    Create {
        /// RINGBUF or USER_RINGBUF.
        ty: RingType,
        /// `map_flags`.
        map_flags: u32,
        /// `key_size`.
        key_size: u32,
        /// `value_size`.
        value_size: u32,
        /// `max_entries`.
        max_entries: u32,
    },
    /// Steps on a fresh RINGBUF of `size` bytes.
    Seq {
        /// `max_entries` (a valid ring size).
        size: u32,
        /// The steps.
        steps: Vec<Step>,
    },
    /// Steps on a fresh USER_RINGBUF of `size` bytes ([`user`]).
    User {
        /// `max_entries` (a valid ring size).
        size: u32,
        /// The steps.
        steps: Vec<user::UserStep>,
    },
}

/// The state after one step, and what the step returned.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct StepOutcome {
    /// Per step of a run: its return value. For a consume: the count or the callback's error.
    pub rets: Vec<i64>,
    /// Per step of a run: `(producer_pos, consumer_pos, avail_data)` as the program queried them; for a
    /// consume, `(position, size, fnv64)` of each record handed over; as little-endian u64s.
    pub detail: ByteImage,
    /// After a run: whether an edge-triggered epoll on the map saw a wakeup with data available.
    pub woke: Option<bool>,
    /// `consumer_pos` after the step.
    pub cons: u64,
    /// `producer_pos` after the step.
    pub prod: u64,
    /// `pending_pos` (producer page, offset 8) after the step.
    pub pend: u64,
    /// The data area after the step.
    pub data: ByteImage,
}

/// What happened.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum RingbufOutcome {
    /// The creation's result: 0 or `-errno`.
    Create(i64),
    /// One outcome per step (creating the ring failed: `Create`).
    Seq(Vec<StepOutcome>),
    /// One outcome per user ring step.
    User(Vec<user::UserStepOutcome>),
}

impl RingbufOutcome {
    /// The form written to a vector file.
    pub fn for_record(&self) -> RingbufOutcome {
        match self {
            RingbufOutcome::Seq(v) => RingbufOutcome::Seq(
                v.iter()
                    .map(|s| StepOutcome { detail: s.detail.for_record(), data: s.data.for_record(), ..s.clone() })
                    .collect(),
            ),
            RingbufOutcome::User(v) => RingbufOutcome::User(v.iter().map(|s| s.for_record()).collect()),
            other => other.clone(),
        }
    }
}

fn le_bytes(words: &[u64]) -> ByteImage {
    ByteImage::new(&words.iter().flat_map(|w| w.to_le_bytes()).collect::<Vec<u8>>())
}

/// Runs a batch on the model exactly as `ringbuf.bpf.c` runs it on the kernel. Returns the per-step
/// return values, the snapshots and whether any commit decided to wake the consumer.
pub fn run_batch(rb: &RingBuf, batch: &Batch) -> (Vec<i64>, Vec<u64>, bool) {
    let src: Vec<u8> = (0..SRC_CAP + 64).map(src_byte).collect();
    let mut rets = Vec::with_capacity(NSTEPS);
    let mut snaps = Vec::with_capacity(NSTEPS * 3);
    let mut woke = false;
    let mut snap = |ret: i64, rets: &mut Vec<i64>| {
        rets.push(ret);
        snaps.extend([rb.query(BPF_RB_PROD_POS), rb.query(BPF_RB_CONS_POS), rb.query(BPF_RB_AVAIL_DATA)]);
    };
    let op_at = |v: &[Op], i: usize| v.get(i).copied().unwrap_or_default();
    for i in 0..NPRE {
        let r = do_op(rb, &op_at(&batch.pre, i), &src, &mut woke);
        snap(r, &mut rets);
    }
    let mut held = Vec::with_capacity(3);
    for k in 0..3 {
        let Slot(size, flags, seed, _, _) = batch.slots[k];
        let (ret, d) = rb.bpf_ringbuf_reserve_dynptr(size, flags);
        let n = (size as usize).min(SRC_CAP);
        let off = (seed % 64) as usize;
        let _ = d.dynptr().write(0, &src[off..off + n], 0);
        held.push(Some(d));
        snap(ret, &mut rets);
        for j in 0..NAFTER {
            let r = do_op(rb, &op_at(&batch.after_res, k * NAFTER + j), &src, &mut woke);
            snap(r, &mut rets);
        }
    }
    let order = ORDERS.get(batch.order as usize).copied().unwrap_or(ORDERS[0]);
    for (k, &slot) in order.iter().enumerate() {
        let Slot(_, _, _, discard, rel_flags) = batch.slots[slot];
        if let Some(d) = held[slot].take() {
            woke |= if discard { d.discard(rel_flags) } else { d.submit(rel_flags) };
        }
        snap(0, &mut rets);
        for j in 0..NAFTER {
            let r = do_op(rb, &op_at(&batch.after_rel, k * NAFTER + j), &src, &mut woke);
            snap(r, &mut rets);
        }
    }
    (rets, snaps, woke)
}

fn do_op(rb: &RingBuf, op: &Op, src: &[u8], woke: &mut bool) -> i64 {
    let Op(kind, size, flags, cflags, seed, discard) = *op;
    let off = (seed % 64) as usize;
    match kind {
        1 => {
            // The helper's integer face, as the program sees it; whether it woke, from the wakeup count.
            let n = (size as usize).min(SRC_CAP);
            let before = rb.wakeups();
            let ret = rb.bpf_ringbuf_output(&src[off..off + n], flags);
            *woke |= rb.wakeups() != before;
            ret
        }
        2 => rb.query(flags) as i64,
        3 => {
            let Some(&sz) = RESERVE_SIZES.get(size as usize) else { return 0 };
            match rb.reserve(sz, flags) {
                None => 0,
                Some(mut s) => {
                    if sz >= 8 {
                        s.write(0, &u64::from(seed).wrapping_mul(0x0101_0101_0101_0101).to_ne_bytes());
                    }
                    *woke |= if discard { s.discard(cflags) } else { s.submit(cflags) };
                    1
                }
            }
        }
        _ => 0,
    }
}

/// Runs a consume step on the model: the count (or error) and `(position, size, fnv64)` per record.
pub fn run_consume(rb: &RingBuf, max: u32, fail_at: Option<u32>) -> (i64, Vec<u64>) {
    let mut seen = Vec::new();
    let mut c = match rb.consumer() {
        Some(c) => c,
        None => return (Errno::EBUSY.to_ret(), seen),
    };
    let mut i = 0u32;
    let r = c.consume(max as usize, |rec| {
        seen.extend([rec.position(), rec.data().len() as u64, fnv64(rec.data())]);
        let fail = fail_at == Some(i);
        i += 1;
        if fail {
            -1
        } else {
            0
        }
    });
    (r.map_or_else(i64::from, |n| n as i64), seen)
}

fn state(rb: &mut RingBuf, rets: Vec<i64>, detail: Vec<u64>, woke: Option<bool>) -> StepOutcome {
    StepOutcome {
        rets,
        detail: le_bytes(&detail),
        woke,
        cons: rb.consumer_pos(),
        prod: rb.producer_pos(),
        pend: rb.pending_pos(),
        data: ByteImage::new(&rb.data_image()),
    }
}

impl Case for RingbufCase {
    type Outcome = RingbufOutcome;
    const AREA: &'static str = "ringbuf";

    fn run_model(&self, profile: &KernelProfile) -> RingbufOutcome {
        match self {
            RingbufCase::Create { ty, map_flags, key_size, value_size, max_entries } => {
                // `BPF_MAP_CREATE`'s answer: the kernel's checks, then the allocation (which does not
                // depend on the overwrite flag, that the model's rings do not implement yet).
                let r = check_create(profile, *ty, *map_flags, *key_size, *value_size, *max_entries).and_then(|_| {
                    RingBuf::create(
                        profile,
                        *ty,
                        *map_flags & !BPF_F_RB_OVERWRITE,
                        *key_size,
                        *value_size,
                        *max_entries,
                    )
                });
                RingbufOutcome::Create(Errno::ret_of(r.map(|_| 0i64)))
            }
            RingbufCase::Seq { size, steps } => {
                let mut rb = match RingBuf::new(profile, *size) {
                    Ok(rb) => rb,
                    Err(e) => return RingbufOutcome::Create(e.to_ret()),
                };
                let mut out = Vec::with_capacity(steps.len());
                for step in steps {
                    let o = match step {
                        Step::Run(batch) => {
                            let (rets, snaps, woke) = run_batch(&rb, batch);
                            let woke = woke && rb.query(BPF_RB_AVAIL_DATA) != 0;
                            state(&mut rb, rets, snaps, Some(woke))
                        }
                        Step::Consume { max, fail_at } => {
                            let (n, seen) = run_consume(&rb, *max, *fail_at);
                            state(&mut rb, vec![n], seen, None)
                        }
                        Step::SetConsumerPos(pos) => {
                            if let Some(mut c) = rb.consumer() {
                                // SAFETY: single-threaded: no producer runs while this sequence is replayed.
                                unsafe { c.set_consumer_pos(*pos) };
                            }
                            state(&mut rb, vec![], vec![], None)
                        }
                    };
                    out.push(o);
                }
                RingbufOutcome::Seq(out)
            }
            RingbufCase::User { size, steps } => match user::run_user_seq(profile, *size, steps) {
                Ok(v) => RingbufOutcome::User(v),
                Err(e) => RingbufOutcome::Create(e.to_ret()),
            },
        }
    }

    fn outcome_for_record(outcome: &RingbufOutcome) -> RingbufOutcome {
        outcome.for_record()
    }

    fn label(&self) -> String {
        match self {
            RingbufCase::Create { ty: RingType::Ringbuf, .. } => "create/ringbuf".into(),
            RingbufCase::Create { ty: RingType::UserRingbuf, .. } => "create/user_ringbuf".into(),
            RingbufCase::User { steps, .. } => {
                if steps
                    .iter()
                    .any(|s| matches!(s, user::UserStep::RawHeader { .. } | user::UserStep::SetProducerPos(_)))
                {
                    "user/raw_headers".into()
                } else {
                    "user".into()
                }
            }
            RingbufCase::Seq { steps, .. } => {
                let moved = steps.iter().any(|s| matches!(s, Step::SetConsumerPos(_)));
                if moved {
                    "seq/consumer_pos_by_hand".into()
                } else {
                    "seq".into()
                }
            }
        }
    }
}
