# shellcheck shell=bash
# A real nginx as a Bazel-layout HTTP cache (WebDAV PUT) for end-to-end
# tests, after lib.sh:
#     source "$(dirname "${BASH_SOURCE[0]}")/lib_nginx.sh"
#     nginx_start "$SCRATCH/nginx"     # once per script, before the cases
#
# nginx_start DIR: starts nginx on a free 127.0.0.1 port with everything
# (config, root, temp files, logs, pid) in DIR, waits until it accepts, and
# stops it by PID when the script exits. Exports NGINX_PORT, NGINX_ROOT (what
# is PUT to /L/x is NGINX_ROOT/L/x) and NGINX_ACCESS_LOG, whose lines are
# "METHOD URI STATUS CONNECTION". Locations:
#   /cache/   PUT and DELETE, bodies up to 1 GiB
#   /small/   the same, bodies up to 1 KiB (413 above)
#   /auth/    anonymous GET and HEAD; PUT with basic auth alice:s3cret
#   /bearer/  everything needs "Authorization: Bearer test-token"
# A missing nginx fails the script (scripts/setup.sh installs it).
# nginx_stop: stops it now. nginx_settle: waits until the log holds every answered request.

nginx_start() {
    local dir=$1
    command -v nginx >/dev/null || { echo "nginx is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
    mkdir -p "$dir/root" "$dir/tmp" "$dir/logs"
    dir=$(cd "$dir" && pwd -P)
    NGINX_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    export NGINX_PORT NGINX_ROOT=$dir/root NGINX_ACCESS_LOG=$dir/logs/access.log NGINX_DIR=$dir
    printf 'alice:%s\n' "$(openssl passwd -apr1 s3cret)" >"$dir/htpasswd"
    local dav='dav_methods PUT DELETE; create_full_put_path on;'
    {
        # As root without a user directive the workers run as nobody and
        # cannot write the root.
        [[ $(id -u) -eq 0 ]] && echo 'user root;'
        echo "worker_processes 1; pid $dir/nginx.pid; error_log $dir/logs/error.log;"
        echo 'events { worker_connections 256; }'
        echo 'http {'
        echo "  log_format fleche '\$request_method \$uri \$status \$connection';"
        echo "  access_log $dir/logs/access.log fleche;"
        local temp
        for temp in client_body proxy fastcgi uwsgi scgi; do
            echo "  ${temp}_temp_path $dir/tmp/$temp;"
        done
        echo "  root $dir/root;"
        echo "  server {"
        echo "    listen 127.0.0.1:$NGINX_PORT;"
        echo "    location /cache/ { $dav client_max_body_size 1g; }"
        echo "    location /small/ { $dav client_max_body_size 1k; }"
        echo "    location /auth/ { $dav client_max_body_size 1g;"
        echo "      limit_except GET HEAD { auth_basic fleche; auth_basic_user_file $dir/htpasswd; } }"
        echo "    location /bearer/ {"
        echo "      if (\$http_authorization != \"Bearer test-token\") { return 401; }"
        echo "      $dav client_max_body_size 1g; }"
        echo "  }"
        echo '}'
    } >"$dir/nginx.conf"
    nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" ||
        { echo "nginx did not start: $(cat "$dir/logs/error.log")" >&2; exit 1; }
    local previous
    previous=$(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//")
    # shellcheck disable=SC2064
    trap "nginx_stop; ${previous:-:}" EXIT
    local i
    for ((i = 0; i < 1000; i++)); do
        (exec 3<>"/dev/tcp/127.0.0.1/$NGINX_PORT") 2>/dev/null && return 0
        sleep 0.01
    done
    echo "nginx on port $NGINX_PORT never accepted: $(cat "$dir/logs/error.log")" >&2
    exit 1
}

nginx_stop() {
    [[ -n "${NGINX_DIR:-}" && -s "$NGINX_DIR/nginx.pid" ]] || return 0
    local pid
    pid=$(<"$NGINX_DIR/nginx.pid")
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 500; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.01
    done
    kill -KILL "$pid" 2>/dev/null || true
}

# nginx_settle: returns once every request answered so far is in the access
# log (nginx writes a line after its answer): a marker request goes to the one
# worker, and its line comes after theirs.
nginx_settle() {
    local marker=/settle-$RANDOM$RANDOM i
    exec 3<>"/dev/tcp/127.0.0.1/$NGINX_PORT"
    printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$marker" >&3
    cat <&3 >/dev/null
    exec 3<&-
    for ((i = 0; i < 1000; i++)); do
        grep -qF " $marker " "$NGINX_ACCESS_LOG" && return 0
        sleep 0.01
    done
    echo "nginx never logged $marker" >&2
    return 1
}
