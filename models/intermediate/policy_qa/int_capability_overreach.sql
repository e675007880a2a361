-- Capability overreach from the tool-call audit log: one row per bot message
-- and claimed tool where the message claims an action (a capability claim
-- pattern, case-insensitive substring) that no successful call of the
-- pattern's tool on the same ticket at or before the message backs. A call
-- that failed (error, denied) or came after the claim does not back it.
-- Incremental by the ticket's week.
-- Contracted: the contract checks names and types on every run; 'fail' would
-- also refuse Postgres' text for the contract's varchar.
{{ config(
    materialized='incremental',
    on_schema_change='append_new_columns',
    **incremental_by_week(rebuild='revised')
) }}
{%- set rebuilt_tickets = revised_weeks_filter() %}
{#- the rebuilt tickets' ids as a range the message and call scans skip row
    groups by (key_bounds; 10M weekly run: 1.55-1.78 -> 0.35-0.42 s) -#}
{%- set ticket_bounds = key_bounds('ticket_id', ref('int_tickets'), rebuilt_tickets) %}
with tickets as (
    select * from {{ ref('int_tickets') }}
    where {{ rebuilt_tickets }}
),

-- An incremental run narrows the bot messages to the reprocessed tickets
-- first (materialized_cte): the substring join below is the costly part.
-- Bodies and patterns are lowered once here, not once per pair in the join.
bot_messages as {{ materialized_cte() if is_incremental() }} (
    select
        message_id,
        ticket_id,
        sent_at,
        lower(body) as body_lower
    from {{ ref('stg_messages') }}
    where author_type = 'bot'
    {%- if is_incremental() %}
        and ticket_id in (select tickets.ticket_id from tickets)
        and {{ within_bounds('ticket_id', ticket_bounds) }}
    {%- endif %}
),

patterns as (
    select
        lower(pattern) as pattern,
        tool_name
    from {{ ref('capability_claim_patterns') }}
),

claims as (
    select
        messages.message_id,
        messages.ticket_id,
        messages.sent_at,
        patterns.tool_name,
        -- two patterns of one tool in one message are one claim
        min(patterns.pattern) as pattern
    from bot_messages as messages
    inner join patterns
        on {{ contains_text('messages.body_lower', 'patterns.pattern') }}
    group by messages.message_id, messages.ticket_id, messages.sent_at, patterns.tool_name
),

claim_calls as (
    -- every call of the claimed tool on the ticket, ranked latest first among
    -- the calls at or before the claim and among those after it
    select
        claims.message_id,
        claims.tool_name,
        calls.status,
        calls.called_at <= claims.sent_at as is_before_claim,
        row_number() over (
            partition by claims.message_id, claims.tool_name, calls.called_at <= claims.sent_at
            order by calls.called_at desc, calls.call_id desc
        ) as recency
    from claims
    inner join {{ ref('stg_tool_calls') }} as calls
        on
            claims.ticket_id = calls.ticket_id
            and claims.tool_name = calls.tool_name
            and {{ within_bounds('calls.ticket_id', ticket_bounds) }}
),

calls as (
    select
        message_id,
        tool_name,
        max(case when is_before_claim and status = 'success' then 1 else 0 end) as is_backed,
        max(case when not is_before_claim and status = 'success' then 1 else 0 end) as has_later_success,
        max(case when is_before_claim and recency = 1 then status end) as last_call_status
    from claim_calls
    group by message_id, tool_name
),

qa as (
    select
        ticket_id,
        max(case when finding_class = 'capability_overreach' then 1 else 0 end) as has_overreach_finding
    from {{ ref('int_qa_reviews') }}
    group by ticket_id
)

select
    claims.ticket_id,
    claims.message_id,
    claims.sent_at,
    claims.pattern,
    claims.tool_name,
    tickets.archetype,
    tickets.week_start,
    tickets.bot_version,
    calls.last_call_status,
    coalesce(calls.has_later_success = 1, false) as has_later_success,
    qa.ticket_id is not null as is_qa_reviewed,
    coalesce(qa.has_overreach_finding = 1, false) as is_qa_flagged
from claims
inner join tickets on claims.ticket_id = tickets.ticket_id
left join calls on claims.message_id = calls.message_id and claims.tool_name = calls.tool_name
left join qa on claims.ticket_id = qa.ticket_id
where coalesce(calls.is_backed, 0) = 0
