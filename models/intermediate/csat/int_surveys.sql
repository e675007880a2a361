-- One row per staged survey, attributed to its ticket's week. Whether a
-- delayed survey's window has elapsed depends on as_of and is decided where
-- it is read (macro is_delayed_window_mature), so a row here depends on its
-- own ticket's rows alone: an incremental run rebuilds the revised weeks
-- only (macros/incremental.sql revised_weeks_filter).
-- The comment (negative_feedback_review) and the ticket's created_at and
-- closed_at (csat_trending's month and quarter, a delayed answer's maturity)
-- ride along. The ticket's descriptive columns (archetype, intent, segment,
-- channel, product) do not: the readers that need them join int_tickets,
-- and writing them for 14M surveys cost more than the joins
-- (docs/decisions.md, "Read each large table once, at the grain the answer
-- needs").
{{ config(materialized='incremental', on_schema_change='fail', **incremental_by_week(rebuild='revised')) }}
{%- set rebuilt_tickets = revised_weeks_filter() %}
{#- the rebuilt tickets' ids as a range the survey scan can use (key_bounds) -#}
{%- set ticket_bounds = key_bounds('ticket_id', ref('int_tickets'), rebuilt_tickets) %}
with surveys as (
    select * from {{ ref('stg_surveys') }}
    where {{ within_bounds('ticket_id', ticket_bounds) }}
),

tickets as (
    select * from {{ ref('int_tickets') }}
    where {{ rebuilt_tickets }}
)

select
    surveys.survey_id,
    surveys.ticket_id,
    cast(surveys.survey_type as {{ contract_enum_type('surveys', 'survey_type') }}) as survey_type,
    cast(surveys.scale as {{ contract_enum_type('surveys', 'scale') }}) as scale,
    surveys.score,
    surveys.sent_at,
    surveys.responded_at,
    surveys.comment,  -- noqa: RF04
    tickets.week_start,
    tickets.created_at as ticket_created_at,
    tickets.closed_at as ticket_closed_at,
    {{ flag('surveys.responded_at is not null') }} as is_answered,
    {{ flag('surveys.responded_at is not null and ' ~ is_satisfied('surveys.scale', 'surveys.score')) }}
        as is_satisfied,
    {{ flag('surveys.responded_at is not null and not ' ~ is_satisfied('surveys.scale', 'surveys.score')) }}
        as is_unsatisfied
from surveys
inner join tickets on surveys.ticket_id = tickets.ticket_id
