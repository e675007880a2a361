"""Handoff suite (family `handoff`): context loss, customer repetition and the gap
between them, per archetype, from `marts.kpi_weekly` (segment = channel =
`all`). Judged where the week has at least var `min_escalations` escalations
and escalated tickets, as `kpi_alerts` judges them.
"""

from __future__ import annotations

import pandas as pd

from expectations.base import Gate
from expectations.thresholds import Threshold

FAMILY = "handoff"
NOT_GATED: dict[str, str] = {}


def columns(marts, thresholds: dict[str, Threshold]) -> pd.DataFrame:
    weekly = marts.df(
        "select archetype, kpi, denominator, value from marts.kpi_weekly "
        "where week_start = ? and segment = 'all' and channel = 'all' "
        "and kpi in ('context_loss_rate', 'customer_repetition_rate')",
        [marts.week],
    )
    value = weekly.pivot(index="archetype", columns="kpi", values="value")
    denominator = weekly.pivot(index="archetype", columns="kpi", values="denominator")
    out = pd.DataFrame(index=value.index)
    out["context_loss_rate"] = value.get("context_loss_rate").astype("float64")
    out["customer_repetition_rate"] = value.get("customer_repetition_rate").astype("float64")
    out["escalations"] = denominator.get("context_loss_rate").astype("float64")
    out["escalated_tickets"] = denominator.get("customer_repetition_rate").astype("float64")
    out["repetition_gap_points"] = (out.customer_repetition_rate - out.context_loss_rate).abs()
    minimum = marts.vars["min_escalations"]
    out["handoff_judged"] = (
        (out.escalations >= minimum)
        & (out.escalated_tickets >= minimum)
        & out.context_loss_rate.notna()
        & out.customer_repetition_rate.notna()
    )
    out["handoff_detail"] = [
        f"context loss {c:.1f}% of {e:,.0f} escalations, customer repetition {r:.1f}% of "
        f"{t:,.0f} escalated tickets"
        if j
        else f"fewer than {minimum} escalations ({0 if pd.isna(e) else e:,.0f})"
        for c, e, r, t, j in zip(
            out.context_loss_rate,
            out.escalations,
            out.customer_repetition_rate,
            out.escalated_tickets,
            out.handoff_judged,
            strict=True,
        )
    ]
    return out


def gates(thresholds: dict[str, Threshold]) -> list[Gate]:
    from expectations.suites import require

    common = {"judged": "handoff_judged", "detail": "handoff_detail"}
    return [
        Gate(
            threshold=require(thresholds, "context_loss:context_loss_rate"),
            column="context_loss_rate",
            unit="%",
            **common,
        ),
        Gate(
            threshold=require(thresholds, "customer_repetition:customer_repetition_rate"),
            column="customer_repetition_rate",
            unit="%",
            **common,
        ),
        Gate(
            threshold=require(thresholds, "repetition_gap:customer_repetition_rate"),
            column="repetition_gap_points",
            unit="points",
            note="|customer_repetition_rate - context_loss_rate|",
            **common,
        ),
    ]
