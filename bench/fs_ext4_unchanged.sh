#!/usr/bin/env bash
# fs_ext4_unchanged.sh BEFORE AFTER [SCENARIO:PROTOCOL ...]: the file-system
# axis must leave ext4 runs as they were. For each cell (default: a sample of
# the DAX scenarios with `fixed` and the rows they catch) it runs
#   explore --scenario S --protocol P --strategy dfs --preemptions 2 --output-format json
# with both binaries (AFTER with no --fs, so on ext4) and compares schedules,
# found, kind, schedule string and the config document. One line per cell:
#
#   scenario protocol schedules(before) schedules(after) found kind same|DIFFERENT
#
# Exit 1 when a cell differs.
set -u
before=$(readlink -f "$1") after=$(readlink -f "$2"); shift 2
cells=("$@")
[ ${#cells[@]} -gt 0 ] || cells=(race2018:fixed race2018:no-break race2018:retry-flag gup-fast:fixed gup-fast:no-unmap
  locked-entry:skip-locked evict-pinned:no-final-break lost-wake:bio-release-no-wake beyond-eof:short-range
  signal:eintr-partial unmapped-pin:mapped-only refault:modern zero-range:fixed collapse:fixed)
cd "${TMPDIR:-/tmp}" || exit 2
rc=0
pick='[.schedules, .found, .kind, .schedule, (.config | tostring)] | @json'
for cell in "${cells[@]}"; do
  s=${cell%%:*} p=${cell#*:}
  a=$("$before" explore --scenario "$s" --protocol "$p" --strategy dfs --preemptions 2 --output-format json --eta never)
  b=$("$after" explore --scenario "$s" --protocol "$p" --strategy dfs --preemptions 2 --output-format json --eta never)
  same=same
  [ "$(echo "$a" | jq -c "$pick")" = "$(echo "$b" | jq -c "$pick")" ] || { same=DIFFERENT; rc=1; }
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$p" "$(echo "$a" | jq -r .schedules)" "$(echo "$b" | jq -r .schedules)" \
    "$(echo "$b" | jq -r .found)" "$(echo "$b" | jq -r '.kind // "-"')" "$same"
done
exit $rc
