"""The warehouse builds on an export written by another tool, with no error
and no silent loss (../shared/samples/foreign-export, deployed 2026-02-02)."""

from __future__ import annotations

import duckdb

TABLES = [
    "tickets",
    "messages",
    "escalations",
    "surveys",
    "qa_reviews",
    "tool_calls",
    "customers",
    "products",
]


def _raw(foreign_export, sql: str):
    with duckdb.connect() as con:
        return con.execute(sql.replace("RAW", str(foreign_export))).fetchall()


def test_every_raw_row_is_accounted_for(foreign_warehouse, foreign_export):
    rows = {
        r[0]: r[1:]
        for r in foreign_warehouse.query(
            "select table_name, raw_rows, staged_rows, quarantined_rows, exact_duplicate_rows, "
            "superseded_rows from staging.stg_row_reconciliation"
        )
    }
    for table in TABLES:
        (independent,) = _raw(
            foreign_export, f"select count(*) from read_parquet('RAW/{table}/*.parquet')"
        )[0]
        raw, staged, quarantined, duplicates, superseded = rows[table]
        assert raw == independent, table
        assert raw == staged + quarantined + duplicates + superseded, table
        assert staged > 0, table
    # orders is optional and absent from this export: an empty table, no error
    assert rows["orders"] == (0, 0, 0, 0, 0)


def test_every_ticket_and_survey_key_is_staged_once(foreign_warehouse, foreign_export):
    for table, key in [("tickets", "ticket_id"), ("surveys", "survey_id")]:
        (distinct_keys,) = _raw(
            foreign_export,
            f"select count(distinct {key}) from read_parquet('RAW/{table}/*.parquet')",
        )[0]
        (staged,) = foreign_warehouse.query(f"select count(*) from staging.stg_{table}")[0]
        assert staged == distinct_keys, table
    # the export is clean: nothing is quarantined, re-exports are superseded
    assert foreign_warehouse.query("select count(*) from staging.stg_quarantine") == [(0,)]


def test_latest_export_of_a_reexported_ticket_wins(foreign_warehouse, foreign_export):
    latest = dict(
        _raw(
            foreign_export,
            "select ticket_id, arg_max(updated_at, updated_at) "
            "from read_parquet('RAW/tickets/*.parquet') group by ticket_id having count(*) > 1",
        )
    )
    assert latest, "the foreign export re-exports tickets"
    staged = dict(
        foreign_warehouse.query(
            "select ticket_id, updated_at from staging.stg_tickets where ticket_id in "
            "(select unnest(?))",
            [list(latest)],
        )
    )
    assert staged == latest


def test_unmapped_intent_goes_to_long_tail(foreign_warehouse, foreign_export):
    (unmapped,) = _raw(
        foreign_export,
        "select count(distinct ticket_id) from read_parquet('RAW/tickets/*.parquet') "
        "where intent = 'zz_unmapped_gift_wrap'",
    )[0]
    assert unmapped > 0
    rows = foreign_warehouse.query(
        "select archetype, count(*) from intermediate.int_tickets "
        "where intent = 'zz_unmapped_gift_wrap' group by 1"
    )
    assert rows == [("long_tail", unmapped)]
    # every other intent of the export is mapped by the seed
    assert foreign_warehouse.query(
        "select count(*) from intermediate.int_tickets "
        "where archetype = 'long_tail' and intent <> 'zz_unmapped_gift_wrap'"
    ) == [(0,)]


def test_a_build_with_unit_tests_runs_every_unit_test_of_the_project(foreign_warehouse):
    """make test builds with --unit-tests (tests/conftest.py): each unit test
    the project declares ran and passed."""
    import yaml

    from supportwh.project import PROJECT_DIR

    declared = {
        test["name"]
        for path in (PROJECT_DIR / "models").rglob("*.yml")
        for test in (yaml.safe_load(path.read_text()) or {}).get("unit_tests", [])
    }
    passed = {
        line.split("::")[1].split()[0]
        for line in foreign_warehouse.stdout.splitlines()
        if " PASS " in line and "::" in line
    }
    assert len(declared) >= 30
    assert passed == declared
