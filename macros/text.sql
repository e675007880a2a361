{#- Trimmed text with blanks as null: exports write '' and '  ' for "nothing". -#}
{% macro clean_text(column) -%}
    nullif({{ trimmed(column) }}, '')
{%- endmacro %}

{#- Enum values compare case- and space-insensitively ('Chat ' is chat). -#}
{% macro clean_enum(column) -%}
    lower(nullif({{ trimmed(column) }}, ''))
{%- endmacro %}

{#- trim(column), the engine's own. -#}
{% macro trimmed(column) -%}
    {{ return(adapter.dispatch('trimmed', 'supportwh')(column)) }}
{%- endmacro %}

{% macro default__trimmed(column) -%}
    trim({{ column }})
{%- endmacro %}

{#- DuckDB's trim costs ~50 ns a value (it looks for Unicode spaces too):
    3.8 s per column of the 73M raw messages at 10M tickets, for values that
    almost never have a space to remove. It is called only where it can
    change the value: an ASCII value (as many bytes as characters) loses only
    spaces, so one without a leading or trailing space is returned as it is;
    anything else goes through trim. Same result for every value, 0.9 s. -#}
{% macro duckdb__trimmed(column) -%}
    case
        when {{ column }} like ' %' or {{ column }} like '% '
            or strlen({{ column }}) <> length({{ column }})
            then trim({{ column }})
        else {{ column }}
    end
{%- endmacro %}

{#- The ISO week (Monday 00:00 UTC) a timestamp falls in, as a date.
    dbt.date_trunc returns a timestamp. -#}
{% macro iso_week_start(column) -%}
    cast({{ dbt.date_trunc('week', column) }} as date)
{%- endmacro %}

{#- A quoted SQL list of literals: ('a', 'b'). -#}
{% macro sql_list(values) -%}
    ({%- for v in values %}'{{ v }}'{{ ', ' if not loop.last }}{%- endfor -%})
{%- endmacro %}

{#- A quarantined row as readable text, 'col=value; col=value', so a person
    sees what was set aside without opening the raw files. -#}
{% macro record_as_text(table_name) -%}
    {%- set parts = [] -%}
    {%- for name in contract_column_names(table_name) -%}
        {%- do parts.append("'" ~ ('; ' if not loop.first else '') ~ name ~ "='") -%}
        {%- do parts.append("coalesce(" ~ dbt.safe_cast(name, dbt.type_string()) ~ ", 'null')") -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}

{#- A number as text with exactly `digits` decimals ('78.5', '0.0120', '312'),
    as the gates print it. Through a decimal: round(double, n) does not
    exist on Postgres, and a double's text form differs between engines
    ('78.0' on DuckDB, '78' on Postgres). -#}
{% macro decimal_text(expression, digits) -%}
    {{ return(adapter.dispatch('decimal_text', 'supportwh')(expression, digits)) }}
{%- endmacro %}

{% macro default__decimal_text(expression, digits) -%}
    cast(round(cast({{ expression }} as decimal(38, 10)), {{ digits }}) as {{ dbt.type_string() }})
{%- endmacro %}

{#- The values of `expression` in a group, joined by `delimiter` in the order
    of `order_by` (a list of expressions, ascending). -#}
{% macro ordered_listagg(expression, delimiter, order_by) -%}
    {{ return(adapter.dispatch('ordered_listagg', 'supportwh')(expression, delimiter, order_by)) }}
{%- endmacro %}

{% macro default__ordered_listagg(expression, delimiter, order_by) -%}
    {{ dbt.listagg(expression, delimiter, 'order by ' ~ order_by | join(', ')) }}
{%- endmacro %}

{#- dbt's Spark listagg ignores the order: collect (sort keys, value)
    structs, sort them (structs compare field by field) and keep the values. -#}
{% macro spark__ordered_listagg(expression, delimiter, order_by) -%}
    array_join(
        transform(
            array_sort(collect_list(named_struct(
                {%- for key in order_by %}'k{{ loop.index }}', {{ key }}, {% endfor -%}
                'v', {{ expression }}
            ))),
            x -> x.v
        ),
        {{ delimiter }}
    )
{%- endmacro %}

{#- Does `text` contain `fragment` as a plain substring? The phrase and
    pattern seeds are text, not LIKE patterns: a '%' or '_' in one is a
    literal character. Both sides are compared as given (lower them first
    for a case-insensitive match); null on either side is no match. -#}
{% macro contains_text(text, fragment) -%}
    {{ return(adapter.dispatch('contains_text', 'supportwh')(text, fragment)) }}
{%- endmacro %}

{% macro default__contains_text(text, fragment) -%}
    position({{ fragment }} in {{ text }}) > 0
{%- endmacro %}

{#- DuckDB compiles a LIKE pattern built per row for every row: joining the
    16M bot messages of 10M tickets to six claim patterns that way took
    11.9 s, contains() 3.2 s (2.4 s with both sides lowered once, before the
    join). -#}
{% macro duckdb__contains_text(text, fragment) -%}
    contains({{ text }}, {{ fragment }})
{%- endmacro %}

{% macro spark__contains_text(text, fragment) -%}
    instr({{ text }}, {{ fragment }}) > 0
{%- endmacro %}
