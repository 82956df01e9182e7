#!/usr/bin/env bash
# fs_table.sh BINARY [--duration D] [--dpor-budget T]: the file-system axis
# table. For --fs ext4, xfs and virtiofs, every explore scenario that runs
# there (`daxbreak list`: applies_to) with
#   - `fixed`: `explore --strategy dpor` within --dpor-budget (default 60s);
#     if that is not `complete`, `--strategy dfs --preemptions 2` to the end;
#   - every buggy row (status released bug or hypothetical) that applies to
#     the file system and names the scenario (catches_in), plus the rows the
#     file systems' own scenarios catch (xfs-remap: no-break, window-reclaim:
#     mapped-only): `explore --strategy dpor` to its first finding;
# and every model stress scenario with `fixed` and with each buggy row that
# applies and names it, for --duration (default 2s) each (a short stress run
# may miss a bug: its buggy cells expect `any`). One line per cell:
#
#   fs mode scenario protocol expect result schedules|outcome certificate|duration
#
# expect is clean, found or any; result is clean, FOUND <kind> or refused. Exit 1
# when a cell does not meet its expectation.
set -u
bin=$(readlink -f "$1"); shift
duration=2s budget=60s
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --dpor-budget) budget=$2; shift 2 ;;
    *) echo "fs_table.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d "${TMPDIR:-/tmp}/fs_table.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
list=$("$bin" list --output-format json)
# Extra (scenario, row) pairs: the rows the file systems' own scenarios catch.
extra_pairs="xfs-remap:no-break window-reclaim:mapped-only"
rc=0

applies() {  # applies LIST FS: whether a comma-separated list (empty: all) has FS.
  [ -z "$1" ] && return 0
  case ",$1," in *",$2,"*) return 0 ;; esac
  return 1
}

row() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@"; }

judge() {  # judge EXPECT RESULT
  case "$1:$2" in clean:clean | found:FOUND* | any:*) return 0 ;; esac
  rc=1
  return 1
}

explore_cell() {  # explore_cell FS SCENARIO PROTOCOL EXPECT
  local fs=$1 s=$2 p=$3 expect=$4 out result traces cert strategy=dpor
  # The 2 MiB scenarios race inside a PMD mapping: they run at --page-size 2m.
  local page=()
  [[ $s == pmd-* ]] && page=(--page-size 2m)
  if [ "$expect" = clean ]; then
    out=$("$bin" explore --fs "$fs" --scenario "$s" --protocol "$p" "${page[@]}" --strategy dpor --time-budget "$budget" \
      --output-format json --eta never 2>&1)
    if [ "$(echo "$out" | jq -r '.certificate.verdict' 2>/dev/null)" != complete ] &&
       [ "$(echo "$out" | jq -r '.found' 2>/dev/null)" = false ]; then
      strategy=dfs-2
      out=$("$bin" explore --fs "$fs" --scenario "$s" --protocol "$p" "${page[@]}" --strategy dfs --preemptions 2 \
        --output-format json --eta never 2>&1)
    fi
  else
    out=$("$bin" explore --fs "$fs" --scenario "$s" --protocol "$p" "${page[@]}" --strategy dpor --output-format json \
      --eta never 2>&1)
  fi
  if ! echo "$out" | jq -e . >/dev/null 2>&1; then
    row "$fs" explore "$s" "$p" "$expect" "refused: $out" - -
    rc=1
    return
  fi
  if [ "$(echo "$out" | jq -r '.found')" = true ]; then result="FOUND $(echo "$out" | jq -r '.kind')"; else result=clean; fi
  traces=$(echo "$out" | jq -r '.schedules')
  cert="$strategy $(echo "$out" | jq -r '.certificate.verdict')"
  judge "$expect" "$result" || result="$result (expected $expect)"
  row "$fs" explore "$s" "$p" "$expect" "$result" "$traces" "$cert"
}

stress_cell() {  # stress_cell FS SCENARIO PROTOCOL EXPECT
  local fs=$1 s=$2 p=$3 expect=$4 out result ops
  out=$("$bin" stress --target model --fs "$fs" --scenario "$s" --protocol "$p" --duration "$duration" \
    --seed 1 --device "$work/dev.pmem" --disk "$work/disk.img" --output-format json --eta never 2>"$work/err")
  [ -n "$out" ] || out=$(tail -1 "$work/err")
  rm -f "$work/dev.pmem" "$work/disk.img"
  if ! echo "$out" | jq -e . >/dev/null 2>&1; then
    row "$fs" stress "$s" "$p" "$expect" "refused: $out" - -
    rc=1
    return
  fi
  if [ "$(echo "$out" | jq -r '.violation_count // 0')" != 0 ]; then
    result="FOUND $(echo "$out" | jq -r '.violations[0].kind')"
  elif [ "$(echo "$out" | jq -r '.stall')" != null ]; then
    result="FOUND stall"
  else
    result=clean
  fi
  ops=$(echo "$out" | jq -r '.outcome')
  judge "$expect" "$result" || result="$result (expected $expect)"
  row "$fs" stress "$s" "$p" "$expect" "$result" "$ops" "$duration"
}

buggy_rows() {  # buggy_rows FS SCENARIO: the buggy rows that apply to FS and name SCENARIO.
  echo "$list" | jq -r --arg s "$2" '.protocols[] | select(.status == "released bug" or .status == "hypothetical")
    | select(.catches_in == $s) | "\(.name)\t\(.applies_to)"' |
    while IFS=$'\t' read -r name app; do applies "$app" "$1" && echo "$name"; done
  for pair in $extra_pairs; do
    [ "${pair%%:*}" = "$2" ] && echo "${pair#*:}"
  done
}

row fs mode scenario protocol expect result "schedules|outcome" "certificate|duration"
for fs in ext4 xfs virtiofs; do
  while IFS=$'\t' read -r s app; do
    applies "$app" "$fs" || continue
    explore_cell "$fs" "$s" fixed clean
    for p in $(buggy_rows "$fs" "$s"); do explore_cell "$fs" "$s" "$p" found; done
  done < <(echo "$list" | jq -r '.scenarios[] | select(.mode == "explore") | "\(.name)\t\(.applies_to)"')
  for s in $(echo "$list" | jq -r '.scenarios[] | select(.mode == "stress" and (.targets | index("model"))) | .name'); do
    stress_cell "$fs" "$s" fixed clean
    for p in $(buggy_rows "$fs" "$s"); do stress_cell "$fs" "$s" "$p" any; done
  done
done
exit $rc
