# Every target bootstraps what it needs: uv (installed with pip when missing) and the workspace env.
SHELL := /bin/bash
PYTHON ?= python3
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON ?= $(shell command -v $(PYTHON))
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)

MELTANO_VERSION := 4.4.1
MELTANO := .tools/meltano/bin/meltano

.PHONY: help bootstrap meltano demo test lint bench sandbox

help:
	@echo "make demo     - sandbox + meltano run tap-instagram target-duckdb + a report (run it twice)"
	@echo "make test     - lint, type-check and run every test suite (PostgreSQL end to end included)"
	@echo "make lint     - ruff and mypy only"
	@echo "make bench    - sandbox throughput benchmark (results in bench/results/)"
	@echo "make sandbox  - serve the demo scenario on 127.0.0.1:8765"

$(UV):
	$(PYTHON) -m pip install --user --quiet "uv==0.13.9" || $(PYTHON) -m pip install --quiet --break-system-packages --user "uv==0.13.9"

bootstrap: $(UV)
	$(UV) sync --all-packages --all-extras --frozen

# Meltano lives in its own environment (pinned); `meltano install` sets up every plugin of meltano.yml.
$(MELTANO): | $(UV)
	$(UV) venv --quiet .tools/meltano
	$(UV) pip install --quiet --python .tools/meltano/bin/python "meltano==$(MELTANO_VERSION)"

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

bench: bootstrap
	$(UV) run python bench/sandbox_throughput.py

sandbox: bootstrap
	$(UV) run instagram-sandbox serve --scenario demo --port 8765
