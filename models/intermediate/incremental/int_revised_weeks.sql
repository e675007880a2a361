-- The weeks this run rebuilds beyond the look-back window, computed once per
-- run: every week-incremental model's lookback_filter reads them as literals
-- (macros/incremental.sql), and their data tests test these weeks and the
-- look-back (get_where_subquery).
-- An incremental run: the weeks whose tickets the latest staging load
-- revised (revised_weeks). A full refresh rebuilds every week: all weeks of
-- the tickets, read from one column rather than by the revision join.
{#- rendered in both cases: dbt records the refs at parse time, once -#}
{%- set revised = revised_weeks() %}
{%- if flags.FULL_REFRESH %}
    select distinct {{ iso_week_start('created_at') }} as week_start
    from {{ ref('stg_tickets__validated') }}
    where created_at is not null
{%- else %}
    select week_start
    from ({{ revised }}) as revised
{%- endif %}
