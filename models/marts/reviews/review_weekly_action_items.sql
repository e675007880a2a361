-- The weekly review's open alerts as action items (KPI_SPEC.md "Cadence":
-- "the open alerts as action items with owner and a follow-up date"): one row
-- per kpi_alerts row, with the Monday review that discusses its week and the
-- date its owner reports back (review date + the severity's follow_up_days
-- from the alert_follow_up seed), worst severity first by severity_rank.
{{ config(tags=['weekly']) }}

with alerts as (
    select * from {{ ref('kpi_alerts') }}
),

follow_up as (
    select * from {{ ref('alert_follow_up') }}
)

select
    cast(alerts.week_start as date) as week_start,
    cast({{ dbt.dateadd('day', 7, 'alerts.week_start') }} as date) as review_date,
    alerts.alert_id,
    alerts.severity,
    cast(follow_up.severity_rank as integer) as severity_rank,
    alerts.rule,
    alerts.kpi,
    alerts.archetype,
    alerts.segment,
    alerts.channel,
    alerts.observed,
    alerts.threshold,
    alerts.action,
    alerts.owner,
    alerts.owner_role,
    alerts.owner_contact,
    alerts.detail,
    cast(follow_up.follow_up_days as integer) as follow_up_days,
    cast({{ dbt.dateadd('day', '7 + follow_up.follow_up_days', 'alerts.week_start') }} as date)
        as follow_up_date
from alerts
left join follow_up on alerts.severity = follow_up.severity
