-- Every raw tool-call row with its disposition; see stg_tickets__validated.
{{ config(**validated_config()) }}
{%- set checks = type_and_required_checks(['ticket_id', 'called_at', 'tool_name'])
    + enum_checks('tool_calls')
%}

with typed as {{ inline_cte() }} (
    {{ typed_raw('tool_calls') }}
),

cleaned as {{ inline_cte() }} (
    select
        {{ clean_text('call_id') }} as call_id,
        {{ clean_text('ticket_id') }} as ticket_id,
        called_at,
        {{ clean_enum('tool_name') }} as tool_name,
        {{ clean_enum('status') }} as status,
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
    {{ rows_to_resolve('tool_calls', 'own') }}
),

keyed as {{ batch_cte() }} (
    {{ resolve_keys('tool_calls', 'batch') }}
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

{{ resolve_dispositions('tool_calls', 'checked') }}
