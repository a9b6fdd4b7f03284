# Unknot: `make run` serves the app, `make test` runs the whole suite.
# Both start from nothing: they create .venv and install the pinned dependencies first, and
# write the development settings file .env once (DEBUG=1 and a random SECRET_KEY; never
# overwritten, git-ignored), so `.venv/bin/python manage.py ...` works pasted as it is.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
SUPERUSER_ARGS ?=

.PHONY: run test test-only install superuser browser node audit lock lint format bench clean vapid icons

# The web server and, beside it, the reminder worker (stopped together with Ctrl-C).
run: $(VENV)/.installed-dev .env
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_library
	$(BIN)/python manage.py vapid_keys
	$(BIN)/python manage.py reminders_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The tests do not read .env (project/settings_test.py); it is written for the commands after.
test: $(VENV)/.installed-dev .env browser node test-only

# The suite alone, without the set-up (pytest's exit code 5, "no tests ran", is a failure).
test-only:
	@$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$rc

# .venv with the pinned development dependencies (and no .env: it runs no manage.py).
install: $(VENV)/.installed-dev

# A staff superuser for /admin/ in one step (asks for the name and password).
superuser: $(VENV)/.installed-dev .env
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createsuperuser $(SUPERUSER_ARGS)

# Development settings, written once and never overwritten: a random key of 67 URL-safe
# characters (Django's deploy check wants 50 or more). Real environment variables win over it.
.env:
	@key=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))') && [ -n "$$key" ] && \
	umask 077 && set -C && \
	printf '%s\n' "# Development settings, written once by make (git-ignored; production has no .env)." \
	  "# Variables set in the environment win over these." "DEBUG=1" "SECRET_KEY=$$key" > $@
	@echo "Wrote $@ (DEBUG=1 and a new SECRET_KEY) for development."

# The message about python3-venv shows only when `python3 -m venv` failed.
$(VENV)/bin/python:
	@echo "$(PYTHON) -m venv $(VENV)"; \
	if ! $(PYTHON) -m venv $(VENV); then \
	  echo "$(PYTHON) -m venv failed: installing Debian's python3-venv"; \
	  $(SUDO) apt-get update && $(SUDO) apt-get install -y python3-venv && $(PYTHON) -m venv $(VENV) \
	    || { rm -rf $(VENV); exit 1; }; \
	fi

$(VENV)/.installed-dev: requirements-dev.lock | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	touch $@

# Browser tests drive Debian's Chromium (Playwright cannot download its own browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium; }

# The quality-gate tools from npm, pinned in .ci/package-lock.json (into .ci/node_modules/):
# axe-core (the accessibility checks in the browser tests) and Lighthouse (`make audit`).
# Node.js comes from Debian if the machine has none (Lighthouse 12 needs Node 18.16 or newer; Debian 12 has 18.20).
node: .ci/node_modules/.installed

.ci/node_modules/.installed: .ci/package.json .ci/package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  echo "Installing Debian's nodejs and npm for axe-core and Lighthouse"; \
	  $(SUDO) apt-get update && $(SUDO) apt-get install -y nodejs npm; }
	npm ci --prefix .ci --no-audit --no-fund --loglevel=error
	touch $@

# Lighthouse (mobile, median of 3 runs) on home, the library, a routine page, the safety check
# and a running player, served by gunicorn with DEBUG=0: fails under accessibility, best
# practices and SEO 100 or performance 95 (.ci/lighthouse.py; reports in test-results/).
audit: $(VENV)/.installed-dev browser node
	$(BIN)/python .ci/lighthouse.py

# Regenerate the lock files after changing pyproject.toml.
lock: $(VENV)/.installed-dev
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements-dev.lock

# ruff, the layering contracts (.importlinter) and the type checker (pyproject: [tool.mypy]).
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Every benchmark into one report, bench/out/report.md (bench/run_all.py; BENCH_ARGS="--only
# load"). locust is no app dependency (it pulls gevent and Flask): it lives in .venv-bench,
# pinned in bench/requirements.lock. BENCH_RESTART_POSTGRES=1 adds the PostgreSQL restart.
BENCH_VENV := .venv-bench
BENCH_ARGS ?=

bench: $(VENV)/.installed-dev $(BENCH_VENV)/.installed
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

$(BENCH_VENV)/.installed: bench/requirements.lock
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet -r bench/requirements.lock
	touch $@

clean:
	rm -rf $(VENV) $(BENCH_VENV) .ci/node_modules staticfiles .test-media

# Development VAPID keys for Web Push: made once in .vapid/ (git-ignored), never overwritten.
vapid: $(VENV)/.installed-dev .env
	$(BIN)/python manage.py vapid_keys

# The app icons in static/img/ (committed) from routines/home/icons/source.png, with Pillow.
icons: $(VENV)/.installed-dev .env
	$(BIN)/python manage.py make_icons
