-- The hallucinated-policy incident log: one row per incident, counted, never
-- turned into a percentage. Two sources:
--   qa_review: every QA finding (finding_class <> 'none'), with the misquoted
--     policy's canonical value (policies seed) and the severity of
--     int_qa_reviews (finding_severities seed, var regulated_sector);
--   tool_call_audit: capability overreach the audit log shows (a claimed
--     action with no successful backing tool call) on tickets no QA review
--     already flagged as capability_overreach, one incident per ticket and
--     claimed tool (its first unbacked claim), severity from the seed.
{{ config(tags=['weekly', 'monthly', 'quarterly']) }}
{%- set severity_column = finding_severity_column() %}

with qa_findings as (
    select
        {{ dbt.concat(["'qa_review:'", 'review_id']) }} as incident_id,
        'qa_review' as source,  -- noqa: RF04
        review_id,
        ticket_id,
        cast(null as {{ dbt.type_string() }}) as message_id,
        reviewed_at,
        cast(null as {{ dbt.type_timestamp() }}) as claimed_at,
        finding_class,
        severity,
        policy_key,
        quoted_value,
        cast(null as {{ dbt.type_string() }}) as tool_name,
        cast(null as {{ dbt.type_string() }}) as claim_pattern
    from {{ ref('int_qa_reviews') }}
    where finding_class <> 'none'
),

audit_claims as (
    select
        ticket_id,
        message_id,
        sent_at,
        tool_name,
        pattern,
        row_number() over (partition by ticket_id, tool_name order by sent_at, message_id) as claim_order
    from {{ ref('int_capability_overreach') }}
    where not is_qa_flagged
),

audit_findings as (
    select
        {{ dbt.concat(["'tool_call_audit:'", 'audit_claims.message_id', "':'", 'audit_claims.tool_name']) }}
            as incident_id,
        'tool_call_audit' as source,  -- noqa: RF04
        cast(null as {{ dbt.type_string() }}) as review_id,
        audit_claims.ticket_id,
        audit_claims.message_id,
        cast(null as {{ dbt.type_timestamp() }}) as reviewed_at,
        audit_claims.sent_at as claimed_at,
        severities.finding_class,
        severities.{{ severity_column }} as severity,  -- noqa: AL09
        cast(null as {{ dbt.type_string() }}) as policy_key,
        cast(null as {{ dbt.type_string() }}) as quoted_value,
        audit_claims.tool_name,
        audit_claims.pattern as claim_pattern
    from audit_claims
    inner join {{ ref('finding_severities') }} as severities
        on severities.finding_class = 'capability_overreach'
    where audit_claims.claim_order = 1
),

incidents as (
    select * from qa_findings
    union all
    select * from audit_findings
)

select
    incidents.incident_id,
    incidents.source,
    incidents.finding_class,
    incidents.severity,
    incidents.review_id,
    incidents.ticket_id,
    incidents.message_id,
    tickets.week_start,
    cast({{ dbt.date_trunc('month', 'tickets.created_at') }} as date) as month_start,
    cast({{ dbt.date_trunc('quarter', 'tickets.created_at') }} as date) as quarter_start,
    incidents.reviewed_at,
    incidents.claimed_at,
    tickets.archetype,
    tickets.intent,
    tickets.bot_version,
    tickets.model_confidence,
    incidents.policy_key,
    incidents.quoted_value,
    policies.canonical_value,
    policies.unit,
    incidents.tool_name,
    incidents.claim_pattern
from incidents
inner join {{ ref('int_tickets') }} as tickets on incidents.ticket_id = tickets.ticket_id
left join {{ ref('policies') }} as policies on incidents.policy_key = policies.policy_key
