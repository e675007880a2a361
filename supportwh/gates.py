"""`supportwh gates`: the Great Expectations gates on the KPI marts for one week.

Reads the marts of a built warehouse (pandas route), validates the week's
gate frame with the suites of `expectations/`, writes the validation results
and the Data Docs under a results folder, appends one row per gate and
archetype to `gates.gate_results` in the warehouse, and prints a short
summary. The command exits 3 when a gate of a blocking severity failed
(default P0 and rollback), 0 otherwise; errors (a missing or empty mart, an
unknown week) are one line and exit 1, as every command of the CLI.
`supportwh run` prints the same summary and never fails on it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from supportwh.errors import SupportWHError

DEFAULT_FAIL_ON = ("P0", "rollback")
EXIT_BLOCKING = 3
RESULTS_SCHEMA = "gates"
RESULTS_TABLE = f"{RESULTS_SCHEMA}.gate_results"
_COUNT_UNITS = ("finding(s)", "weekly rises in a row")

_DDL = f"""
create schema if not exists {RESULTS_SCHEMA};
create table if not exists {RESULTS_TABLE} (
    run_id varchar not null,
    run_at timestamp not null,
    week_start date not null,
    suite varchar not null,
    expectation varchar not null,
    expectation_id varchar,
    gate varchar not null,
    rule varchar not null,
    kpi varchar not null,
    family varchar not null,
    archetype varchar not null,
    column_name varchar,
    observed double,
    comparator varchar,
    threshold double,
    threshold_unit varchar,
    unit varchar,
    trips_when varchar,
    severity varchar not null,
    action varchar,
    owner varchar not null,
    judged boolean not null,
    success boolean,
    blocking boolean not null,
    expectation_success boolean,
    detail varchar
);
"""


@dataclass
class GateRun:
    run_id: str
    run_at: datetime  # UTC
    week: date
    week_is_default: bool
    week_is_complete: bool
    as_of: datetime
    deployed_week: date
    duckdb_path: Path
    results_dir: Path
    fail_on: tuple[str, ...]
    rows: pd.DataFrame  # one row per gate and archetype (gates.gate_results)
    frame: pd.DataFrame  # the validated gate frame
    expectations: int
    suites: int
    data_docs_index: Path | None
    run_dir: Path
    stored: bool
    seconds: float
    gx_seconds: float
    not_gated: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> pd.DataFrame:
        return self.rows[self.rows.success.eq(False)]

    @property
    def blocking(self) -> pd.DataFrame:
        return self.failed[self.failed.blocking]

    @property
    def exit_code(self) -> int:
        return EXIT_BLOCKING if len(self.blocking) else 0


def parse_fail_on(text: str | None) -> tuple[str, ...]:
    """'P0,rollback' -> ('P0', 'rollback'); 'none' (or '') -> () (report only)."""
    from expectations.thresholds import SEVERITY_ORDER

    if text is None:
        return DEFAULT_FAIL_ON
    values = [v.strip() for v in text.split(",") if v.strip()]
    if values in ([], ["none"]):
        return ()
    unknown = [v for v in values if v not in SEVERITY_ORDER]
    if unknown:
        raise SupportWHError(
            f"--fail-on: unknown severity {', '.join(unknown)}; "
            f"choose from {', '.join(SEVERITY_ORDER)} (comma-separated) or none"
        )
    return tuple(values)


def default_results_dir(duckdb_path: Path) -> Path:
    """`gates/` next to the warehouse file: target/gates for the default warehouse."""
    return Path(duckdb_path).resolve().parent / "gates"


def run_gates(
    duckdb_path: Path,
    week: date | None = None,
    results_dir: Path | None = None,
    fail_on: tuple[str, ...] = DEFAULT_FAIL_ON,
    store: bool = True,
    data_docs: bool = True,
) -> GateRun:
    """Validate one week; write results, Data Docs and (store) gates.gate_results."""
    from expectations.checkpoint import run_checkpoint
    from expectations.marts import open_marts
    from expectations.suites import build_frame, build_gates, not_gated
    from expectations.thresholds import load_thresholds

    started = time.monotonic()
    duckdb_path = Path(duckdb_path).resolve()
    results_dir = Path(results_dir or default_results_dir(duckdb_path)).resolve()
    run_at = datetime.now(UTC).replace(tzinfo=None)
    with open_marts(duckdb_path, week) as marts:
        thresholds = load_thresholds(marts.con)
        gates = build_gates(thresholds)
        frame = build_frame(marts, thresholds)
        judged_week, as_of, deployed_week = marts.week, marts.as_of, marts.deployed_week
        complete = marts.is_complete_week
    run_id = f"{run_at:%Y%m%dT%H%M%S%f}_week_{judged_week}"
    outcome = run_checkpoint(
        frame,
        gates,
        results_dir,
        run_name=f"week_{judged_week}",
        run_time=run_at,
        data_docs=data_docs,
    )
    rows = outcome.rows
    rows.insert(0, "week_start", judged_week)
    rows.insert(0, "run_at", run_at)
    rows.insert(0, "run_id", run_id)
    rows["blocking"] = rows.severity.isin(fail_on)
    run = GateRun(
        run_id=run_id,
        run_at=run_at,
        week=judged_week,
        week_is_default=week is None,
        week_is_complete=complete,
        as_of=as_of,
        deployed_week=deployed_week,
        duckdb_path=duckdb_path,
        results_dir=results_dir,
        fail_on=tuple(fail_on),
        rows=rows,
        frame=frame,
        expectations=outcome.expectations,
        suites=len(gates),
        data_docs_index=outcome.data_docs_index,
        run_dir=results_dir / "runs" / run_id,
        stored=False,
        seconds=0.0,
        gx_seconds=outcome.gx_seconds,
        not_gated=not_gated(),
    )
    _write_files(run, outcome.validation_results)
    if store:
        store_results(duckdb_path, rows)
        run.stored = True
    run.seconds = time.monotonic() - started
    return run


def _write_files(run: GateRun, validation_results: list[str]) -> None:
    run.run_dir.mkdir(parents=True, exist_ok=True)
    run.frame.to_csv(run.run_dir / "gate_frame.csv", index=False)
    run.rows.to_csv(run.run_dir / "gate_results.csv", index=False)
    summary = {
        "run_id": run.run_id,
        "run_at": run.run_at.isoformat() + "Z",
        "week_start": run.week.isoformat(),
        "week_is_complete": run.week_is_complete,
        "as_of": str(run.as_of),
        "deployed_week": run.deployed_week.isoformat(),
        "warehouse": str(run.duckdb_path),
        "fail_on": list(run.fail_on),
        "expectations": run.expectations,
        "suites": run.suites,
        "failed": _records(run.failed),
        "blocking_failed": len(run.blocking),
        "exit_code": run.exit_code,
        "not_gated": run.not_gated,
        "gx_validation_results": validation_results,
        "data_docs": str(run.data_docs_index) if run.data_docs_index else None,
    }
    (run.run_dir / "summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")


def _records(frame: pd.DataFrame) -> list[dict]:
    keep = ["suite", "rule", "kpi", "archetype", "observed", "threshold", "trips_when"]
    keep += ["severity", "owner", "blocking", "detail"]
    return json.loads(frame[keep].to_json(orient="records"))


def store_results(duckdb_path: Path, rows: pd.DataFrame) -> None:
    """Append the run's rows to gates.gate_results (created on first use)."""
    import duckdb

    try:
        with duckdb.connect(str(duckdb_path)) as con:
            con.execute(_DDL)
            con.register("gate_rows", rows)
            con.execute(f"insert into {RESULTS_TABLE} by name select * from gate_rows")
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise SupportWHError(
            f"cannot append to {RESULTS_TABLE} in {duckdb_path} ({first}); "
            "the run's results are written under the results folder"
        ) from exc


# --- the summary --------------------------------------------------------------


def _value(value, unit: str) -> str:
    if value is None or pd.isna(value):
        return "-"
    if unit in _COUNT_UNITS:
        return f"{value:.0f}"
    return f"{value:.2f}"


def format_summary(run: GateRun, limit: int = 40) -> str:
    from expectations.thresholds import SEVERITY_ORDER

    rank = {s: i for i, s in enumerate(SEVERITY_ORDER)}
    which = "latest complete week" if run.week_is_default else "requested week"
    if not run.week_is_complete:
        which += f", still open at as_of {run.as_of:%Y-%m-%d %H:%M}"
    archetypes = run.frame.archetype.nunique()
    lines = [
        f"gates for the week of {run.week} ({which}): {run.expectations} expectations in "
        f"{run.suites} suites on {archetypes} archetype lines, {run.seconds:.1f}s"
    ]
    failed = run.failed.assign(_rank=run.failed.severity.map(rank).fillna(len(rank)))
    failed = failed.sort_values(["_rank", "rule", "kpi", "archetype"])
    if failed.empty:
        lines.append("  every judged gate passed")
    for r in failed.head(limit).itertuples():
        block = "  BLOCKING" if r.blocking else ""
        lines.append(
            f"  FAILED [{r.severity}] {r.rule} ({r.kpi}) {r.archetype}: observed "
            f"{_value(r.observed, r.unit)} {r.unit}, trips when {r.trips_when} -> "
            f"{r.owner}{block}" + (f"; {r.detail}" if r.detail else "")
        )
    if len(failed) > limit:
        lines.append(f"  ... {len(failed) - limit} more in {RESULTS_TABLE} (run_id {run.run_id})")
    per_suite = []
    for suite, g in run.rows.groupby("suite", sort=False):
        judged = g[g.judged]
        per_suite.append(
            f"{suite.removeprefix('kpi_gates_')} {int(judged.success.sum())}/{len(judged)}"
        )
    lines.append("  passed/judged per suite: " + ", ".join(per_suite))
    blocking = ", ".join(run.fail_on) or "none"
    if len(run.blocking):
        lines.append(
            f"  verdict: {len(run.blocking)} blocking failure(s) (blocking severities: "
            f"{blocking}); `supportwh gates` exits {EXIT_BLOCKING}"
        )
    else:
        lines.append(f"  verdict: no blocking failure (blocking severities: {blocking})")
    where = f"  results: {run.run_dir}"
    if run.data_docs_index:
        where += f"; Data Docs: {run.data_docs_index}"
    if run.stored:
        where += f"; table {RESULTS_TABLE} (run_id {run.run_id})"
    lines.append(where)
    return "\n".join(lines)


def report_gates(duckdb_path: Path) -> None:
    """What `supportwh run` prints: the gates' summary; it reports, it does not gate."""
    try:
        run = run_gates(duckdb_path)
    except SupportWHError as exc:
        print(f"\ngates: not run: {exc}")
        return
    print("\n" + format_summary(run))
    print(
        "  (`supportwh run` reports the gates and exits 0; `supportwh gates` is the gating command)"
    )
