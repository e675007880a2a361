{#-
    Shared steps of every staging model: read a raw table with its contract
    types, then decide each raw row's fate (_disposition):
      staged           the current, valid version of a key
      exact_duplicate  a byte-for-byte copy of another row (counts once)
      superseded       an older export of a re-exported key (tickets, surveys)
      quarantined      breaks the contract; _reason says which rule
    Every raw row gets exactly one disposition, which is what makes
    raw = staged + quarantined + exact_duplicate + superseded hold.
-#}

{#- The relation a raw table is read from, or none when an optional table is
    absent. A required table that is absent is a clear error, not an empty KPI. -#}
{% macro raw_table_present(table_name) %}
    {{ return(adapter.dispatch('raw_table_present', 'supportwh')(table_name)) }}
{% endmacro %}

{% macro default__raw_table_present(table_name) %}
    {%- if not execute -%}{{ return(true) }}{%- endif -%}
    {%- set relation = adapter.get_relation(
        database=target.database, schema=var('raw_schema'), identifier=table_name) -%}
    {{ return(relation is not none) }}
{% endmacro %}

{% macro duckdb__raw_table_present(table_name) %}
    {%- if not execute -%}{{ return(true) }}{%- endif -%}
    {%- set pattern = var('raw_path') ~ '/' ~ table_name ~ '/*.parquet' -%}
    {%- set result = run_query("select count(*) from glob('" ~ pattern ~ "')") -%}
    {{ return(result.columns[0].values()[0] > 0) }}
{% endmacro %}


{#- Select the contract columns of a raw table, each safely cast to its type,
    plus _invalid_type_detail naming the first value that did not fit its
    type and _source_file (the raw file, on adapters that read files). Extra
    columns in the export are ignored. In an incremental run only the files
    not ingested yet are read (raw_relation). -#}
{% macro typed_raw(table_name) %}
    {%- set spec = raw_contract()[table_name] -%}
    {%- set present = raw_table_present(table_name) -%}
    {%- if not present and not spec['optional'] -%}
        {{ exceptions.raise_compiler_error(
            "raw table '" ~ table_name ~ "' not found (" ~
            (var('raw_path') ~ '/' ~ table_name ~ '/*.parquet' if target.type == 'duckdb'
             else var('raw_schema') ~ '.' ~ table_name) ~
            "): it is required by the raw contract (it may be empty, but it must exist)") }}
    {%- endif -%}
    {%- set relation = raw_relation(table_name) if present else none -%}
    {%- if relation is not none %}
    select
        {%- for name, type in spec['columns'] %}
        {{ safe_cast(name, contract_type(type)) }} as {{ name }},
        {%- endfor %}
        -- cast: a table of strings only would give a column of type null
        cast(case
            {%- for name, type in spec['columns'] if type != 'string' %}
            when {{ name }} is not null and {{ safe_cast(name, contract_type(type)) }} is null
                then {{ dbt.concat(["'" ~ name ~ "='", safe_cast(name, dbt.type_string())]) }}
            {%- endfor %}
            when false then null
        end as {{ dbt.type_string() }}) as _invalid_type_detail,
        _source_file
    from {{ relation }}
    {%- else %}
    -- optional table absent from this export, or no new file since the last
    -- run: an empty relation of the right shape
    select
        {%- for name, type in spec['columns'] %}
        cast(null as {{ contract_type(type) }}) as {{ name }},
        {%- endfor %}
        cast(null as {{ dbt.type_string() }}) as _invalid_type_detail,
        cast(null as {{ dbt.type_string() }}) as _source_file
    where 1 = 0
    {%- endif %}
{% endmacro %}


{#- Key and staged-ness of every ticket id, for the child tables' checks:
    a child of no ticket is an orphan, a child of a quarantined ticket is
    set aside with it. -#}
{% macro ticket_parents(relation) %}
    select
        ticket_id,
        max(case when _disposition = 'staged' then 1 else 0 end) as has_staged_version
    from {{ ref('stg_tickets__validated') }}
    {%- if is_incremental() %}
    -- an incremental batch is small: look up only its tickets
    where {{ in_with_range('ticket_id', relation) }}
    {%- else %}
    where ticket_id is not null
    {%- endif %}
    group by ticket_id
{% endmacro %}

{#- `column` in the values of `source`'s column of the same name, with their
    range spelled out: the range is implied by the `in`, but only a range
    lets DuckDB skip the row groups of the scanned table outside it. With
    the `in` alone it hashed every stored row (10M tickets, weekly run:
    stg_messages' ticket lookup 1.97 -> 0.33 s over 11.4M stored tickets;
    revised_weeks 0.68-0.81 -> 0.41-0.44 s). The range is read when the
    statement runs, for a source that exists only then (a batch, a CTE);
    a model bounding its scans by a stored table's keys reads them once as
    literals instead (key_bounds, within_bounds in macros/incremental.sql). -#}
{% macro in_with_range(column, source) -%}
    {{ column }} between (select min({{ column }}) from {{ source }})
        and (select max({{ column }}) from {{ source }})
        and {{ column }} in (select {{ column }} from {{ source }})
{%- endmacro %}


{#- The rows of `relation` (a staging model's batch: typed, cleaned, with its
    own-row verdict) with what tells the rows of one key apart:
      _copy_no               1 for the first of identical rows of a key
      _distinct_rows_of_key  differing rows of the key (re-exported tables:
                             at the key's updated_at)
      _latest_updated_at     re-exported tables: the key's latest updated_at
    Computed before the ticket lookup, which then runs once per row. -#}
{% macro resolve_keys(table_name, relation) %}
    {%- set key = raw_contract()[table_name]['key'] -%}
    {%- set reexported = raw_contract()[table_name]['reexported'] -%}
    {%- if not resolve_by_key_count() %}
    {{ resolve_windows(table_name, relation) }}
    {%- else %}
    -- Nearly every key has a single row, in a full build and in the batch of
    -- a weekly run alike, and the windows that tell copies and versions apart
    -- would sort every row with its payload (72M messages with their bodies at
    -- 10M tickets; a weekly run's 1.4M). A narrow count per key
    -- hash finds the keys that may have more than one row; only their rows go
    -- through the windows, the others are alone by construction. Two keys with
    -- one hash both take the window path, which is right for any key, so a
    -- collision costs time, never a wrong disposition (benchmarks/findings.md).
    with multi_row_keys as (
        select {{ key_hash(resolution_key(key)) }} as _key_hash
        from {{ relation }}
        group by {{ key_hash(resolution_key(key)) }}
        having count(*) > 1
    )

    select
        {{ relation }}.*,
        1 as _copy_no,
        {%- if reexported %}
        {{ relation }}.updated_at as _latest_updated_at,
        {%- endif %}
        1 as _distinct_rows_of_key
    from {{ relation }}
    left join multi_row_keys
        on {{ key_hash(resolution_key(relation ~ '.' ~ key)) }} = multi_row_keys._key_hash
    where multi_row_keys._key_hash is null
    union all
    {{ resolve_windows_sorted(table_name, '(select * from ' ~ relation ~ ' where '
        ~ key_hash(resolution_key(key)) ~ ' in (select _key_hash from multi_row_keys)) as multi_row') }}
    {%- endif %}
{% endmacro %}


{#- The final step of a validated staging model. `relation` is a CTE holding
    the typed contract columns, the columns of resolve_keys and _row_reason /
    _row_detail (the first row-level rule the row breaks, null when none).
    Decides exact duplicates, null keys, superseded re-exports and key
    conflicts, and returns the contract columns with _disposition, _reason,
    _reason_detail. -#}
{% macro resolve_dispositions(table_name, relation) %}
    {%- set spec = raw_contract()[table_name] -%}
    {%- set key = spec['key'] -%}
    {%- set columns = contract_column_names(table_name) -%}
    {%- set conflict_reason = 'reexport_conflict' if spec['reexported'] else 'duplicate_key_conflict' -%}
    , resolved as (
        select
            *,
            case
                when _copy_no > 1 then 'exact_duplicate'
                when {{ key }} is null then 'null_key'
                {%- if spec['reexported'] %}
                when updated_at < _latest_updated_at then 'superseded'
                {%- endif %}
                when _row_reason is not null then _row_reason
                when _distinct_rows_of_key > 1 then '{{ conflict_reason }}'
            end as _outcome
        from {{ relation }}
    )

    {%- set reason_type = label_type(quarantine_reasons()) %}
    select
        {%- for name in columns %}
        {{ name }},
        {%- endfor %}
        -- bookkeeping of incremental staging (macros/incremental_staging.sql)
        cast(_own_reason as {{ reason_type }}) as _own_reason,
        cast(_own_detail as {{ dbt.type_string() }}) as _own_detail,
        _source_file,
        {{ loaded_at() }} as _loaded_at,
        cast(case
            when _outcome is null then 'staged'
            when _outcome in ('exact_duplicate', 'superseded') then _outcome
            else 'quarantined'
        end as {{ label_type(dispositions()) }}) as _disposition,
        cast(case
            when _outcome not in ('exact_duplicate', 'superseded') then _outcome
        end as {{ reason_type }}) as _reason,
        case
            when _outcome = _row_reason then _row_detail
            when _outcome = '{{ conflict_reason }}'
                then {{ dbt.concat(["'" ~ key ~ " has '", dbt.safe_cast('_distinct_rows_of_key', dbt.type_string()), "' differing rows'"]) }}
        end as _reason_detail
    from resolved
{% endmacro %}


{#- The contract rows of `relation` with _copy_no (1 for the first of identical
    rows of a key), _distinct_rows_of_key and, for re-exported tables,
    _latest_updated_at, by windows over the key. -#}
{% macro resolve_windows(table_name, relation) %}
    {%- set spec = raw_contract()[table_name] -%}
    {%- set key = spec['key'] -%}
    select
        *,
        {%- if spec['reexported'] %}
        -- re-exports: the latest updated_at is the current state
        max(updated_at) over (partition by {{ key }}) as _latest_updated_at,
        sum(case when _copy_no = 1 then 1 else 0 end)
            over (partition by {{ key }}, updated_at) as _distinct_rows_of_key
        {%- else %}
        sum(case when _copy_no = 1 then 1 else 0 end)
            over (partition by {{ key }}) as _distinct_rows_of_key
        {%- endif %}
    from (
        select
            *,
            -- identical contract columns = the same row delivered twice
            row_number() over (
                partition by {{ key }}, {{ row_fingerprint(contract_column_names(table_name)) }}
                order by {{ key }}
            ) as _copy_no
        from {{ relation }}
    ) as copies
{% endmacro %}


{#- resolve_windows with fewer sorts, for the rows of keys with several rows
    in a DuckDB build (the fingerprint must be one value, as DuckDB's
    row_fingerprint is). Identical rows share their fingerprint and their
    updated_at, so one sort per key, by updated_at then fingerprint, puts
    copies next to each other: a row equal to the one before it is a copy.
    The differing rows of a key (of a key and updated_at for re-exported
    tables: the sort's peers) are the first copies, counted by a second
    window over the same partition. A count(distinct) window per key and
    updated_at plus a second sort per key took 1.3 times as long on the 6.4M
    surveys of multi-row keys at 10M tickets (benchmarks/findings.md). -#}
{% macro resolve_windows_sorted(table_name, relation) %}
    {%- set spec = raw_contract()[table_name] -%}
    {%- set key = spec['key'] -%}
    {%- set reexported = spec['reexported'] -%}
    {%- set order = ('updated_at, ' if reexported else '') ~ '_fingerprint' %}
    select
        * exclude (_fingerprint, _first_copy),
        case when _first_copy = 1 then 1 else 2 end as _copy_no,
        {%- if reexported %}
        max(updated_at) over (partition by {{ key }}) as _latest_updated_at,
        sum(_first_copy) over (
            partition by {{ key }} order by updated_at
            range between current row and current row
        ) as _distinct_rows_of_key
        {%- else %}
        sum(_first_copy) over (partition by {{ key }}) as _distinct_rows_of_key
        {%- endif %}
    from (
        select
            *,
            -- equal fingerprints are identical rows (updated_at included)
            case when _fingerprint = lag(_fingerprint) over copies then 0 else 1 end as _first_copy
        from (
            select
                *,
                {{ row_fingerprint(contract_column_names(table_name)) }} as _fingerprint
            from {{ relation }}
        ) as fingerprinted
        window copies as (partition by {{ key }} order by {{ order }})
    ) as copies_marked
{% endmacro %}


{#- Whether staging resolves keys by a count per key first (DuckDB) or
    by windows over every row. -#}
{% macro resolve_by_key_count() %}
    {{ return(adapter.dispatch('resolve_by_key_count', 'supportwh')()) }}
{% endmacro %}

{% macro default__resolve_by_key_count() %}
    {{ return(false) }}
{% endmacro %}

{% macro duckdb__resolve_by_key_count() %}
    {{ return(true) }}
{% endmacro %}


{#- The dispositions of a raw row, and the reasons a row is quarantined for
    (docs/decisions.md, "Quarantine reasons"): a check whose reason is not
    listed here is refused when the model compiles. -#}
{% macro dispositions() %}
    {{ return(['staged', 'quarantined', 'exact_duplicate', 'superseded']) }}
{% endmacro %}

{% macro quarantine_reasons() %}
    {{ return([
        'null_key', 'invalid_type', 'missing_required', 'invalid_enum', 'out_of_range',
        'score_out_of_scale', 'closed_before_created', 'responded_before_sent',
        'inconsistent_outcome', 'orphan_ticket', 'parent_quarantined',
        'duplicate_key_conflict', 'reexport_conflict',
    ]) }}
{% endmacro %}

{#- The type of a column holding one of a few known labels (_disposition,
    _reason, a contract enum of staged rows): text, or on DuckDB an ENUM of
    them. Writing a text value costs DuckDB 1.5 its string statistics and
    dictionary for every row, an ENUM one byte: staging 73.7M messages took
    82.4-84.2 s with text labels and 73.6 s with ENUMs (10M tickets,
    benchmarks/findings.md). The labels are sorted, so an ENUM orders as the
    text would. -#}
{% macro label_type(values) %}
    {{ return(adapter.dispatch('label_type', 'supportwh')(values)) }}
{% endmacro %}

{#- The label type of a contract enum column (raw_contract's `enums`), for
    the intermediate models' staged values: the staging checks let no other
    value through. -#}
{% macro contract_enum_type(table_name, column) %}
    {{ return(label_type(raw_contract()[table_name]['enums'][column])) }}
{% endmacro %}

{% macro default__label_type(values) %}
    {{ return(dbt.type_string()) }}
{% endmacro %}

{% macro duckdb__label_type(values) %}
    {{ return('enum' ~ sql_list(values | sort)) }}
{% endmacro %}


{#- <prefix>_reason / <prefix>_detail: the first of `checks` a row breaks.
    checks: a list of (reason, SQL condition, SQL detail expression). -#}
{% macro first_failing_check(checks, prefix='_row') %}
        {%- for reason, condition, detail in checks if reason not in quarantine_reasons() %}
        {{- exceptions.raise_compiler_error("check reason '" ~ reason
            ~ "' is not one of quarantine_reasons() (macros/staging.sql)") }}
        {%- endfor %}
        case
            {%- for reason, condition, detail in checks %}
            when {{ condition }} then '{{ reason }}'
            {%- endfor %}
        end as {{ prefix }}_reason,
        case
            {%- for reason, condition, detail in checks %}
            when {{ condition }} then {{ detail }}
            {%- endfor %}
        end as {{ prefix }}_detail
{% endmacro %}


{#- Checks every validated model starts with: a value of the wrong type, then
    required columns that are null. -#}
{% macro type_and_required_checks(required_columns) %}
    {%- set checks = [('invalid_type', '_invalid_type_detail is not null', '_invalid_type_detail')] -%}
    {%- for column in required_columns -%}
        {%- do checks.append(('missing_required', column ~ ' is null', "'" ~ column ~ " is null'")) -%}
    {%- endfor -%}
    {{ return(checks) }}
{% endmacro %}


{#- invalid_enum checks for the enum columns the contract lists for a table. -#}
{% macro enum_checks(table_name) %}
    {%- set checks = [] -%}
    {%- for column, allowed in raw_contract()[table_name].get('enums', {}).items() -%}
        {%- do checks.append((
            'invalid_enum',
            column ~ ' is null or ' ~ column ~ ' not in ' ~ sql_list(allowed),
            dbt.concat(["'" ~ column ~ "='", "coalesce(" ~ column ~ ", 'null')"]),
        )) -%}
    {%- endfor -%}
    {{ return(checks) }}
{% endmacro %}


{#- orphan_ticket / parent_quarantined, for tables that point at a ticket.
    Expects parent_ticket_id and parent_has_staged_version from a left join
    of ticket_parents(). -#}
{% macro ticket_reference_checks() %}
    {{ return([
        ('orphan_ticket', 'parent_ticket_id is null',
            dbt.concat(["'no ticket '", 'ticket_id'])),
        ('parent_quarantined', 'parent_has_staged_version = 0',
            dbt.concat(["'ticket '", 'ticket_id', "' is quarantined'"])),
    ]) }}
{% endmacro %}


{#- The rows of `relation` with their ticket's status attached. -#}
{% macro with_ticket_parent(relation) %}
    select
        {{ relation }}.*,
        parent.ticket_id as parent_ticket_id,
        parent.has_staged_version as parent_has_staged_version
    from {{ relation }}
    left join ({{ ticket_parents(relation) }}) as parent
        on {{ relation }}.ticket_id = parent.ticket_id
{% endmacro %}


{#- What tells two rows of one key apart: the contract columns, or on DuckDB
    their 64-bit hash, so the duplicate window sorts a key and a number rather
    than every column (message bodies). Two different rows of one key with
    the same hash would count as duplicates: odds ~1e-19 per pair. -#}
{% macro row_fingerprint(columns) %}
    {{ return(adapter.dispatch('row_fingerprint', 'supportwh')(columns)) }}
{% endmacro %}

{% macro default__row_fingerprint(columns) -%}
    {{ columns | join(', ') }}
{%- endmacro %}

{% macro duckdb__row_fingerprint(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}


{#- Written between a staging CTE's name and its body. DuckDB materializes a
    CTE that a query reads more than once; the full build reads the staging
    chain twice (macro resolve_keys), and materializing it would
    write every raw row with its payload to disk (29 GB of spill for the
    72M messages at 10M tickets): computing it twice is far cheaper. -#}
{% macro inline_cte() %}
    {{- return(adapter.dispatch('inline_cte', 'supportwh')()) -}}
{% endmacro %}

{#- A 64-bit hash of a key, for the key count of resolve_keys. -#}
{% macro key_hash(expression) %}
    {{- return(adapter.dispatch('key_hash', 'supportwh')(expression)) -}}
{% endmacro %}

{% macro default__key_hash(expression) %}{{ return(expression) }}{% endmacro %}

{% macro duckdb__key_hash(expression) %}{{ return('hash(' ~ expression ~ ')') }}{% endmacro %}

{% macro default__inline_cte() %}{{ return('') }}{% endmacro %}

{% macro duckdb__inline_cte() %}{{ return('not materialized') }}{% endmacro %}

{#- The staging CTEs that read the stored rows (batch: the new rows and the
    stored rows of the keys they touch; keyed: batch with its key counts).
    Inlined in a full build, as above; computed once in an incremental run,
    where they hold one week's rows: inlined, DuckDB 1.5 evaluated the join
    to the stored rows once per reader and without its join filter, probing
    every stored row (10M tickets, stg_messages' query: 75 s; computed once,
    5.8 s). -#}
{% macro batch_cte() %}
    {{- return(materialized_cte() if is_incremental() else inline_cte()) -}}
{% endmacro %}

{#- The opposite: compute a CTE once, as written, before the query that reads
    it. An incremental model narrows a big table to the reprocessed tickets
    this way; inlined, DuckDB may join the narrowing after the costly part
    (int_capability_overreach: the LIKE join of 16M bot messages ran before
    the filter to 200k tickets, 6 s; narrowed first, 0.5 s). -#}
{% macro materialized_cte() %}
    {{- return(adapter.dispatch('materialized_cte', 'supportwh')()) -}}
{% endmacro %}

{% macro default__materialized_cte() %}{{ return('') }}{% endmacro %}

{% macro duckdb__materialized_cte() %}{{ return('materialized') }}{% endmacro %}
