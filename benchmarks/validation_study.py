"""How well the local validation recovers a known relation, and how long it takes.

Run from the project root:

    .venv/bin/python benchmarks/validation_study.py [--runs 40] [--sizes 30,60,100,300]

For each organisation size n, `--runs` organisations are generated with a known relation:
seven competency z-scores, a criterion = z @ w + noise (w puts most weight on c7, then c3;
noise sd 1.2, so the true linear score correlates about 0.74 with the criterion). The true AUC
for the top third (the population AUC of the true linear score, by Monte Carlo on 400,000
people) is compared with the interval `app.scoring.validation.validate` reports. Printed per
n: how often the 95% interval of the model's AUC held the true value (its coverage), the mean
interval width, the mean bias of the estimate, how often the strongest competency (c7) was
ranked first, how often the proposed weights were closer to the true ones than the equal
weights they started from, and the mean time of one `validate` call (1,000 bootstrap
resamples). Nothing is asserted: this reports; tests/scoring/test_validation.py checks.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.scoring.validation import auc, top_group, validate

COMPETENCIES = ["c1", "c2", "c3", "c4", "c5", "c6", "c7"]
TRUE = np.array([0.2, 0.2, 0.6, 0.4, 0.2, 0.3, 1.0])
NOISE = 1.2


def generate(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    z = rng.normal(size=(n, len(COMPETENCIES)))
    score = z @ TRUE
    return z, score + rng.normal(scale=NOISE, size=n), score


def fit_index(weights: dict[str, float], rows: np.ndarray) -> np.ndarray:
    return rows @ np.array([weights[c] for c in COMPETENCIES])


def distance(weights: dict[str, float]) -> float:
    vector = np.array([weights[c] for c in COMPETENCIES])
    return float(np.abs(vector / vector.sum() - TRUE / TRUE.sum()).sum())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--sizes", default="30,60,100,300")
    args = parser.parse_args()
    _z, criterion, score = generate(400_000, np.random.default_rng(2024))
    truth = auc(top_group(criterion), score)
    print(f"true AUC of the true linear score for the top third: {truth:.3f}")
    print(
        f"{'n':>5} {'coverage':>9} {'width':>7} {'bias':>7} {'c7 first':>9} {'closer':>7} {'s/call':>7}"
    )
    equal = dict.fromkeys(COMPETENCIES, 1.0)
    for n in (int(s) for s in args.sizes.split(",")):
        held, widths, biases, first, closer, seconds = 0, [], [], 0, 0, []
        for run in range(args.runs):
            z, outcome, _ = generate(n, np.random.default_rng(1000 * n + run))
            started = time.perf_counter()
            result = validate(z, outcome, COMPETENCIES, equal, fit_index, seed=run)
            seconds.append(time.perf_counter() - started)
            held += result.model_auc.low <= truth <= result.model_auc.high
            widths.append(result.model_auc.high - result.model_auc.low)
            biases.append(result.model_auc.estimate - truth)
            first += result.correlations[0].competency == "c7"
            proposal = result.proposed_weights
            closer += proposal is not None and distance(proposal) < distance(equal)
        runs = args.runs
        print(
            f"{n:>5} {held / runs:>9.0%} {statistics.fmean(widths):>7.3f} "
            f"{statistics.fmean(biases):>+7.3f} {first / runs:>9.0%} {closer / runs:>7.0%} "
            f"{statistics.fmean(seconds):>7.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
