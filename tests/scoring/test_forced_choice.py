"""The forced-choice format (issue 13): what the files may say, how picks become traits
(Thurstonian IRT, app/scoring/tirt.py), partial blocks, and how the shipped questionnaire is
built."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from app.paths import ASSESSMENTS_DIR, MODEL_FILE
from app.scoring import simulate as sim
from app.scoring.definitions import FcCheck, ForcedChoice
from app.scoring.errors import DefinitionError
from app.scoring.loader import Catalog, load_catalog
from app.scoring.person import score_person
from app.scoring.responses import AnswerError, elements
from app.scoring.tirt import Design, estimate, respond, score_rows

CATALOG: Catalog = load_catalog(MODEL_FILE, ASSESSMENTS_DIR)
FC = CATALOG.instruments["sales_forced_choice"].definition
assert isinstance(FC, ForcedChoice)
FILE = "sales_forced_choice.yaml"

RECOVERY_FLOOR = 0.75
"""The least correlation between a trait's score and its true level in the seeded study
below (500 people whose answers follow parameters that differ from the declared ones: loadings
x U(0.7, 1.3), means + N(0, 0.25)); it came out 0.80-0.86 with design parameters
(docs/scoring.md, "Forced choice")."""


# ----------------------------------------------------------------------------- the format


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    shutil.copy(MODEL_FILE, tmp_path / "competencies.yaml")
    shutil.copytree(ASSESSMENTS_DIR, tmp_path / "assessments")
    return tmp_path


def problems_after(tree: Path, change: Callable[[Any], None]) -> list[str]:
    path = tree / "assessments" / FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(DefinitionError) as raised:
        load_catalog(tree / "competencies.yaml", tree / "assessments")
    return [str(p) for p in raised.value.problems]


def test_two_statements_of_one_competency_in_a_block_are_refused(tree: Path) -> None:
    def same(data: Any) -> None:
        block = data["items"][2]["statements"]
        block[1]["competency"] = block[0]["competency"]

    found = problems_after(tree, same)
    assert len(found) == 1
    assert FILE in found[0] and "items[2]" in found[0]
    assert "two statements of" in found[0]


def test_a_block_of_two_statements_is_refused(tree: Path) -> None:
    found = problems_after(tree, lambda d: d["items"][5]["statements"].pop())
    assert len(found) == 1 and FILE in found[0] and "items[5].statements" in found[0]
    assert "at least 3" in found[0]


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("loading", 0, "must be a positive number"),
        ("loading", 7.5, "less than or equal to 3"),
        ("mean", -4, "greater than or equal to -3"),
        ("uniqueness", 0, "must be a positive number"),
        ("key", 2, "1"),
    ],
)
def test_parameters_out_of_range_are_refused(
    tree: Path, field: str, value: float, says: str
) -> None:
    def change(data: Any) -> None:
        data["items"][0]["statements"][1][field] = value

    found = problems_after(tree, change)
    assert len(found) == 1
    assert FILE in found[0] and f"items[0].statements[1].{field}" in found[0]
    assert says in found[0]


def test_an_unknown_competency_is_named(tree: Path) -> None:
    def change(data: Any) -> None:
        data["items"][3]["statements"][0]["competency"] = "charisma"

    found = problems_after(tree, change)
    assert any("items[3].statements[0].competency" in p and "charisma" in p for p in found)


def test_parameters_must_say_design_or_calibrated(tree: Path) -> None:
    found = problems_after(tree, lambda d: d.update(parameters="guessed"))
    assert len(found) == 1 and "parameters" in found[0] and "design" in found[0]


# ----------------------------------------------------------------------------- the content


def test_the_shipped_questionnaire_is_built_as_the_issue_asks() -> None:
    statements = [s for block in FC.blocks for s in block.statements]
    per_trait: dict[str, list[int]] = {}
    for s in statements:
        per_trait.setdefault(s.competency, []).append(s.key)
    assert set(CATALOG.model.competency_ids) <= set(per_trait)
    for trait, keys in per_trait.items():
        assert len(keys) >= 8, trait
        assert keys.count(-1) >= 2 and keys.count(1) >= 2, trait  # both directions
    for block in FC.blocks:
        means = [s.mean for s in block.statements]
        assert max(means) - min(means) <= 0.3, f"{block.id} is not matched on desirability"
    mixed = sum(len({s.key for s in block.statements}) == 2 for block in FC.blocks)
    assert mixed >= len(FC.blocks) / 2
    assert FC.parameters == "design"


def test_the_candidate_batteries_use_forced_choice_and_employees_keep_the_likert_version() -> None:
    for battery in CATALOG.batteries.values():
        if battery.audience == "candidate":
            assert "sales_forced_choice" in battery.instruments, battery.id
            assert "sales_self_report" not in battery.instruments, battery.id
            assert CATALOG.battery_minutes(battery) <= 35, battery.id
    assert "sales_self_report" in CATALOG.batteries["employee"].instruments


# ----------------------------------------------------------------------------- scoring


def picks_favouring(trait: str) -> list[dict[str, str]]:
    """The answers of someone for whom `trait` always describes them best (positive
    statements of it most like them, negative ones least), others in file order."""
    answers = []
    for item in FC.items:
        ids = [s.id for s in item.statements]
        if isinstance(item, FcCheck):
            answers.append({"most": item.expected.most, "least": item.expected.least})
            continue
        mine = next((s for s in item.statements if s.competency == trait), None)
        if mine is None:
            answers.append({"most": ids[0], "least": ids[2]})
            continue
        others = [i for i in ids if i != mine.id]
        if mine.key == 1:
            answers.append({"most": mine.id, "least": others[-1]})
        else:
            answers.append({"most": others[0], "least": mine.id})
    return answers


def test_picks_move_the_chosen_trait_up_and_the_rejected_down() -> None:
    design = Design.of(FC)
    neutral = score_rows(
        FC, [[{"most": b.statements[0].id, "least": b.statements[2].id} for b in FC.items]]
    )
    up = score_rows(FC, [picks_favouring("persistence")])
    k = design.traits.index("persistence")
    assert up[1][0, k] > neutral[1][0, k] + 10
    # the mirror image: persistence always least like me
    mirrored = [{"most": p["least"], "least": p["most"]} for p in picks_favouring("persistence")]
    down = score_rows(FC, [mirrored])
    assert down[1][0, k] < neutral[1][0, k] - 10


def test_the_standard_error_comes_from_the_posterior_and_shrinks_with_blocks() -> None:
    design = Design.of(FC)
    rng = np.random.default_rng(5)
    answers = respond(FC, {}, rng.standard_normal(3 * len(FC.blocks)))
    orders = []
    picks = [a for item, a in zip(FC.items, answers, strict=True) if not isinstance(item, FcCheck)]
    for block, pick in zip(FC.blocks, picks, strict=True):
        ids = [s.id for s in block.statements]
        most, least = ids.index(pick["most"]), ids.index(pick["least"])
        orders.append([most, 3 - most - least, least])
    full = estimate(design, design.outcomes(orders))
    half = estimate(design, design.outcomes([o if b % 2 else None for b, o in enumerate(orders)]))
    assert np.all(full.se < 1.0)  # the prior SD is 1: the answers inform every trait
    assert np.all(half.se > full.se)


def test_a_partial_block_is_kept_but_scored_as_missing() -> None:
    element = elements(FC)[0]
    ids = [s.id for s in FC.items[0].statements]
    assert element.parse({"most": ids[0]}) == {"most": ids[0]}
    rng = np.random.default_rng(9)
    answers = respond(FC, {}, rng.standard_normal(3 * len(FC.blocks)))
    partial = [dict(a) for a in answers]
    partial[0] = {"most": answers[0]["most"]}  # least not given
    dropped = [dict(a) for a in answers]
    dropped[0] = None  # type: ignore[call-overload]
    with_partial = score_rows(FC, [partial])
    without = score_rows(FC, [dropped])
    np.testing.assert_allclose(with_partial[1], without[1])
    np.testing.assert_allclose(with_partial[2], without[2])
    assert with_partial[3][0] == len(FC.blocks) - 1


def test_too_few_complete_blocks_leave_every_trait_missing() -> None:
    rng = np.random.default_rng(2)
    answers: list[Any] = respond(FC, {}, rng.standard_normal(3 * len(FC.blocks)))
    scored = [k for k, item in enumerate(FC.items) if not isinstance(item, FcCheck)]
    for k in scored[: len(scored) // 2]:
        answers[k] = {"most": answers[k]["most"]}
    _, scores, errors, complete = score_rows(FC, [answers])
    assert np.isnan(scores).all() and np.isnan(errors).all()
    assert complete[0] == len(scored) - len(scored) // 2


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ({"most": "nobody", "least": "x"}, "unknown statement"),
        ({"best": "a"}, "unknown key"),
        ("just text", "most/least"),
    ],
)
def test_answers_that_do_not_fit_say_what_is_allowed(value: Any, says: str) -> None:
    with pytest.raises(AnswerError, match=says):
        elements(FC)[0].parse(value)


def test_the_same_statement_as_most_and_least_is_refused() -> None:
    first = FC.items[0].statements[0].id
    with pytest.raises(AnswerError, match="both most and least"):
        elements(FC)[0].parse({"most": first, "least": first})


def test_recovery_in_a_seeded_simulation_is_above_the_floor() -> None:
    bank = sim.ItemBank(CATALOG, 3)
    rng = np.random.default_rng(11)
    people = sim.general_population(rng, CATALOG.model.competency_ids, 500)
    rows = [
        sim.sit(rng, bank, ["sales_forced_choice"], p).rows["sales_forced_choice"] for p in people
    ]
    traits, scores, _errors, _ = score_rows(FC, rows)
    for k, trait in enumerate(traits):
        truth = np.array([p.level(trait) for p in people])
        r = float(np.corrcoef(scores[:, k], truth)[0, 1])
        assert r >= RECOVERY_FLOOR, f"{trait}: r = {r:.2f}"


def test_a_forced_choice_method_enters_the_decision_with_its_own_se_and_says_design() -> None:
    battery = CATALOG.batteries["candidate-general"].instruments
    bank = sim.ItemBank(CATALOG, 4)
    rng = np.random.default_rng(4)
    person = sim.at_level(rng, CATALOG.model.competency_ids, 1.0)
    sitting = sim.sit(rng, bank, battery, person)
    result = score_person(CATALOG, battery, sitting.rows, sitting.seconds)
    method = next(
        m
        for m in result.payload["competencies"]["persuasion"]["methods"]
        if m["type"] == "forced_choice"
    )
    assert method["parameters"] == "design"
    assert method["se"] is not None and 0 < method["se"] < 16
    assert method["effective_weight"] > 0
    assert result.payload["profile_scales"]["sales_orientation"]["score"] is not None


# ----------------------------------------------------------------------------- attention


def answers_of(seed: int) -> list[dict[str, str]]:
    rng = np.random.default_rng(seed)
    return respond(FC, {}, rng.standard_normal(3 * len(FC.blocks)))


def checks() -> list[int]:
    return [k for k, item in enumerate(FC.items) if isinstance(item, FcCheck)]


def flags_of(answers: list[dict[str, str]]) -> list[str]:
    from app.scoring.engine import score_instrument

    return score_instrument(FC, ["p"], rows=[answers]).flags[0]


def test_one_missed_check_is_a_slip_two_raise_failed_attention() -> None:
    answers = answers_of(1)
    assert flags_of(answers) == []
    first, second = checks()[:2]
    for k in (first,):
        check = FC.items[k]
        answers[k] = {"most": check.expected.least, "least": check.expected.most}
    assert flags_of(answers) == []  # one slip is tolerated
    check = FC.items[second]
    answers[second] = {"most": check.expected.least, "least": check.expected.most}
    assert flags_of(answers) == ["failed_attention"]


def test_a_check_block_is_refused_when_its_expected_pick_is_not_one_of_its_statements(
    tree: Path,
) -> None:
    def change(data: Any) -> None:
        k = next(i for i, item in enumerate(data["items"]) if "expected" in item)
        data["items"][k]["expected"]["most"] = "elsewhere"

    found = problems_after(tree, change)
    assert len(found) == 1 and "expected most 'elsewhere'" in found[0]
