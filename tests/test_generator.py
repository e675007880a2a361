"""Tests of the sample-data generator (supportwh.generator): shape, determinism, realism,
scenarios and the dirty-row manifest. Small sizes only; the whole file runs in seconds."""

from __future__ import annotations

import collections
import json
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from supportwh.generator import (
    ARCHETYPE_INTENTS,
    ARCHETYPE_TIERS,
    REASONS,
    SCENARIOS,
    SCHEMAS,
    TABLES,
    generate,
)
from supportwh.generator.constants import ENUMS

START = date(2025, 10, 6)
WEEKS, BASELINE = 16, 8
DEPLOYED = START + timedelta(days=7 * BASELINE)
WINDOW_START = START + timedelta(days=7 * (WEEKS - 6))  # scenarios: the last 6 weeks
SMALL = {"tickets": 3_000, "weeks": WEEKS, "baseline_weeks": BASELINE, "start": START}
MEDIUM = {**SMALL, "tickets": 20_000}

CONTRACT_COLUMNS = {
    "tickets": [
        "ticket_id", "customer_id", "channel", "created_at", "closed_at", "intent",
        "product_id", "bot_attempted", "outcome", "bot_version", "model_confidence",
        "model_csat_score", "bot_handle_seconds", "agent_handle_seconds", "updated_at",
    ],
    "messages": ["message_id", "ticket_id", "sent_at", "author_type", "body"],
    "escalations": [
        "escalation_id", "ticket_id", "escalated_at", "agent_id", "packet_intent",
        "packet_account_state", "packet_summary", "agent_restate_flag",
    ],
    "surveys": [
        "survey_id", "ticket_id", "survey_type", "channel", "sent_at", "responded_at",
        "scale", "score", "comment", "updated_at",
    ],
    "qa_reviews": [
        "review_id", "ticket_id", "reviewed_at", "reviewer", "policy_quoted", "finding_class",
        "policy_key", "quoted_value", "agent_acknowledged_packet",
    ],
    "tool_calls": ["call_id", "ticket_id", "called_at", "tool_name", "status"],
    "customers": ["customer_id", "segment", "region", "created_at"],
    "products": ["product_id", "product_name", "category"],
    "orders": ["order_id", "customer_id", "ordered_at", "amount", "returned_at"],
}  # fmt: skip
INTENT_ARCHETYPE = {i: a for a, intents in ARCHETYPE_INTENTS.items() for i in intents}
REPETITION = (
    "as i told the bot",
    "i already explained",
    "i already told",
    "already said",
    "like i said",
)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("clean")
    generate(out, seed=7, **MEDIUM)
    return out


@pytest.fixture(scope="module")
def scenario_all(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("all")
    generate(out, seed=7, scenarios=["all"], **MEDIUM)
    return out


def connect(raw: Path) -> duckdb.DuckDBPyConnection:
    """Views raw_<table> over the Parquet files, plus t (current tickets) and s (current
    surveys) with archetype, period and satisfaction; dirty rows (keys with 'D') left out."""
    con = duckdb.connect()
    for table in TABLES:
        con.sql(f"create view raw_{table} as select * from read_parquet('{raw}/{table}/*.parquet')")
    arch = ", ".join(f"('{i}', '{a}')" for i, a in INTENT_ARCHETYPE.items())
    con.sql(f"create table arch as select * from (values {arch}) v(intent, archetype)")
    con.sql(
        f"""create view t as
        select t.*, coalesce(archetype, 'long_tail') as archetype,
               created_at >= date '{DEPLOYED}' as post,
               created_at >= date '{WINDOW_START}' as in_window,
               date_trunc('week', created_at) as week_start
        from (select * from raw_tickets where ticket_id is not null and ticket_id not like 'T____D%'
              qualify row_number() over (partition by ticket_id order by updated_at desc) = 1) t
        left join arch using (intent)"""
    )
    con.sql(
        """create view s as
        select s.*, t.archetype, t.post, t.in_window, t.bot_attempted, t.outcome,
               case when s.score is null then null
                    when s.scale = 'five_point' then s.score >= 4 else s.score = 1 end as satisfied
        from (select * from raw_surveys where survey_id is not null and survey_id not like 'S____D%'
              qualify row_number() over (partition by survey_id order by updated_at desc) = 1) s
        join t using (ticket_id)"""
    )
    return con


def one(con: duckdb.DuckDBPyConnection, sql: str):
    return con.sql(sql).fetchall()[0]


def file_bytes(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


# --------------------------------------------------------------------------- API and shape


def test_public_api() -> None:
    assert set(SCENARIOS) == {
        "clean",
        "csat_collapse",
        "handoff_break",
        "refund_hallucination",
        "bot_handle_time_rise",
        "dirty",
        "all",
    }
    assert all(isinstance(v, str) and v for v in SCENARIOS.values())
    assert ARCHETYPE_INTENTS == {
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
    assert {ARCHETYPE_TIERS[a] for a in ("order_tracking", "account_access", "billing_basics")} == {
        1
    }
    assert ARCHETYPE_TIERS["technical_support"] == 3


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown scenario"):
        generate(tmp_path, tickets=100, weeks=2, baseline_weeks=1, scenarios=["nope"])
    with pytest.raises(ValueError, match="Monday"):
        generate(tmp_path, tickets=100, weeks=2, baseline_weeks=1, start=date(2025, 10, 7))
    with pytest.raises(ValueError, match="week_indices"):
        generate(tmp_path, tickets=100, weeks=2, baseline_weeks=1, week_indices=[2])


def test_files_result_and_generation_json(tmp_path: Path) -> None:
    result = generate(tmp_path, seed=3, scenarios=["dirty"], **SMALL)
    assert result.ai_deployed_at == DEPLOYED
    assert result.manifest_path == tmp_path / "_expected_quarantine.json"
    for table in ("tickets", "messages", "escalations", "surveys", "qa_reviews", "tool_calls"):
        names = sorted(p.name for p in (tmp_path / table).glob("*.parquet"))
        assert names == [f"export-{START + timedelta(days=7 * w)}.parquet" for w in range(WEEKS)], (
            table
        )
        rows = sum(pq.ParquetFile(tmp_path / table / n).metadata.num_rows for n in names)
        assert rows == result.row_counts[table] > 0
    assert (tmp_path / "customers" / "export-initial.parquet").exists()
    assert (tmp_path / "products" / "export-initial.parquet").exists()
    info = json.loads((tmp_path / "_generation.json").read_text())
    assert info["ai_deployed_at"] == DEPLOYED.isoformat()
    assert info["params"]["tickets"] == SMALL["tickets"]
    assert info["scenarios"] == ["dirty"]
    assert info["total_row_counts"]["tickets"] == result.row_counts["tickets"]
    manifest = json.loads(result.manifest_path.read_text())
    assert len(manifest) == result.expected_quarantine > 0


def test_contract_columns_and_types(scenario_all: Path) -> None:
    for table in TABLES:
        files = sorted((scenario_all / table).glob("*.parquet"))
        assert files, table
        for f in files:
            schema = pq.read_schema(f)
            assert schema.names == CONTRACT_COLUMNS[table], f
            assert schema.equals(SCHEMAS[table]), f
    ticket_schema = SCHEMAS["tickets"]
    assert str(ticket_schema.field("created_at").type) == "timestamp[us]"
    assert str(ticket_schema.field("bot_attempted").type) == "bool"
    assert str(ticket_schema.field("bot_handle_seconds").type) == "int64"
    assert str(ticket_schema.field("model_confidence").type) == "double"


def test_keys_unique_and_formats(clean: Path) -> None:
    con = connect(clean)
    keys = {
        "messages": ("message_id", "M"),
        "escalations": ("escalation_id", "E"),
        "qa_reviews": ("review_id", "Q"),
        "tool_calls": ("call_id", "X"),
        "customers": ("customer_id", "C"),
        "products": ("product_id", "P"),
        "orders": ("order_id", "O"),
    }
    for table, (key, prefix) in keys.items():
        n, distinct, bad_prefix, nulls = one(
            con,
            f"select count(*), count(distinct {key}), count(*) filter (where {key} not like "
            f"'{prefix}%'), count(*) filter (where {key} is null) "
            f"from (select distinct * from raw_{table})",
        )
        assert n == distinct and bad_prefix == 0 and nulls == 0, table
    # children point at existing tickets; tickets point at existing customers and products
    for table in ("messages", "escalations", "surveys", "qa_reviews", "tool_calls"):
        assert one(
            con,
            f"select count(*) from raw_{table} where ticket_id not in (select ticket_id from t)",
        ) == (0,), table
    assert one(
        con,
        "select count(*) from t where customer_id not in (select customer_id from raw_customers)",
    ) == (0,)
    assert one(
        con,
        "select count(*) from t where product_id not in (select product_id from raw_products)",
    ) == (0,)


# --------------------------------------------------------------------------- determinism


def test_deterministic_byte_identical(tmp_path: Path) -> None:
    args = {**SMALL, "tickets": 1_500, "weeks": 6, "baseline_weeks": 3}
    generate(tmp_path / "a", seed=11, scenarios=["all"], **args)
    generate(tmp_path / "b", seed=11, scenarios=["all"], **args)
    a, b = file_bytes(tmp_path / "a"), file_bytes(tmp_path / "b")
    assert a.keys() == b.keys() and len(a) > 20
    assert a == b
    generate(tmp_path / "c", seed=12, scenarios=["all"], **args)
    assert (
        file_bytes(tmp_path / "c")["tickets/export-2025-10-06.parquet"]
        != a["tickets/export-2025-10-06.parquet"]
    )


def test_append_week_equals_generating_at_once(tmp_path: Path) -> None:
    base = {"tickets": 1_400, "baseline_weeks": 3, "start": START, "seed": 5}
    scen = ["all"]
    generate(tmp_path / "inc", weeks=6, scenarios=scen, **base)
    before = file_bytes(tmp_path / "inc")
    appended = generate(tmp_path / "inc", weeks=7, week_indices=[6], scenarios=scen, **base)
    generate(tmp_path / "once", weeks=7, scenarios=scen, **base)
    inc, once = file_bytes(tmp_path / "inc"), file_bytes(tmp_path / "once")
    week6 = f"export-{START + timedelta(days=42)}.parquet"
    week6_files = [k for k in once if k.endswith(week6)]
    assert len(week6_files) >= 7
    for k in week6_files:
        assert inc[k] == once[k], k
    # earlier files are untouched by the append, customers/products not rewritten
    for k, v in before.items():
        if not k.startswith("_"):
            assert inc[k] == v, k
    assert appended.row_counts["products"] == 0  # initial files are written with week 0 only
    # the merged manifest holds every week's expected quarantine, week 6 as generated at once
    inc_info = json.loads((tmp_path / "inc" / "_generation.json").read_text())
    once_info = json.loads((tmp_path / "once" / "_generation.json").read_text())
    assert sorted(inc_info["weeks"]) == sorted(once_info["weeks"])
    key6 = str(START + timedelta(days=42))
    assert inc_info["weeks"][key6] == once_info["weeks"][key6]
    manifest = json.loads((tmp_path / "inc" / "_expected_quarantine.json").read_text())
    assert len(manifest) == inc_info["expected_quarantine_rows"]


# --------------------------------------------------------------------------- realism


def test_enums_valid_in_clean_data(clean: Path) -> None:
    con = connect(clean)
    for table, columns in ENUMS.items():
        for column, allowed in columns.items():
            values = {
                r[0] for r in con.sql(f"select distinct {column} from raw_{table}").fetchall()
            }
            assert values <= set(allowed), (table, column, values - set(allowed))
    assert {r[0] for r in con.sql("select distinct channel from raw_surveys").fetchall()} <= {
        "chat", "email", "sms", "voice",
    }  # fmt: skip
    assert json.loads((clean / "_expected_quarantine.json").read_text()) == []


def test_volume_seasonality_and_mix(clean: Path) -> None:
    con = connect(clean)
    (n,) = one(con, "select count(*) from t")
    assert abs(n - MEDIUM["tickets"]) <= 0.02 * MEDIUM["tickets"]
    weekday, weekend = one(
        con,
        "select count(*) filter (where isodow(created_at) <= 5) / 5, "
        "count(*) filter (where isodow(created_at) > 5) / 2 from t",
    )
    assert 0.3 < weekend / weekday < 0.5
    mon, fri = one(
        con,
        "select count(*) filter (where isodow(created_at) = 1), "
        "count(*) filter (where isodow(created_at) = 5) from t",
    )
    assert mon > fri
    night, day = one(
        con,
        "select count(*) filter (where hour(created_at) between 1 and 4), "
        "count(*) filter (where hour(created_at) between 12 and 15) from t",
    )
    assert night < 0.3 * day
    shares = dict(
        con.sql("select archetype, count(*) / sum(count(*)) over () from t group by 1").fetchall()
    )
    assert 0.01 < shares["long_tail"] < 0.04
    assert shares["order_tracking"] == max(shares.values())
    (unmapped,) = one(con, "select count(distinct intent) from t where archetype = 'long_tail'")
    assert unmapped >= 3
    segments = dict(con.sql("select segment, count(*) from raw_customers group by 1").fetchall())
    assert set(segments) == {"enterprise", "mid_market", "smb", "consumer"}
    assert segments["consumer"] == max(segments.values())
    (null_product,) = one(con, "select avg((product_id is null)::int) from t")
    assert 0.1 < null_product < 0.3


def test_pre_deployment_invariants(clean: Path) -> None:
    con = connect(clean)
    row = one(
        con,
        """select count(*), count(*) filter (where bot_attempted or outcome <> 'human_only'
                or bot_version is not null or model_confidence is not null
                or model_csat_score is not null or bot_handle_seconds is not null
                or agent_handle_seconds is null)
           from raw_tickets where created_at < date '"""
        + str(DEPLOYED)
        + "' and closed_at is not null",
    )
    assert row[0] > 1000 and row[1] == 0
    assert one(
        con,
        """select count(*) from raw_messages m join t using (ticket_id)
            where not t.post and m.author_type = 'bot'""",
    ) == (0,)
    assert one(
        con, "select count(*) from raw_tool_calls join t using (ticket_id) where not post"
    ) == (0,)
    assert one(
        con, "select count(*) from raw_escalations join t using (ticket_id) where not post"
    ) == (0,)


def test_post_deployment_outcomes_by_tier(clean: Path) -> None:
    con = connect(clean)
    bad = one(
        con,
        """select count(*) filter (where bot_attempted and outcome = 'human_only'),
                  count(*) filter (where not bot_attempted and outcome <> 'human_only'),
                  count(*) filter (where bot_attempted and (bot_version is null
                      or model_confidence not between 0 and 1
                      or model_csat_score not between 1 and 5
                      or bot_handle_seconds not between 60 and 900)),
                  count(*) filter (where outcome in ('escalated', 'human_only')
                      and closed_at is not null and agent_handle_seconds is null),
                  count(*) filter (where outcome in ('bot_resolved', 'abandoned')
                      and agent_handle_seconds is not null),
                  count(*) filter (where closed_at < created_at or updated_at < created_at
                      or updated_at < closed_at)
           from t where post""",
    )
    assert bad == (0, 0, 0, 0, 0, 0)
    tiers = {a: ARCHETYPE_TIERS[a] for a in ARCHETYPE_INTENTS}
    rates = con.sql(
        """select archetype, avg(bot_attempted::int), avg((outcome = 'bot_resolved')::int)
           from t where post group by 1"""
    ).fetchall()
    bands = {1: (0.45, 0.65), 2: (0.15, 0.33), 3: (0.03, 0.12)}
    for archetype, attempt, deflection in rates:
        if archetype == "long_tail":
            continue
        low, high = bands[tiers[archetype]]
        assert low <= deflection <= high, (archetype, deflection)
        if archetype == "technical_support":
            assert attempt < 0.3
        else:
            assert 0.65 <= attempt <= 0.99, (archetype, attempt)
    versions = dict(con.sql("select bot_version, count(*) from t where post group by 1").fetchall())
    assert {"v1.0", "v1.1"} <= set(versions)
    conf = dict(
        con.sql(
            "select outcome, avg(model_confidence) from t where bot_attempted group by 1"
        ).fetchall()
    )
    assert conf["bot_resolved"] > conf["escalated"] + 0.1


def test_open_tickets_only_at_the_end(clean: Path) -> None:
    con = connect(clean)
    last_week = START + timedelta(days=7 * (WEEKS - 1))
    open_last, n_last = one(
        con,
        f"select count(*) filter (where closed_at is null), count(*) from t "
        f"where created_at >= date '{last_week}'",
    )
    assert 0.005 < open_last / n_last < 0.10
    assert one(
        con,
        f"select count(*) from t where closed_at is null and created_at < date '{last_week}' - 7",
    ) == (0,)
    cutoff = START + timedelta(days=7 * WEEKS)
    for table, column in [
        ("tickets", "updated_at"),
        ("messages", "sent_at"),
        ("surveys", "updated_at"),
        ("qa_reviews", "reviewed_at"),
    ]:
        assert one(con, f"select count(*) from raw_{table} where {column} > date '{cutoff}'") == (
            0,
        ), table


def test_reexports_and_exact_duplicates(clean: Path) -> None:
    con = connect(clean)
    reexported, tickets = one(
        con,
        """select count(*) filter (where versions > 1), count(*) from (
             select ticket_id, count(distinct updated_at) versions,
                    bool_and(closed_at is not null or updated_at < max_updated) ok
             from (select *, max(updated_at) over (partition by ticket_id) max_updated
                   from raw_tickets) group by 1)""",
    )
    assert 0.07 < reexported / tickets < 0.13
    # an older version is an open one, with an earlier updated_at
    assert one(
        con,
        """select count(*) from raw_tickets r join t using (ticket_id)
           where r.updated_at < t.updated_at
             and (r.closed_at is not null or t.closed_at is null)""",
    ) == (0,)
    # surveys: exported when sent, again when answered
    (survey_reexports,) = one(
        con,
        """select count(*) from raw_surveys a join raw_surveys b using (survey_id)
           where a.updated_at < b.updated_at and a.score is null and b.score is not null""",
    )
    assert survey_reexports > 100
    for table in ("tickets", "surveys", "messages"):
        total, distinct = one(
            con,
            f"select count(*), (select count(*) from (select distinct * from raw_{table})) "
            f"from raw_{table}",
        )
        assert 0.002 < (total - distinct) / distinct < 0.01, table
    # no two different rows share a key and an updated_at (that would be a conflict)
    for table, key in (("tickets", "ticket_id"), ("surveys", "survey_id")):
        assert one(
            con,
            f"select count(*) from (select {key}, updated_at from "
            f"(select distinct * from raw_{table}) group by all having count(*) > 1)",
        ) == (0,)


def test_surveys(clean: Path) -> None:
    con = connect(clean)
    answered, sent, thumbs, five = one(
        con,
        """select count(*) filter (where responded_at is not null), count(*),
                  count(*) filter (where scale = 'thumbs'),
                  count(*) filter (where scale = 'five_point')
           from s""",
    )
    assert 0.20 <= answered / sent <= 0.35
    assert 0.2 < thumbs / (thumbs + five) < 0.4
    bad = one(
        con,
        """select count(*) filter (where responded_at < sent_at),
                  count(*) filter (where scale = 'five_point' and score not between 1 and 5),
                  count(*) filter (where scale = 'thumbs' and score not in (0, 1)),
                  count(*) filter (where (score is null) <> (responded_at is null))
           from raw_surveys""",
    )
    assert bad == (0, 0, 0, 0)
    types = dict(con.sql("select survey_type, count(*) from s group by 1").fetchall())
    assert types["resolution"] > types["delayed"] > 0.2 * types["resolution"]
    # resolution surveys go out at close, delayed ones 48-72 hours later
    assert one(
        con,
        """select count(*) from s join t using (ticket_id)
           where (s.survey_type = 'resolution' and s.sent_at <> t.closed_at)
              or (s.survey_type = 'delayed' and (s.sent_at < t.closed_at + interval 48 hour
                  or s.sent_at > t.closed_at + interval 72 hour))""",
    ) == (0,)
    (other_channel,) = one(
        con, "select avg((s.channel <> t.channel)::int) from s join t using (ticket_id)"
    )
    assert 0.03 < other_channel < 0.25
    (baseline_csat,) = one(
        con, "select avg(satisfied::int) from s where not post and survey_type = 'resolution'"
    )
    assert 0.75 <= baseline_csat <= 0.85
    by_outcome = dict(
        con.sql(
            "select outcome, avg(satisfied::int) from s where post and survey_type = 'resolution' "
            "group by 1"
        ).fetchall()
    )
    assert by_outcome["abandoned"] < by_outcome["bot_resolved"] - 0.05
    (post_csat,) = one(
        con, "select avg(satisfied::int) from s where post and survey_type = 'resolution'"
    )
    assert abs(post_csat - baseline_csat) < 0.03  # clean data: CSAT holds after deployment
    (pii_comments,) = one(
        con, "select count(*) from raw_surveys where regexp_matches(comment, '@example\\.com|555')"
    )
    assert pii_comments > 0


def test_messages(clean: Path) -> None:
    con = connect(clean)
    (per_ticket,) = one(con, "select count(*) / (select count(*) from t) from raw_messages")
    assert 6 <= per_ticket <= 9
    # turns are ordered from created_at on and end by closed_at
    assert one(
        con,
        """select count(*) from (select m.*, t.created_at, t.closed_at,
               lag(sent_at) over (partition by m.ticket_id order by message_id) prev
             from (select distinct * from raw_messages) m join t using (ticket_id))
           where sent_at <= prev or sent_at < created_at or sent_at > closed_at""",
    ) == (0,)
    first = dict(
        con.sql(
            """select author_type, count(*) from raw_messages m join t using (ticket_id)
               where m.sent_at = t.created_at group by 1"""
        ).fetchall()
    )
    assert set(first) == {"customer"}
    # bot turns only on attempted tickets; agent turns only on escalated and human_only
    assert one(
        con,
        """select count(*) filter (where author_type = 'bot' and not bot_attempted)
                + count(*) filter (where author_type = 'agent'
                                   and outcome in ('bot_resolved', 'abandoned'))
           from raw_messages join t using (ticket_id)""",
    ) == (0,)
    # agent turns on escalated tickets come after the escalation
    assert one(
        con,
        """select count(*) from raw_messages m join raw_escalations e using (ticket_id)
           where m.author_type = 'agent' and m.sent_at <= e.escalated_at""",
    ) == (0,)
    emails, phones, customer = one(
        con,
        """select count(*) filter (where regexp_matches(body, '[a-z]+\\.[a-z]+@example\\.com')),
                  count(*) filter (where regexp_matches(body, '555-01\\d\\d')),
                  count(*) filter (where author_type = 'customer')
           from raw_messages""",
    )
    assert emails > 50 and phones > 50
    assert 0.02 < (emails + phones) / customer < 0.12
    assert one(
        con,
        "select count(*) from raw_messages where author_type <> 'customer' "
        "and regexp_matches(body, '@example|555-')",
    ) == (0,)


def repetition_by_archetype(con: duckdb.DuckDBPyConnection, window: bool) -> dict[str, float]:
    phrases = " or ".join(f"contains(lower(m.body), '{p}')" for p in REPETITION)
    return dict(
        con.sql(
            f"""with e as (select e.* from raw_escalations e join t using (ticket_id)
                           where t.in_window = {window} and t.post),
                agent as (select m.ticket_id, m.sent_at,
                                 row_number() over (partition by m.ticket_id order by m.sent_at) k
                          from raw_messages m join e using (ticket_id)
                          where m.author_type = 'agent' and m.sent_at > e.escalated_at),
                fourth as (select ticket_id, sent_at as fourth_at from agent where k = 4),
                rep as (select distinct m.ticket_id from raw_messages m join e using (ticket_id)
                        left join fourth using (ticket_id)
                        where m.author_type = 'customer' and m.sent_at > e.escalated_at
                          and (fourth_at is null or m.sent_at < fourth_at) and ({phrases}))
            select t.archetype, avg((rep.ticket_id is not null)::int)
            from e join t using (ticket_id) left join rep using (ticket_id) group by 1"""
        ).fetchall()
    )


def test_escalations_and_repetition(clean: Path) -> None:
    con = connect(clean)
    n_esc, n_tickets, bad_time, incomplete, restate = one(
        con,
        """select count(*), count(distinct e.ticket_id),
                  count(*) filter (where e.escalated_at <= t.created_at
                                   or e.escalated_at >= t.closed_at),
                  avg((packet_intent is null or packet_account_state is null
                       or packet_summary is null or trim(packet_summary) = '')::int),
                  avg(agent_restate_flag::int)
           from raw_escalations e join t using (ticket_id)""",
    )
    assert n_esc == n_tickets == one(con, "select count(*) from t where outcome = 'escalated'")[0]
    assert bad_time == 0
    assert 0.02 < incomplete < 0.12
    assert 0.01 < restate < 0.05
    (blank,) = one(con, "select count(*) from raw_escalations where trim(packet_summary) = ''")
    assert blank > 0
    rates = repetition_by_archetype(con, window=False)
    total = sum(rates.values()) / len(rates)
    assert 0.005 < total < 0.06
    # repetition phrases only ever appear on escalated tickets, after the handoff
    phrases = " or ".join(f"contains(lower(body), '{p}')" for p in REPETITION)
    assert one(
        con,
        f"""select count(*) from raw_messages m join t using (ticket_id)
            where ({phrases}) and t.outcome <> 'escalated'""",
    ) == (0,)


def test_tool_calls_qa_and_claims(clean: Path) -> None:
    con = connect(clean)
    assert one(
        con,
        """select count(*) from raw_tool_calls c join t using (ticket_id)
           where not t.bot_attempted or c.called_at < t.created_at""",
    ) == (0,)
    statuses = dict(con.sql("select status, count(*) from raw_tool_calls group by 1").fetchall())
    assert statuses["success"] > 0.7 * sum(statuses.values()) and statuses["denied"] > 0
    # a claimed action always has a successful matching tool call in clean data
    claims = {
        "issued your refund": "refund.issue",
        "cancelled your subscription": "subscription.cancel",
        "changed your plan": "plan.change",
    }
    for phrase, tool in claims.items():
        n, unsupported = one(
            con,
            f"""select count(*), count(*) filter (where not exists (
                    select 1 from raw_tool_calls c where c.ticket_id = m.ticket_id
                    and c.tool_name = '{tool}' and c.status = 'success'))
                from raw_messages m where m.author_type = 'bot' and contains(m.body, '{phrase}')""",
        )
        assert n > 0 and unsupported == 0, phrase
    rate, findings, ack_nonescalated = one(
        con,
        """select count(q.review_id) / count(*),
                  (select count(*) filter (where finding_class <> 'none') / count(*)
                   from raw_qa_reviews),
                  (select count(*) from raw_qa_reviews q join t using (ticket_id)
                   where t.outcome <> 'escalated' and q.agent_acknowledged_packet is not null)
           from t left join raw_qa_reviews q using (ticket_id) where t.bot_attempted
             and t.created_at < (select max(created_at) from t) - interval 14 day""",
    )
    assert 0.01 <= rate <= 0.04
    assert findings < 0.06
    assert ack_nonescalated == 0
    assert one(
        con,
        """select count(*) from raw_qa_reviews q join t using (ticket_id)
           where q.reviewed_at < t.closed_at + interval 1 day
              or q.reviewed_at > t.closed_at + interval 10 day""",
    ) == (0,)
    assert one(
        con, "select count(*) from raw_qa_reviews where finding_class = 'refund_pricing'"
    ) == (0,)


def test_repeat_contacts(clean: Path) -> None:
    con = connect(clean)
    rep7, rep30 = one(
        con,
        """select avg(coalesce(next_at <= closed_at + interval 7 day, false)::int),
                  avg(coalesce(next_at <= closed_at + interval 30 day, false)::int)
           from (select *, (select min(b.created_at) from t b where b.customer_id = a.customer_id
                            and b.archetype = a.archetype and b.created_at > a.closed_at) next_at
                 from t a where closed_at is not null) x
           where closed_at < (select max(created_at) from t) - interval 30 day""",
    )
    assert 0.03 < rep7 < rep30 < 0.35


def test_orders(clean: Path) -> None:
    con = connect(clean)
    n, returned, bad = one(
        con,
        """select count(*), avg((returned_at is not null)::int),
                  count(*) filter (where amount <= 0 or returned_at <= ordered_at)
           from raw_orders""",
    )
    assert n > 1000 and 0.02 < returned < 0.15 and bad == 0
    assert str(pq.read_schema(next((clean / "orders").glob("*.parquet"))).field("amount").type) == (
        "decimal128(12, 2)"
    )


# --------------------------------------------------------------------------- scenarios


def test_csat_collapse(clean: Path, scenario_all: Path) -> None:
    def csat(raw: Path, window: bool) -> float:
        return one(
            connect(raw),
            f"""select avg(satisfied::int) from s where archetype = 'returns_refunds'
                and survey_type = 'resolution' and satisfied is not null
                and {"in_window" if window else "not post"}""",
        )[0]

    assert csat(scenario_all, window=True) < csat(scenario_all, window=False) - 0.08
    assert abs(csat(clean, window=True) - csat(clean, window=False)) < 0.06
    # other archetypes are not affected
    other = one(
        connect(scenario_all),
        """select avg(case when in_window then satisfied::int end) - avg(case when not post
                  then satisfied::int end)
           from s where archetype = 'order_tracking' and survey_type = 'resolution'""",
    )[0]
    assert abs(other) < 0.05


def test_handoff_break(clean: Path, scenario_all: Path) -> None:
    def stats(raw: Path) -> tuple:
        return one(
            connect(raw),
            """select avg(agent_restate_flag::int),
                      avg((packet_intent is null or packet_account_state is null
                           or packet_summary is null or trim(packet_summary) = '')::int),
                      avg(t.agent_handle_seconds)
               from raw_escalations e join t using (ticket_id)
               where t.archetype = 'billing_disputes' and t.in_window""",
        )

    restate, incomplete, handle = stats(scenario_all)
    c_restate, c_incomplete, c_handle = stats(clean)
    assert restate > 0.2 and c_restate < 0.08
    assert incomplete > 0.6 and c_incomplete < 0.15
    assert handle > 1.25 * c_handle
    assert repetition_by_archetype(connect(scenario_all), window=True)["billing_disputes"] > 0.15
    assert repetition_by_archetype(connect(clean), window=True)["billing_disputes"] < 0.08


def test_refund_hallucination(clean: Path, scenario_all: Path) -> None:
    con = connect(scenario_all)
    per_week = dict(
        con.sql(
            """select t.week_start, count(*) from raw_qa_reviews q join t using (ticket_id)
               where q.finding_class = 'refund_pricing' and q.policy_key = 'return_window_days'
                 and q.quoted_value = '60' and t.archetype = 'returns_refunds'
               group by 1"""
        ).fetchall()
    )
    assert len(per_week) >= 4 and sorted(per_week.values())[-4] >= 2
    assert one(
        con,
        """select count(*) from raw_qa_reviews q join t using (ticket_id)
           where q.finding_class = 'refund_pricing' and not t.in_window""",
    ) == (0,)
    unsupported = """select count(*) from raw_messages m join t using (ticket_id)
        where m.author_type = 'bot' and contains(m.body, 'issued your refund')
          and t.archetype = 'returns_refunds' and not exists (
            select 1 from raw_tool_calls c where c.ticket_id = m.ticket_id
            and c.tool_name = 'refund.issue' and c.status = 'success')"""
    assert one(con, unsupported)[0] > 10
    assert one(connect(clean), unsupported) == (0,)
    (overreach,) = one(
        con, "select count(*) from raw_qa_reviews where finding_class = 'capability_overreach'"
    )
    assert overreach >= 3


def test_bot_handle_time_rise(clean: Path, scenario_all: Path) -> None:
    def weekly(raw: Path) -> list[float]:
        return [
            r[1]
            for r in connect(raw)
            .sql(
                """select week_start, avg(bot_handle_seconds) from t
                   where archetype = 'order_tracking' and bot_attempted group by 1 order by 1"""
            )
            .fetchall()
        ]

    rising = weekly(scenario_all)
    assert rising[-1] > rising[-2] > rising[-3] > rising[-4]
    assert rising[-1] > 1.5 * rising[-4]
    assert rising[-4] / weekly(clean)[-4] == pytest.approx(1.0, abs=0.1)


# --------------------------------------------------------------------------- dirty


def emulated_quarantine(raw: Path) -> collections.Counter:
    """The raw contract's quarantine rules, evaluated independently of the generator."""
    con = connect(raw)
    rules = {
        "tickets": [
            ("missing_required", "customer_id is null or created_at is null or updated_at is null"),
            ("invalid_enum", "channel is null or channel not in ('chat','email','sms','voice')"),
            (
                "invalid_enum",
                "outcome is null or outcome not in "
                "('bot_resolved','escalated','abandoned','human_only')",
            ),
            ("out_of_range", "model_confidence not between 0 and 1"),
            ("out_of_range", "model_csat_score not between 1 and 5"),
            ("out_of_range", "bot_handle_seconds < 0 or agent_handle_seconds < 0"),
            ("closed_before_created", "closed_at < created_at"),
            (
                "inconsistent_outcome",
                "(bot_attempted and outcome = 'human_only') "
                "or (not bot_attempted and outcome <> 'human_only')",
            ),
        ],
        "messages": [
            ("missing_required", "ticket_id is null or sent_at is null"),
            (
                "invalid_enum",
                "author_type is null or author_type not in ('customer','bot','agent')",
            ),
        ],
        "escalations": [("missing_required", "ticket_id is null or escalated_at is null")],
        "surveys": [
            ("missing_required", "ticket_id is null or sent_at is null or updated_at is null"),
            ("invalid_enum", "survey_type is null or survey_type not in ('resolution','delayed')"),
            ("invalid_enum", "scale is null or scale not in ('five_point','thumbs')"),
            (
                "score_out_of_scale",
                "(scale = 'five_point' and score not between 1 and 5) "
                "or (scale = 'thumbs' and score not in (0, 1))",
            ),
            ("missing_required", "(responded_at is null) <> (score is null)"),
            ("responded_before_sent", "responded_at < sent_at"),
        ],
        "qa_reviews": [
            ("missing_required", "ticket_id is null or reviewed_at is null"),
            (
                "invalid_enum",
                "finding_class is null or finding_class not in ('none','refund_pricing',"
                "'warranty_service_level','process_contact','capability_overreach')",
            ),
        ],
        "tool_calls": [
            ("missing_required", "ticket_id is null or called_at is null or tool_name is null"),
            ("invalid_enum", "status is null or status not in ('success','error','denied')"),
        ],
        "customers": [],
        "products": [],
        "orders": [("missing_required", "customer_id is null or ordered_at is null")],
    }
    children = {"messages", "escalations", "surveys", "qa_reviews", "tool_calls"}
    reexported = {"tickets", "surveys"}

    def resolve(table: str) -> str:
        key, cols = CONTRACT_COLUMNS[table][0], ", ".join(CONTRACT_COLUMNS[table])
        checks = list(rules[table])
        source = f"raw_{table}"
        if table in children:
            checks += [
                ("orphan_ticket", "parent_id is null"),
                ("parent_quarantined", "parent_staged = 0"),
            ]
            source = (
                f"(select r.*, p.ticket_id parent_id, p.staged parent_staged from raw_{table} r "
                f"left join parents p using (ticket_id))"
            )
        case = "case " + " ".join(f"when {c} then '{r}'" for r, c in checks) + " end"
        if not checks:
            case = "null"
        if table in reexported:
            versions = (
                f"max(updated_at) over (partition by {key}) latest, sum((copy_no = 1)::int) over "
                f"(partition by {key}, updated_at) distinct_rows"
            )
            superseded = "when updated_at < latest then 'superseded'"
        else:
            versions = f"sum((copy_no = 1)::int) over (partition by {key}) distinct_rows"
            superseded = ""
        conflict = "reexport_conflict" if table in reexported else "duplicate_key_conflict"
        return f"""select {key} as k, case when copy_no > 1 then 'exact_duplicate'
                when {key} is null then 'null_key' {superseded}
                when reason is not null then reason when distinct_rows > 1 then '{conflict}'
                end as outcome
            from (select *, {versions} from (
                select *, row_number() over (partition by {cols}) as copy_no, {case} reason
                from {source}))"""

    con.sql(f"create table tq as {resolve('tickets')}")
    con.sql(
        "create table parents as select k ticket_id, max((outcome is null)::int) staged "
        "from tq where k is not null group by 1"
    )
    got: collections.Counter = collections.Counter()
    for table in TABLES:
        sql = "select * from tq" if table == "tickets" else resolve(table)
        for key, outcome in con.sql(sql).fetchall():
            if outcome not in (None, "exact_duplicate", "superseded"):
                got[(table, key, outcome)] += 1
    return got


def test_dirty_manifest_matches_the_rules(scenario_all: Path) -> None:
    manifest = json.loads((scenario_all / "_expected_quarantine.json").read_text())
    assert all(set(e) == {"table", "key", "reason"} for e in manifest)
    reasons = collections.Counter(e["reason"] for e in manifest)
    assert set(reasons) == set(REASONS)
    assert all(n >= 2 for n in reasons.values())
    assert all((e["key"] is None) == (e["reason"] == "null_key") for e in manifest)
    expected = collections.Counter((e["table"], e["key"], e["reason"]) for e in manifest)
    # every listed row, and nothing else, breaks exactly the listed rule
    assert emulated_quarantine(scenario_all) == expected
    # conflicting keys are listed twice; bad tickets and surveys use fresh keys
    for (table, key, reason), n in expected.items():
        if reason in ("duplicate_key_conflict", "reexport_conflict"):
            assert n == 2, (table, key)
        if table in ("tickets", "surveys") and key is not None:
            assert f"{table[0].upper()}" in key and "D" in key[1:], key
    # dirty rows land in post-deployment weeks of the scenario window only
    info = json.loads((scenario_all / "_generation.json").read_text())
    dirty_weeks = [w for w, rec in info["weeks"].items() if rec["expected_quarantine"]]
    assert len(dirty_weeks) == 6 and min(dirty_weeks) == str(WINDOW_START)


def test_clean_data_has_no_quarantine(clean: Path) -> None:
    assert emulated_quarantine(clean) == collections.Counter()


def test_dirty_only_adds_rows(tmp_path: Path) -> None:
    args = {**SMALL, "seed": 21}
    generate(tmp_path / "clean", **args)
    result = generate(tmp_path / "dirty", scenarios=["dirty"], **args)
    assert result.expected_quarantine > 0
    for table in TABLES:
        clean_rows = pq.read_table(tmp_path / "clean" / table).to_pylist()
        dirty_rows = pq.read_table(tmp_path / "dirty" / table).to_pylist()
        assert len(dirty_rows) > len(clean_rows) or table in ("products", "orders")
        remaining = collections.Counter(map(repr, dirty_rows))
        remaining.subtract(collections.Counter(map(repr, clean_rows)))
        assert min(remaining.values(), default=0) >= 0, table  # every clean row is still there
