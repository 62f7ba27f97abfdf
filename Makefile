# Two quick-start commands: `make run` and `make test`. Both create .venv and install what they need.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast lint typecheck unit bench snapshots-update taxonomy-model clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/pmtui

lint: $(STAMP)
	$(BIN)/ruff check pmtui tests
	$(BIN)/ruff format --check pmtui tests
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile

test: lint typecheck unit

# The inner loop: unit tests only (no subprocesses, pseudo-terminals or TUI pilots), under a minute.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q -m "not slow"

bench: $(STAMP)
	@for f in tests/bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

# Rebuild data/taxonomy_fallback.tsv (the taxonomy's learned fallback) from the hand labels.
taxonomy-model: $(STAMP)
	$(BIN)/python -m tests.taxonomy.build_fallback_model

snapshots-update: $(STAMP)
	$(BIN)/python -m pytest tests/tui --snapshot-update

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
