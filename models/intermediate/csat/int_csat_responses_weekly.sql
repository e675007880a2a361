-- Answered surveys counted per survey type x ticket week, month and quarter
-- x issue type (archetype, intent), product and product category: the finest
-- grain csat_trending rolls up. Read there from int_surveys, every answer of
-- the history was scanned every week (10M tickets: 14.4M surveys, 1.3-1.5 s,
-- growing); this is about 0.3M rows. A delayed answer counts once its window
-- has elapsed by as_of, which moves with every run, so the look-back window
-- is rebuilt as well as the revised weeks, as in int_ticket_kpi_facts.
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    **incremental_by_week(rebuild='lookback')
) }}
with responses as (
    select
        survey_type,
        week_start,
        {{ period_start('month', 'ticket_created_at') }} as month_start,
        {{ period_start('quarter', 'ticket_created_at') }} as quarter_start,
        archetype,
        coalesce(intent, 'unknown') as intent,
        coalesce(product_id, 'unknown') as product,
        coalesce(product_category, 'unknown') as product_category,
        is_satisfied,
        is_unsatisfied
    from {{ ref('int_surveys') }}
    where
        {{ lookback_filter() }}
        and is_answered = 1
        -- a delayed answer counts only once its window has elapsed by as_of
        and (survey_type = 'resolution' or {{ is_delayed_window_mature('ticket_closed_at') }})
)

select
    survey_type,
    week_start,
    month_start,
    quarter_start,
    archetype,
    intent,
    product,
    product_category,
    cast(count(*) as {{ dbt.type_bigint() }}) as responses,
    {{ sum_count('is_satisfied') }} as satisfied,
    {{ sum_count('is_unsatisfied') }} as unsatisfied
from responses
group by survey_type, week_start, month_start, quarter_start, archetype, intent, product, product_category
