"""Thurstonian IRT scoring of forced-choice blocks (Brown & Maydeu-Olivares, 2011).

Each statement i of a block measures one trait a(i). Its utility for a person with traits
eta is

    t_i = mu_i + lambda_i * eta_a(i) + e_i,    e_i ~ N(0, psi_i^2)

(`mean`, `key * loading` and `uniqueness` in the instrument file). Picking the statement
most like oneself and the one least like oneself ranks the three statements of a block
completely, i.e. gives the three binary comparisons {i > k}: y_ik = 1 when t_i > t_k, with

    P(y_ik = 1 | eta) = Phi((mu_i - mu_k + lambda_i eta_a(i) - lambda_k eta_a(k))
                            / sqrt(psi_i^2 + psi_k^2)).

The traits are estimated by their posterior mode (MAP) under a standard normal prior with
independent traits, by Newton's method (the log-likelihood of a probit is concave, so the
mode is unique); the standard error of each trait is the square root of the diagonal of the
inverse negative Hessian at the mode (the Laplace approximation of the posterior). As in
most operational scoring, the comparisons within a block are treated as independent given
the traits. A block answered only in part (a "most" without a "least") is missing: it enters
no comparison, and nothing is guessed.

Traits (mean 0, SD 1 in the population the parameters describe) go to the engine's 0-100
metric as 50 + SD * eta with SE = SD * posterior SD, SD being the instrument's
`prior_reliability.sd`; so the score is comparable with the Likert self-report's and
combines with the other methods by precision weighting (combine.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.scoring.definitions import FcBlock, FcCheck, ForcedChoice

Vector = NDArray[np.float64]

_erfc = np.frompyfunc(math.erfc, 1, 1)
_SQRT2 = math.sqrt(2.0)


def norm_cdf(z: Vector) -> Vector:
    return np.asarray(0.5 * _erfc(-np.asarray(z, dtype=np.float64) / _SQRT2), dtype=np.float64)


def norm_pdf(z: Vector) -> Vector:
    return np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def mills(z: Vector) -> Vector:
    """phi(z) / Phi(z), stable for very negative z (asymptotically -z)."""
    z = np.asarray(z, dtype=np.float64)
    out = np.empty_like(z)
    small = z < -30.0
    out[small] = -z[small] + 1.0 / -z[small]
    big = ~small
    out[big] = norm_pdf(z[big]) / np.maximum(norm_cdf(z[big]), 1e-300)
    return out


def log_cdf(z: Vector) -> Vector:
    z = np.asarray(z, dtype=np.float64)
    out = np.empty_like(z)
    small = z < -30.0
    out[small] = -0.5 * z[small] ** 2 - np.log(-z[small]) - 0.5 * math.log(2 * math.pi)
    out[~small] = np.log(np.maximum(norm_cdf(z[~small]), 1e-300))
    return out


Pick = tuple[str, str]
"""(most like me, least like me) statement ids of one block."""


def parse_pick(value: Any) -> dict[str, str]:
    """A stored or submitted answer as {"most": id} or {"most": id, "least": id} (either key
    may be the one given). Accepts a mapping or 'most/least' text."""
    if isinstance(value, Mapping):
        out = {k: str(value[k]) for k in ("most", "least") if value.get(k) not in (None, "")}
        unknown = set(value) - {"most", "least"}
        if unknown:
            raise ValueError(f"unknown key {sorted(unknown)[0]!r}; use 'most' and 'least'")
        return out
    parts = [p.strip() for p in str(value).split("/")]
    if len(parts) != 2:
        raise ValueError("give 'most/least' statement ids")
    return {k: v for k, v in zip(("most", "least"), parts, strict=True) if v}


def ranking(block: FcBlock, pick: Mapping[str, str] | None) -> list[int] | None:
    """Positions of the block's statements from most to least like the person, or None when
    the block is not fully answered (partial blocks are missing, never guessed)."""
    if not pick or "most" not in pick or "least" not in pick:
        return None
    ids = [s.id for s in block.statements]
    most, least = ids.index(pick["most"]), ids.index(pick["least"])
    middle = next(k for k in range(3) if k not in (most, least))
    return [most, middle, least]


@dataclass(frozen=True)
class Design:
    """The comparisons of an instrument as arrays: comparison c is between statements
    first[c] and second[c] of block block[c]; statement s measures trait trait[s]."""

    traits: list[str]
    trait: NDArray[np.int64]  # per statement
    loading: Vector  # signed, per statement
    mean: Vector
    uniqueness: Vector
    first: NDArray[np.int64]  # statement index
    second: NDArray[np.int64]
    block: NDArray[np.int64]

    @classmethod
    def of(cls, instrument: ForcedChoice) -> Design:
        blocks = instrument.blocks
        traits = list(dict.fromkeys(s.competency for b in blocks for s in b.statements))
        statements = [s for b in blocks for s in b.statements]
        first, second, block = [], [], []
        for b in range(len(blocks)):
            base = 3 * b
            for i, k in ((0, 1), (0, 2), (1, 2)):
                first.append(base + i)
                second.append(base + k)
                block.append(b)
        return cls(
            traits,
            np.array([traits.index(s.competency) for s in statements], dtype=np.int64),
            np.array([s.signed_loading for s in statements], dtype=np.float64),
            np.array([s.mean for s in statements], dtype=np.float64),
            np.array([s.uniqueness for s in statements], dtype=np.float64),
            np.array(first, dtype=np.int64),
            np.array(second, dtype=np.int64),
            np.array(block, dtype=np.int64),
        )

    def outcomes(self, rankings: Sequence[list[int] | None]) -> Vector:
        """Per comparison: 1 if the first statement was ranked above the second, 0 if below,
        NaN for a missing block."""
        y = np.full(len(self.first), np.nan)
        for c, (i, k, b) in enumerate(zip(self.first, self.second, self.block, strict=True)):
            order = rankings[b]
            if order is None:
                continue
            y[c] = (
                1.0 if order.index(int(i) - 3 * int(b)) < order.index(int(k) - 3 * int(b)) else 0.0
            )
        return y


@dataclass(frozen=True)
class TraitEstimate:
    traits: list[str]
    eta: Vector  # posterior mode
    se: Vector  # posterior SD (Laplace)
    answered: int  # complete blocks


def estimate(design: Design, y: Vector, *, iterations: int = 50) -> TraitEstimate:
    """MAP traits and their posterior SDs from comparison outcomes y (NaN = missing)."""
    d = len(design.traits)
    used = ~np.isnan(y)
    first, second = design.first[used], design.second[used]
    sign = np.where(y[used] > 0.5, 1.0, -1.0)
    scale = np.sqrt(design.uniqueness[first] + design.uniqueness[second])
    # dz/deta as a (c, d) matrix: lambda_i / s on trait a(i), -lambda_k / s on trait a(k)
    grad_z = np.zeros((len(first), d))
    rows = np.arange(len(first))
    np.add.at(grad_z, (rows, design.trait[first]), design.loading[first] / scale)
    np.add.at(grad_z, (rows, design.trait[second]), -design.loading[second] / scale)
    grad_z *= sign[:, np.newaxis]
    offset = sign * (design.mean[first] - design.mean[second]) / scale
    eta = np.zeros(d)
    hessian = -np.eye(d)
    for _ in range(iterations):
        z = offset + grad_z @ eta
        r = mills(z)
        gradient = grad_z.T @ r - eta
        curvature = r * (z + r)
        hessian = -(grad_z.T * curvature) @ grad_z - np.eye(d)
        step = np.linalg.solve(hessian, -gradient)
        eta = eta + step
        if float(np.max(np.abs(step))) < 1e-8:
            break
    z = offset + grad_z @ eta
    r = mills(z)
    hessian = -(grad_z.T * (r * (z + r))) @ grad_z - np.eye(d)
    covariance = np.linalg.inv(-hessian)
    return TraitEstimate(
        design.traits, eta, np.sqrt(np.diag(covariance)), len(set(design.block[used]))
    )


MIN_BLOCKS_SHARE = 0.8
"""As for Likert scales: traits are scored only when at least this share of the blocks is
fully answered; otherwise every trait of the instrument is missing."""


def score_rows(
    instrument: ForcedChoice, rows: Sequence[Sequence[Any]]
) -> tuple[list[str], Vector, Vector, NDArray[np.int64]]:
    """(trait ids, scores (n, d) on 0-100, standard errors (n, d), complete blocks per row)
    from parsed answers in block order (None = not answered). NaN where too few blocks."""
    design = Design.of(instrument)
    sd = instrument.prior_reliability.sd if instrument.prior_reliability else 16.0
    n, d = len(rows), len(design.traits)
    scores, errors = np.full((n, d), np.nan), np.full((n, d), np.nan)
    complete = np.zeros(n, dtype=np.int64)
    needed = math.ceil(MIN_BLOCKS_SHARE * len(instrument.blocks) - 1e-9)
    scored = [k for k, item in enumerate(instrument.items) if isinstance(item, FcBlock)]
    for p, full_row in enumerate(rows):
        if len(full_row) != len(instrument.items):
            raise ValueError(f"expected {len(instrument.items)} answers, got {len(full_row)}")
        row = [full_row[k] for k in scored]
        orders = [ranking(block, pick) for block, pick in zip(instrument.blocks, row, strict=True)]
        complete[p] = sum(order is not None for order in orders)
        if complete[p] < needed:
            continue
        result = estimate(design, design.outcomes(orders))
        scores[p] = np.clip(50.0 + sd * result.eta, 0.0, 100.0)
        errors[p] = sd * result.se
    return design.traits, scores, errors, complete


FAKING_TRANSPARENCY = 0.3
"""In the response model, how much more desirable a positive statement looks than a
negative one of the same declared mean to someone who wants to look good (utility SDs);
the blocks are matched on the declared means, so this residual is what faking can use."""


def desirability(design: Design) -> Vector:
    """The desirability a faker sees in each statement: its declared mean, plus
    FAKING_TRANSPARENCY for positive and minus it for negative statements."""
    return design.mean + FAKING_TRANSPARENCY * np.sign(design.loading)


def attention_failures(instrument: ForcedChoice, rows: Sequence[Sequence[Any]]) -> Vector:
    """Per row, the attention checks not answered as instructed (an unanswered or partial
    check is not counted: it is missing, not failed)."""
    checks = [(k, item) for k, item in enumerate(instrument.items) if isinstance(item, FcCheck)]
    out = np.zeros(len(rows))
    for p, row in enumerate(rows):
        for k, check in checks:
            pick = row[k]
            if not pick or "most" not in pick or "least" not in pick:
                continue
            out[p] += pick["most"] != check.expected.most or pick["least"] != check.expected.least
    return out


def respond(
    instrument: ForcedChoice,
    traits: Mapping[str, float],
    noise: Sequence[float],
    *,
    faking: float = 0.0,
) -> list[dict[str, str]]:
    """The picks of a person with these traits (SD units, missing = 0) under the model's
    utilities t = mean + loading * trait + sqrt(uniqueness) * noise, plus `faking` times
    each statement's desirability (a faker's shift towards what sounds good), for every item
    in file order; attention checks are answered as instructed. `noise` gives one standard
    normal draw per statement of the scored blocks in file order."""
    design = Design.of(instrument)
    eta = np.array([float(traits.get(t, 0.0)) for t in design.traits])
    utility = (
        design.mean
        + design.loading * eta[design.trait]
        + np.sqrt(design.uniqueness) * np.asarray(noise, dtype=np.float64)
        + faking * desirability(design)
    )
    answers = []
    b = 0
    for item in instrument.items:
        if isinstance(item, FcCheck):
            answers.append({"most": item.expected.most, "least": item.expected.least})
            continue
        order = np.argsort(-utility[3 * b : 3 * b + 3], kind="stable")
        answers.append(
            {"most": item.statements[order[0]].id, "least": item.statements[order[2]].id}
        )
        b += 1
    return answers
