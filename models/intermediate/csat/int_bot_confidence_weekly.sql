-- Tickets and their resolution answers per ticket week x archetype x
-- model_confidence (null for a ticket that is not bot-resolved or carries no
-- confidence): the grain review_quarterly_confidence_thresholds rolls up to
-- quarters. Joined there over the whole history, its 10.3M tickets and 14.4M
-- surveys were read every week (10M tickets: 1.2-1.8 s, growing); this is
-- about 0.2M rows, and a week's rows depend on its own tickets and their
-- surveys only, so the revised weeks alone are rebuilt.
{{ config(materialized='incremental', on_schema_change='fail', **incremental_by_week(rebuild='revised')) }}
with tickets as (
    select
        ticket_id,
        week_start,
        archetype,
        case when is_bot_resolved and model_confidence is not null then model_confidence end
            as model_confidence
    from {{ ref('int_tickets') }}
    where {{ revised_weeks_filter() }}
),

answers as (
    select
        ticket_id,
        count(*) as responses,
        {{ sum_count('is_satisfied') }} as satisfied
    from {{ ref('int_surveys') }}
    where
        {{ revised_weeks_filter() }}
        and survey_type = 'resolution'
        and is_answered = 1
    group by ticket_id
)

select
    tickets.week_start,
    tickets.archetype,
    cast(tickets.model_confidence as {{ type_double() }}) as model_confidence,
    cast(count(*) as {{ dbt.type_bigint() }}) as tickets,
    {{ sum_count('coalesce(answers.responses, 0)') }} as responses,
    {{ sum_count('coalesce(answers.satisfied, 0)') }} as satisfied
from tickets
left join answers on tickets.ticket_id = answers.ticket_id
group by tickets.week_start, tickets.archetype, tickets.model_confidence
