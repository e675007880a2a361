-- The monthly business review (KPI_SPEC.md "Cadence", first day of the
-- month): one row per calendar month x archetype (and 'all') with the four
-- KPI families rolled up from kpi_weekly numerators and denominators (a week
-- belongs to the month of its week_start), the share of the month's weeks
-- that were CSAT-protected, CSAT at three latencies against the baseline,
-- escalation context fidelity, policy incidents by severity, and the
-- archetype's share of volume with the re-baselining flag.
{{ config(tags=['monthly']) }}
{%- set shift_threshold = var('rebaseline_share_shift_points') %}
{%- set value_kpis = [
    'deflection_attempt_rate', 'deflection_rate', 'containment_rate', 'escalation_rate', 'abandonment_rate',
    'verified_deflection_rate',
    'csat_resolution', 'csat_delayed', 'csat_model', 'escalated_csat', 'survey_response_rate',
    'context_loss_rate', 'customer_repetition_rate', 'handoff_packet_complete_rate', 'handoff_ack_rate',
    'qa_sample_rate', 'policy_incidents', 'policy_incidents_p0',
] %}
{%- set response_kpis = ['csat_resolution', 'csat_delayed', 'escalated_csat'] %}

with weekly as (
    select
        week_start,
        {{ period_start('month', 'week_start') }} as month_start,
        kpi,
        archetype,
        unit,
        numerator,
        denominator
    from {{ ref('kpi_weekly') }}
    where segment = 'all' and channel = 'all'
),

-- sums of numerators and denominators, never averages of weekly rates;
-- counts (unit count, denominator 1 a week) are the month's total
valued as (
    {{ rolled_up_kpis('weekly', 'month_start') }}
),

pivoted as (
    select
        month_start,
        archetype,
        {{ pivot_columns(value_kpis, 'period_value') }},
        {{ pivot_columns(response_kpis, 'denominator', '_responses') }},
        max(case when kpi = 'csat_model' then denominator end) as csat_model_scored,
        max(case when kpi = 'tickets' then numerator end) as tickets,
        max(case when kpi = 'deflection_rate' then numerator end) as bot_resolved,
        max(case when kpi = 'context_loss_rate' then denominator end) as escalations
    from valued
    group by month_start, archetype
),

-- every month of every archetype, so an archetype without tickets in a
-- month has a share of 0 rather than no row
months as (
    select
        month_start,
        count(distinct week_start) as weeks_in_month
    from weekly
    group by month_start
),

archetypes as (
    select distinct archetype from weekly
),

spine as (
    select
        months.month_start,
        months.weeks_in_month,
        archetypes.archetype
    from months
    cross join archetypes
),

totals as (
    select
        month_start,
        tickets as total_tickets
    from pivoted
    where archetype = 'all'
),

shares as (
    select
        spine.month_start,
        spine.weeks_in_month,
        spine.archetype,
        {{ kpi_value('coalesce(pivoted.tickets, 0)', 'totals.total_tickets', "'percent'") }} as ticket_share_pct
    from spine
    left join pivoted
        on
            spine.month_start = pivoted.month_start
            and spine.archetype = pivoted.archetype
    left join totals on spine.month_start = totals.month_start
),

-- weeks judged by the gates are the weeks from deployment on
protection as (
    select
        {{ period_start('month', 'week_start') }} as month_start,
        archetype,
        sum({{ flag('csat_resolution_status is not null') }}) as weeks_gated,
        sum({{ flag('is_csat_protected') }}) as weeks_csat_protected,
        sum({{ flag('is_rolled_back') }}) as weeks_rolled_back,
        max(target_low_pct) as target_low_pct,
        max(target_high_pct) as target_high_pct
    from {{ ref('kpi_deflection_headline') }}
    group by {{ period_start('month', 'week_start') }}, archetype
),

-- the pre-deployment baselines are constant over the gate weeks
baselines as (
    select
        archetype,
        max(case when kpi = 'csat_resolution' then baseline_csat end) as csat_resolution_baseline,
        max(case when kpi = 'csat_delayed' then baseline_csat end) as csat_delayed_baseline,
        max(case when kpi = 'escalated_csat' then baseline_csat end) as escalated_csat_baseline
    from {{ ref('kpi_csat_gates') }}
    where segment = 'all' and channel = 'all'
    group by archetype
),

-- the incident log by severity (kpi_weekly carries the total and P0 only)
incidents as (
    select
        {{ period_start('month', 'week_start') }} as month_start,
        archetype,
        sum({{ flag("severity = 'P1'") }}) as policy_incidents_p1,
        sum({{ flag("severity = 'P2'") }}) as policy_incidents_p2
    from {{ ref('int_qa_reviews') }}
    where is_incident = 1
    group by {{ period_start('month', 'week_start') }}, archetype
    union all
    select
        {{ period_start('month', 'week_start') }} as month_start,
        'all' as archetype,
        sum({{ flag("severity = 'P1'") }}) as policy_incidents_p1,
        sum({{ flag("severity = 'P2'") }}) as policy_incidents_p2
    from {{ ref('int_qa_reviews') }}
    where is_incident = 1
    group by {{ period_start('month', 'week_start') }}
)

select
    cast(shares.month_start as date) as month_start,
    shares.archetype,
    cast(shares.weeks_in_month as integer) as weeks_in_month,
    -- deflection
    cast(coalesce(pivoted.tickets, 0) as {{ dbt.type_bigint() }}) as tickets,
    cast(pivoted.bot_resolved as {{ dbt.type_bigint() }}) as bot_resolved,
    pivoted.deflection_attempt_rate,
    pivoted.deflection_rate,
    pivoted.containment_rate,
    pivoted.escalation_rate,
    pivoted.abandonment_rate,
    pivoted.verified_deflection_rate,
    protection.target_low_pct,
    protection.target_high_pct,
    case
        when protection.target_low_pct is null or pivoted.deflection_rate is null then null
        when pivoted.deflection_rate < protection.target_low_pct then 'below'
        when pivoted.deflection_rate > protection.target_high_pct then 'above'
        else 'within'
    end as deflection_band_position,
    cast(protection.weeks_gated as integer) as weeks_gated,
    cast(protection.weeks_csat_protected as integer) as weeks_csat_protected,
    cast(
        {{ kpi_value('protection.weeks_csat_protected', 'protection.weeks_gated', "'percent'") }}
        as {{ type_double() }}
    ) as csat_protected_week_share,
    cast(protection.weeks_rolled_back as integer) as weeks_rolled_back,
    -- CSAT at three latencies: resolution and delayed surveys against the
    -- pre-deployment baseline, model-scored against the previous month
    pivoted.csat_resolution,
    cast(pivoted.csat_resolution_responses as {{ dbt.type_bigint() }}) as csat_resolution_responses,
    baselines.csat_resolution_baseline,
    pivoted.csat_resolution - baselines.csat_resolution_baseline as csat_resolution_delta_points,
    pivoted.csat_delayed,
    cast(pivoted.csat_delayed_responses as {{ dbt.type_bigint() }}) as csat_delayed_responses,
    baselines.csat_delayed_baseline,
    pivoted.csat_delayed - baselines.csat_delayed_baseline as csat_delayed_delta_points,
    pivoted.csat_model,
    cast(pivoted.csat_model_scored as {{ dbt.type_bigint() }}) as csat_model_scored,
    previous_month.csat_model as csat_model_previous_month,
    pivoted.csat_model - previous_month.csat_model as csat_model_change_points,
    pivoted.escalated_csat,
    cast(pivoted.escalated_csat_responses as {{ dbt.type_bigint() }}) as escalated_csat_responses,
    baselines.escalated_csat_baseline,
    pivoted.escalated_csat - baselines.escalated_csat_baseline as escalated_csat_delta_points,
    pivoted.survey_response_rate,
    -- escalation context fidelity
    cast(pivoted.escalations as {{ dbt.type_bigint() }}) as escalations,
    pivoted.context_loss_rate,
    pivoted.customer_repetition_rate,
    pivoted.handoff_packet_complete_rate,
    pivoted.handoff_ack_rate,
    -- policy incident log
    pivoted.qa_sample_rate,
    cast(coalesce(pivoted.policy_incidents, 0) as {{ dbt.type_bigint() }}) as policy_incidents,
    cast(coalesce(pivoted.policy_incidents_p0, 0) as {{ dbt.type_bigint() }}) as policy_incidents_p0,
    cast(coalesce(incidents.policy_incidents_p1, 0) as {{ dbt.type_bigint() }}) as policy_incidents_p1,
    cast(coalesce(incidents.policy_incidents_p2, 0) as {{ dbt.type_bigint() }}) as policy_incidents_p2,
    -- archetype mix
    cast(shares.ticket_share_pct as {{ type_double() }}) as ticket_share_pct,
    cast(previous_shares.ticket_share_pct as {{ type_double() }}) as previous_ticket_share_pct,
    cast(shares.ticket_share_pct - previous_shares.ticket_share_pct as {{ type_double() }}) as share_shift_points,
    coalesce(abs(shares.ticket_share_pct - previous_shares.ticket_share_pct) > {{ shift_threshold }}, false)
        as needs_rebaselining
from shares
left join pivoted
    on
        shares.month_start = pivoted.month_start
        and shares.archetype = pivoted.archetype
left join shares as previous_shares
    on
        shares.archetype = previous_shares.archetype
        and previous_shares.month_start = {{ period_add('month', -1, 'shares.month_start') }}
left join pivoted as previous_month
    on
        shares.archetype = previous_month.archetype
        and previous_month.month_start = {{ period_add('month', -1, 'shares.month_start') }}
left join protection
    on
        shares.month_start = protection.month_start
        and shares.archetype = protection.archetype
left join baselines on shares.archetype = baselines.archetype
left join incidents
    on
        shares.month_start = incidents.month_start
        and shares.archetype = incidents.archetype
