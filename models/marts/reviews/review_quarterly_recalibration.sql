-- The quarterly recalibration (KPI_SPEC.md "Cadence", first day of the
-- quarter): one row per calendar quarter x archetype (and 'all') with the
-- archetype mix audit (this quarter's share of tickets against the
-- pre-deployment baseline's, with its population stability index), the
-- quarter-on-quarter change of every kpi_weekly KPI from summed numerators
-- and denominators, and the recommended confidence threshold.
{{ config(tags=['quarterly']) }}
{%- set deployed_at = "cast('" ~ var('ai_deployed_at') ~ "' as " ~ dbt.type_timestamp() ~ ")" %}
{%- set epsilon = var('psi_epsilon') %}
{%- set kpis = kpi_definitions() | map('first') | list %}
{#- tickets is the mix audit's count, published once -#}
{%- set value_kpis = kpis | reject('equalto', 'tickets') | list %}

with weekly as (
    select
        week_start,
        {{ period_start('quarter', 'week_start') }} as quarter_start,
        kpi,
        archetype,
        unit,
        numerator,
        denominator
    from {{ ref('kpi_weekly') }}
    where segment = 'all' and channel = 'all'
),

quarters as (
    select
        quarter_start,
        count(distinct week_start) as weeks_in_quarter
    from weekly
    group by quarter_start
),

-- every KPI of the quarter from summed numerators and denominators; counts
-- are the quarter's totals
valued as (
    {{ rolled_up_kpis('weekly', 'quarter_start') }}
),

changes as (
    select
        current_quarter.quarter_start,
        current_quarter.archetype,
        current_quarter.kpi,
        current_quarter.period_value,
        current_quarter.period_value - previous_quarter.period_value as qoq_change
    from valued as current_quarter
    left join valued as previous_quarter
        on
            current_quarter.archetype = previous_quarter.archetype
            and current_quarter.kpi = previous_quarter.kpi
            and previous_quarter.quarter_start = {{ period_add('quarter', -1, 'current_quarter.quarter_start') }}
),

kpi_trend as (
    select
        quarter_start,
        archetype,
        {{ pivot_columns(value_kpis, 'period_value') }},
        {{ pivot_columns(kpis, 'qoq_change', '_qoq_change') }}
    from changes
    group by quarter_start, archetype
),

-- archetype mix audit
archetype_tickets as (
    select
        week_start,
        quarter_start,
        archetype,
        numerator as tickets
    from weekly
    where kpi = 'tickets' and archetype <> 'all'
),

-- the baseline period of kpi_csat_gates: the var baseline_weeks full ISO
-- weeks before deployment
baseline_mix as (
    select
        archetype,
        sum(tickets) as baseline_tickets
    from archetype_tickets
    where
        {{ dbt.dateadd('day', 7, 'week_start') }} <= {{ deployed_at }}
        and week_start >= {{ dbt.dateadd('week', -1 * var('baseline_weeks') | int, iso_week_start(deployed_at)) }}
    group by archetype
),

quarter_mix as (
    select
        quarter_start,
        archetype,
        sum(tickets) as tickets
    from archetype_tickets
    group by quarter_start, archetype
),

archetypes as (
    select archetype from quarter_mix
    union
    select archetype from baseline_mix
),

-- every archetype in every quarter: an empty bin is a bin
mix as (
    select
        quarters.quarter_start,
        archetypes.archetype,
        coalesce(quarter_mix.tickets, 0) as tickets,
        coalesce(baseline_mix.baseline_tickets, 0) as baseline_tickets
    from quarters
    cross join archetypes
    left join quarter_mix
        on
            quarters.quarter_start = quarter_mix.quarter_start
            and archetypes.archetype = quarter_mix.archetype
    left join baseline_mix on archetypes.archetype = baseline_mix.archetype
),

shares as (
    select
        *,
        1.0 * tickets / sum(tickets) over (partition by quarter_start) as quarter_share,
        1.0 * baseline_tickets / nullif(sum(baseline_tickets) over (partition by quarter_start), 0) as baseline_share
    from mix
),

-- PSI contribution (q - b) * ln(q / b), an empty bin taken as epsilon
contributions as (
    select
        *,
        (
            case when quarter_share < {{ epsilon }} then {{ epsilon }} else quarter_share end
            - case when baseline_share < {{ epsilon }} then {{ epsilon }} else baseline_share end
        ) * ln(
            case when quarter_share < {{ epsilon }} then {{ epsilon }} else quarter_share end
            / case when baseline_share < {{ epsilon }} then {{ epsilon }} else baseline_share end
        ) as psi_contribution
    from shares
),

audited as (
    select
        quarter_start,
        archetype,
        tickets,
        baseline_tickets,
        100.0 * quarter_share as ticket_share_pct,
        100.0 * baseline_share as baseline_share_pct,
        psi_contribution
    from contributions
    union all
    select
        quarter_start,
        'all' as archetype,
        sum(tickets) as tickets,
        sum(baseline_tickets) as baseline_tickets,
        100.0 as ticket_share_pct,
        case when sum(baseline_tickets) > 0 then 100.0 end as baseline_share_pct,
        null as psi_contribution
    from contributions
    group by quarter_start
),

psi as (
    select
        quarter_start,
        sum(psi_contribution) as psi
    from contributions
    group by quarter_start
)

select
    cast(audited.quarter_start as date) as quarter_start,
    audited.archetype,
    cast(quarters.weeks_in_quarter as integer) as weeks_in_quarter,
    {{ is_period_complete("'quarter'", 'audited.quarter_start') }} as is_complete_quarter,
    -- archetype mix audit
    cast(audited.tickets as {{ dbt.type_bigint() }}) as tickets,
    cast(audited.ticket_share_pct as {{ type_double() }}) as ticket_share_pct,
    cast(audited.baseline_tickets as {{ dbt.type_bigint() }}) as baseline_tickets,
    cast(audited.baseline_share_pct as {{ type_double() }}) as baseline_share_pct,
    cast(audited.ticket_share_pct - audited.baseline_share_pct as {{ type_double() }}) as share_vs_baseline_points,
    cast(audited.psi_contribution as {{ type_double() }}) as psi_contribution,
    cast(psi.psi as {{ type_double() }}) as psi,
    case
        when psi.psi is null then null
        when psi.psi < 0.1 then 'stable'
        when psi.psi < 0.25 then 'moderate_shift'
        else 'major_shift'
    end as psi_band,
    -- quarter-on-quarter trend of every KPI (value in its unit; change in
    -- points for percent KPIs)
    {{ relation_columns('kpi_trend', value_kpis) }},
    {{ relation_columns('kpi_trend', kpis, '_qoq_change') }},
    -- confidence threshold recalibration
    thresholds.recommended_confidence_threshold,
    case
        when audited.archetype = 'all' then 'not_an_archetype'
        when thresholds.quarter_start is null then 'too_few_responses'
        else thresholds.no_threshold_reason
    end as no_threshold_reason,
    thresholds.baseline_csat_resolution,
    thresholds.csat_above_threshold,
    thresholds.responses_above_threshold,
    thresholds.bot_resolved_kept_pct
from audited
inner join quarters on audited.quarter_start = quarters.quarter_start
left join psi on audited.quarter_start = psi.quarter_start
left join kpi_trend
    on
        audited.quarter_start = kpi_trend.quarter_start
        and audited.archetype = kpi_trend.archetype
left join {{ ref('review_quarterly_confidence_thresholds') }} as thresholds
    on
        audited.quarter_start = thresholds.quarter_start
        and audited.archetype = thresholds.archetype
