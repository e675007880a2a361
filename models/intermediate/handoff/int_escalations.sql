-- One row per staged escalation with its handoff quality flags and the
-- escalated ticket's dimensions.
{{ config(materialized='incremental', on_schema_change='fail', **incremental_by_week(rebuild='revised')) }}
with escalations as (
    select * from {{ ref('stg_escalations') }}
),

tickets as (
    select * from {{ ref('int_tickets') }}
    where {{ revised_weeks_filter() }}
)

select
    escalations.escalation_id,
    escalations.ticket_id,
    escalations.escalated_at,
    escalations.agent_id,
    tickets.week_start,
    tickets.archetype,
    tickets.segment,
    tickets.channel,
    -- a null flag (nullable booleans in some exports) is not a restate
    {{ flag('escalations.agent_restate_flag') }} as is_context_lost,
    {{ flag(clean_text('escalations.packet_intent') ~ ' is not null and '
        ~ clean_text('escalations.packet_account_state') ~ ' is not null and '
        ~ clean_text('escalations.packet_summary') ~ ' is not null') }} as is_packet_complete
from escalations
inner join tickets on escalations.ticket_id = tickets.ticket_id
