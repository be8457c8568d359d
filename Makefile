# Two commands set everything up on a fresh machine: `make run` and `make test`.
# Both create and reuse a local .venv; it is reinstalled when pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench demo clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: demo

# Until the HTTP service lands, `make run` shows the engine end to end on the sample network.
demo: install
	mkdir -p var
	$(BIN)/safeplace sample --victims 150 --seed 1 > var/sample.json
	$(BIN)/safeplace solve var/sample.json > var/plan.json
	$(BIN)/python -c "import json; p = json.load(open('var/plan.json')); print(p['status'], p['objective'], len(p['assignments']), 'placed,', len(p['unassigned']), 'not placed')"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

bench: install
	$(BIN)/pytest benchmarks --benchmark-only --benchmark-columns=min,median,max,rounds -p no:cacheprovider

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .benchmarks .hypothesis
