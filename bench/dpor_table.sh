#!/usr/bin/env bash
# dpor_table.sh BINARY [--jobs N] [--compare BUDGET]: `explore --strategy dpor`
# for every explore scenario with every correct protocol row (status correct
# or candidate fix in `daxbreak list`), one line each:
#
#   scenario protocol traces steps seconds verdict [unreduced]
#
# verdict is the certificate's (complete or bounded). With --compare BUDGET
# each search also collects its outcomes (--outcomes) and the unreduced
# search (--no-reduction, no bound) runs with at most BUDGET schedules; the
# last column is then `equal` or `DIFFERENT` when the unreduced search ended
# within the budget, and `n/a (>BUDGET)` when it did not. Exit 1 when a row is
# not complete and clean, or its outcomes differ. A row in the scenario of its
# unfair cycle (`cycles_in` in `daxbreak list`: unbounded dpor there never
# ends, since each turn of the cycle is a new class) is listed as skipped.
set -u
bin=$(readlink -f "$1"); shift
jobs=1 budget=0
while [ $# -gt 0 ]; do
  case "$1" in
    --jobs) jobs=$2; shift 2 ;;
    --compare) budget=$2; shift 2 ;;
    *) echo "dpor_table.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
cd "${TMPDIR:-/tmp}" || exit 2
list=$("$bin" list --output-format json)
scenarios=$(echo "$list" | jq -r '.scenarios[] | select(.mode == "explore") | .name')
protocols=$(echo "$list" | jq -r '.protocols[] | select(.status == "correct" or .status == "candidate fix") | .name')
rc=0
for s in $scenarios; do
  # A scenario of one file system's own path (applies_to) runs on the first
  # it names; the others on the default, ext4.
  fs=$(echo "$list" | jq -r --arg s "$s" '.scenarios[] | select(.mode == "explore" and .name == $s) | .applies_to
    | split(",") | .[0] // "ext4"')
  for p in $protocols; do
    if [ "$(echo "$list" | jq -r --arg p "$p" '.protocols[] | select(.name == $p) | .cycles_in')" = "$s" ]; then
      printf '%s\t%s\tskipped: its unfair cycle (cycles_in)\n' "$s" "$p"
      continue
    fi
    extra=()
    [ "$budget" != 0 ] && extra=(--outcomes)
    out=$("$bin" explore --scenario "$s" --protocol "$p" --fs "$fs" --strategy dpor --jobs "$jobs" --keep-going "${extra[@]}" \
      --output-format json --eta never)
    line=$(echo "$out" | jq -r '[.schedules, .steps, (.seconds * 1000 | round / 1000), .certificate.verdict] | @tsv')
    verdict=$(echo "$out" | jq -r '.certificate.verdict')
    found=$(echo "$out" | jq -r '.found')
    [ "$verdict" = complete ] && [ "$found" = false ] || rc=1
    cmp=""
    if [ "$budget" != 0 ]; then
      full=$("$bin" explore --scenario "$s" --protocol "$p" --fs "$fs" --strategy dpor --no-reduction --subtrees 1 --keep-going \
        --outcomes --schedules "$((budget + 1))" --jobs "$jobs" --output-format json --eta never)
      if [ "$(echo "$full" | jq -r '.exhausted')" != true ]; then
        cmp="n/a (>$budget)"
      elif [ "$(echo "$out" | jq -c '.outcomes')" = "$(echo "$full" | jq -c '.outcomes')" ]; then
        cmp="equal ($(echo "$full" | jq -r '.schedules') unreduced)"
      else
        cmp="DIFFERENT"; rc=1
      fi
    fi
    printf '%s\t%s\t%s\t%s\n' "$s" "$p" "$line" "$cmp"
  done
done
exit $rc
