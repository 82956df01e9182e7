#!/usr/bin/env bash
# The installed conveniences: bash completion offers subcommands, options and
# the names `list` gives; the man page has a section for every subcommand.
#   completion_test.sh DAXBREAK MANPAGE
set -u
source "$(dirname "$0")/../testing/expect.sh"
man=$2
source "$(dirname "$0")/../../tools/daxbreak/share/daxbreak.bash"
complete_words() {  # complete_words WORD... : the completions of the last word
  COMP_WORDS=("$bin" "$@")
  COMP_CWORD=$#
  COMPREPLY=()
  _daxbreak
  echo "${COMPREPLY[*]}"
}
check() {  # check DESCRIPTION GOT WANTED-WORD...
  local what=$1 got=" $2 "
  shift 2
  for w in "$@"; do
    case "$got" in *" $w "*) ;; *) echo "FAIL: $what: '$w' not in [$got]"; fail=1; return ;; esac
  done
  echo "ok: $what"
}
check "subcommands" "$(complete_words "")" stress explore replay merge list run info kernel
check "explore options" "$(complete_words explore --pre)" --preemptions
check "protocol names" "$(complete_words explore --protocol mod)" modern modern-mapcount-wake
check "file systems" "$(complete_words explore --fs "")" ext4 xfs virtiofs
check "scenario names" "$(complete_words run --scenarios "")" race2018 refault collision all
check "stress scenarios" "$(complete_words stress --scenario "")" collision cached-mapping refault
check "kernel scenarios" "$(complete_words kernel --scenario "")" collision refault
check "explore scenarios" "$(complete_words explore --scenario "")" race2018 fsync-dio
refuse() {  # refuse DESCRIPTION GOT UNWANTED-WORD...
  local what=$1 got=" $2 "
  shift 2
  for w in "$@"; do
    case "$got" in *" $w "*) echo "FAIL: $what: '$w' offered in [$got]"; fail=1; return ;; esac
  done
  echo "ok: $what"
}
refuse "stress offers no explore scenario" "$(complete_words stress --scenario "")" race2018 fsync-dio
refuse "kernel offers no model-only scenario" "$(complete_words kernel --scenario "")" cached-mapping race2018
refuse "explore offers no stress scenario" "$(complete_words explore --scenario "")" collision cached-mapping
check "targets" "$(complete_words stress --target "")" model kernel
check "strategies" "$(complete_words explore --strategy "")" mixed random pct dfs dpor
for sub in stress explore replay merge list run info kernel; do
  grep -q "^\.SS $sub" "$man" || { echo "FAIL: man page has no section for $sub"; fail=1; }
done
grep -q -- "--preemptions" "$man" && grep -q "EXIT STATUS" "$man" || { echo "FAIL: man page content"; fail=1; }
exit $fail
