-- Every raw escalation row with its disposition; see stg_tickets__validated.
{{ config(**validated_config()) }}
{%- set checks = type_and_required_checks(['ticket_id', 'escalated_at'])
%}

with typed as {{ inline_cte() }} (
    {{ typed_raw('escalations') }}
),

cleaned as {{ inline_cte() }} (
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
        _invalid_type_detail,
        _source_file
    from typed
),

own as {{ inline_cte() }} (
    select
        *,
        {{ first_failing_check(checks, '_own') }}
    from cleaned
),

batch as {{ batch_cte() }} (
    {{ rows_to_resolve('escalations', 'own') }}
),

keyed as {{ batch_cte() }} (
    {{ resolve_keys('escalations', 'batch') }}
),

joined as {{ inline_cte() }} (
    {{ with_ticket_parent('keyed') }}
),

-- the ticket checks come last: a row is explained by its own defect first
checked as {{ inline_cte() }} (
    select
        *,
        {{ own_then_parent_checks() }}
    from joined
)

{{ resolve_dispositions('escalations', 'checked') }}
