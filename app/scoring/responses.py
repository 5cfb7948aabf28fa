"""Answers as they arrive (from the questionnaire or a CSV) turned into item scores on 0-100.

Every method is put on one metric (docs/scoring.md, "One metric"): 100 is the best answer,
and an answer at chance — random picks, or the Likert midpoint — lands at 50 on average for
every method, so the same minimums and targets mean the same for all of them.

* self-report, manager rating and interview — a Likert answer x on low..high; reverse keys give
  low + high - x; item score 100 * (x' - low) / (high - low) (the midpoint is 50).
* SJT best/worst — scored against every key level of the two chosen options: with e_b the
  key level of the option chosen as best, e_w that of the option chosen as worst and
  E_max, E_min the item's highest and lowest key levels,
  50 + 50 * (e_b - e_w) / (E_max - E_min): 100 for the key's best as best and worst as
  worst, 0 for the reverse, 50 on average for random picks (E[e_b - e_w] = 0).
* SJT rate-each-option — agreement a = 1 - mean |rating - key| (both on 0..1) rescaled so
  that its expected value under uniformly random ratings, c, gives 50:
  50 + 50 * (a - c) / (1 - c), at least 0.
* knowledge — corrected for guessing: with x the share of the item earned (one correct
  option: 1 or 0; several: max(0, right - wrong) / number correct) and c its expected value
  for a random pick (1/k for k options), 50 + 50 * (x - c) / (1 - c): 100 for a correct
  answer, 50 on average for guessing, 33.3 for a wrong pick among four options.
* work sample — the rubric points a person gave, 100 * points / max_points (no chance level:
  a reviewer scores the work).

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
    FcBlock,
    FcCheck,
    ForcedChoice,
    Instrument,
    Interview,
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

    def share(picks: frozenset[str]) -> float:
        right, wrong = len(picks & correct), len(picks - correct)
        return max(0, right - wrong) / len(correct)

    chance = knowledge_chance(len(options), len(correct))

    def score(picks: frozenset[str]) -> float:
        return corrected_for_chance(share(picks), chance)

    return Element(item.id, item.scale, score, parse)


def corrected_for_chance(share: float, chance: float) -> float:
    """A share 0..1 of an item earned on the common metric: 50 + 50 * (x - c) / (1 - c),
    clipped to 0..100, so that the chance expectation c gives 50 and a full answer 100."""
    return min(100.0, max(0.0, 50.0 + 50.0 * (share - chance) / (1.0 - chance)))


def knowledge_chance(options: int, correct: int) -> float:
    """The expected share earned by a random answer: one option picked at random when one
    is correct (1/k); for a multiple-answer question, the expected share of a uniformly
    random number of picks, each set of that size equally likely."""
    if correct == 1:
        return 1.0 / options
    total = 0.0
    for picks in range(1, options + 1):
        expected = 0.0
        count = 0
        for right in range(0, min(picks, correct) + 1):
            wrong = picks - right
            if wrong > options - correct:
                continue
            ways = math.comb(correct, right) * math.comb(options - correct, wrong)
            expected += ways * max(0, right - wrong) / correct
            count += ways
        total += expected / count
    return total / options


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

    points = (np.arange(response.min, response.max + 1) - response.min) / (
        response.max - response.min
    )
    chance = 1.0 - float(np.abs(points[:, np.newaxis] - expert[np.newaxis, :]).mean())

    def score(ratings: tuple[float, ...]) -> float:
        given = (np.array(ratings) - response.min) / (response.max - response.min)
        return corrected_for_chance(1.0 - float(np.abs(given - expert).mean()), chance)

    return Element(item.id, item.scale, score, parse)


def _sjt_best_worst(item: SjtItem) -> Element:
    options = [o.id for o in item.options]
    level = {o.id: o.effectiveness for o in item.options}
    spread = max(level.values()) - min(level.values())

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
        return 50.0 + 50.0 * (level[chosen_best] - level[chosen_worst]) / spread

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


def _forced_choice(block: FcBlock | FcCheck) -> Element:
    """A block: the answer is {"most": id, "least": id}; one pick alone is kept as a partial
    answer. The block has no item score of its own (NaN): the traits are estimated from all
    blocks together (tirt.py), so `score_instrument` takes its own path for this type."""
    from app.scoring.tirt import parse_pick

    ids = [s.id for s in block.statements]

    def parse(value: Any) -> dict[str, str]:
        try:
            pick = parse_pick(value)
        except ValueError as error:
            raise AnswerError(f"{error}; statements: {', '.join(ids)}") from None
        unknown = [v for v in pick.values() if v not in ids]
        if unknown or not pick:
            raise AnswerError(
                f"unknown statement {unknown[0] if unknown else value!r}; "
                f"use one of: {', '.join(ids)}"
            )
        if pick.get("most") is not None and pick.get("most") == pick.get("least"):
            raise AnswerError("the same statement cannot be both most and least like you")
        return pick

    return Element(block.id, "", lambda _pick: math.nan, parse)


def elements(instrument: Instrument) -> list[Element]:
    """The scored columns of an instrument, in file order."""
    if isinstance(instrument, SelfReport):
        scale = instrument.response_scale
        return [_likert(i.id, i.scale, scale, i.key is Key.reverse) for i in instrument.items]
    if isinstance(instrument, ManagerRating | Interview):
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
    if isinstance(instrument, ForcedChoice):
        return [_forced_choice(block) for block in instrument.items]
    raise TypeError(f"unknown instrument type {type(instrument).__name__}")


def is_likert(instrument: Instrument) -> bool:
    return isinstance(instrument, SelfReport | ManagerRating | Interview)


def likert_parameters(instrument: Instrument) -> tuple[float, float, NDArray[np.bool_]]:
    """(low, high, reverse mask) of a self-report or manager rating."""
    if isinstance(instrument, SelfReport):
        reverse = np.array([i.key is Key.reverse for i in instrument.items])
        return instrument.response_scale.min, instrument.response_scale.max, reverse
    if isinstance(instrument, ManagerRating | Interview):
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
