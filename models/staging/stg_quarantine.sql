-- Every raw row set aside because it breaks the raw contract, with the table,
-- its key, the rule (reason) and the values that broke it. Nothing that is
-- quarantined reaches a KPI; everything quarantined is here.
-- One select per raw table, unioned by a loop the indent rule cannot follow.
-- noqa: disable=LT02
{{ config(materialized='table') }}
{%- set tables = raw_contract().keys() | list %}

{% for table_name in tables %}
{%- set spec = raw_contract()[table_name] %}
select
    '{{ table_name }}' as table_name,
    {{ spec['key'] }} as record_key,
    -- text, whatever type the validated table keeps it in (macro label_type)
    cast(_reason as {{ dbt.type_string() }}) as reason,
    _reason_detail as reason_detail,
    {{ record_as_text(table_name) }} as record
from {{ ref('stg_' ~ table_name ~ '__validated') }}
where _disposition = 'quarantined'
{% if not loop.last %}union all{% endif %}
{% endfor %}
