"""The simulation study of the decisions: do the shipped batteries give trustworthy outcomes?

Run from the project root:

    .venv/bin/python benchmarks/simulate_decisions.py --battery candidate-general --n 2000 --seed 1
    .venv/bin/python benchmarks/simulate_decisions.py --battery all --n 1000 --markdown out.md

Simulated people with known latent levels answer each instrument of the battery through
response models that are not the scoring model (app/scoring/simulate.py: graded response
model for Likert items, a choice model over the SJT key levels, 3PL with guessing for
knowledge, rubric scores with rater error, manager ratings with rater error, reading-time
based timing, attention items with a 3 % slip rate). Their parsed answers go through
`app.scoring.person.score_person`, the same entry point the service uses. Groups:

* general population, n people, two independent sittings each: retest agreement of the
  outcome and Cohen's kappa, share of decisive outcomes (active, passive, both, neither),
  honest people flagged serious, share with `method_discrepancy`;
* hunters and farmers (clearly active-like / passive-like profiles), n/2 each: hunters
  given `active` and farmers given `passive`, among their decisive outcomes;
* low-ability savvy fakers, n/2 people with every competency at -1 SD who answer the
  self-report at the keyed maximum, pass the attention items and keep impression
  management at the midpoint: share recommended (active, passive or both), beside the same
  people answering honestly;
* uniform random responders, n/2 at reading pace and n/2 clicking fast: share caught
  (outcome `invalid`; for results of the old engine, which has no such outcome, a serious
  flag);
* every sub-scale's alpha in the general population's first sitting, beside the prior
  reliability the instrument declares (when it declares one).

Each figure is printed beside its target (issue 10) with "met" or "missed". Nothing is
tuned here and nothing is asserted: the study reports. `--markdown PATH` also writes the
tables as Markdown (for docs/scoring.md and benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.paths import ASSESSMENTS_DIR, MODEL_FILE
from app.scoring import simulate as sim
from app.scoring.engine import score_instrument
from app.scoring.loader import Catalog, load_catalog
from app.scoring.person import PersonResult, score_person
from app.scoring.validity import FLAGS

DECISIVE = ("active", "passive", "both", "neither")
RECOMMENDED = ("active", "passive", "both")
CANDIDATE_BATTERIES = ("candidate-general", "candidate-active", "candidate-passive")


@dataclass(frozen=True)
class Target:
    name: str
    value: float
    target: str
    met: bool | None  # None: no target, shown for information
    percent: bool = True

    def shown(self) -> str:
        return f"{self.value:.1%}" if self.percent else f"{self.value:.2f}"

    def verdict(self) -> str:
        return "" if self.met is None else ("met" if self.met else "missed")


@dataclass
class BatteryStudy:
    battery: str
    n: int
    seconds: float = 0.0
    figures: list[Target] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    alphas: list[tuple[str, str, int, float, float | None]] = field(default_factory=list)
    retest: list[tuple[str, str, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def is_serious(code: str) -> bool:
    flag = FLAGS.get(code)
    return flag is not None and getattr(flag, "severity", "") == "serious"


def cohen_kappa(first: Sequence[str], second: Sequence[str]) -> float:
    categories = sorted(set(first) | set(second))
    n = len(first)
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    a, b = Counter(first), Counter(second)
    expected = sum(a[c] * b[c] for c in categories) / (n * n)
    return 1.0 if expected == 1.0 else (observed - expected) / (1.0 - expected)


def caught(result: PersonResult) -> bool:
    if result.payload.get("engine", 1) >= 2:
        return result.recommendation == "invalid"
    return any(is_serious(code) for code in result.flags)


def prior_reliability(catalog: Catalog, instrument_id: str, scale: str) -> float | None:
    """The prior reliability an instrument declares for a scale, if the format has one."""
    declared: Any = getattr(
        catalog.instruments[instrument_id].definition, "prior_reliability", None
    )
    if declared is None:
        return None
    if isinstance(declared, int | float):
        return float(declared)
    if isinstance(declared, dict):
        value = declared.get(scale, declared.get("default"))
        return None if value is None else float(value)
    value = getattr(declared, scale, None)
    return None if value is None else float(value)


def method_scores(result: PersonResult) -> dict[tuple[str, str], float]:
    out = {}
    for instrument, scales in result.payload.get("scales", {}).items():
        for scale, value in scales.items():
            if value is not None:
                out[(instrument, scale)] = float(value)
    return out


def competency_scores(result: PersonResult) -> dict[str, float]:
    return {
        cid: float(c["score"])
        for cid, c in result.payload.get("competencies", {}).items()
        if c.get("score") is not None
    }


def correlation(pairs: list[tuple[float, float]]) -> float:
    if len(pairs) < 3:
        return float("nan")
    x = np.array(pairs)
    if x[:, 0].std() == 0 or x[:, 1].std() == 0:
        return float("nan")
    return float(np.corrcoef(x.T)[0, 1])


def run_battery(
    catalog: Catalog, battery_id: str, n: int, seed: int, progress: Callable[[str], None]
) -> BatteryStudy:
    started = time.perf_counter()
    instruments = catalog.batteries[battery_id].instruments
    competencies = list(catalog.model.definition.competencies)
    bank = sim.ItemBank(catalog, seed)
    rng = np.random.default_rng([seed, 1])
    study = BatteryStudy(battery_id, n)

    def score(person: sim.Person) -> tuple[PersonResult, sim.Sitting]:
        sitting = sim.sit(rng, bank, instruments, person)
        return score_person(catalog, instruments, sitting.rows, sitting.seconds), sitting

    # General population, two sittings.
    people = sim.general_population(rng, competencies, n)
    first: list[PersonResult] = []
    second: list[PersonResult] = []
    rows_first: dict[str, list[list[Any]]] = {i: [] for i in instruments}
    for k, person in enumerate(people):
        a, sitting = score(person)
        b, _ = score(person)
        first.append(a)
        second.append(b)
        for instrument in instruments:
            rows_first[instrument].append(sitting.rows[instrument])
        if (k + 1) % 500 == 0:
            progress(f"{battery_id}: {k + 1}/{n} people, two sittings")
    outcome_a = [r.recommendation for r in first]
    outcome_b = [r.recommendation for r in second]
    study.outcomes = Counter(outcome_a)
    agreement = float(np.mean([x == y for x, y in zip(outcome_a, outcome_b, strict=True)]))
    kappa = cohen_kappa(outcome_a, outcome_b)
    decisive = float(np.mean([o in DECISIVE for o in outcome_a + outcome_b]))
    serious = float(np.mean([any(is_serious(c) for c in r.flags) for r in first + second]))
    discrepancy = float(np.mean([("method_discrepancy" in r.flags) for r in first + second]))

    # Retest correlations: each method's scale and each combined competency.
    pairs: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for a, b in zip(first, second, strict=True):
        sa, sb = method_scores(a), method_scores(b)
        for key in sa.keys() & sb.keys():
            pairs.setdefault(key, []).append((sa[key], sb[key]))
        ca, cb = competency_scores(a), competency_scores(b)
        for cid in ca.keys() & cb.keys():
            pairs.setdefault(("combined", cid), []).append((ca[cid], cb[cid]))
    study.retest = sorted((i, s, correlation(p)) for (i, s), p in pairs.items())

    # Alpha of every sub-scale in the first sitting.
    for instrument in instruments:
        definition = catalog.instruments[instrument].definition
        scored = score_instrument(
            definition, [str(i) for i in range(n)], rows=rows_first[instrument]
        )
        for scale, r in scored.reliability().items():
            study.alphas.append(
                (
                    instrument,
                    scale,
                    r.items,
                    float(r.alpha),
                    prior_reliability(catalog, instrument, scale),
                )
            )

    # Hunters and farmers.
    told_apart, decisive_profiles = 0, 0
    profile_outcomes: dict[str, Counter[str]] = {}
    for shape, wanted in (("hunter", "active"), ("farmer", "passive")):
        counts: Counter[str] = Counter()
        for person in sim.profiled(rng, competencies, max(1, n // 2), shape):  # type: ignore[arg-type]
            result, _ = score(person)
            counts[result.recommendation] += 1
            if result.recommendation in DECISIVE:
                decisive_profiles += 1
                told_apart += result.recommendation == wanted
        profile_outcomes[shape] = counts
    progress(f"{battery_id}: hunters and farmers done")

    # Savvy low-ability fakers and the same people answering honestly.
    faked, honest_low = 0, 0
    fakers = [sim.at_level(rng, competencies, -1.0) for _ in range(max(1, n // 2))]
    for person in fakers:
        faked += score(sim.as_kind(person, "faker"))[0].recommendation in RECOMMENDED
        honest_low += score(person)[0].recommendation in RECOMMENDED
    faker_rate = faked / len(fakers)
    honest_low_rate = honest_low / len(fakers)

    # Uniform random responders.
    caught_rates = {}
    for kind in ("random", "random_fast"):
        group = sim.general_population(rng, competencies, max(1, n // 2))
        caught_rates[kind] = float(
            np.mean([caught(score(sim.as_kind(p, kind))[0]) for p in group])  # type: ignore[arg-type]
        )
    progress(f"{battery_id}: fakers and random responders done")

    hf = told_apart / decisive_profiles if decisive_profiles else float("nan")
    study.figures = [
        Target("Retest agreement of the outcome", agreement, ">= 85 %", agreement >= 0.85),
        Target("Cohen's kappa between sittings", kappa, ">= 0.60", kappa >= 0.6, percent=False),
        Target(
            "Decisive outcomes (active/passive/both/neither)", decisive, ">= 60 %", decisive >= 0.6
        ),
        Target("Hunters -> active, farmers -> passive, among decisive", hf, ">= 80 %", hf >= 0.8),
        Target("Savvy low-ability fakers recommended", faker_rate, "<= 10 %", faker_rate <= 0.10),
        Target("  the same people answering honestly", honest_low_rate, "-", None),
        Target(
            "Random responders caught (reading pace)",
            caught_rates["random"],
            ">= 95 %",
            caught_rates["random"] >= 0.95,
        ),
        Target(
            "Random responders caught (fast clicking)",
            caught_rates["random_fast"],
            ">= 95 %",
            caught_rates["random_fast"] >= 0.95,
        ),
        Target("Honest people flagged serious", serious, "<= 5 %", serious <= 0.05),
        Target(
            "Honest people with method_discrepancy", discrepancy, "<= 10 %", discrepancy <= 0.10
        ),
    ]
    study.notes.append(
        "hunters: "
        + ", ".join(f"{k} {v}" for k, v in profile_outcomes["hunter"].most_common())
        + "; farmers: "
        + ", ".join(f"{k} {v}" for k, v in profile_outcomes["farmer"].most_common())
    )
    flagged = Counter(c for r in first + second for c in r.flags)
    study.notes.append(
        "flags in the general population (2 sittings): "
        + ", ".join(f"{k} {v / (2 * n):.1%}" for k, v in flagged.most_common())
    )
    study.seconds = time.perf_counter() - started
    return study


def table(study: BatteryStudy) -> list[str]:
    lines = [
        f"Battery `{study.battery}`, n = {study.n}",
        "",
        "| figure | value | target | |",
        "|---|---:|---|---|",
    ]
    lines += [
        f"| {f.name.strip()} | {f.shown()} | {f.target} | {f.verdict()} |" for f in study.figures
    ]
    lines += [
        "",
        "Outcomes (general population, first sitting): "
        + ", ".join(f"{k} {v / study.n:.1%}" for k, v in study.outcomes.most_common()),
        "",
    ]
    lines += [f"{note}" for note in study.notes]
    lines += [
        "",
        "| instrument | scale | items | alpha | prior reliability | retest r |",
        "|---|---|---:|---:|---:|---:|",
    ]
    retest = {(i, s): r for i, s, r in study.retest}
    for instrument, scale, items, alpha, prior in study.alphas:
        shown_prior = "-" if prior is None else f"{prior:.2f}"
        lines.append(
            f"| {instrument} | {scale} | {items} | {alpha:.2f} | {shown_prior} | "
            f"{retest.get((instrument, scale), float('nan')):.2f} |"
        )
    lines += ["", "| competency (combined) | retest r |", "|---|---:|"]
    lines += [f"| {s} | {r:.2f} |" for i, s, r in study.retest if i == "combined"]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--battery", default="candidate-general", help="a battery id, or 'all'")
    parser.add_argument("--n", type=int, default=2000, help="people in the general population")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--markdown", type=Path, help="also write the tables to this file")
    args = parser.parse_args(argv)

    catalog = load_catalog(MODEL_FILE, ASSESSMENTS_DIR)
    if args.battery == "all":
        batteries = [b for b in catalog.batteries if b in CANDIDATE_BATTERIES or b == "employee"]
    elif args.battery in catalog.batteries:
        batteries = [args.battery]
    else:
        parser.error(
            f"unknown battery {args.battery!r}; use one of: {', '.join(catalog.batteries)} or all"
        )

    def progress(message: str) -> None:
        print(f"  ... {message}", file=sys.stderr, flush=True)

    out = [
        f"Command: `python benchmarks/simulate_decisions.py --battery {args.battery} "
        f"--n {args.n} --seed {args.seed}`; model version {catalog.model.version}.",
        "",
    ]
    for battery_id in batteries:
        study = run_battery(catalog, battery_id, args.n, args.seed, progress)
        lines = [*table(study), "", f"({study.seconds:.0f} s)", ""]
        print("\n".join(lines), flush=True)
        out += lines
    if args.markdown:
        args.markdown.write_text("\n".join(out) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
