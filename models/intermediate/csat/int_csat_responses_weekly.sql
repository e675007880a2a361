-- Answered surveys counted per survey type x ticket week, month and quarter
-- x issue type (archetype, intent), product and product category: the finest
-- grain csat_trending rolls up. Read there from int_surveys, every answer of
-- the history was scanned every week (10M tickets: 14.4M surveys, 1.3-1.5 s,
-- growing); this is about 0.3M rows. A delayed answer counts once its window
-- has elapsed by as_of, which moves with every run, so the look-back window
-- is rebuilt as well as the revised weeks, as in int_ticket_kpi_facts.
-- The issue type and product are the ticket's, read from int_tickets.
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    **incremental_by_week(rebuild='lookback')
) }}
-- the ticket's issue type and product (int_surveys carries its week and
-- times only); the same weeks, since a survey takes its ticket's week
with tickets as (
    select
        ticket_id,
        archetype,
        intent,
        product_id,
        product_category
    from {{ ref('int_tickets') }}
    where {{ lookback_filter() }}
),

responses as (
    select
        surveys.survey_type,
        surveys.week_start,
        {{ period_start('month', 'surveys.ticket_created_at') }} as month_start,
        {{ period_start('quarter', 'surveys.ticket_created_at') }} as quarter_start,
        tickets.archetype,
        coalesce(tickets.intent, 'unknown') as intent,
        coalesce(tickets.product_id, 'unknown') as product,
        coalesce(tickets.product_category, 'unknown') as product_category,
        surveys.is_satisfied,
        surveys.is_unsatisfied
    from {{ ref('int_surveys') }} as surveys
    inner join tickets on surveys.ticket_id = tickets.ticket_id
    where
        {{ lookback_filter('surveys.week_start') }}
        and surveys.is_answered = 1
        -- a delayed answer counts only once its window has elapsed by as_of
        and (
            surveys.survey_type = 'resolution'
            or {{ is_delayed_window_mature('surveys.ticket_closed_at') }}
        )
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
