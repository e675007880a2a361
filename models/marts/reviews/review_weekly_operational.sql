-- The weekly operational review (KPI_SPEC.md "Cadence"): one row per week x
-- archetype (and the week's 'all' line) with the leading indicators, the
-- week's resolution CSAT and its gate, QA sampling and policy incidents, the
-- handoff KPIs, the CSAT-protected deflection headline and the open alerts.
-- Everything is read from the KPI marts (segment = channel = 'all'); no KPI
-- is recomputed here. panel_archetype folds all but the top var
-- top_archetypes archetypes by recent volume into long_tail.
{{ config(tags=['weekly']) }}
{%- set top_n = var('top_archetypes') | int %}
{%- set volume_weeks = var('panel_volume_weeks') | int %}
{%- set long_tail = var('long_tail_archetype') %}
{%- set value_kpis = [
    'bot_handle_seconds', 'escalated_handle_seconds', 'repeat_contact_7d', 'repeat_contact_30d', 'csat_model',
    'qa_sample_rate', 'context_loss_rate', 'customer_repetition_rate', 'handoff_packet_complete_rate',
    'handoff_ack_rate',
] %}

with weekly as (
    select
        week_start,
        kpi,
        archetype,
        numerator,
        denominator,
        value
    from {{ ref('kpi_weekly') }}
    where segment = 'all' and channel = 'all'
),

pivoted as (
    select
        week_start,
        archetype,
        max(case when kpi = 'tickets' then numerator end) as tickets,
        {{ pivot_columns(value_kpis, 'value') }},
        max(case when kpi = 'policy_incidents' then numerator end) as policy_incidents,
        max(case when kpi = 'policy_incidents_p0' then numerator end) as policy_incidents_p0,
        max(case when kpi = 'csat_resolution' then value end) as csat_resolution,
        max(case when kpi = 'csat_resolution' then denominator end) as csat_resolution_responses
    from weekly
    group by week_start, archetype
),

-- every week of every archetype, so a week without tickets counts as zero
-- in the volume window instead of stretching it
weeks as (
    select distinct week_start from pivoted
),

archetypes as (
    select distinct archetype from pivoted
    where archetype <> 'all'
),

volume as (
    select
        weeks.week_start,
        archetypes.archetype,
        coalesce(pivoted.tickets, 0) as tickets
    from weeks
    cross join archetypes
    left join pivoted
        on
            weeks.week_start = pivoted.week_start
            and archetypes.archetype = pivoted.archetype
),

recent_volume as (
    select
        week_start,
        archetype,
        sum(tickets) over (
            partition by archetype order by week_start
            rows between {{ volume_weeks - 1 }} preceding and current row
        ) as recent_tickets
    from volume
),

-- the long tail archetype never takes a panel slot: it is folded by definition
ranked as (
    select
        week_start,
        archetype,
        recent_tickets,
        row_number() over (
            partition by week_start, case when archetype = '{{ long_tail }}' then 1 else 0 end
            order by recent_tickets desc, archetype asc
        ) as volume_position
    from recent_volume
),

gates as (
    select
        week_start,
        archetype,
        csat,
        responses,
        baseline_csat,
        delta_points,
        p_value,
        status
    from {{ ref('kpi_csat_gates') }}
    where kpi = 'csat_resolution' and segment = 'all' and channel = 'all'
),

alerts as (
    select
        week_start,
        archetype,
        count(*) as open_alerts
    from {{ ref('kpi_alerts') }}
    group by week_start, archetype
)

select
    cast(current_week.week_start as date) as week_start,
    cast({{ dbt.dateadd('day', 7, 'current_week.week_start') }} as date) as review_date,
    current_week.archetype,
    case
        when current_week.archetype = 'all' then 'all'
        when current_week.archetype <> '{{ long_tail }}' and ranked.volume_position <= {{ top_n }}
            then current_week.archetype
        else '{{ long_tail }}'
    end as panel_archetype,
    cast(case when ranked.archetype <> '{{ long_tail }}' then ranked.volume_position end as integer) as volume_rank,
    cast(ranked.recent_tickets as {{ dbt.type_bigint() }}) as recent_tickets,
    cast(current_week.tickets as {{ dbt.type_bigint() }}) as tickets,
    -- leading indicators
    current_week.bot_handle_seconds,
    current_week.escalated_handle_seconds,
    current_week.repeat_contact_7d,
    current_week.repeat_contact_30d,
    current_week.csat_model,
    -- the week's resolution CSAT, its trend and its gate
    current_week.csat_resolution,
    cast(current_week.csat_resolution_responses as {{ dbt.type_bigint() }}) as csat_resolution_responses,
    previous_week.csat_resolution as csat_resolution_previous_week,
    current_week.csat_resolution - previous_week.csat_resolution as csat_resolution_change_points,
    gates.csat as csat_resolution_rolling,
    cast(gates.responses as {{ dbt.type_bigint() }}) as csat_resolution_rolling_responses,
    gates.baseline_csat as csat_resolution_baseline,
    gates.delta_points as csat_resolution_delta_points,
    gates.p_value as csat_resolution_p_value,
    gates.status as csat_resolution_status,
    -- QA sample and policy incidents
    current_week.qa_sample_rate,
    cast(current_week.policy_incidents as {{ dbt.type_bigint() }}) as policy_incidents,
    cast(current_week.policy_incidents_p0 as {{ dbt.type_bigint() }}) as policy_incidents_p0,
    -- handoff
    current_week.context_loss_rate,
    current_week.customer_repetition_rate,
    current_week.handoff_packet_complete_rate,
    current_week.handoff_ack_rate,
    -- the headline: deflection with its band and protection, never alone
    headline.deflection_rate,
    headline.target_low_pct,
    headline.target_high_pct,
    headline.band_position,
    headline.is_csat_protected,
    cast(coalesce(alerts.open_alerts, 0) as integer) as open_alerts
from pivoted as current_week
left join pivoted as previous_week
    on
        current_week.archetype = previous_week.archetype
        and previous_week.week_start = {{ dbt.dateadd('week', -1, 'current_week.week_start') }}
left join ranked
    on
        current_week.week_start = ranked.week_start
        and current_week.archetype = ranked.archetype
left join gates
    on
        current_week.week_start = gates.week_start
        and current_week.archetype = gates.archetype
left join {{ ref('kpi_deflection_headline') }} as headline
    on
        current_week.week_start = headline.week_start
        and current_week.archetype = headline.archetype
left join alerts
    on
        current_week.week_start = alerts.week_start
        and current_week.archetype = alerts.archetype
