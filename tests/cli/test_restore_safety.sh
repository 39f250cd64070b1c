#!/usr/bin/env bash
# A hit writes nothing outside the working tree whatever its entry says, never
# captures, removes or replaces the store, and an interrupted restore leaves
# no temporary file behind.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# tamper_add_output PATH TYPE [TARGET] [BLOB_OF]: adds an output row to the
# only entry of the store, as someone with write access to the store could:
# the entry file gets the row and a checksum that matches again.
# TYPE: 1 file (with the blob of the stored output BLOB_OF), 2 directory,
# 3 symlink (to TARGET). The one place that knows where entries live.
tamper_add_output() {
    local files=("$FLECHE_DIR"/entries/*/*)
    [[ ${#files[@]} -eq 1 && -f ${files[0]} ]] || fail "fixture: not one entry file: ${files[*]}"
    python3 - "${files[0]}" "$@" <<'PY'
import hashlib, sys
path, out_path, kind = sys.argv[1], sys.argv[2].encode(), int(sys.argv[3])
target = sys.argv[4].encode() if len(sys.argv) > 4 else b""
blob_of = sys.argv[5].encode() if len(sys.argv) > 5 else b""
data = open(path, "rb").read()
# The key record holds newlines of its own: keep it whole, edit what follows.
at = data.index(b"\nrecord ") + len(b"\nrecord ")
n, _ = data[at:].split(b":", 1)
end = at + len(n) + 1 + int(n) + 1
head, lines = data[:end], data[end:].split(b"\n")[:-1]
lines = [l for l in lines if not l.startswith(b"sha256 ")]
def s(b): return str(len(b)).encode() + b":" + b
blob, size = b"-", b"0"
for l in lines:  # "output " STR TYPE EXEC MODE BLOB SIZE STR
    if l.startswith(b"output "):
        n, rest = l[7:].split(b":", 1)
        if rest[:int(n)] == blob_of:
            fields = rest[int(n) + 1:].split(b" ")
            blob, size = fields[3], fields[4]
name = {1: b"file", 2: b"dir", 3: b"link"}[kind]
row = b"output " + s(out_path) + b" " + name + b" 0 " + (b"644 " if kind == 1 else b"755 ") \
    + (blob if kind == 1 else b"-") + b" " + (size if kind == 1 else b"0") + b" " + s(target)
at = max([i for i, l in enumerate(lines) if l.startswith((b"output ", b"tag ", b"command "))]) + 1
lines.insert(at, row)
body = head + b"".join(l + b"\n" for l in lines)
open(path, "wb").write(body + b"sha256 " + hashlib.sha256(body).hexdigest().encode() + b"\n")
PY
}

# A run that makes b/f, stored; then rows that would write b/f outside.
case_tampered_entry_writes_nothing_outside() {
    mkdir "$AUX/outside"
    make_counted gen 'mkdir -p b; echo made > b/f'
    fl run -o b -- ./gen
    tamper_add_output 'c/../b' 3 "$AUX/outside"
    rm -rf b
    capture r fl run -o b -- ./gen
    assert_eq 0 "$RC"
    assert_runs gen 2 "a refused entry is a miss: the command ran"
    assert_eq 1 "$(grep -c '^fleche: warning: ' r.err)" "one warning: $(cat r.err)"
    assert_file_contains r.err "output 'c/../b' leads outside the working directory; not restored"
    assert_eq "" "$(ls -A "$AUX/outside")" "nothing written outside"
    assert_file_content b/f $'made\n'
    [[ ! -e c ]] || fail "a refused entry created c"
    # Stored afresh: the next run is a clean hit.
    rm -rf b
    capture r2 fl run -o b -- ./gen
    assert_runs gen 2 "the fresh entry replays"
    assert_eq "" "$(cat r2.err)"
    assert_file_content b/f $'made\n'
}

case_tampered_absolute_path_creates_nothing() {
    mkdir "$AUX/outside"
    make_counted gen 'echo made > f'
    fl run -o f -- ./gen
    # A directory at the root that does not exist: once, its parent counted
    # as inside (it resolved no further than the working directory).
    local top=/fleche-restore-test.$$
    [[ ! -e $top ]] || skip "$top exists"
    tamper_add_output "$top/made/f" 1 '' f
    tamper_add_output "$AUX/outside/made/deeper/f" 1 '' f
    capture r fl run -o f -- ./gen
    [[ ! -e $top ]] || { rm -rf "$top"; fail "a refused absolute path created $top"; }
    assert_runs gen 2
    assert_file_contains r.err "leads outside the working directory; not restored"
    assert_eq 1 "$(grep -c '^fleche: warning: ' r.err)" "one warning: $(cat r.err)"
    assert_eq "" "$(ls -A "$AUX/outside")" "no directory made outside"
}

# FLECHE_DIR inside the declared output directory.
case_store_inside_output_directory() {
    export FLECHE_DIR=build/.fleche
    make_counted gen 'mkdir -p build; echo "made $1" > build/out.txt'
    fl run -o build -- ./gen 1
    capture r fl run -o build -- ./gen 1
    assert_runs gen 1 "a hit"
    assert_eq "" "$(cat r.err)"
    assert_file_content build/out.txt $'made 1\n'
    [[ -f build/.fleche/index.sqlite ]] || fail "the hit removed the store"
    assert_exit 0 fl verify
    fl run -o build -- ./gen 2 # the store is still in use
    capture r fl run -o build -- ./gen 1
    assert_runs gen 2 "still a hit after another store"
    fl show --json "$(fl digest -o build -- ./gen 1)" >show.json
    assert_file_contains show.json '"build/out.txt"'
    assert_eq "" "$(grep -o '"build/.fleche[^"]*"' show.json || true)" "the store is not an output"
}

# interrupted_restore SIGNAL STATUS: a hit stopped with the temporary file of
# its output written, sent SIGNAL, leaves no temporary file and ends as the
# signal would.
interrupted_restore() {
    make_counted gen 'echo new > out.txt'
    fl run -o out.txt -- ./gen
    echo old >out.txt
    # Background jobs of a script ignore SIGINT: restore the default action.
    FLECHE_TEST_STOP_POINT=restore-written python3 -c '
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$FLECHE_BIN" run -o out.txt -- ./gen >r.out 2>r.err &
    local pid=$!
    wait_stopped $pid
    kill -"$1" $pid
    kill -CONT $pid
    local rc=0
    wait $pid || rc=$?
    assert_eq "$2" "$rc" "exit status"
    assert_eq "" "$(ls -A | grep '^\.fleche' || true)" "no temporary file left"
    assert_file_content out.txt $'old\n' "the output was not replaced"
    assert_runs gen 1 "nothing ran"
}

case_interrupted_restore_sigint() { interrupted_restore INT 130; }
case_interrupted_restore_sigterm() { interrupted_restore TERM 143; }

run_case tampered_entry_writes_nothing_outside case_tampered_entry_writes_nothing_outside
run_case tampered_absolute_path_creates_nothing case_tampered_absolute_path_creates_nothing
run_case store_inside_output_directory case_store_inside_output_directory
run_case interrupted_restore_sigint case_interrupted_restore_sigint
run_case interrupted_restore_sigterm case_interrupted_restore_sigterm
finish
