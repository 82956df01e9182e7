# Sourced by the shell tests. Sets up `bin` (from $1), a scratch `dir` removed
# at exit and `fail`, and defines
#   expect CODE PATTERN ARGS...
# which runs "$bin" ARGS..., then checks its exit code and that its stderr
# matches the extended regex PATTERN; a mismatch prints both and sets fail=1.
bin="$1"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail=0

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
