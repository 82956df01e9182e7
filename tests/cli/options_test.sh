#!/usr/bin/env bash
# Option values go through CLI11 validators: an empty value is refused for
# every option that takes one, sizes and durations are checked as they are
# parsed, choices match in any case and name the closest, every error
# (CLI11's own too) starts "daxbreak: " and exits 2, and --version names the
# commit and the build type (issue 20).
set -u
source "$(dirname "$0")/../testing/expect.sh"
# In the scratch folder: a run that wrongly starts leaves nothing elsewhere.
bin=$(realpath "$bin")
cd "$dir" || exit 1

common=(--device "$dir/dev.pmem" --disk "$dir/disk" --disk-size 1M --size 8M --duration 1s)
# An empty value is an error naming the option, not "not given".
for opt in --size --seed --output --disk-size --duration --stall-timeout --scenario --protocol --ops; do
  expect 2 "^daxbreak: $opt: an empty value is not allowed" stress "${common[@]}" "$opt" ''
done
for opt in --shard --schedules --time-budget --seed --output --strategy; do
  expect 2 "^daxbreak: $opt: an empty value is not allowed" explore --scenario race2018 "$opt" ''
done
for opt in --results --seeds --time-budget --duration --protocols; do
  expect 2 "^daxbreak: $opt: an empty value is not allowed" run "$opt" ''
done
[ -e "$dir/dev.pmem" ] && { echo "FAIL: a refused run left its device file"; fail=1; }

# Sizes and durations are refused by the parser, naming the value and units.
expect 2 "^daxbreak: --size: '64Q' has an unknown size suffix 'Q'.*KB/MB/GB/TB" stress "${common[@]}" --size 64Q
expect 2 "^daxbreak: --disk-size: '1\.5M'" stress "${common[@]}" --disk-size 1.5M
expect 2 "^daxbreak: --duration: '3d'.*ns, us, ms, s, m, h" stress "${common[@]}" --duration 3d
expect 2 "^daxbreak: --time-budget: 'soon'" explore --scenario race2018 --time-budget soon
expect 2 "^daxbreak: --duration: '1w'" run --mode stress --duration 1w
# 64MB is 64*10^6 bytes, 64MiB and 64M are 2^26: the plan and the disk
# file's size say which (sizes must be whole 4 KiB pages).
"$bin" stress --device "$dir/si.pmem" --disk "$dir/si.disk" --disk-size 1024KB --size 8192KB --duration 250ms \
  --output-format json --output "$dir/si.json" 2>"$dir/si.err"
if grep -q "7.8 MiB" "$dir/si.err" && grep -q "1000 KiB" "$dir/si.err" && [ "$(stat -c %s "$dir/si.disk")" = 1024000 ]; then
  echo "ok: 8192KB and 1024KB are powers of 1000"
else
  echo "FAIL: SI sizes"; cat "$dir/si.err"; ls -l "$dir"; fail=1
fi
"$bin" stress --device "$dir/iec.pmem" --disk "$dir/iec.disk" --disk-size 1MiB --size 8M --duration 100ms \
  --output "$dir/iec.txt" 2>"$dir/iec.err"
if grep -q "'$dir/iec.pmem' 8 MiB" "$dir/iec.err" && [ "$(stat -c %s "$dir/iec.disk")" = 1048576 ]; then
  echo "ok: 8M and 1MiB are powers of 1024"
else
  echo "FAIL: IEC sizes"; cat "$dir/iec.err"; fail=1
fi

# Choices in any case; a misspelt one names the closest.
expect 2 "^daxbreak: --output-format: 'jsno' is not one of text, json; did you mean 'json'\?" list --output-format jsno
expect 2 "did you mean 'dpor'\?" explore --scenario race2018 --strategy dpr
expect 2 "did you mean 'broadcast'\?" stress "${common[@]}" --tlb-flush brodcast
if "$bin" list --output-format JSON | python3 -c "import json,sys; json.load(sys.stdin)"; then
  echo "ok: --output-format JSON is json"
else
  echo "FAIL: a choice in capitals"; fail=1
fi
"$bin" explore --scenario race2018 --strategy DFS --schedules 2 --output-format Json >"$dir/dfs.json" 2>/dev/null
if python3 -c "import json; assert json.load(open('$dir/dfs.json'))['config']['strategy'] == 'dfs'"; then
  echo "ok: --strategy DFS is dfs"
else
  echo "FAIL: --strategy DFS"; head -c 300 "$dir/dfs.json"; fail=1
fi

# Did you mean: a subcommand, an option, a scenario, a protocol, an op.
expect 2 "^daxbreak: unknown subcommand 'strss'.*did you mean 'stress'\?" strss
expect 2 "^daxbreak: unknown option '--sede'; did you mean '--seed'\?" stress --sede 5
expect 2 "^daxbreak: unknown option '--preemptoins'; did you mean '--preemptions'\?" explore --scenario race2018 --preemptoins 2
expect 2 "did you mean 'race2018'\?" explore --scenario race2108
expect 2 "did you mean 'collision'\?" stress "${common[@]}" --scenario colision
expect 2 "did you mean 'retry-flag'\?" stress "${common[@]}" --protocol retry-flg
expect 2 "did you mean 'punch'\?" stress "${common[@]}" --ops truncate,puch
# Every error has the one prefix, CLI11's own included.
expect 2 "^daxbreak: a subcommand is required" 
expect 2 "^daxbreak: --threads: " stress "${common[@]}" --threads 0
expect 2 "^daxbreak: --scenario is required|^daxbreak: .*--scenario" explore
expect 2 "^daxbreak: unexpected argument 'extra'" list extra
expect 2 "^daxbreak: " stress --duration

# --version: the version, the commit it was built from, the build type.
"$bin" --version >"$dir/version" 2>&1
if grep -qE "^daxbreak [0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]{12}(-dirty)?|unknown), [A-Za-z]+ build\)$" "$dir/version"; then
  echo "ok: --version: $(cat "$dir/version")"
else
  echo "FAIL: --version said: $(cat "$dir/version")"; fail=1
fi
exit $fail
