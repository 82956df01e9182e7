#!/usr/bin/env bash
# ctest label `kernel`: boots the Debian 12 kernel in daxvm and runs
# `daxbreak kernel` on ext4 -o dax. Expected (docs/protocol.md, 'Linux 6.1
# lost wake-up'): pins or break sleeps seen, a stall classified as a lost
# wake-up, exit 1.
# Usage: vm_kernel_test.sh DAXVM DAXBREAK
set -uo pipefail
daxvm=$1 daxbreak=$(readlink -f "$2")
out=$(mktemp -d /tmp/daxbreak-vm-test.XXXXXX)
trap 'rm -rf "$out"' EXIT
"$daxvm" --timeout 400 --rw "$out" -- "$daxbreak" kernel --file /mnt/ext4/victim --disk /mnt/disk/daxbreak.disk \
  --duration 60s --seed 1 --eta never --output-format json --output "$out/report.json"
rc=$?
[ -s "$out/report.json" ] || { echo "FAIL: no report (daxvm exit $rc)"; exit 1; }
jq '{kernel, pins, counts, stall, outcome}' "$out/report.json"
fail=0
[ "$rc" = 1 ] || { echo "FAIL: exit $rc, want 1"; fail=1; }
# The final report replaced the provisional one from its first byte.
[ "$(head -c 1 "$out/report.json")" = "{" ] || { echo "FAIL: the report does not start with '{'"; fail=1; }
[ "$(jq -r .outcome "$out/report.json")" = "stall (lost wake-up)" ] || { echo "FAIL: outcome is not a lost wake-up"; fail=1; }
[ "$(jq -r .exercised "$out/report.json")" = true ] || { echo "FAIL: the run exercised nothing"; fail=1; }
[[ $(jq -r .kernel.release "$out/report.json") == 6.1.0-* ]] || { echo "FAIL: not the Debian 12 kernel"; fail=1; }
exit $fail
