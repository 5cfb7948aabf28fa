"""Calibration of a forced-choice questionnaire's Thurstonian IRT parameters from responses.

Model (as in tirt.py): the utility of statement i for a person with traits eta is

    t_i = mu_i + lambda_i * eta_a(i) + e_i,    e_i ~ N(0, psi_i),    eta ~ N(0, I),

and a complete answer to a block (most and least like me) is the rank order of its three
utilities. `calibrate` estimates mu (`mean`), lambda (`key * loading`) and psi
(`uniqueness`) per statement by marginal maximum likelihood of the full rankings, with the
stochastic EM algorithm and data augmentation (Celeux & Diebolt, 1985; Nielsen, 2000; the
augmentation of Albert & Chib, 1993, applied to rankings as in Yao & Böckenholt, 1999):

1. given the parameters, draw each person's utilities from their normal distribution
   truncated to the observed order (one Gibbs sweep over the three ranks of every block),
   then the person's traits from their normal posterior given the utilities;
2. given the completed data, the maximum-likelihood parameters are an ordinary regression of
   each statement's utilities on its trait (intercept mu, slope lambda, residual variance psi);
3. re-impose the identification constraints (below), and repeat. After a burn-in the
   estimate is the average of the iterates, with its Monte-Carlo error from batch means.

The likelihood is that of the whole ranking, so the dependence of the three comparisons of a
block (they share utilities) is modelled exactly, not assumed away.

Identification. Rankings do not change when all three utilities of a block are shifted by a
constant or multiplied by a positive constant, so each block needs one location and one scale
constraint (Brown & Maydeu-Olivares, 2011, fix one mean and one uniqueness per block):

- location: the three means of a block keep the sum of their design means (the block's
  average desirability stays what the authors set; the differences are estimated);
- scale: the block's utilities are standardised on average, sum over the block of
  (lambda_i^2 + psi_i) = 3, i.e. the three utilities have mean variance 1 as in the design
  (uniqueness 1 - loading^2). Uniquenesses are estimated one by one, which the within-block
  dependence of the comparisons identifies; scoring is unchanged by both conventions.

The trait variances are 1 (the prior), the traits are independent, as tirt.estimate assumes.
A trait's sign is fixed by starting from the design values; a loading whose estimate has the
sign opposite to the statement's `key` is flagged `contradicts_key` and its size set to
LOADING_FLOOR, never silently negated. Estimates outside the ranges the definition allows
are clipped and flagged.

Recovery study (`benchmarks/calibrate_recovery.py --n 100 200 250 300 500 1000 --reps 6
--seed 1`, 131 s on 2 cores): respondents simulated with tirt.respond from known parameters
(loadings U(0.5, 0.95), uniqueness 1 - loading^2, means = design + U(-0.3, 0.3) keeping each
block's sum); absolute errors over the 72 statements x 6 replications, median / 90th
percentile; r = mean over traits of corr(MAP trait, true trait) in 1000 fresh respondents
scored with the calibrated parameters (design parameters: 0.880, true parameters: 0.891):

    N      loading         mean            uniqueness      r      converged
    100    0.104 / 0.242   0.054 / 0.145   0.139 / 0.336   0.883  0 of 6
    200    0.065 / 0.168   0.049 / 0.111   0.104 / 0.287   0.887  6 of 6
    250    0.058 / 0.150   0.041 / 0.094   0.091 / 0.236   0.888  6 of 6
    300    0.054 / 0.136   0.034 / 0.088   0.090 / 0.216   0.889  6 of 6
    500    0.041 / 0.092   0.026 / 0.060   0.073 / 0.173   0.890  6 of 6
    1000   0.029 / 0.070   0.024 / 0.053   0.049 / 0.123   0.891  6 of 6

MIN_RESPONDENTS = 300: the criterion is that the median absolute error of loadings and of
means is below 0.10 AND their 90th percentile below 0.15 (most statements within 0.15 of the
truth, less than the 0.1-0.2 by which design values are typically off). 300 is the
smallest N studied that meets it clearly; 250 is on the limit (loading p90 0.150) and 200
misses it (0.168). The median alone would allow 200 (100 misses: 0.104). Trait recovery
does not discriminate: with these parameters even N = 100 scores traits as well as the
design values (r 0.883 vs 0.880), and the best possible gain is small (0.891).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.scoring.definitions import FcBlock, ForcedChoice
from app.scoring.tirt import MIN_BLOCKS_SHARE, ranking

Vector = NDArray[np.float64]

MIN_RESPONDENTS = 300
"""Complete questionnaires needed before a calibration is accepted (module docstring)."""

METHOD = "thurstonian-irt stochastic-em v1"
"""Stored in the calibrated definition's `calibration.method`."""

LOADING_FLOOR = 0.05
UNIQUENESS_FLOOR = 0.1
"""Uniquenesses are kept at or above this during the estimation (the M-step's maximum
under that bound): a uniqueness near 0 (a Heywood case) makes the utilities almost
determine the traits, and the sampler then mixes very slowly. It is the uniqueness of a
standardised statement with loading 0.95, the largest the recovery study draws."""
WEAK_LOADING = 0.2
"""A loading size below this is flagged `weak_loading`: the statement hardly measures its
trait in this organisation's data."""

_MAX = {"loading": 3.0, "mean": 3.0, "uniqueness": 4.0}  # the ranges definitions.py allows


# ------------------------------------------------------------------ vectorised normal helpers
# tirt.norm_cdf calls math.erfc per element; the sampler needs hundreds of thousands of
# evaluations per iteration, so these are numpy rational approximations instead.


_ERFCC = (0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806,
          0.09678418, 0.37409196, 1.00002368, -1.26551223)  # fmt: skip


def _norm_cdf(z: Vector) -> Vector:
    """Phi(z) from the Chebyshev fit of erfc (Numerical Recipes `erfcc`), relative error
    below 1.2e-7 everywhere, so tails keep their relative precision."""
    x = np.abs(z) / math.sqrt(2.0)
    t = 1.0 / (1.0 + 0.5 * x)
    poly = np.zeros_like(t)
    for coefficient in _ERFCC:  # Horner, highest power first
        poly = poly * t + coefficient
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        tail = 0.5 * t * np.exp(-x * x + poly)  # Phi(-|z|)
    tail = np.where(np.isinf(z), 0.0, tail)
    return np.asarray(np.where(z < 0, tail, 1.0 - tail), dtype=np.float64)


_A = (-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.3577518672690,
      -30.66479806614716, 2.506628277459239)  # fmt: skip
_B = (-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972,
      -13.28068155288572)  # fmt: skip
_C = (-7.784894002430293e-03, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
      4.374664141464968, 2.938163982698783)  # fmt: skip
_D = (7.784695709041462e-03, 0.3224671290700398, 2.445134137142996, 3.754408661907416)


def _norm_ppf(p: Vector) -> Vector:
    """Phi^-1(p) by Acklam's rational approximation (relative error below 1.2e-9)."""
    p = np.clip(p, 1e-300, 1.0 - 1e-16)
    out = np.empty_like(p)
    low, high = p < 0.02425, p > 1.0 - 0.02425
    mid = ~(low | high)
    q = p[mid] - 0.5
    r = q * q
    num = ((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5]
    den = ((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1.0
    out[mid] = num * q / den
    for mask, sign, tail in ((low, 1.0, p[low]), (high, -1.0, 1.0 - p[high])):
        q = np.sqrt(-2.0 * np.log(tail))
        num = ((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]
        den = (((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1.0
        out[mask] = sign * num / den
    return out


def _truncated_normal(
    rng: np.random.Generator, mean: Vector, sd: Vector, lower: Vector, upper: Vector
) -> Vector:
    """One draw of N(mean, sd^2) truncated to (lower, upper) per element, by inversion on the
    side of the interval nearer the centre (an interval above the mean is mirrored), so that
    far tails keep their precision."""
    a, b = (lower - mean) / sd, (upper - mean) / sd
    mirror = a > 0
    a, b = np.where(mirror, -b, a), np.where(mirror, -a, b)
    pa, pb = _norm_cdf(a), _norm_cdf(b)
    z = _norm_ppf(pa + rng.random(mean.shape) * (pb - pa))
    z = np.clip(z, a, b)
    return np.asarray(mean + sd * np.where(mirror, -z, z), dtype=np.float64)


# ---------------------------------------------------------------------------- the result


@dataclass(frozen=True)
class StatementEstimate:
    """One statement's calibrated parameters. `loading` is the size (the sign stays `key`);
    `signed_estimate` is the loading as estimated, before any clipping, so a human sees how
    far a flagged statement is off. `mc_error_*` are Monte-Carlo errors of the averages (the
    sampling error is much larger: see the recovery study); `respondents` answered its block."""

    id: str
    trait: str
    key: int
    loading: float
    mean: float
    uniqueness: float
    signed_estimate: float
    mc_error_loading: float
    mc_error_mean: float
    respondents: int
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Calibration:
    """Parameters estimated from an organisation's responses, with what a human needs to
    judge them.

    `n` respondents were used (`excluded` had too few complete blocks). The fit figures are
    root mean square residuals between the data and a parameter set: `rmsr_margins` over the
    share of people who put the first statement of each comparison above the second,
    `rmsr_correlations` over the correlations between pairs of comparisons (model values
    simulated); `*_design` are the same for the design parameters, and `rmsr_noise`
    (1 / sqrt(n)) is about what sampling noise alone gives a correlation residual.
    `converged`: see CONVERGENCE_Z; `drift` is the largest difference between the halves of
    the averaging phase, in Monte-Carlo standard errors."""

    n: int
    excluded: int
    statements: dict[str, StatementEstimate]
    iterations: int
    converged: bool
    drift: float
    rmsr_margins: float
    rmsr_margins_design: float
    rmsr_correlations: float
    rmsr_correlations_design: float
    rmsr_noise: float
    method: str = METHOD
    warnings: tuple[str, ...] = field(default=())

    @property
    def flagged(self) -> dict[str, tuple[str, ...]]:
        """Statement id -> flags, for the statements that have any."""
        return {sid: s.flags for sid, s in self.statements.items() if s.flags}


BURN_IN = 150
AVERAGING_WORK = 200_000
BATCHES = 10
"""Stochastic EM iterations: BURN_IN discarded, then AVERAGING_WORK / n (200 to 1000, a
multiple of BATCHES) averaged in BATCHES batches (batch means give the Monte-Carlo error of
the averages). The iterates scatter about as 1 / sqrt(n), so fewer respondents need more
iterations for the same Monte-Carlo error."""

CONVERGENCE_Z = 5.0
MC_TOLERANCE = 0.02
"""`converged` needs, for every loading and mean, the averages of the two halves of the
averaging phase to differ by at most CONVERGENCE_Z of their Monte-Carlo standard error (a
Geweke-type stationarity check; 5 keeps the chance of a false alarm over 144 parameters
small), and the Monte-Carlo error of the final averages to be at most MC_TOLERANCE (well
under the sampling error at MIN_RESPONDENTS)."""


# ---------------------------------------------------------------------------- data


@dataclass(frozen=True)
class _Data:
    order: NDArray[np.int64]  # (n, blocks, 3): statement position in the block, by rank
    observed: NDArray[np.bool_]  # (n, blocks)
    excluded: int


def _prepare(instrument: ForcedChoice, rows: Sequence[Sequence[Any]]) -> _Data:
    blocks = instrument.blocks
    scored = [k for k, item in enumerate(instrument.items) if isinstance(item, FcBlock)]
    needed = math.ceil(MIN_BLOCKS_SHARE * len(blocks) - 1e-9)
    orders, observed, excluded = [], [], 0
    for p, row in enumerate(rows):
        if len(row) != len(instrument.items):
            raise ValueError(f"row {p}: expected {len(instrument.items)} answers, got {len(row)}")
        person_order, person_seen = [], []
        for k, block in zip(scored, blocks, strict=True):
            pick = row[k]
            valid = bool(pick) and pick.get("most") != pick.get("least")
            try:
                order = ranking(block, pick) if valid else None
            except ValueError as error:
                raise ValueError(
                    f"row {p}, block {block.id}: unknown statement ({error})"
                ) from None
            person_seen.append(order is not None)
            person_order.append(order if order is not None else [0, 1, 2])
        if sum(person_seen) < needed:
            excluded += 1
            continue
        orders.append(person_order)
        observed.append(person_seen)
    return _Data(
        np.array(orders, dtype=np.int64).reshape(-1, len(blocks), 3),
        np.array(observed, dtype=bool).reshape(-1, len(blocks)),
        excluded,
    )


# ---------------------------------------------------------------------------- the estimator


@dataclass
class _Params:
    mean: Vector  # (blocks, 3)
    loading: Vector  # signed
    uniqueness: Vector


def _design_params(instrument: ForcedChoice) -> _Params:
    blocks = instrument.blocks
    return _Params(
        np.array([[s.mean for s in b.statements] for b in blocks], dtype=np.float64),
        np.array([[s.signed_loading for s in b.statements] for b in blocks], dtype=np.float64),
        np.array([[s.uniqueness for s in b.statements] for b in blocks], dtype=np.float64),
    )


def _normalise(params: _Params, mean_sum: Vector) -> tuple[Vector, Vector]:
    """Per block (shift a, scale c) with t' = (t - a) / c that re-imposes the constraints:
    sum of means = mean_sum, sum of (loading^2 + uniqueness) = 3. Applies it to `params`."""
    c = np.sqrt(np.sum(params.loading**2 + params.uniqueness, axis=1) / 3.0)
    a = (np.sum(params.mean, axis=1) - c * mean_sum) / 3.0
    params.mean = (params.mean - a[:, None]) / c[:, None]
    params.loading = params.loading / c[:, None]
    params.uniqueness = params.uniqueness / (c * c)[:, None]
    return a, c


def _draw_traits(
    rng: np.random.Generator,
    utility: Vector,
    params: _Params,
    seen: Vector,
    onehot: Vector,
) -> Vector:
    """Traits (n, d) from their normal posterior given the utilities (n, 72) of the observed
    blocks: precision 1 + sum lambda^2 / psi, mean sum lambda (t - mu) / psi over precision."""
    lam = params.loading.reshape(-1)
    psi = params.uniqueness.reshape(-1)
    precision = 1.0 + (seen * (lam * lam / psi)) @ onehot
    centre = ((seen * (utility - params.mean.reshape(-1))) * (lam / psi)) @ onehot / precision
    return np.asarray(centre + rng.standard_normal(centre.shape) / np.sqrt(precision))


def _draw_utilities(
    rng: np.random.Generator,
    utility: Vector,
    eta: Vector,
    params: _Params,
    order: NDArray[np.int64],
    trait: NDArray[np.int64],
) -> None:
    """One Gibbs sweep: each rank's utility given the neighbouring ranks, in place."""
    n, blocks, _ = order.shape
    centre = params.mean[None] + params.loading[None] * eta[:, trait]  # (n, blocks, 3)
    sd = np.broadcast_to(np.sqrt(params.uniqueness)[None], centre.shape)
    u = utility.reshape(n, blocks, 3)
    by_rank = np.take_along_axis(u, order, axis=2)
    m = np.take_along_axis(centre, order, axis=2)
    s = np.take_along_axis(sd, order, axis=2)
    inf = np.full((n, blocks), np.inf)
    for r in range(3):
        lower = by_rank[:, :, r + 1] if r < 2 else -inf
        upper = by_rank[:, :, r - 1] if r > 0 else inf
        by_rank[:, :, r] = _truncated_normal(rng, m[:, :, r], s[:, :, r], lower, upper)
    np.put_along_axis(u, order, by_rank, axis=2)


def _regress(
    utility: Vector,
    eta: Vector,
    seen: Vector,
    trait_flat: NDArray[np.int64],
    shape: tuple[int, int],
) -> _Params:
    """Per statement, least squares of its utility on its trait over the observed people
    (the complete-data maximum likelihood)."""
    x = eta[:, trait_flat]
    count = seen.sum(axis=0)
    sx, sy = (seen * x).sum(axis=0), (seen * utility).sum(axis=0)
    sxx, sxy = (seen * x * x).sum(axis=0), (seen * x * utility).sum(axis=0)
    syy = (seen * utility * utility).sum(axis=0)
    cxx, cxy, cyy = sxx - sx * sx / count, sxy - sx * sy / count, syy - sy * sy / count
    slope = cxy / cxx
    mean = (sy - slope * sx) / count
    residual = np.maximum((cyy - slope * cxy) / count, UNIQUENESS_FLOOR)
    return _Params(mean.reshape(shape), slope.reshape(shape), residual.reshape(shape))


def _simulate_comparisons(
    rng: np.random.Generator, params: _Params, trait: NDArray[np.int64], d: int, people: int
) -> Vector:
    """Outcomes (people, 3 * blocks) of the comparisons (0,1), (0,2), (1,2) of every block
    for people drawn from the model."""
    eta = rng.standard_normal((people, d))
    t = (
        params.mean[None]
        + params.loading[None] * eta[:, trait]
        + np.sqrt(params.uniqueness)[None] * rng.standard_normal((people, *trait.shape))
    )
    return np.concatenate(
        [(t[:, :, i] > t[:, :, k]).astype(np.float64) for i, k in ((0, 1), (0, 2), (1, 2))],
        axis=1,
    )


def _observed_comparisons(data: _Data) -> Vector:
    rank = np.argsort(data.order, axis=2)  # rank of each statement position
    y = np.concatenate(
        [(rank[:, :, i] < rank[:, :, k]).astype(np.float64) for i, k in ((0, 1), (0, 2), (1, 2))],
        axis=1,
    )
    seen = np.concatenate([data.observed] * 3, axis=1)
    return np.where(seen, y, np.nan)


def _correlations(y: Vector) -> Vector:
    """Pairwise-complete correlations of the columns of y (NaN = missing)."""
    w = (~np.isnan(y)).astype(np.float64)
    z = np.nan_to_num(y)
    n = w.T @ w
    sx = z.T @ w  # sum of column j over rows where k is seen
    sxx = (z * z).T @ w
    sxy = z.T @ z
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy / n - (sx / n) * (sx.T / n)
        var_j = sxx / n - (sx / n) ** 2
        r = cov / np.sqrt(var_j * var_j.T)
    return np.asarray(r)


def _fit(
    y_obs: Vector,
    r_obs: Vector,
    params: _Params,
    trait: NDArray[np.int64],
    d: int,
    rng: np.random.Generator,
) -> tuple[float, float]:
    """(RMSR of the comparison proportions, RMSR of the correlations between comparisons)."""
    blocks = params.mean.shape[0]
    pairs = ((0, 1), (0, 2), (1, 2))
    expected = np.concatenate(
        [
            _norm_cdf(
                (params.mean[:, i] - params.mean[:, k])
                / np.sqrt(
                    params.loading[:, i] ** 2
                    + params.loading[:, k] ** 2
                    + params.uniqueness[:, i]
                    + params.uniqueness[:, k]
                )
            )
            for i, k in pairs
        ]
    )
    margins = float(np.sqrt(np.nanmean((np.nanmean(y_obs, axis=0) - expected) ** 2)))
    r_model = _correlations(_simulate_comparisons(rng, params, trait, d, 20000))
    upper = np.triu_indices(3 * blocks, 1)
    resid = (r_obs - r_model)[upper]
    return margins, float(np.sqrt(np.nanmean(resid**2)))


def calibrate(
    instrument: ForcedChoice, rows: Sequence[Sequence[Any]], *, seed: int = 0
) -> Calibration:
    """Estimate every scored statement's loading, mean and uniqueness from parsed answers
    (per respondent, one {"most": id, "least": id} or None per item of the instrument, in
    file order, as tirt.score_rows takes them) by stochastic EM (module docstring).

    Respondents with fewer than MIN_BLOCKS_SHARE of the blocks complete are left out; a
    partial block of a kept respondent is missing (it enters nothing). Attention checks are
    ignored. Raises ValueError when fewer than MIN_RESPONDENTS respondents are usable.
    """
    data = _prepare(instrument, rows)
    n = data.order.shape[0]
    if n < MIN_RESPONDENTS:
        raise ValueError(
            f"{n} usable questionnaires (at least {MIN_BLOCKS_SHARE:.0%} of the blocks "
            f"complete; {data.excluded} others left out), {MIN_RESPONDENTS} needed"
        )
    rng = np.random.default_rng(seed)
    blocks = instrument.blocks
    shape = (len(blocks), 3)
    traits = list(dict.fromkeys(s.competency for b in blocks for s in b.statements))
    trait = np.array([[traits.index(s.competency) for s in b.statements] for b in blocks])
    trait_flat = trait.reshape(-1)
    onehot = np.eye(len(traits))[trait_flat]  # (72, d)
    seen = np.repeat(data.observed, 3, axis=1).astype(np.float64)  # (n, 72)

    design = _design_params(instrument)
    mean_sum = design.mean.sum(axis=1)
    params = _Params(design.mean.copy(), design.loading.copy(), design.uniqueness.copy())
    _normalise(params, mean_sum)

    # start: utilities in the observed order, then sweeps with the design parameters fixed
    utility = np.take_along_axis(
        np.broadcast_to(np.array([1.0, 0.0, -1.0]), data.order.shape),
        np.argsort(data.order, axis=2),
        axis=2,
    ).reshape(n, -1)
    eta = np.zeros((n, len(traits)))
    for _ in range(20):
        _draw_utilities(rng, utility, eta, params, data.order, trait)
        eta = _draw_traits(rng, utility, params, seen, onehot)

    averaged = BATCHES * min(max(math.ceil(AVERAGING_WORK / n / BATCHES), 20), 100)
    history: list[Vector] = []
    for step in range(BURN_IN + averaged):
        _draw_utilities(rng, utility, eta, params, data.order, trait)
        eta = _draw_traits(rng, utility, params, seen, onehot)
        params = _regress(utility, eta, seen, trait_flat, shape)
        a, c = _normalise(params, mean_sum)
        utility = ((utility.reshape(n, *shape) - a[None, :, None]) / c[None, :, None]).reshape(
            n, -1
        )
        if step >= BURN_IN:
            history.append(np.stack([params.loading, params.mean, params.uniqueness]))

    chain = np.array(history)  # (iterations, 3, blocks, 3)
    average = chain.mean(axis=0)
    batches = chain.reshape(BATCHES, -1, *chain.shape[1:]).mean(axis=1)
    mc_error = batches.std(axis=0, ddof=1) / math.sqrt(BATCHES)
    # Geweke-type check: the halves' averages differ by 2 * mc_error in SD when stationary
    half = BATCHES // 2
    difference = np.abs(batches[:half, :2].mean(axis=0) - batches[half:, :2].mean(axis=0))
    drift = float(np.max(difference / (2.0 * mc_error[:2])))
    converged = drift <= CONVERGENCE_Z and float(np.max(mc_error[:2])) <= MC_TOLERANCE
    final = _Params(average[1], average[0], average[2])

    y_obs = _observed_comparisons(data)
    r_obs = _correlations(y_obs)
    fit_rng = np.random.default_rng(seed + 1)
    margins, correlations = _fit(y_obs, r_obs, final, trait, len(traits), fit_rng)
    margins_design, correlations_design = _fit(
        y_obs, r_obs, _normalised_copy(design, mean_sum), trait, len(traits), fit_rng
    )

    statements: dict[str, StatementEstimate] = {}
    for b, block in enumerate(blocks):
        for j, s in enumerate(block.statements):
            signed = float(final.loading[b, j])
            size = signed * s.key
            flags: list[str] = []
            if size <= 0:
                flags.append("contradicts_key")
            elif size < WEAK_LOADING:
                flags.append("weak_loading")
            loading = _clip(max(size, LOADING_FLOOR), LOADING_FLOOR, "loading", flags)
            mean = _clip(float(final.mean[b, j]), -_MAX["mean"], "mean", flags)
            uniqueness = _clip(float(final.uniqueness[b, j]), UNIQUENESS_FLOOR, "uniqueness", flags)
            if uniqueness <= 1.1 * UNIQUENESS_FLOOR:
                flags.append("uniqueness_at_floor")
            statements[s.id] = StatementEstimate(
                id=s.id,
                trait=s.competency,
                key=s.key,
                loading=loading,
                mean=mean,
                uniqueness=uniqueness,
                signed_estimate=signed,
                mc_error_loading=float(mc_error[0, b, j]),
                mc_error_mean=float(mc_error[1, b, j]),
                respondents=int(data.observed[:, b].sum()),
                flags=tuple(flags),
            )
    warnings = []
    if not converged:
        warnings.append(
            f"not converged: the halves of the averaging phase differ by up to {drift:.1f} "
            f"Monte-Carlo SE (limit {CONVERGENCE_Z}), largest Monte-Carlo error "
            f"{float(np.max(mc_error[:2])):.3f} (limit {MC_TOLERANCE})"
        )
    for sid, estimate in statements.items():
        if "contradicts_key" in estimate.flags:
            warnings.append(
                f"{sid}: the data give loading {estimate.signed_estimate:+.2f}, against its "
                f"key {estimate.key:+d}; check the wording (its loading is set to "
                f"{LOADING_FLOOR})"
            )
    return Calibration(
        n=n,
        excluded=data.excluded,
        statements=statements,
        iterations=BURN_IN + averaged,
        converged=converged,
        drift=drift,
        rmsr_margins=margins,
        rmsr_margins_design=margins_design,
        rmsr_correlations=correlations,
        rmsr_correlations_design=correlations_design,
        rmsr_noise=1.0 / math.sqrt(n),
        warnings=tuple(warnings),
    )


def _normalised_copy(params: _Params, mean_sum: Vector) -> _Params:
    out = _Params(params.mean.copy(), params.loading.copy(), params.uniqueness.copy())
    _normalise(out, mean_sum)
    return out


def _clip(value: float, low: float, name: str, flags: list[str]) -> float:
    high = _MAX[name]
    if value < low or value > high:
        flags.append(f"{name}_clipped")
        return float(min(max(value, low), high))
    return value


# ---------------------------------------------------------------------------- the new file


def calibrated_definition(
    source: Mapping[str, Any], calibration: Calibration, *, organisation: str, date: str
) -> dict[str, Any]:
    """The instrument file's mapping (yaml.safe_load of it) with every scored statement's
    loading, mean and uniqueness replaced by the calibrated ones (3 decimals),
    `parameters: calibrated`, `calibration: {organisation, n, date, method}` and version
    "<version>-cal.<n>". Texts, checks, ids and order are unchanged. Raises ValueError when
    the calibration is not of this instrument's statements or the version gets too long."""
    out: dict[str, Any] = _deep_copy(source)
    seen: set[str] = set()
    for item in out.get("items", []):
        if "expected" in item:  # an attention check
            continue
        for statement in item["statements"]:
            estimate = calibration.statements.get(statement["id"])
            if estimate is None:
                raise ValueError(f"the calibration has no statement '{statement['id']}'")
            statement["loading"] = round(estimate.loading, 3)
            statement["mean"] = round(estimate.mean, 3)
            statement["uniqueness"] = round(estimate.uniqueness, 3)
            seen.add(statement["id"])
    extra = sorted(set(calibration.statements) - seen)
    if extra:
        raise ValueError(f"the calibration has statements the file lacks: {', '.join(extra)}")
    base = str(out["version"]).split("-cal.")[0]
    version = f"{base}-cal.{calibration.n}"
    if len(version) > 32:
        raise ValueError(f"version '{version}' is longer than 32 characters")
    out["version"] = version
    out["parameters"] = "calibrated"
    out["calibration"] = {
        "organisation": organisation,
        "n": calibration.n,
        "date": date,
        "method": calibration.method,
    }
    return out


def _deep_copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value
