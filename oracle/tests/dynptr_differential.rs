//! Every dynptr type and operation, model against the live kernel: generated sequences (the conformance
//! generator), and hand-picked edges, each of which is also checked against the answer the kernel gives.

use bpf_model::dynptr::DYNPTR_MAX_SIZE;
use bpf_model::vectors::dynptr::{DynptrCase, DynptrOp, DynptrOutcome, Kind, Step, XDP_MAX_LINEAR};
use bpf_model::vectors::{to_json, Case};
use bpf_oracle::areas::dynptr::DynptrArea;
use bpf_oracle::conformance::Area;
use bpf_oracle::testing::{differential, kernel_available};

#[test]
fn dynptr_sequences_agree_with_kernel() {
    if !kernel_available("dynptr_sequences_agree_with_kernel") {
        return;
    }
    assert!(differential::<DynptrArea>(30_000, 0xd1) >= 30_000);
}

fn case(kind: Kind, size: u32, head: u32, steps: Vec<(u8, DynptrOp)>) -> DynptrCase {
    DynptrCase {
        kind,
        size,
        head,
        flags: 0,
        seed: 3,
        aux_size: 64,
        aux_seed: 4,
        pre_adjust: None,
        steps: steps.into_iter().map(|(h, op)| Step { h, op }).collect(),
    }
}

/// Runs `c` in the kernel, asserts the model agrees, and returns the kernel's outcome.
fn judged(area: &mut DynptrArea, c: &DynptrCase) -> DynptrOutcome {
    let profile = bpf_model::KernelProfile::x86_64_v6_18();
    let kernel = area.run_kernel(c).expect("kernel test run");
    let model = c.run_model(&profile);
    assert_eq!(kernel, model, "case {}", to_json(c));
    kernel
}

#[test]
fn dynptr_edges_agree_with_kernel() {
    if !kernel_available("dynptr_edges_agree_with_kernel") {
        return;
    }
    let profile = bpf_model::KernelProfile::detect().profile;
    let mut area = DynptrArea::open(&profile).expect("load dynptr.bpf.c");
    use DynptrOp::*;
    let kinds = [
        (Kind::Local, 100, 0, 100),
        (Kind::Ringbuf, 100, 0, 100),
        (Kind::Skb, 100, 0, 100),
        (Kind::SkbRdonly, 100, 0, 86),
        (Kind::SkbMeta, 100, 0, 0),
        (Kind::Xdp, 100, 100, 100),
        (Kind::Xdp, 5000, 40, 5000),
    ];
    for (kind, size, head, s) in kinds {
        // offset == size with len 0 is valid; len 1 there is E2BIG; bad range beats bad flags for write,
        // bad flags beat bad range for read.
        let k = judged(
            &mut area,
            &case(
                kind,
                size,
                head,
                vec![
                    (0, Read { len: 0, offset: s, flags: 0 }),
                    (0, Read { len: 1, offset: s, flags: 0 }),
                    (0, Read { len: 1, offset: s, flags: 4 }),
                    (0, Write { offset: s, len: 1, flags: 4, src_seed: 1 }),
                ],
            ),
        );
        assert_eq!(k.rets[..3], [0, -7, -22], "{kind:?}");
        assert_eq!(k.rets[3], if kind == Kind::SkbRdonly { -22 } else { -7 }, "{kind:?}");
        // adjust(size, size) empties the clone only; the original keeps its size.
        let k = judged(
            &mut area,
            &case(
                kind,
                size,
                head,
                vec![(1, Adjust { start: s, end: s }), (1, Size), (0, Size), (1, Adjust { start: 1, end: 0 })],
            ),
        );
        assert_eq!(k.rets, [0, 0, s as i64, -22], "{kind:?}");
        // memset: empty at the end is 0; one past is E2BIG; read-only is EINVAL even when empty.
        let k = judged(
            &mut area,
            &case(
                kind,
                size,
                head,
                vec![
                    (0, Memset { offset: s, len: 0, val: 1 }),
                    (0, Memset { offset: s, len: 1, val: 1 }),
                    (0, IsRdonly),
                ],
            ),
        );
        let rdonly = kind == Kind::SkbRdonly;
        assert_eq!(
            k.rets,
            [if rdonly { -22 } else { 0 }, if rdonly { -22 } else { -7 }, i64::from(rdonly)],
            "{kind:?}"
        );
        // A null dynptr (constructor flags): read/write EINVAL, size (u32)-EINVAL, memset(0, 0) 0, copy of
        // nothing between two null dynptrs 0.
        let mut c = case(
            kind,
            size,
            head,
            vec![
                (0, IsNull),
                (0, Size),
                (0, Memset { offset: 0, len: 0, val: 0 }),
                (0, Copy { dst_off: 0, src: 1, src_off: 0, len: 0 }),
            ],
        );
        c.flags = 1;
        let k = judged(&mut area, &c);
        assert_eq!((k.ctor, k.clone), (-22, -22), "{kind:?}");
        assert_eq!(k.rets, [1, 4294967274, 0, 0], "{kind:?}");
    }
    // RINGBUF: flags before size, E2BIG above DYNPTR_MAX_SIZE, EINVAL when the ring cannot hold it.
    for (size, flags, want) in
        [(DYNPTR_MAX_SIZE + 1, 0, -7), (DYNPTR_MAX_SIZE + 1, 1, -22), (4081, 0, -22), (4080, 0, 0)]
    {
        let mut c = case(Kind::Ringbuf, size, 0, vec![(0, Size)]);
        c.flags = flags;
        assert_eq!(judged(&mut area, &c).ctor, want, "reserve {size} flags {flags}");
    }
    // XDP past 0xffff: read EFAULT, slice with a buffer copies (2), a memset longer than 0xffff takes the
    // chunked path and fails at the chunk at 0x10000, after writing the chunks before it.
    let big = 0x10000 + 4000;
    let k = judged(
        &mut area,
        &case(
            Kind::Xdp,
            big,
            XDP_MAX_LINEAR,
            vec![
                (0, Read { len: 8, offset: 0x10000, flags: 0 }),
                (0, Slice { offset: 0x10000, len: 14, buffer: true }),
                (0, Slice { offset: 0x10000, len: 14, buffer: false }),
                (0, Memset { offset: 0, len: 0x10000 + 100, val: 0xee }),
            ],
        ),
    );
    assert_eq!(k.rets, [-14, 2, 0, -14]);
    // Offsets with bit 32 set: truncated to their low half before 6.19 (write at 0, adjust to [0, 8)),
    // out of range from 6.19 (E2BIG, ERANGE); bpf_dynptr_size of a null dynptr in its return type.
    let wide = bpf_model::KernelProfile::x86_64_v6_18().rules().unwrap().has(bpf_model::Rule::DynptrU64Offsets);
    let mut c = case(
        Kind::Local,
        64,
        0,
        vec![
            (0, Write { offset: 1 << 32, len: 4, flags: 0, src_seed: 9 }),
            (1, Adjust { start: 1 << 32, end: (1 << 32) + 8 }),
            (1, Size),
            (0, Read { len: 4, offset: (1 << 32) + 60, flags: 0 }),
        ],
    );
    let k = judged(&mut area, &c);
    assert_eq!(k.rets, if wide { [-7, -34, 64, -7] } else { [0, 0, 8, 0] });
    c.flags = 1;
    c.steps = vec![Step { h: 0, op: Size }];
    assert_eq!(judged(&mut area, &c).rets, [if wide { -22 } else { 0xffff_ffea }]);
    // XDP, 100 linear bytes: copy [50, 90) (direct) to [80, 120) (across the fragment, so written by
    // bpf_xdp_copy_buf in two memcpys): the second reads [70, 90) after the first rewrote [80, 90), so the
    // bytes from 80 on repeat the pattern, as one ascending copy does (tests/dynptr_abi.rs asserts the
    // same bytes on the model alone).
    let k =
        judged(&mut area, &case(Kind::Xdp, 600, 100, vec![(1, Copy { dst_off: 80, src: 0, src_off: 50, len: 40 })]));
    assert_eq!(k.rets, [0]);
    let fill = |i: usize| bpf_model::vectors::dynptr::fill_byte(3, i);
    let mut want: Vec<u8> = (0..600).map(fill).collect();
    for i in 0..40 {
        want[80 + i] = want[50 + i];
    }
    assert_eq!(k.mem, bpf_model::vectors::ByteImage::new(&want));
    // XDP: a slice across the linear area and a fragment needs the buffer.
    let k = judged(
        &mut area,
        &case(
            Kind::Xdp,
            600,
            100,
            vec![
                (0, Slice { offset: 90, len: 14, buffer: false }),
                (0, Slice { offset: 90, len: 14, buffer: true }),
                (0, Data { offset: 0, len: 1, val: 1 }),
            ],
        ),
    );
    assert_eq!(k.rets, [0, 2, 0]);
    // slice_rdwr within the linear area is direct, where this kernel lets a program call it.
    if area.can_run(Kind::Xdp, true) {
        let k = judged(
            &mut area,
            &case(Kind::Xdp, 600, 100, vec![(0, SliceRdwr { offset: 86, len: 14, buffer: false, val: 1 })]),
        );
        assert_eq!(k.rets, [1]);
    } else {
        for x in area.excluded() {
            println!("{}", x.line());
        }
    }
}
