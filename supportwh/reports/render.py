"""Render a review page: mart rows -> Jinja2 template -> one self-contained
HTML file (styles, scripts, chart specs and data inline; no network)."""

from __future__ import annotations

import json
import math
import os
import re
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from supportwh.reports import charts
from supportwh.reports.data import CSAT_LATENCIES, SEVERITY_ORDER, ReportData, load, period_label

TEMPLATES = Path(__file__).resolve().parent / "templates"
# The npm dists vendored for the offline Data Docs (package data of
# `expectations`, licenses in VERSIONS.md); a path, not an import of
# expectations.offline_docs, whose package import pulls in Great Expectations.
VENDOR = Path(__file__).resolve().parents[2] / "expectations" / "vendor"
VENDOR_SCRIPTS = ("vega/vega.min.js", "vega-lite/vega-lite.min.js", "vega-embed/vega-embed.min.js")
SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$", re.MULTILINE)
LONG_TAIL = "long_tail"

LEADING = [
    ("bot_handle_seconds", "bot handle time (s)"),
    ("escalated_handle_seconds", "escalated handle time (s)"),
    ("repeat_contact_7d", "repeat contact 7d (%)"),
    ("repeat_contact_30d", "repeat contact 30d (%)"),
    ("csat_model", "model-scored CSAT (%)"),
]
QUARTER_KPIS = [
    ("tickets", "tickets"),
    ("deflection_attempt_rate", "attempt rate %"),
    ("deflection_rate", "deflection rate %"),
    ("containment_rate", "containment %"),
    ("abandonment_rate", "abandonment %"),
    ("escalation_rate", "escalation %"),
    ("verified_deflection_rate", "verified deflection %"),
    ("csat_resolution", "resolution CSAT %"),
    ("csat_delayed", "delayed CSAT %"),
    ("csat_model", "model-scored CSAT %"),
    ("escalated_csat", "escalated CSAT %"),
    ("survey_response_rate", "survey response %"),
    ("context_loss_rate", "context loss %"),
    ("customer_repetition_rate", "customer repetition %"),
    ("handoff_packet_complete_rate", "packet complete %"),
    ("handoff_ack_rate", "packet acknowledged %"),
    ("bot_handle_seconds", "bot handle s"),
    ("escalated_handle_seconds", "escalated handle s"),
    ("repeat_contact_7d", "repeat 7d %"),
    ("repeat_contact_30d", "repeat 30d %"),
    ("qa_sample_rate", "QA sample %"),
    ("policy_incidents", "policy incidents"),
    ("policy_incidents_p0", "P0 incidents"),
]


@dataclass
class Rendered:
    path: Path
    cadence: str
    period: date
    label: str
    seconds: float
    bytes: int
    data: ReportData


def default_out_dir(duckdb_path: Path) -> Path:
    """SUPPORTWH_REPORTS_DIR, else reviews/ next to the warehouse file
    (target/reviews for the default warehouse, as the Dagster jobs write)."""
    env = os.environ.get("SUPPORTWH_REPORTS_DIR")
    return Path(env).resolve() if env else Path(duckdb_path).resolve().parent / "reviews"


def report_path(out_dir: Path, cadence: str, period: date) -> Path:
    return Path(out_dir) / f"{cadence}-{period.isoformat()}.html"


def render_report(
    duckdb_path: Path,
    cadence: str,
    period: date | None = None,
    out_dir: Path | None = None,
) -> Rendered:
    started = time.monotonic()
    data = load(Path(duckdb_path), cadence, period)
    html = render_html(data)
    out = Path(out_dir) if out_dir else default_out_dir(data.duckdb_path)
    out.mkdir(parents=True, exist_ok=True)
    path = report_path(out, cadence, data.period)
    path.write_text(html, encoding="utf-8")
    return Rendered(
        path=path,
        cadence=cadence,
        period=data.period,
        label=data.label,
        seconds=time.monotonic() - started,
        bytes=len(html.encode("utf-8")),
        data=data,
    )


# ---------------------------------------------------------------------------
# values


def _clean(value):
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return _clean(value.item())
    return value


def records(df: pd.DataFrame) -> list[dict]:
    return [{k: _clean(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def fmt(value, kind: str = "text") -> str:
    value = _clean(value)
    if value is None or value == "":
        return "–"
    if kind == "int":
        return f"{int(value):,}"
    if kind == "pct":
        return f"{value:.1f}%"
    if kind == "pts":
        return f"{value:+.1f}"
    if kind == "sec":
        return f"{value:,.0f} s"
    if kind == "num":
        return f"{value:,.2f}" if isinstance(value, float) else f"{value:,}"
    if kind == "num4":
        return f"{value:.4f}"
    if kind == "flag":
        return "yes" if value else "no"
    return str(value)


def sort_key(value) -> str:
    value = _clean(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    return str(value)


def _spec_json(spec: dict) -> str:
    # inside <script type="application/json">: no "</" may close the element
    return json.dumps(spec, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")


def _vendor_js() -> str:
    parts = []
    for name in VENDOR_SCRIPTS:
        text = (VENDOR / name).read_text(encoding="utf-8")
        parts.append(SOURCE_MAP.sub("", text))
    return "\n;\n".join(parts)


def _env():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = fmt
    env.filters["sortkey"] = sort_key
    env.filters["spec_json"] = _spec_json
    return env


def render_html(data: ReportData) -> str:
    env = _env()
    context = {"weekly": _weekly, "monthly": _monthly, "quarterly": _quarterly}[data.cadence](data)
    template = env.get_template(f"{data.cadence}.html.j2")
    return template.render(
        data=data,
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        css=(TEMPLATES / "report.css").read_text(encoding="utf-8"),
        page_js=(TEMPLATES / "report.js").read_text(encoding="utf-8"),
        vendor_js=_vendor_js(),
        period_label=period_label,
        **context,
    )


# ---------------------------------------------------------------------------
# the view of each cadence


def _protection_label(protected) -> str:
    return "CSAT-protected" if protected else "not protected"


def _band(row: dict) -> str | None:
    low, high = row.get("target_low_pct"), row.get("target_high_pct")
    return None if low is None or high is None else f"{low:.0f}–{high:.0f}%"


def _row_class(row: dict, key: str) -> str:
    if row[key] == "all":
        return "total"
    return "" if row["protection"] == "CSAT-protected" else "flagged"


def _handoff_chart(rows: list[dict], line: str, data: ReportData, order: str | None) -> dict:
    """Context loss and customer repetition per line against their seed thresholds."""
    kpis = [
        ("context_loss_rate", "context loss", "context_loss"),
        ("customer_repetition_rate", "customer repetition", "customer_repetition"),
    ]
    return charts.bars_vs_threshold(
        rows,
        line,
        [(kpi, title, data.thresholds.get(f"{rule}:{kpi}")) for kpi, title, rule in kpis],
        order=order,
    )


def _severity_counts(actions: pd.DataFrame) -> list[tuple[str, int]]:
    if actions.empty:
        return []
    counts = actions.severity.value_counts()
    return [(s, int(counts[s])) for s in SEVERITY_ORDER if s in counts]


def _problems(actions: pd.DataFrame) -> list[dict]:
    """The action items grouped for the page's first screen: one line per
    severity, rule and owner with the archetypes (and KPIs) it tripped on."""
    problems: dict[tuple, dict] = {}
    for row in records(actions):
        key = (row["severity_rank"], row["rule"], row["owner"])
        item = problems.setdefault(
            key,
            {
                "severity": row["severity"],
                "rule": row["rule"],
                "owner": row["owner"],
                "action": row["action"],
                "follow_up_date": row["follow_up_date"],
                "scopes": [],
            },
        )
        scope = (
            row["archetype"]
            if row["rule"] in ("policy_p0", "policy_p1")
            else (
                f"{row['archetype']} ({row['kpi']})"
                if row["rule"].startswith("csat_")
                else row["archetype"]
            )
        )
        if scope not in item["scopes"]:
            item["scopes"].append(scope)
    return [problems[k] for k in sorted(problems)]


def _weekly(data: ReportData) -> dict:
    f = data.frames
    panel = records(f["panel"])
    for row in panel:
        row["protection"] = _protection_label(row["is_csat_protected"])
        if row["archetypes"] > 1:
            row["protection_detail"] = (
                f"{row['archetypes_csat_protected']} of {row['archetypes']} archetypes protected"
            )
        else:
            row["protection_detail"] = (
                f"resolution {row['csat_resolution_status'] or '–'}, "
                f"delayed {row['csat_delayed_status'] or '–'}"
            )
        rate = "–" if row["deflection_rate"] is None else f"{row['deflection_rate']:.1f}%"
        row["headline_label"] = f"{rate} {'✓' if row['is_csat_protected'] else '✗'}"
        row["band"] = _band(row)
        row["_class"] = _row_class(row, "panel_archetype")
    lines = [r for r in panel if r["panel_archetype"] != "all"]
    actions = f["actions"]
    archetype_level = actions[(actions.segment == "all") & (actions.channel == "all")]
    cuts = actions[(actions.segment != "all") | (actions.channel != "all")]
    csat_rows = records(f["csat_trend"])
    csat_archetypes = ["all"] + [
        r["panel_archetype"]
        for r in lines
        if r["archetypes"] == 1 and r["panel_archetype"] != "all"
    ]
    specs = {}
    if lines:
        specs["deflection"] = charts.deflection_vs_band(
            panel, "panel_archetype", "deflection_rate", "protection", order="panel_position"
        )
        specs["handoff"] = _handoff_chart(panel, "panel_archetype", data, "panel_position")
    if csat_rows:
        specs["csat"] = charts.csat_trend(csat_rows, csat_archetypes, data.period.isoformat())
    trend = records(f["trend"])
    if trend:
        specs["leading"] = charts.indicator_trends(
            trend, "panel_archetype", [r["panel_archetype"] for r in panel], LEADING
        )
    if not f["incident_counts"].empty:
        specs["incidents"] = charts.incidents_by_class(records(f["incident_counts"]))
    total = next((r for r in panel if r["panel_archetype"] == "all"), None)
    return {
        "panel": panel,
        "lines": lines,
        "total": total,
        "severity_counts": _severity_counts(archetype_level),
        "actions": records(archetype_level),
        "problems": _problems(archetype_level),
        "action_cuts": records(cuts),
        "archetypes": records(f["archetypes"]),
        "incident_counts": records(f["incident_counts"]),
        "incidents": records(f["incidents"]),
        "incident_total": int(f["incident_counts"].incidents.sum())
        if not f["incident_counts"].empty
        else 0,
        "refund_accuracy": records(f["refund_accuracy"]),
        "specs": specs,
        "latencies": CSAT_LATENCIES,
        "unprotected": [r for r in lines if not r["is_csat_protected"]],
    }


def _monthly(data: ReportData) -> dict:
    f = data.frames
    months = records(f["months"])
    for row in months:
        gated, protected = row["weeks_gated"], row["weeks_csat_protected"]
        row["protection"] = _protection_label(gated and protected == gated)
        row["protection_detail"] = (
            f"{protected}/{gated} weeks protected" if gated else "no gated week"
        )
        rate = "–" if row["deflection_rate"] is None else f"{row['deflection_rate']:.1f}%"
        row["headline_label"] = f"{rate} ({protected or 0}/{gated or 0} wk)"
        row["band"] = _band(row)
        row["_class"] = _row_class(row, "archetype")
    archetypes = [r for r in months if r["archetype"] != "all"]
    specs = {}
    if archetypes:
        specs["deflection"] = charts.deflection_vs_band(
            archetypes,
            "archetype",
            "deflection_rate",
            "protection",
            title=(
                "Deflection rate of the month against the target band "
                "(colour: every gated week CSAT-protected)"
            ),
        )
        specs["csat"] = charts.csat_deltas(
            archetypes,
            review_at=data.thresholds.get("csat_review:csat_resolution", -2),
            rollback_at=data.thresholds.get("csat_rollback:csat_resolution", -4),
        )
        specs["handoff"] = _handoff_chart(archetypes, "archetype", data, None)
        shift_rows = [r for r in archetypes if r["share_shift_points"] is not None]
        if shift_rows:
            specs["shift"] = charts.share_shift(shift_rows, 5.0)
    if not f["incident_counts"].empty:
        specs["incidents"] = charts.incidents_by_class(records(f["incident_counts"]))
    return {
        "months": months,
        "archetypes": archetypes,
        "total": next((r for r in months if r["archetype"] == "all"), None),
        "rebaseline": [r for r in archetypes if r["needs_rebaselining"]],
        "incident_counts": records(f["incident_counts"]),
        "incidents": records(f["incidents"]),
        "specs": specs,
    }


def _quarterly(data: ReportData) -> dict:
    f = data.frames
    rows = records(f["quarter"])
    archetypes = [r for r in rows if r["archetype"] != "all"]
    total = next((r for r in rows if r["archetype"] == "all"), None)
    history = records(f["history"])
    for row in history:
        start = date.fromisoformat(row["quarter_start"])
        row["quarter_label"] = f"{start.year} Q{(start.month - 1) // 3 + 1}"  # sorts in time
    qoq = []
    if total:
        for kpi, title in QUARTER_KPIS:
            qoq.append(
                {
                    "kpi": kpi,
                    "title": title,
                    "value": total[kpi],
                    "change": total[f"{kpi}_qoq_change"],
                }
            )
    specs = {}
    if archetypes:
        specs["mix"] = charts.mix_vs_baseline(archetypes)
    if history:
        specs["trend"] = charts.quarter_trends(history, QUARTER_KPIS)
    thresholds = records(f["thresholds"])
    if thresholds:
        specs["thresholds"] = charts.confidence_thresholds(thresholds)
    if not f["incident_counts"].empty:
        specs["incidents"] = charts.incidents_by_class(records(f["incident_counts"]))
    return {
        "rows": rows,
        "archetypes": archetypes,
        "total": total,
        "qoq": qoq,
        "thresholds": thresholds,
        "incident_counts": records(f["incident_counts"]),
        "specs": specs,
    }
