"""Asset checks beyond dbt's own tests (those come with the dbt assets).

CHECK_FACTORIES is the registry: each entry returns asset checks, and
`all_asset_checks()` is what the Definitions load. The alert checks are here
and the Great Expectations gates (orchestration/gates.py, on the marts they
validate).

Alert checks judge the alerts the latest materialization of
ops.alert_notifications sent (the run that raised them): a new P0 or
rollback alert fails with ERROR severity, a new review alert with WARN. The
alerts stay in marts.kpi_alerts; the next run, which sends nothing new,
passes.
"""

from collections.abc import Callable, Sequence

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    MetadataValue,
    asset_check,
)

from orchestration.alerts import ALERT_NOTIFICATIONS, markdown_table
from orchestration.assets import WAREHOUSE_POOL
from orchestration.resources import WarehouseResource

# (check name, kpi_alerts severities it fails on, check severity)
ALERT_SEVERITY_CHECKS = (
    ("no_new_p0_alerts", ("P0",), AssetCheckSeverity.ERROR),
    ("no_new_rollback_alerts", ("rollback",), AssetCheckSeverity.ERROR),
    ("no_new_review_alerts", ("review",), AssetCheckSeverity.WARN),
)


def _latest_notification_run(context: AssetCheckExecutionContext) -> str:
    event = context.instance.get_latest_materialization_event(ALERT_NOTIFICATIONS)
    return event.run_id if event is not None else context.run.run_id


def alert_check(
    name: str, severities: tuple[str, ...], severity: AssetCheckSeverity
) -> AssetChecksDefinition:
    listed = ", ".join(severities)

    @asset_check(
        asset=ALERT_NOTIFICATIONS,
        name=name,
        pool=WAREHOUSE_POOL,
        description=(
            f"Fails ({severity.value}) when the latest notification run sent a new {listed} alert."
        ),
    )
    def _check(context: AssetCheckExecutionContext, warehouse: WarehouseResource):
        run_id = _latest_notification_run(context)
        placeholders = ", ".join("?" for _ in severities)
        alerts = warehouse.query(
            "select a.* from ops.alert_notifications as n "
            "inner join marts.kpi_alerts as a on n.alert_id = a.alert_id "
            f"where n.run_id = ? and n.severity in ({placeholders}) "
            "order by a.week_start, a.rule, a.archetype, a.segment, a.channel",
            [run_id, *severities],
        )
        return AssetCheckResult(
            passed=not alerts,
            severity=severity,
            metadata={
                "run_id": run_id,
                "alerts": len(alerts),
                "table": MetadataValue.md(markdown_table(alerts)),
            },
        )

    return _check


def alert_checks() -> list[AssetChecksDefinition]:
    return [alert_check(*spec) for spec in ALERT_SEVERITY_CHECKS]


def _gate_checks() -> Sequence[AssetChecksDefinition]:
    from orchestration.gates import gate_checks

    return gate_checks()


# The registry of asset-check factories the Definitions load.
CHECK_FACTORIES: list[Callable[[], Sequence[AssetChecksDefinition]]] = [alert_checks, _gate_checks]


def all_asset_checks() -> list[AssetChecksDefinition]:
    return [check for factory in CHECK_FACTORIES for check in factory()]
