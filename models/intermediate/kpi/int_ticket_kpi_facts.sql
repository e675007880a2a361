-- One row per ticket holding every numerator and denominator contribution of
-- kpi_weekly as a 0/1 flag or a count, so each KPI is computed once here and
-- aggregated (never averaged) at any grain.
-- Incremental: the latest weeks (var lookback_weeks) are rebuilt each run.
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    **incremental_by_week(rebuild='lookback')
) }}
{%- set delayed_mature = "survey_type = 'delayed' and " ~ is_delayed_window_mature('ticket_closed_at') %}

with tickets as (
    select * from {{ ref('int_tickets') }}
    where {{ lookback_filter() }}
),

-- every ticket-grain input is narrowed to the rebuilt weeks (they carry the
-- ticket's week): joined whole, the repeat facts of every stored ticket were
-- read and probed (10M tickets, weekly run: 10.3M rows for 1.2M tickets)
repeats as (
    select * from {{ ref('int_ticket_repeat_contacts') }}
    where {{ lookback_filter() }}
),

repetition as (
    select * from {{ ref('int_ticket_customer_repetition') }}
    where {{ lookback_filter() }}
),

-- the counts are bigints (sum_count): DuckDB's sum of integers is a HUGEINT
surveys as (
    select
        ticket_id,
        {{ sum_count("case when survey_type = 'resolution' then is_answered else 0 end") }}
            as resolution_responses,
        {{ sum_count("case when survey_type = 'resolution' then is_satisfied else 0 end") }}
            as resolution_satisfied,
        {{ sum_count("case when " ~ delayed_mature ~ " then is_answered else 0 end") }}
            as delayed_responses,
        {{ sum_count("case when " ~ delayed_mature ~ " then is_satisfied else 0 end") }}
            as delayed_satisfied,
        count(*) as surveys_sent,
        {{ sum_count('is_answered') }} as surveys_answered
    from {{ ref('int_surveys') }}
    where {{ lookback_filter() }}
    group by ticket_id
),

escalations as (
    select
        ticket_id,
        count(*) as escalations,
        {{ sum_count('is_context_lost') }} as escalations_context_lost,
        {{ sum_count('is_packet_complete') }} as escalations_packet_complete
    from {{ ref('int_escalations') }}
    where {{ lookback_filter() }}
    group by ticket_id
),

qa as (
    select
        ticket_id,
        count(*) as qa_reviews,
        max(case when agent_acknowledged_packet is not null then 1 else 0 end) as has_ack_known,
        max(case when agent_acknowledged_packet then 1 else 0 end) as has_ack,
        {{ sum_count('is_incident') }} as policy_incidents,
        {{ sum_count("case when severity = 'P0' then 1 else 0 end") }} as policy_incidents_p0,
        {{ sum_count("case when severity = 'P1' then 1 else 0 end") }} as policy_incidents_p1
    from {{ ref('int_qa_reviews') }}
    where {{ lookback_filter() }}
    group by ticket_id
)

select
    tickets.ticket_id,
    tickets.week_start,
    tickets.archetype,
    tickets.segment,
    tickets.channel,
    tickets.is_baseline_period,
    1 as tickets,
    {{ flag('tickets.bot_attempted') }} as attempted,
    {{ flag('tickets.is_bot_resolved') }} as bot_resolved,
    {{ flag('tickets.is_escalated') }} as escalated,
    {{ flag('tickets.is_abandoned') }} as abandoned,
    -- verified deflection and repeat contact count only mature tickets
    repeats.is_mature_7d as mature_7d,
    repeats.is_mature_30d as mature_30d,
    {{ flag('tickets.is_bot_resolved') }} * repeats.is_mature_7d * (1 - repeats.is_repeat_7d)
        as verified_deflections,
    repeats.is_mature_7d * repeats.is_repeat_7d as repeats_7d,
    repeats.is_mature_30d * repeats.is_repeat_30d as repeats_30d,
    coalesce(surveys.resolution_responses, 0) as resolution_responses,
    coalesce(surveys.resolution_satisfied, 0) as resolution_satisfied,
    coalesce(surveys.delayed_responses, 0) as delayed_responses,
    coalesce(surveys.delayed_satisfied, 0) as delayed_satisfied,
    coalesce(surveys.surveys_sent, 0) as surveys_sent,
    coalesce(surveys.surveys_answered, 0) as surveys_answered,
    {{ flag('tickets.is_escalated') }} * coalesce(surveys.resolution_responses, 0)
        as escalated_resolution_responses,
    {{ flag('tickets.is_escalated') }} * coalesce(surveys.resolution_satisfied, 0)
        as escalated_resolution_satisfied,
    {{ flag('tickets.bot_attempted and tickets.model_csat_score is not null') }} as model_scored,
    {{ flag('tickets.bot_attempted and tickets.model_csat_score >= 4') }} as model_satisfied,
    coalesce(escalations.escalations, 0) as escalations,
    coalesce(escalations.escalations_context_lost, 0) as escalations_context_lost,
    coalesce(escalations.escalations_packet_complete, 0) as escalations_packet_complete,
    coalesce(repetition.has_customer_repetition, 0) as customer_repetitions,
    {{ flag('tickets.is_escalated and qa.has_ack_known = 1') }} as qa_escalated_ack_known,
    {{ flag('tickets.is_escalated and qa.has_ack = 1') }} as qa_escalated_acked,
    {{ flag('tickets.bot_attempted and qa.qa_reviews > 0') }} as attempted_qa_reviewed,
    coalesce(qa.policy_incidents, 0) as policy_incidents,
    coalesce(qa.policy_incidents_p0, 0) as policy_incidents_p0,
    coalesce(qa.policy_incidents_p1, 0) as policy_incidents_p1,
    case when tickets.bot_attempted then coalesce(tickets.bot_handle_seconds, 0) else 0 end
        as bot_handle_seconds_sum,
    {{ flag('tickets.bot_attempted and tickets.bot_handle_seconds is not null') }} as bot_handle_timed,
    case when tickets.is_escalated then coalesce(tickets.agent_handle_seconds, 0) else 0 end
        as escalated_handle_seconds_sum,
    {{ flag('tickets.is_escalated and tickets.agent_handle_seconds is not null') }} as escalated_handle_timed,
    coalesce(tickets.agent_handle_seconds, 0) as agent_handle_seconds_sum,
    {{ flag('tickets.agent_handle_seconds is not null') }} as agent_handle_timed
from tickets
inner join repeats on tickets.ticket_id = repeats.ticket_id
left join surveys on tickets.ticket_id = surveys.ticket_id
left join escalations on tickets.ticket_id = escalations.ticket_id
left join repetition on tickets.ticket_id = repetition.ticket_id
left join qa on tickets.ticket_id = qa.ticket_id
