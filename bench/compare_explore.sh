#!/usr/bin/env bash
# compare_explore.sh BEFORE AFTER [ARGS...]: runs `explore --strategy dfs
# --preemptions 2 --output-format json ARGS` for a sample of scenario x
# protocol cells with two daxbreak binaries and prints, per cell, the
# schedules/found/kind of BEFORE and whether AFTER's document is the same
# apart from its run metadata (time, host) and its timing. Exit 1 if any
# cell differs. Used to show that a change leaves the default outputs alone.
set -u
before=$(readlink -f "$1") after=$(readlink -f "$2"); shift 2
cells="race2018:fixed race2018:no-break race2018:retry-flag gup-fast:fixed gup-fast:no-unmap
locked-entry:fixed locked-entry:skip-locked evict-pinned:fixed evict-pinned:linux-4.19-6.14 lost-wake:fixed
lost-wake:bio-release-no-wake lost-wake:modern beyond-eof:short-range signal:eintr-partial
unmapped-pin:linux-4.19-6.14 refault:modern refault:modern-refault-wake refault:linux-6.15.0 zero-range:fixed
collapse:no-break stale-unwritten:no-iomap-valid fsync-dio:em-before-oe"
cd "${TMPDIR:-/tmp}" || exit 2
strip='del(.daxbreak, .seconds) | walk(if type == "object" then del(.seconds) else . end)'
rc=0
for cell in $cells; do
  s=${cell%%:*} p=${cell#*:}
  a=$("$before" explore --scenario "$s" --protocol "$p" --strategy dfs --preemptions 2 --output-format json "$@")
  b=$("$after" explore --scenario "$s" --protocol "$p" --strategy dfs --preemptions 2 --output-format json "$@")
  same=same
  [ "$(echo "$a" | jq -S "$strip")" = "$(echo "$b" | jq -S "$strip")" ] || { same=DIFFERENT; rc=1; }
  printf '%s\t%s\t%s\t%s\n' "$s" "$p" "$(echo "$a" | jq -r '[.schedules, .found, (.kind // "-")] | @tsv')" "$same"
done
exit $rc
