# bash completion for daxbreak. Subcommands and options come from the
# program's own --help, scenario and protocol names from `daxbreak list`, so
# the completion follows the binary it completes.
_daxbreak() {
  local cur prev sub words
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD-1]}
  local bin=${COMP_WORDS[0]}
  if [ "$COMP_CWORD" -eq 1 ]; then
    words=$("$bin" --help 2>/dev/null | awk '/^Subcommands:/ {on=1; next} on && NF {print $1}')
    COMPREPLY=($(compgen -W "$words --help --version" -- "$cur"))
    return
  fi
  sub=${COMP_WORDS[1]}
  # A comma list (--protocols a,b<TAB>) completes the word after the last
  # comma and keeps what is before it.
  local head="" last=$cur
  case "$prev" in
    --scenarios|--protocols|--ops|--dio)
      if [[ "$cur" == *,* ]]; then head=${cur%,*},; last=${cur##*,}; fi ;;
  esac
  words=""
  case "$prev" in
    --scenario|--scenarios)
      # The scenarios of the subcommand's mode (`run`: both), from `daxbreak list`:
      # "stress scenarios:" rows say the targets they run on ("[model, kernel]").
      local section=explore filter=.
      case "$sub" in stress) section=stress ;; kernel) section=stress filter='kernel[]]' ;; run) section='(stress|explore)' ;; esac
      words=$("$bin" list 2>/dev/null | awk -v s="^$section scenarios:" -v f="$filter" \
        '$0 ~ s {on=1; next} /^[a-z]/ {on=0} on && /^  [a-z]/ && $0 ~ f {print $1}')
      [ "$prev" = --scenarios ] && words="$words all" ;;
    --protocol|--protocols)
      words=$("$bin" list 2>/dev/null | awk '/^protocols:/ {on=1; next} /^[a-z]/ {on=0} on && /^  [a-z]/ {print $1}')
      words="$words all" ;;
    --fs)
      words=$("$bin" list 2>/dev/null | awk '/^file systems/ {on=1; next} /^[a-z]/ {on=0} on && /^  [a-z]/ {print $1}')
      [ "$sub" = run ] && words="$words all" ;;
    --strategy) words="mixed random pct dfs dpor" ;;
    --tlb-flush) words="ipi broadcast" ;;
    --output-format) words="text json" ;;
    --eta) words="auto always never" ;;
    --mode) words="explore stress" ;;
    --target) words="model kernel" ;;
    --ops) words="truncate punch zero collapse insert prealloc" ;;
    --dio) words="read write" ;;
    --device|--disk|--file|--output|--trace-json|--results) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  if [ -n "$words" ]; then
    COMPREPLY=($(compgen -P "$head" -W "$words" -- "$last"))
    return
  fi
  if [[ "$cur" == -* ]]; then
    words=$("$bin" "$sub" --help 2>/dev/null | grep -oE -- '--[a-z][a-z-]*' | sort -u)
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -F _daxbreak daxbreak
