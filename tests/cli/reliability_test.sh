#!/usr/bin/env bash
# Nothing lost, nothing crashed: the daxbreak CLI under a full file system, a
# second run on the same files, paths that name one file, sizes beyond the
# machine, signals, and bad values. Each case states the outcome it checks.
set -u
source "$(dirname "$0")/../testing/expect.sh"
cd "$dir"

# 1. A full file system: exit 2 with a message, nothing left behind, the same
#    on a rerun. Needs a private mount namespace for a 64 KiB tmpfs.
if unshare -m true 2>/dev/null; then
  mkdir -p t
  unshare -m bash -c '
    mount -t tmpfs -o size=64K tmpfs t || exit 77
    for i in 1 2; do
      "$1" stress --device t/d.pmem --size 64M --disk d.disk --duration 1s 2>>err.full; echo "device rc $?"
    done
    "$1" stress --device d.pmem --disk t/d.disk --disk-size 1M --duration 1s 2>>err.full; echo "disk rc $?"
    ls t' _ "$bin" >full.out 2>&1
  if grep -q "exit 77" full.out; then
    echo "skip: cannot mount tmpfs here"
  elif [ "$(grep -c 'rc 2' full.out)" != 3 ] || [ "$(grep -c 'file system is full' err.full)" != 2 ] ||
       ! grep -q "has only .* bytes free" err.full || grep -q "d.pmem\|d.disk" <(tail -n +4 full.out); then
    echo "FAIL: full file system"; cat full.out err.full; fail=1
  else
    echo "ok: a full file system gives exit 2, twice, and leaves no file"
  fi
else
  echo "skip: unshare -m is not allowed here"
fi

# 2. A second run on the same device or disk is refused naming the holder.
"$bin" stress --duration 4s --seed 1 >/dev/null 2>&1 &
holder=$!
sleep 1
expect 2 "daxbreak.pmem' is in use by pid $holder" stress --duration 1s
expect 2 "daxbreak.disk' is in use by pid $holder" stress --duration 1s --device other.pmem
wait $holder || { echo "FAIL: the first run did not stay clean"; fail=1; }

# 3. Paths are compared by device and inode.
expect 2 "same file as --device" stress --device X --disk ./X --force --duration 1s
ln -s daxbreak.pmem alias.pmem
sum=$(md5sum <daxbreak.pmem)
expect 2 "same file as --device" stress --duration 1s --output ./daxbreak.pmem
expect 2 "same file as --device" stress --duration 1s --output alias.pmem
[ "$sum" = "$(md5sum <daxbreak.pmem)" ] || { echo "FAIL: --output overwrote the device"; fail=1; }

# 4. Sizes beyond the machine: refused before starting, nothing left behind.
expect 2 "disk-size .* bytes free" stress --disk new.disk --disk-size 4096T --duration 1s
[ ! -e new.disk ] || { echo "FAIL: a refused disk was left behind"; fail=1; }
expect 2 "does not allow a file that large|address space" stress --device new.pmem --size 4096T --duration 1s
[ ! -e new.pmem ] || { echo "FAIL: a refused device was left behind"; fail=1; }

# 5. The report is never lost: a bad --output fails at once; SIGINT and
#    SIGTERM stop the run, write the report and exit 130 / 143.
start=$(date +%s)
expect 2 "cannot open 'nodir/r.json'" stress --duration 60s --output nodir/r.json
[ $(( $(date +%s) - start )) -lt 10 ] || { echo "FAIL: a bad --output was found only after the run"; fail=1; }
for sig in INT TERM; do
  "$bin" stress --duration 60s --output-format json --output "sig$sig.json" 2>/dev/null &
  pid=$!
  sleep 2
  kill -$sig $pid
  wait $pid
  rc=$?
  want=$([ $sig = INT ] && echo 130 || echo 143)
  if [ $rc != $want ] || ! python3 -c "import json; d=json.load(open('sig$sig.json')); assert d['interrupted_by']=='SIG$sig' and d['seconds'] < 30, d"; then
    echo "FAIL: SIG$sig rc=$rc (want $want)"; fail=1
  else
    echo "ok: SIG$sig wrote the report and exited $rc"
  fi
done
"$bin" explore --scenario race2018 --strategy random --schedules 100000000 --output-format json --output sigx.json 2>/dev/null &
pid=$!
sleep 2
kill -INT $pid
wait $pid
rc=$?
if [ $rc != 130 ] || ! python3 -c "import json; d=json.load(open('sigx.json')); assert d['interrupted_by']=='SIGINT' and d['schedules'] > 0"; then
  echo "FAIL: explore SIGINT rc=$rc"; fail=1
else
  echo "ok: explore SIGINT wrote the report and exited 130"
fi

# 6. Bad values name themselves and exit 2.
expect 2 "--seed: '-1'" stress --seed -1 --duration 1s
expect 2 "--max-ops: '-1'" stress --max-ops -1 --duration 1s
expect 2 "does not fit scenario 'race2018'.*thread 9" replay --scenario race2018 --schedule '9*5'
schedule=$("$bin" explore --scenario race2018 --protocol retry-flag --output-format json 2>/dev/null |
           python3 -c "import json,sys; print(json.load(sys.stdin)['schedule'])")
expect 2 "does not fit scenario 'lost-wake'" replay --scenario lost-wake --protocol retry-flag --schedule "$schedule"
"$bin" replay --scenario race2018 --protocol retry-flag --schedule "$schedule" >/dev/null 2>&1
[ $? = 1 ] || { echo "FAIL: the schedule explore printed does not replay"; fail=1; }
"$bin" replay --scenario race2018 --protocol retry-flag --schedule "$schedule" --output-format json >replay.json
python3 -c "import json; d=json.load(open('replay.json')); assert d['command']=='replay' and d['found'] and d['config']['schedule']" ||
  { echo "FAIL: replay --output-format json"; fail=1; }
printf '\x5a' | dd of=daxbreak.pmem bs=1 seek=25 conv=notrunc 2>/dev/null
expect 2 "header that is corrupt" stress --duration 1s
expect 2 "no such device" stress --device /dev/dax97.3 --duration 1s
[ ! -e /dev/dax97.3 ] || { echo "FAIL: a file was created under /dev"; rm -f /dev/dax97.3; fail=1; }
expect 2 "unknown subcommand 'bogus'" bogus

# 7. One seed, one run: every choice of the layout thread follows --seed, so
#    the same seed gives the same mix of layout operations and another seed
#    another mix (the noise streams are seeded the same way; real threads
#    still vary in timing).
n=0
for s in 99 99 100; do
  n=$((n + 1))
  "$bin" stress --force --seed $s --max-ops 300 --duration 60s --output-format json --output "seed$s.$n.json" 2>/dev/null
done
python3 -c "
import glob, json
ops = ['truncate', 'punch', 'zero', 'collapse', 'insert', 'prealloc']
mix = {f: [json.load(open(f))['counts'][o] for o in ops] for f in glob.glob('seed*.json')}
same = [m for f, m in mix.items() if f.startswith('seed99.')]
other = [m for f, m in mix.items() if f.startswith('seed100.')]
assert len(same) == 2 and same[0] == same[1], same
assert other[0] != same[0], (other, same)
" || { echo "FAIL: --seed does not fix the layout thread's choices"; fail=1; }

if [ $fail = 0 ]; then echo "reliability tests: passed"; else echo "reliability tests: FAILED"; fi
exit $fail
