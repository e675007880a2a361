-- Every raw customer row with its disposition; see stg_tickets__validated.
{{ config(**validated_config()) }}
{%- set checks = type_and_required_checks([]) %}

with typed as {{ inline_cte() }} (
    {{ typed_raw('customers') }}
),

cleaned as {{ inline_cte() }} (
    select
        {{ clean_text('customer_id') }} as customer_id,
        -- segment is a dimension: a missing one is 'unknown', not a bad row
        coalesce({{ clean_enum('segment') }}, 'unknown') as segment,
        {{ clean_enum('region') }} as region,
        created_at,
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
    {{ rows_to_resolve('customers', 'own') }}
),

keyed as {{ batch_cte() }} (
    {{ resolve_keys('customers', 'batch') }}
),

checked as {{ inline_cte() }} (
    select
        *,
        _own_reason as _row_reason,
        _own_detail as _row_detail
    from keyed
)

{{ resolve_dispositions('customers', 'checked') }}
