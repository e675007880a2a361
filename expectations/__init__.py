"""Great Expectations gates on the KPI marts (GX 1.x, suites as code).

One suite per KPI family (`csat`, `handoff`, `leading_indicators`,
`policy_qa`, `deflection`), built from the `kpi_thresholds` seed; each
expectation is evaluated per archetype for the week under review on a wide
gate frame (one row per archetype, read from the marts into pandas).

    from supportwh.gates import run_gates
    run = run_gates(Path("target/warehouse.duckdb"))  # the latest complete week

`supportwh gates` (supportwh/gates.py) is the command around it. See
expectations/README.md.
"""

from __future__ import annotations

from expectations.base import Gate
from expectations.suites import FAMILIES, build_frame, build_gates, build_suites, suite_name
from expectations.thresholds import SEVERITY_ORDER, Threshold, load_seed_thresholds

__all__ = [
    "FAMILIES",
    "SEVERITY_ORDER",
    "Gate",
    "Threshold",
    "build_frame",
    "build_gates",
    "build_suites",
    "load_seed_thresholds",
    "suite_name",
]
