"""CSAT suite (family `csat`, owner from the owners seed): the CSAT gates.

Per archetype, for `csat_resolution`, `csat_delayed` and `escalated_csat`:
the rolling CSAT's delta against the pre-deployment baseline
(`marts.kpi_csat_gates.delta_points`, segment = channel = `all`) must stay
above the `csat_rollback` threshold (-4 points) and the `csat_review`
threshold (-2 points). Judged where the gate has data (status is not
`insufficient_data`). An archetype at rollback is judged by `csat_rollback`
only, as its gate status is `rollback`, not `review`: one verdict per
archetype and KPI, the worse one, exactly as `kpi_alerts` raises it.

The seed's `csat_model` rows are not gated: the model-scored CSAT's drift gate
is published in `kpi_csat_gates` and raises no alert (docs/decisions.md,
"csat_model drift"); the spec's alert rules cover the three CSATs above.
"""

from __future__ import annotations

import pandas as pd

from expectations.base import Gate
from expectations.thresholds import Threshold

FAMILY = "csat"
GATED_KPIS = ("csat_resolution", "csat_delayed", "escalated_csat")
NOT_GATED = {
    "csat_review:csat_model": "drift gate, published in kpi_csat_gates, raises no alert",
    "csat_rollback:csat_model": "drift gate, published in kpi_csat_gates, raises no alert",
}


def columns(marts, thresholds: dict[str, Threshold]) -> pd.DataFrame:
    gates = marts.df(
        "select kpi, archetype, csat, baseline_csat, responses, delta_points, p_value, status "
        "from marts.kpi_csat_gates where week_start = ? and segment = 'all' and channel = 'all' "
        f"and kpi in {tuple(GATED_KPIS)}",
        [marts.week],
    )
    out = pd.DataFrame(index=pd.Index(sorted(set(gates.archetype)), name="archetype"))
    for kpi in GATED_KPIS:
        g = gates[gates.kpi == kpi].set_index("archetype").reindex(out.index)
        out[f"{kpi}_delta_points"] = g.delta_points.astype("float64")
        out[f"{kpi}_status"] = g.status
        out[f"{kpi}_judged"] = g.status.isin(["ok", "review", "rollback"]) & g.delta_points.notna()
        out[f"{kpi}_detail"] = [
            "no gate row"
            if pd.isna(s)
            else f"{s}: rolling CSAT {c:.1f} vs baseline {b:.1f} on {r:,.0f} responses, p={p:.4f}"
            if s != "insufficient_data"
            else f"insufficient data ({0 if pd.isna(r) else r:,.0f} responses)"
            for s, c, b, r, p in zip(
                g.status, g.csat, g.baseline_csat, g.responses, g.p_value, strict=True
            )
        ]
    return out


def gates(thresholds: dict[str, Threshold]) -> list[Gate]:
    from expectations.suites import require

    out = []
    for kpi in GATED_KPIS:
        rollback = require(thresholds, f"csat_rollback:{kpi}")
        review = require(thresholds, f"csat_review:{kpi}")
        common = {
            "column": f"{kpi}_delta_points",
            "judged": f"{kpi}_judged",
            "detail": f"{kpi}_detail",
            "unit": "points",
        }
        out.append(Gate(threshold=rollback, **common))
        out.append(
            Gate(
                threshold=review,
                conditions=((f"{kpi}_delta_points", ">", rollback.threshold),),
                note="an archetype at rollback is judged by csat_rollback only",
                **common,
            )
        )
    return out
