PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: run test lint bench clean install-check coverage

# The venv keeps the pip its Python ships (23.x on Debian 12): the project must install with it.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(DEVSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@ $(STAMP)

run: $(STAMP)
	$(BIN)/newsbot run

lint: $(DEVSTAMP)
	$(BIN)/ruff check bot cogs tests bench
	$(BIN)/ruff format --check bot cogs tests bench
	$(BIN)/mypy bot cogs

test: lint
	$(BIN)/python -m pytest -q

bench: $(DEVSTAMP)
	$(BIN)/python bench/extraction.py

# Line coverage across the test process and the bot and CLI processes the tests start, per module.
coverage: $(DEVSTAMP)
	rm -f .coverage .coverage.*
	status=0; $(BIN)/python -m coverage run -m pytest -q -p no:cacheprovider || status=$$?; \
	$(BIN)/python -m coverage combine -q && $(BIN)/python -m coverage report; \
	exit $$status

# A fresh venv with the machine's own pip installs the project (no pip upgrade first).
install-check:
	rm -rf .install-check
	$(PYTHON) -m venv .install-check
	.install-check/bin/pip --version
	.install-check/bin/pip install -q .
	.install-check/bin/newsbot --version
	rm -rf .install-check

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
