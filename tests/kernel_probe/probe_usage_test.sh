#!/usr/bin/env bash
# wait_page_idle_probe on a machine without DAX: every refusal exits 2 with a
# message naming the bad value, and an existing file is left unchanged.
set -u
source "$(dirname "$0")/../testing/expect.sh"

expect 2 "--file" --op truncate
expect 2 "'chop'|chop" --file "$dir/p" --op chop
expect 2 "wait-ms" --file "$dir/p" --wait-ms 0
# $dir is on a non-DAX file system here: refused, and the file it created is gone.
expect 2 "$dir/p is not a DAX file" --file "$dir/p"
if [ -e "$dir/p" ]; then echo "FAIL: probe left $dir/p behind"; fail=1; fi
# An existing file is refused without --force and keeps its bytes.
head -c 5000 /dev/urandom >"$dir/precious"
cp "$dir/precious" "$dir/precious.orig"
expect 2 "precious.*--force" --file "$dir/precious"
if ! cmp -s "$dir/precious" "$dir/precious.orig"; then echo "FAIL: existing file modified"; fail=1; fi
exit $fail
