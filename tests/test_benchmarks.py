"""The performance harness at a tiny scale (what `make bench-smoke` runs), so
it keeps working: it generates, builds, appends a week, builds incrementally,
times parse and the Dagster definitions, runs the floor and writes results
whose floor numbers equal the warehouse's."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import REPO


@pytest.mark.slow
def test_harness_runs_end_to_end_and_the_floor_equals_the_warehouse(tmp_path):
    results = tmp_path / "results.md"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.run",
            "--scales",
            "3000",
            "--weeks",
            "8",
            "--baseline-weeks",
            "4",
            "--out",
            str(tmp_path / "work"),
            "--results",
            str(results),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    text = results.read_text()
    for heading in ("## Machine", "## Targets", "## Steps", "Load average"):
        assert heading in text
    figures = json.loads(results.with_suffix(".json").read_text())
    (scale,) = figures["scales"]
    assert scale["tickets"] == 3000
    # the floor and the warehouse agree, after the full build and after the
    # incremental run over the appended week
    assert scale["floor_check"].startswith("equal"), scale["floor_check"]
    assert scale["incremental_check"].startswith("equal"), scale["incremental_check"]
    for step in ("generate", "floor", "full_build", "append_week", "incremental_build"):
        assert scale["steps"][step]["seconds"] > 0
        assert scale["steps"][step]["returncode"] == 0
    assert scale["steps"]["full_build"]["peak_rss_bytes"] > 50 * 2**20
    assert figures["parse"]["parse_warm"]["seconds"] > 0
    assert figures["parse"]["definitions"]["seconds"] > 0
    # the dev load (dbt parse in-process + definitions): ready before its exit
    for run_ in ("dev_load_1", "dev_load_2", "dev_load_3"):
        step = figures["parse"][run_]
        assert 0 < step["ready_seconds"] < step["seconds"], step
    assert "as `dagster dev` loads the code location" in text
    for step in ("import_dbt", "import_dagster"):
        assert figures["parse"][step]["returncode"] == 0
    assert "The imports alone, doing nothing: dbt-core" in text
    assert figures["machine"]["cores"] >= 1
    # the appended week reached the warehouse
    assert "| 3,000 | incremental build |" in text
