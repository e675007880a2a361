"""Where the dbt project, the warehouse file and the raw data live."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from supportwh.errors import SupportWHError

PROJECT_DIR = Path(os.environ.get("SUPPORTWH_PROJECT_DIR", Path(__file__).resolve().parents[1]))
DEFAULT_RAW_PATH = PROJECT_DIR / "data" / "raw"
DEFAULT_DUCKDB_PATH = PROJECT_DIR / "target" / "warehouse.duckdb"
GENERATION_FILE = "_generation.json"
# What a production `dbt build` (supportwh build, the Dagster jobs) leaves out:
# unit tests check the SQL against fixed inputs, so they belong to development
# and CI (make test), not to every weekly run (dbt's own advice; 36 of them
# took 21-141 s of every build at 1M-10M tickets, benchmarks/findings.md).
PRODUCTION_BUILD_ARGS = ("--exclude-resource-type", "unit_test")


@dataclass(frozen=True)
class Warehouse:
    """One warehouse: a raw folder, the DuckDB file built from it, dbt vars."""

    raw_path: Path
    duckdb_path: Path
    ai_deployed_at: str | None = None
    target: str | None = None

    def dbt_vars(self, extra: dict | None = None) -> dict:
        dbt_vars = {"raw_path": str(self.raw_path)}
        deployed = self.ai_deployed_at or deployed_at_of(self.raw_path)
        if deployed:
            dbt_vars["ai_deployed_at"] = deployed
        dbt_vars.update(extra or {})
        return dbt_vars

    @property
    def effective_target(self) -> str:
        return self.target or os.environ.get("SUPPORTWH_TARGET") or "duckdb"

    @property
    def reads_raw_folder(self) -> bool:
        """DuckDB reads the raw folder; server targets read the raw schema."""
        return self.effective_target == "duckdb"

    @property
    def location(self) -> str:
        """Where the warehouse is, for messages."""
        if self.effective_target == "postgres":
            env = os.environ.get
            return (
                f"postgres {env('SUPPORTWH_PG_USER', 'postgres')}@"
                f"{env('SUPPORTWH_PG_HOST', '127.0.0.1')}:{env('SUPPORTWH_PG_PORT', '5432')}/"
                f"{env('SUPPORTWH_PG_DATABASE', 'supportwh')} (schemas marts, staging, "
                "intermediate, reference)"
            )
        if self.effective_target != "duckdb":
            return f"{self.effective_target} target"
        return str(self.duckdb_path)

    def env(self) -> dict[str, str]:
        env = {"SUPPORTWH_DUCKDB_PATH": str(self.duckdb_path)}
        if self.target:
            env["SUPPORTWH_TARGET"] = self.target
        return env


def deployed_at_of(raw_path: Path) -> str | None:
    """ai_deployed_at recorded by the generator next to the data it wrote."""
    meta = Path(raw_path) / GENERATION_FILE
    if not meta.exists():
        return None
    try:
        return json.loads(meta.read_text())["ai_deployed_at"]
    except (ValueError, KeyError) as exc:
        raise SupportWHError(f"{meta} is not a generation record: {exc}") from exc


def default_warehouse(
    raw_path: str | Path | None = None,
    duckdb_path: str | Path | None = None,
    ai_deployed_at: str | None = None,
    target: str | None = None,
) -> Warehouse:
    raw = Path(raw_path or os.environ.get("SUPPORTWH_RAW_PATH", DEFAULT_RAW_PATH)).resolve()
    db = Path(duckdb_path or os.environ.get("SUPPORTWH_DUCKDB_PATH", DEFAULT_DUCKDB_PATH)).resolve()
    return Warehouse(raw_path=raw, duckdb_path=db, ai_deployed_at=ai_deployed_at, target=target)
