"""Recovery study of the forced-choice calibration (app/scoring/calibrate.py).

Run from the project root:

    .venv/bin/python benchmarks/calibrate_recovery.py --n 100 200 300 500 1000 --reps 4

Per replication, "true" parameters that differ from the shipped design values are drawn:
loading sizes U(0.5, 0.95), uniqueness 1 - loading^2 (standardised utilities, so they obey
the calibration's scale convention), means = design mean + U(-0.3, 0.3) re-centred so each
block keeps its design sum (the calibration's location convention). For each N, N
respondents with standard normal traits answer by tirt.respond under the true parameters,
the questionnaire is calibrated, and the study prints over all statements and replications

- the median and 90th percentile of the absolute error of loadings, means and uniquenesses;
- how well traits are recovered in 1000 fresh respondents of the same replication when
  scored (tirt.estimate) with the calibrated, the design and the true parameters: the mean
  over traits of the correlation of the MAP trait with the true one (per replication, the
  share of replications where calibrated >= design is printed too);
- the seconds `calibrate` took.

Calibrations below calibrate.MIN_RESPONDENTS are run with the limit lowered for the study.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import yaml

from app.paths import ASSESSMENTS_DIR
from app.scoring import calibrate as cal
from app.scoring.definitions import FcBlock, ForcedChoice
from app.scoring.tirt import Design, estimate, ranking, respond

SOURCE = ASSESSMENTS_DIR / "sales_forced_choice.yaml"
HOLDOUT = 1000


def true_source(source: Mapping[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """The file's mapping with parameters drawn as the module docstring says."""
    out: dict[str, Any] = cal._deep_copy(source)
    for item in out["items"]:
        if "expected" in item:
            continue
        shift = rng.uniform(-0.3, 0.3, size=3)
        shift -= shift.mean()
        for statement, delta in zip(item["statements"], shift, strict=True):
            loading = float(rng.uniform(0.5, 0.95))
            statement["loading"] = loading
            statement["uniqueness"] = 1.0 - loading**2
            statement["mean"] = float(statement["mean"]) + float(delta)
    return out


def simulate(
    instrument: ForcedChoice, people: int, rng: np.random.Generator
) -> tuple[list[list[dict[str, str]]], np.ndarray]:
    """Answers (per person, per item) and true traits (people, traits) under `instrument`."""
    traits = Design.of(instrument).traits
    eta = rng.standard_normal((people, len(traits)))
    statements = 3 * len(instrument.blocks)
    rows = [
        respond(instrument, dict(zip(traits, person, strict=True)), rng.standard_normal(statements))
        for person in eta
    ]
    return rows, eta


def trait_recovery(
    instrument: ForcedChoice, rows: list[list[dict[str, str]]], eta: np.ndarray
) -> float:
    """Mean over traits of corr(MAP trait, true trait) when scored with `instrument`."""
    design = Design.of(instrument)
    blocks = [k for k, item in enumerate(instrument.items) if isinstance(item, FcBlock)]
    hat = np.array(
        [
            estimate(
                design,
                design.outcomes(
                    [ranking(b, row[k]) for b, k in zip(instrument.blocks, blocks, strict=True)]
                ),
            ).eta
            for row in rows
        ]
    )
    return float(np.mean([np.corrcoef(hat[:, t], eta[:, t])[0, 1] for t in range(eta.shape[1])]))


def with_parameters(source: Mapping[str, Any], calibration: cal.Calibration) -> ForcedChoice:
    data = cal.calibrated_definition(source, calibration, organisation="study", date="2000-01-01")
    return ForcedChoice.model_validate(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100, 200, 300, 500, 1000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reps", type=int, default=4)
    args = parser.parse_args()

    source = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    design_fc = ForcedChoice.model_validate(source)
    cal.MIN_RESPONDENTS = min(args.n)  # the study measures below the limit too
    rng = np.random.default_rng(args.seed)
    errors: dict[int, dict[str, list[float]]] = {
        n: {"loading": [], "mean": [], "uniqueness": []} for n in args.n
    }
    recovery: dict[int, list[float]] = {n: [] for n in args.n}
    seconds: dict[int, list[float]] = {n: [] for n in args.n}
    not_converged: dict[int, int] = dict.fromkeys(args.n, 0)
    design_r, true_r = [], []
    started = time.perf_counter()
    for rep in range(args.reps):
        truth_source = true_source(source, rng)
        truth = ForcedChoice.model_validate(truth_source)
        true_by_id = {s.id: s for b in truth.blocks for s in b.statements}
        holdout_rows, holdout_eta = simulate(truth, HOLDOUT, rng)
        design_r.append(trait_recovery(design_fc, holdout_rows, holdout_eta))
        true_r.append(trait_recovery(truth, holdout_rows, holdout_eta))
        rows_all, _ = simulate(truth, max(args.n), rng)
        for n in args.n:
            tic = time.perf_counter()
            result = cal.calibrate(design_fc, rows_all[:n], seed=rep)
            seconds[n].append(time.perf_counter() - tic)
            not_converged[n] += not result.converged
            for sid, est in result.statements.items():
                t = true_by_id[sid]
                errors[n]["loading"].append(abs(est.signed_estimate * t.key - t.loading))
                errors[n]["mean"].append(abs(est.mean - t.mean))
                errors[n]["uniqueness"].append(abs(est.uniqueness - t.uniqueness))
            recovery[n].append(
                trait_recovery(with_parameters(source, result), holdout_rows, holdout_eta)
            )
        print(f"replication {rep + 1}/{args.reps} done", flush=True)

    print()
    print("absolute errors (median / p90) over statements and replications; trait recovery r")
    print(
        f"{'N':>5}  {'loading':>13}  {'mean':>13}  {'uniqueness':>13}  "
        f"{'r calibrated':>12}  {'cal>=design':>11}  {'not conv.':>9}  {'seconds':>7}"
    )
    for n in args.n:
        cells = []
        for name in ("loading", "mean", "uniqueness"):
            e = np.array(errors[n][name])
            cells.append(f"{np.median(e):.3f} / {np.quantile(e, 0.9):.3f}")
        better = sum(c >= d for c, d in zip(recovery[n], design_r, strict=True))
        print(
            f"{n:>5}  {cells[0]:>13}  {cells[1]:>13}  {cells[2]:>13}  "
            f"{np.mean(recovery[n]):>12.3f}  {better:>5}/{args.reps:<5}  "
            f"{not_converged[n]:>9}  {np.mean(seconds[n]):>7.1f}"
        )
    print(
        f"trait recovery r with design parameters {np.mean(design_r):.3f}, "
        f"with true parameters {np.mean(true_r):.3f}"
    )
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
