"""The threshold-alert notifier: every new row of marts.kpi_alerts, exactly once.

What was sent is remembered in the warehouse, `ops.alert_notifications`
(alert_id, notified_at, channel, run_id, severity), so BI can join it to
kpi_alerts. A run notifies the alerts whose alert_id is not there yet: it
logs them, POSTs them to the Slack-compatible webhook when one is configured,
appends them to the outbox (JSON Lines), and only then records them. A failed
POST fails the step before anything is recorded, so the alerts are sent by the
next run instead (nothing is lost; nothing recorded is sent twice).
"""

import json
import urllib.request
from datetime import UTC, date, datetime

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from orchestration.assets import WAREHOUSE_POOL, model_key
from orchestration.resources import AlertNotifierResource, WarehouseResource

ALERT_NOTIFICATIONS = AssetKey(["ops", "alert_notifications"])
SEVERITY_ORDER = ("P0", "rollback", "P1", "review", "P2", "info")
_RANK_SQL = (
    "case severity "
    + " ".join(f"when '{s}' then {i}" for i, s in enumerate(SEVERITY_ORDER))
    + f" else {len(SEVERITY_ORDER)} end"
)

CREATE_TABLE = """
create schema if not exists ops;
create table if not exists ops.alert_notifications (
    alert_id varchar primary key,
    notified_at timestamp with time zone not null,
    channel varchar not null,
    run_id varchar,
    severity varchar
);
"""


def _jsonable(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def new_alerts(con) -> list[dict]:
    """kpi_alerts rows not notified yet, most severe first."""
    con.execute(CREATE_TABLE)
    cursor = con.execute(
        "select a.* from marts.kpi_alerts as a "
        "anti join ops.alert_notifications as n on a.alert_id = n.alert_id "
        f"order by {_RANK_SQL}, a.week_start, a.rule, a.archetype, a.segment, a.channel"
    )
    names = [d[0] for d in cursor.description]
    return [{k: _jsonable(v) for k, v in zip(names, row, strict=True)} for row in cursor.fetchall()]


def alert_line(alert: dict) -> str:
    scope = alert["archetype"]
    if alert["segment"] != "all" or alert["channel"] != "all":
        scope += f" / {alert['segment']} / {alert['channel']}"
    return (
        f"[{alert['severity']}] {alert['rule']} ({alert['kpi']}) {scope}, "
        f"week {alert['week_start']} -> {alert['owner']} <{alert['owner_contact']}>: "
        f"{alert['detail']}"
    )


def _summary(alerts: list[dict]) -> str:
    counts = {}
    for alert in alerts:
        counts[alert["severity"]] = counts.get(alert["severity"], 0) + 1
    ordered = sorted(counts, key=lambda s: SEVERITY_ORDER.index(s) if s in SEVERITY_ORDER else 99)
    return ", ".join(f"{counts[s]} {s}" for s in ordered)


def slack_payloads(alerts: list[dict], per_message: int = 20) -> list[dict]:
    """Slack-compatible messages ({"text", "blocks"}), at most per_message alerts each."""
    payloads = []
    chunks = [alerts[i : i + per_message] for i in range(0, len(alerts), per_message)]
    for number, chunk in enumerate(chunks, start=1):
        part = f" ({number}/{len(chunks)})" if len(chunks) > 1 else ""
        title = f"supportwh: {len(alerts)} new KPI alert(s): {_summary(alerts)}{part}"
        blocks: list[dict] = [
            {"type": "header", "text": {"type": "plain_text", "text": title[:150]}}
        ]
        for alert in chunk:
            scope = alert["archetype"]
            if alert["segment"] != "all" or alert["channel"] != "all":
                scope += f" / {alert['segment']} / {alert['channel']}"
            text = (
                f"*[{alert['severity']}] {alert['rule']}* ({alert['kpi']}) {scope}, "
                f"week of {alert['week_start']}\n{alert['detail']}\n"
                f"Owner: {alert['owner']} ({alert['owner_contact']}). Action: {alert['action']}"
            )
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}})
        text = title + "\n" + "\n".join(alert_line(a) for a in chunk)
        payloads.append({"text": text, "blocks": blocks})
    return payloads


def post_json(url: str, payload: dict, timeout: float) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - configured URL
        return response.status


def markdown_table(alerts: list[dict], limit: int = 50) -> str:
    if not alerts:
        return "_no new alerts_"
    columns = ["severity", "rule", "kpi", "archetype", "segment", "channel", "week_start"]
    columns += ["owner", "owner_contact", "detail"]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for alert in alerts[:limit]:
        cells = [str(alert[c]).replace("|", "/") for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    if len(alerts) > limit:
        lines.append(f"\n... {len(alerts) - limit} more in the outbox and ops.alert_notifications")
    return "\n".join(lines)


@asset(
    key=ALERT_NOTIFICATIONS,
    deps=[model_key("kpi_alerts")],
    group_name="alerts",
    kinds={"duckdb", "slack"},
    pool=WAREHOUSE_POOL,
    description=(
        "New rows of marts.kpi_alerts, notified once: logged, appended to the outbox, "
        "POSTed to SUPPORTWH_ALERT_WEBHOOK_URL when set, recorded in ops.alert_notifications."
    ),
)
def alert_notifications(
    context: AssetExecutionContext,
    warehouse: WarehouseResource,
    notifier: AlertNotifierResource,
) -> MaterializeResult:
    import duckdb

    with duckdb.connect(str(warehouse.warehouse().duckdb_path)) as con:
        alerts = new_alerts(con)
        url = notifier.webhook()
        channels = ["log", "outbox"] + (["webhook"] if url else [])
        if not alerts:
            context.log.info("no new KPI alerts")
        else:
            context.log.warning(f"{len(alerts)} new KPI alert(s): {_summary(alerts)}")
        payloads = slack_payloads(alerts, notifier.alerts_per_message)
        for payload in payloads:
            context.log.info(payload["text"])
        if url:
            for payload in payloads:
                status = post_json(url, payload, notifier.webhook_timeout_seconds)
                context.log.info(f"webhook answered {status}")
        notified_at = datetime.now(UTC)
        run_id = context.run.run_id
        outbox = notifier.outbox()
        if alerts:
            outbox.parent.mkdir(parents=True, exist_ok=True)
            with outbox.open("a") as out:
                for alert in alerts:
                    record = {
                        "notified_at": notified_at.isoformat(),
                        "run_id": run_id,
                        "channels": channels,
                        **alert,
                    }
                    out.write(json.dumps(record) + "\n")
            con.executemany(
                "insert into ops.alert_notifications values (?, ?, ?, ?, ?)",
                [
                    (a["alert_id"], notified_at, ",".join(channels), run_id, a["severity"])
                    for a in alerts
                ],
            )
        total = con.execute("select count(*) from ops.alert_notifications").fetchone()[0]
    by_severity = {}
    for alert in alerts:
        by_severity[alert["severity"]] = by_severity.get(alert["severity"], 0) + 1
    return MaterializeResult(
        metadata={
            "new_alerts": len(alerts),
            "by_severity": MetadataValue.json(by_severity),
            "alerts_notified_to_date": int(total),
            "outbox": MetadataValue.path(str(outbox)),
            "webhook": f"{len(payloads)} message(s) posted" if url else "not configured",
            "new_alerts_table": MetadataValue.md(markdown_table(alerts)),
        }
    )
