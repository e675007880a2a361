"""Put a raw folder (the contract's Parquet) into the raw schema of a server
warehouse. Each engine's loader is imported only when used (pyspark is heavy)."""

from __future__ import annotations

from pathlib import Path

from supportwh.errors import SupportWHError

TARGETS = ("postgres", "spark")


def load(target: str, raw_dir: Path, schema: str = "raw") -> dict[str, int]:
    """Load `raw_dir` into `schema` of `target`; return rows loaded per table."""
    if target == "spark":
        from supportwh.loader.spark import load_raw
    elif target == "postgres":
        from supportwh.loader.postgres import load_raw
    else:
        raise SupportWHError(f"unknown target {target!r}: choose from {', '.join(TARGETS)}")
    return load_raw(Path(raw_dir), schema)
