#!/usr/bin/env bash
# `make prod`: the production topology (docs/DEPLOY.md) on this machine, on PostgreSQL and Redis.
# nginx on HOST:PORT in front of two uvicorn servers (ASGI): WORKERS processes for HTTP (pages, the
# check-in API; whitenoise serves the collected static files) and one process for the dashboards'
# WebSockets (/ws/), so a War Room full of screens never slows the door. Every setting comes from
# the environment; the defaults below are for trying it locally only (the SECRET_KEY default must
# never serve real people).
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBUG=0
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/prachum}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export SECRET_KEY="${SECRET_KEY:-prachum-local-production-trial-key-not-secret}"
# Not secret either (base64 of "prachum-local-trial-national-id!"): give real keys for real people.
export NATIONAL_ID_KEYS="${NATIONAL_ID_KEYS:-cHJhY2h1bS1sb2NhbC10cmlhbC1uYXRpb25hbC1pZCE=}"
export NATIONAL_ID_HASH_KEY="${NATIONAL_ID_HASH_KEY:-prachum-local-trial-national-id-hash-key-not-secret}"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"
export DATABASE_POOL_SIZE="${DATABASE_POOL_SIZE:-4}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
export SITE_URL="${SITE_URL:-http://$HOST:$PORT}"
WORKERS="${WORKERS:-$(( $(nproc) ))}"
PYTHON="${PYTHON:-.venv/bin/python}"

# The database itself, once (psql takes the same URL; the maintenance database is "postgres").
name="${DATABASE_URL##*/}"; name="${name%%\?*}"
if ! psql "${DATABASE_URL%/*}/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
    echo "Creating PostgreSQL database $name"
    psql "${DATABASE_URL%/*}/postgres" -qc "CREATE DATABASE \"$name\""
fi
"$PYTHON" manage.py migrate --noinput
"$PYTHON" manage.py collectstatic --noinput --verbosity 0

HTTP_PORT="${HTTP_PORT:-$((PORT + 1))}"
WS_PORT="${WS_PORT:-$((PORT + 2))}"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/prachum-prod-XXXXXX")"
chmod 755 "$RUN_DIR"  # nginx's workers drop root and buffer request bodies under it
sed -e "s|\${PREFIX}|$RUN_DIR|g" -e "s|\${LISTEN}|$HOST:$PORT|g" \
    -e "s|\${HTTP_UPSTREAM}|127.0.0.1:$HTTP_PORT|g" -e "s|\${WS_UPSTREAM}|127.0.0.1:$WS_PORT|g" \
    deploy/nginx-split.conf.template > "$RUN_DIR/nginx.conf"

uvicorn() {
    "$PYTHON" -m uvicorn config.asgi:application --host 127.0.0.1 --loop uvloop --http httptools \
        --ws websockets-sansio --lifespan off --no-access-log --proxy-headers "$@"
}
pids=()
stop() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$RUN_DIR"; }
trap stop EXIT INT TERM
uvicorn --port "$HTTP_PORT" --workers "$WORKERS" & pids+=($!)
uvicorn --port "$WS_PORT" & pids+=($!)
# Background jobs (whole-session PDFs, e-mail, LINE, reminders): JOB_WORKERS processes sharing the queue.
for _ in $(seq "${JOB_WORKERS:-1}"); do "$PYTHON" manage.py worker --verbosity 0 & pids+=($!); done
"$NGINX" -p "$RUN_DIR" -c "$RUN_DIR/nginx.conf" -g "daemon off;" & pids+=($!)
echo "Serving Prachum on http://$HOST:$PORT/ (Ctrl+C to stop): nginx, $WORKERS uvicorn workers for HTTP on :$HTTP_PORT,"
echo "one uvicorn process for /ws/ on :$WS_PORT, ${JOB_WORKERS:-1} background worker(s); health: /healthz"
wait -n "${pids[@]}"
