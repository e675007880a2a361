"""Reading the marts for one week into pandas (the route GX 1.x can validate).

GX 1.x's SQL data source does not work over DuckDB's SQLAlchemy dialect
(GX issues 10738, 11579), so the gates read the marts with DuckDB into pandas
and validate data frames. Two numbers no mart publishes come from the
intermediate layer: `as_of` (the latest ticket `created_at`, as the models'
`as_of()` macro) and the pre-deployment agent handle time per archetype (the
`escalated_handle_time` baseline, as `kpi_alerts` computes it).

A missing or empty mart, or a week the marts do not hold, is an error (a
`SupportWHError`, one line on the command line), never a pass.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from supportwh.errors import SupportWHError
from supportwh.project import PROJECT_DIR

# marts the suites read; each must exist and hold rows
REQUIRED_NONEMPTY = ("marts.kpi_weekly", "marts.kpi_csat_gates", "marts.kpi_deflection_headline")
# must exist; may be empty (a week, or an export, with no policy incident)
REQUIRED = (
    *REQUIRED_NONEMPTY,
    "marts.policy_incident_log",
    "intermediate.int_tickets",
    "intermediate.int_ticket_kpi_facts",
)

# dbt vars the gates use, as the alert rules of `kpi_alerts` use them. The CLI
# passes only raw_path and ai_deployed_at to dbt, so the others are the
# project's defaults in dbt_project.yml.
GATE_VARS = ("min_escalations", "min_qa_population", "qa_review_lag_days", "rolling_weeks")
BASELINE_VARS = ("baseline_weeks",)


def dbt_vars(project_dir: Path = PROJECT_DIR) -> dict:
    import yaml

    path = Path(project_dir) / "dbt_project.yml"
    try:
        declared = yaml.safe_load(path.read_text())["vars"]
    except (OSError, KeyError, TypeError, yaml.YAMLError) as exc:
        raise SupportWHError(f"cannot read the dbt vars from {path}: {exc}") from exc
    missing = [v for v in GATE_VARS + BASELINE_VARS if v not in declared]
    if missing:
        raise SupportWHError(f"{path} declares no {', '.join(missing)}")
    return {v: int(declared[v]) for v in GATE_VARS + BASELINE_VARS}


@dataclass
class WeekMarts:
    """The marts of one warehouse, read for one week under review."""

    con: object  # a read-only DuckDB connection
    duckdb_path: Path
    week: date
    deployed_week: date
    as_of: datetime
    vars: dict

    @property
    def is_complete_week(self) -> bool:
        return week_is_complete(self.week, self.as_of)

    def df(self, sql: str, params: list | None = None) -> pd.DataFrame:
        frame = self.con.execute(sql, params or []).df()
        for column in frame.columns:
            if column == "week_start" or column.endswith("_week"):
                frame[column] = pd.to_datetime(frame[column]).dt.date
        return frame


def week_is_complete(week: date, as_of: datetime) -> bool:
    """A week is complete once it ended (the next Monday 00:00) by as_of."""
    return datetime.combine(week + timedelta(days=7), datetime.min.time()) <= as_of


def latest_complete_week(weeks: list[date], as_of: datetime) -> date | None:
    complete = [w for w in weeks if week_is_complete(w, as_of)]
    return max(complete) if complete else None


def _scalar(con, sql: str, params: list | None = None):
    return con.execute(sql, params or []).fetchone()[0]


def _check_relations(con, duckdb_path: Path) -> None:
    import duckdb

    for relation in REQUIRED:
        try:
            rows = _scalar(con, f"select count(*) from {relation}")
        except duckdb.CatalogException as exc:
            raise SupportWHError(
                f"{relation} is missing from {duckdb_path}: the gates validate the built "
                "marts, run `supportwh build` first"
            ) from exc
        if relation in REQUIRED_NONEMPTY and rows == 0:
            raise SupportWHError(
                f"{relation} in {duckdb_path} is empty: nothing to validate (an empty mart "
                "is not a pass; rebuild the warehouse)"
            )


@contextmanager
def open_marts(duckdb_path: Path, week: date | None = None, project_dir: Path = PROJECT_DIR):
    """Yield the WeekMarts for `week` (default: the latest complete week)."""
    import duckdb

    duckdb_path = Path(duckdb_path)
    if not duckdb_path.exists():
        raise SupportWHError(f"no warehouse at {duckdb_path}: run `supportwh build` first")
    if week is not None and week.weekday() != 0:
        raise SupportWHError(f"--week must be a Monday (an ISO week_start), {week} is not")
    variables = dbt_vars(project_dir)
    try:
        con = duckdb.connect(str(duckdb_path), read_only=True)
    except duckdb.Error as exc:
        raise SupportWHError(f"cannot open {duckdb_path}: {exc}") from exc
    try:
        _check_relations(con, duckdb_path)
        as_of = _scalar(con, "select max(created_at) from intermediate.int_tickets")
        deployed_week = _scalar(con, "select min(week_start) from marts.kpi_csat_gates")
        weeks = [
            r[0]
            for r in con.execute(
                "select distinct week_start from marts.kpi_weekly order by 1"
            ).fetchall()
        ]
        if as_of is None:
            raise SupportWHError(f"intermediate.int_tickets in {duckdb_path} holds no ticket")
        if week is None:
            week = latest_complete_week([w for w in weeks if w >= deployed_week], as_of)
            if week is None:
                raise SupportWHError(
                    f"no complete week since deployment ({deployed_week}) in {duckdb_path} "
                    f"(as_of {as_of}): pass --week"
                )
        if week not in weeks:
            raise SupportWHError(
                f"marts.kpi_weekly has no rows for the week of {week} "
                f"(it holds {weeks[0]} to {weeks[-1]})"
            )
        if week < deployed_week:
            raise SupportWHError(
                f"the week of {week} is before the deployment week ({deployed_week}): the "
                "gates judge post-deployment weeks only"
            )
        for relation in ("marts.kpi_csat_gates", "marts.kpi_deflection_headline"):
            if _scalar(con, f"select count(*) from {relation} where week_start = ?", [week]) == 0:
                raise SupportWHError(
                    f"{relation} has no rows for the week of {week} while marts.kpi_weekly "
                    "has: the marts are out of step, rebuild the warehouse"
                )
        yield WeekMarts(
            con=con,
            duckdb_path=duckdb_path,
            week=week,
            deployed_week=deployed_week,
            as_of=as_of,
            vars=variables,
        )
    finally:
        con.close()
