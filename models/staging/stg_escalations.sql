-- Valid bot-to-human handoffs: one row per escalation_id.
select
    escalation_id,
    ticket_id,
    escalated_at,
    agent_id,
    packet_intent,
    packet_account_state,
    packet_summary,
    agent_restate_flag,
    _loaded_at
from {{ ref('stg_escalations__validated') }}
where _disposition = 'staged'
