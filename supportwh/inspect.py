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


def latest_week_panel(duckdb_path: Path) -> dict:
    """The latest complete week's headline and alerts, for the run summary."""
    week = _query(
        duckdb_path,
        "select max(week_start) as week from marts.kpi_deflection_headline "
        "where week_start < (select max(week_start) from marts.kpi_deflection_headline)",
    )[0]["week"]
    headline = _query(
        duckdb_path,
        "select archetype, tickets, deflection_rate, band_position, is_csat_protected, "
        "csat_resolution_status, csat_delayed_status from marts.kpi_deflection_headline "
        "where week_start = ? and archetype <> 'all' order by tickets desc",
        [week],
    )
    alerts = _query(
        duckdb_path,
        "select severity, rule, kpi, archetype, owner, detail from marts.kpi_alerts "
        "where week_start = ? and segment = 'all' and channel = 'all' "
        "order by case severity when 'P0' then 0 when 'rollback' then 1 when 'P1' then 2 "
        "when 'review' then 3 when 'P2' then 4 else 5 end, rule, archetype",
        [week],
    )
    return {"week": week, "headline": headline, "alerts": alerts}
