-- Valid QA reviews: one row per review_id.
select
    review_id,
    ticket_id,
    reviewed_at,
    reviewer,
    policy_quoted,
    finding_class,
    policy_key,
    quoted_value,
    agent_acknowledged_packet,
    _loaded_at
from {{ ref('stg_qa_reviews__validated') }}
where _disposition = 'staged'
