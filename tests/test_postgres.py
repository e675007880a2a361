"""The Postgres target on a real server (Debian's postgresql, started by the
postgres_server fixture on 127.0.0.1): the loader, the full `dbt build`
(models, seeds, data tests, unit tests), kpi_weekly and the quarantine equal
to the DuckDB build of the same generated data, and the read-only BI role."""

from __future__ import annotations

import re
import sys
from contextlib import closing
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import psycopg2
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import REPO, build, supportwh
from postgres import BI_LOGIN, BI_ROLE, BUILDER

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SIZE = ["--tickets", "4000", "--weeks", "14", "--baseline-weeks", "6"]
CONTRACT_TABLES = [
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
KPI_KEYS = ["week_start", "kpi", "archetype", "segment", "channel"]


def _add_text_typed_export(raw: Path) -> None:
    """A later file from a tool that types every column as text, inside the
    generated weeks: the union makes these columns text in the raw schema,
    so Postgres's safe casts do the typing of every row."""
    customer = pq.read_table(raw / "customers", columns=["customer_id"]).column(0)[0].as_py()
    ts = "2025-12-01 10:00:00"
    tickets = {
        "ticket_id": ["TXT-1", "TXT-2", "TXT-3", "TXT-4", "TXT-5"],
        "customer_id": [customer] * 5,
        "channel": ["chat"] * 5,
        # Postgres would read 'yesterday' as a date; the contract does not
        "created_at": [ts, "yesterday afternoon", "yesterday", "2025-12-32 10:00:00", ts],
        "closed_at": ["2025-12-01 10:30:00", None, None, None, None],
        "intent": ["order_status"] * 5,
        "product_id": [None] * 5,
        "bot_attempted": ["true", "false", "false", "false", "maybe"],
        "outcome": ["bot_resolved", "human_only", "human_only", "human_only", "human_only"],
        "bot_version": ["v1", None, None, None, None],
        "model_confidence": ["0.8", None, None, None, None],
        "model_csat_score": ["4.5", None, None, None, None],
        "bot_handle_seconds": ["120", None, None, None, None],
        "agent_handle_seconds": [None, "300", "300", "300", "300"],
        "updated_at": ["2025-12-01 11:00:00"] * 5,
    }
    pq.write_table(pa.table(tickets), raw / "tickets" / "text-typed.parquet")
    surveys = {
        "survey_id": ["SV-TXT-1", "SV-TXT-2"],
        "ticket_id": ["TXT-1", "TXT-1"],
        "survey_type": ["resolution", "delayed"],
        "channel": ["chat", "chat"],
        "sent_at": ["2025-12-01 10:30:00", "2025-12-03 10:30:00"],
        "responded_at": ["2025-12-01 12:00:00", "2025-12-03 12:00:00"],
        "scale": ["five_point", "five_point"],
        "score": ["five", "4"],
        "comment": [None, None],
        "updated_at": ["2025-12-01 12:00:00", "2025-12-03 12:00:00"],
    }
    pq.write_table(pa.table(surveys), raw / "surveys" / "text-typed.parquet")


@pytest.fixture(scope="module")
def pg_raw(tmp_path_factory) -> Path:
    raw = tmp_path_factory.mktemp("pg_data") / "raw"
    supportwh("generate", "--out", str(raw), *SIZE, "--scenario", "all")
    _add_text_typed_export(raw)
    return raw


@pytest.fixture(scope="module")
def pg_loaded(postgres_server, pg_raw):
    result = supportwh(
        "load", "--target", "postgres", "--raw", str(pg_raw), env=postgres_server.env()
    )
    return result.stdout


@pytest.fixture(scope="module")
def pg_built(postgres_server, pg_raw, pg_loaded):
    """A full build, then an incremental run on the same raw schema (the
    incremental models' Postgres path: delete+insert of the look-back
    weeks); the marts the tests read are the incremental run's."""
    workdir = pg_raw.parent / "pg_build"
    workdir.mkdir()
    runs = []
    for full_refresh in [["--full-refresh"], []]:
        result = supportwh(
            "build",
            "--target",
            "postgres",
            "--raw-path",
            str(pg_raw),
            *full_refresh,
            "--unit-tests",
            cwd=workdir,
            env=postgres_server.env(),
        )
        runs.append(result.stdout)
    return runs


@pytest.fixture(scope="module")
def duck_built(pg_raw):
    workdir = pg_raw.parent / "duck_build"
    workdir.mkdir()
    return build(pg_raw, workdir)


def pg_df(server, sql: str, user: str = BUILDER) -> pd.DataFrame:
    with closing(server.connect(user=user)) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return pd.DataFrame(cur.fetchall(), columns=[c.name for c in cur.description])


def parquet_rows(raw: Path, table: str) -> int:
    pattern = str(raw / table / "*.parquet")
    sql = f"select count(*) from read_parquet('{pattern}', union_by_name = true)"
    return duckdb.sql(sql).fetchall()[0][0]


def test_load_copies_every_table_with_contract_types(postgres_server, pg_raw, pg_loaded):
    for table in CONTRACT_TABLES:
        rows = parquet_rows(pg_raw, table)
        assert f"raw.{table:<12}{rows:>12,} rows" in pg_loaded
        loaded = pg_df(postgres_server, f"select count(*) as n from raw.{table}").n[0]
        assert loaded == rows, table
    types = (
        pg_df(
            postgres_server,
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = 'raw'",
        )
        .set_index(["table_name", "column_name"])
        .data_type
    )
    # typed files keep the contract's types
    assert types["escalations", "escalated_at"] == "timestamp without time zone"
    assert types["escalations", "agent_restate_flag"] == "boolean"
    assert types["qa_reviews", "agent_acknowledged_packet"] == "boolean"
    assert types["orders", "amount"] == "numeric"
    assert types["messages", "body"] == "text"
    # a column some file carries as text stays text: the build's safe cast types it
    assert types["tickets", "created_at"] == "text"
    assert types["surveys", "score"] == "text"


@pytest.mark.parametrize("run", ["full", "incremental"])
def test_build_passes_every_model_seed_data_test_and_unit_test(pg_built, duck_built, run):
    stdout = pg_built[0 if run == "full" else 1]
    # the summary line: nothing failed, skipped or errored, and as many nodes
    # as the DuckDB build of the same project
    summary = [line for line in stdout.splitlines() if "Done. PASS=" in line][-1]
    assert "ERROR=0" in summary and "WARN=0" in summary and "SKIP=0" in summary
    duck_summary = [line for line in duck_built.stdout.splitlines() if "Done. PASS=" in line][-1]
    assert summary.split("Done. ")[1] == duck_summary.split("Done. ")[1]
    # every dbt unit test of the project ran and passed on Postgres
    passed = {
        line.split("::")[1].split()[0]
        for line in stdout.splitlines()
        if " PASS " in line and "::" in line
    }
    assert passed == unit_test_names()


def _rows_written(stdout: str) -> dict[str, int]:
    """Rows each incremental model wrote, from dbt's 'OK created' lines."""
    rows = {}
    for line in stdout.splitlines():
        if "OK created sql incremental model" in line:
            model = line.split("model ")[1].split()[0]
            rows[model] = int(re.search(r"(\d+)\x1b?\[?[0-9;]*m? in ", line).group(1))
    return rows


def test_the_incremental_run_takes_every_week_models_incremental_path(pg_built):
    """Staging is rebuilt whole on Postgres (incremental staging reads files,
    macros/incremental_staging.sql), so every week counts as revised and the
    week-incremental models rewrite all of their weeks, by delete+insert;
    kpi_weekly equal to DuckDB's (below) shows the result is right."""
    full, incremental = (_rows_written(stdout) for stdout in pg_built)
    # every model incremental by week (its schema is its top folder)
    models = {
        f"{path.relative_to(REPO / 'models').parts[0]}.{path.stem}"
        for path in (REPO / "models").rglob("*.sql")
        if "incremental_by_week(" in path.read_text()
    }
    assert {"intermediate.int_ticket_kpi_facts", "marts.kpi_weekly"} < models
    assert set(full) == set(incremental) == models
    assert incremental == full


def unit_test_names() -> set[str]:
    names = set()
    for path in (REPO / "models").rglob("*.yml"):
        for test in (yaml.safe_load(path.read_text()) or {}).get("unit_tests", []):
            names.add(test["name"])
    assert len(names) > 30
    return names


def _normalised(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    df["week_start"] = pd.to_datetime(df["week_start"]).dt.strftime("%Y-%m-%d")
    for column in ["numerator", "denominator", "value"]:
        df[column] = df[column].astype("float64")
    return df.sort_values(KPI_KEYS).reset_index(drop=True)


def test_kpi_weekly_equals_the_duckdb_build_row_for_row(postgres_server, pg_built, duck_built):
    pg = _normalised(pg_df(postgres_server, "select * from marts.kpi_weekly"))
    duck = _normalised(duck_built.df("select * from marts.kpi_weekly"))
    assert len(pg) > 5000
    assert list(pg.columns) == list(duck.columns)
    assert not pg.duplicated(KPI_KEYS).any()
    assert pg[KPI_KEYS + ["unit"]].equals(duck[KPI_KEYS + ["unit"]])
    for column in ["numerator", "denominator", "value"]:
        a, b = pg[column].to_numpy(), duck[column].to_numpy()
        same = np.isclose(a, b, rtol=1e-9, atol=0) | (np.isnan(a) & np.isnan(b))
        assert same.all(), pd.concat([pg[~same], duck[~same]], axis=1).head()
    assert pg.value.isna().any()  # zero denominators are null on both engines


def test_text_typed_values_are_cast_or_quarantined_as_on_duckdb(
    postgres_server, pg_built, duck_built
):
    sql = (
        "select table_name, record_key, reason, reason_detail from staging.stg_quarantine "
        "order by table_name, record_key, reason, reason_detail"
    )
    pg = pg_df(postgres_server, sql)
    duck = duck_built.df(sql)
    assert len(pg) > 20  # every dirty class of the scenario
    # the same rows for the same reasons; in the detail a whole double reads
    # '9' on Postgres and '9.0' on DuckDB
    assert (
        pg.astype(str).values.tolist()
        == duck.astype(str).replace(r"(?<=\d)\.0(?!\d)", "", regex=True).values.tolist()
    )
    text_rows = pg[pg.record_key.fillna("").str.contains("TXT")]
    assert text_rows.values.tolist() == [
        ["surveys", "SV-TXT-1", "invalid_type", "score=five"],
        ["tickets", "TXT-2", "invalid_type", "created_at=yesterday afternoon"],
        ["tickets", "TXT-3", "invalid_type", "created_at=yesterday"],
        ["tickets", "TXT-4", "invalid_type", "created_at=2025-12-32 10:00:00"],
        ["tickets", "TXT-5", "invalid_type", "bot_attempted=maybe"],
    ]
    staged = pg_df(
        postgres_server,
        "select bot_attempted, model_confidence, bot_handle_seconds, "
        "cast(created_at as text) as created_at from staging.stg_tickets "
        "where ticket_id = 'TXT-1'",
    )
    assert staged.values.tolist() == [[True, 0.8, 120, "2025-12-01 10:00:00"]]
    broken = pg_df(
        postgres_server,
        "select count(*) as n from staging.stg_row_reconciliation where raw_rows <> "
        "staged_rows + quarantined_rows + exact_duplicate_rows + superseded_rows",
    )
    assert broken.n[0] == 0


# -- the read-only BI role ------------------------------------------------------


def _relations(server, schema: str) -> list[str]:
    df = pg_df(
        server,
        "select table_name from information_schema.tables "
        f"where table_schema = '{schema}' order by table_name",
        user="postgres",
    )
    return df.table_name.tolist()


def _refused(server, sql: str) -> str:
    """Run `sql` as the BI login; return the error it got (fails if none)."""
    with closing(server.connect(user=BI_LOGIN)) as conn, conn.cursor() as cur:
        try:
            cur.execute(sql)
        except psycopg2.Error as exc:
            return exc.pgcode
    raise AssertionError(f"the BI role could run: {sql}")


def test_bi_role_reads_the_marts(postgres_server, pg_built):
    members = pg_df(
        postgres_server,
        f"select pg_has_role('{BI_LOGIN}', '{BI_ROLE}', 'member') as member",
        user="postgres",
    )
    assert members.member[0]
    marts = _relations(postgres_server, "marts")
    assert "kpi_weekly" in marts and len(marts) >= 12
    rows = pg_df(postgres_server, "select count(*) as n from marts.kpi_weekly", user=BI_LOGIN)
    assert rows.n[0] > 5000
    for mart in marts:
        pg_df(postgres_server, f"select * from marts.{mart} limit 1", user=BI_LOGIN)


def test_bi_role_cannot_read_raw_staging_intermediate_or_reference(postgres_server, pg_built):
    hidden = {
        schema: _relations(postgres_server, schema)
        for schema in ["raw", "staging", "intermediate", "reference"]
    }
    assert "tickets" in hidden["raw"] and "stg_tickets" in hidden["staging"]
    assert "int_tickets" in hidden["intermediate"] and "owners" in hidden["reference"]
    for schema, relations in hidden.items():
        for relation in relations:
            # 42501 insufficient_privilege (no USAGE on the schema)
            assert _refused(postgres_server, f"select * from {schema}.{relation} limit 1") == (
                "42501"
            ), f"{schema}.{relation}"


@pytest.mark.parametrize(
    "sql",
    [
        "insert into marts.kpi_weekly select * from marts.kpi_weekly limit 1",
        "update marts.kpi_weekly set value = 0",
        "delete from marts.kpi_weekly",
        "truncate marts.kpi_weekly",
        "drop table marts.kpi_weekly",
        "alter table marts.kpi_weekly add column x int",
        "create table marts.bi_scratch (x int)",
        "create view marts.bi_view as select 1 as x",
        "create table public.bi_scratch (x int)",
        "create table bi_scratch (x int)",
        "create temporary table bi_scratch (x int)",
        "create schema bi_scratch",
        "create index on marts.kpi_weekly (kpi)",
    ],
)
def test_bi_role_cannot_write_or_create_anything(postgres_server, pg_built, sql):
    assert _refused(postgres_server, sql) == "42501"  # insufficient_privilege


def test_bi_role_cannot_pass_its_access_on(postgres_server, pg_built):
    acl = (
        "select cast(relacl as text) as acl from pg_class where oid = 'marts.kpi_weekly'::regclass"
    )
    before = pg_df(postgres_server, acl, user="postgres").acl[0]
    assert f"{BI_ROLE}=r/" in before and "=r/" not in before.replace(f"{BI_ROLE}=r/", "")
    # Postgres answers a grant without grant option with a warning, not an error
    with closing(postgres_server.connect(user=BI_LOGIN)) as conn, conn.cursor() as cur:
        cur.execute("grant select on marts.kpi_weekly to public")
        assert any("no privileges were granted" in n for n in conn.notices)
    assert pg_df(postgres_server, acl, user="postgres").acl[0] == before


# -- one-line errors ------------------------------------------------------------------


def test_build_without_the_bi_role_is_one_clear_error(postgres_server, pg_built, tmp_path):
    result = supportwh(
        "build",
        "--target",
        "postgres",
        "--select",
        "stg_products",
        cwd=tmp_path,
        check=False,
        env={**postgres_server.env(), "SUPPORTWH_BI_ROLE": "no_such_bi_role"},
    )
    assert result.returncode == 1
    error = result.stderr.strip().splitlines()
    assert len(error) == 1, result.stderr
    assert "BI role 'no_such_bi_role' does not exist" in error[0]
    assert "docs/postgres_bi_role.sql" in error[0]


def test_load_errors_are_one_line_and_leave_the_raw_schema_alone(
    postgres_server, pg_raw, pg_built, tmp_path
):
    before = pg_df(postgres_server, "select count(*) as n from raw.tickets").n[0]
    incomplete = tmp_path / "raw"
    for table in ["tickets", "messages", "customers", "products"]:
        (incomplete / table).mkdir(parents=True)
        for f in (pg_raw / table).glob("*.parquet"):
            (incomplete / table / f.name).write_bytes(f.read_bytes())
    result = supportwh(
        "load",
        "--target",
        "postgres",
        "--raw",
        str(incomplete),
        check=False,
        env=postgres_server.env(),
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert "required raw table(s) escalations, surveys, qa_reviews, tool_calls missing" in (
        result.stderr
    )
    assert pg_df(postgres_server, "select count(*) as n from raw.tickets").n[0] == before

    closed_port = {**postgres_server.env(), "SUPPORTWH_PG_PORT": "1"}
    result = supportwh(
        "load", "--target", "postgres", "--raw", str(pg_raw), check=False, env=closed_port
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert "cannot connect to Postgres supportwh_builder@127.0.0.1:1/supportwh" in result.stderr


def test_a_target_without_its_loader_is_a_clear_error(monkeypatch, tmp_path):
    from supportwh.errors import SupportWHError
    from supportwh.loader import load

    monkeypatch.setitem(sys.modules, "supportwh.loader.spark", None)  # import fails
    with pytest.raises(SupportWHError, match="the Spark loader is not available"):
        load("spark", tmp_path, "raw")
    with pytest.raises(SupportWHError, match="reads the raw folder in place"):
        load("duckdb", tmp_path, "raw")
    with pytest.raises(SupportWHError, match="unknown target 'oracle'"):
        load("oracle", tmp_path, "raw")
