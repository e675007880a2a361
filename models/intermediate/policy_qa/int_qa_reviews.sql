-- One row per staged QA review with its finding severity (var
-- regulated_sector decides warranty_service_level) and the ticket's
-- dimensions.
{{ config(materialized='incremental', on_schema_change='fail', **incremental_by_week(rebuild='revised')) }}
{%- set severity_column = finding_severity_column() %}
with reviews as (
    select * from {{ ref('stg_qa_reviews') }}
),

tickets as (
    select * from {{ ref('int_tickets') }}
    where {{ revised_weeks_filter() }}
),

severities as (
    select * from {{ ref('finding_severities') }}
)

select
    reviews.review_id,
    reviews.ticket_id,
    reviews.reviewed_at,
    reviews.reviewer,
    reviews.policy_quoted,
    reviews.finding_class,
    reviews.policy_key,
    reviews.quoted_value,
    reviews.agent_acknowledged_packet,
    severities.{{ severity_column }} as severity,  -- noqa: AL09
    tickets.week_start,
    tickets.archetype,
    tickets.segment,
    tickets.channel,
    tickets.bot_attempted,
    tickets.is_escalated,
    tickets.bot_version,
    {{ flag("reviews.finding_class <> 'none'") }} as is_incident
from reviews
inner join tickets on reviews.ticket_id = tickets.ticket_id
left join severities on reviews.finding_class = severities.finding_class
