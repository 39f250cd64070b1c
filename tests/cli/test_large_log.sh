#!/usr/bin/env bash
# A log larger than 64 MiB is not replayed from memory: its blob is checked in
# a first pass and streamed in a second (see store/blob.cpp). The replay is
# byte for byte, and a damaged blob of that size is a miss, with nothing of it
# on stdout.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

setup_big() {
    # 70 MiB, random so that zstd cannot shrink it below the 64 MiB line.
    head -c $((70 << 20)) /dev/urandom >"$AUX/big.bin"
    make_counted big "cat '$AUX/big.bin'"
    fl run -- ./big >first.out
    cmp "$AUX/big.bin" first.out || fail "the first run's output differs"
}

# largest_blob: the path of the largest file under objects/ (the log).
largest_blob() { find "$FLECHE_DIR/objects" -type f -printf '%s %p\n' | sort -n | tail -n 1 | cut -d' ' -f2-; }

case_replayed_byte_for_byte() {
    setup_big
    capture r fl run -- ./big
    assert_eq 0 "$RC"
    assert_runs big 1 "a hit"
    cmp "$AUX/big.bin" r.out || fail "the replayed log differs from what the command wrote"
    assert_eq "" "$(cat r.err)" "no warning on a hit"
}

case_damaged_blob_is_a_miss() {
    setup_big
    local blob size
    blob=$(largest_blob)
    size=$(stat -c %s "$blob")
    ((size > 64 << 20)) || fail "the log blob is only $size bytes"
    chmod u+w "$blob"
    # One byte in the middle: the zstd frame still decodes, the digest does not match.
    python3 -c '
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2]))
    byte = f.read(1)[0]
    f.seek(int(sys.argv[2]))
    f.write(bytes([byte ^ 0xff]))
' "$blob" $((size / 2))
    capture r fl run -- ./big
    assert_eq 0 "$RC"
    assert_runs big 2 "the command ran again"
    cmp "$AUX/big.bin" r.out || fail "stdout is not exactly the command's output (a damaged replay leaked?)"
    assert_eq 1 "$(grep -c '^fleche: warning: ' r.err)" "one warning: $(cat r.err)"
    # Stored again: the next run is a clean hit.
    capture r2 fl run -- ./big
    assert_runs big 2
    cmp "$AUX/big.bin" r2.out || fail "the repaired entry replays other bytes"
}

# show streams a log: its memory does not grow with the log (it held the
# whole log, twice over, once).
case_show_streams_in_bounded_memory() {
    [[ -x /usr/bin/time ]] || skip "no /usr/bin/time (apt-get install time)"
    make_counted huge 'yes 0123456789abcdef | head -c $((300 << 20))'
    fl run -- ./huge >/dev/null
    local key rss
    key=$(fl digest -- ./huge)
    /usr/bin/time -f %M -o rss.kb "$FLECHE_BIN" show --stdout "$key" | cksum >got.sum
    head -c $((300 << 20)) < <(yes 0123456789abcdef) | cksum >want.sum
    assert_file_eq want.sum got.sum "show --stdout of a 300 MiB log"
    rss=$(tail -n 1 rss.kb)
    # Against the same binary doing nothing: a sanitizer build starts at
    # about 60 MiB, a release build at a few.
    local base
    /usr/bin/time -f %M -o base.kb "$FLECHE_BIN" --version >/dev/null
    base=$(tail -n 1 base.kb)
    ((rss < base + (32 << 10))) || fail "show --stdout of a 300 MiB log took $rss KiB ($base KiB for --version)"
}

run_case replayed_byte_for_byte case_replayed_byte_for_byte
run_case damaged_blob_is_a_miss case_damaged_blob_is_a_miss
run_case show_streams_in_bounded_memory case_show_streams_in_bounded_memory
finish
