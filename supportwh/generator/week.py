"""One chunk of one week: tickets and everything that hangs off them, fully vectorized.

A chunk is a block of at most MAX_CHUNK primary tickets created in one ISO week,
plus the follow-up (repeat-contact) tickets they cause. Every random draw comes
from RNG streams keyed by (seed, week, chunk, stage) and is made unconditionally
(scenarios change thresholds, never the draws), so a chunk is reproducible on its
own and a scenario only changes what it targets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import constants as K
from . import text as X
from .plan import DAY_S, S_WEEK, US, WEEK_S, Plan, prefixed_ids, rng_for

# stage ids of the per-chunk RNG streams
(
    R_PRIMARY,
    R_ATTRS,
    R_FOLLOWUP,
    R_FU_ATTRS,
    R_TICKET_ROWS,
    R_MESSAGES,
    R_TOOLS,
    R_ESCALATIONS,
    R_SURVEYS,
    R_QA,
    R_ORDERS,
    R_DUPES,
) = range(12)

_RR = K.ARCH_INDEX["returns_refunds"]
_BD = K.ARCH_INDEX["billing_disputes"]
_OT = K.ARCH_INDEX["order_tracking"]
_WC = K.ARCH_INDEX["warranty_claims"]

_DOW_CDF = np.cumsum(K.DOW_WEIGHT) / K.DOW_WEIGHT.sum()
_HOUR_CDF = np.cumsum(K.HOUR_WEIGHT) / K.HOUR_WEIGHT.sum()
_CHANNEL_CDF = np.cumsum(K.CHANNEL_MIX, axis=1)
_ACCOUNT_STATE_CDF = np.cumsum([0.70, 0.10, 0.08, 0.04, 0.08])

# message-phase timing by channel (chat, email, sms, voice), in seconds
_FIRST_RESPONSE = np.array([180.0, 14_400.0, 900.0, 60.0])
_ESCALATION_WAIT = np.array([300.0, 10_800.0, 600.0, 120.0])
_AGENT_WALL = np.array([1_500.0, 72_000.0, 7_200.0, 900.0])
_ABANDON_TIMEOUT = np.array([1_800.0, 86_400.0, 7_200.0, 300.0])
_CONFIDENCE_MU = np.array([1.6, 0.0, -0.3, 0.0])
_MAX_DURATION = 6 * DAY_S

_STR = {
    "channel": pa.array(K.CHANNELS),
    "outcome": pa.array(K.OUTCOMES),
    "author": pa.array(K.AUTHOR_TYPES),
    "intent": pa.array(K.INTENTS),
    "version": pa.array(K.BOT_VERSIONS),
    "tool": pa.array(K.TOOLS),
    "status": pa.array(K.TOOL_STATUSES),
    "survey_type": pa.array(K.SURVEY_TYPES),
    "scale": pa.array(K.SCALES),
    "finding": pa.array(K.FINDING_CLASSES),
    "policy_key": pa.array(K.POLICY_KEYS),
    "reviewer": pa.array(K.REVIEWERS),
    "account_state": pa.array(K.ACCOUNT_STATES),
}


# --------------------------------------------------------------------------- arrow helpers


def ts(seconds: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(seconds, dtype=np.int64) * US, type=K.TS, mask=null)


def ts_us(micros: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(micros, dtype=np.int64), type=K.TS, mask=null)


def codes(name: str, idx: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return _STR[name].take(pa.array(np.asarray(idx, dtype=np.int64), mask=null))


def take_strings(arr: pa.Array, idx: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return arr.take(pa.array(np.asarray(idx, dtype=np.int64), mask=null))


def _segment_rank(sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows repeated `sizes` times: (owner index, rank within owner)."""
    owner = np.repeat(np.arange(len(sizes)), sizes)
    starts = np.cumsum(sizes) - sizes
    rank = np.arange(owner.size) - starts[owner]
    return owner, rank


def _pick(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)


# --------------------------------------------------------------------------- tickets


@dataclass
class Chunk:
    """What the dirty-row generator needs to know about a generated chunk."""

    week: int
    ticket_ids: pa.Array
    created: np.ndarray
    closed: np.ndarray  # planned close (seconds); valid only where ~open
    open: np.ndarray
    outcome: np.ndarray
    attempted: np.ndarray
    customer: np.ndarray
    intent: np.ndarray
    channel: np.ndarray


def _ticket_attrs(
    plan: Plan, rng: np.random.Generator, created: np.ndarray, cust: np.ndarray, intent: np.ndarray
) -> dict[str, np.ndarray]:
    """Every ticket-level attribute, given when, who and what."""
    n = created.size
    U = rng.random((24, n))
    Z = rng.standard_normal((7, n))
    S = plan.scenarios

    arch = K.INTENT_ARCH_ARR[intent].astype(np.int64)
    seg = plan.customers.segment[cust].astype(np.int64)
    week = (created - plan.start_s) // WEEK_S
    post = created >= plan.deploy_s
    window = post & (week >= plan.scenario_start_week) & (week < plan.weeks)

    cdf = _CHANNEL_CDF[seg]
    channel = (
        (U[0] > cdf[:, 0]).astype(np.int64) + (U[0] > cdf[:, 1]) + (U[0] > cdf[:, 2])
    ).astype(np.int64)

    prods = plan.products
    group = K.ARCH_PRODUCT_GROUP[arch]
    product = prods.group_offset[group] + np.minimum(
        (U[2] * prods.group_size[group]).astype(np.int64), prods.group_size[group] - 1
    )
    product = np.where(U[1] < K.ARCH_PRODUCT_NULL[arch], -1, product)

    # bot engagement and outcome
    p_attempt = np.minimum(
        0.99, K.ARCH_ATTEMPT[arch] * K.CHANNEL_ATTEMPT[channel] / plan.attempt_norm
    )
    attempted = post & (U[3] < p_attempt)
    deploy_week = plan.baseline_weeks
    v11 = post & (
        (week > deploy_week + K.BOT_V11_AFTER_WEEKS)
        | ((week == deploy_week + K.BOT_V11_AFTER_WEEKS) & (U[5] < 0.5))
    )
    p_resolve = np.minimum(
        0.97,
        K.ARCH_DEFLECT[arch] / K.ARCH_ATTEMPT[arch] * K.SEGMENT_RESOLVE[seg] + 0.015 * v11,
    )
    p_escalate = p_resolve + (1 - p_resolve) * K.ARCH_ESC_SHARE[arch]
    outcome = np.where(
        U[4] < p_resolve, K.O_RESOLVED, np.where(U[4] < p_escalate, K.O_ESCALATED, K.O_ABANDONED)
    )
    outcome = np.where(attempted, outcome, K.O_HUMAN).astype(np.int64)
    resolved = outcome == K.O_RESOLVED
    escalated = outcome == K.O_ESCALATED
    abandoned = outcome == K.O_ABANDONED
    human = outcome == K.O_HUMAN
    version = np.where(attempted, v11.astype(np.int64), -1)

    # handoff packet and context loss (escalated tickets)
    brk = ("handoff_break" in S) & window & (arch == _BD) & escalated
    incomplete = escalated & (U[7] < np.where(brk, 0.80, 0.06))
    p_restate = np.where(brk, 0.30, np.where(incomplete, 0.12, 0.02))
    restate = escalated & (U[9] < p_restate)
    p_repeat = np.where(brk, np.where(restate, 0.65, 0.04), np.where(restate, 0.70, 0.008))
    repeat_phrase = escalated & (U[10] < p_repeat)

    # handle times
    bot_mult = np.where(escalated, 1.3, np.where(abandoned, 0.8, 1.0))
    bot_s = np.clip(K.ARCH_BOT_SECONDS[arch] * bot_mult * np.exp(0.45 * Z[0]), 60, 900)
    rise = ("bot_handle_time_rise" in S) & (arch == _OT) & (week >= plan.weeks - 3)
    bot_s = bot_s * np.where(rise, 1.2 ** (week - (plan.weeks - 4)).clip(0, 3), 1.0)
    bot_s = np.where(attempted, np.round(bot_s), 0).astype(np.int64)
    agent_s = np.clip(K.ARCH_AGENT_SECONDS[arch] * np.exp(0.45 * Z[1]), 300, 2400)
    agent_s = agent_s * np.where(escalated, 0.95 * np.where(restate, 1.35, 1.0), 1.0)
    agent_s = agent_s * np.where(brk, 1.4, 1.0)
    agent_s = np.where(escalated | human, np.round(agent_s), -1).astype(np.int64)

    # satisfaction (the ticket's latent truth; surveys sample it)
    collapse = ("csat_collapse" in S) & window & (arch == _RR) & attempted
    sat_p = K.ARCH_CSAT[arch] + K.SEGMENT_CSAT[seg] + K.CHANNEL_CSAT[channel]
    sat_p = sat_p + np.where(post, plan.csat_shift[arch] + K.OUTCOME_CSAT[outcome], 0.0)
    sat_p = sat_p + K.RESTATE_CSAT * restate - 0.17 * collapse
    sat_p = np.clip(sat_p, 0.02, 0.98)
    sat = U[6] < sat_p

    confidence = 1.0 / (1.0 + np.exp(-(_CONFIDENCE_MU[outcome] + 0.3 * sat + 0.7 * Z[4])))
    confidence = np.round(confidence, 3)
    model_csat = np.where(sat, 4.4 + 0.45 * Z[5], 3.0 + 0.8 * Z[5])
    model_csat = np.round(np.clip(model_csat, 1.0, 5.0), 1)

    # timeline (seconds)
    wait = np.where(escalated, _ESCALATION_WAIT[channel], _FIRST_RESPONSE[channel])
    wait = np.maximum(30, np.round(wait * np.exp(0.8 * Z[2]))).astype(np.int64)
    wall = np.maximum(agent_s * 1.2, _AGENT_WALL[channel] * np.exp(0.7 * Z[3]))
    wall = np.maximum(600, np.round(wall)).astype(np.int64)
    timeout = np.round(_ABANDON_TIMEOUT[channel] * (0.8 + 0.4 * U[19])).astype(np.int64)
    escalated_at = created + bot_s
    closed = np.select(
        [resolved, abandoned, escalated],
        [
            created + bot_s + 30 + (U[19] * 270).astype(np.int64),
            created + bot_s + timeout,
            escalated_at + wait + wall,
        ],
        created + wait + wall,
    )
    closed = np.minimum(closed, created + _MAX_DURATION)
    agent_start = np.where(escalated, escalated_at, created) + wait
    # keep at least ten minutes for the agent phase when the duration cap bites
    agent_start = np.where(escalated | human, np.minimum(agent_start, closed - 600), agent_start)

    # conversation shape: bot-phase turns (customer/bot pairs), trailing customer turn,
    # agent-phase turns (agent/customer alternating)
    kb = 1 + _pick(np.array([0.15, 0.55, 0.85, 1.0]), U[16])
    n_bot = np.where(attempted, 2 * kb, 1)
    n_extra = ((resolved & (U[17] < 0.6)) | (abandoned & (U[17] < 0.5))).astype(np.int64)
    n_agent = np.where(
        escalated, 2 + (U[18] * 6).astype(np.int64), np.where(human, 3 + (U[18] * 7), 0)
    ).astype(np.int64)

    agent_id = (U[14] * plan.n_agents).astype(np.int64)
    account_state = _pick(_ACCOUNT_STATE_CDF, U[15])

    # follow-up (repeat contact) propensity: unresolved or unhappy customers come back
    p_fu = np.select([resolved, escalated, abandoned], [0.035, 0.05, 0.20], 0.045) + np.where(
        sat, 0.0, 0.15
    )

    return {
        "arch": arch,
        "seg": seg,
        "week": week,
        "post": post,
        "window": window,
        "channel": channel,
        "product": product,
        "attempted": attempted,
        "outcome": outcome,
        "version": version,
        "confidence": confidence,
        "model_csat": model_csat,
        "bot_s": bot_s,
        "agent_s": agent_s,
        "sat": sat,
        "collapse": collapse,
        "incomplete": incomplete,
        "incomplete_u": U[8],
        "restate": restate,
        "repeat_phrase": repeat_phrase,
        "escalated_at": escalated_at,
        "agent_start": agent_start,
        "closed": closed,
        "n_bot": n_bot,
        "n_extra": n_extra,
        "n_agent": n_agent,
        "agent_id": agent_id,
        "account_state": account_state,
        "p_fu": p_fu,
        "u_fu": U[12],
        "u_fu_kind": U[13],
        "u_fu_gap": U[20],
        "u_packet_intent": U[21],
    }


def _concat_attrs(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([a[k], b[k]]) for k in a}


def _subset(attrs: dict[str, np.ndarray], mask: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[mask] for k, v in attrs.items()}


# --------------------------------------------------------------------------- the chunk


def generate_chunk(
    plan: Plan, w: int, c: int, n_primary: int, first_n: int
) -> tuple[dict[str, pa.Table], Chunk]:
    """Tables of one chunk; ticket numbers start at `first_n` within the week."""
    seed = plan.seed

    def stream(stage: int) -> np.random.Generator:
        return rng_for(seed, S_WEEK, w, c, stage)

    # ---- primary tickets: when, who, what
    rng = stream(R_PRIMARY)
    u = rng.random((5, n_primary))
    day = _pick(_DOW_CDF, u[0])
    hour = _pick(_HOUR_CDF, u[1])
    created = plan.week_start_s(w) + day * DAY_S + hour * 3600 + (u[2] * 3600).astype(np.int64)
    created = np.sort(created)
    cust = _pick(plan.customers.cdf, u[3])
    intent = _pick(K.INTENT_CDF, u[4])
    attrs = _ticket_attrs(plan, stream(R_ATTRS), created, cust, intent)

    # ---- follow-up tickets: the same customer comes back about the same thing
    closed_ok = attrs["closed"] <= plan.cutoff_s
    fu = closed_ok & (attrs["u_fu"] < attrs["p_fu"])
    short = attrs["u_fu_kind"] < 0.7
    gap = np.where(
        short,
        np.minimum(6.8 * DAY_S, 0.25 * DAY_S - np.log1p(-attrs["u_fu_gap"]) * 1.75 * DAY_S),
        7 * DAY_S + attrs["u_fu_gap"] * 22 * DAY_S,
    ).astype(np.int64)
    fu_created = attrs["closed"] + gap
    fu = fu & (fu_created < plan.cutoff_s)
    fu_attrs = _ticket_attrs(plan, stream(R_FU_ATTRS), fu_created[fu], cust[fu], intent[fu])
    created = np.concatenate([created, fu_created[fu]])
    cust = np.concatenate([cust, cust[fu]])
    intent = np.concatenate([intent, intent[fu]])
    attrs = _concat_attrs(attrs, fu_attrs)
    # primaries that fall after the cutoff do not exist yet (never, for full weeks)
    exists = created < plan.cutoff_s
    if not exists.all():
        created, cust, intent = created[exists], cust[exists], intent[exists]
        attrs = _subset(attrs, exists)
    n = created.size
    if first_n + n > 9_999_999:
        raise ValueError("more than 9,999,999 tickets in one week; use more weeks")
    suffix = pc.binary_join_element_wise(
        f"{w:04d}", pc.utf8_lpad(pa.array(first_n + np.arange(n)).cast(pa.string()), 7, "0"), ""
    )
    ticket_ids = pc.binary_join_element_wise("T", suffix, "")
    attrs["created"] = created
    attrs["cust"] = cust
    attrs["intent"] = intent
    attrs["open"] = attrs["closed"] > plan.cutoff_s

    tools, claim, halluc_claim = _tool_calls(plan, stream(R_TOOLS), attrs, suffix, ticket_ids)
    messages, first_bot_at = _messages(plan, stream(R_MESSAGES), attrs, claim, suffix, ticket_ids)
    tools = _finish_tool_calls(plan, tools, attrs, first_bot_at)
    tables = {
        "tickets": _ticket_rows(plan, stream(R_TICKET_ROWS), attrs, ticket_ids),
        "messages": messages,
        "tool_calls": tools,
        "escalations": _escalations(plan, stream(R_ESCALATIONS), attrs, suffix, ticket_ids),
        "surveys": _surveys(plan, stream(R_SURVEYS), attrs, suffix, ticket_ids),
        "qa_reviews": _qa_reviews(plan, stream(R_QA), attrs, halluc_claim, suffix, ticket_ids),
        "orders": _orders(plan, stream(R_ORDERS), w, c, n_primary, first_n),
    }
    tables = _exact_duplicates(stream(R_DUPES), tables)
    info = Chunk(
        week=w,
        ticket_ids=ticket_ids,
        created=created,
        closed=attrs["closed"],
        open=attrs["open"],
        outcome=attrs["outcome"],
        attempted=attrs["attempted"],
        customer=cust,
        intent=intent,
        channel=attrs["channel"],
    )
    return tables, info


def _ticket_rows(
    plan: Plan, rng: np.random.Generator, a: dict[str, np.ndarray], ticket_ids: pa.Array
) -> pa.Table:
    n = a["created"].size
    U = rng.random((5, n))
    created, closed, is_open = a["created"], a["closed"], a["open"]
    cutoff = plan.cutoff_s
    lag = 300 + (U[0] * 6 * 3600).astype(np.int64)
    micro = (U[1] * US).astype(np.int64)
    # open at the cutoff: exported once, still open; else exported after it closed
    open_updated = created + (U[2] * (cutoff - created)).astype(np.int64)
    updated = np.where(is_open, open_updated, np.minimum(closed + lag, cutoff))
    updated_us = np.minimum(updated * US + micro, cutoff * US)
    updated_us = np.maximum(updated_us, np.where(is_open, created, closed) * US)

    # ~10% of tickets were also exported while still open (earlier updated_at)
    long = ~is_open & (closed - created > 3600)
    p = min(1.0, 0.10 * n / max(1, int(long.sum())))
    re = long & (U[3] < p)
    re_updated = created + ((0.15 + 0.7 * U[4]) * (closed - created)).astype(np.int64)
    re_updated_us = re_updated * US + micro

    rows = np.concatenate([np.arange(n), np.flatnonzero(re)])
    version_open = np.concatenate([is_open, np.ones(int(re.sum()), dtype=bool)])
    upd = np.concatenate([updated_us, re_updated_us[re]])
    order = np.argsort(upd, kind="stable")
    rows, version_open, upd = rows[order], version_open[order], upd[order]

    attempted = a["attempted"][rows]
    agent_s = a["agent_s"][rows]
    product = a["product"][rows]
    version = a["version"][rows]
    return pa.table(
        {
            "ticket_id": ticket_ids.take(pa.array(rows)),
            "customer_id": take_strings(plan.customers.ids, a["cust"][rows]),
            "channel": codes("channel", a["channel"][rows]),
            "created_at": ts(created[rows]),
            "closed_at": ts(closed[rows], null=version_open),
            "intent": codes("intent", a["intent"][rows]),
            "product_id": take_strings(plan.products.ids, product, null=product < 0),
            "bot_attempted": pa.array(attempted),
            "outcome": codes("outcome", a["outcome"][rows]),
            "bot_version": codes("version", version, null=version < 0),
            "model_confidence": pa.array(a["confidence"][rows], mask=~attempted),
            "model_csat_score": pa.array(a["model_csat"][rows], mask=~attempted),
            "bot_handle_seconds": pa.array(a["bot_s"][rows], type=pa.int64(), mask=~attempted),
            "agent_handle_seconds": pa.array(
                agent_s, type=pa.int64(), mask=(agent_s < 0) | version_open
            ),
            "updated_at": ts_us(upd),
        },
        schema=K.SCHEMAS["tickets"],
    )


# --------------------------------------------------------------------------- tool calls


def _tool_calls(
    plan: Plan,
    rng: np.random.Generator,
    a: dict[str, np.ndarray],
    suffix: pa.Array,
    ticket_ids: pa.Array,
) -> tuple[dict, np.ndarray, np.ndarray]:
    n = a["created"].size
    Ut = rng.random((2, n))
    arch, outcome, attempted = a["arch"], a["outcome"], a["attempted"]
    cdf = K.TOOL_COUNT_CDF[arch]
    k = ((Ut[0][:, None] > cdf[:, :3]).sum(axis=1)).astype(np.int64)
    k = np.where(attempted, k, 0)
    owner, j = _segment_rank(k)
    m = owner.size
    Uc = rng.random((3, m))
    tool = K.TOOL_SEQ[arch[owner], j].astype(np.int64)
    action = K.TOOL_CLAIM[tool] >= 0
    o = outcome[owner]
    p_success = np.select([o == K.O_RESOLVED, o == K.O_ABANDONED], [0.95, 0.82], 0.72)
    p_success = np.where(action & (o == K.O_ESCALATED), 0.45, p_success)
    status = np.where(Uc[0] < p_success, 0, np.where(Uc[1] < 0.6, 1, 2)).astype(np.int64)

    # the bot claims an action exactly when the matching tool call succeeded
    claim = np.full(n, -1, dtype=np.int64)
    ok = action & (status == 0)
    claim[owner[ok]] = K.TOOL_CLAIM[tool[ok]]
    # refund_hallucination: refund claims with no successful refund.issue call
    halluc = (
        ("refund_hallucination" in plan.scenarios)
        & a["window"]
        & (arch == _RR)
        & attempted
        & (claim != 0)
        & (Ut[1] < 0.12)
    )
    claim = np.where(halluc, 0, claim)
    tools = {"owner": owner, "rank": j, "count": k, "tool": tool, "status": status, "u": Uc[2]}
    tools["suffix"] = suffix
    tools["ticket_ids"] = ticket_ids
    return tools, claim, halluc


def _finish_tool_calls(
    plan: Plan, t: dict, a: dict[str, np.ndarray], first_bot_at: np.ndarray
) -> pa.Table:
    owner, j, k = t["owner"], t["rank"], t["count"]
    created = a["created"][owner]
    span = np.maximum(1, first_bot_at[owner] - created)
    called = created + ((j + t["u"]) / k[owner] * span).astype(np.int64)
    keep = called <= plan.cutoff_s
    owner, j, called = owner[keep], j[keep], called[keep]
    tool, status = t["tool"][keep], t["status"][keep]
    call_suffix = pc.binary_join_element_wise(
        t["suffix"].take(pa.array(owner)), pa.array(j + 1).cast(pa.string()), ""
    )
    return pa.table(
        {
            "call_id": pc.binary_join_element_wise("X", call_suffix, ""),
            "ticket_id": t["ticket_ids"].take(pa.array(owner)),
            "called_at": ts(called),
            "tool_name": codes("tool", tool),
            "status": codes("status", status),
        },
        schema=K.SCHEMAS["tool_calls"],
    )


# --------------------------------------------------------------------------- messages


def _messages(
    plan: Plan,
    rng: np.random.Generator,
    a: dict[str, np.ndarray],
    claim: np.ndarray,
    suffix: pa.Array,
    ticket_ids: pa.Array,
) -> tuple[pa.Table, np.ndarray]:
    n_bot, n_extra, n_agent = a["n_bot"], a["n_extra"], a["n_agent"]
    n_msg = n_bot + n_extra + n_agent
    tix, pos = _segment_rank(n_msg)
    m = tix.size
    U = rng.random((4, m))

    nb = n_bot[tix]
    p0 = nb + n_extra[tix]
    phase1 = pos >= p0
    q = pos - p0
    author = np.where(
        phase1,
        np.where(q % 2 == 0, K.A_AGENT, K.A_CUSTOMER),
        np.where((pos < nb) & (pos % 2 == 1), K.A_BOT, K.A_CUSTOMER),
    ).astype(np.int64)

    # timing: messages spread over their phase, strictly increasing
    is_start = (pos == 0) | (phase1 & (q == 0))
    seg_id = np.cumsum(is_start) - 1
    n_seg = int(seg_id[-1]) + 1 if m else 0
    gaps = -np.log1p(-U[0])
    gaps[is_start] = 0.0
    cum = np.cumsum(gaps)
    start_idx = np.flatnonzero(is_start)
    cum_rel = cum - cum[start_idx][seg_id]
    extra = -np.log1p(-rng.random(n_seg))
    seg_total = np.bincount(seg_id, weights=gaps, minlength=n_seg) + extra
    frac = cum_rel / seg_total[seg_id]
    seg_count = np.bincount(seg_id, minlength=n_seg)[seg_id]
    rank = np.arange(m) - start_idx[seg_id]
    created = a["created"][tix]
    phase_start = np.where(phase1, a["agent_start"][tix], created)
    phase_end = np.where(
        phase1,
        a["closed"][tix] - 30,
        np.where(a["attempted"][tix], created + a["bot_s"][tix], created + 1),
    )
    length = np.maximum(phase_end - phase_start, seg_count)
    sent = phase_start + ((length - seg_count) * frac).astype(np.int64) + rank

    # first bot message of each attempted ticket (the tool calls happen before it)
    first_bot_at = a["created"] + 1
    first_bot = (author == K.A_BOT) & (pos == 1)
    first_bot_at[tix[first_bot]] = sent[first_bot]

    # bodies: template group per message (later rules override earlier ones), then a
    # uniform pick inside the group
    arch = a["arch"][tix]
    outcome = a["outcome"][tix]
    escalated = outcome == K.O_ESCALATED
    claim_m = claim[tix]
    bot = author == K.A_BOT
    agent = author == K.A_AGENT
    customer = author == K.A_CUSTOMER
    group = np.full(m, X.G_CUST_AGENT, dtype=np.int32)

    def rule(mask: np.ndarray, value, index: np.ndarray | None = None) -> None:
        group[mask] = value if index is None else value[index[mask]]

    rule(phase1 & (q == 1) & a["repeat_phrase"][tix], X.G_CUST_REPEAT)
    rule(agent, X.G_AGENT_REPLY, arch)
    last_agent = phase1 & agent & (q >= 2) & (q >= n_agent[tix] - 2)
    rule(last_agent, X.G_AGENT_CLOSE)
    first_agent = phase1 & (q == 0)
    rule(first_agent, X.G_AGENT_FIRST_HUMAN)
    rule(first_agent & escalated, X.G_AGENT_FIRST_ESC)
    rule(first_agent & escalated & a["restate"][tix], X.G_AGENT_RESTATE)
    rule(bot, X.G_BOT_ANSWER, arch)
    rule(bot & (pos == 1), X.G_BOT_FIRST)
    last_bot = bot & (pos == nb - 1)
    rule(last_bot & escalated, X.G_BOT_HANDOFF)
    has_claim = last_bot & (claim_m >= 0)
    claim_m = np.maximum(claim_m, 0)
    rule(has_claim, X.G_BOT_CLAIM, claim_m)
    rule(has_claim & escalated, X.G_BOT_CLAIM_HANDOFF, claim_m)
    phase0_customer = ~phase1 & customer
    rule(phase0_customer, X.G_CUST_FOLLOWUP)
    rule(phase0_customer & (pos >= nb) & (outcome == K.O_RESOLVED), X.G_CUST_THANKS)
    rule(pos == 0, X.G_OPEN, a["intent"][tix])
    repeat = group == X.G_CUST_REPEAT
    del arch, outcome, escalated, claim_m, bot, agent, last_agent, first_agent, last_bot
    del has_claim, phase0_customer
    template = X.POOL.pick(group, U[1])
    pii = customer & ~repeat & (U[2] < np.where(phase1, 0.03, 0.08))
    del customer, repeat, phase1, q, nb, p0, gaps, cum, cum_rel, frac, seg_count, rank
    del created, phase_start, phase_end, length, is_start, seg_id

    keep = sent <= plan.cutoff_s
    if not keep.all():
        tix, pos, sent, author, template, pii = (
            tix[keep], pos[keep], sent[keep], author[keep], template[keep], pii[keep]
        )  # fmt: skip
    body = X.with_pii(X.POOL.take(template), pii, rng)
    msg_suffix = pc.binary_join_element_wise(
        suffix.take(pa.array(tix)), pc.utf8_lpad(pa.array(pos).cast(pa.string()), 2, "0"), ""
    )
    table = pa.table(
        {
            "message_id": pc.binary_join_element_wise("M", msg_suffix, ""),
            "ticket_id": ticket_ids.take(pa.array(tix)),
            "sent_at": ts(sent),
            "author_type": codes("author", author),
            "body": body,
        },
        schema=K.SCHEMAS["messages"],
    )
    return table, first_bot_at


# --------------------------------------------------------------------------- escalations


def _escalations(
    plan: Plan,
    rng: np.random.Generator,
    a: dict[str, np.ndarray],
    suffix: pa.Array,
    ticket_ids: pa.Array,
) -> pa.Table:
    esc = (a["outcome"] == K.O_ESCALATED) & (a["escalated_at"] <= plan.cutoff_s)
    idx = np.flatnonzero(esc)
    k = idx.size
    U = rng.random((2, k))
    inc = a["incomplete"][idx]
    ui = a["incomplete_u"][idx]
    # which packet fields are missing on an incomplete packet: null or blank
    intent_null = inc & ((ui < 0.30) | (ui >= 0.90))
    state_null = inc & (((ui >= 0.30) & (ui < 0.60)) | (ui >= 0.90))
    summary_blank = inc & (ui >= 0.60) & (ui < 0.90)
    summary_null = inc & (ui >= 0.90)
    summary = X.SUMMARY_ARRAY.take(pa.array(a["arch"][idx]))
    blanks = pa.array(np.where(U[0] < 0.5, "", "  "))
    summary = pc.if_else(pa.array(summary_blank), blanks, summary)
    summary = pc.if_else(pa.array(summary_null), pa.scalar(None, pa.string()), summary)
    agent = plan_agents(plan).take(pa.array(a["agent_id"][idx]))
    return pa.table(
        {
            "escalation_id": pc.binary_join_element_wise("E", suffix.take(pa.array(idx)), ""),
            "ticket_id": ticket_ids.take(pa.array(idx)),
            "escalated_at": ts(a["escalated_at"][idx]),
            "agent_id": agent,
            "packet_intent": codes("intent", a["intent"][idx], null=intent_null),
            "packet_account_state": codes(
                "account_state", a["account_state"][idx], null=state_null
            ),
            "packet_summary": summary,
            "agent_restate_flag": pa.array(a["restate"][idx]),
        },
        schema=K.SCHEMAS["escalations"],
    )


_AGENTS: dict[int, pa.Array] = {}


def plan_agents(plan: Plan) -> pa.Array:
    if plan.n_agents not in _AGENTS:
        _AGENTS[plan.n_agents] = prefixed_ids("A", np.arange(plan.n_agents), 4)
    return _AGENTS[plan.n_agents]


# --------------------------------------------------------------------------- surveys


def _surveys(
    plan: Plan,
    rng: np.random.Generator,
    a: dict[str, np.ndarray],
    suffix: pa.Array,
    ticket_ids: pa.Array,
) -> pa.Table:
    n = a["created"].size
    Ut = rng.random((2, n))
    closed_ok = ~a["open"]
    res = np.flatnonzero(closed_ok & (Ut[0] < 0.90))
    dly = np.flatnonzero(closed_ok & (Ut[1] < 0.5))
    tix = np.concatenate([res, dly])
    stype = np.concatenate([np.zeros(res.size, np.int64), np.ones(dly.size, np.int64)])
    m = tix.size
    U = rng.random((12, m))
    Z = rng.standard_normal(m)
    closed = a["closed"][tix]
    sent = np.where(stype == 0, closed, closed + 48 * 3600 + (U[0] * 24 * 3600).astype(np.int64))
    keep = sent <= plan.cutoff_s
    tix, stype, sent, U, Z = tix[keep], stype[keep], sent[keep], U[:, keep], Z[keep]
    m = tix.size

    ch = a["channel"][tix]
    alt = np.where(ch == 3, np.where(U[1] < 0.5, 2, 1), 1)  # voice -> sms/email, else email
    channel = np.where(U[2] < 0.85, ch, alt)
    thumbs = plan.customers.thumbs[a["cust"][tix]]
    sat_t = a["sat"][tix]
    # delayed CSAT: mostly the same verdict, but a fix that did not hold shows up here
    p_delayed = np.where(sat_t, 0.93, 0.25) - 0.08 * a["collapse"][tix]
    satisfied = np.where(stype == 0, sat_t, U[3] < p_delayed)
    p_respond = K.CHANNEL_RESPONSE[channel] + 0.05 * ~satisfied - 0.03 * stype
    delay = np.clip(np.round(np.exp(np.log(3 * 3600) + 1.2 * Z)), 60, 5 * DAY_S).astype(np.int64)
    responded = sent + delay
    answered = (U[4] < p_respond) & (responded <= plan.cutoff_s)
    five = np.where(satisfied, np.where(U[5] < 0.6, 5, 4), 1 + _pick(np.array([0.3, 0.6]), U[5]))
    score = np.where(thumbs, satisfied.astype(np.int64), five)

    commented = answered & (U[6] < 0.3)
    comment_group = np.where(satisfied, X.G_COMMENT_SAT, X.G_COMMENT_UNSAT)
    comment = X.POOL.take(X.POOL.pick(comment_group, U[7]))
    comment = X.with_pii(comment, commented & (U[8] < 0.15), rng)

    lag = 60 + (U[9] * 3540).astype(np.int64)
    micro = (U[10] * US).astype(np.int64)
    cutoff_us = plan.cutoff_s * US
    final_us = np.where(answered, responded, sent) * US + lag * US + micro
    final_us = np.maximum(np.minimum(final_us, cutoff_us), np.where(answered, responded, sent) * US)
    # answered surveys were usually exported once before the answer came in
    first_us = (sent + lag // 4) * US + micro
    pre = answered & (U[11] < 0.85) & (first_us < responded * US)

    rows = np.concatenate([np.arange(m), np.flatnonzero(pre)])
    is_final = np.concatenate([np.ones(m, bool), np.zeros(int(pre.sum()), bool)])
    upd = np.concatenate([final_us, first_us[pre]])
    order = np.argsort(upd, kind="stable")
    rows, is_final, upd = rows[order], is_final[order], upd[order]
    ans = answered[rows] & is_final
    t = tix[rows]
    survey_suffix = pc.binary_join_element_wise(
        suffix.take(pa.array(t)), pa.array(stype[rows] + 1).cast(pa.string()), ""
    )
    return pa.table(
        {
            "survey_id": pc.binary_join_element_wise("S", survey_suffix, ""),
            "ticket_id": ticket_ids.take(pa.array(t)),
            "survey_type": codes("survey_type", stype[rows]),
            "channel": codes("channel", channel[rows]),
            "sent_at": ts(sent[rows]),
            "responded_at": ts(responded[rows], null=~ans),
            "scale": codes("scale", thumbs[rows].astype(np.int64)),
            "score": pa.array(score[rows], type=pa.int64(), mask=~ans),
            "comment": pc.if_else(
                pa.array(ans & commented[rows]),
                comment.take(pa.array(rows)),
                pa.scalar(None, pa.string()),
            ),
            "updated_at": ts_us(upd),
        },
        schema=K.SCHEMAS["surveys"],
    )


# --------------------------------------------------------------------------- QA reviews


def _qa_reviews(
    plan: Plan,
    rng: np.random.Generator,
    a: dict[str, np.ndarray],
    halluc_claim: np.ndarray,
    suffix: pa.Array,
    ticket_ids: pa.Array,
) -> pa.Table:
    n = a["created"].size
    U = rng.random((9, n))
    arch = a["arch"]
    eligible = a["attempted"] & ~a["open"]
    # stratified sample: ~2% of attempted tickets per archetype (at least one), more on
    # returns_refunds while the refund_hallucination scenario runs (targeted review)
    hall = ("refund_hallucination" in plan.scenarios) & a["window"] & (arch == _RR)
    group = arch + K.N_ARCH * hall
    idx = np.flatnonzero(eligible)
    order = idx[np.lexsort((U[0][idx], group[idx]))]
    g = group[order]
    sizes = np.bincount(g, minlength=2 * K.N_ARCH)
    quota = np.where(
        np.arange(2 * K.N_ARCH) < K.N_ARCH,
        np.maximum(1, np.round(0.02 * sizes)),
        np.maximum(3, np.round(0.05 * sizes)),
    )
    quota = np.where(sizes > 0, quota, 0)
    starts = np.cumsum(sizes) - sizes
    rank = np.arange(order.size) - starts[g]
    sampled = np.zeros(n, dtype=bool)
    sampled[order[rank < quota[g]]] = True
    misquote = np.zeros(n, dtype=bool)
    misquote[order[(rank < np.ceil(0.7 * quota[g])) & (g >= K.N_ARCH)]] = True
    targeted = eligible & halluc_claim & (U[1] < 0.35)
    reviewed = sampled | targeted

    idx = np.flatnonzero(reviewed)
    reviewed_at = a["closed"][idx] + DAY_S + (U[2][idx] * 9 * DAY_S).astype(np.int64)
    keep = reviewed_at <= plan.cutoff_s
    idx, reviewed_at = idx[keep], reviewed_at[keep]
    u = U[:, idx]
    ar = arch[idx]
    capability = halluc_claim[idx] | (u[3] < 0.005)
    refund = misquote[idx] & ~capability
    warranty = ~capability & ~refund & (ar == _WC) & (u[4] < 0.08)
    process = ~capability & ~refund & ~warranty & (u[4] > 0.985)
    finding = np.select([refund, warranty, process, capability], [1, 2, 3, 4], 0)
    pk = K.POLICY_KEYS
    policy_key = np.select(
        [refund, warranty, process],
        [pk.index("return_window_days"), pk.index("warranty_months"), pk.index("support_hours")],
        -1,
    )
    quoted = np.select([refund, warranty, process], ["60", "24", "9am-5pm"], "")
    policy_quoted = (policy_key >= 0) | (~capability & (u[5] < 0.3))
    escalated = a["outcome"][idx] == K.O_ESCALATED
    ack = u[6] < np.where(a["incomplete"][idx], 0.55, 0.88)
    return pa.table(
        {
            "review_id": pc.binary_join_element_wise("Q", suffix.take(pa.array(idx)), ""),
            "ticket_id": ticket_ids.take(pa.array(idx)),
            "reviewed_at": ts(reviewed_at),
            "reviewer": codes("reviewer", (u[7] * len(K.REVIEWERS)).astype(np.int64)),
            "policy_quoted": pa.array(policy_quoted),
            "finding_class": codes("finding", finding),
            "policy_key": codes("policy_key", policy_key, null=policy_key < 0),
            "quoted_value": pa.array(quoted, mask=policy_key < 0, type=pa.string()),
            "agent_acknowledged_packet": pa.array(ack, mask=~escalated),
        },
        schema=K.SCHEMAS["qa_reviews"],
    )


# --------------------------------------------------------------------------- orders


def _orders(
    plan: Plan, rng: np.random.Generator, w: int, c: int, n_primary: int, first_n: int
) -> pa.Table:
    n = int(round(0.9 * n_primary))
    U = rng.random((6, n))
    Z = rng.standard_normal(n)
    day = _pick(_DOW_CDF, U[0])
    hour = _pick(_HOUR_CDF, U[1])
    ordered = plan.week_start_s(w) + day * DAY_S + hour * 3600 + (U[2] * 3600).astype(np.int64)
    ordered = np.sort(ordered)
    cust = _pick(plan.customers.cdf, U[3])
    cents = np.clip(np.round(np.exp(np.log(4500) + 0.8 * Z)), 299, 250_000).astype(np.int64)
    returned = ordered + 3 * DAY_S + (U[4] * 32 * DAY_S).astype(np.int64)
    is_returned = (U[5] < 0.08) & (returned <= plan.cutoff_s)
    # decimal128(12, 2) straight from the integer cents (exact, no float rounding)
    dec = np.zeros((n, 2), dtype=np.int64)
    dec[:, 0] = cents
    amount = pa.Array.from_buffers(pa.decimal128(12, 2), n, [None, pa.py_buffer(dec.tobytes())])
    order_no = first_n + np.arange(n)
    return pa.table(
        {
            "order_id": pc.binary_join_element_wise(
                f"O{w:04d}", pc.utf8_lpad(pa.array(order_no).cast(pa.string()), 7, "0"), ""
            ),
            "customer_id": take_strings(plan.customers.ids, cust),
            "ordered_at": ts(ordered),
            "amount": amount,
            "returned_at": ts(returned, null=~is_returned),
        },
        schema=K.SCHEMAS["orders"],
    )


# --------------------------------------------------------------------------- duplicates


def _exact_duplicates(rng: np.random.Generator, tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """The same export delivered twice: ~0.5% of ticket, survey and message rows."""
    out = dict(tables)
    for name in ("tickets", "surveys", "messages"):
        t = tables[name]
        pick = np.flatnonzero(rng.random(t.num_rows) < 0.005)
        if pick.size:
            out[name] = pa.concat_tables([t, t.take(pa.array(pick))])
    return out
