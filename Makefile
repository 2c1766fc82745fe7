# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test test-fast lint install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# every extra (probe, firmware, labels, registry): `make run` serves the registry
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[all]'
	$(BIN)/pip check
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/pip check
	touch $@ $(STAMP)

install: $(STAMP)

# The main job: start the label registry on SQLite with the example product assessed,
# applied for, approved and labelled; prints the address to open (Ctrl-C stops it).
run: $(STAMP)
	$(BIN)/jcstar serve --demo

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

# Everything, with branch coverage of src/jcstar printed (files not fully covered, with the
# missing lines) and checked against the floor in pyproject.toml ([tool.coverage.report]).
test: $(TEST_STAMP) lint
	$(BIN)/pytest --cov --cov-report=term-missing:skip-covered $(PYTEST_ARGS)

# Quick feedback while working (lint is `make lint`): leaves out the tests marked slow and
# those that need PostgreSQL, the device lab or Chromium (tests/conftest.py marks those);
# stops at the first failure.
FAST := not slow and not lab and not browser and not postgresql
test-fast: $(TEST_STAMP)
	$(BIN)/pytest -x -m "$(FAST)" $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage
