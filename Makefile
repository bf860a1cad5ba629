# Every target bootstraps what it needs into this checkout: uv (in .tools/uv), the workspace env
# (.venv, from uv.lock) and Meltano (.tools/meltano). Nothing is looked up by bare name on PATH.
SHELL := /bin/bash
PYTHON ?= python3
# The interpreter itself, not a shim (pyenv and the like): uv then keeps .venv instead of re-creating it.
PYTHON_EXE := $(shell $(PYTHON) -c 'import sys; print(sys.executable)')
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON_EXE)
UV_VERSION := 0.13.9
UV := .tools/uv/bin/uv

MELTANO_VERSION := 4.4.1
MELTANO := .tools/meltano/bin/meltano

.PHONY: help bootstrap meltano demo test lint bench sandbox paths dist

help:
	@echo "make demo     - sandbox + meltano run tap-instagram target-jsonl + DuckDB + a report (run it twice)"
	@echo "make test     - lint, type-check and run every test suite (PostgreSQL end to end included)"
	@echo "make lint     - ruff and mypy only"
	@echo "make bench    - benchmarks: sandbox throughput, big accounts, BATCH messages, 200 MB upload, webhooks, 200 accounts (bench/results/)"
	@echo "make sandbox  - serve the demo scenario on 127.0.0.1:8765"
	@echo "make dist     - sdists and wheels of every package in dist/ (version: the newest vX.Y.Z tag)"

$(UV):
	$(PYTHON_EXE) -m venv .tools/uv
	.tools/uv/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

bootstrap: $(UV)
	$(UV) sync --all-packages --all-extras --frozen

# Meltano lives in its own environment (pinned, with psycopg for a PostgreSQL system database that
# holds state shared by several workers); `meltano install` sets up every plugin of meltano.yml.
$(MELTANO): | $(UV)
	$(UV) venv --quiet .tools/meltano
	$(UV) pip install --quiet --python .tools/meltano/bin/python "meltano[postgres]==$(MELTANO_VERSION)"

meltano: bootstrap $(MELTANO)
	$(MELTANO) install

demo: meltano
	$(UV) run python scripts/demo.py $(MELTANO)

lint: bootstrap
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy

test: lint meltano
	$(UV) run pytest

dist: $(UV)
	rm -rf dist
	$(UV) build --all-packages --out-dir dist

bench: meltano
	$(UV) run python bench/sandbox_throughput.py
	$(UV) run python bench/tap_large.py || true  # a goal not met is reported, not a failed make
	$(UV) run python bench/batch_messages.py
	$(UV) run python bench/upload_memory.py
	$(UV) run python bench/webhooks.py
	$(UV) run python bench/agency.py

sandbox: bootstrap
	$(UV) run instagram-sandbox serve --scenario demo --port 8765

# Where make keeps its tools, for scripts and for the README's commands.
paths:
	@echo "uv=$(UV) python=$(PYTHON_EXE) meltano=$(MELTANO) venv=.venv"
