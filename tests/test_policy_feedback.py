"""Policy QA and feedback-review marts on generated data with every scenario
injected: the refund_hallucination scenario shows up as refund_pricing
incidents and audit-log capability overreach on returns_refunds; the
negative-feedback queue holds every unsatisfied response, with masked,
ordered transcripts. Expectations are recomputed here from staging, not read
back from the models under test."""

from __future__ import annotations

import re

import pandas as pd

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# a phone number, deliberately looser than mask_pii's pattern: 7 or more
# digits with up to three separators (space . - + parentheses) between them
PHONE = re.compile(r"\d(?:[\s().+-]{0,3}\d){6,}")
# a transcript line: '[sent_at] author_type: body'
LINE = re.compile(r"^\[(?P<sent_at>[^\]]+)\] (?P<author_type>customer|bot|agent): (?P<body>.*)$")


def _has_pii(text: str | None) -> bool:
    return bool(text) and bool(EMAIL.search(text) or PHONE.search(text))


def test_refund_hallucination_shows_as_p0_refund_pricing_incidents(scenario_warehouse):
    incidents = scenario_warehouse.df(
        "select * from marts.policy_incident_log where finding_class = 'refund_pricing'"
    )
    assert not incidents.empty
    assert set(incidents["source"]) == {"qa_review"}
    assert set(incidents["severity"]) == {"P0"}
    returns = incidents[incidents["archetype"] == "returns_refunds"]
    window = returns[returns["policy_key"] == "return_window_days"]
    assert len(window) >= 3, returns
    assert set(window["quoted_value"]) == {"60"}
    assert set(window["canonical_value"]) == {"30"}
    assert set(window["unit"]) == {"days"}


def test_qa_incidents_reconcile_with_the_policy_incidents_kpi(scenario_warehouse):
    log = scenario_warehouse.query(
        "select count(*), count(*) filter (where severity = 'P0') "
        "from marts.policy_incident_log where source = 'qa_review'"
    )[0]
    kpi = scenario_warehouse.query(
        "select sum(numerator) filter (where kpi = 'policy_incidents'), "
        "sum(numerator) filter (where kpi = 'policy_incidents_p0') from marts.kpi_weekly "
        "where archetype = 'all' and segment = 'all' and channel = 'all'"
    )[0]
    assert log[0] > 0
    assert (log[0], log[1]) == (int(kpi[0]), int(kpi[1]))


def test_capability_overreach_matches_an_independent_audit(scenario_warehouse):
    wh = scenario_warehouse
    messages = wh.df(
        "select message_id, ticket_id, sent_at, lower(body) as body "
        "from staging.stg_messages where author_type = 'bot'"
    )
    patterns = wh.df(
        "select lower(pattern) as pattern, tool_name from reference.capability_claim_patterns"
    )
    calls = wh.df("select ticket_id, tool_name, called_at, status from staging.stg_tool_calls")

    claims = [
        (m.message_id, m.ticket_id, m.sent_at, p.tool_name)
        for m in messages.itertuples()
        for p in patterns.itertuples()
        if m.body is not None and p.pattern in m.body
    ]
    claims = pd.DataFrame(claims, columns=["message_id", "ticket_id", "sent_at", "tool_name"])
    claims = claims.drop_duplicates(["message_id", "tool_name"])
    success = calls[calls["status"] == "success"]
    backing = claims.merge(success, on=["ticket_id", "tool_name"])
    backed = backing[backing["called_at"] <= backing["sent_at"]]
    backed_keys = set(zip(backed["message_id"], backed["tool_name"], strict=True))
    expected = {
        (m, t) for m, t in zip(claims["message_id"], claims["tool_name"], strict=True)
    } - backed_keys
    assert backed_keys, "the scenario has backed claims too: they must not be flagged"

    detected = wh.df("select * from intermediate.int_capability_overreach")
    assert set(zip(detected["message_id"], detected["tool_name"], strict=True)) == expected
    # the refund_hallucination scenario: refunds claimed without a successful refund.issue
    refunds = detected[
        (detected["archetype"] == "returns_refunds") & (detected["tool_name"] == "refund.issue")
    ]
    assert len(refunds) >= 3
    assert refunds["is_qa_flagged"].any() and (~refunds["is_qa_flagged"]).any()


def test_audit_incidents_are_the_overreach_qa_did_not_flag(scenario_warehouse):
    wh = scenario_warehouse
    audit = wh.df("select * from marts.policy_incident_log where source = 'tool_call_audit'")
    assert not audit.empty
    assert set(audit["finding_class"]) == {"capability_overreach"}
    assert set(audit["severity"]) == {"P1"}
    assert "returns_refunds" in set(audit["archetype"])
    flagged = {
        row[0]
        for row in wh.query(
            "select ticket_id from intermediate.int_qa_reviews "
            "where finding_class = 'capability_overreach'"
        )
    }
    assert flagged, "QA flags some overreach in the scenario"
    assert not set(audit["ticket_id"]) & flagged, "an incident QA found is not counted twice"
    unflagged = wh.query(
        "select count(distinct ticket_id || tool_name) from intermediate.int_capability_overreach "
        "where not is_qa_flagged"
    )[0][0]
    assert len(audit) == unflagged


def test_refund_accuracy_drops_on_returns_refunds_and_rolls_up(scenario_warehouse):
    acc = scenario_warehouse.df("select * from marts.refund_accuracy_weekly")
    returns = acc[(acc["archetype"] == "returns_refunds") & (acc["denominator"] > 0)]
    assert not returns.empty
    assert (returns["numerator"] <= returns["denominator"]).all()
    assert returns["refund_misquotes"].sum() > 0
    assert (returns["value"] < 100).any()
    # a zero denominator is a null value, never 0 or 100
    assert acc.loc[acc["denominator"] == 0, "value"].isna().all()
    # 'all' is the sum of the archetypes, not an average of rates
    parts = acc[acc["archetype"] != "all"].groupby("week_start")[["numerator", "denominator"]].sum()
    total = acc[acc["archetype"] == "all"].set_index("week_start")[["numerator", "denominator"]]
    pd.testing.assert_frame_equal(parts.sort_index(), total.sort_index(), check_dtype=False)


def test_negative_feedback_review_holds_every_unsatisfied_response(scenario_warehouse):
    surveys = scenario_warehouse.df(
        "select survey_id, scale, score, responded_at from staging.stg_surveys"
    )
    answered = surveys["responded_at"].notna()
    unhappy = ((surveys["scale"] == "five_point") & (surveys["score"] <= 3)) | (
        (surveys["scale"] == "thumbs") & (surveys["score"] == 0)
    )
    expected = set(surveys.loc[answered & unhappy, "survey_id"])
    review = scenario_warehouse.df("select survey_id from marts.negative_feedback_review")
    assert len(expected) > 100
    assert len(review) == len(expected)
    assert set(review["survey_id"]) == expected


def test_negative_feedback_review_masks_personal_data(scenario_warehouse):
    wh = scenario_warehouse
    raw_bodies = wh.df(
        "select body from staging.stg_messages where ticket_id in "
        "(select ticket_id from marts.negative_feedback_review)"
    )["body"]
    assert raw_bodies.map(_has_pii).sum() > 10, "the generator puts personal data in messages"
    review = wh.df("select transcript, comment, packet_summary from marts.negative_feedback_review")
    bodies = [
        LINE.match(line).group("body")
        for transcript in review["transcript"].dropna()
        for line in transcript.split("\n")
    ]
    assert bodies
    leaks = [b for b in bodies if _has_pii(b)]
    assert not leaks, leaks[:5]
    assert any("[email]" in b for b in bodies) and any("[phone]" in b for b in bodies)
    for column in ["comment", "packet_summary"]:
        leaks = [text for text in review[column].dropna() if _has_pii(text)]
        assert not leaks, (column, leaks[:5])


def test_transcript_lists_messages_in_sent_at_order(scenario_warehouse):
    wh = scenario_warehouse
    ticket_id, transcript, message_count = wh.query(
        "select ticket_id, transcript, message_count from marts.negative_feedback_review "
        "where message_count >= 5 order by survey_id limit 1"
    )[0]
    messages = wh.query(
        "select cast(sent_at as varchar), author_type, message_id from staging.stg_messages "
        "where ticket_id = ? order by sent_at, message_id",
        [ticket_id],
    )
    lines = [LINE.match(line) for line in transcript.split("\n")]
    assert len(lines) == message_count == len(messages)
    assert [(m["sent_at"], m["author_type"]) for m in lines] == [(m[0], m[1]) for m in messages]
    sent = [pd.Timestamp(m["sent_at"]) for m in lines]
    assert sent == sorted(sent)
    # a shuffled listing would not pass: the ticket has distinct times
    assert len(set(sent)) > 1
