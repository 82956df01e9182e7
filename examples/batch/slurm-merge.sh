#!/bin/bash
# Merges the shards of a slurm-explore.sh array in a job that waits for it:
#
#   jid=$(sbatch --parsable --array=0-7 --export=ALL,MERGE=none examples/batch/slurm-explore.sh)
#   sbatch --dependency=afterok:$jid --export=ALL,JOB=$jid,SHARDS=8 examples/batch/slurm-merge.sh
#
# Fails (exit 2) naming every missing shard of $RESULTS/$JOB; writes
# merged.json under a temporary name and renames it.
#SBATCH --job-name=daxbreak-merge
#SBATCH --time=00:10:00
set -euo pipefail
die() { echo "slurm-merge: $*" >&2; exit 2; }
DAXBREAK=${DAXBREAK:-daxbreak}
RESULTS=${RESULTS:-results}
[[ ${JOB:-} =~ ^[0-9]+$ && ${SHARDS:-} =~ ^[0-9]+$ ]] || die "JOB='${JOB:-}' SHARDS='${SHARDS:-}': both must be numbers"
OUT=$RESULTS/$JOB
missing=()
for (( i = 0; i < SHARDS; i++ )); do
  [ -s "$OUT/shard-$i.json" ] || missing+=("shard-$i.json")
done
(( ${#missing[@]} == 0 )) || die "$OUT lacks ${#missing[@]} of $SHARDS shards: ${missing[*]}"
merged=$(mktemp "$OUT/.merged.XXXXXX")
trap 'rm -f "$merged"' EXIT
files=()
for (( i = 0; i < SHARDS; i++ )); do files+=("$OUT/shard-$i.json"); done
rc=0
"$DAXBREAK" merge "${files[@]}" --output-format json --output "$merged" || rc=$?
(( rc <= 1 )) || die "merge of $SHARDS shards in $OUT failed ($rc)"
chmod 0644 "$merged"
mv -f "$merged" "$OUT/merged.json"
echo "slurm-merge: merged $SHARDS shards into $OUT/merged.json"
