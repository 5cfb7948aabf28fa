"""A structured interview scored as a method: competency scores on the common 0-100 metric
with a standard error, from one interviewer or a panel.

Each interviewer rates each question on the instrument's anchored scale (1-5); a rating x
becomes 100 * (x - min) / (max - min), like a manager's rating (`app.scoring.responses`). A
competency's score is the mean of every rating given to its questions by every interviewer;
a competency nobody rated is not measured (None).

**Reliability.** With one interviewer it is the prior declared in the instrument's YAML
(`prior_reliability`). With two or more, the interview's own inter-rater agreement replaces
it: ICC(2,1) (two-way random effects, absolute agreement, one rater; Shrout & Fleiss 1979)
over the questions that every interviewer rated, stepped up by Spearman-Brown to the number
of interviewers who rated the competency, k * r / (1 + (k - 1) * r). Questions are the
targets, so the ICC says how far the interviewers agree on which answers were strong and
which weak. It is used only when at least MIN_TARGETS questions were rated by all, and kept
within RELIABILITY_RANGE (a one-interview estimate is noisy; a negative ICC means no
agreement beyond chance, not a negative reliability). The standard error is then
sd * sqrt(1 - reliability), sd from the prior, as for every other method.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from app.scoring.combine import DEFAULT_RELIABILITY, Reliability
from app.scoring.definitions import Interview

MIN_TARGETS = 4
"""Questions every interviewer must have rated before the panel's own ICC is used."""

RELIABILITY_RANGE = (0.10, 0.95)
"""The panel's reliability is kept within these bounds."""

SOURCE_INTER_RATER = "inter_rater"
"""`reliability_source` of an interview scored from the panel's own agreement."""


@dataclass(frozen=True)
class InterviewScore:
    """What an interview says about a person."""

    scores: dict[str, float | None]
    reliabilities: dict[str, Reliability]
    interviewers: int
    icc: float | None = None  # ICC(2,1) of the panel, None with one interviewer or too few
    targets: int = 0  # questions rated by every interviewer
    rated: dict[str, int] = field(default_factory=dict)  # ratings per competency


def icc_2_1(matrix: np.ndarray) -> float | None:
    """ICC(2,1) of an (n targets, k raters) matrix without gaps; None when undefined."""
    n, k = matrix.shape
    if n < 2 or k < 2:
        return None
    grand = matrix.mean()
    ss_rows = k * float(((matrix.mean(axis=1) - grand) ** 2).sum())
    ss_cols = n * float(((matrix.mean(axis=0) - grand) ** 2).sum())
    ss_total = float(((matrix - grand) ** 2).sum())
    ss_error = ss_total - ss_rows - ss_cols
    ms_rows = ss_rows / (n - 1)
    ms_cols = ss_cols / (k - 1)
    ms_error = ss_error / ((n - 1) * (k - 1))
    denominator = ms_rows + (k - 1) * ms_error + k * (ms_cols - ms_error) / n
    if denominator <= 0:
        return None
    return float((ms_rows - ms_error) / denominator)


def spearman_brown(reliability: float, k: int) -> float:
    return k * reliability / (1 + (k - 1) * reliability)


def score_interview(
    instrument: Interview,
    ratings: Sequence[Sequence[int | None]],
) -> InterviewScore:
    """Score an interview from one row of ratings per interviewer, in `instrument.items`
    order (None = not rated)."""
    scale = instrument.response_scale
    width = len(instrument.items)
    rows = [list(row) for row in ratings if any(v is not None for v in row)]
    for row in rows:
        if len(row) != width:
            raise ValueError(f"expected {width} ratings per interviewer, got {len(row)}")
    span = scale.max - scale.min
    points: dict[str, list[float]] = {}
    raters: dict[str, int] = {}
    for row in rows:
        seen: set[str] = set()
        for item, value in zip(instrument.items, row, strict=True):
            if value is None:
                continue
            points.setdefault(item.scale, []).append(100.0 * (value - scale.min) / span)
            seen.add(item.scale)
        for cid in seen:
            raters[cid] = raters.get(cid, 0) + 1
    icc: float | None = None
    complete = [j for j in range(width) if rows and all(row[j] is not None for row in rows)]
    if len(rows) >= 2 and len(complete) >= MIN_TARGETS:
        matrix = np.array([[float(row[j] or 0) for row in rows] for j in complete])
        icc = icc_2_1(matrix)
    scores: dict[str, float | None] = {}
    reliabilities: dict[str, Reliability] = {}
    low, high = RELIABILITY_RANGE
    for cid in dict.fromkeys(item.scale for item in instrument.items):
        values = points.get(cid)
        scores[cid] = float(np.mean(values)) if values else None
        k = raters.get(cid, 0)
        prior = _prior(instrument, cid)
        if icc is not None and k >= 2:
            stepped = min(high, max(low, spearman_brown(max(icc, 0.0), k)))
            reliabilities[cid] = Reliability(stepped, prior.sd, SOURCE_INTER_RATER, k)
        else:
            reliabilities[cid] = prior
    return InterviewScore(
        scores,
        reliabilities,
        len(rows),
        None if icc is None else round(icc, 4),
        len(complete) if len(rows) >= 2 else 0,
        {cid: len(v) for cid, v in points.items()},
    )


def _prior(instrument: Interview, scale: str) -> Reliability:
    declared = instrument.prior_reliability
    if declared is None:
        return DEFAULT_RELIABILITY
    return Reliability(declared.of(scale), declared.sd, "prior", None)
