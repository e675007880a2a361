"""The KPI marts on generated data: each injected problem raises its alert with
the right owner and a clean export raises none of those; kpi_weekly agrees
with an independent pandas recomputation; an incremental run equals a full
refresh over the same data."""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from conftest import build, supportwh

from supportwh.loader import contract_schemas

OWNERS = {
    "csat": "Marcus Lee",
    "handoff": "Elena Novak",
    "leading_indicators": "Sara Kim",
    "policy_qa": "Tom Okafor",
}

# (scenario, rule, archetype, owner family, the weeks it must trip in:
# "scenario" = some week of the injected period, "last2" = each of the last
# two weeks, the first in which two consecutive rises exist)
INJECTED = [
    ("csat_collapse", "csat_rollback", "returns_refunds", "csat", "scenario"),
    ("handoff_break", "customer_repetition", "billing_disputes", "handoff", "scenario"),
    ("handoff_break", "context_loss", "billing_disputes", "handoff", "scenario"),
    (
        "handoff_break",
        "escalated_handle_time",
        "billing_disputes",
        "leading_indicators",
        "scenario",
    ),
    ("refund_hallucination", "policy_p0", "returns_refunds", "policy_qa", "scenario"),
    ("refund_hallucination", "policy_p1", "returns_refunds", "policy_qa", "scenario"),
    (
        "bot_handle_time_rise",
        "bot_handle_time_trend",
        "order_tracking",
        "leading_indicators",
        "last2",
    ),
]


def _scenario_weeks(built) -> list[date]:
    meta = json.loads((built.raw_path / "_generation.json").read_text())
    return sorted(date.fromisoformat(w) for w in meta["scenario_weeks"])


def _alerts(built):
    return built.df(
        "select * from marts.kpi_alerts where segment = 'all' and channel = 'all'"
    ).assign(week_start=lambda d: pd.to_datetime(d.week_start).dt.date)


@pytest.mark.parametrize(("scenario", "rule", "archetype", "family", "when"), INJECTED)
def test_injected_problem_raises_its_alert_and_clean_data_does_not(
    alert_warehouses, scenario, rule, archetype, family, when
):
    weeks = _scenario_weeks(alert_warehouses["all"])
    expected_weeks = set(weeks[-2:]) if when == "last2" else set(weeks)

    raised = _alerts(alert_warehouses["all"])
    raised = raised[(raised.rule == rule) & (raised.archetype == archetype)]
    in_window = raised[raised.week_start.isin(expected_weeks)]
    if when == "last2":
        assert set(in_window.week_start) == expected_weeks
    else:
        assert len(in_window) > 0
    assert set(in_window.owner) == {OWNERS[family]}
    clean = _alerts(alert_warehouses["clean"])
    clean = clean[(clean.rule == rule) & (clean.archetype == archetype)]
    # the clean export raises none of this kind while the problem is injected
    in_clean = clean[clean.week_start.isin(expected_weeks)]
    assert in_clean.empty, in_clean[["week_start", "rule", "archetype", "observed", "detail"]]
    # before the injection both exports hold the same data: the same verdicts
    before = weeks[0]
    assert set(raised[raised.week_start < before].week_start) == set(
        clean[clean.week_start < before].week_start
    )


def test_policy_p0_reports_the_finding_count(alert_warehouses):
    built = alert_warehouses["all"]
    alerts = _alerts(built)
    p0 = alerts[alerts.rule == "policy_p0"].set_index(["week_start", "archetype"]).observed
    findings = built.df(
        "select week_start, archetype, count(*) as n from intermediate.int_qa_reviews "
        "where finding_class = 'refund_pricing' group by all"
    )
    findings["week_start"] = pd.to_datetime(findings.week_start).dt.date
    expected = findings.set_index(["week_start", "archetype"]).n
    assert p0.sort_index().to_dict() == expected.astype(float).sort_index().to_dict()
    assert (alerts[alerts.rule == "policy_p0"].severity == "P0").all()


def test_clean_export_raises_no_policy_incident_alert(alert_warehouses):
    alerts = _alerts(alert_warehouses["clean"])
    assert alerts[alerts.rule == "policy_p0"].empty


# --- independent recomputation -------------------------------------------------


def _recompute(built, weeks: list[date], archetypes: list[str]) -> pd.DataFrame:
    """The spec's formulas in pandas, straight from the staged tables and the seed."""
    t = built.df("select * from staging.stg_tickets")
    arch = built.df("select intent, archetype from reference.archetypes")
    t = t.merge(arch, on="intent", how="left")
    t["archetype"] = t.archetype.fillna("long_tail")
    t["week_start"] = (
        t.created_at.dt.normalize() - pd.to_timedelta(t.created_at.dt.day_of_week, "D")
    ).dt.date
    as_of = t.created_at.max()

    s = built.df("select * from staging.stg_surveys").merge(
        t[["ticket_id", "week_start", "archetype", "outcome", "closed_at"]], on="ticket_id"
    )
    s["answered"] = s.responded_at.notna()
    s["satisfied"] = s.answered & (
        ((s.scale == "five_point") & (s.score >= 4)) | ((s.scale == "thumbs") & (s.score == 1))
    )
    delayed_mature = s.closed_at.notna() & (s.closed_at + pd.Timedelta(days=7) <= as_of)

    e = built.df("select * from staging.stg_escalations").merge(
        t[["ticket_id", "week_start", "archetype"]], on="ticket_id"
    )
    blank = lambda c: e[c].isna() | (e[c].fillna("").str.strip() == "")  # noqa: E731
    e["complete"] = ~(
        blank("packet_intent") | blank("packet_account_state") | blank("packet_summary")
    )

    q = built.df("select * from staging.stg_qa_reviews").merge(
        t[["ticket_id", "week_start", "archetype", "bot_attempted"]], on="ticket_id"
    )

    # repeat contact within 7 days
    closed = t[t.closed_at.notna()][["ticket_id", "customer_id", "archetype", "closed_at"]]
    pairs = closed.merge(
        t[["ticket_id", "customer_id", "archetype", "created_at"]],
        on=["customer_id", "archetype"],
        suffixes=("", "_next"),
    )
    pairs = pairs[
        (pairs.ticket_id != pairs.ticket_id_next)
        & (pairs.created_at > pairs.closed_at)
        & (pairs.created_at <= pairs.closed_at + pd.Timedelta(days=7))
    ]
    t["repeat_7d"] = t.ticket_id.isin(pairs.ticket_id)
    t["mature_7d"] = t.closed_at.notna() & (t.closed_at + pd.Timedelta(days=7) <= as_of)

    rows = []
    for week in weeks:
        for a in archetypes:
            tw = t[(t.week_start == week) & ((t.archetype == a) | (a == "all"))]
            sw = s[(s.week_start == week) & ((s.archetype == a) | (a == "all"))]
            ew = e[(e.week_start == week) & ((e.archetype == a) | (a == "all"))]
            qw = q[(q.week_start == week) & ((q.archetype == a) | (a == "all"))]
            att = tw[tw.bot_attempted]
            res = sw[(sw.survey_type == "resolution") & sw.answered]
            dly = sw[(sw.survey_type == "delayed") & sw.answered & delayed_mature.loc[sw.index]]
            esc_res = res[res.outcome == "escalated"]
            timed = att[att.bot_handle_seconds.notna()]
            kpis = {
                "tickets": (len(tw), 1),
                "deflection_rate": ((tw.outcome == "bot_resolved").sum(), len(tw)),
                "containment_rate": ((att.outcome == "bot_resolved").sum(), len(att)),
                "escalation_rate": ((att.outcome == "escalated").sum(), len(att)),
                "csat_resolution": (res.satisfied.sum(), len(res)),
                "csat_delayed": (dly.satisfied.sum(), len(dly)),
                "escalated_csat": (esc_res.satisfied.sum(), len(esc_res)),
                "context_loss_rate": (ew.agent_restate_flag.fillna(False).sum(), len(ew)),
                "handoff_packet_complete_rate": (ew.complete.sum(), len(ew)),
                "bot_handle_seconds": (timed.bot_handle_seconds.sum(), len(timed)),
                "qa_sample_rate": (att.ticket_id.isin(qw.ticket_id).sum(), len(att)),
                "policy_incidents": ((qw.finding_class != "none").sum(), 1),
                "repeat_contact_7d": ((tw.mature_7d & tw.repeat_7d).sum(), tw.mature_7d.sum()),
            }
            for kpi, (num, den) in kpis.items():
                rows.append((week, kpi, a, float(num), float(den)))
    return pd.DataFrame(
        rows, columns=["week_start", "kpi", "archetype", "numerator", "denominator"]
    )


def test_kpi_weekly_agrees_with_an_independent_recomputation(alert_warehouses):
    built = alert_warehouses["all"]
    weeks = _scenario_weeks(built)
    sample_weeks = [weeks[0] - timedelta(weeks=3), weeks[1], weeks[-1]]
    archetypes = ["returns_refunds", "billing_disputes", "order_tracking", "long_tail", "all"]
    expected = _recompute(built, sample_weeks, archetypes)

    actual = built.df(
        "select week_start, kpi, archetype, numerator, denominator from marts.kpi_weekly "
        "where segment = 'all' and channel = 'all'"
    )
    actual["week_start"] = pd.to_datetime(actual.week_start).dt.date
    merged = expected.merge(
        actual, on=["week_start", "kpi", "archetype"], how="left", suffixes=("", "_mart")
    )
    assert merged.numerator_mart.notna().all(), merged[merged.numerator_mart.isna()]
    np.testing.assert_allclose(merged.numerator_mart, merged.numerator, rtol=1e-9)
    np.testing.assert_allclose(merged.denominator_mart, merged.denominator, rtol=1e-9)
    # the sample is not trivially empty
    assert merged[merged.kpi == "csat_resolution"].denominator.sum() > 100


# --- incremental ------------------------------------------------------------------


def test_incremental_run_equals_full_refresh(tmp_path):
    raw = tmp_path / "raw"
    size = ["--tickets", "9000", "--weeks", "12", "--baseline-weeks", "6", "--scenario", "all"]
    supportwh("generate", "--out", str(raw), *size, cwd=tmp_path)
    incremental_dir = tmp_path / "incremental"
    incremental_dir.mkdir()
    build(raw, incremental_dir)

    # a new weekly export lands: week index 12 of a 13-week series
    supportwh(
        "generate",
        "--out",
        str(raw),
        "--tickets",
        "9000",
        "--weeks",
        "13",
        "--baseline-weeks",
        "6",
        "--scenario",
        "all",
        "--append-week",
        "12",
        cwd=tmp_path,
    )
    incremental = build(raw, incremental_dir, full_refresh=False)
    full_dir = tmp_path / "full"
    full_dir.mkdir()
    full = build(raw, full_dir)

    for relation, keys in [
        ("intermediate.int_ticket_kpi_facts", ["ticket_id"]),
        # follow-ups are read from the earliest rebuilt week on
        ("intermediate.int_ticket_repeat_contacts", ["ticket_id"]),
        ("intermediate.int_surveys", ["survey_id"]),
        ("marts.kpi_weekly", ["week_start", "kpi", "archetype", "segment", "channel"]),
        ("marts.kpi_alerts", ["alert_id"]),
        ("marts.negative_feedback_review", ["survey_id"]),
        ("intermediate.int_capability_overreach", ["message_id", "tool_name"]),
        # rebuilt for the revised weeks only (revised_weeks_filter)
        ("intermediate.int_tickets", ["ticket_id"]),
        ("intermediate.int_escalations", ["escalation_id"]),
        ("intermediate.int_qa_reviews", ["review_id"]),
        ("intermediate.int_ticket_customer_repetition", ["ticket_id"]),
        ("marts.refund_accuracy_weekly", ["week_start", "archetype"]),
        ("intermediate.int_bot_confidence_weekly", ["week_start", "archetype", "model_confidence"]),
        (
            "intermediate.int_csat_responses_weekly",
            ["survey_type", "week_start", "month_start", "quarter_start", "archetype"]
            + ["intent", "product", "product_category"],
        ),
        (
            "marts.csat_trending",
            ["period_grain", "period_start", "dimension", "dimension_value", "survey_type"],
        ),
        ("marts.review_quarterly_confidence_thresholds", ["quarter_start", "archetype"]),
    ]:
        a = incremental.df(f"select * from {relation}").sort_values(keys).reset_index(drop=True)
        b = full.df(f"select * from {relation}").sort_values(keys).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)
    # staging: every raw row's disposition, the quarantine and the reconciliation
    for relation in _staging_relations():
        _same_rows(incremental, full, relation)
    weeks = full.query("select count(distinct week_start) from marts.kpi_weekly")[0][0]
    assert weeks == 13
    # the weeks rebuilt beyond the look-back: the new week's tickets; after a
    # full refresh, every week
    revised = "select week_start from intermediate.int_revised_weeks"
    all_weeks = {r[0] for r in full.query("select distinct week_start from marts.kpi_weekly")}
    revised_weeks = {r[0] for r in incremental.query(revised)}
    assert max(all_weeks) in revised_weeks
    assert all_weeks <= {r[0] for r in full.query(revised)}
    # rows with a null key (quarantined whatever arrives) revise no week: the
    # appended load re-resolves the stored ones, of tickets in older weeks
    keys = {
        "tickets": "ticket_id",
        "surveys": "survey_id",
        "escalations": "escalation_id",
        "qa_reviews": "review_id",
        "messages": "message_id",
        "tool_calls": "call_id",
    }

    def latest_load_weeks(key_is: str) -> set:
        latest = " union all ".join(
            f"select ticket_id from staging.stg_{t}__validated where {k} is {key_is} "
            f"and _loaded_at = (select max(_loaded_at) from staging.stg_{t}__validated)"
            for t, k in keys.items()
        )
        return {
            r[0]
            for r in incremental.query(
                "select distinct week_start from intermediate.int_tickets "
                f"where ticket_id in ({latest})"
            )
        }

    only_null_keys = latest_load_weeks("null") - latest_load_weeks("not null")
    assert only_null_keys, "the appended load re-resolved no null-key row of an older week"
    assert not only_null_keys & revised_weeks, sorted(only_null_keys & revised_weeks)


# --- incremental staging ------------------------------------------------------------

# every table of the raw contract has a validated staging model
STAGING_TABLES = list(contract_schemas())
# incremental bookkeeping (which file, when loaded) legitimately differs
BOOKKEEPING = {"_source_file", "_loaded_at"}


def _same_rows(a, b, relation: str) -> None:
    """Equal as multisets of rows (every column but the bookkeeping ones)."""
    with_cols = a.df(f"select * from {relation} limit 0").columns
    columns = [c for c in with_cols if c not in BOOKKEEPING]
    select = f"select {', '.join(columns)} from {relation} order by all"
    left, right = a.df(select), b.df(select)
    assert len(left) == len(right), f"{relation}: {len(left)} rows vs {len(right)}"
    pd.testing.assert_frame_equal(left, right, check_exact=False, rtol=1e-12, obj=relation)


def _staging_relations() -> list[str]:
    return [f"staging.stg_{t}__validated" for t in STAGING_TABLES] + [
        "staging.stg_quarantine",
        "staging.stg_row_reconciliation",
    ]


def test_incremental_staging_equals_full_refresh_when_later_exports_revise_earlier_ones(
    tmp_path,
):
    """A later export file revises earlier ones: a re-export of an old ticket
    that is now quarantined (its old version becomes superseded and its
    children parent_quarantined), a survey of a ticket that only arrives in
    this file (no longer an orphan), an exact duplicate and a conflicting copy
    of old messages, a row with a null key, and a conflicting copy of every QA
    review of the earliest reviewed week, which leaves that week with no QA
    review at all. The incremental run reads only the new file and must
    decide every raw row exactly as a full refresh does, and a rebuilt week
    left empty must lose its old rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    raw = tmp_path / "raw"
    size = ["--tickets", "3000", "--weeks", "6", "--baseline-weeks", "3", "--scenario", "dirty"]
    supportwh("generate", "--out", str(raw), *size, cwd=tmp_path)
    incremental_dir = tmp_path / "incremental"
    incremental_dir.mkdir()
    build(raw, incremental_dir)
    before = incremental_dir / "warehouse.duckdb"

    def rows(table: str) -> pa.Table:
        return pa.concat_tables(
            [pq.read_table(f) for f in sorted((raw / table).glob("*.parquet"))],
            promote_options="default",
        )

    tickets = rows("tickets")
    surveys = rows("surveys")
    messages = rows("messages")
    qa_reviews = rows("qa_reviews")
    import duckdb

    with duckdb.connect(str(before), read_only=True) as con:
        emptied_week, week_reviews = con.execute(
            "select week_start, list(review_id) from intermediate.int_qa_reviews "
            "group by week_start order by week_start limit 1"
        ).fetchone()
        # an old staged ticket with children, and an orphan survey's ticket id
        old_ticket = con.execute(
            "select t.ticket_id from staging.stg_tickets t "
            "join staging.stg_surveys s using (ticket_id) "
            "join staging.stg_messages m using (ticket_id) "
            "order by t.created_at, t.ticket_id limit 1"
        ).fetchone()[0]
    t_old = tickets.filter(pa.compute.equal(tickets["ticket_id"], old_ticket)).slice(0, 1)
    # the revised version: later updated_at, an enum outside the contract
    revised = t_old.set_column(
        t_old.schema.get_field_index("channel"), "channel", pa.array(["fax"])
    ).set_column(
        t_old.schema.get_field_index("updated_at"),
        "updated_at",
        pa.array(
            [t_old["updated_at"][0].as_py() + timedelta(days=3)],
            t_old.schema.field("updated_at").type,
        ),
    )
    # a brand-new ticket and a survey of it in the same new file, and a survey
    # of a ticket that exists nowhere
    new_ticket = t_old.set_column(0, "ticket_id", pa.array(["T-LATE-1"]))
    survey = surveys.slice(0, 1)
    survey_new = survey.set_column(0, "survey_id", pa.array(["S-LATE-1"])).set_column(
        1, "ticket_id", pa.array(["T-LATE-1"])
    )
    survey_orphan = survey.set_column(0, "survey_id", pa.array(["S-LATE-2"])).set_column(
        1, "ticket_id", pa.array(["T-NOWHERE"])
    )
    null_key = survey.set_column(0, "survey_id", pa.array([None], pa.string()))
    message_dup = messages.slice(5, 1)
    message_conflict = messages.slice(6, 1).set_column(
        messages.schema.get_field_index("body"), "body", pa.array(["a different body"])
    )
    # the same review ids with another reviewer: each key has two differing rows
    reviews_conflict = qa_reviews.filter(
        pa.compute.is_in(qa_reviews["review_id"], pa.array(week_reviews))
    )
    reviews_conflict = reviews_conflict.set_column(
        reviews_conflict.schema.get_field_index("reviewer"),
        "reviewer",
        pa.array(["another reviewer"] * reviews_conflict.num_rows, pa.string()),
    )
    late = {
        "tickets": pa.concat_tables([revised, new_ticket]),
        "surveys": pa.concat_tables([survey_new, survey_orphan, null_key, null_key]),
        "messages": pa.concat_tables([message_dup, message_conflict]),
        "qa_reviews": reviews_conflict,
    }
    for table, data in late.items():
        pq.write_table(data, raw / table / "export-zz-late.parquet")

    incremental = build(raw, incremental_dir, full_refresh=False)
    full_dir = tmp_path / "full"
    full_dir.mkdir()
    full = build(raw, full_dir)

    for relation in _staging_relations():
        _same_rows(incremental, full, relation)
    for relation in [
        "intermediate.int_tickets",
        "intermediate.int_qa_reviews",
        "intermediate.int_ticket_kpi_facts",
        "marts.kpi_weekly",
        # its week whose QA reviews all conflict now is rebuilt, not kept stale
        "marts.refund_accuracy_weekly",
        "intermediate.int_bot_confidence_weekly",
        "marts.review_quarterly_confidence_thresholds",
        "intermediate.int_csat_responses_weekly",
        "marts.csat_trending",
    ]:
        _same_rows(incremental, full, relation)
    # the week whose every QA review is now in conflict has none left (dbt's
    # delete+insert kept its old rows: it deletes only the weeks it inserts)
    assert len(week_reviews) > 0
    assert incremental.query(
        "select count(*) from intermediate.int_qa_reviews where week_start = ?", [emptied_week]
    ) == [(0,)]

    # the revisions did happen
    dispositions = dict(
        full.query(
            "select _disposition || coalesce(':' || _reason, ''), count(*) "
            "from staging.stg_tickets__validated where ticket_id = ? group by 1",
            [old_ticket],
        )
    )
    assert dispositions.get("quarantined:invalid_enum") == 1, dispositions
    assert "staged" not in dispositions, dispositions
    children = dict(
        full.query(
            "select _reason, count(*) from staging.stg_surveys__validated "
            "where survey_id in ('S-LATE-1', 'S-LATE-2') or ticket_id = ? group by 1",
            [old_ticket],
        )
    )
    assert children.get("parent_quarantined", 0) >= 1 and children.get("orphan_ticket") == 1
    assert full.query(
        "select _disposition from staging.stg_surveys__validated where survey_id = 'S-LATE-1'"
    ) == [("staged",)]
    assert (
        full.query(
            "select count(*) from staging.stg_messages__validated "
            "where _reason = 'duplicate_key_conflict'"
        )[0][0]
        >= 2
    )
    # the incremental run read only the new file
    loaded = incremental.query(
        "select count(distinct _source_file) from staging.stg_surveys__validated "
        "where _loaded_at = (select max(_loaded_at) from staging.stg_surveys__validated)"
    )[0][0]
    files = len(list((raw / "surveys").glob("*.parquet")))
    assert loaded < files


def test_incremental_staging_refuses_a_removed_raw_file(tmp_path):
    """Exports are append-only: a file ingested before and now gone is a clear
    error that asks for a full refresh, not silently stale rows."""
    raw = tmp_path / "raw"
    supportwh(
        "generate",
        "--out",
        str(raw),
        "--tickets",
        "800",
        "--weeks",
        "3",
        "--baseline-weeks",
        "1",
        cwd=tmp_path,
    )
    build(raw, tmp_path)
    sorted((raw / "messages").glob("*.parquet"))[0].unlink()
    result = supportwh(
        "build",
        "--raw-path",
        str(raw),
        "--duckdb-path",
        str(tmp_path / "warehouse.duckdb"),
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode != 0
    assert "no longer in the export" in result.stderr and "--full-refresh" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_week_filter_other_than_the_models_rebuild_setting_is_refused(tmp_path):
    """incremental_by_week(rebuild=...) deletes the weeks of one filter: a model
    that reads its rows with the other would insert weeks it did not delete
    (duplicates) or delete weeks it does not rebuild (lost rows). The filter
    macros refuse it at compile time, naming the model."""
    import shutil

    from conftest import REPO
    from dbt.cli.main import dbtRunner

    copy = tmp_path / "project"
    copy.mkdir()
    for name in ("dbt_project.yml", "profiles.yml"):
        (copy / name).write_bytes((REPO / name).read_bytes())
    for name in ("models", "macros", "seeds", "tests/dbt"):
        shutil.copytree(REPO / name, copy / name)
    model = copy / "models" / "intermediate" / "policy_qa" / "int_qa_reviews.sql"
    source = model.read_text()
    assert "rebuild='revised'" in source and "revised_weeks_filter()" in source
    model.write_text(source.replace("revised_weeks_filter()", "lookback_filter()"))

    args = ["--project-dir", str(copy), "--profiles-dir", str(copy)]
    env = {"SUPPORTWH_DUCKDB_PATH": str(tmp_path / "w.duckdb")}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        result = dbtRunner().invoke(["compile", *args, "--select", "int_qa_reviews", "--quiet"])
    assert not result.success
    message = " ".join(str(result.exception or result.result).split())
    assert (
        "int_qa_reviews is configured with incremental_by_week(rebuild='revised') "
        "but calls lookback_filter" in message
    ), message
