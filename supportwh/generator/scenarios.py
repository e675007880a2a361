"""Named scenarios: problems injected into the post-deployment period.

Scenarios are injected from a fixed week on: the last 6 generated weeks (never
before deployment). The effects themselves are applied where the data is built
(see week.py and dirty.py); this module names them and resolves user input.
"""

from __future__ import annotations

from collections.abc import Iterable

SCENARIOS: dict[str, str] = {
    "clean": "nothing injected (same as no scenario)",
    "csat_collapse": (
        "returns_refunds: satisfaction of bot-handled tickets drops ~15 points "
        "(resolution and delayed CSAT), enough for a rollback gate"
    ),
    "handoff_break": (
        "billing_disputes: escalation packets mostly incomplete, agent restate flag ~30%, "
        "customer repetition ~25%, escalated agent handle time +40%"
    ),
    "refund_hallucination": (
        "returns_refunds: QA finds refund_pricing misquotes (return_window_days quoted as 60) "
        "every week, and the bot claims refunds with no successful refund.issue call "
        "(some QA-flagged as capability_overreach)"
    ),
    "bot_handle_time_rise": (
        "order_tracking: bot handle time rises 20% week over week in each of the last 3 weeks"
    ),
    "dirty": (
        "extra bad rows of every quarantine class plus exact duplicates; the expected "
        "quarantine is listed in _expected_quarantine.json"
    ),
    "all": "every scenario above",
}

#: the scenarios `all` expands to, in a fixed order
ALL_SCENARIOS: tuple[str, ...] = (
    "csat_collapse",
    "handoff_break",
    "refund_hallucination",
    "bot_handle_time_rise",
    "dirty",
)


def resolve_scenarios(names: Iterable[str] | str | None) -> tuple[str, ...]:
    """Validate scenario names and expand `all`; returns the active ones in a fixed order."""
    if names is None:
        return ()
    if isinstance(names, str):
        names = [names]
    active: set[str] = set()
    for raw in (part for item in names for part in str(item).split(",")):
        name = raw.strip()
        if not name:
            continue
        if name not in SCENARIOS:
            known = ", ".join(SCENARIOS)
            raise ValueError(f"unknown scenario {name!r}; known scenarios: {known}")
        if name == "all":
            active.update(ALL_SCENARIOS)
        elif name != "clean":
            active.add(name)
    return tuple(s for s in ALL_SCENARIOS if s in active)
