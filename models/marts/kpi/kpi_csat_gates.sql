-- The CSAT gates: per week x archetype x segment x channel (from deployment
-- on) and each of csat_resolution, csat_delayed, escalated_csat, the rolling
-- CSAT against the pre-deployment baseline with its Wilson interval, the
-- one-sided z-test p-value of the drop and the gate status; csat_model
-- against its own previous weeks (drift). Thresholds: kpi_thresholds seed.
{{ config(tags=['weekly', 'monthly', 'quarterly']) }}
{%- set rolling = var('rolling_weeks') | int %}
{%- set deployed_at = "cast('" ~ var('ai_deployed_at') ~ "' as " ~ dbt.type_timestamp() ~ ")" %}

with weekly as (
    select
        week_start,
        kpi,
        archetype,
        segment,
        channel,
        numerator as satisfied,
        denominator as responses
    from {{ ref('kpi_weekly') }}
    where kpi in ('csat_resolution', 'csat_delayed', 'escalated_csat', 'csat_model')
),

weeks as (
    select distinct week_start from {{ ref('kpi_weekly') }}
),

scopes as (
    select distinct
        kpi,
        archetype,
        segment,
        channel
    from weekly
),

-- every week of every scope, so a week without responses counts as zero in
-- the rolling window instead of stretching it
filled as (
    select
        weeks.week_start,
        scopes.kpi,
        scopes.archetype,
        scopes.segment,
        scopes.channel,
        coalesce(weekly.satisfied, 0) as satisfied,
        coalesce(weekly.responses, 0) as responses,
        -- the rolling window counts weeks from deployment on only: the first
        -- weeks after launch are judged on the bot's own responses
        case when weeks.week_start >= {{ iso_week_start(deployed_at) }} then coalesce(weekly.satisfied, 0) else 0 end
            as post_satisfied,
        case when weeks.week_start >= {{ iso_week_start(deployed_at) }} then coalesce(weekly.responses, 0) else 0 end
            as post_responses
    from weeks
    cross join scopes
    left join weekly
        on
            weeks.week_start = weekly.week_start
            and scopes.kpi = weekly.kpi
            and scopes.archetype = weekly.archetype
            and scopes.segment = weekly.segment
            and scopes.channel = weekly.channel
),

windows as (
    select
        *,
        sum(post_satisfied) over (
            partition by kpi, archetype, segment, channel order by week_start
            rows between {{ rolling - 1 }} preceding and current row
        ) as rolling_satisfied,
        sum(post_responses) over (
            partition by kpi, archetype, segment, channel order by week_start
            rows between {{ rolling - 1 }} preceding and current row
        ) as rolling_responses,
        sum(post_satisfied) over (
            partition by kpi, archetype, segment, channel order by week_start
            rows between {{ rolling }} preceding and 1 preceding
        ) as previous_satisfied,
        sum(post_responses) over (
            partition by kpi, archetype, segment, channel order by week_start
            rows between {{ rolling }} preceding and 1 preceding
        ) as previous_responses
    from filled
),

-- the baseline_weeks full ISO weeks before deployment
baseline_weeks as (
    select week_start
    from weeks
    where
        {{ dbt.dateadd('day', 7, 'week_start') }} <= {{ deployed_at }}
        and week_start >= {{ dbt.dateadd('week', -1 * var('baseline_weeks') | int, iso_week_start(deployed_at)) }}
),

baseline as (
    select
        weekly.kpi,
        weekly.archetype,
        weekly.segment,
        weekly.channel,
        sum(weekly.satisfied) as baseline_satisfied,
        sum(weekly.responses) as baseline_responses
    from weekly
    inner join baseline_weeks on weekly.week_start = baseline_weeks.week_start
    where weekly.kpi in ('csat_resolution', 'csat_delayed')
    group by weekly.kpi, weekly.archetype, weekly.segment, weekly.channel
),

compared as (
    select
        windows.week_start,
        windows.kpi,
        windows.archetype,
        windows.segment,
        windows.channel,
        case when windows.kpi = 'csat_model' then 1 else {{ rolling }} end as window_weeks,
        case when windows.kpi = 'csat_model' then windows.satisfied else windows.rolling_satisfied end
            as satisfied,
        case when windows.kpi = 'csat_model' then windows.responses else windows.rolling_responses end
            as responses,
        case
            when windows.kpi = 'csat_model' then 'previous_weeks'
            when windows.kpi = 'escalated_csat' then 'pre_deployment_resolution'
            else 'pre_deployment'
        end as baseline_kind,
        case
            when windows.kpi = 'csat_model' then windows.previous_satisfied
            else baseline.baseline_satisfied
        end as baseline_satisfied,
        case
            when windows.kpi = 'csat_model' then windows.previous_responses
            else baseline.baseline_responses
        end as baseline_responses
    from windows
    left join baseline
        on
            -- before the bot every ticket was human-handled: escalated CSAT is
            -- held to the archetype's pre-deployment resolution CSAT
            baseline.kpi = case when windows.kpi = 'escalated_csat' then 'csat_resolution' else windows.kpi end
            and windows.archetype = baseline.archetype
            and windows.segment = baseline.segment
            and windows.channel = baseline.channel
    where windows.week_start >= {{ iso_week_start(deployed_at) }}
),

thresholds as (
    select
        kpi,
        max(case when rule = 'csat_review' then threshold end) as review_delta,
        max(case when rule = 'csat_rollback' then threshold end) as rollback_delta
    from {{ ref('kpi_thresholds') }}
    where rule in ('csat_review', 'csat_rollback')
    group by kpi
),

measured as (
    select
        compared.*,
        {{ kpi_value('compared.satisfied', 'compared.responses', "'percent'") }} as csat,
        {{ kpi_value('compared.baseline_satisfied', 'compared.baseline_responses', "'percent'") }}
            as baseline_csat,
        thresholds.review_delta,
        thresholds.rollback_delta
    from compared
    inner join thresholds on compared.kpi = thresholds.kpi
)

select
    cast(week_start as date) as week_start,
    kpi,
    archetype,
    segment,
    channel,
    cast(window_weeks as integer) as window_weeks,
    cast(satisfied as {{ type_double() }}) as satisfied,
    cast(responses as {{ type_double() }}) as responses,
    cast(csat as {{ type_double() }}) as csat,
    baseline_kind,
    cast(baseline_satisfied as {{ type_double() }}) as baseline_satisfied,
    cast(baseline_responses as {{ type_double() }}) as baseline_responses,
    cast(baseline_csat as {{ type_double() }}) as baseline_csat,
    cast(csat - baseline_csat as {{ type_double() }}) as delta_points,
    cast({{ wilson_bound('satisfied', 'responses', 'low') }} as {{ type_double() }}) as wilson_low,
    cast({{ wilson_bound('satisfied', 'responses', 'high') }} as {{ type_double() }}) as wilson_high,
    cast(
        {{ drop_p_value('satisfied', 'responses', 'baseline_satisfied', 'baseline_responses') }}
        as {{ type_double() }}
    ) as p_value,
    case
        when responses < {{ var('min_responses') }} or coalesce(baseline_responses, 0) = 0
            then 'insufficient_data'
        when csat - baseline_csat <= rollback_delta then 'rollback'
        when csat - baseline_csat <= review_delta then 'review'
        else 'ok'
    end as status
from measured
