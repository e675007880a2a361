-- One row per week, rule and scope tripped: exactly the rules of KPI_SPEC.md
-- "Thresholds and alerts". Every threshold, severity and action comes from
-- the kpi_thresholds seed; the owner from the owners seed through the KPI's
-- family. Only weeks from deployment on are judged.
{{ config(tags=['weekly', 'monthly', 'quarterly']) }}
{%- set deployed_week = iso_week_start("cast('" ~ var('ai_deployed_at') ~ "' as " ~ dbt.type_timestamp() ~ ")") %}
{%- set min_escalations = var('min_escalations') | int %}

with thresholds as (
    select * from {{ ref('kpi_thresholds') }}
),

weekly as (
    select *
    from {{ ref('kpi_weekly') }}
    where segment = 'all' and channel = 'all' and week_start >= {{ deployed_week }}
),

csat_gates as (
    select
        gates.week_start,
        thresholds.rule,
        gates.kpi,
        gates.archetype,
        gates.segment,
        gates.channel,
        gates.delta_points as observed,
        thresholds.threshold,
        {{ dbt.concat(["'rolling CSAT '", decimal_text('gates.csat', 1),
            "' vs baseline '", decimal_text('gates.baseline_csat', 1),
            "' on '", "cast(gates.responses as " ~ dbt.type_bigint() ~ ")", "' responses, p='",
            decimal_text('gates.p_value', 4)]) }} as detail
    from {{ ref('kpi_csat_gates') }} as gates
    inner join thresholds
        on
            gates.kpi = thresholds.kpi
            and thresholds.rule = case gates.status
                when 'review' then 'csat_review' when 'rollback' then 'csat_rollback'
            end
    -- the alert rules cover resolution, delayed and escalated CSAT; the
    -- csat_model drift gate is published in kpi_csat_gates only
    where gates.kpi in ('csat_resolution', 'csat_delayed', 'escalated_csat')
),

handoff as (
    select
        context_loss.week_start,
        context_loss.archetype,
        context_loss.denominator as escalations,
        context_loss.value as context_loss_rate,
        repetition.denominator as escalated_tickets,
        repetition.value as customer_repetition_rate
    from weekly as context_loss
    inner join weekly as repetition
        on
            context_loss.week_start = repetition.week_start
            and context_loss.archetype = repetition.archetype
            and repetition.kpi = 'customer_repetition_rate'
    where context_loss.kpi = 'context_loss_rate'
),

handoff_alerts as (
    select
        handoff.week_start,
        thresholds.rule,
        thresholds.kpi,
        handoff.archetype,
        'all' as segment,
        'all' as channel,
        case thresholds.rule
            when 'context_loss' then handoff.context_loss_rate
            when 'customer_repetition' then handoff.customer_repetition_rate
            else abs(handoff.customer_repetition_rate - handoff.context_loss_rate)
        end as observed,
        thresholds.threshold,
        {{ dbt.concat(["'context loss '", decimal_text('handoff.context_loss_rate', 1),
            "'% of '", "cast(handoff.escalations as " ~ dbt.type_bigint() ~ ")",
            "' escalations, customer repetition '",
            decimal_text('handoff.customer_repetition_rate', 1),
            "'% of '", "cast(handoff.escalated_tickets as " ~ dbt.type_bigint() ~ ")", "' escalated tickets'"]) }}
            as detail
    from handoff
    inner join thresholds on thresholds.rule in ('context_loss', 'customer_repetition', 'repetition_gap')
    where
        handoff.escalations >= {{ min_escalations }}
        and handoff.escalated_tickets >= {{ min_escalations }}
        and case thresholds.rule
            when 'context_loss' then handoff.context_loss_rate > thresholds.threshold
            when 'customer_repetition' then handoff.customer_repetition_rate > thresholds.threshold
            else abs(handoff.customer_repetition_rate - handoff.context_loss_rate) > thresholds.threshold
        end
),

-- before the bot every ticket was handled by a human: an escalated ticket's
-- handle time is held to the archetype's pre-deployment agent handle time
handle_baseline as (
    select
        archetype,
        1.0 * sum(agent_handle_seconds_sum) / nullif(sum(agent_handle_timed), 0) as baseline_seconds
    from {{ ref('int_ticket_kpi_facts') }}
    where
        is_baseline_period
        and week_start >= {{ dbt.dateadd('week', -1 * var('baseline_weeks') | int, deployed_week) }}
    group by archetype
    union all
    select
        'all' as archetype,
        1.0 * sum(agent_handle_seconds_sum) / nullif(sum(agent_handle_timed), 0) as baseline_seconds
    from {{ ref('int_ticket_kpi_facts') }}
    where
        is_baseline_period
        and week_start >= {{ dbt.dateadd('week', -1 * var('baseline_weeks') | int, deployed_week) }}
),

handle_time_alerts as (
    select
        weekly.week_start,
        thresholds.rule,
        weekly.kpi,
        weekly.archetype,
        'all' as segment,
        'all' as channel,
        100.0 * weekly.value / handle_baseline.baseline_seconds as observed,
        thresholds.threshold,
        {{ dbt.concat(["'mean '", decimal_text('weekly.value', 0),
            "' s vs pre-deployment '", decimal_text('handle_baseline.baseline_seconds', 0),
            "' s'"]) }} as detail
    from weekly
    inner join handle_baseline on weekly.archetype = handle_baseline.archetype
    inner join thresholds on thresholds.rule = 'escalated_handle_time'
    where
        weekly.kpi = 'escalated_handle_seconds'
        and weekly.denominator >= {{ min_escalations }}
        and 100.0 * weekly.value / handle_baseline.baseline_seconds > thresholds.threshold
),

bot_handle as (
    select
        week_start,
        archetype,
        value,
        lag(value, 1) over (partition by archetype order by week_start) as value_1w,
        lag(value, 2) over (partition by archetype order by week_start) as value_2w,
        lag(week_start, 2) over (partition by archetype order by week_start) as week_2w
    from weekly
    where kpi = 'bot_handle_seconds' and value is not null
),

bot_handle_alerts as (
    select
        bot_handle.week_start,
        thresholds.rule,
        thresholds.kpi,
        bot_handle.archetype,
        'all' as segment,
        'all' as channel,
        -- observed: consecutive weekly rises
        2.0 as observed,
        thresholds.threshold,
        {{ dbt.concat(["'mean bot handle seconds '", decimal_text('bot_handle.value_2w', 0),
            "' -> '", decimal_text('bot_handle.value_1w', 0),
            "' -> '", decimal_text('bot_handle.value', 0)]) }} as detail
    from bot_handle
    inner join thresholds on thresholds.rule = 'bot_handle_time_trend'
    where
        bot_handle.value > bot_handle.value_1w
        and bot_handle.value_1w > bot_handle.value_2w
        -- three consecutive weeks, not three weeks with gaps
        and bot_handle.week_2w = {{ dbt.dateadd('week', -2, 'bot_handle.week_start') }}
),

policy_alerts as (
    select
        reviews.week_start,
        thresholds.rule,
        thresholds.kpi,
        reviews.archetype,
        'all' as segment,
        'all' as channel,
        1.0 * count(*) as observed,
        thresholds.threshold,
        {{ dbt.concat(["cast(count(*) as " ~ dbt.type_string() ~ ")", "' finding(s): '",
            dbt.listagg('distinct reviews.finding_class', "', '")]) }} as detail
    from {{ ref('int_qa_reviews') }} as reviews
    inner join thresholds
        on thresholds.rule = case reviews.severity when 'P0' then 'policy_p0' when 'P1' then 'policy_p1' end
    where reviews.week_start >= {{ deployed_week }}
    group by reviews.week_start, thresholds.rule, thresholds.kpi, reviews.archetype, thresholds.threshold
    having count(*) > thresholds.threshold
),

qa_alerts as (
    select
        weekly.week_start,
        thresholds.rule,
        weekly.kpi,
        weekly.archetype,
        'all' as segment,
        'all' as channel,
        weekly.value as observed,
        thresholds.threshold,
        {{ dbt.concat(["cast(weekly.numerator as " ~ dbt.type_bigint() ~ ")", "' of '",
            "cast(weekly.denominator as " ~ dbt.type_bigint() ~ ")", "' attempted tickets reviewed'"]) }} as detail
    from weekly
    inner join thresholds on thresholds.rule = 'qa_undersampled'
    where
        weekly.kpi = 'qa_sample_rate'
        and weekly.denominator >= {{ var('min_qa_population') }}
        and weekly.value < thresholds.threshold
        -- reviews arrive days later: a week is judged once they had time to
        and {{ dbt.dateadd('day', 7 + var('qa_review_lag_days') | int, 'weekly.week_start') }} <= {{ as_of() }}
),

band_alerts as (
    select
        headline.week_start,
        thresholds.rule,
        thresholds.kpi,
        headline.archetype,
        'all' as segment,
        'all' as channel,
        headline.rolling_deflection_rate as observed,
        headline.target_low_pct as threshold,
        {{ dbt.concat(["'4-week deflection '",
            decimal_text('headline.rolling_deflection_rate', 1),
            "'% vs band '", "cast(headline.target_low_pct as " ~ dbt.type_string() ~ ")", "'-'",
            "cast(headline.target_high_pct as " ~ dbt.type_string() ~ ")", "'%'"]) }} as detail
    from {{ ref('kpi_deflection_headline') }} as headline
    inner join thresholds on thresholds.rule = 'deflection_below_band'
    where
        headline.is_in_deflection_scope
        and headline.rolling_deflection_rate < headline.target_low_pct
        -- the rolling window must lie wholly after deployment
        and headline.week_start
        >= {{ dbt.dateadd('week', var('rolling_weeks') | int - 1, deployed_week) }}
),

tripped as (
    select * from csat_gates
    union all
    select * from handoff_alerts
    union all
    select * from handle_time_alerts
    union all
    select * from bot_handle_alerts
    union all
    select * from policy_alerts
    union all
    select * from qa_alerts
    union all
    select * from band_alerts
)

select
    {{ dbt.hash(dbt.concat([
        "cast(tripped.week_start as " ~ dbt.type_string() ~ ")", "'|'", 'tripped.rule', "'|'", 'tripped.kpi',
        "'|'", 'tripped.archetype', "'|'", 'tripped.segment', "'|'", 'tripped.channel'])) }} as alert_id,
    cast(tripped.week_start as date) as week_start,
    tripped.rule,  -- noqa: RF04
    tripped.kpi,
    tripped.archetype,
    tripped.segment,
    tripped.channel,
    cast(tripped.observed as {{ type_double() }}) as observed,
    cast(tripped.threshold as {{ type_double() }}) as threshold,
    thresholds.severity,
    thresholds.action,
    owners.owner_name as owner,  -- noqa: RF04
    owners.owner_role,
    owners.contact as owner_contact,
    tripped.detail
from tripped
inner join thresholds on tripped.rule = thresholds.rule and tripped.kpi = thresholds.kpi  -- noqa: RF04
inner join {{ ref('kpi_catalog') }} as kpis on tripped.kpi = kpis.kpi
inner join {{ ref('owners') }} as owners on kpis.family = owners.family
