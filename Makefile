# The two commands of the README:
#   make run    set up (venv + install), generate sample data, build, print where
#   make test   set up, lint (ruff, sqlfluff), run the whole test suite
# Only Python 3.11 and make are assumed; everything else comes from PyPI.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
LINT_RAW := target/lint_raw

.PHONY: setup run test lint lint-sql lint-python pytest clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: setup
	$(BIN)/supportwh run

test: lint pytest

lint: lint-python lint-sql

lint-python: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The dbt templater compiles the models, which read a raw folder: a tiny
# generated one, so linting needs no real data.
lint-sql: setup $(LINT_RAW)/_generation.json
	SUPPORTWH_DUCKDB_PATH=target/lint.duckdb $(BIN)/sqlfluff lint models macros tests/dbt

$(LINT_RAW)/_generation.json: $(STAMP)
	$(BIN)/supportwh generate --out $(LINT_RAW) --tickets 400 --weeks 3 --baseline-weeks 1 >/dev/null

pytest: setup
	$(BIN)/pytest

clean:
	rm -rf target logs data .pytest_cache
