-- Valid orders (empty when the export has no orders table).
select
    order_id,
    customer_id,
    ordered_at,
    amount,
    returned_at,
    _loaded_at
from {{ ref('stg_orders__validated') }}
where _disposition = 'staged'
