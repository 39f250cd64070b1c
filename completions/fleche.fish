# fish completion for fleche. Install as
# /usr/share/fish/vendor_completions.d/fleche.fish (or ~/.config/fish/completions/).

# True while no subcommand has been typed yet.
function __fleche_needs_command
    not __fish_seen_subcommand_from run digest has gc verify explain query show rm stats config remote help
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
complete -c fleche -n __fleche_needs_command -a gc -d 'Evict entries beyond the limits, remove unused files'
complete -c fleche -n __fleche_needs_command -a verify -d 'Re-hash every blob and check every entry'
complete -c fleche -n __fleche_needs_command -a explain -d 'Say whether run would hit, and what differs'
complete -c fleche -n __fleche_needs_command -a query -d 'List stored entries matching filters'
complete -c fleche -n __fleche_needs_command -a show -d 'Print a stored entry'
complete -c fleche -n __fleche_needs_command -a rm -d 'Remove stored entries'
complete -c fleche -n __fleche_needs_command -a stats -d 'Print hits, misses, time saved and store size'
complete -c fleche -n __fleche_needs_command -a config -d 'Print every effective setting and its source'
complete -c fleche -n __fleche_needs_command -a remote -d 'Check the remote cache configuration end to end'
complete -c fleche -n __fleche_needs_command -a help -d 'Show help'
complete -c fleche -n '__fish_seen_subcommand_from help; and not __fish_seen_subcommand_from run digest has gc verify explain query show rm stats config remote' -a 'run digest has gc verify explain query show rm stats config remote'

# Key options: run, digest, has.
set -l key '__fleche_before_dashdash run digest has explain config'
complete -c fleche -n $key -s e -l env -x -a '(set -xn)' -d 'Put an environment variable (NAME or GLOB) into the key'
complete -c fleche -n $key -s i -l input -r -F -d 'Declare an input (file, directory or glob)'
complete -c fleche -n $key -s o -l output -r -F -d 'Declare an output (file, directory or glob)'
complete -c fleche -n $key -l salt -x -d 'Put an extra string into the key'
complete -c fleche -n $key -l key-cwd -d 'Put the absolute working directory into the key'
complete -c fleche -n $key -l trace -d 'Find inputs and outputs by tracing the command'
complete -c fleche -n $key -l no-trace -d 'Do not trace, whatever the configuration says'
complete -c fleche -n $key -l base-dir -x -a '(__fish_complete_directories)' -d 'Key absolute paths beneath DIR relative to the working directory'
complete -c fleche -n $key -l env-all -d 'Put every environment variable but volatile ones into the key'
complete -c fleche -n $key -l stdin -d 'Hash stdin into the key and feed it to the command'
complete -c fleche -n $key -l cache-failures -d 'Store and replay results with any exit code'
complete -c fleche -n $key -l help -d 'Show help for this command'
complete -c fleche -n $key -a '\--' -d 'End of fleche options; the command follows'

# run only.
set -l run '__fleche_before_dashdash run explain config'
complete -c fleche -n $run -l refresh -d 'Run the command and overwrite the stored entry'
complete -c fleche -n $run -l no-store -d 'Run the command without lookup or storing'
complete -c fleche -n $run -s v -l verbose -d 'Print hit or miss on stderr'
complete -c fleche -n $run -l tag -x -d 'Attach a tag (NAME=VALUE) to the stored entry'
complete -c fleche -n $run -l name -x -d 'Label the stored entry'
complete -c fleche -n $run -l ttl -x -d 'Treat older results as a miss'
complete -c fleche -n '__fleche_before_dashdash has' -l ttl -x -d 'An older result is not usable'
complete -c fleche -n $run -l stale -x -d 'Replay older results and refresh them in the background'

# query, show, rm, stats.
set -l query '__fish_seen_subcommand_from query'
complete -c fleche -n $query -l name -x -d 'Entries whose name matches GLOB'
complete -c fleche -n $query -l cmd -x -d 'Entries whose command line matches GLOB'
complete -c fleche -n $query -l arg -x -d 'Entries with this exact argument'
complete -c fleche -n $query -l tag -x -d 'Entries with this tag (NAME or NAME=VALUE)'
complete -c fleche -n $query -l exit -x -d 'Entries that exited with N'
complete -c fleche -n $query -l failed -d 'Entries with a non-zero exit code'
complete -c fleche -n $query -l since -x -d 'Entries started at or after DURATION ago or DATE'
complete -c fleche -n $query -l before -x -d 'Entries started before DURATION ago or DATE'
complete -c fleche -n $query -l input -r -F -d 'Entries that declared this input'
complete -c fleche -n $query -l sort -x -a 'time duration size hits' -d 'Order of the entries'
complete -c fleche -n $query -l limit -x -d 'At most N entries'
complete -c fleche -n $query -l json -d 'Print a JSON array'
complete -c fleche -n $query -l keys -d 'Print full keys only'
complete -c fleche -n $query -l rm -d 'Remove the matching entries'
set -l show '__fish_seen_subcommand_from show'
complete -c fleche -n $show -l stdout -d 'Print the captured stdout'
complete -c fleche -n $show -l stderr -d 'Print the captured stderr'
complete -c fleche -n $show -l log -d 'Replay both streams in order'
complete -c fleche -n $show -l json -d 'Print everything as JSON'
complete -c fleche -n $show -l inputs -d 'List every traced input'
set -l stats '__fish_seen_subcommand_from stats'
complete -c fleche -n $stats -l by -x -a name -d 'One line per entry name'
complete -c fleche -n $stats -l json -d 'Print a JSON object'
complete -c fleche -n $stats -l zero -d 'Reset the counters'
complete -c fleche -n '__fish_seen_subcommand_from remote; and not __fish_seen_subcommand_from check' -x -a check -d 'Connect, authenticate, PUT and GET a small blob'
complete -c fleche -n '__fish_seen_subcommand_from remote' -l help -d 'Show help for this command'
complete -c fleche -n '__fleche_before_dashdash run explain has' -l no-remote -d 'Leave the remote cache alone'

# gc and verify.
set -l gc '__fish_seen_subcommand_from gc'
complete -c fleche -n $gc -l max-size -x -d 'Keep at most this much (as 500M, 20G)'
complete -c fleche -n $gc -l max-age -x -d 'Evict entries unused for this long (as 30d)'
complete -c fleche -n $gc -l max-entries -x -d 'Keep at most this many entries'
complete -c fleche -n $gc -l dry-run -d 'Say what would be removed, remove nothing'
complete -c fleche -n $gc -s v -l verbose -d 'List every entry and file removed'
complete -c fleche -n '__fish_seen_subcommand_from verify' -l repair -d 'Drop broken entries, damaged and orphan blobs'

# config only.
complete -c fleche -n '__fleche_before_dashdash config' -l json -d 'Print JSON instead of text'

# show and rm: key prefixes of the stored entries.
complete -c fleche -n '__fish_seen_subcommand_from show rm' -a '(fleche query --keys 2>/dev/null)'

# After "--": the wrapped command and its arguments.
complete -c fleche -n __fleche_after_dashdash -a '(__fleche_complete_wrapped)'
