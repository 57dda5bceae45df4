//! The BPF ring buffer: `BPF_MAP_TYPE_RINGBUF` and `BPF_MAP_TYPE_USER_RINGBUF`.
//!
//! Kernel: `kernel/bpf/ringbuf.c`; user-space side as libbpf's `src/ringbuf.c`.
//!
//! # The protocol
//!
//! A ring is a data area of `size` bytes (a power of two, at least a page) and two free-running 64-bit
//! byte positions: `producer_pos`, the end of the last reserved record, and `consumer_pos`, the end of
//! the last consumed one. The offset of position `p` in the data area is `p & (size - 1)`. Producers
//! append records; a record is an 8-byte header `{ len, pg_off }` and its payload, padded to 8 bytes.
//!
//! - **Reserve.** A producer claims `round_up(size + 8, 8)` bytes at `producer_pos`, writes the header with
//!   the BUSY bit set, and moves `producer_pos` past it (release). A reservation fails (the kernel returns
//!   NULL) when the new end would be more than `size - 1` bytes past `consumer_pos`, or more than `size - 1`
//!   bytes past `pending_pos`, the oldest record still BUSY ([`Rule::RingbufPendingPos`](crate::version::Rule::RingbufPendingPos)): no reservation
//!   may overtake a record that is still being written, even when user space moved `consumer_pos` ahead
//!   by hand. So a ring of `size` bytes never holds `size` bytes of records, and the largest payload is
//!   `size - 16`.
//! - **Commit.** Submit or discard clears BUSY (discard also sets DISCARD) with a full barrier, then decides
//!   whether to wake the consumer: FORCE_WAKEUP always, NO_WAKEUP never, otherwise only when the consumer
//!   has consumed everything before this record (`consumer_pos & mask` equals the record's offset).
//! - **Consume.** The consumer reads headers from `consumer_pos` up to `producer_pos` (acquire), stops at the
//!   first BUSY one, skips DISCARD ones, and stores the new `consumer_pos` (release) after each record.
//!   Records therefore become visible in reservation order and never past a busy one.
//!
//! # How this model does it
//!
//! The kernel reserves under a spinlock. Here a reservation is **one compare-and-swap** on a private
//! reservation cursor, in three steps:
//!
//! 1. **Claim.** The new end is checked against `consumer_pos` and the stored `pending_pos`. Both only move
//!    forward, so a check that passes against them passes against the kernel's freshly scanned values,
//!    and the CAS claims the bytes. Behind another producer's claim that is not yet published, a producer
//!    first backs off for a bounded while, spinning and then yielding its CPU, so that two producers do not
//!    wait for each other on every record and a preempted producer gets to publish before others queue
//!    behind it.
//! 2. **Publish, in turn.** The producer writes its BUSY header, waits until `producer_pos` reaches the
//!    start of its claim (every earlier producer has published: a few instructions each, never their
//!    payload or commit), advances `pending_pos` over committed records as the kernel's reservation would
//!    have, and stores `producer_pos` (release). Turns come one at a time in reservation order, so
//!    `pending_pos` needs no atomic read-modify-write, and records become visible in reservation order.
//! 3. **Slow path.** When the stored values show no room, the ring may be full or `pending_pos` merely
//!    stale: the producer sets a lock bit in the cursor, waits for its turn, and scans, checks and stores
//!    exactly as the kernel does under its spinlock, then unlocks the cursor (past its record if it fits).
//!    Every failing reservation goes this way, so it leaves `pending_pos` where the kernel's would.
//!
//! # Kernel versions
//!
//! A ring takes the [`Rules`](crate::version::Rules) of the profile it was made with and keeps them:
//! - [`Rule::RingbufPendingPos`](crate::version::Rule::RingbufPendingPos) (6.10, and the stable releases the fix reached, 6.1.97 among them):
//!   without it the space check looks at `consumer_pos` alone and there is no `pending_pos` (the producer
//!   page reads 0 at offset 8). A reservation then takes the bytes of a BUSY record that user space moved
//!   `consumer_pos` past, header included, and when that record's producer commits, it flips the BUSY
//!   bit of whatever header now lies at its old position; the model does exactly that. Every kernel of
//!   the matrix has the rule (Debian's 6.1 is 6.1.192).
//! - The resilient spinlock of 6.16 (`rqspinlock`): the kernel's reservation takes the ring's lock with
//!   a deadlock and timeout check, and returns NULL when that check fires (the same lock re-entered by
//!   an NMI or a nested program on the same CPU, or a lock held for longer than the timeout, 0.25 s by
//!   default). Before it, only an NMI used a trylock, and failed when the lock was held. The model has no
//!   lock to re-enter, no NMIs and no timeouts: its reservation never fails for contention, on any
//!   kernel, because a failure there depends on timing and on which CPU runs what, which no profile
//!   describes. A program that must cope with such a NULL already copes with a full ring, which the model
//!   does produce.
//!
//! With one thread the result of every operation, every position and every byte of the ring is the
//! kernel's (`producer`; checked against the live kernel by `bpf-oracle`); with many, every interleaving
//! of two and three producers and a consumer is checked by loom (`tests/loom_ringbuf.rs`). The kernel's
//! own algorithm, the spinlock, is kept as [`ReserveMode::Spinlock`] for comparison (`benches/ringbuf.rs`).
//!
//! **Wrap-around.** The kernel maps the data pages twice, back to back, so that a record that runs past the
//! end of the area is contiguous. Safe Rust cannot alias two virtual mappings without `mmap` (and this
//! crate stays pure Rust, without libc), so the data area is allocated as `2 * size` bytes: a record that
//! wraps is written contiguously across the end of the first copy, and its wrapped tail is copied to the
//! start of the area when it is committed (and the old bytes copied the other way when it is reserved, so
//! the producer sees what the kernel's sample would show). Only wrapping records pay for the copy, each
//! producer and the consumer see one contiguous slice (a dynptr needs one), and the first `size` bytes are
//! byte for byte the kernel's data area. The same [`Consumer`] reads a real kernel ring through its
//! double mapping ([`RingMemory`]).
//!
//! ```
//! use bpf_model::ringbuf::{RingBuf, BPF_RB_AVAIL_DATA, BPF_RB_FORCE_WAKEUP};
//! use bpf_model::KernelProfile;
//!
//! let rb = RingBuf::new(&KernelProfile::x86_64_v6_18(), 4096).unwrap();
//! let mut s = rb.reserve(5, 0).expect("space");
//! s.write(0, b"hello");
//! assert!(s.submit(0), "the consumer is waiting at this record: adaptive wakeup");
//! rb.output(b"bye", BPF_RB_FORCE_WAKEUP).unwrap();
//! assert_eq!(rb.query(BPF_RB_AVAIL_DATA), 16 + 16);
//! let mut c = rb.consumer().unwrap();
//! let mut got = Vec::new();
//! c.consume(usize::MAX, |r| { got.push(r.data().to_vec()); 0 }).unwrap();
//! assert_eq!(got, [b"hello".to_vec(), b"bye".to_vec()]);
//! ```

mod consumer;
#[cfg(all(feature = "kernel", not(loom)))]
pub mod kernel;
mod layout;
mod producer;
mod user;

pub use consumer::{Consumer, Record, RingMemory};
pub use layout::*;
#[cfg(not(loom))]
pub use producer::RingDynptr;
pub use producer::{ReserveMode, RingBuf, Sample};
pub use user::{UserRingBuf, UserSample};
