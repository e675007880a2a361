"""Leading-indicator suite (family `leading_indicators`), per archetype:

- `escalated_handle_time`: the week's mean agent handle time of escalated
  tickets (`marts.kpi_weekly`) as a percentage of the archetype's
  pre-deployment agent handle time (every ticket was human-handled then; the
  baseline weeks as the CSAT gates), judged with at least var
  `min_escalations` timed escalated tickets. No mart publishes the baseline,
  so it is read from `intermediate.int_ticket_kpi_facts`, as `kpi_alerts`
  reads it.
- `bot_handle_time_trend`: the consecutive weekly rises of the mean bot handle
  time ending with the week, counted back over at most `threshold` weeks (what
  the rule looks at) through consecutive post-deployment weeks with data; it
  trips at `threshold` rises in a row. Recomputed from `kpi_weekly`, not read
  from `kpi_alerts`, so the gate checks the KPI itself.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from expectations.base import Gate
from expectations.thresholds import Threshold

FAMILY = "leading_indicators"
NOT_GATED: dict[str, str] = {}
HANDLE = "escalated_handle_time:escalated_handle_seconds"
TREND = "bot_handle_time_trend:bot_handle_seconds"


def _handle_time(marts) -> pd.DataFrame:
    weekly = marts.df(
        "select archetype, denominator, value from marts.kpi_weekly where week_start = ? "
        "and segment = 'all' and channel = 'all' and kpi = 'escalated_handle_seconds'",
        [marts.week],
    ).set_index("archetype")
    baseline_start = marts.deployed_week - timedelta(weeks=marts.vars["baseline_weeks"])
    baseline = marts.df(
        "select archetype, 1.0 * sum(agent_handle_seconds_sum) "
        "/ nullif(sum(agent_handle_timed), 0) as baseline_seconds "
        "from intermediate.int_ticket_kpi_facts where is_baseline_period and week_start >= ? "
        "group by archetype "
        "union all select 'all', 1.0 * sum(agent_handle_seconds_sum) "
        "/ nullif(sum(agent_handle_timed), 0) "
        "from intermediate.int_ticket_kpi_facts where is_baseline_period and week_start >= ?",
        [baseline_start, baseline_start],
    ).set_index("archetype")
    out = pd.DataFrame(index=weekly.index)
    out["escalated_handle_seconds"] = weekly.value.astype("float64")
    out["escalated_handle_timed"] = weekly.denominator.astype("float64")
    out["baseline_agent_handle_seconds"] = baseline.baseline_seconds.reindex(out.index).astype(
        "float64"
    )
    out["escalated_handle_pct_of_baseline"] = (
        100.0 * out.escalated_handle_seconds / out.baseline_agent_handle_seconds
    )
    minimum = marts.vars["min_escalations"]
    out["escalated_handle_judged"] = (
        (out.escalated_handle_timed >= minimum)
        & (out.baseline_agent_handle_seconds > 0)
        & out.escalated_handle_pct_of_baseline.notna()
    )
    out["escalated_handle_detail"] = [
        f"mean {v:,.0f} s vs pre-deployment {b:,.0f} s ({n:,.0f} timed escalated tickets)"
        if j
        else (
            "no pre-deployment baseline"
            if pd.isna(b)
            else f"fewer than {minimum} timed escalated tickets ({0 if pd.isna(n) else n:,.0f})"
        )
        for v, b, n, j in zip(
            out.escalated_handle_seconds,
            out.baseline_agent_handle_seconds,
            out.escalated_handle_timed,
            out.escalated_handle_judged,
            strict=True,
        )
    ]
    return out


def _bot_trend(marts, window: int) -> pd.DataFrame:
    first = max(marts.deployed_week, marts.week - timedelta(weeks=window))
    history = marts.df(
        "select archetype, week_start, value from marts.kpi_weekly where kpi = "
        "'bot_handle_seconds' and segment = 'all' and channel = 'all' "
        "and week_start between ? and ? and value is not null order by archetype, week_start",
        [first, marts.week],
    )
    rows = []
    for archetype, h in history.groupby("archetype"):
        values = dict(zip(h.week_start, h.value, strict=True))
        if marts.week not in values:
            rows.append((archetype, None, False, "no bot handle time this week"))
            continue
        rises, week, chain = 0, marts.week, [values[marts.week]]
        while rises < window:
            previous = week - timedelta(weeks=1)
            if previous not in values or not values[week] > values[previous]:
                break
            rises, week = rises + 1, previous
            chain.insert(0, values[previous])
        if rises == 0 and (marts.week - timedelta(weeks=1)) in values:
            chain.insert(0, values[marts.week - timedelta(weeks=1)])
        detail = "mean bot handle seconds " + " -> ".join(f"{v:,.0f}" for v in chain)
        rows.append((archetype, float(rises), True, detail))
    return pd.DataFrame(
        rows,
        columns=["archetype", "bot_handle_rises", "bot_handle_judged", "bot_handle_detail"],
    ).set_index("archetype")


def columns(marts, thresholds: dict[str, Threshold]) -> pd.DataFrame:
    from expectations.suites import require

    window = int(require(thresholds, TREND).threshold)
    return _handle_time(marts).join(_bot_trend(marts, window), how="outer")


def gates(thresholds: dict[str, Threshold]) -> list[Gate]:
    from expectations.suites import require

    return [
        Gate(
            threshold=require(thresholds, HANDLE),
            column="escalated_handle_pct_of_baseline",
            judged="escalated_handle_judged",
            detail="escalated_handle_detail",
            unit="% of baseline",
        ),
        Gate(
            threshold=require(thresholds, TREND),
            column="bot_handle_rises",
            judged="bot_handle_judged",
            detail="bot_handle_detail",
            unit="weekly rises in a row",
        ),
    ]
