"""Role fit, reasons and develop-vs-hire on profiles whose right answer is obvious."""

from __future__ import annotations

import math

import pytest

from app.paths import MODEL_FILE
from app.scoring.combine import MethodResult, combine
from app.scoring.definitions import CompetencyModel
from app.scoring.development import develop_or_hire, plan_team
from app.scoring.fit import DEFAULT_MARGIN, profile_fit, recommend
from app.scoring.loader import load_model

MODEL: CompetencyModel = load_model(MODEL_FILE).definition

# A born hunter: contacts strangers easily, creates interest, keeps going after refusals,
# but does not yet know the product well enough to handle inbound requests.
HUNTER = {
    "client_expertise": 52,
    "product_knowledge": 55,
    "communication": 88,
    "persuasion": 82,
    "negotiation": 72,
    "objection_handling": 78,
    "persistence": 88,
}
# A careful inbound specialist: knows clients and product, gives up after refusals.
FARMER = {
    "client_expertise": 85,
    "product_knowledge": 88,
    "communication": 58,
    "persuasion": 55,
    "negotiation": 62,
    "objection_handling": 72,
    "persistence": 35,
}
WEAK = dict.fromkeys(HUNTER, 28)
STAR = dict.fromkeys(HUNTER, 92)
# Solid inbound manager whose persistence is fine: a candidate for development into active.
GROWER = {
    "client_expertise": 62,
    "product_knowledge": 66,
    "communication": 52,
    "persuasion": 50,
    "negotiation": 56,
    "objection_handling": 62,
    "persistence": 66,
}


@pytest.mark.parametrize(
    ("scores", "expected"),
    [(HUNTER, "active"), (FARMER, "passive"), (WEAK, "neither"), (STAR, "both")],
)
def test_the_obvious_recommendations(scores: dict[str, float], expected: str) -> None:
    assert recommend(MODEL, scores).recommendation == expected


def test_a_knock_out_overrides_a_good_index() -> None:
    fit = profile_fit("active", MODEL.profiles["active"], FARMER)
    assert [c.competency for c in fit.knockouts] == ["persistence"]
    assert fit.qualifies is False


def test_the_fit_index_formula() -> None:
    profile = MODEL.profiles["active"]
    at_targets = profile_fit("active", profile, dict(profile.targets))
    at_minimums = profile_fit("active", profile, dict(profile.minimums))
    assert at_targets.fit == pytest.approx(100.0)
    assert at_minimums.fit == pytest.approx(0.0) and at_minimums.knockouts == []
    halfway = {c: (profile.targets[c] + profile.minimums[c]) / 2 for c in profile.weights}
    assert profile_fit("active", profile, halfway).fit == pytest.approx(50.0)
    above = dict.fromkeys(profile.weights, 100.0)
    assert profile_fit("active", profile, above).fit == pytest.approx(
        100.0
    )  # no bonus above target


def test_reasons_name_the_driving_competencies_in_both_languages() -> None:
    hunter = recommend(MODEL, HUNTER)
    assert "Motivation and persistence" in hunter.summary["en"]
    assert "Мотивация и настойчивость" in hunter.summary["ru"]
    assert hunter.profiles["active"].strengths[0] == "persistence"  # the heaviest weight met
    farmer = recommend(MODEL, FARMER)
    assert "below the minimum of 55" in farmer.summary["en"]
    assert "ниже минимума 55" in farmer.summary["ru"]
    for result in (hunter, farmer, recommend(MODEL, WEAK)):
        assert result.summary["en"].count(".") <= 4 and len(result.summary["en"]) < 400


def test_missing_data_is_insufficient_data_not_a_rejection() -> None:
    partial = {k: v for k, v in HUNTER.items() if k in ("communication", "persistence")}
    result = recommend(MODEL, partial)
    assert result.profiles["active"].fit is None
    # Before issue 10 this was "neither" (a rejection) with medium confidence.
    assert result.recommendation == "insufficient_data"
    assert "not enough data" in result.summary["en"]
    assert result.confidence == "low"
    assert recommend(MODEL, {}).recommendation == "insufficient_data"
    one_missing = {k: v for k, v in HUNTER.items() if k != "negotiation"}
    result = recommend(MODEL, one_missing)
    assert result.recommendation == "active" and "missing_scores" in result.cautions


def test_confidence_follows_flags_and_closeness() -> None:
    assert recommend(MODEL, STAR).confidence == "high"
    # methods contradicting each other lower it one step
    assert recommend(MODEL, STAR, flags=["method_discrepancy"]).confidence == "medium"
    # a serious flag stops the decision (before issue 10 it only lowered the confidence)
    invalid = recommend(MODEL, STAR, flags=["failed_attention"])
    assert (invalid.recommendation, invalid.confidence) == ("invalid", "low")
    profile = MODEL.profiles["active"]
    # Put the active fit just on its threshold: a borderline case is never high confidence.
    share = profile.fit_threshold / 100
    borderline = dict(STAR)
    borderline.update(
        {
            c: profile.minimums[c] + share * (profile.targets[c] - profile.minimums[c]) + 0.5
            for c in profile.weights
        }
    )
    fit = profile_fit("active", profile, borderline)
    assert abs((fit.fit or 0) - fit.threshold) < DEFAULT_MARGIN
    result = recommend(MODEL, borderline)
    # on the threshold the probability of meeting the profile is near one half: undecided
    assert result.probabilities["active"] is not None
    assert 0.25 < result.probabilities["active"] < 0.75
    assert result.confidence == "low"


def test_a_known_standard_error_sets_the_margin() -> None:
    fit = profile_fit("active", MODEL.profiles["active"], GROWER, sems=dict.fromkeys(GROWER, 6.0))
    assert fit.fit_sem is not None and fit.fit_sem > 0
    assert fit.margin == pytest.approx(1.6448536269514722 * fit.fit_sem)


def test_develop_vs_hire_for_a_person() -> None:
    assert develop_or_hire(MODEL, "active", HUNTER).status == "fit_now"
    farmer = develop_or_hire(MODEL, "active", FARMER)
    assert farmer.status == "not_a_fit" and farmer.blocking == ["persistence"]
    grower = develop_or_hire(MODEL, "active", GROWER)
    assert grower.status == "develop"
    assert (
        grower.projected_fit is not None
        and grower.projected_fit >= MODEL.profiles["active"].fit_threshold
    )
    assert grower.months is not None and 0 < grower.months <= 12
    trained = {step.competency for step in grower.plan}
    assert trained and "persistence" not in trained  # it did not need the slowest one
    for step in grower.plan:
        assert step.activities == list(MODEL.competencies[step.competency].development)
        gain = MODEL.competencies[step.competency].trainability
        assert step.aim - step.score <= gain.max_gain
        assert step.months == pytest.approx((step.aim - step.score) / gain.monthly_gain)
    # worked on side by side: the longest step, rounded up to half a month
    assert grower.months == math.ceil(max(s.months for s in grower.plan) * 2) / 2
    assert develop_or_hire(MODEL, "active", {"persistence": 80}).status == "insufficient_data"


def test_develop_vs_hire_for_a_team() -> None:
    team = {"anna": HUNTER, "boris": FARMER, "vera": GROWER, "gleb": WEAK, "dina": {}}
    plan = plan_team(MODEL, "active", team, headcount=4)
    assert plan.fit_now == ["anna"]
    assert plan.develop == ["vera"]
    assert sorted(plan.not_a_fit) == ["boris", "gleb"]
    assert plan.insufficient_data == ["dina"]
    assert plan.hires_needed == 2
    assert plan.months_to_staff == plan.decisions["vera"].months
    assert plan_team(MODEL, "active", team, headcount=1).hires_needed == 0
    with pytest.raises(ValueError, match="headcount"):
        plan_team(MODEL, "active", team, headcount=-1)


def test_methods_combine_by_weight_and_disagreement_is_flagged() -> None:
    results = [
        MethodResult("self", "self_report", 0.5, {"persistence": 90.0, "communication": 60.0}),
        MethodResult("sjt", "sjt", 1.0, {"persistence": 40.0, "communication": 70.0}),
        MethodResult("quiz", "knowledge", 1.0, {"product_knowledge": None}),
    ]
    combined = combine(["persistence", "communication", "product_knowledge"], results)
    assert combined["persistence"].score == pytest.approx((0.5 * 90 + 40) / 1.5)
    assert combined["persistence"].discrepancy and combined["persistence"].spread == 50
    assert not combined["communication"].discrepancy
    assert [m.instrument_id for m in combined["communication"].methods] == ["self", "sjt"]
    assert (
        combined["product_knowledge"].score is None and combined["product_knowledge"].methods == []
    )
