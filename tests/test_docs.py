"""Every model and every column that BI or an engineer can see is documented
in the model's YAML, and every mart enforces its contract."""

from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def _documented_models() -> dict[str, dict]:
    models = {}
    for path in (REPO / "models").rglob("*.yml"):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models", []):
            models[model["name"]] = {**model, "_path": path}
    return models


def test_every_built_column_is_documented(scenario_warehouse):
    documented = _documented_models()
    relations = scenario_warehouse.query(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_schema in ('staging', 'intermediate', 'marts')"
    )
    missing = []
    for schema, table, column in relations:
        model = documented.get(table)
        if model is None:
            missing.append(f"{schema}.{table} has no YAML")
            continue
        described = {
            c["name"]: (c.get("description") or "").strip() for c in model.get("columns", [])
        }
        if not described.get(column):
            missing.append(f"{schema}.{table}.{column}")
    assert not missing, "undocumented: " + ", ".join(sorted(set(missing)))


def test_every_mart_enforces_its_contract():
    for name, model in _documented_models().items():
        if "/marts/" not in str(model["_path"]):
            continue
        assert (model.get("description") or "").strip(), name
        assert model.get("config", {}).get("contract", {}).get("enforced") is True, name
        assert all(c.get("data_type") for c in model["columns"]), name
