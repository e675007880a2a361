-- Every raw QA review row with its disposition; see stg_tickets__validated.
{{ config(**validated_config()) }}
{%- set checks = type_and_required_checks(['ticket_id', 'reviewed_at'])
    + enum_checks('qa_reviews')
%}

with typed as {{ inline_cte() }} (
    {{ typed_raw('qa_reviews') }}
),

cleaned as {{ inline_cte() }} (
    select
        {{ clean_text('review_id') }} as review_id,
        {{ clean_text('ticket_id') }} as ticket_id,
        reviewed_at,
        {{ clean_text('reviewer') }} as reviewer,
        policy_quoted,
        {{ clean_enum('finding_class') }} as finding_class,
        {{ clean_enum('policy_key') }} as policy_key,
        {{ clean_text('quoted_value') }} as quoted_value,
        agent_acknowledged_packet,
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
    {{ rows_to_resolve('qa_reviews', 'own') }}
),

keyed as {{ batch_cte() }} (
    {{ resolve_keys('qa_reviews', 'batch') }}
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

{{ resolve_dispositions('qa_reviews', 'checked') }}
