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

    local key_opts="-e --env -i --input -o --output --salt --key-cwd --stdin --cache-failures --help"
    local run_opts="--refresh --no-store -v --verbose"
    local config_opts="--json"
    local commands="run digest has config help"

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
        show | rm)
            # Key prefixes of the stored entries.
            [[ $cur != -* ]] && COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" query --keys 2>/dev/null)" -- "$cur"))
            return
            ;;
        run | digest | has | config) ;;
        *) return ;;
    esac

    case $prev in
        -i | --input | -o | --output)
            _filedir
            return
            ;;
        -e | --env)
            COMPREPLY=($(compgen -e -- "$cur"))
            return
            ;;
        --salt)
            return
            ;;
    esac
    $split && return

    local opts="$key_opts"
    [[ $sub == run || $sub == config ]] && opts+=" $run_opts"
    [[ $sub == config ]] && opts+=" $config_opts"
    # Only options may come before "--", so offer them (and "--") for any word here.
    COMPREPLY=($(compgen -W "$opts --" -- "$cur"))
} &&
    complete -F _fleche fleche

# ex: filetype=sh
