"""The Great Expectations gates as asset checks on the marts they validate.

One multi-asset check runs the gates once (supportwh.gates.run_gates: the
latest complete week, results and Data Docs under target/gates/, a row set
appended to gates.gate_results) and reports one result per suite. A suite
with a failure of blocking severity (P0, rollback) fails with ERROR; any
other failure warns.
"""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckKey,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetCheckSpec,
    MetadataValue,
    multi_asset_check,
)

from orchestration.assets import WAREHOUSE_POOL, model_key
from orchestration.resources import WarehouseResource

# suite family -> the mart its expectations judge
SUITE_MARTS = {
    "csat": "kpi_csat_gates",
    "deflection": "kpi_deflection_headline",
    "handoff": "kpi_weekly",
    "leading_indicators": "kpi_weekly",
    "policy_qa": "kpi_weekly",
}


def _check_name(family: str) -> str:
    return f"gx_gates_{family}"


def gate_check_keys() -> list[AssetCheckKey]:
    """The gate checks' keys, for the jobs' selections (a dbt selection brings
    only dbt's own test checks)."""
    return [AssetCheckKey(model_key(mart), _check_name(f)) for f, mart in SUITE_MARTS.items()]


FAILURE_COLUMNS = ["severity", "rule", "kpi", "archetype", "observed", "threshold", "owner"]


def _failures_markdown(failed) -> str:
    if failed.empty:
        return "_no failed gate_"
    lines = ["| " + " | ".join(FAILURE_COLUMNS) + " |", "|" + "---|" * len(FAILURE_COLUMNS)]
    for row in failed[FAILURE_COLUMNS].itertuples(index=False):
        lines.append("| " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines)


def _result(run, family: str, mart: str) -> AssetCheckResult:
    from expectations.suites import suite_name

    rows = run.rows[run.rows.suite == suite_name(family)]
    judged = rows[rows.judged]
    failed = rows[rows.success.eq(False)]
    blocking = failed[failed.blocking]
    return AssetCheckResult(
        asset_key=model_key(mart),
        check_name=_check_name(family),
        passed=failed.empty,
        severity=AssetCheckSeverity.ERROR if len(blocking) else AssetCheckSeverity.WARN,
        metadata={
            "week_start": str(run.week),
            "judged": len(judged),
            "failed": len(failed),
            "blocking": len(blocking),
            "failures": MetadataValue.md(_failures_markdown(failed)),
            "data_docs": str(run.data_docs_index or ""),
            "run_id": run.run_id,
        },
    )


def gate_checks() -> list[AssetChecksDefinition]:
    specs = [
        AssetCheckSpec(
            name=_check_name(family),
            asset=model_key(mart),
            description=f"Great Expectations suite kpi_gates_{family}, latest complete week.",
        )
        for family, mart in SUITE_MARTS.items()
    ]

    @multi_asset_check(specs=specs, name="great_expectations_gates", pool=WAREHOUSE_POOL)
    def _gates(context: AssetCheckExecutionContext, warehouse: WarehouseResource):
        from supportwh.gates import run_gates

        run = run_gates(warehouse.warehouse().duckdb_path)
        context.log.info(
            f"gates for week {run.week}: {len(run.failed)} failed, {len(run.blocking)} blocking; "
            f"Data Docs {run.data_docs_index}"
        )
        for family, mart in SUITE_MARTS.items():
            yield _result(run, family, mart)

    return [_gates]
