"""Adverse impact: selection and scoring rates against hand-computed values."""

from __future__ import annotations

import pytest

from app.scoring.fairness import audit_json, scoring_rates, selection_rates


def test_selection_rates_and_the_four_fifths_flag_by_hand() -> None:
    # women: 10, 6 selected (0.6); men: 20, 9 selected (0.45); other: 3 (suppressed)
    groups = ["f"] * 10 + ["m"] * 20 + ["x"] * 3 + [None] * 4
    selected = [True] * 6 + [False] * 4 + [True] * 9 + [False] * 11 + [True] * 3 + [True] * 4
    rows = {r.group: r for r in selection_rates(groups, selected)}
    assert list(rows) == ["f", "m", "x"]
    f, m, x = rows["f"], rows["m"], rows["x"]
    assert (f.n, f.selected, f.selection_rate, f.impact_ratio, f.flag) == (10, 6, 0.6, 1.0, False)
    assert (m.n, m.selected, m.selection_rate) == (20, 9, 0.45)
    assert m.impact_ratio == 0.75 and m.flag is True  # 0.45 / 0.6 < 0.8, exactly
    # a suppressed group shows its size and nothing else, and is no reference
    assert (x.n, x.selected, x.selection_rate, x.impact_ratio, x.flag) == (
        3,
        None,
        None,
        None,
        None,
    )
    assert x.suppressed


def test_exactly_four_fifths_is_not_flagged() -> None:
    rows = selection_rates(["a"] * 5 + ["b"] * 5, [True] * 5 + [True] * 4 + [False])
    assert [(r.impact_ratio, r.flag) for r in rows] == [(1.0, False), (0.8, False)]


def test_no_one_selected_gives_no_ratio() -> None:
    rows = selection_rates(["a"] * 5 + ["b"] * 6, [False] * 11)
    assert [(r.selection_rate, r.impact_ratio, r.flag) for r in rows] == [
        (0.0, None, None),
        (0.0, None, None),
    ]


def test_scoring_rates_use_the_median_of_everyone_by_hand() -> None:
    # scores 1..12, median 6.5: above it are 7..12
    groups = ["a", "b", "a", "b", "a", "b", "a", "b", "a", "a", "b", None]
    scores = [float(s) for s in range(1, 13)]
    rows = {r.group: r for r in scoring_rates(groups, scores)}
    a, b = rows["a"], rows["b"]
    # a: 1,3,5,7,9,10 -> above: 7,9,10 = 3 of 6; b: 2,4,6,8,11 -> above: 8,11 = 2 of 5
    assert (a.n, a.above_median, a.scoring_rate, a.impact_ratio) == (6, 3, 0.5, 1.0)
    assert (b.n, b.above_median, b.scoring_rate) == (5, 2, 0.4)
    assert b.impact_ratio == 0.8  # 0.4 / 0.5, exactly: not flagged as 0.7999...


def test_the_median_itself_is_not_above_it() -> None:
    rows = scoring_rates(["a"] * 5 + ["b"] * 5, [5.0] * 10)
    assert [(r.above_median, r.scoring_rate, r.impact_ratio) for r in rows] == [
        (0, 0.0, None),
        (0, 0.0, None),
    ]


def test_the_json_has_exactly_the_agreed_keys() -> None:
    selection = selection_rates(["a"] * 5, [True] * 5)
    scoring = scoring_rates(["a"] * 5, [1.0, 2, 3, 4, 5])
    out = audit_json(selection, scoring)
    assert set(out) == {"groups", "scoring_rate"}
    assert set(out["groups"][0]) == {
        "group",
        "n",
        "selected",
        "selection_rate",
        "impact_ratio",
        "flag",
    }
    assert set(out["scoring_rate"][0]) == {
        "group",
        "n",
        "above_median",
        "scoring_rate",
        "impact_ratio",
    }
    assert set(audit_json(selection)) == {"groups"}


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError):
        selection_rates(["a"], [True, False])
    with pytest.raises(ValueError):
        scoring_rates(["a"], [])


def test_ratios_are_exact_where_floats_would_flag_wrongly() -> None:
    # 0.6 / 0.75 is 0.7999999999999999 in floating point, but exactly four fifths
    assert 0.6 / 0.75 < 0.8
    rows = selection_rates(
        ["a"] * 10 + ["b"] * 20, [True] * 6 + [False] * 4 + [True] * 15 + [False] * 5
    )
    assert [(r.group, r.impact_ratio, r.flag) for r in rows] == [
        ("a", 0.8, False),
        ("b", 1.0, False),
    ]
