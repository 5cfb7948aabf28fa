"""Answers as they arrive (from the questionnaire or a CSV) turned into item scores on 0-100.

Each instrument type has one rule (docs/scoring.md gives them with examples):

* self-report and manager rating — a Likert answer x on low..high; reverse keys give
  low + high - x; item score 100 * (x' - low) / (high - low).
* SJT rate-each-option — the candidate rates every option on the response scale; both the
  ratings and the expert key are put on 0..1 and the item score is
  100 * (1 - mean |rating - key|): 100 when every option is rated as the experts did.
* SJT best/worst — +1 for picking the key's best as best, +1 for the key's worst as worst,
  -1 for each reversed pick (the key's worst chosen as best, or best as worst); the sum,
  -2..2, becomes 100 * (sum + 2) / 4, so 50 is what picks unrelated to the key earn.
* knowledge — one correct option: 100 or 0. Several correct options (a multiple-answer
  question): 100 * max(0, right picks - wrong picks) / number of correct options.
* work sample — the rubric points a person gave, 100 * points / max_points.

A value that does not fit (out of range, not a number, an unknown option) raises
`AnswerError` with a message saying what is wrong and what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.scoring.definitions import (
    Instrument,
    Key,
    Knowledge,
    KnowledgeItem,
    ManagerRating,
    ResponseScale,
    RubricCriterion,
    SelfReport,
    Sjt,
    SjtItem,
    WorkSample,
)
from app.scoring.scales import Matrix, key_likert, likert_to_percent


class AnswerError(ValueError):
    """An answer that cannot be scored; the message says what is allowed."""


@dataclass(frozen=True)
class Element:
    """One scored column of an instrument: an item, or a rubric criterion of a work sample."""

    id: str
    scale: str
    score: Callable[[Any], float]  # a valid raw answer -> item score 0-100
    parse: Callable[[Any], Any]  # raw answer -> normalised answer, or AnswerError


def is_blank(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, str) and not value.strip())
        or (isinstance(value, float) and math.isnan(value))
    )


def _integer(value: Any, scale: ResponseScale) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise AnswerError(
            f"{value!r} is not a number; use a whole number {scale.min}..{scale.max}"
        ) from None
    if not number.is_integer() or not scale.min <= number <= scale.max:
        raise AnswerError(
            f"{value!r} is outside the scale; use a whole number {scale.min}..{scale.max}"
        )
    return number


def _split(value: Any, separator: str) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value]
    return [part.strip() for part in str(value).split(separator)]


def _likert(item_id: str, scale_id: str, scale: ResponseScale, reverse: bool) -> Element:
    low, high = scale.min, scale.max

    def score(answer: float) -> float:
        keyed = low + high - answer if reverse else answer
        return 100.0 * (keyed - low) / (high - low)

    return Element(item_id, scale_id, score, lambda value: _integer(value, scale))


def _knowledge(item: KnowledgeItem) -> Element:
    options = [o.id for o in item.options]
    correct = set(item.correct)

    def parse(value: Any) -> frozenset[str]:
        picks = [p for p in _split(value, ";") if p]
        unknown = [p for p in picks if p not in options]
        if unknown or not picks:
            raise AnswerError(
                f"unknown option {unknown[0] if unknown else value!r}; use one of: {', '.join(options)}"
            )
        if len(correct) == 1 and len(picks) > 1:
            raise AnswerError("this question takes one answer")
        return frozenset(picks)

    def score(picks: frozenset[str]) -> float:
        right, wrong = len(picks & correct), len(picks - correct)
        return 100.0 * max(0, right - wrong) / len(correct)

    return Element(item.id, item.scale, score, parse)


def _sjt_rate_each(item: SjtItem, response: ResponseScale, key: ResponseScale) -> Element:
    options = [o.id for o in item.options]
    expert = np.array([(o.effectiveness - key.min) / (key.max - key.min) for o in item.options])

    def parse(value: Any) -> tuple[float, ...]:
        if isinstance(value, Mapping):
            missing = [o for o in options if o not in value]
            if missing:
                raise AnswerError(f"no rating for option {missing[0]!r}")
            ratings = [value[o] for o in options]
        else:
            ratings = _split(value, ";")
        if len(ratings) != len(options):
            raise AnswerError(
                f"rate all {len(options)} options ({', '.join(options)}) in order, separated by ';'"
            )
        return tuple(_integer(r, response) for r in ratings)

    def score(ratings: tuple[float, ...]) -> float:
        given = (np.array(ratings) - response.min) / (response.max - response.min)
        return float(100.0 * (1.0 - np.abs(given - expert).mean()))

    return Element(item.id, item.scale, score, parse)


def _sjt_best_worst(item: SjtItem) -> Element:
    options = [o.id for o in item.options]
    ranked = sorted(item.options, key=lambda o: o.effectiveness)
    best, worst = ranked[-1].id, ranked[0].id

    def parse(value: Any) -> tuple[str, str]:
        if isinstance(value, Mapping):
            picks = [str(value.get("best", "")), str(value.get("worst", ""))]
        else:
            picks = _split(value, "/")
        if len(picks) != 2 or any(p not in options for p in picks):
            raise AnswerError(
                f"give 'best/worst' option ids, e.g. '{options[0]}/{options[1]}'; "
                f"options: {', '.join(options)}"
            )
        if picks[0] == picks[1]:
            raise AnswerError("the best and the worst pick must be different options")
        return picks[0], picks[1]

    def score(picks: tuple[str, str]) -> float:
        chosen_best, chosen_worst = picks
        points = (chosen_best == best) + (chosen_worst == worst)
        points -= (chosen_best == worst) + (chosen_worst == best)
        return 100.0 * (points + 2) / 4

    return Element(item.id, item.scale, score, parse)


def _criterion(criterion: RubricCriterion) -> Element:
    def parse(value: Any) -> float:
        try:
            points = float(value)
        except (TypeError, ValueError, OverflowError):
            raise AnswerError(
                f"{value!r} is not a number of points 0..{criterion.max_points}"
            ) from None
        if not 0 <= points <= criterion.max_points:
            raise AnswerError(f"{value!r} is outside 0..{criterion.max_points} points")
        return points

    return Element(criterion.id, criterion.scale, lambda p: 100.0 * p / criterion.max_points, parse)


def elements(instrument: Instrument) -> list[Element]:
    """The scored columns of an instrument, in file order."""
    if isinstance(instrument, SelfReport):
        scale = instrument.response_scale
        return [_likert(i.id, i.scale, scale, i.key is Key.reverse) for i in instrument.items]
    if isinstance(instrument, ManagerRating):
        scale = instrument.response_scale
        return [_likert(i.id, i.scale, scale, False) for i in instrument.items]
    if isinstance(instrument, Knowledge):
        return [_knowledge(i) for i in instrument.items]
    if isinstance(instrument, Sjt):
        if instrument.format == "best_worst":
            return [_sjt_best_worst(i) for i in instrument.items]
        if instrument.response_scale is None:  # the loader refuses this; kept for type safety
            raise AnswerError("a rate_each SJT needs a response_scale")
        response = instrument.response_scale
        return [_sjt_rate_each(i, response, instrument.key_scale) for i in instrument.items]
    if isinstance(instrument, WorkSample):
        return [_criterion(c) for task in instrument.items for c in task.rubric]
    raise TypeError(f"unknown instrument type {type(instrument).__name__}")


def is_likert(instrument: Instrument) -> bool:
    return isinstance(instrument, SelfReport | ManagerRating)


def likert_parameters(instrument: Instrument) -> tuple[float, float, NDArray[np.bool_]]:
    """(low, high, reverse mask) of a self-report or manager rating."""
    if isinstance(instrument, SelfReport):
        reverse = np.array([i.key is Key.reverse for i in instrument.items])
        return instrument.response_scale.min, instrument.response_scale.max, reverse
    if isinstance(instrument, ManagerRating):
        scale = instrument.response_scale
        return scale.min, scale.max, np.zeros(len(instrument.items), dtype=bool)
    raise TypeError("not a Likert instrument")


def likert_item_scores(instrument: Instrument, answers: Matrix) -> Matrix:
    """Vectorised item scores of a Likert instrument from an (n, m) matrix of raw answers."""
    low, high, reverse = likert_parameters(instrument)
    return likert_to_percent(key_likert(answers, reverse, low, high), low, high)


def check_likert(instrument: Instrument, answers: Matrix) -> tuple[int, int, str] | None:
    """The first invalid cell of a raw Likert matrix as (row, column, message), or None."""
    low, high, _ = likert_parameters(instrument)
    finite = ~np.isnan(answers)
    bad = finite & ((answers < low) | (answers > high) | (answers != np.round(answers)))
    if not bad.any():
        return None
    row, column = (int(v) for v in np.argwhere(bad)[0])
    value = answers[row, column]
    shown = int(value) if float(value).is_integer() else value
    return row, column, f"{shown!r} is outside the scale; use a whole number {low:g}..{high:g}"


def item_scores(instrument: Instrument, rows: Sequence[Sequence[Any]]) -> Matrix:
    """Item scores (n, m) from parsed answers laid out in `elements(instrument)` order."""
    columns = elements(instrument)
    out = np.full((len(rows), len(columns)), np.nan)
    for i, row in enumerate(rows):
        for j, (element, value) in enumerate(zip(columns, row, strict=True)):
            if value is not None:
                out[i, j] = element.score(value)
    return out
