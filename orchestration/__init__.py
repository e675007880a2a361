"""Dagster orchestration of the supportwh warehouse (docs/orchestration.md).

`orchestration.definitions` is the code location: `dagster dev -m orchestration.definitions`.
"""
