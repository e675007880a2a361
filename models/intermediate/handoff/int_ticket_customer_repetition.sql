-- One row per escalated ticket: did the customer repeat themselves after the
-- handoff, i.e. send a message matching a repetition phrase after
-- escalated_at and before the 4th agent message after escalated_at (within
-- the first three agent turns)? Incremental by the ticket's week.
{{ config(materialized='incremental', on_schema_change='fail', **incremental_by_week(rebuild='revised')) }}
{%- set rebuilt_escalated = 'is_escalated and ' ~ revised_weeks_filter() %}
{#- the rebuilt tickets' ids as a range the message scans can use (key_bounds) -#}
{%- set ticket_bounds = key_bounds('ticket_id', ref('int_tickets'), rebuilt_escalated) %}
with escalated as (
    select
        ticket_id,
        week_start
    from {{ ref('int_tickets') }}
    where {{ rebuilt_escalated }}
),

handoffs as (
    -- the first handoff of the ticket starts the clock
    select
        ticket_id,
        min(escalated_at) as escalated_at
    from {{ ref('stg_escalations') }}
    where ticket_id in (select escalated.ticket_id from escalated) and {{ within_bounds('ticket_id', ticket_bounds) }}
    group by ticket_id
),

agent_turns as (
    select
        messages.ticket_id,
        messages.sent_at,
        row_number() over (partition by messages.ticket_id order by messages.sent_at, messages.message_id)
            as agent_turn
    from {{ ref('stg_messages') }} as messages
    inner join handoffs on messages.ticket_id = handoffs.ticket_id
    where
        messages.author_type = 'agent' and messages.sent_at > handoffs.escalated_at
        and {{ within_bounds('messages.ticket_id', ticket_bounds) }}
),

windows as (
    select
        handoffs.ticket_id,
        handoffs.escalated_at,
        -- null when there is no 4th agent turn: the window stays open
        fourth.sent_at as fourth_agent_turn_at
    from handoffs
    left join agent_turns as fourth
        on handoffs.ticket_id = fourth.ticket_id and fourth.agent_turn = 4
),

-- the customer messages inside the window, bodies lowered once (not once per
-- phrase in the join below)
window_messages as (
    select
        messages.ticket_id,
        lower(messages.body) as body_lower
    from {{ ref('stg_messages') }} as messages
    inner join windows on messages.ticket_id = windows.ticket_id
    where
        messages.author_type = 'customer'
        and {{ within_bounds('messages.ticket_id', ticket_bounds) }}
        and messages.sent_at > windows.escalated_at
        and (windows.fourth_agent_turn_at is null or messages.sent_at < windows.fourth_agent_turn_at)
),

phrases as (
    select lower(phrase) as phrase
    from {{ ref('repetition_phrases') }}
),

repetitions as (
    select distinct window_messages.ticket_id
    from window_messages
    inner join phrases on {{ contains_text('window_messages.body_lower', 'phrases.phrase') }}
)

select
    escalated.ticket_id,
    escalated.week_start,
    {{ flag('handoffs.ticket_id is not null') }} as has_handoff_record,
    {{ flag('repetitions.ticket_id is not null') }} as has_customer_repetition
from escalated
left join handoffs on escalated.ticket_id = handoffs.ticket_id
left join repetitions on escalated.ticket_id = repetitions.ticket_id
