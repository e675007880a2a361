-- The recommended model_confidence threshold per calendar quarter x
-- archetype (KPI_SPEC.md "Cadence", quarterly recalibration): the lowest
-- cut-off of 0.00, 0.05, ..., 0.95 at which the resolution CSAT of the
-- quarter's bot-resolved tickets with model_confidence >= cut-off is not
-- below the archetype's pre-deployment resolution CSAT, on at least var
-- min_responses responses; null with a reason when no cut-off qualifies.
-- The candidate cut-offs are unioned by a loop the indent rule cannot follow.
-- noqa: disable=LT02
{{ config(tags=['quarterly']) }}
{%- set min_responses = var('min_responses') | int %}

-- Everything below runs on (quarter, archetype, confidence) aggregates, not
-- on tickets: there are a few hundred distinct confidences per quarter, so the
-- cut-off join multiplies thousands of rows, not millions (10M tickets:
-- 13 s -> 2 s). They are rolled up from int_bot_confidence_weekly, which
-- keeps them per week, so the weekly run no longer reads every ticket and
-- survey of the history. The confidence of a ticket that is not
-- bot-resolved is null.
with weekly as (
    select
        {{ period_start('quarter', 'week_start') }} as quarter_start,
        archetype,
        model_confidence,
        tickets,
        responses,
        satisfied
    from {{ ref('int_bot_confidence_weekly') }}
),

-- resolution answers on bot-resolved tickets that carry a confidence
answers as (
    select
        quarter_start,
        archetype,
        model_confidence,
        sum(responses) as responses,
        sum(satisfied) as satisfied
    from weekly
    where model_confidence is not null and responses > 0
    group by quarter_start, archetype, model_confidence
),

-- bot-resolved tickets with a confidence per quarter, archetype and confidence
-- (every quarter x archetype with a ticket, with a null confidence row)
confidences as (
    select
        quarter_start,
        archetype,
        model_confidence,
        sum(tickets) as tickets
    from weekly
    group by quarter_start, archetype, model_confidence
),

quarters as (
    select
        quarter_start,
        archetype,
        sum(case when model_confidence is not null then tickets else 0 end) as bot_resolved_tickets
    from confidences
    group by quarter_start, archetype
),

cutoffs as (
    {% for step in range(0, 20) -%}
    select cast({{ '%.2f' | format(step * 0.05) }} as {{ type_double() }}) as cutoff
    {% if not loop.last %}union all{% endif %}
    {% endfor -%}
),

curve as (
    select
        answers.quarter_start,
        answers.archetype,
        cutoffs.cutoff,
        sum(answers.responses) as responses,
        sum(answers.satisfied) as satisfied
    from answers
    inner join cutoffs on answers.model_confidence >= cutoffs.cutoff
    group by answers.quarter_start, answers.archetype, cutoffs.cutoff
),

baselines as (
    select
        archetype,
        max(baseline_csat) as baseline_csat,
        max(baseline_responses) as baseline_responses
    from {{ ref('kpi_csat_gates') }}
    where kpi = 'csat_resolution' and segment = 'all' and channel = 'all'
    group by archetype
),

judged as (
    select
        curve.*,
        {{ kpi_value('curve.satisfied', 'curve.responses', "'percent'") }} as csat,
        baselines.baseline_csat
    from curve
    inner join baselines on curve.archetype = baselines.archetype
),

recommended as (
    select
        quarter_start,
        archetype,
        min(cutoff) as cutoff
    from judged
    where responses >= {{ min_responses }} and csat >= baseline_csat
    group by quarter_start, archetype
),

-- bot-resolved tickets kept above the recommended cut-off (its cost)
kept as (
    select
        confidences.quarter_start,
        confidences.archetype,
        sum(confidences.tickets) as bot_resolved_tickets_above
    from confidences
    inner join recommended
        on
            confidences.quarter_start = recommended.quarter_start
            and confidences.archetype = recommended.archetype
    where confidences.model_confidence >= recommended.cutoff
    group by confidences.quarter_start, confidences.archetype
),

all_responses as (
    select
        quarter_start,
        archetype,
        responses
    from curve
    where cutoff = 0
)

select
    cast(quarters.quarter_start as date) as quarter_start,
    quarters.archetype,
    cast(recommended.cutoff as {{ type_double() }}) as recommended_confidence_threshold,
    case
        when recommended.cutoff is not null then null
        when baselines.baseline_csat is null then 'no_baseline'
        when coalesce(all_responses.responses, 0) < {{ min_responses }} then 'too_few_responses'
        else 'below_baseline_at_every_cutoff'
    end as no_threshold_reason,
    cast(baselines.baseline_csat as {{ type_double() }}) as baseline_csat_resolution,
    cast(coalesce(all_responses.responses, 0) as {{ dbt.type_bigint() }}) as bot_resolved_responses,
    cast(judged.responses as {{ dbt.type_bigint() }}) as responses_above_threshold,
    cast(judged.csat as {{ type_double() }}) as csat_above_threshold,
    cast(quarters.bot_resolved_tickets as {{ dbt.type_bigint() }}) as bot_resolved_tickets,
    cast(
        {{ kpi_value('kept.bot_resolved_tickets_above', 'quarters.bot_resolved_tickets', "'percent'") }}
        as {{ type_double() }}
    ) as bot_resolved_kept_pct
from quarters
left join baselines on quarters.archetype = baselines.archetype
left join recommended
    on
        quarters.quarter_start = recommended.quarter_start
        and quarters.archetype = recommended.archetype
left join judged
    on
        recommended.quarter_start = judged.quarter_start
        and recommended.archetype = judged.archetype
        and recommended.cutoff = judged.cutoff
left join kept
    on
        quarters.quarter_start = kept.quarter_start
        and quarters.archetype = kept.archetype
left join all_responses
    on
        quarters.quarter_start = all_responses.quarter_start
        and quarters.archetype = all_responses.archetype
