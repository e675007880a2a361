-- Current, valid state of each ticket: one row per ticket_id.
select
    ticket_id,
    customer_id,
    channel,
    created_at,
    closed_at,
    intent,
    product_id,
    -- nullable in some exports: the outcome says whether the bot engaged
    coalesce(bot_attempted, outcome <> 'human_only') as bot_attempted,
    outcome,
    bot_version,
    model_confidence,
    model_csat_score,
    bot_handle_seconds,
    agent_handle_seconds,
    updated_at,
    _loaded_at
from {{ ref('stg_tickets__validated') }}
where _disposition = 'staged'
