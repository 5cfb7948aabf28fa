"""Adverse impact: do recommendations or scores fall harder on one group?

Two measures, per group of one attribute (e.g. gender, age band), from data the people gave
voluntarily:

* **Selection rate** — the share of the group selected (recommended for the target role);
  its **impact ratio** is the rate over the highest rate among the groups shown. A ratio below
  0.8 is flagged: the "four-fifths rule" of the US Uniform Guidelines on Employee Selection
  Procedures (29 CFR 1607.4(D)), a rule of thumb for when a difference deserves a look, not a
  test of significance.
* **Scoring rate** — the share of the group scoring strictly above the median of the whole
  sample, and its impact ratio against the highest scoring rate: the measure New York City's
  Local Law 144 bias audits use for tools that score (6 RCNY §5-301).

Groups with fewer than `MIN_GROUP` people are suppressed: their count is given, their rates are
not, and they are not the reference for the ratios. People without a group (they chose not to
say) are left out of the groups but belong to the whole sample whose median is taken.

Pure: the standard library only.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any

MIN_GROUP = 5
FOUR_FIFTHS = Fraction(4, 5)


@dataclass(frozen=True)
class SelectionRow:
    group: str
    n: int
    selected: int | None  # None: suppressed
    selection_rate: float | None
    impact_ratio: float | None
    flag: bool | None  # impact ratio below 0.8; None when there is no ratio

    @property
    def suppressed(self) -> bool:
        return self.selected is None


@dataclass(frozen=True)
class ScoringRow:
    group: str
    n: int
    above_median: int | None  # None: suppressed
    scoring_rate: float | None
    impact_ratio: float | None

    @property
    def suppressed(self) -> bool:
        return self.above_median is None


def _groups(groups: Sequence[str | None]) -> list[str]:
    return sorted({g for g in groups if g})


def _ratio(rate: Fraction, highest: Fraction | None) -> Fraction | None:
    """rate / highest, exactly (so that 0.6 / 0.75 is 0.8 and not 0.7999...)."""
    if highest is None or highest <= 0:
        return None
    return rate / highest


def _float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def selection_rates(
    groups: Sequence[str | None], selected: Sequence[bool], *, min_group: int = MIN_GROUP
) -> list[SelectionRow]:
    """Per group (by name): people, selected, rate, impact ratio and the four-fifths flag."""
    if len(groups) != len(selected):
        raise ValueError(f"{len(groups)} groups but {len(selected)} selection outcomes")
    counts = {g: [0, 0] for g in _groups(groups)}
    for group, chosen in zip(groups, selected, strict=True):
        if group:
            counts[group][0] += 1
            counts[group][1] += int(bool(chosen))
    rates = {g: Fraction(s, n) for g, (n, s) in counts.items() if n >= min_group}
    highest = max(rates.values(), default=None)
    out = []
    for group, (n, taken) in counts.items():
        if group not in rates:
            out.append(SelectionRow(group, n, None, None, None, None))
            continue
        ratio = _ratio(rates[group], highest)
        flag = None if ratio is None else ratio < FOUR_FIFTHS
        out.append(SelectionRow(group, n, taken, float(rates[group]), _float(ratio), flag))
    return out


def scoring_rates(
    groups: Sequence[str | None], scores: Sequence[float], *, min_group: int = MIN_GROUP
) -> list[ScoringRow]:
    """Per group: the share scoring strictly above the median of everyone's scores."""
    if len(groups) != len(scores):
        raise ValueError(f"{len(groups)} groups but {len(scores)} scores")
    if not scores:
        return []
    median = statistics.median(scores)
    counts = {g: [0, 0] for g in _groups(groups)}
    for group, score in zip(groups, scores, strict=True):
        if group:
            counts[group][0] += 1
            counts[group][1] += int(score > median)
    rates = {g: Fraction(above, n) for g, (n, above) in counts.items() if n >= min_group}
    highest = max(rates.values(), default=None)
    return [
        ScoringRow(group, n, None, None, None)
        if group not in rates
        else ScoringRow(group, n, above, float(rates[group]), _float(_ratio(rates[group], highest)))
        for group, (n, above) in counts.items()
    ]


def audit_json(
    selection: Sequence[SelectionRow], scoring: Sequence[ScoringRow] | None = None
) -> dict[str, Any]:
    """`{"groups": [...]}`, with `"scoring_rate": [...]` when scores were given."""
    out: dict[str, Any] = {"groups": [asdict(row) for row in selection]}
    if scoring is not None:
        out["scoring_rate"] = [asdict(row) for row in scoring]
    return out
