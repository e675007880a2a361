{#-
    The raw input contract (../shared/spec/RAW_CONTRACT.md) as data, in one
    place: the staging models, the empty stand-in for a missing optional
    table and the reconciliation all read it.
    Logical types map to dbt's cross-database types in `contract_type`.
-#}
{% macro raw_contract() %}
    {{ return({
        'tickets': {
            'enums': {'channel': ['chat', 'email', 'sms', 'voice'], 'outcome': ['bot_resolved', 'escalated', 'abandoned', 'human_only']},
            'key': 'ticket_id', 'reexported': true, 'optional': false,
            'columns': [
                ('ticket_id', 'string'), ('customer_id', 'string'), ('channel', 'string'),
                ('created_at', 'timestamp'), ('closed_at', 'timestamp'), ('intent', 'string'),
                ('product_id', 'string'), ('bot_attempted', 'boolean'), ('outcome', 'string'),
                ('bot_version', 'string'), ('model_confidence', 'double'),
                ('model_csat_score', 'double'), ('bot_handle_seconds', 'integer'),
                ('agent_handle_seconds', 'integer'), ('updated_at', 'timestamp'),
            ],
        },
        'messages': {
            'enums': {'author_type': ['customer', 'bot', 'agent']},
            'key': 'message_id', 'reexported': false, 'optional': false,
            'columns': [
                ('message_id', 'string'), ('ticket_id', 'string'), ('sent_at', 'timestamp'),
                ('author_type', 'string'), ('body', 'string'),
            ],
        },
        'escalations': {
            'key': 'escalation_id', 'reexported': false, 'optional': false,
            'columns': [
                ('escalation_id', 'string'), ('ticket_id', 'string'), ('escalated_at', 'timestamp'),
                ('agent_id', 'string'), ('packet_intent', 'string'),
                ('packet_account_state', 'string'), ('packet_summary', 'string'),
                ('agent_restate_flag', 'boolean'),
            ],
        },
        'surveys': {
            'enums': {'survey_type': ['resolution', 'delayed'], 'scale': ['five_point', 'thumbs']},
            'key': 'survey_id', 'reexported': true, 'optional': false,
            'columns': [
                ('survey_id', 'string'), ('ticket_id', 'string'), ('survey_type', 'string'),
                ('channel', 'string'), ('sent_at', 'timestamp'), ('responded_at', 'timestamp'),
                ('scale', 'string'), ('score', 'integer'), ('comment', 'string'),
                ('updated_at', 'timestamp'),
            ],
        },
        'qa_reviews': {
            'enums': {'finding_class': ['none', 'refund_pricing', 'warranty_service_level', 'process_contact', 'capability_overreach']},
            'key': 'review_id', 'reexported': false, 'optional': false,
            'columns': [
                ('review_id', 'string'), ('ticket_id', 'string'), ('reviewed_at', 'timestamp'),
                ('reviewer', 'string'), ('policy_quoted', 'boolean'), ('finding_class', 'string'),
                ('policy_key', 'string'), ('quoted_value', 'string'),
                ('agent_acknowledged_packet', 'boolean'),
            ],
        },
        'tool_calls': {
            'enums': {'status': ['success', 'error', 'denied']},
            'key': 'call_id', 'reexported': false, 'optional': false,
            'columns': [
                ('call_id', 'string'), ('ticket_id', 'string'), ('called_at', 'timestamp'),
                ('tool_name', 'string'), ('status', 'string'),
            ],
        },
        'customers': {
            'key': 'customer_id', 'reexported': false, 'optional': false,
            'columns': [
                ('customer_id', 'string'), ('segment', 'string'), ('region', 'string'),
                ('created_at', 'timestamp'),
            ],
        },
        'products': {
            'key': 'product_id', 'reexported': false, 'optional': false,
            'columns': [('product_id', 'string'), ('product_name', 'string'), ('category', 'string')],
        },
        'orders': {
            'key': 'order_id', 'reexported': false, 'optional': true,
            'columns': [
                ('order_id', 'string'), ('customer_id', 'string'), ('ordered_at', 'timestamp'),
                ('amount', 'decimal'), ('returned_at', 'timestamp'),
            ],
        },
    }) }}
{% endmacro %}


{% macro contract_type(logical_type) %}
    {%- if logical_type == 'string' -%}{{ return(dbt.type_string()) }}
    {%- elif logical_type == 'timestamp' -%}{{ return(dbt.type_timestamp()) }}
    {%- elif logical_type == 'boolean' -%}{{ return(dbt.type_boolean()) }}
    {%- elif logical_type == 'integer' -%}{{ return(dbt.type_bigint()) }}
    {%- elif logical_type == 'double' -%}{{ return(type_double()) }}
    {%- elif logical_type == 'decimal' -%}{{ return(dbt.type_numeric()) }}
    {%- else -%}{{ exceptions.raise_compiler_error("unknown contract type " ~ logical_type) }}
    {%- endif -%}
{% endmacro %}


{% macro contract_column_names(table_name) %}
    {{ return(raw_contract()[table_name]['columns'] | map('first') | list) }}
{% endmacro %}
