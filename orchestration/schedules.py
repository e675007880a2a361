"""The panel's cadence (KPI_SPEC.md "Cadence"), in UTC. Each schedule requests
the run of its job for the period that just ended: the previous ISO week on
Monday 06:00, the previous month on the 1st at 07:00, the previous quarter on
the 1st of January, April, July and October at 08:00."""

from collections.abc import Callable
from datetime import datetime

from dagster import RunRequest, ScheduleEvaluationContext, schedule

from orchestration.jobs import JOBS
from orchestration.partitions import previous_month, previous_quarter, previous_week

CRONS = {
    "weekly": "0 6 * * 1",
    "monthly": "0 7 1 * *",
    "quarterly": "0 8 1 1,4,7,10 *",
}
PERIOD_OF = {"weekly": previous_week, "monthly": previous_month, "quarterly": previous_quarter}


def review_schedule(cadence: str, period_of: Callable[[datetime], str]):
    @schedule(
        name=f"{cadence}_review_schedule",
        cron_schedule=CRONS[cadence],
        job=JOBS[cadence],
        execution_timezone="UTC",
        description=f"{cadence} review of the period that just ended (UTC).",
    )
    def _schedule(context: ScheduleEvaluationContext) -> RunRequest:
        partition_key = period_of(context.scheduled_execution_time)
        return RunRequest(
            run_key=f"{cadence}-{partition_key}",
            partition_key=partition_key,
            tags={"cadence": cadence, "review_period": partition_key},
        )

    return _schedule


SCHEDULES = [review_schedule(cadence, PERIOD_OF[cadence]) for cadence in CRONS]
