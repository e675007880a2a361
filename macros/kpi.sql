{#- Ticket-level definitions of KPI_SPEC.md that more than one model needs. -#}

{#- A satisfied CSAT response: five_point >= 4 or thumbs up. -#}
{% macro is_satisfied(scale, score) -%}
    (({{ scale }} = 'five_point' and {{ score }} >= 4) or ({{ scale }} = 'thumbs' and {{ score }} = 1))
{%- endmacro %}

{#- 1/0 for a boolean condition, so facts can be summed (portable: no bool_or). -#}
{% macro flag(condition) -%}
    case when {{ condition }} then 1 else 0 end
{%- endmacro %}

{#- as_of: the latest created_at in the tickets data (KPI_SPEC "Time"). -#}
{% macro as_of() -%}
    (select max(created_at) from {{ ref('int_tickets') }})
{%- endmacro %}

{#- A delayed survey counts once its window (var delayed_csat_window_days
    after the ticket closed) has elapsed by as_of (KPI_SPEC "CSAT"). Computed
    where it is read, never stored with the survey: int_surveys' rows then
    depend on their own ticket alone and rebuild only when it is revised. -#}
{% macro is_delayed_window_mature(closed_at) -%}
    ({{ closed_at }} is not null
    and {{ dbt.dateadd('day', var('delayed_csat_window_days'), closed_at) }} <= {{ as_of() }})
{%- endmacro %}

{#- sum() of a 0/1 flag or a count as a bigint. DuckDB sums integers into a
    128-bit HUGEINT, which DuckDB 1.5 stores and reads back slowly: the 12 such
    columns of int_ticket_kpi_facts made kpi_weekly's full build read 10.3M
    rows in 15 s (sum of a HUGEINT column: 0.8-2.8 s each, of an integer one
    0.02-0.1 s). -#}
{% macro sum_count(expression) -%}
    cast(sum({{ expression }}) as {{ dbt.type_bigint() }})
{%- endmacro %}

{#- value = numerator / denominator, x100 for percent units, null on a zero
    denominator. -#}
{% macro kpi_value(numerator, denominator, unit) -%}
    case
        when {{ denominator }} = 0 or {{ denominator }} is null then null
        when {{ unit }} = 'percent' then 100.0 * {{ numerator }} / {{ denominator }}
        else 1.0 * {{ numerator }} / {{ denominator }}
    end
{%- endmacro %}


{#- Every KPI of kpi_weekly: (kpi, numerator, denominator) over the columns of
    int_ticket_kpi_facts, exactly the table of KPI_SPEC.md. The one place a
    KPI's formula lives; kpi_catalog holds its unit, family and meaning. -#}
{% macro kpi_definitions() %}
    {{ return([
        ('tickets', 'tickets', '1'),
        ('deflection_attempt_rate', 'attempted', 'tickets'),
        ('deflection_rate', 'bot_resolved', 'tickets'),
        ('containment_rate', 'bot_resolved', 'attempted'),
        ('abandonment_rate', 'abandoned', 'attempted'),
        ('escalation_rate', 'escalated', 'attempted'),
        ('verified_deflection_rate', 'verified_deflections', 'mature_7d'),
        ('csat_resolution', 'resolution_satisfied', 'resolution_responses'),
        ('csat_delayed', 'delayed_satisfied', 'delayed_responses'),
        ('csat_model', 'model_satisfied', 'model_scored'),
        ('survey_response_rate', 'surveys_answered', 'surveys_sent'),
        ('context_loss_rate', 'escalations_context_lost', 'escalations'),
        ('customer_repetition_rate', 'customer_repetitions', 'escalated'),
        ('handoff_packet_complete_rate', 'escalations_packet_complete', 'escalations'),
        ('handoff_ack_rate', 'qa_escalated_acked', 'qa_escalated_ack_known'),
        ('escalated_csat', 'escalated_resolution_satisfied', 'escalated_resolution_responses'),
        ('bot_handle_seconds', 'bot_handle_seconds_sum', 'bot_handle_timed'),
        ('escalated_handle_seconds', 'escalated_handle_seconds_sum', 'escalated_handle_timed'),
        ('repeat_contact_7d', 'repeats_7d', 'mature_7d'),
        ('repeat_contact_30d', 'repeats_30d', 'mature_30d'),
        ('qa_sample_rate', 'attempted_qa_reviewed', 'attempted'),
        ('policy_incidents', 'policy_incidents', '1'),
        ('policy_incidents_p0', 'policy_incidents_p0', '1'),
    ]) }}
{% endmacro %}

{#- The KPIs also published per segment and per channel (the CSAT family). -#}
{% macro csat_cut_kpis() %}
    {{ return(['csat_resolution', 'csat_delayed', 'csat_model', 'survey_response_rate', 'escalated_csat']) }}
{% endmacro %}

{#- The fact columns the KPIs read (numerators and denominators). -#}
{% macro kpi_fact_columns() %}
    {%- set columns = [] -%}
    {%- for kpi, numerator, denominator in kpi_definitions() -%}
        {%- for column in [numerator, denominator] if column != '1' and column not in columns -%}
            {%- do columns.append(column) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(columns) }}
{% endmacro %}


{#- The finding_severities column in force: regulated_severity when var
    regulated_sector is true (warranty_service_level becomes P0), else severity. -#}
{% macro finding_severity_column() %}
    {%- set regulated = var('regulated_sector') | string | lower in ('true', '1', 'yes') -%}
    {{ return('regulated_severity' if regulated else 'severity') }}
{% endmacro %}
