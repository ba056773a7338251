# Logistics supervision: the two commands are `make run` and `make test` (see README).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test setup setup-dev sysdeps sysdeps-browser messages compile-messages migrate seed static lint format \
        worker beat bench render-reports clean

## make run: install, migrate, load the demo institution and serve it on http://127.0.0.1:8000/
run: setup migrate seed
	@$(PY) manage.py demo_banner --url http://$(HOST):$(PORT)/
	$(PY) manage.py runserver $(HOST):$(PORT)

## make test: the same set-up, then the whole test suite
test: setup-dev
	$(PY) -m pytest $(PYTEST_ARGS)

setup: sysdeps $(VENV)/.runtime-installed compile-messages static
setup-dev: sysdeps $(VENV)/.dev-installed compile-messages

sysdeps:
	@scripts/sysdeps.sh

sysdeps-browser:
	@scripts/sysdeps.sh browser

$(VENV)/.runtime-installed: requirements.txt
	@scripts/ensure-venv.sh
	$(PIP) install -q -r requirements.txt
	@touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt
	@scripts/ensure-venv.sh
	$(PIP) install -q -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime-installed

compile-messages:
	@$(PY) manage.py compilemessages --ignore=.venv -v 0

messages:
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=staticfiles --ignore=media --ignore=docs
	$(PY) manage.py makemessages -d djangojs -l zh_Hans -l en --ignore=.venv --ignore=staticfiles --ignore=static/vendor
	$(PY) tools/i18n.py missing

static:
	@$(PY) manage.py collectstatic --noinput -v 0

migrate:
	$(PY) manage.py migrate --noinput -v 1

seed:
	$(PY) manage.py seed_demo

lint: setup-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Production-style processes (set CELERY_BROKER_URL and DATABASE_URL first)
worker:
	$(VENV)/bin/celery -A logistics worker --loglevel=INFO --pidfile=run/worker.pid

beat:
	$(VENV)/bin/celery -A logistics beat --loglevel=INFO --scheduler django_celery_beat.schedulers:DatabaseScheduler --pidfile=run/beat.pid

## make bench: the performance benchmark on its own PostgreSQL database (dropped and re-created each run)
BENCH_DB ?= logistics_bench
BENCH_ARGS ?=
# production settings (DEBUG off); the key only signs the benchmark's own sessions
BENCH_ENV = DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(BENCH_DB) DJANGO_DEBUG=0 DJANGO_SECRET_KEY=bench-only-$(BENCH_DB)-key
bench: setup
	@scripts/sysdeps.sh bench
	psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $(BENCH_DB)" -c "CREATE DATABASE $(BENCH_DB)"
	$(BENCH_ENV) $(PY) manage.py migrate --noinput -v 0
	$(BENCH_ENV) $(PY) manage.py bench --json bench-last.json $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
