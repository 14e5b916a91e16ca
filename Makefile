# Two entry points for a fresh clone: `make run` (the main job) and `make test` (the suite).
# Everything installs into .venv from PyPI; nothing needs installing by hand.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.labtax-installed

export LITELLM_LOCAL_MODEL_COST_MAP := True

.PHONY: setup run test lint bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# Validate the taxonomy, find changed leaves, generate their data, show the data diff, the
# student's scores and the gap map, and export the training mix (tools/main-job.sh).
run: setup
	PATH="$(abspath $(BIN)):$$PATH" bash tools/main-job.sh

test: setup
	$(BIN)/ruff check tools tests bench
	$(BIN)/mypy
	$(BIN)/pytest -n 2 -q

lint: setup
	$(BIN)/ruff check tools tests bench
	$(BIN)/ruff format --check tools tests bench
	$(BIN)/mypy
