#!/usr/bin/env bash
# Fault injection: kill -9 `mblob pack`, `mblob export` (which splices the blob into the linked
# library on x86-64) or `mblob export --link-blob` at a random moment, RUNS times, and
# check after each kill that
#   1. the output is the previous one, byte for byte, or the new one, complete;
#   2. no process the run started survives it (tools, their children, mblob's watchdogs);
#   3. the next run to the same output succeeds and leaves no temporary behind (neither
#      ".<output>.mblob-tmp-*" beside the output nor "mblob-export-*" under $TMPDIR), so the
#      temporaries of the killed run are gone too.
# Usage: fault_injection.sh MBLOB [RUNS=20] [SEED=random] [PAYLOAD_MIB=24]
# The test command runs it through CTest (FaultInjection.Kill9PackOrExport).
set -u -o pipefail

MBLOB=${1:?usage: fault_injection.sh MBLOB [RUNS] [SEED] [PAYLOAD_MIB]}
RUNS=${2:-20}
SEED=${3:-$(( $(date +%s) % 32768 ))}
PAYLOAD_MIB=${4:-24}
RANDOM=$SEED

work=$(mktemp -d "${TMPDIR:-/tmp}/mblob-fault-XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
export TMPDIR=$work/tmp  # the exports' workspaces go here, where we can see them
mkdir -p "$TMPDIR" "$work/out"

fail() {
  echo "FAIL: $*" >&2
  echo "  (seed $SEED; reproduce with: $0 $MBLOB $RUNS $SEED $PAYLOAD_MIB)" >&2
  exit 1
}
now_ms() { date +%s%3N; }
hash_of() { if [[ -e $1 ]]; then sha256sum "$1" | cut -c1-64; else echo missing; fi; }

# ---- inputs and the outputs they must give --------------------------------------------------
for v in a b; do
  head -c $((PAYLOAD_MIB << 20)) /dev/urandom >"$work/w_$v.bin"
  echo "int host_$v(void) { return 1; }" >"$work/host_$v.c"
  cat >"$work/m_$v.json" <<JSON
{"format": "ffi", "modules": [
  {"name": "host", "kind": "host", "sources": ["$work/host_$v.c"], "imports": ["w"]},
  {"name": "w", "kind": "params", "payload": "$work/w_$v.bin"}]}
JSON
done
out_pack=$work/out/p.o
out_export=$work/out/model.so
out_linked=$work/out/model-linked.so
command_for() {  # kind variant -> the mblob command line
  case $1 in
    pack) echo "pack $work/w_$2.bin -o $out_pack --symbol weights -q" ;;
    export) echo "export $work/m_$2.json -o $out_export -q" ;;
    linked) echo "export $work/m_$2.json -o $out_linked --link-blob -q" ;;
  esac
}
output_for() {
  case $1 in
    pack) echo "$out_pack" ;;
    export) echo "$out_export" ;;
    linked) echo "$out_linked" ;;
  esac
}

declare -A expected duration
for kind in pack export linked; do
  for v in a b; do
    t0=$(now_ms)
    # shellcheck disable=SC2046
    "$MBLOB" $(command_for $kind $v) || fail "complete $kind of input $v failed"
    duration[$kind]=$(( $(now_ms) - t0 ))
    expected[$kind$v]=$(hash_of "$(output_for $kind)")
  done
  [[ ${expected[${kind}a]} != "${expected[${kind}b]}" ]] || fail "$kind gives the same output for both inputs"
  # Reruns give the same bytes (else "the new output, complete" could not be checked).
  "$MBLOB" $(command_for $kind b) || fail "$kind rerun failed"
  [[ $(hash_of "$(output_for $kind)") == "${expected[${kind}b]}" ]] || fail "$kind output is not deterministic"
done
echo "fault injection: $RUNS runs, seed $SEED, payload $PAYLOAD_MIB MiB;" \
  "a complete pack takes ${duration[pack]} ms, an export ${duration[export]} ms" \
  "(--link-blob ${duration[linked]} ms)"

# ---- processes of one run: everything that inherited its tag --------------------------------
survivors() {  # tag -> "pid comm" of live processes whose environment holds it
  local p state
  for p in /proc/[0-9]*; do
    grep -qzx "MBLOB_FAULT_TAG=$1" "$p/environ" 2>/dev/null || continue
    state=$(sed 's/.*) //' "$p/stat" 2>/dev/null | cut -d' ' -f1)
    [[ -z $state || $state == Z || $state == X ]] && continue
    echo "${p#/proc/} $(cat "$p/comm" 2>/dev/null)"
  done
}
temporaries() {  # output -> the temporaries beside it and under $TMPDIR
  local dir name
  dir=$(dirname "$1")
  name=$(basename "$1")
  find "$dir" -maxdepth 1 -name ".$name.mblob-tmp-*"
  find "$TMPDIR" -mindepth 1 -maxdepth 1
}

# ---- the runs --------------------------------------------------------------------------------
declare -A current=([pack]=b [export]=b [linked]=b)
during=0 after=0
for ((i = 1; i <= RUNS; i++)); do
  case $((i % 3)) in 1) kind=pack ;; 2) kind=export ;; 0) kind=linked ;; esac
  out=$(output_for $kind)
  old=${current[$kind]}
  if [[ $old == a ]]; then new=b; else new=a; fi
  previous=$(hash_of "$out")
  [[ $previous == "${expected[$kind$old]}" ]] || fail "run $i: output changed between runs"

  # A random moment: from the start to a little past the usual end of a complete run.
  delay=$(( RANDOM % (duration[$kind] * 6 / 5 + 1) ))
  tag="$$-$i"
  # shellcheck disable=SC2046
  MBLOB_FAULT_TAG=$tag "$MBLOB" $(command_for $kind $new) >/dev/null 2>&1 &
  pid=$!
  sleep "$((delay / 1000)).$(printf '%03d' $((delay % 1000)))"
  kill -9 "$pid" 2>/dev/null
  { wait "$pid"; } 2>/dev/null  # no "Killed" line from the shell: we report below
  rc=$?
  line="run $i/$RUNS: $kind, kill -9 after $delay ms:"
  if ((rc == 137)); then during=$((during + 1)); else line+=" (it had finished, rc $rc)"; after=$((after + 1)); fi

  # 1. previous or new, nothing in between
  got=$(hash_of "$out")
  if [[ $got == "$previous" ]]; then
    ((rc == 0)) && fail "$line the run succeeded but the output is still the previous one"
    line+=" previous output intact;"
  elif [[ $got == "${expected[$kind$new]}" ]]; then
    line+=" new output complete;"
  else
    fail "$line the output is neither the previous nor the new one (sha256 $got; $(ls -l "$out" 2>&1))"
  fi

  # 2. nothing the run started survives it
  for ((w = 0; w < 50; w++)); do
    left=$(survivors "$tag")
    [[ -z $left ]] && break
    sleep 0.1
  done
  [[ -z $left ]] || fail "$line processes of the killed run still alive 5 s later: $left"
  leftovers=$(temporaries "$out" | wc -l)
  line+=" no process left; $leftovers temporaries left by the kill;"

  # 3. the interrupted command, run again, cleans up and leaves nothing behind
  # shellcheck disable=SC2046
  "$MBLOB" $(command_for $kind $new) >/dev/null 2>"$work/next.err" ||
    fail "$line the next run failed: $(cat "$work/next.err")"
  [[ $(hash_of "$out") == "${expected[$kind$new]}" ]] || fail "$line the next run wrote wrong bytes"
  left=$(temporaries "$out")
  [[ -z $left ]] || fail "$line the next run left temporaries: $left"
  echo "$line next run: complete, no temporary left"
  current[$kind]=$new
done
echo "PASS: $RUNS kill -9 runs ($during killed while running, $after after finishing):" \
  "outputs old or new, no survivors, no temporaries after the next run"
