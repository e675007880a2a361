"""The generation plan: parameters, calendar, weekly volumes, customers and products.

A plan is a pure function of the `generate` arguments. Customers and products
depend only on (seed, tickets); weekly volumes on (seed, tickets, weeks). Each
week is then generated from its own RNG streams, so any week can be produced on
its own (appending a week later gives the same bytes as generating it at once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import constants as K

DAY_S = 86_400
WEEK_S = 7 * DAY_S
US = 1_000_000
EPOCH = date(1970, 1, 1)

#: expected follow-up (repeat-contact) tickets per primary ticket; primaries are sized so
#: that primaries + follow-ups is close to the requested total.
FOLLOWUP_RATE = 0.075
MAX_CHUNK = 250_000

# stream ids for np.random.default_rng([seed, kind, week, chunk, stream])
S_CUSTOMERS, S_PRODUCTS, S_VOLUME, S_WEEK = 1, 2, 3, 4


def rng_for(*key: int) -> np.random.Generator:
    return np.random.default_rng([int(k) & 0xFFFFFFFF for k in key])


def epoch_seconds(d: date) -> int:
    return (d - EPOCH).days * DAY_S


def iso(seconds: int) -> str:
    return (datetime(1970, 1, 1) + timedelta(seconds=int(seconds))).isoformat()


def _digits(values: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(
        pa.array(values, type=pa.int64()).cast(pa.string()), width=width, padding="0"
    )


def prefixed_ids(prefix: str, values: np.ndarray, width: int) -> pa.Array:
    return pc.binary_join_element_wise(prefix, _digits(values, width), "")


@dataclass
class Customers:
    n: int
    ids: pa.Array
    segment: np.ndarray  # int8 index into SEGMENTS
    thumbs: np.ndarray  # bool: answers surveys with thumbs
    cdf: np.ndarray  # contact-intensity CDF for picking a ticket's customer
    table: pa.Table


@dataclass
class Products:
    n: int
    ids: pa.Array
    group_offset: np.ndarray  # per product group (0 physical, 1 subscription, 2 any)
    group_size: np.ndarray
    table: pa.Table


@dataclass
class Plan:
    seed: int
    tickets: int
    weeks: int
    baseline_weeks: int
    start: date
    scenarios: frozenset[str]
    start_s: int = 0
    deploy_s: int = 0
    cutoff_s: int = 0
    scenario_start_week: int = 0
    week_primary: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    n_agents: int = 20
    customers: Customers | None = None
    products: Products | None = None
    csat_shift: np.ndarray = field(default_factory=lambda: np.zeros(K.N_ARCH))
    attempt_norm: float = 1.0

    def week_start(self, w: int) -> date:
        return self.start + timedelta(days=7 * w)

    def week_start_s(self, w: int) -> int:
        return self.start_s + w * WEEK_S

    def in_window(self, w: int) -> bool:
        return self.baseline_weeks <= w < self.weeks and w >= self.scenario_start_week


def build_plan(
    *,
    seed: int,
    tickets: int,
    weeks: int,
    baseline_weeks: int,
    start: date,
    scenarios: frozenset[str],
) -> Plan:
    plan = Plan(
        seed=seed,
        tickets=tickets,
        weeks=weeks,
        baseline_weeks=baseline_weeks,
        start=start,
        scenarios=scenarios,
    )
    plan.start_s = epoch_seconds(start)
    plan.deploy_s = plan.start_s + baseline_weeks * WEEK_S
    # the export cutoff: the end of the last generated week. Nothing happens after it.
    plan.cutoff_s = plan.start_s + weeks * WEEK_S
    # scenarios are injected into the post-deployment period, in the last 6 weeks
    plan.scenario_start_week = max(baseline_weeks, weeks - 6)

    # weekly volumes: mild upward trend and noise, normalised to the requested total
    primaries = tickets / (1.0 + FOLLOWUP_RATE)
    w = np.arange(weeks, dtype=np.float64)
    trend = 1.0 + 0.08 * ((w / max(weeks - 1, 1)) - 0.5)
    noise = np.array([rng_for(seed, S_VOLUME, i).normal(0.0, 0.03) for i in range(weeks)])
    mult = trend * np.exp(noise)
    plan.week_primary = np.maximum(1, np.round(primaries * mult / mult.sum())).astype(np.int64)
    plan.n_agents = int(np.clip(round(tickets / max(weeks, 1) / 60), 15, 400))

    plan.customers = build_customers(seed, tickets, plan.start_s)
    plan.products = build_products(seed, tickets)

    # attempt probabilities are normalised by the mean channel multiplier
    seg_ticket_share = K.SEGMENT_SHARE * K.SEGMENT_INTENSITY
    seg_ticket_share = seg_ticket_share / seg_ticket_share.sum()
    channel_share = seg_ticket_share @ K.CHANNEL_MIX
    plan.attempt_norm = float(channel_share @ K.CHANNEL_ATTEMPT)

    # re-centre post-deployment satisfaction so that each archetype's outcome mix keeps
    # its baseline CSAT (plus a small lift): clean data must not trip the CSAT gates.
    attempted = K.ARCH_ATTEMPT
    resolved = K.ARCH_DEFLECT
    escalated = (attempted - resolved) * K.ARCH_ESC_SHARE
    abandoned = (attempted - resolved) * (1 - K.ARCH_ESC_SHARE)
    restate_rate = 0.027
    expected_delta = (
        resolved * K.OUTCOME_CSAT[K.O_RESOLVED]
        + escalated * (K.OUTCOME_CSAT[K.O_ESCALATED] + restate_rate * K.RESTATE_CSAT)
        + abandoned * K.OUTCOME_CSAT[K.O_ABANDONED]
    )
    plan.csat_shift = K.CSAT_TARGET_LIFT - expected_delta
    return plan


def build_customers(seed: int, tickets: int, start_s: int) -> Customers:
    n = max(50, int(round(tickets / 4)))
    rng = rng_for(seed, S_CUSTOMERS)
    u = rng.random((4, n))
    segment = np.searchsorted(np.cumsum(K.SEGMENT_SHARE), u[0], side="right").astype(np.int8)
    segment = np.minimum(segment, len(K.SEGMENTS) - 1)
    region = np.searchsorted(np.cumsum(K.REGION_SHARE), u[1], side="right")
    region = np.minimum(region, len(K.REGION_SHARE) - 1)
    thumbs = u[2] < K.THUMBS_SHARE
    created_s = start_s - (30 * DAY_S + (u[3] * 1500 * DAY_S).astype(np.int64))
    created_s = created_s - created_s % 60
    intensity = K.SEGMENT_INTENSITY[segment] * rng.lognormal(0.0, 0.5, n)
    cdf = np.cumsum(intensity)
    cdf /= cdf[-1]
    ids = prefixed_ids("C", np.arange(n), 7)
    table = pa.table(
        {
            "customer_id": ids,
            "segment": pa.array(K.SEGMENTS).take(pa.array(segment.astype(np.int64))),
            "region": pa.array(K.REGIONS).take(
                pa.array(region.astype(np.int64), mask=region >= len(K.REGIONS))
            ),
            "created_at": pa.array(created_s * US, type=K.TS),
        },
        schema=K.SCHEMAS["customers"],
    )
    return Customers(n=n, ids=ids, segment=segment, thumbs=thumbs, cdf=cdf, table=table)


_PHYSICAL = {
    "electronics": (
        ["Aurora", "Nimbus", "Pulse", "Vertex", "Echo", "Nova"],
        ["Headphones", "Speaker", "Smartwatch", "Camera", "Earbuds", "Tablet"],
    ),
    "home": (
        ["Linen", "Oak", "Harbor", "Sage", "Willow"],
        ["Throw Blanket", "Desk Lamp", "Bookshelf", "Duvet Set", "Rug"],
    ),
    "appliances": (
        ["Breeze", "Kettle&Co", "Frost", "Blend", "Steam"],
        ["Blender", "Air Fryer", "Kettle", "Vacuum", "Coffee Maker"],
    ),
    "apparel": (
        ["Trail", "Urban", "Coast", "Summit", "Metro"],
        ["Jacket", "Sneakers", "Hoodie", "Rain Coat", "Backpack"],
    ),
}
_PLANS = ["Basic", "Plus", "Pro", "Family", "Business", "Student"]
_PLAN_TERMS = ["Monthly", "Annual"]


def build_products(seed: int, tickets: int) -> Products:
    n = int(np.clip(round(tickets / 1000), 40, 200))
    n_sub = 12  # subscription plans: 6 plans x 2 terms
    n_phys = n - n_sub
    rng = rng_for(seed, S_PRODUCTS)
    cats = list(_PHYSICAL)
    names: list[str] = []
    categories: list[str] = []
    seen: set[str] = set()
    i = 0
    while len(names) < n_phys:
        cat = cats[i % len(cats)]
        adjs, nouns = _PHYSICAL[cat]
        a, b = rng.integers(len(adjs)), rng.integers(len(nouns))
        name = f"{adjs[a]} {nouns[b]}"
        if name in seen:
            name = f"{name} {2 + i // 50}"
        if name not in seen:
            seen.add(name)
            names.append(name)
            categories.append(cat)
        i += 1
    for plan in _PLANS:
        for term in _PLAN_TERMS:
            names.append(f"{plan} Plan ({term})")
            categories.append("subscription")
    ids = prefixed_ids("P", np.arange(n), 3)
    table = pa.table(
        {
            "product_id": ids,
            "product_name": pa.array(names),
            "category": pa.array(categories),
        },
        schema=K.SCHEMAS["products"],
    )
    return Products(
        n=n,
        ids=ids,
        group_offset=np.array([0, n_phys, 0]),
        group_size=np.array([n_phys, n_sub, n]),
        table=table,
    )
