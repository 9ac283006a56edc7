# Two entry points for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Plain install: what a user gets from `pip install serialint`.
$(VENV)/.installed-base: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# Everything the test suite needs: dev tools, TensorFlow CPU (runtime extra) and pygls.
# tf-keras (Keras 2) lets the reality tests measure legacy Keras too.  It is installed without
# its dependencies: it requires the `tensorflow` distribution, which would add a second, full
# TensorFlow beside tensorflow-cpu, while all it imports is the `tensorflow` module that
# tensorflow-cpu already provides.  Its version must match TensorFlow's.
TF_KERAS := tf-keras==2.21.0
$(VENV)/.installed-dev: pyproject.toml Makefile | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,runtime,lsp]'
	$(BIN)/python -m pip install --quiet --no-deps '$(TF_KERAS)'
	touch $@ $(VENV)/.installed-base

demo: $(VENV)/.installed-base
	@echo "$$ serialint check examples/"
	@$(BIN)/serialint check examples/; rc=$$?; \
	if [ $$rc -eq 1 ]; then echo; echo "(exit 1: serialint found the hazards planted in examples/ -- that is the demo)"; \
	elif [ $$rc -ne 0 ]; then exit $$rc; fi

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

docs: $(VENV)/.installed-base
	$(BIN)/python -m serialint.docs docs/rules

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache .mypy_cache
