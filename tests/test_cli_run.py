"""The README's run command path: `supportwh run` generates, builds and prints
where the results are, with the latest week's headline and alerts."""

from __future__ import annotations

from pathlib import Path

import duckdb
from conftest import supportwh


def test_run_generates_builds_and_says_where(tmp_path):
    raw = tmp_path / "raw"
    db = tmp_path / "warehouse.duckdb"
    result = supportwh(
        "run",
        "--raw-path",
        str(raw),
        "--duckdb-path",
        str(db),
        "--tickets",
        "6000",
        "--weeks",
        "14",
        "--baseline-weeks",
        "6",
        cwd=tmp_path,
    )
    out = result.stdout
    assert f"warehouse: {db}" in out
    # a production build: the models and their data tests, not the unit tests
    assert " START sql table model " in out or " START sql incremental model " in out
    assert " START test " in out
    assert " START unit_test " not in out
    assert "(latest complete week): deflection, never alone" in out
    assert "alert(s) at archetype level" in out
    # `run` injects every scenario by default: the refund hallucination shows
    assert "policy_p0 (policy_incidents_p0) returns_refunds -> Tom Okafor" in out
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from marts.kpi_weekly").fetchone()[0] > 0
    # ... and renders the latest complete week's review next to the warehouse
    [line] = [x for x in out.splitlines() if x.startswith("weekly review (")]
    page = Path(line.rsplit(": ", 1)[1])
    assert page.parent == tmp_path / "reviews" and page.name.startswith("weekly-")
    html = page.read_text(encoding="utf-8")
    assert "Weekly operational review" in html and "Tom Okafor" in html

    # a second run reuses the data instead of regenerating it
    again = supportwh("run", "--raw-path", str(raw), "--duckdb-path", str(db), cwd=tmp_path)
    assert "generating sample data" not in again.stdout
    assert f"warehouse: {db}" in again.stdout
