-- Every raw escalation row with its disposition; see stg_tickets__validated.
{%- set checks = type_and_required_checks(['ticket_id', 'escalated_at'])
    + ticket_reference_checks()
%}

with typed as (
    {{ typed_raw('escalations') }}
),

cleaned as (
    select
        {{ clean_text('escalation_id') }} as escalation_id,
        {{ clean_text('ticket_id') }} as ticket_id,
        escalated_at,
        {{ clean_text('agent_id') }} as agent_id,
        -- blank packet fields stay blank here: completeness is a KPI
        -- (handoff_packet_complete_rate), not a contract breach
        packet_intent,
        packet_account_state,
        packet_summary,
        agent_restate_flag,
        _invalid_type_detail
    from typed
),

joined as (
    {{ with_ticket_parent('cleaned') }}
),

checked as (
    select
        *,
        {{ first_failing_check(checks) }}
    from joined
)

{{ resolve_dispositions('escalations', 'checked') }}
