"""The suites, one per KPI family, and the week's gate frame they validate.

Every `kpi_thresholds` row belongs to the family of its KPI (`kpi_catalog`)
and is either a gate of that family's module or listed in the module's
`NOT_GATED` with the reason; a seed row no module knows stops the run, so a
threshold added to the seed cannot be silently unchecked.
"""

from __future__ import annotations

from types import ModuleType

import pandas as pd

from expectations import csat, deflection, handoff, leading_indicators, policy_qa
from expectations.base import Gate, thresholds_by_key
from expectations.thresholds import Threshold
from supportwh.errors import SupportWHError

FAMILIES: tuple[ModuleType, ...] = (csat, handoff, leading_indicators, policy_qa, deflection)
SUITE_PREFIX = "kpi_gates_"


def suite_name(family: str) -> str:
    return f"{SUITE_PREFIX}{family}"


def require(thresholds: dict[str, Threshold], key: str) -> Threshold:
    try:
        return thresholds[key]
    except KeyError:
        raise SupportWHError(
            f"kpi_thresholds has no row {key.replace(':', ' / ')} (rule / kpi): "
            "the gate needs its threshold"
        ) from None


def build_gates(thresholds: list[Threshold]) -> dict[str, list[Gate]]:
    """family -> its gates, checking that every seed row is accounted for."""
    gates: dict[str, list[Gate]] = {}
    covered: set[str] = set()
    for module in FAMILIES:
        family_gates = module.gates(thresholds_by_key(thresholds, module.FAMILY))
        gates[module.FAMILY] = family_gates
        covered |= {g.key for g in family_gates} | set(module.NOT_GATED)
    unknown = sorted(t.key for t in thresholds if t.key not in covered)
    if unknown:
        raise SupportWHError(
            f"kpi_thresholds rows with no gate: {', '.join(unknown)} "
            "(add the gate to its family's module in expectations/, or list it in NOT_GATED)"
        )
    return gates


def not_gated() -> dict[str, str]:
    return {key: why for module in FAMILIES for key, why in module.NOT_GATED.items()}


def build_suites(gates: dict[str, list[Gate]]):
    """family -> a GX ExpectationSuite (not yet added to a context)."""
    import great_expectations as gx

    suites = {}
    for family, family_gates in gates.items():
        # expectations passed to the constructor: adding them one by one needs a context
        suites[family] = gx.ExpectationSuite(
            name=suite_name(family),
            expectations=[gate.expectation() for gate in family_gates],
            meta={
                "family": family,
                "source": "seeds/kpi_thresholds.csv (reference.kpi_thresholds)",
                "grain": "one row per archetype (and 'all') for the week under review",
            },
        )
    return suites


# kpi_weekly rows the family modules read for the week
WEEKLY_KPIS = (
    "tickets",
    "context_loss_rate",
    "customer_repetition_rate",
    "escalated_handle_seconds",
    "bot_handle_seconds",
    "policy_incidents",
    "policy_incidents_p0",
    "qa_sample_rate",
)


def build_frame(marts, thresholds: list[Threshold]) -> pd.DataFrame:
    """The week's gate frame: one row per archetype of `kpi_weekly` (and 'all')."""
    present = set(
        marts.df(
            "select distinct kpi from marts.kpi_weekly where week_start = ? "
            "and segment = 'all' and channel = 'all'",
            [marts.week],
        ).kpi
    )
    missing = [k for k in WEEKLY_KPIS if k not in present]
    if missing:
        raise SupportWHError(
            f"marts.kpi_weekly has no {', '.join(missing)} rows for the week of {marts.week}: "
            "rebuild the warehouse"
        )
    archetypes = marts.df(
        "select archetype from marts.kpi_weekly where week_start = ? and kpi = 'tickets' "
        "and segment = 'all' and channel = 'all' order by archetype = 'all', archetype",
        [marts.week],
    ).archetype
    if archetypes.empty:
        raise SupportWHError(f"marts.kpi_weekly has no ticket counts for the week of {marts.week}")
    frame = pd.DataFrame(index=pd.Index(list(archetypes), name="archetype"))
    for module in FAMILIES:
        part = module.columns(marts, thresholds_by_key(thresholds, module.FAMILY))
        overlap = set(part.columns) & set(frame.columns)
        if overlap:
            raise SupportWHError(f"gate frame columns defined twice: {sorted(overlap)}")
        frame = frame.join(part, how="left")
    for column in frame.columns:
        if column.endswith("_judged"):
            frame[column] = frame[column].astype("boolean").fillna(False).astype(bool)
    frame.insert(0, "week_start", marts.week)
    return frame.reset_index()
