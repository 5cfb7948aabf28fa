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
  reliability the instrument declares (when it declares one; the forced-choice
  questionnaire has no items of its own to take alpha over: see retest and recovery);
* recovery: the correlation of the self-description's score (forced choice or Likert) and of
  the combined score with the true level, mean over the competencies; and the faker's gain
  (faking minus honest score of the same people) on both.

`--self-report likert` puts the Likert self-report back in place of the forced-choice
questionnaire (the candidate batteries before issue 13), for the comparison in
docs/scoring.md.

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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.paths import ASSESSMENTS_DIR, MODEL_FILE
from app.scoring import simulate as sim
from app.scoring.definitions import ForcedChoice, SelfReport, WorkSample
from app.scoring.engine import score_instrument
from app.scoring.loader import Catalog, load_catalog
from app.scoring.person import PersonResult, score_person
from app.scoring.responses import elements
from app.scoring.validity import FLAGS

DECISIVE = ("active", "passive", "both", "neither")
RECOMMENDED = ("active", "passive", "both")
CALIBRATION_LEVELS = (-1.0, 0.0, 1.0)
CANDIDATE_BATTERIES = ("candidate-general", "candidate-active", "candidate-passive")
SELF_DESCRIPTION = ("self_report", "forced_choice")
"""Method types that are a person's description of themselves (the faking target)."""


def with_likert(instruments: Sequence[str]) -> list[str]:
    """A battery's instruments with the forced-choice questionnaire replaced by the Likert
    self-report (`--self-report likert`: the candidate batteries as they were)."""
    return ["sales_self_report" if i == "sales_forced_choice" else i for i in instruments]


def self_description_scores(result: PersonResult) -> dict[str, float]:
    """Per competency, the score of the self-description method (forced choice or Likert)."""
    out = {}
    for cid, c in result.payload.get("competencies", {}).items():
        for m in c.get("methods", []):
            if m.get("type") in SELF_DESCRIPTION and m.get("score") is not None:
                out[cid] = float(m["score"])
    return out


def mean_gain(pairs: Sequence[tuple[dict[str, float], dict[str, float]]]) -> float:
    """Mean over people and competencies of faking score - honest score."""
    gains = [f[c] - h[c] for f, h in pairs for c in f.keys() & h.keys()]
    return float(np.mean(gains)) if gains else float("nan")


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


@dataclass(frozen=True)
class ScaleFigure:
    """A sub-scale in the simulated population beside what its instrument declares."""

    instrument: str
    scale: str
    items: int
    alpha: float
    sd: float
    prior: float | None
    prior_sd: float | None


@dataclass
class BatteryStudy:
    battery: str
    n: int
    seconds: float = 0.0
    figures: list[Target] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    alphas: list[ScaleFigure] = field(default_factory=list)
    retest: list[tuple[str, str, float]] = field(default_factory=list)
    calibration: dict[str, dict[float, float]] = field(default_factory=dict)
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
    if hasattr(declared, "of"):
        return float(declared.of(scale))
    if isinstance(declared, int | float):
        return float(declared)
    if isinstance(declared, dict):
        value = declared.get(scale, declared.get("default"))
        return None if value is None else float(value)
    value = getattr(declared, scale, None)
    return None if value is None else float(value)


def differential(result: PersonResult) -> float | None:
    """Active fit - passive fit: the payload's differential index, or from the two fits."""
    given = result.payload.get("differential")
    if isinstance(given, dict) and given.get("value") is not None:
        return float(given["value"])
    fit = result.payload.get("fit", {})
    if fit.get("active") is None or fit.get("passive") is None:
        return None
    return float(fit["active"]) - float(fit["passive"])


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
    catalog: Catalog,
    battery_id: str,
    n: int,
    seed: int,
    progress: Callable[[str], None],
    *,
    likert: bool = False,
) -> BatteryStudy:
    started = time.perf_counter()
    instruments = catalog.batteries[battery_id].instruments
    if likert:
        instruments = with_likert(instruments)
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
    recovery: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for k, person in enumerate(people):
        a, sitting = score(person)
        b, _ = score(person)
        for cid, value in self_description_scores(a).items():
            recovery.setdefault(("self", cid), []).append((value, person.level(cid)))
        for cid, value in competency_scores(a).items():
            recovery.setdefault(("combined", cid), []).append((value, person.level(cid)))
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
        if isinstance(definition, ForcedChoice):
            continue  # no items of its own to take alpha over; see retest and recovery
        scored = score_instrument(
            definition, [str(i) for i in range(n)], rows=rows_first[instrument]
        )
        for scale, r in scored.reliability().items():
            declared = getattr(definition, "prior_reliability", None)
            study.alphas.append(
                ScaleFigure(
                    instrument,
                    scale,
                    r.items,
                    float(r.alpha),
                    float(r.sd),
                    prior_reliability(catalog, instrument, scale),
                    getattr(declared, "sd", None),
                )
            )

    # Hunters and farmers.
    told_apart, decisive_profiles, confused, pointing, profiled = 0, 0, 0, 0, 0
    profile_outcomes: dict[str, Counter[str]] = {}
    for shape, wanted, other, sign in (
        ("hunter", "active", "passive", 1.0),
        ("farmer", "passive", "active", -1.0),
    ):
        counts: Counter[str] = Counter()
        for person in sim.profiled(rng, competencies, max(1, n // 2), shape):  # type: ignore[arg-type]
            result, _ = score(person)
            profiled += 1
            counts[result.recommendation] += 1
            confused += result.recommendation == other
            value = differential(result)
            pointing += value is not None and sign * value > 0
            if result.recommendation in DECISIVE:
                decisive_profiles += 1
                told_apart += result.recommendation == wanted
        profile_outcomes[shape] = counts
    progress(f"{battery_id}: hunters and farmers done")

    # Savvy low-ability fakers and the same people answering honestly.
    faked, honest_low = 0, 0
    faker_outcomes: Counter[str] = Counter()
    faker_flags: Counter[str] = Counter()
    fakers = [sim.at_level(rng, competencies, -1.0) for _ in range(max(1, n // 2))]
    self_gain: list[tuple[dict[str, float], dict[str, float]]] = []
    combined_gain: list[tuple[dict[str, float], dict[str, float]]] = []
    for person in fakers:
        faking = score(sim.as_kind(person, "faker"))[0]
        faker_outcomes[faking.recommendation] += 1
        faker_flags.update(faking.flags)
        faked += faking.recommendation in RECOMMENDED
        honest = score(person)[0]
        honest_low += honest.recommendation in RECOMMENDED
        self_gain.append((self_description_scores(faking), self_description_scores(honest)))
        combined_gain.append((competency_scores(faking), competency_scores(honest)))
    faker_rate = faked / len(fakers)
    honest_low_rate = honest_low / len(fakers)

    # Uniform random responders.
    caught_rates = {}
    kinds: tuple[sim.Kind, ...] = ("random", "random_fast")
    for kind in kinds:
        group = sim.general_population(rng, competencies, max(1, n // 2))
        caught_rates[kind] = float(np.mean([caught(score(sim.as_kind(p, kind))[0]) for p in group]))
    progress(f"{battery_id}: fakers and random responders done")

    hf = told_apart / decisive_profiles if decisive_profiles else float("nan")
    study.figures = [
        Target("Retest agreement of the outcome", agreement, ">= 85 %", agreement >= 0.85),
        Target("Cohen's kappa between sittings", kappa, ">= 0.60", kappa >= 0.6, percent=False),
        Target(
            "Decisive outcomes (active/passive/both/neither)", decisive, ">= 60 %", decisive >= 0.6
        ),
        Target("Hunters -> active, farmers -> passive, among decisive", hf, ">= 80 %", hf >= 0.8),
        Target("  given the other role only (all outcomes)", confused / profiled, "-", None),
        Target("  differential index on the right side of 0", pointing / profiled, "-", None),
        Target("Savvy low-ability fakers recommended", faker_rate, "<= 10 %", faker_rate <= 0.10),
        Target("  the same people answering honestly", honest_low_rate, "-", None),
        Target(
            "  faker's gain on the self-description (points, mean over competencies)",
            mean_gain(self_gain),
            "-",
            None,
            percent=False,
        ),
        Target(
            "  faker's gain on the combined competency scores (points)",
            mean_gain(combined_gain),
            "-",
            None,
            percent=False,
        ),
        Target(
            "Recovery: r(self-description score, true level), mean over competencies",
            _mean_r(recovery, "self", competencies),
            "-",
            None,
            percent=False,
        ),
        Target(
            "Recovery: r(combined score, true level), mean over competencies",
            _mean_r(recovery, "combined", competencies),
            "-",
            None,
            percent=False,
        ),
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
    study.notes.append(
        "fakers: "
        + ", ".join(f"{k} {v}" for k, v in faker_outcomes.most_common())
        + "; their flags: "
        + ", ".join(f"{k} {v}" for k, v in faker_flags.most_common())
    )
    changes = Counter(
        " -> ".join(sorted((x, y))) for x, y in zip(outcome_a, outcome_b, strict=True) if x != y
    )
    study.notes.append(
        "most frequent changes between the sittings (either direction, share of people): "
        + ", ".join(f"{k} {v / n:.1%}" for k, v in changes.most_common(6))
    )
    flagged = Counter(c for r in first + second for c in r.flags)
    study.notes.append(
        "flags in the general population (2 sittings): "
        + ", ".join(f"{k} {v / (2 * n):.1%}" for k, v in flagged.most_common())
    )
    # Where people at -1, 0 and +1 SD land on each method (mean over the competencies).
    for level in CALIBRATION_LEVELS:
        sums: dict[str, list[float]] = {}
        for _ in range(max(1, n // 20)):
            result, _ = score(sim.at_level(rng, competencies, level))
            for m in (m for c in result.payload["competencies"].values() for m in c["methods"]):
                if m.get("score") is not None:
                    sums.setdefault(m["type"], []).append(float(m["score"]))
            for c in result.payload["competencies"].values():
                if c.get("score") is not None:
                    sums.setdefault("combined", []).append(float(c["score"]))
        for method, values in sums.items():
            study.calibration.setdefault(method, {})[level] = float(np.mean(values))
    study.seconds = time.perf_counter() - started
    return study


def _mean_r(
    recovery: dict[tuple[str, str], list[tuple[float, float]]],
    method: str,
    competencies: Sequence[str],
) -> float:
    values = [correlation(recovery.get((method, c), [])) for c in competencies]
    finite = [v for v in values if not np.isnan(v)]
    return float(np.mean(finite)) if finite else float("nan")


def lengthened(catalog: Catalog, instrument_id: str, factor: int = 2) -> Catalog:
    """The catalog with one instrument `factor` times as long: every scored item (for a
    self-report, the competency and orientation items) repeated with new parameters, and its
    prior reliability raised by the Spearman-Brown formula."""
    loaded = catalog.instruments[instrument_id]
    definition: Any = loaded.definition
    competencies = set(catalog.model.definition.competencies) | {sim.ORIENTATION}

    def copy(item: Any, k: int) -> Any:
        update: dict[str, Any] = {"id": f"{item.id}_x{k}"}
        if isinstance(definition, WorkSample):
            update["rubric"] = [c.model_copy(update={"id": f"{c.id}_x{k}"}) for c in item.rubric]
        return item.model_copy(update=update)

    if isinstance(definition, SelfReport):
        extra = [i for i in definition.items if i.scale in competencies]
    else:
        extra = list(definition.items)
    items = list(definition.items) + [copy(i, k) for k in range(1, factor) for i in extra]
    update: dict[str, Any] = {"items": items}
    prior = getattr(definition, "prior_reliability", None)
    if prior is not None and hasattr(prior, "of"):
        scales = {e.scale for e in elements(definition)}

        def longer(r: float) -> float:
            return factor * r / (1 + (factor - 1) * r)

        update["prior_reliability"] = prior.model_copy(
            update={
                "default": longer(prior.default),
                "scales": {scale: longer(prior.of(scale)) for scale in scales},
            }
        )
    instruments = dict(catalog.instruments)
    instruments[instrument_id] = replace(loaded, definition=definition.model_copy(update=update))
    return replace(catalog, instruments=instruments)


def retest_figures(
    catalog: Catalog, instrument_ids: Sequence[str], people: Sequence[sim.Person], seed: int
) -> tuple[float, float, float]:
    """(agreement, kappa, share decisive) of two sittings of `people`."""
    bank = sim.ItemBank(catalog, seed)
    rng = np.random.default_rng([seed, 2])
    first: list[str] = []
    second: list[str] = []
    for person in people:
        for out in (first, second):
            sitting = sim.sit(rng, bank, instrument_ids, person)
            out.append(
                score_person(catalog, instrument_ids, sitting.rows, sitting.seconds).recommendation
            )
    agreement = float(np.mean([a == b for a, b in zip(first, second, strict=True)]))
    decisive = float(np.mean([o in DECISIVE for o in first + second]))
    return agreement, cohen_kappa(first, second), decisive


def diagnose(
    catalog: Catalog, battery_id: str, n: int, seed: int, progress: Callable[[str], None]
) -> list[str]:
    """Which instrument limits the retest agreement: the battery without each instrument,
    with each instrument twice as long, and with every instrument four times as long."""
    instruments = list(catalog.batteries[battery_id].instruments)
    rng = np.random.default_rng([seed, 3])
    people = sim.general_population(rng, list(catalog.model.definition.competencies), n)
    lines = [
        f"Diagnosis for `{battery_id}` (n = {n}, two sittings each):",
        "",
        "| variant | retest agreement | kappa | decisive |",
        "|---|---:|---:|---:|",
    ]

    def row(name: str, figures: tuple[float, float, float]) -> None:
        agreement, kappa, decisive = figures
        lines.append(f"| {name} | {agreement:.1%} | {kappa:.2f} | {decisive:.1%} |")

    row("as shipped", retest_figures(catalog, instruments, people, seed))
    for instrument in instruments:
        rest = [i for i in instruments if i != instrument]
        row(f"without {instrument}", retest_figures(catalog, rest, people, seed))
        row(
            f"{instrument} twice as long",
            retest_figures(lengthened(catalog, instrument), instruments, people, seed),
        )
        progress(f"{battery_id}: diagnosis of {instrument} done")
    longer = catalog
    for instrument in instruments:
        longer = lengthened(longer, instrument, 4)
    row("every instrument four times as long", retest_figures(longer, instruments, people, seed))
    return lines


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
        "| instrument | scale | items | alpha | prior reliability | retest r | SD | prior SD |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    retest = {(i, s): r for i, s, r in study.retest}
    for f in study.alphas:
        prior = "-" if f.prior is None else f"{f.prior:.2f}"
        prior_sd = "-" if f.prior_sd is None else f"{f.prior_sd:g}"
        lines.append(
            f"| {f.instrument} | {f.scale} | {f.items} | {f.alpha:.2f} | {prior} | "
            f"{retest.get((f.instrument, f.scale), float('nan')):.2f} | {f.sd:.1f} | {prior_sd} |"
        )
    lines += [
        "",
        "Mean score on the common metric of people with every competency at a given level (SD):",
        "",
        "| method | " + " | ".join(f"{level:+g} SD" for level in CALIBRATION_LEVELS) + " |",
        "|---|" + "---:|" * len(CALIBRATION_LEVELS),
    ]
    lines += [
        f"| {method} | "
        + " | ".join(f"{means.get(level, float('nan')):.1f}" for level in CALIBRATION_LEVELS)
        + " |"
        for method, means in study.calibration.items()
    ]
    lines += ["", "| competency (combined) | retest r |", "|---|---:|"]
    lines += [f"| {s} | {r:.2f} |" for i, s, r in study.retest if i == "combined"]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--battery", default="candidate-general", help="a battery id, or 'all'")
    parser.add_argument("--n", type=int, default=2000, help="people in the general population")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--markdown", type=Path, help="also write the tables to this file")
    parser.add_argument(
        "--method-specific",
        type=float,
        default=None,
        metavar="V",
        help="share of every method's latent that is specific to the method (default: "
        "app.scoring.simulate.METHOD_SPECIFIC); 0 makes every method measure the same thing",
    )
    parser.add_argument(
        "--diagnose",
        type=int,
        default=0,
        metavar="N",
        help="also rerun the retest with N people without each instrument, with each "
        "instrument twice as long and with all four times as long (what limits the agreement)",
    )
    parser.add_argument(
        "--self-report",
        choices=("battery", "likert"),
        default="battery",
        help="'likert' replaces the forced-choice questionnaire by the Likert self-report "
        "(the candidate batteries before issue 13), for the comparison in docs/scoring.md",
    )
    args = parser.parse_args(argv)

    catalog = load_catalog(MODEL_FILE, ASSESSMENTS_DIR)
    if args.method_specific is not None:
        if not 0 <= args.method_specific < 1:
            parser.error("--method-specific takes a share from 0 up to (not including) 1")
        for method in sim.METHOD_SPECIFIC:
            sim.METHOD_SPECIFIC[method] = args.method_specific
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
        f"--n {args.n} --seed {args.seed}"
        + ("" if args.method_specific is None else f" --method-specific {args.method_specific:g}")
        + (f" --diagnose {args.diagnose}" if args.diagnose else "")
        + (" --self-report likert" if args.self_report == "likert" else "")
        + f"`; model version {catalog.model.version}.",
        "",
    ]
    for battery_id in batteries:
        study = run_battery(
            catalog, battery_id, args.n, args.seed, progress, likert=args.self_report == "likert"
        )
        lines = [*table(study), "", f"({study.seconds:.0f} s)", ""]
        if args.diagnose:
            lines += [*diagnose(catalog, battery_id, args.diagnose, args.seed, progress), ""]
        print("\n".join(lines), flush=True)
        out += lines
    if args.markdown:
        args.markdown.write_text("\n".join(out) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
