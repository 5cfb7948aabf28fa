# SalesFit: `make run` serves the demo, `make test` runs every check. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PO := $(wildcard app/locale/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

.PHONY: run test lint typecheck pytest install install-dev catalogs extract-messages update-catalogs clean help

help:
	@echo "make run      - set up and serve the demo at http://127.0.0.1:8000"
	@echo "make test     - lint, type-check and run the tests (SQLite and PostgreSQL)"
	@echo "make update-catalogs - extract messages and update the ru/en catalogs"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==$$(cat requirements-pip.txt)"

# Reinstalled whenever a lock file changes.
$(VENV)/.installed-runtime: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.lock
	PYTHONWARNINGS=ignore $(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock $(VENV)/.installed-runtime
	$(BIN)/pip install --quiet -r requirements-dev.lock
	touch $@

install: $(VENV)/.installed-runtime
install-dev: $(VENV)/.installed-dev

# Quiet: the English catalog is meant to be nearly empty (an empty msgstr is the English
# text), so its "n of N translated" line would only look like a problem. tests/web/test_i18n.py
# checks that every Russian message is translated.
%.mo: %.po $(VENV)/.installed-runtime
	@$(BIN)/pybabel --quiet compile -D messages -i $< -o $@

catalogs: $(MO)

# The demo's content is Russian unless DEFAULT_LANGUAGE (environment or .env) says otherwise;
# each browser still gets the pages in its own language (README.md, "The demo").
run: install catalogs
	@$(BIN)/salesfit run

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy app

pytest: install-dev catalogs
	$(BIN)/pytest

test: lint typecheck pytest

extract-messages: install-dev
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output -o app/locale/messages.pot .

update-catalogs: extract-messages
	$(BIN)/pybabel update -i app/locale/messages.pot -d app/locale -D messages --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) $(MO)
