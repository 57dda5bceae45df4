//! Model-only properties of `bpf_model::dynptr` (the kernel-judged cases are in `oracle/tests/dynptr_*.rs`
//! and `vectors/dynptr.jsonl`): no input panics, fragmentation never changes the bytes, adjust composes.

use bpf_model::dynptr::{abi, Dynptr, Skb, XdpBuff};
use bpf_model::{KernelVersion, Rules};
use quickcheck::{QuickCheck, TestResult};
use std::cell::Cell;

fn bytes(n: usize, seed: u8) -> Vec<u8> {
    (0..n).map(|i| seed.wrapping_add((i as u8).wrapping_mul(31))).collect()
}

/// The kernels whose rules differ for dynptrs: 6.1 (helpers only), 6.4 (slices, packet dynptrs), 6.12,
/// 6.15 (copy), 6.17 (memset), 6.18 (u32 offsets, SKB_META), 6.19 (u64 offsets), 7.3.
fn kernels() -> Vec<Rules> {
    [(6, 1), (6, 4), (6, 12), (6, 15), (6, 17), (6, 18), (6, 19), (7, 3)]
        .into_iter()
        .map(|(a, b)| Rules::new(KernelVersion::new(a, b, 0)).unwrap())
        .collect()
}

/// An argument over the whole u64 range, biased to the edges of a dynptr of `size` bytes and of u32.
fn edge(v: u64, size: u64) -> u64 {
    match v % 12 {
        0 => 0,
        1 => size,
        2 => size + 1,
        3 => u64::from(u32::MAX),
        4 => (1 << 24) - 1,
        5 => u64::MAX,
        6 => (1 << 32) + v % (size + 2),
        7 => u64::MAX - v % 3,
        8 => v,
        _ => v % (size + 2),
    }
}

/// Every public dynptr function, both faces, with arguments over the full u64 range, on every type and
/// every kernel's rules: each returns, none panics (this runs in the debug build of `cargo test`, so an
/// arithmetic overflow would panic).
#[test]
fn no_input_panics() {
    fn prop(size: u16, args: Vec<(u8, u64, u64, u64)>) -> bool {
        let size = u32::from(size) % 5000 + 14;
        let s64 = u64::from(size);
        for rules in kernels() {
            let mut mem = bytes(size as usize, 1);
            let cells = Cell::from_mut(&mut mem[..]).as_slice_of_cells();
            let skb = Skb::with_frags(&bytes(14, 2), &[&bytes(size as usize - 14, 3)]).with_meta(&[1, 2, 3]);
            let xdp = XdpBuff::test_run(&bytes(size as usize, 4), 20, 3520, 4096);
            let null = Dynptr::null(rules);
            let mut ptrs = [
                Dynptr::from_mem(rules, cells, size, 0).unwrap(),
                Dynptr::ringbuf_sample(rules, cells, size),
                Dynptr::from_skb(rules, &skb, 0).unwrap_or(null),
                Dynptr::from_skb_rdonly(rules, &skb, 0).unwrap_or(null),
                Dynptr::from_skb_meta(rules, &skb, 0).unwrap_or(null),
                Dynptr::from_xdp(rules, &xdp, 0).unwrap_or(null),
                null,
            ];
            let mut out = vec![0u8; 300];
            for &(op, a, b, c) in &args {
                let i = usize::from(op) % ptrs.len();
                let (a, b, c) = (edge(a, s64), edge(b, s64), edge(c, s64));
                let p = ptrs[i];
                let other = ptrs[(i + 1) % ptrs.len()];
                let mut probe = Dynptr::null(rules);
                match op % 16 {
                    0 => {
                        let _ = abi::bpf_dynptr_read(&mut out, c, &p, a, b);
                        let _ = p.read(&mut out[..(c % 300) as usize], a, b);
                    }
                    1 => {
                        let _ = abi::bpf_dynptr_write(&p, a, &out, c, b);
                        let _ = p.write(a, &out[..(c % 300) as usize], b);
                    }
                    2 => {
                        let _ = abi::bpf_dynptr_slice(&p, a, Some(&mut out), c);
                        let _ = p.slice(a, c, Some(&mut out));
                    }
                    3 => {
                        let _ = abi::bpf_dynptr_slice_rdwr(&p, a, None, c);
                        let _ = p.slice_rdwr(a, c, Some(&mut out));
                    }
                    4 => {
                        let _ = abi::bpf_dynptr_adjust(&mut ptrs[i], a, b);
                        let _ = ptrs[i].adjust(b, c);
                    }
                    5 => {
                        let _ = abi::bpf_dynptr_copy(&p, a, &other, b, c);
                        let _ = p.copy(a, &other, b, c);
                    }
                    6 => {
                        let _ = abi::bpf_dynptr_memset(&p, a, b, c as u8);
                        let _ = p.memset(a, b, c as u8);
                    }
                    7 => {
                        let _ = abi::bpf_dynptr_data(&p, a, c);
                        let _ = p.data(a, c);
                    }
                    8 => {
                        let _ = (abi::bpf_dynptr_size(&p), p.checked_size(), p.size(), p.size_word(), p.offset());
                        let _ = (abi::bpf_dynptr_is_null(&p), abi::bpf_dynptr_is_rdonly(&p), p.dynptr_type());
                        let _ = (p.check_off_len(a, b), p.arg(c), bpf_model::dynptr::check_size(a as u32));
                    }
                    9 => {
                        let _ = abi::bpf_dynptr_clone(&p, &mut probe);
                        let _ = p.clone_dynptr();
                    }
                    10 => {
                        let _ = abi::bpf_dynptr_from_mem(rules, cells, a as u32, b, &mut probe);
                        let _ = Dynptr::from_mem(rules, cells, c as u32, 0);
                    }
                    11 => {
                        let _ = abi::bpf_dynptr_from_skb(rules, &skb, a, b % 2 == 0, &mut probe);
                        let _ = abi::bpf_dynptr_from_skb_meta(rules, &skb, b, &mut probe);
                        let _ = abi::bpf_dynptr_from_xdp(rules, &xdp, c, &mut probe);
                    }
                    12 => {
                        let _ = XdpBuff::test_run(&out, a as u32, b as u32, c as u32);
                    }
                    _ => {
                        let _ = abi::bpf_dynptr_read(&mut out, a, &p, b, 0);
                        let _ = abi::bpf_dynptr_write(&p, b, &out, a, 0);
                    }
                }
            }
        }
        true
    }
    QuickCheck::new().tests(300).quickcheck(prop as fn(u16, Vec<(u8, u64, u64, u64)>) -> bool);
}

/// Reads, writes and memsets through an XDP dynptr give the same returns and bytes however the buffer is
/// split into a linear area and fragments (below the 0xffff limit of `bpf_xdp_pointer`).
#[test]
fn xdp_fragmentation_does_not_change_bytes() {
    fn prop(total: u16, head: u16, ops: Vec<(u8, u16, u16, u8)>) -> TestResult {
        let total = u32::from(total) % 9000 + 14;
        let data = bytes(total as usize, 9);
        let linear = XdpBuff::new(&data);
        let split = XdpBuff::test_run(&data, u32::from(head) % (total + 1), 3520, 4096);
        let pl = Dynptr::from_xdp(Rules::newest(), &linear, 0).unwrap();
        let ps = Dynptr::from_xdp(Rules::newest(), &split, 0).unwrap();
        for (op, off, len, val) in ops {
            let (off, len) = (u64::from(u32::from(off) % (total + 2)), u64::from(len) % 600);
            let (rl, rs) = match op % 3 {
                0 => {
                    let (mut a, mut b) = (vec![0u8; len as usize], vec![0u8; len as usize]);
                    let r = (pl.read(&mut a, off, 0), ps.read(&mut b, off, 0));
                    if a != b {
                        return TestResult::failed();
                    }
                    r
                }
                1 => {
                    let src = bytes(len as usize, val);
                    (pl.write(off, &src, 0), ps.write(off, &src, 0))
                }
                _ => (pl.memset(off, len, val), ps.memset(off, len, val)),
            };
            if rl != rs {
                return TestResult::failed();
            }
        }
        TestResult::from_bool(linear.to_vec() == split.to_vec())
    }
    QuickCheck::new().tests(500).quickcheck(prop as fn(u16, u16, Vec<(u8, u16, u16, u8)>) -> TestResult);
}

/// `adjust(a, b)` then `adjust(c, d)` is `adjust(a + c, a + d)` when both succeed.
#[test]
fn adjust_composes() {
    fn prop(size: u16, a: u16, b: u16, c: u16, d: u16) -> TestResult {
        let size = u32::from(size) % 2000;
        let mut mem = bytes(size as usize, 5);
        let cells = Cell::from_mut(&mut mem[..]).as_slice_of_cells();
        let base = Dynptr::from_mem(Rules::newest(), cells, size, 0).unwrap();
        let mut two = base;
        let [a, b, c, d] = [a, b, c, d].map(|v| u64::from(u32::from(v) % (size + 2)));
        if two.adjust(a, b).is_err() || two.adjust(c, d).is_err() {
            return TestResult::discard();
        }
        let mut one = base;
        if one.adjust(a + c, a + d).is_err() {
            return TestResult::failed();
        }
        TestResult::from_bool(
            (one.offset(), one.size(), one.size_word()) == (two.offset(), two.size(), two.size_word()),
        )
    }
    QuickCheck::new().tests(2000).quickcheck(prop as fn(u16, u16, u16, u16, u16) -> TestResult);
}

/// A write beyond the linear head of a non-linear skb pulls the written range into the head, as
/// `bpf_try_make_writable()` does (modelled from source: a test run cannot build a non-linear skb).
#[test]
fn skb_write_pulls_into_head() {
    let skb = Skb::with_frags(&bytes(20, 1), &[&bytes(100, 2)]);
    let p = Dynptr::from_skb(Rules::newest(), &skb, 0).unwrap();
    assert!(p.slice(10, 20, None).is_none());
    p.write(40, b"abc", 0).unwrap();
    assert_eq!(skb.headlen(), 43);
    assert!(p.slice(10, 20, None).is_some());
}
