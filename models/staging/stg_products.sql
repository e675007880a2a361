-- Valid products: one row per product_id.
select
    product_id,
    product_name,
    category,
    _loaded_at
from {{ ref('stg_products__validated') }}
where _disposition = 'staged'
