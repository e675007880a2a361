{#- Spark (dbt-spark, session mode) overrides of dbt's own adapter macros.
    The project declares types the way DuckDB and Postgres spell them
    (varchar, integer, double precision): Spark calls text `string` and
    rejects a bare `varchar`, so every type a contract, a seed or a cast names
    goes through spark_type first. -#}

{#- A declared type in Spark's spelling. -#}
{% macro spark_type(data_type) -%}
    {%- set normalized = data_type | trim | lower -%}
    {%- if normalized in ('varchar', 'text', 'character varying', 'char', 'character') -%}
        {{- return('string') -}}
    {%- elif normalized == 'integer' -%}
        {{- return('int') -}}
    {%- elif normalized in ('double precision', 'float8') -%}
        {{- return('double') -}}
    {%- elif normalized in ('timestamptz', 'timestamp with time zone') -%}
        {{- return('timestamp') -}}
    {%- else -%}
        {{- return(data_type) -}}
    {%- endif -%}
{%- endmacro %}

{#- dbt.cast: contracts compare the model's columns with an empty query of
    `cast(null as <declared type>)`, so the declared type must parse. -#}
{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ spark_type(type) }})
{%- endmacro %}

{#- Seeds: dbt-spark's create_csv_table with the column types translated. -#}
{% macro spark__create_csv_table(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set quote_seed_column = model['config'].get('quote_columns', None) -%}
    {%- set sql -%}
        create table {{ this.render() }} (
            {%- for col_name in agate_table.column_names -%}
                {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                {%- set type = spark_type(column_override.get(col_name, inferred_type)) -%}
                {{ adapter.quote_seed_column(col_name | string, quote_seed_column) }} {{ type }}
                {%- if not loop.last %}, {% endif -%}
            {%- endfor -%}
        )
        {{ file_format_clause() }}
        {{ partition_cols(label="partitioned by") }}
        {{ clustered_cols(label="clustered by") }}
        {{ location_clause() }}
        {{ comment_clause() }}
    {%- endset -%}
    {%- call statement('_') -%}{{ sql }}{%- endcall -%}
    {{ return(sql) }}
{% endmacro %}

{#- Seeds: rows as SQL literals. dbt-spark's session mode pastes bindings
    into the SQL unescaped, so an apostrophe in a seed ("customer's plan")
    breaks the insert and an empty cell becomes the text 'None'. Spark string
    literals escape with a backslash. -#}
{% macro spark_seed_literal(value) -%}
    {%- if value is none -%}null
    {%- elif value is sameas true -%}true
    {%- elif value is sameas false -%}false
    {%- elif value is number -%}{{ value }}
    {%- else -%}'{{ (value | string).replace('\\', '\\\\').replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}

{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                (
                {%- for col_name in agate_table.column_names -%}
                    {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                    {%- set type = spark_type(column_override.get(col_name, inferred_type)) -%}
                    cast({{ spark_seed_literal(row[loop.index0]) }} as {{ type }})
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%}
                ){{ ',' if not loop.last }}
            {% endfor -%}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}{%- do statements.append(sql) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}
