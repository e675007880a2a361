-- Every raw customer row with its disposition; see stg_tickets__validated.
{%- set checks = type_and_required_checks([]) %}

with typed as (
    {{ typed_raw('customers') }}
),

cleaned as (
    select
        {{ clean_text('customer_id') }} as customer_id,
        -- segment is a dimension: a missing one is 'unknown', not a bad row
        coalesce({{ clean_enum('segment') }}, 'unknown') as segment,
        {{ clean_enum('region') }} as region,
        created_at,
        _invalid_type_detail
    from typed
),

checked as (
    select
        *,
        {{ first_failing_check(checks) }}
    from cleaned
)

{{ resolve_dispositions('customers', 'checked') }}
