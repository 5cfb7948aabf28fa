"""The structured interview as an instrument: its format, its scores and reliability from one
interviewer or a panel, and its place among the methods of score_person."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from app.cli import cli
from app.models import Invitation
from app.paths import ASSESSMENTS_DIR, MODEL_FILE
from app.scoring.definitions import Interview
from app.scoring.errors import DefinitionError
from app.scoring.interview import (
    RELIABILITY_RANGE,
    SOURCE_INTER_RATER,
    icc_2_1,
    score_interview,
    spearman_brown,
)
from app.scoring.loader import Catalog, load_catalog
from app.scoring.person import score_person
from app.services.results import interview_proposal
from tests.scoring.test_decision import strong_rows

INTERVIEW = "structured_interview"
runner = CliRunner()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    shutil.copy(MODEL_FILE, tmp_path / "competencies.yaml")
    shutil.copytree(ASSESSMENTS_DIR, tmp_path / "assessments")
    return tmp_path


def broken(tree: Path, change: Callable[[Any], None]) -> list[str]:
    path = tree / "assessments" / f"{INTERVIEW}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(DefinitionError) as raised:
        load_catalog(tree / "competencies.yaml", tree / "assessments")
    return [str(p) for p in raised.value.problems]


def interview(catalog: Catalog) -> Interview:
    definition = catalog.instruments[INTERVIEW].definition
    assert isinstance(definition, Interview)
    return definition


# ----------------------------------------------------------------------------- format


def test_the_shipped_interview_asks_two_or_three_anchored_questions_per_competency(
    catalog: Catalog,
) -> None:
    definition = interview(catalog)
    per_competency: dict[str, set[str]] = {}
    for item in definition.items:
        per_competency.setdefault(item.scale, set()).add(item.kind)
        assert {1, 3, 5} <= set(item.anchors), item.id
        assert item.text.ru and item.text.en
    assert set(per_competency) == set(catalog.model.competency_ids)
    assert all(kinds == {"behavioural", "situational"} for kinds in per_competency.values())
    counts = {c: sum(1 for i in definition.items if i.scale == c) for c in per_competency}
    assert all(2 <= n <= 3 for n in counts.values()), counts


def test_a_question_without_its_middle_anchor_is_named_by_file_and_place(tree: Path) -> None:
    def drop_middle(data: Any) -> None:
        del data["items"][2]["anchors"][3]

    found = broken(tree, drop_middle)
    assert any(
        f"{INTERVIEW}.yaml:" in p
        and "items[2].anchors" in p
        and "no anchor for 3" in p
        and "iv_pk_past" in p
        for p in found
    ), found


def test_a_question_with_no_anchors_at_all_is_refused(tree: Path) -> None:
    def no_anchors(data: Any) -> None:
        data["items"][0]["anchors"] = {}

    found = broken(tree, no_anchors)
    assert any("items[0].anchors" in p and "no anchor for 1, 3, 5" in p for p in found), found


def test_one_question_for_a_competency_is_refused(tree: Path) -> None:
    def thin(data: Any) -> None:
        del data["items"][1]  # client_expertise keeps one question

    found = broken(tree, thin)
    assert any("'client_expertise' has 1 question(s); ask 2 or 3" in p for p in found), found


def test_an_unknown_kind_of_question_is_refused(tree: Path) -> None:
    def odd(data: Any) -> None:
        data["items"][2]["kind"] = "hypothetical"

    found = broken(tree, odd)
    assert any("items[2].kind" in p and "situational" in p for p in found), found


def test_an_interview_in_a_battery_is_refused(tree: Path) -> None:
    path = tree / "assessments" / "batteries" / "candidate-general.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["instruments"].append(INTERVIEW)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DefinitionError) as raised:
        load_catalog(tree / "competencies.yaml", tree / "assessments")
    assert any("is an interview" in str(p) for p in raised.value.problems)


def test_salesfit_validate_names_the_broken_interview_and_exits_1(tree: Path) -> None:
    path = tree / "assessments" / f"{INTERVIEW}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["items"][0]["anchors"][5]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = runner.invoke(
        cli,
        [
            "validate",
            "--model",
            str(tree / "competencies.yaml"),
            "--assessments",
            str(tree / "assessments"),
        ],
    )
    assert result.exit_code == 1
    assert f"{INTERVIEW}.yaml" in result.output and "items[0].anchors" in result.output


# ----------------------------------------------------------------------------- reliability


def test_icc_matches_shrout_and_fleiss_worked_example() -> None:
    # Shrout & Fleiss (1979), Table 2: six targets, four judges; ICC(2,1) = .29.
    ratings = np.array(
        [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]],
        dtype=float,
    )
    value = icc_2_1(ratings)
    assert value is not None and round(value, 2) == 0.29


def test_one_interviewer_uses_the_declared_prior(catalog: Catalog) -> None:
    definition = interview(catalog)
    row: list[int | None] = [5 if item.scale == "negotiation" else 3 for item in definition.items]
    scored = score_interview(definition, [row])
    assert scored.interviewers == 1 and scored.icc is None
    assert scored.scores["negotiation"] == 100.0 and scored.scores["persistence"] == 50.0
    prior = definition.prior_reliability
    assert prior is not None
    assert scored.reliabilities["negotiation"].reliability == prior.default
    assert scored.reliabilities["negotiation"].source == "prior"


def test_a_competency_nobody_rated_is_not_measured(catalog: Catalog) -> None:
    definition = interview(catalog)
    row: list[int | None] = [
        None if item.scale == "persistence" else 4 for item in definition.items
    ]
    scored = score_interview(definition, [row])
    assert scored.scores["persistence"] is None and scored.scores["negotiation"] == 75.0


def _panel(definition: Interview, noise: float, seed: int) -> list[list[int | None]]:
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 6, size=len(definition.items)).astype(float)
    return [[int(np.clip(round(t + rng.normal(0, noise)), 1, 5)) for t in truth] for _ in range(2)]


def test_two_agreeing_interviewers_are_more_reliable_than_two_who_disagree(
    catalog: Catalog,
) -> None:
    definition = interview(catalog)
    agree = score_interview(definition, _panel(definition, 0.3, 1))
    disagree = score_interview(
        definition, [_panel(definition, 0, 2)[0], _panel(definition, 0, 3)[0]]
    )
    assert agree.interviewers == disagree.interviewers == 2
    assert agree.icc is not None and disagree.icc is not None
    assert agree.icc > 0.7 > disagree.icc
    high = agree.reliabilities["negotiation"]
    low = disagree.reliabilities["negotiation"]
    assert high.source == low.source == SOURCE_INTER_RATER and high.n == 2
    assert high.reliability == pytest.approx(
        min(RELIABILITY_RANGE[1], spearman_brown(agree.icc, 2)), abs=1e-9
    )
    assert high.se < low.se


# ----------------------------------------------------------------------------- as a method


def test_the_interview_is_combined_as_a_method_and_narrows_the_interval(catalog: Catalog) -> None:
    rows = strong_rows()
    definition = interview(catalog)
    without = score_person(catalog, catalog.batteries["candidate-general"].instruments, rows)
    panel = [[4] * len(definition.items), [4] * len(definition.items)]
    panel[1][0] = 5
    with_it = score_person(
        catalog,
        catalog.batteries["candidate-general"].instruments,
        rows,
        interviews={INTERVIEW: panel},
    )
    before = without.payload["competencies"]["negotiation"]
    after = with_it.payload["competencies"]["negotiation"]
    methods = {m["instrument"]: m for m in after["methods"]}
    assert methods[INTERVIEW]["type"] == "interview"
    assert methods[INTERVIEW]["effective_weight"] > 0
    assert after["se"] < before["se"]
    assert with_it.payload["interviews"][INTERVIEW]["interviewers"] == 2


def test_an_uncertain_outcome_proposes_the_interview_for_exactly_the_open_competencies(
    catalog: Catalog,
) -> None:
    invitation = Invitation(id=7, campaign_id=1, person_id=1)
    payload = {
        "outcome": "uncertain",
        "next_steps": ["interview", "retest"],
        "open_competencies": ["negotiation", "persistence"],
    }
    proposal = interview_proposal(catalog, invitation, payload)
    assert proposal is not None
    assert proposal["competencies"] == ["negotiation", "persistence"]
    asked = {i.scale for i in interview(catalog).items if i.id in proposal["questions"]}
    assert asked == {"negotiation", "persistence"} and len(proposal["questions"]) == 4
    assert proposal["path"] == "/interviews/7?focus=negotiation,persistence"
    decided = {**payload, "outcome": "active", "next_steps": []}
    assert interview_proposal(catalog, invitation, decided) is None
