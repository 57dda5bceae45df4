//! The dynptr area: `oracle/bpf/dynptr.bpf.c` against `bpf_model::dynptr`.

use crate::conformance::Area;
use crate::kernel::{self, skel::dynptr as skel, OracleError, Pod};
use crate::rng::Rng;
use bpf_model::vectors::dynptr::{fill_byte, DynptrCase, DynptrOp, DynptrOutcome, BUF_CAP};
use bpf_model::vectors::ByteImage;
use bpf_model::KernelProfile;

// SAFETY: `dynptr_args` is the skeleton's repr(C) struct of u32/u64/i64 fields.
unsafe impl Pod for skel::types::dynptr_args {}

/// The loaded dynptr programs.
pub struct DynptrArea {
    skel: skel::DynptrSkel<'static>,
}

impl Area for DynptrArea {
    type Case = DynptrCase;

    fn open(_profile: &KernelProfile) -> Result<Self, OracleError> {
        Ok(DynptrArea { skel: kernel::load(skel::DynptrSkelBuilder::default(), "dynptr.bpf.c")? })
    }

    fn generate(&mut self, rng: &mut Rng) -> DynptrCase {
        let cap = BUF_CAP as u32;
        let size = rng.edgy_u32(cap, cap).min(cap);
        let flags = |rng: &mut Rng| if rng.chance(1, 10) { 1u64 << rng.below(64) } else { 0 };
        let from_mem_flags = if rng.chance(1, 20) { flags(rng) } else { 0 };
        let len = rng.edgy_u32(size, cap).min(cap);
        let offset = rng.edgy_u32(size.wrapping_sub(len), cap);
        let op = if rng.chance(1, 2) {
            DynptrOp::Read { len, offset, flags: flags(rng) }
        } else {
            DynptrOp::Write { offset, len, flags: flags(rng), src_seed: rng.next_u32() as u8 }
        };
        DynptrCase { size, from_mem_flags, seed: rng.next_u32() as u8, op }
    }

    fn run_kernel(&mut self, case: &DynptrCase) -> Result<DynptrOutcome, OracleError> {
        let bss = self.skel.maps.bss_data.as_deref_mut().ok_or_else(|| OracleError::Kernel("no .bss mmap".into()))?;
        for (i, b) in bss.mem.iter_mut().enumerate() {
            *b = fill_byte(case.seed, i);
        }
        let mut args =
            skel::types::dynptr_args { size: case.size, from_mem_flags: case.from_mem_flags, ..Default::default() };
        match case.op {
            DynptrOp::Read { len, offset, flags } => {
                bss.buf.fill(0xAA);
                (args.op, args.len, args.offset, args.flags) = (0, len, offset, flags);
            }
            DynptrOp::Write { offset, len, flags, src_seed } => {
                for (i, b) in bss.buf.iter_mut().enumerate() {
                    *b = fill_byte(src_seed, i);
                }
                (args.op, args.len, args.offset, args.flags) = (1, len, offset, flags);
            }
        }
        kernel::run_syscall(&self.skel.progs.dynptr_rw, &mut args)?;
        let bss = self.skel.maps.bss_data.as_deref().ok_or_else(|| OracleError::Kernel("no .bss mmap".into()))?;
        let dst = match case.op {
            DynptrOp::Read { .. } => ByteImage::new(&bss.buf),
            DynptrOp::Write { .. } => ByteImage::new(&[]),
        };
        Ok(DynptrOutcome { from_mem: args.from_mem_ret, ret: args.ret, mem: ByteImage::new(&bss.mem), dst })
    }

    fn shrink(&self, case: &DynptrCase) -> Vec<DynptrCase> {
        let mut out = Vec::new();
        let mut push = |f: &dyn Fn(&mut DynptrCase)| {
            let mut c = case.clone();
            f(&mut c);
            if c != *case {
                out.push(c);
            }
        };
        push(&|c| c.seed = 0);
        push(&|c| c.from_mem_flags = 0);
        push(&|c| c.size /= 2);
        match case.op {
            DynptrOp::Read { .. } => {
                push(&|c| {
                    if let DynptrOp::Read { len, .. } = &mut c.op {
                        *len /= 2
                    }
                });
                push(&|c| {
                    if let DynptrOp::Read { offset, .. } = &mut c.op {
                        *offset /= 2
                    }
                });
                push(&|c| {
                    if let DynptrOp::Read { flags, .. } = &mut c.op {
                        *flags = 0
                    }
                });
            }
            DynptrOp::Write { .. } => {
                push(&|c| {
                    if let DynptrOp::Write { len, .. } = &mut c.op {
                        *len /= 2
                    }
                });
                push(&|c| {
                    if let DynptrOp::Write { offset, .. } = &mut c.op {
                        *offset /= 2
                    }
                });
                push(&|c| {
                    if let DynptrOp::Write { flags, .. } = &mut c.op {
                        *flags = 0
                    }
                });
                push(&|c| {
                    if let DynptrOp::Write { src_seed, .. } = &mut c.op {
                        *src_seed = 0
                    }
                });
            }
        }
        out
    }

    fn is_edge(&self, case: &DynptrCase) -> bool {
        let (off, len) = match case.op {
            DynptrOp::Read { offset, len, .. } | DynptrOp::Write { offset, len, .. } => (offset, len),
        };
        let near = |a: u32, b: u32| a.abs_diff(b) <= 1;
        case.size == 0 || len == 0 || near(off.wrapping_add(len), case.size) || off > u32::MAX - 4
    }
}
