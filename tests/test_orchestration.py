"""Dagster orchestration (orchestration/, docs/orchestration.md): the definitions
load, the schedules request the right period, the weekly job builds its
selection in-process, alerts are notified once (log, outbox, webhook), and the
webserver serves the code location."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import duckdb
import pytest
from conftest import REPO, SCENARIO_SIZE, supportwh

SNAPSHOT = REPO / "orchestration" / "asset_keys.snapshot.json"
WEEK = "2026-01-12"  # a complete week of the generated data (16 weeks from 2025-10-06)


def _definitions():
    from orchestration.definitions import defs

    return defs


def _snapshot() -> dict:
    from orchestration.checks import all_asset_checks

    graph = _definitions().get_repository_def().asset_graph
    return {
        "asset_keys": sorted(k.to_user_string() for k in graph.get_all_asset_keys()),
        "orchestration_checks": sorted(
            key.to_user_string() for check in all_asset_checks() for key in check.check_keys
        ),
    }


def test_definitions_load_and_asset_keys_match_the_snapshot():
    """Regenerate after adding a model: SUPPORTWH_UPDATE_SNAPSHOT=1 pytest -k snapshot."""
    snapshot = _snapshot()
    if os.environ.get("SUPPORTWH_UPDATE_SNAPSHOT"):
        SNAPSHOT.write_text(json.dumps(snapshot, indent=2) + "\n")
    assert snapshot == json.loads(SNAPSHOT.read_text())
    defs = _definitions()
    assert {j.name for j in defs.jobs} == {
        "weekly_review_job",
        "monthly_review_job",
        "quarterly_review_job",
    }


def test_dev_load_parses_in_process_and_says_why_a_parse_fails(tmp_path, monkeypatch):
    """The preparer `dagster dev` uses (orchestration/project.py) parses with
    dbtRunner in this process, writes the manifest, reports a broken project in
    one line, and forces the seeds to re-parse only when they were parsed in
    another folder."""
    import msgpack
    from dagster_dbt import DbtProject
    from dagster_shared.record import replace

    from orchestration.project import DbtParseError, InProcessPreparer

    copy = tmp_path / "project"
    for name in ("dbt_project.yml", "profiles.yml"):
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_bytes((REPO / name).read_bytes())
    for name in ("models", "macros", "seeds", "tests/dbt"):
        shutil.copytree(REPO / name, copy / name)

    def project(folder: Path) -> DbtProject:
        made = DbtProject(folder, profiles_dir=folder, target_path=Path("target") / "dagster")
        return replace(made, preparer=InProcessPreparer())

    started = []  # the programs of the children started: none may be dbt
    real_popen = subprocess.Popen

    def popen(args, *rest, **kwargs):
        program = args[0] if isinstance(args, list | tuple) else str(args).split()[0]
        started.append(Path(str(program)).name)
        return real_popen(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", popen)
    broken = copy / "models" / "marts" / "broken.yml"
    broken.write_text("version: 2\nmodels:\n  - name: [unclosed\n")
    with pytest.raises(DbtParseError, match="dbt parse could not run for Dagster: .*broken.yml"):
        project(copy).preparer.prepare(project(copy))
    broken.unlink()

    here = project(copy)
    here.preparer.prepare(here)
    assert json.loads(here.manifest_path.read_text())["nodes"], "no nodes in the manifest"
    assert "dbt" not in started, started
    state = here.project_dir / here.target_path / "partial_parse.msgpack"

    def seed_checksums(path: Path) -> set[str]:
        files = msgpack.unpackb(path.read_bytes(), raw=False, strict_map_key=False)["files"]
        return {f["checksum"]["checksum"] for f in files.values() if f["parse_file_type"] == "seed"}

    assert "0" * 64 not in seed_checksums(state), "seeds invalidated in their own folder"
    # the same state in another folder (a CI image deployed elsewhere)
    moved = tmp_path / "moved"
    shutil.copytree(copy, moved)
    there = project(moved)
    there.preparer._invalidate_seeds_in_partial_parse(there)
    assert seed_checksums(moved / "target" / "dagster" / "partial_parse.msgpack") == {"0" * 64}


def test_dbt_tests_are_asset_checks():
    graph = _definitions().get_repository_def().asset_graph
    checks = {k.to_user_string() for k in graph.asset_check_keys}
    assert "marts/kpi_alerts:unique_kpi_alerts_alert_id" in checks


def _selected(job_name: str) -> set[str]:
    job = _definitions().resolve_job_def(job_name)
    return {k.to_user_string() for k in job.asset_layer.selected_asset_keys}


def test_each_job_selects_its_cadence_with_upstream():
    weekly, monthly, quarterly = (
        _selected(f"{c}_review_job") for c in ("weekly", "monthly", "quarterly")
    )
    common = {
        "marts/kpi_alerts",
        "marts/kpi_weekly",
        "staging/stg_tickets",
        "reference/kpi_thresholds",
        "ops/alert_notifications",
    }
    assert common <= weekly & monthly & quarterly
    assert "marts/review_weekly_operational" in weekly
    assert "reports/weekly_review_report" in weekly
    assert not {"marts/review_monthly_business", "reports/monthly_review_report"} & weekly
    assert {"marts/review_monthly_business", "reports/monthly_review_report"} <= monthly
    assert "marts/review_weekly_operational" not in monthly
    assert {
        "marts/review_quarterly_recalibration",
        "marts/review_quarterly_confidence_thresholds",
        "reports/quarterly_review_report",
    } <= quarterly
    assert "marts/negative_feedback_review" not in quarterly


@pytest.mark.parametrize(
    ("schedule_name", "cron", "moment", "job_name", "partition_key"),
    [
        ("weekly_review_schedule", "0 6 * * 1", datetime(2026, 3, 2, 6), "weekly", "2026-02-23"),
        ("weekly_review_schedule", "0 6 * * 1", datetime(2026, 1, 5, 6), "weekly", "2025-12-29"),
        ("monthly_review_schedule", "0 7 1 * *", datetime(2026, 3, 1, 7), "monthly", "2026-02-01"),
        ("monthly_review_schedule", "0 7 1 * *", datetime(2026, 1, 1, 7), "monthly", "2025-12-01"),
        (
            "quarterly_review_schedule",
            "0 8 1 1,4,7,10 *",
            datetime(2026, 4, 1, 8),
            "quarterly",
            "2026-01-01",
        ),
        (
            "quarterly_review_schedule",
            "0 8 1 1,4,7,10 *",
            datetime(2026, 1, 1, 8),
            "quarterly",
            "2025-10-01",
        ),
    ],
)
def test_schedule_requests_the_period_that_just_ended(
    schedule_name, cron, moment, job_name, partition_key
):
    from dagster import build_schedule_context

    defs = _definitions()
    schedule = defs.resolve_schedule_def(schedule_name)
    assert schedule.cron_schedule == cron
    assert schedule.execution_timezone == "UTC"
    assert schedule.job_name == f"{job_name}_review_job"
    moment = moment.replace(tzinfo=UTC)
    context = build_schedule_context(scheduled_execution_time=moment)
    request = schedule(context)
    assert request.partition_key == partition_key
    job = defs.resolve_job_def(f"{job_name}_review_job")
    # the requested period is the latest complete one at that instant
    assert job.partitions_def.get_partition_keys(current_time=moment)[-1] == partition_key


# ---------------------------------------------------------------------------
# In-process runs on a generated export


class _Webhook:
    """A Slack-compatible webhook on 127.0.0.1 that records what it receives."""

    def __init__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(json.loads(body))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/alerts"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _resources(workdir: Path, raw: Path, webhook_url: str | None = None) -> dict:
    from orchestration.resources import (
        AlertNotifierResource,
        ReportsResource,
        WarehouseResource,
        dbt_resource,
    )

    return {
        "dbt": dbt_resource(),
        "warehouse": WarehouseResource(
            raw_path=str(raw), duckdb_path=str(workdir / "warehouse.duckdb")
        ),
        "notifier": AlertNotifierResource(
            outbox_path=str(workdir / "alerts" / "outbox.jsonl"), webhook_url=webhook_url
        ),
        "reports": ReportsResource(reports_dir=str(workdir / "reviews")),
    }


@pytest.fixture(scope="module")
def weekly_run(tmp_path_factory):
    """The weekly job run in-process for WEEK on a small export with every scenario."""
    workdir = tmp_path_factory.mktemp("orchestration")
    raw = workdir / "raw"
    supportwh("generate", "--out", str(raw), *SCENARIO_SIZE, "--scenario", "all")
    saved = os.environ.get("DBT_TARGET_PATH")
    os.environ["DBT_TARGET_PATH"] = str(workdir / "dbt_target")  # dbt artifacts of the runs
    try:
        job = _definitions().resolve_job_def("weekly_review_job")
        started = time.monotonic()
        result = job.execute_in_process(
            partition_key=WEEK, resources=_resources(workdir, raw), raise_on_error=False
        )
        elapsed = time.monotonic() - started
    finally:
        if saved is None:
            os.environ.pop("DBT_TARGET_PATH", None)
        else:
            os.environ["DBT_TARGET_PATH"] = saved
    return {"workdir": workdir, "raw": raw, "result": result, "seconds": elapsed}


def _query(workdir: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(workdir / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.mark.slow
def test_weekly_job_builds_every_asset_of_its_selection(weekly_run):
    result, workdir = weekly_run["result"], weekly_run["workdir"]
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    materialized = {
        e.event_specific_data.materialization.asset_key.to_user_string()
        for e in result.get_asset_materialization_events()
    }
    assert materialized == _selected("weekly_review_job")
    failed_dbt_tests = [
        c.asset_check_key.to_user_string()
        for c in result.get_asset_check_evaluations()
        if not c.passed
        and c.asset_check_key.asset_key.path[0] != "ops"
        and not c.asset_check_key.name.startswith("gx_gates_")
    ]
    assert failed_dbt_tests == []
    # the report step wrote the week's review rows
    for mart in ("operational", "panel", "action_items"):
        report = workdir / "reviews" / f"weekly-{WEEK}-{mart}.csv"
        lines = report.read_text().splitlines()
        assert lines[0].startswith("week_start,")
        rows = _query(
            workdir,
            f"select count(*) from marts.review_weekly_{mart} where week_start = '{WEEK}'",
        )[0][0]
        assert rows > 0 and len(lines) == rows + 1, mart
    # ... and rendered the week's HTML review, its path in the metadata
    [mat] = result.asset_materializations_for_node("reports__weekly_review_report")
    page = workdir / "reviews" / f"weekly-{WEEK}.html"
    assert mat.metadata["report_path"].value == str(page)
    assert mat.metadata["report_kb"].value > 100
    html = page.read_text(encoding="utf-8")
    assert "Weekly operational review" in html and "policy_p0" in html
    assert "<script src=" not in html and "<link " not in html  # everything inline
    # every alert was notified once: recorded in the warehouse and in the outbox
    alerts = _query(workdir, "select count(*) from marts.kpi_alerts")[0][0]
    assert alerts > 0
    assert _query(workdir, "select count(*) from ops.alert_notifications")[0][0] == alerts
    outbox = (workdir / "alerts" / "outbox.jsonl").read_text().splitlines()
    assert len(outbox) == alerts
    assert {"alert_id", "severity", "owner", "owner_contact", "detail"} <= set(
        json.loads(outbox[0])
    )
    # the scenarios raise P0 (refund_hallucination): its check fails with ERROR
    checks = {
        c.asset_check_key.name: c
        for c in result.get_asset_check_evaluations()
        if c.asset_check_key.asset_key.path[0] == "ops"
    }
    assert not checks["no_new_p0_alerts"].passed
    assert checks["no_new_p0_alerts"].severity.value == "ERROR"


@pytest.mark.slow
def test_weekly_job_runs_the_gx_gates_as_asset_checks(weekly_run):
    """One check per Great Expectations suite, on the mart it validates: failed
    when the suite failed for some archetype (ERROR when a failure is of
    blocking severity), agreeing with the rows the run stored."""
    result, workdir = weekly_run["result"], weekly_run["workdir"]
    gates = {
        c.asset_check_key.name: c
        for c in result.get_asset_check_evaluations()
        if c.asset_check_key.name.startswith("gx_gates_")
    }
    assert set(gates) == {
        "gx_gates_csat",
        "gx_gates_deflection",
        "gx_gates_handoff",
        "gx_gates_leading_indicators",
        "gx_gates_policy_qa",
    }
    assert gates["gx_gates_csat"].asset_check_key.asset_key.to_user_string() == (
        "marts/kpi_csat_gates"
    )
    stored = dict(
        _query(
            workdir,
            "select suite, count(*) filter (where success = false) from gates.gate_results "
            "group by suite",
        )
    )
    blocking = dict(
        _query(
            workdir,
            "select suite, count(*) filter (where success = false and blocking) "
            "from gates.gate_results group by suite",
        )
    )
    for name, check in gates.items():
        suite = name.replace("gx_gates_", "kpi_gates_")
        failed = check.metadata["failed"].value
        assert failed == stored[suite], name
        assert check.passed == (failed == 0), name
        expected = "ERROR" if blocking[suite] else "WARN"
        assert check.severity.value == expected, name
    # the scenario export has problems in the judged week: some gate fails
    assert any(not c.passed for c in gates.values())


def _inject_p0(workdir: Path) -> str:
    alert_id = "injected-p0-for-the-notifier-test"
    with duckdb.connect(str(workdir / "warehouse.duckdb")) as con:
        con.execute(
            "insert into marts.kpi_alerts "
            "select ? as alert_id, week_start, rule, kpi, archetype, 'injected' as segment, "
            "channel, observed, threshold, 'P0' as severity, action, owner, owner_role, "
            "owner_contact, 'injected P0 for the notifier test' as detail "
            "from marts.kpi_alerts where rule = 'policy_p0' limit 1",
            [alert_id],
        )
    return alert_id


def _notify(workdir: Path, raw: Path, webhook_url: str | None):
    from dagster import materialize

    from orchestration.alerts import alert_notifications
    from orchestration.checks import alert_checks

    return materialize(
        [alert_notifications, *alert_checks()],
        resources=_resources(workdir, raw, webhook_url),
        raise_on_error=False,
    )


def _check_results(result) -> dict:
    return {c.asset_check_key.name: c for c in result.get_asset_check_evaluations()}


@pytest.mark.slow
def test_a_new_p0_is_notified_once_and_posted_to_the_webhook(weekly_run):
    workdir, raw = weekly_run["workdir"], weekly_run["raw"]
    assert weekly_run["result"].success
    outbox = workdir / "alerts" / "outbox.jsonl"
    before = len(outbox.read_text().splitlines())
    alert_id = _inject_p0(workdir)
    webhook = _Webhook()
    try:
        first = _notify(workdir, raw, webhook.url)
        assert first.success
        assert len(webhook.received) == 1
        payload = webhook.received[0]
        assert set(payload) == {"text", "blocks"}
        assert "1 new KPI alert(s): 1 P0" in payload["text"]
        assert "injected P0 for the notifier test" in payload["text"]
        assert payload["blocks"][0]["type"] == "header"
        assert "injected P0" in payload["blocks"][1]["text"]["text"]
        lines = outbox.read_text().splitlines()
        assert len(lines) == before + 1
        assert json.loads(lines[-1])["alert_id"] == alert_id
        assert json.loads(lines[-1])["channels"] == ["log", "outbox", "webhook"]
        recorded = _query(
            workdir,
            f"select channel, severity from ops.alert_notifications where alert_id = '{alert_id}'",
        )
        assert recorded == [("log,outbox,webhook", "P0")]
        checks = _check_results(first)
        assert not checks["no_new_p0_alerts"].passed
        assert checks["no_new_p0_alerts"].severity.value == "ERROR"
        assert checks["no_new_review_alerts"].passed
        [mat] = first.asset_materializations_for_node("ops__alert_notifications")
        assert mat.metadata["new_alerts"].value == 1
        assert alert_id not in mat.metadata["new_alerts_table"].value  # a table for people
        assert "injected P0" in mat.metadata["new_alerts_table"].value

        second = _notify(workdir, raw, webhook.url)
        assert second.success
        assert len(webhook.received) == 1  # nothing new, nothing posted
        assert len(outbox.read_text().splitlines()) == before + 1
        assert all(c.passed for c in _check_results(second).values())
    finally:
        webhook.close()


@pytest.mark.slow
def test_a_failed_webhook_records_nothing(weekly_run):
    workdir, raw = weekly_run["workdir"], weekly_run["raw"]
    with duckdb.connect(str(workdir / "warehouse.duckdb")) as con:
        con.execute(
            "insert into marts.kpi_alerts select 'injected-review-unreachable', week_start, "
            "rule, kpi, archetype, 'unreachable', channel, observed, threshold, 'review', "
            "action, owner, owner_role, owner_contact, detail from marts.kpi_alerts limit 1"
        )
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    failed = _notify(workdir, raw, f"http://127.0.0.1:{port}/")
    assert not failed.success
    pending = (
        "select count(*) from ops.alert_notifications "
        "where alert_id = 'injected-review-unreachable'"
    )
    assert _query(workdir, pending)[0][0] == 0
    retried = _notify(workdir, raw, None)
    assert retried.success
    assert _query(workdir, pending)[0][0] == 1
    assert not _check_results(retried)["no_new_review_alerts"].passed
    assert _check_results(retried)["no_new_review_alerts"].severity.value == "WARN"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("cadence", "period", "files"),
    [
        ("monthly", "2025-12-01", ["monthly-2025-12-01.csv"]),
        (
            "quarterly",
            "2025-10-01",
            [
                "quarterly-2025-10-01-recalibration.csv",
                "quarterly-2025-10-01-confidence_thresholds.csv",
            ],
        ),
    ],
)
def test_monthly_and_quarterly_jobs_write_their_review(weekly_run, cadence, period, files):
    """On the weekly run's warehouse (incremental): the job builds its selection,
    writes the period's review, and notifies nothing already sent."""
    workdir, raw = weekly_run["workdir"], weekly_run["raw"]
    notified = _query(workdir, "select count(*) from ops.alert_notifications")[0][0]
    job = _definitions().resolve_job_def(f"{cadence}_review_job")
    result = job.execute_in_process(
        partition_key=period, resources=_resources(workdir, raw), raise_on_error=False
    )
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    materialized = {
        e.event_specific_data.materialization.asset_key.to_user_string()
        for e in result.get_asset_materialization_events()
    }
    assert materialized == _selected(f"{cadence}_review_job")
    for name in files:
        lines = (workdir / "reviews" / name).read_text().splitlines()
        assert len(lines) > 1, name
    [mat] = result.asset_materializations_for_node(f"reports__{cadence}_review_report")
    page = workdir / "reviews" / f"{cadence}-{period}.html"
    assert mat.metadata["report_path"].value == str(page)
    heading = {"monthly": "Monthly business review", "quarterly": "Quarterly recalibration"}
    assert heading[cadence] in page.read_text(encoding="utf-8")
    assert _query(workdir, "select count(*) from ops.alert_notifications")[0][0] == notified


# ---------------------------------------------------------------------------
# The webserver

GRAPHQL_QUERY = """
{
  workspaceOrError {
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on PythonError { message }
        }
      }
    }
  }
  repositoriesOrError {
    ... on RepositoryConnection {
      nodes {
        name
        location { name }
        schedules { name cronSchedule executionTimezone }
        jobs { name }
      }
    }
  }
}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _graphql(port: int) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": GRAPHQL_QUERY}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["data"]


@pytest.mark.slow
def test_dagster_dev_serves_the_code_location_and_its_schedules(tmp_path):
    """The documented command (docs/orchestration.md), its dbt parse included."""
    port = _free_port()
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    log = (tmp_path / "webserver.log").open("w")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "dagster"),
            "dev",
            "-m",
            "orchestration.definitions",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        cwd=REPO,
        env={**os.environ, "DAGSTER_HOME": str(home)},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 180
        data = None
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "webserver.log").read_text()[-3000:]
            try:
                data = _graphql(port)
            except OSError:
                data = None
            entries = (data or {}).get("workspaceOrError", {}).get("locationEntries") or []
            if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                break
            time.sleep(1)
        assert data is not None, (tmp_path / "webserver.log").read_text()[-3000:]
        [entry] = data["workspaceOrError"]["locationEntries"]
        assert entry["loadStatus"] == "LOADED"
        assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation", entry
        [repo] = data["repositoriesOrError"]["nodes"]
        schedules = {
            s["name"]: (s["cronSchedule"], s["executionTimezone"]) for s in repo["schedules"]
        }
        assert schedules == {
            "weekly_review_schedule": ("0 6 * * 1", "UTC"),
            "monthly_review_schedule": ("0 7 1 * *", "UTC"),
            "quarterly_review_schedule": ("0 8 1 1,4,7,10 *", "UTC"),
        }
        assert {"weekly_review_job", "monthly_review_job", "quarterly_review_job"} <= {
            j["name"] for j in repo["jobs"]
        }
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
        finally:
            log.close()
