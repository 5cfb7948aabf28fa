"""Response-validity flags: signs that answers may not reflect the person.

Flags lower the confidence of a recommendation; they never change a score. Each has a code,
a severity and a sentence in Russian and English. Thresholds (docs/scoring.md explains them):

* `too_fast` — median seconds per item below `TOO_FAST_SECONDS` (2 s): faster than a
  statement can be read.
* `straight_lining` — the longest run of identical consecutive answers reaches
  `STRAIGHT_LINE_RUN` (10) items, or every item when fewer than 10 were answered (at least
  `STRAIGHT_LINE_MIN_ITEMS`, 6). A missing answer ends a run.
* `failed_attention` — an infrequency/attention item answered outside its `expected` answers.
* `inconsistent` — at least half of the answered consistency pairs differ (after keying) by
  more than their `max_difference`.
* `impression_management` — the impression-management scale score is `IMPRESSION_CUT` (80)
  or more: the person claims virtues almost nobody has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from app.scoring.scales import Matrix

TOO_FAST_SECONDS = 2.0
STRAIGHT_LINE_RUN = 10
STRAIGHT_LINE_MIN_ITEMS = 6
INCONSISTENT_SHARE = 0.5
IMPRESSION_CUT = 80.0
DISCREPANCY_POINTS = 30.0
"""Methods disagree about a competency when their scores differ by this much or more."""

Severity = Literal["serious", "caution"]


@dataclass(frozen=True)
class Flag:
    code: str
    severity: Severity
    ru: str
    en: str

    def text(self, language: str) -> str:
        return self.ru if language == "ru" else self.en


FLAGS: dict[str, Flag] = {
    flag.code: flag
    for flag in [
        Flag(
            "too_fast",
            "serious",
            "Ответы даны быстрее, чем можно прочитать вопросы (медиана меньше 2 секунд на вопрос).",
            "Answered faster than the questions can be read (median under 2 seconds per item).",
        ),
        Flag(
            "straight_lining",
            "serious",
            "Длинная серия одинаковых ответов подряд: человек мог отвечать, не читая.",
            "A long run of identical answers in a row: the person may have answered without reading.",
        ),
        Flag(
            "failed_attention",
            "serious",
            "Не пройден вопрос на внимательность: часть ответов могла быть дана наугад.",
            "An attention item was failed: some answers may have been given at random.",
        ),
        Flag(
            "inconsistent",
            "caution",
            "Ответы на парные вопросы с одинаковым смыслом противоречат друг другу.",
            "Answers to paired items with the same meaning contradict each other.",
        ),
        Flag(
            "impression_management",
            "caution",
            "Очень высокий показатель социальной желательности: самооценка может быть завышена.",
            "Very high impression management: the self-report may present the person too favourably.",
        ),
        Flag(
            "method_discrepancy",
            "caution",
            "Методы расходятся в оценке компетенции (например, высокая самооценка и низкий ситуационный тест).",
            "Methods disagree about a competency (e.g. a high self-report and a low situational test).",
        ),
    ]
}


def median_seconds_per_item(seconds: Matrix) -> NDArray[np.float64]:
    """Each respondent's median seconds per answered item from an (n, m) matrix (NaN = none)."""
    medians = np.full(seconds.shape[0], np.nan)
    timed = (~np.isnan(seconds)).any(axis=1)
    medians[timed] = np.nanmedian(seconds[timed], axis=1)
    return medians


def too_fast(median_seconds: NDArray[np.float64]) -> NDArray[np.bool_]:
    return np.asarray(median_seconds < TOO_FAST_SECONDS)


def longest_run(answers: Matrix) -> NDArray[np.int64]:
    """Length of the longest run of identical consecutive answers in each row (NaN breaks it)."""
    n, m = answers.shape
    if m == 0:
        return np.zeros(n, dtype=np.int64)
    same = answers[:, 1:] == answers[:, :-1]  # NaN == NaN is False
    counts = np.cumsum(same, axis=1)
    resets = np.maximum.accumulate(np.where(~same, counts, 0), axis=1)
    run_ending_here = counts - resets  # identical pairs ending at each position
    longest = run_ending_here.max(axis=1, initial=0) + 1
    return np.where((~np.isnan(answers)).any(axis=1), longest, 0).astype(np.int64)


def straight_lining(answers: Matrix) -> NDArray[np.bool_]:
    answered = (~np.isnan(answers)).sum(axis=1)
    cut = np.minimum(STRAIGHT_LINE_RUN, answered)
    return np.asarray((answered >= STRAIGHT_LINE_MIN_ITEMS) & (longest_run(answers) >= cut))


def failed_attention(answers: Matrix, expected: list[set[int]]) -> NDArray[np.bool_]:
    """`answers` holds the attention items' raw answers, one column per item of `expected`."""
    failed = np.zeros(answers.shape[0], dtype=bool)
    for column, allowed in enumerate(expected):
        values = answers[:, column]
        failed |= ~np.isnan(values) & ~np.isin(values, list(allowed))
    return failed


def inconsistent(
    first: Matrix, second: Matrix, max_difference: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """`first` and `second` are (n, p) keyed answers to the p pairs' two items."""
    answered = ~np.isnan(first) & ~np.isnan(second)
    violated = answered & (np.abs(first - second) > max_difference[np.newaxis, :])
    pairs = answered.sum(axis=1)
    return np.asarray((pairs > 0) & (violated.sum(axis=1) >= INCONSISTENT_SHARE * pairs))


def impression_management(scale_scores: NDArray[np.float64]) -> NDArray[np.bool_]:
    return np.asarray(~np.isnan(scale_scores) & (scale_scores >= IMPRESSION_CUT))
