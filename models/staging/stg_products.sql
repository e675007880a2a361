-- Valid products: one row per product_id.
select
    product_id,
    product_name,
    category
from {{ ref('stg_products__validated') }}
where _disposition = 'staged'
