-- Every raw message row with its disposition; see stg_tickets__validated.
{{ config(**validated_config()) }}
{%- set checks = type_and_required_checks(['ticket_id', 'sent_at'])
    + enum_checks('messages')
%}

with typed as {{ inline_cte() }} (
    {{ typed_raw('messages') }}
),

cleaned as {{ inline_cte() }} (
    select
        {{ clean_text('message_id') }} as message_id,
        {{ clean_text('ticket_id') }} as ticket_id,
        sent_at,
        {{ clean_enum('author_type') }} as author_type,
        body,
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
    {{ rows_to_resolve('messages', 'own') }}
),

keyed as {{ batch_cte() }} (
    {{ resolve_keys('messages', 'batch') }}
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

{{ resolve_dispositions('messages', 'checked') }}
