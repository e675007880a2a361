-- Every raw product row with its disposition; see stg_tickets__validated.
{{ config(**validated_config()) }}
{%- set checks = type_and_required_checks([]) %}

with typed as {{ inline_cte() }} (
    {{ typed_raw('products') }}
),

cleaned as {{ inline_cte() }} (
    select
        {{ clean_text('product_id') }} as product_id,
        {{ clean_text('product_name') }} as product_name,
        coalesce({{ clean_enum('category') }}, 'unknown') as category,
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
    {{ rows_to_resolve('products', 'own') }}
),

keyed as {{ batch_cte() }} (
    {{ resolve_keys('products', 'batch') }}
),

checked as {{ inline_cte() }} (
    select
        *,
        _own_reason as _row_reason,
        _own_detail as _row_detail
    from keyed
)

{{ resolve_dispositions('products', 'checked') }}
