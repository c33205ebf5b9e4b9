# The two commands of the README: `make demo` and `make test`. Both set up what they need first.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: setup setup-test system-deps demo test bench

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e .
	touch $@

setup-test: $(VENV)/.installed-test

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

# Debian's chromium (browser tests) and redis-server (distributed-mode tests).
system-deps:
	@command -v chromium >/dev/null && command -v redis-server >/dev/null || \
	  (apt-get update -qq && apt-get install -y -qq chromium redis-server >/dev/null)

demo: setup
	$(BIN)/tocsin demo

test: setup-test system-deps
	$(BIN)/python -m pytest -q -p no:cacheprovider

bench: setup
	$(BIN)/python -m bench
