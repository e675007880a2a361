"""Deflection suite (family `deflection`): `deflection_below_band`, per archetype.

The 4-week rolling deflection rate (`marts.kpi_deflection_headline`) must not
be below the archetype's `target_low` (the seed row has no number: the
threshold is per archetype, `archetypes.target_low`, published in the
headline as `target_low_pct`). Judged for archetypes in the deflection scope
that week (a rolled-back archetype is out of scope) once the rolling window
lies wholly after deployment, as `kpi_alerts` judges it.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from expectations.base import Gate
from expectations.thresholds import Threshold

FAMILY = "deflection"
NOT_GATED: dict[str, str] = {}


def columns(marts, thresholds: dict[str, Threshold]) -> pd.DataFrame:
    headline = marts.df(
        "select archetype, deflection_rate, rolling_deflection_rate, target_low_pct, "
        "target_high_pct, is_in_deflection_scope from marts.kpi_deflection_headline "
        "where week_start = ?",
        [marts.week],
    ).set_index("archetype")
    window_after_deployment = marts.week >= marts.deployed_week + timedelta(
        weeks=marts.vars["rolling_weeks"] - 1
    )
    out = pd.DataFrame(index=headline.index)
    out["rolling_deflection_rate"] = headline.rolling_deflection_rate.astype("float64")
    out["target_low_pct"] = headline.target_low_pct.astype("float64")
    out["target_high_pct"] = headline.target_high_pct.astype("float64")
    out["is_in_deflection_scope"] = headline.is_in_deflection_scope.fillna(False).astype(bool)
    out["deflection_judged"] = (
        out.is_in_deflection_scope
        & out.rolling_deflection_rate.notna()
        & out.target_low_pct.notna()
        & window_after_deployment
    )
    out["deflection_detail"] = [
        f"4-week deflection {r:.1f}% vs band {lo:g}-{hi:g}%"
        if j
        else (
            "rolling window starts before deployment"
            if not window_after_deployment
            else "not in the deflection scope this week (no band, or rolled back)"
        )
        for r, lo, hi, j in zip(
            out.rolling_deflection_rate,
            out.target_low_pct,
            out.target_high_pct,
            out.deflection_judged,
            strict=True,
        )
    ]
    return out


def gates(thresholds: dict[str, Threshold]) -> list[Gate]:
    from expectations.suites import require

    return [
        Gate(
            threshold=require(thresholds, "deflection_below_band:deflection_rate"),
            column="rolling_deflection_rate",
            judged="deflection_judged",
            detail="deflection_detail",
            unit="%",
            threshold_column="target_low_pct",
        )
    ]
