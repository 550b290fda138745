#!/usr/bin/env bash
# export_digest.sh: what the integrity digest costs an export (issue 8: under 10% at 1 GiB).
#
# A model with 1 GiB of weights (SIZE_MIB) is exported with the native packer and lld (LINKER),
# RUNS times with the digest and RUNS times with --no-digest, interleaved, after one warm-up
# each. Prints every run's phase times (the export summary) and the medians of the "digest" and
# "verify" phases and of the whole export.
#
# usage: bench/export_digest.sh [path/to/mblob] [work-dir]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
mblob=${1:-$root/build/release/mblob}
work=${2:-$root/bench/out/digest}
runs=${RUNS:-5}
mib=${SIZE_MIB:-1024}
linker=${LINKER:-lld}

[ -x "$mblob" ] || { echo "export_digest: $mblob is not built" >&2; exit 1; }
mkdir -p "$work"
echo 'int model_add(int a, int b) { return a + b; }' > "$work/host.c"
head -c 1024 /dev/urandom > "$work/k.ptx"
[ -f "$work/w.bin" ] && [ "$(stat -c %s "$work/w.bin")" -eq $((mib << 20)) ] ||
  head -c $((mib << 20)) /dev/urandom > "$work/w.bin"
cat > "$work/model.json" <<JSON
{"modules":[{"name":"host","kind":"host","sources":["host.c"],"imports":["gpu","w"]},
 {"name":"gpu","kind":"cuda","payload":"k.ptx"},{"name":"w","kind":"params","payload":"w.bin"}]}
JSON
cat "$work/w.bin" > /dev/null

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
phase() { sed -n "s/.*[;,] $1 \([0-9.]*\)s.*/\1/p"; }

: > "$work/with.txt"
: > "$work/without.txt"
for i in $(seq 0 "$runs"); do
  for mode in with without; do
    extra=()
    [ "$mode" = without ] && extra=(--no-digest)
    rm -f "$work/out.so"
    start=$(date +%s%N)
    line=$("$mblob" export "$work/model.json" -o "$work/out.so" --linker "$linker" "${extra[@]}" 2>&1 >/dev/null | tail -n 1)
    end=$(date +%s%N)
    wall=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", (e - s) / 1e9 }')
    echo "run $i, $mode digest: wall ${wall}s; $line"
    [ "$i" -gt 0 ] && echo "$wall $(echo "$line" | phase digest) $(echo "$line" | phase verify)" >> "$work/$mode.txt"
  done
done
echo
echo "| ${mib} MiB, native packer, $linker | export wall (s, median) | digest phase (s) | verify phase (s) |"
echo "|---|---|---|---|"
for mode in with without; do
  f="$work/$mode.txt"
  printf '| %s digest | %s | %s | %s |\n' "$mode" "$(cut -d' ' -f1 "$f" | median)" \
    "$( [ "$mode" = with ] && cut -d' ' -f2 "$f" | median || echo -)" "$(cut -d' ' -f3 "$f" | median)"
done
rm -rf "$work"
