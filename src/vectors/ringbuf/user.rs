//! User ring buffer cases (`BPF_MAP_TYPE_USER_RINGBUF`): user space produces, a BPF program drains.
//!
//! A sequence runs on a fresh user ring. User space writes through the mapped producer page and data area,
//! as libbpf's `user_ring_buffer__reserve()` / `__submit()` / `__discard()` do, or writes headers and
//! `producer_pos` by hand (what the kernel must not trust); a drain step runs `oracle/bpf/user_ringbuf.bpf.c`,
//! a SYSCALL program calling `bpf_user_ringbuf_drain()` whose callback may first write through the sample's
//! dynptr (`bpf_dynptr_write()` of [`wsrc_byte`]s, per a bit pattern), then records each sample's size and
//! its first [`PEEK`] bytes (up to [`MAX_SEEN`] samples) and returns bit `i % 64` of a pattern. After every step
//! both sides' `consumer_pos`, `producer_pos` and data area are compared; after a drain also its return
//! value, the samples seen and whether an edge-triggered epoll (`EPOLLOUT`) on the map fd saw a wakeup.

use crate::ringbuf::UserRingBuf;
use crate::vectors::ByteImage;
use serde::{Deserialize, Serialize};

/// Leading bytes of each sample the callback reads (`bpf_dynptr_read`).
pub const PEEK: usize = 16;
/// Samples whose size and bytes one drain records.
pub const MAX_SEEN: usize = 64;
/// Bytes of the program's write source (`wsrc`); a write takes `wlen & (WSRC - 1)` of them.
pub const WSRC: usize = 32;

/// Byte `j` of the program's write source.
pub fn wsrc_byte(j: usize) -> u8 {
    0xa0 ^ (j as u8).wrapping_mul(11)
}

fn is_zero<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// Byte `j` of the payload a `Reserve` step with this seed writes.
pub fn fill_byte(seed: u32, j: usize) -> u8 {
    (seed as u8).wrapping_add((j as u8).wrapping_mul(13)) ^ (j >> 8) as u8
}

/// The header word a `RawHeader` step writes: `len`, then `pg_off` 0, little-endian.
pub fn raw_header(len: u32) -> [u8; 8] {
    let mut h = [0u8; 8];
    h[..4].copy_from_slice(&len.to_le_bytes());
    h
}

/// One step of a user ring sequence.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum UserStep {
    /// `user_ring_buffer__reserve(rb, size)`; on success the payload gets [`fill_byte`]s and then `commit`:
    /// 0 submit, 1 discard, anything else leaves the record BUSY.
    Reserve {
        /// Requested size.
        size: u32,
        /// Fill seed.
        seed: u32,
        /// How to release it.
        commit: u8,
    },
    /// User space writes the header [`raw_header`]`(len)` at `producer_pos` (wrapping at the end of the
    /// area) and moves `producer_pos` by `advance` (any value, aligned or not).
    RawHeader {
        /// The `len` word, BUSY and DISCARD bits included.
        len: u32,
        /// Added to `producer_pos`.
        advance: u64,
    },
    /// User space writes `producer_pos`.
    SetProducerPos(u64),
    /// `bpf_user_ringbuf_drain(map, cb, NULL, flags)`; the callback's i-th call first writes `wlen & (WSRC
    /// - 1)` bytes of the write source at `woff` through the sample's dynptr if bit `i % 64` of `wpat` is
    /// set, then returns `(pattern >> (i % 64)) & 1`.
    Drain {
        /// Drain flags.
        flags: u64,
        /// Callback return bits.
        pattern: u64,
        /// Which calls write through the dynptr.
        #[serde(default, skip_serializing_if = "is_zero")]
        wpat: u64,
        /// The write's offset.
        #[serde(default, skip_serializing_if = "is_zero")]
        woff: u32,
        /// The write's length (masked with `WSRC - 1`).
        #[serde(default, skip_serializing_if = "is_zero")]
        wlen: u32,
    },
}

/// One sample the drain's callback saw.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// `bpf_dynptr_size()`.
    pub size: u32,
    /// `bpf_dynptr_read()` of the first `min(size, PEEK)` bytes: its return value.
    pub read_ret: i64,
    /// Those bytes (after the write, if any).
    pub bytes: Vec<u8>,
    /// `bpf_dynptr_write()`'s return value, when the call wrote (else 0).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub write_ret: i64,
}

/// The state after one user ring step.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct UserStepOutcome {
    /// Reserve: 0 or `-errno` (`E2BIG`, `ENOSPC`); drain: the helper's return value; else 0.
    pub ret: i64,
    /// Drain: how many times the callback ran, and the first [`MAX_SEEN`] samples it saw.
    pub calls: u32,
    /// The samples.
    pub seen: Vec<Seen>,
    /// Drain: whether an edge-triggered `EPOLLOUT` epoll on the map saw a wakeup (a wakeup happened and the
    /// ring is writable: `producer_pos - consumer_pos < size`).
    pub woke: Option<bool>,
    /// `consumer_pos` after the step.
    pub cons: u64,
    /// `producer_pos` after the step.
    pub prod: u64,
    /// The data area after the step.
    pub data: ByteImage,
}

impl UserStepOutcome {
    /// The form written to a vector file (the data area as a digest).
    pub fn for_record(&self) -> UserStepOutcome {
        UserStepOutcome { data: self.data.for_record(), ..self.clone() }
    }
}

/// Runs one step on the model ring; returns `(ret, calls, seen, woke)`.
pub fn run_user_step(ur: &mut UserRingBuf, step: &UserStep) -> (i64, u32, Vec<Seen>, Option<bool>) {
    match *step {
        UserStep::Reserve { size, seed, commit } => match ur.reserve(size) {
            Err(e) => (e.to_ret(), 0, vec![], None),
            Ok(mut s) => {
                let payload: Vec<u8> = (0..size as usize).map(|j| fill_byte(seed, j)).collect();
                s.write(0, &payload);
                match commit {
                    0 => s.submit(),
                    1 => s.discard(),
                    _ => std::mem::forget(s),
                }
                (0, 0, vec![], None)
            }
        },
        UserStep::RawHeader { len, advance } => {
            let prod = ur.producer_pos();
            ur.write_raw(prod, &raw_header(len));
            ur.set_producer_pos(prod.wrapping_add(advance));
            (0, 0, vec![], None)
        }
        UserStep::SetProducerPos(p) => {
            ur.set_producer_pos(p);
            (0, 0, vec![], None)
        }
        UserStep::Drain { flags, pattern, wpat, woff, wlen } => {
            let before = ur.wakeups();
            let mut calls = 0u32;
            let mut seen = Vec::new();
            let wsrc: Vec<u8> = (0..WSRC).map(wsrc_byte).collect();
            let ret = ur.drain(flags, |d| {
                let i = calls;
                calls += 1;
                let write_ret = if (wpat >> (i & 63)) & 1 != 0 {
                    let n = (wlen as usize) & (WSRC - 1);
                    d.write(u64::from(woff), &wsrc[..n], 0).map_or_else(|e| e.to_ret(), |_| 0)
                } else {
                    0
                };
                if (i as usize) < MAX_SEEN {
                    let size = d.size();
                    let mut bytes = vec![0u8; (size as usize).min(PEEK)];
                    let read_ret = d.read(&mut bytes, 0, 0).map_or_else(|e| e.to_ret(), |_| 0);
                    seen.push(Seen { size, read_ret, bytes, write_ret });
                }
                (pattern >> (i & 63)) & 1
            });
            let woke = ur.wakeups() != before && ur.writable();
            (ret, calls, seen, Some(woke))
        }
    }
}

/// Runs a whole sequence on a fresh model ring of `size` bytes (`Err` is the creation's errno).
pub fn run_user_seq(
    profile: &crate::KernelProfile,
    size: u32,
    steps: &[UserStep],
) -> Result<Vec<UserStepOutcome>, crate::Errno> {
    let mut ur = UserRingBuf::new(profile, size)?;
    Ok(steps.iter().map(|st| user_step_outcome(&mut ur, st)).collect())
}

/// Runs one step on the model ring and returns everything the differential compares after it: the
/// step's result, both positions and the whole data area.
pub fn user_step_outcome(ur: &mut UserRingBuf, step: &UserStep) -> UserStepOutcome {
    let (ret, calls, seen, woke) = run_user_step(ur, step);
    UserStepOutcome {
        ret,
        calls,
        seen,
        woke,
        cons: ur.consumer_pos(),
        prod: ur.producer_pos(),
        data: ByteImage::new(&ur.data_image()),
    }
}
