#!/usr/bin/env bash
# The remote cache over the Bazel HTTP cache protocol, against a real nginx
# (WebDAV PUT) started by this script on 127.0.0.1: two stores stand for two
# machines. Each case uses its own base path on the server, so that cases
# share no entries.
TESTS_CLI=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$TESTS_CLI/lib.sh"
source "$TESTS_CLI/lib_nginx.sh"

nginx_start "$SCRATCH/nginx"

# remote_at PATH: this case's remote cache, under /PATH/<case>/ on the server.
remote_at() {
    export FLECHE_REMOTE=http://127.0.0.1:$NGINX_PORT/$1/$CASE_ID
}

# requests: the access log lines of this case's requests ("METHOD /uri STATUS").
requests() {
    nginx_settle
    grep -F "/$CASE_ID/" "$NGINX_ACCESS_LOG" | awk '{print $1, $2, $3}' || true
}

# gen: prints to stdout and stderr in turn, writes out/data (mode 0750) and
# out/link, and exits 0.
make_gen() {
    make_counted gen 'printf "one\n"; printf "two\n" >&2; printf "three\n"
mkdir -p out; printf "payload %s\n" "$1" >out/data; chmod 0750 out/data; ln -sf data out/link'
}

# on_b CMD...: run with store B (another machine).
on_b() {
    FLECHE_DIR=$AUX/store-b "$@"
}

case_a_stores_b_replays() {
    remote_at cache
    make_gen
    fl run -v -o out -- ./gen x >a.out 2>a.err
    assert_runs gen 1
    assert_file_contains a.err "fleche: uploaded "
    rm -rf out
    on_b fl run -v -o out -- ./gen x >b.out 2>b.err
    assert_runs gen 1 "B replays A's result"
    assert_file_contains b.err "fleche: remote hit "
    assert_file_eq a.out b.out "stdout bytes"
    assert_eq "two" "$(strip_fleche b.err)" "stderr bytes"
    assert_file_content out/data $'payload x\n'
    assert_eq 750 "$(stat -c %a out/data)" "mode restored"
    assert_eq data "$(readlink out/link)" "symlink restored"
    # B's next runs are local hits: nothing more reaches the server.
    local before after
    before=$(requests | wc -l)
    on_b fl run -v -o out -- ./gen x >/dev/null 2>b2.err
    assert_file_contains b2.err "fleche: hit "
    after=$(requests | wc -l)
    assert_eq "$before" "$after" "a local hit sends no request"
    assert_runs gen 1
}

case_exit_code_and_failures() {
    remote_at cache
    make_counted fails 'echo failing; exit 3'
    assert_exit 3 fl run --cache-failures -- ./fails
    assert_exit 3 on_b fl run --cache-failures -- ./fails
    assert_runs fails 1 "the failure is replayed with its exit code"
    assert_eq failing "$(cat "$AUX/last.out")"
    # Without --cache-failures B does not take a failed run.
    assert_exit 3 env FLECHE_DIR="$AUX/store-c" "$FLECHE_BIN" run -- ./fails
    assert_runs fails 2
}

case_server_down_costs_one_timeout_then_a_cooldown() {
    # A port that nothing listens on.
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    export FLECHE_REMOTE=http://127.0.0.1:$port/cache
    make_counted tool 'echo "out $1"'
    fl run -- ./tool 1 >o1 2>e1
    assert_file_content o1 $'out 1\n'
    assert_eq 1 "$(grep -c 'fleche: warning: remote cache' e1)" "one warning"
    assert_file_contains e1 "skipping it for 60s"
    assert_file_contains "$FLECHE_DIR/remote-down" "127.0.0.1:$port"
    # Within the cooldown: no warning, no connection attempt, the command's result.
    fl run -v -- ./tool 2 >o2 2>e2
    assert_file_content o2 $'out 2\n'
    assert_not_contains "$(cat e2)" "warning"
    assert_file_contains e2 "skipped: it failed recently"
    assert_runs tool 2
    # A hit never looks at the remote at all.
    fl run -v -- ./tool 1 >o3 2>e3
    assert_not_contains "$(cat e3)" "remote"
}

case_silent_server_is_cut_off_by_the_request_timeout() {
    # Accepts connections and never answers.
    python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
' "$AUX/port" &
    local pid=$!
    wait_for_file "$AUX/port"
    export FLECHE_REMOTE=http://127.0.0.1:$(cat "$AUX/port")/cache
    printf '[remote]\ntimeout = "500ms"\n' >fleche.toml
    make_counted tool 'echo ran'
    FL_TIMEOUT=30 fl run -- ./tool >o 2>e
    kill "$pid"
    assert_file_content o $'ran\n'
    assert_file_contains e "fleche: warning: remote cache"
    assert_file_contains e "timeout"
}

case_damaged_or_missing_blob_on_the_server_is_a_miss_and_repaired() {
    remote_at cache
    make_gen
    fl run -o out -- ./gen y >/dev/null 2>&1
    local blob
    blob=$(sha256sum out/data | cut -c1-64)
    local on_server=$NGINX_ROOT/cache/$CASE_ID/cas/$blob
    [[ -f $on_server ]] || fail "the output blob was not uploaded to $on_server"
    printf 'garbage' >"$on_server"
    rm -rf out
    on_b fl run -v -o out -- ./gen y >/dev/null 2>b.err
    assert_runs gen 2 "a damaged blob is a miss"
    assert_file_contains b.err "damaged"
    assert_eq "$blob" "$(sha256sum "$on_server" | cut -c1-64)" "the upload repaired the blob"
    # A deleted one: the same.
    rm "$on_server"
    rm -rf out
    FLECHE_DIR=$AUX/store-c fl run -v -o out -- ./gen y >/dev/null 2>c.err
    assert_runs gen 3 "a missing blob is a miss"
    assert_file_contains c.err "gone from the remote"
    [[ -f $on_server ]] || fail "the upload did not send the blob again"
    rm -rf out
    FLECHE_DIR=$AUX/store-d fl run -o out -- ./gen y >/dev/null 2>&1
    assert_runs gen 3 "a fourth machine hits the repaired entry"
    assert_file_content out/data $'payload y\n'
}

case_read_only_never_puts() {
    remote_at cache
    make_gen
    FLECHE_REMOTE_READONLY=1 fl run -o out -- ./gen z >/dev/null 2>&1
    assert_runs gen 1
    assert_eq "" "$(requests | awk '$1 != "GET" && $1 != "HEAD"')" "only GET and HEAD"
    [[ -n "$(requests)" ]] || fail "the read-only run asked nothing"
    # FLECHE_READONLY (the local store read-only) implies it too.
    FLECHE_READONLY=1 FLECHE_DIR=$AUX/store-b fl run -o out -- ./gen z >/dev/null 2>&1
    assert_eq "" "$(requests | awk '$1 != "GET" && $1 != "HEAD"')" "only GET and HEAD"
    # A writer then a read-only reader: the reader hits.
    fl run -o out -- ./gen w >/dev/null 2>&1
    rm -rf out
    FLECHE_REMOTE_READONLY=1 on_b fl run -o out -- ./gen w >/dev/null 2>&1
    assert_runs gen 3
    assert_file_content out/data $'payload w\n'
}

case_signing() {
    remote_at cache
    make_gen
    FLECHE_REMOTE_SIGNING_KEY=right-key fl run -o out -- ./gen s >/dev/null 2>&1
    # (read only: a writer with another key would replace the entry with its own)
    FLECHE_REMOTE_READONLY=1 FLECHE_REMOTE_SIGNING_KEY=wrong-key on_b fl run -v -o out -- \
        ./gen s >/dev/null 2>b.err
    assert_runs gen 2 "a wrong key: the entry is ignored"
    assert_file_contains b.err "signature"
    FLECHE_REMOTE_SIGNING_KEY=right-key FLECHE_DIR=$AUX/store-c fl run -o out -- ./gen s \
        >/dev/null 2>&1
    assert_runs gen 2 "the right key hits"
    # Unsigned entries are ignored by a reader with a key.
    fl run -o out -- ./gen u >/dev/null 2>&1
    FLECHE_REMOTE_SIGNING_KEY=right-key FLECHE_DIR=$AUX/store-d fl run -v -o out -- ./gen u \
        >/dev/null 2>d.err
    assert_runs gen 4
    assert_file_contains d.err "unsigned"
    # The key never appears in what fleche prints or stores.
    FLECHE_REMOTE_SIGNING_KEY=right-key fl config >config.out
    assert_not_contains "$(cat config.out b.err d.err)" "right-key"
    if grep -rqF right-key "$FLECHE_DIR" "$NGINX_ROOT/cache/$CASE_ID"; then
        fail "the signing key was written somewhere"
    fi
}

case_identical_runs_on_two_stores_run_once_per_store() {
    remote_at cache
    make_counted slow 'echo started >>"$0.started"; echo result'
    local i pids=()
    for i in 1 2 3; do
        fl run -- ./slow >"a$i.out" 2>&1 &
        pids+=($!)
        on_b fl run -- ./slow >"b$i.out" 2>&1 &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i"; done
    local n
    n=$(runs slow)
    [[ $n -ge 1 && $n -le 2 ]] || fail "CMD ran $n times for two stores"
    for i in 1 2 3; do
        assert_file_content "a$i.out" $'result\n'
        assert_file_content "b$i.out" $'result\n'
    done
    fl verify >/dev/null
    on_b fl verify >/dev/null
}

case_large_output_streams_in_bounded_memory() {
    remote_at cache
    make_counted big 'head -c 200000000 /dev/zero | tr "\0" x >big.bin; echo done'
    /usr/bin/time -f %M -o a.rss "$FLECHE_BIN" run -o big.bin -- ./big >/dev/null
    rm big.bin
    /usr/bin/time -f %M -o b.rss env FLECHE_DIR="$AUX/store-b" "$FLECHE_BIN" run -o big.bin -- \
        ./big >/dev/null
    assert_runs big 1 "B fetched the 200 MB output"
    assert_eq 200000000 "$(stat -c %s big.bin)"
    # Against the same binary doing nothing: a sanitizer build starts at
    # about 60 MiB, a release build at a few.
    local a b base
    /usr/bin/time -f %M -o base.rss "$FLECHE_BIN" --version >/dev/null
    a=$(tail -n 1 a.rss) b=$(tail -n 1 b.rss) base=$(tail -n 1 base.rss)
    ((a < base + (64 << 10))) || fail "uploading 200 MB took $a KiB ($base KiB for --version)"
    ((b < base + (64 << 10))) || fail "downloading 200 MB took $b KiB ($base KiB for --version)"
}

case_too_large_for_the_server_skips_the_upload() {
    remote_at small # client_max_body_size 1k there
    make_counted medium 'head -c 100000 /dev/zero >m.bin; echo small stdout'
    fl run -v -o m.bin -- ./medium >/dev/null 2>e
    assert_file_contains e "too large"
    assert_not_contains "$(cat e)" "warning"
    on_b fl run -o m.bin -- ./medium >/dev/null 2>&1
    assert_runs medium 2 "nothing was uploaded for B"
}

case_credentials() {
    # /auth/: anonymous reads, basic auth for writes (alice:s3cret).
    remote_at auth
    make_counted tool 'echo authed'
    fl run -- ./tool >/dev/null 2>e1
    assert_file_contains e1 "refuses uploads"
    assert_eq "" "$(requests | awk '$1 == "PUT" && $3 ~ /^2/')" "nothing stored anonymously"
    export FLECHE_REMOTE=http://alice:wrong@127.0.0.1:$NGINX_PORT/auth/$CASE_ID
    fl run -- ./tool x >/dev/null 2>e2
    assert_file_contains e2 "refuses uploads"
    assert_not_contains "$(cat e1 e2)" "wrong" "the password is never printed"
    export FLECHE_REMOTE=http://alice@127.0.0.1:$NGINX_PORT/auth/$CASE_ID
    FLECHE_REMOTE_PASSWORD=s3cret fl run -v -- ./tool y >/dev/null 2>e3
    assert_file_contains e3 "fleche: uploaded "
    FLECHE_REMOTE=http://127.0.0.1:$NGINX_PORT/auth/$CASE_ID on_b fl run -- ./tool y >o
    assert_runs tool 3 "an anonymous reader hits what alice wrote"
    assert_file_content o $'authed\n'
    FLECHE_REMOTE_PASSWORD=s3cret fl config >config.out
    assert_not_contains "$(cat config.out)" "s3cret"
}

case_has_explain_stats_and_check() {
    remote_at cache
    make_counted tool 'echo hello'
    fl run -- ./tool >/dev/null
    assert_exit 0 on_b fl has -- ./tool
    assert_exit 1 on_b fl has --no-remote -- ./tool
    assert_exit 0 on_b fl explain -- ./tool
    assert_file_contains "$AUX/last.out" "only the remote cache"
    on_b fl run -- ./tool >/dev/null
    on_b fl stats >stats.out
    assert_file_contains stats.out "remote "
    assert_file_contains stats.out "1 hits"
    on_b fl stats --json >stats.json
    assert_eq 1 "$(jq .remote.hits stats.json)"
    assert_exit 0 fl remote check
    assert_file_contains "$AUX/last.out" "write: ok"
    assert_file_contains "$AUX/last.out" "read: ok"
    FLECHE_REMOTE=http://127.0.0.1:1/cache assert_exit 1 fl remote check
    assert_file_contains "$AUX/last.out" "FAIL connect"
    env -u FLECHE_REMOTE "$FLECHE_BIN" remote check >/dev/null 2>err && fail "no remote: exit 0"
    assert_file_contains err "no remote cache is configured"
}

case_traced_runs_share_their_path_sets() {
    remote_at cache
    # Not a counted command: its counter is written outside the tree, which a
    # trace refuses to store; -v says whether each run was a hit.
    printf '#!/bin/sh\ncat in.txt; cat in.txt >copy.txt\n' >tr
    chmod +x tr
    printf 'first\n' >in.txt
    fl run -v --trace -- ./tr >a.out 2>a.err
    assert_file_contains a.err "fleche: uploaded "
    rm copy.txt
    on_b fl run -v --trace -- ./tr >b.out 2>b.err
    assert_file_contains b.err "fleche: remote hit " "B matches A's path set"
    assert_file_content b.out $'first\n'
    assert_file_content copy.txt $'first\n'
    # Another input on B: the fetched path set does not match, CMD runs.
    printf 'second\n' >in.txt
    on_b fl run -v --trace -- ./tr >b2.out 2>b2.err
    assert_file_contains b2.err "fleche: miss "
    assert_file_content b2.out $'second\n'
    # A third machine sees both path sets and takes the one that matches.
    FLECHE_DIR=$AUX/store-c fl run -v --trace -- ./tr >c.out 2>c.err
    assert_file_contains c.err "fleche: remote hit " "C matches B's path set"
    printf 'first\n' >in.txt
    FLECHE_DIR=$AUX/store-c fl run -v --trace -- ./tr >c2.out 2>c2.err
    assert_file_contains c2.err "fleche: remote hit " "and A's"
    assert_file_content c2.out $'first\n'
}

run_case a_stores_b_replays case_a_stores_b_replays
run_case traced case_traced_runs_share_their_path_sets
run_case exit_code_and_failures case_exit_code_and_failures
run_case server_down case_server_down_costs_one_timeout_then_a_cooldown
run_case silent_server case_silent_server_is_cut_off_by_the_request_timeout
run_case damaged_blob case_damaged_or_missing_blob_on_the_server_is_a_miss_and_repaired
run_case read_only case_read_only_never_puts
run_case signing case_signing
run_case two_stores_at_once case_identical_runs_on_two_stores_run_once_per_store
run_case large_output case_large_output_streams_in_bounded_memory
run_case too_large case_too_large_for_the_server_skips_the_upload
run_case credentials case_credentials
run_case has_explain_stats_check case_has_explain_stats_and_check
finish
