#!/usr/bin/env bash
# export_packers.sh: end-to-end `mblob export` per packer, and link time per linker.
#
# For each blob size, a model (host code + a 1 KiB device module + weights of that size) is
# exported with every packer; wall time and peak RSS (of mblob and the tools it runs, as
# /usr/bin/time reports for the process tree it waits for) are the median of RUNS runs. Then the
# native export is repeated with each linker.
#
# usage: bench/export_packers.sh [path/to/mblob] [work-dir]
#   RUNS=3 SIZES_MIB="16 256 1024" PACKERS="native asm-incbin objcopy command c-hex"
#   CHEX_MAX_MIB=16: c-hex (TVM's C array) is skipped above this size: at ~5 bytes of C per blob
#   byte its compile time and compiler memory grow past minutes and GiBs (see the table).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
mblob=${1:-$root/build/release/mblob}
work=${2:-$root/bench/out/export}
runs=${RUNS:-3}
sizes=${SIZES_MIB:-16 256 1024}
packers=${PACKERS:-native asm-incbin objcopy command c-hex}
chex_max=${CHEX_MAX_MIB:-16}
linkers=${LINKERS:-bfd gold lld mold}
timebin=/usr/bin/time

[ -x "$mblob" ] || { echo "export_packers: $mblob is not built" >&2; exit 1; }
mkdir -p "$work"

measure() {  # prints "<wall s> <peak RSS KiB>"
  local start end rss
  start=$(date +%s%N)
  rss=$("$timebin" -f %M "$@" 2>&1 >/dev/null | tail -n 1)
  end=$(date +%s%N)
  awk -v s="$start" -v e="$end" -v r="$rss" 'BEGIN { printf "%.3f %d\n", (e - s) / 1e9, r }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

model() {  # model <mib>: writes $work/<mib>/model.json
  local d="$work/$1"
  mkdir -p "$d"
  echo 'int model_add(int a, int b) { return a + b; }' > "$d/host.c"
  head -c 1024 /dev/urandom > "$d/k.ptx"
  [ -f "$d/w.bin" ] && [ "$(stat -c %s "$d/w.bin")" -eq $(($1 << 20)) ] || head -c $(($1 << 20)) /dev/urandom > "$d/w.bin"
  cat > "$d/model.json" <<JSON
{"modules":[{"name":"host","kind":"host","sources":["host.c"],"imports":["gpu","w"]},
 {"name":"gpu","kind":"cuda","payload":"k.ptx"},{"name":"w","kind":"params","payload":"w.bin"}]}
JSON
  cat "$d/w.bin" > /dev/null
}

run_case() {  # run_case <mib> <label> <mblob export args...>: prints a table row
  local mib=$1 label=$2; shift 2
  local d="$work/$mib" f="$work/times.txt"
  : > "$f"
  for i in $(seq 0 "$runs"); do
    rm -f "$d/out.so"
    r=$(measure "$mblob" export "$d/model.json" -o "$d/out.so" -q "$@")
    [ "$i" -gt 0 ] && echo "$r" >> "$f"  # run 0 warms the caches
  done
  t=$(cut -d' ' -f1 "$f" | median)
  m=$(cut -d' ' -f2 "$f" | median)
  printf '| %s MiB | %s | %.2f | %.0f |\n' "$mib" "$label" "$t" "$(echo "$m / 1024" | bc -l)"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo); runs: $runs (median); mblob: $mblob"
echo
echo "| blob | packer | export wall (s) | peak RSS (MiB) |"
echo "|---|---|---|---|"
for mib in $sizes; do
  model "$mib"
  for p in $packers; do
    if [ "$p" = c-hex ] && [ "$mib" -gt "$chex_max" ]; then
      printf '| %s MiB | c-hex | skipped (> %s MiB: CHEX_MAX_MIB) | |\n' "$mib" "$chex_max"
      continue
    fi
    extra=()
    [ "$p" = command ] && extra=(--pack-command "$mblob pack {blob} -o {output} --symbol {symbol} --quiet")
    run_case "$mib" "$p" --packer "$p" "${extra[@]}"
  done
done
echo
echo "| blob | linker (native packer) | export wall (s) | peak RSS (MiB) |"
echo "|---|---|---|---|"
for mib in $sizes; do
  for l in $linkers; do run_case "$mib" "$l" --linker "$l"; done
done
rm -rf "$work"
