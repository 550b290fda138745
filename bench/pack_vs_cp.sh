#!/usr/bin/env bash
# pack_vs_cp.sh: `mblob pack` against `cp` (the floor: one file-to-file copy) on 64 MiB and
# 1 GiB inputs. Wall time and peak RSS, median of RUNS runs each, interleaved in the same run,
# printed as a markdown table.
#
# usage: bench/pack_vs_cp.sh [path/to/mblob] [work-dir]
#   mblob     default: build/release/mblob (cmake --preset release && cmake --build build/release)
#   work-dir  default: bench/out (inputs and outputs live here, on one file system)
#   RUNS=5 SIZES_MIB="64 1024" environment variables change the runs and sizes.
#
# Both tools copy in the kernel on Linux (coreutils cp and mblob both use copy_file_range), and
# both read a page-cached input (one warm-up run first). On file systems that share extents
# (btrfs, XFS with reflink) either may reflink instead of copying; the script prints the file
# system type so results can be read accordingly.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
mblob=${1:-$root/build/release/mblob}
work=${2:-$root/bench/out}
runs=${RUNS:-5}
sizes=${SIZES_MIB:-64 1024}
timebin=/usr/bin/time

[ -x "$mblob" ] || { echo "pack_vs_cp: $mblob is not built" >&2; exit 1; }
[ -x "$timebin" ] || { echo "pack_vs_cp: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
mkdir -p "$work"
fstype=$(findmnt -n -o FSTYPE -T "$work" 2>/dev/null || stat -f -c %T "$work")

# One timed run: prints "<wall seconds> <peak RSS KiB>".
measure() {
  local start end rss
  start=$(date +%s%N)
  rss=$("$timebin" -f %M "$@" 2>&1 >/dev/null | tail -n 1)
  end=$(date +%s%N)
  awk -v s="$start" -v e="$end" -v r="$rss" 'BEGIN { printf "%.4f %d\n", (e - s) / 1e9, r }'
}

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
echo "file system: $fstype ($work); runs: $runs per tool and size; mblob: $mblob"
echo
echo "| size | tool | median wall (s) | min | max | median peak RSS (MiB) | time vs cp |"
echo "|---|---|---|---|---|---|---|"
for mib in $sizes; do
  in="$work/in_${mib}M.bin"
  if [ ! -f "$in" ] || [ "$(stat -c %s "$in")" -ne $((mib * 1048576)) ]; then
    head -c $((mib * 1048576)) /dev/urandom > "$in"
  fi
  cat "$in" > /dev/null  # into the page cache
  : > "$work/cp.txt"; : > "$work/pack.txt"
  for i in $(seq 0 "$runs"); do
    rm -f "$work/out.cp" "$work/out.o"; sync
    c=$(measure cp "$in" "$work/out.cp")
    rm -f "$work/out.cp" "$work/out.o"; sync
    p=$(measure "$mblob" pack "$in" -o "$work/out.o" --symbol blob -q)
    if [ "$i" -gt 0 ]; then echo "$c" >> "$work/cp.txt"; echo "$p" >> "$work/pack.txt"; fi  # run 0 warms up
  done
  cp_med=$(cut -d' ' -f1 "$work/cp.txt" | median)
  for tool in cp pack; do
    f="$work/$tool.txt"
    med=$(cut -d' ' -f1 "$f" | median)
    min=$(cut -d' ' -f1 "$f" | sort -n | head -1)
    max=$(cut -d' ' -f1 "$f" | sort -n | tail -1)
    rss=$(cut -d' ' -f2 "$f" | median)
    name=$([ "$tool" = cp ] && echo "cp" || echo "mblob pack")
    awk -v s="$mib MiB" -v n="$name" -v m="$med" -v lo="$min" -v hi="$max" -v r="$rss" -v c="$cp_med" \
      'BEGIN { printf "| %s | %s | %.3f | %.3f | %.3f | %.1f | %.2fx |\n", s, n, m, lo, hi, r / 1024, m / c }'
  done
  rm -f "$work/out.cp" "$work/out.o" "$work/cp.txt" "$work/pack.txt"
done
