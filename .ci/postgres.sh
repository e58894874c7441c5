#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite, from Debian's postgresql package (no Docker).
#   .ci/postgres.sh start   installs the package if missing, initdb's a temporary cluster, starts it on a free local port
#                           and prints `export BACKPROP_TEST_POSTGRES=...` (use: eval "$(.ci/postgres.sh start)")
#   .ci/postgres.sh stop    stops that server and removes its folder
# The tests create one database per test on it (tests/Backprop.Api.Tests/Support/TestDatabase.cs).
# Each checkout has its own server: the file naming its folder is keyed by the checkout's path, so checkouts side by
# side (worktrees, CI clones) neither share nor stop each other's servers.
set -euo pipefail
checkout=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
state="${TMPDIR:-/tmp}/backprop-ci-postgres-$(printf '%s' "$checkout" | sha256sum | cut -c1-16).dir"

bin_dir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$d" ] && echo "$d"
}

as_owner() { # initdb and postgres refuse to run as root
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  stop # a server this checkout started before and never stopped
  if ! bin_dir >/dev/null; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >&2
  fi
  local bin dir port
  bin=$(bin_dir)
  dir=$(mktemp -d "${TMPDIR:-/tmp}/backprop-pg.XXXXXX")
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >&2
  # A test server: durability off (fsync), room for many small per-test databases and their pools.
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" >&2
  echo "$dir" > "$state"
  echo "export BACKPROP_TEST_POSTGRES='Host=127.0.0.1;Port=$port;Username=postgres'"
}

stop() {
  [ -f "$state" ] || return 0
  local dir bin
  dir=$(cat "$state")
  bin=$(bin_dir)
  [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >&2 || true
  rm -rf "$dir" "$state"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
