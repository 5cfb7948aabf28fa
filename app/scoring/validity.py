"""Response-validity flags: signs that answers may not reflect the person.

Each flag has a code, a severity and a plain-words meaning in Russian and English (`FLAGS`,
`flag_view`). A *serious* flag means the answers cannot be read as the person's own: the
result is `invalid` and HR can send a fresh link for the instrument (a retake). A *caution*
lowers confidence or, for impression management, drops the self-report from the decision.
Thresholds (docs/scoring.md §validity gives the reasoning and the sources):

* `too_fast` (serious) — the median reading speed over the timed items is above
  `TOO_FAST_WORDS_PER_SECOND` (8 words a second, 480 a minute: twice the average silent
  reading rate of adults and well above the typical range, Brysbaert 2019). An item's
  reading speed is its words (`item_words`: the shorter of its Russian and English texts;
  scenario, question and options for an SJT; question and options for a knowledge item)
  divided by the seconds spent on it. At least `TOO_FAST_MIN_ITEMS` timed items are needed.
* `straight_lining` (serious) — the longest run of identical consecutive answers reaches
  `STRAIGHT_LINE_RUN` (10) items, or every item when fewer than 10 were answered (at least
  `STRAIGHT_LINE_MIN_ITEMS`, 6). A missing answer ends a run.
* `failed_attention` (serious) — `ATTENTION_FAILURES` (2) or more attention items answered
  outside their `expected` answers: one slip is tolerated.
* `inconsistent` (caution) — at least half of the answered consistency pairs differ (after
  keying) by more than their `max_difference`.
* `impression_management` (caution) — the impression-management scale score is
  `IMPRESSION_CUT` (80) or more: the person claims virtues almost nobody has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, TypedDict

import numpy as np
from numpy.typing import NDArray

from app.scoring.definitions import (
    ForcedChoice,
    Instrument,
    Interview,
    Knowledge,
    ManagerRating,
    SelfReport,
    Sjt,
    Text,
    WorkSample,
)
from app.scoring.scales import Matrix

TOO_FAST_WORDS_PER_SECOND = 8.0
"""Reading faster than this (480 words a minute) is not reading: the average adult reads
238 words a minute silently, most adults 175-300 (Brysbaert 2019)."""
TOO_FAST_MIN_ITEMS = 3
"""`too_fast` needs at least this many timed items with text to judge a reading speed."""
STRAIGHT_LINE_RUN = 10
STRAIGHT_LINE_MIN_ITEMS = 6
ATTENTION_FAILURES = 2
"""Failed attention items that raise `failed_attention`: one slip is tolerated."""
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


class FlagView(TypedDict):
    code: str
    severity: str
    ru: str
    en: str


FLAGS: dict[str, Flag] = {
    flag.code: flag
    for flag in [
        Flag(
            "too_fast",
            "serious",
            "Ответы даны быстрее, чем можно прочитать вопросы: больше 8 слов в секунду, а "
            "взрослый человек читает про себя в среднем 4 слова в секунду. Ответы не "
            "отражают человека; нужна повторная попытка.",
            "Answered faster than the questions can be read: over 8 words a second, while an "
            "adult reads about 4 words a second silently. The answers do not describe the "
            "person; a retake is needed.",
        ),
        Flag(
            "straight_lining",
            "serious",
            "Длинная серия одинаковых ответов подряд: человек, похоже, отвечал, не читая "
            "вопросов. Ответы не отражают человека; нужна повторная попытка.",
            "A long run of identical answers in a row: the person seems to have answered "
            "without reading. The answers do not describe the person; a retake is needed.",
        ),
        Flag(
            "failed_attention",
            "serious",
            "Не пройдены два или больше вопроса на внимательность (одна ошибка допускается): "
            "часть ответов, похоже, дана наугад. Нужна повторная попытка.",
            "Two or more attention items failed (one slip is allowed): some answers seem to "
            "have been given at random. A retake is needed.",
        ),
        Flag(
            "inconsistent",
            "caution",
            "Ответы на парные вопросы с одинаковым смыслом противоречат друг другу: "
            "самооценку стоит проверить на интервью.",
            "Answers to paired items with the same meaning contradict each other: check the "
            "self-report in the interview.",
        ),
        Flag(
            "impression_management",
            "caution",
            "Очень высокий показатель социальной желательности: самооценка, вероятно, "
            "завышена и не учитывается в решении; решение опирается на другие методы.",
            "Very high impression management: the self-report probably presents the person "
            "too favourably and is left out of the decision, which rests on the other methods.",
        ),
        Flag(
            "method_discrepancy",
            "caution",
            "Методы расходятся в оценке компетенции больше, чем объясняет погрешность "
            "измерения (например, высокая самооценка и низкий ситуационный тест).",
            "Methods disagree about a competency by more than measurement error explains "
            "(e.g. a high self-report and a low situational test).",
        ),
    ]
}

SERIOUS = frozenset(code for code, flag in FLAGS.items() if flag.severity == "serious")
"""Flags that make a result `invalid`."""


def flag_view(code: str) -> FlagView:
    """A flag for the API and the report: its code, severity and meaning in both languages.
    An unknown code (a flag of an older engine) is shown as a caution with its code as text."""
    flag = FLAGS.get(code)
    if flag is None:
        return {"code": code, "severity": "caution", "ru": code, "en": code}
    return {"code": flag.code, "severity": flag.severity, "ru": flag.ru, "en": flag.en}


def serious(codes: list[str] | set[str] | tuple[str, ...]) -> list[str]:
    """The serious flags among `codes`, in the order given."""
    return [code for code in codes if code in SERIOUS]


# ----------------------------------------------------------------------------- reading speed

_WORD = re.compile(r"\w+(?:[-'’]\w+)*")


def words(text: str) -> int:
    """Words in a text: runs of letters or digits (a hyphenated word counts once)."""
    return len(_WORD.findall(text))


def _text_words(*texts: Text) -> int:
    """Words a reader of either language must read: the shorter of the two versions, so a
    reader is never judged against the wordier translation."""
    return min(sum(words(t.ru) for t in texts), sum(words(t.en) for t in texts))


def item_words(instrument: Instrument) -> NDArray[np.float64]:
    """Words to read for each scored element of `instrument`, in `elements()` order: the
    statement of a self-report or rating item; scenario, question and options of an SJT
    item; question and options of a knowledge item. A work sample's rubric criteria are
    scored by a reviewer and have no reading time (0)."""
    if isinstance(instrument, SelfReport | ManagerRating):
        counts = [_text_words(item.text) for item in instrument.items]
    elif isinstance(instrument, Sjt):
        counts = [
            _text_words(item.scenario, item.question, *(o.text for o in item.options))
            for item in instrument.items
        ]
    elif isinstance(instrument, Knowledge):
        counts = [
            _text_words(item.question, *(o.text for o in item.options)) for item in instrument.items
        ]
    elif isinstance(instrument, ForcedChoice):
        counts = [_text_words(*(s.text for s in block.statements)) for block in instrument.items]
    elif isinstance(instrument, WorkSample):
        counts = [0 for task in instrument.items for _criterion in task.rubric]
    elif isinstance(instrument, Interview):  # rated by the interviewer, never timed
        counts = [0 for _item in instrument.items]
    else:
        raise TypeError(f"unknown instrument type {type(instrument).__name__}")
    return np.array(counts, dtype=np.float64)


def reading_speed(seconds: Matrix, words_per_item: NDArray[np.float64]) -> NDArray[np.float64]:
    """Each respondent's median words per second over the items with text and known time.

    `seconds` is (n, m), NaN where the time is unknown; 0 seconds on an item with text is an
    infinite speed. NaN for a respondent with fewer than `TOO_FAST_MIN_ITEMS` such items."""
    seconds = np.asarray(seconds, dtype=np.float64)
    n = seconds.shape[0]
    usable = ~np.isnan(seconds) & (words_per_item[np.newaxis, :] > 0) & (seconds >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = np.where(usable, words_per_item[np.newaxis, :] / seconds, np.nan)
    enough = usable.sum(axis=1) >= TOO_FAST_MIN_ITEMS
    speeds = np.full(n, np.nan)
    if enough.any():
        speeds[enough] = np.nanmedian(rates[enough], axis=1)
    return speeds


def too_fast(seconds: Matrix, words_per_item: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Respondents whose median reading speed is above `TOO_FAST_WORDS_PER_SECOND`."""
    speeds = reading_speed(seconds, words_per_item)
    return np.asarray(~np.isnan(speeds) & (speeds > TOO_FAST_WORDS_PER_SECOND))


def spread_total_seconds(
    total: NDArray[np.float64], answered: NDArray[np.bool_], words_per_item: NDArray[np.float64]
) -> Matrix:
    """Per-item seconds from each respondent's total time on the instrument (a CSV gives
    only the total): the total is shared among the answered items in proportion to their
    words, so every item's reading speed is the respondent's overall words per second.
    Rows with no total (NaN) or nothing answered stay NaN."""
    total = np.asarray(total, dtype=np.float64)
    weights = np.where(answered, words_per_item[np.newaxis, :], 0.0)
    read = weights.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = weights / read[:, np.newaxis]
    out = np.where(answered & (read[:, np.newaxis] > 0), share * total[:, np.newaxis], np.nan)
    return np.asarray(out, dtype=np.float64)


# ----------------------------------------------------------------------------- answer patterns


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


def attention_failures(answers: Matrix, expected: list[set[int]]) -> NDArray[np.int64]:
    """How many attention items each respondent answered outside their `expected` answers;
    `answers` holds the attention items' raw answers, one column per item of `expected`.
    A missing answer is no failure."""
    failures = np.zeros(answers.shape[0], dtype=np.int64)
    for column, allowed in enumerate(expected):
        values = answers[:, column]
        failures += ~np.isnan(values) & ~np.isin(values, list(allowed))
    return failures


def failed_attention(answers: Matrix, expected: list[set[int]]) -> NDArray[np.bool_]:
    """`ATTENTION_FAILURES` or more failed attention items: one slip is tolerated."""
    return np.asarray(attention_failures(answers, expected) >= ATTENTION_FAILURES)


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
