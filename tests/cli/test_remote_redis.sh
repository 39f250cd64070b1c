#!/usr/bin/env bash
# The remote cache in Redis, against a real redis-server started by each case
# on 127.0.0.1: the same bytes as over HTTP under <prefix>ac:<key> and
# <prefix>cas:<sha256>. Two stores stand for two machines.
TESTS_CLI=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$TESTS_CLI/lib.sh"
source "$TESTS_CLI/lib_redis.sh"

on_b() {
    FLECHE_DIR=$AUX/store-b "$@"
}

rcli() {
    redis-cli -p "$REDIS_PORT" "$@"
}

make_gen() {
    make_counted gen 'printf "one\n"; printf "two\n" >&2
mkdir -p out; printf "payload %s\n" "$1" >out/data; chmod 0640 out/data'
}

case_a_stores_b_replays() {
    redis_start "$AUX/redis"
    export FLECHE_REMOTE=redis://127.0.0.1:$REDIS_PORT/2
    make_gen
    fl run -v -o out -- ./gen x >a.out 2>a.err
    assert_file_contains a.err "fleche: uploaded "
    local key
    key=$(fl digest -o out -- ./gen x)
    assert_eq 1 "$(rcli -n 2 EXISTS "fleche:ac:$key")" "the ActionResult under fleche:ac:<key> in db 2"
    assert_eq 1 "$(rcli -n 2 EXISTS "fleche:cas:$(sha256sum out/data | cut -c1-64)")" "the output blob"
    rm -rf out
    on_b fl run -v -o out -- ./gen x >b.out 2>b.err
    assert_runs gen 1 "B replays A's result"
    assert_file_contains b.err "fleche: remote hit "
    assert_file_eq a.out b.out
    assert_eq two "$(strip_fleche b.err)"
    assert_file_content out/data $'payload x\n'
    assert_eq 640 "$(stat -c %a out/data)"
    on_b fl run -v -o out -- ./gen x >/dev/null 2>b2.err
    assert_file_contains b2.err "fleche: hit "
}

case_server_down() {
    redis_start "$AUX/redis"
    export FLECHE_REMOTE=redis://127.0.0.1:$REDIS_PORT
    redis_stop
    make_counted tool 'echo "out $1"'
    fl run -- ./tool 1 >o1 2>e1
    assert_file_content o1 $'out 1\n'
    assert_eq 1 "$(grep -c 'fleche: warning: remote cache' e1)" "one warning"
    fl run -v -- ./tool 2 >o2 2>e2
    assert_file_content o2 $'out 2\n'
    assert_not_contains "$(cat e2)" "warning"
    assert_file_contains e2 "skipped: it failed recently"
}

case_deleted_blob_is_a_miss_and_repaired() {
    redis_start "$AUX/redis"
    export FLECHE_REMOTE=redis://127.0.0.1:$REDIS_PORT
    make_gen
    fl run -o out -- ./gen y >/dev/null 2>&1
    local blob
    blob=$(sha256sum out/data | cut -c1-64)
    rcli DEL "fleche:cas:$blob" >/dev/null
    rm -rf out
    on_b fl run -v -o out -- ./gen y >/dev/null 2>b.err
    assert_runs gen 2 "a missing blob is a miss"
    assert_file_contains b.err "gone from the remote"
    assert_eq 1 "$(rcli EXISTS "fleche:cas:$blob")" "the upload put it back"
    rm -rf out
    FLECHE_DIR=$AUX/store-c fl run -o out -- ./gen y >/dev/null 2>&1
    assert_runs gen 2 "a third machine hits"
}

case_read_only_and_auth() {
    redis_start "$AUX/redis" --requirepass s3cret
    export FLECHE_REMOTE=redis://127.0.0.1:$REDIS_PORT
    make_gen
    fl run -o out -- ./gen z >/dev/null 2>e1
    assert_file_contains e1 "refused us"
    assert_not_contains "$(cat e1)" "s3cret"
    export FLECHE_REMOTE=redis://:s3cret@127.0.0.1:$REDIS_PORT
    FLECHE_REMOTE_READONLY=1 on_b fl run -o out -- ./gen z >/dev/null 2>&1
    assert_eq 0 "$(rcli -a s3cret --no-auth-warning DBSIZE)" "a read-only run writes nothing"
    on_b fl run -o out -- ./gen w >/dev/null 2>&1
    [[ $(rcli -a s3cret --no-auth-warning DBSIZE) -ge 3 ]] || fail "nothing was uploaded with the password"
    rm -rf out
    FLECHE_REMOTE_READONLY=1 FLECHE_DIR=$AUX/store-c fl run -o out -- ./gen w >/dev/null 2>&1
    assert_runs gen 3 "a read-only reader hits"
    fl config >config.out
    assert_not_contains "$(cat config.out)" "s3cret"
}

run_case a_stores_b_replays case_a_stores_b_replays
run_case server_down case_server_down
run_case deleted_blob case_deleted_blob_is_a_miss_and_repaired
run_case read_only_and_auth case_read_only_and_auth
finish
