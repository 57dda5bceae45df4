#!/usr/bin/env bash
# The C face: builds capi/ (libbpf_model_capi.a), compiles capi/tests/capi_test.c with the system C
# compiler against it, runs it. Prints "capi: <N> passed, <M> failed" and exits non-zero on a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p bpf-model-capi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"${CC:-cc}" -std=gnu11 -Wall -Wextra -Werror -O2 -I capi/include capi/tests/capi_test.c \
	target/release/libbpf_model_capi.a -lpthread -ldl -lm -o "$out/capi_test"
"$out/capi_test"
