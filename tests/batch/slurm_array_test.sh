#!/usr/bin/env bash
# examples/batch/slurm-explore.sh as Slurm runs an array on 4 slots: the four
# tasks at once, each from a spooled copy of the script with the array's
# environment (SLURM_ARRAY_JOB_ID, _TASK_ID, _MIN, _MAX, _COUNT, _STEP), made
# to finish in a different order in each of three arrays, one starting at 0,
# one at 3 and one at 10 with step 2. Every task must exit 0 and the merged
# result must equal the unsharded search, 3 arrays out of 3. Then: a merge
# job with a shard missing fails naming it, a task of a merged job refuses,
# and an array that is a list, not a range, refuses.
set -u
source "$(dirname "$0")/../testing/expect.sh"
examples=$(cd "$(dirname "$0")/../../examples/batch" && pwd)
cd "$dir"
mkdir spool
cp "$examples/slurm-explore.sh" spool/explore && cp "$examples/slurm-merge.sh" spool/merge

# A daxbreak that lingers after its search by this task's delay, so that the
# tasks rename and count their shards in the order the delays give.
cat >shim <<SHIM
#!/bin/bash
"$bin" "\$@"; rc=\$?
if [ "\$1" = explore ]; then d=(\$DELAYS); sleep "\${d[\$(( (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP ))]}"; fi
exit \$rc
SHIM
chmod +x shim
search=(--scenario race2018 --protocol retry-flag --strategy dfs --preemptions 2 --keep-going)
export DAXBREAK="$dir/shim" RESULTS="$dir/results" SCENARIO=race2018 PROTOCOL=retry-flag PREEMPTIONS=2

"$bin" explore "${search[@]}" --output-format json --output whole.json
[ -s whole.json ] || { echo "FAIL: the unsharded search wrote nothing"; exit 1; }

# array JOB MIN STEP DELAYS: runs the 4 tasks of --array=MIN-MAX:STEP at once.
array() {
  local job=$1 min=$2 step=$3 delays=$4 k pids=() rc bad=0
  local max=$(( min + 3 * step ))
  for k in 0 1 2 3; do
    SLURM_JOB_ID=$(( job + 1 + k )) SLURM_ARRAY_JOB_ID=$job SLURM_ARRAY_TASK_ID=$(( min + k * step )) \
      SLURM_ARRAY_TASK_MIN=$min SLURM_ARRAY_TASK_MAX=$max SLURM_ARRAY_TASK_COUNT=4 SLURM_ARRAY_TASK_STEP=$step \
      SLURM_CPUS_PER_TASK=1 DELAYS="$delays" bash spool/explore >"task-$job-$k.out" 2>&1 &
    pids+=($!)
  done
  for k in 0 1 2 3; do
    wait "${pids[$k]}"; rc=$?
    if [ $rc != 0 ]; then echo "FAIL: array $job task $k exit $rc:"; cat "task-$job-$k.out"; bad=1; fi
  done
  JOB=$job python3 - <<'PY' || bad=1
import json, os
job = os.environ["JOB"]; out = f"results/{job}"
m, w = json.load(open(f"{out}/merged.json")), json.load(open("whole.json"))
for key in ("schedules", "found", "kind"):
    assert m.get(key) == w.get(key), (key, m.get(key), w.get(key))
assert m["findings"].keys() == w["findings"].keys(), (m["findings"].keys(), w["findings"].keys())
assert sorted(os.listdir(out)) == ["merged.json"] + [f"shard-{i}.json" for i in range(4)], os.listdir(out)
PY
  local order
  order=$(grep -l "merged 4 shards" task-$job-*.out | sed 's/.*-//; s/\.out//' | tr '\n' ' ')
  if [ $bad = 0 ]; then echo "ok: array $min-$max:$step (job $job), merged by task(s) ${order}equals the unsharded search"
  else echo "FAIL: array $min-$max:$step (job $job)"; fail=1; fi
}
array 1000 0 1 "0 0.3 0.6 0.9"   # finish in order
array 2000 3 1 "0.9 0.6 0.3 0"   # in reverse
array 3000 10 2 "0.5 0 0.5 0.2"  # two pairs at once

# A merge job over a set with a shard missing fails naming it.
mkdir -p results/4000 && cp results/1000/shard-{0,1,3}.json results/4000/
JOB=4000 SHARDS=4 bash spool/merge >merge.out 2>&1; rc=$?
if [ $rc != 2 ] || ! grep -q "lacks 1 of 4 shards: shard-2.json" merge.out || [ -e results/4000/merged.json ]; then
  echo "FAIL: merge with shard-2 missing: exit $rc"; cat merge.out; fail=1
else echo "ok: a merge with shard-2 missing fails naming it"; fi
cp results/1000/shard-2.json results/4000/
JOB=4000 SHARDS=4 bash spool/merge >merge.out 2>&1 && cmp -s <(python3 -c "import json; print(json.load(open('results/4000/merged.json'))['schedules'])") \
  <(python3 -c "import json; print(json.load(open('whole.json'))['schedules'])") ||
  { echo "FAIL: the dependent merge job"; cat merge.out; fail=1; }

# A task of a job already merged, and an array that is a list, refuse.
slurm_task() {
  env SLURM_ARRAY_JOB_ID=$1 SLURM_ARRAY_TASK_ID=$2 SLURM_ARRAY_TASK_MIN=$3 SLURM_ARRAY_TASK_MAX=$4 \
    SLURM_ARRAY_TASK_COUNT=$5 SLURM_ARRAY_TASK_STEP=1 DELAYS=0 bash spool/explore >task.out 2>&1
}
slurm_task 1000 0 0 3 4; rc=$?
[ $rc = 2 ] && grep -q "merged already" task.out || { echo "FAIL: a task of a merged job: exit $rc"; cat task.out; fail=1; }
slurm_task 5000 3 1 7 3; rc=$?
[ $rc = 2 ] && grep -q "not a range" task.out || { echo "FAIL: an array 1,3,7: exit $rc"; cat task.out; fail=1; }
[ ! -e results/5000/shard-1.json ] || { echo "FAIL: the refused list array wrote a shard"; fail=1; }

if [ $fail = 0 ]; then echo "slurm array tests: passed"; else echo "slurm array tests: FAILED"; fi
exit $fail
