{#-
    Incremental staging (docs/decisions.md, "Incremental staging").
    Exports are append-only files: a weekly run reads only the raw files the
    validated table has not ingested yet, then re-resolves every key those new
    rows touch together with the stored rows of those keys (and, for child
    tables, the stored rows of tickets whose own rows changed), so every
    disposition equals what a full refresh decides. The stored rows keep
    their own-row verdict (_own_reason, _own_detail), so old raw files are
    never read again.
    Adapter-specific parts are dispatched: DuckDB reads files; an adapter whose
    raw data is a table without file identity rebuilds the validated tables
    (correct, not incremental).
-#}

{#- The config of a validated model. -#}
{% macro validated_config() %}
    {{ return(adapter.dispatch('validated_config', 'supportwh')()) }}
{% endmacro %}

{% macro default__validated_config() %}
    {{ return({'materialized': 'table'}) }}
{% endmacro %}

{% macro duckdb__validated_config() %}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'resolved_keys',
        'unique_key': raw_contract()[model.name.split('__')[0][4:]]['key'],
        'on_schema_change': 'fail',
    }) }}
{% endmacro %}


{#- delete+insert where null keys match each other: every stored row of a key
    the batch resolved (null keys included, see resolution_key) is replaced by
    the batch's rows. dbt's delete+insert never matches a null key. -#}
{% macro get_incremental_resolved_keys_sql(arg_dict) %}
    {%- set key = arg_dict['unique_key'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {#- the key itself, not resolution_key: a plain column join lets DuckDB skip
        the row groups outside the batch's key range instead of probing every
        stored row (60.9 s of the 10M weekly run on the messages) -#}
    delete from {{ arg_dict['target_relation'] }}
    where {{ key }} in (
        select {{ key }} from {{ arg_dict['temp_relation'] }} where {{ key }} is not null
    );
    {#- stored_null_key_condition: not a read of every stored key -#}
    delete from {{ arg_dict['target_relation'] }}
    where {{ stored_null_key_condition(key) }} and exists (
        select 1 from {{ arg_dict['temp_relation'] }} where {{ key }} is null
    );
    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{% endmacro %}


{#- The raw relation typed_raw reads, with a _source_file column; none when
    there is nothing new to read. -#}
{% macro raw_relation(table_name) %}
    {{ return(adapter.dispatch('raw_relation', 'supportwh')(table_name)) }}
{% endmacro %}

{#- The contract's columns by name, not `*`: a relation that already has a
    _source_file (a unit test's fixture written for DuckDB) must not get two. -#}
{% macro default__raw_relation(table_name) %}
    {{ return('(select ' ~ contract_column_names(table_name) | join(', ')
        ~ ', cast(null as ' ~ dbt.type_string() ~ ') as _source_file from '
        ~ source('raw', table_name) ~ ') as raw_rows') }}
{% endmacro %}

{% macro duckdb__raw_relation(table_name) %}
    {%- set pattern = var('raw_path') ~ '/' ~ table_name ~ '/*.parquet' -%}
    {#- the source's external_location adds _source_file (_raw__sources.yml) -#}
    {%- if not (execute and is_incremental()) -%}
        {{ return(source('raw', table_name)) }}
    {%- endif -%}
    {#- read once per model: typed_raw and has_new_null_keys both ask, and the
        file queries below scan the stored _source_file (0.7 s for messages
        at 10M tickets). Kept in the model's own render context. -#}
    {%- set memo = 'supportwh_raw_relation_' ~ table_name -%}
    {%- if memo in model -%}
        {{ return(model[memo]) }}
    {%- endif -%}
    {%- set relation = duckdb_new_raw_files(table_name, pattern) -%}
    {%- do model.update({memo: relation}) -%}
    {{ return(relation) }}
{% endmacro %}

{#- The new files of an incremental DuckDB run as a read_parquet relation
    (none when there is none); refuses a run whose ingested files are gone. -#}
{% macro duckdb_new_raw_files(table_name, pattern) %}
    {#- one scan of the stored file names (dictionary-compressed, but every
        stored row's), compared with the folder's listing here -#}
    {%- set stored = run_query("select distinct _source_file from " ~ this
        ~ " where _source_file is not null").columns[0].values() | list -%}
    {%- set listed = run_query("select file from glob('" ~ pattern ~ "') order by 1").columns[0].values() | list -%}
    {#- files ingested before that are gone: the stored rows no longer match the
        export, and only a full refresh can say what they become -#}
    {%- set gone = stored | reject('in', listed) | sort | list -%}
    {%- if gone | length > 0 -%}
        {{ exceptions.raise_compiler_error(
            "raw file " ~ gone[:3] | join(', ') ~ " was ingested by " ~ this
            ~ " but is no longer in the export (exports are append-only): rebuild with --full-refresh") }}
    {%- endif -%}
    {%- set files = listed | reject('in', stored) | list -%}
    {%- if files | length == 0 -%}{{ return(none) }}{%- endif -%}
    {{ return("read_parquet([" ~ sql_list(files)[1:-1] ~ "], union_by_name = true, filename = '_source_file')") }}
{% endmacro %}


{#- When the model was (re)loaded: rows re-resolved in this run carry it, so
    downstream models can find what changed. -#}
{% macro loaded_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}


{#- The key rows are resolved and replaced by. Null keys share one ('': a
    blank key is null after clean_text, so '' is free): they are quarantined,
    but a null-key row's exact duplicates must still be resolved together. -#}
{% macro resolution_key(key) -%}
    coalesce({{ key }}, '')
{%- endmacro %}


{#- The rows to resolve: `relation` (the new raw rows, typed, cleaned, with
    _own_reason / _own_detail) and, in an incremental run, every stored row of
    a key they touch; for tables that point at a ticket, also the stored rows
    of tickets re-resolved since this table was last loaded (a ticket that
    arrived or was quarantined changes its children's verdict). -#}
{% macro rows_to_resolve(table_name, relation) %}
    {%- set spec = raw_contract()[table_name] -%}
    {%- set columns = contract_column_names(table_name) + ['_own_reason', '_own_detail', '_source_file'] -%}
    {%- set select_columns = 'select\n        ' ~ columns | join(',\n        ') -%}
    {{ select_columns }}
    from {{ relation }}
    {%- if is_incremental() %}
    {#- the stored rows of the keys to re-resolve: by the key itself (a plain
        column join lets DuckDB skip the row groups outside the batch's key
        range; resolution_key would probe every stored row), and every stored
        null-key row when the new rows hold a null key (has_new_null_keys) -#}
    {%- set key = spec['key'] -%}
    {#- The stored rows whose ticket changed: a ticket that arrived lifts its
        orphans, and one re-exported (its rows are then two or more: the
        tickets' own re-resolution reads only the keys of new rows) may flip
        its children between staged and parent_quarantined. Other stored rows
        of a new ticket keep their verdict (own defects come first). Asking
        for every stored row of the re-resolved tickets instead made DuckDB
        1.5 hash all 17.6M stored surveys (10M tickets: 5 s of a 6 s query).
        The changed tickets' ids also bound the stored scans as literals
        (key_bounds): inside this query DuckDB 1.5 did not carry the join's
        key range to the scan and read the ticket ids of all 72.3M stored
        messages for the re-exported tickets (1.3 s of a 2.7 s select). -#}
    {%- set keys_to_resolve -%}
        select {{ key }} from {{ relation }}
        {%- if 'ticket_id' in contract_column_names(table_name) and table_name != 'tickets' %}
        {%- set changed_condition = '_loaded_at > (select max(_loaded_at) from ' ~ this ~ ')' %}
        {%- set tickets_changed -%}
            select ticket_id from {{ ref('stg_tickets__validated') }}
            where {{ changed_condition }}
        {%- endset %}
        {%- set changed_bounds = key_bounds('ticket_id', ref('stg_tickets__validated'), changed_condition) %}
        union all
        select {{ key }} from {{ this }}
        where _reason = 'orphan_ticket' and {{ within_bounds('ticket_id', changed_bounds) }}
            and ticket_id in ({{ tickets_changed }})
        union all
        select {{ key }} from {{ this }}
        where {{ within_bounds('ticket_id', changed_bounds) }}
            and ticket_id in ({{ tickets_changed }} group by ticket_id having count(*) > 1)
        {%- endif %}
    {%- endset %}
    union all
    {{ select_columns }}
    from {{ this }}
    where {{ key }} in (
        select keys.{{ key }} from ({{ keys_to_resolve }}) as keys where keys.{{ key }} is not null
    )
    {%- if has_new_null_keys(table_name) %}
    union all
    {{ select_columns }}
    from {{ this }}
    where {{ stored_null_key_condition(key) }}
    {%- endif %}
    {%- endif %}
{% endmacro %}

{#- The stored rows of a null key. Such a row is quarantined or an exact
    duplicate, never staged: the scan tests the one-byte _disposition first
    and reads the key only of the 0.5% of rows it lets through. `key is null`
    alone read the key of every stored row (10M tickets, weekly run,
    stg_messages: 0.8-1.4 s for 6 of 72.3M rows; with _disposition 0.05 s). -#}
{% macro stored_null_key_condition(key) -%}
    _disposition <> 'staged' and {{ key }} is null
{%- endmacro %}

{#- Whether the new raw rows hold a null (or blank) key. Only then are the
    stored null-key rows re-resolved with them: a null-key row is quarantined
    whatever else arrives, so re-resolving it matters only to tell a new one
    that copies it exactly (exact_duplicate). Reading them costs a scan of
    every stored key (10M tickets, stg_messages: 1.4 s, twice). True where
    the new rows are not known apart from the stored ones (the raw tables of
    Postgres and Spark hold every row). -#}
{% macro has_new_null_keys(table_name) %}
    {{ return(adapter.dispatch('has_new_null_keys', 'supportwh')(table_name)) }}
{% endmacro %}

{% macro default__has_new_null_keys(table_name) %}
    {{ return(true) }}
{% endmacro %}

{% macro duckdb__has_new_null_keys(table_name) %}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set relation = raw_relation(table_name) -%}
    {%- if relation is none -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set key = raw_contract()[table_name]['key'] -%}
    {%- set found = run_query('select count(*) from (select ' ~ safe_cast(key, dbt.type_string())
        ~ ' as ' ~ key ~ ' from ' ~ relation ~ ') as new_rows where '
        ~ clean_text(key) ~ ' is null').columns[0].values()[0] -%}
    {{ return(found > 0) }}
{% endmacro %}


{#- _row_reason / _row_detail for a table that points at a ticket: its own
    verdict first, then orphan_ticket / parent_quarantined. -#}
{% macro own_then_parent_checks() %}
        case
            when _own_reason is not null then _own_reason
            {%- for reason, condition, detail in ticket_reference_checks() %}
            when {{ condition }} then '{{ reason }}'
            {%- endfor %}
        end as _row_reason,
        case
            when _own_reason is not null then _own_detail
            {%- for reason, condition, detail in ticket_reference_checks() %}
            when {{ condition }} then {{ detail }}
            {%- endfor %}
        end as _row_detail
{% endmacro %}


{#- The weeks (ISO week of the ticket's created_at) whose tickets had a row
    of any ticket-linked table re-resolved by the latest staging load: the
    week-incremental models rebuild them (the maturing ones on top of their
    look-back window), so a late survey or a re-exported old ticket lands in
    its week. Rows with a null key do not count: they are quarantined
    whatever else arrives, so they never reach a staged view, yet every load
    that brings a null-key row re-resolves all the stored ones (any of them
    may be its exact copy). Counted, they made each weekly run rebuild every
    week that ever had such a row (the 13-week integration export: six old
    weeks, one ticket each).
    The tickets the load re-resolved carry their own created_at (every row
    of a re-resolved key is rewritten with the load); only the children's
    other tickets are looked up among the stored ones. Looking every changed
    ticket up probed all stored tickets (10M tickets, weekly run: 11.4M rows,
    1.0-1.2 s); so did the `in` over the other tickets alone
    (in_with_range). -#}
{% macro revised_weeks() %}
    {%- set tickets = ref('stg_tickets__validated') %}
    {%- set latest_tickets -%}
        select ticket_id, created_at from {{ tickets }}
        where _loaded_at = (select max(_loaded_at) from {{ tickets }})
            and ticket_id is not null
    {%- endset %}
    with other_tickets as (
        select children.ticket_id from (
            {%- for table_name in ['surveys', 'escalations', 'qa_reviews', 'messages', 'tool_calls'] %}
            {%- set relation = ref('stg_' ~ table_name ~ '__validated') %}
            select ticket_id from {{ relation }}
            where _loaded_at = (select max(_loaded_at) from {{ relation }})
                and {{ raw_contract()[table_name]['key'] }} is not null
            {% if not loop.last %}union all{% endif %}
            {%- endfor %}
        ) as children
        {# not exists, not `not in`: Postgres runs a `not in` subquery that
            outgrows work_mem once per row #}
        where not exists (
            select 1 from ({{ latest_tickets }}) as latest
            where latest.ticket_id = children.ticket_id
        )
    )

    select {{ iso_week_start('created_at') }} as week_start
    from ({{ latest_tickets }}) as latest_tickets
    where created_at is not null
    union
    select {{ iso_week_start('created_at') }} as week_start
    from {{ tickets }}
    where created_at is not null and {{ in_with_range('ticket_id', 'other_tickets') }}
{% endmacro %}


{#- Data tests of the staging relations check the rows of the latest load
    (where: "__latest_load__", dbt_project.yml): after a full refresh that is
    every row; after an incremental run, every row it re-resolved, which holds
    every row of a touched key and every child whose verdict a touched ticket
    can change, so a uniqueness or relationship test still sees everything
    that changed. A relation without _loaded_at is tested whole.
    Data tests of the week-incremental intermediate models check the weeks the
    run rebuilt (where: "__rebuilt_weeks__"): the look-back window from the
    relation's latest week and the weeks of int_revised_weeks, which after a
    full refresh are all weeks. A relation without week_start, or a project
    where int_revised_weeks is not built yet, is tested whole.
    Both are read when the test runs and written as literals, as
    lookback_filter does: compared with a subquery, the column was read whole
    and filtered after the scan (10M tickets, weekly run: each of
    stg_messages' tests scanned the 73M stored rows, 0.13-0.29 s); a literal
    lets the scan skip the row groups outside it.
    A relation's tests read the same values: each is read by the relation's
    first test and kept for the others (test_where_values).
    dbt renders `where` at parse time, hence the placeholders replaced here
    (the documented override). -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') or '' -%}
    {#- an if, not a loop: a variable set in a loop stays in the loop -#}
    {%- if '__latest_load__' in where -%}
        {%- set where = where | replace('__latest_load__', test_where_values(relation, '__latest_load__')) -%}
    {%- endif -%}
    {%- if '__rebuilt_weeks__' in where -%}
        {%- set where = where | replace('__rebuilt_weeks__', test_where_values(relation, '__rebuilt_weeks__')) -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}

{#- The condition a `where` placeholder stands for on `relation`, read once
    per relation and dbt invocation. In a build a relation's tests run after
    it is built and before anything could rewrite it, so every one of them
    would read the same values; reading them took 14-21 ms of each test's
    20-28 ms of compiling (10M tickets, weekly run: 99 such tests). Kept in
    `graph`, the one dict dbt shares between an invocation's nodes, and only
    while one invocation lasts; outside execution (parsing) nothing is read. -#}
{% macro test_where_values(relation, placeholder) %}
    {%- if not execute -%}
        {{ return('1 = 1') }}
    {%- endif -%}
    {%- set memos = graph.setdefault('supportwh_test_where_values', {}) -%}
    {%- if memos.get('invocation_id') != invocation_id -%}
        {%- do memos.clear() -%}
        {%- do memos.update({'invocation_id': invocation_id}) -%}
    {%- endif -%}
    {%- set memo = memos.setdefault(relation | string, {}) -%}
    {%- if 'columns' not in memo -%}
        {%- do memo.update({'columns': adapter.get_columns_in_relation(relation) | map(attribute='name') | list}) -%}
    {%- endif -%}
    {%- if placeholder not in memo -%}
        {%- if placeholder == '__latest_load__' -%}
            {%- set condition = latest_load_condition(relation) if '_loaded_at' in memo['columns'] else '1 = 1' -%}
        {%- else -%}
            {%- set condition = rebuilt_weeks_condition(relation) if 'week_start' in memo['columns'] else '1 = 1' -%}
        {%- endif -%}
        {%- do memo.update({placeholder: condition}) -%}
    {%- endif -%}
    {{ return(memo[placeholder]) }}
{% endmacro %}

{#- The weeks the run rebuilt in `relation` (it has week_start): its look-back
    window and the weeks of int_revised_weeks, as one condition; every row
    when int_revised_weeks is not built. -#}
{% macro rebuilt_weeks_condition(relation) -%}
    {%- set revised = revised_weeks_relation() -%}
    {%- if revised is none -%}
    1 = 1
    {%- else -%}
        {%- set from_week = run_query('select ' ~ lookback_start() ~ ' from ' ~ relation).columns[0].values()[0] -%}
        {%- set weeks = [] -%}
        {%- for week in run_query('select week_start from ' ~ revised ~ ' order by week_start').columns[0].values() -%}
            {%- do weeks.append(iso_date(week)) -%}
        {%- endfor -%}
    {{ weeks_condition('week_start', iso_date(from_week), weeks) }}
    {%- endif -%}
{%- endmacro %}

{#- The rows of `relation` its latest load wrote (none when it is empty), as a
    condition on a timestamp literal. The latest load is read as the top row
    rather than max(): on a staged view DuckDB then skips the row groups below
    the best row found so far, where max() read all 73M stored messages
    (0.19 -> 0.02 s). -#}
{% macro latest_load_condition(relation) -%}
    {%- set rows = run_query('select _loaded_at from ' ~ relation
        ~ ' where _loaded_at is not null order by _loaded_at desc limit 1').rows -%}
    {%- set latest = rows[0][0] if rows | length > 0 else none -%}
    {%- if latest is none -%}
    1 = 0
    {%- else -%}
    _loaded_at = cast('{{ latest.strftime("%Y-%m-%d %H:%M:%S.%f") if latest.strftime is defined else latest }}' as {{ dbt.type_timestamp() }})
    {%- endif -%}
{%- endmacro %}

{#- int_revised_weeks as built in the warehouse, or none. Read from the graph:
    a test's `where` is rendered at run time, where a ref() not seen at parse
    time is refused. -#}
{% macro revised_weeks_relation() %}
    {%- set node = graph.nodes.get('model.supportwh.int_revised_weeks') -%}
    {%- if node is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) }}
{% endmacro %}
