-- The panel's headline line: per week and archetype, the deflection rate
-- with its target band and the CSAT-protected flag, never the rate alone.
-- Protected: csat_resolution and csat_delayed gates both ok. A rollback on
-- any CSAT gate takes the archetype out of the deflection scope that week.
{{ config(tags=['weekly', 'monthly', 'quarterly']) }}
{%- set rolling = var('rolling_weeks') | int %}

with deflection as (
    select
        week_start,
        archetype,
        max(case when kpi = 'tickets' then numerator end) as tickets,
        max(case when kpi = 'deflection_rate' then numerator end) as bot_resolved,
        max(case when kpi = 'deflection_rate' then value end) as deflection_rate
    from {{ ref('kpi_weekly') }}
    where
        segment = 'all' and channel = 'all'
        and kpi in ('tickets', 'deflection_rate')
    group by week_start, archetype
),

rolling as (
    select
        *,
        sum(bot_resolved) over (
            partition by archetype order by week_start
            rows between {{ rolling - 1 }} preceding and current row
        ) as rolling_bot_resolved,
        sum(tickets) over (
            partition by archetype order by week_start
            rows between {{ rolling - 1 }} preceding and current row
        ) as rolling_tickets
    from deflection
),

gates as (
    select
        week_start,
        archetype,
        max(case when kpi = 'csat_resolution' then status end) as csat_resolution_status,
        max(case when kpi = 'csat_delayed' then status end) as csat_delayed_status,
        max(case when kpi = 'escalated_csat' then status end) as escalated_csat_status
    from {{ ref('kpi_csat_gates') }}
    where segment = 'all' and channel = 'all'
    group by week_start, archetype
),

bands as (
    select distinct
        archetype,
        tier,
        target_low,
        target_high,
        in_deflection_scope
    from {{ ref('archetypes') }}
)

select
    cast(rolling.week_start as date) as week_start,
    rolling.archetype,
    bands.tier,
    cast(rolling.tickets as {{ type_double() }}) as tickets,
    cast(rolling.bot_resolved as {{ type_double() }}) as bot_resolved,
    cast(rolling.deflection_rate as {{ type_double() }}) as deflection_rate,
    cast(
        {{ kpi_value('rolling.rolling_bot_resolved', 'rolling.rolling_tickets', "'percent'") }}
        as {{ type_double() }}
    ) as rolling_deflection_rate,
    cast(100 * bands.target_low as {{ type_double() }}) as target_low_pct,
    cast(100 * bands.target_high as {{ type_double() }}) as target_high_pct,
    case
        when bands.target_low is null or rolling.deflection_rate is null then null
        when rolling.deflection_rate < 100 * bands.target_low then 'below'
        when rolling.deflection_rate > 100 * bands.target_high then 'above'
        else 'within'
    end as band_position,
    gates.csat_resolution_status,
    gates.csat_delayed_status,
    gates.escalated_csat_status,
    coalesce(gates.csat_resolution_status = 'ok' and gates.csat_delayed_status = 'ok', false)
        as is_csat_protected,
    coalesce('rollback' in (
        gates.csat_resolution_status, gates.csat_delayed_status, gates.escalated_csat_status
    ), false) as is_rolled_back,
    coalesce(bands.in_deflection_scope, false)
    and not coalesce('rollback' in (
        gates.csat_resolution_status, gates.csat_delayed_status, gates.escalated_csat_status
    ), false) as is_in_deflection_scope
from rolling
left join gates on rolling.week_start = gates.week_start and rolling.archetype = gates.archetype
left join bands on rolling.archetype = bands.archetype
