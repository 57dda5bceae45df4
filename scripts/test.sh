#!/usr/bin/env bash
# Every test: formatting, clippy (-D warnings), the model's unit, property and doc tests, the replay of
# the recorded kernel vectors, the differential tests against the live kernel, and the loom tests.
# Set BPF_ORACLE_REQUIRE=1 to make a machine that cannot load BPF fail instead of printing SKIPPED.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== rustfmt"; cargo fmt --all -- --check
echo "== clippy"; cargo clippy --workspace --all-targets -q -- -D warnings
echo "== rustdoc"; RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps -q
echo "== tests (model, vectors, kernel differential)"; cargo test --workspace --release
echo "== the C face"; bash scripts/capi-test.sh
echo "== full-range tests in a debug build (arithmetic overflow panics)"
cargo test -p bpf-model --test cpumask_full_range --test sockopt_overflow --test dynptr_props
echo "== loom"
RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=1 CARGO_TARGET_DIR=target/loom cargo test -p bpf-model --release --test loom_ringbuf
echo "== loom catches the deliberately broken ring buffer (cfg ringbuf_broken: its loom tests are should_panic)"
RUSTFLAGS="--cfg loom --cfg ringbuf_broken" LOOM_MAX_PREEMPTIONS=1 CARGO_TARGET_DIR=target/loom-broken cargo test -p bpf-model --release --test loom_ringbuf
