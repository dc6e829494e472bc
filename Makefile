# LinkStar — the two commands of the README:
#   make run    set up everything and run the product (SQLite, in-process workers, demo workspace)
#   make test   install what the tests need and run every quality gate and test
# `.ci/run` calls `make test` with the PostgreSQL, Redis, RabbitMQ and Chromium settings on top.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
PYTEST_WORKERS ?= 2

.PHONY: run test setup setup-test assets lint check-services test-sqlite test-postgres bench clean

run: setup assets
	$(BIN)/linkstar db upgrade
	$(BIN)/linkstar demo load
	$(BIN)/linkstar serve

test: setup-test assets
	bash scripts/install-test-deps
	$(MAKE) --no-print-directory lint test-sqlite test-postgres

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

setup: $(VENV)/.installed

setup-test: $(VENV)/.installed-test

assets: setup
	$(PY) -m linkstar.web.assets

lint:
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

test-sqlite:
	LINKSTAR_TEST_DB=sqlite $(BIN)/pytest -q -n $(PYTEST_WORKERS) -p no:cacheprovider

test-postgres:
	@if [ -n "$$LINKSTAR_TEST_POSTGRES_URL" ]; then \
		echo "== the same suite on PostgreSQL =="; \
		LINKSTAR_TEST_DB=postgres $(BIN)/pytest -q -n $(PYTEST_WORKERS) -p no:cacheprovider; \
	else \
		echo "LINKSTAR_TEST_POSTGRES_URL is not set: PostgreSQL pass skipped"; \
	fi

bench: setup
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache test-artifacts
