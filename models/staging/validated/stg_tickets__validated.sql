-- Every raw ticket row with its disposition (staged, superseded re-export,
-- exact duplicate, quarantined + reason). stg_tickets reads the staged rows.
{{ config(**validated_config()) }}
{%- set checks = type_and_required_checks(['customer_id', 'created_at', 'updated_at'])
    + enum_checks('tickets')
    + [
        ('out_of_range', 'model_confidence not between 0 and 1',
            dbt.concat(["'model_confidence='", dbt.safe_cast('model_confidence', dbt.type_string())])),
        ('out_of_range', 'model_csat_score not between 1 and 5',
            dbt.concat(["'model_csat_score='", dbt.safe_cast('model_csat_score', dbt.type_string())])),
        ('out_of_range', 'bot_handle_seconds < 0',
            dbt.concat(["'bot_handle_seconds='", dbt.safe_cast('bot_handle_seconds', dbt.type_string())])),
        ('out_of_range', 'agent_handle_seconds < 0',
            dbt.concat(["'agent_handle_seconds='", dbt.safe_cast('agent_handle_seconds', dbt.type_string())])),
        ('closed_before_created', 'closed_at < created_at', "'closed_at before created_at'"),
        ('inconsistent_outcome',
            "(bot_attempted and outcome = 'human_only') or (not bot_attempted and outcome <> 'human_only')",
            dbt.concat(["'bot_attempted='", dbt.safe_cast('bot_attempted', dbt.type_string()), "', outcome='", 'outcome'])),
    ]
%}

with typed as {{ inline_cte() }} (
    {{ typed_raw('tickets') }}
),

cleaned as {{ inline_cte() }} (
    select
        {{ clean_text('ticket_id') }} as ticket_id,
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_enum('channel') }} as channel,
        created_at,
        closed_at,
        {{ clean_enum('intent') }} as intent,
        {{ clean_text('product_id') }} as product_id,
        bot_attempted,
        {{ clean_enum('outcome') }} as outcome,
        {{ clean_text('bot_version') }} as bot_version,
        model_confidence,
        model_csat_score,
        bot_handle_seconds,
        agent_handle_seconds,
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
    {{ rows_to_resolve('tickets', 'own') }}
),

keyed as {{ batch_cte() }} (
    {{ resolve_keys('tickets', 'batch') }}
),

checked as {{ inline_cte() }} (
    select
        *,
        _own_reason as _row_reason,
        _own_detail as _row_detail
    from keyed
)

{{ resolve_dispositions('tickets', 'checked') }}
