"""From a seed threshold to a GX expectation on the week's gate frame.

The gate frame has one row per archetype (and the `all` line) for the week
under review; each family module adds its columns (the observed value of each
rule, whether the rule applies to the archetype that week, and the numbers
behind it). A `Gate` binds one `kpi_thresholds` row to those columns; its
expectation is the negation of the seed's trip condition, restricted by a
row condition to the archetypes the rule judges that week. The expectation's
`meta` carries the rule, kpi, severity and owner, so a validation result
names who acts on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from expectations.thresholds import Threshold
from supportwh.errors import SupportWHError

# GX's own failure severity, for Data Docs; the gates' blocking decision uses
# the seed severity (`--fail-on`).
GX_SEVERITY = {
    "P0": "critical",
    "rollback": "critical",
    "P1": "warning",
    "review": "warning",
    "P2": "warning",
    "info": "info",
}

# trip comparator -> the passing range of the observed value
_PASSING = {
    "<=": ("min", True),  # trips at <= t: passes above t
    "<": ("min", False),  # trips below t: passes at >= t
    ">": ("max", False),  # trips above t: passes at <= t
    ">=": ("max", True),  # trips at >= t: passes below t
    "abs_diff_gt": ("max", False),  # trips when |a - b| > t: the frame holds |a - b|
    "rises_in_a_row": ("max", True),  # trips at t rises in a row: the frame counts them
}
_TRIP_WORDS = {
    "<=": "at or below",
    "<": "below",
    ">": "above",
    ">=": "at or above",
    "abs_diff_gt": "above",
    "rises_in_a_row": "at or above",
}
_TRIP_TEXT = {
    "<=": "<=",
    "<": "<",
    ">": ">",
    ">=": ">=",
    "abs_diff_gt": ">",
    "rises_in_a_row": ">=",
}


@dataclass(frozen=True)
class Gate:
    """One expectation of a suite: a seed threshold applied to a frame column."""

    threshold: Threshold
    column: str  # the observed value, in the threshold's unit
    judged: str  # boolean column: the rule judges this archetype this week
    detail: str  # text column: the numbers behind the observed value
    unit: str  # how the summary prints the observed value
    # a per-archetype threshold (a seed row without a number): this column
    threshold_column: str | None = None
    # a further row condition: (column, operator, value), all must hold
    conditions: tuple[tuple[str, str, float], ...] = field(default_factory=tuple)
    note: str = ""

    @property
    def rule(self) -> str:
        return self.threshold.rule

    @property
    def kpi(self) -> str:
        return self.threshold.kpi

    @property
    def key(self) -> str:
        return self.threshold.key

    def trip_text(self, row_threshold: float | None = None) -> str:
        """The trip condition, for a person: '<= -4', '> 5', '< 15 (target_low_pct)'."""
        op = _TRIP_TEXT.get(self.threshold.comparator, self.threshold.comparator)
        if self.threshold_column:
            return f"{op} {_number(row_threshold)} ({self.threshold_column})"
        return f"{op} {_number(self.threshold.threshold)}"

    def row_condition(self):
        from great_expectations.expectations.row_conditions import Column

        condition = Column(self.judged) == True  # noqa: E712 - a GX condition, not a test
        for column, operator, value in self.conditions:
            term = {
                ">": Column(column) > value,
                ">=": Column(column) >= value,
                "<": Column(column) < value,
                "<=": Column(column) <= value,
            }[operator]
            condition = condition & term
        return condition

    def expectation(self):
        import great_expectations as gx

        t = self.threshold
        common = {
            "row_condition": self.row_condition(),
            "severity": GX_SEVERITY.get(t.severity, "warning"),
            "description": self.description(),
            "meta": {
                "gate": self.key,
                "rule": t.rule,
                "kpi": t.kpi,
                "family": t.family,
                "comparator": t.comparator,
                "threshold": t.threshold,
                "threshold_unit": t.threshold_unit,
                "threshold_column": self.threshold_column,
                "severity": t.severity,
                "action": t.action,
                "owner": t.owner,
                "owner_role": t.owner_role,
                "owner_contact": t.owner_contact,
                "judged_column": self.judged,
                "note": self.note,
            },
        }
        if t.threshold is None:
            return self._pair_expectation(gx, common)
        if t.comparator not in _PASSING:
            raise SupportWHError(
                f"kpi_thresholds {t.key}: comparator {t.comparator!r} has no expectation "
                f"(known: {', '.join(_PASSING)})"
            )
        side, strict = _PASSING[t.comparator]
        bounds = (
            {"min_value": t.threshold, "strict_min": strict}
            if side == "min"
            else {"max_value": t.threshold, "strict_max": strict}
        )
        return gx.expectations.ExpectColumnValuesToBeBetween(column=self.column, **bounds, **common)

    def _pair_expectation(self, gx, common: dict):
        t = self.threshold
        if self.threshold_column is None:
            raise SupportWHError(
                f"kpi_thresholds {t.key} has no threshold and its gate names no "
                "per-archetype threshold column"
            )
        # trips when observed < / <= the row's threshold: passes at A >= / > B
        if t.comparator in ("<", "<="):
            a, b, or_equal = self.column, self.threshold_column, t.comparator == "<"
        elif t.comparator in (">", ">="):
            a, b, or_equal = self.threshold_column, self.column, t.comparator == ">"
        else:
            raise SupportWHError(
                f"kpi_thresholds {t.key}: cannot compare two columns by {t.comparator!r}"
            )
        return gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=a, column_B=b, or_equal=or_equal, **common
        )

    def description(self) -> str:
        """For Data Docs (HTML): the trip condition in words, no '<' or '>'."""
        t = self.threshold
        bound = self.threshold_column or _number(t.threshold)
        words = _TRIP_WORDS.get(t.comparator, t.comparator)
        text = (
            f"{t.rule} [{t.severity}]: fails where {self.column} is {words} {bound} "
            f"({t.threshold_unit}); judged where {self.judged}"
        )
        for column, operator, value in self.conditions:
            text += f" and {column} is {_TRIP_WORDS[operator]} {_number(value)}"
        return f"{text}. Owner: {t.owner}. Action: {t.action}."


def _number(value: float | None) -> str:
    if value is None or value != value:  # None or NaN
        return "?"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def thresholds_by_key(thresholds: list[Threshold], family: str) -> dict[str, Threshold]:
    return {t.key: t for t in thresholds if t.family == family}
