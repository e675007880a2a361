"""Where the raw data and the warehouse are, and where alerts go: resource config.

Every field defaults to its environment variable (the same ones the CLI reads),
so `dagster dev` needs no config; the launchpad can override any of them.
"""

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource
from pydantic import Field

from orchestration.project import supportwh_project
from supportwh.project import DEFAULT_DUCKDB_PATH, DEFAULT_RAW_PATH, PROJECT_DIR, Warehouse


def _env(name: str, default: str | Path | None) -> str | None:
    value = os.environ.get(name)
    return value if value else (str(default) if default is not None else None)


class WarehouseResource(ConfigurableResource):
    """The raw export the warehouse is built from and the DuckDB file it is built into."""

    raw_path: str | None = Field(
        default=None,
        description="Raw folder (<table>/*.parquet); default env SUPPORTWH_RAW_PATH, data/raw.",
    )
    duckdb_path: str | None = Field(
        default=None,
        description=(
            "The DuckDB warehouse file; default env SUPPORTWH_DUCKDB_PATH, target/warehouse.duckdb."
        ),
    )
    ai_deployed_at: str | None = Field(
        default=None,
        description=(
            "Deployment date (YYYY-MM-DD); default env SUPPORTWH_AI_DEPLOYED_AT, else the "
            "generator's record next to the raw data (supportwh.project.deployed_at_of), "
            "else dbt_project.yml."
        ),
    )

    def warehouse(self) -> Warehouse:
        raw = self.raw_path or _env("SUPPORTWH_RAW_PATH", DEFAULT_RAW_PATH)
        db = self.duckdb_path or _env("SUPPORTWH_DUCKDB_PATH", DEFAULT_DUCKDB_PATH)
        return Warehouse(
            raw_path=Path(raw).resolve(),
            duckdb_path=Path(db).resolve(),
            ai_deployed_at=self.ai_deployed_at or _env("SUPPORTWH_AI_DEPLOYED_AT", None),
        )

    def dbt_vars_args(self) -> list[str]:
        """`--vars` for dbt: raw_path and ai_deployed_at."""
        return ["--vars", json.dumps(self.warehouse().dbt_vars())]

    @contextmanager
    def dbt_environment(self) -> Iterator[None]:
        """SUPPORTWH_DUCKDB_PATH (and target) for the dbt subprocess, then release the file.

        dagster-dbt passes os.environ to dbt and also opens an adapter in this
        process; dbt-duckdb keeps that file open, so it is released afterwards.
        """
        from supportwh.dbt import environment, release_duckdb

        values = self.warehouse().env()
        Path(values["SUPPORTWH_DUCKDB_PATH"]).parent.mkdir(parents=True, exist_ok=True)
        try:
            with environment(values):
                yield
        finally:
            release_duckdb()

    def query(self, sql: str, params: list | None = None) -> list[dict]:
        import duckdb

        with duckdb.connect(str(self.warehouse().duckdb_path), read_only=True) as con:
            cursor = con.execute(sql, params or [])
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class AlertNotifierResource(ConfigurableResource):
    """Where new kpi_alerts rows go: always the log and the outbox, a webhook if set."""

    outbox_path: str | None = Field(
        default=None,
        description=(
            "JSON Lines outbox, one line per notified alert; default env "
            "SUPPORTWH_ALERT_OUTBOX, target/alerts/outbox.jsonl."
        ),
    )
    webhook_url: str | None = Field(
        default=None,
        description="Slack-compatible incoming webhook; default env SUPPORTWH_ALERT_WEBHOOK_URL.",
    )
    webhook_timeout_seconds: float = 10.0
    alerts_per_message: int = Field(
        default=20, description="Alerts per webhook message (Slack allows 50 blocks)."
    )

    def outbox(self) -> Path:
        return Path(
            self.outbox_path
            or _env("SUPPORTWH_ALERT_OUTBOX", PROJECT_DIR / "target" / "alerts" / "outbox.jsonl")
        ).resolve()

    def webhook(self) -> str | None:
        return self.webhook_url or _env("SUPPORTWH_ALERT_WEBHOOK_URL", None)


class ReportsResource(ConfigurableResource):
    """Where the review report step writes its files."""

    reports_dir: str | None = Field(
        default=None,
        description=(
            "Folder of <cadence>-<period>.html and its CSVs; default env SUPPORTWH_REPORTS_DIR, "
            "target/reviews."
        ),
    )

    def folder(self) -> Path:
        return Path(
            self.reports_dir or _env("SUPPORTWH_REPORTS_DIR", PROJECT_DIR / "target" / "reviews")
        ).resolve()


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=supportwh_project)


def default_resources() -> dict:
    return {
        "dbt": dbt_resource(),
        "warehouse": WarehouseResource(),
        "notifier": AlertNotifierResource(),
        "reports": ReportsResource(),
    }
