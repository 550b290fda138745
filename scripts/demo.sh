#!/usr/bin/env bash
# The main job, end to end, from a fresh Debian 12 machine (as root): install what is needed,
# build mblob, export a sample model (host code + a device module + 256 MiB of weights) into
# one shared library with the native packer, load it back through the runtime and show the tree,
# then verify it without running it (structure and integrity digest).
#
#   scripts/demo.sh                 # 256 MiB of weights
#   WEIGHTS_MIB=2048 scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
WEIGHTS_MIB=${WEIGHTS_MIB:-256}

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target mblob_cli mblob_example >/dev/null
MBLOB=$PWD/build/release/mblob

demo=build/demo
rm -rf "$demo"
mkdir -p "$demo"
cat >"$demo/host.c" <<'C'
/* The model's host code: what TVM compiles from the model's "llvm"/"c" functions. */
int model_add(int a, int b) { return a + b; }
C
printf '.version 8.0\n.target sm_80\n// kernels of the sample model\n' >"$demo/kernels.ptx"
echo "writing ${WEIGHTS_MIB} MiB of sample weights"
head -c "$((WEIGHTS_MIB << 20))" /dev/urandom >"$demo/weights.bin"
cat >"$demo/model.json" <<'JSON'
{
  "format": "ffi",
  "modules": [
    {"name": "host", "kind": "host", "sources": ["host.c"], "imports": ["kernels", "weights"]},
    {"name": "kernels", "kind": "cuda", "payload": "kernels.ptx"},
    {"name": "weights", "kind": "params", "payload": "weights.bin"}
  ]
}
JSON

echo
echo "\$ mblob export $demo/model.json -o $demo/model.so"
"$MBLOB" export "$demo/model.json" -o "$demo/model.so"
echo
echo "\$ mblob load $demo/model.so"
"$MBLOB" load "$demo/model.so"
echo
echo "\$ mblob load $demo/model.so --json"
"$MBLOB" load "$demo/model.so" --json
echo
echo "check: each payload in the library hashes like its file on disk (xxhsum, independent of mblob)"
json=$("$MBLOB" load "$demo/model.so" --json)
for pair in params:weights.bin cuda:kernels.ptx; do
  kind=${pair%%:*} file=${pair#*:}
  in_lib=$(python3 -c "import json,sys; d=json.loads(sys.argv[1]); print([m for m in d['modules'] if m['kind']==sys.argv[2]][0]['xxh3_64'])" "$json" "$kind")
  on_disk=$(xxhsum -H3 "$demo/$file" 2>/dev/null | awk '{print $NF}')
  if [ "$in_lib" != "$on_disk" ]; then echo "  MISMATCH for $kind: $in_lib vs $on_disk"; exit 1; fi
  echo "  $kind: xxh3_64 $in_lib = $file"
done
echo
echo "\$ mblob verify $demo/model.so   # read without running it: structure and integrity digest"
"$MBLOB" verify "$demo/model.so"
echo
echo "\$ mblob_example $demo/api   # the same through the C++ API"
build/release/mblob_example "$demo/api"
