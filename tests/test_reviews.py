"""The feedback and review marts on generated data with every scenario: CSAT
trending agrees with an independent pandas recomputation from staging, the
ranked views put the csat_collapse archetype among the worst, the weekly
panel folds to the top archetypes, the monthly roll-up adds up, and the
quarterly mix audit and confidence thresholds agree with their definitions."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
VARS = yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]
TOP_ARCHETYPES = int(VARS["top_archetypes"])
MIN_RESPONSES = int(VARS["min_responses"])
DELAYED_WINDOW = timedelta(days=int(VARS["delayed_csat_window_days"]))
BASELINE_WEEKS = int(VARS["baseline_weeks"])
CUTOFFS = [round(step * 0.05, 2) for step in range(20)]


def _deployed_at(built) -> pd.Timestamp:
    meta = json.loads((built.raw_path / "_generation.json").read_text())
    return pd.Timestamp(meta["ai_deployed_at"])


def _period_start(timestamps: pd.Series, grain: str) -> pd.Series:
    if grain == "week":
        days = timestamps.dt.normalize()
        return (days - pd.to_timedelta(days.dt.day_of_week, unit="D")).dt.date
    return timestamps.dt.to_period({"month": "M", "quarter": "Q"}[grain]).dt.start_time.dt.date


@pytest.fixture(scope="module")
def responses(scenario_warehouse) -> pd.DataFrame:
    """Counted survey responses recomputed from staging: answered; a delayed
    answer only once closed_at + the delayed window <= as_of."""
    surveys = scenario_warehouse.df(
        "select ticket_id, survey_type, scale, score, responded_at from staging.stg_surveys"
    )
    tickets = scenario_warehouse.df(
        "select ticket_id, archetype, intent, product_id, product_category, created_at, "
        "closed_at from intermediate.int_tickets"
    )
    as_of = tickets.created_at.max()
    frame = surveys.merge(tickets, on="ticket_id", how="inner")
    frame = frame[frame.responded_at.notna()].copy()
    mature = frame.closed_at.notna() & (frame.closed_at + DELAYED_WINDOW <= as_of)
    frame = frame[(frame.survey_type == "resolution") | mature].copy()
    frame["satisfied"] = (
        ((frame.scale == "five_point") & (frame.score >= 4))
        | ((frame.scale == "thumbs") & (frame.score == 1))
    ).astype(int)
    frame["intent"] = frame.intent.fillna("unknown")
    frame["product"] = frame.product_id.fillna("unknown")
    frame["product_category"] = frame.product_category.fillna("unknown")
    return frame


def _trending(built, grain: str, dimension: str) -> pd.DataFrame:
    return built.df(
        "select period_start, dimension_value, survey_type, responses, satisfied, unsatisfied, "
        "csat from marts.csat_trending "
        f"where period_grain = '{grain}' and dimension = '{dimension}'"
    ).assign(period_start=lambda d: pd.to_datetime(d.period_start).dt.date)


def test_csat_trending_one_month_one_archetype_matches_pandas(scenario_warehouse, responses):
    """December (a whole month, after deployment, with the scenarios running)
    for returns_refunds, counted by hand from staging."""
    month, archetype = date(2025, 12, 1), "returns_refunds"
    mine = responses[
        (_period_start(responses.created_at, "month") == month) & (responses.archetype == archetype)
    ]
    assert len(mine) > 0
    trending = _trending(scenario_warehouse, "month", "archetype")
    for survey_type in ["resolution", "delayed"]:
        expected = mine[mine.survey_type == survey_type]
        row = trending[
            (trending.period_start == month)
            & (trending.dimension_value == archetype)
            & (trending.survey_type == survey_type)
        ]
        assert len(row) == 1, survey_type
        row = row.iloc[0]
        assert row.responses == len(expected), survey_type
        assert row.satisfied == expected.satisfied.sum(), survey_type
        assert row.unsatisfied == len(expected) - expected.satisfied.sum(), survey_type
        assert row.csat == pytest.approx(100.0 * expected.satisfied.mean())


@pytest.mark.parametrize(
    ("grain", "dimension"),
    [
        ("week", "archetype"),
        ("month", "intent"),
        ("month", "product"),
        ("quarter", "product_category"),
        ("quarter", "all"),
    ],
)
def test_csat_trending_every_cell_matches_pandas(scenario_warehouse, responses, grain, dimension):
    frame = responses.assign(
        period_start=_period_start(responses.created_at, grain),
        dimension_value="all" if dimension == "all" else responses[dimension],
    )
    expected = (
        frame.groupby(["period_start", "dimension_value", "survey_type"])
        .agg(responses=("satisfied", "size"), satisfied=("satisfied", "sum"))
        .reset_index()
    )
    actual = _trending(scenario_warehouse, grain, dimension)
    merged = expected.merge(
        actual,
        on=["period_start", "dimension_value", "survey_type"],
        how="outer",
        suffixes=("_expected", "_actual"),
        indicator=True,
    )
    assert (merged._merge == "both").all(), merged[merged._merge != "both"].head()
    assert (merged.responses_expected == merged.responses_actual).all()
    assert (merged.satisfied_expected == merged.satisfied_actual).all()


def test_delayed_responses_wait_for_the_window(scenario_warehouse):
    """Immature delayed answers exist in the data and are not counted."""
    mature = (
        "t.closed_at is not null and t.closed_at + interval 7 day"
        " <= (select max(created_at) from intermediate.int_tickets)"
    )
    counts = (
        f"select count(*) filter (where not ({mature})), count(*) filter (where {mature}) "
        "from intermediate.int_surveys as s join intermediate.int_tickets as t using (ticket_id) "
        "where s.survey_type = 'delayed' and s.is_answered = 1"
    )
    immature, mature_answers = scenario_warehouse.query(counts)[0]
    assert immature > 0
    (counted,) = scenario_warehouse.query(
        "select sum(responses) from marts.csat_trending "
        "where period_grain = 'quarter' and dimension = 'all' and survey_type = 'delayed'"
    )[0]
    assert counted == mature_answers


def test_csat_change_is_against_the_calendar_previous_period(scenario_warehouse):
    frame = scenario_warehouse.df(
        "select period_start, dimension_value, survey_type, csat, previous_csat, "
        "csat_change_points from marts.csat_trending "
        "where period_grain = 'month' and dimension = 'archetype'"
    )
    frame["period_start"] = pd.to_datetime(frame.period_start)
    previous = frame[["period_start", "dimension_value", "survey_type", "csat"]].assign(
        period_start=lambda d: d.period_start + pd.DateOffset(months=1)
    )
    merged = frame.merge(
        previous, on=["period_start", "dimension_value", "survey_type"], how="left"
    )
    np.testing.assert_allclose(merged.previous_csat, merged.csat_y, equal_nan=True)
    np.testing.assert_allclose(
        merged.csat_change_points, merged.csat_x - merged.csat_y, equal_nan=True
    )
    assert merged.csat_change_points.notna().sum() > 0


def test_returns_refunds_ranks_among_the_worst_last_month(scenario_warehouse):
    ranked = scenario_warehouse.df(
        "select dimension_value, responses, csat, rank_by_csat, rank_by_unsatisfied "
        "from marts.csat_worst_ranked "
        "where period_grain = 'month' and dimension = 'archetype' and survey_type = 'resolution' "
        "and period_start = (select max(period_start) from marts.csat_worst_ranked "
        "where period_grain = 'month')"
    ).set_index("dimension_value")
    returns = ranked.loc["returns_refunds"]
    assert returns.responses >= MIN_RESPONSES
    assert returns.rank_by_csat <= 3, ranked.sort_values("rank_by_csat")
    assert returns.rank_by_unsatisfied <= 3
    # CSAT ranks are only given on enough responses, worst first, 1..n
    rankable = ranked[ranked.responses >= MIN_RESPONSES].sort_values("rank_by_csat")
    assert ranked[ranked.responses < MIN_RESPONSES].rank_by_csat.isna().all()
    assert list(rankable.rank_by_csat) == list(range(1, len(rankable) + 1))
    assert rankable.csat.is_monotonic_increasing


def test_weekly_panel_folds_to_the_top_archetypes(scenario_warehouse):
    weekly = scenario_warehouse.df(
        "select week_start, archetype, panel_archetype, volume_rank, recent_tickets, tickets "
        "from marts.review_weekly_operational"
    )
    archetypes = weekly[weekly.archetype != "all"]
    distinct = archetypes.groupby("week_start").panel_archetype.nunique()
    assert (distinct <= TOP_ARCHETYPES + 1).all(), distinct
    # the archetypes outnumber the panel, so some are folded every week
    assert (distinct == TOP_ARCHETYPES + 1).all()
    assert (weekly[weekly.archetype == "all"].groupby("week_start").size() == 1).all()
    assert (weekly[weekly.archetype == "all"].panel_archetype == "all").all()
    # recompute the 4-week volume ranking from kpi_weekly
    tickets = scenario_warehouse.df(
        "select week_start, archetype, numerator as tickets from marts.kpi_weekly "
        "where kpi = 'tickets' and segment = 'all' and channel = 'all' and archetype <> 'all'"
    )
    grid = (
        tickets.pivot(index="week_start", columns="archetype", values="tickets")
        .fillna(0)
        .sort_index()
    )
    recent = grid.rolling(4, min_periods=1).sum()
    for week, volumes in recent.iterrows():
        named = (
            volumes.drop("long_tail", errors="ignore")
            .rename("volume")
            .rename_axis("archetype")
            .reset_index()
            .sort_values(["volume", "archetype"], ascending=[False, True])
        )
        top = set(named.archetype.head(TOP_ARCHETYPES))
        rows = archetypes[archetypes.week_start == week]
        kept = set(rows[rows.panel_archetype == rows.archetype].archetype) - {"long_tail"}
        assert kept == top & set(rows.archetype), week
        for row in rows.itertuples():
            assert row.recent_tickets == volumes[row.archetype], (week, row.archetype)


def test_weekly_review_reads_the_kpi_marts(scenario_warehouse):
    (mismatch,) = scenario_warehouse.query(
        "select count(*) from marts.review_weekly_operational as r "
        "inner join marts.kpi_weekly as k on r.week_start = k.week_start "
        "and r.archetype = k.archetype and k.segment = 'all' and k.channel = 'all' "
        "where (k.kpi = 'bot_handle_seconds' and r.bot_handle_seconds is distinct from k.value) "
        "or (k.kpi = 'csat_resolution' and r.csat_resolution is distinct from k.value) "
        "or (k.kpi = 'policy_incidents_p0' and r.policy_incidents_p0 <> k.numerator)"
    )[0]
    assert mismatch == 0
    (alerts,) = scenario_warehouse.query("select count(*) from marts.kpi_alerts")[0]
    (open_alerts,) = scenario_warehouse.query(
        "select sum(open_alerts) from marts.review_weekly_operational"
    )[0]
    assert alerts > 0 and open_alerts == alerts
    # the collapse shows up in the review: returns_refunds gated at rollback
    statuses = {
        row[0]
        for row in scenario_warehouse.query(
            "select csat_resolution_status from marts.review_weekly_operational "
            "where archetype = 'returns_refunds'"
        )
    }
    assert "rollback" in statuses


def test_weekly_panel_lines_add_up_from_numerators_and_denominators(scenario_warehouse):
    """review_weekly_panel: the lines of a week are 'all', the top archetypes and
    long_tail; their tickets add up to the week's; a line's rates are its
    archetypes' summed numerators over summed denominators (recomputed here from
    kpi_weekly and the operational mart's map); a folded line is protected only
    when all its archetypes are."""
    panel = scenario_warehouse.df("select * from marts.review_weekly_panel")
    lines = panel[panel.panel_archetype != "all"]
    assert (lines.groupby("week_start").size() == TOP_ARCHETYPES + 1).all()
    totals = panel[panel.panel_archetype == "all"].set_index("week_start").tickets
    assert lines.groupby("week_start").tickets.sum().to_dict() == totals.to_dict()
    facts = scenario_warehouse.df(
        "select k.week_start, r.panel_archetype, k.kpi, k.numerator, k.denominator "
        "from marts.kpi_weekly as k inner join marts.review_weekly_operational as r "
        "on k.week_start = r.week_start and k.archetype = r.archetype "
        "where k.segment = 'all' and k.channel = 'all' and r.archetype <> 'all' "
        "and k.kpi in ('deflection_rate', 'context_loss_rate', 'repeat_contact_7d')"
    )
    sums = facts.groupby(["week_start", "panel_archetype", "kpi"])[
        ["numerator", "denominator"]
    ].sum()
    expected = (100.0 * sums.numerator / sums.denominator.where(sums.denominator > 0)).unstack()
    got = lines.set_index(["week_start", "panel_archetype"])[expected.columns]
    pd.testing.assert_frame_equal(
        got.sort_index(), expected.loc[got.index].sort_index(), check_names=False, rtol=1e-9
    )
    headline = scenario_warehouse.df(
        "select r.week_start, r.panel_archetype, bool_and(h.is_csat_protected) as protected "
        "from marts.review_weekly_operational as r inner join marts.kpi_deflection_headline "
        "as h on r.week_start = h.week_start and r.archetype = h.archetype "
        "where r.archetype <> 'all' group by all"
    ).set_index(["week_start", "panel_archetype"])
    protected = lines.set_index(["week_start", "panel_archetype"]).is_csat_protected
    assert (protected == headline.protected.loc[protected.index]).all()
    folded = lines[lines.panel_archetype == "long_tail"]
    assert (folded.archetypes > 1).all() and folded.target_low_pct.isna().all()


def test_weekly_action_items_are_the_alerts_with_a_follow_up(scenario_warehouse):
    days = pd.read_csv(REPO / "seeds" / "alert_follow_up.csv").set_index("severity")
    items = scenario_warehouse.df("select * from marts.review_weekly_action_items")
    (alerts,) = scenario_warehouse.query("select count(*) from marts.kpi_alerts")[0]
    assert len(items) == alerts > 0
    for row in items.itertuples():
        assert row.review_date == row.week_start + timedelta(days=7)
        offset = int(days.follow_up_days[row.severity])
        assert row.follow_up_date == row.review_date + timedelta(days=offset)
    assert set(items.owner) <= set(pd.read_csv(REPO / "seeds" / "owners.csv").owner_name)


def test_monthly_review_adds_up(scenario_warehouse):
    monthly = scenario_warehouse.df("select * from marts.review_monthly_business")
    monthly["month_start"] = pd.to_datetime(monthly.month_start).dt.date
    archetypes = monthly[monthly.archetype != "all"]
    totals = archetypes.groupby("month_start").agg(
        share=("ticket_share_pct", "sum"), tickets=("tickets", "sum")
    )
    np.testing.assert_allclose(totals.share, 100.0)
    overall = monthly[monthly.archetype == "all"].set_index("month_start")
    assert (totals.tickets == overall.tickets.reindex(totals.index)).all()
    assert (
        monthly.policy_incidents
        == monthly.policy_incidents_p0 + monthly.policy_incidents_p1 + monthly.policy_incidents_p2
    ).all()
    flagged = monthly.share_shift_points.abs() > 5
    assert (monthly.needs_rebaselining == flagged).all()
    # weeks belong to the month of their week_start
    weekly = scenario_warehouse.df(
        "select week_start, numerator from marts.kpi_weekly "
        "where kpi = 'tickets' and archetype = 'all' and segment = 'all' and channel = 'all'"
    )
    weekly["month_start"] = pd.to_datetime(weekly.week_start).dt.to_period("M").dt.start_time
    by_month = weekly.groupby(weekly.month_start.dt.date).numerator.sum()
    assert dict(overall.tickets) == {k: int(v) for k, v in by_month.items()}
    # protection share is over the gated (post-deployment) weeks only
    gated = monthly[monthly.weeks_gated > 0]
    assert gated.csat_protected_week_share.between(0, 100).all()
    assert monthly[monthly.weeks_gated == 0].csat_protected_week_share.isna().all()


def test_quarterly_psi_is_consistent(scenario_warehouse):
    quarterly = scenario_warehouse.df(
        "select quarter_start, archetype, ticket_share_pct, baseline_share_pct, "
        "psi_contribution, psi from marts.review_quarterly_recalibration"
    )
    assert quarterly.psi.notna().all()
    assert (quarterly.psi >= 0).all()
    archetypes = quarterly[quarterly.archetype != "all"]
    assert (archetypes.psi_contribution >= 0).all()
    by_quarter = archetypes.groupby("quarter_start")
    np.testing.assert_allclose(by_quarter.psi_contribution.sum(), by_quarter.psi.first())
    np.testing.assert_allclose(by_quarter.ticket_share_pct.sum(), 100.0)
    np.testing.assert_allclose(by_quarter.baseline_share_pct.sum(), 100.0)
    # recompute the PSI from the shares
    q = np.maximum(archetypes.ticket_share_pct / 100, 1e-4)
    b = np.maximum(archetypes.baseline_share_pct / 100, 1e-4)
    np.testing.assert_allclose(archetypes.psi_contribution, (q - b) * np.log(q / b), atol=1e-12)


def test_quarterly_kpi_trend_sums_numerators(scenario_warehouse):
    weekly = scenario_warehouse.df(
        "select week_start, kpi, archetype, numerator, denominator from marts.kpi_weekly "
        "where segment = 'all' and channel = 'all' and kpi in ('csat_resolution', 'tickets')"
    )
    weekly["quarter_start"] = pd.to_datetime(weekly.week_start).dt.to_period("Q").dt.start_time
    sums = weekly.groupby(["quarter_start", "archetype", "kpi"])[["numerator", "denominator"]].sum()
    quarterly = scenario_warehouse.df(
        "select quarter_start, archetype, tickets, csat_resolution, csat_resolution_qoq_change "
        "from marts.review_quarterly_recalibration"
    ).assign(quarter_start=lambda d: pd.to_datetime(d.quarter_start))
    for row in quarterly.itertuples():
        if (row.quarter_start, row.archetype, "tickets") not in sums.index:
            assert row.tickets == 0 and pd.isna(row.csat_resolution)
            continue
        csat = sums.loc[(row.quarter_start, row.archetype, "csat_resolution")]
        assert row.csat_resolution == pytest.approx(100 * csat.numerator / csat.denominator)
        assert row.tickets == sums.loc[(row.quarter_start, row.archetype, "tickets")].numerator
    first, second = (pd.Timestamp(q) for q in sorted(quarterly.quarter_start.unique())[:2])
    pair = quarterly.set_index(["quarter_start", "archetype"])
    for archetype in quarterly.archetype.unique():
        expected = (
            pair.loc[(second, archetype)].csat_resolution
            - pair.loc[(first, archetype)].csat_resolution
        )
        assert pair.loc[(second, archetype)].csat_resolution_qoq_change == pytest.approx(expected)


def test_recommended_confidence_threshold_matches_its_definition(scenario_warehouse):
    deployed = _deployed_at(scenario_warehouse)
    deployed_week = deployed - pd.Timedelta(days=deployed.weekday())
    tickets = scenario_warehouse.df(
        "select ticket_id, archetype, week_start, created_at, is_bot_resolved, model_confidence "
        "from intermediate.int_tickets"
    )
    surveys = scenario_warehouse.df(
        "select ticket_id, scale, score from staging.stg_surveys "
        "where survey_type = 'resolution' and responded_at is not null"
    )
    answers = surveys.merge(tickets, on="ticket_id")
    answers["satisfied"] = (
        ((answers.scale == "five_point") & (answers.score >= 4))
        | ((answers.scale == "thumbs") & (answers.score == 1))
    ).astype(int)
    week = pd.to_datetime(answers.week_start)
    in_baseline = (week + pd.Timedelta(days=7) <= deployed) & (
        week >= deployed_week - pd.Timedelta(weeks=BASELINE_WEEKS)
    )
    baseline = answers[in_baseline].groupby("archetype").satisfied.mean() * 100
    bot = answers[answers.is_bot_resolved & answers.model_confidence.notna()].copy()
    bot["quarter_start"] = week[bot.index].dt.to_period("Q").dt.start_time.dt.date
    expected = {}
    for (quarter, archetype), group in bot.groupby(["quarter_start", "archetype"]):
        qualifying = [
            cut
            for cut in CUTOFFS
            if (above := group[group.model_confidence >= cut]).shape[0] >= MIN_RESPONSES
            and 100 * above.satisfied.mean() >= baseline.get(archetype, np.inf) - 1e-9
        ]
        expected[(quarter, archetype)] = min(qualifying) if qualifying else None
    actual = scenario_warehouse.df(
        "select quarter_start, archetype, recommended_confidence_threshold, no_threshold_reason, "
        "csat_above_threshold, baseline_csat_resolution "
        "from marts.review_quarterly_confidence_thresholds"
    ).assign(quarter_start=lambda d: pd.to_datetime(d.quarter_start).dt.date)
    recommended = 0
    for row in actual.itertuples():
        want = expected.get((row.quarter_start, row.archetype))
        if want is None:
            assert pd.isna(row.recommended_confidence_threshold), row
            assert row.no_threshold_reason in {
                "no_baseline",
                "too_few_responses",
                "below_baseline_at_every_cutoff",
            }
        else:
            recommended += 1
            assert row.recommended_confidence_threshold == pytest.approx(want), row
            assert pd.isna(row.no_threshold_reason)
            assert row.csat_above_threshold >= row.baseline_csat_resolution
            assert row.baseline_csat_resolution == pytest.approx(baseline[row.archetype])
    assert recommended > 0
