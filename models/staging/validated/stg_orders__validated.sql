-- Every raw order row with its disposition; see stg_tickets__validated.
-- orders is optional in the contract: an export without it stages nothing.
{{ config(**validated_config()) }}
{%- set checks = type_and_required_checks(['customer_id', 'ordered_at'])
    + [
        ('out_of_range', 'amount < 0',
            dbt.concat(["'amount='", dbt.safe_cast('amount', dbt.type_string())])),
        ('out_of_range', 'returned_at < ordered_at', "'returned_at before ordered_at'"),
    ]
%}

with typed as {{ inline_cte() }} (
    {{ typed_raw('orders') }}
),

cleaned as {{ inline_cte() }} (
    select
        {{ clean_text('order_id') }} as order_id,
        {{ clean_text('customer_id') }} as customer_id,
        ordered_at,
        amount,
        returned_at,
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
    {{ rows_to_resolve('orders', 'own') }}
),

keyed as {{ batch_cte() }} (
    {{ resolve_keys('orders', 'batch') }}
),

checked as {{ inline_cte() }} (
    select
        *,
        _own_reason as _row_reason,
        _own_detail as _row_detail
    from keyed
)

{{ resolve_dispositions('orders', 'checked') }}
