#!/bin/bash
# A Slurm job array that runs one dfs search of daxbreak as N shards, one per
# array task, and merges them when the last shard is in. Submit with
#
#   sbatch --array=1-8 examples/batch/slurm-explore.sh
#
# The array may start anywhere and have a step (--array=0-14:2); it must be a
# range, not a list. Task k of the array is shard (k - MIN) / STEP of COUNT.
# Results go to $RESULTS/$SLURM_ARRAY_JOB_ID/ (a new folder per job, so a
# previous search's merged.json is never taken for this one's):
#
#   shard-I.json   written under a temporary name and renamed when complete,
#                  so a shard that exists is whole
#   merged.json    written by the task whose shard completes the set (it
#                  counts complete shards after its own rename, so the last
#                  one to rename always sees N); `daxbreak merge` refuses a
#                  set with a shard missing or repeated
#
# With MERGE=none the tasks only write shards; merge them with the dependent
# job of slurm-merge.sh (sbatch --dependency=afterok:JOBID ...).
#SBATCH --job-name=daxbreak-explore
#SBATCH --cpus-per-task=2
#SBATCH --time=01:00:00
set -euo pipefail
die() { echo "slurm-explore: $*" >&2; exit 2; }
DAXBREAK=${DAXBREAK:-daxbreak}
RESULTS=${RESULTS:-results}
SCENARIO=${SCENARIO:-refault}
PROTOCOL=${PROTOCOL:-fixed}
PREEMPTIONS=${PREEMPTIONS:-4}
MERGE=${MERGE:-last}
for v in SLURM_ARRAY_JOB_ID SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_MIN SLURM_ARRAY_TASK_MAX SLURM_ARRAY_TASK_COUNT; do
  [[ ${!v:-} =~ ^[0-9]+$ ]] || die "$v is '${!v:-}', not a number: submit with sbatch --array=A-B"
done
STEP=${SLURM_ARRAY_TASK_STEP:-1}
MIN=$SLURM_ARRAY_TASK_MIN COUNT=$SLURM_ARRAY_TASK_COUNT
if (( STEP < 1 || (SLURM_ARRAY_TASK_MAX - MIN) / STEP + 1 != COUNT || (SLURM_ARRAY_TASK_ID - MIN) % STEP != 0 )); then
  die "array $MIN-$SLURM_ARRAY_TASK_MAX:$STEP has $COUNT tasks: not a range; use --array=A-B[:S]"
fi
INDEX=$(( (SLURM_ARRAY_TASK_ID - MIN) / STEP ))
OUT=$RESULTS/$SLURM_ARRAY_JOB_ID
mkdir -p "$OUT"
[ ! -e "$OUT/merged.json" ] || die "$OUT/merged.json exists: job $SLURM_ARRAY_JOB_ID was merged already"

tmp=$(mktemp "$OUT/.shard-$INDEX.XXXXXX")
trap 'rm -f "$tmp"' EXIT
rc=0
"$DAXBREAK" explore --scenario "$SCENARIO" --protocol "$PROTOCOL" --strategy dfs \
  --preemptions "$PREEMPTIONS" --keep-going --jobs "${SLURM_CPUS_PER_TASK:-1}" --shard "$INDEX/$COUNT" \
  --output-format json --output "$tmp" || rc=$?
(( rc <= 1 )) || exit "$rc"  # 1 means findings, which the report holds; 2 is an error.
chmod 0644 "$tmp"
mv -f "$tmp" "$OUT/shard-$INDEX.json"
echo "slurm-explore: shard $INDEX/$COUNT in $OUT/shard-$INDEX.json"

[ "$MERGE" = last ] || exit 0
shards=("$OUT"/shard-*.json)
(( ${#shards[@]} >= COUNT )) || exit 0  # A later task merges.
# Two tasks may both see the set complete: each merges into its own file and
# renames it; both merges are of the same shards.
merged=$(mktemp "$OUT/.merged.XXXXXX")
trap 'rm -f "$tmp" "$merged"' EXIT
rc=0
"$DAXBREAK" merge "${shards[@]}" --output-format json --output "$merged" || rc=$?
(( rc <= 1 )) || die "merge of ${#shards[@]} shards in $OUT failed ($rc)"
chmod 0644 "$merged"
mv -f "$merged" "$OUT/merged.json"
echo "slurm-explore: merged $COUNT shards into $OUT/merged.json"
