"""Load a raw folder (the contract's Parquet) into the raw schema of a server
warehouse, for tests and for first-time users of the Postgres and Spark
targets (on DuckDB the models read the folder directly).

    load(target, raw_dir, schema) -> {table: rows loaded}

Every table of the contract present in the folder replaces its table in
`schema` (all files of a table, unioned by column name); a required table
absent from the folder is a one-line error before anything is written; an
optional table absent from the folder is dropped from the schema, so the
schema mirrors the folder. Column types follow the contract where the files
carry a compatible type; a contract column the files carry as text stays
text, so that the build's safe casts quarantine the values that do not fit
(invalid_type) instead of the load failing.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from supportwh.errors import SupportWHError

#: Tables of RAW_CONTRACT.md that an export may leave out.
OPTIONAL_TABLES: tuple[str, ...] = ("orders",)

TARGETS: tuple[str, ...] = ("postgres", "spark")


def contract_schemas() -> dict[str, pa.Schema]:
    """The contract's tables and column types, as the generator writes them."""
    from supportwh.generator.constants import SCHEMAS

    return SCHEMAS


def table_files(raw_dir: Path) -> dict[str, list[Path]]:
    """The Parquet files of every contract table present in `raw_dir`; a
    one-line error when the folder or a required table is missing."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise SupportWHError(f"raw folder {raw_dir} does not exist")
    files = {}
    missing = []
    for table in contract_schemas():
        found = sorted((raw_dir / table).glob("*.parquet"))
        if found:
            files[table] = found
        elif table not in OPTIONAL_TABLES:
            missing.append(table)
    if missing:
        raise SupportWHError(
            f"required raw table(s) {', '.join(missing)} missing from {raw_dir} "
            "(no <table>/*.parquet): the raw contract requires them (they may be empty)"
        )
    return files


def load(target: str, raw_dir: Path, schema: str = "raw") -> dict[str, int]:
    """Load `raw_dir` into `schema` of `target`; return the rows loaded per table."""
    if target == "postgres":
        from supportwh.loader.postgres import load_raw
    elif target == "spark":
        try:
            from supportwh.loader.spark import load_raw
        except ImportError as exc:
            raise SupportWHError(
                f"the Spark loader is not available ({exc}): install pyspark and dbt-spark"
            ) from exc
    elif target == "duckdb":
        raise SupportWHError(
            "the duckdb target reads the raw folder in place (supportwh build --raw-path DIR): "
            "nothing to load"
        )
    else:
        raise SupportWHError(f"unknown target '{target}': choose from {', '.join(TARGETS)}")
    return load_raw(Path(raw_dir), schema)
