"""Properties any honest scorer has, checked on simulated people (app/scoring/simulate.py).

The respondents answer the shipped `candidate-general` battery through response models that
are not the scoring model (graded response, a choice model over the SJT key levels, 3PL with
guessing), and their answers go through `score_person`, the service's entry point. Nothing
here compares the scorer with itself or with its own formulas:

* monotonicity — people with higher true levels get higher mean scores, on every method and
  every combined competency;
* coverage — the competency intervals (80 % by default) hold the person's true score (the
  mean over many independent sittings of the same person) about as often as they claim;
* item order — shuffling the items of every instrument changes no score and no decision;
* faking — answering the self-report at its keyed maximum moves a competency by no more
  than the self-report's share of its weight allows, and few low-ability fakers get
  recommended.

Seeds are fixed, so a failure is reproducible; each test takes a few seconds at most. The
full study with its figures is benchmarks/simulate_decisions.py.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from app.paths import ASSESSMENTS_DIR, MODEL_FILE
from app.scoring import simulate as sim
from app.scoring.definitions import ForcedChoice, Knowledge, SelfReport, Sjt
from app.scoring.loader import Catalog, load_catalog
from app.scoring.person import PersonResult, score_person

BATTERY = "candidate-general"
RECOMMENDED = ("active", "passive", "both")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(MODEL_FILE, ASSESSMENTS_DIR)


@pytest.fixture(scope="module")
def bank(catalog: Catalog) -> sim.ItemBank:
    return sim.ItemBank(catalog, seed=7)


def instruments(catalog: Catalog) -> list[str]:
    return list(catalog.batteries[BATTERY].instruments)


def competencies(catalog: Catalog) -> list[str]:
    return list(catalog.model.definition.competencies)


def score(
    catalog: Catalog, bank: sim.ItemBank, rng: np.random.Generator, person: sim.Person
) -> PersonResult:
    sitting = sim.sit(rng, bank, instruments(catalog), person)
    return score_person(catalog, instruments(catalog), sitting.rows, sitting.seconds)


def competency(result: PersonResult, cid: str) -> dict[str, Any]:
    entry: dict[str, Any] = result.payload["competencies"][cid]
    return entry


# ----------------------------------------------------------------------------- monotonicity


def test_scores_rise_with_the_true_level_on_every_method_and_competency(
    catalog: Catalog, bank: sim.ItemBank
) -> None:
    rng = np.random.default_rng(101)
    levels = [-1.5, -0.5, 0.5, 1.5]
    per_level = 30
    combined: dict[str, list[float]] = {c: [] for c in competencies(catalog)}
    methods: dict[tuple[str, str], list[float]] = {}
    for level in levels:
        results = [
            score(catalog, bank, rng, sim.at_level(rng, competencies(catalog), level))
            for _ in range(per_level)
        ]
        for cid in combined:
            values = [competency(r, cid)["score"] for r in results]
            assert all(v is not None for v in values), cid
            combined[cid].append(float(np.mean(values)))
        for instrument in instruments(catalog):
            for scale in competencies(catalog):
                values = [r.payload["scales"][instrument].get(scale) for r in results]
                if all(v is not None for v in values):
                    methods.setdefault((instrument, scale), []).append(float(np.mean(values)))
    for cid, means in combined.items():
        assert all(b > a for a, b in itertools.pairwise(means)), (cid, means)
    assert len(methods) >= 2 * len(combined)  # every competency seen by two methods at least
    for key, means in methods.items():
        if len(means) == len(levels):
            assert means[-1] > means[0], (key, means)
            assert all(b > a - 2.0 for a, b in itertools.pairwise(means)), (key, means)


# ----------------------------------------------------------------------------- coverage


def test_competency_intervals_cover_the_true_score_about_as_often_as_they_claim(
    catalog: Catalog, bank: sim.ItemBank
) -> None:
    """The true score is a person's expected score; it is estimated by the mean of the other
    sittings (leave one out), which widens the spread by a factor sqrt(1 + 1/(R - 1)), so the
    expected coverage is a little under nominal."""
    rng = np.random.default_rng(202)
    people = sim.general_population(rng, competencies(catalog), 24)
    sittings = 14
    covered: list[bool] = []
    level = None
    for person in people:
        results = [score(catalog, bank, rng, person) for _ in range(sittings)]
        level = results[0].payload["level"]
        for cid in competencies(catalog):
            entries = [competency(r, cid) for r in results]
            values = np.array([e["score"] for e in entries], dtype=np.float64)
            for k, entry in enumerate(entries):
                truth = (values.sum() - values[k]) / (sittings - 1)
                covered.append(entry["low"] <= truth <= entry["high"])
    coverage = float(np.mean(covered))
    print(f"coverage {coverage:.3f} of {len(covered)} intervals")  # shown with pytest -s
    assert level == pytest.approx(0.8)
    assert 0.70 <= coverage <= 0.90, f"coverage {coverage:.3f} of {len(covered)} intervals"


# ----------------------------------------------------------------------------- item order


def shuffled(catalog: Catalog, rng: np.random.Generator) -> tuple[Catalog, dict[str, list[int]]]:
    """The catalog with the items of every battery instrument in a random order, and each
    instrument's permutation of its elements."""
    loaded = dict(catalog.instruments)
    orders: dict[str, list[int]] = {}
    for instrument_id in instruments(catalog):
        definition = catalog.instruments[instrument_id].definition
        if not isinstance(definition, SelfReport | Sjt | Knowledge | ForcedChoice):
            continue  # one element per item only in these
        order = [int(j) for j in rng.permutation(len(definition.items))]
        items = [definition.items[j] for j in order]
        orders[instrument_id] = order
        loaded[instrument_id] = replace(
            catalog.instruments[instrument_id],
            definition=definition.model_copy(update={"items": items}),
        )
    return replace(catalog, instruments=loaded), orders


def reorder(values: Sequence[Any], order: Sequence[int]) -> list[Any]:
    return [values[j] for j in order]


def close(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two payload fragments differ (floats to 1e-9); an empty list when they agree."""
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{path}: keys {sorted(set(a) ^ set(b))}"]
        return [d for k in a for d in close(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        if len(a) != len(b):
            return [f"{path}: lengths {len(a)} != {len(b)}"]
        return [
            d
            for k, (x, y) in enumerate(zip(a, b, strict=True))
            for d in close(x, y, f"{path}[{k}]")
        ]
    if isinstance(a, float) and isinstance(b, float):
        return [] if abs(a - b) <= 1e-9 else [f"{path}: {a} != {b}"]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def numbers(result: PersonResult) -> dict[str, Any]:
    payload = result.payload
    keep = ("fit", "fit_se", "probabilities", "qualifies", "differential")
    out = {key: payload.get(key) for key in keep}
    out["competencies"] = {
        cid: {k: v for k, v in entry.items() if k in ("score", "se", "low", "high", "measured")}
        for cid, entry in payload["competencies"].items()
    }
    return out


def test_the_order_of_the_items_changes_no_score_and_no_decision(
    catalog: Catalog, bank: sim.ItemBank
) -> None:
    rng = np.random.default_rng(303)
    reordered, orders = shuffled(catalog, rng)
    assert set(orders) == set(instruments(catalog))
    assert any(order != sorted(order) for order in orders.values())
    for person in sim.general_population(rng, competencies(catalog), 12):
        sitting = sim.sit(rng, bank, instruments(catalog), person)
        original = score_person(catalog, instruments(catalog), sitting.rows, sitting.seconds)
        rows = {i: reorder(r, orders[i]) for i, r in sitting.rows.items()}
        seconds = {i: reorder(s, orders[i]) for i, s in sitting.seconds.items()}
        moved = score_person(reordered, instruments(catalog), rows, seconds)
        assert close(numbers(moved), numbers(original)) == []
        order_flags = {"straight_lining"}  # a run of identical answers depends on the order
        if set(moved.flags) - order_flags == set(original.flags) - order_flags:
            assert moved.recommendation == original.recommendation
            assert moved.confidence == original.confidence


# ----------------------------------------------------------------------------- faking


def self_report_share(result: PersonResult, cid: str, self_report: str) -> float:
    methods = competency(result, cid)["methods"]
    weight = {m["instrument"]: float(m.get("effective_weight", m["weight"])) for m in methods}
    total = sum(weight.values())
    return weight.get(self_report, 0.0) / total if total else 0.0


def test_faking_the_self_report_moves_a_competency_no_more_than_its_weight_allows(
    catalog: Catalog, bank: sim.ItemBank
) -> None:
    rng = np.random.default_rng(404)
    # The bound is linear in the Likert self-report's fixed standard error; the forced-choice
    # questionnaire of the candidate batteries has a per-person one (issue 13), so this
    # property is checked on the battery with the Likert version in its place.
    battery = [
        "sales_self_report" if i == "sales_forced_choice" else i for i in instruments(catalog)
    ]
    self_report = "sales_self_report"
    for _ in range(10):
        person = sim.at_level(rng, competencies(catalog), float(rng.normal(-0.5, 0.7)))
        honest = sim.sit(rng, bank, battery, person)
        faked_answers = sim.sit(rng, bank, [self_report], sim.as_kind(person, "faker"))
        rows = {**honest.rows, self_report: faked_answers.rows[self_report]}
        seconds = {**honest.seconds, self_report: faked_answers.seconds[self_report]}
        before = score_person(catalog, battery, honest.rows, honest.seconds)
        after = score_person(catalog, battery, rows, seconds)
        for cid in competencies(catalog):
            if competency(after, cid)["score"] is None:
                # measured by the self-report alone, which faking got left out: not measured
                # (never a higher score)
                assert all(m["excluded"] for m in competency(after, cid)["methods"]), cid
                continue
            rise = competency(after, cid)["score"] - competency(before, cid)["score"]
            sr_before = before.payload["scales"][self_report][cid]
            sr_after = after.payload["scales"][self_report][cid]
            share = max(
                self_report_share(before, cid, self_report),
                self_report_share(after, cid, self_report),
            )
            assert sr_after >= sr_before  # the keyed maximum is the highest self-report
            # 0.05: the payload rounds scores and weights
            assert rise <= share * (sr_after - sr_before) + 0.05, (cid, rise, share)


def test_few_low_ability_savvy_fakers_are_recommended(catalog: Catalog, bank: sim.ItemBank) -> None:
    """All competencies 1 SD below average, faking the self-description (since issue 13 the
    forced-choice questionnaire, ranked by desirability; it was a strict xfail with the Likert
    self-report), attention checks passed: at most 10 % recommended (the bound of issue 10,
    docs/scoring.md, "Simulation study")."""
    rng = np.random.default_rng(505)
    fakers = [
        sim.as_kind(sim.at_level(rng, competencies(catalog), -1.0), "faker") for _ in range(60)
    ]
    recommended = [score(catalog, bank, rng, p).recommendation in RECOMMENDED for p in fakers]
    assert float(np.mean(recommended)) <= 0.10, f"{np.mean(recommended):.1%} recommended"
