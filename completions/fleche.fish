# fish completion for fleche. Install as
# /usr/share/fish/vendor_completions.d/fleche.fish (or ~/.config/fish/completions/).

# True while no subcommand has been typed yet.
function __fleche_needs_command
    not __fish_seen_subcommand_from run digest has config help show rm
end

# True when the subcommand is one of the arguments and no "--" has been typed after it.
function __fleche_before_dashdash
    set -l tokens (commandline -opc)
    contains -- -- $tokens[2..-1]; and return 1
    __fish_seen_subcommand_from $argv
end

# True when "--" has been typed after the subcommand: what follows is the wrapped command.
function __fleche_after_dashdash
    set -l tokens (commandline -opc)
    set -q tokens[2]; or return 1
    contains -- -- $tokens[2..-1]
end

# Complete the wrapped command (after "--") as a command line of its own.
function __fleche_complete_wrapped
    set -l tokens (commandline -opc)
    set -l i (contains -i -- -- $tokens)
    if test $i -lt (count $tokens)
        __fish_complete_subcommand --commandline $tokens[(math $i + 1)..-1] (commandline -ct)
    else
        # The command name itself.
        __fish_complete_command
    end
end

complete -c fleche -f

# Before the subcommand.
complete -c fleche -n __fleche_needs_command -l help -d 'Show help and exit'
complete -c fleche -n __fleche_needs_command -l version -d 'Show the version and exit'
complete -c fleche -n __fleche_needs_command -a run -d 'Replay a stored result, or run and store'
complete -c fleche -n __fleche_needs_command -a digest -d 'Print the key of an invocation'
complete -c fleche -n __fleche_needs_command -a has -d 'Exit 0 when a result is stored, 1 when not'
complete -c fleche -n __fleche_needs_command -a config -d 'Print every effective setting and its source'
complete -c fleche -n __fleche_needs_command -a help -d 'Show help'
complete -c fleche -n '__fish_seen_subcommand_from help; and not __fish_seen_subcommand_from run digest has config' -a 'run digest has config'

# Key options: run, digest, has.
set -l key '__fleche_before_dashdash run digest has config'
complete -c fleche -n $key -s e -l env -x -a '(set -xn)' -d 'Put an environment variable (NAME or GLOB) into the key'
complete -c fleche -n $key -s i -l input -r -F -d 'Declare an input (file, directory or glob)'
complete -c fleche -n $key -s o -l output -r -F -d 'Declare an output (file, directory or glob)'
complete -c fleche -n $key -l salt -x -d 'Put an extra string into the key'
complete -c fleche -n $key -l key-cwd -d 'Put the absolute working directory into the key'
complete -c fleche -n $key -l stdin -d 'Hash stdin into the key and feed it to the command'
complete -c fleche -n $key -l cache-failures -d 'Store and replay results with any exit code'
complete -c fleche -n $key -l help -d 'Show help for this command'
complete -c fleche -n $key -a '\--' -d 'End of fleche options; the command follows'

# run only.
set -l run '__fleche_before_dashdash run config'
complete -c fleche -n $run -l refresh -d 'Run the command and overwrite the stored entry'
complete -c fleche -n $run -l no-store -d 'Run the command without lookup or storing'
complete -c fleche -n $run -s v -l verbose -d 'Print hit or miss on stderr'

# config only.
complete -c fleche -n '__fleche_before_dashdash config' -l json -d 'Print JSON instead of text'

# show and rm: key prefixes of the stored entries.
complete -c fleche -n '__fish_seen_subcommand_from show rm' -a '(fleche query --keys 2>/dev/null)'

# After "--": the wrapped command and its arguments.
complete -c fleche -n __fleche_after_dashdash -a '(__fleche_complete_wrapped)'
