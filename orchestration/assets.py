"""Assets: the dbt project (models, seeds, sources; dbt tests as asset checks)
and the review report step of each cadence."""

from dataclasses import dataclass
from datetime import date

from dagster import (
    AssetExecutionContext,
    AssetKey,
    MaterializeResult,
    MetadataValue,
    PartitionsDefinition,
    asset,
)
from dagster_dbt import DbtCliResource, dbt_assets, get_asset_key_for_model

from orchestration.partitions import monthly_partitions, quarterly_partitions, weekly_partitions
from orchestration.project import supportwh_project
from orchestration.resources import ReportsResource, WarehouseResource
from supportwh.project import PRODUCTION_BUILD_ARGS

# DuckDB has one writer: every step that opens the warehouse is in this pool;
# `concurrency: pools: default_limit: 1` in dagster.yaml serializes them.
WAREHOUSE_POOL = "supportwh_warehouse"


@dbt_assets(
    manifest=supportwh_project.manifest_path,
    project=supportwh_project,
    name="supportwh_dbt",
    pool=WAREHOUSE_POOL,
)
def supportwh_dbt_assets(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    """`dbt build` of the selected models, seeds and their tests, with raw_path and
    ai_deployed_at as --vars and the DuckDB file of the warehouse resource."""
    with warehouse.dbt_environment():
        yield from dbt.cli(
            ["build", *warehouse.dbt_vars_args(), *PRODUCTION_BUILD_ARGS], context=context
        ).stream()


def model_key(model: str) -> AssetKey:
    return get_asset_key_for_model([supportwh_dbt_assets], model)


@dataclass(frozen=True)
class Review:
    """One cadence's review: the review marts written as CSV (with their period
    column) and the other marts its HTML page reads (supportwh/reports/)."""

    cadence: str
    partitions_def: PartitionsDefinition
    marts: tuple[tuple[str, str], ...]  # (model, period column)
    reads: tuple[str, ...] = ()


REVIEWS = (
    Review(
        "weekly",
        weekly_partitions,
        (
            ("review_weekly_operational", "week_start"),
            ("review_weekly_panel", "week_start"),
            ("review_weekly_action_items", "week_start"),
        ),
        ("kpi_weekly", "kpi_csat_gates", "policy_incident_log", "refund_accuracy_weekly"),
    ),
    Review(
        "monthly",
        monthly_partitions,
        (("review_monthly_business", "month_start"),),
        ("kpi_csat_gates", "policy_incident_log"),
    ),
    Review(
        "quarterly",
        quarterly_partitions,
        (
            ("review_quarterly_recalibration", "quarter_start"),
            ("review_quarterly_confidence_thresholds", "quarter_start"),
        ),
        ("kpi_csat_gates", "policy_incident_log"),
    ),
)


def _markdown(df, limit: int = 20) -> str:
    if df.empty:
        return "_no rows for this period_"
    shown = df.head(limit)
    lines = [
        "| " + " | ".join(str(c) for c in shown.columns) + " |",
        "|" + "---|" * len(shown.columns),
        *(
            "| " + " | ".join(str(v).replace("|", "/") for v in row) + " |"
            for row in shown.itertuples(index=False)
        ),
    ]
    if len(df) > limit:
        lines.append(f"\n... {len(df) - limit} more rows in the file")
    return "\n".join(lines)


def review_report_asset(review: Review):
    """The report step of a cadence: the period's review as one self-contained
    HTML page (supportwh.reports, as `supportwh report` renders it) and the
    period's rows of its review marts as CSV."""

    @asset(
        name=f"{review.cadence}_review_report",
        key_prefix=["reports"],
        partitions_def=review.partitions_def,
        deps=[model_key(model) for model, _ in review.marts]
        + [model_key(model) for model in review.reads],
        group_name="reviews",
        kinds={"html", "csv"},
        pool=WAREHOUSE_POOL,
        description=(
            f"The {review.cadence} review of one period (the partition): the HTML page "
            f"<reports_dir>/{review.cadence}-<period>.html and the rows of "
            + ", ".join(f"marts.{m}" for m, _ in review.marts)
            + f" in <reports_dir>/{review.cadence}-<period>*.csv."
        ),
    )
    def _report(
        context: AssetExecutionContext, warehouse: WarehouseResource, reports: ReportsResource
    ) -> MaterializeResult:
        import duckdb

        from supportwh.errors import SupportWHError
        from supportwh.reports import render_report

        period = context.partition_key
        folder = reports.folder()
        folder.mkdir(parents=True, exist_ok=True)
        metadata: dict = {"period": period}
        duckdb_path = warehouse.warehouse().duckdb_path
        try:
            rendered = render_report(
                duckdb_path, review.cadence, period=date.fromisoformat(period), out_dir=folder
            )
        except SupportWHError as exc:
            # a period without data is reported, not a crash: the CSVs say the same
            context.log.warning(f"{review.cadence} review {period} not rendered: {exc}")
            metadata["report_error"] = str(exc)
        else:
            context.log.info(
                f"{review.cadence} review {period}: {rendered.path} "
                f"({rendered.bytes / 1024:,.0f} KB in {rendered.seconds:.1f}s)"
            )
            metadata["report_path"] = MetadataValue.path(str(rendered.path))
            metadata["report_kb"] = round(rendered.bytes / 1024, 1)
            metadata["report_seconds"] = round(rendered.seconds, 2)
        with duckdb.connect(str(duckdb_path), read_only=True) as con:
            for model, column in review.marts:
                df = con.execute(
                    f"select * from marts.{model} where {column} = cast(? as date) order by all",
                    [period],
                ).df()
                suffix = (
                    "" if len(review.marts) == 1 else "-" + model.split(f"{review.cadence}_")[-1]
                )
                path = folder / f"{review.cadence}-{period}{suffix}.csv"
                df.to_csv(path, index=False)
                if df.empty:
                    context.log.warning(f"marts.{model} has no rows for {column} = {period}")
                context.log.info(f"{review.cadence} review {period}: {len(df)} rows -> {path}")
                label = model.removeprefix("review_")
                metadata[f"{label}_path"] = MetadataValue.path(str(path))
                metadata[f"{label}_rows"] = len(df)
                metadata[f"{label}_preview"] = MetadataValue.md(_markdown(df))
        return MaterializeResult(metadata=metadata)

    return _report


weekly_review_report, monthly_review_report, quarterly_review_report = (
    review_report_asset(review) for review in REVIEWS
)
REPORT_ASSETS = {
    "weekly": weekly_review_report,
    "monthly": monthly_review_report,
    "quarterly": quarterly_review_report,
}
