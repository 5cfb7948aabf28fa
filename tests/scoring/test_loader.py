"""The competency model and instrument files: what is accepted, what is refused and how."""

from __future__ import annotations

import copy
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.paths import ASSESSMENTS_DIR, MODEL_FILE
from app.scoring.errors import DefinitionError
from app.scoring.loader import Catalog, load_catalog, load_instrument, load_model

SEVEN = [
    "client_expertise",
    "product_knowledge",
    "communication",
    "persuasion",
    "negotiation",
    "objection_handling",
    "persistence",
]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A private copy of the model and assessments to break."""
    shutil.copy(MODEL_FILE, tmp_path / "competencies.yaml")
    shutil.copytree(ASSESSMENTS_DIR, tmp_path / "assessments")
    return tmp_path


def load(tree: Path) -> Catalog:
    return load_catalog(tree / "competencies.yaml", tree / "assessments")


def problems(tree: Path) -> list[str]:
    with pytest.raises(DefinitionError) as raised:
        load(tree)
    return [str(p) for p in raised.value.problems]


def edit_yaml(path: Path, change: Callable[[Any], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


# ----------------------------------------------------------------------------- the shipped model


def test_the_shipped_model_has_the_seven_competencies_and_both_profiles() -> None:
    model = load_model(MODEL_FILE)
    definition = model.definition
    assert model.competency_ids == SEVEN
    assert set(model.profile_ids) == {"active", "passive"}
    assert [s.id for s in definition.stages] == [
        "prospecting",
        "first_contact",
        "creating_interest",
        "needs_discovery",
        "offer",
        "objections",
    ]
    for competency in definition.competencies.values():
        assert len(competency.indicators) >= 3
        assert competency.interview_questions and competency.development
    for profile in definition.profiles.values():
        assert set(profile.weights) == set(profile.targets) == set(profile.minimums) == set(SEVEN)


def test_the_shipped_profiles_follow_the_article() -> None:
    profiles = load_model(MODEL_FILE).definition.profiles
    active, passive = profiles["active"], profiles["passive"]
    # Objections matter equally in both (the article: their nature does not depend on who called).
    assert active.weights["objection_handling"] == passive.weights["objection_handling"]
    # Active leans on persistence and contact with strangers, passive on client and product.
    assert active.weights["persistence"] > passive.weights["persistence"]
    assert active.weights["communication"] > passive.weights["communication"]
    assert passive.weights["product_knowledge"] > active.weights["product_knowledge"]
    assert passive.weights["client_expertise"] > active.weights["client_expertise"]
    assert active.minimums["persistence"] > passive.minimums["persistence"]


def test_the_shipped_kpis_cover_both_roles_with_longer_active_horizons() -> None:
    kpis = load_model(MODEL_FILE).definition.kpis
    active = [k for k in kpis.values() if k.role == "active"]
    passive = [k for k in kpis.values() if k.role == "passive"]
    assert len(active) >= 6 and len(passive) >= 2
    assert max(k.default_horizon_months for k in active) > max(
        k.default_horizon_months for k in passive
    )


def test_trainability_puts_product_knowledge_fastest_and_persistence_slowest() -> None:
    competencies = load_model(MODEL_FILE).definition.competencies
    gains = {cid: c.trainability.monthly_gain for cid, c in competencies.items()}
    assert max(gains, key=gains.__getitem__) == "product_knowledge"
    assert min(gains, key=gains.__getitem__) == "persistence"


def test_the_model_version_changes_with_the_content(tree: Path) -> None:
    before = load_model(tree / "competencies.yaml").version
    assert before.startswith("2026.1+")
    path = tree / "competencies.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    after = load_model(path).version
    assert after != before and after.startswith("2026.1+")


def test_the_whole_shipped_tree_is_valid() -> None:
    catalog = load_catalog(MODEL_FILE, ASSESSMENTS_DIR)
    summary = catalog.summary()
    assert summary["competencies"] == SEVEN
    assert summary["instruments"] and summary["batteries"]
    for battery in summary["batteries"]:
        assert set(battery["instruments"]) <= {i["id"] for i in summary["instruments"]}


# ----------------------------------------------------------------------------- a broken model


def test_invalid_yaml_is_refused_with_its_line(tree: Path) -> None:
    path = tree / "competencies.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(5, "competencies: [unclosed")
    path.write_text("\n".join(lines), encoding="utf-8")
    (found,) = problems(tree)
    assert re.search(r"competencies\.yaml:\d+: invalid YAML: ", found), found


def test_a_negative_weight_names_the_place(tree: Path) -> None:
    edit_yaml(
        tree / "competencies.yaml",
        lambda d: d["profiles"]["active"]["weights"].update(persistence=-1),
    )
    (found,) = problems(tree)
    assert "competencies.yaml:" in found
    assert "profiles.active.weights.persistence: must be a positive number, got -1" in found


def test_a_weight_that_is_not_a_number_is_refused(tree: Path) -> None:
    edit_yaml(
        tree / "competencies.yaml",
        lambda d: d["profiles"]["passive"]["weights"].update(negotiation="high"),
    )
    (found,) = problems(tree)
    assert "profiles.passive.weights.negotiation" in found and "number" in found


def test_a_missing_translation_is_refused(tree: Path) -> None:
    edit_yaml(
        tree / "competencies.yaml", lambda d: d["competencies"]["persuasion"]["name"].pop("en")
    )
    (found,) = problems(tree)
    assert "competencies.persuasion.name.en: missing translation 'en'" in found


def test_an_unknown_competency_id_in_a_profile_is_refused(tree: Path) -> None:
    def typo(data: Any) -> None:
        weights = data["profiles"]["active"]["weights"]
        weights["persistance"] = weights.pop("persistence")

    edit_yaml(tree / "competencies.yaml", typo)
    found = problems(tree)
    assert any(
        "profiles.active.weights.persistance: unknown competency 'persistance'" in p for p in found
    )
    assert any("profiles.active.weights: missing competency 'persistence'" in p for p in found)


def test_a_duplicate_competency_is_refused_with_both_lines(tree: Path) -> None:
    path = tree / "competencies.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("\n  persistence:\n")
    end = text.index("\nprofiles:")
    block = text[start:end]
    path.write_text(text[:end] + block + text[end:], encoding="utf-8")
    found = problems(tree)
    assert any(
        "competencies.persistence: duplicate key 'persistence' (first given on line" in p
        for p in found
    )


def test_several_faults_are_all_reported_at_once(tree: Path) -> None:
    def break_twice(data: Any) -> None:
        data["profiles"]["active"]["weights"]["persistence"] = 0
        data["profiles"]["passive"]["targets"]["persistence"] = 140
        data["competencies"]["communication"]["definition"].pop("ru")

    edit_yaml(tree / "competencies.yaml", break_twice)
    found = problems(tree)
    assert len(found) == 3
    assert any(
        "profiles.passive.targets.persistence: must be less than or equal to 100" in p
        for p in found
    )
    assert any(
        "competencies.communication.definition.ru: missing translation 'ru'" in p for p in found
    )


def test_a_kpi_for_an_unknown_role_is_refused(tree: Path) -> None:
    edit_yaml(tree / "competencies.yaml", lambda d: d["kpis"]["close_rate"].update(role="hunter"))
    (found,) = problems(tree)
    assert "kpis.close_rate.role: unknown profile 'hunter' (profiles: active, passive)" in found


def test_a_minimum_above_its_target_is_refused(tree: Path) -> None:
    edit_yaml(
        tree / "competencies.yaml",
        lambda d: d["profiles"]["active"]["minimums"].update(persistence=99),
    )
    (found,) = problems(tree)
    assert "profiles.active.minimums.persistence: minimum 99 is above the target" in found


def test_an_unknown_field_is_refused(tree: Path) -> None:
    edit_yaml(
        tree / "competencies.yaml", lambda d: d["competencies"]["negotiation"].update(wieght=2)
    )
    (found,) = problems(tree)
    assert "competencies.negotiation.wieght: unknown field" in found


# ----------------------------------------------------------------------------- instruments


LIKERT_7 = {
    "min": 1,
    "max": 7,
    "labels": {
        1: {"ru": "Совсем не согласен", "en": "Strongly disagree"},
        7: {"ru": "Полностью согласен", "en": "Strongly agree"},
    },
}


def text(en: str) -> dict[str, str]:
    return {"ru": f"[ru] {en}", "en": en}


def base(instrument_id: str, kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": instrument_id,
        "version": "1",
        "type": kind,
        "title": text("Title"),
        "description": text("Description"),
        "instructions": text("Instructions"),
        "minutes": 4,
        "audience": ["candidate", "employee"],
        "prior_reliability": {"default": 0.5, "sd": 18},
        **fields,
    }


def likert_items(scale: str, count: int, prefix: str) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{prefix}{i}",
            "scale": scale,
            "text": text(f"Statement {i}"),
            "key": "reverse" if i % 2 else "positive",
        }
        for i in range(1, count + 1)
    ]


EXAMPLES: dict[str, dict[str, Any]] = {
    "t_self": base(
        "t_self",
        "self_report",
        response_scale=LIKERT_7,
        scales={"attention": {"kind": "infrequency", "name": text("Attention")}},
        items=[
            *likert_items("persistence", 4, "p"),
            {
                "id": "att1",
                "scale": "attention",
                "text": text("Choose 'strongly disagree'."),
                "expected": [1],
            },
        ],
        consistency_pairs=[{"items": ["p1", "p3"], "max_difference": 3}],
    ),
    "t_sjt": base(
        "t_sjt",
        "sjt",
        format="best_worst",
        key_scale={"min": 1, "max": 4},
        items=[
            {
                "id": "gatekeeper",
                "scale": "communication",
                "stage": "first_contact",
                "scenario": text("A secretary says the director is busy."),
                "question": text("What do you do?"),
                "options": [
                    {"id": "a", "text": text("Ask when to call back"), "effectiveness": 4},
                    {"id": "b", "text": text("Insist"), "effectiveness": 1},
                    {"id": "c", "text": text("Send a letter"), "effectiveness": 2},
                ],
            }
        ],
    ),
    "t_knowledge": base(
        "t_knowledge",
        "knowledge",
        items=[
            {
                "id": "k1",
                "scale": "product_knowledge",
                "question": text("Which plan includes support?"),
                "options": [{"id": "a", "text": text("Basic")}, {"id": "b", "text": text("Pro")}],
                "correct": ["b"],
            }
        ],
    ),
    "t_rating": base(
        "t_rating",
        "manager_rating",
        audience=["manager"],
        response_scale={"min": 1, "max": 5},
        items=[
            {
                "id": "r1",
                "scale": "persistence",
                "text": text("Keeps calling after refusals"),
                "anchors": {1: text("Stops after one no"), 5: text("Keeps a steady pace")},
            }
        ],
    ),
    "t_work": base(
        "t_work",
        "work_sample",
        items=[
            {
                "id": "cold_email",
                "prompt": text("Write a cold e-mail."),
                "max_words": 200,
                "rubric": [
                    {
                        "id": "hook",
                        "scale": "persuasion",
                        "criterion": text("Creates interest"),
                        "max_points": 3,
                        "anchors": {0: text("None"), 3: text("Strong")},
                    }
                ],
            }
        ],
    ),
}


def write_instrument(tree: Path, data: dict[str, Any], name: str | None = None) -> Path:
    path = tree / "assessments" / f"{name or data['id']}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_all_five_instrument_types_load(tree: Path) -> None:
    for data in EXAMPLES.values():
        write_instrument(tree, data)
    catalog = load(tree)
    summary = {i["id"]: i for i in catalog.summary()["instruments"]}
    assert summary["t_self"]["type"] == "self_report"
    assert summary["t_self"]["per_competency"] == {
        "persistence": 4
    }  # the attention item is no competency
    assert summary["t_self"]["items"] == 5
    assert summary["t_sjt"]["per_competency"] == {"communication": 1}
    assert summary["t_work"]["per_competency"] == {"persuasion": 1}
    assert summary["t_rating"]["languages"] == ["ru", "en"]
    reverse = [i.key for i in catalog.instruments["t_self"].definition.items][:4]
    assert reverse == ["reverse", "positive", "reverse", "positive"]


@pytest.mark.parametrize(
    ("name", "change", "expected"),
    [
        (
            "t_self",
            lambda d: d["items"][0].update(scale="persistance"),
            "items[0].scale: unknown competency or scale 'persistance'",
        ),
        ("t_self", lambda d: d["items"][1].update(id="p1"), "items[1].id: duplicate id 'p1'"),
        (
            "t_self",
            lambda d: d["items"][4].update(expected=[9]),
            "items[4].expected: answer 9 lies outside the scale 1..7",
        ),
        (
            "t_self",
            lambda d: d["items"][0]["text"].pop("ru"),
            "items[0].text.ru: missing translation 'ru'",
        ),
        (
            "t_self",
            lambda d: d["consistency_pairs"][0].update(items=["p1", "zz"]),
            "consistency_pairs[0].items[1]: no item with id 'zz'",
        ),
        (
            "t_self",
            lambda d: d["response_scale"].update(max=1),
            "response_scale: max (1) must be greater than min (1)",
        ),
        ("t_self", lambda d: d.update(type="survey"), "type: unknown instrument type 'survey'"),
        (
            "t_sjt",
            lambda d: d["items"][0]["options"][2].update(effectiveness=4),
            "best/worst needs one most effective option",
        ),
        (
            "t_sjt",
            lambda d: d["items"][0].update(stage="closing"),
            "items[0].stage: unknown stage 'closing'",
        ),
        (
            "t_sjt",
            lambda d: d.update(format="rate_each"),
            "response_scale: a rate_each SJT needs the scale candidates rate on",
        ),
        (
            "t_knowledge",
            lambda d: d["items"][0].update(correct=["c"]),
            "items[0].correct[0]: no option with id 'c'",
        ),
        (
            "t_rating",
            lambda d: d["items"][0].update(anchors={1: text("x"), 3: text("y")}),
            "anchor both ends of the scale (1 and 5)",
        ),
        (
            "t_work",
            lambda d: d["items"][0]["rubric"][0].update(max_points=0),
            "items[0].rubric[0].max_points: must be a positive number, got 0",
        ),
        ("t_work", lambda d: d.update(minutes=-5), "minutes: must be a positive number, got -5"),
    ],
)
def test_a_broken_instrument_is_refused_with_the_place(
    tree: Path, name: str, change: Callable[[Any], None], expected: str
) -> None:
    data = copy.deepcopy(EXAMPLES[name])
    change(data)
    write_instrument(tree, data)
    found = problems(tree)
    assert any(f"assessments/{name}.yaml:" in p for p in found), found
    assert any(expected in p for p in found), found


def test_a_yml_file_is_refused_rather_than_silently_shadowing(tree: Path) -> None:
    write_instrument(tree, EXAMPLES["t_knowledge"])
    (tree / "assessments" / "t_knowledge.yaml").rename(tree / "assessments" / "t_knowledge.yml")
    (found,) = problems(tree)
    assert "t_knowledge.yml: rename the file to end in .yaml" in found


def test_a_missing_type_is_named(tree: Path) -> None:
    data = copy.deepcopy(EXAMPLES["t_knowledge"])
    data.pop("type")
    write_instrument(tree, data)
    (found,) = problems(tree)
    assert "t_knowledge.yaml" in found and "type: required field is missing" in found


def test_a_duplicate_option_points_at_the_repeat(tree: Path) -> None:
    data = copy.deepcopy(EXAMPLES["t_sjt"])
    data["items"][0]["options"][2]["id"] = "a"
    write_instrument(tree, data)
    found = problems(tree)
    assert any("items[0].options[2].id: duplicate option id 'a'" in p for p in found), found


def test_an_instrument_id_must_match_its_file_name(tree: Path) -> None:
    write_instrument(tree, EXAMPLES["t_knowledge"], name="other_name")
    found = problems(tree)
    assert any(
        "other_name.yaml" in p and "id: must match the file name 'other_name'" in p for p in found
    )


def test_a_battery_naming_an_unknown_instrument_is_refused(tree: Path) -> None:
    battery = {
        "id": "broken",
        "name": text("Broken"),
        "purpose": text("Test"),
        "audience": "candidate",
        "instruments": ["no_such_instrument"],
    }
    (tree / "assessments" / "batteries" / "broken.yaml").write_text(
        yaml.safe_dump(battery), encoding="utf-8"
    )
    (found,) = problems(tree)
    assert (
        "broken.yaml:" in found
        and "instruments[0]: unknown instrument 'no_such_instrument'" in found
    )


def test_a_battery_for_candidates_cannot_hold_a_manager_rating(tree: Path) -> None:
    write_instrument(tree, EXAMPLES["t_rating"])
    battery = {
        "id": "mixed",
        "name": text("Mixed"),
        "purpose": text("Test"),
        "audience": "candidate",
        "instruments": ["t_rating"],
    }
    (tree / "assessments" / "batteries" / "mixed.yaml").write_text(
        yaml.safe_dump(battery), encoding="utf-8"
    )
    (found,) = problems(tree)
    assert "instrument 't_rating' is not meant for the audience 'candidate'" in found


def test_an_employee_battery_includes_the_managers_rating(tree: Path) -> None:
    write_instrument(tree, EXAMPLES["t_rating"])
    write_instrument(tree, EXAMPLES["t_sjt"])
    battery = {
        "id": "team-review",
        "name": text("Team review"),
        "purpose": text("Test"),
        "audience": "employee",
        "instruments": ["t_sjt", "t_rating"],
    }
    (tree / "assessments" / "batteries" / "team-review.yaml").write_text(
        yaml.safe_dump(battery), encoding="utf-8"
    )
    summary = {b["id"]: b for b in load(tree).summary()["batteries"]}
    assert (
        summary["team-review"]["minutes"] == EXAMPLES["t_sjt"]["minutes"]
    )  # the employee's own time
    assert summary["team-review"]["rater_minutes"] == EXAMPLES["t_rating"]["minutes"]


def test_a_broken_model_does_not_hide_instrument_problems(tree: Path) -> None:
    edit_yaml(tree / "competencies.yaml", lambda d: d.pop("version"))
    data = copy.deepcopy(EXAMPLES["t_self"])
    data["minutes"] = "long"
    write_instrument(tree, data)
    found = problems(tree)
    assert any(
        "competencies.yaml" in p and "version: required field is missing" in p for p in found
    )
    assert any("t_self.yaml" in p and "minutes" in p for p in found)


# ----------------------------------------------------------------------------- decisions and priors


@pytest.mark.parametrize(
    ("change", "place", "fix"),
    [
        (lambda d: d.pop("decision"), "decision: required field is missing", "add the 'decision:'"),
        (
            lambda d: d["decision"].update(recommend=1.5),
            "decision.recommend: must be less than 1, got 1.5",
            "a probability strictly between 0 and 1",
        ),
        (
            lambda d: d["decision"].update(level=80),
            "decision.level: must be less than 1, got 80",
            "e.g. 0.8",
        ),
        (
            lambda d: d["decision"].update(reject=0),
            "decision.reject: must be a positive number, got 0",
            "strictly between 0 and 1",
        ),
        (
            lambda d: d["decision"].update(reject=0.9),
            "decision: reject (0.9) must be below recommend (0.75)",
            "e.g. recommend: 0.8, reject: 0.2",
        ),
        (
            lambda d: d["decision"].pop("confidence"),
            "decision.confidence: required field is missing",
            "confidence: {high: 0.95, medium: 0.85}",
        ),
        (
            lambda d: d["profiles"]["active"]["scales"].update(
                drive={"weight": 1, "target": 60, "minimum": 40}
            ),
            "profiles.active.scales.drive: no instrument declares a scale 'drive'",
            "use one of: activity_planning, sales_orientation",
        ),
    ],
)
def test_bad_decision_cut_offs_name_the_place_and_the_fix(
    tree: Path, change: Callable[[Any], None], place: str, fix: str
) -> None:
    edit_yaml(tree / "competencies.yaml", change)
    (found,) = problems(tree)
    assert found.startswith("competencies.yaml:") or "competencies.yaml:" in found
    assert place in found and fix in found


@pytest.mark.parametrize(
    ("change", "place", "fix"),
    [
        (
            lambda d: d.pop("prior_reliability"),
            "prior_reliability: required field is missing",
            "prior_reliability: {default: 0.5, sd: 18}",
        ),
        (
            lambda d: d["prior_reliability"].update(default=1.0),
            "prior_reliability.default: must be less than 1, got 1.0",
            "a reliability strictly between 0 and 1",
        ),
        (
            lambda d: d["prior_reliability"].update(default=0),
            "prior_reliability.default: must be a positive number, got 0",
            "a reliability strictly between 0 and 1",
        ),
        (
            lambda d: d["prior_reliability"].update(scales={"persistence": 1.2}),
            "prior_reliability.scales.persistence: must be less than 1, got 1.2",
            "strictly between 0 and 1",
        ),
        (
            lambda d: d["prior_reliability"].update(scales={"drive": 0.7}),
            "prior_reliability.scales.drive: no item of this instrument is scored on 'drive'",
            "use one of: client_expertise",
        ),
    ],
)
def test_a_bad_prior_reliability_names_the_place_and_the_fix(
    tree: Path, change: Callable[[Any], None], place: str, fix: str
) -> None:
    edit_yaml(tree / "assessments" / "sales_sjt.yaml", change)
    (found,) = problems(tree)
    assert "assessments/sales_sjt.yaml:" in found
    assert place in found and fix in found


def test_an_analysts_own_instrument_needs_no_prior(tree: Path) -> None:
    path = tree / "own.yaml"
    edit_yaml(tree / "assessments" / "sales_sjt.yaml", lambda d: d.pop("prior_reliability"))
    shutil.copy(tree / "assessments" / "sales_sjt.yaml", path)
    loaded = load_instrument(path, load_model(MODEL_FILE))
    assert loaded.definition.prior_reliability is None
