"""Local validation: do the competency scores predict KPI results in this organisation?

Once a role has at least `MIN_PEOPLE` people with both a completed assessment and KPI
outcomes (the criterion: KPI attainment over a window), three pieces of evidence:

1. **Criterion correlations.** Per competency, Pearson's r between the score and the
   criterion, with the 95% interval from Fisher's z transformation,
   tanh(atanh(r) ± 1.96 / sqrt(n - 3)) (Fisher 1921; Cohen et al. 2003, §2.8).
2. **A cross-validated model of top performers.** "Top" is the top third of the criterion
   (`top_group`). `TopPerformerModel` (median imputation, standardisation, L2 logistic
   regression in a scikit-learn Pipeline) is scored out of fold with stratified k-fold cross
   validation; its AUC (the probability that a top performer is ranked above another person,
   Hanley & McNeil 1982; `auc`) gets a 95% percentile bootstrap interval over people (Efron &
   Tibshirani 1993, ch. 13), resampling the out-of-fold predictions. Beside it, the AUC of the
   current profile's fit index, on the same resamples: the model in force, judged by the
   same yardstick.
3. **Re-weighted profile weights.** From the model's standardised coefficients (negative ones
   set to zero), scaled to the same total as the current weights, then shrunk towards the
   current weights by n / (n + `PRIOR_PEOPLE`): with few people the expert weights dominate.
   The proposal is also judged out of sample: in each fold, weights are learned on the other
   folds and the fit index with them is computed for the held-out people; the AUC of that
   index is reported beside the others, so a proposal is never judged on the data that made
   it. A person accepts or rejects it.

Pure: numpy and scikit-learn only. The fit index itself comes from the caller (`fit_index`),
so that this module follows whatever formula app/scoring/fit.py implements.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data

MIN_PEOPLE = 30
"""People with both an assessment and KPI outcomes before anything is shown."""
TOP_SHARE = 1 / 3
FOLDS = 5
BOOTSTRAP = 1000
PRIOR_PEOPLE = 100
"""The expert weights count as much as this many people's evidence."""
MIN_WEIGHT = 0.1
Z_95 = 1.959963984540054

FitIndex = Callable[[Mapping[str, float], np.ndarray], np.ndarray]
"""(profile weights, score rows) -> the fit index of each row (NaN when there is none)."""


class TopPerformerModel(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Top performer (1) or not (0) from competency scores (NaN for a missing score).

    A Pipeline of median imputation, standardisation and L2-penalised logistic regression,
    so that `coef_` are standardised coefficients: the change in log-odds per standard
    deviation of each competency.

    Parameters
    ----------
    C : float
        Inverse strength of the L2 penalty (scikit-learn's LogisticRegression).
    max_iter : int
        Iterations of the solver.
    """

    def __init__(self, C: float = 1.0, max_iter: int = 1000) -> None:
        self.C = C
        self.max_iter = max_iter

    def fit(self, X: Any, y: Any) -> TopPerformerModel:
        X, y = validate_data(self, X, y, ensure_all_finite="allow-nan", dtype=np.float64)
        self.classes_ = unique_labels(y)
        if len(self.classes_) > 2:
            raise ValueError(
                "Only binary classification is supported: top performers and the rest; "
                f"got {len(self.classes_)} classes"
            )
        if len(self.classes_) < 2:
            raise ValueError("top performers and the rest are needed; got only one class")
        self.pipeline_ = Pipeline(
            [
                ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                ("scale", StandardScaler()),
                ("model", LogisticRegression(C=self.C, max_iter=self.max_iter)),
            ]
        ).fit(X, y)
        model = self.pipeline_.named_steps["model"]
        self.coef_ = model.coef_[0].copy()
        self.n_iter_ = model.n_iter_.copy()
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64)
        result: np.ndarray = self.pipeline_.decision_function(X)
        return result

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64)
        result: np.ndarray = self.pipeline_.predict_proba(X)
        return result

    def predict(self, X: Any) -> np.ndarray:
        proba = self.predict_proba(X)
        result: np.ndarray = self.classes_[np.argmax(proba, axis=1)]
        return result

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        if tags.classifier_tags is not None:
            tags.classifier_tags.multi_class = False  # top versus the rest
        return tags


# ----------------------------------------------------------------------------- pieces


@dataclass(frozen=True)
class Correlation:
    competency: str
    n: int
    r: float | None
    low: float | None
    high: float | None


def pearson_with_interval(
    x: np.ndarray, y: np.ndarray
) -> tuple[float | None, float | None, float | None]:
    """Pearson's r with its 95% interval by Fisher's z; None where it cannot be computed."""
    n = len(x)
    if n < 4 or np.std(x) == 0 or np.std(y) == 0:
        return None, None, None
    r = float(np.corrcoef(x, y)[0, 1])
    r = max(-0.999999, min(0.999999, r))
    z, half = math.atanh(r), Z_95 / math.sqrt(n - 3)
    return r, math.tanh(z - half), math.tanh(z + half)


def criterion_correlations(
    scores: np.ndarray, outcome: np.ndarray, competencies: Sequence[str]
) -> list[Correlation]:
    """Per competency (over the people with that score), strongest correlation first."""
    out = []
    for j, competency in enumerate(competencies):
        known = np.isfinite(scores[:, j]) & np.isfinite(outcome)
        r, low, high = pearson_with_interval(scores[known, j], outcome[known])
        out.append(Correlation(competency, int(known.sum()), r, low, high))
    return sorted(out, key=lambda c: (c.r is None, -(c.r or 0.0)))


def top_group(outcome: np.ndarray, share: float = TOP_SHARE) -> np.ndarray:
    """True for the people above the (1 - share) quantile of the criterion."""
    if not 0 < share < 1:
        raise ValueError(f"share must lie between 0 and 1, got {share}")
    threshold = float(np.quantile(outcome, 1 - share))
    return outcome > threshold


def auc(y: np.ndarray, score: np.ndarray) -> float:
    """The area under the ROC curve: the Mann-Whitney U of the positives over n1·n0, with
    tied scores counted half (average ranks); the same as sklearn's roc_auc_score, faster."""
    positive = np.asarray(y).astype(bool)
    n1 = int(positive.sum())
    n0 = len(positive) - n1
    if n1 == 0 or n0 == 0:
        raise ValueError("the AUC needs both classes")
    _values, inverse, counts = np.unique(np.asarray(score), return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    ranks = ((ends - counts + 1 + ends) / 2.0)[inverse]
    return float((ranks[positive].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0))


@dataclass(frozen=True)
class Auc:
    estimate: float
    low: float
    high: float


def bootstrap_aucs(
    y: np.ndarray, predictors: Sequence[np.ndarray], *, resamples: int, seed: int
) -> list[Auc]:
    """The AUC of each predictor of `y`, with a 95% percentile interval from the same
    bootstrap resamples of people (resamples with a single class are drawn again)."""
    rng = np.random.default_rng(seed)
    n = len(y)
    draws: list[list[float]] = [[] for _ in predictors]
    attempts = 0
    while len(draws[0]) < resamples and attempts < resamples * 10:
        attempts += 1
        index = rng.integers(0, n, n)
        sample = y[index]
        if sample.all() or not sample.any():
            continue
        for i, predictor in enumerate(predictors):
            draws[i].append(auc(sample, predictor[index]))
    out = []
    for predictor, values in zip(predictors, draws, strict=True):
        low, high = np.percentile(values, [2.5, 97.5]) if values else (math.nan, math.nan)
        out.append(Auc(auc(y, predictor), float(low), float(high)))
    return out


def proposed_weights(
    coef: np.ndarray,
    competencies: Sequence[str],
    current: Mapping[str, float],
    n: int,
    *,
    prior_people: int = PRIOR_PEOPLE,
) -> dict[str, float] | None:
    """Weights from the standardised coefficients, shrunk towards `current` by
    n / (n + prior_people); None when no competency predicts positively."""
    positive = np.clip(np.asarray(coef, dtype=float), 0.0, None)
    if positive.sum() <= 0:
        return None
    ids = [c for c in competencies if c in current]
    total = sum(current[c] for c in ids)
    learned = {c: total * positive[list(competencies).index(c)] / positive.sum() for c in ids}
    share = n / (n + prior_people)
    return {
        c: max(MIN_WEIGHT, round(float((1 - share) * current[c] + share * learned[c]), 2))
        for c in ids
    }


# ----------------------------------------------------------------------------- the whole


@dataclass(frozen=True)
class Validation:
    n: int
    top: int  # people in the top group
    correlations: list[Correlation]
    model_auc: Auc  # the cross-validated model
    profile_auc: Auc  # the current profile's fit index
    proposed_auc: Auc | None  # the fit index with weights learned out of fold
    coefficients: dict[str, float]
    current_weights: dict[str, float]
    proposed_weights: dict[str, float] | None
    folds: int


def validate(
    scores: np.ndarray,
    outcome: np.ndarray,
    competencies: Sequence[str],
    weights: Mapping[str, float],
    fit_index: FitIndex,
    *,
    top_share: float = TOP_SHARE,
    folds: int = FOLDS,
    resamples: int = BOOTSTRAP,
    seed: int = 0,
    prior_people: int = PRIOR_PEOPLE,
) -> Validation:
    """The three pieces of evidence for one role (see the module's docstring).

    `scores` is people × competencies (NaN for a missing score), `outcome` the criterion per
    person. ValueError when there are fewer than MIN_PEOPLE people or too few in a group to
    cross-validate.
    """
    scores = np.asarray(scores, dtype=float)
    outcome = np.asarray(outcome, dtype=float)
    n = len(outcome)
    if scores.shape != (n, len(competencies)):
        raise ValueError(f"scores must be {n} × {len(competencies)}, got {scores.shape}")
    if n < MIN_PEOPLE:
        raise ValueError(f"local validation needs at least {MIN_PEOPLE} people, got {n}")
    if not np.isfinite(outcome).all():
        raise ValueError("every person needs a finite criterion value")
    y = top_group(outcome, top_share).astype(int)
    k = min(folds, int(y.sum()), int(n - y.sum()))
    if k < 2:
        raise ValueError("too few people in the top group or the rest to cross-validate")
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    predicted = cross_val_predict(
        TopPerformerModel(), scores, y, cv=splitter, method="predict_proba"
    )[:, 1]
    current = {c: float(weights[c]) for c in competencies if c in weights}
    fit_now = np.nan_to_num(fit_index(current, scores), nan=-1.0)
    out_of_fold = np.full(n, np.nan)
    for train, test in splitter.split(scores, y):
        learned = TopPerformerModel().fit(scores[train], y[train])
        fold_weights = proposed_weights(
            learned.coef_, competencies, current, len(train), prior_people=prior_people
        )
        out_of_fold[test] = fit_index(fold_weights or current, scores[test])
    model_auc, profile_auc, proposed_auc = bootstrap_aucs(
        y,
        [predicted, fit_now, np.nan_to_num(out_of_fold, nan=-1.0)],
        resamples=resamples,
        seed=seed,
    )
    final = TopPerformerModel().fit(scores, y)
    proposal = proposed_weights(final.coef_, competencies, current, n, prior_people=prior_people)
    return Validation(
        n=n,
        top=int(y.sum()),
        correlations=criterion_correlations(scores, outcome, competencies),
        model_auc=model_auc,
        profile_auc=profile_auc,
        proposed_auc=proposed_auc if proposal is not None else None,
        coefficients={c: float(v) for c, v in zip(competencies, final.coef_, strict=True)},
        current_weights=current,
        proposed_weights=proposal,
        folds=k,
    )
