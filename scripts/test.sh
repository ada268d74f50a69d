#!/usr/bin/env bash
# Set everything up and run the whole test suite: on SQLite always, and again on PostgreSQL when
# TEST_DATABASE_URL is set or a server answers on 127.0.0.1:5432 (database "test").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh requirements-dev.txt

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# The browser tests drive Debian's Chromium; never a downloaded browser.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
fi

pg_url="${TEST_DATABASE_URL:-}"
if [ -z "$pg_url" ] && .venv/bin/python - <<'PY' 2>/dev/null
import psycopg
psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", connect_timeout=3).close()
PY
then
  pg_url="postgresql://postgres@127.0.0.1:5432/test"
fi

echo "== test suite on SQLite"
env -u TEST_DATABASE_URL .venv/bin/python -m pytest "$@"
if [ -n "$pg_url" ]; then
  echo "== test suite on PostgreSQL ($pg_url)"
  TEST_DATABASE_URL="$pg_url" .venv/bin/python -m pytest "$@"
fi
