# Gigsy: `make run` starts everything locally, `make test` runs every check.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PORT ?= 8000
MONGO_PORT ?= 27017
VENV := .venv
PY := $(VENV)/bin/python
MONGO_VENV := var/mongo-venv
TS_CLIENT := clients/typescript
PYTEST_ARGS ?=
# Processes `make run` starts; the MongoDB stand-in only when no MONGODB_URL is given.
PROCESSES := web relay consumers worker beat $(if $(MONGODB_URL),,mongo)

.PHONY: help install mongo-standin ts-install services run test lint ts-client ts-check bench clean

help:
	@echo "make run    install what is missing, migrate, seed demo data, start every process"
	@echo "make test   install what is missing, check services, ruff, import-linter, mypy, the"
	@echo "            TypeScript client (types current, journey compiles), pytest"
	@echo "make ts-client  regenerate clients/typescript/src/schema.d.ts from the API schema"
	@echo "make bench  benchmarks (bench/*.py) under the production server layout"

# --- installation (re-runs only when a requirements file changes) -----------------------------
$(VENV)/.installed: requirements/base.txt requirements/dev.txt
	@test -x $(PY) || $$(scripts/find_python.sh 3.11) -m venv $(VENV)
	@echo "installing Python dependencies into $(VENV) ..."
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt 2>&1 \
		| grep -v "^WARNING: Location" || true
	@$(PY) -c "import django, rest_framework, channels, celery, nats" \
		|| { echo "dependency installation failed"; exit 1; }
	@touch $@

$(MONGO_VENV)/.installed: requirements/mongo-standin.txt
	@test -x $(MONGO_VENV)/bin/python || $$(scripts/find_python.sh 3.13) -m venv $(MONGO_VENV)
	@echo "installing the MongoDB stand-in into $(MONGO_VENV) ..."
	@$(MONGO_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
		-r requirements/mongo-standin.txt 2>&1 | grep -v "^WARNING: Location" || true
	@$(MONGO_VENV)/bin/python -c "import bson, mongoeco.wire.proxy" \
		|| { echo "MongoDB stand-in installation failed"; exit 1; }
	@touch $@

# The TypeScript client's tools (openapi-typescript, openapi-fetch, typescript), pinned by its lockfile.
$(TS_CLIENT)/node_modules/.installed: $(TS_CLIENT)/package.json $(TS_CLIENT)/package-lock.json
	@command -v npm >/dev/null \
		|| { echo "Node.js 18.17+ with npm is needed for the TypeScript client ($(TS_CLIENT))"; exit 1; }
	@echo "installing the TypeScript client's tools into $(TS_CLIENT)/node_modules ..."
	@cd $(TS_CLIENT) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(VENV)/.installed
mongo-standin: $(MONGO_VENV)/.installed
ts-install: $(TS_CLIENT)/node_modules/.installed

services: install
	@$(PY) scripts/ensure_database.py
	@$(PY) manage.py check_services postgres redis nats

# --- run -------------------------------------------------------------------------------------
run: export DJANGO_ENV ?= dev
run: install mongo-standin services
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed
	@echo ""
	@echo "  API docs   http://127.0.0.1:$(PORT)/api/docs/"
	@echo "  Admin      http://127.0.0.1:$(PORT)/admin/"
	@echo "  Readiness  http://127.0.0.1:$(PORT)/readyz"
	@echo "  WebSocket  ws://127.0.0.1:$(PORT)/ws/health/"
	@echo "  Mail       var/mail/*.log (one file per connection; EMAIL_URL=consolemail:// prints instead)"
	@echo ""
	GIGSY_PORT=$(PORT) MONGO_PORT=$(MONGO_PORT) \
		MONGODB_URL=$${MONGODB_URL:-mongodb://127.0.0.1:$(MONGO_PORT)/gigsy} \
		$(VENV)/bin/honcho -f Procfile.dev start $(PROCESSES)

# --- test ------------------------------------------------------------------------------------
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	DJANGO_ENV=test $(VENV)/bin/mypy

# Regenerates the client's types from the schema and fails when the checked-in copy is stale;
# compiles the hand-written src/ (the journey) with tsc --strict.
ts-check: install ts-install
	PY=$(PY) scripts/generate_ts_client.sh --check

ts-client: install ts-install
	PY=$(PY) scripts/generate_ts_client.sh

test: export DJANGO_ENV = test
test: install mongo-standin services lint ts-check
	$(PY) scripts/with_mongo.py -- $(PY) -m pytest $(PYTEST_ARGS)

bench: install mongo-standin services
	DJANGO_ENV=dev $(PY) manage.py migrate --noinput
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache .import_linter_cache \
		$(TS_CLIENT)/node_modules
