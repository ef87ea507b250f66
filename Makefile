# Hindsight. `make run` starts everything; `make test` runs the suite. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: run test install install-dev migrate demo lint format typecheck ci bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the requirements change.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Through `honcho run` so that a `.env` file (see .env.example) applies to these steps exactly as it
# does to the processes `honcho start` runs: the demo must land in the database the web server uses.
MANAGE := $(BIN)/honcho run $(BIN)/python manage.py

migrate: install
	$(MANAGE) migrate --noinput

demo: migrate
	$(MANAGE) load_demo

## run: install, migrate, load the demo once, start web + Celery worker + beat (Ctrl-C stops all)
# The logins are printed once, here, just before the server starts (load_demo stays quiet about them).
run: migrate
	$(MANAGE) load_demo --no-logins
	@echo
	@echo "  Hindsight is starting on http://$(HOST):$(PORT)/"
	@echo "  Demo logins (password: hindsight-demo): admin (admin), responder, maya, jonas, priya, sam (responders), viewer"
	@echo "  Ctrl-C stops the web server, the worker and beat."
	@echo
	# Links in emails and feeds point at this server unless SITE_URL says otherwise (env or .env).
	SITE_URL="$${SITE_URL:-http://$(HOST):$(PORT)}" HINDSIGHT_HOST=$(HOST) HINDSIGHT_PORT=$(PORT) \
		$(BIN)/honcho -f Procfile.dev start

## test: the whole suite on SQLite with the embedded broker (browser tests skip without Chromium)
test: install-dev
	env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL $(BIN)/python -m pytest -q -p no:cacheprovider -n 2

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: install-dev
	$(BIN)/mypy .

ci:
	bash .ci/run

bench: install-dev
	$(BIN)/python bench/run_all.py

## screenshots: the main pages, from a throw-away demo database, into docs/screenshots/ (needs Chromium)
screenshots: install-dev
	env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL $(BIN)/python tests/browser/screenshots.py

clean:
	rm -rf $(VENV) staticfiles .mypy_cache .ruff_cache .pytest_cache
