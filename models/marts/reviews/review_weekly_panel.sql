-- The weekly review's panel lines (KPI_SPEC.md "Archetypes": the top var
-- top_archetypes archetypes by volume individually, the rest folded into
-- long_tail): one row per week x panel line ('all', each top archetype,
-- long_tail). Rates are re-aggregated from kpi_weekly numerators and
-- denominators through review_weekly_operational's archetype -> panel line
-- map (never averages of rates); the headline's CSAT protection of a folded
-- line is protected only when every archetype folded into it is.
{{ config(tags=['weekly']) }}
{%- set long_tail = var('long_tail_archetype') %}
{%- set value_kpis = [
    'tickets', 'deflection_rate', 'csat_resolution', 'csat_delayed', 'csat_model',
    'context_loss_rate', 'customer_repetition_rate', 'handoff_packet_complete_rate', 'handoff_ack_rate',
    'bot_handle_seconds', 'escalated_handle_seconds', 'repeat_contact_7d', 'repeat_contact_30d',
    'qa_sample_rate', 'policy_incidents', 'policy_incidents_p0',
] %}

with panel_map as (
    select
        week_start,
        archetype,
        panel_archetype,
        volume_rank,
        open_alerts
    from {{ ref('review_weekly_operational') }}
),

-- kpi_weekly rows relabelled with their panel line
weekly as (
    select
        kpi_weekly.week_start,
        panel_map.panel_archetype as archetype,
        kpi_weekly.kpi,
        kpi_weekly.unit,
        kpi_weekly.numerator,
        kpi_weekly.denominator
    from {{ ref('kpi_weekly') }} as kpi_weekly
    inner join panel_map
        on
            kpi_weekly.week_start = panel_map.week_start
            and kpi_weekly.archetype = panel_map.archetype
    where kpi_weekly.segment = 'all' and kpi_weekly.channel = 'all'
),

valued as (
    {{ rolled_up_kpis('weekly', 'week_start') }}
),

pivoted as (
    select
        week_start,
        archetype as panel_archetype,
        {{ pivot_columns(value_kpis, 'period_value') }},
        max(case when kpi = 'deflection_rate' then numerator end) as bot_resolved
    from valued
    group by week_start, archetype
),

lines as (
    select
        panel_map.week_start,
        panel_map.panel_archetype,
        count(*) as archetypes,
        min(panel_map.volume_rank) as volume_rank,
        sum(panel_map.open_alerts) as open_alerts,
        {{ ordered_listagg('panel_map.archetype', "', '", ['panel_map.archetype']) }} as archetypes_on_line,
        sum({{ flag('headline.is_csat_protected') }}) as archetypes_csat_protected,
        sum({{ flag('headline.is_rolled_back') }}) as archetypes_rolled_back,
        -- band and gate statuses belong to one archetype: kept on single-archetype lines only
        max(headline.target_low_pct) as target_low_pct,
        max(headline.target_high_pct) as target_high_pct,
        max(headline.band_position) as band_position,
        max(headline.csat_resolution_status) as csat_resolution_status,
        max(headline.csat_delayed_status) as csat_delayed_status
    from panel_map
    left join {{ ref('kpi_deflection_headline') }} as headline
        on
            panel_map.week_start = headline.week_start
            and panel_map.archetype = headline.archetype
    group by panel_map.week_start, panel_map.panel_archetype
)

select
    cast(lines.week_start as date) as week_start,
    cast({{ dbt.dateadd('day', 7, 'lines.week_start') }} as date) as review_date,
    lines.panel_archetype,
    cast(case
        when lines.panel_archetype = 'all' then 0
        when lines.panel_archetype = '{{ long_tail }}' then {{ var('top_archetypes') | int + 1 }}
        else lines.volume_rank
    end as integer) as panel_position,
    cast(lines.archetypes as integer) as archetypes,
    lines.archetypes_on_line,
    cast(coalesce(pivoted.tickets, 0) as {{ dbt.type_bigint() }}) as tickets,
    cast(pivoted.bot_resolved as {{ dbt.type_bigint() }}) as bot_resolved,
    pivoted.deflection_rate,
    case when lines.archetypes = 1 then lines.target_low_pct end as target_low_pct,
    case when lines.archetypes = 1 then lines.target_high_pct end as target_high_pct,
    case when lines.archetypes = 1 then lines.band_position end as band_position,
    cast(lines.archetypes_csat_protected as integer) as archetypes_csat_protected,
    lines.archetypes_csat_protected = lines.archetypes as is_csat_protected,
    cast(lines.archetypes_rolled_back as integer) as archetypes_rolled_back,
    case when lines.archetypes = 1 then lines.csat_resolution_status end as csat_resolution_status,
    case when lines.archetypes = 1 then lines.csat_delayed_status end as csat_delayed_status,
    pivoted.csat_resolution,
    pivoted.csat_delayed,
    pivoted.csat_model,
    pivoted.context_loss_rate,
    pivoted.customer_repetition_rate,
    pivoted.handoff_packet_complete_rate,
    pivoted.handoff_ack_rate,
    pivoted.bot_handle_seconds,
    pivoted.escalated_handle_seconds,
    pivoted.repeat_contact_7d,
    pivoted.repeat_contact_30d,
    pivoted.qa_sample_rate,
    cast(coalesce(pivoted.policy_incidents, 0) as {{ dbt.type_bigint() }}) as policy_incidents,
    cast(coalesce(pivoted.policy_incidents_p0, 0) as {{ dbt.type_bigint() }}) as policy_incidents_p0,
    cast(lines.open_alerts as integer) as open_alerts
from lines
left join pivoted
    on
        lines.week_start = pivoted.week_start
        and lines.panel_archetype = pivoted.panel_archetype
