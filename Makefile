# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test test-fast lint install clean i18n

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

# The main job: start the label registry on SQLite (in this directory) with the example
# product assessed, applied for, approved and labelled, and a demo person to sign in as for
# each kind of organisation; prints the portal's address, the demo accounts and where each
# starts (passwords made on the first run, kept in jcstar-registry-keys/demo-accounts.json).
# A busy port is refused before anything is set up. Ctrl-C stops it.
PORT ?= 8000
run: $(STAMP)
	@$(BIN)/jcstar serve --demo --port $(PORT)

# The portal's Japanese and English catalogs (src/jcstar/registry/web/locale): extract the
# messages the pages use, add new ones to both catalogs and drop unused ones, fill English
# from the message ids; then lists what is left to translate (the tests fail on it too).
WEB := src/jcstar/registry/web
i18n: $(STAMP)
	mkdir -p build
	$(BIN)/pybabel --quiet extract -F $(WEB)/babel.cfg -k N_ --no-location --sort-output -o build/messages.pot $(WEB)
	$(BIN)/pybabel --quiet update -i build/messages.pot -d $(WEB)/locale -D messages --ignore-obsolete --no-fuzzy-matching -w 100
	$(BIN)/python -m jcstar.registry.web.catalogs

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
	$(BIN)/pytest -x -n 2 -m "$(FAST)" $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage
