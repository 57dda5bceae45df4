//! The integer face of `bpf_model::dynptr` and the copies whose result depends on their direction, with
//! the answers the kernel gave: the pointers `bpf_dynptr_data` / `bpf_dynptr_slice(_rdwr)` return (direct
//! into the memory, or the caller's buffer, or NULL, as `oracle/tests/dynptr_differential.rs` sees the
//! kernel return 1, 2 and 0 for them), and the overlapping XDP copy of that test, whose bytes the host
//! kernel produced.

use bpf_model::dynptr::{abi, Dynptr, Skb, XdpBuff};
use bpf_model::vectors::dynptr::fill_byte;
use bpf_model::vectors::dynptr::{DynptrCase, DynptrOutcome};
use bpf_model::vectors::Case;
use bpf_model::{Errno, KernelProfile, KernelVersion, Rules};
use std::cell::Cell;

fn rules(major: u16, minor: u16) -> Rules {
    Rules::new(KernelVersion::new(major, minor, 0)).unwrap()
}

#[test]
fn data_and_slices_return_the_address_of_the_bytes() {
    let mut mem = [7u8; 64];
    let cells = Cell::from_mut(&mut mem[..]).as_slice_of_cells();
    let base = cells.as_ptr() as u64;
    let p = Dynptr::from_mem(Rules::newest(), cells, 64, 0).unwrap();
    assert_eq!(abi::bpf_dynptr_data(&p, 10, 4), base + 10);
    assert_eq!(abi::bpf_dynptr_data(&p, 64, 0), base + 64);
    assert_eq!(abi::bpf_dynptr_data(&p, 61, 4), 0);
    assert_eq!(abi::bpf_dynptr_slice(&p, 3, None, 14), base + 3);
    let mut buf = [0u8; 14];
    assert_eq!(abi::bpf_dynptr_slice(&p, 50, Some(&mut buf), 14), base + 50);
    assert_eq!(abi::bpf_dynptr_slice(&p, 51, Some(&mut buf), 14), 0);
    assert_eq!(abi::bpf_dynptr_slice_rdwr(&p, 1, None, 1), base + 1);
    // An adjusted clone points further in.
    let mut c = Dynptr::null(Rules::newest());
    assert_eq!(abi::bpf_dynptr_clone(&p, &mut c), 0);
    assert_eq!(abi::bpf_dynptr_adjust(&mut c, 5, 20), 0);
    assert_eq!(abi::bpf_dynptr_data(&c, 2, 1), base + 7);
    assert_eq!(abi::bpf_dynptr_slice(&c, 0, None, 15), base + 5);
    assert_eq!(abi::bpf_dynptr_slice(&c, 1, None, 15), 0);
}

#[test]
fn a_slice_across_an_xdp_fragment_returns_the_buffer() {
    let xdp = XdpBuff::with_frags(&[1u8; 100], &[&[2u8; 500]]);
    let p = Dynptr::from_xdp(Rules::newest(), &xdp, 0).unwrap();
    let mut buf = [0u8; 14];
    let addr = buf.as_ptr() as u64;
    assert_eq!(abi::bpf_dynptr_slice(&p, 90, None, 14), 0);
    assert_eq!(abi::bpf_dynptr_slice(&p, 90, Some(&mut buf), 14), addr);
    assert_eq!(buf, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2]);
    let mut buf2 = [0u8; 14];
    let addr2 = buf2.as_ptr() as u64;
    assert_eq!(abi::bpf_dynptr_slice_rdwr(&p, 95, Some(&mut buf2), 14), addr2);
    assert_ne!(abi::bpf_dynptr_slice_rdwr(&p, 0, None, 14), 0);
    // Read-only: slice_rdwr is NULL, slice is not.
    let skb = Skb::new(&[0u8; 40]);
    let r = Dynptr::from_skb_rdonly(Rules::newest(), &skb, 0).unwrap();
    assert_eq!(abi::bpf_dynptr_slice_rdwr(&r, 0, None, 14), 0);
    assert_ne!(abi::bpf_dynptr_slice(&r, 0, None, 14), 0);
}

/// The case of `dynptr_edges_agree_with_kernel`: XDP with 100 linear bytes of 600, `d1 = clone(d0)`,
/// `bpf_dynptr_copy(d1, 80, d0, 50, 40)`. The kernel's bytes: from 80 on, the source repeats.
#[test]
fn overlapping_xdp_copy_with_the_destination_above_repeats_the_pattern() {
    let data: Vec<u8> = (0..600).map(|i| fill_byte(3, i)).collect();
    let xdp = XdpBuff::test_run(&data, 100, 3520, 4096);
    let p = Dynptr::from_xdp(Rules::newest(), &xdp, 0).unwrap();
    let c = p.clone_dynptr().unwrap();
    assert_eq!(abi::bpf_dynptr_copy(&c, 80, &p, 50, 40), 0);
    let mut want = data.clone();
    for i in 0..40 {
        want[80 + i] = want[50 + i];
    }
    assert_eq!(xdp.to_vec(), want);
    // The destination below the source, overlapping: every byte moves once (a memmove's result).
    let xdp = XdpBuff::test_run(&data, 100, 3520, 4096);
    let p = Dynptr::from_xdp(Rules::newest(), &xdp, 0).unwrap();
    assert_eq!(p.copy(70, &p, 80, 40), Ok(()));
    let mut want = data.clone();
    want.copy_within(80..120, 70);
    assert_eq!(xdp.to_vec(), want);
}

#[test]
fn offsets_with_bit_32_truncate_before_6_19() {
    for (rules, wide) in [(rules(6, 18), false), (rules(6, 19), true), (rules(7, 3), true)] {
        let mut mem = [0u8; 64];
        let cells = Cell::from_mut(&mut mem[..]).as_slice_of_cells();
        let p = Dynptr::from_mem(rules, cells, 64, 0).unwrap();
        let e2big = |v: i64| if wide { -7 } else { v };
        assert_eq!(abi::bpf_dynptr_write(&p, 1 << 32, b"ab", 2, 0), e2big(0));
        assert_eq!(abi::bpf_dynptr_write(&p, (1 << 32) + 62, b"ab", 2, 0), e2big(0));
        assert_eq!(abi::bpf_dynptr_write(&p, 1 << 32, b"abc", (1 << 32) + 2, 0), if wide { -14 } else { 0 });
        let mut out = [0u8; 2];
        assert_eq!(abi::bpf_dynptr_read(&mut out, 2, &p, (1 << 32) + 62, 0), e2big(0));
        assert_eq!(abi::bpf_dynptr_data(&p, 1 << 32, 1) != 0, !wide);
        assert_eq!(abi::bpf_dynptr_memset(&p, 1 << 32, 3, 9), e2big(0));
        assert_eq!(abi::bpf_dynptr_copy(&p, 1 << 32, &p, 62, 2), e2big(0));
        let mut c = p;
        assert_eq!(abi::bpf_dynptr_adjust(&mut c, 1 << 32, (1 << 32) + 8), if wide { -34 } else { 0 });
        assert_eq!(abi::bpf_dynptr_size(&c), if wide { 64 } else { 8 });
        assert_eq!(abi::bpf_dynptr_size(&Dynptr::null(rules)), if wide { u64::MAX - 21 } else { 0xffff_ffea });
        assert_eq!(c.check_off_len(1 << 32, 0).is_err(), wide);
        if !wide {
            let mut out = [0u8; 3];
            assert_eq!(p.read(&mut out, 0, 0), Ok(()));
            assert_eq!(out, [b'a', b'b', 9]); // memset at 0, then the copy of [62, 64) to 0
        }
    }
}

#[test]
fn kfuncs_exist_from_their_release() {
    let mut mem = [0u8; 16];
    let cells = Cell::from_mut(&mut mem[..]).as_slice_of_cells();
    let skb = Skb::new(&[0u8; 20]);
    let xdp = XdpBuff::new(&[0u8; 20]);
    // 6.1: only the helpers.
    let r = rules(6, 1);
    let mut p = Dynptr::from_mem(r, cells, 16, 0).unwrap();
    assert_eq!(p.write(0, b"x", 0), Ok(()));
    assert_eq!(p.adjust(0, 1), Err(Errno::ESRCH));
    assert_eq!(p.clone_dynptr().unwrap_err(), Errno::ESRCH);
    assert_eq!(p.checked_size(), Err(Errno::ESRCH));
    assert!(p.slice(0, 1, None).is_none() && p.slice_rdwr(0, 1, None).is_none());
    assert_eq!((abi::bpf_dynptr_is_null(&p), abi::bpf_dynptr_is_rdonly(&p)), (0, 0));
    assert_eq!(Dynptr::from_skb(r, &skb, 0).unwrap_err(), Errno::ESRCH);
    assert_eq!(Dynptr::from_xdp(r, &xdp, 0).unwrap_err(), Errno::ESRCH);
    // 6.12: slices, adjust, clone, packet dynptrs; no copy (6.15), memset (6.17), skb_meta (6.18).
    let r = rules(6, 12);
    let p = Dynptr::from_mem(r, cells, 16, 0).unwrap();
    assert!(p.slice(0, 1, None).is_some());
    assert_eq!(p.copy(0, &p, 1, 1), Err(Errno::ESRCH));
    assert_eq!(p.memset(0, 1, 1), Err(Errno::ESRCH));
    assert_eq!(abi::bpf_dynptr_is_null(&Dynptr::null(r)), 1);
    assert!(Dynptr::from_skb(r, &skb, 0).is_ok());
    assert_eq!(Dynptr::from_skb_meta(r, &skb, 0).unwrap_err(), Errno::ESRCH);
    // 6.17: memset; 6.18: skb_meta.
    assert_eq!(Dynptr::from_mem(rules(6, 17), cells, 16, 0).unwrap().memset(0, 1, 1), Ok(()));
    assert!(Dynptr::from_skb_meta(rules(6, 18), &skb, 0).is_ok());
}

#[test]
fn write_checks_flags_first_before_6_4() {
    let mut mem = [0u8; 16];
    let cells = Cell::from_mut(&mut mem[..]).as_slice_of_cells();
    let old = Dynptr::from_mem(rules(6, 1), cells, 16, 0).unwrap();
    let new = Dynptr::from_mem(rules(6, 12), cells, 16, 0).unwrap();
    assert_eq!(old.write(20, b"x", 1), Err(Errno::EINVAL));
    assert_eq!(new.write(20, b"x", 1), Err(Errno::E2BIG));
    assert_eq!(old.write(0, b"x", 1), Err(Errno::EINVAL));
    assert_eq!(new.write(0, b"x", 1), Err(Errno::EINVAL));
}

/// The one case the TCG guests 6.18.15, 6.19.14 and 7.3.4 answered differently from the host (seed 1,
/// 1000 cases each): XDP with 15 linear bytes of 215, `bpf_dynptr_copy(d1, 16, d1, 0, 182)`. The source
/// crosses into the fragment, the destination is direct, so `bpf_xdp_copy_buf` reads with one `memcpy`
/// per segment; the second copies 167 bytes from fragment offset 0 to fragment offset 16. Without FSRM
/// the guests' `memcpy_orig` copies that backwards (source low byte 0x00 below 0x10) and moves every byte
/// once; the host's `rep movsb` repeats the pattern. Below: the guests' outcome (identical on all three),
/// and the model with the guest's profile (`cpu_fsrm: false`) and with the host's.
#[test]
fn overlapping_xdp_copy_follows_the_cpus_memcpy() {
    let case: DynptrCase = serde_json::from_str(CASE).unwrap();
    let guest: DynptrOutcome = serde_json::from_str(GUEST_OUTCOME).unwrap();
    for series in [(6, 18), (6, 19), (7, 3)] {
        let mut tcg = KernelProfile::debian(series.0, series.1).unwrap();
        tcg.cpu_fsrm = false;
        assert_eq!(case.run_model(&tcg), guest, "{series:?}");
        let mut fsrm = tcg.clone();
        fsrm.cpu_fsrm = true;
        assert_ne!(case.run_model(&fsrm), guest, "{series:?}");
    }
}

const CASE: &str = r#"{"kind":"xdp","size":215,"head":15,"flags":0,"seed":0,"aux_size":53,"aux_seed":0,"pre_adjust":null,"steps":[{"h":1,"op":"copy","dst_off":16,"src":1,"src_off":0,"len":182}]}"#;

const GUEST_OUTCOME: &str = r#"{"ctor":0,"aux":0,"pre":0,"clone":0,"rets":[0],"outs":[""],"mem":"001f3e5d7c9bbad9f81736557493b2d1001f3e5d7c9bbad9f81736557493b2d1001f3e5d7c9bbad9f81736557493b2c1e0ff1e3d5c7b9ab9d8f71635547392b1d0ef0e2d4c6b8aa9c8e70625446382a1c0dffe1d3c5b7a99b8d7f61534537291b0cfee0d2c4b6a89a8c7e60524436281a0bfdefd1c3b5a7998b7d6f51433527190afceed0c2b4a6988a7c6e504234261809fbeddfc1b3a597897b6d5f4133251708faecdec0b2a496887a6c5e4032241607f9ebddcfb1a39587796b5d4f31231506f8eadccebfa1938577695b4d3f211304f6e8daccbea","aux_mem":"001f3e5d7c9bbad9f81736557493b2d1f00f2e4d6c8baac9e80726456483a2c1e0ff1e3d5c7b9ab9d8f71635547392b1d0ef0e2d4c6b8aa9c8e70625446382a1c0dffe1d3c5b7a99b8d7f61534537291b0cfee0d2c4b6a89a8c7e60524436281a0bfdefd1c3b5a7998b7d6f51433527190afceed0c2b4a6988a7c6e504234261809fbeddfc1b3a597897b6d5f4133251708faecdec0b2a496887a6c5e4032241607f9ebddcfb1a39587796b5d4f31231506f8eadcceb0a29486786a5c4e30221405f7e9dbcdbfa1938577695b4d3f211304f6e8daccbea0928476685a4c3e201203f5e7d9cbbdaf91837567594b3d2f1102f4e6d8cabcae90827466584a3c2e1001f3e5d7c9bbad9f81736557493b2d1f00f2e4d6c8baac9e80726456483a2c1e0ff1e3d5c7b9ab9d8f71635547392b1d0ef0e2d4c6b8aa9c8e70625446382a1c0dffe1d3c5b7a99b8d7f61534537291b0cfee0d2c4b6a89a8c7e60524436281a0bfdefd1c3b5a7998b7d6f51433527190afceed0c2b4a6988a7c6e504234261809fbeddfc1b3a597897b6d5f4133251708faecdec0b2a496887a6c5e4032241607f9ebddcfb1a39587796b5d4f31231506f8eadcceb0a29486786a5c4e30221405f7e9dbcdbfa1938577695b4d3f211304f6e8daccbea0928476685a4c3e201203f5e7d9cbbdaf91837567594b3d2f1102f4e6d8cabcae90827466584a3c2e1"}"#;

/// The size words the kernel keeps (seen on 6.18.44 by copying a dynptr's 16 bytes out of a SYSCALL
/// program): a 24-byte RINGBUF sample 0x20000018; a LOCAL dynptr over 64 bytes after `adjust(3, 20)`
/// 0x10000011 at offset 3. The type decodes back from the word.
#[test]
fn size_words_are_the_kernels() {
    use bpf_model::dynptr::DynptrType;
    let mut sample = [0u8; 64];
    let cells = Cell::from_mut(&mut sample[..]).as_slice_of_cells();
    let r = Dynptr::ringbuf_sample(Rules::newest(), &cells[..24], 24);
    assert_eq!((r.size_word(), r.dynptr_type()), (0x2000_0018, Some(DynptrType::Ringbuf)));
    let mut l = Dynptr::from_mem(Rules::newest(), cells, 64, 0).unwrap();
    l.adjust(3, 20).unwrap();
    assert_eq!((l.size_word(), l.offset(), l.dynptr_type()), (0x1000_0011, 3, Some(DynptrType::Local)));
    let skb = Skb::new(&[0u8; 20]);
    let x = XdpBuff::new(&[0u8; 20]);
    let kinds = [
        (Dynptr::from_skb(Rules::newest(), &skb, 0).unwrap(), DynptrType::Skb, 3),
        (Dynptr::from_xdp(Rules::newest(), &x, 0).unwrap(), DynptrType::Xdp, 4),
        (Dynptr::from_skb_meta(Rules::newest(), &skb, 0).unwrap(), DynptrType::SkbMeta, 5),
    ];
    for (p, ty, raw) in kinds {
        assert_eq!((p.dynptr_type(), DynptrType::from_raw(raw)), (Some(ty), Some(ty)));
        assert_eq!(p.size_word() >> 28, raw);
    }
    assert_eq!(DynptrType::from_raw(0), None);
    assert_eq!(DynptrType::from_raw(6), None);
}

/// The constructors' integer face, as the kernel answered in `dynptr_edges_agree_with_kernel`: 0, and
/// `-EINVAL` with the dynptr set null for flags.
#[test]
fn constructors_answer_zero_or_the_errno() {
    let r = Rules::newest();
    let skb = Skb::new(&[0u8; 40]);
    let xdp = XdpBuff::new(&[0u8; 40]);
    let mut p = Dynptr::null(r);
    assert_eq!(abi::bpf_dynptr_from_skb(r, &skb, 0, false, &mut p), 0);
    assert_eq!((p.size(), p.is_rdonly()), (40, false));
    assert_eq!(abi::bpf_dynptr_from_skb(r, &skb, 0, true, &mut p), 0);
    assert!(p.is_rdonly());
    assert_eq!(abi::bpf_dynptr_from_skb(r, &skb, 1, false, &mut p), -22);
    assert!(p.is_null());
    assert_eq!(abi::bpf_dynptr_from_xdp(r, &xdp, 0, &mut p), 0);
    assert_eq!(p.size(), 40);
    assert_eq!(abi::bpf_dynptr_from_xdp(r, &xdp, 2, &mut p), -22);
    assert!(p.is_null());
    assert_eq!(abi::bpf_dynptr_from_skb_meta(r, &skb, 0, &mut p), 0);
    assert_eq!(abi::bpf_dynptr_from_skb_meta(r, &skb, 4, &mut p), -22);
    assert!(p.is_null());
}
