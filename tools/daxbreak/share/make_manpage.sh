#!/usr/bin/env bash
# Builds daxbreak(1) with help2man from the program's own --help: the top
# level, then one section per subcommand from `daxbreak SUB --help`, so the
# page cannot drift from the options the binary takes.
#   make_manpage.sh DAXBREAK VERSION OUT.1
set -euo pipefail
bin=$1
version=$2
out=$3
include=$(mktemp)
trap 'rm -f "$include"' EXIT
{
  echo "[SUBCOMMANDS]"
  for sub in $("$bin" --help | awk '/^Subcommands:/ {on=1; next} on && NF {print $1}'); do
    echo ".SS $sub"
    echo ".nf"
    "$bin" "$sub" --help | sed -e '1,/^Options:/d' -e 's/\\/\\\\/g' -e 's/^\./\\\&./'
    echo ".fi"
  done
  cat <<'TXT'
[EXIT STATUS]
0 clean (every cell met its expectation for \fBrun\fR), 1 violations or a deadlock found
(a cell missed its expectation), 2 usage or environment error (a message on stderr names the
bad value), 130 or 143 when SIGINT or SIGTERM stopped the run after writing its report.
[SEE ALSO]
The README of the daxbreak repository; \fBndctl\fR(1), \fBdaxctl\fR(1).
TXT
} >"$include"
help2man --no-info --no-discard-stderr --version-string="$version" \
  --name="testbed for the races of Linux file systems around persistent memory" \
  --include="$include" --output="$out" "$bin"
