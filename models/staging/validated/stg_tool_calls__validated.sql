-- Every raw tool-call row with its disposition; see stg_tickets__validated.
{%- set checks = type_and_required_checks(['ticket_id', 'called_at', 'tool_name'])
    + enum_checks('tool_calls')
    + ticket_reference_checks()
%}

with typed as (
    {{ typed_raw('tool_calls') }}
),

cleaned as (
    select
        {{ clean_text('call_id') }} as call_id,
        {{ clean_text('ticket_id') }} as ticket_id,
        called_at,
        {{ clean_enum('tool_name') }} as tool_name,
        {{ clean_enum('status') }} as status,
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

{{ resolve_dispositions('tool_calls', 'checked') }}
