{#-
    BI access on server warehouses: a read-only role (var bi_role, else env
    SUPPORTWH_BI_ROLE, default supportwh_bi; empty: no grants) gets SELECT
    on every mart through dbt's `grants` config (dbt_project.yml, Postgres
    only) and USAGE on the marts schema here, after the run. Nothing else
    is granted: raw, staging, intermediate and reference stay private. The
    role is created once by docs/postgres_bi_role.sql, before the first build.
    DuckDB has no roles (a BI tool opens the file read-only), so these are
    no-ops there.
-#}
{% macro bi_role() %}
    {{ return(var('bi_role', env_var('SUPPORTWH_BI_ROLE', 'supportwh_bi')) | trim) }}
{% endmacro %}

{#- on-run-start: a missing role is one clear error, not one failed grant per mart. -#}
{% macro check_bi_role() %}
    {{ return(adapter.dispatch('check_bi_role', 'supportwh')()) }}
{% endmacro %}

{% macro default__check_bi_role() %}{{ return('') }}{% endmacro %}

{% macro postgres__check_bi_role() %}
    {%- if execute and bi_role() -%}
        {%- set found = run_query("select 1 from pg_roles where rolname = '" ~ bi_role() ~ "'") -%}
        {%- if found.rows | length == 0 -%}
            {{ exceptions.raise_compiler_error(
                "the BI role '" ~ bi_role() ~ "' does not exist on this Postgres server: create it once "
                ~ "with docs/postgres_bi_role.sql (README, Postgres), or set SUPPORTWH_BI_ROLE='' for no grants") }}
        {%- endif -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}

{#- on-run-end: USAGE on the marts schema (dbt grants only table privileges). -#}
{% macro grant_bi_schema_usage() %}
    {{ return(adapter.dispatch('grant_bi_schema_usage', 'supportwh')()) }}
{% endmacro %}

{% macro default__grant_bi_schema_usage() %}{{ return('') }}{% endmacro %}

{% macro postgres__grant_bi_schema_usage() %}
    {%- set marts = generate_schema_name('marts', none) -%}
    {%- if bi_role() %}
    do $$
    begin
        if exists (select from pg_namespace where nspname = '{{ marts }}') then
            grant usage on schema {{ adapter.quote(marts) }} to {{ adapter.quote(bi_role()) }};
        end if;
    end
    $$;
    {%- endif %}
{% endmacro %}
