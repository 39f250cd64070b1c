# shellcheck shell=bash
# A real redis-server for end-to-end cases, after lib.sh:
#     source "$(dirname "${BASH_SOURCE[0]}")/lib_redis.sh"
#     case_x() { redis_start "$AUX/redis"; ... "redis://127.0.0.1:$REDIS_PORT" ...; }
#
# redis_start DIR [EXTRA ARGS...]: starts redis-server on a free 127.0.0.1
# port with its pid file, log and working directory in DIR, waits until it
# answers PING, exports REDIS_PORT and REDIS_PIDFILE, and stops it by PID
# when the case's subshell exits. A missing redis-server fails the case
# (scripts/setup.sh installs it).
# redis_stop: kills it by PID now and waits until it is gone (a case may
# redis_start again, e.g. to restart it on the same port with REDIS_PORT set).

redis_start() {
    local dir=$1
    shift
    command -v redis-server >/dev/null || fail "redis-server is not installed (scripts/setup.sh installs it)"
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd -P)
    if [[ -z "${REDIS_PORT:-}" ]]; then
        REDIS_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    fi
    export REDIS_PORT REDIS_PIDFILE=$dir/redis.pid
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
        --pidfile "$REDIS_PIDFILE" --logfile "$dir/redis.log" --dir "$dir" "$@" ||
        fail "redis-server did not start (see $dir/redis.log)"
    # Stop it whatever way the case ends; keep any EXIT trap already set.
    local previous
    previous=$(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//")
    if [[ "$previous" != *redis_stop* ]]; then
        # shellcheck disable=SC2064
        trap "redis_stop; ${previous:-:}" EXIT
    fi
    local i reply
    for ((i = 0; i < 2000; i++)); do
        reply=$(redis-cli -p "$REDIS_PORT" PING 2>/dev/null || true)
        # PONG, or NOAUTH when --requirepass is given: it listens.
        if [[ "$reply" == PONG || "$reply" == NOAUTH* ]]; then
            return 0
        fi
        sleep 0.01
    done
    fail "redis-server on port $REDIS_PORT never answered PING (see $dir/redis.log)"
}

redis_stop() {
    [[ -n "${REDIS_PIDFILE:-}" && -s "$REDIS_PIDFILE" ]] || return 0
    local pid
    pid=$(<"$REDIS_PIDFILE")
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$REDIS_PIDFILE"
    # Daemonized, it is not our child: wait until the port refuses
    # connections (its threads may hold the socket after it is a zombie).
    local i
    for ((i = 0; i < 1000; i++)); do
        (exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT") 2>/dev/null || return 0
        sleep 0.01
    done
}
