# Two commands set everything up on a fresh machine: `make run` and `make test`.
# Both create and reuse a local .venv; it is reinstalled when pyproject.toml changes.
# uv installs the project and its dependencies: the same releases pip picks, in seconds instead
# of most of a minute, which counts in every CI run.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench demo clean browser

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The service on http://127.0.0.1:8000 with the embedded SQLite database under ./var/.
run: install
	SAFEPLACE_SEED_SAMPLE_NETWORK=$${SAFEPLACE_SEED_SAMPLE_NETWORK:-true} $(BIN)/safeplace serve --host 127.0.0.1 --port 8000

# The engine end to end on the command line: sample network, plan, a summary.
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

# Debian's Chromium for the end-to-end tests of the web interface (no browser download at test time).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	  else \
	    echo "note: /usr/bin/chromium is missing; the browser tests will be skipped (install Debian's chromium)"; \
	  fi; \
	fi

# The tests in two processes (pytest-xdist), one test file at a time each: a file's module-scoped
# fixtures (Chromium, the browser tests' server, which those tests share in order) stay in one
# process. Files go out in the order they are collected, not those with the most tests first:
# that order left the files of one or two long tests (50 desks over HTTP, 1.5 min) to the end,
# with the other process idle. TEST_WORKERS=0 runs them in this process alone.
TEST_WORKERS ?= 2

test: lint browser
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

bench: install
	$(BIN)/pytest benchmarks --timeout=0 --benchmark-only --benchmark-columns=min,median,max,rounds -p no:cacheprovider

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .benchmarks .hypothesis
