#!/usr/bin/env bash
# Install everything the tests need and run them: the README's test command, and CI's.
#   scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
[ -x /usr/lib/postgresql/15/bin/postgres ] || ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need_apt+=(postgresql)
fc-list 2>/dev/null | grep -qi "noto sans cjk" || need_apt+=(fonts-noto-cjk)
command -v pdftoppm >/dev/null 2>&1 || need_apt+=(poppler-utils)  # briefing pages as PNG
[ -x /usr/sbin/nginx ] || need_apt+=(nginx)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "missing Debian packages (run as root to install): ${need_apt[*]}" >&2
  fi
fi

python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore -e '.[test]'

# A throwaway PostgreSQL server on loopback for the query tests.
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -n "${PG_BIN}" ] && [ -z "${WARMTH_TEST_PG_URL:-}" ]; then
  PG_PORT=${WARMTH_TEST_PG_PORT:-54329}
  PG_DIR=$(mktemp -d /tmp/warmth-pg.XXXXXX)
  run_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
  [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
  run_pg "'$PG_BIN/initdb' -D '$PG_DIR/data' -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null"
  run_pg "'$PG_BIN/pg_ctl' -D '$PG_DIR/data' -l '$PG_DIR/log' -w -o \"-c listen_addresses=127.0.0.1 -p $PG_PORT -k /tmp -c fsync=off -c synchronous_commit=off -c full_page_writes=off\" start >/dev/null"
  trap "run_pg \"'$PG_BIN/pg_ctl' -D '$PG_DIR/data' -m fast stop >/dev/null\" || true; rm -rf '$PG_DIR'" EXIT
  export WARMTH_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:${PG_PORT}/postgres"
fi

# every dependency is installed and started above: a skipped test is a failure here
export WARMTH_TEST_NO_SKIP=1
# on WARMTH_TEST_WORKERS processes (default 2), given whole files (tests/parallel_support.py);
# 0 runs in this process alone. A later -n in the arguments wins.
WORKERS=${WARMTH_TEST_WORKERS:-2}
python3 -m pytest -n "$WORKERS" --dist loadfile "$@"
