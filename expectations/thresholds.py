"""The gates' thresholds: rows of the `kpi_thresholds` seed with their owner.

A threshold lives in exactly one place, `seeds/kpi_thresholds.csv`. The gates
read the copy the build loaded into the warehouse (`reference.kpi_thresholds`,
so they judge by exactly the numbers `marts.kpi_alerts` used), joined to
`kpi_catalog` (kpi -> family) and `owners` (family -> named owner).
`load_seed_thresholds` reads the same rows from the CSV files, to build the
suites without a warehouse.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from supportwh.errors import SupportWHError

SEVERITY_ORDER = ("P0", "rollback", "P1", "review", "P2", "info")


@dataclass(frozen=True)
class Threshold:
    """One `kpi_thresholds` row: the rule trips when `kpi <comparator> threshold`."""

    rule: str
    kpi: str
    comparator: str
    threshold: float | None  # None: a per-archetype threshold (threshold_unit names it)
    threshold_unit: str
    severity: str
    action: str
    family: str
    owner: str
    owner_role: str
    owner_contact: str

    @property
    def key(self) -> str:
        return f"{self.rule}:{self.kpi}"


_QUERY = """
select t.rule, t.kpi, t.comparator, t.threshold, t.threshold_unit, t.severity, t.action,
       c.family, o.owner_name, o.owner_role, o.contact
from reference.kpi_thresholds as t
left join reference.kpi_catalog as c on t.kpi = c.kpi
left join reference.owners as o on c.family = o.family
order by t.rule, t.kpi
"""


def _threshold(value) -> float | None:
    if value is None or value == "":
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _make(rows: list[tuple], where: str) -> list[Threshold]:
    thresholds = []
    for row in rows:
        rule, kpi, comparator, threshold, unit, severity, action, family, owner, role, contact = row
        if family is None or owner is None:
            raise SupportWHError(
                f"threshold {rule}:{kpi} has no family or owner in {where} "
                "(kpi_catalog -> owners): every gate needs a named owner"
            )
        thresholds.append(
            Threshold(
                rule=rule,
                kpi=kpi,
                comparator=comparator,
                threshold=_threshold(threshold),
                threshold_unit=unit,
                severity=severity,
                action=action,
                family=family,
                owner=owner,
                owner_role=role,
                owner_contact=contact,
            )
        )
    if not thresholds:
        raise SupportWHError(f"no thresholds in {where}: the gates have nothing to check")
    return thresholds


def load_thresholds(con) -> list[Threshold]:
    """The thresholds the warehouse was built with (a DuckDB connection)."""
    import duckdb

    try:
        rows = con.execute(_QUERY).fetchall()
    except duckdb.CatalogException as exc:
        raise SupportWHError(
            f"the reference seeds are missing from the warehouse ({_first_line(exc)}): "
            "run `supportwh build` first"
        ) from exc
    return _make(rows, "reference.kpi_thresholds")


def load_seed_thresholds(seeds_dir: Path) -> list[Threshold]:
    """The same rows straight from the seed CSV files."""

    def read(name: str) -> list[dict]:
        with open(Path(seeds_dir) / f"{name}.csv", newline="") as fh:
            return list(csv.DictReader(fh))

    families = {r["kpi"]: r["family"] for r in read("kpi_catalog")}
    owners = {r["family"]: r for r in read("owners")}
    rows = []
    for r in read("kpi_thresholds"):
        owner = owners.get(families.get(r["kpi"]), {})
        rows.append(
            (
                r["rule"],
                r["kpi"],
                r["comparator"],
                r["threshold"],
                r["threshold_unit"],
                r["severity"],
                r["action"],
                families.get(r["kpi"]),
                owner.get("owner_name"),
                owner.get("owner_role"),
                owner.get("contact"),
            )
        )
    return _make(rows, f"{seeds_dir}/kpi_thresholds.csv")


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
