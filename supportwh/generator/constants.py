"""Fixed vocabularies, model parameters and Parquet schemas of the sample-data generator.

Everything here is plain data; the generator modules turn it into numpy lookup
tables. Probabilities are tuned so that, at the default size, the clean data
sits inside the panel's target bands (see ../shared/spec/KPI_SPEC.md) and the
named scenarios trip the alerts they are meant to trip.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

# --------------------------------------------------------------------------- archetypes

#: archetype -> intents it maps (the dbt seed `archetypes` is written from this table).
ARCHETYPE_INTENTS: dict[str, tuple[str, ...]] = {
    "order_tracking": ("order_status", "delivery_eta"),
    "account_access": ("password_reset", "login_issue"),
    "billing_basics": ("basic_billing", "invoice_copy"),
    "returns_refunds": ("returns", "refund_status"),
    "shipping_faq": ("shipping_policy", "shipping_cost"),
    "plan_questions": ("plan_comparison", "pricing_question"),
    "warranty_claims": ("warranty_question",),
    "cancellations": ("cancellation",),
    "billing_disputes": ("billing_dispute",),
    "plan_changes": ("plan_change",),
    "account_changes": ("address_change", "account_update"),
    "technical_support": ("device_setup", "technical_issue"),
}

#: archetype -> tier (1 repetitive, 2 FAQ-bounded, 3 account-specific).
ARCHETYPE_TIERS: dict[str, int] = {
    "order_tracking": 1,
    "account_access": 1,
    "billing_basics": 1,
    "returns_refunds": 2,
    "shipping_faq": 2,
    "plan_questions": 2,
    "warranty_claims": 2,
    "cancellations": 3,
    "billing_disputes": 3,
    "plan_changes": 3,
    "account_changes": 3,
    "technical_support": 3,
}

LONG_TAIL = "long_tail"
#: intents that no archetype seed row maps: they fall into `long_tail` (~2% of tickets).
LONG_TAIL_INTENTS: tuple[str, ...] = (
    "gift_wrap",
    "bulk_order",
    "press_inquiry",
    "partnership_inquiry",
    "loyalty_points",
    "accessibility_request",
)

#: internal archetype order (index = archetype code); long_tail is last.
ARCHETYPES: tuple[str, ...] = (*ARCHETYPE_INTENTS, LONG_TAIL)
ARCH_INDEX = {a: i for i, a in enumerate(ARCHETYPES)}
N_ARCH = len(ARCHETYPES)

# Per archetype: share of ticket volume, bot attempt rate, deflection (bot_resolved / tickets),
# share of escalation among unresolved attempts, pre-deployment CSAT (probability satisfied),
# bot handle median (s), agent handle median (s).
_ARCH_PARAMS: dict[str, tuple[float, float, float, float, float, float, float]] = {
    #                   volume attempt deflect esc_share  csat  bot_s agent_s
    "order_tracking": (0.170, 0.95, 0.57, 0.68, 0.84, 150, 420),
    "account_access": (0.130, 0.93, 0.55, 0.66, 0.83, 140, 420),
    "billing_basics": (0.100, 0.90, 0.51, 0.70, 0.81, 170, 480),
    "returns_refunds": (0.110, 0.88, 0.26, 0.72, 0.80, 240, 720),
    "shipping_faq": (0.080, 0.90, 0.28, 0.68, 0.83, 200, 540),
    "plan_questions": (0.070, 0.85, 0.24, 0.70, 0.82, 220, 600),
    "warranty_claims": (0.050, 0.80, 0.20, 0.75, 0.78, 260, 780),
    "cancellations": (0.060, 0.80, 0.075, 0.78, 0.76, 300, 900),
    "billing_disputes": (0.050, 0.75, 0.06, 0.80, 0.72, 330, 1080),
    "plan_changes": (0.050, 0.80, 0.085, 0.76, 0.79, 300, 900),
    "account_changes": (0.050, 0.82, 0.075, 0.74, 0.81, 280, 840),
    "technical_support": (0.060, 0.15, 0.05, 0.80, 0.75, 360, 1200),
    LONG_TAIL: (0.020, 0.70, 0.15, 0.70, 0.80, 240, 720),
}
_P = np.array([_ARCH_PARAMS[a] for a in ARCHETYPES], dtype=np.float64)
ARCH_VOLUME = _P[:, 0] / _P[:, 0].sum()
ARCH_ATTEMPT = _P[:, 1]
ARCH_DEFLECT = _P[:, 2]
ARCH_ESC_SHARE = _P[:, 3]
ARCH_CSAT = _P[:, 4]
ARCH_BOT_SECONDS = _P[:, 5]
ARCH_AGENT_SECONDS = _P[:, 6]
ARCH_TIER = np.array([ARCHETYPE_TIERS.get(a, 0) for a in ARCHETYPES], dtype=np.int8)

# intents: flat list, with the archetype of each and its share of the archetype volume
_INTENT_SPLIT = (0.6, 0.4)
INTENTS: list[str] = []
INTENT_ARCH: list[int] = []
_INTENT_WEIGHT: list[float] = []
for _a, _intents in ARCHETYPE_INTENTS.items():
    for _j, _intent in enumerate(_intents):
        INTENTS.append(_intent)
        INTENT_ARCH.append(ARCH_INDEX[_a])
        _share = 1.0 if len(_intents) == 1 else _INTENT_SPLIT[_j]
        _INTENT_WEIGHT.append(ARCH_VOLUME[ARCH_INDEX[_a]] * _share)
for _intent in LONG_TAIL_INTENTS:
    INTENTS.append(_intent)
    INTENT_ARCH.append(ARCH_INDEX[LONG_TAIL])
    _INTENT_WEIGHT.append(ARCH_VOLUME[ARCH_INDEX[LONG_TAIL]] / len(LONG_TAIL_INTENTS))
INTENT_ARCH_ARR = np.array(INTENT_ARCH, dtype=np.int16)
INTENT_CDF = np.cumsum(_INTENT_WEIGHT) / np.sum(_INTENT_WEIGHT)
INTENT_INDEX = {name: i for i, name in enumerate(INTENTS)}

# --------------------------------------------------------------------------- enums

CHANNELS = ("chat", "email", "sms", "voice")
OUTCOMES = ("bot_resolved", "escalated", "abandoned", "human_only")
O_RESOLVED, O_ESCALATED, O_ABANDONED, O_HUMAN = 0, 1, 2, 3
SEGMENTS = ("enterprise", "mid_market", "smb", "consumer")
REGIONS = ("na", "eu", "apac", "latam")
SURVEY_TYPES = ("resolution", "delayed")
SCALES = ("five_point", "thumbs")
AUTHOR_TYPES = ("customer", "bot", "agent")
A_CUSTOMER, A_BOT, A_AGENT = 0, 1, 2
FINDING_CLASSES = (
    "none",
    "refund_pricing",
    "warranty_service_level",
    "process_contact",
    "capability_overreach",
)
TOOL_STATUSES = ("success", "error", "denied")
TOOLS = ("order.lookup", "account.read", "refund.issue", "plan.change", "subscription.cancel")
T_ORDER, T_ACCOUNT, T_REFUND, T_PLAN, T_CANCEL = 0, 1, 2, 3, 4
BOT_VERSIONS = ("v1.0", "v1.1")
#: weeks after deployment from which v1.1 serves (half of the traffic in the switch week).
BOT_V11_AFTER_WEEKS = 4
ACCOUNT_STATES = ("active", "past_due", "trial", "suspended", "pending_cancellation")
POLICY_KEYS = (
    "return_window_days",
    "refund_processing_days",
    "warranty_months",
    "price_match_days",
    "support_hours",
    "shipping_free_threshold",
)
#: canonical values (the `policies` seed) and typical wrong quotes.
POLICY_CANONICAL = {
    "return_window_days": "30",
    "refund_processing_days": "5",
    "warranty_months": "12",
    "price_match_days": "14",
    "support_hours": "24/7",
    "shipping_free_threshold": "50",
}
REVIEWERS = ("qa.amara", "qa.bjorn", "qa.chen", "qa.dolores", "qa.emeka", "qa.farah")

# --------------------------------------------------------------------------- mixes

# segment shares of the customer pool and their contact intensity
SEGMENT_SHARE = np.array([0.04, 0.08, 0.18, 0.70])
SEGMENT_INTENSITY = np.array([2.2, 1.6, 1.2, 1.0])
# bot resolution odds by segment (enterprise questions are harder), CSAT offset by segment
SEGMENT_RESOLVE = np.array([0.82, 0.92, 1.0, 1.04])
SEGMENT_CSAT = np.array([-0.03, -0.01, 0.0, 0.01])
REGION_SHARE = np.array([0.42, 0.30, 0.15, 0.08, 0.05])  # last: null region

# channel mix by segment (rows: segments; cols: chat, email, sms, voice)
CHANNEL_MIX = np.array(
    [
        [0.30, 0.50, 0.05, 0.15],
        [0.38, 0.40, 0.07, 0.15],
        [0.45, 0.30, 0.10, 0.15],
        [0.48, 0.24, 0.11, 0.17],
    ]
)
CHANNEL_ATTEMPT = np.array([1.0, 0.95, 1.0, 0.8])
CHANNEL_CSAT = np.array([0.01, -0.01, 0.0, 0.0])
# survey response probability by survey channel
CHANNEL_RESPONSE = np.array([0.30, 0.22, 0.28, 0.25])
THUMBS_SHARE = 0.30  # customers answering with thumbs rather than five points

# day of week (Mon..Sun) and hour of day (UTC) patterns of ticket creation
DOW_WEIGHT = np.array([1.25, 1.2, 1.1, 1.05, 1.0, 0.46, 0.42])
HOUR_WEIGHT = np.array(
    [
        0.25, 0.2, 0.18, 0.18, 0.22, 0.3, 0.45, 0.65, 0.85, 1.0, 1.1, 1.15,
        1.15, 1.15, 1.2, 1.2, 1.15, 1.05, 0.95, 0.85, 0.7, 0.55, 0.42, 0.32,
    ]
)  # fmt: skip

# post-deployment satisfaction by outcome, relative to the archetype's baseline: a clean
# handoff keeps escalated CSAT at baseline, an abandoned bot conversation costs points, a
# re-stated issue costs a lot. Each archetype is re-centred so its mix stays at baseline.
OUTCOME_CSAT = np.array([0.02, 0.0, -0.12, 0.0])
RESTATE_CSAT = -0.25
CSAT_TARGET_LIFT = 0.005

# tool-call plan per archetype: tools of call 1..3 and P(number of calls = 0..3)
_TOOL_PLAN: dict[str, tuple[tuple[int, int, int], tuple[float, float, float, float]]] = {
    "order_tracking": ((T_ORDER, T_ORDER, T_ACCOUNT), (0.10, 0.65, 0.20, 0.05)),
    "account_access": ((T_ACCOUNT, T_ACCOUNT, T_ACCOUNT), (0.20, 0.70, 0.10, 0.0)),
    "billing_basics": ((T_ACCOUNT, T_ACCOUNT, T_ORDER), (0.20, 0.60, 0.20, 0.0)),
    "returns_refunds": ((T_ORDER, T_REFUND, T_REFUND), (0.05, 0.35, 0.45, 0.15)),
    "shipping_faq": ((T_ORDER, T_ORDER, T_ORDER), (0.50, 0.40, 0.10, 0.0)),
    "plan_questions": ((T_ACCOUNT, T_ACCOUNT, T_ACCOUNT), (0.50, 0.45, 0.05, 0.0)),
    "warranty_claims": ((T_ORDER, T_ACCOUNT, T_ORDER), (0.20, 0.50, 0.30, 0.0)),
    "cancellations": ((T_ACCOUNT, T_CANCEL, T_CANCEL), (0.10, 0.30, 0.50, 0.10)),
    "billing_disputes": ((T_ACCOUNT, T_REFUND, T_REFUND), (0.10, 0.40, 0.40, 0.10)),
    "plan_changes": ((T_ACCOUNT, T_PLAN, T_PLAN), (0.10, 0.30, 0.50, 0.10)),
    "account_changes": ((T_ACCOUNT, T_ACCOUNT, T_ACCOUNT), (0.20, 0.60, 0.20, 0.0)),
    "technical_support": ((T_ACCOUNT, T_ACCOUNT, T_ACCOUNT), (0.30, 0.60, 0.10, 0.0)),
    LONG_TAIL: ((T_ORDER, T_ACCOUNT, T_ACCOUNT), (0.50, 0.40, 0.10, 0.0)),
}
TOOL_SEQ = np.array([_TOOL_PLAN[a][0] for a in ARCHETYPES], dtype=np.int8)
TOOL_COUNT_CDF = np.cumsum(np.array([_TOOL_PLAN[a][1] for a in ARCHETYPES]), axis=1)
TOOL_COUNT_CDF[:, -1] = 1.0
#: action tool -> claim type (0 refund, 1 cancel, 2 plan); -1 for read-only tools
TOOL_CLAIM = np.array([-1, -1, 0, 2, 1], dtype=np.int8)

# products: archetype -> product group (0 physical, 1 subscription, 2 none) and P(null)
_PRODUCT_GROUP = {
    "order_tracking": (0, 0.08),
    "account_access": (2, 0.85),
    "billing_basics": (1, 0.15),
    "returns_refunds": (0, 0.05),
    "shipping_faq": (0, 0.25),
    "plan_questions": (1, 0.10),
    "warranty_claims": (0, 0.03),
    "cancellations": (1, 0.10),
    "billing_disputes": (1, 0.20),
    "plan_changes": (1, 0.05),
    "account_changes": (2, 0.85),
    "technical_support": (0, 0.10),
    LONG_TAIL: (0, 0.50),
}
ARCH_PRODUCT_GROUP = np.array([_PRODUCT_GROUP[a][0] for a in ARCHETYPES], dtype=np.int8)
ARCH_PRODUCT_NULL = np.array([_PRODUCT_GROUP[a][1] for a in ARCHETYPES])

# --------------------------------------------------------------------------- schemas

TS = pa.timestamp("us")
SCHEMAS: dict[str, pa.Schema] = {
    "tickets": pa.schema(
        [
            ("ticket_id", pa.string()),
            ("customer_id", pa.string()),
            ("channel", pa.string()),
            ("created_at", TS),
            ("closed_at", TS),
            ("intent", pa.string()),
            ("product_id", pa.string()),
            ("bot_attempted", pa.bool_()),
            ("outcome", pa.string()),
            ("bot_version", pa.string()),
            ("model_confidence", pa.float64()),
            ("model_csat_score", pa.float64()),
            ("bot_handle_seconds", pa.int64()),
            ("agent_handle_seconds", pa.int64()),
            ("updated_at", TS),
        ]
    ),
    "messages": pa.schema(
        [
            ("message_id", pa.string()),
            ("ticket_id", pa.string()),
            ("sent_at", TS),
            ("author_type", pa.string()),
            ("body", pa.string()),
        ]
    ),
    "escalations": pa.schema(
        [
            ("escalation_id", pa.string()),
            ("ticket_id", pa.string()),
            ("escalated_at", TS),
            ("agent_id", pa.string()),
            ("packet_intent", pa.string()),
            ("packet_account_state", pa.string()),
            ("packet_summary", pa.string()),
            ("agent_restate_flag", pa.bool_()),
        ]
    ),
    "surveys": pa.schema(
        [
            ("survey_id", pa.string()),
            ("ticket_id", pa.string()),
            ("survey_type", pa.string()),
            ("channel", pa.string()),
            ("sent_at", TS),
            ("responded_at", TS),
            ("scale", pa.string()),
            ("score", pa.int64()),
            ("comment", pa.string()),
            ("updated_at", TS),
        ]
    ),
    "qa_reviews": pa.schema(
        [
            ("review_id", pa.string()),
            ("ticket_id", pa.string()),
            ("reviewed_at", TS),
            ("reviewer", pa.string()),
            ("policy_quoted", pa.bool_()),
            ("finding_class", pa.string()),
            ("policy_key", pa.string()),
            ("quoted_value", pa.string()),
            ("agent_acknowledged_packet", pa.bool_()),
        ]
    ),
    "tool_calls": pa.schema(
        [
            ("call_id", pa.string()),
            ("ticket_id", pa.string()),
            ("called_at", TS),
            ("tool_name", pa.string()),
            ("status", pa.string()),
        ]
    ),
    "customers": pa.schema(
        [
            ("customer_id", pa.string()),
            ("segment", pa.string()),
            ("region", pa.string()),
            ("created_at", TS),
        ]
    ),
    "products": pa.schema(
        [
            ("product_id", pa.string()),
            ("product_name", pa.string()),
            ("category", pa.string()),
        ]
    ),
    "orders": pa.schema(
        [
            ("order_id", pa.string()),
            ("customer_id", pa.string()),
            ("ordered_at", TS),
            ("amount", pa.decimal128(12, 2)),
            ("returned_at", TS),
        ]
    ),
}
TABLES: tuple[str, ...] = tuple(SCHEMAS)
WEEKLY_TABLES: tuple[str, ...] = (
    "tickets",
    "messages",
    "escalations",
    "surveys",
    "qa_reviews",
    "tool_calls",
    "orders",
)

#: enum columns and their allowed values (for the tests and the dirty generator).
ENUMS: dict[str, dict[str, tuple[str, ...]]] = {
    "tickets": {"channel": CHANNELS, "outcome": OUTCOMES},
    "messages": {"author_type": AUTHOR_TYPES},
    "surveys": {"survey_type": SURVEY_TYPES, "scale": SCALES},
    "qa_reviews": {"finding_class": FINDING_CLASSES},
    "tool_calls": {"status": TOOL_STATUSES},
}
