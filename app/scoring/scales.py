"""Scale scores on the 0-100 reporting scale, vectorised over respondents.

Every scored element (a Likert item, an SJT scenario, a knowledge question, a rubric
criterion) is first turned into an *item score* on 0-100 (see `responses.py`); a scale score
is then the mean of the item scores of the scale's answered items. For Likert items this is
exactly the rule of docs/scoring.md:

    keyed answer   x' = x                 (positive key)
                   x' = low + high - x    (reverse key)
    scale score    100 * (mean(x') - low) / (high - low)

because the mean of linearly transformed answers is the transformed mean.

Missing answers: a scale is scored only when at least `MIN_ANSWERED_SHARE` (80%) of its items
are answered; otherwise its score is missing (NaN, reported as null) with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

MIN_ANSWERED_SHARE = 0.8
"""A scale needs at least this share of its items answered to be scored."""

Matrix = NDArray[np.float64]


def key_likert(answers: Matrix, reverse: NDArray[np.bool_], low: float, high: float) -> Matrix:
    """Apply reverse keys: a reverse-keyed answer x becomes low + high - x (NaN stays NaN)."""
    return np.where(reverse[np.newaxis, :], low + high - answers, answers)


def likert_to_percent(keyed: Matrix, low: float, high: float) -> Matrix:
    """Keyed Likert answers as item scores on 0-100: 100 * (x - low) / (high - low)."""
    return 100.0 * (keyed - low) / (high - low)


@dataclass(frozen=True)
class ScaleScores:
    """Scores of n respondents on s scales.

    `scores[i, j]` is NaN when respondent i answered too few items of scale j;
    `answered[i, j]` and `items[j]` tell how many items were answered and exist.
    """

    scale_ids: list[str]
    scores: Matrix
    answered: NDArray[np.int64]
    items: NDArray[np.int64]

    def missing_reason(self, respondent: int, scale: int) -> str | None:
        """Why a score is missing, in English (for analysts' output), or None."""
        if not np.isnan(self.scores[respondent, scale]):
            return None
        total = int(self.items[scale])
        needed = int(np.ceil(MIN_ANSWERED_SHARE * total - 1e-9))
        return (
            f"{int(self.answered[respondent, scale])} of {total} items answered; "
            f"at least {needed} needed"
        )


def membership_matrix(element_scales: list[str], scale_ids: list[str]) -> NDArray[np.bool_]:
    """(m, s) matrix: element j belongs to scale k."""
    index = {scale: k for k, scale in enumerate(scale_ids)}
    membership = np.zeros((len(element_scales), len(scale_ids)), dtype=bool)
    for j, scale in enumerate(element_scales):
        if scale in index:
            membership[j, index[scale]] = True
    return membership


def scale_scores(
    item_scores: Matrix,
    membership: NDArray[np.bool_],
    scale_ids: list[str],
    min_share: float = MIN_ANSWERED_SHARE,
) -> ScaleScores:
    """Mean item score per scale, NaN where fewer than `min_share` of its items are answered.

    Parameters
    ----------
    item_scores : (n, m) array of item scores on 0-100, NaN for a missing answer.
    membership : (m, s) boolean array, element j belongs to scale k.
    """
    answered_mask = ~np.isnan(item_scores)
    weights = membership.astype(np.float64)
    answered = (answered_mask.astype(np.float64) @ weights).astype(np.int64)
    totals = np.nan_to_num(item_scores, nan=0.0) @ weights
    items = membership.sum(axis=0).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        # Rounding to 1e-10 removes binary representation noise, so that a score that is
        # exactly 80 on paper is 80 (thresholds are >= 80) whatever the batch it is scored in.
        means = np.round(totals / answered, 10)
    enough = answered >= np.ceil(min_share * items[np.newaxis, :] - 1e-9)
    scores = np.where(enough & (answered > 0), means, np.nan)
    return ScaleScores(scale_ids, scores, answered, items)
