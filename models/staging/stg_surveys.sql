-- Current, valid state of each survey: one row per survey_id.
select
    survey_id,
    ticket_id,
    survey_type,
    channel,
    sent_at,
    responded_at,
    scale,
    score,
    comment,  -- noqa: RF04
    updated_at,
    _loaded_at
from {{ ref('stg_surveys__validated') }}
where _disposition = 'staged'
