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
  case "$prev" in
    --scenario|--scenarios)
      # The scenarios of the subcommand's mode (`run`: both), from `daxbreak list`:
      # "stress scenarios:" rows say the targets they run on ("[model, kernel]").
      local section=explore filter=.
      case "$sub" in stress) section=stress ;; kernel) section=stress filter='kernel[]]' ;; run) section='(stress|explore)' ;; esac
      words=$("$bin" list 2>/dev/null | awk -v s="^$section scenarios:" -v f="$filter" \
        '$0 ~ s {on=1; next} /^[a-z]/ {on=0} on && /^  [a-z]/ && $0 ~ f {print $1}')
      [ "$prev" = --scenarios ] && words="$words all"
      COMPREPLY=($(compgen -W "$words" -- "$cur")); return ;;
    --protocol|--protocols)
      words=$("$bin" list 2>/dev/null | awk '/^protocols:/ {on=1; next} /^[a-z]/ {on=0} on && /^  [a-z]/ {print $1}')
      COMPREPLY=($(compgen -W "$words all" -- "$cur")); return ;;
    --fs)
      words=$("$bin" list 2>/dev/null | awk '/^file systems/ {on=1; next} /^[a-z]/ {on=0} on && /^  [a-z]/ {print $1}')
      COMPREPLY=($(compgen -W "$words" -- "$cur")); return ;;
    --strategy) COMPREPLY=($(compgen -W "mixed random pct dfs dpor" -- "$cur")); return ;;
    --tlb-flush) COMPREPLY=($(compgen -W "ipi broadcast" -- "$cur")); return ;;
    --output-format) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
    --eta) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
    --mode) COMPREPLY=($(compgen -W "explore stress" -- "$cur")); return ;;
    --target) COMPREPLY=($(compgen -W "model kernel" -- "$cur")); return ;;
    --ops) COMPREPLY=($(compgen -W "truncate punch zero collapse insert prealloc" -- "$cur")); return ;;
    --dio) COMPREPLY=($(compgen -W "read write read,write" -- "$cur")); return ;;
    --device|--disk|--file|--output|--trace-json|--results) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  if [[ "$cur" == -* ]]; then
    words=$("$bin" "$sub" --help 2>/dev/null | grep -oE -- '--[a-z][a-z-]*' | sort -u)
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -F _daxbreak daxbreak
