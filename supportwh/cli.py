"""supportwh: the project's command line.

    supportwh generate   write a raw export (Parquet per the raw contract)
    supportwh load       put a raw folder into the raw schema of a Postgres/Spark target
    supportwh build      dbt build of the warehouse on a raw folder (or raw schema)
    supportwh run        generate (if needed) + build + where the results are
    supportwh quarantine what the last build set aside, per table and reason
    supportwh gates      Great Expectations gates on the KPI marts for one week
    supportwh report     the weekly, monthly or quarterly review as one HTML page
    supportwh load       put a raw folder into the raw schema of Postgres or Spark

Errors are one line on stderr and a non-zero exit, never a traceback
(SUPPORTWH_DEBUG=1 shows it).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

from supportwh.errors import SupportWHError
from supportwh.project import PRODUCTION_BUILD_ARGS, default_warehouse


def _progress_printer(stream=sys.stderr):
    """A progress(stage, done, total) callback: one redrawn line per stage on a
    terminal, a line per 25% step in a log."""
    interactive = stream.isatty()
    state = {"stage": None, "start": time.monotonic(), "step": -1}

    def progress(stage: str, done: int, total: int) -> None:
        if stage != state["stage"]:
            state.update(stage=stage, start=time.monotonic(), step=-1)
        elapsed = time.monotonic() - state["start"]
        pct = 100.0 * done / total if total else 100.0
        line = f"  {stage}: {done:,}/{total:,} ({pct:5.1f}%) {elapsed:6.1f}s"
        if interactive:
            stream.write("\r" + line + ("\n" if done >= total else ""))
        elif int(pct // 25) > state["step"]:
            state["step"] = int(pct // 25)
            stream.write(line + "\n")
        stream.flush()

    return progress


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value}") from exc


def cmd_generate(args: argparse.Namespace) -> int:
    from supportwh.generator import SCENARIOS, generate

    unknown = [s for s in args.scenario if s not in SCENARIOS and s != "all"]
    if unknown:
        raise SupportWHError(
            f"unknown scenario {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}, all"
        )
    out = Path(args.out).resolve()
    if args.start.weekday() != 0:
        raise SupportWHError(f"--start must be a Monday, {args.start} is not")
    week_indices = None
    if args.append_week is not None:
        week_indices = [args.append_week]
    started = time.monotonic()
    result = generate(
        out,
        tickets=args.tickets,
        weeks=args.weeks,
        baseline_weeks=args.baseline_weeks,
        start=args.start,
        seed=args.seed,
        scenarios=args.scenario,
        week_indices=week_indices,
        progress=_progress_printer(),
    )
    total = sum(result.row_counts.values())
    print(
        f"wrote {total:,} raw rows ({result.row_counts.get('tickets', 0):,} ticket rows) to "
        f"{result.out_dir} in {time.monotonic() - started:.1f}s; "
        f"ai_deployed_at={result.ai_deployed_at}"
    )
    return 0


def _warehouse(args: argparse.Namespace):
    return default_warehouse(
        raw_path=getattr(args, "raw_path", None),
        duckdb_path=getattr(args, "duckdb_path", None),
        ai_deployed_at=getattr(args, "deployed_at", None),
        target=getattr(args, "target", None),
    )


def _check_raw(raw_path: Path) -> None:
    if not raw_path.is_dir():
        raise SupportWHError(
            f"raw folder {raw_path} does not exist: run `supportwh generate --out {raw_path}` "
            "or point --raw-path at an export"
        )


def cmd_load(args: argparse.Namespace) -> int:
    from supportwh.loader import load

    raw = Path(args.raw or default_warehouse().raw_path).resolve()
    started = time.monotonic()
    counts = load(args.target, raw, args.schema)
    for table, rows in counts.items():
        print(f"  {args.schema}.{table:<12}{rows:>12,} rows")
    print(
        f"loaded {sum(counts.values()):,} raw rows from {raw} into schema {args.schema} "
        f"({args.target}) in {time.monotonic() - started:.1f}s"
    )
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from supportwh.dbt import run_dbt

    warehouse = _warehouse(args)
    if warehouse.reads_raw_folder:
        _check_raw(warehouse.raw_path)
    dbt_args = []
    if args.select:
        dbt_args += ["--select", *args.select]
    if args.full_refresh:
        dbt_args.append("--full-refresh")
    if not args.unit_tests:
        dbt_args += PRODUCTION_BUILD_ARGS
    extra_vars = {"raw_schema": args.raw_schema} if args.raw_schema else None
    run_dbt("build", warehouse, dbt_args, extra_vars=extra_vars)
    print(f"warehouse built: {warehouse.location}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from supportwh.dbt import run_dbt

    warehouse = _warehouse(args)
    if not warehouse.reads_raw_folder:
        target = warehouse.effective_target
        raise SupportWHError(
            f"supportwh run builds the embedded DuckDB warehouse, not the {target} target "
            f"(SUPPORTWH_TARGET): use `supportwh load --target {target}` and "
            f"`supportwh build --target {target}`"
        )
    if args.regenerate or not (warehouse.raw_path / "tickets").is_dir():
        print(f"generating sample data into {warehouse.raw_path} ...")
        gen_args = argparse.Namespace(
            out=str(warehouse.raw_path),
            tickets=args.tickets,
            weeks=args.weeks,
            baseline_weeks=args.baseline_weeks,
            start=args.start,
            seed=args.seed,
            scenario=args.scenario,
            append_week=None,
        )
        cmd_generate(gen_args)
    print("building the warehouse (dbt build) ...")
    run_dbt("build", warehouse, ["--full-refresh", *PRODUCTION_BUILD_ARGS])
    _print_summary(warehouse)
    # report only: a failing blocking gate in the sample data does not fail `run`
    from supportwh.gates import report_gates

    report_gates(warehouse.duckdb_path)
    _print_report(warehouse.duckdb_path)
    return 0


def _print_report(duckdb_path: Path) -> None:
    """`run` renders the latest complete week's review; a warehouse without a
    complete week says so instead of failing the run."""
    from supportwh.reports import render_report

    try:
        rendered = render_report(duckdb_path, "weekly")
    except SupportWHError as exc:
        print(f"\nweekly review not rendered: {exc}")
        return
    print(f"\nweekly review ({rendered.label}): {rendered.path}")


def _print_summary(warehouse) -> None:
    from supportwh.inspect import quarantine_summary, reconciliation

    rows = reconciliation(warehouse.duckdb_path)
    print("\nraw rows by fate (raw = staged + quarantined + exact duplicates + superseded):")
    print(
        f"  {'table':<12}{'raw':>12}{'staged':>12}{'quarantined':>13}{'duplicates':>12}"
        f"{'superseded':>12}"
    )
    for r in rows:
        print(
            f"  {r['table_name']:<12}{r['raw_rows']:>12,}{r['staged_rows']:>12,}"
            f"{r['quarantined_rows']:>13,}{r['exact_duplicate_rows']:>12,}"
            f"{r['superseded_rows']:>12,}"
        )
    reasons = quarantine_summary(warehouse.duckdb_path)
    if reasons:
        print(
            "quarantined rows by reason: "
            + ", ".join(f"{r['table_name']}.{r['reason']}={r['rows']}" for r in reasons)
        )
    _print_panel(warehouse)
    print(f"\nwarehouse: {warehouse.duckdb_path}")
    print(f"raw data:  {warehouse.raw_path}")
    print(
        "query it:  duckdb "
        + str(warehouse.duckdb_path)
        + "  (schemas: marts for BI; staging, intermediate, reference)"
    )


def _print_panel(warehouse) -> None:
    from supportwh.inspect import latest_week_panel

    panel = latest_week_panel(warehouse.duckdb_path)
    if panel["week"] is None:
        return
    print(f"\nweek of {panel['week']} (latest complete week): deflection, never alone")
    for row in panel["headline"]:
        rate = "-" if row["deflection_rate"] is None else f"{row['deflection_rate']:5.1f}%"
        flag = (
            "CSAT-protected"
            if row["is_csat_protected"]
            else (
                f"not protected (resolution {row['csat_resolution_status']}, "
                f"delayed {row['csat_delayed_status']})"
            )
        )
        band = row["band_position"] or "no band"
        print(f"  {row['archetype']:<20}{int(row['tickets']):>7,} tickets  {rate} ({band}), {flag}")
    alerts = panel["alerts"]
    print(f"{len(alerts)} alert(s) at archetype level:")
    for a in alerts[:12]:
        scope = f"{a['rule']} ({a['kpi']}) {a['archetype']}"
        print(f"  [{a['severity']}] {scope} -> {a['owner']}: {a['detail']}")
    if len(alerts) > 12:
        print(f"  ... {len(alerts) - 12} more in marts.kpi_alerts")


def cmd_quarantine(args: argparse.Namespace) -> int:
    from supportwh.inspect import quarantine_rows, quarantine_summary

    warehouse = _warehouse(args)
    summary = quarantine_summary(warehouse.duckdb_path)
    if not summary:
        print("nothing quarantined")
        return 0
    for r in summary:
        print(f"{r['table_name']:<12} {r['reason']:<24} {r['rows']:>8,}")
    if args.show:
        for r in quarantine_rows(warehouse.duckdb_path, limit=args.show):
            print(f"- {r['table_name']} {r['record_key']}: {r['reason']} ({r['reason_detail']})")
    return 0


def cmd_gates(args: argparse.Namespace) -> int:
    from supportwh.gates import format_summary, parse_fail_on, run_gates

    warehouse = _warehouse(args)
    run = run_gates(
        warehouse.duckdb_path,
        week=args.week,
        results_dir=Path(args.results_dir) if args.results_dir else None,
        fail_on=parse_fail_on(args.fail_on),
    )
    print(format_summary(run))
    return run.exit_code


def cmd_report(args: argparse.Namespace) -> int:
    from supportwh.reports import render_report

    warehouse = _warehouse(args)
    rendered = render_report(
        warehouse.duckdb_path,
        args.cadence,
        period=args.period,
        out_dir=Path(args.out) if args.out else None,
    )
    data = rendered.data
    which = "latest complete period" if data.period_is_default else "requested period"
    note = "" if data.is_complete else " (open period: data still arriving)"
    print(
        f"{args.cadence} review of {rendered.label} ({which}){note}: "
        f"{rendered.bytes / 1024:,.0f} KB in {rendered.seconds:.1f}s"
    )
    print(rendered.path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="supportwh",
        description="Analytics warehouse for AI customer support (the twelve-KPI panel).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def generation_options(p: argparse.ArgumentParser, tickets: int) -> None:
        p.add_argument("--tickets", type=int, default=tickets, help="tickets over all weeks")
        p.add_argument("--weeks", type=int, default=28, help="ISO weeks of data")
        p.add_argument(
            "--baseline-weeks", type=int, default=12, help="pre-deployment weeks at the start"
        )
        p.add_argument(
            "--start", type=_date, default=date(2025, 10, 6), help="first Monday (YYYY-MM-DD)"
        )
        p.add_argument("--seed", type=int, default=42)
        p.add_argument(
            "--scenario",
            action="append",
            default=[],
            help="inject a named problem (repeatable; 'all' for every one)",
        )

    g = sub.add_parser("generate", help="write a raw export of sample data")
    g.add_argument("--out", default=str(default_warehouse().raw_path), help="raw folder")
    generation_options(g, tickets=50_000)
    g.add_argument(
        "--append-week",
        type=int,
        metavar="INDEX",
        help="write only this week index (appending a week to an export)",
    )
    g.set_defaults(func=cmd_generate)

    def warehouse_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--raw-path", help="raw folder (default data/raw)")
        p.add_argument("--duckdb-path", help="warehouse file (default target/warehouse.duckdb)")
        p.add_argument("--deployed-at", help="ai_deployed_at (default: from the generation record)")

    ld = sub.add_parser(
        "load", help="load a raw folder into the raw schema of a Postgres or Spark target"
    )
    ld.add_argument("--target", required=True, choices=["postgres", "spark"])
    ld.add_argument("--raw", help="raw folder (default data/raw)")
    ld.add_argument("--schema", default="raw", help="raw schema, replaced table by table (raw)")
    ld.set_defaults(func=cmd_load)

    b = sub.add_parser("build", help="dbt build of the warehouse")
    warehouse_options(b)
    b.add_argument(
        "--target",
        choices=["duckdb", "postgres", "spark"],
        help="dbt target (default SUPPORTWH_TARGET, else duckdb); postgres and spark read "
        "the raw schema `supportwh load` filled",
    )
    b.add_argument("--raw-schema", help="raw schema on postgres and spark (default raw)")
    b.add_argument("--select", nargs="+", help="dbt selection")
    b.add_argument("--full-refresh", action="store_true")
    b.add_argument(
        "--unit-tests",
        action="store_true",
        help="also run the dbt unit tests (make test does; a production build skips them)",
    )
    b.set_defaults(func=cmd_build)

    r = sub.add_parser("run", help="generate sample data if needed, build, print where it is")
    warehouse_options(r)
    generation_options(r, tickets=50_000)
    r.add_argument("--regenerate", action="store_true", help="rewrite the sample data")
    r.set_defaults(func=cmd_run)

    q = sub.add_parser("quarantine", help="what the last build set aside")
    warehouse_options(q)
    q.add_argument("--show", type=int, default=0, metavar="N", help="also list N rows")
    q.set_defaults(func=cmd_quarantine)

    gt = sub.add_parser(
        "gates",
        help="Great Expectations gates on the KPI marts for one week (exit 3: blocking failure)",
    )
    gt.add_argument(
        "--week",
        type=_date,
        help="week_start (a Monday) to judge (default: the latest complete week)",
    )
    gt.add_argument("--duckdb-path", help="warehouse file (default target/warehouse.duckdb)")
    gt.add_argument(
        "--results-dir",
        help="validation results and Data Docs (default: gates/ next to the warehouse file)",
    )
    gt.add_argument(
        "--fail-on",
        default="P0,rollback",
        metavar="SEVERITIES",
        help="comma-separated severities that fail the command (default P0,rollback; none: report)",
    )
    gt.set_defaults(func=cmd_gates)

    rp = sub.add_parser(
        "report",
        help="render a review (weekly, monthly, quarterly) as one self-contained HTML page",
    )
    rp.add_argument(
        "--cadence",
        choices=["weekly", "monthly", "quarterly"],
        default="weekly",
        help="which review",
    )
    rp.add_argument(
        "--period",
        type=_date,
        help="any day of the week, month or quarter (default: the latest complete one)",
    )
    rp.add_argument(
        "--out",
        metavar="DIR",
        help="folder of the page (default: $SUPPORTWH_REPORTS_DIR, else reviews/ by the warehouse)",
    )
    rp.add_argument("--duckdb-path", help="warehouse file (default target/warehouse.duckdb)")
    rp.set_defaults(func=cmd_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "scenario", None) == [] and args.command == "run":
        args.scenario = ["all"]
    try:
        return args.func(args)
    except SupportWHError as exc:
        print(f"supportwh: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("supportwh: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI promises one line, not a traceback
        if os.environ.get("SUPPORTWH_DEBUG"):
            raise
        print(f"supportwh: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
