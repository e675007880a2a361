# The two commands of the README:
#   make run    set up (venv + install), generate sample data, build, print where
#   make test   set up, lint (ruff, sqlfluff), run the whole test suite
# Only Python 3.11 and make are assumed; everything else comes from PyPI.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
LINT_RAW := target/lint_raw

.PHONY: setup run test lint lint-sql lint-python pytest chromium postgresql clean bench bench-smoke

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
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

# Browser checks (Data Docs, reports) use Debian's chromium; tools that
# download their own browser do not work offline.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	  else echo "make test needs Debian's chromium: sudo apt-get install -y chromium" >&2; exit 1; fi; }

# The Postgres tests (tests/test_postgres.py) start a private server from
# Debian's postgresql binaries (/usr/lib/postgresql/<ver>/bin) on 127.0.0.1
# and stop it afterwards. The package is told not to create (and start) its
# own "main" cluster.
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq \
	    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-common \
	    && sed -i 's/^#* *create_main_cluster *=.*/create_main_cluster = false/' /etc/postgresql-common/createcluster.conf \
	    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql; \
	  else echo "make test needs Debian's postgresql: sudo apt-get install -y postgresql" >&2; exit 1; fi; }

pytest: setup chromium postgresql
	$(BIN)/pytest

# The performance harness (benchmarks/run.py, not part of the test suite):
# 1M and 10M tickets over 52 weeks + 1 appended week; writes
# benchmarks/results.md. Needs ~25 GiB of disk under data/bench and a quiet
# machine for meaningful times (the load average is recorded either way).
bench: setup
	$(BIN)/python -m benchmarks.run --scales 1000000 10000000 --out data/bench --results benchmarks/results.md

# The same harness at a tiny scale (what tests/test_benchmarks.py runs in CI).
bench-smoke: setup
	$(BIN)/python -m benchmarks.run --scales 3000 --weeks 8 --baseline-weeks 4 --out target/bench-smoke --results target/bench-smoke/results.md

clean:
	rm -rf target logs data .pytest_cache
