-- CSAT trending by issue type (archetype, intent), product and product
-- category, per ISO week, calendar month and calendar quarter, for the
-- resolution and the delayed survey. A response belongs to its ticket's
-- created_at (the week from int_surveys.week_start, month and quarter from
-- the ticket's created_at); a delayed response counts only once the ticket's
-- delayed window is mature, as in kpi_weekly (int_csat_responses_weekly).
-- survey_type is a label in the intermediate models (macro label_type: an
-- ENUM on DuckDB) and text here.
-- The grains x dimensions are unioned by a loop the indent rule cannot follow.
-- noqa: disable=LT02
{{ config(tags=['weekly', 'monthly', 'quarterly']) }}
{%- set dimensions = [
    ('archetype', 'archetype'),
    ('intent', 'intent'),
    ('product', 'product'),
    ('product_category', 'product_category'),
    ('all', "'all'"),
] %}

-- the finest grain, kept per week by int_csat_responses_weekly (which
-- decides the delayed answers' maturity); the roll-ups read it
with finest as (
    select
        survey_type,
        week_start,
        month_start,
        quarter_start,
        archetype,
        intent,
        product,
        product_category,
        responses,
        satisfied,
        unsatisfied
    from {{ ref('int_csat_responses_weekly') }}
),

rolled_up as (
    {%- for grain in period_grains() %}
    {%- set grain_loop = loop %}
    {%- for dimension, expression in dimensions %}
    select
        '{{ grain }}' as period_grain,
        {{ grain }}_start as period_start,
        '{{ dimension }}' as dimension,
        {{ expression }} as dimension_value,
        survey_type,
        sum(responses) as responses,
        sum(satisfied) as satisfied,
        sum(unsatisfied) as unsatisfied
    from finest
    group by {{ grain }}_start{{ ', ' ~ expression if dimension != 'all' }}, survey_type
    {% if not (grain_loop.last and loop.last) %}union all{% endif %}
    {%- endfor %}
    {%- endfor %}
),

measured as (
    select
        *,
        {{ period_add_by_column('period_grain', -1, 'period_start') }} as previous_period_start,
        {{ kpi_value('satisfied', 'responses', "'percent'") }} as csat
    from rolled_up
)

select
    current_period.period_grain,
    cast(current_period.period_start as date) as period_start,
    {{ is_period_complete('current_period.period_grain', 'current_period.period_start') }} as is_complete_period,
    current_period.dimension,
    current_period.dimension_value,
    cast(current_period.survey_type as {{ dbt.type_string() }}) as survey_type,
    cast(current_period.responses as {{ dbt.type_bigint() }}) as responses,
    cast(current_period.satisfied as {{ dbt.type_bigint() }}) as satisfied,
    cast(current_period.unsatisfied as {{ dbt.type_bigint() }}) as unsatisfied,
    cast(current_period.csat as {{ type_double() }}) as csat,
    cast(
        {{ wilson_bound('current_period.satisfied', 'current_period.responses', 'low') }} as {{ type_double() }}
    ) as wilson_low,
    cast(
        {{ wilson_bound('current_period.satisfied', 'current_period.responses', 'high') }} as {{ type_double() }}
    ) as wilson_high,
    cast(previous_period.responses as {{ dbt.type_bigint() }}) as previous_responses,
    cast(previous_period.csat as {{ type_double() }}) as previous_csat,
    cast(current_period.csat - previous_period.csat as {{ type_double() }}) as csat_change_points
from measured as current_period
left join measured as previous_period
    on
        current_period.period_grain = previous_period.period_grain
        and current_period.previous_period_start = previous_period.period_start
        and current_period.dimension = previous_period.dimension
        and current_period.dimension_value = previous_period.dimension_value
        and current_period.survey_type = previous_period.survey_type
