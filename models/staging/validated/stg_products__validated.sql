-- Every raw product row with its disposition; see stg_tickets__validated.
{%- set checks = type_and_required_checks([]) %}

with typed as (
    {{ typed_raw('products') }}
),

cleaned as (
    select
        {{ clean_text('product_id') }} as product_id,
        {{ clean_text('product_name') }} as product_name,
        coalesce({{ clean_enum('category') }}, 'unknown') as category,
        _invalid_type_detail
    from typed
),

checked as (
    select
        *,
        {{ first_failing_check(checks) }}
    from cleaned
)

{{ resolve_dispositions('products', 'checked') }}
