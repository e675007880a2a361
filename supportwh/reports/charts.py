"""Vega-Lite specs of the review pages, built from mart rows.

Each function takes records (dicts) and returns a Vega-Lite v5 spec; the page
embeds the spec as JSON and vega-embed draws it (SVG) in the browser. No
number is derived here: specs only map mart columns to marks.
"""

from __future__ import annotations

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"  # an id, never fetched
WIDTH = 720
PROTECTED = {"domain": ["CSAT-protected", "not protected"], "range": ["#1a7f37", "#cf222e"]}
SEVERITY_COLORS = {
    "domain": ["P0", "rollback", "P1", "review", "P2", "info"],
    "range": ["#a40e26", "#cf222e", "#e16f24", "#d4a72c", "#8c959f", "#57606a"],
}
LATENCY_TITLES = {
    "csat_resolution": "Resolution CSAT (survey at resolution)",
    "csat_delayed": "Delayed CSAT (survey days later)",
    "csat_model": "Model-scored CSAT (every bot-engaged ticket)",
}


def _base(data: list[dict], **extra) -> dict:
    return {"$schema": SCHEMA, "data": {"values": _rounded(data)}, "config": _config(), **extra}


def _rounded(data: list[dict], digits: int = 3) -> list[dict]:
    """Chart data at 3 decimals: invisible on a chart, a third of the page's JSON."""
    return [
        {k: round(v, digits) if isinstance(v, float) else v for k, v in row.items()} for row in data
    ]


def _config() -> dict:
    return {
        "font": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
        "view": {"stroke": None},
        "axis": {"labelFontSize": 11, "titleFontSize": 12, "gridColor": "#eaeef2"},
        "legend": {"labelFontSize": 11, "titleFontSize": 12, "orient": "bottom"},
        "title": {"fontSize": 14, "anchor": "start"},
    }


def _sort(order: str | None) -> dict:
    """Rows in the order of a column (e.g. the panel position), else by name."""
    return {"sort": {"field": order}} if order else {}


def _picker(name: str, options: list[str], label: str) -> dict:
    return {
        "name": name,
        "value": options[0],
        "bind": {"input": "select", "options": options, "name": f"{label} "},
    }


def deflection_vs_band(
    rows: list[dict],
    line: str,
    rate: str,
    protected_label: str,
    order: str | None = None,
    title: str = "Deflection rate against the archetype's target band",
) -> dict:
    """Horizontal: the target band as a shaded bar, the rate as a dot coloured
    by CSAT protection and labelled with it, one row per line."""
    y = {"field": line, "type": "nominal", "title": None, **_sort(order)}
    x_scale = {"domain": [0, 100]}
    return _base(
        rows,
        title=title,
        width=WIDTH - 260,
        height={"step": 26},
        layer=[
            {
                "mark": {"type": "bar", "color": "#d1f0d9", "height": 16},
                "encoding": {
                    "y": y,
                    "x": {
                        "field": "target_low_pct",
                        "type": "quantitative",
                        "scale": x_scale,
                        "title": "deflection rate (%) - shaded: target band",
                    },
                    "x2": {"field": "target_high_pct"},
                    "tooltip": [
                        {"field": line, "title": "line"},
                        {"field": "target_low_pct", "title": "band low %", "format": ".0f"},
                        {"field": "target_high_pct", "title": "band high %", "format": ".0f"},
                    ],
                },
            },
            {
                "mark": {"type": "point", "filled": True, "size": 110},
                "encoding": {
                    "y": y,
                    "x": {"field": rate, "type": "quantitative", "scale": x_scale},
                    "color": {
                        "field": protected_label,
                        "type": "nominal",
                        "title": "deflection is",
                        "scale": PROTECTED,
                    },
                    "tooltip": [
                        {"field": line, "title": "line"},
                        {"field": rate, "title": "deflection %", "format": ".1f"},
                        {"field": protected_label, "title": "CSAT"},
                    ],
                },
            },
            {
                "mark": {"type": "text", "align": "left", "dx": 10, "fontSize": 11},
                "encoding": {
                    "y": y,
                    "x": {"field": rate, "type": "quantitative", "scale": x_scale},
                    "text": {"field": "headline_label"},
                    "color": {"field": protected_label, "type": "nominal", "scale": PROTECTED},
                },
            },
        ],
    )


def csat_trend(rows: list[dict], archetypes: list[str], review_week: str) -> dict:
    """CSAT at three latencies for the picked archetype: weekly points, the
    rolling line the gate judges with its 95% Wilson band, and the baseline."""
    charts = []
    for kpi in ("csat_resolution", "csat_delayed", "csat_model"):
        baseline_title = "drift reference (prev. 4 weeks)" if kpi == "csat_model" else "baseline"
        flt = {"filter": f"datum.kpi == '{kpi}' && datum.archetype == archetype"}
        x = {"field": "week_start", "type": "temporal", "title": None, "axis": {"format": "%d %b"}}
        pct = {"type": "quantitative", "scale": {"zero": False}, "title": "CSAT %"}
        charts.append(
            {
                "title": LATENCY_TITLES[kpi],
                "width": WIDTH - 120,
                "height": 170,
                "transform": [flt],
                "layer": [
                    {
                        "mark": {"type": "area", "opacity": 0.25, "color": "#0969da"},
                        "encoding": {
                            "x": x,
                            "y": {"field": "wilson_low", **pct},
                            "y2": {"field": "wilson_high"},
                        },
                    },
                    {
                        "mark": {"type": "line", "color": "#0969da", "strokeWidth": 2.5},
                        "encoding": {"x": x, "y": {"field": "rolling_csat", **pct}},
                    },
                    {
                        "mark": {"type": "point", "color": "#57606a", "size": 28, "filled": True},
                        "encoding": {
                            "x": x,
                            "y": {"field": "weekly_csat", **pct},
                            "tooltip": [
                                {"field": "week_start", "type": "temporal", "title": "week"},
                                {"field": "weekly_csat", "title": "week CSAT %", "format": ".1f"},
                                {"field": "weekly_responses", "title": "responses"},
                                {
                                    "field": "rolling_csat",
                                    "title": "4-week CSAT %",
                                    "format": ".1f",
                                },
                                {"field": "wilson_low", "title": "Wilson low", "format": ".1f"},
                                {"field": "wilson_high", "title": "Wilson high", "format": ".1f"},
                                {
                                    "field": "baseline_csat",
                                    "title": baseline_title,
                                    "format": ".1f",
                                },
                                {"field": "status", "title": "gate"},
                            ],
                        },
                    },
                    {
                        "mark": {"type": "line", "color": "#cf222e", "strokeDash": [6, 4]},
                        "encoding": {"x": x, "y": {"field": "baseline_csat", **pct}},
                    },
                    {
                        "mark": {"type": "rule", "color": "#8c959f", "strokeDash": [2, 2]},
                        "encoding": {"x": {"datum": review_week, "type": "temporal"}},
                    },
                ],
            }
        )
    spec = _base(rows, params=[_picker("archetype", archetypes, "archetype")], vconcat=charts)
    spec["description"] = (
        "grey dots: weekly CSAT; blue line: 4-week rolling CSAT with its 95% Wilson band; "
        "red dashes: baseline"
    )
    return spec


def bars_vs_threshold(
    rows: list[dict], line: str, kpis: list[tuple[str, str, float | None]], order: str | None
) -> dict:
    """One small horizontal bar chart per KPI, bars over the threshold in red,
    the threshold as a rule."""
    charts = []
    for field, title, threshold in kpis:
        y = {"field": line, "type": "nominal", "title": None, **_sort(order)}
        color = (
            {
                "condition": {"test": f"datum['{field}'] > {threshold}", "value": "#cf222e"},
                "value": "#0969da",
            }
            if threshold is not None
            else {"value": "#0969da"}
        )
        layers = [
            {
                "mark": {"type": "bar", "height": 14},
                "encoding": {
                    "y": y,
                    "x": {"field": field, "type": "quantitative", "title": f"{title} (%)"},
                    "color": color,
                    "tooltip": [
                        {"field": line, "title": "line"},
                        {"field": field, "title": title, "format": ".1f"},
                    ],
                },
            }
        ]
        if threshold is not None:
            layers.append(
                {
                    "mark": {"type": "rule", "color": "#cf222e", "strokeDash": [4, 3]},
                    "encoding": {"x": {"datum": threshold}},
                }
            )
        charts.append(
            {
                "title": title + (f" (threshold {threshold:g}%)" if threshold is not None else ""),
                "width": (WIDTH - 200) // 2,
                "height": {"step": 20},
                "layer": layers,
            }
        )
    return _base(rows, hconcat=charts)


def _small_multiples(
    rows: list[dict],
    fields: list[tuple[str, str]],
    x: dict,
    x_tooltip: dict,
    columns: int,
    size: tuple[int, int],
    color: str,
    before: tuple[dict, ...] = (),
    **extra,
) -> dict:
    """One small line chart per (field, title), each with its own y scale: the
    fields folded into rows, faceted by title in the given order."""
    return _base(
        rows,
        transform=[
            *before,
            {"fold": [f for f, _ in fields], "as": ["field", "value"]},
            {
                "calculate": " ".join(f"datum.field == '{f}' ? '{t}' :" for f, t in fields)
                + " datum.field",
                "as": "title",
            },
        ],
        facet={"field": "title", "type": "nominal", "title": None, "sort": [t for _, t in fields]},
        columns=columns,
        spec={
            "width": size[0],
            "height": size[1],
            "mark": {"type": "line", "point": True, "color": color},
            "encoding": {
                "x": x,
                "y": {
                    "field": "value",
                    "type": "quantitative",
                    "title": None,
                    "scale": {"zero": False},
                },
                "tooltip": [x_tooltip, {"field": "title"}, {"field": "value", "format": ".2f"}],
            },
        },
        resolve={"scale": {"y": "independent"}},
        **extra,
    )


def indicator_trends(
    rows: list[dict], line: str, lines: list[str], indicators: list[tuple[str, str]]
) -> dict:
    """The leading indicators of the picked line over the weeks: one small
    chart per indicator (independent scales), the review week last."""
    return _small_multiples(
        rows,
        indicators,
        x={
            "field": "week_start",
            "type": "temporal",
            "title": None,
            "axis": {"format": "%d %b", "labelAngle": 0, "tickCount": 4},
        },
        x_tooltip={"field": "week_start", "type": "temporal", "title": "week"},
        columns=3,
        size=(210, 120),
        color="#8250df",
        before=({"filter": f"datum.{line} == line"},),
        params=[_picker("line", lines, "panel line")],
    )


def incidents_by_class(rows: list[dict]) -> dict:
    """Absolute counts (never a percentage) by finding class, stacked by severity."""
    return _base(
        rows,
        title="Policy incidents by class and severity (counts)",
        width=WIDTH - 260,
        height={"step": 28},
        mark={"type": "bar", "height": 18},
        encoding={
            "y": {"field": "finding_class", "type": "nominal", "title": None},
            "x": {
                "aggregate": "sum",
                "field": "incidents",
                "type": "quantitative",
                "title": "incidents",
                "axis": {"tickMinStep": 1, "format": "d"},
            },
            "color": {"field": "severity", "type": "nominal", "scale": SEVERITY_COLORS},
            "tooltip": [
                {"field": "finding_class", "title": "class"},
                {"field": "severity"},
                {"field": "source"},
                {"field": "incidents", "aggregate": "sum", "title": "incidents"},
            ],
        },
    )


def csat_deltas(rows: list[dict], review_at: float, rollback_at: float) -> dict:
    """Monthly CSAT deltas per archetype at three latencies, with the review
    and rollback thresholds."""
    fields = [
        ("csat_resolution_delta_points", "resolution vs baseline"),
        ("csat_delayed_delta_points", "delayed vs baseline"),
        ("csat_model_change_points", "model-scored vs previous month"),
    ]
    charts = []
    for field, title in fields:
        charts.append(
            {
                "title": title,
                "width": 190,
                "height": {"step": 18},
                "layer": [
                    {
                        "mark": {"type": "bar", "height": 12},
                        "encoding": {
                            "y": {"field": "archetype", "type": "nominal", "title": None},
                            "x": {"field": field, "type": "quantitative", "title": "points"},
                            "color": {
                                "condition": [
                                    {
                                        "test": f"datum['{field}'] <= {rollback_at}",
                                        "value": "#cf222e",
                                    },
                                    {
                                        "test": f"datum['{field}'] <= {review_at}",
                                        "value": "#d4a72c",
                                    },
                                ],
                                "value": "#1a7f37",
                            },
                            "tooltip": [
                                {"field": "archetype"},
                                {"field": field, "title": title, "format": "+.1f"},
                            ],
                        },
                    },
                    {
                        "mark": {"type": "rule", "color": "#d4a72c", "strokeDash": [4, 3]},
                        "encoding": {"x": {"datum": review_at}},
                    },
                    {
                        "mark": {"type": "rule", "color": "#cf222e", "strokeDash": [4, 3]},
                        "encoding": {"x": {"datum": rollback_at}},
                    },
                ],
            }
        )
    return _base(
        rows,
        title=f"CSAT deltas (points): review at {review_at:g}, rollback at {rollback_at:g}",
        hconcat=charts,
        resolve={"scale": {"y": "shared"}},
    )


def share_shift(rows: list[dict], limit: float) -> dict:
    """Month-over-month share shift per archetype, flagged beyond +/- limit points."""
    return _base(
        rows,
        title=f"Share of volume, change vs previous month (re-baseline beyond +/-{limit:g} points)",
        width=WIDTH - 260,
        height={"step": 20},
        layer=[
            {
                "mark": {"type": "bar", "height": 14},
                "encoding": {
                    "y": {"field": "archetype", "type": "nominal", "title": None},
                    "x": {"field": "share_shift_points", "type": "quantitative", "title": "points"},
                    "color": {
                        "condition": {"test": "datum.needs_rebaselining", "value": "#cf222e"},
                        "value": "#8c959f",
                    },
                    "tooltip": [
                        {"field": "archetype"},
                        {"field": "ticket_share_pct", "title": "share %", "format": ".1f"},
                        {
                            "field": "previous_ticket_share_pct",
                            "title": "prev. share %",
                            "format": ".1f",
                        },
                        {"field": "share_shift_points", "title": "shift", "format": "+.1f"},
                    ],
                },
            },
            {
                "mark": {"type": "rule", "color": "#cf222e", "strokeDash": [4, 3]},
                "encoding": {"x": {"datum": limit}},
            },
            {
                "mark": {"type": "rule", "color": "#cf222e", "strokeDash": [4, 3]},
                "encoding": {"x": {"datum": -limit}},
            },
        ],
    )


def mix_vs_baseline(rows: list[dict]) -> dict:
    """This quarter's share per archetype next to the baseline period's."""
    return _base(
        rows,
        title="Archetype mix: this quarter vs the pre-deployment baseline (share of tickets, %)",
        width=WIDTH - 260,
        height={"step": 14},
        transform=[
            {"fold": ["ticket_share_pct", "baseline_share_pct"], "as": ["period", "share"]},
            {
                "calculate": "datum.period == 'ticket_share_pct' ? 'this quarter' : 'baseline'",
                "as": "period_title",
            },
        ],
        mark={"type": "bar"},
        encoding={
            "y": {"field": "archetype", "type": "nominal", "title": None},
            "yOffset": {"field": "period_title"},
            "x": {"field": "share", "type": "quantitative", "title": "share of tickets (%)"},
            "color": {
                "field": "period_title",
                "type": "nominal",
                "title": None,
                "scale": {"domain": ["this quarter", "baseline"], "range": ["#0969da", "#afb8c1"]},
            },
            "tooltip": [
                {"field": "archetype"},
                {"field": "period_title", "title": "period"},
                {"field": "share", "format": ".1f"},
                {"field": "psi_contribution", "title": "PSI contribution", "format": ".4f"},
            ],
        },
    )


def quarter_trends(rows: list[dict], kpis: list[tuple[str, str]]) -> dict:
    """Every KPI of the 'all' line over the quarters, one small chart each."""
    return _small_multiples(
        rows,
        kpis,
        x={"field": "quarter_label", "type": "ordinal", "title": None, "axis": {"labelAngle": 0}},
        x_tooltip={"field": "quarter_label", "title": "quarter"},
        columns=4,
        size=(150, 80),
        color="#0969da",
    )


def confidence_thresholds(rows: list[dict]) -> dict:
    """The recommended cut-off per archetype as a labelled dot on 0..1; where
    none qualifies, the reason in its place."""
    y = {"field": "archetype", "type": "nominal", "title": None}
    x = {
        "field": "recommended_confidence_threshold",
        "type": "quantitative",
        "scale": {"domain": [0, 1]},
        "title": "confidence cut-off",
    }
    has = {"filter": "datum.recommended_confidence_threshold != null"}
    return _base(
        rows,
        title="Recommended model_confidence threshold per archetype",
        width=WIDTH - 260,
        height={"step": 20},
        layer=[
            {
                "transform": [has],
                "mark": {"type": "point", "filled": True, "size": 90, "color": "#8250df"},
                "encoding": {
                    "y": y,
                    "x": x,
                    "tooltip": [
                        {"field": "archetype"},
                        {"field": "recommended_confidence_threshold", "title": "cut-off"},
                        {"field": "csat_above_threshold", "title": "CSAT above %", "format": ".1f"},
                        {"field": "baseline_csat_resolution", "title": "baseline %"},
                        {"field": "bot_resolved_kept_pct", "title": "kept %", "format": ".1f"},
                    ],
                },
            },
            {
                "transform": [has],
                "mark": {"type": "text", "align": "left", "dx": 8, "fontSize": 11},
                "encoding": {
                    "y": y,
                    "x": x,
                    "text": {"field": "recommended_confidence_threshold", "format": ".2f"},
                },
            },
            {
                "transform": [{"filter": "datum.recommended_confidence_threshold == null"}],
                "mark": {"type": "text", "align": "left", "fontSize": 11, "color": "#57606a"},
                "encoding": {
                    "y": y,
                    "x": {"datum": 0},
                    "text": {"field": "no_threshold_reason"},
                },
            },
        ],
    )
