"""`generate`: write a raw folder of weekly Parquet exports, week by week, chunk by chunk."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from . import constants as K
from .dirty import dirty_rows
from .plan import MAX_CHUNK, Plan, build_plan
from .scenarios import resolve_scenarios
from .week import generate_chunk

GENERATION_FILE = "_generation.json"
MANIFEST_FILE = "_expected_quarantine.json"
INITIAL_FILE = "export-initial.parquet"

Progress = Callable[[str, int, int], None]


@dataclass
class GenerationResult:
    """What a `generate` call wrote. row_counts: rows written per table by this call."""

    out_dir: Path
    ai_deployed_at: date
    row_counts: dict[str, int]
    manifest_path: Path
    generation_path: Path
    weeks_written: list[int] = field(default_factory=list)
    scenarios: tuple[str, ...] = ()
    expected_quarantine: int = 0


def week_file(plan_start: date, w: int) -> str:
    return f"export-{(plan_start + timedelta(days=7 * w)).isoformat()}.parquet"


def generate(
    out_dir: str | Path,
    tickets: int = 50_000,
    weeks: int = 28,
    baseline_weeks: int = 12,
    start: date = date(2025, 10, 6),
    seed: int = 42,
    scenarios: Sequence[str] = (),
    week_indices: Sequence[int] | None = None,
    progress: Progress | None = None,
) -> GenerationResult:
    """Write a raw folder: `<out_dir>/<table>/export-<week_start>.parquet` per ISO week.

    - `tickets` is the approximate total over all weeks (distinct tickets, within ~2%;
      raw ticket rows are ~10% more because of re-exports and exact duplicates).
    - Tickets created before `ai_deployed_at = start + 7 * baseline_weeks` days are the
      pre-deployment baseline (no bot).
    - The data is exported as of the end of the last week: tickets still open then have
      `closed_at` null, and surveys, QA reviews and follow-up tickets due later are absent.
    - Each week comes from its own RNG streams (seed, week, chunk), so a week's files do not
      depend on which other weeks are generated: `week_indices=[N]` with `weeks=N + 1`
      writes exactly the week-N files that a single call with `weeks=N + 1` writes. Keep
      seed, tickets, baseline_weeks, start and scenarios the same when appending. Files of
      other weeks are left alone; `_generation.json` and `_expected_quarantine.json` are
      merged by week. customers and products (`export-initial.parquet`, a function of seed
      and tickets) are written only when week 0 is generated.
    - A full generation (`week_indices=None`) first removes `export-*.parquet` files and
      the two JSON files a previous generation left in `out_dir`.
    - `scenarios`: names from `SCENARIOS` (`all` = every one, `clean` = none), injected in
      the last 6 weeks (never before deployment).
    - `progress(stage, done, total)`: ("customers_products", 1, 1) when written,
      ("week <week_start>", chunk, chunks) per chunk of a week with several chunks,
      ("weeks", done, total) after each week.
    """
    if isinstance(start, str):
        start = date.fromisoformat(start)
    if start.weekday() != 0:
        raise ValueError(f"start must be a Monday (ISO week start), got {start.isoformat()}")
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    if not 0 <= baseline_weeks <= weeks:
        raise ValueError("baseline_weeks must be between 0 and weeks")
    if tickets < 1:
        raise ValueError("tickets must be positive")
    active = resolve_scenarios(scenarios)
    if week_indices is None:
        todo = list(range(weeks))
    else:
        todo = sorted({int(w) for w in week_indices})
        bad = [w for w in todo if not 0 <= w < weeks]
        if bad:
            raise ValueError(f"week_indices out of range 0..{weeks - 1}: {bad}")

    plan = build_plan(
        seed=seed,
        tickets=tickets,
        weeks=weeks,
        baseline_weeks=baseline_weeks,
        start=start,
        scenarios=frozenset(active),
    )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if week_indices is None:
        _remove_previous_output(out)
    else:
        for w in todo:
            for table in K.TABLES:
                (out / table / week_file(start, w)).unlink(missing_ok=True)

    row_counts = {t: 0 for t in K.TABLES}
    if 0 in todo:
        for name, table in (
            ("customers", plan.customers.table),
            ("products", plan.products.table),
        ):
            _write(out / name / INITIAL_FILE, [table], K.SCHEMAS[name])
            row_counts[name] += table.num_rows
        if progress:
            progress("customers_products", 1, 1)

    week_records: dict[str, dict[str, Any]] = {}
    for i, w in enumerate(todo):
        counts, manifest = _generate_week(plan, out, w, progress)
        for t, n in counts.items():
            row_counts[t] += n
        week_records[plan.week_start(w).isoformat()] = {
            "week_index": w,
            "row_counts": counts,
            "expected_quarantine": manifest,
        }
        if progress:
            progress("weeks", i + 1, len(todo))

    ai_deployed_at = start + timedelta(days=7 * baseline_weeks)
    generation_path = out / GENERATION_FILE
    manifest_path = out / MANIFEST_FILE
    record = _merge_record(
        generation_path if week_indices is not None else None,
        plan=plan,
        active=active,
        week_indices=todo if week_indices is not None else None,
        ai_deployed_at=ai_deployed_at,
        row_counts=row_counts,
        week_records=week_records,
        initial_written=0 in todo,
    )
    manifest = [
        entry
        for week in sorted(record["weeks"])
        for entry in record["weeks"][week]["expected_quarantine"]
    ]
    _write_json(generation_path, record)
    _write_json(manifest_path, manifest)
    return GenerationResult(
        out_dir=out,
        ai_deployed_at=ai_deployed_at,
        row_counts=row_counts,
        manifest_path=manifest_path,
        generation_path=generation_path,
        weeks_written=todo,
        scenarios=active,
        expected_quarantine=len(manifest),
    )


def _generate_week(
    plan: Plan, out: Path, w: int, progress: Progress | None
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    n_primary = int(plan.week_primary[w])
    n_chunks = max(1, math.ceil(n_primary / MAX_CHUNK))
    sizes = [
        n_primary // n_chunks + (1 if c < n_primary % n_chunks else 0) for c in range(n_chunks)
    ]
    fname = week_file(plan.start, w)
    writers: dict[str, pq.ParquetWriter] = {}
    counts = {t: 0 for t in (*K.WEEKLY_TABLES, "customers")}
    manifest: list[dict[str, Any]] = []
    first_n = 0
    try:
        for c, size in enumerate(sizes):
            tables, info = generate_chunk(plan, w, c, size, first_n)
            first_n += len(info.ticket_ids)
            if c == n_chunks - 1 and "dirty" in plan.scenarios and plan.in_window(w):
                bad, manifest = dirty_rows(plan, w, info, tables)
                for name, extra in bad.items():
                    tables[name] = (
                        pa.concat_tables([tables[name], extra]) if name in tables else extra
                    )
            for name, table in tables.items():
                if name not in writers:
                    path = out / name / fname
                    path.parent.mkdir(parents=True, exist_ok=True)
                    writers[name] = _writer(path, K.SCHEMAS[name])
                writers[name].write_table(table, row_group_size=1 << 20)
                counts[name] += table.num_rows
            del tables, info
            if progress and n_chunks > 1:
                progress(f"week {plan.week_start(w).isoformat()}", c + 1, n_chunks)
    finally:
        for writer in writers.values():
            writer.close()
    return {t: n for t, n in counts.items() if n or t != "customers"}, manifest


def _write(path: Path, tables: list[pa.Table], schema: pa.Schema) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with _writer(path, schema) as writer:
        for t in tables:
            writer.write_table(t, row_group_size=1 << 20)


def _writer(path: Path, schema: pa.Schema) -> pq.ParquetWriter:
    # dictionary-encode the low-cardinality columns only: keys and timestamps are
    # (nearly) unique, and trying a dictionary on them costs time for nothing
    high_cardinality = {schema.names[0], "ticket_id", "customer_id"}
    dictionary = [
        f.name
        for f in schema
        if f.name not in high_cardinality and not pa.types.is_timestamp(f.type)
    ]
    return pq.ParquetWriter(path, schema, compression="snappy", use_dictionary=dictionary)


def _remove_previous_output(out: Path) -> None:
    """A full generation replaces what a previous generation wrote in this folder."""
    for table in K.TABLES:
        folder = out / table
        if folder.is_dir():
            for f in folder.glob("export-*.parquet"):
                f.unlink()
    for name in (GENERATION_FILE, MANIFEST_FILE):
        (out / name).unlink(missing_ok=True)


def _merge_record(
    previous: Path | None,
    *,
    plan: Plan,
    active: tuple[str, ...],
    week_indices: list[int] | None,
    ai_deployed_at: date,
    row_counts: dict[str, int],
    week_records: dict[str, dict[str, Any]],
    initial_written: bool,
) -> dict[str, Any]:
    weeks: dict[str, dict[str, Any]] = {}
    initial: dict[str, int] = {}
    if previous is not None and previous.exists():
        try:
            old = json.loads(previous.read_text())
            weeks.update(old.get("weeks", {}))
            initial = dict(old.get("initial_row_counts", {}))
        except (ValueError, AttributeError):
            weeks = {}
    weeks.update(week_records)
    if initial_written:
        initial = {
            "customers": plan.customers.table.num_rows,
            "products": plan.products.table.num_rows,
        }
    totals = {t: 0 for t in K.TABLES}
    for t, n in initial.items():
        totals[t] += n
    for rec in weeks.values():
        for t, n in rec["row_counts"].items():
            totals[t] = totals.get(t, 0) + n
    window = [
        (plan.start + timedelta(days=7 * w)).isoformat()
        for w in range(plan.scenario_start_week, plan.weeks)
        if plan.in_window(w)
    ]
    return {
        "generator": "supportwh.generator",
        "format_version": 1,
        "params": {
            "tickets": plan.tickets,
            "weeks": plan.weeks,
            "baseline_weeks": plan.baseline_weeks,
            "start": plan.start.isoformat(),
            "seed": plan.seed,
            "scenarios": list(active),
            "week_indices": week_indices,
        },
        "ai_deployed_at": ai_deployed_at.isoformat(),
        "as_of_cutoff": (plan.start + timedelta(days=7 * plan.weeks)).isoformat(),
        "scenarios": list(active),
        "scenario_weeks": window if active else [],
        "row_counts": row_counts,
        "total_row_counts": totals,
        "initial_row_counts": initial,
        "expected_quarantine_rows": sum(len(r["expected_quarantine"]) for r in weeks.values()),
        "weeks": dict(sorted(weeks.items())),
    }


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")
