"""Assets: the dbt project (models, seeds, sources; dbt tests as asset checks)
and the review report step of each cadence."""

from dataclasses import dataclass

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
        yield from dbt.cli(["build", *warehouse.dbt_vars_args()], context=context).stream()


def model_key(model: str) -> AssetKey:
    return get_asset_key_for_model([supportwh_dbt_assets], model)


@dataclass(frozen=True)
class Review:
    """One cadence's review: the marts it reads and their period column."""

    cadence: str
    partitions_def: PartitionsDefinition
    marts: tuple[tuple[str, str], ...]  # (model, period column)


REVIEWS = (
    Review("weekly", weekly_partitions, (("review_weekly_operational", "week_start"),)),
    Review("monthly", monthly_partitions, (("review_monthly_business", "month_start"),)),
    Review(
        "quarterly",
        quarterly_partitions,
        (
            ("review_quarterly_recalibration", "quarter_start"),
            ("review_quarterly_confidence_thresholds", "quarter_start"),
        ),
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
    """The report step of a cadence: the period's rows of its review marts as CSV.

    The report issue renders HTML from the same rows later; the step, its
    partition and its place after the dbt build are wired now.
    """

    @asset(
        name=f"{review.cadence}_review_report",
        key_prefix=["reports"],
        partitions_def=review.partitions_def,
        deps=[model_key(model) for model, _ in review.marts],
        group_name="reviews",
        kinds={"csv"},
        pool=WAREHOUSE_POOL,
        description=(
            f"The {review.cadence} review of one period (the partition): rows of "
            + ", ".join(f"marts.{m}" for m, _ in review.marts)
            + f" written to <reports_dir>/{review.cadence}-<period>*.csv."
        ),
    )
    def _report(
        context: AssetExecutionContext, warehouse: WarehouseResource, reports: ReportsResource
    ) -> MaterializeResult:
        import duckdb

        period = context.partition_key
        folder = reports.folder()
        folder.mkdir(parents=True, exist_ok=True)
        metadata: dict = {"period": period}
        with duckdb.connect(str(warehouse.warehouse().duckdb_path), read_only=True) as con:
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
