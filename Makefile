# paperwire — the two commands a new user needs are `make run` and `make test`.
VENV   ?= .venv
PYTHON ?= python3
BIN     = $(VENV)/bin

.PHONY: install run test faults lint format bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools  # venv seeds an old setuptools (CVE-2024-6345)
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q src  # bytecode for our own sources too: where PYTHONDONTWRITEBYTECODE is set, every command would compile them
	touch $@

install: $(BIN)/.installed

## run: create the venv, initialise the SQLite database in ./var, load the bundled sample, serve on :8000
## (PAPERWIRE_PORT=8001 make run for another port; PAPERWIRE_HOME=... make run for another data folder)
run: export PAPERWIRE_HOME ?= $(CURDIR)/var
run: install
	$(BIN)/paperwire run

## test: the whole suite (PostgreSQL tests run when PAPERWIRE_TEST_POSTGRES_URL is set)
test: install
	$(BIN)/pytest -m 'not faults'

## faults: fault injection (crashes, flaky SMTP, arXiv and database faults, load) and fuzzing; see docs/reliability.md
faults: install
	$(BIN)/pytest -m faults tests/faults tests/fuzz

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

bench: install
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
