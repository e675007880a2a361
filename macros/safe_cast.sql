{#- A cast that yields null instead of failing, so that a value of the wrong
    type becomes a quarantine row (invalid_type) rather than a failed build.
    dbt.safe_cast is a plain cast on DuckDB and Postgres. -#}
{% macro safe_cast(expression, data_type) %}
    {{ return(adapter.dispatch('safe_cast', 'supportwh')(expression, data_type)) }}
{% endmacro %}

{% macro default__safe_cast(expression, data_type) -%}
    cast({{ expression }} as {{ data_type }})
{%- endmacro %}

{% macro duckdb__safe_cast(expression, data_type) -%}
    try_cast({{ expression }} as {{ data_type }})
{%- endmacro %}

{% macro spark__safe_cast(expression, data_type) -%}
    try_cast({{ expression }} as {{ data_type }})
{%- endmacro %}

{#- A 64-bit float. dbt.type_float() is `float`, which is 32-bit on DuckDB
    and would round model_confidence (0.8 -> 0.800000011920929). -#}
{% macro type_double() %}
    {{ return(adapter.dispatch('type_double', 'supportwh')()) }}
{% endmacro %}

{% macro default__type_double() %}{{ return('double precision') }}{% endmacro %}

{% macro duckdb__type_double() %}{{ return('double') }}{% endmacro %}

{% macro spark__type_double() %}{{ return('double') }}{% endmacro %}
