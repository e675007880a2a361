"""Policy and QA suite (family `policy_qa`), per archetype:

- `policy_p0`: zero P0 policy findings (refund/pricing misquotes; warranty too
  in regulated sectors) in the week; observed = `kpi_weekly`
  `policy_incidents_p0`, the count of P0 rows of `marts.policy_incident_log`.
- `policy_p1`: zero P1 findings (capability overreach; warranty outside
  regulated sectors); observed = the P1 QA findings of
  `marts.policy_incident_log`.
  Both count QA findings (source `qa_review`), as `kpi_alerts` does. The log's
  tool-call-audit overreach (incidents QA did not flag) is shown in the detail
  and not gated. Judged per archetype only: an `all` line would count the same
  findings twice. The log and `kpi_weekly` must agree on the week's counts,
  else the run stops (a truncated log must not pass).
- `qa_undersampled`: the QA sample rate at or above the threshold, judged with
  at least var `min_qa_population` attempted tickets and once var
  `qa_review_lag_days` have passed since the week ended (reviews arrive later).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

from expectations.base import Gate
from expectations.thresholds import Threshold
from supportwh.errors import SupportWHError

FAMILY = "policy_qa"
NOT_GATED: dict[str, str] = {}


def _policy(marts) -> pd.DataFrame:
    weekly = marts.df(
        "select archetype, kpi, numerator from marts.kpi_weekly where week_start = ? "
        "and segment = 'all' and channel = 'all' "
        "and kpi in ('policy_incidents', 'policy_incidents_p0')",
        [marts.week],
    ).pivot(index="archetype", columns="kpi", values="numerator")
    log = marts.df(
        "select archetype, source, severity, count(*) as n from marts.policy_incident_log "
        "where week_start = ? group by all",
        [marts.week],
    )
    qa = log[log.source == "qa_review"]
    by_severity = qa.pivot_table(
        index="archetype", columns="severity", values="n", aggfunc="sum", fill_value=0
    )
    audit = log[log.source == "tool_call_audit"].groupby("archetype").n.sum()
    out = pd.DataFrame(index=weekly.index.drop("all", errors="ignore"))
    logged_total = by_severity.sum(axis=1).reindex(out.index, fill_value=0)
    logged_p0 = by_severity.get("P0", pd.Series(dtype="float64")).reindex(out.index, fill_value=0)
    weekly = weekly.reindex(out.index).fillna(0)
    mismatch = (logged_total != weekly.get("policy_incidents", 0)) | (
        logged_p0 != weekly.get("policy_incidents_p0", 0)
    )
    extra = set(by_severity.index) - set(out.index)
    if mismatch.any() or extra:
        archetypes = sorted(set(mismatch[mismatch].index) | extra)
        raise SupportWHError(
            f"marts.policy_incident_log and marts.kpi_weekly disagree on the policy findings "
            f"of the week of {marts.week} ({', '.join(archetypes)}): rebuild the warehouse"
        )
    out["policy_p0_findings"] = weekly.get("policy_incidents_p0", 0).astype("float64")
    out["policy_p1_findings"] = (
        by_severity.get("P1", pd.Series(dtype="float64"))
        .reindex(out.index, fill_value=0)
        .astype("float64")
    )
    out["policy_findings"] = logged_total.astype("float64")
    out["audit_overreach_incidents"] = audit.reindex(out.index, fill_value=0).astype("float64")
    out["policy_judged"] = True
    out["policy_detail"] = [
        f"{p0:.0f} P0 and {p1:.0f} P1 of {n:.0f} QA finding(s)"
        + (f"; {a:.0f} unflagged overreach in the tool-call audit (not gated)" if a else "")
        for p0, p1, n, a in zip(
            out.policy_p0_findings,
            out.policy_p1_findings,
            out.policy_findings,
            out.audit_overreach_incidents,
            strict=True,
        )
    ]
    return out


def _qa(marts) -> pd.DataFrame:
    weekly = marts.df(
        "select archetype, numerator, denominator, value from marts.kpi_weekly "
        "where week_start = ? and segment = 'all' and channel = 'all' and kpi = 'qa_sample_rate'",
        [marts.week],
    ).set_index("archetype")
    minimum = marts.vars["min_qa_population"]
    lag = marts.vars["qa_review_lag_days"]
    judged_from = datetime.combine(marts.week + timedelta(days=7 + lag), datetime.min.time())
    mature = judged_from <= marts.as_of
    out = pd.DataFrame(index=weekly.index)
    out["qa_sample_rate"] = weekly.value.astype("float64")
    out["qa_attempted"] = weekly.denominator.astype("float64")
    out["qa_reviewed"] = weekly.numerator.astype("float64")
    out["qa_judged"] = (out.qa_attempted >= minimum) & out.qa_sample_rate.notna() & mature
    out["qa_detail"] = [
        f"{r:,.0f} of {a:,.0f} attempted tickets reviewed"
        if j
        else (
            f"reviews still arriving: judged from {judged_from:%Y-%m-%d} "
            f"({lag} days after the week)"
            if not mature
            else f"fewer than {minimum} attempted tickets ({0 if pd.isna(a) else a:,.0f})"
        )
        for r, a, j in zip(out.qa_reviewed, out.qa_attempted, out.qa_judged, strict=True)
    ]
    return out


def columns(marts, thresholds: dict[str, Threshold]) -> pd.DataFrame:
    return _policy(marts).join(_qa(marts), how="outer")


def gates(thresholds: dict[str, Threshold]) -> list[Gate]:
    from expectations.suites import require

    policy = {"judged": "policy_judged", "detail": "policy_detail", "unit": "finding(s)"}
    return [
        Gate(
            threshold=require(thresholds, "policy_p0:policy_incidents_p0"),
            column="policy_p0_findings",
            **policy,
        ),
        Gate(
            threshold=require(thresholds, "policy_p1:policy_incidents"),
            column="policy_p1_findings",
            note="P1 QA findings (capability overreach; warranty outside regulated sectors)",
            **policy,
        ),
        Gate(
            threshold=require(thresholds, "qa_undersampled:qa_sample_rate"),
            column="qa_sample_rate",
            judged="qa_judged",
            detail="qa_detail",
            unit="%",
        ),
    ]
