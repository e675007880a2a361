"""What a review page shows, read from the marts of a built DuckDB warehouse.

Every number comes from a mart as published; the queries here only pick the
period's rows (and count policy-log rows by class and severity, which the log
is for). Python renders, the warehouse computes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from supportwh.errors import SupportWHError

CADENCES = ("weekly", "monthly", "quarterly")
# (mart whose rows define the periods, its period column)
PERIOD_SOURCE = {
    "weekly": ("review_weekly_operational", "week_start"),
    "monthly": ("review_monthly_business", "month_start"),
    "quarterly": ("review_quarterly_recalibration", "quarter_start"),
}
CSAT_LATENCIES = ("csat_resolution", "csat_delayed", "csat_model")
SEVERITY_ORDER = ("P0", "rollback", "P1", "review", "P2", "info")


def period_start(cadence: str, day: date) -> date:
    """The period a date belongs to: its ISO week's Monday, month or quarter."""
    if cadence == "weekly":
        return day - timedelta(days=day.weekday())
    if cadence == "monthly":
        return day.replace(day=1)
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def period_end(cadence: str, start: date) -> date:
    """The first day after the period."""
    if cadence == "weekly":
        return start + timedelta(days=7)
    months = 1 if cadence == "monthly" else 3
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def period_label(cadence: str, start: date) -> str:
    if cadence == "weekly":
        iso = start.isocalendar()
        return f"week {iso.year}-W{iso.week:02d} (Mon {start:%d %b %Y})"
    if cadence == "monthly":
        return f"{start:%B %Y}"
    return f"Q{(start.month - 1) // 3 + 1} {start.year}"


@dataclass
class ReportData:
    cadence: str
    period: date
    period_is_default: bool
    is_complete: bool
    as_of: datetime
    deployed_week: date | None
    duckdb_path: Path
    periods: list[date]
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return period_label(self.cadence, self.period)

    @property
    def end(self) -> date:
        return period_end(self.cadence, self.period)


def _df(con, sql: str, params: list | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


def _scalar(con, sql: str):
    return con.execute(sql).fetchone()[0]


def load(duckdb_path: Path, cadence: str, period: date | None = None) -> ReportData:
    """The rows of one review: `period` is any day of it (default: the latest
    complete period, the one whose end the latest ticket has reached)."""
    import duckdb

    if cadence not in CADENCES:
        raise SupportWHError(f"unknown cadence {cadence}: choose from {', '.join(CADENCES)}")
    duckdb_path = Path(duckdb_path).resolve()
    if not duckdb_path.exists():
        raise SupportWHError(f"no warehouse at {duckdb_path}: run `supportwh build` first")
    mart, column = PERIOD_SOURCE[cadence]
    try:
        con = duckdb.connect(str(duckdb_path), read_only=True)
    except duckdb.Error as exc:
        raise SupportWHError(f"cannot open {duckdb_path}: {exc}") from exc
    try:
        try:
            periods = [
                r[0]
                for r in con.execute(
                    f"select distinct {column} from marts.{mart} order by 1"
                ).fetchall()
            ]
            as_of = _scalar(con, "select max(created_at) from intermediate.int_tickets")
            deployed = _scalar(
                con,
                "select min(week_start) from marts.kpi_csat_gates where status is not null",
            )
        except duckdb.CatalogException as exc:
            # DuckDB's message spans lines (the query, a caret): its first line suffices
            raise SupportWHError(
                f"{duckdb_path} has no marts.{mart}: build the warehouse first "
                f"(`supportwh build`; {str(exc).splitlines()[0]})"
            ) from exc
        if not periods or as_of is None:
            raise SupportWHError(f"marts.{mart} in {duckdb_path} is empty: nothing to report")
        complete = [
            p
            for p in periods
            if datetime.combine(period_end(cadence, p), datetime.min.time()) <= as_of
        ]
        if period is None:
            if not complete:
                raise SupportWHError(
                    f"no complete {cadence} period in {duckdb_path} (data {periods[0]} to "
                    f"as_of {as_of:%Y-%m-%d}): pass --period"
                )
            chosen, is_default = complete[-1], True
        else:
            chosen, is_default = period_start(cadence, period), False
            if chosen not in periods:
                raise SupportWHError(
                    f"no {cadence} data for {period_label(cadence, chosen)} in marts.{mart}: "
                    f"periods from {periods[0]} to {periods[-1]}"
                )
        data = ReportData(
            cadence=cadence,
            period=chosen,
            period_is_default=is_default,
            is_complete=chosen in complete,
            as_of=as_of,
            deployed_week=deployed,
            duckdb_path=duckdb_path,
            periods=periods,
        )
        data.thresholds = {
            f"{r[0]}:{r[1]}": r[2]
            for r in con.execute(
                "select rule, kpi, threshold from reference.kpi_thresholds "
                "where threshold is not null"
            ).fetchall()
        }
        {"weekly": _weekly, "monthly": _monthly, "quarterly": _quarterly}[cadence](con, data)
        return data
    finally:
        con.close()


def _incident_counts(con, column: str, period: date) -> pd.DataFrame:
    return _df(
        con,
        f"select finding_class, severity, source, count(*) as incidents "
        f"from marts.policy_incident_log where {column} = ? group by all "
        "order by severity, finding_class, source",
        [period],
    )


def _incident_rows(con, column: str, period: date, limit: int = 200) -> pd.DataFrame:
    return _df(
        con,
        "select incident_id, source, finding_class, severity, archetype, intent, bot_version, "
        "policy_key, quoted_value, canonical_value, tool_name, ticket_id "
        f"from marts.policy_incident_log where {column} = ? "
        "order by severity, finding_class, archetype, incident_id limit ?",
        [period, limit],
    )


def _weekly(con, data: ReportData) -> None:
    week = data.period
    f = data.frames
    f["panel"] = _df(
        con,
        "select * from marts.review_weekly_panel where week_start = ? order by panel_position",
        [week],
    )
    f["archetypes"] = _df(
        con,
        "select * from marts.review_weekly_operational where week_start = ? "
        "and archetype <> 'all' order by tickets desc, archetype",
        [week],
    )
    f["actions"] = _df(
        con,
        "select * from marts.review_weekly_action_items where week_start = ? "
        "order by severity_rank, rule, archetype, segment, channel",
        [week],
    )
    # trends up to the week: the panel's single-archetype lines and 'all'
    f["csat_trend"] = _df(
        con,
        """
        select
            w.week_start, w.kpi, w.archetype, w.value as weekly_csat,
            w.denominator as weekly_responses,
            g.csat as rolling_csat, g.wilson_low, g.wilson_high, g.baseline_csat,
            g.baseline_kind, g.status
        from marts.kpi_weekly as w
        left join marts.kpi_csat_gates as g
            on w.week_start = g.week_start and w.kpi = g.kpi and w.archetype = g.archetype
            and g.segment = 'all' and g.channel = 'all'
        where w.segment = 'all' and w.channel = 'all' and w.week_start <= ?
            and w.kpi in ('csat_resolution', 'csat_delayed', 'csat_model')
            and w.archetype in (
                select panel_archetype from marts.review_weekly_panel
                where week_start = ? and archetypes = 1
            )
        order by w.archetype, w.kpi, w.week_start
        """,
        [week, week],
    )
    f["trend"] = _df(
        con,
        "select week_start, panel_archetype, panel_position, bot_handle_seconds, "
        "escalated_handle_seconds, repeat_contact_7d, repeat_contact_30d, csat_model "
        "from marts.review_weekly_panel where week_start <= ? and panel_archetype in "
        "(select panel_archetype from marts.review_weekly_panel where week_start = ?) "
        "order by panel_position, week_start",
        [week, week],
    )
    f["incident_counts"] = _incident_counts(con, "week_start", week)
    f["incidents"] = _incident_rows(con, "week_start", week)
    f["refund_accuracy"] = _df(
        con,
        "select archetype, qa_reviewed_tickets, numerator, denominator, value, "
        "refund_misquotes, misquotes_by_policy_key from marts.refund_accuracy_weekly "
        "where week_start = ? order by archetype = 'all' desc, qa_reviewed_tickets desc",
        [week],
    )


def _monthly(con, data: ReportData) -> None:
    month = data.period
    f = data.frames
    f["months"] = _df(
        con,
        "select * from marts.review_monthly_business where month_start = ? "
        "order by archetype = 'all' desc, tickets desc, archetype",
        [month],
    )
    f["trend"] = _df(
        con,
        "select month_start, archetype, tickets, deflection_rate, csat_resolution, "
        "csat_delayed, csat_model, escalated_csat, context_loss_rate, "
        "customer_repetition_rate, ticket_share_pct from marts.review_monthly_business "
        "where month_start <= ? order by archetype, month_start",
        [month],
    )
    f["incident_counts"] = _incident_counts(con, "month_start", month)
    f["incidents"] = _incident_rows(con, "month_start", month)


def _quarterly(con, data: ReportData) -> None:
    quarter = data.period
    f = data.frames
    f["quarter"] = _df(
        con,
        "select * from marts.review_quarterly_recalibration where quarter_start = ? "
        "order by archetype = 'all' desc, tickets desc, archetype",
        [quarter],
    )
    f["history"] = _df(
        con,
        "select * from marts.review_quarterly_recalibration where quarter_start <= ? "
        "and archetype = 'all' order by quarter_start",
        [quarter],
    )
    f["thresholds"] = _df(
        con,
        "select * from marts.review_quarterly_confidence_thresholds where quarter_start = ? "
        "order by bot_resolved_tickets desc, archetype",
        [quarter],
    )
    f["incident_counts"] = _incident_counts(con, "quarter_start", quarter)
