#!/bin/bash
# A Slurm job array that runs one dfs search of daxbreak as N shards, one per
# array task, then merges them. Submit with
#
#   sbatch --array=0-7 examples/batch/slurm-explore.sh
#
# Each task writes results/shard-$SLURM_ARRAY_TASK_ID.json; the last task to
# finish merges every shard into results/merged.json (the merge refuses an
# incomplete set, so earlier finishers simply leave it to a later one).
#SBATCH --job-name=daxbreak-explore
#SBATCH --cpus-per-task=2
#SBATCH --time=01:00:00
set -euo pipefail
DAXBREAK=${DAXBREAK:-daxbreak}
OUT=${OUT:-results}
SCENARIO=${SCENARIO:-refault}
PROTOCOL=${PROTOCOL:-fixed}
PREEMPTIONS=${PREEMPTIONS:-4}
SHARDS=$SLURM_ARRAY_TASK_COUNT
CPUS=${SLURM_CPUS_PER_TASK:-1}
mkdir -p "$OUT"
"$DAXBREAK" explore --scenario "$SCENARIO" --protocol "$PROTOCOL" --strategy dfs \
  --preemptions "$PREEMPTIONS" --keep-going --jobs "$CPUS" --shard "$SLURM_ARRAY_TASK_ID/$SHARDS" \
  --output-format json --output "$OUT/shard-$SLURM_ARRAY_TASK_ID.json" || rc=$?
[ "${rc:-0}" -le 1 ] || exit "$rc"  # 1 means findings, which the report holds; 2 is an error.
if [ "$(ls "$OUT"/shard-*.json | wc -l)" -eq "$SHARDS" ]; then
  # Two tasks may finish last together: each merges into its own file, then renames.
  "$DAXBREAK" merge "$OUT"/shard-*.json --output-format json \
    --output "$OUT/merged.$SLURM_ARRAY_TASK_ID.tmp" || rc=$?
  [ "${rc:-0}" -le 1 ] || exit "$rc"
  mv -f "$OUT/merged.$SLURM_ARRAY_TASK_ID.tmp" "$OUT/merged.json"
fi
