#!/usr/bin/env bash
# `make prod`: the production topology (docs/DEPLOY.md) on this machine, on PostgreSQL and Redis.
# uvicorn, WORKERS processes serving HTTP and WebSockets (ASGI) on HOST:PORT; whitenoise serves
# the collected static files. Every setting comes from the environment; the defaults below are for
# trying it locally only (the SECRET_KEY default must never serve real people).
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
echo "Serving Prachum on http://$HOST:$PORT/ with $WORKERS uvicorn workers (Ctrl+C to stop); health: /healthz"
exec "$PYTHON" -m uvicorn config.asgi:application --host "$HOST" --port "$PORT" --workers "$WORKERS" \
    --loop uvloop --http httptools --ws websockets-sansio --lifespan off --no-access-log --proxy-headers
