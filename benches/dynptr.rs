//! `bpf_dynptr_memset`, `bpf_dynptr_read` and `bpf_dynptr_write` through the model, against the plain slice
//! operation of the same size (`fill`, `copy_from_slice`) in the same run, at 64 B, 4 KiB and 1 MiB.
//!
//! All buffers of one size live in one allocation at fixed distances (the dynptr's memory, then the
//! program-side buffer `GAP` bytes later, then the peer's source), so that both sides copy between buffers
//! the same distance apart and neither is slowed by 4 KiB aliasing of source and destination.

use bpf_model::dynptr::Dynptr;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::cell::Cell;
use std::hint::black_box;

const SIZES: [usize; 3] = [64, 4096, 1 << 20];
const GAP: usize = 1088;

/// The arena of one size: `(dynptr memory, program buffer, peer buffer)`, each `n` bytes, `GAP` apart.
fn arena(arena: &mut [u8], n: usize) -> (&mut [u8], &mut [u8], &mut [u8]) {
    let (mem, rest) = arena.split_at_mut(n);
    let (buf, rest) = rest[GAP..].split_at_mut(n);
    (mem, buf, &mut rest[GAP..GAP + n])
}

fn bench(c: &mut Criterion, group: &str, peer: &str) {
    let mut g = c.benchmark_group(group);
    for n in SIZES {
        g.throughput(Throughput::Bytes(n as u64));
        let mut store = vec![7u8; 3 * n + 3 * GAP];
        let (mem, buf, other) = arena(&mut store, n);
        let cells = Cell::from_mut(mem).as_slice_of_cells();
        let p = Dynptr::from_mem(bpf_model::Rules::newest(), cells, n as u32, 0).unwrap();
        g.bench_with_input(BenchmarkId::new("dynptr", n), &n, |b, &n| match group {
            "memset" => b.iter(|| black_box(&p).memset(0, black_box(n as u64), black_box(0x5a))),
            "read" => b.iter(|| black_box(&p).read(black_box(&mut buf[..]), 0, 0)),
            _ => b.iter(|| black_box(&p).write(0, black_box(&buf[..]), 0)),
        });
        g.bench_with_input(BenchmarkId::new(peer, n), &n, |b, _| match group {
            "memset" => b.iter(|| black_box(&mut other[..]).fill(black_box(0x5a))),
            // The peer of read copies `other` into the program buffer; of write, the buffer into `other`.
            "read" => b.iter(|| black_box(&mut buf[..]).copy_from_slice(black_box(&other[..]))),
            _ => b.iter(|| black_box(&mut other[..]).copy_from_slice(black_box(&buf[..]))),
        });
    }
    g.finish();
}

fn memset(c: &mut Criterion) {
    bench(c, "memset", "slice_fill");
}

fn read(c: &mut Criterion) {
    bench(c, "read", "copy_from_slice");
}

fn write(c: &mut Criterion) {
    bench(c, "write", "copy_from_slice");
}

criterion_group!(benches, memset, read, write);
criterion_main!(benches);
