"""Reliability and norms: Cronbach's alpha, item-total correlations, SEM, bands, percentiles.

All functions take item scores as an (n respondents, k items) array with NaN for a missing
answer and are vectorised with numpy.

References
----------
Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    Psychometrika, 16, 297-334.
Nunnally, J. C., & Bernstein, I. H. (1994). Psychometric theory (3rd ed.): the standard
    error of measurement SEM = SD * sqrt(1 - reliability).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Matrix = NDArray[np.float64]

MIN_REFERENCE_GROUP = 30
"""Percentiles and score bands are given only against a reference group at least this large."""

BAND_Z = 1.6448536269514722
"""z for a two-sided 90% band (the 95th percentile of the standard normal)."""


def pairwise_covariance(data: Matrix) -> Matrix:
    """Covariance matrix with pairwise deletion of missing values (as pandas' DataFrame.cov).

    Each covariance uses the respondents who answered both items, with the means of those
    respondents; a pair with fewer than two such respondents is NaN.
    """
    present = ~np.isnan(data)
    # Covariances do not change with a shift; centring first keeps the sums small and exact.
    answered = present.sum(axis=0)
    centre = np.where(present, data, 0.0).sum(axis=0) / np.maximum(answered, 1)
    values = np.where(present, data - centre, 0.0)
    weights = present.astype(np.float64)
    count = weights.T @ weights  # respondents answering both i and j
    sum_i = values.T @ weights  # sum of item i over respondents who also answered j
    sum_ij = values.T @ values
    with np.errstate(invalid="ignore", divide="ignore"):
        covariance = (sum_ij - sum_i * sum_i.T / count) / (count - 1)
    covariance[count < 2] = np.nan
    return covariance


def cronbach_alpha(data: Matrix) -> float:
    """Cronbach's alpha, alpha = k / (k - 1) * (1 - trace(C) / sum(C)).

    C is the item covariance matrix computed with pairwise deletion of missing answers, so
    a respondent contributes to every item pair he answered (the default of pingouin's
    `cronbach_alpha` and of R's psych::alpha with use="pairwise"). NaN when there are fewer
    than two items, a covariance cannot be computed, or the total variance is zero.
    """
    k = data.shape[1]
    if k < 2:
        return float("nan")
    covariance = pairwise_covariance(data)
    total = covariance.sum()
    if not np.isfinite(total) or total <= 0:
        return float("nan")
    return float(k / (k - 1) * (1.0 - np.trace(covariance) / total))


def corrected_item_total(data: Matrix) -> NDArray[np.float64]:
    """Corrected item-total correlation of each item: Pearson r between the item and the mean
    of the respondent's *other* answered items of the scale (the rest score).

    Uses the respondents who answered the item and at least one other item. With complete
    data the rest mean is proportional to the rest sum, so this equals the classic corrected
    item-total correlation. NaN where fewer than three respondents qualify or a variance is 0.
    A negative value suggests the item is mis-keyed or measures something else.
    """
    present = ~np.isnan(data)
    values = np.where(present, data, 0.0)
    row_sum = values.sum(axis=1, keepdims=True)
    row_count = present.sum(axis=1, keepdims=True)
    rest_count = row_count - present
    with np.errstate(invalid="ignore", divide="ignore"):
        rest = (row_sum - values) / rest_count
    usable = present & (rest_count > 0)
    n = usable.sum(axis=0).astype(np.float64)
    x = np.where(usable, data, 0.0)
    y = np.where(usable, rest, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_x = x.sum(axis=0) / n
        mean_y = y.sum(axis=0) / n
        dx = np.where(usable, x - mean_x, 0.0)
        dy = np.where(usable, y - mean_y, 0.0)
        r = (dx * dy).sum(axis=0) / np.sqrt((dx**2).sum(axis=0) * (dy**2).sum(axis=0))
    r[n < 3] = np.nan
    return np.asarray(r, dtype=np.float64)


def standard_error(sd: float, alpha: float) -> float:
    """SEM = SD * sqrt(1 - alpha): the typical distance of an observed from the true score."""
    if not (np.isfinite(sd) and np.isfinite(alpha)):
        return float("nan")
    return float(sd * np.sqrt(max(0.0, 1.0 - alpha)))


def score_band(
    score: float, sem: float, low: float = 0.0, high: float = 100.0
) -> tuple[float, float]:
    """The 90% band score +- 1.645 * SEM, clipped to the reporting scale."""
    return (max(low, score - BAND_Z * sem), min(high, score + BAND_Z * sem))


def percentile_rank(
    scores: NDArray[np.float64], reference: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Mid-rank percentile: 100 * (number below + half the number equal) / N.

    `reference` holds the reference group's scores (NaN ignored). Vectorised over `scores`.
    """
    group = np.sort(reference[~np.isnan(reference)])
    below = np.searchsorted(group, scores, side="left")
    not_above = np.searchsorted(group, scores, side="right")
    ranks = 100.0 * (below + 0.5 * (not_above - below)) / group.size
    return np.where(np.isnan(scores), np.nan, ranks)


@dataclass(frozen=True)
class ScaleReliability:
    """Reliability of one scale in a set of responses."""

    alpha: float
    n: int  # respondents contributing to alpha (at least two items answered)
    items: int
    mean: float  # of the scale scores that exist
    sd: float
    scored: int  # respondents with a scale score
    item_total: dict[str, float]

    @property
    def possibly_miskeyed(self) -> list[str]:
        """Items whose corrected item-total correlation is negative."""
        return [item for item, r in self.item_total.items() if np.isfinite(r) and r < 0]

    @property
    def sem(self) -> float:
        return standard_error(self.sd, self.alpha)


def scale_reliability(
    item_ids: list[str], data: Matrix, scale_scores: NDArray[np.float64]
) -> ScaleReliability:
    """Alpha, item-total correlations and the distribution of one scale's scores."""
    answered = (~np.isnan(data)).sum(axis=1)
    existing = scale_scores[~np.isnan(scale_scores)]
    return ScaleReliability(
        alpha=cronbach_alpha(data),
        n=int((answered >= 2).sum()),
        items=len(item_ids),
        mean=float(existing.mean()) if existing.size else float("nan"),
        sd=float(existing.std(ddof=1)) if existing.size >= 2 else float("nan"),
        scored=int(existing.size),
        item_total=dict(zip(item_ids, corrected_item_total(data).tolist(), strict=True)),
    )


@dataclass(frozen=True)
class ReferenceGroup:
    """A named group whose scores are the norm, e.g. 'Inbound desk 2026' with its size."""

    name: str
    scores: NDArray[np.float64]
    alpha: float = float("nan")

    @property
    def size(self) -> int:
        return int((~np.isnan(self.scores)).sum())

    @property
    def large_enough(self) -> bool:
        return self.size >= MIN_REFERENCE_GROUP

    def percentile(self, score: float) -> float | None:
        """Percentile of `score` in this group, or None until it has 30 people."""
        if not self.large_enough or np.isnan(score):
            return None
        return float(percentile_rank(np.array([score]), self.scores)[0])

    def band(self, score: float) -> tuple[float, float] | None:
        """The 90% band around `score` from this group's SD and alpha, or None."""
        if not self.large_enough or np.isnan(score) or not np.isfinite(self.alpha):
            return None
        sd = float(np.nanstd(self.scores, ddof=1))
        return score_band(score, standard_error(sd, self.alpha))
