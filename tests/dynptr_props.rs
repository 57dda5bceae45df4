//! Model-only properties of `bpf_model::dynptr` (the kernel-judged cases are in `oracle/tests/dynptr_*.rs`
//! and `vectors/dynptr.jsonl`): no input panics, fragmentation never changes the bytes, adjust composes.

use bpf_model::dynptr::{abi, Dynptr, Skb, XdpBuff};
use quickcheck::{QuickCheck, TestResult};
use std::cell::Cell;

fn bytes(n: usize, seed: u8) -> Vec<u8> {
    (0..n).map(|i| seed.wrapping_add((i as u8).wrapping_mul(31))).collect()
}

fn edge(v: u32, size: u32) -> u32 {
    match v % 8 {
        0 => 0,
        1 => size,
        2 => size.wrapping_add(1),
        3 => u32::MAX,
        4 => (1 << 24) - 1,
        _ => v % (size + 2),
    }
}

/// Every operation with arbitrary u32 arguments, on every type: returns, never panics.
#[test]
fn no_input_panics() {
    fn prop(size: u16, args: Vec<(u8, u32, u32, u32)>) -> bool {
        let size = u32::from(size) % 5000 + 14;
        let mut mem = bytes(size as usize, 1);
        let cells = Cell::from_mut(&mut mem[..]).as_slice_of_cells();
        let skb = Skb::with_frags(&bytes(14, 2), &[&bytes(size as usize - 14, 3)]).with_meta(&[1, 2, 3]);
        let xdp = XdpBuff::test_run(&bytes(size as usize, 4), 20, 3520, 4096);
        let mut ptrs = [
            Dynptr::from_mem(cells, size, 0).unwrap(),
            Dynptr::ringbuf_sample(cells, size),
            Dynptr::from_skb(&skb, 0).unwrap(),
            Dynptr::from_skb_rdonly(&skb, 0).unwrap(),
            Dynptr::from_skb_meta(&skb, 0).unwrap(),
            Dynptr::from_xdp(&xdp, 0).unwrap(),
            Dynptr::null(),
        ];
        let mut out = vec![0u8; 300];
        for (op, a, b, c) in args {
            let i = usize::from(op) % ptrs.len();
            let (a, b) = (edge(a, size), edge(b, size));
            let len = c % 300;
            let p = ptrs[i];
            let other = ptrs[(i + 1) % ptrs.len()];
            match op / 32 {
                0 => {
                    let _ = abi::bpf_dynptr_read(&mut out, len, &p, a, u64::from(c % 3));
                }
                1 => {
                    let _ = abi::bpf_dynptr_write(&p, a, &out, len, u64::from(c % 5));
                }
                2 => {
                    let _ = p.slice(a, len, Some(&mut out));
                }
                3 => {
                    let _ = p.slice_rdwr(a, len, None);
                }
                4 => {
                    let _ = ptrs[i].adjust(a, b);
                }
                5 => {
                    let _ = p.copy(a, &other, b, c);
                }
                6 => {
                    let _ = p.memset(a, b, op);
                }
                _ => {
                    let _ = p.data(a, len);
                }
            }
        }
        true
    }
    QuickCheck::new().tests(500).quickcheck(prop as fn(u16, Vec<(u8, u32, u32, u32)>) -> bool);
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
        let pl = Dynptr::from_xdp(&linear, 0).unwrap();
        let ps = Dynptr::from_xdp(&split, 0).unwrap();
        for (op, off, len, val) in ops {
            let (off, len) = (u32::from(off) % (total + 2), u32::from(len) % 600);
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
        let base = Dynptr::from_mem(cells, size, 0).unwrap();
        let mut two = base;
        let [a, b, c, d] = [a, b, c, d].map(|v| u32::from(v) % (size + 2));
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
    let p = Dynptr::from_skb(&skb, 0).unwrap();
    assert!(p.slice(10, 20, None).is_none());
    p.write(40, b"abc", 0).unwrap();
    assert_eq!(skb.headlen(), 43);
    assert!(p.slice(10, 20, None).is_some());
}
