-- The floor: the least work that produces the kpi_weekly rows with
-- segment = channel = 'all' (every KPI, per archetype and 'all'), computed in
-- one DuckDB statement straight from the raw Parquet, by hand, with the
-- warehouse's definitions (docs/decisions.md, macros/kpi.sql):
--   - values cleaned as staging cleans them (trim, blank = null, enums lower);
--   - a value that does not cast to its contract type quarantines the row;
--   - exact duplicates count once; tickets and surveys: the latest updated_at
--     wins and two different rows at the latest updated_at quarantine the
--     key; other tables: a key with two different rows is quarantined;
--   - every row rule that can keep a row out of these KPIs (required columns,
--     enums, ranges, scales, orphans and children of quarantined tickets);
--   - as_of = the latest created_at of the staged tickets.
-- It skips what these rows do not need (customers, products, tool calls,
-- segment and channel cuts, the quarantine relation, tests) and reads only
-- the messages of escalated tickets.
-- Placeholders replaced by benchmarks/run.py: {raw} (raw folder), {seeds}
-- (seeds folder), {delayed_csat_window_days}, {severity_column}.
with

archetypes as (
    select * from read_csv('{seeds}/archetypes.csv', header = true, all_varchar = true)
),

phrases as (
    select lower(phrase) as phrase
    from read_csv('{seeds}/repetition_phrases.csv', header = true, all_varchar = true)
),

severities as (
    select finding_class, {severity_column} as severity
    from read_csv('{seeds}/finding_severities.csv', header = true, all_varchar = true)
),

catalog as (
    select kpi, unit from read_csv('{seeds}/kpi_catalog.csv', header = true, all_varchar = true)
),

-- tickets ------------------------------------------------------------------
-- exact duplicates and "different rows" are told apart by a 64-bit hash of the
-- cleaned row: one aggregation instead of a distinct over wide rows
ticket_rows as (
    select
        nullif(trim(ticket_id), '') as ticket_id,
        nullif(trim(customer_id), '') as customer_id,
        lower(nullif(trim(channel), '')) as channel,
        try_cast(created_at as timestamp) as created_at,
        try_cast(closed_at as timestamp) as closed_at,
        lower(nullif(trim(intent), '')) as intent,
        nullif(trim(product_id), '') as product_id,
        try_cast(bot_attempted as boolean) as bot_attempted,
        lower(nullif(trim(outcome), '')) as outcome,
        nullif(trim(bot_version), '') as bot_version,
        try_cast(model_confidence as double) as model_confidence,
        try_cast(model_csat_score as double) as model_csat_score,
        try_cast(bot_handle_seconds as bigint) as bot_handle_seconds,
        try_cast(agent_handle_seconds as bigint) as agent_handle_seconds,
        try_cast(updated_at as timestamp) as updated_at,
        (created_at is not null and try_cast(created_at as timestamp) is null)
        or (closed_at is not null and try_cast(closed_at as timestamp) is null)
        or (bot_attempted is not null and try_cast(bot_attempted as boolean) is null)
        or (model_confidence is not null and try_cast(model_confidence as double) is null)
        or (model_csat_score is not null and try_cast(model_csat_score as double) is null)
        or (bot_handle_seconds is not null and try_cast(bot_handle_seconds as bigint) is null)
        or (agent_handle_seconds is not null and try_cast(agent_handle_seconds as bigint) is null)
        or (updated_at is not null and try_cast(updated_at as timestamp) is null) as bad_type
    from read_parquet('{raw}/tickets/*.parquet', union_by_name = true)
),

ticket_versions as (
    select
        *,
        hash(
            ticket_id, customer_id, channel, created_at, closed_at, intent, product_id,
            bot_attempted, outcome, bot_version, model_confidence, model_csat_score,
            bot_handle_seconds, agent_handle_seconds, updated_at
        ) as row_hash
    from ticket_rows
    where ticket_id is not null
    qualify updated_at = max(updated_at) over (partition by ticket_id)
),

-- the latest version of each key; two different rows there quarantine it
ticket_latest as (
    select
        ticket_id,
        any_value(customer_id) as customer_id,
        any_value(channel) as channel,
        any_value(created_at) as created_at,
        any_value(closed_at) as closed_at,
        any_value(intent) as intent,
        any_value(bot_attempted) as bot_attempted,
        any_value(outcome) as outcome,
        any_value(model_confidence) as model_confidence,
        any_value(model_csat_score) as model_csat_score,
        any_value(bot_handle_seconds) as bot_handle_seconds,
        any_value(agent_handle_seconds) as agent_handle_seconds,
        bool_or(bad_type) as bad_type
    from ticket_versions
    group by ticket_id
    having min(row_hash) = max(row_hash)
),

staged_tickets as (
    select
        ticket_id,
        customer_id,
        created_at,
        closed_at,
        outcome,
        intent,
        model_csat_score,
        bot_handle_seconds,
        agent_handle_seconds,
        cast(date_trunc('week', created_at) as date) as week_start,
        coalesce(bot_attempted, outcome <> 'human_only') as bot_attempted
    from ticket_latest
    where
        not bad_type
        and customer_id is not null and created_at is not null
        and channel in ('chat', 'email', 'sms', 'voice')
        and outcome in ('bot_resolved', 'escalated', 'abandoned', 'human_only')
        and not coalesce(
            not (model_confidence between 0 and 1)
            or not (model_csat_score between 1 and 5)
            or bot_handle_seconds < 0
            or agent_handle_seconds < 0
            or closed_at < created_at
            or (bot_attempted and outcome = 'human_only')
            or (not bot_attempted and outcome <> 'human_only'),
            false
        )
),

tickets as (
    select
        staged_tickets.*,
        coalesce(archetypes.archetype, 'long_tail') as archetype
    from staged_tickets
    left join archetypes on staged_tickets.intent = archetypes.intent
),

as_of as (
    select max(created_at) as as_of from tickets
),

-- repeat contacts: the same customer and archetype within 30 days of closing
follow_ups as (
    select
        closed.ticket_id,
        min(later.created_at) as first_follow_up_at
    from tickets as closed
    inner join tickets as later
        on
            closed.customer_id = later.customer_id
            and closed.archetype = later.archetype
            and closed.closed_at < later.created_at
            and later.created_at <= closed.closed_at + interval 30 day
            and closed.ticket_id <> later.ticket_id
    group by closed.ticket_id
),

-- surveys ------------------------------------------------------------------
survey_rows as (
    select
        nullif(trim(survey_id), '') as survey_id,
        nullif(trim(ticket_id), '') as ticket_id,
        lower(nullif(trim(survey_type), '')) as survey_type,
        lower(nullif(trim(channel), '')) as channel,
        try_cast(sent_at as timestamp) as sent_at,
        try_cast(responded_at as timestamp) as responded_at,
        lower(nullif(trim(scale), '')) as scale,
        try_cast(score as bigint) as score,
        nullif(trim(comment), '') as comment,
        try_cast(updated_at as timestamp) as updated_at,
        (sent_at is not null and try_cast(sent_at as timestamp) is null)
        or (responded_at is not null and try_cast(responded_at as timestamp) is null)
        or (score is not null and try_cast(score as bigint) is null)
        or (updated_at is not null and try_cast(updated_at as timestamp) is null) as bad_type
    from read_parquet('{raw}/surveys/*.parquet', union_by_name = true)
),

survey_versions as (
    select
        *,
        hash(
            survey_id, ticket_id, survey_type, channel, sent_at, responded_at, scale, score,
            comment, updated_at
        ) as row_hash
    from survey_rows
    where survey_id is not null
    qualify updated_at = max(updated_at) over (partition by survey_id)
),

surveys as (
    select * from (
        select
            survey_id,
            any_value(ticket_id) as ticket_id,
            any_value(survey_type) as survey_type,
            any_value(sent_at) as sent_at,
            any_value(responded_at) as responded_at,
            any_value(scale) as scale,
            any_value(score) as score,
            bool_or(bad_type) as bad_type
        from survey_versions
        group by survey_id
        having min(row_hash) = max(row_hash)
    )
    where
        not bad_type
        and ticket_id is not null and sent_at is not null
        and survey_type in ('resolution', 'delayed')
        and scale in ('five_point', 'thumbs')
        and not coalesce(
            (scale = 'five_point' and score not between 1 and 5)
            or (scale = 'thumbs' and score not in (0, 1))
            or (responded_at is not null and score is null)
            or (responded_at is null and score is not null)
            or responded_at < sent_at,
            false
        )
),

survey_facts as (
    select
        surveys.ticket_id,
        sum(case when survey_type = 'resolution' and responded_at is not null then 1 else 0 end)
            as resolution_responses,
        sum(case when survey_type = 'resolution' and responded_at is not null
            and ((scale = 'five_point' and score >= 4) or (scale = 'thumbs' and score = 1))
            then 1 else 0 end) as resolution_satisfied,
        sum(case when survey_type = 'delayed' and responded_at is not null and delayed_mature
            then 1 else 0 end) as delayed_responses,
        sum(case when survey_type = 'delayed' and responded_at is not null and delayed_mature
            and ((scale = 'five_point' and score >= 4) or (scale = 'thumbs' and score = 1))
            then 1 else 0 end) as delayed_satisfied,
        count(*) as surveys_sent,
        sum(case when responded_at is not null then 1 else 0 end) as surveys_answered
    from (
        select
            surveys.*,
            coalesce(
                tickets.closed_at + interval {delayed_csat_window_days} day <= (select as_of from as_of),
                false
            ) as delayed_mature
        from surveys
        inner join tickets on surveys.ticket_id = tickets.ticket_id
    ) as surveys
    group by surveys.ticket_id
),

-- escalations --------------------------------------------------------------
escalations as (
    select * from (
        select
            nullif(trim(escalation_id), '') as escalation_id,
            any_value(nullif(trim(ticket_id), '')) as ticket_id,
            any_value(try_cast(escalated_at as timestamp)) as escalated_at,
            any_value(packet_intent) as packet_intent,
            any_value(packet_account_state) as packet_account_state,
            any_value(packet_summary) as packet_summary,
            any_value(try_cast(agent_restate_flag as boolean)) as agent_restate_flag,
            bool_or(
                (escalated_at is not null and try_cast(escalated_at as timestamp) is null)
                or (agent_restate_flag is not null and try_cast(agent_restate_flag as boolean) is null)
            ) as bad_type
        from read_parquet('{raw}/escalations/*.parquet', union_by_name = true)
        where nullif(trim(escalation_id), '') is not null
        group by nullif(trim(escalation_id), '')
        having min(hash(
            nullif(trim(ticket_id), ''), try_cast(escalated_at as timestamp),
            nullif(trim(agent_id), ''), packet_intent, packet_account_state, packet_summary,
            try_cast(agent_restate_flag as boolean)
        )) = max(hash(
            nullif(trim(ticket_id), ''), try_cast(escalated_at as timestamp),
            nullif(trim(agent_id), ''), packet_intent, packet_account_state, packet_summary,
            try_cast(agent_restate_flag as boolean)
        ))
    )
    where
        not bad_type
        and ticket_id is not null and escalated_at is not null
        and ticket_id in (select ticket_id from tickets)
),

escalation_facts as (
    select
        ticket_id,
        count(*) as escalations,
        sum(case when agent_restate_flag then 1 else 0 end) as escalations_context_lost,
        sum(case when nullif(trim(packet_intent), '') is not null
            and nullif(trim(packet_account_state), '') is not null
            and nullif(trim(packet_summary), '') is not null then 1 else 0 end)
            as escalations_packet_complete,
        min(escalated_at) as first_escalated_at
    from escalations
    group by ticket_id
),

-- messages: only those of escalated tickets (customer repetition) ------------
message_keys as (
    select distinct nullif(trim(message_id), '') as message_id
    from read_parquet('{raw}/messages/*.parquet', union_by_name = true)
    where nullif(trim(ticket_id), '') in (select ticket_id from tickets where outcome = 'escalated')
),

messages as (
    select * from (
        select
            nullif(trim(message_id), '') as message_id,
            any_value(nullif(trim(ticket_id), '')) as ticket_id,
            any_value(try_cast(sent_at as timestamp)) as sent_at,
            any_value(lower(nullif(trim(author_type), ''))) as author_type,
            any_value(body) as body,
            bool_or(sent_at is not null and try_cast(sent_at as timestamp) is null) as bad_type
        from read_parquet('{raw}/messages/*.parquet', union_by_name = true)
        where nullif(trim(message_id), '') in (select message_id from message_keys)
        group by nullif(trim(message_id), '')
        having min(hash(
            nullif(trim(ticket_id), ''), try_cast(sent_at as timestamp),
            lower(nullif(trim(author_type), '')), body
        )) = max(hash(
            nullif(trim(ticket_id), ''), try_cast(sent_at as timestamp),
            lower(nullif(trim(author_type), '')), body
        ))
    )
    where
        not bad_type
        and ticket_id is not null and sent_at is not null
        and author_type in ('customer', 'bot', 'agent')
        and ticket_id in (select ticket_id from tickets)
),

agent_turns as (
    select
        messages.ticket_id,
        messages.sent_at,
        row_number() over (partition by messages.ticket_id order by messages.sent_at, messages.message_id)
            as agent_turn
    from messages
    inner join escalation_facts on messages.ticket_id = escalation_facts.ticket_id
    where messages.author_type = 'agent' and messages.sent_at > escalation_facts.first_escalated_at
),

repetitions as (
    select distinct messages.ticket_id
    from messages
    inner join escalation_facts on messages.ticket_id = escalation_facts.ticket_id
    left join agent_turns as fourth
        on messages.ticket_id = fourth.ticket_id and fourth.agent_turn = 4
    inner join phrases on contains(lower(messages.body), phrases.phrase)
    where
        messages.author_type = 'customer'
        and messages.sent_at > escalation_facts.first_escalated_at
        and (fourth.sent_at is null or messages.sent_at < fourth.sent_at)
),

-- QA reviews -----------------------------------------------------------------
qa as (
    select * from (
        select
            nullif(trim(review_id), '') as review_id,
            any_value(nullif(trim(ticket_id), '')) as ticket_id,
            any_value(try_cast(reviewed_at as timestamp)) as reviewed_at,
            any_value(lower(nullif(trim(finding_class), ''))) as finding_class,
            any_value(try_cast(agent_acknowledged_packet as boolean)) as agent_acknowledged_packet,
            bool_or(
                (reviewed_at is not null and try_cast(reviewed_at as timestamp) is null)
                or (policy_quoted is not null and try_cast(policy_quoted as boolean) is null)
                or (agent_acknowledged_packet is not null
                    and try_cast(agent_acknowledged_packet as boolean) is null)
            ) as bad_type
        from read_parquet('{raw}/qa_reviews/*.parquet', union_by_name = true)
        where nullif(trim(review_id), '') is not null
        group by nullif(trim(review_id), '')
        having min(hash(
            nullif(trim(ticket_id), ''), try_cast(reviewed_at as timestamp),
            nullif(trim(reviewer), ''), try_cast(policy_quoted as boolean),
            lower(nullif(trim(finding_class), '')), lower(nullif(trim(policy_key), '')),
            nullif(trim(quoted_value), ''), try_cast(agent_acknowledged_packet as boolean)
        )) = max(hash(
            nullif(trim(ticket_id), ''), try_cast(reviewed_at as timestamp),
            nullif(trim(reviewer), ''), try_cast(policy_quoted as boolean),
            lower(nullif(trim(finding_class), '')), lower(nullif(trim(policy_key), '')),
            nullif(trim(quoted_value), ''), try_cast(agent_acknowledged_packet as boolean)
        ))
    )
    where
        not bad_type
        and ticket_id is not null and reviewed_at is not null
        and finding_class in (
            'none', 'refund_pricing', 'warranty_service_level', 'process_contact',
            'capability_overreach'
        )
        and ticket_id in (select ticket_id from tickets)
),

qa_facts as (
    select
        qa.ticket_id,
        count(*) as qa_reviews,
        max(case when agent_acknowledged_packet is not null then 1 else 0 end) as has_ack_known,
        max(case when agent_acknowledged_packet then 1 else 0 end) as has_ack,
        sum(case when qa.finding_class <> 'none' then 1 else 0 end) as policy_incidents,
        sum(case when severities.severity = 'P0' then 1 else 0 end) as policy_incidents_p0
    from qa
    left join severities on qa.finding_class = severities.finding_class
    group by qa.ticket_id
),

-- one row per ticket, the contributions of kpi_definitions() ------------------
facts as (
    select
        t.week_start,
        t.archetype,
        1 as tickets,
        case when t.bot_attempted then 1 else 0 end as attempted,
        case when t.outcome = 'bot_resolved' then 1 else 0 end as bot_resolved,
        case when t.outcome = 'escalated' then 1 else 0 end as escalated,
        case when t.outcome = 'abandoned' then 1 else 0 end as abandoned,
        m.mature_7d,
        m.mature_30d,
        case when t.outcome = 'bot_resolved' and m.mature_7d = 1 and not m.repeat_7d then 1 else 0 end
            as verified_deflections,
        case when m.mature_7d = 1 and m.repeat_7d then 1 else 0 end as repeats_7d,
        case when m.mature_30d = 1 and m.repeat_30d then 1 else 0 end as repeats_30d,
        coalesce(s.resolution_responses, 0) as resolution_responses,
        coalesce(s.resolution_satisfied, 0) as resolution_satisfied,
        coalesce(s.delayed_responses, 0) as delayed_responses,
        coalesce(s.delayed_satisfied, 0) as delayed_satisfied,
        coalesce(s.surveys_sent, 0) as surveys_sent,
        coalesce(s.surveys_answered, 0) as surveys_answered,
        case when t.outcome = 'escalated' then coalesce(s.resolution_responses, 0) else 0 end
            as escalated_resolution_responses,
        case when t.outcome = 'escalated' then coalesce(s.resolution_satisfied, 0) else 0 end
            as escalated_resolution_satisfied,
        case when t.bot_attempted and t.model_csat_score is not null then 1 else 0 end as model_scored,
        case when t.bot_attempted and t.model_csat_score >= 4 then 1 else 0 end as model_satisfied,
        coalesce(e.escalations, 0) as escalations,
        coalesce(e.escalations_context_lost, 0) as escalations_context_lost,
        coalesce(e.escalations_packet_complete, 0) as escalations_packet_complete,
        case when t.outcome = 'escalated' and r.ticket_id is not null then 1 else 0 end
            as customer_repetitions,
        case when t.outcome = 'escalated' and q.has_ack_known = 1 then 1 else 0 end
            as qa_escalated_ack_known,
        case when t.outcome = 'escalated' and q.has_ack = 1 then 1 else 0 end as qa_escalated_acked,
        case when t.bot_attempted and q.qa_reviews > 0 then 1 else 0 end as attempted_qa_reviewed,
        coalesce(q.policy_incidents, 0) as policy_incidents,
        coalesce(q.policy_incidents_p0, 0) as policy_incidents_p0,
        case when t.bot_attempted then coalesce(t.bot_handle_seconds, 0) else 0 end
            as bot_handle_seconds_sum,
        case when t.bot_attempted and t.bot_handle_seconds is not null then 1 else 0 end
            as bot_handle_timed,
        case when t.outcome = 'escalated' then coalesce(t.agent_handle_seconds, 0) else 0 end
            as escalated_handle_seconds_sum,
        case when t.outcome = 'escalated' and t.agent_handle_seconds is not null then 1 else 0 end
            as escalated_handle_timed
    from tickets as t
    cross join as_of
    left join follow_ups as f on t.ticket_id = f.ticket_id
    left join survey_facts as s on t.ticket_id = s.ticket_id
    left join escalation_facts as e on t.ticket_id = e.ticket_id
    left join repetitions as r on t.ticket_id = r.ticket_id
    left join qa_facts as q on t.ticket_id = q.ticket_id
    cross join lateral (
        select
            case when t.closed_at + interval 7 day <= as_of.as_of then 1 else 0 end as mature_7d,
            case when t.closed_at + interval 30 day <= as_of.as_of then 1 else 0 end as mature_30d,
            coalesce(f.first_follow_up_at <= t.closed_at + interval 7 day, false) as repeat_7d,
            f.first_follow_up_at is not null as repeat_30d
    ) as m
),

aggregated as (
    select
        week_start,
        coalesce(archetype, 'all') as archetype,
        sum(tickets) as tickets,
        sum(attempted) as attempted,
        sum(bot_resolved) as bot_resolved,
        sum(escalated) as escalated,
        sum(abandoned) as abandoned,
        sum(mature_7d) as mature_7d,
        sum(mature_30d) as mature_30d,
        sum(verified_deflections) as verified_deflections,
        sum(repeats_7d) as repeats_7d,
        sum(repeats_30d) as repeats_30d,
        sum(resolution_responses) as resolution_responses,
        sum(resolution_satisfied) as resolution_satisfied,
        sum(delayed_responses) as delayed_responses,
        sum(delayed_satisfied) as delayed_satisfied,
        sum(surveys_sent) as surveys_sent,
        sum(surveys_answered) as surveys_answered,
        sum(escalated_resolution_responses) as escalated_resolution_responses,
        sum(escalated_resolution_satisfied) as escalated_resolution_satisfied,
        sum(model_scored) as model_scored,
        sum(model_satisfied) as model_satisfied,
        sum(escalations) as escalations,
        sum(escalations_context_lost) as escalations_context_lost,
        sum(escalations_packet_complete) as escalations_packet_complete,
        sum(customer_repetitions) as customer_repetitions,
        sum(qa_escalated_ack_known) as qa_escalated_ack_known,
        sum(qa_escalated_acked) as qa_escalated_acked,
        sum(attempted_qa_reviewed) as attempted_qa_reviewed,
        sum(policy_incidents) as policy_incidents,
        sum(policy_incidents_p0) as policy_incidents_p0,
        sum(bot_handle_seconds_sum) as bot_handle_seconds_sum,
        sum(bot_handle_timed) as bot_handle_timed,
        sum(escalated_handle_seconds_sum) as escalated_handle_seconds_sum,
        sum(escalated_handle_timed) as escalated_handle_timed
    from facts
    group by grouping sets ((week_start, archetype), (week_start))
),

-- the KPI table of KPI_SPEC.md (macros/kpi.sql kpi_definitions)
unpivoted as (
    select week_start, archetype, kpi, numerator, denominator
    from aggregated
    cross join lateral (values
        ('tickets', tickets, 1),
        ('deflection_attempt_rate', attempted, tickets),
        ('deflection_rate', bot_resolved, tickets),
        ('containment_rate', bot_resolved, attempted),
        ('abandonment_rate', abandoned, attempted),
        ('escalation_rate', escalated, attempted),
        ('verified_deflection_rate', verified_deflections, mature_7d),
        ('csat_resolution', resolution_satisfied, resolution_responses),
        ('csat_delayed', delayed_satisfied, delayed_responses),
        ('csat_model', model_satisfied, model_scored),
        ('survey_response_rate', surveys_answered, surveys_sent),
        ('context_loss_rate', escalations_context_lost, escalations),
        ('customer_repetition_rate', customer_repetitions, escalated),
        ('handoff_packet_complete_rate', escalations_packet_complete, escalations),
        ('handoff_ack_rate', qa_escalated_acked, qa_escalated_ack_known),
        ('escalated_csat', escalated_resolution_satisfied, escalated_resolution_responses),
        ('bot_handle_seconds', bot_handle_seconds_sum, bot_handle_timed),
        ('escalated_handle_seconds', escalated_handle_seconds_sum, escalated_handle_timed),
        ('repeat_contact_7d', repeats_7d, mature_7d),
        ('repeat_contact_30d', repeats_30d, mature_30d),
        ('qa_sample_rate', attempted_qa_reviewed, attempted),
        ('policy_incidents', policy_incidents, 1),
        ('policy_incidents_p0', policy_incidents_p0, 1)
    ) as k (kpi, numerator, denominator)
)

select
    unpivoted.week_start,
    unpivoted.kpi,
    unpivoted.archetype,
    cast(unpivoted.numerator as double) as numerator,
    cast(unpivoted.denominator as double) as denominator,
    case
        when unpivoted.denominator = 0 or unpivoted.denominator is null then null
        when catalog.unit = 'percent' then 100.0 * unpivoted.numerator / unpivoted.denominator
        else 1.0 * unpivoted.numerator / unpivoted.denominator
    end as value
from unpivoted
inner join catalog on unpivoted.kpi = catalog.kpi
order by 1, 2, 3
