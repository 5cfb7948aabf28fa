"""Score one instrument for many respondents at once: item scores, scale scores, flags and
the reliability of each scale in that set of responses."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.scoring.definitions import FcCheck, ForcedChoice, Instrument, Key, ScaleKind, SelfReport
from app.scoring.reliability import ScaleReliability, scale_reliability
from app.scoring.responses import elements, is_likert, item_scores, likert_item_scores
from app.scoring.scales import Matrix, ScaleScores, key_likert, membership_matrix, scale_scores
from app.scoring.validity import (
    ATTENTION_FAILURES,
    failed_attention,
    impression_management,
    inconsistent,
    item_words,
    straight_lining,
    too_fast,
)


def reported_scales(instrument: Instrument) -> list[str]:
    """Scales that get a score: competencies and declared scales, except infrequency ones
    (those only raise the `failed_attention` flag). In order of first appearance."""
    if isinstance(instrument, ForcedChoice):
        return list(
            dict.fromkeys(s.competency for block in instrument.blocks for s in block.statements)
        )
    hidden = {sid for sid, s in instrument.scales.items() if s.kind is ScaleKind.infrequency}
    ordered = dict.fromkeys(e.scale for e in elements(instrument))
    return [scale for scale in ordered if scale not in hidden]


@dataclass(frozen=True)
class InstrumentScores:
    """The scores of one instrument for a set of respondents."""

    instrument: Instrument
    respondent_ids: list[str]
    element_ids: list[str]
    element_scales: list[str]
    item_scores: Matrix  # (n, m) on 0-100
    scales: ScaleScores  # (n, s)
    flags: list[list[str]] = field(default_factory=list)
    standard_errors: Matrix | None = None
    """(n, s) per-person standard errors on 0-100 where the scoring model gives them (the
    forced-choice posterior); None = use the scale's reliability."""

    def se_of(self, respondent: int) -> dict[str, float | None]:
        if self.standard_errors is None:
            return {}
        row = self.standard_errors[respondent]
        return {
            scale: (None if np.isnan(value) else float(value))
            for scale, value in zip(self.scales.scale_ids, row, strict=True)
        }

    def scores_of(self, respondent: int) -> dict[str, float | None]:
        row = self.scales.scores[respondent]
        return {
            scale: (None if np.isnan(value) else float(value))
            for scale, value in zip(self.scales.scale_ids, row, strict=True)
        }

    def missing_of(self, respondent: int) -> dict[str, str]:
        """Why each missing scale score is missing."""
        reasons = {
            scale: self.scales.missing_reason(respondent, k)
            for k, scale in enumerate(self.scales.scale_ids)
        }
        return {scale: reason for scale, reason in reasons.items() if reason}

    def reliability(self) -> dict[str, ScaleReliability]:
        """Alpha, item-total correlations, mean and SD of every reported scale."""
        out = {}
        for k, scale in enumerate(self.scales.scale_ids):
            columns = [j for j, s in enumerate(self.element_scales) if s == scale]
            out[scale] = scale_reliability(
                [self.element_ids[j] for j in columns],
                self.item_scores[:, columns],
                self.scales.scores[:, k],
            )
        return out


def _number(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def results_json(scores: InstrumentScores) -> dict[str, Any]:
    """The output of `salesfit score --format json` (NaN becomes null)."""
    scales = {}
    for scale, r in scores.reliability().items():
        scales[scale] = {
            "alpha": _number(r.alpha),
            "n": r.n,
            "items": r.items,
            "mean": _number(r.mean),
            "sd": _number(r.sd),
            "sem": _number(r.sem),
            "scored": r.scored,
            "item_total": {item: _number(value) for item, value in r.item_total.items()},
            "possibly_miskeyed": r.possibly_miskeyed,
        }
    scale_ids = scores.scales.scale_ids
    respondents = []
    for i, (respondent, row) in enumerate(
        zip(scores.respondent_ids, scores.scales.scores.tolist(), strict=True)
    ):
        missing = {scale_ids[k]: k for k, value in enumerate(row) if math.isnan(value)}
        respondents.append(
            {
                "id": respondent,
                "scores": {
                    s: (None if math.isnan(v) else v) for s, v in zip(scale_ids, row, strict=True)
                },
                "flags": scores.flags[i],
                "missing": {s: scores.scales.missing_reason(i, k) for s, k in missing.items()},
            }
        )
    return {"instrument": scores.instrument.id, "scales": scales, "respondents": respondents}


def score_instrument(
    instrument: Instrument,
    respondent_ids: Sequence[str],
    *,
    answers: Matrix | None = None,
    rows: Sequence[Sequence[Any]] | None = None,
    item_seconds: Matrix | None = None,
) -> InstrumentScores:
    """Score validated answers of many respondents.

    Parameters
    ----------
    answers : for self-reports and manager ratings, the (n, m) matrix of raw answers in item
        order, NaN for missing (the fast, vectorised path).
    rows : for any instrument, the parsed answers per respondent in `elements()` order,
        None for missing.
    item_seconds : the (n, m) seconds each respondent spent on each element, NaN where
        unknown; `too_fast` compares them with the words each item has to be read
        (`validity.item_words`). A total time only (a CSV) can be shared out with
        `validity.spread_total_seconds`.
    """
    columns = elements(instrument)
    ids = list(respondent_ids)
    if isinstance(instrument, ForcedChoice):
        if rows is None:
            raise TypeError("a forced-choice instrument is scored from rows of picks")
        return _score_forced_choice(instrument, ids, rows, item_seconds)
    raw: Matrix | None
    if answers is not None:
        if not is_likert(instrument):
            raise TypeError("a raw answer matrix is only for self-reports and manager ratings")
        raw = np.asarray(answers, dtype=np.float64)
        scores = likert_item_scores(instrument, raw)
    elif rows is not None:
        raw = _raw_likert(rows, len(columns)) if is_likert(instrument) else None
        scores = item_scores(instrument, rows)
    else:
        raise TypeError("give answers (a matrix) or rows")
    if scores.shape != (len(ids), len(columns)):
        raise ValueError(
            f"expected {len(ids)} respondents x {len(columns)} items, got {scores.shape}"
        )

    scale_ids = reported_scales(instrument)
    element_scales = [e.scale for e in columns]
    scales = scale_scores(scores, membership_matrix(element_scales, scale_ids), scale_ids)
    timing = None if item_seconds is None else np.asarray(item_seconds, dtype=np.float64)
    if timing is not None and timing.shape != scores.shape:
        raise ValueError(
            f"expected seconds for {len(ids)} respondents x {len(columns)} items, "
            f"got {timing.shape}"
        )
    flagged = _flags(instrument, raw, scales, timing)
    flags = [[code for code, mask in flagged.items() if mask[i]] for i in range(len(ids))]
    return InstrumentScores(
        instrument, ids, [e.id for e in columns], element_scales, scores, scales, flags
    )


def _score_forced_choice(
    instrument: ForcedChoice,
    ids: list[str],
    rows: Sequence[Sequence[Any]],
    item_seconds: Matrix | None,
) -> InstrumentScores:
    """Traits by Thurstonian IRT (tirt.py); `item_scores` holds 1 for a complete block,
    0 for a partial one and NaN for an unanswered one (blocks have no score of their own)."""
    from app.scoring.tirt import attention_failures, score_rows

    traits, values, errors, _complete = score_rows(instrument, rows)
    blocks = np.full((len(ids), len(instrument.items)), np.nan)
    for i, row in enumerate(rows):
        for j, pick in enumerate(row):
            if pick:
                blocks[i, j] = 1.0 if "most" in pick and "least" in pick else 0.0
    counts = np.sum(blocks == 1.0, axis=1).astype(np.int64)
    scales = ScaleScores(
        traits,
        values,
        np.repeat(counts[:, np.newaxis], len(traits), axis=1),
        np.full(len(traits), len(instrument.blocks), dtype=np.int64),
    )
    flags_by: dict[str, NDArray[np.bool_]] = {}
    if any(isinstance(item, FcCheck) for item in instrument.items):
        flags_by["failed_attention"] = attention_failures(instrument, rows) >= ATTENTION_FAILURES
    if item_seconds is not None:
        timing = np.asarray(item_seconds, dtype=np.float64)
        flags_by["too_fast"] = too_fast(timing, item_words(instrument))
    flags = [[code for code, mask in flags_by.items() if mask[i]] for i in range(len(ids))]
    return InstrumentScores(
        instrument,
        ids,
        [b.id for b in instrument.items],
        ["" for _ in instrument.items],
        blocks,
        scales,
        flags,
        errors,
    )


def _raw_likert(rows: Sequence[Sequence[Any]], width: int) -> Matrix:
    if not rows:
        return np.empty((0, width))
    return np.array(
        [[np.nan if v is None else float(v) for v in row] for row in rows], dtype=np.float64
    ).reshape(len(rows), -1)


def _flags(
    instrument: Instrument,
    raw: Matrix | None,
    scales: ScaleScores,
    item_seconds: Matrix | None,
) -> dict[str, NDArray[np.bool_]]:
    n = scales.scores.shape[0]
    flags: dict[str, NDArray[np.bool_]] = {}
    if item_seconds is not None:
        flags["too_fast"] = too_fast(item_seconds, item_words(instrument))
    if not isinstance(instrument, SelfReport) or raw is None:
        return flags
    flags["straight_lining"] = straight_lining(raw)
    position = {item.id: j for j, item in enumerate(instrument.items)}
    attention = [
        (position[item.id], set(item.expected)) for item in instrument.items if item.expected
    ]
    if attention:
        flags["failed_attention"] = failed_attention(
            raw[:, [j for j, _ in attention]], [allowed for _, allowed in attention]
        )
    if instrument.consistency_pairs:
        low, high = instrument.response_scale.min, instrument.response_scale.max
        reverse = np.array([item.key is Key.reverse for item in instrument.items])
        keyed = key_likert(raw, reverse, low, high)
        first = keyed[:, [position[p.items[0]] for p in instrument.consistency_pairs]]
        second = keyed[:, [position[p.items[1]] for p in instrument.consistency_pairs]]
        limits = np.array(
            [p.max_difference for p in instrument.consistency_pairs], dtype=np.float64
        )
        flags["inconsistent"] = inconsistent(first, second, limits)
    impression = [
        k
        for k, scale in enumerate(scales.scale_ids)
        if scale in instrument.scales
        and instrument.scales[scale].kind is ScaleKind.impression_management
    ]
    if impression:
        flagged = np.zeros(n, dtype=bool)
        for k in impression:
            flagged |= impression_management(scales.scores[:, k])
        flags["impression_management"] = flagged
    return flags
