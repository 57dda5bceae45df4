//! Dynptr cases: a LOCAL dynptr made by `bpf_dynptr_from_mem` over a map value, then one operation.
//!
//! The kernel side is `oracle/bpf/dynptr.bpf.c`, a SYSCALL program run with `BPF_PROG_TEST_RUN`.

use super::{ByteImage, Case};
use crate::dynptr::Dynptr;
use crate::KernelProfile;
use serde::{Deserialize, Serialize};
use std::cell::Cell;

/// Capacity of the map value the kernel program's dynptrs point into, and of its destination buffer.
pub const BUF_CAP: usize = 512;

/// The byte at index `i` of a buffer filled with `seed`: what both sides start from.
pub fn fill_byte(seed: u8, i: usize) -> u8 {
    seed.wrapping_add((i as u8).wrapping_mul(31))
}

/// The operation applied to the dynptr.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum DynptrOp {
    /// `bpf_dynptr_read(dst, len, ptr, offset, flags)` into a destination buffer filled with 0xAA.
    Read {
        /// Bytes to read (at most [`BUF_CAP`], the verifier's bound on the destination).
        len: u32,
        /// Offset into the dynptr.
        offset: u32,
        /// Helper flags (must be 0).
        flags: u64,
    },
    /// `bpf_dynptr_write(ptr, offset, src, len, flags)` from a source filled with `src_seed`.
    Write {
        /// Offset into the dynptr.
        offset: u32,
        /// Bytes to write (at most [`BUF_CAP`]).
        len: u32,
        /// Helper flags (must be 0 for LOCAL).
        flags: u64,
        /// Seed of the source bytes.
        src_seed: u8,
    },
}

/// A dynptr case.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct DynptrCase {
    /// `size` passed to `bpf_dynptr_from_mem` (at most [`BUF_CAP`]).
    pub size: u32,
    /// `flags` passed to `bpf_dynptr_from_mem`.
    pub from_mem_flags: u64,
    /// Seed of the map value's initial bytes.
    pub seed: u8,
    /// The operation.
    pub op: DynptrOp,
}

/// What happened.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct DynptrOutcome {
    /// `bpf_dynptr_from_mem`'s return.
    pub from_mem: i64,
    /// The operation's return (not run, 0, when `from_mem` failed... the program still calls it on the
    /// null dynptr, as the kernel allows).
    pub ret: i64,
    /// The whole map value after the operation.
    pub mem: ByteImage,
    /// The destination buffer after a read (empty for a write).
    pub dst: ByteImage,
}

impl DynptrOutcome {
    /// The form written to a vector file.
    pub fn for_record(&self) -> DynptrOutcome {
        DynptrOutcome { mem: self.mem.for_record(), dst: self.dst.for_record(), ..self.clone() }
    }
}

impl Case for DynptrCase {
    type Outcome = DynptrOutcome;
    const AREA: &'static str = "dynptr";

    fn run_model(&self, _profile: &KernelProfile) -> DynptrOutcome {
        let mut mem: Vec<u8> = (0..BUF_CAP).map(|i| fill_byte(self.seed, i)).collect();
        let cells = Cell::from_mut(&mut mem[..]).as_slice_of_cells();
        let (ptr, from_mem) = match Dynptr::from_mem(cells, self.size, self.from_mem_flags) {
            Ok(p) => (p, 0),
            Err(e) => (Dynptr::null(), e.to_ret()),
        };
        let mut dst = Vec::new();
        let ret = match self.op {
            DynptrOp::Read { len, offset, flags } => {
                dst = vec![0xAA; BUF_CAP];
                let n = (len as usize).min(BUF_CAP);
                crate::Errno::ret_of(ptr.read(&mut dst[..n], offset, flags).map(|()| 0i64))
            }
            DynptrOp::Write { offset, len, flags, src_seed } => {
                let src: Vec<u8> = (0..(len as usize).min(BUF_CAP)).map(|i| fill_byte(src_seed, i)).collect();
                crate::Errno::ret_of(ptr.write(offset, &src, flags).map(|()| 0i64))
            }
        };
        DynptrOutcome { from_mem, ret, mem: ByteImage::new(&mem), dst: ByteImage::new(&dst) }
    }

    fn outcome_for_record(outcome: &DynptrOutcome) -> DynptrOutcome {
        outcome.for_record()
    }

    fn label(&self) -> String {
        match self.op {
            DynptrOp::Read { .. } => "read/local".into(),
            DynptrOp::Write { .. } => "write/local".into(),
        }
    }
}
