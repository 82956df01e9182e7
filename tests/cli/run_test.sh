#!/usr/bin/env bash
# `daxbreak run`: campaigns judged cell by cell, a results folder that holds
# every report, finding and trace, and JUnit XML that validates.
set -u
source "$(dirname "$0")/../testing/expect.sh"
xsd="$(cd "$(dirname "$0")" && pwd)/junit.xsd"
cd "$dir"

# Every scenario against every protocol (DAXBREAK_RUN_PROTOCOLS: a list, for
# the sanitizer builds): each cell meets its expectation.
protocols=${DAXBREAK_RUN_PROTOCOLS:-all}
"$bin" run --scenarios all --protocols "$protocols" --results all --eta never >table.txt 2>err.txt
rc=$?
cells=$(( $("$bin" list --output-format json | PROTOCOLS="$protocols" python3 -c "
import json, os, sys; d = json.load(sys.stdin)
p = os.environ['PROTOCOLS']
n = len(d['protocols']) if p == 'all' else len(p.split(','))
print(sum(1 for s in d['scenarios'] if s['mode'] == 'explore') * n)") ))
if [ $rc != 0 ] || [ "$(grep -c ' yes$' table.txt)" != "$cells" ] || ! grep -q "$cells of $cells cells met" table.txt; then
  echo "FAIL: run all x all rc=$rc"; tail -n 5 table.txt err.txt; fail=1
else
  echo "ok: $cells cells, every one as expected"
fi
xmllint --noout --schema "$xsd" all/junit.xml 2>/dev/null || { echo "FAIL: junit.xml does not validate"; fail=1; }
BIN="$bin" python3 - <<'PY' || { echo "FAIL: summary.json or the results folder"; fail=1; }
import json, os, subprocess
s = json.load(open("all/summary.json"))
assert s["command"] == "run" and s["met"] and s["run"] == s["total"] == len(s["cells"])
assert s["daxbreak"]["version"] and s["config"]["mode"] == "explore"
expect = {(c["scenario"], c["protocol"]): c["expect"] for c in s["cells"]}
assert expect[("refault", "modern")] == "stall" and expect[("race2018", "no-break")] == "found"
assert expect[("gup-fast", "fixed")] == "clean" and expect[("race2018", "modern")] == "any"
for c in s["cells"]:
    assert os.path.exists("all/" + c["report"]), c
    if c["kind"]:
        text = open(f"all/findings/{c['name']}.txt").read()
        assert text.startswith(c["replay"]) and "---" in text, c["name"]
        json.load(open(f"all/findings/{c['name']}.trace.json"))["traceEvents"]
# A finding's replay command reproduces it.
c = next(c for c in s["cells"] if c["kind"] == "deadlock")
replay = subprocess.run([os.environ["BIN"]] + c["replay"].split()[1:], capture_output=True)
assert replay.returncode == 1, replay
PY

# A cell that misses its expectation: fixed is not clean under a broadcast
# TLB flush at four preemptions (README, GUP-fast against the unmap).
expect 1 "." run --scenarios gup-fast --protocols fixed --tlb-flush broadcast --strategy dfs --preemptions 4 \
  --schedules 0 --results miss --eta never
grep -q "NO$" out || { echo "FAIL: the missed cell is not marked"; cat out; fail=1; }
xmllint --noout --schema "$xsd" miss/junit.xml 2>/dev/null && grep -q '<failure message="expected clean' miss/junit.xml ||
  { echo "FAIL: the missed cell is not a JUnit failure"; fail=1; }

# Lists, globs, seed ranges; bad items and a used results folder are exit 2.
"$bin" run --scenarios 'ref*' --protocols 'modern*' --seeds 1-3 --results glob --output-format json >glob.json 2>/dev/null
python3 -c "
import json; s = json.load(open('glob.json'))
assert [(c['scenario'], c['protocol'], c['seed']) for c in s['cells']][:4] == [('refault', 'modern', 1), ('refault', 'modern', 2), ('refault', 'modern', 3), ('refault', 'modern-mapcount-wake', 1)]
assert len(s['cells']) == 9 and s['met']
" || { echo "FAIL: globs and seed ranges"; fail=1; }
expect 2 "--protocols: 'zzz\*' matches nothing" run --protocols 'zzz*' --results x1
expect 2 "--seeds: '5-2'" run --seeds 5-2 --results x2
expect 2 "'glob' exists and is not empty" run --results glob
expect 2 "mode: 'nope' is not one of explore, stress" run --mode nope

# Stress cells, one after another, each running its own scenario: the correct
# protocol clean, the rest reported.
"$bin" run --mode stress --scenarios all --protocols fixed,no-break --duration 2s --results stress --eta never >stress.txt 2>&1
rc=$?
"$bin" list --output-format json >list.json
python3 -c "
import json; s = json.load(open('stress/summary.json'))
listed = json.load(open('list.json'))['scenarios']
model = sorted(x['name'] for x in listed if x['mode'] == 'stress' and 'model' in x['targets'])
c = {(x['scenario'], x['protocol']): x for x in s['cells']}
assert len(model) >= 3 and sorted(c) == [(sc, p) for sc in model for p in ('fixed', 'no-break')], sorted(c)
for (scenario, protocol), cell in c.items():
  report = json.load(open('stress/' + cell['report']))
  assert report['command'] == 'stress' and report['config']['scenario'] == scenario, (scenario, report['config'])
  if protocol == 'fixed': assert cell['expect'] == 'clean' and cell['met'] and cell['result'] == 'clean', cell
  else: assert cell['expect'] == 'any', cell
" && [ $rc = 0 ] && [ -z "$(ls stress/*.pmem stress/*.disk 2>/dev/null)" ] ||
  { echo "FAIL: stress campaign rc=$rc"; cat stress.txt; fail=1; }

if [ $fail = 0 ]; then echo "run tests: passed"; else echo "run tests: FAILED"; fi
exit $fail
