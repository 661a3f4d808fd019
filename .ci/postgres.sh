#!/usr/bin/env bash
# A private PostgreSQL 15 + pgvector cluster for the tests: `start` prints DATABASE_URL; `standby` starts
# a streaming hot standby of it (pg_basebackup -R, another private port) and prints its URL, for
# DATABASE_READ_URLS; `stop` ends both.
# Installs what is missing from Debian's packages; pgvector is built from Debian trixie's source
# package against the installed PostgreSQL 15 (bookworm ships no pgvector for it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
state="$here/.cache"
pgbin=/usr/lib/postgresql/15/bin
data="$state/pgdata"
standby="$state/pgstandby"
mkdir -p "$state"

install_server() {
  if [ ! -x "$pgbin/postgres" ] || [ ! -f /usr/include/postgresql/15/server/postgres.h ]; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 postgresql-server-dev-15 >/dev/null
  fi
}

install_pgvector() {
  [ -f /usr/share/postgresql/15/extension/vector.control ] && return 0
  local src="$state/pgvector-src" apt="$state/apt"
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$src"
  local mirror
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  echo "deb-src ${mirror:-http://deb.debian.org/debian} trixie main" > "$apt/sources.list"
  local o=(-o "Dir::Etc::sourcelist=$apt/sources.list" -o Dir::Etc::sourceparts=/dev/null -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache")
  apt-get "${o[@]}" update -qq >/dev/null 2>&1
  (cd "$src" && apt-get "${o[@]}" source --download-only pgvector >/dev/null 2>&1 && dpkg-source -x --no-check ./*.dsc build >/dev/null)
  local pgc=/usr/lib/postgresql/15/bin/pg_config
  [ -x "$pgc" ] || pgc=/usr/bin/pg_config
  make -s -C "$src/build" PG_CONFIG="$pgc" >/dev/null
  make -s -C "$src/build" PG_CONFIG="$pgc" install >/dev/null
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

case "${1:-}" in
  start)
    install_server
    install_pgvector
    rm -rf "$data" && mkdir -p "$data" && chown postgres "$data" "$state"
    su postgres -c "$pgbin/initdb -D '$data' -U postgres --auth=trust -E UTF8 >/dev/null"
    port=$(free_port)
    su postgres -c "$pgbin/pg_ctl -D '$data' -l '$state/postgres.log' -o '-p $port -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off' -w start >/dev/null"
    echo "$port" > "$state/port"
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  standby)
    [ -f "$state/port" ] || { echo "no primary here: run '$0 start' first" >&2; exit 1; }
    primary=$(cat "$state/port")
    [ -d "$standby" ] && su postgres -c "$pgbin/pg_ctl -D '$standby' -m immediate stop >/dev/null 2>&1" || true
    rm -rf "$standby" && mkdir -p "$standby" && chown postgres "$standby" && chmod 700 "$standby"
    # initdb --auth=trust lets 127.0.0.1 replicate; -R writes primary_conninfo and standby.signal
    su postgres -c "$pgbin/pg_basebackup -h 127.0.0.1 -p $primary -U postgres -D '$standby' -R -X stream -c fast"
    port=$(free_port)
    # hot_standby_feedback: replay never cancels a search's read for removing rows it still sees
    su postgres -c "$pgbin/pg_ctl -D '$standby' -l '$state/standby.log' -o '-p $port -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c hot_standby=on -c hot_standby_feedback=on' -w start >/dev/null"
    echo "$port" > "$state/standby-port"
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    [ -d "$standby" ] && su postgres -c "$pgbin/pg_ctl -D '$standby' -m fast stop >/dev/null" || true
    [ -d "$data" ] && su postgres -c "$pgbin/pg_ctl -D '$data' -m fast stop >/dev/null" || true
    ;;
  *) echo "usage: $0 start|standby|stop" >&2; exit 64 ;;
esac
