-- Valid conversation turns: one row per message_id.
select
    message_id,
    ticket_id,
    sent_at,
    author_type,
    body,
    _loaded_at
from {{ ref('stg_messages__validated') }}
where _disposition = 'staged'
