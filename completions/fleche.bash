# bash completion for fleche                                    -*- shell-script -*-
# Install as $(pkg-config --variable=completionsdir bash-completion)/fleche, or source it.
# Needs bash-completion (for _init_completion, _filedir and _command_offset).
# shellcheck disable=SC2034,SC2207  # bash-completion idioms: words is set for it; COMPREPLY=($(compgen ...))

_fleche()
{
    local cur prev words cword split
    # Called by hand (tests) with only COMP_WORDS and COMP_CWORD set: rebuild the line, with
    # the cursor at the end of the current word.
    if [[ -z ${COMP_LINE-} ]]; then
        local COMP_LINE="${COMP_WORDS[*]:0:COMP_CWORD+1}"
        local COMP_POINT=${#COMP_LINE}
    fi
    _init_completion -s || return

    local key_opts="-e --env -i --input -o --output --salt --key-cwd --trace --no-trace --base-dir --env-all --stdin --cache-failures --help"
    local run_opts="--refresh --no-store -v --verbose --tag --name --ttl --stale"
    local config_opts="--json"
    local commands="run digest has gc verify explain query show rm stats config remote help"

    # The subcommand, and the position of "--" in COMP_WORDS (everything after it is the
    # wrapped command, completed like a command line of its own).
    local i sub="" dashdash=0
    for ((i = 1; i < COMP_CWORD; i++)); do
        if [[ ${COMP_WORDS[i]} == -- && -n $sub ]]; then
            dashdash=$i
            break
        fi
        if [[ -z $sub && ${COMP_WORDS[i]} != -* ]]; then
            sub=${COMP_WORDS[i]}
        fi
    done

    if ((dashdash > 0)); then
        _command_offset $((dashdash + 1))
        return
    fi

    case $sub in
        "")
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "--help --version" -- "$cur"))
            else
                COMPREPLY=($(compgen -W "$commands" -- "$cur"))
            fi
            return
            ;;
        help)
            ((cword == 2)) && COMPREPLY=($(compgen -W "${commands% help}" -- "$cur"))
            return
            ;;
        run | digest | has | explain | config) ;;
        gc)
            [[ $prev == --max-size || $prev == --max-age || $prev == --max-entries ]] && return
            COMPREPLY=($(compgen -W "--max-size --max-age --max-entries --dry-run -v --verbose --help" -- "$cur"))
            return
            ;;
        verify)
            COMPREPLY=($(compgen -W "--repair --help" -- "$cur"))
            return
            ;;
        query)
            case $prev in
                --sort) COMPREPLY=($(compgen -W "time duration size hits" -- "$cur")) ;;
                --input) _filedir ;;
                --name | --cmd | --arg | --tag | --exit | --since | --before | --limit) ;;
                *) COMPREPLY=($(compgen -W "--name --cmd --arg --tag --exit --failed --since --before --input --sort --limit --json --keys --rm --help" -- "$cur")) ;;
            esac
            return
            ;;
        show | rm)
            if [[ $cur == -* ]]; then
                local flags="--help"
                [[ $sub == show ]] && flags="--stdout --stderr --log --json --inputs --help"
                COMPREPLY=($(compgen -W "$flags" -- "$cur"))
            else
                # Key prefixes of the stored entries.
                COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" query --keys 2>/dev/null)" -- "$cur"))
            fi
            return
            ;;
        stats)
            case $prev in
                --by) COMPREPLY=($(compgen -W "name" -- "$cur")) ;;
                *) COMPREPLY=($(compgen -W "--by --json --zero --help" -- "$cur")) ;;
            esac
            return
            ;;
        remote)
            ((cword == 2)) && COMPREPLY=($(compgen -W "check --help" -- "$cur"))
            return
            ;;
        *) return ;;
    esac

    case $prev in
        -i | --input | -o | --output)
            _filedir
            return
            ;;
        --base-dir)
            _filedir -d
            return
            ;;
        -e | --env)
            COMPREPLY=($(compgen -e -- "$cur"))
            return
            ;;
        --salt | --tag | --name | --ttl | --stale)
            return
            ;;
    esac
    $split && return

    local opts="$key_opts"
    [[ $sub == run || $sub == explain || $sub == config ]] && opts+=" $run_opts"
    [[ $sub == config ]] && opts+=" $config_opts"
    [[ $sub == has ]] && opts+=" --ttl"
    [[ $sub == run || $sub == explain || $sub == has ]] && opts+=" --no-remote"
    # Only options may come before "--", so offer them (and "--") for any word here.
    COMPREPLY=($(compgen -W "$opts --" -- "$cur"))
} &&
    complete -F _fleche fleche

# ex: filetype=sh
