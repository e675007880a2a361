"""The raw loader of the Postgres target: Parquet -> (DuckDB) CSV -> COPY.

DuckDB reads each table's files unioned by column name and writes one CSV
stream; psycopg2's copy_expert feeds it to COPY ... FROM STDIN (a bulk
load, no row inserts). The connection is the one of profiles.yml's
`postgres` target (the SUPPORTWH_PG_* variables). All tables are replaced
in one transaction: a failed load leaves the raw schema as it was.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pyarrow as pa

from supportwh.errors import SupportWHError
from supportwh.loader import contract_schemas, table_files

INTEGER_SOURCES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
}
FLOAT_SOURCES = {"FLOAT", "DOUBLE"}
TIMESTAMP_SOURCES = {
    "TIMESTAMP",
    "TIMESTAMP_S",
    "TIMESTAMP_MS",
    "TIMESTAMP_NS",
    "TIMESTAMP WITH TIME ZONE",
    "DATE",
}


def connection_settings() -> dict[str, str | int]:
    """profiles.yml's postgres target, from the same variables and defaults."""
    env = os.environ.get
    return {
        "host": env("SUPPORTWH_PG_HOST", "127.0.0.1"),
        "port": int(env("SUPPORTWH_PG_PORT", "5432")),
        "user": env("SUPPORTWH_PG_USER", "postgres"),
        "password": env("SUPPORTWH_PG_PASSWORD", ""),
        "dbname": env("SUPPORTWH_PG_DATABASE", "supportwh"),
    }


def connect():
    import psycopg2

    settings = connection_settings()
    try:
        return psycopg2.connect(connect_timeout=10, **settings)
    except psycopg2.OperationalError as exc:
        detail = " ".join(str(exc).split())
        raise SupportWHError(
            f"cannot connect to Postgres {settings['user']}@{settings['host']}:{settings['port']}"
            f"/{settings['dbname']} (SUPPORTWH_PG_*): {detail}"
        ) from exc


def _kind(arrow_type: pa.DataType) -> str:
    if pa.types.is_timestamp(arrow_type) or pa.types.is_date(arrow_type):
        return "timestamp"
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_integer(arrow_type):
        return "integer"
    if pa.types.is_floating(arrow_type):
        return "double"
    if pa.types.is_decimal(arrow_type):
        return "decimal"
    return "string"


def column_plan(kind: str | None, source_type: str) -> tuple[str, str]:
    """(Postgres type, DuckDB cast) of one column: the contract's type `kind`
    when the files' type fits it, else text (the build's safe cast decides).
    `kind` None: a column the contract does not know, typed by its files."""
    base = source_type.split("(")[0]
    fits = {
        "timestamp": base in TIMESTAMP_SOURCES,
        "boolean": base == "BOOLEAN",
        "integer": base in INTEGER_SOURCES,
        "double": base in INTEGER_SOURCES | FLOAT_SOURCES | {"DECIMAL"},
        "decimal": base in INTEGER_SOURCES | FLOAT_SOURCES | {"DECIMAL"},
    }
    if kind is None:  # an extra vendor column: kept, typed by what it holds
        kind = next((k for k, ok in fits.items() if ok), "string")
    if kind == "string" or not fits.get(kind, False):
        return "text", "VARCHAR"
    return {
        "timestamp": ("timestamp", "TIMESTAMP"),
        "boolean": ("boolean", "BOOLEAN"),
        "integer": ("bigint", "BIGINT"),
        "double": ("double precision", "DOUBLE"),
        "decimal": ("numeric", source_type if base == "DECIMAL" else "DOUBLE"),
    }[kind]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def load_raw(raw_dir: Path, schema: str = "raw") -> dict[str, int]:
    """Replace the contract's tables in `schema` with the files of `raw_dir`."""
    import duckdb
    import psycopg2

    files = table_files(raw_dir)
    contract = contract_schemas()
    duck = duckdb.connect()
    duck.execute("set threads = 2")
    duck.execute("set TimeZone = 'UTC'")  # timestamptz files land as UTC wall time
    counts: dict[str, int] = {}
    conn = connect()
    try:
        with conn, conn.cursor() as cur, tempfile.TemporaryDirectory() as tmp:
            cur.execute(f"create schema if not exists {_quote(schema)}")
            for table, kinds in contract.items():
                target = f"{_quote(schema)}.{_quote(table)}"
                cur.execute(f"drop table if exists {target}")
                if table not in files:
                    continue  # optional and absent: the schema mirrors the folder
                source = duck.sql(
                    "select * from read_parquet($files, union_by_name = true)",
                    params={"files": [str(f) for f in files[table]]},
                )
                contract_kinds = {f.name: _kind(f.type) for f in kinds}
                plans = [
                    (name, *column_plan(contract_kinds.get(name), str(dtype)))
                    for name, dtype in zip(source.columns, source.types, strict=True)
                ]
                cur.execute(
                    f"create table {target} ("
                    + ", ".join(f"{_quote(n)} {pg}" for n, pg, _ in plans)
                    + ")"
                )
                csv = Path(tmp) / f"{table}.csv"
                casts = ", ".join(f"cast({_quote(n)} as {cast})" for n, _, cast in plans)
                duck.execute(
                    f"copy (select {casts} from read_parquet($files, union_by_name = true)) "
                    f"to '{csv}' (format csv, header false)",
                    {"files": [str(f) for f in files[table]]},
                )
                with csv.open("rb") as stream:
                    cur.copy_expert(
                        f"copy {target} ({', '.join(_quote(n) for n, _, _ in plans)}) "
                        "from stdin with (format csv)",
                        stream,
                    )
                counts[table] = cur.rowcount
                csv.unlink()
                cur.execute(f"analyze {target}")
    except psycopg2.Error as exc:
        detail = " ".join(str(exc).split())
        raise SupportWHError(
            f"loading {raw_dir} into Postgres schema {schema} failed: {detail}"
        ) from exc
    finally:
        conn.close()
        duck.close()
    return counts
