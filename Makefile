# Nara back office: the commands a newcomer needs. `make help` lists them.
#
# Every target creates .venv (Python 3.11+) and installs the project on first use; later
# runs skip the install until pyproject.toml changes (the stamp file carries its checksum).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

# The worker's sandbox imports the workflow modules afresh for each workflow it runs;
# without their bytecode (an editable install under PYTHONDONTWRITEBYTECODE) each import
# compiles them again. Every target that runs the project compiles first (a no-op when
# the bytecode is fresh).
BYTECODE = @$(BIN)/python -m compileall -q nara

PYTEST_ARGS ?=
DEV_ARGS    ?=

.DEFAULT_GOAL := help
.PHONY: help install run demo test test-fast lint format bench reset browser

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (python3.11 not found)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "$(PYTHON) is older than 3.11; run: make PYTHON=/path/to/python3.11 ..."; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP) ## create .venv and install the project (skipped when up to date)

run: $(STAMP) ## start the whole stack on this machine, play the demo, stay up until Ctrl-C
	$(BYTECODE)
	$(BIN)/nara dev $(DEV_ARGS)

demo: $(STAMP) ## start the stack, play the demo, print the report, stop
	$(BYTECODE)
	$(BIN)/nara dev --exit-after-demo $(DEV_ARGS)

test: $(STAMP) browser ## run the whole test suite (real PostgreSQL and Temporal servers)
	$(BYTECODE)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP) ## the suite without the tests marked slow, e2e or browser
	$(BYTECODE)
	$(BIN)/python -m pytest -m "not slow and not e2e and not browser" $(PYTEST_ARGS)

browser: ## Debian's Chromium for the browser tests (apt, when missing and root)
	@sh tests/browser/install-chromium.sh

lint: $(STAMP) ## ruff (lint + format check) and mypy --strict on all of nara/
	$(BIN)/ruff check nara tests
	$(BIN)/ruff format --check nara tests
	$(BIN)/mypy nara

format: $(STAMP) ## apply ruff's formatting and safe fixes
	$(BIN)/ruff format nara tests
	$(BIN)/ruff check --fix nara tests

bench: $(STAMP) ## run every bench/*.py script (results in bench/results/)
	$(BYTECODE)
	@set -e; found=0; for script in bench/*.py; do \
		[ -e "$$script" ] || continue; case "$${script##*/}" in _*) continue;; esac; found=1; \
		echo "== $$script"; $(BIN)/python "$$script"; \
	done; [ $$found = 1 ] || echo "no benchmarks in bench/ yet"

reset: ## delete var/ (embedded PostgreSQL data, Temporal history, ledgers, logs)
	@printf "This deletes every tender in var/. Type yes to go on: "; read answer; \
		[ "$$answer" = yes ] && rm -rf var && echo "var/ deleted"
