# Prachum: two commands on a fresh machine with Python 3.11 and make.
#   make demo   set up, seed the 25 Nov 2564 session and a rehearsal, and serve them on http://127.0.0.1:8000
#   make test   set up and run the whole suite (SQLite + in-memory channel layer)
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/prachum
REDIS_SERVICE_URL ?= redis://127.0.0.1:6379/0
# Tests run as production does (DEBUG off), with a throw-away key.
TEST_ENV := DEBUG=0 SECRET_KEY=prachum-test-only-secret-key-not-for-production ALLOWED_HOSTS=testserver,localhost,127.0.0.1 SITE_URL=http://testserver \
	NATIONAL_ID_KEYS=cHJhY2h1bS10ZXN0LW9ubHktbmF0aW9uYWwtaWQta3k= NATIONAL_ID_HASH_KEY=prachum-test-only-national-id-hash-key
DEMO_ENV := DEBUG=1
PYTEST_ARGS ?=

.PHONY: lint demo serve worker test test-services screenshots bench bench-deps proxy-deps prod venv system-deps migrate seed messages clean help

help:
	@sed -n '2,3p' Makefile

# The project's tools install from uv.lock (pyproject.toml's dependencies and its test and dev groups):
# uv itself comes from PyPI into the venv, then installs exactly the locked versions.
UV_VERSION := 0.13.9
UV_ENV = UV_PROJECT_ENVIRONMENT=$(1) UV_PYTHON_DOWNLOADS=never UV_PYTHON=$(1)/bin/python
$(STAMP): pyproject.toml uv.lock
	@test -n "$(PYTHON)" || { echo "Python 3.11 is needed (python3.11 or python3 on PATH)."; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else "Prachum needs Python 3.11 or newer; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(call UV_ENV,$(VENV)) $(BIN)/uv sync --quiet --frozen --inexact --group dev
	touch $(STAMP)

venv: $(STAMP)

# Browser tests drive Debian's chromium (never a downloaded browser); PDF checks read pages with poppler.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

migrate: $(STAMP)
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput

seed: migrate
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo --base-url http://$(HOST):$(PORT)

# The background worker (PDFs of whole sessions, e-mail, LINE, reminders) runs beside the server and stops with it.
demo: seed
	@echo "Serving Prachum on http://$(HOST):$(PORT)/ with a background worker  (Ctrl+C to stop both)"
	@$(DEMO_ENV) $(BIN)/python manage.py worker --verbosity 0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(DEMO_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

serve: migrate
	$(DEMO_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

worker: migrate
	$(DEMO_ENV) $(BIN)/python manage.py worker

test: $(STAMP) system-deps
	$(TEST_ENV) $(BIN)/python manage.py makemigrations --check --dry-run >/dev/null || { echo "Models and migrations differ: run makemigrations."; exit 1; }
	$(TEST_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

test-services: $(STAMP) system-deps
	$(TEST_ENV) DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_SERVICE_URL) $(BIN)/python -m pytest $(PYTEST_ARGS)

# The rehearsal's end-to-end browser test, keeping its photographs of each role's main pages (desktop and
# phone) in docs/screenshots/; `make test` runs the same test and writes them to a temporary folder only.
screenshots: $(STAMP) system-deps
	$(TEST_ENV) PRACHUM_SCREENSHOTS=1 $(BIN)/python -m pytest training/tests/test_rehearsal_browser.py

# nginx, the reverse proxy of the production topology (Debian's package).
proxy-deps:
	@if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then \
	  echo "Installing system packages: nginx"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx >/dev/null; \
	fi

# Benchmarks drive the servers with wrk and put nginx in front of the split topology (Debian's packages);
# the check-in and dashboard benchmarks need PostgreSQL and Redis running (BENCH_DATABASE_URL, BENCH_REDIS_URL).
bench-deps: proxy-deps
	@missing=""; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

bench: $(STAMP) bench-deps
	$(TEST_ENV) $(BIN)/python -m bench

# The production topology (docs/DEPLOY.md) on this machine: nginx in front of uvicorn workers for HTTP and
# one uvicorn process for the dashboards' WebSockets, on PostgreSQL + Redis, static files collected. DATABASE_URL, REDIS_URL, SECRET_KEY, WORKERS come from the environment (local defaults
# in deploy/prod.sh, for this target only).
# A production install: the service's own dependencies from uv.lock, no test or dev tools.
PROD_VENV := .venv-prod
$(PROD_VENV)/.installed: pyproject.toml uv.lock
	$(PYTHON) -m venv $(PROD_VENV)
	$(PROD_VENV)/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(call UV_ENV,$(PROD_VENV)) $(PROD_VENV)/bin/uv sync --quiet --frozen --inexact --no-default-groups
	touch $@

prod: $(PROD_VENV)/.installed proxy-deps
	HOST=$(HOST) PORT=$(PORT) PYTHON=$(PROD_VENV)/bin/python ./deploy/prod.sh

# ruff: lint and format (pyproject.toml's [tool.ruff]); .ci/run runs it.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

messages: $(STAMP)
	$(DEMO_ENV) $(BIN)/python manage.py makemessages -l th -l en --no-location --ignore=.venv --ignore=staticfiles
	$(DEMO_ENV) $(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) $(PROD_VENV) staticfiles db.sqlite3 .pytest_cache
