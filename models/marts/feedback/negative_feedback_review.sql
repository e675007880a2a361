-- The customer-feedback loop: every unsatisfied survey response with what
-- the AI did and why, so a reviewer sees it at once. The conversation
-- transcript (ordered, personal data masked), the AI decision log (intent,
-- archetype, confidence, bot version, tool calls with status), the
-- escalation packet of the first handoff and the QA finding, if any.
-- Incremental by the ticket's week: a row depends on its own ticket's rows
-- alone (never on as_of), so transcripts are built for the revised weeks only
-- (macros/incremental.sql revised_weeks_filter).
-- Contracted: the contract checks names and types on every run; 'fail' would
-- also refuse Postgres' text for the contract's varchar.
-- The contract enums (survey_type, scale, channel, outcome) are labels in the
-- intermediate models (macro label_type: ENUMs on DuckDB) and text here.
{{ config(tags=['weekly', 'monthly'], materialized='incremental',
    on_schema_change='append_new_columns', **incremental_by_week(rebuild='revised')) }}
{%- set newline = 'chr(10)' %}
{%- set rebuilt_responses = 'is_unsatisfied = 1 and ' ~ revised_weeks_filter() %}
{#- the rebuilt responses' ticket ids as a range the large tables' scans can use -#}
{%- set ticket_bounds = key_bounds('ticket_id', ref('int_surveys'), rebuilt_responses) %}

with responses as (
    select *
    from {{ ref('int_surveys') }}
    where {{ rebuilt_responses }}
),

-- the tickets to describe (a ticket may have several unsatisfied responses)
ticket_ids as (
    select distinct ticket_id from responses
),

transcripts as (
    select
        messages.ticket_id,
        {{ ordered_listagg(
            dbt.concat([
                "'['", 'cast(messages.sent_at as ' ~ dbt.type_string() ~ ')', "'] '",
                'messages.author_type', "': '", "coalesce(" ~ mask_pii('messages.body') ~ ", '')",
            ]),
            newline,
            ['messages.sent_at', 'messages.message_id']
        ) }} as transcript,
        count(*) as message_count
    from {{ ref('stg_messages') }} as messages
    inner join ticket_ids on messages.ticket_id = ticket_ids.ticket_id
    where {{ within_bounds('messages.ticket_id', ticket_bounds) }}
    group by messages.ticket_id
),

decision_logs as (
    select
        calls.ticket_id,
        {{ ordered_listagg(
            dbt.concat([
                "'['", 'cast(calls.called_at as ' ~ dbt.type_string() ~ ')', "'] '",
                'calls.tool_name', "' -> '", 'calls.status',
            ]),
            newline,
            ['calls.called_at', 'calls.call_id']
        ) }} as tool_calls,
        count(*) as tool_call_count,
        sum(case when calls.status <> 'success' then 1 else 0 end) as failed_tool_calls
    from {{ ref('stg_tool_calls') }} as calls
    inner join ticket_ids on calls.ticket_id = ticket_ids.ticket_id
    where {{ within_bounds('calls.ticket_id', ticket_bounds) }}
    group by calls.ticket_id
),

-- the first handoff carries the packet the receiving agent worked from
handoffs as (
    select
        escalations.ticket_id,
        escalations.escalated_at,
        escalations.packet_intent,
        escalations.packet_account_state,
        escalations.packet_summary,
        escalations.agent_restate_flag,
        row_number() over (
            partition by escalations.ticket_id
            order by escalations.escalated_at, escalations.escalation_id
        ) as handoff_order
    from {{ ref('stg_escalations') }} as escalations
    inner join ticket_ids on escalations.ticket_id = ticket_ids.ticket_id
    where {{ within_bounds('escalations.ticket_id', ticket_bounds) }}
),

-- the most severe finding of the ticket's QA reviews, the latest on a tie
qa as (
    select
        reviews.ticket_id,
        reviews.finding_class,
        reviews.severity,
        row_number() over (
            partition by reviews.ticket_id
            order by
                case reviews.severity when 'P0' then 0 when 'P1' then 1 when 'P2' then 2 else 3 end,
                reviews.reviewed_at desc,
                reviews.review_id desc
        ) as finding_order
    from {{ ref('int_qa_reviews') }} as reviews
    inner join ticket_ids on reviews.ticket_id = ticket_ids.ticket_id
)

select
    responses.survey_id,
    responses.ticket_id,
    cast(responses.survey_type as {{ dbt.type_string() }}) as survey_type,
    cast(responses.scale as {{ dbt.type_string() }}) as scale,
    responses.score,
    responses.responded_at,
    {{ mask_pii('responses.comment') }} as comment,  -- noqa: RF04
    responses.week_start,
    tickets.archetype,
    tickets.intent,
    tickets.segment,
    cast(tickets.channel as {{ dbt.type_string() }}) as channel,
    tickets.product_id,
    tickets.product_category,
    cast(tickets.outcome as {{ dbt.type_string() }}) as outcome,
    tickets.bot_attempted,
    tickets.model_confidence,
    tickets.model_csat_score,
    tickets.bot_version,
    tickets.is_escalated as escalated,
    transcripts.transcript,
    cast(coalesce(transcripts.message_count, 0) as {{ dbt.type_bigint() }}) as message_count,
    decision_logs.tool_calls,
    cast(coalesce(decision_logs.tool_call_count, 0) as {{ dbt.type_bigint() }}) as tool_call_count,
    cast(coalesce(decision_logs.failed_tool_calls, 0) as {{ dbt.type_bigint() }}) as failed_tool_calls,
    {{ mask_pii('handoffs.packet_intent') }} as packet_intent,
    {{ mask_pii('handoffs.packet_account_state') }} as packet_account_state,
    {{ mask_pii('handoffs.packet_summary') }} as packet_summary,
    handoffs.agent_restate_flag,
    handoffs.escalated_at,
    qa.finding_class,
    qa.severity
from responses
inner join {{ ref('int_tickets') }} as tickets
    on responses.ticket_id = tickets.ticket_id and {{ within_bounds('tickets.ticket_id', ticket_bounds) }}
left join transcripts on responses.ticket_id = transcripts.ticket_id
left join decision_logs on responses.ticket_id = decision_logs.ticket_id
left join handoffs on responses.ticket_id = handoffs.ticket_id and handoffs.handoff_order = 1
left join qa on responses.ticket_id = qa.ticket_id and qa.finding_order = 1
