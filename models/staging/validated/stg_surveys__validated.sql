-- Every raw survey row with its disposition; see stg_tickets__validated.
{{ config(**validated_config()) }}
{%- set checks = type_and_required_checks(['ticket_id', 'sent_at', 'updated_at'])
    + enum_checks('surveys')
    + [
        ('score_out_of_scale',
            "(scale = 'five_point' and score not between 1 and 5)"
            ~ " or (scale = 'thumbs' and score not in (0, 1))",
            dbt.concat(["'scale='", 'scale', "', score='", dbt.safe_cast('score', dbt.type_string())])),
        ('missing_required', 'responded_at is not null and score is null',
            "'answered (responded_at set) with no score'"),
        ('missing_required', 'responded_at is null and score is not null',
            "'scored with no responded_at'"),
        ('responded_before_sent', 'responded_at < sent_at', "'responded_at before sent_at'"),
    ]
%}

with typed as {{ inline_cte() }} (
    {{ typed_raw('surveys') }}
),

cleaned as {{ inline_cte() }} (
    select
        {{ clean_text('survey_id') }} as survey_id,
        {{ clean_text('ticket_id') }} as ticket_id,
        {{ clean_enum('survey_type') }} as survey_type,
        {{ clean_enum('channel') }} as channel,
        sent_at,
        responded_at,
        {{ clean_enum('scale') }} as scale,
        score,
        {{ clean_text('comment') }} as comment,  -- noqa: RF04
        updated_at,
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
    {{ rows_to_resolve('surveys', 'own') }}
),

keyed as {{ batch_cte() }} (
    {{ resolve_keys('surveys', 'batch') }}
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

{{ resolve_dispositions('surveys', 'checked') }}
