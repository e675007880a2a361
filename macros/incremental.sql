{#- The incremental filter of the week-partitioned models: reprocess the weeks
    from (latest week already built - var lookback_weeks) on, so late surveys,
    QA reviews and repeat contacts land in their ticket's week. -#}
{% macro lookback_filter(week_column='week_start') -%}
    {%- if is_incremental() -%}
    {{ week_column }} >= (
        select {{ dbt.dateadd('week', -1 * var('lookback_weeks') | int, 'max(week_start)') }}
        from {{ this }}
    )
    {%- else -%}
    1 = 1
    {%- endif -%}
{%- endmacro %}
