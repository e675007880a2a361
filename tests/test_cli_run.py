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


def test_a_warehouse_file_from_a_newer_duckdb_is_refused_in_one_line(tmp_path, monkeypatch):
    """DuckDB 2.x files cannot be read by the pinned 1.x: one line, before dbt starts."""
    import pytest

    from supportwh.dbt import check_duckdb_file
    from supportwh.errors import SupportWHError

    db = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(db)).close()
    check_duckdb_file(db)  # readable: nothing to say
    check_duckdb_file(tmp_path / "absent.duckdb")  # a first build creates it

    def fail_with(message):
        def connect(*args, **kwargs):
            raise duckdb.IOException(message)

        return connect

    # the message DuckDB 1.5 gives for a file written by DuckDB 2.0
    monkeypatch.setattr(
        duckdb,
        "connect",
        fail_with(
            "IO Error: Trying to read a database file with version number 69, but we can "
            "only read versions between 64 and 68.\nThe database file was created with a "
            "newer version of DuckDB.\n\nNewer DuckDB version might introduce backward "
            "incompatible changes"
        ),
    )
    with pytest.raises(SupportWHError) as refused:
        check_duckdb_file(db)
    message = str(refused.value)
    assert "\n" not in message
    assert f"the warehouse file {db} was written by a newer DuckDB" in message
    assert "--full-refresh" in message and "version number 69" in message
    # a file locked by another process is left to dbt, which says so itself
    monkeypatch.setattr(duckdb, "connect", fail_with('IO Error: Could not set lock on file "x"'))
    check_duckdb_file(db)
