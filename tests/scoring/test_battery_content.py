"""Batteries as the issue asks: candidate batteries fit in 35 minutes by the declared times
(checked by `salesfit validate`, bad input named), and the hiring batteries name a slot for the
organisation's own product test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from app.cli import cli
from app.paths import ASSESSMENTS_DIR, MODEL_FILE
from app.scoring import product_test
from app.scoring.errors import DefinitionError
from app.scoring.loader import MAX_CANDIDATE_MINUTES, Catalog, load_catalog, scored_scales
from app.services.report import caution_sentences

runner = CliRunner()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    shutil.copy(MODEL_FILE, tmp_path / "competencies.yaml")
    shutil.copytree(ASSESSMENTS_DIR, tmp_path / "assessments")
    return tmp_path


def shipped() -> Catalog:
    return load_catalog(MODEL_FILE, ASSESSMENTS_DIR)


def edit(path: Path, key: str, value: object) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data[key] = value
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_every_shipped_candidate_battery_fits_in_35_minutes() -> None:
    catalog = shipped()
    candidate = [b for b in catalog.batteries.values() if b.audience == "candidate"]
    assert len(candidate) >= 3
    for battery in candidate:
        assert 0 < catalog.battery_minutes(battery) <= MAX_CANDIDATE_MINUTES, battery.id


def test_validate_names_a_candidate_battery_that_takes_too_long(tree: Path) -> None:
    # the situational test claims 24 minutes instead of 14: general 29 -> 39 minutes
    edit(tree / "assessments" / "sales_sjt.yaml", "minutes", 24)
    with pytest.raises(DefinitionError) as raised:
        load_catalog(tree / "competencies.yaml", tree / "assessments")
    found = [str(p) for p in raised.value.problems]
    general = [p for p in found if "candidate-general.yaml" in p]
    assert general, found
    assert "instruments: takes 39 minutes" in general[0] and "sales_sjt 24" in general[0]
    assert "at most 35" in general[0]
    # a hiring battery counts the minutes its product-test slot keeps: 7 + 24 + 10 + 4
    active = [p for p in found if "candidate-active.yaml" in p]
    assert active and "takes 45 minutes" in active[0] and "product_test slot 4" in active[0]
    # the employee battery (43 minutes) is not a candidate battery and is not limited
    assert not any("employee.yaml" in p for p in found)
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
    assert "candidate-general.yaml" in result.output and "takes 39 minutes" in result.output


def test_the_hiring_batteries_name_a_product_test_slot() -> None:
    catalog = shipped()
    slots = {b.id: b.product_test for b in catalog.batteries.values()}
    assert slots["candidate-active"] is not None and slots["candidate-passive"] is not None
    assert slots["candidate-active"].scale == "product_knowledge"
    assert slots["candidate-general"] is None
    summary = {b["id"]: b for b in catalog.summary()["batteries"]}
    assert summary["candidate-passive"]["product_test"] == "product_knowledge"
    assert summary["candidate-passive"]["product_test_minutes"] == 4
    assert summary["candidate-general"]["product_test_minutes"] is None
    # the slot's minutes count in the limit: 31 + 4 for the active battery
    assert summary["candidate-active"]["minutes"] + 4 <= MAX_CANDIDATE_MINUTES
    result = runner.invoke(cli, ["validate"])
    assert result.exit_code == 0, result.output
    assert "candidate-passive: " in result.output
    assert "a slot for the organisation's product test" in result.output
    assert "(+ up to 4 for the product test)" in result.output


def test_a_slot_for_an_unknown_competency_is_refused(tree: Path) -> None:
    edit(
        tree / "assessments" / "batteries" / "candidate-passive.yaml",
        "product_test",
        {"scale": "product_knowlege"},
    )
    with pytest.raises(DefinitionError) as raised:
        load_catalog(tree / "competencies.yaml", tree / "assessments")
    (problem,) = [str(p) for p in raised.value.problems]
    assert "candidate-passive.yaml" in problem
    assert "product_test.scale: unknown competency 'product_knowlege'" in problem


def test_product_knowledge_without_the_company_test_is_reported_as_not_tested() -> None:
    catalog = shipped()
    passive = catalog.batteries["candidate-passive"]
    found = product_test.status(catalog, passive, passive.instruments)
    assert found["scale"] == "product_knowledge" and found["slot"] and not found["tested"]
    assert "not measured by a test" in found["text"]["en"]
    assert "не измерено тестом" in found["text"]["ru"]
    payload = {"cautions": ["missing_scores"], "competencies": {"product_knowledge": {"score": 60}}}
    marked = product_test.mark(payload, found)
    assert marked["cautions"] == ["missing_scores", "not_tested:product_knowledge"]
    assert marked["competencies"]["product_knowledge"] == {"score": 60, "tested": False}
    assert payload["cautions"] == ["missing_scores"]  # the input is not changed
    sentences = caution_sentences(catalog.model.definition, marked["cautions"], "en")
    assert any("is not measured by a test" in s for s in sentences)


def test_no_shipped_item_outside_a_company_test_scores_product_knowledge() -> None:
    """Product knowledge is company-specific: the generic SJT, knowledge test and work
    samples must not proxy it with items that measure something else."""
    catalog = shipped()
    for loaded in catalog.instruments.values():
        definition = loaded.definition
        if definition.type.value in ("self_report", "forced_choice", "manager_rating", "interview"):
            continue  # a self-description or a person's judgement of the competency itself
        scales = {scale for _element, scale in scored_scales(definition)}
        assert "product_knowledge" not in scales, definition.id
    for battery in catalog.batteries.values():
        assert not product_test.tested_by(catalog, battery.instruments, "product_knowledge")
