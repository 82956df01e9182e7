#!/usr/bin/env bash
# Nothing lost on any fault: one row per bad input, fault of the files under a
# run, or signal, each checked for its exit code, its message, the report
# kept (valid JSON, naming the cause) and no file left behind. The causes and
# fixes are in docs/reliability.md; each row failed before its fix.
#
#   faults_test.sh DAXBREAK DAXBREAK_PC INCLUDE_DIR
set -u
source "$(dirname "$0")/../testing/expect.sh"
pc="$2"
include_dir="$3"
cd "$dir"

ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fail=1; }
# json FILE PYTHON-EXPR: FILE is a JSON document for which EXPR (over `d`) holds.
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1" 2>/dev/null; }
# absent FILE...: none of the files exists.
absent() { for f in "$@"; do [ ! -e "$f" ] || return 1; done; }

# --- Bad inputs: TABLE rows are  exit | stderr pattern | files that must not exist | arguments
#     (run under `timeout 10`: a row that hangs fails with 124).
mkdir adir
mkfifo afifo
printf 'not ours' >foreign.disk
while IFS='|' read -r want pattern gone args; do
  [ -z "$want" ] && continue
  eval "set -- $args"
  "$bin" "$@" >out 2>err </dev/null &
  pid=$!
  ( sleep 10; kill -9 $pid 2>/dev/null ) & watchdog=$!
  wait $pid; got=$?
  kill $watchdog 2>/dev/null; wait $watchdog 2>/dev/null
  eval "set -- $gone"
  if [ "$got" != "$want" ] || ! grep -qE -- "$pattern" err || ! absent "$@"; then
    bad "$args -> exit $got (want $want; left: $([ $# -gt 0 ] && ls -d "$@" 2>/dev/null))"; cat err
  else
    ok "$args -> $got"
  fi
done <<'TABLE'
2|merge: 'adir' is a directory, not a file||merge adir
2|merge: 'afifo' is a FIFO, not a file||merge afifo
2|'./afifo' is a FIFO||info ./afifo
2|--duration: '0s' is not a positive duration|res|run --mode stress --scenarios collision --protocols fixed --duration 0s --results res
2|not a regular file|new.pmem|stress --device new.pmem --disk adir --duration 1s
2|not a regular file|new.pmem|stress --device new.pmem --disk afifo --duration 1s
2|not a regular file|new.pmem|stress --device new.pmem --disk /dev/null --duration 1s
2|holds data daxbreak did not write|new.pmem|stress --device new.pmem --disk foreign.disk --duration 1s
2|same file as --device|new.pmem|stress --device new.pmem --disk ./new.pmem --duration 1s
2|--disk-size|new.pmem new.disk|stress --device new.pmem --disk new.disk --disk-size 0 --duration 1s
TABLE

# A full file system under --disk: refused, and the device file the run had
# just made is gone too (needs a private mount namespace for a tmpfs).
if unshare -m true 2>/dev/null; then
  mkdir -p t
  unshare -m bash -c 'mount -t tmpfs -o size=64K tmpfs t || exit 77
    "$1" stress --device new.pmem --disk t/d.disk --disk-size 1M --duration 1s' _ "$bin" >out 2>err
  got=$?
  if [ $got = 77 ]; then echo "skip: cannot mount a tmpfs here"
  elif [ $got = 2 ] && grep -q "bytes free" err && absent new.pmem; then ok "a full --disk file system leaves no device"
  else bad "full --disk file system -> exit $got, left: $(ls new.pmem 2>/dev/null)"; cat err; fi
fi

# --- Paths in messages: an escape sequence in a path reaches the terminal
#     written out, never raw.
"$bin" merge $'\e]0;pwned\a\e[31mred' 2>err
if grep -q $'\e' err || ! grep -qF "'\\x1b]0;pwned\\x07\\x1b[31mred'" err; then
  bad "an escape sequence in a path was echoed raw"; cat -v err
else
  ok "paths in messages are escaped"
fi

# --- Non-UTF-8 paths with JSON output: the report is written (the byte as
#     U+FFFD), never an abort with a 0-byte file.
touch $'x\xff.pmem'
"$bin" info $'x\xff.pmem' --output-format json >info.json 2>err
rc=$?
if [ $rc = 0 ] && json info.json "d['paths'][0]['path'] == 'x\ufffd.pmem'"; then ok "info on a non-UTF-8 path writes JSON"
else bad "info on a non-UTF-8 path -> exit $rc"; cat err; fi
for opt in --device --disk; do
  rm -f r.json
  "$bin" stress $opt $'u\xfe.file' --seed 1 --max-ops 20 --duration 5s --output-format json --output r.json 2>err
  rc=$?
  if [ $rc -le 3 ] && json r.json "'\ufffd' in json.dumps(d['config'], ensure_ascii=False)"; then
    ok "stress $opt with a non-UTF-8 path keeps its report (exit $rc)"
  else
    bad "stress $opt with a non-UTF-8 path -> exit $rc, report $(wc -c <r.json 2>/dev/null) bytes"; tail -3 err
  fi
  rm -f $'u\xfe.file'
done

# --- Files changed under a running stress run by another process: the run
#     ends, writes its report naming the cause, and is never clean.
# fault NAME FILE-TO-TRUNCATE PATTERN: stress 3 s, truncate FILE to 0 once it runs.
fault() {
  rm -f f.pmem f.disk f.json
  "$bin" stress --device f.pmem --disk f.disk --seed 1 --duration 3s --output-format json --output f.json 2>err &
  local pid=$! rc i
  # Cut the file once the run has it mapped (and its disk open), not before.
  for i in $(seq 100); do grep -q f.pmem /proc/$pid/maps 2>/dev/null && break; sleep 0.1; done
  sleep 0.5
  truncate -s 0 "$2"
  wait $pid; rc=$?
  if [ $rc = 2 ] && grep -qE "$3" err && json f.json "d['error'] and '$2' in d['error']"; then
    ok "$1: exit $rc, report names the cause"
  else
    bad "$1: exit $rc, report $(wc -c <f.json 2>/dev/null) bytes"; tail -3 err
  fi
}
fault "device truncated mid-run (SIGBUS)" f.pmem "device 'f.pmem' was truncated by another process"
fault "disk truncated mid-run (DIO errors)" f.disk "O_DIRECT requests on disk 'f.disk' failed or came back short"

# --- Signals: SIGHUP (a closed terminal) keeps the report like SIGINT/SIGTERM.
# signal NAME SIG WANT FILE ARGS...: start, send SIG after 2 s, check exit
# WANT and that FILE says interrupted_by SIG.
signal() {
  local name="$1" sig="$2" want="$3" file="$4" rc
  shift 4
  rm -f "$file"
  "$bin" "$@" --output-format json --output "$file" 2>/dev/null &
  local pid=$!
  sleep 2
  kill -"$sig" $pid
  wait $pid; rc=$?
  if [ $rc = "$want" ] && json "$file" "d['interrupted_by'] == 'SIG$sig'"; then ok "$name: SIG$sig -> $rc, report kept"
  else bad "$name: SIG$sig -> exit $rc (want $want), report $(wc -c <"$file" 2>/dev/null) bytes"; fi
}
signal stress HUP 129 hup.json stress --duration 60s
signal explore HUP 129 hupx.json explore --scenario race2018 --strategy random --schedules 100000000

# An interrupted campaign exits 130, and the cell the signal cut is not
# judged (met: null), not a failed expectation.
"$bin" run --mode stress --scenarios collision --protocols fixed --duration 30s --results camp \
  --output-format json >camp.json 2>err &
pid=$!
sleep 2
kill -INT $pid
wait $pid; rc=$?
if [ $rc = 130 ] && json camp/summary.json "d['interrupted_by'] == 'SIGINT' and d['cells'] and d['cells'][0]['met'] is None" &&
   grep -q 'skipped' camp/junit.xml; then
  ok "run: SIGINT -> 130, the cut cell not judged"
else
  bad "run: SIGINT -> exit $rc"; cat err; cat camp/summary.json 2>/dev/null | head -30
fi

# --- pkg-config: Libs names every installed layer and no other.
libs=$(sed -n 's/^Libs: //p' "$pc" | tr ' ' '\n' | sed -n 's/^-ldaxbreak_//p' | sort)
layers=$(ls -d "$include_dir"/*/ | xargs -n1 basename | sort)
if [ -n "$libs" ] && [ "$libs" = "$layers" ]; then ok "daxbreak.pc links every installed layer: $(echo $libs)"
else bad "daxbreak.pc Libs ($(echo $libs)) differ from the installed headers ($(echo $layers))"; fi

if [ $fail = 0 ]; then echo "fault tests: passed"; else echo "fault tests: FAILED"; fi
exit $fail
