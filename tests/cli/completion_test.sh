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
# Comma lists complete the word after the last comma and keep the head.
check "protocols after a comma" "$(complete_words run --protocols fixed,mod)" fixed,modern fixed,modern-mapcount-wake
refuse "protocols after a comma keep the head" "$(complete_words run --protocols fixed,mod)" modern
check "scenarios after a comma" "$(complete_words run --scenarios race2018,fsync)" race2018,fsync-dio
check "ops after a comma" "$(complete_words stress --ops truncate,pu)" truncate,punch
check "dio after a comma" "$(complete_words stress --dio read,)" read,write
check "choices" "$(complete_words run --mode "")" explore stress
# The man page: the sections a user looks for, every exit code the program
# returns, and no line wider than 80 columns as man renders it.
for section in EXAMPLES ENVIRONMENT "EXIT STATUS"; do
  grep -q "^\.SH \"\?$section" "$man" || { echo "FAIL: man page has no $section"; fail=1; }
done
for code in 0 1 2 3 130 143; do
  sed -n '/^\.SH "EXIT STATUS"/,/^\.SH/p' "$man" | grep -qE "^\.BR? (.* )?\"?$code\b" ||
    { echo "FAIL: man page EXIT STATUS lacks $code"; fail=1; }
done
rendered=$(MANWIDTH=80 MANPAGER=cat man -l "$man" 2>/dev/null || nroff -man -rLL=78n "$man" | sed 's/.\x08//g')
wide=$(printf '%s\n' "$rendered" | awk 'length > 80' | wc -l)
if [ -z "$rendered" ] || [ "$wide" != 0 ]; then
  echo "FAIL: man page renders $wide lines wider than 80 columns"; printf '%s\n' "$rendered" | awk 'length > 80' | head; fail=1
else
  echo "ok: man page within 80 columns"
fi
for sub in stress explore replay merge list run info kernel; do
  grep -q "^\.SS $sub" "$man" || { echo "FAIL: man page has no section for $sub"; fail=1; }
done
grep -q -- "--preemptions" "$man" && grep -q "EXIT STATUS" "$man" || { echo "FAIL: man page content"; fail=1; }
exit $fail
