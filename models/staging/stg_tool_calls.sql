-- Valid tool calls of the bot: one row per call_id.
select
    call_id,
    ticket_id,
    called_at,
    tool_name,
    status,
    _loaded_at
from {{ ref('stg_tool_calls__validated') }}
where _disposition = 'staged'
