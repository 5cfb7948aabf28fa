"""Reliability and norms, pinned to independent implementations (pingouin, pandas, a plain
loop) and to small hand-worked examples."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd
import pingouin
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.scoring.reliability import (
    BAND_Z,
    ReferenceGroup,
    corrected_item_total,
    cronbach_alpha,
    pairwise_covariance,
    percentile_rank,
    scale_reliability,
    score_band,
    standard_error,
)

TOL = 1e-9


def correlated_items(
    seed: int,
    n: int,
    k: int,
    *,
    likert: bool = True,
    missing: float = 0.0,
    reverse: tuple[int, ...] = (),
) -> np.ndarray:
    """Answers driven by one latent trait plus noise: integers 1..5, or continuous.

    Items in `reverse` are generated reverse-keyed (they fall as the trait rises). A share
    `missing` of cells is blanked at random.
    """
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 1))
    loadings = rng.uniform(0.5, 1.5, size=k)
    signs = np.array([-1.0 if j in reverse else 1.0 for j in range(k)])
    raw = latent * loadings * signs + rng.normal(scale=0.8, size=(n, k))
    data = np.clip(np.round(3 + raw), 1, 5) if likert else 10 + 3 * raw
    if missing:
        data[rng.random(size=data.shape) < missing] = np.nan
    return data


CASES = [
    pytest.param(seed, n, k, likert, missing, id=f"seed{seed}-{n}x{k}-{kind}-{missing:.0%}")
    for seed, n, k in [(1, 40, 4), (2, 200, 8), (3, 15, 3), (4, 500, 12), (5, 60, 2)]
    for likert, kind in [(True, "likert"), (False, "continuous")]
    for missing in (0.0, 0.1)
]


# ----------------------------------------------------------------------------- alpha and covariance


@pytest.mark.parametrize(("seed", "n", "k", "likert", "missing"), CASES)
def test_alpha_equals_pingouin(seed: int, n: int, k: int, likert: bool, missing: float) -> None:
    data = correlated_items(seed, n, k, likert=likert, missing=missing)
    assert np.isnan(data).any() == (missing > 0)
    expected = pingouin.cronbach_alpha(pd.DataFrame(data))[0]  # nan_policy="pairwise"
    ours = cronbach_alpha(data)
    assert 0 < ours < 1
    assert ours == pytest.approx(expected, abs=TOL)


def test_alpha_with_missing_data_uses_pairwise_not_listwise_deletion() -> None:
    data = correlated_items(7, 80, 5, missing=0.15)
    frame = pd.DataFrame(data)
    pairwise = pingouin.cronbach_alpha(frame, nan_policy="pairwise")[0]
    listwise = pingouin.cronbach_alpha(frame, nan_policy="listwise")[0]
    assert abs(pairwise - listwise) > 1e-3  # the data tell the two policies apart
    assert cronbach_alpha(data) == pytest.approx(pairwise, abs=TOL)


def test_alpha_of_a_hand_example() -> None:
    # Two items, variances 1 and 1, covariance 1 (identical items): alpha = 2 * (1 - 2/4) = 1.
    data = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    assert cronbach_alpha(data) == pytest.approx(1.0, abs=TOL)
    # Independent items (zero covariance) give alpha 0.
    data = np.array([[1.0, 1.0], [1.0, 3.0], [3.0, 1.0], [3.0, 3.0]])
    assert cronbach_alpha(data) == pytest.approx(0.0, abs=TOL)


def test_alpha_is_nan_when_it_cannot_be_computed() -> None:
    assert math.isnan(cronbach_alpha(np.ones((10, 1))))  # one item
    assert math.isnan(cronbach_alpha(np.full((10, 3), 4.0)))  # no variance at all


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_pairwise_covariance_equals_pandas(seed: int) -> None:
    data = correlated_items(seed, 50, 6, likert=seed % 2 == 0, missing=0.1)
    assert np.isnan(data).any()
    expected = pd.DataFrame(data).cov().to_numpy()
    np.testing.assert_allclose(pairwise_covariance(data), expected, rtol=0, atol=TOL)


def test_pairwise_covariance_is_nan_for_a_pair_answered_together_only_once() -> None:
    nan = np.nan
    data = np.array([[1.0, nan], [2.0, nan], [3.0, 5.0], [nan, 6.0], [nan, 2.0]])
    covariance = pairwise_covariance(data)
    expected = pd.DataFrame(data).cov().to_numpy()
    assert math.isnan(covariance[0, 1]) and math.isnan(covariance[1, 0])
    np.testing.assert_allclose(covariance, expected, rtol=0, atol=TOL)


@settings(max_examples=100, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    a=st.floats(0.05, 200.0),
    b=st.floats(-1000.0, 1000.0),
    missing=st.sampled_from([0.0, 0.1]),
)
@example(seed=0, a=25.0, b=-25.0, missing=0.0)  # 1..5 -> 0..100
@example(seed=0, a=1.5, b=-0.5, missing=0.1)  # 1..5 -> 1..7
def test_alpha_is_unchanged_by_a_linear_change_of_the_answer_range(
    seed: int, a: float, b: float, missing: float
) -> None:
    data = correlated_items(seed, 60, 5, missing=missing)
    before = cronbach_alpha(data)
    assert np.isfinite(before)
    assert cronbach_alpha(a * data + b) == pytest.approx(before, abs=TOL)


# ----------------------------------------------------------------------------- item-total


def reference_item_total(data: np.ndarray) -> list[float]:
    """Corrected item-total correlations written out the long way, for comparison."""
    frame = pd.DataFrame(data)
    out = []
    for item in frame.columns:
        rest = frame.drop(columns=item).mean(axis=1)  # mean of the other answered items
        usable = frame[item].notna() & rest.notna()
        if usable.sum() < 3:
            out.append(math.nan)
            continue
        out.append(float(frame.loc[usable, item].corr(rest[usable])))
    return out


@pytest.mark.parametrize(("seed", "n", "k", "likert", "missing"), CASES)
def test_corrected_item_total_equals_a_plain_loop(
    seed: int, n: int, k: int, likert: bool, missing: float
) -> None:
    data = correlated_items(seed, n, k, likert=likert, missing=missing)
    np.testing.assert_allclose(
        corrected_item_total(data), reference_item_total(data), rtol=0, atol=TOL
    )


@pytest.mark.parametrize("seed", [21, 22])
def test_corrected_item_total_on_complete_data_is_the_classic_definition(seed: int) -> None:
    data = correlated_items(seed, 120, 6)
    classic = [
        np.corrcoef(data[:, j], np.delete(data, j, axis=1).sum(axis=1))[0, 1]
        for j in range(data.shape[1])
    ]
    np.testing.assert_allclose(corrected_item_total(data), classic, rtol=0, atol=TOL)


def test_corrected_item_total_needs_three_respondents() -> None:
    nan = np.nan
    # Item 0 is answered together with another item by only two respondents.
    data = np.array(
        [[1.0, 2.0, 3.0], [2.0, 3.0, 3.0], [nan, 4.0, 5.0], [3.0, nan, nan], [nan, 1.0, 2.0]]
    )
    r = corrected_item_total(data)
    assert math.isnan(r[0])
    assert np.isfinite(r[1]) and np.isfinite(r[2])
    np.testing.assert_allclose(r, reference_item_total(data), rtol=0, atol=TOL)


# ----------------------------------------------------------------------------- scale reliability


def test_a_reverse_item_scored_without_reversal_is_named_possibly_miskeyed() -> None:
    ids = [f"i{j}" for j in range(6)]
    data = correlated_items(31, 300, 6, reverse=(2,), missing=0.05)
    wrongly_keyed = scale_reliability(ids, data, np.nanmean(data, axis=1))
    assert wrongly_keyed.possibly_miskeyed == ["i2"]
    assert wrongly_keyed.item_total["i2"] < 0
    assert all(wrongly_keyed.item_total[i] > 0 for i in ids if i != "i2")

    keyed = data.copy()
    keyed[:, 2] = 6 - keyed[:, 2]  # the reverse key applied on 1..5
    rightly_keyed = scale_reliability(ids, keyed, np.nanmean(keyed, axis=1))
    assert rightly_keyed.possibly_miskeyed == []
    assert rightly_keyed.alpha > wrongly_keyed.alpha


def test_scale_reliability_describes_the_scores_that_exist() -> None:
    nan = np.nan
    data = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, nan], [nan, nan], [5.0, 4.0], [4.0, 5.0]])
    scores = np.array([10.0, 20.0, nan, nan, 60.0, nan])
    result = scale_reliability(["a", "b"], data, scores)
    assert result.items == 2
    assert result.n == 4  # respondents with at least two answered items
    assert result.scored == 3
    assert 0 < result.alpha < 1
    assert result.mean == pytest.approx(30.0)
    assert result.sd == pytest.approx(float(np.std([10.0, 20.0, 60.0], ddof=1)))
    assert result.alpha == pytest.approx(cronbach_alpha(data), abs=TOL)
    assert result.sem == pytest.approx(result.sd * math.sqrt(1 - result.alpha))


# ----------------------------------------------------------------------------- SEM, bands, norms


@pytest.mark.parametrize(
    ("sd", "alpha", "expected"),
    [(10.0, 0.84, 4.0), (15.0, 0.75, 7.5), (12.0, 1.0, 0.0), (20.0, 0.0, 20.0)],
)
def test_standard_error_is_sd_times_root_of_one_minus_alpha(
    sd: float, alpha: float, expected: float
) -> None:
    assert standard_error(sd, alpha) == pytest.approx(expected, abs=TOL)


def test_standard_error_is_nan_without_an_alpha() -> None:
    assert math.isnan(standard_error(10.0, math.nan))
    assert math.isnan(standard_error(math.nan, 0.8))


def test_score_band_is_plus_minus_1_645_sem_clipped_to_the_scale() -> None:
    assert abs(BAND_Z - NormalDist().inv_cdf(0.95)) < 1e-12  # two-sided 90%
    low, high = score_band(50.0, 4.0)
    assert low == pytest.approx(50.0 - 1.6449 * 4.0, abs=1e-3)
    assert high == pytest.approx(50.0 + 1.6449 * 4.0, abs=1e-3)
    assert high - 50.0 == pytest.approx(50.0 - low, abs=TOL)
    assert score_band(5.0, 10.0) == (0.0, pytest.approx(5.0 + BAND_Z * 10.0))
    assert score_band(97.0, 10.0) == (pytest.approx(97.0 - BAND_Z * 10.0), 100.0)
    assert score_band(50.0, 100.0) == (0.0, 100.0)


def test_percentile_rank_uses_mid_ranks() -> None:
    reference = np.array([10.0, 20.0, 20.0, 30.0, np.nan])  # NaN is ignored: N = 4
    scores = np.array([20.0, 10.0, 25.0, 5.0, 30.0, 35.0, np.nan])
    expected = [50.0, 12.5, 75.0, 0.0, 87.5, 100.0, np.nan]
    np.testing.assert_allclose(percentile_rank(scores, reference), expected, rtol=0, atol=TOL)


def test_a_reference_group_gives_percentiles_and_bands_only_from_30_people() -> None:
    rng = np.random.default_rng(41)
    scores = rng.uniform(20, 80, size=30)

    small = ReferenceGroup("Pilot", scores[:29], alpha=0.8)
    assert small.size == 29 and not small.large_enough
    assert small.percentile(50.0) is None
    assert small.band(50.0) is None
    # A missing score does not count as a person.
    with_gap = ReferenceGroup("Pilot", np.append(scores[:29], np.nan), alpha=0.8)
    assert with_gap.size == 29 and with_gap.percentile(50.0) is None

    group = ReferenceGroup("Inbound desk 2026", scores, alpha=0.8)
    assert group.size == 30 and group.large_enough
    percentile = group.percentile(50.0)
    assert percentile == pytest.approx(100.0 * (scores < 50.0).sum() / 30)
    sem = float(np.std(scores, ddof=1)) * math.sqrt(1 - 0.8)
    band = group.band(50.0)
    assert band is not None
    assert band[0] == pytest.approx(50.0 - BAND_Z * sem, abs=TOL)
    assert band[1] == pytest.approx(50.0 + BAND_Z * sem, abs=TOL)
    assert group.percentile(math.nan) is None
    assert ReferenceGroup("No alpha yet", scores).band(50.0) is None
