#!/usr/bin/env bash
# The kernel matrix: the conformance run of bpf-model in Debian's kernels 6.1 ... 7.3 under qemu.
#
#   bash scripts/matrix.sh [--kernels "6.1 7.3"] [--cases N] [--area A]... [--seed S]
#                          [--timeout SECONDS] [--record-limit N] [--vectors DIR]
#
# Builds a static `bpf-oracle`, boots each kernel with ../shared/qemu/boot-kernel.sh (a time limit on
# every boot), runs `bpf-oracle conformance --record` in it, copies the recorded vectors of every area
# that agreed into DIR/<series>/<area>.jsonl (default DIR: vectors) and prints, for each kernel and area,
#   matrix <series> <area>: cases=<N> agree=<N> disagree=<N>
# An area the kernel does not have prints `cases=0` with the reason on the line before; a kernel that
# cannot be fetched or booted, or a guest that hangs, is one line and the run goes on with the next
# kernel. Exits non-zero if any area disagrees or fails on any kernel, or a kernel gave no result.
#
# The qemu scripts: $BPF_QEMU_DIR, else ../shared/qemu beside the checkout (or beside the main checkout
# of a git worktree). Logs and the guests' raw output: target/matrix/.
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

all_kernels="6.1 6.12 6.16 6.17 6.18 6.19 7.0 7.1 7.2 7.3"
kernels=$all_kernels; cases=1000; seed=1; areas=(); tmo=1800; record_limit=500; vecdir=vectors
usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
need_val() { [ $# -ge 2 ] && [ -n "$2" ] || { echo "matrix: $1 needs a value" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case $1 in
    --kernels) need_val "$@"; kernels=$2; shift 2;;
    --cases) need_val "$@"; cases=$2; shift 2;;
    --seed) need_val "$@"; seed=$2; shift 2;;
    --area) need_val "$@"; areas+=("$2"); shift 2;;
    --timeout) need_val "$@"; tmo=$2; shift 2;;
    --record-limit) need_val "$@"; record_limit=$2; shift 2;;
    --vectors) need_val "$@"; vecdir=$2; shift 2;;
    -h|--help) usage;;
    *) echo "matrix: unknown argument: $1" >&2; usage;;
  esac
done
for n in "$cases" "$seed" "$tmo" "$record_limit"; do
  [[ $n =~ ^[0-9]+$ ]] || { echo "matrix: not a number: $n" >&2; exit 2; }
done
for k in $kernels; do
  [[ " $all_kernels " == *" $k "* ]] || { echo "matrix: unknown kernel series $k (the matrix: $all_kernels)" >&2; exit 2; }
done

# The qemu scripts.
qemu=""
if [ -n "${BPF_QEMU_DIR:-}" ]; then
  qemu=$BPF_QEMU_DIR
elif [ -x "$repo/../shared/qemu/boot-kernel.sh" ]; then
  qemu=$repo/../shared/qemu
else
  common=$(git rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
  [ -n "$common" ] && [ -x "$common/../../shared/qemu/boot-kernel.sh" ] && qemu=$common/../../shared/qemu
fi
if [ -z "$qemu" ] || [ ! -x "$qemu/boot-kernel.sh" ] || [ ! -x "$qemu/fetch-kernel.sh" ]; then
  echo "matrix: the qemu scripts are missing: expected ../shared/qemu/boot-kernel.sh beside the checkout ($repo/../shared/qemu) or BPF_QEMU_DIR" >&2
  exit 1
fi
qemu=$(cd "$qemu" && pwd)

# What the build and the guests need (Debian).
bash scripts/setup.sh
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
[ -x /bin/busybox ] && ! LD_TRACE_LOADED_OBJECTS=1 /bin/busybox 2>&1 | grep -q 'linux-vdso\|=>' || need+=(busybox-static)
command -v cpio >/dev/null || need+=(cpio)
command -v depmod >/dev/null || need+=(kmod)
command -v xz >/dev/null || need+=(xz-utils)
command -v zstd >/dev/null || need+=(zstd)
command -v objcopy >/dev/null || need+=(binutils)
if [ ${#need[@]} -gt 0 ]; then
  echo "matrix: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
    || { echo "matrix: could not install ${need[*]}" >&2; exit 1; }
fi

# The static oracle (glibc static-pie: runs in a busybox initramfs).
work=$repo/target/matrix
mkdir -p "$work"
oracle=$work/bpf-oracle
t0=$(date +%s)
echo "matrix: building the static bpf-oracle"
if ! RUSTFLAGS="-C target-feature=+crt-static" cargo build --release -q -p bpf-oracle --target x86_64-unknown-linux-gnu; then
  echo "matrix: building the static bpf-oracle failed" >&2
  exit 1
fi
objcopy --strip-debug target/x86_64-unknown-linux-gnu/release/bpf-oracle "$oracle" || exit 1
echo "matrix: static bpf-oracle built in $(( $(date +%s) - t0 )) s"

args="--cases $cases --seed $seed --record /out --record-limit $record_limit"
for a in "${areas[@]}"; do args+=" --area $a"; done
# Newlines and carriage returns out, for one-line messages.
oneline() { tr -d '\r' | tr '\n' ' ' | sed 's/ *$//'; }

summary=(); failed=0
for k in $kernels; do
  kstart=$(date +%s)
  echo "matrix: [$k] fetching the kernel"
  if ! kdir=$(timeout -k 10 1200 "$qemu/fetch-kernel.sh" "$k" 2>"$work/fetch-$k.log"); then
    line="matrix $k: could not fetch the kernel: $(tail -n 1 "$work/fetch-$k.log" | oneline)"
    [ "$(tail -n 3 "$work/fetch-$k.log")" ] || line="matrix $k: could not fetch the kernel within 1200 s"
    echo "$line"; summary+=("$line"); failed=1; continue
  fi
  out=$work/out-$k; log=$work/log-$k.txt
  rm -rf "$out"
  echo "matrix: [$k] booting $(cat "$kdir/kver" 2>/dev/null) (time limit ${tmo} s): bpf-oracle conformance $args"
  # The guest's output streams into the log; progress, results and errors also to the terminal.
  # (Through `cat`: the guest's serial console is a terminal, where the oracle redraws its progress per case.)
  bash "$qemu/boot-kernel.sh" -t "$tmo" -f "$oracle:/bin/bpf-oracle" -o "$out" "$k" \
    "set -o pipefail; bpf-oracle conformance $args 2>&1 | cat" > "$log" 2>&1 &
  bpid=$!
  tail -n +1 -f --pid=$bpid "$log" 2>/dev/null \
    | grep --line-buffered -E '^\[[a-z]+\] |^== |^conformance|^boot-kernel|error|DISAGREE|^note' \
    | sed -u "s/^/matrix: [$k] /" &
  tpid=$!
  wait $bpid; rc=$?
  wait $tpid 2>/dev/null
  secs=$(( $(date +%s) - kstart ))
  results=$(tr -d '\r' < "$log" | grep -E '^conformance [a-z]+: cases=[0-9]+ agree=[0-9]+ disagree=[0-9]+$')
  if [ -z "$results" ]; then
    if grep -q 'qemu rc 124\|qemu rc 137' "$log"; then
      why="the guest hung: qemu killed after the time limit of $tmo s; console in $log"
    elif [ "$rc" = 125 ]; then
      why="the kernel did not boot or qemu failed ($(grep -m1 -i 'qemu-system\|error' "$log" | oneline)); console in $log"
    else
      why="no conformance result (exit $rc): $(tr -d '\r' < "$log" | grep -v '^\[' | tail -n 3 | oneline)"
    fi
    line="matrix $k: $why"
    echo "$line"; summary+=("$line"); failed=1; continue
  fi
  while read -r _ area counts; do
    area=${area%:}
    reason=$(tr -d '\r' < "$log" | grep -E "^conformance $area: (absent|error): " | tail -n 1)
    [ -n "$reason" ] && summary+=("matrix $k ${reason#conformance }")
    summary+=("matrix $k $area: $counts")
    dis=${counts##*disagree=}
    if [ "$dis" != 0 ] || [[ $reason == *": error: "* ]]; then
      failed=1
      [ -s "$out/$area.jsonl" ] && echo "matrix: [$k] $area disagrees: its vectors stay in $out/$area.jsonl"
    elif [ -s "$out/$area.jsonl" ]; then
      mkdir -p "$vecdir/$k"
      cp "$out/$area.jsonl" "$vecdir/$k/$area.jsonl"
    fi
  done <<< "$results"
  [ "$rc" = 0 ] || [ "$rc" = 1 ] || { summary+=("matrix $k: the guest exited $rc"); failed=1; }
  echo "matrix: [$k] done in $secs s (exit $rc)"
done
echo "matrix: total $(( $(date +%s) - t0 )) s"
printf '%s\n' "${summary[@]}"
exit $failed
