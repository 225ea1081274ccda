# Patriot: `make run` serves the demo on SQLite at http://127.0.0.1:8000 (`make run PORT=8001` for another port); `make test` checks types (mypy) and runs
# every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PORT ?= 8000
# The address in the links that emails and SMS carry (the private link): the port served, unless set in the environment.
PATRIOT_SITE_URL ?= http://127.0.0.1:$(PORT)
export PATRIOT_TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/patriot
export PATRIOT_TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# The demo's published secrets (never for a real deployment): demo accounts, the phone system's hook.
DEMO := PATRIOT_DEMO=1 PATRIOT_CALLCENTRE_HOOK_SECRET=demo-hook-1500444

.PHONY: run test test-sqlite test-postgres bench lint clean

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

run: $(INSTALLED)
	$(DEMO) $(BIN)/patriot migrate --noinput
	$(DEMO) $(BIN)/patriot seed --demo
	$(DEMO) $(BIN)/patriot collectstatic --noinput --verbosity 0
	$(DEMO) PATRIOT_SECURE_COOKIES=0 PATRIOT_INPROCESS_WORKER=1 PATRIOT_SITE_URL=$(PATRIOT_SITE_URL) \
		$(BIN)/uvicorn patriot.asgi:application --host 127.0.0.1 --port $(PORT) --lifespan off --no-proxy-headers --no-access-log \
			--timeout-graceful-shutdown 8

test: $(INSTALLED)
	$(BIN)/ruff check patriot tests bench
	$(BIN)/ruff format --check patriot tests bench
	$(BIN)/mypy
	$(BIN)/python -m tests.run_all

test-sqlite: $(INSTALLED)
	$(BIN)/pytest

test-postgres: $(INSTALLED)
	PATRIOT_DATABASE_URL=$(PATRIOT_TEST_POSTGRES_URL) $(BIN)/pytest

bench: $(INSTALLED)
	$(BIN)/python -m bench.run

lint: $(INSTALLED)
	$(BIN)/ruff check patriot tests bench

clean:
	rm -rf $(VENV) var/static .pytest_cache
