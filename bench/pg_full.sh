#!/usr/bin/env bash
# A throwaway PostgreSQL server on 127.0.0.1:54331 loaded with the demo city, so that the
# benchmarks can run on PostgreSQL too (the server is left running; stop it when done).
#
#   bench/pg_full.sh [--scale 1.0] [--port 54331] [--dir /tmp/warmth-pg-bench]
#   export WARMTH_ID_KEY=$(cat /tmp/warmth-pg-bench/idkey)   # unless it was set before
#   python bench/bench_matrix.py postgresql+psycopg://postgres@127.0.0.1:54331/postgres
#   bench/pg_full.sh --stop
#
# A full load (scale 1.0, ~3 M people) takes several minutes of both cores: run it when the
# machine is idle. Settings as scripts/test.sh (Debian's postgresql, trust auth, no fsync).
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE=1.0
PORT=54331
DIR=/tmp/warmth-pg-bench
STOP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --dir) DIR=$2; shift 2 ;;
    --stop) STOP=1; shift ;;
    *) echo "usage: $0 [--scale S] [--port P] [--dir D] [--stop]" >&2; exit 2 ;;
  esac
done

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "${PG_BIN}" ]; then
  echo "Debian's postgresql is not installed (apt-get install postgresql)" >&2
  exit 1
fi
run_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }

if [ "$STOP" = 1 ]; then
  if [ -d "$DIR/data" ]; then
    run_pg "'$PG_BIN/pg_ctl' -D '$DIR/data' -m fast stop" || true
  fi
  rm -rf "$DIR"
  echo "stopped; removed $DIR"
  exit 0
fi

if [ -e "$DIR" ]; then
  echo "$DIR exists: a server from an earlier run? stop it first: $0 --stop --dir $DIR" >&2
  exit 1
fi
mkdir -p "$DIR"
[ "$(id -u)" = 0 ] && chown postgres "$DIR"
run_pg "'$PG_BIN/initdb' -D '$DIR/data' -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null"
# -k: the socket in the data folder, so as not to clash with other servers' /tmp sockets
run_pg "'$PG_BIN/pg_ctl' -D '$DIR/data' -l '$DIR/log' -w -o \"-c listen_addresses=127.0.0.1 -p $PORT -k '$DIR/data' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=1GB -c work_mem=64MB -c maintenance_work_mem=512MB\" start >/dev/null"

URL="postgresql+psycopg://postgres@127.0.0.1:${PORT}/postgres"
# a server database has no key file beside it: without WARMTH_ID_KEY, a new key kept here
if [ -z "${WARMTH_ID_KEY:-}" ]; then
  python3 -m warmth.cli keys new "$DIR/idkey" >/dev/null
  WARMTH_ID_KEY=$(cat "$DIR/idkey")
  export WARMTH_ID_KEY
  echo "ID number key: $DIR/idkey (the benchmarks need it: export WARMTH_ID_KEY=\$(cat $DIR/idkey))"
fi
echo "PostgreSQL on 127.0.0.1:${PORT} (data and log in $DIR); loading the demo at scale ${SCALE}"
started=$(date +%s)
if ! python3 -m warmth.cli demo --scale "$SCALE" --db "$URL"; then
  echo "load failed; the server is still running: $0 --stop --dir $DIR" >&2
  exit 1
fi
echo "loaded in $(( $(date +%s) - started )) s"
echo "database URL: $URL"
echo "stop with: $0 --stop --dir $DIR"
