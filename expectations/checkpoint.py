"""The checkpoint runner: the week's gate frame through the five suites.

A GX file context lives in `<results_dir>/gx/` (the suites as they ran, the
validation definitions, the checkpoint and every validation result, under
`uncommitted/validations/`); the Data Docs site is `<results_dir>/data_docs/`
(`index.html` lists every run). The suites are rebuilt from the seed on each
run (`add_or_update`), so the stored JSON is a record, never the source.

One pandas data source, one data-frame asset (`kpi_gate_frame`, whole-frame
batch definition): the checkpoint validates every suite on the same frame,
passed as `batch_parameters={"dataframe": frame}`. Results come back with
`result_format` COMPLETE and `archetype` as the unexpected-index column, so
each failed expectation names its failing archetypes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from expectations.base import Gate
from expectations.offline_docs import make_data_docs_offline
from expectations.suites import build_suites, suite_name
from supportwh.errors import SupportWHError

DATA_SOURCE = "supportwh_marts"
ASSET = "kpi_gate_frame"
BATCH_DEFINITION = "week"
CHECKPOINT = "kpi_gates"
SITE = "kpi_gates"
RESULT_FORMAT = {"result_format": "COMPLETE", "unexpected_index_column_names": ["archetype"]}


@dataclass
class CheckpointOutcome:
    success: bool  # GX's verdict: every expectation passed
    rows: pd.DataFrame  # one row per gate and archetype
    expectations: int
    validation_results: list[str]  # GX validation result identifiers
    data_docs_index: Path | None
    gx_seconds: float


def _context(results_dir: Path):
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    results_dir.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(results_dir))
    variables = context.variables
    site = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str((results_dir / "data_docs").resolve()),
        },
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }
    changed = False
    if (variables.data_docs_sites or {}) != {SITE: site}:
        variables.data_docs_sites = {SITE: site}
        changed = True
    progress = variables.progress_bars
    if not progress or progress.get("globally") is not False:
        variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        changed = True
    if changed:
        variables.save()
    return context


def _batch_definition(context):
    source = context.data_sources.add_or_update_pandas(DATA_SOURCE)
    try:
        asset = source.get_asset(ASSET)
    except LookupError:
        asset = source.add_dataframe_asset(ASSET)
    try:
        return asset.get_batch_definition(BATCH_DEFINITION)
    except (LookupError, KeyError):
        return asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)


def run_checkpoint(
    frame: pd.DataFrame,
    gates: dict[str, list[Gate]],
    results_dir: Path,
    run_name: str,
    run_time: datetime,
    data_docs: bool = True,
) -> CheckpointOutcome:
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    started = time.monotonic()
    context = _context(Path(results_dir))
    batch_definition = _batch_definition(context)
    definitions = []
    for family, suite in build_suites(gates).items():
        suite = context.suites.add_or_update(suite)
        definitions.append(
            context.validation_definitions.add_or_update(
                gx.ValidationDefinition(name=suite_name(family), data=batch_definition, suite=suite)
            )
        )
    actions = [gx.checkpoint.UpdateDataDocsAction(name="update_data_docs", site_names=[SITE])]
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=CHECKPOINT,
            validation_definitions=definitions,
            actions=actions if data_docs else [],
            result_format=RESULT_FORMAT,
        )
    )
    result = checkpoint.run(
        batch_parameters={"dataframe": frame},
        run_id=RunIdentifier(run_name=run_name, run_time=run_time),
    )
    rows = _gate_rows(frame, gates, result)
    index = Path(results_dir) / "data_docs" / "index.html"
    if data_docs:
        make_data_docs_offline(index.parent)  # the CDN assets -> vendored copies
    return CheckpointOutcome(
        success=bool(result.success),
        rows=rows,
        expectations=sum(len(g) for g in gates.values()),
        validation_results=[str(k) for k in result.run_results],
        data_docs_index=index if data_docs and index.exists() else None,
        gx_seconds=time.monotonic() - started,
    )


def _judged(frame: pd.DataFrame, gate: Gate) -> pd.Series:
    """The rows the gate's row condition keeps (the same condition GX applies)."""
    mask = frame[gate.judged].astype(bool)
    for column, operator, value in gate.conditions:
        values = frame[column]
        mask &= {
            ">": values > value,
            ">=": values >= value,
            "<": values < value,
            "<=": values <= value,
        }[operator].fillna(False)
    return mask


def _gate_rows(frame: pd.DataFrame, gates: dict[str, list[Gate]], result) -> pd.DataFrame:
    by_key = {g.key: (family, g) for family, family_gates in gates.items() for g in family_gates}
    rows = []
    seen: set[str] = set()
    for validation in result.run_results.values():
        for r in validation.results:
            config = r.expectation_config
            key = (config.meta or {}).get("gate")
            if key not in by_key:
                raise SupportWHError(f"a validation result names no known gate: {config.type}")
            family, gate = by_key[key]
            seen.add(key)
            exception = r.exception_info or {}
            if exception.get("raised_exception"):
                raise SupportWHError(
                    f"GX could not evaluate gate {key}: "
                    f"{str(exception.get('exception_message')).splitlines()[0]}"
                )
            failing = {u["archetype"] for u in (r.result or {}).get("unexpected_index_list") or []}
            judged = _judged(frame, gate)
            strays = failing - set(frame.archetype[judged])
            if strays:
                raise SupportWHError(
                    f"gate {key} failed rows it does not judge ({', '.join(sorted(strays))})"
                )
            t = gate.threshold
            for i, row in frame.iterrows():
                is_judged = bool(judged.loc[i])
                observed = row[gate.column]
                threshold = row[gate.threshold_column] if gate.threshold_column else t.threshold
                detail = row[gate.detail]
                rows.append(
                    {
                        "suite": suite_name(family),
                        "family": family,
                        "expectation": config.type,
                        "expectation_id": config.id,
                        "gate": key,
                        "rule": t.rule,
                        "kpi": t.kpi,
                        "archetype": row["archetype"],
                        "column_name": gate.column,
                        "observed": None if pd.isna(observed) else float(observed),
                        "comparator": t.comparator,
                        "threshold": None if pd.isna(threshold) else float(threshold),
                        "threshold_unit": t.threshold_unit,
                        "unit": gate.unit,
                        "trips_when": gate.trip_text(threshold),
                        "severity": t.severity,
                        "action": t.action,
                        "owner": t.owner,
                        "judged": is_judged,
                        "success": (row["archetype"] not in failing) if is_judged else None,
                        "detail": None if pd.isna(detail) else str(detail),
                        "expectation_success": bool(r.success),
                    }
                )
    missing = set(by_key) - seen
    if missing:
        raise SupportWHError(f"gates without a validation result: {', '.join(sorted(missing))}")
    return pd.DataFrame(rows)
