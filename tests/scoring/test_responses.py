"""Item-score rules of every instrument type, on small hand-made instruments whose right
answers can be worked out on paper (docs/scoring.md, section 1)."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

from app.scoring.definitions import Knowledge, ManagerRating, SelfReport, Sjt, WorkSample
from app.scoring.engine import score_instrument
from app.scoring.responses import AnswerError, Element, elements


def text(en: str) -> dict[str, str]:
    return {"ru": f"[ru] {en}", "en": en}


def base(instrument_id: str, kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": instrument_id,
        "version": "1",
        "type": kind,
        "title": text("Title"),
        "description": text("Description"),
        "instructions": text("Instructions"),
        "minutes": 4,
        "audience": ["candidate"],
        **fields,
    }


def sjt_item(item_id: str, keys: dict[str, int]) -> dict[str, Any]:
    return {
        "id": item_id,
        "scale": "communication",
        "scenario": text("A secretary says the director is busy."),
        "question": text("What do you do?"),
        "options": [
            {"id": option, "text": text(f"Option {option}"), "effectiveness": key}
            for option, key in keys.items()
        ],
    }


def score(element: Element, raw: Any) -> float:
    """Parse a raw answer as it arrives and score it."""
    return element.score(element.parse(raw))


def refused(element: Element, raw: Any) -> str:
    with pytest.raises(AnswerError) as raised:
        element.parse(raw)
    return str(raised.value)


# ----------------------------------------------------------------------------- SJT rate each


RATE_EACH = Sjt.model_validate(
    base(
        "t_rate",
        "sjt",
        format="rate_each",
        response_scale={"min": 1, "max": 5},
        key_scale={"min": 1, "max": 5},
        items=[
            sjt_item("s1", {"a": 5, "b": 1, "c": 3}),
            sjt_item("s2", {"a": 5, "b": 1, "c": 1}),
        ],
    )
)


def test_rate_each_perfect_agreement_scores_100() -> None:
    s1, s2 = elements(RATE_EACH)
    assert score(s1, "5;1;3") == pytest.approx(100.0)
    assert score(s2, [5, 1, 1]) == pytest.approx(100.0)
    assert score(s1, {"c": 3, "a": 5, "b": 1}) == pytest.approx(100.0)  # by option id


def test_rate_each_maximal_disagreement_scores_0() -> None:
    _, s2 = elements(RATE_EACH)
    assert score(s2, "1;5;5") == pytest.approx(0.0, abs=1e-12)


def test_rate_each_a_middle_case_by_hand() -> None:
    s1, _ = elements(RATE_EACH)
    # Key on 0..1: a=1, b=0, c=0.5. Ratings 4, 2, 3 on 0..1: 0.75, 0.25, 0.5.
    # Agreement = 1 - (0.25 + 0.25 + 0) / 3 = 5/6. A uniformly random rating (points 0, .25,
    # .5, .75, 1) is off by 0.5 on average from a key of 1 or 0 and by 0.3 from 0.5, so the
    # chance agreement is c = 1 - (0.5 + 0.5 + 0.3) / 3, and the score 50 + 50 (a - c)/(1 - c).
    chance = 1 - (0.5 + 0.5 + 0.3) / 3
    assert score(s1, "4;2;3") == pytest.approx(50 + 50 * (5 / 6 - chance) / (1 - chance))
    # Every rating off by one point of four: agreement 0.75.
    assert score(s1, "4;2;2") == pytest.approx(50 + 50 * (0.75 - chance) / (1 - chance))
    # The experts' own ratings earn 100.
    assert score(s1, "5;1;3") == pytest.approx(100.0)


def test_rate_each_puts_the_ratings_and_the_key_on_a_common_scale() -> None:
    sjt = Sjt.model_validate(
        base(
            "t_rate7",
            "sjt",
            format="rate_each",
            response_scale={"min": 1, "max": 7},
            key_scale={"min": 1, "max": 4},
            items=[sjt_item("s1", {"a": 4, "b": 1, "c": 2})],
        )
    )
    (s1,) = elements(sjt)
    # Key 4, 1, 2 on 1..4 is 1, 0, 1/3; ratings 7, 1, 3 on 1..7 are the same points.
    assert score(s1, "7;1;3") == pytest.approx(100.0, abs=1e-9)
    # Far from the key: agreement 1 - (1 + 1 + 2/3)/3 = 1/9, below chance, so under 50.
    assert score(s1, "1;7;7") < 50.0


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("5;1", "rate all 3 options (a, b, c) in order, separated by ';'"),
        ("5;1;3;2", "rate all 3 options"),
        ("5;x;3", "'x' is not a number; use a whole number 1..5"),
        ("5;9;3", "'9' is outside the scale; use a whole number 1..5"),
        ("5;0;3", "'0' is outside the scale"),
        ("5;2.5;3", "'2.5' is outside the scale"),
        ({"a": 5, "b": 1}, "no rating for option 'c'"),
    ],
)
def test_rate_each_refuses_bad_ratings(raw: Any, message: str) -> None:
    s1, _ = elements(RATE_EACH)
    assert message in refused(s1, raw)


# ----------------------------------------------------------------------------- SJT best/worst


BEST_WORST = Sjt.model_validate(
    base(
        "t_bw",
        "sjt",
        format="best_worst",
        key_scale={"min": 1, "max": 4},
        # File order is not effectiveness order: the key's best is d, its worst is b.
        items=[sjt_item("s1", {"a": 2, "b": 1, "c": 3, "d": 4})],
    )
)


@pytest.mark.parametrize(
    ("picks", "expected"),
    [
        ("d/b", 100.0),  # the key's best as best and worst as worst
        ("b/d", 0.0),  # both reversed
        # 50 + 50 (e_best - e_worst) / (4 - 1): the middle key levels count too
        ("a/c", pytest.approx(100 / 3)),  # 2 - 3: a weaker option preferred to a better one
        ("c/a", pytest.approx(200 / 3)),  # 3 - 2
        ("d/a", pytest.approx(250 / 3)),  # best right, worst a middle option: 4 - 2
        ("c/b", pytest.approx(250 / 3)),  # worst right: 3 - 1
        ("b/c", pytest.approx(50 / 3)),  # the key's worst chosen as best: 1 - 3
        ("a/d", pytest.approx(50 / 3)),  # the key's best chosen as worst: 2 - 4
        ("d / b", 100.0),  # spaces are fine
        ({"best": "d", "worst": "b"}, 100.0),
        (("b", "d"), 0.0),
    ],
)
def test_best_worst_points(picks: Any, expected: float) -> None:
    (s1,) = elements(BEST_WORST)
    assert score(s1, picks) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("d/d", "the best and the worst pick must be different options"),
        ("d/z", "give 'best/worst' option ids, e.g. 'a/b'; options: a, b, c, d"),
        ("d", "give 'best/worst' option ids"),
        ("d/b/a", "give 'best/worst' option ids"),
        ({"best": "d"}, "options: a, b, c, d"),
    ],
)
def test_best_worst_refuses_bad_picks(raw: Any, message: str) -> None:
    (s1,) = elements(BEST_WORST)
    assert message in refused(s1, raw)


def test_an_sjt_scenario_is_scored_end_to_end() -> None:
    (s1,) = elements(BEST_WORST)
    rows = [[s1.parse("d/b")], [s1.parse("d/a")], [None]]
    result = score_instrument(BEST_WORST, ["x", "y", "z"], rows=rows)
    scores = [result.scores_of(i)["communication"] for i in range(3)]
    assert scores == [100.0, pytest.approx(250 / 3), None]
    assert result.missing_of(2) == {"communication": "0 of 1 items answered; at least 1 needed"}


# ----------------------------------------------------------------------------- knowledge


def knowledge_item(item_id: str, options: list[str], correct: list[str]) -> dict[str, Any]:
    return {
        "id": item_id,
        "scale": "product_knowledge",
        "question": text("Which plans include support?"),
        "options": [{"id": o, "text": text(f"Plan {o}")} for o in options],
        "correct": correct,
    }


KNOWLEDGE = Knowledge.model_validate(
    base(
        "t_knowledge",
        "knowledge",
        items=[
            knowledge_item("single", ["a", "b", "c"], ["b"]),
            knowledge_item("multi", ["a", "b", "c", "d"], ["a", "c"]),
        ],
    )
)


def test_knowledge_with_one_correct_option_is_corrected_for_guessing() -> None:
    single, _ = elements(KNOWLEDGE)
    assert score(single, "b") == 100.0
    assert score(single, " b ") == 100.0
    # Three options: a guess is right one time in three; 50 + 50 (0 - 1/3) / (2/3) = 25.
    assert score(single, "a") == pytest.approx(25.0)
    assert score(single, "c") == pytest.approx(25.0)


@pytest.mark.parametrize(
    ("picks", "expected"),
    [
        # share x = max(0, right - wrong) / 2; a random answer (1-4 picks, any set of that
        # size) earns c = (1/4 + 1/6 + 1/4 + 0) / 4 = 1/6 on average; 50 + 50 (x - c)/(1 - c)
        ("a;c", 100.0),
        (["c", "a"], 100.0),
        ("a", pytest.approx(70.0)),  # one of two right: x = 1/2
        ("a;c;b", pytest.approx(70.0)),  # two right, one wrong
        ("a;b", pytest.approx(40.0)),  # one right, one wrong: x = 0
        ("b", pytest.approx(40.0)),
        ("b;d", pytest.approx(40.0)),  # right - wrong = -2, floored at 0
        ("a;b;c;d", pytest.approx(40.0)),  # everything ticked earns no more than nothing
    ],
)
def test_knowledge_multiple_answers_earn_partial_credit(picks: Any, expected: float) -> None:
    _, multi = elements(KNOWLEDGE)
    assert score(multi, picks) == expected


@pytest.mark.parametrize(
    ("item", "raw", "message"),
    [
        (0, "z", "unknown option 'z'; use one of: a, b, c"),
        (0, "a;b", "this question takes one answer"),
        (0, "", "unknown option ''; use one of: a, b, c"),
        (1, "a;e", "unknown option 'e'; use one of: a, b, c, d"),
    ],
)
def test_knowledge_refuses_unknown_options(item: int, raw: Any, message: str) -> None:
    assert message in refused(elements(KNOWLEDGE)[item], raw)


# ----------------------------------------------------------------------------- work sample


def criterion(criterion_id: str, scale: str, max_points: int) -> dict[str, Any]:
    return {
        "id": criterion_id,
        "scale": scale,
        "criterion": text(f"Criterion {criterion_id}"),
        "max_points": max_points,
        "anchors": {0: text("None"), max_points: text("Strong")},
    }


WORK_SAMPLE = WorkSample.model_validate(
    base(
        "t_work",
        "work_sample",
        items=[
            {
                "id": "cold_email",
                "prompt": text("Write a cold e-mail."),
                "rubric": [criterion("hook", "persuasion", 4), criterion("ask", "persuasion", 3)],
            },
            {
                "id": "follow_up",
                "prompt": text("Write a follow-up."),
                "rubric": [criterion("tone", "communication", 5)],
            },
        ],
    )
)


def test_work_sample_scores_are_points_over_max_points() -> None:
    hook, ask, tone = elements(WORK_SAMPLE)
    assert [e.id for e in (hook, ask, tone)] == ["hook", "ask", "tone"]
    assert [e.scale for e in (hook, ask, tone)] == ["persuasion", "persuasion", "communication"]
    assert score(hook, 3) == 75.0
    assert score(hook, "2") == 50.0
    assert score(hook, 0) == 0.0
    assert score(hook, 4) == 100.0
    assert score(ask, 1) == pytest.approx(100 / 3)
    assert score(tone, "2.5") == 50.0


def test_work_sample_criteria_combine_into_their_scales() -> None:
    hook, ask, tone = elements(WORK_SAMPLE)
    rows = [[hook.parse(3), ask.parse(3), tone.parse(1)]]
    result = score_instrument(WORK_SAMPLE, ["x"], rows=rows)
    assert result.scores_of(0) == {"persuasion": 87.5, "communication": 20.0}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (5, "5 is outside 0..4 points"),
        (-1, "-1 is outside 0..4 points"),
        ("many", "'many' is not a number of points 0..4"),
    ],
)
def test_work_sample_refuses_bad_points(raw: Any, message: str) -> None:
    hook, _, _ = elements(WORK_SAMPLE)
    assert message in refused(hook, raw)


# ----------------------------------------------------------------------------- Likert types


MANAGER_RATING = ManagerRating.model_validate(
    base(
        "t_rating",
        "manager_rating",
        audience=["manager"],
        response_scale={"min": 1, "max": 5},
        items=[
            {
                "id": f"r{j}",
                "scale": "persistence",
                "text": text(f"Behaviour {j}"),
                "anchors": {1: text("Rarely"), 5: text("Always")},
            }
            for j in (1, 2)
        ],
    )
)


@pytest.mark.parametrize(("answer", "expected"), [(1, 0.0), (2, 25.0), (3, 50.0), (5, 100.0)])
def test_a_manager_rating_is_scored_like_a_positive_likert_item(
    answer: int, expected: float
) -> None:
    r1, _ = elements(MANAGER_RATING)
    assert score(r1, answer) == expected
    assert score(r1, str(answer)) == expected


def test_a_manager_rating_scale_is_the_mean_of_its_items() -> None:
    result = score_instrument(
        MANAGER_RATING, ["x", "y"], answers=np.array([[2.0, 5.0], [1.0, np.nan]])
    )
    assert result.scores_of(0) == {"persistence": 62.5}
    assert result.scores_of(1) == {"persistence": None}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (0, "0 is outside the scale; use a whole number 1..5"),
        (6, "6 is outside the scale; use a whole number 1..5"),
        (2.5, "2.5 is outside the scale; use a whole number 1..5"),
        ("often", "'often' is not a number; use a whole number 1..5"),
        (None, "None is not a number; use a whole number 1..5"),
    ],
)
def test_likert_answers_out_of_range_or_not_numbers_are_refused(raw: Any, message: str) -> None:
    r1, _ = elements(MANAGER_RATING)
    assert refused(r1, raw) == message
    self_report = SelfReport.model_validate(
        base(
            "t_self",
            "self_report",
            response_scale={"min": 1, "max": 5},
            items=[{"id": "i1", "scale": "drive", "text": text("I keep going"), "key": "reverse"}],
        )
    )
    (i1,) = elements(self_report)
    assert refused(i1, raw) == message
    assert score(i1, 2) == 75.0  # reverse-keyed


def test_a_raw_answer_matrix_is_only_for_likert_instruments() -> None:
    with pytest.raises(TypeError, match="only for self-reports and manager ratings"):
        score_instrument(KNOWLEDGE, ["x"], answers=np.array([[1.0, 1.0]]))


# ----------------------------------------------------------------------------- one metric


def _mean_at_chance(element: Element, answers: list[Any]) -> float:
    return float(np.mean([score(element, a) for a in answers]))


def test_a_random_responder_lands_at_50_on_every_method() -> None:
    """Every possible answer equally likely: the mean item score is 50 for each method, so
    the same minimum means the same thing whatever method measured it (docs/scoring.md)."""
    (bw,) = elements(BEST_WORST)
    pairs = [f"{b}/{w}" for b in "abcd" for w in "abcd" if b != w]
    assert _mean_at_chance(bw, pairs) == pytest.approx(50.0)
    single, multi = elements(KNOWLEDGE)
    assert _mean_at_chance(single, ["a", "b", "c"]) == pytest.approx(50.0)
    subsets = [";".join(s) for size in range(1, 5) for s in itertools.combinations("abcd", size)]
    by_size = [
        _mean_at_chance(multi, [x for x in subsets if x.count(";") == size - 1])
        for size in range(1, 5)
    ]
    assert float(np.mean(by_size)) == pytest.approx(50.0)
    s1, _ = elements(RATE_EACH)
    ratings = [f"{a};{b};{c}" for a in range(1, 6) for b in range(1, 6) for c in range(1, 6)]
    assert _mean_at_chance(s1, ratings) == pytest.approx(50.0)
    likert = SelfReport.model_validate(
        base(
            "t_self",
            "self_report",
            response_scale={"min": 1, "max": 5},
            items=[{"id": "x", "scale": "communication", "text": text("I talk.")}],
        )
    )
    (x,) = elements(likert)
    assert _mean_at_chance(x, [1, 2, 3, 4, 5]) == pytest.approx(50.0)


def test_best_worst_credits_the_middle_key_levels() -> None:
    """Preferring a better option to a worse one earns more than the reverse, even when
    neither is the key's best or worst (the old rule scored both 50)."""
    (s1,) = elements(BEST_WORST)
    assert score(s1, "c/a") > 50.0 > score(s1, "a/c")
