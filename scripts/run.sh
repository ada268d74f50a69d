#!/usr/bin/env bash
# Set everything up and serve the marketplace with demo data on http://127.0.0.1:5000 (gunicorn).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh requirements.txt

export APP_ENV="${APP_ENV:-production}"
if [ -z "${SECRET_KEY:-}" ]; then
  # A key kept in instance/ so sessions survive restarts and are shared by the workers.
  [ -s instance/secret_key ] || (umask 077 && .venv/bin/python -c "import secrets; print(secrets.token_hex(32))" > instance/secret_key)
  chmod 600 instance/secret_key
  SECRET_KEY="$(cat instance/secret_key)"
  export SECRET_KEY
fi

.venv/bin/flask db upgrade
.venv/bin/flask demo load --if-empty
# The search index follows the database from here on (outbox). If the rebuild fails (the engine down, say), the app
# starts anyway: searches use the index as it is, or the database while the engine is unavailable.
.venv/bin/flask search reindex ||
  echo "run.sh: 'flask search reindex' failed (see above); starting anyway. Run it again once the cause is fixed." >&2

# Workers (WEB_CONCURRENCY, default 2), address (BIND) and the rest: marketplace/gunicorn_config.py.
exec .venv/bin/gunicorn --config python:marketplace.gunicorn_config "marketplace:create_app()"
