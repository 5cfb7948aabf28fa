"""Competency scores as the declared combination of method scores.

A competency measured by several instruments gets the weighted mean of their scale scores
for it, each instrument weighing its `weight` (default 1; a self-report, being easy to fake,
is usually given less):

    competency = sum(w_m * s_m) / sum(w_m)   over the methods m with a score

Each competency lists the methods that fed it. Where the highest and lowest method scores
differ by `DISCREPANCY_POINTS` (30) or more, the competency carries a discrepancy: the
methods disagree, and the combined number deserves less trust than it looks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.scoring.validity import DISCREPANCY_POINTS


@dataclass(frozen=True)
class MethodScore:
    """One instrument's score for one competency."""

    instrument_id: str
    instrument_type: str
    weight: float
    score: float


@dataclass(frozen=True)
class CompetencyScore:
    competency: str
    score: float | None
    methods: list[MethodScore]
    discrepancy: bool

    @property
    def spread(self) -> float:
        values = [m.score for m in self.methods]
        return max(values) - min(values) if len(values) > 1 else 0.0


@dataclass(frozen=True)
class MethodResult:
    """What one instrument said about a person: its scale scores (None = not enough answers)."""

    instrument_id: str
    instrument_type: str
    weight: float
    scores: Mapping[str, float | None]


def combine(
    competencies: Iterable[str], results: Iterable[MethodResult]
) -> dict[str, CompetencyScore]:
    """Every competency's combined score from the methods that scored it."""
    results = list(results)
    combined = {}
    for competency in competencies:
        methods = [
            _method_score(result, competency)
            for result in results
            if result.scores.get(competency) is not None
        ]
        total = sum(m.weight for m in methods)
        score = sum(m.weight * m.score for m in methods) / total if methods else None
        spread = max(m.score for m in methods) - min(m.score for m in methods) if methods else 0.0
        combined[competency] = CompetencyScore(
            competency,
            score,
            methods,
            discrepancy=len(methods) > 1 and spread >= DISCREPANCY_POINTS,
        )
    return combined


def _method_score(result: MethodResult, competency: str) -> MethodScore:
    value = result.scores[competency]
    if value is None:
        raise ValueError(f"{result.instrument_id} has no score for {competency}")
    return MethodScore(result.instrument_id, result.instrument_type, result.weight, float(value))
