-- Where every raw row went, per table. Raw rows are counted straight from the
-- source, independently of the staging logic, so that
--   raw_rows = staged_rows + quarantined_rows + exact_duplicate_rows + superseded_rows
-- is a real check (tests/dbt/assert_no_raw_row_lost.sql) that nothing is
-- silently dropped.
-- One select per raw table, unioned by a loop the indent rule cannot follow.
-- noqa: disable=LT02
{{ config(materialized='table') }}
{%- set tables = raw_contract().keys() | list %}

{% for table_name in tables %}
select
    '{{ table_name }}' as table_name,
    {%- if raw_table_present(table_name) %}
    (select count(*) from {{ source('raw', table_name) }}) as raw_rows,
    {%- else %}
    0 as raw_rows,
    {%- endif %}
    -- coalesce: an empty table sums to null
    coalesce(sum(case when _disposition = 'staged' then 1 else 0 end), 0) as staged_rows,
    coalesce(sum(case when _disposition = 'quarantined' then 1 else 0 end), 0) as quarantined_rows,
    coalesce(sum(case when _disposition = 'exact_duplicate' then 1 else 0 end), 0) as exact_duplicate_rows,
    coalesce(sum(case when _disposition = 'superseded' then 1 else 0 end), 0) as superseded_rows
from {{ ref('stg_' ~ table_name ~ '__validated') }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
