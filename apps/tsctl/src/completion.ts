/**
 * Shell completion scripts for bash and zsh: verbs, kinds (every name findKind accepts), flags,
 * and object names fetched live with `tsctl get KIND -o name` (in the -n namespace if given).
 */
import { KINDS } from '@tsk/api';

const VALUE_FLAGS = '-n|--namespace|--server|-o|--output|-l|--selector|-f|--filename|--field-selector|--grace-period|--cascade|--dry-run|--replicas|--current-replicas|--timeout|--revision|--to-revision';
const FLAGS = ['--server', '--namespace', '--all-namespaces', '--output', '--selector', '--field-selector', '--watch', '--no-headers', '--filename', '--dry-run=server', '--cascade', '--grace-period', '--now', '--replicas', '--current-replicas', '--timeout', '--revision', '--to-revision', '--ignore-daemonsets', '--force', '--help'];
const ROLLOUT = 'status history undo restart pause resume';

export function kindWords(): string[] {
  const words = new Set<string>();
  for (const k of KINDS) {
    words.add(k.plural);
    words.add(k.kind.toLowerCase());
    for (const s of k.shortNames) words.add(s);
  }
  return [...words].sort();
}

export function bashCompletion(verbs: readonly string[]): string {
  return `# bash completion for tsctl; load with: source <(tsctl completion bash)
_tsctl_names() {
  local kind="$1" ns="$2"
  tsctl \${ns:+-n "$ns"} get "$kind" -o name 2>/dev/null | sed 's|.*/||'
}

_tsctl() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local verb="" kind="" ns="" i w
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in
      -n|--namespace) ns="\${COMP_WORDS[i+1]}"; ((i++)); continue ;;
      ${VALUE_FLAGS}) ((i++)); continue ;;
      -*) continue ;;
    esac
    if [[ -z "$verb" ]]; then verb="$w"; elif [[ -z "$kind" ]]; then kind="$w"; fi
  done
  case "$prev" in
    -o|--output) COMPREPLY=($(compgen -W "wide json yaml name" -- "$cur")); return ;;
    -f|--filename) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    -n|--namespace) COMPREPLY=($(compgen -W "$(_tsctl_names namespaces)" -- "$cur")); return ;;
    --cascade) COMPREPLY=($(compgen -W "background foreground orphan" -- "$cur")); return ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "${FLAGS.join(' ')}" -- "$cur"))
    return
  fi
  if [[ -z "$verb" ]]; then
    COMPREPLY=($(compgen -W "${verbs.join(' ')}" -- "$cur"))
    return
  fi
  case "$verb" in
    get|describe|delete)
      if [[ -z "$kind" ]]; then
        COMPREPLY=($(compgen -W "${kindWords().join(' ')}" -- "$cur"))
      else
        COMPREPLY=($(compgen -W "$(_tsctl_names "$kind" "$ns")" -- "$cur"))
      fi ;;
    scale)
      if [[ -z "$kind" ]]; then
        COMPREPLY=($(compgen -W "deployment deployments deploy replicaset replicasets rs" -- "$cur"))
      else
        COMPREPLY=($(compgen -W "$(_tsctl_names "$kind" "$ns")" -- "$cur"))
      fi ;;
    rollout)
      if [[ -z "$kind" ]]; then
        COMPREPLY=($(compgen -W "${ROLLOUT}" -- "$cur"))
      else
        COMPREPLY=($(compgen -W "deployment/ daemonset/ $(_tsctl_names deployments "$ns" | sed 's|^|deployment/|')" -- "$cur"))
      fi ;;
    cordon|uncordon|drain) COMPREPLY=($(compgen -W "$(_tsctl_names nodes)" -- "$cur")) ;;
    config) COMPREPLY=($(compgen -W "view" -- "$cur")) ;;
    completion) COMPREPLY=($(compgen -W "bash zsh" -- "$cur")) ;;
  esac
}

complete -o default -F _tsctl tsctl
`;
}

export function zshCompletion(verbs: readonly string[]): string {
  return `#compdef tsctl
# zsh completion for tsctl; load with: source <(tsctl completion zsh)  (after compinit)
_tsctl_names() {
  tsctl \${2:+-n "$2"} get "$1" -o name 2>/dev/null | sed 's|.*/||'
}

_tsctl() {
  local verb="" kind="" ns="" i w
  for ((i = 2; i < CURRENT; i++)); do
    w="\${words[i]}"
    case "$w" in
      -n|--namespace) ns="\${words[i+1]}"; ((i++)); continue ;;
      ${VALUE_FLAGS}) ((i++)); continue ;;
      -*) continue ;;
    esac
    if [[ -z "$verb" ]]; then verb="$w"; elif [[ -z "$kind" ]]; then kind="$w"; fi
  done
  case "\${words[CURRENT-1]}" in
    -o|--output) compadd wide json yaml name; return ;;
    -f|--filename) _files; return ;;
    -n|--namespace) compadd -- \${(f)"$(_tsctl_names namespaces)"}; return ;;
    --cascade) compadd background foreground orphan; return ;;
  esac
  if [[ "\${words[CURRENT]}" == -* ]]; then
    compadd -- ${FLAGS.join(' ')}
    return
  fi
  if [[ -z "$verb" ]]; then
    compadd -- ${verbs.join(' ')}
    return
  fi
  case "$verb" in
    get|describe|delete)
      if [[ -z "$kind" ]]; then
        compadd -- ${kindWords().join(' ')}
      else
        compadd -- \${(f)"$(_tsctl_names "$kind" "$ns")"}
      fi ;;
    scale)
      if [[ -z "$kind" ]]; then
        compadd deployment deployments deploy replicaset replicasets rs
      else
        compadd -- \${(f)"$(_tsctl_names "$kind" "$ns")"}
      fi ;;
    rollout)
      if [[ -z "$kind" ]]; then
        compadd ${ROLLOUT}
      else
        compadd -- deployment/ daemonset/ \${(f)"$(_tsctl_names deployments "$ns" | sed 's|^|deployment/|')"}
      fi ;;
    cordon|uncordon|drain) compadd -- \${(f)"$(_tsctl_names nodes)"} ;;
    config) compadd view ;;
    completion) compadd bash zsh ;;
  esac
}

if [[ "\${funcstack[1]}" == "_tsctl" ]]; then
  _tsctl "$@"
else
  compdef _tsctl tsctl
fi
`;
}
