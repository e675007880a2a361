"""Shared fixtures: warehouses built in temporary directories through the CLI,
the way a user builds one (a subprocess per build, no state shared with pytest)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
FOREIGN_EXPORT = Path(
    os.environ.get(
        "SUPPORTWH_FOREIGN_EXPORT", REPO.parent / "shared" / "samples" / "foreign-export"
    )
)


@dataclass
class Built:
    raw_path: Path
    duckdb_path: Path
    stdout: str

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.duckdb_path), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def df(self, sql: str):
        with duckdb.connect(str(self.duckdb_path), read_only=True) as con:
            return con.execute(sql).df()


def supportwh(*args: str, cwd: Path | None = None, check: bool = True, env: dict | None = None):
    """Run the CLI in a subprocess; return the CompletedProcess."""
    full_env = {**os.environ, "DBT_TARGET_PATH": str((cwd or REPO) / "dbt_target"), **(env or {})}
    result = subprocess.run(
        [sys.executable, "-m", "supportwh.cli", *args],
        cwd=cwd or REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"supportwh {' '.join(args)} exited {result.returncode}\n"
            f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}"
        )
    return result


def build(raw_path: Path, workdir: Path, *extra: str, full_refresh: bool = True) -> Built:
    db = workdir / "warehouse.duckdb"
    result = supportwh(
        "build",
        "--raw-path",
        str(raw_path),
        "--duckdb-path",
        str(db),
        *(["--full-refresh"] if full_refresh else []),
        "--unit-tests",
        *extra,
        cwd=workdir,
    )
    return Built(raw_path=raw_path, duckdb_path=db, stdout=result.stdout)


@pytest.fixture(scope="session")
def foreign_export() -> Path:
    if not (FOREIGN_EXPORT / "tickets").is_dir():
        pytest.fail(
            f"the foreign export is missing at {FOREIGN_EXPORT}: it ships in ../shared/samples "
            "next to the repository (or set SUPPORTWH_FOREIGN_EXPORT)"
        )
    return FOREIGN_EXPORT


@pytest.fixture(scope="session")
def foreign_warehouse(foreign_export, tmp_path_factory) -> Built:
    workdir = tmp_path_factory.mktemp("foreign")
    return build(foreign_export, workdir, "--deployed-at", "2026-02-02")


# Small enough to build in seconds, big enough for every scenario and every
# dirty class to appear.
SCENARIO_SIZE = ["--tickets", "8000", "--weeks", "16", "--baseline-weeks", "8"]


@pytest.fixture(scope="session")
def scenario_raw(tmp_path_factory) -> Path:
    raw = tmp_path_factory.mktemp("scenario") / "raw"
    supportwh("generate", "--out", str(raw), *SCENARIO_SIZE, "--scenario", "all")
    return raw


@pytest.fixture(scope="session")
def scenario_warehouse(scenario_raw) -> Built:
    return build(scenario_raw, scenario_raw.parent)


# Big enough that the scenario signals stand clear of survey noise: about 270
# returns_refunds tickets a week.
ALERT_SIZE = ["--tickets", "60000", "--weeks", "20", "--baseline-weeks", "10"]


@pytest.fixture(scope="session")
def alert_warehouses(tmp_path_factory) -> dict[str, Built]:
    """The same seed and size built clean and with every scenario."""
    built = {}
    for scenario in ["clean", "all"]:
        raw = tmp_path_factory.mktemp(f"alerts_{scenario}") / "raw"
        supportwh("generate", "--out", str(raw), *ALERT_SIZE, "--scenario", scenario)
        built[scenario] = build(raw, raw.parent)
    return built


@pytest.fixture(scope="session")
def postgres_server():
    """A private Postgres server (Debian's postgresql, tests/postgres.py) for
    the session, stopped and removed afterwards, also when a test fails."""
    from postgres import PostgresServer

    server = PostgresServer.start()
    try:
        yield server
    finally:
        server.stop()
