"""Likert keying and scale scores: properties that must hold on any response range, checked
with hypothesis on the real functions and end to end through `score_instrument`."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.scoring.definitions import SelfReport
from app.scoring.engine import score_instrument
from app.scoring.scales import (
    MIN_ANSWERED_SHARE,
    key_likert,
    likert_to_percent,
    membership_matrix,
    scale_scores,
)

FAST = settings(max_examples=100, deadline=None)
RANGES = [(1, 5), (1, 6), (1, 7), (0, 10), (-3, 3), (1, 2)]


def text(en: str) -> dict[str, str]:
    return {"ru": f"[ru] {en}", "en": en}


def self_report(low: int, high: int, items: list[tuple[str, str, str]]) -> SelfReport:
    """A self-report on low..high with items given as (id, scale, key)."""
    return SelfReport.model_validate(
        {
            "id": "t_self",
            "version": "1",
            "type": "self_report",
            "title": text("Title"),
            "description": text("Description"),
            "instructions": text("Instructions"),
            "minutes": 5,
            "audience": ["candidate"],
            "response_scale": {"min": low, "max": high},
            "items": [
                {"id": item_id, "scale": scale, "text": text(f"Statement {item_id}"), "key": key}
                for item_id, scale, key in items
            ],
        }
    )


@st.composite
def keyed_questionnaires(draw: Any, min_items: int = 1, max_items: int = 12) -> dict[str, Any]:
    """A range, a key per item and one respondent's answers (None = missing)."""
    low, high = draw(st.sampled_from(RANGES))
    k = draw(st.integers(min_items, max_items))
    reverse = draw(st.lists(st.booleans(), min_size=k, max_size=k))
    answers = draw(st.lists(st.one_of(st.none(), st.integers(low, high)), min_size=k, max_size=k))
    return {"low": low, "high": high, "reverse": reverse, "answers": answers}


def instrument_of(q: dict[str, Any]) -> SelfReport:
    items = [
        (f"i{j}", "drive", "reverse" if rev else "positive") for j, rev in enumerate(q["reverse"])
    ]
    return self_report(q["low"], q["high"], items)


def score_of(instrument: SelfReport, answers: list[int | None]) -> float | None:
    matrix = np.array([[math.nan if a is None else a for a in answers]], dtype=np.float64)
    return score_instrument(instrument, ["r1"], answers=matrix).scores_of(0)["drive"]


def enough_answered(answered: int, items: int) -> bool:
    """The 80% rule in integer arithmetic: answered / items >= 4 / 5."""
    return 5 * answered >= 4 * items


# ----------------------------------------------------------------------------- reverse keys


@FAST
@given(st.sampled_from(RANGES), st.data())
def test_reverse_keying_twice_is_the_identity(bounds: tuple[int, int], data: Any) -> None:
    low, high = bounds
    n, k = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 8))
    cells = st.one_of(st.just(math.nan), st.integers(low, high).map(float))
    answers = np.array(data.draw(st.lists(cells, min_size=n * k, max_size=n * k))).reshape(n, k)
    reverse = np.array(data.draw(st.lists(st.booleans(), min_size=k, max_size=k)))
    once = key_likert(answers, reverse, low, high)
    np.testing.assert_array_equal(key_likert(once, reverse, low, high), answers)
    # Positive items are untouched; reverse items are mirrored and stay on the scale.
    np.testing.assert_array_equal(once[:, ~reverse], answers[:, ~reverse])
    np.testing.assert_array_equal(once[:, reverse], low + high - answers[:, reverse])
    finite = once[~np.isnan(once)]
    assert ((finite >= low) & (finite <= high)).all()


@FAST
@given(st.sampled_from(RANGES), st.data())
def test_a_reverse_item_answered_x_scores_as_a_positive_item_answered_low_plus_high_minus_x(
    bounds: tuple[int, int], data: Any
) -> None:
    low, high = bounds
    x = data.draw(st.integers(low, high))
    # The same answers keyed both ways through the functions...
    keyed = key_likert(
        np.array([[float(x), float(low + high - x)]]), np.array([True, False]), low, high
    )
    percent = likert_to_percent(keyed, low, high)
    assert percent[0, 0] == percent[0, 1]
    # ...and end to end: a reverse-keyed scale and a positive one.
    instrument = self_report(low, high, [("r", "reversed", "reverse"), ("p", "plain", "positive")])
    scores = score_instrument(
        instrument, ["a"], answers=np.array([[x, low + high - x]], dtype=np.float64)
    ).scores_of(0)
    assert scores["reversed"] == scores["plain"] == pytest.approx(100 * (high - x) / (high - low))


@pytest.mark.parametrize(
    ("low", "high", "answer", "reverse", "expected"),
    [
        (1, 5, 2, True, 75.0),  # docs/scoring.md: reverse 2 on 1..5 counts as 4
        (1, 5, 2, False, 25.0),
        (1, 5, 5, True, 0.0),
        (1, 7, 4, True, 50.0),
        (0, 10, 3, True, 70.0),
        (1, 6, 6, False, 100.0),
    ],
)
def test_likert_item_scores_by_hand(
    low: int, high: int, answer: int, reverse: bool, expected: float
) -> None:
    keyed = key_likert(np.array([[float(answer)]]), np.array([reverse]), low, high)
    assert likert_to_percent(keyed, low, high)[0, 0] == pytest.approx(expected, abs=1e-12)


# ----------------------------------------------------------------------------- scale scores


@FAST
@given(keyed_questionnaires())
def test_the_scale_score_is_100_times_mean_keyed_answer_minus_low_over_the_range(
    q: dict[str, Any],
) -> None:
    low, high = q["low"], q["high"]
    keyed = [
        (low + high - a if rev else a)
        for a, rev in zip(q["answers"], q["reverse"], strict=True)
        if a is not None
    ]
    score = score_of(instrument_of(q), q["answers"])
    if not enough_answered(len(keyed), len(q["answers"])):
        assert score is None
        return
    mean = sum(keyed) / len(keyed)
    assert score == pytest.approx(100 * (mean - low) / (high - low), abs=1e-9)
    assert 0 <= score <= 100


@FAST
@given(keyed_questionnaires(), st.data())
def test_raising_one_keyed_answer_never_lowers_the_scale_score(
    q: dict[str, Any], data: Any
) -> None:
    low, high = q["low"], q["high"]
    answered = [j for j, a in enumerate(q["answers"]) if a is not None]
    if not answered:
        return
    j = data.draw(st.sampled_from(answered))
    keyed = low + high - q["answers"][j] if q["reverse"][j] else q["answers"][j]
    raised_keyed = data.draw(st.integers(keyed, high))
    raised = list(q["answers"])
    raised[j] = low + high - raised_keyed if q["reverse"][j] else raised_keyed
    instrument = instrument_of(q)
    before, after = score_of(instrument, q["answers"]), score_of(instrument, raised)
    assert (before is None) == (after is None)  # the same items are answered
    if before is not None and after is not None:
        assert after >= before
        if raised_keyed > keyed:
            assert after > before


@FAST
@given(st.integers(1, 20), st.data())
def test_a_scale_needs_80_percent_of_its_items_answered(items: int, data: Any) -> None:
    answered = data.draw(st.integers(0, items))
    rng = np.random.default_rng(items * 100 + answered)
    values = rng.integers(0, 101, size=items).astype(np.float64)
    values[rng.permutation(items)[: items - answered]] = np.nan
    result = scale_scores(values[np.newaxis, :], np.ones((items, 1), dtype=bool), ["drive"])
    assert result.answered[0, 0] == answered and result.items[0] == items
    if enough_answered(answered, items):
        assert result.scores[0, 0] == pytest.approx(np.nanmean(values), abs=1e-9)
        assert result.missing_reason(0, 0) is None
    else:
        assert math.isnan(result.scores[0, 0])
        needed = next(a for a in range(items + 1) if enough_answered(a, items))
        assert result.missing_reason(0, 0) == (
            f"{answered} of {items} items answered; at least {needed} needed"
        )


@pytest.mark.parametrize(
    ("items", "answered", "scored"),
    [
        (8, 8, True),
        (8, 7, True),
        (8, 6, False),
        (5, 4, True),  # exactly 80%
        (5, 3, False),
        (10, 8, True),  # exactly 80%
        (10, 7, False),
        (3, 3, True),
        (3, 2, False),
        (1, 0, False),
    ],
)
def test_the_80_percent_rule_end_to_end(items: int, answered: int, scored: bool) -> None:
    assert MIN_ANSWERED_SHARE == 0.8
    instrument = self_report(
        1,
        5,
        [(f"d{j}", "drive", "positive") for j in range(items)] + [("other", "other", "positive")],
    )
    answers = [4.0] * answered + [math.nan] * (items - answered) + [2.0]
    result = score_instrument(instrument, ["r1"], answers=np.array([answers]))
    scores, missing = result.scores_of(0), result.missing_of(0)
    assert scores["other"] == 25.0
    if scored:
        assert scores["drive"] == 75.0
        assert missing == {}
    else:
        needed = math.ceil(0.8 * items - 1e-9)
        assert scores["drive"] is None
        assert missing == {
            "drive": f"{answered} of {items} items answered; at least {needed} needed"
        }


def test_the_documented_missing_reason() -> None:
    instrument = self_report(1, 7, [(f"d{j}", "drive", "positive") for j in range(8)])
    answers = np.array([[5, 5, 5, 5, 5, 5, math.nan, math.nan]], dtype=np.float64)
    result = score_instrument(instrument, ["r1"], answers=answers)
    assert result.scores_of(0) == {"drive": None}
    assert result.missing_of(0) == {"drive": "6 of 8 items answered; at least 7 needed"}


def test_scale_scores_of_several_respondents_and_scales() -> None:
    nan = math.nan
    item_scores = np.array(
        [
            [100.0, 50.0, 0.0, 25.0, 75.0],
            [nan, 50.0, 0.0, nan, 75.0],
            [nan, nan, nan, nan, nan],
        ]
    )
    membership = membership_matrix(["a", "a", "a", "b", "b"], ["a", "b"])
    result = scale_scores(item_scores, membership, ["a", "b"])
    np.testing.assert_array_equal(result.items, [3, 2])
    np.testing.assert_array_equal(result.answered, [[3, 2], [2, 1], [0, 0]])
    np.testing.assert_allclose(
        result.scores, [[50.0, 50.0], [nan, nan], [nan, nan]], rtol=0, atol=1e-12
    )
    assert result.missing_reason(1, 0) == "2 of 3 items answered; at least 3 needed"
    assert result.missing_reason(2, 1) == "0 of 2 items answered; at least 2 needed"


@FAST
@given(st.sampled_from(RANGES), st.integers(0, 10_000))
def test_the_vectorised_scores_match_a_respondent_by_respondent_loop(
    bounds: tuple[int, int], seed: int
) -> None:
    low, high = bounds
    rng = np.random.default_rng(seed)
    n, k = 6, 7
    reverse = rng.random(k) < 0.5
    answers = rng.integers(low, high + 1, size=(n, k)).astype(np.float64)
    answers[rng.random((n, k)) < 0.15] = np.nan
    instrument = self_report(
        low,
        high,
        [(f"i{j}", "drive", "reverse" if r else "positive") for j, r in enumerate(reverse)],
    )
    result = score_instrument(instrument, [f"r{i}" for i in range(n)], answers=answers)
    for i in range(n):
        row = [None if math.isnan(a) else int(a) for a in answers[i]]
        alone = score_of(instrument, row)
        together = result.scores_of(i)["drive"]
        # The last bit may differ: the batch changes the order of summation.
        assert (alone is None) == (together is None)
        assert together == pytest.approx(alone, abs=1e-9)
