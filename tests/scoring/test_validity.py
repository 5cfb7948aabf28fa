"""Response-validity flags on hand-made answers, through `score_instrument`
(docs/scoring.md, section 5). Flags never change a score."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from app.scoring.definitions import SelfReport
from app.scoring.engine import score_instrument
from app.scoring.validity import (
    FLAGS,
    reading_speed,
)


def text(en: str) -> dict[str, str]:
    return {"ru": f"[ru] {en}", "en": en}


REVERSE = {"p2", "p6", "p9"}
ITEM_IDS = [f"p{j}" for j in range(1, 13)] + ["att1", "im1", "im2", "att2"]


def questionnaire(**changes: Any) -> dict[str, Any]:
    """The instrument dict: 12 persistence items on 1..6, two attention items (1 or 2 is
    right; 6 is right), two impression-management items and three consistency pairs."""
    data: dict[str, Any] = {
        "id": "t_validity",
        "version": "1",
        "type": "self_report",
        "title": text("Title"),
        "description": text("Description"),
        "instructions": text("Instructions"),
        "minutes": 5,
        "audience": ["candidate"],
        "response_scale": {"min": 1, "max": 6},
        "scales": {
            "attention": {"kind": "infrequency", "name": text("Attention")},
            "im": {"kind": "impression_management", "name": text("Impression management")},
        },
        "items": [
            {
                "id": f"p{j}",
                "scale": "persistence",
                "text": text(f"Statement {j}"),
                "key": "reverse" if f"p{j}" in REVERSE else "positive",
            }
            for j in range(1, 13)
        ]
        + [
            {
                "id": "att1",
                "scale": "attention",
                "text": text("Answer 'disagree' here."),
                "expected": [1, 2],
            },
            {"id": "im1", "scale": "im", "text": text("I have never lied.")},
            {"id": "im2", "scale": "im", "text": text("I am always polite.")},
            {
                "id": "att2",
                "scale": "attention",
                "text": text("Answer 'strongly agree' here."),
                "expected": [6],
            },
        ],
        "consistency_pairs": [
            {"items": ["p1", "p2"], "max_difference": 2},
            {"items": ["p3", "p4"], "max_difference": 1},
            {"items": ["p5", "p6"], "max_difference": 1},
        ],
    }
    data.update(changes)
    return data


INSTRUMENT = SelfReport.model_validate(questionnaire())

# Varied, attentive, consistent answers: no two neighbours equal, every pair within its limit
# (p1 4 vs p2 3 keyed 4; p3 5 vs p4 4; p5 3 vs p6 5 keyed 2), attention 1 and 6, impression 30.
CLEAN = dict(
    zip(ITEM_IDS, [4, 3, 5, 4, 3, 5, 2, 4, 3, 5, 4, 2, 1, 3, 2, 6], strict=True),
)


def answers(**changes: float | None) -> list[float]:
    row = {**CLEAN, **changes}
    assert set(row) == set(ITEM_IDS)
    return [math.nan if row[i] is None else float(row[i]) for i in ITEM_IDS]


def run(*values: float | None, start: int = 1) -> dict[str, float | None]:
    """Answers for p<start>, p<start + 1>, ... in order."""
    return {f"p{start + j}": v for j, v in enumerate(values)}


def only(**given: float | None) -> dict[str, float | None]:
    """Every item missing except those given."""
    return {**dict.fromkeys(ITEM_IDS), **given}


def flags_of(
    *rows: list[float], seconds: list[float] | None = None, instrument: SelfReport = INSTRUMENT
) -> list[list[str]]:
    """`seconds`: each respondent's seconds on every item alike."""
    result = score_instrument(
        instrument,
        [f"r{i}" for i in range(len(rows))],
        answers=np.array(rows, dtype=np.float64),
        item_seconds=None if seconds is None else per_item(seconds, len(ITEM_IDS)),
    )
    return result.flags


def per_item(seconds: list[float], width: int) -> np.ndarray:
    return np.repeat(np.array(seconds, dtype=np.float64)[:, np.newaxis], width, axis=1)


def test_clean_answers_raise_no_flag() -> None:
    assert flags_of(answers(), seconds=[6.0]) == [[]]
    result = score_instrument(INSTRUMENT, ["r"], answers=np.array([answers()]))
    assert result.scores_of(0)["im"] == 30.0
    assert "attention" not in result.scores_of(0)  # infrequency scales are not reported


# ----------------------------------------------------------------------------- too fast


def test_too_fast_is_a_median_reading_speed_over_8_words_per_second() -> None:
    # The median item has two words ("Statement 1"): 0.25 s is exactly 8 words a second.
    rows = [answers()] * 5
    flags = flags_of(*rows, seconds=[0.2, 0.3, 0.25, 0.24, math.nan])
    assert flags == [["too_fast"], [], [], ["too_fast"], []]


def test_too_fast_is_only_checked_when_timing_is_known() -> None:
    assert flags_of(answers()) == [[]]


def test_the_median_reading_speed_ignores_a_few_long_pauses() -> None:
    words = np.array([10.0, 10.0, 20.0, 10.0, 15.0])
    seconds = np.array(
        [
            [1.0, 1.0, 2.0, 30.0, 1.0],  # 10 words/s on most items despite one long pause
            [3.0, 2.5, 4.0, 2.5, math.nan],
            [math.nan] * 5,
        ]
    )
    np.testing.assert_array_equal(reading_speed(seconds, words), [10.0, 4.0, math.nan])


# ----------------------------------------------------------------------------- straight lining


def test_a_run_of_10_identical_answers_is_straight_lining_and_9_is_not() -> None:
    ten = answers(**run(*[3] * 10, 4, 2))
    nine = answers(**run(*[3] * 9, 5, 4, 2))
    assert flags_of(ten, nine) == [["straight_lining"], []]


def test_a_run_counts_across_scales() -> None:
    # p5..p12, the attention item and im1: ten 2s in a row.
    row = answers(**run(*[2] * 8, start=5), att1=2, im1=2, im2=3)
    assert flags_of(row) == [["straight_lining"]]


def test_a_missing_answer_breaks_a_run() -> None:
    broken = answers(**run(*[3] * 5, None, *[3] * 5, 2))  # ten 3s, but not in a row
    whole = answers(**run(*[3] * 11, 2))
    assert flags_of(broken, whole) == [[], ["straight_lining"]]


def test_when_fewer_than_10_are_answered_all_of_them_identical_is_straight_lining() -> None:
    six = answers(**only(**run(*[3] * 6)))
    five = answers(**only(**run(*[3] * 5)))
    six_with_a_gap = answers(**only(**run(3, 3, 3, None, 3, 3, 3)))
    seven_one_different = answers(**only(**run(*[3] * 6, 4)))
    assert flags_of(six, five, six_with_a_gap, seven_one_different) == [
        ["straight_lining"],
        [],
        [],
        [],
    ]


# ----------------------------------------------------------------------------- attention


@pytest.mark.parametrize(
    ("answer", "flagged"), [(1, False), (2, False), (3, True), (6, True), (None, False)]
)
def test_an_attention_item_answered_outside_its_expected_answers_fails(
    answer: int | None, flagged: bool
) -> None:
    # One slip is tolerated: the flag needs the second attention item failed too.
    assert flags_of(answers(att1=answer)) == [[]]
    assert flags_of(answers(att1=answer, att2=5)) == [["failed_attention"] if flagged else []]


# ----------------------------------------------------------------------------- consistency


@pytest.mark.parametrize(
    ("changes", "flagged"),
    [
        ({"p1": 6, "p2": 1}, False),  # keyed 6 vs 6
        ({"p1": 5, "p2": 4}, False),  # keyed 5 vs 3: exactly the limit of 2
        ({"p1": 6, "p2": 6}, False),  # keyed 6 vs 1: one pair of three violated
        ({"p1": 6, "p2": 6, "p3": 6, "p4": 3}, True),  # two of three
        ({"p1": 6, "p2": 6, "p5": None}, True),  # one of the two answered pairs: half
        ({"p1": 6, "p2": 4, "p5": None}, True),  # keyed 6 vs 3 exceeds 2
        ({"p1": 6, "p2": None, "p3": None, "p5": 5, "p6": 5}, True),  # the only answered pair
        ({"p1": None, "p3": None, "p5": None}, False),  # no pair answered
    ],
)
def test_inconsistent_when_at_least_half_of_the_answered_pairs_differ_too_much(
    changes: dict[str, int | None], flagged: bool
) -> None:
    assert flags_of(answers(**changes)) == [["inconsistent"] if flagged else []]


# ----------------------------------------------------------------------------- impression


@pytest.mark.parametrize(
    ("im1", "im2", "score", "flagged"),
    [
        (5, 5, 80.0, True),  # exactly the cut
        (6, 6, 100.0, True),
        (6, 4, 80.0, True),
        (5, 4, 70.0, False),
        (6, 1, 50.0, False),
        (6, None, None, False),  # 1 of 2 answered: no score, so no flag
    ],
)
def test_impression_management_is_a_scale_score_of_80_or_more(
    im1: int, im2: int | None, score: float | None, flagged: bool
) -> None:
    row = answers(im1=im1, im2=im2)
    result = score_instrument(INSTRUMENT, ["r"], answers=np.array([row]))
    assert result.scores_of(0)["im"] == score
    assert result.flags == [["impression_management"] if flagged else []]


def test_impression_management_at_exactly_80_on_a_seven_point_scale_is_flagged() -> None:
    # Keyed mean 5.8 on 1..7: 100 * 4.8 / 6 = 80 exactly. The item scores (66.67 and four
    # 83.33) are not exact in binary, and their mean must still reach the cut.
    instrument = SelfReport.model_validate(
        questionnaire(
            response_scale={"min": 1, "max": 7},
            scales={"im": {"kind": "impression_management", "name": text("IM")}},
            items=[{"id": f"im{j}", "scale": "im", "text": text(f"Virtue {j}")} for j in range(5)],
            consistency_pairs=[],
        )
    )
    result = score_instrument(instrument, ["r"], answers=np.array([[5.0, 6.0, 6.0, 6.0, 6.0]]))
    assert result.scores_of(0)["im"] == pytest.approx(80.0, abs=1e-9)
    assert result.flags == [["impression_management"]]


# ----------------------------------------------------------------------------- several at once


def test_several_flags_at_once_and_the_rows_path_agrees() -> None:
    rows = [
        answers(),
        answers(**run(*[3] * 10, 4, 2), att1=3, att2=1),
        answers(p1=6, p2=6, p3=6, p4=3, im1=6, im2=6),
    ]
    seconds = [0.2, 5.0, 5.0]
    expected = [
        ["too_fast"],
        ["straight_lining", "failed_attention"],
        ["inconsistent", "impression_management"],
    ]
    assert flags_of(*rows, seconds=seconds) == expected
    parsed = [[None if math.isnan(v) else v for v in row] for row in rows]
    by_rows = score_instrument(
        INSTRUMENT, ["a", "b", "c"], rows=parsed, item_seconds=per_item(seconds, len(ITEM_IDS))
    )
    assert by_rows.flags == expected


# ----------------------------------------------------------------------------- scores unchanged


def test_flags_never_change_scores() -> None:
    rng = np.random.default_rng(2026)
    n = 60
    rows = rng.integers(1, 7, size=(n, len(ITEM_IDS))).astype(np.float64)
    rows[:10] = 3.0  # straight-liners
    rows[10:20, ITEM_IDS.index("att1")] = 5.0  # failed attention (both items)
    rows[10:20, ITEM_IDS.index("att2")] = 1.0
    missing = rng.random(rows.shape) < 0.05
    missing[0] = False  # the first straight-liner answers everything
    rows[missing] = np.nan
    ids = [f"r{i}" for i in range(n)]
    seconds = per_item(list(rng.uniform(0.05, 2.0, size=n)), len(ITEM_IDS))

    timed = score_instrument(INSTRUMENT, ids, answers=rows, item_seconds=seconds)
    untimed = score_instrument(INSTRUMENT, ids, answers=rows)
    # Without any validity machinery: no attention answers expected, no pairs.
    plain = SelfReport.model_validate(
        questionnaire(
            items=[
                {k: v for k, v in item.items() if k != "expected"}
                for item in questionnaire()["items"]
            ],
            consistency_pairs=[],
        )
    )
    unchecked = score_instrument(plain, ids, answers=rows)

    flagged = {code for row in timed.flags for code in row}
    assert {"too_fast", "straight_lining", "failed_attention"} <= flagged
    assert any(timed.flags) and not all(timed.flags)
    for other in (untimed, unchecked):
        np.testing.assert_array_equal(timed.item_scores, other.item_scores)
        np.testing.assert_array_equal(timed.scales.scores, other.scales.scores)
    # A flagged straight-liner keeps the score his answers give: p2, p6 and p9 are reversed.
    answered = [j for j in range(12) if not math.isnan(rows[0, j])]
    keyed = [7 - 3 if ITEM_IDS[j] in REVERSE else 3 for j in answered]
    assert "straight_lining" in timed.flags[0]
    expected = 100 * (sum(keyed) / len(keyed) - 1) / 5 if len(answered) >= 10 else None
    assert timed.scores_of(0)["persistence"] == pytest.approx(expected, abs=1e-9)


# ----------------------------------------------------------------------------- the registry


def test_every_flag_has_a_severity_and_a_sentence_in_both_languages() -> None:
    for code, flag in FLAGS.items():
        assert flag.code == code
        assert flag.severity in {"serious", "caution"}
        for sentence in (flag.ru, flag.en):
            assert sentence.strip() and sentence == sentence.strip()
            assert sentence[-1] in ".!"
        assert any("а" <= ch <= "я" for ch in flag.ru.lower())
        assert flag.en.isascii()
        assert flag.text("ru") == flag.ru and flag.text("en") == flag.en
    serious = {code for code, flag in FLAGS.items() if flag.severity == "serious"}
    assert serious == {"too_fast", "straight_lining", "failed_attention"}
