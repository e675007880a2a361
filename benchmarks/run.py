"""The performance harness (issue 7): `make bench` (1M and 10M tickets) or
`make bench-smoke` (a tiny scale, also run by tests/test_benchmarks.py).

Per scale, in one run:
  1. generate `--weeks` weeks of raw data (tickets, messages, escalations,
     surveys, QA reviews, tool calls, customers, products, orders);
  2. run the floor (benchmarks/floor.sql: one hand-written DuckDB statement
     computing the kpi_weekly rows with segment = channel = 'all' from the raw
     Parquet) and time it;
  3. time a full `supportwh build --full-refresh` (dbt build: seeds, every
     model, data tests, unit tests) and sample the peak RSS of its process tree;
  4. check the floor's rows equal the warehouse's (numerator and denominator
     exactly, value to a relative 1e-9);
  5. append one more weekly export (`generate --append-week`), time the
     incremental `supportwh build`, and check it against the floor recomputed
     on the appended data;
  6. time `dbt parse` and the loading of the Dagster definitions: as
     `dagster dev` loads the code location (one fresh process, the parse
     in-process), and each alone in a fresh process (bench_parse);
then write the figures, ratios, targets, load averages and the machine's
description to a Markdown file (default benchmarks/results.md).

Every step is a subprocess, so the figures are those a user sees. DuckDB runs
every query on all cores, in the build and in the floor alike; the memory
limit is the profile's (SUPPORTWH_DUCKDB_MEMORY_LIMIT), which the floor uses
too; dbt runs one model at a time (SUPPORTWH_THREADS, default 1).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
FLOOR_SQL = REPO / "benchmarks" / "floor.sql"
SEEDS = REPO / "seeds"
KEYS = ["week_start", "kpi", "archetype"]
# floor and warehouse agree when counts are equal and values within this
# relative tolerance (the same sums, summed in a different order)
VALUE_RTOL = 1e-9

TARGETS = {
    "build_over_floor": 1.3,
    "incremental_over_full": 0.10,
    "peak_rss_gib": 4.0,
    "parse_plus_definitions_s": 5.0,
}


@dataclass
class Step:
    name: str
    seconds: float
    peak_rss_bytes: int
    load_before: str
    load_after: str
    returncode: int
    output_tail: str = ""
    # process start until the child printed READY_MARK (a load that is complete
    # before the process exits, as a code server's is); None if it did not
    ready_seconds: float | None = None


@dataclass
class ScaleResult:
    tickets: int
    weeks: int
    raw_rows: dict = field(default_factory=dict)
    raw_bytes: int = 0
    steps: dict = field(default_factory=dict)
    floor_check: str = ""
    incremental_check: str = ""
    top_nodes_full: list = field(default_factory=list)
    top_nodes_incremental: list = field(default_factory=list)
    # time_breakdown of each build's dbt.log
    breakdown_full: dict | None = None
    breakdown_incremental: dict | None = None


READY_MARK = "SUPPORTWH_READY"


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def run_measured(name: str, cmd: list[str], env: dict | None = None, cwd: Path = REPO) -> Step:
    """Run a command; wall time and the peak RSS of its process tree (psutil,
    sampled every 50 ms: the sum over the process and its children)."""
    load_before = loadavg()
    started_epoch = time.time()
    started = time.monotonic()
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        try:
            root = psutil.Process(proc.pid)
        except psutil.Error:
            return
        while not done.is_set():
            total = 0
            try:
                for p in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        total += p.memory_info().rss
            except psutil.Error:
                pass
            peak = max(peak, total)
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = proc.communicate()
    seconds = time.monotonic() - started
    done.set()
    sampler.join()
    step = Step(name, seconds, peak, load_before, loadavg(), proc.returncode, output[-3000:])
    for line in output.splitlines():
        if line.startswith(READY_MARK + " "):
            step.ready_seconds = float(line.split()[1]) - started_epoch
    print(
        f"  {name}: {seconds:.1f}s, peak RSS {peak / 2**30:.2f} GiB, rc {proc.returncode}, "
        f"load {step.load_before} -> {step.load_after}",
        flush=True,
    )
    if proc.returncode != 0:
        raise SystemExit(
            f"benchmark step {name} failed (exit {proc.returncode}):\n{output[-3000:]}"
        )
    return step


def floor_sql(raw: Path) -> str:
    return (
        FLOOR_SQL.read_text()
        .replace("{raw}", str(raw))
        .replace("{seeds}", str(SEEDS))
        .replace("{delayed_csat_window_days}", str(dbt_var("delayed_csat_window_days")))
        .replace("{severity_column}", "severity")
    )


def dbt_var(name: str):
    import yaml

    return yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"][name]


def duckdb_settings() -> dict:
    return {
        "threads": os.cpu_count() or 1,
        "memory_limit": os.environ.get("SUPPORTWH_DUCKDB_MEMORY_LIMIT", "3GB"),
        "preserve_insertion_order": False,
    }


def floor_main(raw: str, out: str) -> None:
    """The floor in its own process (`python -m benchmarks.run --floor RAW OUT`)."""
    import duckdb

    # an in-memory database spills to ./.tmp by default: keep it beside the output
    settings = {**duckdb_settings(), "temp_directory": str(Path(out).parent / "floor.tmp")}
    con = duckdb.connect(config=settings)
    sql = floor_sql(Path(raw))
    con.execute(f"copy ({sql}) to '{out}' (format parquet)")


def compare(floor_parquet: Path, warehouse: Path) -> str:
    """'equal (N rows)' or a description of the differences."""
    import duckdb
    import numpy as np

    floor = duckdb.connect().execute(f"select * from read_parquet('{floor_parquet}')").df()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        mart = con.execute(
            "select week_start, kpi, archetype, numerator, denominator, value "
            "from marts.kpi_weekly where segment = 'all' and channel = 'all'"
        ).df()
    merged = floor.merge(mart, on=KEYS, how="outer", suffixes=("_floor", "_mart"), indicator=True)
    problems = []
    only = merged[merged._merge != "both"]
    if len(only):
        problems.append(
            f"{len(only)} rows in only one of them ({only._merge.value_counts().to_dict()})"
        )
    both = merged[merged._merge == "both"]
    for column, rtol in (("numerator", 0), ("denominator", 0), ("value", VALUE_RTOL)):
        a, b = both[f"{column}_floor"].to_numpy(float), both[f"{column}_mart"].to_numpy(float)
        bad = ~np.isclose(a, b, rtol=rtol, atol=0, equal_nan=True)
        if bad.any():
            kpis = sorted(both[bad].kpi.unique())
            problems.append(f"{int(bad.sum())} {column}s differ (kpis: {', '.join(kpis)})")
    if problems:
        return "DIFFERENT: " + "; ".join(problems)
    return f"equal ({len(both)} rows; counts exact, values rtol {VALUE_RTOL:g})"


def top_nodes(target_path: Path, n: int = 12) -> list[tuple[float, str]]:
    try:
        results = json.loads((target_path / "run_results.json").read_text())["results"]
    except (OSError, ValueError, KeyError):
        return []
    rows = sorted(((r.get("execution_time") or 0.0, r["unique_id"]) for r in results), reverse=True)
    return rows[:n]


_LOG_TIME = re.compile(r"^(?:\x1b\[[0-9;]*m)?(\d\d):(\d\d):(\d\d\.\d+) ")
_SQL_STATUS = re.compile(r"SQL status: .* in (\d+(?:\.\d+)?) seconds")
_STATEMENT = re.compile(r"\]: On [^:]+: (\S+)")


def time_breakdown(log_file: Path) -> dict | None:
    """Where the last dbt invocation in a debug `dbt.log` spent its time.

    From its lines' times: the span of the invocation, the time inside nodes
    ("Began running node" to "Finished running node") by resource type, the
    SQL statements' own times ("SQL status ... in N seconds") inside them, and
    of those the COMMITs, where DuckDB checkpoints. The rest of a node's time
    is dbt's own work (compiling, metadata queries' round trips, writing
    files); the span outside the nodes is parsing and writing artifacts. None
    when the log is missing or holds no node.
    """
    try:
        lines = log_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    starts = [i for i, line in enumerate(lines) if line.startswith("=====") and " | " in line]
    if starts:
        lines = lines[starts[-1] :]
    first = last = None
    day = 0.0
    node = began = None
    statement = ""
    kinds: dict[str, dict[str, float]] = {}
    for line in lines:
        match = _LOG_TIME.match(line)
        if not match:
            continue
        t = int(match[1]) * 3600 + int(match[2]) * 60 + float(match[3]) + day
        if last is not None and t < last - 43200:  # past midnight
            day += 86400
            t += 86400
        first = t if first is None else first
        last = t
        if "Began running node " in line:
            node, began = line.rsplit(" ", 1)[-1], t
            statement = ""
            continue
        if node is None:
            continue
        kind = kinds.setdefault(
            node.split(".", 1)[0], {"nodes": 0, "seconds": 0.0, "sql": 0.0, "commits": 0.0}
        )
        if "Finished running node " in line:
            kind["nodes"] += 1
            kind["seconds"] += t - began
            node = None
            continue
        statement_match = _STATEMENT.search(line)
        if statement_match:
            statement = statement_match[1]
        status = _SQL_STATUS.search(line)
        if status:
            kind["sql"] += float(status[1])
            if statement == "COMMIT":
                kind["commits"] += float(status[1])
    if first is None or not kinds:
        return None
    return {
        "span": last - first,
        "in_nodes": sum(k["seconds"] for k in kinds.values()),
        "kinds": kinds,
    }


def describe_breakdown(breakdown: dict | None, wall: float) -> str:
    if not breakdown:
        return "no dbt debug log to read"
    kinds = breakdown["kinds"]
    parts = []
    for kind, label in (("model", "models"), ("test", "data tests"), ("seed", "seeds")):
        k = kinds.get(kind)
        if k and k["nodes"]:
            commits = f", commits {k['commits']:.1f} s" if k["commits"] >= 0.05 else ""
            parts.append(
                f"{k['nodes']:.0f} {label} {k['seconds']:.1f} s "
                f"(SQL {k['sql']:.1f} s{commits}; dbt's own {k['seconds'] - k['sql']:.1f} s)"
            )
    return (
        f"{wall:.1f} s = {wall - breakdown['span']:.1f} s outside dbt's log (interpreter, "
        f"imports, exit) + {breakdown['span'] - breakdown['in_nodes']:.1f} s in dbt between "
        f"nodes (parse, artifacts) + nodes: " + "; ".join(parts)
    )


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "supportwh.cli", *args]


def bench_scale(
    tickets: int, weeks: int, baseline_weeks: int, out: Path, keep: bool, scenarios: list[str]
) -> ScaleResult:
    label = f"{tickets:_}".replace("_", "")
    base = out / f"t{label}"
    if base.exists():
        shutil.rmtree(base)
    base.mkdir(parents=True)
    raw, db = base / "raw", base / "warehouse.duckdb"
    result = ScaleResult(tickets=tickets, weeks=weeks)
    gen = [
        "--tickets",
        str(tickets),
        "--baseline-weeks",
        str(baseline_weeks),
        *[a for s in scenarios for a in ("--scenario", s)],
    ]
    print(f"scale {tickets:,} tickets, {weeks} weeks", flush=True)
    result.steps["generate"] = run_measured(
        "generate", cli("generate", "--out", str(raw), "--weeks", str(weeks), *gen)
    )
    record = json.loads((raw / "_generation.json").read_text())
    result.raw_rows = record.get("row_counts", {})
    result.raw_bytes = sum(f.stat().st_size for f in raw.rglob("*.parquet"))

    floor_out = base / "floor.parquet"
    result.steps["floor"] = run_measured(
        "floor", [sys.executable, "-m", "benchmarks.run", "--floor", str(raw), str(floor_out)]
    )

    # One target folder for both builds, as a weekly schedule keeps one: the
    # incremental run parses partially, the first build parses whole.
    env = {"DBT_TARGET_PATH": str(base / "target"), "DBT_LOG_PATH": str(base / "logs")}
    result.steps["full_build"] = run_measured(
        "full build",
        cli("build", "--raw-path", str(raw), "--duckdb-path", str(db), "--full-refresh"),
        env=env,
    )
    result.top_nodes_full = top_nodes(base / "target")
    result.breakdown_full = time_breakdown(base / "logs" / "dbt.log")
    result.floor_check = compare(floor_out, db)
    print(f"  floor vs warehouse: {result.floor_check}", flush=True)

    result.steps["append_week"] = run_measured(
        "append week",
        cli(
            "generate",
            "--out",
            str(raw),
            "--weeks",
            str(weeks + 1),
            "--append-week",
            str(weeks),
            *gen,
        ),
    )
    result.steps["incremental_build"] = run_measured(
        "incremental build",
        cli("build", "--raw-path", str(raw), "--duckdb-path", str(db)),
        env=env,
    )
    result.top_nodes_incremental = top_nodes(base / "target")
    result.breakdown_incremental = time_breakdown(base / "logs" / "dbt.log")
    floor_after = base / "floor-after-append.parquet"
    result.steps["floor_after_append"] = run_measured(
        "floor (appended)",
        [sys.executable, "-m", "benchmarks.run", "--floor", str(raw), str(floor_after)],
    )
    result.incremental_check = compare(floor_after, db)
    print(f"  floor vs incremental warehouse: {result.incremental_check}", flush=True)
    if not keep:
        shutil.rmtree(raw, ignore_errors=True)
    return result


def bench_parse(out: Path) -> dict:
    """dbt parse and the Dagster definitions load.

    - dev load (the target's figure): what `dagster dev` does at every load and
      "Reload" of the code location: a fresh process that runs `dbt parse`
      (warm, partial parsing, in-process: orchestration/project.py) and then
      builds the definitions. Timed from process start until the definitions
      exist; the interpreter's exit afterwards is recorded too. Three runs after
      one to warm up; the median counts.
    - the same two halves in separate processes: `dbt parse` (warm) from the
      command line, after a first parse in the same target folder, and
      `import orchestration.definitions` with the manifest already prepared (a
      deployment, `dagster-dbt project prepare-and-package`);
    - `dbt parse --no-partial-parse` (cold): a fresh checkout's first parse;
    - the imports of dbt-core and of dagster + dagster-dbt alone.
    """
    target = out / "parse-target"
    env = {"DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(out / "parse-logs")}
    dbt = [str(Path(sys.executable).parent / "dbt"), "parse", "--profiles-dir", str(REPO)]
    dbt += ["--project-dir", str(REPO), "--quiet"]
    steps = {}
    steps["parse_cold"] = run_measured(
        "dbt parse (cold, no partial parse)", dbt + ["--no-partial-parse"], env
    )
    steps["parse_warm"] = run_measured("dbt parse (warm, partial parse)", dbt, env)
    load = [
        sys.executable,
        "-c",
        f"import time, orchestration.definitions; print('{READY_MARK}', time.time())",
    ]
    # the definitions' own manifest (orchestration/project.py), prepared once
    run_measured("prepare Dagster manifest", load)
    steps["definitions"] = run_measured("Dagster definitions load (manifest prepared)", load)
    dev = {"DAGSTER_IS_DEV_CLI": "1"}
    run_measured("dev load, warm-up", load, dev)
    for i in (1, 2, 3):
        steps[f"dev_load_{i}"] = run_measured(f"dev load {i}: dbt parse + definitions", load, dev)
    # what the two cost before any work of ours: the imports of dbt-core and of
    # dagster + dagster-dbt, each in a fresh interpreter
    py = [sys.executable, "-c"]
    steps["import_dbt"] = run_measured("import dbt.cli.main only", py + ["import dbt.cli.main"])
    steps["import_dagster"] = run_measured(
        "import dagster, dagster_dbt only", py + ["import dagster, dagster_dbt"]
    )
    return steps


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import dbt.version
    import duckdb

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "dbt-core": dbt.version.__version__,
        "threads": os.environ.get("SUPPORTWH_THREADS", "1"),
        "memory_limit": os.environ.get("SUPPORTWH_DUCKDB_MEMORY_LIMIT", "3GB"),
    }


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def dev_load(parse: dict) -> tuple[Step, list[Step]]:
    """The median of the dev-load runs (by time to ready), and all of them."""
    runs = [st for key, st in parse.items() if key.startswith("dev_load_")]
    ordered = sorted(runs, key=lambda st: st.ready_seconds or st.seconds)
    return ordered[len(ordered) // 2], runs


def write_results(
    path: Path, scales: list[ScaleResult], parse: dict, started: datetime, args
) -> None:
    m = machine()
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python -m benchmarks.run` ({' '.join(sys.argv[1:]) or 'defaults'}), "
        f"started {started:%Y-%m-%d %H:%M} UTC, finished {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "Rerun unchanged with `make bench` (1M and 10M tickets) or `make bench-smoke`.",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} cores; memory {m['memory_gib']} GiB; {m['os']}",
        f"- Python {m['python']}, DuckDB {m['duckdb']}, dbt-core {m['dbt-core']}; "
        f"dbt threads {m['threads']}, DuckDB threads {m['cores']}, "
        f"DuckDB memory_limit {m['memory_limit']}",
        "- Load average (1, 5, 15 min) before and after each step is in the tables: "
        "a load above the core count means other work shared the machine and the times "
        "are inflated.",
        "",
        "## Targets",
        "",
        "| scale | full build / floor (<= 1.3) | incremental / full (<= 0.10) "
        "| peak RSS GiB (<= 4) | floor = warehouse | incremental = floor |",
        "|---|---|---|---|---|---|",
    ]
    for s in scales:
        full, floor, inc = s.steps["full_build"], s.steps["floor"], s.steps["incremental_build"]
        ratio = full.seconds / floor.seconds
        inc_ratio = inc.seconds / full.seconds
        rss = max(st.peak_rss_bytes for st in s.steps.values() if st.name != "generate") / 2**30
        lines.append(
            f"| {s.tickets:,} | {ratio:.2f} ({verdict(ratio <= TARGETS['build_over_floor'])}) "
            f"| {inc_ratio:.3f} ({verdict(inc_ratio <= TARGETS['incremental_over_full'])}) "
            f"| {rss:.2f} ({verdict(rss <= TARGETS['peak_rss_gib'])}) "
            f"| {s.floor_check} | {s.incremental_check} |"
        )
    median, runs = dev_load(parse)
    ready = median.ready_seconds or median.seconds
    separate = parse["parse_warm"].seconds + parse["definitions"].seconds
    lines += [
        "",
        "dbt parse + Dagster definitions load, as `dagster dev` loads the code location "
        "(one process: a warm `dbt parse` in-process, then the definitions; "
        "orchestration/project.py): "
        f"**{ready:.2f} s** from process start until the definitions exist, the median of "
        + ", ".join(f"{st.ready_seconds or st.seconds:.2f}" for st in runs)
        + f" s ({verdict(ready <= TARGETS['parse_plus_definitions_s'])}, target <= 5 s); "
        f"the process then takes {median.seconds - ready:.2f} s more to exit.",
        "",
        f"The same two halves in separate processes: `dbt parse` (warm, partial parse) "
        f"{parse['parse_warm'].seconds:.2f} s + definitions load from a prepared manifest "
        f"{parse['definitions'].seconds:.2f} s = {separate:.2f} s, process exits included; "
        f"cold parse without partial parsing {parse['parse_cold'].seconds:.2f} s. "
        f"The imports alone, doing nothing: dbt-core {parse['import_dbt'].seconds:.2f} s "
        f"+ dagster and dagster-dbt {parse['import_dagster'].seconds:.2f} s = "
        f"{parse['import_dbt'].seconds + parse['import_dagster'].seconds:.2f} s.",
        "",
        "## Steps",
        "",
        "| scale | step | seconds | peak RSS GiB | load before | load after |",
        "|---|---|---|---|---|---|",
    ]
    for s in scales:
        for st in s.steps.values():
            lines.append(
                f"| {s.tickets:,} | {st.name} | {st.seconds:.1f} | {st.peak_rss_bytes / 2**30:.2f} "
                f"| {st.load_before} | {st.load_after} |"
            )
    for st in parse.values():
        ready = f" (definitions ready at {st.ready_seconds:.2f} s)" if st.ready_seconds else ""
        lines.append(
            f"| - | {st.name}{ready} | {st.seconds:.2f} | {st.peak_rss_bytes / 2**30:.2f} "
            f"| {st.load_before} | {st.load_after} |"
        )
    lines += ["", "## Data", ""]
    for s in scales:
        rows = ", ".join(f"{k} {v:,}" for k, v in sorted(s.raw_rows.items()))
        lines.append(
            f"- {s.tickets:,} tickets requested, {s.weeks} weeks (+1 appended): raw rows {rows}; "
            f"{s.raw_bytes / 2**30:.2f} GiB of Parquet"
        )
    lines += ["", "## Slowest dbt nodes (run_results.json execution_time, seconds)", ""]
    for s in scales:
        for label, nodes in (
            ("full build", s.top_nodes_full),
            ("incremental", s.top_nodes_incremental),
        ):
            lines.append(
                f"- {s.tickets:,}, {label}: "
                + "; ".join(f"{u.split('.', 2)[-1]} {t:.1f}" for t, u in nodes)
            )
    lines += ["", "## Where each build's time goes (its dbt.log)", ""]
    for s in scales:
        for label, step, breakdown in (
            ("full build", "full_build", s.breakdown_full),
            ("incremental", "incremental_build", s.breakdown_incremental),
        ):
            wall = s.steps[step].seconds if step in s.steps else 0.0
            lines.append(f"- {s.tickets:,}, {label}: {describe_breakdown(breakdown, wall)}")
    lines.append("")
    # what profiling found and what was changed: hand-written, kept with the
    # harness so every results file carries it
    findings = REPO / "benchmarks" / "findings.md"
    if findings.exists():
        lines += ["## Profiling findings (benchmarks/findings.md)", "", findings.read_text(), ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    (path.with_suffix(".json")).write_text(
        json.dumps(
            {
                "machine": m,
                "started": started.isoformat(),
                "scales": [
                    {
                        **{k: v for k, v in s.__dict__.items() if k != "steps"},
                        "steps": {
                            k: {kk: vv for kk, vv in st.__dict__.items() if kk != "output_tail"}
                            for k, st in s.steps.items()
                        },
                    }
                    for s in scales
                ],
                "parse": {
                    k: {kk: vv for kk, vv in st.__dict__.items() if kk != "output_tail"}
                    for k, st in parse.items()
                },
            },
            indent=2,
            default=str,
        )
    )
    print(f"results written to {path}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument(
        "--weeks", type=int, default=52, help="weeks generated before the appended one"
    )
    parser.add_argument("--baseline-weeks", type=int, default=12)
    parser.add_argument("--scenario", action="append", default=None, help="default: all")
    parser.add_argument("--out", default=str(REPO / "data" / "bench"), help="working folder")
    parser.add_argument("--results", default=str(REPO / "benchmarks" / "results.md"))
    parser.add_argument("--keep", action="store_true", help="keep the raw data")
    parser.add_argument("--floor", nargs=2, metavar=("RAW", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor:
        floor_main(*args.floor)
        return 0
    started = datetime.now(UTC)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    scenarios = args.scenario or ["all"]
    # parse first (seconds), then each scale; the results file is rewritten
    # after each scale, so a long run that is stopped still leaves its figures
    parse = bench_parse(out)
    scales: list[ScaleResult] = []
    for n in args.scales:
        scales.append(bench_scale(n, args.weeks, args.baseline_weeks, out, args.keep, scenarios))
        write_results(Path(args.results), scales, parse, started, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
