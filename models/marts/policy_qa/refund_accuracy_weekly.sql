-- Refund accuracy from the QA sample, per week and archetype (and 'all').
-- Population: bot-attempted tickets with a QA review. In scope (the
-- denominator): refund policy was in play, i.e. QA found a refund misquote
-- (finding_class refund_pricing, or a policy_key whose policies-seed class is
-- refund_pricing), or the bot called a refund tool on the ticket (tool_name
-- 'refund.*', any status). Accurate (the numerator): in scope with no refund
-- misquote in any of the ticket's reviews. A week's row exists for every
-- archetype with bot-attempted tickets; value is null when nothing was in
-- scope.
-- Incremental by the ticket's week: a week's row depends on its own tickets'
-- rows alone (never on as_of), so only the revised weeks are rebuilt; rebuilt
-- every week, it read all history's tickets, reviews and tool calls
-- (docs/decisions.md, "Incremental intermediate models").
{{ config(tags=['weekly', 'monthly', 'quarterly'], materialized='incremental',
    on_schema_change='append_new_columns', **incremental_by_week(rebuild='revised')) }}
{%- set rebuilt_tickets = 'bot_attempted and ' ~ revised_weeks_filter() %}
{#- the rebuilt tickets' ids as a range the tool calls' scan can use -#}
{%- set ticket_bounds = key_bounds('ticket_id', ref('int_tickets'), rebuilt_tickets) %}

with refund_policies as (
    select policy_key
    from {{ ref('policies') }}
    where finding_class = 'refund_pricing'
),

reviews as (
    select
        reviews.ticket_id,
        coalesce(reviews.policy_key, 'unknown') as policy_key,
        {{ flag("reviews.finding_class = 'refund_pricing' or refund_policies.policy_key is not null") }}
            as is_refund_misquote
    from {{ ref('int_qa_reviews') }} as reviews
    left join refund_policies on reviews.policy_key = refund_policies.policy_key
    where {{ revised_weeks_filter('reviews.week_start') }}
),

reviewed_tickets as (
    select
        ticket_id,
        max(is_refund_misquote) as has_refund_misquote,
        sum(is_refund_misquote) as refund_misquotes
    from reviews
    group by ticket_id
),

refund_tool_tickets as (
    select distinct ticket_id
    from {{ ref('stg_tool_calls') }}
    where tool_name like 'refund.%' and {{ within_bounds('ticket_id', ticket_bounds) }}
),

tickets as (
    select
        ticket_id,
        week_start,
        archetype
    from {{ ref('int_tickets') }}
    where {{ rebuilt_tickets }}
),

facts as (
    select
        tickets.week_start,
        tickets.archetype,
        {{ flag('reviewed_tickets.ticket_id is not null') }} as is_qa_reviewed,
        {{ flag('reviewed_tickets.ticket_id is not null and (reviewed_tickets.has_refund_misquote = 1 '
            ~ 'or refund_tool_tickets.ticket_id is not null)') }} as is_in_scope,
        {{ flag('reviewed_tickets.has_refund_misquote = 1') }} as has_refund_misquote,
        coalesce(reviewed_tickets.refund_misquotes, 0) as refund_misquotes
    from tickets
    left join reviewed_tickets on tickets.ticket_id = reviewed_tickets.ticket_id
    left join refund_tool_tickets on tickets.ticket_id = refund_tool_tickets.ticket_id
),

cuts as (
    select
        week_start,
        archetype,
        is_qa_reviewed,
        is_in_scope,
        has_refund_misquote,
        refund_misquotes
    from facts
    union all
    select
        week_start,
        'all' as archetype,
        is_qa_reviewed,
        is_in_scope,
        has_refund_misquote,
        refund_misquotes
    from facts
),

weekly as (
    select
        week_start,
        archetype,
        sum(is_qa_reviewed) as qa_reviewed_tickets,
        sum(case when is_in_scope = 1 and has_refund_misquote = 0 then 1 else 0 end) as numerator,
        sum(is_in_scope) as denominator,
        sum(refund_misquotes) as refund_misquotes
    from cuts
    group by week_start, archetype
),

misquotes as (
    select
        tickets.week_start,
        tickets.archetype,
        reviews.policy_key,
        count(*) as misquotes
    from reviews
    inner join tickets on reviews.ticket_id = tickets.ticket_id
    where reviews.is_refund_misquote = 1
    group by tickets.week_start, tickets.archetype, reviews.policy_key
),

misquote_cuts as (
    select
        week_start,
        archetype,
        policy_key,
        misquotes
    from misquotes
    union all
    select
        week_start,
        'all' as archetype,
        policy_key,
        sum(misquotes) as misquotes
    from misquotes
    group by week_start, policy_key
),

misquotes_by_key as (
    select
        week_start,
        archetype,
        {{ ordered_listagg(
            dbt.concat(['policy_key', "': '", 'cast(misquotes as ' ~ dbt.type_string() ~ ')']),
            "', '",
            ['policy_key']
        ) }} as misquotes_by_policy_key
    from misquote_cuts
    group by week_start, archetype
)

select
    weekly.week_start,
    weekly.archetype,
    cast(weekly.qa_reviewed_tickets as {{ dbt.type_bigint() }}) as qa_reviewed_tickets,
    cast(weekly.numerator as {{ dbt.type_bigint() }}) as numerator,
    cast(weekly.denominator as {{ dbt.type_bigint() }}) as denominator,
    cast({{ kpi_value('weekly.numerator', 'weekly.denominator', "'percent'") }} as {{ type_double() }})
        as value,  -- noqa: RF04
    'percent' as unit,
    cast(weekly.refund_misquotes as {{ dbt.type_bigint() }}) as refund_misquotes,
    misquotes_by_key.misquotes_by_policy_key
from weekly
left join misquotes_by_key
    on weekly.week_start = misquotes_by_key.week_start and weekly.archetype = misquotes_by_key.archetype
