"""supportwh: analytics warehouse for AI customer support (the twelve-KPI panel)."""

__version__ = "0.1.0"
