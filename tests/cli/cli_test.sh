#!/usr/bin/env bash
# Exit codes and messages of the daxbreak CLI for bad input, and the promise
# that a path holding foreign data is left byte-for-byte unchanged.
set -u
source "$(dirname "$0")/../testing/expect.sh"

common=(--device "$dir/dev.pmem" --disk "$dir/disk" --disk-size 1M --size 8M --duration 1s)
expect 2 "threads.*0" stress "${common[@]}" --threads 0
expect 2 "'-1M'" stress --device "$dir/dev.pmem" --disk "$dir/disk" --size=-1M
expect 2 "'bogus'" stress "${common[@]}" --protocol bogus
expect 2 "'5x'" stress "${common[@]}" --duration 5x
expect 2 "nope" stress "${common[@]}" --nope
expect 2 "text|json" stress "${common[@]}" --output-format yaml
expect 2 "'shrink'" stress "${common[@]}" --ops truncate,shrink
expect 2 "'nope'" stress "${common[@]}" --tlb-flush nope
expect 2 "'nope'" explore --scenario race2018 --tlb-flush nope

# Foreign data is refused, exit 2, and not changed.
head -c 3000000 /dev/urandom >"$dir/precious"
cp "$dir/precious" "$dir/precious.orig"
expect 2 "precious.*--force" stress --device "$dir/precious" --disk "$dir/disk" --duration 1s
if ! cmp -s "$dir/precious" "$dir/precious.orig"; then echo "FAIL: foreign device was modified"; fail=1; fi
head -c 100000 /dev/urandom >"$dir/disk2"
cp "$dir/disk2" "$dir/disk2.orig"
expect 2 "disk2.*--force" stress --device "$dir/dev2.pmem" --size 8M --disk "$dir/disk2" --duration 1s
if ! cmp -s "$dir/disk2" "$dir/disk2.orig"; then echo "FAIL: foreign disk was modified"; fail=1; fi

# A clean short run: exit 0, seed printed, JSON parses with the fields.
"$bin" stress "${common[@]}" --seed 7 --output-format json --output "$dir/r.json" 2>"$dir/err"
rc=$?
if [ $rc != 0 ] || ! grep -q "seed 7" "$dir/err" ||
   ! python3 -c "import json,sys; d=json.load(open('$dir/r.json')); assert d['config']['seed']=='7' and d['daxbreak']['version'] and d['daxbreak']['kernel_release'] and d['daxbreak']['utc'].endswith('Z') and d['violation_count']==0 and 'violations' in d and d['config']['protocol']=='fixed'"; then
  echo "FAIL: clean run rc=$rc"; cat "$dir/err"; fail=1
else
  echo "ok: clean json run"
fi
# The buggy no-break protocol is caught: exit 1.
"$bin" stress "${common[@]}" --duration 30s --protocol no-break --stop-on-violation >"$dir/out" 2>&1
rc=$?
if [ $rc != 1 ] || ! grep -q "pinned_block_freed\|dma_after_free\|busy_page_disassociated" "$dir/out"; then
  echo "FAIL: no-break run rc=$rc"; cat "$dir/out"; fail=1
else
  echo "ok: no-break caught"
fi
"$bin" list --output-format json | python3 -c "import json,sys; d=json.load(sys.stdin); assert {p['name'] for p in d['protocols']} >= {'fixed','retry-flag','no-break'}" || { echo "FAIL: list json"; fail=1; }

# explore / replay: a buggy protocol is found (exit 1) and its replay command
# reproduces it; a correct one is clean (exit 0); bad names give exit 2.
expect 2 "'nope'" explore --scenario nope --protocol fixed
expect 2 "'bogus'" explore --scenario race2018 --protocol bogus
expect 2 "'zigzag'" explore --scenario race2018 --strategy zigzag
expect 2 "schedule" replay --scenario race2018 --protocol fixed --schedule "1*x"
"$bin" explore --scenario race2018 --protocol retry-flag --output-format json >"$dir/e.json" 2>"$dir/err"
rc=$?
replay=$(python3 -c "import json; d=json.load(open('$dir/e.json')); assert d['found'] and d['confirmed'] and d['schedules']>0 and d['kind']; print(d['replay'])")
if [ $rc != 1 ] || [ -z "$replay" ]; then echo "FAIL: explore retry-flag rc=$rc"; cat "$dir/e.json" "$dir/err"; fail=1; else echo "ok: explore found: $replay"; fi
"$bin" ${replay#daxbreak } --trace --trace-json "$dir/t.json" >"$dir/out" 2>&1
rc=$?
if [ $rc != 1 ] || ! grep -q "truncate" "$dir/out" || ! python3 -c "
import json; e = json.load(open('$dir/t.json'))['traceEvents']
assert any(x['name'].startswith('VIOLATION') and x['ph'] == 'i' and x['args']['kind'] for x in e)
assert any('before' in x.get('args', {}) and x['args']['object'].startswith('obj') for x in e)" ||
   ! grep -q "^ *!! " "$dir/out"; then
  echo "FAIL: replay rc=$rc"; cat "$dir/out"; fail=1
else
  echo "ok: replay reproduces with a trace"
fi
"$bin" explore --scenario race2018 --protocol fixed --strategy dfs --preemptions 1 >"$dir/out" 2>&1
rc=$?
if [ $rc != 0 ] || ! grep -q "clean" "$dir/out"; then echo "FAIL: explore fixed rc=$rc"; cat "$dir/out"; fail=1; else echo "ok: explore fixed clean"; fi
"$bin" list --output-format json | python3 -c "import json,sys; d=json.load(sys.stdin); assert {'race2018','lost-wake','signal','zero-range','collapse'} <= {s['name'] for s in d['scenarios']}; assert all(p['summary'] and p['cites'] and p['status'] in ('correct','released bug','hypothetical','candidate fix') for p in d['protocols']); k={v['name']: v['severity'] for v in d['violation_kinds']}; assert k['busy_page_disassociated']=='warn' and k['pinned_block_freed']=='data' and k['partial_change_on_eintr']=='data'" || { echo "FAIL: list scenarios, protocols, kinds"; fail=1; }

# info: the machine's pmem and what a path gives, read-only; a missing path is exit 2.
"$bin" stress "${common[@]}" >/dev/null 2>&1
sum=$(md5sum <"$dir/dev.pmem")
"$bin" info "$dir/dev.pmem" "$dir" --output-format json >"$dir/info.json" || { echo "FAIL: info rc=$?"; fail=1; }
python3 -c "
import json; d = json.load(open('$dir/info.json'))
assert d['command'] == 'info' and isinstance(d['regions'], list) and isinstance(d['dax_devices'], list)
f, t = d['paths']
assert f['file_type'] == 'regular file' and f['granularity'] in ('PAGE', 'CACHE_LINE', 'BYTE') and f['size'] == 8 << 20, f
assert t['file_type'] == 'directory', t
" || { echo "FAIL: info json"; fail=1; }
[ "$sum" = "$(md5sum <"$dir/dev.pmem")" ] || { echo "FAIL: info changed the device"; fail=1; }
expect 2 "'$dir/none': no such file" info "$dir/none"

# The README's tables of kinds and protocols say what `list` says.
"$bin" list --output-format json > "$dir/list.json"
python3 "$(dirname "$0")/readme_tables.py" "$(dirname "$0")/../../README.md" "$(dirname "$0")/../../docs/stress.md" "$dir/list.json" || { echo "FAIL: README tables"; fail=1; }

# A search split over four processes and merged is the search (issue: shards).
expect 2 "'0'" explore --scenario race2018 --schedules 0
expect 2 "'-1'" explore --scenario race2018 --schedules -1
expect 2 "'-1'" explore --scenario race2018 --seed -1
expect 2 "'4/4'" explore --scenario race2018 --shard 4/4
shard_args=(explore --scenario race2018 --protocol retry-flag --strategy dfs --keep-going --split-depth 3 --output-format json)
for i in 0 1 2; do "$bin" "${shard_args[@]}" --shard $i/4 --output "$dir/shard$i.json" & done
GTEST_SHARD_INDEX=3 GTEST_TOTAL_SHARDS=4 "$bin" "${shard_args[@]}" --output "$dir/shard3.json"
wait
"$bin" "${shard_args[@]}" --output "$dir/whole.json"
"$bin" merge "$dir"/shard[0-3].json --output-format json --output "$dir/merged.json"
rc=$?
if [ $rc != 1 ] || ! python3 - "$dir" <<'PY'
import json, sys
d = sys.argv[1]
m, w = json.load(open(d + "/merged.json")), json.load(open(d + "/whole.json"))
assert m["schedules"] == w["schedules"] > 0, (m["schedules"], w["schedules"])
assert {k: v["count"] for k, v in m["findings"].items()} == {k: v["count"] for k, v in w["findings"].items()}
assert m["exhausted"] and w["exhausted"]
assert sum(json.load(open(f"{d}/shard{i}.json"))["schedules"] for i in range(4)) == w["schedules"]
PY
then echo "FAIL: merged shards differ from the whole search (rc=$rc)"; fail=1; else echo "ok: 4 shards merged equal the whole search"; fi
expect 2 "shard" merge "$dir/shard0.json" "$dir/shard1.json"
# A model stall is a finding (exit 1) and classified like a kernel's: modern's
# re-fault stall is released by munmap, wake-key's lost wake-up returns 0.
for row in "modern:mapping held a reference" "wake-key:lost wake-up" "bio-release-no-wake:lost wake-up"; do
  p=${row%%:*} cause=${row#*:}
  "$bin" stress --device "$dir/st.pmem" --disk "$dir/st.disk" --force --size 8M --disk-size 1M --duration 60s \
    --stall-timeout 1s --seed 1 --protocol "$p" --output-format json --output "$dir/st.json" 2>/dev/null
  rc=$?
  got=$(python3 -c "import json; d=json.load(open('$dir/st.json')); print((d['stall'] or {}).get('cause'), d['violations_by_kind'].get('stall'))")
  if [ $rc != 1 ] || [ "$got" != "$cause 1" ]; then
    echo "FAIL: stress --protocol $p: rc=$rc, stall '$got', want '$cause 1'"; fail=1
  else
    echo "ok: stress --protocol $p stalls: $cause"
  fi
done
expect 2 "'1ms'|at least 100ms" stress "${common[@]}" --stall-timeout 1ms

# Kernel mode refuses a file that is not DAX (exit 2) and leaves no file behind.
expect 2 "not accessed through DAX" kernel --file "$dir/kv" --disk "$dir/kd" --duration 1s
if [ -e "$dir/kv" ]; then echo "FAIL: the refused kernel run left $dir/kv"; fail=1; fi
expect 2 "'bogus'" kernel --scenario bogus --file "$dir/kv"
expect 2 "'sideways'" kernel --dio sideways --file "$dir/kv"

if [ $fail = 0 ]; then echo "cli tests: 1 passed, 0 failed"; else echo "cli tests: 0 passed, 1 failed"; fi
exit $fail
