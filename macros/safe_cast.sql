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

{#- Postgres has no try_cast: the value goes through its text form into
    supportwh_try_cast (a plpgsql function the on-run-start hook creates,
    see create_safe_cast_function), which returns null where the input
    function of the type rejects it. Text needs no function. Timestamps
    must start with a digit: Postgres would read 'yesterday', 'now' or
    'epoch' as dates, DuckDB and Spark do not (docs/decisions.md). -#}
{% macro postgres__safe_cast(expression, data_type) -%}
    {%- set text_value = 'cast(' ~ expression ~ ' as text)' -%}
    {%- if data_type | lower in ('text', dbt.type_string() | lower) -%}
        {{ text_value }}
    {%- else -%}
        {{ target.schema }}.supportwh_try_cast(
            {%- if 'timestamp' in data_type | lower or data_type | lower == 'date' -%}
            case when {{ text_value }} ~ '^[[:space:]]*[0-9]' then {{ text_value }} end
            {%- else -%}
            {{ text_value }}
            {%- endif -%}, cast(null as {{ data_type }}))
    {%- endif -%}
{%- endmacro %}


{#- on-run-start: what safe_cast needs on the target (nothing but Postgres). -#}
{% macro create_safe_cast_function() %}
    {{ return(adapter.dispatch('create_safe_cast_function', 'supportwh')()) }}
{% endmacro %}

{% macro default__create_safe_cast_function() %}{{ return('') }}{% endmacro %}

{#- supportwh_try_cast(value text, null::<type>) -> <type>: the polymorphic
    second argument carries the target type; plpgsql assigns the text to it
    through the type's input function and an exception block turns a
    rejected value (SQLSTATE class 22, data exception) into null. Stable, as
    the casts from text are (they read DateStyle). One subtransaction per
    non-null call, which is why it is parallel unsafe (no subtransaction in
    parallel mode, leader included). -#}
{% macro postgres__create_safe_cast_function() %}
    create schema if not exists {{ target.schema }};
    create or replace function {{ target.schema }}.supportwh_try_cast(
        value text, type_of anyelement
    ) returns anyelement language plpgsql stable parallel unsafe as $fn$
    begin
        if value is null then
            return null;
        end if;
        begin
            type_of := value;
            return type_of;
        exception when data_exception then  -- class 22: a value that does not fit
            return null;
        end;
    end
    $fn$;
{% endmacro %}

{#- A 64-bit float. dbt.type_float() is `float`, which is 32-bit on DuckDB
    and would round model_confidence (0.8 -> 0.800000011920929). -#}
{% macro type_double() %}
    {{ return(adapter.dispatch('type_double', 'supportwh')()) }}
{% endmacro %}

{% macro default__type_double() %}{{ return('double precision') }}{% endmacro %}

{% macro duckdb__type_double() %}{{ return('double') }}{% endmacro %}

{% macro spark__type_double() %}{{ return('double') }}{% endmacro %}

{#- The contracts' `varchar`. dbt.type_string() is `text` on Postgres, and
    an incremental model's schema check (on_schema_change fail) compares the
    new rows' types with the table the contract created (character varying). -#}
{% macro type_varchar() %}
    {{ return(adapter.dispatch('type_varchar', 'supportwh')()) }}
{% endmacro %}

{% macro default__type_varchar() %}{{ return('varchar') }}{% endmacro %}

{% macro spark__type_varchar() %}{{ return('string') }}{% endmacro %}
