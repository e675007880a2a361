"""One job per review cadence: the dbt models tagged for it and everything
upstream of them (+tag:<cadence>), the alert notifier, the Great Expectations
gate checks, and the cadence's report step for the partition's period. A job
is partitioned like its report step (the dbt assets and the notifier are
unpartitioned, built in every run)."""

from dagster import AssetSelection, define_asset_job
from dagster_dbt import build_dbt_asset_selection

from orchestration.alerts import alert_notifications
from orchestration.assets import REPORT_ASSETS, REVIEWS, supportwh_dbt_assets
from orchestration.gates import gate_check_keys


def cadence_selection(cadence: str) -> AssetSelection:
    return (
        build_dbt_asset_selection([supportwh_dbt_assets], dbt_select=f"+tag:{cadence}")
        | AssetSelection.assets(alert_notifications)
        | AssetSelection.assets(REPORT_ASSETS[cadence])
        | AssetSelection.checks(*gate_check_keys())
    )


JOB_DESCRIPTIONS = {
    "weekly": "Weekly operational review: dbt build +tag:weekly, alerts, the week's review.",
    "monthly": "Monthly business review: dbt build +tag:monthly, alerts, the month's review.",
    "quarterly": "Quarterly recalibration: dbt build +tag:quarterly, alerts, the quarter's review.",
}

JOBS = {
    review.cadence: define_asset_job(
        name=f"{review.cadence}_review_job",
        selection=cadence_selection(review.cadence),
        description=JOB_DESCRIPTIONS[review.cadence],
        tags={"cadence": review.cadence},
    )
    for review in REVIEWS
}
weekly_review_job = JOBS["weekly"]
monthly_review_job = JOBS["monthly"]
quarterly_review_job = JOBS["quarterly"]
