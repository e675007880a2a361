{#- The incremental filter of the week-partitioned models: reprocess the weeks
    from (latest week already built - var lookback_weeks) on, so late surveys,
    QA reviews and repeat contacts land in their ticket's week, plus the older
    weeks whose tickets the latest staging load revised (revised_weeks: a
    re-exported old ticket, a survey answered months later). -#}
{% macro lookback_filter(week_column='week_start') -%}
    {#- rendered when parsing too, so dbt sees the refs of revised_weeks -#}
    {%- set revised = revised_weeks() if (not execute or is_incremental()) else '' -%}
    {%- if is_incremental() -%}
    ({{ week_column }} >= (
        select {{ dbt.dateadd('week', -1 * var('lookback_weeks') | int, 'max(week_start)') }}
        from {{ this }}
    )
    or {{ week_column }} in (select revised.week_start from ({{ revised }}) as revised))
    {%- else -%}
    1 = 1
    {%- endif -%}
{%- endmacro %}

{#- How a model rebuilt by week (lookback_filter on `week_column`) is made
    incremental on each adapter; spread into its config:
        config(materialized='incremental', **incremental_by_week())
    DuckDB and Postgres delete the reprocessed weeks and insert them again.
    Spark without Delta or Iceberg has no delete or merge: the table is
    partitioned by the week and the reprocessed weeks' partitions are
    overwritten (dynamic partition overwrite), which is the same result. -#}
{% macro incremental_by_week(week_column='week_start') %}
    {{ return(adapter.dispatch('incremental_by_week', 'supportwh')(week_column)) }}
{% endmacro %}

{% macro default__incremental_by_week(week_column) %}
    {{ return({'incremental_strategy': 'delete+insert', 'unique_key': week_column}) }}
{% endmacro %}

{% macro spark__incremental_by_week(week_column) %}
    {{ return({
        'incremental_strategy': 'insert_overwrite',
        'partition_by': [week_column],
        'file_format': 'parquet',
    }) }}
{% endmacro %}
