"""Running dbt in-process on the project, with one-line failures."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from contextlib import contextmanager

from supportwh.errors import SupportWHError
from supportwh.project import PROJECT_DIR, Warehouse


@contextmanager
def environment(values: dict[str, str]):
    """Set environment variables for the block, restoring the old values after."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def run_dbt(
    command: str,
    warehouse: Warehouse,
    args: Sequence[str] = (),
    extra_vars: dict | None = None,
    quiet: bool = False,
):
    """Run `dbt <command>` against the warehouse; raise SupportWHError on failure.

    dbt prints one line per node as it goes, which is the build's progress.
    """
    from dbt.cli.main import dbtRunner

    if warehouse.duckdb_path:
        warehouse.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
        check_duckdb_file(warehouse.duckdb_path)
    cli_args = [
        command,
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--vars",
        json.dumps(warehouse.dbt_vars(extra_vars)),
        *(["--quiet"] if quiet else []),
        *args,
    ]
    with environment(warehouse.env()):
        try:
            result = dbtRunner().invoke(cli_args)
        finally:
            release_duckdb()
    if result.exception is not None:
        raise SupportWHError(f"dbt {command} could not run: {one_line(result.exception)}")
    if not result.success:
        raise SupportWHError(f"dbt {command} failed: {_failures(result.result)}")
    return result.result


def check_duckdb_file(path) -> None:
    """Refuse, in one line, a warehouse file this DuckDB cannot read.

    A file written by a newer DuckDB (a 2.x file opened after a downgrade to
    1.x, or a future storage version) would otherwise fail inside
    dbt's connection, which prints its tracebacks first. Other failures to
    open (a lock held by another process) are left to dbt to report.
    """
    import duckdb

    if not path.exists():
        return
    try:
        duckdb.connect(str(path), read_only=True).close()
    except duckdb.IOException as exc:
        if "newer version of DuckDB" not in str(exc):
            return
        raise SupportWHError(
            f"the warehouse file {path} was written by a newer DuckDB than the installed "
            f"{duckdb.__version__}, which cannot read it: delete it and rebuild "
            f"(`supportwh build --full-refresh`); {one_line(exc).split('. ')[0]}"
        ) from exc
    except duckdb.Error:
        return


def release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open for the process.

    dbt-duckdb caches one environment per process (a private class attribute,
    no public API); while it lives, the file stays locked for other processes
    and a read-only connection from this one is refused.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # another adapter
        return
    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:500]


def _failures(run_result) -> str:
    failed = []
    for node_result in getattr(run_result, "results", None) or []:
        status = str(getattr(node_result, "status", "")).lower()
        if status in {"error", "fail", "runtime error"}:
            name = getattr(getattr(node_result, "node", None), "name", "?")
            failed.append(f"{name} ({status}: {one_line(Exception(node_result.message or ''))})")
    if not failed:
        return "see the dbt log above"
    more = f" and {len(failed) - 5} more" if len(failed) > 5 else ""
    return "; ".join(failed[:5]) + more
