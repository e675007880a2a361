{#- Personal data masking for the BI-facing review marts (transcripts, survey
    comments, handoff summaries). Emails become [email], phone numbers
    [phone]. Emails are masked first, so the digits of an address such as
    jane.5550134@example.com never reach the phone rule.

    The patterns use bracket expressions only ([0-9], [.], [+], [(]), no
    backslash escapes: a backslash is literal in DuckDB and Postgres string
    literals but an escape in Spark's, so '\d' would mean 'd' there.

    phone: an optional country code (+1, +44 ...), then a run of at least 7
    digits in which each digit may be preceded by a separator (space, dot,
    dash) and the area code may sit in parentheses: +1 555-0134,
    (555) 013-4567, 555.013.4567, +1 415 555 0101, 5550134567. Any digit
    run of that length is masked, order numbers and dates included: in a
    review table a masked order number costs a look-up, a missed phone
    number is a leak. -#}
{% macro pii_email_pattern() -%}
    {{ return("[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+[.][A-Za-z]{2,}") }}
{%- endmacro %}

{% macro pii_phone_pattern() -%}
    {{ return("([+][0-9]{1,3}[ .-]?)?[(]?[0-9]([)]?[ .-]?[0-9]){6,}") }}
{%- endmacro %}

{#- column: a SQL text expression; returns it with emails and phone numbers
    replaced (null stays null). -#}
{% macro mask_pii(column) -%}
    {{ return(adapter.dispatch('mask_pii', 'supportwh')(column)) }}
{%- endmacro %}

{#- Snowflake, BigQuery, Redshift: the 3-argument regexp_replace replaces
    every match. -#}
{% macro default__mask_pii(column) -%}
    regexp_replace(
        regexp_replace({{ column }}, '{{ pii_email_pattern() }}', '[email]'),
        '{{ pii_phone_pattern() }}', '[phone]'
    )
{%- endmacro %}

{#- DuckDB replaces the first match only unless given the 'g' option. -#}
{% macro duckdb__mask_pii(column) -%}
    regexp_replace(
        regexp_replace({{ column }}, '{{ pii_email_pattern() }}', '[email]', 'g'),
        '{{ pii_phone_pattern() }}', '[phone]', 'g'
    )
{%- endmacro %}

{#- Postgres: same, 'g' flag. -#}
{% macro postgres__mask_pii(column) -%}
    regexp_replace(
        regexp_replace({{ column }}, '{{ pii_email_pattern() }}', '[email]', 'g'),
        '{{ pii_phone_pattern() }}', '[phone]', 'g'
    )
{%- endmacro %}

{#- Spark (Java regex) replaces every match; no flags argument. -#}
{% macro spark__mask_pii(column) -%}
    regexp_replace(
        regexp_replace({{ column }}, '{{ pii_email_pattern() }}', '[email]'),
        '{{ pii_phone_pattern() }}', '[phone]'
    )
{%- endmacro %}
