# Sourced by the shell tests. Sets up `bin` (from $1), a scratch `dir` whose
# daxbreak JSON documents are validated and which is removed at exit, and
# `fail`, and defines
#   expect CODE PATTERN ARGS...
# which runs "$bin" ARGS..., then checks its exit code and that its stderr
# matches the extended regex PATTERN; a mismatch prints both and sets fail=1.
bin="$1"
dir=$(mktemp -d)
fail=0
# Every daxbreak document a test left in its scratch folder must keep the JSON
# contract (share/schema/): checked at exit, before the folder goes; an
# invalid one makes the test fail even where its own checks passed.
testing_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
check_json_contract() {
  local rc=$?
  if ! python3 "$testing_dir/json_contract.py" "$testing_dir/../../share/schema" "$dir"; then
    [ "$rc" = 0 ] && rc=1
  fi
  rm -rf "$dir"
  exit "$rc"
}
trap check_json_contract EXIT

expect() {
  local want="$1" pattern="$2" name
  shift 2
  name=$(basename "$bin")
  "$bin" "$@" >"$dir/out" 2>"$dir/err"
  local got=$?
  if [ "$got" != "$want" ] || ! grep -qE -- "$pattern" "$dir/err"; then
    echo "FAIL: $name $* -> exit $got (want $want), stderr:"; cat "$dir/err"
    fail=1
  else
    echo "ok: $name $* -> $got"
  fi
}
