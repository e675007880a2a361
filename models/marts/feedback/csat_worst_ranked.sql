-- Ranked views of csat_trending: per period_grain x period_start x dimension
-- x survey_type, the dimension values worst-first by CSAT (only values with
-- at least var min_responses responses are ranked by CSAT) and, separately,
-- by the number of unsatisfied responses (every value is ranked).
{{ config(tags=['weekly', 'monthly', 'quarterly']) }}
{%- set min_responses = var('min_responses') | int %}

with trending as (
    select
        *,
        {{ flag('responses >= ' ~ min_responses) }} as is_csat_rankable
    from {{ ref('csat_trending') }}
    -- a single 'all' value has nothing to be ranked against
    where dimension <> 'all'
),

ranked as (
    select
        *,
        -- ties: more responses first (more evidence of the same CSAT), then name
        row_number() over (
            partition by period_grain, period_start, dimension, survey_type, is_csat_rankable
            order by csat asc, responses desc, dimension_value asc
        ) as csat_position,
        sum(is_csat_rankable) over (
            partition by period_grain, period_start, dimension, survey_type
        ) as values_ranked_by_csat,
        -- ties: lower CSAT first, then name
        row_number() over (
            partition by period_grain, period_start, dimension, survey_type
            order by unsatisfied desc, csat asc, dimension_value asc
        ) as rank_by_unsatisfied,
        count(*) over (
            partition by period_grain, period_start, dimension, survey_type
        ) as values_ranked_by_unsatisfied
    from trending
)

select
    period_grain,
    period_start,
    is_complete_period,
    dimension,
    survey_type,
    dimension_value,
    responses,
    satisfied,
    unsatisfied,
    csat,
    wilson_low,
    wilson_high,
    csat_change_points,
    cast(case when is_csat_rankable = 1 then csat_position end as integer) as rank_by_csat,
    cast(values_ranked_by_csat as integer) as values_ranked_by_csat,
    cast(rank_by_unsatisfied as integer) as rank_by_unsatisfied,
    cast(values_ranked_by_unsatisfied as integer) as values_ranked_by_unsatisfied
from ranked
