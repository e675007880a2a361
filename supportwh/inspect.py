"""Reading the built warehouse: reconciliation and quarantine summaries."""

from __future__ import annotations

from pathlib import Path

from supportwh.errors import SupportWHError


def _query(duckdb_path: Path, sql: str, params: list | None = None) -> list[dict]:
    import duckdb

    if not Path(duckdb_path).exists():
        raise SupportWHError(f"no warehouse at {duckdb_path}: run `supportwh build` first")
    try:
        with duckdb.connect(str(duckdb_path), read_only=True) as con:
            cursor = con.execute(sql, params or [])
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    except duckdb.CatalogException as exc:
        raise SupportWHError(f"{duckdb_path} has not been built: {exc}") from exc


def reconciliation(duckdb_path: Path) -> list[dict]:
    return _query(duckdb_path, "select * from staging.stg_row_reconciliation order by table_name")


def quarantine_summary(duckdb_path: Path) -> list[dict]:
    return _query(
        duckdb_path,
        "select table_name, reason, count(*) as rows from staging.stg_quarantine "
        "group by all order by table_name, reason",
    )


def quarantine_rows(duckdb_path: Path, limit: int = 20) -> list[dict]:
    return _query(
        duckdb_path,
        "select * from staging.stg_quarantine order by table_name, reason, record_key limit ?",
        [limit],
    )
