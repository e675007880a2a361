"""Sample-data generator: weekly raw exports of an AI customer-support deployment.

Public API (used by the CLI)::

    from supportwh.generator import generate, SCENARIOS, ARCHETYPE_INTENTS
    result = generate("data/raw", tickets=50_000, weeks=28, scenarios=["all"])

`generate` writes `<out_dir>/<table>/export-<week_start>.parquet` per ISO week
(customers and products once, as `export-initial.parquet`), plus
`<out_dir>/_generation.json` (parameters, row counts) and
`<out_dir>/_expected_quarantine.json` (the rows the warehouse must quarantine).
"""

from .constants import (
    ARCHETYPE_INTENTS,
    ARCHETYPE_TIERS,
    LONG_TAIL,
    LONG_TAIL_INTENTS,
    SCHEMAS,
    TABLES,
)
from .core import GENERATION_FILE, MANIFEST_FILE, GenerationResult, generate
from .dirty import REASONS
from .scenarios import ALL_SCENARIOS, SCENARIOS, resolve_scenarios
from .text import REPETITION_PHRASES

__all__ = [
    "ALL_SCENARIOS",
    "ARCHETYPE_INTENTS",
    "ARCHETYPE_TIERS",
    "GENERATION_FILE",
    "LONG_TAIL",
    "LONG_TAIL_INTENTS",
    "MANIFEST_FILE",
    "REASONS",
    "REPETITION_PHRASES",
    "SCENARIOS",
    "SCHEMAS",
    "TABLES",
    "GenerationResult",
    "generate",
    "resolve_scenarios",
]
