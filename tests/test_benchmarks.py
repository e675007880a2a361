"""The performance harness at a tiny scale (what `make bench-smoke` runs), so
it keeps working: it generates, builds, appends a week, builds incrementally,
times parse and the Dagster definitions, runs the floor and writes results
whose floor numbers equal the warehouse's."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest
from conftest import REPO


def _harness():
    spec = importlib.util.spec_from_file_location("bench_run", REPO / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


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
    # each build's dbt.log read into where its time went
    assert "## Where each build's time goes (its dbt.log)" in text
    for key in ("breakdown_full", "breakdown_incremental"):
        breakdown = scale[key]
        models, tests = breakdown["kinds"]["model"], breakdown["kinds"]["test"]
        assert models["nodes"] > 0 and tests["nodes"] > 0, breakdown
        assert 0 < models["sql"] <= models["seconds"] <= breakdown["in_nodes"] <= breakdown["span"]
    section = text.split("## Where each build's time goes (its dbt.log)")[1].split("\n## ")[0]
    for label in ("full build", "incremental"):
        line = next(x for x in section.splitlines() if x.startswith(f"- 3,000, {label}: "))
        assert "outside dbt's log" in line and " models " in line and " data tests " in line


# A dbt debug log of two invocations, the second run past midnight: only the
# last one is read, node time is split into SQL and dbt's own work, and a
# COMMIT's time is counted as a commit.
_LOG = """\x1b[0m23:00:00.000000 [debug] [MainThread]: an earlier invocation
\x1b[0m23:00:01.000000 [debug] [Thread-1 (]: Began running node model.p.old
\x1b[0m23:00:09.000000 [debug] [Thread-1 (]: Finished running node model.p.old
============================== 23:59:58.000000 | 1c0ffee0 ==============================
\x1b[0m23:59:58.000000 [info ] [MainThread]: Running with dbt=1.11.16
\x1b[0m23:59:59.000000 [debug] [Thread-1 (]: Began running node model.p.a
\x1b[0m23:59:59.100000 [debug] [Thread-1 (]: On model.p.a: /* {"app": "dbt"} */
    create table a as select 1
\x1b[0m23:59:59.600000 [debug] [Thread-1 (]: SQL status: OK in 0.500 seconds
\x1b[0m23:59:59.700000 [debug] [Thread-1 (]: On model.p.a: COMMIT
\x1b[0m00:00:00.900000 [debug] [Thread-1 (]: SQL status: OK in 1.200 seconds
\x1b[0m00:00:01.000000 [debug] [Thread-1 (]: Finished running node model.p.a
\x1b[0m00:00:01.000000 [debug] [Thread-1 (]: Began running node test.p.t
\x1b[0m00:00:01.100000 [debug] [Thread-1 (]: On test.p.t: /* {"app": "dbt"} */ select 1
\x1b[0m00:00:01.150000 [debug] [Thread-1 (]: SQL status: OK in 0.050 seconds
\x1b[0m00:00:01.250000 [debug] [Thread-1 (]: Finished running node test.p.t
\x1b[0m00:00:02.000000 [debug] [MainThread]: Command end result
"""


def test_time_breakdown_reads_the_last_invocation_of_a_dbt_log(tmp_path):
    harness = _harness()
    log = tmp_path / "dbt.log"
    log.write_text(_LOG)
    breakdown = harness.time_breakdown(log)
    assert breakdown["span"] == pytest.approx(4.0)
    assert breakdown["in_nodes"] == pytest.approx(2.25)
    model, test = breakdown["kinds"]["model"], breakdown["kinds"]["test"]
    assert model == pytest.approx({"nodes": 1, "seconds": 2.0, "sql": 1.7, "commits": 1.2})
    assert test == pytest.approx({"nodes": 1, "seconds": 0.25, "sql": 0.05, "commits": 0.0})
    text = harness.describe_breakdown(breakdown, wall=5.5)
    assert text.startswith("5.5 s = 1.5 s outside dbt's log")
    assert "1.8 s in dbt between nodes" in text
    assert "1 models 2.0 s (SQL 1.7 s, commits 1.2 s; dbt's own 0.3 s)" in text
    assert harness.time_breakdown(tmp_path / "missing.log") is None
    assert harness.describe_breakdown(None, wall=1.0) == "no dbt debug log to read"
