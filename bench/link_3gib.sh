#!/usr/bin/env bash
# link_3gib.sh: the 3 GiB link check of issue 3. A 3 GiB blob packed by mblob with its default
# settings (over the 1 GiB threshold -> .lrodata + SHF_X86_64_LARGE) must link into a shared
# library with GNU ld (bfd), gold, lld and mold; each library is dlopened and the blob's size
# and first/last bytes checked. For comparison the same blob is also forced into .rodata
# (`--section .rodata`), where the issue reports bfd and gold fail with relocation overflows.
#
# usage: bench/link_3gib.sh [path/to/mblob] [work-dir]      (x86-64 hosts only)
# Needs about 4x the blob in free disk (input, object, one library at a time, slack): the
# script checks and exits 0 with a SKIPPED line when there is not enough.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
mblob=${1:-$root/build/release/mblob}
work=${2:-$root/bench/out/link3g}
gib=${GIB:-3}
size=$((gib * 1024 * 1024 * 1024))

[ -x "$mblob" ] || { echo "link_3gib: $mblob is not built" >&2; exit 1; }
[ "$(uname -m)" = x86_64 ] || { echo "SKIPPED: the large-section check is for x86-64 hosts"; exit 0; }
mkdir -p "$work"
need=$((4 * size))
avail=$(($(stat -f -c '%a * %S' "$work")))
if [ "$avail" -lt "$need" ]; then
  echo "SKIPPED: needs $((need >> 30)) GiB free in $work, have $((avail >> 30)) GiB"
  exit 0
fi
trap 'rm -rf "$work"' EXIT

# The input: sparse, with marker bytes at both ends.
rm -f "$work/blob.bin"
truncate -s "$size" "$work/blob.bin"
printf '\xa5' | dd of="$work/blob.bin" bs=1 seek=0 conv=notrunc status=none
printf '\x5a' | dd of="$work/blob.bin" bs=1 seek=$((size - 1)) conv=notrunc status=none

cat > "$work/wrap.c" <<'C'
extern const unsigned char blob[];
const unsigned char* get_blob(void) { return blob; }
C
cat > "$work/check.c" <<'C'
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
int main(int argc, char** argv) {
  void* h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!h) { printf("dlopen failed: %s\n", dlerror()); return 1; }
  const unsigned char* b = dlsym(h, "blob");
  Dl_info info; const ElfW(Sym)* sym = 0;
  if (!b || !dladdr1(b, &info, (void**)&sym, RTLD_DL_SYMENT) || !sym) { printf("no blob\n"); return 1; }
  unsigned long long n = sym->st_size;
  int ok = n == strtoull(argv[2], 0, 10) && b[0] == 0xa5 && b[n - 1] == 0x5a;
  printf("st_size %llu, first 0x%02x, last 0x%02x: %s\n", n, b[0], b[n - 1], ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
C
sed -i '1i #define _GNU_SOURCE\n#include <stdlib.h>' "$work/check.c"
gcc -O1 -o "$work/check" "$work/check.c" -ldl || exit 1

echo "3 GiB link check: $gib GiB blob, $(nproc) cores, $(findmnt -n -o FSTYPE -T "$work" 2>/dev/null || stat -f -c %T "$work"), $(gcc --version | head -1)"
echo
echo "| section | linker | link | wall (s) | peak RSS (MiB) | dlopen check |"
echo "|---|---|---|---|---|---|"
for section in default .rodata; do
  args=()
  [ "$section" = default ] || args=(--section "$section")
  "$mblob" pack "$work/blob.bin" -o "$work/blob.o" --symbol blob -q "${args[@]}" || exit 1
  # The data section's name and flags as readelf shows them ("l" = SHF_X86_64_LARGE).
  label=$(readelf -W -S "$work/blob.o" | awk '$1 == "[" && $2 == "1]" { print $3 " (" $(NF - 3) ")" }')
  for ld in bfd gold lld mold; do
    rm -f "$work/lib.so"
    if /usr/bin/time -f "%e %M" -o "$work/link.time" gcc -shared -fPIC -fuse-ld=$ld -o "$work/lib.so" \
         "$work/wrap.c" "$work/blob.o" > "$work/link.log" 2>&1; then
      result="ok"
      check=$("$work/check" "$work/lib.so" "$size" 2>&1 | head -1)
    else
      result="FAILS: $( (grep -m1 -iE 'error|truncated' "$work/link.log" || grep -m1 -iE 'overflow' "$work/link.log") | sed 's/|/\\|/g' | cut -c1-90)"
      check="-"
    fi
    read -r secs rss < <(tail -n 1 "$work/link.time")
    echo "| $label | $ld | $result | $secs | $((rss / 1024)) | $check |"
  done
  rm -f "$work/blob.o" "$work/lib.so"
done
