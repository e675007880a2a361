"""The review reports (supportwh/reports/, `supportwh report`): pages rendered
from the scenario data show the injected problems with their owners, the clean
data's do not; the headline never shows a deflection rate without its CSAT
protection; the panel is the top 8 archetypes plus long_tail; empty sections
say so; and headless chromium (Debian's package, no download) opens every page
offline with no console message, draws every chart, sorts tables, and takes a
full-page screenshot that is not blank."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import numpy as np
import pytest
from chromium_cdp import open_page
from conftest import REPO, supportwh

pytestmark = pytest.mark.slow

CADENCES = ("weekly", "monthly", "quarterly")
# (severity, rule, archetype, owner): what the scenarios inject (KPI_SPEC.md rules)
INJECTED = [
    ("P0", "policy_p0", "returns_refunds", "Tom Okafor"),
    ("rollback", "csat_rollback", "returns_refunds", "Marcus Lee"),
    ("P1", "context_loss", "billing_disputes", "Elena Novak"),
    ("P1", "customer_repetition", "billing_disputes", "Elena Novak"),
    ("P1", "escalated_handle_time", "billing_disputes", "Sara Kim"),
    ("P2", "bot_handle_time_trend", "order_tracking", "Sara Kim"),
]
FOLLOW_UP_DAYS = {
    r["severity"]: int(r["follow_up_days"])
    for r in csv.DictReader((REPO / "seeds" / "alert_follow_up.csv").open())
}
READY = (
    "document.readyState === 'complete' && "
    "document.querySelectorAll('div.vega').length === "
    "document.querySelectorAll('div.vega[data-rendered]').length"
)
CHARTS = (
    "JSON.stringify(Array.from(document.querySelectorAll('div.vega')).map("
    "el => [el.id, el.dataset.rendered, el.querySelectorAll('svg').length]))"
)


class _Page(HTMLParser):
    """Tables by id (header texts, row cell texts), list items of
    #problems, and the ids of the empty states."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, dict] = {}
        self.problems: list[str] = []
        self.empty: set[str] = set()
        self._table = None
        self._cell = None
        self._row = None
        self._in_problems = False
        self._li = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id"):
            self._table = self.tables.setdefault(attrs["id"], {"header": [], "rows": []})
        elif self._table is not None and tag == "tr":
            self._row = []
        elif self._table is not None and tag in ("td", "th"):
            self._cell = []
        elif tag == "ul" and attrs.get("id") == "problems":
            self._in_problems = True
        elif tag == "li" and self._in_problems:
            self._li = []
        if attrs.get("data-empty"):
            self.empty.add(attrs["data-empty"])

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row and not self._table["header"]:
                self._table["header"] = self._row
            elif self._row:
                self._table["rows"].append(dict(zip(self._table["header"], self._row, strict=True)))
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag == "li" and self._li is not None:
            self.problems.append(" ".join("".join(self._li).split()))
            self._li = None
        elif tag == "ul":
            self._in_problems = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._li is not None:
            self._li.append(data)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _render(db: Path, out: Path, cadence: str, *extra: str) -> Path:
    result = supportwh(
        "report", "--cadence", cadence, "--duckdb-path", str(db), "--out", str(out), *extra
    )
    lines = result.stdout.strip().splitlines()
    assert f"{cadence} review of " in lines[0], result.stdout
    return Path(lines[-1])


@pytest.fixture(scope="module")
def reports(alert_warehouses, tmp_path_factory) -> dict[tuple[str, str], Path]:
    """Every cadence's latest complete period, for the clean and the scenario export."""
    out = tmp_path_factory.mktemp("reports")
    return {
        (export, cadence): _render(built.duckdb_path, out / export, cadence)
        for export, built in alert_warehouses.items()
        for cadence in CADENCES
    }


def _scenario_weeks(alert_warehouses) -> list[date]:
    meta = json.loads((alert_warehouses["all"].raw_path / "_generation.json").read_text())
    return sorted(date.fromisoformat(w) for w in meta["scenario_weeks"])


def _week_of(path: Path) -> date:
    return date.fromisoformat(path.stem.removeprefix("weekly-"))


def test_weekly_report_of_the_scenario_export_shows_the_injected_alerts(reports, alert_warehouses):
    path = reports[("all", "weekly")]
    week = _week_of(path)
    assert week in _scenario_weeks(alert_warehouses)  # the latest complete week is injected
    page = _parse(path)
    actions = page.tables["actions-table"]["rows"]
    for severity, rule, archetype, owner in INJECTED:
        rows = [r for r in actions if r["rule"] == rule and r["archetype"] == archetype]
        assert rows, f"{rule} {archetype} missing from the action items"
        for row in rows:
            assert row["severity"] == severity and row["owner"] == owner, row
            follow_up = week + timedelta(days=7 + FOLLOW_UP_DAYS[severity])
            assert row["follow up by"] == follow_up.isoformat(), row
        # and on the first screen, with the owner
        assert any(
            p.startswith(f"{severity} {rule}:") and archetype in p and owner in p
            for p in page.problems
        ), (rule, page.problems)
    # worst first
    order = ["P0", "rollback", "P1", "review", "P2", "info"]
    ranks = [order.index(r["severity"]) for r in actions]
    assert ranks == sorted(ranks)
    # incidents are counts by class and severity, including the injected refund misquotes
    counts = page.tables["incident-counts-table"]["rows"]
    assert any(r["class"] == "refund_pricing" and r["severity"] == "P0" for r in counts)
    assert all(r["incidents"].isdigit() for r in counts)


def test_weekly_report_of_the_clean_export_shows_none_of_them(reports):
    # at archetype level, as the gates judge (a segment or channel cut of the
    # clean export may still trip on survey noise)
    page = _parse(reports[("clean", "weekly")])
    rows = page.tables.get("actions-table", {"rows": []})["rows"]
    for _, rule, archetype, _ in INJECTED:
        assert not [r for r in rows if r["rule"] == rule and r["archetype"] == archetype], rule
        assert not [p for p in page.problems if f" {rule}:" in p and archetype in p]


def test_headline_is_the_top_8_plus_long_tail_with_protection_next_to_every_rate(
    reports, alert_warehouses
):
    for export, built in alert_warehouses.items():
        path = reports[(export, "weekly")]
        week = _week_of(path)
        headline = _parse(path).tables["headline-table"]["rows"]
        with duckdb.connect(str(built.duckdb_path), read_only=True) as con:
            top = [
                r[0]
                for r in con.execute(
                    "select archetype from marts.review_weekly_operational where week_start = ? "
                    "and panel_archetype = archetype and archetype not in ('all', 'long_tail') "
                    "order by volume_rank",
                    [week],
                ).fetchall()
            ]
            folded = sorted(
                r[0]
                for r in con.execute(
                    "select archetype from marts.review_weekly_operational where week_start = ? "
                    "and panel_archetype = 'long_tail'",
                    [week],
                ).fetchall()
            )
        assert len(top) == 8
        assert [r["panel line"] for r in headline] == ["all", *top, "long_tail"]
        long_tail = headline[-1]
        assert sorted(long_tail["archetypes on the line"].split(", ")) == folded
        for row in headline:
            assert row["deflection"].endswith("%"), row
            assert row["CSAT protection"] in ("✓ CSAT-protected", "✗ not protected"), row
    # the monthly page too: the rate never alone
    for export in alert_warehouses:
        monthly = _parse(reports[(export, "monthly")]).tables["deflection-table"]["rows"]
        assert monthly
        for row in monthly:
            assert row["CSAT protection"] in ("✓ CSAT-protected", "✗ not protected"), row


def test_monthly_and_quarterly_pages_carry_what_the_spec_lists(reports, alert_warehouses):
    monthly = _parse(reports[("all", "monthly")])
    share = monthly.tables["share-table"]["rows"]
    assert share and all(r["re-baseline"] in ("yes", "no") for r in share)
    assert {"csat-table", "fidelity-table", "policy-table"} <= set(monthly.tables)
    quarterly = _parse(reports[("all", "quarterly")])
    mix = quarterly.tables["mix-table"]["rows"]
    assert mix and all(r["PSI contribution"] != "–" for r in mix)
    qoq = {r["KPI"] for r in quarterly.tables["qoq-table"]["rows"]}
    assert {"deflection rate %", "resolution CSAT %", "P0 incidents"} <= qoq
    assert len(qoq) == 23
    thresholds = quarterly.tables["thresholds-table"]["rows"]
    with duckdb.connect(str(alert_warehouses["all"].duckdb_path), read_only=True) as con:
        quarter = date.fromisoformat(reports[("all", "quarterly")].stem.split("-", 1)[1])
        expected = con.execute(
            "select count(*) from marts.review_quarterly_confidence_thresholds "
            "where quarter_start = ?",
            [quarter],
        ).fetchone()[0]
    assert len(thresholds) == expected > 0
    for row in thresholds:  # a cut-off or the reason there is none
        assert (row["recommended cut-off"] != "–") != (row["why none"] != "–"), row


@pytest.fixture(scope="module")
def quiet_week(alert_warehouses, reports, tmp_path_factory) -> Path:
    """The clean warehouse with the week's alerts and policy incidents removed:
    a quiet week whose page must say so rather than draw empty charts."""
    workdir = tmp_path_factory.mktemp("quiet")
    db = workdir / "warehouse.duckdb"
    shutil.copy(alert_warehouses["clean"].duckdb_path, db)
    week = _week_of(reports[("clean", "weekly")])
    with duckdb.connect(str(db)) as con:
        con.execute("delete from marts.review_weekly_action_items where week_start = ?", [week])
        con.execute("delete from marts.policy_incident_log where week_start = ?", [week])
    return _render(db, workdir / "reviews", "weekly", "--period", week.isoformat())


def test_empty_sections_show_an_empty_state(quiet_week, tmp_path):
    page = _parse(quiet_week)
    assert {"problems", "actions-table", "incident-counts-table", "chart-incidents"} <= page.empty
    assert "actions-table" not in page.tables
    html = quiet_week.read_text(encoding="utf-8")
    assert "No alert at archetype level this week" in html
    assert "No policy incident this week." in html
    run = open_page(quiet_week, tmp_path / "chromium", READY, probe=CHARTS)
    assert not run.problems, "\n".join(run.problems)
    assert all(state == "true" for _, state, _ in json.loads(run.probe))


def test_cli_errors_are_one_line(alert_warehouses, tmp_path):
    db = str(alert_warehouses["clean"].duckdb_path)
    cases = [
        (["--cadence", "weekly", "--period", "2020-01-06", "--duckdb-path", db], "no weekly data"),
        (["--duckdb-path", str(tmp_path / "missing.duckdb")], "no warehouse at"),
    ]
    for args, message in cases:
        result = supportwh("report", *args, "--out", str(tmp_path), check=False)
        assert result.returncode == 1
        [line] = result.stderr.strip().splitlines()
        assert line.startswith("supportwh: error: ") and message in line, line
    unbuilt = tmp_path / "unbuilt.duckdb"
    duckdb.connect(str(unbuilt)).close()
    result = supportwh("report", "--duckdb-path", str(unbuilt), check=False)
    assert result.returncode == 1 and "build the warehouse first" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not list(tmp_path.glob("*.html"))


def test_pages_are_self_contained(reports):
    for path in reports.values():
        html = path.read_text(encoding="utf-8")
        assert "<script src" not in html and "<link" not in html and "@import" not in html
        assert "sourceMappingURL" not in html
        # the vendored vega, vega-lite and vega-embed are inline
        assert html.count("<script>") == 2 and "vegaEmbed" in html


@pytest.mark.parametrize("cadence", CADENCES)
def test_chromium_opens_the_page_offline_and_screenshots_it(reports, cadence, tmp_path):
    from PIL import Image

    path = reports[("all", cadence)]
    shot = path.with_suffix(".png")  # next to the report
    # click the 'tickets'-like numeric header of the first sortable table twice
    probe = (
        "(() => { const t = document.querySelector('table.sortable');"
        " const th = Array.from(t.tHead.rows[0].cells).find(h => h.dataset.kind === 'num');"
        " const i = Array.from(t.tHead.rows[0].cells).indexOf(th);"
        " const read = () => Array.from(t.tBodies[0].rows).map(r => r.cells[i].dataset.sort);"
        " th.click(); const up = read(); th.click(); const down = read();"
        f" return JSON.stringify({{charts: {CHARTS}, up, down}}); }})()"
    )
    run = open_page(path, tmp_path / "chromium", READY, screenshot=shot, probe=probe)
    assert not run.problems, "console:\n" + "\n".join(run.problems)
    assert run.requests and all(u.startswith("file://") for u in run.requests), run.requests
    probed = json.loads(run.probe)
    charts = json.loads(probed["charts"])
    assert len(charts) >= 3, charts
    assert all(state == "true" and svgs >= 1 for _, state, svgs in charts), charts

    def numbers(values):
        return [float(v) for v in values if v != ""]

    assert numbers(probed["up"]) == sorted(numbers(probed["up"]))
    assert numbers(probed["down"]) == sorted(numbers(probed["down"]), reverse=True)
    # the full page, not the 900-pixel window, and not blank
    image = Image.open(shot).convert("RGB")
    assert image.size == (run.width, run.height) and run.height > 2000, image.size
    pixels = np.asarray(image.resize((image.width // 4, image.height // 4))).reshape(-1, 3)
    colours = len(np.unique(pixels, axis=0))
    non_white = float((pixels.astype(int).sum(axis=1) < 735).mean())
    assert colours > 100 and non_white > 0.05, (colours, non_white)
