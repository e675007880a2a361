"""The review periods: one partition per ISO week, calendar month and quarter (UTC).

A partition key is the period's first day (YYYY-MM-DD): the Monday of the week
(`review_weekly_operational.week_start`), the 1st of the month (`month_start`),
the 1st of the quarter (`quarter_start`). The dbt build itself is not
partitioned (the marts compute every period from all the raw data, incremental
models with their look-back): the partition selects the period the review
report step reads, so re-running or backfilling a past period is picking its
partition(s) in the UI.
"""

from datetime import date, datetime, timedelta

from dagster import (
    MonthlyPartitionsDefinition,
    TimeWindowPartitionsDefinition,
    WeeklyPartitionsDefinition,
)

# The first period offered in the UI (the sample data starts in October 2025).
PARTITIONS_START = "2025-01-01"

# day_offset=1: weeks start on Monday (the default is Sunday).
weekly_partitions = WeeklyPartitionsDefinition(
    start_date="2025-01-06", day_offset=1, timezone="UTC"
)
monthly_partitions = MonthlyPartitionsDefinition(start_date=PARTITIONS_START, timezone="UTC")
quarterly_partitions = TimeWindowPartitionsDefinition(
    start=PARTITIONS_START,
    fmt="%Y-%m-%d",
    cron_schedule="0 0 1 1,4,7,10 *",
    timezone="UTC",
)


def previous_week(moment: datetime) -> str:
    """The ISO week that ended before `moment` (its Monday): the one a Monday review reads."""
    day = moment.date()
    return (day - timedelta(days=day.weekday() + 7)).isoformat()


def previous_month(moment: datetime) -> str:
    first = moment.date().replace(day=1)
    return (first - timedelta(days=1)).replace(day=1).isoformat()


def previous_quarter(moment: datetime) -> str:
    day = moment.date()
    quarter_first_month = 3 * ((day.month - 1) // 3) + 1
    quarter_start = date(day.year, quarter_first_month, 1)
    prev = quarter_start - timedelta(days=1)
    return date(prev.year, 3 * ((prev.month - 1) // 3) + 1, 1).isoformat()
