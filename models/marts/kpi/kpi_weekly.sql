-- The long KPI table that drives the panel and any BI tool. Grain: week_start
-- x kpi x archetype x segment x channel ('all' where not cut). Every KPI per
-- archetype and 'all'; the CSAT family also per segment and per channel.
-- numerator and denominator are kept so BI re-aggregates by summing them.
-- The roll-ups are unioned by a loop the indent rule cannot follow.
-- noqa: disable=LT02
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    tags=['weekly', 'monthly', 'quarterly'],
    **incremental_by_week(rebuild='lookback')
) }}
{%- set columns = kpi_fact_columns() %}

with facts as (
    select * from {{ ref('int_ticket_kpi_facts') }}
    where {{ lookback_filter() }}
),

-- one pass over the ticket facts at the finest grain; the roll-ups below
-- then read this small relation
finest as (
    select
        week_start,
        archetype,
        segment,
        channel,
        {%- for column in columns %}
        sum({{ column }}) as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from facts
    group by week_start, archetype, segment, channel
),

{#- (archetype, segment, channel, is_cut) of each roll-up: every KPI per
    archetype and all; the CSAT family also per segment and per channel. #}
{%- set rollups = [
    ('archetype', "'all'", "'all'", 'false'),
    ("'all'", "'all'", "'all'", 'false'),
    ('archetype', 'segment', "'all'", 'true'),
    ("'all'", 'segment', "'all'", 'true'),
    ('archetype', "'all'", 'channel', 'true'),
    ("'all'", "'all'", 'channel', 'true'),
] %}

aggregated as (
    {%- for archetype, segment, channel, is_cut in rollups %}
    select
        week_start,
        {{ archetype }} as archetype,
        {{ segment }} as segment,
        {{ channel }} as channel,
        {{ is_cut }} as is_cut,
        {%- for column in columns %}
        sum({{ column }}) as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from finest
    group by week_start{{ ', archetype' if archetype == 'archetype' }}{{ ', segment' if segment == 'segment' }}
        {{- ', channel' if channel == 'channel' }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

catalog as (
    select
        kpi,
        unit
    from {{ ref('kpi_catalog') }}
),

unpivoted as (
    select
        aggregated.week_start,
        catalog.kpi,
        aggregated.archetype,
        aggregated.segment,
        aggregated.channel,
        catalog.unit,
        case catalog.kpi
            {%- for kpi, numerator, denominator in kpi_definitions() %}
            when '{{ kpi }}' then {{ 'aggregated.' ~ numerator }}
            {%- endfor %}
        end as numerator,
        case catalog.kpi
            {%- for kpi, numerator, denominator in kpi_definitions() %}
            when '{{ kpi }}' then {{ denominator if denominator == '1' else 'aggregated.' ~ denominator }}
            {%- endfor %}
        end as denominator
    from aggregated
    cross join catalog
    where not aggregated.is_cut or catalog.kpi in {{ sql_list(csat_cut_kpis()) }}
)

-- text columns cast to the contract's varchar (type_varchar): Postgres
-- types literals and seed columns as text, and the incremental run's schema
-- check (fail) would see text against the varchar table of the first run
select
    cast(week_start as date) as week_start,
    cast(kpi as {{ type_varchar() }}) as kpi,
    cast(archetype as {{ type_varchar() }}) as archetype,
    cast(segment as {{ type_varchar() }}) as segment,
    cast(channel as {{ type_varchar() }}) as channel,
    cast(numerator as {{ type_double() }}) as numerator,
    cast(denominator as {{ type_double() }}) as denominator,
    cast({{ kpi_value('numerator', 'denominator', 'unit') }} as {{ type_double() }}) as value,  -- noqa: RF04
    cast(unit as {{ type_varchar() }}) as unit  -- noqa: RF04
from unpivoted
