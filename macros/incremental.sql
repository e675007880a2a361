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


{#- The config of a model rebuilt by week (the lookback_filter weeks):
    delete+insert by week_start where the adapter has it; Spark overwrites the
    week_start partitions (no merge without Delta/Iceberg). -#}
{% macro incremental_by_week_config() %}
    {{ return(adapter.dispatch('incremental_by_week_config', 'supportwh')()) }}
{% endmacro %}

{% macro default__incremental_by_week_config() %}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': 'week_start',
        'on_schema_change': 'fail',
    }) }}
{% endmacro %}

{% macro spark__incremental_by_week_config() %}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'insert_overwrite',
        'partition_by': ['week_start'],
        'file_format': 'parquet',
        'on_schema_change': 'fail',
    }) }}
{% endmacro %}
