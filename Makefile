# The two commands of the README: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run deploy test test-slow lint format bench bench-edge load backup restore

# The worker (publication events, docs/architecture.md) runs beside the web server and stops
# with it; without REDIS_URL its broker is a folder of files under var/.
run: $(VENV)/.runtime-installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@mkdir -p var/broker var/broker-control
	$(BIN)/celery -A briefs_site worker --beat --concurrency 1 --loglevel warning \
		--without-mingle --without-gossip & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# The production layout on loopback: Varnish on :6081, two app servers (docs/deploy.md).
deploy: $(VENV)/.runtime-installed
	$(BIN)/python -m deploy

# The import contracts first (pyproject.toml, docs/architecture.md): a second, not a test run.
test: $(VENV)/.dev-installed node_modules/.installed
	$(BIN)/lint-imports
	$(BIN)/pytest -m "not slow"

# The tests that start real processes (a browser, a worker, a subprocess measuring memory):
# about two minutes more; .ci/run runs them after `make test`.
test-slow: $(VENV)/.dev-installed node_modules/.installed
	$(BIN)/pytest -m slow

# Throughput of the reading site's pages on the generated archive (bench/README.md). Not part of
# `make test`: it needs the briefs_bench database and takes about three minutes.
bench: $(VENV)/.runtime-installed
	$(BIN)/python bench/pages.py

# The same archive behind Varnish (bench/README.md): its own Redis, two app servers, Varnish and
# the worker on loopback, against the bare-Django floor; about four minutes.
bench-edge: $(VENV)/.runtime-installed
	$(BIN)/python bench/edge.py

# 200 readers and two editors for 60 s against gunicorn and PostgreSQL (bench/README.md). Not
# part of `make test`: it needs PostgreSQL on 127.0.0.1 and makes its own briefs_load database.
load: $(VENV)/.runtime-installed
	$(BIN)/python bench/load.py

# The database and the uploaded files in one archive, backups/briefs-YYYYMMDD-HHMMSS.tar.gz.
backup: $(VENV)/.runtime-installed
	$(BIN)/python manage.py backup_site --output backups

# Put an archive back: make restore ARCHIVE=backups/briefs-....tar.gz. A site that already has
# content is replaced only with REPLACE=1.
restore: $(VENV)/.runtime-installed
	@test -n "$(ARCHIVE)" || { echo "Usage: make restore ARCHIVE=backups/briefs-....tar.gz [REPLACE=1]"; exit 2; }
	$(BIN)/python manage.py restore_site "$(ARCHIVE)" $(if $(filter 1,$(REPLACE)),--replace)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev-installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
		echo "Could not create a virtual environment with $(PYTHON)."; \
		echo "On Debian or Ubuntu: apt-get install python3.11-venv"; exit 1; }

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

# axe-core for the browser tests (tests/browser), from package.json. Without npm nothing is
# installed and those tests skip, saying why (with CI=true they fail instead).
node_modules/.installed: package.json $(wildcard package-lock.json)
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "npm not found: the accessibility tests in tests/browser will be skipped."; \
	elif [ -f package-lock.json ]; then \
		npm ci --no-audit --no-fund && touch $@; \
	else \
		npm install --no-audit --no-fund && touch $@; \
	fi
