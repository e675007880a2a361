{#- Calendar periods of KPI_SPEC.md "Time and attribution": the ISO week
    (Monday 00:00 UTC), the calendar month and the calendar quarter, each
    identified by its first day, as a date. Portable: dbt's date_trunc and
    dateadd only (a quarter is added as three months, because Postgres has no
    'quarter' interval). -#}

{#- The period grains the review marts publish, finest first. -#}
{% macro period_grains() %}
    {{ return(['week', 'month', 'quarter']) }}
{% endmacro %}

{#- The first day (a date) of the week, month or quarter a date or
    timestamp falls in. -#}
{% macro period_start(grain, column) -%}
    {%- if grain == 'week' -%}
        {{ iso_week_start(column) }}
    {%- elif grain in ('month', 'quarter') -%}
        cast({{ dbt.date_trunc(grain, column) }} as date)
    {%- else -%}
        {{ exceptions.raise_compiler_error("period_start: unknown grain '" ~ grain ~ "' (week, month, quarter)") }}
    {%- endif -%}
{%- endmacro %}

{#- The start of the period `periods` periods after (negative: before) the
    period starting at `column`, as a date. -#}
{% macro period_add(grain, periods, column) -%}
    {%- if grain == 'week' -%}
        cast({{ dbt.dateadd('week', periods, column) }} as date)
    {%- elif grain == 'month' -%}
        cast({{ dbt.dateadd('month', periods, column) }} as date)
    {%- elif grain == 'quarter' -%}
        cast({{ dbt.dateadd('month', 3 * periods | int, column) }} as date)
    {%- else -%}
        {{ exceptions.raise_compiler_error("period_add: unknown grain '" ~ grain ~ "' (week, month, quarter)") }}
    {%- endif -%}
{%- endmacro %}

{#- period_add for rows whose grain is a column (week, month or quarter). -#}
{% macro period_add_by_column(grain_column, periods, column) -%}
    case {{ grain_column }}
        {%- for grain in ['week', 'month', 'quarter'] %}
        when '{{ grain }}' then {{ period_add(grain, periods, column) }}
        {%- endfor %}
    end
{%- endmacro %}

{#- A period is complete once as_of (the latest ticket created_at) has
    reached the start of the next period. -#}
{% macro is_period_complete(grain_column, start_column) -%}
    ({{ period_add_by_column(grain_column, 1, start_column) }} <= {{ as_of() }})
{%- endmacro %}

{#- Helpers of the review marts, which turn the long kpi_weekly into wide
    rows. One `max(case when <key_column> = '<name>' then <value_column> end)
    as <name><suffix>` per name, comma-separated (a pivot of a long table). -#}
{% macro pivot_columns(names, value_column, suffix='', key_column='kpi') -%}
    {%- for name in names -%}
        max(case when {{ key_column }} = '{{ name }}' then {{ value_column }} end) as {{ name ~ suffix }}
        {{- ',\n    ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#- `<relation>.<name><suffix>` per name, comma-separated. -#}
{% macro relation_columns(relation, names, suffix='') -%}
    {%- for name in names -%}
        {{ relation }}.{{ name ~ suffix }}{{ ',\n    ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}


{#- A period's KPIs from a relation of kpi_weekly rows carrying a period
    column: summed numerators and denominators, never averaged weekly rates;
    count KPIs (denominator 1 a week) are the period's totals. -#}
{% macro rolled_up_kpis(relation, period_column) %}
    select
        {{ period_column }},
        archetype,
        kpi,
        max(unit) as kpi_unit,
        sum(numerator) as numerator,
        sum(denominator) as denominator,
        case
            when max(unit) = 'count' then sum(numerator)
            else {{ kpi_value('sum(numerator)', 'sum(denominator)', 'max(unit)') }}
        end as period_value
    from {{ relation }}
    group by {{ period_column }}, archetype, kpi
{% endmacro %}
