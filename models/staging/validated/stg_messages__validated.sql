-- Every raw message row with its disposition; see stg_tickets__validated.
{%- set checks = type_and_required_checks(['ticket_id', 'sent_at'])
    + enum_checks('messages')
    + ticket_reference_checks()
%}

with typed as (
    {{ typed_raw('messages') }}
),

cleaned as (
    select
        {{ clean_text('message_id') }} as message_id,
        {{ clean_text('ticket_id') }} as ticket_id,
        sent_at,
        {{ clean_enum('author_type') }} as author_type,
        body,
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

{{ resolve_dispositions('messages', 'checked') }}
