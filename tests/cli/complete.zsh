#!/usr/bin/env zsh
# complete.zsh COMPLETIONS_DIR LINE: print, one a line, the candidates that zsh's
# completion system offers when TAB is pressed at the end of LINE, with the
# _fleche in COMPLETIONS_DIR on $fpath. Runs an interactive zsh in a pseudo
# terminal and catches what the completion functions hand to compadd.
zmodload zsh/zpty
setopt localoptions
export FLECHE_COMPLETIONS_DIR=$1
local init=$(mktemp)
cat >$init <<'INIT'
PROMPT=''
fpath=($FLECHE_COMPLETIONS_DIR $fpath)
autoload -Uz compinit
compinit -u -D
bindkey '^I' complete-word
comppostfuncs=( exit )
zstyle ':completion:*' list-grouped false
compadd() {
    # Calls that only compute matches (-O, -A, -D) are the system's own plumbing.
    if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
        builtin compadd "$@"
        return
    fi
    local -a hits
    builtin compadd -A hits "$@"
    local hit
    for hit in $hits; do print -r -- "HIT:$hit"; done
}
print READY
INIT
zpty z zsh -f -i
zpty -w z "source $init"
local line
while zpty -r z line; do [[ $line == READY* ]] && break; done
zpty -w z "$2"$'\t'
while zpty -r z line; do
    [[ $line == *HIT:* ]] && print -r -- "${${line#*HIT:}%%[[:space:]]#}"
done
zpty -d z
rm -f $init
