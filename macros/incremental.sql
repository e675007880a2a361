{#- The incremental filter of the week-partitioned models: reprocess the weeks
    from (latest week already built - var lookback_weeks) on, so late surveys,
    QA reviews and repeat contacts land in their ticket's week, plus the older
    weeks whose tickets the latest staging load revised (int_revised_weeks: a
    re-exported old ticket, a survey answered months later).
    Both are read when the model runs and written into its SQL as literals: a
    filter of constants reaches the table scans and is applied before the
    joins, where the same filter as subqueries was applied after them
    (10M tickets: int_tickets' query 2.9 -> 0.5 s). -#}
{% macro lookback_filter(week_column='week_start') -%}
    {%- do check_rebuilt_weeks('lookback', 'lookback_filter') -%}
    {%- set weeks = rebuilt_weeks() -%}
    {%- if weeks is not none -%}
    {{ weeks_condition(week_column, weeks.from_week, weeks.revised) }}
    {%- else -%}
    1 = 1
    {%- endif -%}
{%- endmacro %}

{#- `week_column` from `from_week` on, or in `revised` (ISO date strings). A
    revised week inside the window is left out of the list: the window holds
    it, and a range alone is what a scan skips row groups by (10M tickets,
    weekly run: with the new week also in a list, `or` made int_ticket_kpi_facts
    read all 14.4M stored surveys for 1.9M; alone, 4.7M). A relation with no
    rows yet (a KPI with no incident so far) has no window: the revised weeks
    hold the new week's tickets. -#}
{% macro weeks_condition(week_column, from_week, revised) -%}
    {%- if from_week is none -%}
    {{ week_in(week_column, revised) }}
    {%- else -%}
    {%- set older = [] -%}
    {%- for week in revised if week < from_week -%}{%- do older.append(week) -%}{%- endfor -%}
    {%- if older | length == 0 -%}
    {{ week_column }} >= {{ week_literal(from_week) }}
    {%- else -%}
    ({{ week_column }} >= {{ week_literal(from_week) }} or {{ week_in(week_column, older) }})
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- The incremental filter of the week-partitioned models whose rows depend
    on their ticket's own rows only, never on the data's as_of nor on other
    tickets (int_tickets, int_escalations, int_qa_reviews,
    int_capability_overreach, int_ticket_customer_repetition): a row of
    theirs changes only when the staging load re-resolves a row of its
    ticket, whose week is then in int_revised_weeks. So they rebuild the
    revised weeks alone, without the look-back window that the maturing
    KPIs need (10M tickets, weekly run: 1 week instead of 7). Dimension
    revisions (customers, products, seeds) are not detected, as with the
    look-back (docs/decisions.md). -#}
{% macro revised_weeks_filter(week_column='week_start') -%}
    {%- do check_rebuilt_weeks('revised', 'revised_weeks_filter') -%}
    {%- set weeks = rebuilt_weeks() -%}
    {%- if weeks is none -%}
    1 = 1
    {%- else -%}
    {{ week_in(week_column, weeks.revised) }}
    {%- endif -%}
{%- endmacro %}

{#- `week_column` in `weeks` (ISO date strings, as rebuilt_weeks gives);
    1 = 0 when there is none. -#}
{% macro week_in(week_column, weeks) -%}
    {%- if weeks | length > 0 -%}
    {{ week_column }} in (
        {%- for week in weeks %}{{ week_literal(week) }}{{ ', ' if not loop.last }}{% endfor -%}
    )
    {%- else -%}
    1 = 0
    {%- endif -%}
{%- endmacro %}

{#- `week_column` on or after the earliest week lookback_filter rebuilds (1 = 1
    when it rebuilds everything): for the rows a rebuilt week can look forward
    to, such as a ticket's later contacts. -#}
{% macro from_first_rebuilt_week(week_column='week_start') -%}
    {%- set weeks = rebuilt_weeks() -%}
    {%- if weeks is not none -%}
    {{ week_column }} >= {{ week_literal(weeks.first) if weeks.first is not none else 'null' }}
    {%- else -%}
    1 = 1
    {%- endif -%}
{%- endmacro %}

{#- The weeks an incremental run of the current model rebuilds, read when it
    runs, as ISO dates: {from_week: the look-back start (none when the model
    is empty), revised: the weeks of int_revised_weeks, first: the earliest
    of them (none when there is none)}; none outside an incremental run
    (everything is built). -#}
{% macro rebuilt_weeks() %}
    {#- Rendered at parse time (the ref makes int_revised_weeks run first; the
        fallback below reads the staging tables) and in incremental runs only:
        a unit test gives none of them. -#}
    {%- if not execute or is_incremental() -%}
        {%- do ref('int_revised_weeks') -%}
        {%- set revised_query = revised_weeks() -%}
    {%- endif -%}
    {%- if not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set from_week = run_query(
        'select ' ~ lookback_start() ~ ' from ' ~ this).columns[0].values()[0] -%}
    {#- a selection without int_revised_weeks on a warehouse that never built
        it: the same weeks, computed here -#}
    {%- set built = revised_weeks_relation() -%}
    {%- set revised_sql = ('select week_start from ' ~ built) if built is not none
        else ('select week_start from (' ~ revised_query ~ ') as revised') -%}
    {#- ISO strings: run_query gives a timestamp for the look-back start and
        dates for the weeks (a string on some adapters), which do not compare
        with each other -#}
    {%- set iso = [] -%}
    {%- for week in [from_week] + run_query(revised_sql ~ ' order by week_start').columns[0].values() | list -%}
        {%- do iso.append(iso_date(week)) -%}
    {%- endfor -%}
    {%- set from_week, revised = iso[0], iso[1:] -%}
    {%- set candidates = revised + ([from_week] if from_week is not none else []) -%}
    {{ return({'from_week': from_week, 'revised': revised,
        'first': candidates | min if candidates | length > 0 else none}) }}
{% endmacro %}

{#- A date or timestamp read by run_query as an ISO date string (none stays
    none): run_query gives a timestamp for the look-back start and dates for
    the weeks (a string on some adapters), which do not compare with each
    other. -#}
{% macro iso_date(value) -%}
    {{ return(none if value is none
        else value.strftime('%Y-%m-%d') if value.strftime is defined else (value | string)[:10]) }}
{%- endmacro %}

{#- The first week of a model's look-back window: var lookback_weeks before
    the latest week it holds (an expression over its week_start column). -#}
{% macro lookback_start() -%}
    {{ dbt.dateadd('week', -1 * var('lookback_weeks') | int, 'max(week_start)') }}
{%- endmacro %}

{#- A week (an ISO date string, as rebuilt_weeks gives) as a SQL date literal. -#}
{% macro week_literal(value) -%}
    cast('{{ value }}' as date)
{%- endmacro %}

{#- How a model rebuilt by week is made incremental on each adapter; spread
    into its config:
        config(materialized='incremental', **incremental_by_week(rebuild='lookback'))
    rebuild names the weeks it rebuilds: 'lookback' (lookback_filter: the
    look-back window and the revised weeks) or 'revised' (revised_weeks_filter:
    the revised weeks alone). The filter macros refuse the other one, so a
    model never inserts a week it did not delete nor deletes one it does not
    rebuild.
    DuckDB and Postgres delete exactly those weeks and insert the rebuilt rows
    (strategies lookback_weeks and revised_weeks below): a rebuilt week that now has no row (its
    only QA review quarantined by a re-export) loses its old one. dbt's
    delete+insert deleted only the weeks the new rows carry, so such a week
    kept its stale row.
    Spark without Delta or Iceberg has no delete or merge: the table is
    partitioned by the week and the rebuilt weeks' partitions are
    overwritten (dynamic partition overwrite); a week left with no row keeps
    its partition there (docs/decisions.md). -#}
{% macro incremental_by_week(week_column='week_start', rebuild='lookback') %}
    {%- if rebuild not in ('lookback', 'revised') -%}
        {{ exceptions.raise_compiler_error(
            "incremental_by_week: rebuild must be 'lookback' or 'revised', not '" ~ rebuild ~ "'") }}
    {%- endif -%}
    {{ return(adapter.dispatch('incremental_by_week', 'supportwh')(week_column, rebuild)) }}
{% endmacro %}

{#- The strategy names the weeks: lookback_weeks or revised_weeks. -#}
{% macro default__incremental_by_week(week_column, rebuild) %}
    {{ return({'incremental_strategy': rebuild ~ '_weeks', 'unique_key': week_column}) }}
{% endmacro %}

{% macro spark__incremental_by_week(week_column, rebuild) %}
    {{ return({
        'incremental_strategy': 'insert_overwrite',
        'partition_by': [week_column],
        'file_format': 'parquet',
    }) }}
{% endmacro %}

{#- Delete the weeks the model rebuilds (the same filter its query used, read
    again: the table has not changed since) and insert the rebuilt rows. -#}
{% macro get_incremental_lookback_weeks_sql(arg_dict) %}
    {{ return(replace_weeks_sql(arg_dict, lookback_filter(arg_dict['unique_key']))) }}
{% endmacro %}

{% macro get_incremental_revised_weeks_sql(arg_dict) %}
    {{ return(replace_weeks_sql(arg_dict, revised_weeks_filter(arg_dict['unique_key']))) }}
{% endmacro %}

{% macro replace_weeks_sql(arg_dict, weeks_condition) %}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ weeks_condition }};
    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{% endmacro %}

{#- DuckDB: a week-incremental model's rebuilt rows go to a temporary view,
    not the temporary table dbt-duckdb writes them to, so replace_weeks_sql
    computes and writes them once, straight into the model's table (10M
    tickets, weekly run, int_ticket_kpi_facts' statements alone: 4.1 ->
    2.6 s). Deleting the weeks before the view is read changes nothing it
    selects: these models never read their own table in SQL (their week
    filters are literals, read before). Every other relation dbt-duckdb
    creates is its own. -#}
{% macro duckdb__create_table_as(temporary, relation, compiled_code, language='sql', partitioned_by=none, sorted_by=none) -%}
    {%- if temporary and language == 'sql'
        and config.get('incremental_strategy') in ('lookback_weeks', 'revised_weeks') -%}
        {%- if config.get('contract').enforced -%}
            {{ get_assert_columns_equivalent(compiled_code) }}
        {%- endif %}
    create temporary view {{ relation.include(database=false, schema=false) }} as (
        {{ compiled_code }}
    )
    {%- else -%}
        {{ return(dbt.duckdb__create_table_as(
            temporary, relation, compiled_code, language, partitioned_by, sorted_by)) }}
    {%- endif -%}
{%- endmacro %}

{#- Refuse a week filter the model's incremental_by_week does not delete by
    (read from its strategy; Spark's overwrite names no week set). -#}
{% macro check_rebuilt_weeks(expected, macro_name) %}
    {%- set strategy = config.get('incremental_strategy') or '' -%}
    {%- set configured = strategy[:-6] if strategy in ('lookback_weeks', 'revised_weeks') else none -%}
    {%- if configured is not none and configured != expected -%}
        {{ exceptions.raise_compiler_error(
            model.name ~ " is configured with incremental_by_week(rebuild='" ~ configured
            ~ "') but calls " ~ macro_name ~ ", which rebuilds the " ~ expected
            ~ " weeks: use the filter of its rebuild setting") }}
    {%- endif -%}
{% endmacro %}

{#- The least and the greatest `column` of `relation` where `condition`, read
    when an incremental run executes ([none, none] when no row matches); none
    outside an incremental run. With within_bounds, for an incremental model
    that joins a large table to a few rebuilt keys: DuckDB skips the row
    groups whose zone maps lie outside a literal range, where the join alone
    scanned the whole table (10M tickets, weekly run: the 73M messages behind
    negative_feedback_review's transcripts). The range holds every key joined,
    so it never drops a row; ids exported in sequence make it narrow. -#}
{% macro key_bounds(column, relation, condition) -%}
    {%- if execute and is_incremental() -%}
        {%- set row = run_query('select min(' ~ column ~ '), max(' ~ column ~ ') from '
            ~ relation ~ ' where ' ~ condition).rows[0] -%}
        {{ return([row[0], row[1]]) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#- `column` within key_bounds' range (1 = 1 without bounds, 1 = 0 when no
    key matched). A bound with a quote or a backslash is not written as a
    literal (adapters escape them differently): no range then. -#}
{% macro within_bounds(column, bounds) -%}
    {%- if bounds is none or ("'" in bounds | join) or ("\\" in bounds | join) -%}
    1 = 1
    {%- elif bounds[0] is none -%}
    1 = 0
    {%- else -%}
    {{ column }} between '{{ bounds[0] }}' and '{{ bounds[1] }}'
    {%- endif -%}
{%- endmacro %}
