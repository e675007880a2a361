"""Staging on generated data with every scenario injected: the quarantine
holds exactly the injected bad rows, nothing is silently lost, re-exports and
duplicates resolve as the contract says."""

from __future__ import annotations

import json
from collections import Counter

import duckdb
import pandas as pd
import pytest

TABLES = [
    "tickets",
    "messages",
    "escalations",
    "surveys",
    "qa_reviews",
    "tool_calls",
    "customers",
    "products",
    "orders",
]
KEYS = {
    "tickets": "ticket_id",
    "messages": "message_id",
    "escalations": "escalation_id",
    "surveys": "survey_id",
    "qa_reviews": "review_id",
    "tool_calls": "call_id",
    "customers": "customer_id",
    "products": "product_id",
    "orders": "order_id",
}
ALL_REASONS = {
    "null_key",
    "duplicate_key_conflict",
    "reexport_conflict",
    "invalid_enum",
    "score_out_of_scale",
    "out_of_range",
    "orphan_ticket",
    "closed_before_created",
    "responded_before_sent",
    "missing_required",
    "inconsistent_outcome",
    "parent_quarantined",
}


def _raw(raw_path, table: str) -> pd.DataFrame:
    with duckdb.connect() as con:
        return con.execute(
            f"select * from read_parquet('{raw_path}/{table}/*.parquet', union_by_name = true)"
        ).df()


def test_quarantine_holds_exactly_the_injected_bad_rows(scenario_warehouse):
    manifest = json.loads((scenario_warehouse.raw_path / "_expected_quarantine.json").read_text())
    expected = Counter((m["table"], m["key"], m["reason"]) for m in manifest)
    actual = Counter(
        scenario_warehouse.query(
            "select table_name, record_key, reason from staging.stg_quarantine"
        )
    )
    assert actual == expected
    # every bad-input class of the contract was injected, and caught
    assert {reason for _, _, reason in actual} == ALL_REASONS


def test_raw_rows_reconcile_per_table(scenario_warehouse):
    rows = scenario_warehouse.df("select * from staging.stg_row_reconciliation").set_index(
        "table_name"
    )
    for table in TABLES:
        independent = len(_raw(scenario_warehouse.raw_path, table))
        r = rows.loc[table]
        assert r.raw_rows == independent, table
        assert (
            r.raw_rows
            == r.staged_rows + r.quarantined_rows + r.exact_duplicate_rows + r.superseded_rows
        ), table
    # the generator re-exports tickets and surveys and delivers some rows twice
    assert rows.loc["tickets"].superseded_rows > 0
    assert rows.loc["surveys"].superseded_rows > 0
    assert rows.loc["messages"].exact_duplicate_rows > 0


def test_exact_duplicates_count_once(scenario_warehouse):
    counts = dict(
        scenario_warehouse.query(
            "select table_name, exact_duplicate_rows from staging.stg_row_reconciliation"
        )
    )
    for table in ["tickets", "messages", "surveys"]:
        raw = _raw(scenario_warehouse.raw_path, table)
        assert counts[table] == int(raw.duplicated(keep="first").sum()), table


def test_latest_updated_at_wins_for_reexported_keys(scenario_warehouse):
    manifest = json.loads((scenario_warehouse.raw_path / "_expected_quarantine.json").read_text())
    bad = {(m["table"], m["key"]) for m in manifest}
    for table in ["tickets", "surveys"]:
        key = KEYS[table]
        raw = _raw(scenario_warehouse.raw_path, table).drop_duplicates()
        raw = raw[raw[key].notna() & ~raw[key].map(lambda k, t=table: (t, k) in bad)]
        reexported = raw[raw.duplicated(key, keep=False)]
        assert len(reexported) > 0, table
        latest = reexported.sort_values("updated_at").groupby(key).tail(1).set_index(key)
        staged = scenario_warehouse.df(
            f"select {key}, updated_at from staging.stg_{table}"
        ).set_index(key)
        joined = latest[["updated_at"]].join(
            staged.rename(columns={"updated_at": "updated_at_staged"}), how="left"
        )
        assert (joined.updated_at == joined.updated_at_staged).all(), table
        # one staged row per key, every valid key staged
        assert staged.index.is_unique
        assert set(raw[key]) <= set(staged.index)


def test_unmapped_intents_go_to_long_tail(scenario_warehouse):
    with duckdb.connect(str(scenario_warehouse.duckdb_path), read_only=True) as con:
        mapped = {r[0] for r in con.execute("select intent from reference.archetypes").fetchall()}
        rows = con.execute(
            "select intent, archetype, count(*) from intermediate.int_tickets group by all"
        ).fetchall()
    unmapped = [(intent, archetype) for intent, archetype, _ in rows if intent not in mapped]
    assert unmapped, "the generator writes intents no seed row maps"
    assert all(archetype == "long_tail" for _, archetype in unmapped)
    assert all(archetype != "long_tail" for intent, archetype, _ in rows if intent in mapped)


@pytest.fixture
def scratch_db(tmp_path, monkeypatch):
    """A DuckDB file of the test's own for the project's profile, with dbt's
    target and logs beside it; the path of the (not yet created) file."""
    db = tmp_path / "w.duckdb"
    monkeypatch.setenv("SUPPORTWH_DUCKDB_PATH", str(db))
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "logs"))
    return db


def _dbt_show(inline: str):
    """`dbt show --inline` on the project, in this process; its one result."""
    from conftest import REPO
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke(
        ["show", "--project-dir", str(REPO), "--profiles-dir", str(REPO)]
        + ["--inline", inline, "--output", "json", "--quiet"]
    )
    assert result.success, result.exception
    return result.result.results[0]


@pytest.mark.parametrize(
    ("macro", "parent_values"),
    [
        ("default__test_relationships", "('T1'), ('T3'), ('T4')"),
        ("duckdb__test_relationships", "('T1'), ('T3'), ('T4')"),
        # parents outside the child's range (T1..T3) are skipped, not missed
        ("duckdb__test_relationships", "('T0'), ('T1'), ('T3'), ('T9')"),
    ],
)
def test_the_relationships_test_returns_every_child_row_without_a_parent(
    scratch_db, macro, parent_values
):
    """The project's relationships tests (anti-joins, macros/generic_tests.sql:
    the portable one and DuckDB's, which reads only the parents within the
    child's range) fail on the same rows as dbt's: each child row whose value
    is missing from the parent, duplicates kept, nulls not tested."""
    child = "(select * from (values ('T1'), ('T2'), ('T2'), (null), ('T3')) as v(ticket_id))"
    parent = f"(select * from (values {parent_values}) as v(ticket_id))"
    inline = (
        f"select from_field from ({{{{ {macro}("
        f"\"{child}\", 'ticket_id', \"{parent}\", 'ticket_id') }}}}) as failures order by 1"
    )
    shown = _dbt_show(inline)
    rows = [row[0] for row in shown.agate_table.rows]
    assert rows == ["T2", "T2"]
    if macro.startswith("duckdb"):
        assert "between 'T1' and 'T3'" in shown.node.compiled_code


def test_a_tests_where_values_are_read_once_per_relation_and_invocation(scratch_db):
    """The latest load a staging test filters on (`__latest_load__`) is read by
    the relation's first test and reused by its other tests in the same dbt
    invocation (test_where_values, macros/incremental_staging.sql), never by
    a later invocation, which reads the relation again."""
    with duckdb.connect(str(scratch_db)) as con:
        con.execute("create schema staging")
        con.execute("create table staging.loads (_loaded_at timestamp)")
        con.execute("insert into staging.loads values (timestamp '2026-01-05 10:00:00')")
    relation = "api.Relation.create(database=target.database, schema='staging', identifier='loads')"
    condition = f"test_where_values({relation}, '__latest_load__')"
    # read, then a newer load lands, then read within the same invocation
    inline = (
        f'select \'{{{{ {condition} | replace("\'", "") }}}}\' as first_read, '
        "'{% do run_query(\"insert into staging.loads values "
        "(timestamp '2026-01-12 10:00:00')\") %}"
        f'{{{{ {condition} | replace("\'", "") }}}}\' as second_read'
    )

    first, second = _dbt_show(inline).agate_table.rows[0]
    assert "2026-01-05 10:00:00" in first
    # without the memo the second read would see the newer load (show then
    # rolls the insert back)
    assert second == first
    # a new invocation reads the relation again
    with duckdb.connect(str(scratch_db)) as con:
        con.execute("insert into staging.loads values (timestamp '2026-01-19 10:00:00')")
    assert "2026-01-19 10:00:00" in _dbt_show(inline).agate_table.rows[0][0]
