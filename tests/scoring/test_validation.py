"""Local validation on generated organisations whose true relation is known."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pingouin
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from app.scoring.validation import (
    MIN_PEOPLE,
    TopPerformerModel,
    auc,
    criterion_correlations,
    pearson_with_interval,
    proposed_weights,
    top_group,
    validate,
)

COMPETENCIES = ["c1", "c2", "c3", "c4", "c5", "c6", "c7"]
TRUE_WEIGHTS = np.array([0.2, 0.2, 0.6, 0.4, 0.2, 0.3, 1.0])  # c7 matters most, c3 next
NOISE = 1.2


def generate(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Competency z-scores, the criterion (the true linear relation plus noise) and the
    true linear score."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, len(COMPETENCIES)))
    true_score = z @ TRUE_WEIGHTS
    return z, true_score + rng.normal(scale=NOISE, size=n), true_score


def linear_fit_index(weights: Mapping[str, float], scores: np.ndarray) -> np.ndarray:
    """A fit index that is the weighted sum of the scores (the test's stand-in for fit.py)."""
    return scores @ np.array([weights[c] for c in COMPETENCIES])


@pytest.fixture(scope="module")
def true_auc() -> float:
    """The population AUC of the true relation for the top third, by Monte Carlo."""
    _z, criterion, true_score = generate(400_000, seed=2024)
    return auc(top_group(criterion), true_score)


@parametrize_with_checks([TopPerformerModel()])
def test_the_estimator_follows_scikit_learns_conventions(estimator, check) -> None:  # type: ignore[no-untyped-def]
    check(estimator)


def test_auc_equals_scikit_learns_with_ties() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    score = rng.integers(0, 10, 300).astype(float)  # many ties
    assert auc(y, score) == pytest.approx(roc_auc_score(y, score), abs=1e-12)
    with pytest.raises(ValueError):
        auc(np.zeros(5), np.arange(5.0))


def test_the_correlation_interval_matches_pingouin() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=28)
    y = 0.6 * x + rng.normal(size=28)
    r, low, high = pearson_with_interval(x, y)
    assert r == pytest.approx(np.corrcoef(x, y)[0, 1])
    reference = pingouin.compute_esci(stat=r, nx=28, ny=28, eftype="r", confidence=0.95)
    assert (low, high) == pytest.approx(tuple(reference), abs=0.006)  # pingouin rounds to 2
    assert pearson_with_interval(np.ones(10), np.arange(10.0)) == (None, None, None)


def test_the_strongest_competency_is_ranked_first_and_the_interval_holds_the_truth(
    true_auc: float,
) -> None:
    z, criterion, _ = generate(300, seed=7)
    scores = 55 + 12 * z
    result = validate(
        scores,
        criterion,
        COMPETENCIES,
        dict.fromkeys(COMPETENCIES, 1.0),
        lambda w, s: linear_fit_index(w, (s - 55) / 12),
        seed=7,
    )
    assert result.n == 300 and result.top == 100
    assert [c.competency for c in result.correlations[:2]] == ["c7", "c3"]
    strongest = result.correlations[0]
    assert strongest.low is not None and strongest.high is not None
    assert strongest.low < strongest.r < strongest.high  # type: ignore[operator]
    assert max(result.coefficients, key=result.coefficients.__getitem__) == "c7"
    assert result.model_auc.low <= true_auc <= result.model_auc.high
    # equal weights are not the truth: the learned model does better than the profile
    assert result.model_auc.estimate > result.profile_auc.estimate


def test_the_interval_holds_the_truth_in_most_generated_organisations(true_auc: float) -> None:
    """Coverage of the nominal 95% interval over 20 organisations of 300 people. Holding the
    fitted model fixed makes it narrow with few people (benchmarks/validation_study.py: 78% at
    30 people, 98% at 300), so the bar is 75%."""
    held = 0
    for seed in range(20):
        z, criterion, _ = generate(300, seed=100 + seed)
        result = validate(
            z,
            criterion,
            COMPETENCIES,
            dict.fromkeys(COMPETENCIES, 1.0),
            linear_fit_index,
            seed=seed,
            resamples=400,
        )
        held += result.model_auc.low <= true_auc <= result.model_auc.high
    assert held >= 15


def _distance(weights: Mapping[str, float]) -> float:
    vector = np.array([weights[c] for c in COMPETENCIES])
    return float(np.abs(vector / vector.sum() - TRUE_WEIGHTS / TRUE_WEIGHTS.sum()).sum())


def test_reweighting_moves_towards_the_true_weights() -> None:
    current = dict.fromkeys(COMPETENCIES, 1.0)
    z, criterion, _ = generate(300, seed=11)
    result = validate(z, criterion, COMPETENCIES, current, linear_fit_index, seed=11)
    proposal = result.proposed_weights
    assert proposal is not None
    assert _distance(proposal) < _distance(current)
    assert max(proposal, key=proposal.__getitem__) == "c7"
    assert sum(proposal.values()) == pytest.approx(sum(current.values()), abs=0.05)
    # the proposal, judged out of fold, beats the equal weights it replaces
    assert result.proposed_auc is not None
    assert result.proposed_auc.estimate > result.profile_auc.estimate


def test_few_people_move_the_weights_less() -> None:
    current = dict.fromkeys(COMPETENCIES, 1.0)
    coef = TRUE_WEIGHTS
    few = proposed_weights(coef, COMPETENCIES, current, 30)
    many = proposed_weights(coef, COMPETENCIES, current, 3000)
    assert few is not None and many is not None
    assert _distance(current) > _distance(few) > _distance(many)
    assert proposed_weights(-coef, COMPETENCIES, current, 300) is None  # nothing predicts


def test_below_the_minimum_nothing_is_computed() -> None:
    z, criterion, _ = generate(MIN_PEOPLE - 1, seed=1)
    with pytest.raises(ValueError, match="at least 30"):
        validate(z, criterion, COMPETENCIES, dict.fromkeys(COMPETENCIES, 1.0), linear_fit_index)


def test_missing_scores_are_imputed_and_counted() -> None:
    z, criterion, _ = generate(120, seed=5)
    z[::10, 0] = np.nan
    result = validate(
        z, criterion, COMPETENCIES, dict.fromkeys(COMPETENCIES, 1.0), linear_fit_index
    )
    by_id = {c.competency: c for c in result.correlations}
    assert by_id["c1"].n == 108 and by_id["c7"].n == 120
    assert np.isfinite(result.model_auc.estimate)


def test_the_top_group_is_the_top_third() -> None:
    assert top_group(np.arange(30.0)).sum() == 10
    assert criterion_correlations(np.ones((5, 1)), np.arange(5.0), ["c1"])[0].r is None
