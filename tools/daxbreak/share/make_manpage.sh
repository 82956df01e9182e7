#!/usr/bin/env bash
# Builds daxbreak(1) with help2man from the program's own --help: the top
# level, then one section per subcommand from `daxbreak SUB --help`, so the
# page cannot drift from the options the binary takes. Help lines wider than
# 72 columns are wrapped under their description column, so that the page
# renders within 80 columns.
#   make_manpage.sh DAXBREAK VERSION OUT.1
set -euo pipefail
bin=$1
version=$2
out=$3
include=$(mktemp)
trap 'rm -f "$include"' EXIT
# Wraps each line at 72 columns (man indents the block by 7); a continuation starts under the first
# word after the option column (or 4 spaces in, for a line without one).
wrap() {
  awk -v w=72 '
    {
      line = $0
      if (length(line) <= w) { print line; next }
      # The description column: after the first run of 2+ spaces past the option.
      col = 4
      if (match(line, /^ +-[^ ]*( [^ ]+)*  +/)) col = RLENGTH
      if (col > 40) col = 8
      pad = sprintf("%" col "s", "")
      first = 1
      while (length(line) > w) {
        cut = w
        while (cut > col && substr(line, cut + 1, 1) != " ") cut--
        if (cut <= col) cut = w
        print substr(line, 1, cut)
        rest = substr(line, cut + 1)
        sub(/^ +/, "", rest)
        line = pad rest
      }
      print line
    }'
}
{
  echo "[SUBCOMMANDS]"
  for sub in $("$bin" --help | awk '/^Subcommands:/ {on=1; next} on && NF {print $1}'); do
    echo ".SS $sub"
    echo ".nf"
    "$bin" "$sub" --help | sed -e '1,/^Options:/d' | wrap | sed -e 's/\\/\\\\/g' -e 's/^\./\\\&./'
    echo ".fi"
  done
  cat <<'TXT'
[EXAMPLES]
.nf
# The model on a 64 MiB sparse file, 30 s, the buggy protocol variant:
daxbreak stress --protocol no-break --duration 30s

# This kernel's fs-dax mount (ext4 or xfs mounted -o dax):
daxbreak kernel --file /mnt/dax/victim --disk /var/tmp/disk

# Every interleaving class of a scenario, the report as JSON:
daxbreak explore --scenario race2018 --strategy dpor \\
    --output-format json --output race2018.json

# Replay the schedule a report names, with its trace:
daxbreak replay --scenario race2018 --protocol no-break \\
    --schedule '0*38' --trace

# A search split into four shards and merged:
for i in 0 1 2 3; do
  daxbreak explore --scenario race2018 --strategy dfs \\
      --shard $i/4 --output-format json --output shard$i.json
done
daxbreak merge shard?.json

# A campaign of every scenario x protocol, results in a folder:
daxbreak run --mode explore --results results/nightly
.fi
.PP
Sizes take K, M, G, T and KiB, MiB, GiB, TiB (powers of 1024) or KB, MB,
GB, TB (powers of 1000): 64M and 64MiB are 67108864 bytes, 64MB is
64000000. Durations take ns, us, ms, s, m (minutes) and h; a number alone
is seconds. Choices match in any case. An option given an empty value is
refused.
[ENVIRONMENT]
.TP
.B COLUMNS
The width of the live status line when stderr is not a terminal whose size
the kernel reports (20 to 1000; 80 otherwise).
.TP
.B TMPDIR
Where \fBexplore\fR keeps its scratch pmem file when /dev/shm is missing.
.TP
.BR GTEST_SHARD_INDEX ", " GTEST_TOTAL_SHARDS
When both are set and \fB--shard\fR is not given, \fBexplore\fR runs the
shard they name (as under a GoogleTest-style sharding runner).
[EXIT STATUS]
.TP
.B 0
Clean: no violation and no deadlock (for \fBrun\fR: every cell met its
expectation).
.TP
.B 1
Violations, a stall or a deadlock found (for \fBrun\fR: a cell missed its
expectation).
.TP
.B 2
Usage or environment error, or a worker's error; a message on stderr,
starting "daxbreak:", names the bad value.
.TP
.B 3
Nothing exercised: a stress run that took no pin and never saw a break
sleep, or whose scenario's race did not happen; its clean result proves
nothing.
.TP
.BR 130 ", " 143
Stopped by SIGINT or SIGTERM (128 + the signal's number) after writing
the report of what ran.
[SEE ALSO]
The README of the daxbreak repository; \fBndctl\fR(1), \fBdaxctl\fR(1).
TXT
} >"$include"
help2man --no-info --no-discard-stderr --version-string="$version" \
  --name="testbed for the races of Linux file systems around persistent memory" \
  --include="$include" --output="$out" "$bin"
