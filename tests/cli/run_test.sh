#!/usr/bin/env bash
# `daxbreak run`: campaigns judged cell by cell, a results folder that holds
# every report, finding and trace, and JUnit XML that validates.
set -u
source "$(dirname "$0")/../testing/expect.sh"
xsd="$(cd "$(dirname "$0")" && pwd)/junit.xsd"
cd "$dir"

# Every scenario against every protocol (DAXBREAK_RUN_PROTOCOLS: a list, for
# the sanitizer builds) on ext4, the default file system: each cell meets its
# expectation; a row or scenario of another file system has no cell.
protocols=${DAXBREAK_RUN_PROTOCOLS:-all}
"$bin" run --scenarios all --protocols "$protocols" --results all --eta never >table.txt 2>err.txt
rc=$?
cells=$(( $("$bin" list --output-format json | PROTOCOLS="$protocols" python3 -c "
import json, os, sys; d = json.load(sys.stdin)
p = os.environ['PROTOCOLS']
on_ext4 = lambda x: x['applies_to'] == '' or 'ext4' in x['applies_to'].split(',')
rows = [r for r in d['protocols'] if p == 'all' or r['name'] in p.split(',')]
print(sum(1 for s in d['scenarios'] if s['mode'] == 'explore' and on_ext4(s) and not s.get('by_name_only')) * sum(1 for r in rows if on_ext4(r)))") ))
if [ $rc != 0 ] || [ "$(grep -cE ' (yes|skip)$' table.txt)" != "$cells" ] || ! grep -q "$cells of $cells cells: .* 0 failed" table.txt; then
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
# Cells expected "any" are skipped: their own count, JUnit <skipped/>.
anys = sum(c["expect"] == "any" for c in s["cells"])
assert anys > 0 and s["skipped"] == anys and s["passed"] + anys == s["total"] and s["failed"] == s["errors"] == 0, s
assert all(c["skipped"] == (c["expect"] == "any") for c in s["cells"])
import xml.etree.ElementTree as ET
suite = ET.parse("all/junit.xml").getroot().find("testsuite")
assert int(suite.get("skipped")) == anys == len(suite.findall("testcase/skipped")), suite.attrib
props = {p.get("name"): p.get("value") for p in suite.findall("properties/property")}
assert props["kernel.release"] == os.uname().release and props["daxbreak.version"] == s["daxbreak"]["version"], props
assert props["seeds"] == "1" and suite.find("testcase/properties/property").get("name") == "seed", props
html = open("all/index.html").read()
assert html.count('class="o skipped"') == anys + 1 and f"skipped {anys}" in html
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
assert [(c['scenario'], c['protocol'], c['seed']) for c in s['cells']][:4] == [('refault', 'modern', '1'), ('refault', 'modern', '2'), ('refault', 'modern', '3'), ('refault', 'modern-mapcount-wake', '1')]
assert len(s['cells']) == 9 and s['met']
" || { echo "FAIL: globs and seed ranges"; fail=1; }
expect 2 "--protocols: 'zzz\*' matches nothing" run --protocols 'zzz*' --results x1
expect 2 "--seeds: '5-2'" run --seeds 5-2 --results x2
expect 2 "'glob' exists and is not empty" run --results glob
expect 2 "mode: 'nope' is not one of explore, stress" run --mode nope

# --shard I/N deals the cells out: two shards are the whole, disjoint.
"$bin" run --scenarios 'ref*' --protocols 'modern*' --seeds 1-3 --shard 0/2 --results sh0 --output-format json >sh0.json 2>/dev/null
"$bin" run --scenarios 'ref*' --protocols 'modern*' --seeds 1-3 --shard 1/2 --results sh1 --output-format json >sh1.json 2>/dev/null
python3 -c "
import json; n = lambda f: [c['name'] for c in json.load(open(f))['cells']]
a, b, g = n('sh0.json'), n('sh1.json'), n('glob.json')
assert len(a) == 5 and len(b) == 4 and not set(a) & set(b) and sorted(a + b) == sorted(g), (a, b)
assert json.load(open('sh1.json'))['shard'] == '1/2'
" || { echo "FAIL: run --shard"; fail=1; }
expect 2 "--shard: '2/2'" run --shard 2/2 --results x3
expect 2 "--device and --disk are for --mode stress" run --device "$dir" --results x4

# The default results folder: ISO 8601 basic format, no ':'. Every run
# above left a line in history.log and its cells' durations in history.time.
mkdir def && (cd def && "$bin" run --scenarios refault --protocols fixed --eta never >/dev/null 2>&1) &&
  ls def/daxbreak-results | grep -qxE 'run-[0-9]{8}T[0-9]{6}Z' && [ -s def/daxbreak-results/history.log ] ||
  { echo "FAIL: the default results folder"; ls -R def; fail=1; }
python3 -c "
import json
log = open('history.log').read().splitlines()
assert [l.split()[1] for l in log] == ['all', 'miss', 'glob', 'sh0', 'sh1'], log
s = json.load(open('all/summary.json'))
assert log[0].split()[2:] == ['explore', 'cells', str(len(s['cells'])), 'passed', str(s['passed']), 'failed', '0', 'skipped', str(s['skipped']), 'errors', '0'], log[0]
times = dict(l.split() for l in open('history.time'))
assert 'explore.refault.modern.seed3' in times and 'explore.gup-fast.fixed.seed1' in times, times
" || { echo "FAIL: history.log, history.time"; cat history.log; fail=1; }

# Stress cells on a --device folder (as on an fs-dax mount) and one --disk
# file: each cell's device file is made there and removed; the disk is kept.
mkdir devs
"$bin" run --mode stress --scenarios collision --protocols fixed,no-break --duration 1s --device "$dir/devs" \
  --disk "$dir/one.disk" --results dev --eta never >/dev/null 2>&1
python3 -c "
import json; s = json.load(open('dev/summary.json'))
for c in s['cells']:
  r = json.load(open('dev/' + c['report']))
  assert r['config']['device'] == '$dir/devs/' + c['name'] + '.pmem' and r['config']['disk'] == '$dir/one.disk', r['config']
" && [ -z "$(ls devs)" ] && [ -e one.disk ] || { echo "FAIL: run --device/--disk"; ls devs; fail=1; }

# The file-system axis: a cell per file system, none where the row or the
# scenario does not apply (5 cells), each meeting its expectation; an unknown
# file system is exit 2, and so is a row explored off its file systems.
"$bin" run --scenarios beyond-eof,xfs-remap --protocols fixed,virtiofs-page0 --fs all --strategy dpor --schedules 0 \
  --results fsall --output-format json --eta never >fsall.json 2>/dev/null
python3 -c "
import json; s = json.load(open('fsall.json'))
got = [(c['scenario'], c['protocol'], c.get('fs', 'ext4'), c['result']) for c in s['cells']]
assert got == [('beyond-eof', 'fixed', 'ext4', 'clean'), ('beyond-eof', 'fixed', 'xfs', 'clean'),
               ('beyond-eof', 'fixed', 'virtiofs', 'clean'),
               ('beyond-eof', 'virtiofs-page0', 'virtiofs', 'busy_page_disassociated'),
               ('xfs-remap', 'fixed', 'xfs', 'clean')], got
assert s['met'] and s['file_systems'] == ['ext4', 'xfs', 'virtiofs']
" || { echo "FAIL: run --fs all"; fail=1; }
expect 2 "--fs: 'zfs' matches nothing" run --fs zfs --results x3
expect 2 "unknown file system 'zfs'" explore --scenario race2018 --fs zfs
expect 2 "virtiofs-page0 applies to virtiofs, not to ext4" explore --scenario beyond-eof --protocol virtiofs-page0
expect 2 "xfs-remap runs on xfs, not on virtiofs" explore --scenario xfs-remap --fs virtiofs

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
