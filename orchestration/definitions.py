"""The code location: `dagster dev -m orchestration.definitions` (docs/orchestration.md)."""

from dagster import Definitions, in_process_executor

from orchestration.alerts import alert_notifications
from orchestration.assets import REPORT_ASSETS, supportwh_dbt_assets
from orchestration.checks import all_asset_checks
from orchestration.jobs import JOBS
from orchestration.resources import default_resources
from orchestration.schedules import SCHEDULES

defs = Definitions(
    assets=[supportwh_dbt_assets, alert_notifications, *REPORT_ASSETS.values()],
    asset_checks=all_asset_checks(),
    jobs=list(JOBS.values()),
    schedules=SCHEDULES,
    resources=default_resources(),
    # One process per run: DuckDB has one writer, and the notifier (read-write)
    # must not open the file while a report step reads it in another process.
    executor=in_process_executor,
)
