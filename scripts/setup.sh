#!/usr/bin/env bash
# Installs what building and running bpf-model and its kernel oracle need on Debian, when it is missing:
# clang-19 (compiles oracle/bpf/*.bpf.c), libelf and zlib (libbpf), pkg-config, and rustfmt/clippy.
set -euo pipefail
need=()
command -v clang-19 >/dev/null || command -v clang >/dev/null || need+=(clang-19)
command -v llvm-strip-19 >/dev/null || command -v llvm-strip >/dev/null || need+=(llvm-19)
command -v pkg-config >/dev/null || need+=(pkg-config)
for pkg in libelf-dev zlib1g-dev linux-libc-dev libbpf-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
if command -v rustup >/dev/null; then
  rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
fi
