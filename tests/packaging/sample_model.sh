# shellcheck shell=bash
# Sourced by the packaging tests: write_sample_model DIR WEIGHTS_BYTES writes scripts/demo.sh's
# sample model into DIR: host.c (host code), kernels.ptx (a "cuda" module), weights.bin
# (WEIGHTS_BYTES random bytes, "params") and model.json, the manifest importing both.
write_sample_model() {
  local dir=$1 bytes=$2
  mkdir -p "$dir"
  echo 'int model_add(int a, int b) { return a + b; }' >"$dir/host.c"
  printf '.version 8.0\n.target sm_80\n// kernels of the sample model\n' >"$dir/kernels.ptx"
  head -c "$bytes" /dev/urandom >"$dir/weights.bin"
  cat >"$dir/model.json" <<'JSON'
{"format": "ffi", "modules": [
  {"name": "host", "kind": "host", "sources": ["host.c"], "imports": ["kernels", "weights"]},
  {"name": "kernels", "kind": "cuda", "payload": "kernels.ptx"},
  {"name": "weights", "kind": "params", "payload": "weights.bin"}]}
JSON
}
