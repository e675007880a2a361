"""The `dirty` scenario: extra bad rows of every quarantine class, and their manifest.

Bad rows are always EXTRA rows (valid rows are never touched, so the clean KPIs
do not move). Each bad row breaks exactly one rule of the raw contract; its
other columns are valid and, unless the rule is about the ticket reference, it
points at a valid ticket of the same week. Tickets and surveys use fresh keys.
A few extra exact duplicates of valid rows are added as well: they collapse,
they are not quarantined and not listed.

Manifest entries are `{"table", "key", "reason"}`, one per raw row that must end
up in the warehouse's quarantine (both rows of a conflicting key are listed).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from . import constants as K
from .plan import DAY_S, US, Plan, rng_for
from .week import Chunk

S_DIRTY = 5

#: reason codes used by the dbt staging models
REASONS: tuple[str, ...] = (
    "null_key",
    "duplicate_key_conflict",
    "reexport_conflict",
    "invalid_enum",
    "score_out_of_scale",
    "out_of_range",
    "orphan_ticket",
    "closed_before_created",
    "responded_before_sent",
    "missing_required",
    "inconsistent_outcome",
    "parent_quarantined",
)


def _ts(seconds: int | None) -> Any:
    return None if seconds is None else int(seconds) * US


class _Rows:
    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {t: [] for t in K.TABLES}
        self.manifest: list[dict[str, Any]] = []

    def add(self, table: str, row: dict[str, Any], reason: str | None) -> None:
        self.rows[table].append(row)
        if reason is not None:
            key = K.SCHEMAS[table].names[0]
            self.manifest.append({"table": table, "key": row[key], "reason": reason})

    def tables(self) -> dict[str, pa.Table]:
        out = {}
        for name, rows in self.rows.items():
            if not rows:
                continue
            schema = K.SCHEMAS[name]
            cols = []
            for f in schema:
                values = [r[f.name] for r in rows]
                if f.type == K.TS:  # microseconds since the epoch
                    cols.append(pa.array(values, type=pa.int64()).cast(K.TS))
                else:
                    cols.append(pa.array(values, type=f.type))
            out[name] = pa.Table.from_arrays(cols, schema=schema)
        return out


def dirty_rows(
    plan: Plan, w: int, chunk: Chunk, tables: dict[str, pa.Table]
) -> tuple[dict[str, pa.Table], list[dict[str, Any]]]:
    """Bad rows (and extra exact duplicates) for week `w`, and their manifest entries."""
    rng = rng_for(plan.seed, S_DIRTY, w)
    out = _Rows()
    ws = plan.week_start_s(w)
    t0 = ws + 2 * DAY_S + 10 * 3600
    customer = plan.customers.ids[0].as_py()
    version = "v1.1" if w >= plan.baseline_weeks + K.BOT_V11_AFTER_WEEKS else "v1.0"

    # valid tickets of this week to point at: closed, one attempted, one escalated
    closed = np.flatnonzero(~chunk.open & (chunk.created >= ws))
    if closed.size == 0:
        closed = np.flatnonzero(~chunk.open)
    if closed.size == 0:  # nothing to point at (a tiny week): no dirty rows this week
        return {}, []

    def pick(mask: np.ndarray) -> int:
        cand = np.flatnonzero(mask[closed])
        return int(closed[cand[0]] if cand.size else closed[0])

    ref = pick(np.ones(chunk.created.size, bool))
    ref_att = pick(chunk.attempted)
    ref_esc = pick(chunk.outcome == K.O_ESCALATED)

    def tid(i: int) -> str:
        return chunk.ticket_ids[i].as_py()

    def created(i: int) -> int:
        return int(chunk.created[i])

    def closed_at(i: int) -> int:
        return int(chunk.closed[i])

    serial = iter(range(1000))

    def key(prefix: str) -> str:
        return f"{prefix}{w:04d}D{next(serial):03d}"

    # ------------------------------------------------------------------ tickets
    def ticket(k: str | None, minute: int, **over: Any) -> dict[str, Any]:
        start = t0 + minute * 600
        row = {
            "ticket_id": k,
            "customer_id": customer,
            "channel": "chat",
            "created_at": _ts(start),
            "closed_at": _ts(start + 900),
            "intent": "order_status",
            "product_id": None,
            "bot_attempted": True,
            "outcome": "bot_resolved",
            "bot_version": version,
            "model_confidence": 0.82,
            "model_csat_score": 4.3,
            "bot_handle_seconds": 240,
            "agent_handle_seconds": None,
            "updated_at": _ts(start + 1800) + 123_456,
        }
        row.update(over)
        return row

    out.add("tickets", ticket(None, 0), "null_key")
    k = key("T")
    out.add("tickets", ticket(k, 1), "reexport_conflict")
    out.add("tickets", ticket(k, 1, channel="email"), "reexport_conflict")
    out.add("tickets", ticket(key("T"), 2, channel="fax"), "invalid_enum")
    out.add("tickets", ticket(key("T"), 3, outcome="solved"), "invalid_enum")
    out.add("tickets", ticket(key("T"), 4, model_confidence=1.7), "out_of_range")
    out.add("tickets", ticket(key("T"), 5, model_csat_score=9.0), "out_of_range")
    out.add("tickets", ticket(key("T"), 6, bot_handle_seconds=-120), "out_of_range")
    out.add(
        "tickets", ticket(key("T"), 7, closed_at=_ts(t0 + 7 * 600 - 3600)), "closed_before_created"
    )
    out.add("tickets", ticket(key("T"), 8, created_at=None), "missing_required")
    out.add(
        "tickets",
        ticket(
            key("T"),
            9,
            bot_attempted=False,
            bot_version=None,
            model_confidence=None,
            model_csat_score=None,
            bot_handle_seconds=None,
        ),
        "inconsistent_outcome",
    )
    # a bad ticket with children: the children are set aside with it
    parent = key("T")
    p_start = t0 + 10 * 600
    out.add(
        "tickets",
        ticket(
            parent,
            10,
            closed_at=_ts(p_start - 7200),
            outcome="escalated",
            agent_handle_seconds=900,
            model_confidence=0.41,
            model_csat_score=3.1,
        ),
        "closed_before_created",
    )
    out.add(
        "messages",
        {
            "message_id": key("M"),
            "ticket_id": parent,
            "sent_at": _ts(p_start),
            "author_type": "customer",
            "body": "Hi, my order never arrived.",
        },
        "parent_quarantined",
    )
    out.add(
        "messages",
        {
            "message_id": key("M"),
            "ticket_id": parent,
            "sent_at": _ts(p_start + 40),
            "author_type": "bot",
            "body": "Thanks, let me look into that.",
        },
        "parent_quarantined",
    )
    out.add(
        "surveys",
        {
            "survey_id": key("S"),
            "ticket_id": parent,
            "survey_type": "resolution",
            "channel": "chat",
            "sent_at": _ts(p_start + 3600),
            "responded_at": _ts(p_start + 4000),
            "scale": "five_point",
            "score": 2,
            "comment": None,
            "updated_at": _ts(p_start + 4100),
        },
        "parent_quarantined",
    )

    # ------------------------------------------------------------------ messages
    def message(k: str | None, t: int, **over: Any) -> dict[str, Any]:
        row = {
            "message_id": k,
            "ticket_id": tid(t),
            "sent_at": _ts(created(t) + 30),
            "author_type": "customer",
            "body": "Any update on this?",
        }
        row.update(over)
        return row

    out.add("messages", message(None, ref), "null_key")
    k = key("M")
    out.add("messages", message(k, ref), "duplicate_key_conflict")
    out.add(
        "messages", message(k, ref, body="Any update on this? Call me."), "duplicate_key_conflict"
    )
    out.add("messages", message(key("M"), ref, author_type="system"), "invalid_enum")
    out.add("messages", message(key("M"), ref, ticket_id=key("T")), "orphan_ticket")
    out.add("messages", message(key("M"), ref, sent_at=None), "missing_required")

    # ------------------------------------------------------------------ surveys
    def survey(k: str | None, t: int, **over: Any) -> dict[str, Any]:
        sent = closed_at(t)
        row = {
            "survey_id": k,
            "ticket_id": tid(t),
            "survey_type": "resolution",
            "channel": K.CHANNELS[int(chunk.channel[t])],
            "sent_at": _ts(sent),
            "responded_at": _ts(sent + 5400),
            "scale": "five_point",
            "score": 4,
            "comment": None,
            "updated_at": _ts(sent + 6000) + 654_321,
        }
        row.update(over)
        return row

    out.add("surveys", survey(None, ref), "null_key")
    k = key("S")
    out.add("surveys", survey(k, ref), "reexport_conflict")
    out.add("surveys", survey(k, ref, score=2), "reexport_conflict")
    unanswered = {"responded_at": None, "score": None}
    out.add("surveys", survey(key("S"), ref, scale="ten_point", **unanswered), "invalid_enum")
    out.add("surveys", survey(key("S"), ref, survey_type="nps"), "invalid_enum")
    out.add("surveys", survey(key("S"), ref, score=7), "score_out_of_scale")
    out.add("surveys", survey(key("S"), ref, score=0), "score_out_of_scale")
    out.add("surveys", survey(key("S"), ref, scale="thumbs", score=3), "score_out_of_scale")
    out.add(
        "surveys",
        survey(key("S"), ref, responded_at=_ts(closed_at(ref) - 600)),
        "responded_before_sent",
    )
    out.add("surveys", survey(key("S"), ref, ticket_id=key("T")), "orphan_ticket")

    # ------------------------------------------------------------------ escalations
    def escalation(k: str | None, t: int, **over: Any) -> dict[str, Any]:
        row = {
            "escalation_id": k,
            "ticket_id": tid(t),
            "escalated_at": _ts(created(t) + 300),
            "agent_id": "A0001",
            "packet_intent": K.INTENTS[int(chunk.intent[t])],
            "packet_account_state": "active",
            "packet_summary": "Customer asks about an order.",
            "agent_restate_flag": False,
        }
        row.update(over)
        return row

    out.add("escalations", escalation(None, ref_esc), "null_key")
    k = key("E")
    out.add("escalations", escalation(k, ref_esc), "duplicate_key_conflict")
    out.add("escalations", escalation(k, ref_esc, agent_id="A0002"), "duplicate_key_conflict")
    out.add("escalations", escalation(key("E"), ref_esc, ticket_id=key("T")), "orphan_ticket")

    # ------------------------------------------------------------------ QA reviews
    def review(k: str, t: int, **over: Any) -> dict[str, Any]:
        row = {
            "review_id": k,
            "ticket_id": tid(t),
            "reviewed_at": _ts(closed_at(t) + 2 * DAY_S),
            "reviewer": K.REVIEWERS[0],
            "policy_quoted": False,
            "finding_class": "none",
            "policy_key": None,
            "quoted_value": None,
            "agent_acknowledged_packet": None,
        }
        row.update(over)
        return row

    k = key("Q")
    out.add("qa_reviews", review(k, ref_att), "duplicate_key_conflict")
    out.add("qa_reviews", review(k, ref_att, reviewer=K.REVIEWERS[1]), "duplicate_key_conflict")
    out.add("qa_reviews", review(key("Q"), ref_att, finding_class="other"), "invalid_enum")
    out.add("qa_reviews", review(key("Q"), ref_att, ticket_id=key("T")), "orphan_ticket")

    # ------------------------------------------------------------------ tool calls
    def call(k: str | None, t: int, **over: Any) -> dict[str, Any]:
        row = {
            "call_id": k,
            "ticket_id": tid(t),
            "called_at": _ts(created(t) + 20),
            "tool_name": "order.lookup",
            "status": "success",
        }
        row.update(over)
        return row

    out.add("tool_calls", call(None, ref_att), "null_key")
    k = key("X")
    out.add("tool_calls", call(k, ref_att), "duplicate_key_conflict")
    out.add("tool_calls", call(k, ref_att, status="error"), "duplicate_key_conflict")
    out.add("tool_calls", call(key("X"), ref_att, status="timeout"), "invalid_enum")
    out.add("tool_calls", call(key("X"), ref_att, ticket_id=key("T")), "orphan_ticket")

    # ------------------------------------------------------------------ customers
    k = f"C{w:04d}D{next(serial):03d}"
    created_c = _ts(plan.start_s - 90 * DAY_S)
    out.add(
        "customers",
        {"customer_id": k, "segment": "smb", "region": "eu", "created_at": created_c},
        "duplicate_key_conflict",
    )
    out.add(
        "customers",
        {"customer_id": k, "segment": "enterprise", "region": "eu", "created_at": created_c},
        "duplicate_key_conflict",
    )

    bad = out.tables()
    # extra exact duplicates of valid rows (not listed: they collapse)
    for name in ("escalations", "tool_calls", "qa_reviews", "tickets"):
        t = tables.get(name)
        if t is not None and t.num_rows:
            n_dup = min(2, t.num_rows)
            pick = np.sort(rng.choice(t.num_rows, size=n_dup, replace=False))
            dup = t.take(pa.array(pick))
            bad[name] = pa.concat_tables([bad[name], dup]) if name in bad else dup
    cust = plan.customers.table
    dup_customer = cust.slice(int(rng.integers(cust.num_rows)), 1)
    bad["customers"] = pa.concat_tables([bad["customers"], dup_customer])
    return bad, out.manifest
