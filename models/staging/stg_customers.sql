-- Valid customers: one row per customer_id.
select
    customer_id,
    segment,
    region,
    created_at,
    _loaded_at
from {{ ref('stg_customers__validated') }}
where _disposition = 'staged'
