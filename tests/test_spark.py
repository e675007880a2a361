"""The same dbt project on Spark: load a generated raw folder with the loader,
`dbt build` every model, seed, data test and unit test on local Spark
(dbt-spark session mode), and check kpi_weekly equals the DuckDB build's row
for row. Slow (a JVM per process, ~1 s per dbt node): marked `spark`, still
run by `make test` and CI. Java missing is a failure, not a skip."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import REPO, build, supportwh

pytestmark = [pytest.mark.spark, pytest.mark.slow]

KEYS = ["week_start", "kpi", "archetype", "segment", "channel"]
INCREMENTAL = ["int_ticket_kpi_facts", "kpi_weekly"]


def _java_or_fail() -> None:
    from supportwh.errors import SupportWHError
    from supportwh.loader.spark import check_java

    try:
        check_java()
    except SupportWHError as exc:
        pytest.fail(f"the Spark tests need Java: {exc}")


class SparkWarehouse:
    """A Spark catalog of its own (warehouse dir + Derby metastore) in a temp dir."""

    def __init__(self, root: Path, raw: Path):
        self.root = root
        self.raw = raw
        self.env = {
            **os.environ,
            "SUPPORTWH_PROJECT_DIR": str(REPO),
            "SUPPORTWH_TARGET": "spark",
            "SUPPORTWH_SPARK_WAREHOUSE_DIR": str(root / "warehouse"),
            "SUPPORTWH_SPARK_METASTORE_DIR": str(root / "metastore"),
            "DBT_TARGET_PATH": str(root / "dbt_target"),
            "DBT_LOG_PATH": str(root / "dbt_logs"),
        }
        self.timings: dict[str, float] = {}

    def dbt(self, *args: str) -> subprocess.CompletedProcess:
        """dbt in a subprocess: its SparkSession (and Derby's lock) ends with it."""
        deployed = json.loads((self.raw / "_generation.json").read_text())["ai_deployed_at"]
        dbt_vars = json.dumps({"raw_path": str(self.raw), "ai_deployed_at": deployed})
        started = time.monotonic()
        result = subprocess.run(
            [str(Path(sys.executable).parent / "dbt"), *args, "--profiles-dir", str(REPO),
             "--project-dir", str(REPO), "--vars", dbt_vars],
            cwd=REPO, env=self.env, capture_output=True, text=True, timeout=3600,
        )  # fmt: skip
        self.timings[f"dbt {args[0]}"] = time.monotonic() - started
        assert result.returncode == 0, (
            f"dbt {' '.join(args)} on Spark exited {result.returncode}\n{result.stdout[-6000:]}"
            f"\n{result.stderr[-2000:]}"
        )
        return result

    def query(self, queries: dict[str, str]) -> dict[str, pd.DataFrame]:
        """Run SQL in a SparkSession of this catalog (a subprocess); frames by name."""
        out = self.root / "query"
        out.mkdir(exist_ok=True)
        script = (
            "import json, sys\n"
            "import pyarrow as pa, pyarrow.parquet as pq\n"
            "from supportwh.loader.spark import spark_session\n"
            "spark = spark_session('supportwh-test')\n"
            "for name, sql in json.loads(sys.argv[1]).items():\n"
            "    rows = [r.asDict() for r in spark.sql(sql).collect()]\n"
            "    path = sys.argv[2] + '/' + name + '.parquet'\n"
            "    pq.write_table(pa.Table.from_pylist(rows), path)\n"
            "spark.stop()\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", script, json.dumps(queries), str(out)],
            cwd=REPO, env=self.env, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-4000:]
        return {name: pq.read_table(out / f"{name}.parquet").to_pandas() for name in queries}


@pytest.fixture(scope="module")
def spark_built(tmp_path_factory):
    """Generated data loaded into Spark and built there, plus the DuckDB build."""
    _java_or_fail()
    root = tmp_path_factory.mktemp("spark")
    raw = root / "raw"
    supportwh(
        "generate", "--out", str(raw), "--tickets", "3000", "--weeks", "14",
        "--baseline-weeks", "6", "--scenario", "all",
    )  # fmt: skip
    wh = SparkWarehouse(root, raw)
    started = time.monotonic()
    loaded = subprocess.run(
        [sys.executable, "-m", "supportwh.cli", "load", "--target", "spark", "--raw", str(raw)],
        cwd=REPO, env=wh.env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    wh.timings["load"] = time.monotonic() - started
    assert loaded.returncode == 0, loaded.stderr[-4000:]
    wh.load_stdout = loaded.stdout
    wh.build_stdout = wh.dbt("build", "--full-refresh").stdout
    wh.duckdb = build(raw, root)
    print(f"Spark timings: {wh.timings}")
    return wh


def _parquet_rows(folder: Path) -> int:
    return sum(pq.ParquetFile(f).metadata.num_rows for f in folder.glob("*.parquet"))


def _assert_frames_equal(spark: pd.DataFrame, duck: pd.DataFrame, engine: str = "spark") -> None:
    """Same keys, numbers within rtol 1e-9, nulls where the other has nulls
    (`spark` is the frame of `engine`)."""
    for frame in (spark, duck):
        frame["week_start"] = pd.to_datetime(frame["week_start"]).dt.date
    assert len(spark) == len(duck) > 0
    merged = duck.merge(
        spark, on=KEYS, how="outer", suffixes=("_duckdb", f"_{engine}"), indicator=True
    )
    only = merged[merged["_merge"] != "both"]
    assert only.empty, f"rows in one engine only:\n{only[KEYS + ['_merge']].head(20)}"
    for column in ["numerator", "denominator", "value"]:
        a = merged[f"{column}_duckdb"].to_numpy(dtype=float)
        b = merged[f"{column}_{engine}"].to_numpy(dtype=float)
        same = (np.isnan(a) & np.isnan(b)) | np.isclose(a, b, rtol=1e-9, atol=0.0)
        assert same.all(), f"{column} differs:\n{merged.loc[~same, KEYS].head(20)}"
    assert (merged["unit_duckdb"] == merged[f"unit_{engine}"]).all()


def test_loader_loads_every_row_of_every_table(spark_built):
    raw = spark_built.raw
    frames = spark_built.query(
        {
            t: f"select count(*) as n from raw.{t}"
            for t in ["tickets", "messages", "surveys", "orders", "products"]
        }
    )
    for table, frame in frames.items():
        expected = _parquet_rows(raw / table)
        assert expected > 0
        assert int(frame["n"][0]) == expected, table
        assert f"raw.{table}" in spark_built.load_stdout
    # every weekly file was read, not only the first
    assert len(list((raw / "tickets").glob("*.parquet"))) == 14


def test_dbt_build_runs_every_node_on_spark(spark_built):
    results = json.loads((spark_built.root / "dbt_target" / "run_results.json").read_text())
    statuses = {}
    for r in results["results"]:
        if not r["unique_id"].startswith("exposure."):  # exposures are no-ops
            statuses.setdefault(r["status"], []).append(r["unique_id"])
    assert set(statuses) <= {"success", "pass"}, {k: v[:5] for k, v in statuses.items()}
    ids = [r["unique_id"] for r in results["results"]]
    kinds = {uid.split(".")[0] for uid in ids}
    assert {"model", "seed", "test", "unit_test"} <= kinds
    assert sum(uid.startswith("model.") for uid in ids) == len(
        list((REPO / "models").rglob("*.sql"))
    )


def test_kpi_weekly_equals_duckdb_and_reconciliation_agrees(spark_built):
    frames = spark_built.query(
        {
            "kpi_weekly": "select * from marts.kpi_weekly",
            "reconciliation": "select * from staging.stg_row_reconciliation",
            "quarantine": "select table_name, reason, count(*) as n from staging.stg_quarantine "
            "group by table_name, reason",
        }
    )
    duck = spark_built.duckdb
    _assert_frames_equal(frames["kpi_weekly"], duck.df("select * from marts.kpi_weekly"))
    # the dirty scenario's bad rows are quarantined the same way on both engines
    spark_q = frames["quarantine"].sort_values(["table_name", "reason"]).reset_index(drop=True)
    duck_q = duck.df(
        "select table_name, reason, count(*) as n from staging.stg_quarantine group by all "
        "order by table_name, reason"
    )
    assert not duck_q.empty
    assert spark_q.astype(str).equals(duck_q.astype(str))
    rec = frames["reconciliation"].set_index("table_name").sort_index()
    duck_rec = duck.df("select * from staging.stg_row_reconciliation").set_index("table_name")
    assert (rec.astype("int64") == duck_rec.sort_index()[rec.columns].astype("int64")).all().all()


def test_duckdb_postgres_and_spark_agree_on_the_same_export(spark_built, postgres_server):
    """The three engines from one generated export: the Spark build above, its
    DuckDB build, and a Postgres build of the same raw folder (a database of
    its own on the session's private server) give the same kpi_weekly."""
    from contextlib import closing

    from postgres import BUILDER

    database = "supportwh_engines"
    with closing(postgres_server.connect(dbname="postgres")) as conn, conn.cursor() as cur:
        cur.execute(f"create database {database} owner {BUILDER}")
    env = {**postgres_server.env(), "SUPPORTWH_PG_DATABASE": database}
    workdir = spark_built.root / "pg_build"
    workdir.mkdir()
    supportwh("load", "--target", "postgres", "--raw", str(spark_built.raw), env=env)
    supportwh(
        "build", "--target", "postgres", "--raw-path", str(spark_built.raw), cwd=workdir, env=env
    )
    connection = closing(postgres_server.connect(user=BUILDER, dbname=database))
    with connection as conn, conn.cursor() as cur:
        cur.execute("select * from marts.kpi_weekly")
        postgres = pd.DataFrame(cur.fetchall(), columns=[c.name for c in cur.description])
    spark = spark_built.query({"kpi_weekly": "select * from marts.kpi_weekly"})["kpi_weekly"]
    duck = spark_built.duckdb.df("select * from marts.kpi_weekly")
    _assert_frames_equal(spark, duck.copy())
    _assert_frames_equal(postgres, duck.copy(), engine="postgres")


def test_incremental_run_overwrites_the_revised_week_partitions(spark_built):
    """Staging is rebuilt whole on Spark (incremental staging reads files), so
    every week counts as revised: the incremental run overwrites every week
    partition (insert_overwrite), adds and loses none, and equals DuckDB."""
    table_dir = Path(spark_built.env["SUPPORTWH_SPARK_WAREHOUSE_DIR"]) / "marts.db" / "kpi_weekly"
    before = {p.name: p.stat().st_mtime_ns for p in table_dir.glob("week_start=*")}
    assert len(before) == 14
    time.sleep(1)
    spark_built.dbt("run", "--select", *INCREMENTAL)
    after = {p.name: p.stat().st_mtime_ns for p in table_dir.glob("week_start=*")}
    assert set(after) == set(before)
    rewritten = sorted(name for name in after if after[name] != before[name])
    assert rewritten == sorted(before)
    kpi = spark_built.query({"kpi_weekly": "select * from marts.kpi_weekly"})["kpi_weekly"]
    _assert_frames_equal(kpi, spark_built.duckdb.df("select * from marts.kpi_weekly"))


def test_load_of_a_folder_missing_a_required_table_is_one_clear_line(tmp_path):
    raw = tmp_path / "raw"
    (raw / "tickets").mkdir(parents=True)
    result = supportwh("load", "--target", "spark", "--raw", str(raw), check=False)
    assert result.returncode == 1
    assert "raw table 'messages' not found" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_loader_unions_files_by_name_and_keeps_mismatched_types_as_text(tmp_path):
    """Weekly files that disagree (a column missing from one, a column typed
    differently, an extra vendor column), an empty required table and an
    absent optional one: every row lands, nothing fails, the staging casts
    decide later."""
    import pyarrow as pa

    from supportwh.generator.constants import SCHEMAS

    raw = tmp_path / "raw"
    for table in SCHEMAS:
        if table != "orders":
            (raw / table).mkdir(parents=True)
    first = pa.table(
        {
            "ticket_id": ["T1", "T2"],
            "bot_handle_seconds": pa.array([12, 30], pa.int64()),
            "bot_version": ["v1", "v2"],
        }
    )
    second = pa.table(
        {
            "ticket_id": ["T3"],
            "bot_handle_seconds": ["forty"],
            "vendor_extra": ["x"],
        }
    )
    pq.write_table(first, raw / "tickets" / "export-2026-01-05.parquet")
    pq.write_table(second, raw / "tickets" / "export-2026-01-12.parquet")
    wh = SparkWarehouse(tmp_path / "catalog", raw)
    (tmp_path / "catalog").mkdir()
    _java_or_fail()
    loaded = subprocess.run(
        [sys.executable, "-m", "supportwh.cli", "load", "--target", "spark", "--raw", str(raw),
         "--schema", "landing"],
        cwd=REPO, env=wh.env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    frames = wh.query(
        {
            "tickets": "select ticket_id, bot_handle_seconds, bot_version, vendor_extra "
            "from landing.tickets order by ticket_id",
            "types": "describe landing.tickets",
            "messages": "describe landing.messages",
            "counts": "select count(*) as n from landing.messages",
            "tables": "show tables in landing",
        }
    )
    tickets = frames["tickets"]
    assert tickets["ticket_id"].tolist() == ["T1", "T2", "T3"]
    assert tickets["bot_handle_seconds"].tolist() == ["12", "30", "forty"]
    assert tickets["bot_version"].tolist()[:2] == ["v1", "v2"]
    assert pd.isna(tickets["bot_version"][2]) and tickets["vendor_extra"][2] == "x"
    types = dict(zip(frames["types"]["col_name"], frames["types"]["data_type"], strict=False))
    assert types["bot_handle_seconds"] == "string"
    # an empty table still has the contract's columns
    assert frames["messages"]["col_name"].tolist()[:5] == [
        "message_id", "ticket_id", "sent_at", "author_type", "body",
    ]  # fmt: skip
    assert int(frames["counts"]["n"][0]) == 0
    assert "orders" not in frames["tables"]["tableName"].tolist()
    assert "landing.tickets" in loaded.stdout and "3 rows" in loaded.stdout


def test_load_without_java_is_one_clear_line(tmp_path):
    from supportwh.generator.constants import SCHEMAS

    raw = tmp_path / "raw"
    for table in SCHEMAS:
        (raw / table).mkdir(parents=True)
    result = supportwh(
        "load", "--target", "spark", "--raw", str(raw), check=False,
        env={"JAVA_HOME": str(tmp_path / "no-jdk"), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert result.returncode == 1
    assert "java not found: JAVA_HOME=" in result.stderr and "Java 17" in result.stderr
    assert "Traceback" not in result.stderr
