# The few verbs everyone uses; CI (.ci/run) calls the same ones.
#   make run    - the whole app on the embedded SQLite default, http://127.0.0.1:8080
#   make test   - every test: Python (MariaDB, real sockets, nginx, Chromium) and the frontend unit tests
#   make check  - ruff, mypy, tsc and eslint
#   make bench  - the recorded benchmark run (scripts/benchmarks/): Parley against Socket.IO and a naive aiohttp loop
#   make fuzz   - the hostile-input suite at length: over 100,000 generated REST requests and WebSocket frames

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FRONTEND_SOURCES := $(shell find frontend/src frontend/public frontend/plugins -type f 2>/dev/null) frontend/index.html \
	frontend/vite.config.ts frontend/tsconfig.json frontend/package.json

.PHONY: run serve test test-python test-frontend check bench fuzz frontend clean

run: $(VENV)/.installed frontend/dist/index.html
	@mkdir -p var  # the default database's directory: parley creates database files, never directories
	$(VENV)/bin/parley migrate
	$(VENV)/bin/parley serve

serve: $(VENV)/.installed
	@mkdir -p var
	$(VENV)/bin/parley serve --migrate

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Parley needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,dev]"
	@touch $@

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	@touch $@

frontend/dist/index.html: frontend/node_modules/.package-lock.json $(FRONTEND_SOURCES)
	cd frontend && npm run build

frontend: frontend/dist/index.html

test: test-python test-frontend

test-python: $(VENV)/.installed frontend/dist/index.html
	$(PY) -m pytest

test-frontend: frontend/node_modules/.package-lock.json
	cd frontend && npm test

check: $(VENV)/.installed frontend/node_modules/.package-lock.json
	$(PY) -m ruff check backend tests scripts
	$(PY) -m mypy
	cd frontend && npm run lint

# The recorded comparison with Socket.IO and a naive aiohttp loop (docs/benchmarks.md): 15-20 minutes, needs
# MariaDB running, node and npm (it installs scripts/benchmarks/node/'s packages itself). The per-change benches are
# `$(PY) scripts/bench.py idle|fanout|hello|sign|limits`.
bench: $(VENV)/.installed
	$(PY) -m scripts.benchmarks all --out docs/bench

fuzz: $(VENV)/.installed
	$(PY) scripts/fuzz.py --rest 48000 --ws 62000

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist
