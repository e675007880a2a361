-- The ticket-grain fact every KPI family starts from: one row per staged
-- ticket with its archetype, segment, product category and week.
-- Incremental by week: the revised weeks only (macros/incremental.sql
-- revised_weeks_filter); nothing here depends on as_of or other tickets.
{{ config(materialized='incremental', on_schema_change='fail', **incremental_by_week(rebuild='revised')) }}
with tickets as (
    select * from {{ ref('stg_tickets') }}
),

archetypes as (
    select * from {{ ref('archetypes') }}
),

customers as (
    select * from {{ ref('stg_customers') }}
),

products as (
    select * from {{ ref('stg_products') }}
),

weekly as (
    select
        tickets.ticket_id,
        tickets.customer_id,
        cast(tickets.channel as {{ contract_enum_type('tickets', 'channel') }}) as channel,
        tickets.created_at,
        tickets.closed_at,
        {{ iso_week_start('tickets.created_at') }} as week_start,
        tickets.created_at < cast('{{ var("ai_deployed_at") }}' as {{ dbt.type_timestamp() }}) as is_baseline_period,
        tickets.intent,
        -- an intent no seed row maps is not bad input: it is long tail
        coalesce(archetypes.archetype, '{{ var("long_tail_archetype") }}') as archetype,
        archetypes.tier,
        archetypes.target_low,
        archetypes.target_high,
        coalesce(archetypes.in_deflection_scope, false) as in_deflection_scope,
        -- a ticket of a customer the export does not list keeps its KPIs
        coalesce(customers.segment, 'unknown') as segment,
        tickets.product_id,
        coalesce(products.category, 'unknown') as product_category,
        tickets.bot_attempted,
        cast(tickets.outcome as {{ contract_enum_type('tickets', 'outcome') }}) as outcome,
        tickets.outcome = 'bot_resolved' as is_bot_resolved,
        tickets.outcome = 'escalated' as is_escalated,
        tickets.outcome = 'abandoned' as is_abandoned,
        tickets.bot_version,
        tickets.model_confidence,
        tickets.model_csat_score,
        tickets.bot_handle_seconds,
        tickets.agent_handle_seconds
    from tickets
    left join archetypes on tickets.intent = archetypes.intent
    left join customers on tickets.customer_id = customers.customer_id
    left join products on tickets.product_id = products.product_id
)

select * from weekly
where {{ revised_weeks_filter() }}
