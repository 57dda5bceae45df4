//! The foundation's proof of the plumbing: `bpf_dynptr_from_mem` + `bpf_dynptr_read` / `bpf_dynptr_write`
//! over quickcheck-generated sizes, offsets, lengths and flags, model against the live kernel.

use bpf_model::vectors::dynptr::{DynptrCase, DynptrOp, Kind, Step, BUF_CAP};
use bpf_model::vectors::{to_json, Case};
use bpf_oracle::areas::dynptr::DynptrArea;
use bpf_oracle::conformance::Area;
use bpf_oracle::testing::kernel_available;
use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};
use std::cell::RefCell;

/// A case as quickcheck generates it: offsets and lengths drawn around the dynptr's size and the u32 edges.
#[derive(Clone, Debug)]
struct QcCase(DynptrCase);

fn edgy(g: &mut Gen, size: u32) -> u32 {
    let choices = [0, 1, size.saturating_sub(1), size, size + 1, u32::MAX, u32::MAX - 1, (1 << 24) - 1, 1 << 24];
    if bool::arbitrary(g) {
        *g.choose(&choices).unwrap()
    } else {
        u32::arbitrary(g) % (BUF_CAP as u32 + 2)
    }
}

impl Arbitrary for QcCase {
    fn arbitrary(g: &mut Gen) -> QcCase {
        let cap = BUF_CAP as u32;
        let size = edgy(g, cap).min(cap);
        let len = edgy(g, size).min(cap);
        let offset = edgy(g, size.saturating_sub(len));
        let flags = if u8::arbitrary(g) % 8 == 0 { u64::arbitrary(g) } else { 0 };
        let from_mem_flags = if u8::arbitrary(g) % 16 == 0 { u64::arbitrary(g) } else { 0 };
        // One offset in eight has bit 32 set: truncated to its low half before 6.19, out of range from 6.19.
        let wide = if u8::arbitrary(g) % 8 == 0 { 1u64 << 32 } else { 0 };
        let (len, offset) = (u64::from(len), u64::from(offset) + wide);
        let op = if bool::arbitrary(g) {
            DynptrOp::Read { len, offset, flags }
        } else {
            DynptrOp::Write { offset, len, flags, src_seed: u8::arbitrary(g) }
        };
        QcCase(DynptrCase {
            kind: Kind::Local,
            size,
            head: 0,
            flags: from_mem_flags,
            seed: u8::arbitrary(g),
            aux_size: 0,
            aux_seed: 0,
            pre_adjust: None,
            steps: vec![Step { h: 0, op }],
        })
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = QcCase>> {
        let c = self.0.clone();
        let mut out = vec![];
        if c.size > 0 {
            out.push(QcCase(DynptrCase { size: c.size / 2, ..c.clone() }));
        }
        if c.flags != 0 {
            out.push(QcCase(DynptrCase { flags: 0, ..c.clone() }));
        }
        Box::new(out.into_iter())
    }
}

thread_local! {
    static AREA: RefCell<Option<(DynptrArea, bpf_model::KernelProfile)>> = const { RefCell::new(None) };
    static RUNS: RefCell<u64> = const { RefCell::new(0) };
}

fn agrees(c: QcCase) -> TestResult {
    AREA.with_borrow_mut(|slot| {
        let (area, profile) = slot.as_mut().expect("area loaded");
        RUNS.with_borrow_mut(|n| *n += 1);
        let kernel = area.run_kernel(&c.0).expect("kernel test run");
        let model = c.0.run_model(profile);
        if kernel == model {
            TestResult::passed()
        } else {
            TestResult::error(format!(
                "case {}\nkernel {}\nmodel  {}",
                to_json(&c.0),
                to_json(&kernel),
                to_json(&model)
            ))
        }
    })
}

#[test]
fn dynptr_from_mem_read_write_agree_with_kernel() {
    if !kernel_available("dynptr_from_mem_read_write_agree_with_kernel") {
        return;
    }
    let profile = bpf_model::KernelProfile::detect().profile;
    let area = DynptrArea::open(&profile).expect("load dynptr.bpf.c");
    AREA.with_borrow_mut(|slot| *slot = Some((area, profile)));
    QuickCheck::new().tests(10_000).max_tests(20_000).quickcheck(agrees as fn(QcCase) -> TestResult);
    let n = RUNS.with_borrow(|n| *n);
    assert!(n >= 10_000, "only {n} cases ran in the kernel");
    println!("dynptr plumbing: {n} quickcheck cases ran in the kernel, all agree");
}
