#!/usr/bin/env bash
# -o/--output capture and restore; --refresh, --no-store, -v.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case_file_restored() {
    all_bytes all.bin
    head -c 200000 /dev/urandom >>all.bin
    make_counted gen 'cp all.bin out.bin; echo generated'
    fl run -o out.bin -- ./gen >r1.out
    assert_file_eq all.bin out.bin "miss: output produced"
    rm out.bin
    capture r2 fl run -o out.bin -- ./gen
    assert_eq 0 "$RC"
    assert_runs gen 1 "hit"
    assert_file_eq all.bin out.bin "hit: deleted output restored byte for byte"
    assert_file_content r2.out $'generated\n' "hit: stdout replayed too"
}

case_exec_bit_restored() {
    make_counted gen '
printf "#!/bin/sh\necho tool\n" > tool.sh; chmod 755 tool.sh
echo data > data.txt; chmod 644 data.txt'
    fl run -o tool.sh -o data.txt -- ./gen
    rm tool.sh data.txt
    fl run -o tool.sh -o data.txt -- ./gen
    assert_runs gen 1
    [[ -x tool.sh ]] || fail "exec bit not restored on tool.sh ($(stat -c %A tool.sh))"
    [[ ! -x data.txt ]] || fail "data.txt must not become executable ($(stat -c %A data.txt))"
    assert_eq "tool" "$(./tool.sh)" "restored script runs"
    assert_file_content data.txt $'data\n'
}

case_directory_restored() {
    make_counted gen '
mkdir -p outdir/sub/deeper outdir/empty
printf "A" > outdir/a
printf "B\n" > outdir/sub/b
head -c 70000 all.bin > outdir/sub/deeper/c.bin
printf "#!/bin/sh\n" > outdir/sub/x.sh; chmod +x outdir/sub/x.sh
ln -s sub/b outdir/link
ln -s ../a outdir/sub/uplink
ln -s nowhere outdir/dangling'
    head -c 100000 /dev/urandom >all.bin
    fl run -o outdir -- ./gen
    cp -a outdir want
    rm -rf outdir
    fl run -o outdir -- ./gen
    assert_runs gen 1 "hit"
    [[ -d outdir ]] || fail "outdir not restored"
    assert_file_eq want/a outdir/a
    assert_file_eq want/sub/b outdir/sub/b
    assert_file_eq want/sub/deeper/c.bin outdir/sub/deeper/c.bin
    [[ -d outdir/empty ]] || fail "empty directory not restored"
    [[ -x outdir/sub/x.sh ]] || fail "exec bit inside the directory not restored"
    [[ ! -x outdir/a ]] || fail "outdir/a must not be executable"
    [[ -L outdir/link ]] || fail "outdir/link is not a symlink"
    assert_eq "sub/b" "$(readlink outdir/link)" "symlink target"
    assert_eq "../a" "$(readlink outdir/sub/uplink)" "nested symlink target"
    [[ -L outdir/dangling ]] || fail "dangling symlink not restored"
    assert_eq "nowhere" "$(readlink outdir/dangling)" "dangling symlink target"
    assert_eq "$(cd want && find . | sort)" "$(cd outdir && find . | sort)" "same tree"
}

case_existing_output_replaced() {
    make_counted gen 'echo fresh > out.txt; mkdir -p d; echo inner > d/f'
    fl run -o out.txt -o d -- ./gen
    echo garbage-that-is-longer-than-the-original >out.txt
    echo tampered >d/f
    fl run -o out.txt -o d -- ./gen
    assert_runs gen 1 "hit"
    assert_file_content out.txt $'fresh\n' "a modified output file is replaced on a hit"
    assert_file_content d/f $'inner\n' "a modified file inside an output dir is replaced"
    # Output replaced by a directory / a symlink: replaced again.
    rm out.txt
    mkdir out.txt
    echo x >out.txt/junk
    fl run -o out.txt -o d -- ./gen
    [[ -f out.txt && ! -L out.txt ]] || fail "a directory in place of the output file is replaced"
    assert_file_content out.txt $'fresh\n'
    rm -r out.txt
    echo victim >victim.txt
    ln -s victim.txt out.txt
    fl run -o out.txt -o d -- ./gen
    [[ -f out.txt && ! -L out.txt ]] || fail "a symlink in place of the output file is replaced"
    assert_file_content out.txt $'fresh\n'
    assert_file_content victim.txt $'victim\n' "restoring must not write through a symlink"
    assert_runs gen 1
}

case_glob_output() {
    make_counted mkgen 'mkdir -p gen/sub; for n in 1 2; do echo "t$n" > gen/$n.txt; done; echo log > gen/3.log; echo s > gen/sub/4.txt'
    fl run -o 'gen/*.txt' -- ./mkgen
    rm -rf gen
    fl run -o 'gen/*.txt' -- ./mkgen
    assert_runs mkgen 1 "hit"
    assert_file_content gen/1.txt $'t1\n'
    assert_file_content gen/2.txt $'t2\n'
    [[ ! -e gen/3.log ]] || fail "gen/3.log does not match the glob and must not be restored"
    [[ ! -e gen/sub/4.txt ]] || fail "gen/sub/4.txt does not match gen/*.txt and must not be restored"
}

case_glob_output_double_star() {
    make_counted gen 'mkdir -p b/x/y; echo 1 > b/x/one.o; echo 2 > b/x/y/two.o; echo 3 > b/x/y/three.c'
    fl run -o 'b/**/*.o' -- ./gen
    rm -rf b
    fl run -o 'b/**/*.o' -- ./gen
    assert_runs gen 1 "hit"
    assert_file_content b/x/one.o $'1\n'
    assert_file_content b/x/y/two.o $'2\n'
    [[ ! -e b/x/y/three.c ]] || fail "three.c does not match and must not be restored"
}

case_output_not_produced() {
    make_counted gen 'echo hello; echo made > made.txt'
    capture r1 fl run -o made.txt -o never.txt -- ./gen
    assert_eq 0 "$RC" "exit code is still CMD's"
    assert_file_content r1.out $'hello\n'
    assert_file_has_line r1.err "fleche: warning: output 'never.txt' was not produced; not storing"
    assert_exit 1 fl has -o made.txt -o never.txt -- ./gen
    capture r2 fl run -o made.txt -o never.txt -- ./gen
    assert_runs gen 2 "not stored, so the next run runs again"

    make_counted fails 'exit 4'
    capture r3 fl run --cache-failures -o never.txt -- ./fails
    assert_eq 4 "$RC" "exit code is still CMD's"
    assert_file_has_line r3.err "fleche: warning: output 'never.txt' was not produced; not storing"
}

case_output_outside_workdir() {
    make_counted gen 'echo ran > ran.txt'
    local bad
    for bad in /tmp/fleche-abs-out "$PWD/inside-but-absolute" ../x sub/../../x ..; do
        capture r fl run -o "$bad" -- ./gen
        assert_eq 125 "$RC" "-o $bad must be refused"
        assert_eq "fleche: " "$(head -c 8 r.err)" "-o $bad: message prefix"
        assert_runs gen 0 "-o $bad: CMD must not run"
        [[ ! -e ran.txt ]] || fail "-o $bad: CMD ran"
    done
}

case_output_is_part_of_key() {
    make_counted gen 'echo a > a.txt; echo b > b.txt'
    assert_ne "$(fl digest -o a.txt -- ./gen)" "$(fl digest -o b.txt -- ./gen)" "-o a vs -o b"
    assert_ne "$(fl digest -- ./gen)" "$(fl digest -o a.txt -- ./gen)" "no -o vs -o a"
    fl run -o a.txt -- ./gen
    fl run -o b.txt -- ./gen
    assert_runs gen 2 "different outputs: miss"
}

case_refresh() {
    make_counted c 'cat undeclared.txt'
    echo v1 >undeclared.txt
    fl run -- ./c >r1.out
    echo v2 >undeclared.txt
    fl run -- ./c >r2.out
    assert_file_content r2.out $'v1\n' "hit replays the stored output"
    assert_runs c 1
    fl run --refresh -- ./c >r3.out
    assert_runs c 2 "--refresh runs CMD"
    assert_file_content r3.out $'v2\n'
    fl run -- ./c >r4.out
    assert_runs c 2 "after --refresh: hit"
    assert_file_content r4.out $'v2\n' "--refresh overwrote the entry"
}

case_refresh_outputs() {
    make_counted gen 'cp src.txt out.txt'
    echo one >src.txt
    fl run -o out.txt -- ./gen
    echo two >src.txt
    fl run --refresh -o out.txt -- ./gen
    assert_file_content out.txt $'two\n'
    rm out.txt
    fl run -o out.txt -- ./gen
    assert_runs gen 2
    assert_file_content out.txt $'two\n' "restored output comes from the refreshed run"
}

case_no_store() {
    make_counted c 'cat undeclared.txt; echo made > o.txt'
    echo v1 >undeclared.txt
    capture r1 fl run --no-store -o o.txt -- ./c
    assert_eq 0 "$RC"
    assert_file_content r1.out $'v1\n'
    assert_exit 1 fl has -o o.txt -- ./c
    fl run --no-store -o o.txt -- ./c >/dev/null
    assert_runs c 2 "--no-store does not look up"
    # With an entry present, --no-store neither uses nor replaces it.
    fl run -o o.txt -- ./c >/dev/null
    assert_runs c 3
    echo v2 >undeclared.txt
    capture r4 fl run --no-store -o o.txt -- ./c
    assert_runs c 4 "--no-store runs even when an entry exists"
    assert_file_content r4.out $'v2\n'
    capture r5 fl run -o o.txt -- ./c
    assert_runs c 4
    assert_file_content r5.out $'v1\n' "--no-store did not overwrite the entry"
}

case_no_store_leaves_nothing() {
    make_counted c 'echo x'
    fl run --no-store -- ./c >/dev/null
    assert_exit 1 fl has -- ./c
    if [[ -d "$FLECHE_DIR/objects" ]]; then
        local n
        n=$(find "$FLECHE_DIR/objects" -type f | wc -l)
        assert_eq 0 "$n" "--no-store wrote blobs"
    fi
}

case_verbose() {
    make_counted c 'echo out; echo err >&2'
    local d
    d=$(fl digest -- ./c)
    capture m fl run -v -- ./c
    assert_eq 0 "$RC"
    assert_file_content m.out $'out\n'
    assert_eq 1 "$(fleche_lines m.err | wc -l)" "exactly one fleche line on a verbose miss"
    fleche_lines m.err | grep -qE "^fleche: miss ${d:0:8}: .+" ||
        fail "miss line: [$(fleche_lines m.err)] does not match 'fleche: miss ${d:0:8}: REASON'"
    assert_eq "err" "$(strip_fleche m.err)" "CMD stderr still there"
    capture h fl run -v -- ./c
    assert_eq 0 "$RC"
    assert_file_content h.out $'out\n'
    assert_eq 1 "$(fleche_lines h.err | wc -l)" "exactly one fleche line on a verbose hit"
    fleche_lines h.err | grep -qE "^fleche: hit ${d:0:8}: " ||
        fail "hit line: [$(fleche_lines h.err)] does not match 'fleche: hit ${d:0:8}: ...'"
    assert_eq "err" "$(strip_fleche h.err)" "replayed stderr"
    capture q fl run -- ./c
    assert_file_content q.err $'err\n' "without -v nothing of fleche's own on a hit"
    assert_runs c 1
}

# Outputs above 8 MiB are restored on several threads: each file must come
# back exact, and a damaged blob must still be a miss, not a partial restore.
case_large_outputs_restored_in_parallel() {
    mkdir src
    local i
    for i in 1 2 3 4; do head -c 3000000 /dev/urandom >"src/part$i"; done
    make_counted gen 'rm -rf out; cp -r src out'
    fl run -o out -- ./gen
    rm -rf out
    capture r1 fl run -o out -- ./gen
    assert_runs gen 1 "a hit"
    for i in 1 2 3 4; do assert_file_eq "src/part$i" "out/part$i" "part$i restored"; done
    local blob
    blob=$(find "$FLECHE_DIR/objects" -type f -size +2000k -print -quit)
    [[ -n "$blob" ]] || fail "fixture: no large blob"
    flip_byte "$blob" 1000000
    rm -rf out
    capture r2 fl run -o out -- ./gen
    assert_runs gen 2 "a damaged blob is a miss"
    assert_contains "$(cat r2.err)" "fleche: warning: "
    for i in 1 2 3 4; do assert_file_eq "src/part$i" "out/part$i" "part$i after the miss"; done
}

case_literal_output_with_glob_chars() {
    make_counted gen 'echo lit > "out[1].txt"; echo one > out1.txt'
    fl run -o 'out[1].txt' -- ./gen 2>r1.err
    assert_eq "" "$(cat r1.err)" "the file out[1].txt was produced"
    rm 'out[1].txt' out1.txt
    fl run -o 'out[1].txt' -- ./gen
    assert_runs gen 1 "hit"
    assert_file_content 'out[1].txt' $'lit\n'
    [[ ! -e out1.txt ]] || fail "out1.txt is not an output"
    # glob: reads the spec as a pattern even where the file exists.
    fl run -o 'glob:out[1].txt' -- ./gen
    rm 'out[1].txt' out1.txt
    fl run -o 'glob:out[1].txt' -- ./gen
    assert_runs gen 2 "glob: is another key, then a hit"
    assert_file_content out1.txt $'one\n'
    [[ ! -e 'out[1].txt' ]] || fail "out[1].txt does not match the pattern out[1].txt"
    capture r fl run -o 'glob:../*.txt' -- ./gen
    assert_eq 125 "$RC" "a pattern that leaves the working directory is refused"
    assert_runs gen 2
}

# modes_case UMASK: outputs come back with exactly the captured mode bits,
# whatever the umask of the run that restores them.
modes_case() {
    local mask=$1
    make_counted gen '
mkdir -p out/priv out/pub out/ro
printf k > out/priv/key; chmod 600 out/priv/key
printf s > out/run.sh; chmod 755 out/run.sh
printf d > out/pub/data; chmod 644 out/pub/data
printf g > out/pub/group; chmod 664 out/pub/group
printf r > out/ro/file; chmod 444 out/ro/file
chmod 700 out/priv; chmod 755 out/pub; chmod 555 out/ro; chmod 750 out
printf t > top.key; chmod 600 top.key
printf w > wide.txt; chmod 666 wide.txt
printf x > tool; chmod 700 tool'
    modes() { stat -c '%a %n' out out/* out/*/* top.key wide.txt tool | sort; }
    (umask 022 && fl run -o out -o top.key -o wide.txt -o tool -- ./gen)
    local want
    want=$(modes)
    assert_contains "$want" "600 out/priv/key" "fixture"
    chmod -R u+w out
    rm -rf out top.key wide.txt tool
    (umask "$mask" && fl run -o out -o top.key -o wide.txt -o tool -- ./gen)
    assert_runs gen 1 "hit"
    assert_eq "$want" "$(modes)" "modes after a restore under umask $mask"
    assert_file_content out/priv/key k
    assert_file_content out/ro/file r
    # Over existing outputs too.
    chmod -R 777 out top.key wide.txt tool
    (umask "$mask" && fl run -o out -o top.key -o wide.txt -o tool -- ./gen)
    assert_eq "$want" "$(modes)" "modes when restoring over existing outputs (umask $mask)"
    assert_runs gen 1
}
case_modes_restored_umask_000() { modes_case 000; }
case_modes_restored_umask_077() { modes_case 077; }

# Restore refuses an output whose directory is a symlink out of the working
# tree; such a run is not stored, so that it does not fail to restore (and
# run again, with two warnings) every time.
case_output_through_symlink_out_of_tree() {
    mkdir "$AUX/elsewhere"
    ln -s "$AUX/elsewhere" link
    make_counted gen 'echo made > link/out.txt; echo ran'
    local n
    for n in 1 2; do
        capture r fl run -o link/out.txt -- ./gen
        assert_eq 0 "$RC" "run $n"
        assert_file_content r.out $'ran\n' "run $n"
        assert_eq "fleche: warning: output 'link/out.txt' leads outside the working directory; not storing" \
            "$(cat r.err)" "one warning (run $n)"
    done
    assert_runs gen 2 "not stored"
    assert_exit 1 fl has -o link/out.txt -- ./gen
    make_counted globgen 'echo made > link/g.txt'
    capture r fl run -o 'link/*.txt' -- ./globgen
    assert_eq "fleche: warning: output 'link/g.txt' leads outside the working directory; not storing" \
        "$(cat r.err)" "a glob's match"
    assert_exit 1 fl has -o 'link/*.txt' -- ./globgen
}

# A directory that has become a symlink out of the tree since the run was
# stored: restore writes nothing through it, not even new directories.
case_restore_creates_nothing_outside() {
    mkdir "$AUX/elsewhere"
    make_counted gen '[ -L a ] || { mkdir -p a/b; echo x > a/b/c.txt; }'
    fl run -o a/b/c.txt -- ./gen
    rm -rf a
    ln -s "$AUX/elsewhere" a
    capture r fl run -o a/b/c.txt -- ./gen
    assert_runs gen 2 "not restored: run"
    assert_file_contains r.err "fleche: warning: output 'a/b/c.txt' leads outside the working directory; not restored"
    assert_eq "" "$(ls -A "$AUX/elsewhere")" "nothing created outside"
}

run_case file_restored case_file_restored
run_case exec_bit_restored case_exec_bit_restored
run_case directory_restored case_directory_restored
run_case existing_output_replaced case_existing_output_replaced
run_case glob_output case_glob_output
run_case glob_output_double_star case_glob_output_double_star
run_case output_not_produced case_output_not_produced
run_case output_outside_workdir case_output_outside_workdir
run_case output_is_part_of_key case_output_is_part_of_key
run_case refresh case_refresh
run_case refresh_outputs case_refresh_outputs
run_case no_store case_no_store
run_case no_store_leaves_nothing case_no_store_leaves_nothing
run_case verbose case_verbose
run_case large_outputs_restored_in_parallel case_large_outputs_restored_in_parallel
run_case literal_output_with_glob_chars case_literal_output_with_glob_chars
run_case modes_restored_umask_000 case_modes_restored_umask_000
run_case modes_restored_umask_077 case_modes_restored_umask_077
run_case output_through_symlink_out_of_tree case_output_through_symlink_out_of_tree
run_case restore_creates_nothing_outside case_restore_creates_nothing_outside
finish
