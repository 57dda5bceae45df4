#!/usr/bin/env bash
# The main job: the conformance run of bpf-model against the live kernel (needs root: CAP_BPF etc.).
# Extra arguments go to `bpf-oracle conformance` (--cases N, --seed S, --area A, --record).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --release -q -p bpf-oracle
exec ./target/release/bpf-oracle conformance "$@"
