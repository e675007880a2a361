"""Load a raw folder (the contract's Parquet) into a Spark schema.

The dbt `spark` target runs in `session` mode: dbt starts a local SparkSession
in its own process, with a Hive catalog persisted in a directory of the
warehouse's own (table files under the warehouse dir, the metastore in an
embedded Derby database). This module applies the same settings
(`spark_conf`, from the same environment variables as profiles.yml), so the
tables it writes are the ones dbt reads.

Embedded Derby admits one process at a time and a stopped SparkSession does
not release it (the JVM lives as long as the Python process): `load_raw` does
the work in a child process, so the catalog is free when it returns.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from supportwh.errors import SupportWHError
from supportwh.loader import OPTIONAL_TABLES, contract_schemas
from supportwh.project import PROJECT_DIR

MIN_JAVA = 17  # pyspark 4


def _path_setting(name: str, default: str) -> Path:
    """A directory setting; relative paths are relative to the project dir."""
    path = Path(os.environ.get(name) or default)
    return path if path.is_absolute() else PROJECT_DIR / path


def warehouse_dir() -> Path:
    return _path_setting("SUPPORTWH_SPARK_WAREHOUSE_DIR", "target/spark/warehouse")


def metastore_dir() -> Path:
    return _path_setting("SUPPORTWH_SPARK_METASTORE_DIR", "target/spark/metastore")


def spark_conf() -> dict[str, str]:
    """The SparkSession settings of the dbt `spark` target (profiles.yml)."""
    env = os.environ.get
    metastore = metastore_dir()
    java_options = env("SUPPORTWH_SPARK_JAVA_OPTIONS", "-XX:TieredStopAtLevel=1")
    return {
        "spark.master": env("SUPPORTWH_SPARK_MASTER", "local[2]"),
        "spark.driver.memory": env("SUPPORTWH_SPARK_DRIVER_MEMORY", "2g"),
        "spark.sql.warehouse.dir": str(warehouse_dir()),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={metastore}/metastore_db;create=true"
        ),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={metastore} {java_options}",
        "spark.sql.codegen.wholeStage": env("SUPPORTWH_SPARK_CODEGEN", "false"),
        "spark.sql.shuffle.partitions": env("SUPPORTWH_SPARK_SHUFFLE_PARTITIONS", "2"),
        "spark.sql.ansi.enabled": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.sources.partitionOverwriteMode": "dynamic",
        "spark.ui.enabled": "false",
    }


def check_java() -> str:
    """The `java -version` line, or a clear error when Java is missing or too old."""
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
    hint = (
        f"Spark needs Java {MIN_JAVA} or later: install a JDK "
        "(Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME"
    )
    if java_home and not Path(java).exists():
        raise SupportWHError(f"java not found: JAVA_HOME={java_home} has no bin/java. {hint}")
    if not java or not Path(java).exists():
        raise SupportWHError(f"java not found on PATH. {hint}")
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except OSError as exc:
        raise SupportWHError(f"{java} does not run ({exc}). {hint}") from exc
    first = (out.stderr or out.stdout).strip().splitlines()[:1]
    match = re.search(r'version "(\d+)(?:\.(\d+))?', first[0] if first else "")
    if not match:
        raise SupportWHError(f"cannot tell the version of {java}. {hint}")
    major = int(match.group(1))
    if major == 1:  # "1.8.0" is Java 8
        major = int(match.group(2) or 0)
    if major < MIN_JAVA:
        raise SupportWHError(f"{java} is Java {major}. {hint}")
    return first[0]


def spark_session(app_name: str = "supportwh"):
    """A local SparkSession with the warehouse's catalog (Hive, Derby)."""
    check_java()
    from pyspark.sql import SparkSession

    warehouse_dir().mkdir(parents=True, exist_ok=True)
    metastore_dir().mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.appName(app_name).enableHiveSupport()
    for key, value in spark_conf().items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def raw_files(raw_dir: Path) -> dict[str, list[Path] | None]:
    """Each contract table's Parquet files; None for an absent optional table."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise SupportWHError(f"raw folder {raw_dir} does not exist")
    found: dict[str, list[Path] | None] = {}
    for table in contract_schemas():
        folder = raw_dir / table
        if not folder.is_dir():
            if table in OPTIONAL_TABLES:
                found[table] = None
                continue
            raise SupportWHError(
                f"raw table '{table}' not found ({folder}): it is required by the raw contract "
                "(it may be empty, but it must exist)"
            )
        found[table] = sorted(folder.glob("*.parquet"))
    return found


def load_raw(raw_dir: Path, schema: str) -> dict[str, int]:
    """Load `raw_dir` into the Spark schema `schema`; return rows per table.

    Every week's file of a table is read, unioned by column name, and written
    as a managed Parquet table (replacing the previous load). An absent
    optional table is dropped from the schema, so a stale copy is not read.
    Runs in a child process (see the module docstring).
    """
    raw_dir = Path(raw_dir).resolve()
    raw_files(raw_dir)  # fail fast, before starting a JVM
    check_java()
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", schema):
        raise SupportWHError(f"schema name {schema!r}: use letters, digits and underscores")
    result = subprocess.run(
        [sys.executable, "-m", "supportwh.loader.spark", str(raw_dir), schema],
        capture_output=True,
        text=True,
    )
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        detail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise SupportWHError(f"loading {raw_dir} into Spark schema {schema} failed: {detail}")
    return json.loads(lines[-1])


def load_in_process(raw_dir: Path, schema: str) -> dict[str, int]:
    """The load itself, in this process's SparkSession (stopped at the end)."""
    files = raw_files(raw_dir)
    spark = spark_session("supportwh-load")
    try:
        spark.sql(f"create database if not exists {schema}")
        counts: dict[str, int] = {}
        for table, paths in files.items():
            name = f"{schema}.{table}"
            if paths is None:
                spark.sql(f"drop table if exists {name}")
                continue
            frame = _read_table(spark, table, paths)
            frame.write.mode("overwrite").format("parquet").saveAsTable(name)
            counts[table] = spark.table(name).count()
        return counts
    finally:
        spark.stop()


def _read_table(spark, table: str, paths: list[Path]):
    """One DataFrame of all files of a table, unioned by column name.

    Columns of one type in every file keep it (Parquet mergeSchema); a column
    whose type differs between files is read as text in all of them, so the
    dbt staging casts it and quarantines the values that do not fit.
    """
    import pyarrow.parquet as pq

    if not paths:  # an empty table: the contract's columns, no rows
        from supportwh.generator.constants import SCHEMAS

        arrow_schema = SCHEMAS[table]
        return spark.createDataFrame([], _spark_schema(spark, arrow_schema))
    types: dict[str, set[str]] = {}
    for path in paths:
        for field in pq.read_schema(path):
            types.setdefault(field.name, set()).add(_type_family(field.type))
    mixed = {name for name, seen in types.items() if len(seen) > 1}
    if not mixed:
        return spark.read.option("mergeSchema", "true").parquet(*map(str, paths))
    from pyspark.sql import functions as F

    frames = []
    for path in paths:
        frame = spark.read.parquet(str(path))
        frame = frame.select(
            *[F.col(c).cast("string").alias(c) if c in mixed else F.col(c) for c in frame.columns]
        )
        frames.append(frame)
    combined = frames[0]
    for frame in frames[1:]:
        combined = combined.unionByName(frame, allowMissingColumns=True)
    return combined


def _type_family(arrow_type) -> str:
    """Arrow types Spark reads as one type count as one (string/large_string)."""
    import pyarrow as pa

    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "string"
    return str(arrow_type)


def _spark_schema(spark, arrow_schema):
    from pyspark.sql import types as T

    def spark_type(arrow_type):
        import pyarrow as pa

        if pa.types.is_timestamp(arrow_type):
            return T.TimestampType()
        if pa.types.is_boolean(arrow_type):
            return T.BooleanType()
        if pa.types.is_integer(arrow_type):
            return T.LongType()
        if pa.types.is_floating(arrow_type):
            return T.DoubleType()
        if pa.types.is_decimal(arrow_type):
            return T.DecimalType(arrow_type.precision, arrow_type.scale)
        return T.StringType()

    return T.StructType([T.StructField(f.name, spark_type(f.type), True) for f in arrow_schema])


def main(argv: list[str] | None = None) -> int:
    """Child-process entry point: load, print the row counts as one JSON line."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m supportwh.loader.spark RAW_DIR SCHEMA", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        counts = load_in_process(Path(args[0]), args[1])
    except SupportWHError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - one line for the parent, not a traceback
        print(" ".join(f"{type(exc).__name__}: {exc}".split())[:500], file=sys.stderr)
        return 1
    print(f"loaded in {time.monotonic() - started:.1f}s", file=sys.stderr)
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
