"""Decisions as probabilities (issue 10): every score with its error, precision weighting,
outcomes from probabilities, validity that stops a decision, the re-derived profiles and
empty or partial results that are not rejections. docs/scoring.md, "Decisions"."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import pytest

from app.paths import ASSESSMENTS_DIR, MODEL_FILE
from app.scoring.combine import MethodResult, Reliability, combine, person_discrepancy
from app.scoring.decision import OUTCOMES, Estimate, decide, z_for
from app.scoring.definitions import Key, Knowledge, ScaleKind, SelfReport, Sjt
from app.scoring.development import develop_or_hire, reach_probability
from app.scoring.loader import Catalog, load_catalog
from app.scoring.person import score_person

CATALOG: Catalog = load_catalog(MODEL_FILE, ASSESSMENTS_DIR)
MODEL = CATALOG.model.definition
# The general candidate battery as it was before the forced-choice questionnaire replaced the
# Likert self-report (issue 13): these tests are about how the engine treats a Likert
# self-report (attention, impression management, elevation, sales orientation).
GENERAL = ["sales_self_report", "sales_sjt", "sales_method_knowledge"]
SEVEN = list(MODEL.competencies)


# ----------------------------------------------------------------------------- answers


def self_report_row(
    points: Mapping[str, int], *, impression: int = 3, default: int = 4
) -> list[Any]:
    """Keyed answers per scale (reverse items get the mirrored point), attention answered
    as expected, impression management at `impression`."""
    sr = CATALOG.instruments["sales_self_report"].definition
    assert isinstance(sr, SelfReport)
    low, high = sr.response_scale.min, sr.response_scale.max
    row: list[Any] = []
    for item in sr.items:
        kind = sr.scales[item.scale].kind if item.scale in sr.scales else None
        if kind is ScaleKind.infrequency:
            row.append(sorted(item.expected or [low])[0])
        elif kind is ScaleKind.impression_management:
            row.append(impression)
        else:
            keyed = points.get(item.scale, default)
            row.append(low + high - keyed if item.key is Key.reverse else keyed)
    return row


def sjt_row(quality: str) -> list[Any]:
    """'best': the key's best and worst; 'worst': reversed; 'middle': the two middle options."""
    sjt = CATALOG.instruments["sales_sjt"].definition
    assert isinstance(sjt, Sjt)
    row: list[Any] = []
    for item in sjt.items:
        ranked = [o.id for o in sorted(item.options, key=lambda o: o.effectiveness)]
        if quality == "best":
            row.append((ranked[-1], ranked[0]))
        elif quality == "worst":
            row.append((ranked[0], ranked[-1]))
        else:
            row.append((ranked[-2], ranked[1]))
    return row


def knowledge_row(right: bool) -> list[Any]:
    quiz = CATALOG.instruments["sales_method_knowledge"].definition
    assert isinstance(quiz, Knowledge)
    return [
        frozenset(item.correct)
        if right
        else frozenset([next(o.id for o in item.options if o.id not in item.correct)])
        for item in quiz.items
    ]


def strong_rows(**self_report: Any) -> dict[str, list[Any]]:
    return {
        "sales_self_report": self_report_row({"sales_orientation": 5}, **self_report),
        "sales_sjt": sjt_row("best"),
        "sales_method_knowledge": knowledge_row(True),
    }


# ----------------------------------------------------------------------------- point 1


def test_every_method_score_carries_the_standard_error_of_its_prior() -> None:
    result = score_person(CATALOG, GENERAL, strong_rows())
    methods = {m["instrument"]: m for m in result.payload["competencies"]["persistence"]["methods"]}
    sjt = CATALOG.instruments["sales_sjt"].definition.prior_reliability
    assert sjt is not None
    sjt_method = methods["sales_sjt"]
    assert sjt_method["reliability"] == pytest.approx(sjt.of("persistence"), abs=1e-3)
    assert sjt_method["se"] == pytest.approx(
        sjt.sd * math.sqrt(1 - sjt.of("persistence")), abs=0.01
    )
    assert sjt_method["reliability_source"] == "prior" and sjt_method["reliability_n"] is None


def test_the_organisations_own_reliability_replaces_the_prior() -> None:
    own = {"sales_sjt": {"persistence": Reliability(0.75, 16.0, "organisation", 120)}}
    result = score_person(CATALOG, GENERAL, strong_rows(), reliabilities=own)
    methods = {m["instrument"]: m for m in result.payload["competencies"]["persistence"]["methods"]}
    assert methods["sales_sjt"]["reliability_source"] == "organisation"
    assert methods["sales_sjt"]["reliability_n"] == 120
    assert methods["sales_sjt"]["se"] == pytest.approx(16.0 * math.sqrt(0.25), abs=0.01)
    # another scale of the same instrument keeps its prior
    other = result.payload["competencies"]["negotiation"]["methods"]
    assert {m["instrument"]: m["reliability_source"] for m in other}["sales_sjt"] == "prior"


def test_a_short_sub_scale_cannot_outweigh_a_long_one() -> None:
    two_items = Reliability(0.31, 25.0)  # a 2-item knowledge sub-scale, SE 20.8
    eight_items = Reliability(0.81, 15.0)  # an 8-item self-report scale, SE 6.5
    combined = combine(
        ["persistence"],
        [
            MethodResult(
                "quiz", "knowledge", 1.0, {"persistence": 20.0}, {"persistence": two_items}
            ),
            MethodResult(
                "self", "self_report", 0.5, {"persistence": 80.0}, {"persistence": eight_items}
            ),
        ],
    )["persistence"]
    weights = {m.instrument_id: m.effective_weight for m in combined.methods}
    # declared weights alone would give the quiz two thirds; precision turns that round
    assert weights["self"] > weights["quiz"] and sum(weights.values()) == pytest.approx(1.0)
    v_quiz, v_self = 1.0 / two_items.se**2, 0.5 / eight_items.se**2
    assert combined.score == pytest.approx((v_quiz * 20 + v_self * 80) / (v_quiz + v_self))
    expected_se = math.sqrt(v_quiz**2 * two_items.se**2 + v_self**2 * eight_items.se**2) / (
        v_quiz + v_self
    )
    assert combined.se == pytest.approx(expected_se)
    assert combined.se is not None and combined.se < eight_items.se


def test_every_competency_has_an_interval_at_the_declared_level() -> None:
    payload = score_person(CATALOG, GENERAL, strong_rows()).payload
    assert payload["engine"] == 2 and payload["level"] == MODEL.decision.level == 0.8
    z = z_for(0.8)
    assert z == pytest.approx(1.2816, abs=1e-4)
    for competency in payload["competencies"].values():
        assert competency["measured"] is True
        assert competency["low"] == pytest.approx(
            max(0.0, competency["score"] - z * competency["se"]), abs=0.02
        )
        assert competency["high"] == pytest.approx(
            min(100.0, competency["score"] + z * competency["se"]), abs=0.02
        )


# ----------------------------------------------------------------------------- point 3


def estimates(scores: Mapping[str, float], se: float = 6.0) -> dict[str, Estimate]:
    return {cid: Estimate(value, se) for cid, value in scores.items()}


STRONG = dict.fromkeys(SEVEN, 90.0) | {"sales_orientation": 90.0}
WEAK = dict.fromkeys(SEVEN, 25.0) | {"sales_orientation": 50.0}


def test_the_same_input_gives_the_same_probabilities() -> None:
    borderline = {
        c: (MODEL.profiles["active"].targets[c] + MODEL.profiles["active"].minimums[c]) / 2 + 8
        for c in SEVEN
    } | {"sales_orientation": 65.0}
    first = decide(MODEL, estimates(borderline, 8.0))
    second = decide(MODEL, estimates(borderline, 8.0))
    assert first.roles["active"].probability == second.roles["active"].probability
    assert 0.0 < (first.roles["active"].probability or 0.0) < 1.0


def test_the_probability_rises_with_the_scores_and_falls_with_their_error() -> None:
    profile = MODEL.profiles["active"]
    at_targets = dict(profile.targets) | {"sales_orientation": 70.0}
    probabilities = [
        decide(MODEL, estimates({c: v + shift for c, v in at_targets.items()}))
        .roles["active"]
        .probability
        or 0.0
        for shift in (-10, -5, 0, 5, 10)
    ]
    assert probabilities == sorted(probabilities) and probabilities[-1] > probabilities[0]
    clear = {c: v + 10 for c, v in at_targets.items()}
    precise = decide(MODEL, estimates(clear, 3.0)).roles["active"].probability or 0.0
    noisy = decide(MODEL, estimates(clear, 15.0)).roles["active"].probability or 0.0
    assert precise > noisy


def test_the_outcomes_follow_the_declared_cut_offs() -> None:
    assert decide(MODEL, estimates(STRONG)).outcome == "both"
    assert decide(MODEL, estimates(WEAK)).outcome == "neither"
    rules = MODEL.decision
    strong = decide(MODEL, estimates(STRONG))
    assert all((r.probability or 0) >= rules.recommend for r in strong.roles.values())
    assert strong.confidence == "high" and "High confidence" in strong.confidence_text["en"]
    assert "Высокая уверенность" in strong.confidence_text["ru"]


def test_a_knock_out_needs_the_upper_bound_below_the_minimum() -> None:
    minimum = MODEL.profiles["active"].minimums["persistence"]
    near = STRONG | {"persistence": minimum - 3.0}  # upper bound minimum - 3 + 1.28 * 6 > minimum
    result = decide(MODEL, estimates(near))
    assert result.roles["active"].knockouts == []
    far = STRONG | {"persistence": minimum - 15.0}  # upper bound below the minimum
    result = decide(MODEL, estimates(far))
    assert result.roles["active"].knockouts == ["persistence"]
    assert result.outcome == "passive"


def test_an_undecided_case_names_what_would_decide_it() -> None:
    minimum = MODEL.profiles["active"].minimums["persistence"]
    # everything clear for active except persistence, measured right at its minimum
    scores = STRONG | {"persistence": minimum}
    passive_out = scores | {"client_expertise": 45.0, "product_knowledge": 45.0}
    result = decide(MODEL, estimates(passive_out), multi_method={"persistence": 1})
    assert result.outcome == "uncertain" and result.confidence == "low"
    assert result.roles["active"].verdict == "open"
    assert result.open_competencies[0] == "persistence"
    assert "interview" in result.next_steps and "retest" in result.next_steps
    waiting = decide(MODEL, estimates(passive_out), awaiting_rating=True)
    assert "manager_rating" in waiting.next_steps
    assert "Motivation and persistence" in result.summary["en"]


def test_the_differential_separates_clearly_active_from_both() -> None:
    hunter = STRONG | {"client_expertise": 42.0, "product_knowledge": 42.0}
    result = decide(MODEL, estimates(hunter))
    differential = result.differential
    assert differential is not None
    assert differential["value"] > 0 and differential["low"] > 0  # clearly more active
    both = decide(MODEL, estimates(STRONG)).differential
    assert both is not None and both["low"] <= 0 <= both["high"]
    assert differential["se"] > 0


def test_develop_or_hire_has_no_cliff_at_a_tenth_of_a_point() -> None:
    minimum = MODEL.profiles["active"].minimums["persistence"]
    trainability = MODEL.competencies["persistence"].trainability
    horizon = MODEL.decision.development_horizon_months
    edge = minimum - min(trainability.max_gain, trainability.monthly_gain * horizon)
    below = reach_probability(MODEL, "persistence", edge - 0.1, minimum, horizon)
    at = reach_probability(MODEL, "persistence", edge, minimum, horizon)
    assert at == pytest.approx(0.5) and abs(at - below) < 0.01
    person = dict.fromkeys(SEVEN, 80.0) | {"persistence": edge}
    assert develop_or_hire(MODEL, "active", person).reach["persistence"] == pytest.approx(0.5)


def test_the_plan_aims_a_knock_out_at_its_minimum() -> None:
    minimum = MODEL.profiles["active"].minimums["persistence"]
    person = dict.fromkeys(SEVEN, 90.0) | {"persistence": minimum - 5.0}
    decision = develop_or_hire(MODEL, "active", person)
    assert decision.status == "develop"
    [step] = decision.plan
    assert (step.competency, step.aim) == ("persistence", minimum)
    assert decision.probability is not None and decision.reach["persistence"] > 0.5


# ----------------------------------------------------------------------------- point 4


def test_methods_disagree_only_beyond_their_error() -> None:
    wide = {"persistence": Reliability(0.3, 25.0)}
    narrow = {"persistence": Reliability(0.95, 10.0)}

    def pair(reliability: dict[str, Reliability]) -> bool:
        combined = combine(
            ["persistence"],
            [
                MethodResult("a", "sjt", 1.0, {"persistence": 40.0}, reliability),
                MethodResult("b", "knowledge", 1.0, {"persistence": 70.0}, reliability),
            ],
        )
        return combined["persistence"].discrepancy

    # 30 points apart: the old rule always called this a discrepancy
    assert not pair(wide)  # 30 < 1.96 * sqrt(2) * 20.9
    assert pair(narrow)  # 30 > 1.96 * sqrt(2) * 2.2


def test_an_honest_person_is_not_flagged_for_chance_differences() -> None:
    reliability = {c: Reliability(0.5, 18.0) for c in SEVEN}
    # every competency 1.5 SE(a - b) apart: no pair is significant on its own
    gap = 1.5 * math.sqrt(2) * reliability["persistence"].se
    combined = combine(
        SEVEN,
        [
            MethodResult("a", "sjt", 1.0, dict.fromkeys(SEVEN, 50.0), reliability),
            MethodResult("b", "knowledge", 1.0, dict.fromkeys(SEVEN, 50.0 + gap), reliability),
        ],
    )
    assert not person_discrepancy(combined)


# ----------------------------------------------------------------------------- point 5


def test_a_serious_flag_makes_the_result_invalid() -> None:
    rows = strong_rows()
    sr = CATALOG.instruments["sales_self_report"].definition
    assert isinstance(sr, SelfReport)
    # two failed attention items: one alone is a tolerated slip (validity.ATTENTION_FAILURES)
    for attention in [j for j, item in enumerate(sr.items) if item.expected][:2]:
        wrong = next(
            p for p in sr.response_scale.points() if p not in (sr.items[attention].expected or [])
        )
        rows["sales_self_report"][attention] = wrong
    result = score_person(CATALOG, GENERAL, rows)
    assert result.recommendation == "invalid" and result.confidence == "low"
    assert result.payload["invalid_reasons"] == ["failed_attention"]
    flag = next(f for f in result.payload["flags"] if f["code"] == "failed_attention")
    assert flag["severity"] == "serious" and flag["en"] and flag["ru"]
    # the scores are still there to read
    assert result.payload["competencies"]["persistence"]["score"] is not None


def test_impression_management_zeroes_the_self_report() -> None:
    result = score_person(CATALOG, GENERAL, strong_rows(impression=5))
    assert "impression_management" in result.flags
    for competency in result.payload["competencies"].values():
        own = next(m for m in competency["methods"] if m["type"] == "self_report")
        assert own["excluded"] == "impression_management" and own["effective_weight"] == 0.0
        others = [m for m in competency["methods"] if m["type"] != "self_report"]
        if not others:  # product knowledge without a company test: nothing is left
            assert competency["measured"] is False and competency["score"] is None
            continue
        assert sum(m["effective_weight"] for m in others) == pytest.approx(1.0)
    assert "impression management" in result.payload["summary"]["en"]
    assert "sales_orientation" not in result.payload["profile_scales"]
    assert result.recommendation != "invalid"  # a caution, not a serious flag


def test_a_self_report_far_above_the_other_methods_is_left_out() -> None:
    """A savvy faker: the self-report at the keyed maximum, attention passed, impression
    management at the midpoint, situations and knowledge answered badly."""
    rows = {
        "sales_self_report": self_report_row({}, default=5),
        "sales_sjt": sjt_row("middle"),
        "sales_method_knowledge": knowledge_row(False),
    }
    result = score_person(CATALOG, GENERAL, rows)
    methods = result.payload["competencies"]["persistence"]["methods"]
    assert next(m for m in methods if m["type"] == "self_report")["excluded"] == (
        "self_report_elevated"
    )
    assert result.recommendation not in ("active", "passive", "both")


# ----------------------------------------------------------------------------- point 6

ARTICLE_REFERENCE = re.compile(r"article L\d+")


def _profile_lines() -> list[tuple[int, str]]:
    lines = MODEL_FILE.read_text(encoding="utf-8").splitlines()
    start = lines.index("profiles:")
    end = next(
        i
        for i in range(start + 1, len(lines))
        if lines[i] and not lines[i][0].isspace() and not lines[i].startswith("#")
    )
    return list(enumerate(lines[start:end], start=start))


def test_every_weight_target_and_minimum_cites_the_article() -> None:
    lines = _profile_lines()
    section = ""
    missing = []
    for k, (number, line) in enumerate(lines):
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if stripped and not stripped.startswith("#") and indent <= 4:
            section = ""  # a profile-level key such as fit_threshold or the next profile
        if stripped in ("weights:", "targets:", "minimums:", "scales:"):
            section = stripped
            continue
        entry = re.match(r"^\s+([a-z_]+): [0-9.]+", line)
        if not entry or section not in ("weights:", "targets:", "minimums:", "scales:"):
            continue
        # the reference is on the line itself or in the comment block right above it
        above = []
        j = k - 1
        while j >= 0 and lines[j][1].strip().startswith("#"):
            above.append(lines[j][1])
            j -= 1
        if not ARTICLE_REFERENCE.search(line) and not any(
            ARTICLE_REFERENCE.search(a) for a in above
        ):
            missing.append(f"line {number + 1}: {stripped}")
    assert missing == []


def test_the_profiles_follow_the_article() -> None:
    active, passive = MODEL.profiles["active"], MODEL.profiles["passive"]
    # all seven are stated requirements of the active manager (article L45-59)
    assert all(active.minimums[c] > 0 and active.weights[c] > 0 for c in SEVEN)
    # proactivity is "the main difference" (article L22): the heaviest part of active
    orientation = active.scales["sales_orientation"]
    assert orientation.weight > max(active.weights.values())
    assert "sales_orientation" not in passive.scales
    # objection handling equal in both (article L26)
    for part in ("weights", "targets", "minimums"):
        assert (
            getattr(active, part)["objection_handling"]
            == getattr(passive, part)["objection_handling"]
        )


def test_sales_orientation_takes_part_in_the_active_decision() -> None:
    outbound = score_person(CATALOG, GENERAL, strong_rows()).payload
    inbound_rows = strong_rows()
    inbound_rows["sales_self_report"] = self_report_row({"sales_orientation": 1})
    inbound = score_person(CATALOG, GENERAL, inbound_rows).payload
    assert outbound["profile_scales"]["sales_orientation"]["score"] == 100.0
    assert inbound["profile_scales"]["sales_orientation"]["score"] == 0.0
    assert inbound["probabilities"]["active"] < outbound["probabilities"]["active"]
    assert "sales_orientation" in inbound["knockouts"]["active"]
    assert inbound["probabilities"]["passive"] == pytest.approx(
        outbound["probabilities"]["passive"], abs=0.05
    )
    assert inbound["differential"]["value"] < outbound["differential"]["value"]


# ----------------------------------------------------------------------------- point 7


def test_no_scores_is_insufficient_data_not_a_rejection() -> None:
    result = score_person(CATALOG, GENERAL, {})
    assert result.recommendation == "insufficient_data" and result.confidence == "low"
    for competency in result.payload["competencies"].values():
        assert competency["measured"] is False and competency["score"] is None
    assert result.payload["knockouts"] == {"active": [], "passive": []}


def test_an_unmeasured_competency_is_never_zero_nor_a_knock_out() -> None:
    quiz = CATALOG.instruments["sales_method_knowledge"].definition
    assert isinstance(quiz, Knowledge)
    rows = {"sales_method_knowledge": knowledge_row(True)}
    # a knowledge test alone: persistence has no item in it
    result = score_person(CATALOG, GENERAL, rows)
    persistence = result.payload["competencies"]["persistence"]
    assert persistence == persistence | {"measured": False, "score": None, "se": None}
    assert all("persistence" not in k for k in result.payload["knockouts"].values())
    assert "missing_scores" in result.payload["cautions"]


def test_too_little_coverage_is_insufficient_data() -> None:
    few = {"communication": Estimate(90.0, 6.0), "persistence": Estimate(90.0, 6.0)}
    assert decide(MODEL, few).outcome == "insufficient_data"


def test_every_outcome_fits_the_snapshot_column() -> None:
    from app.models import ScoreSnapshot

    column = ScoreSnapshot.__table__.c.recommendation  # type: ignore[attr-defined]
    assert all(len(outcome) <= column.type.length for outcome in OUTCOMES)


def test_a_decision_block_with_other_cut_offs_changes_the_outcome() -> None:
    borderline = STRONG | {"persistence": MODEL.profiles["active"].minimums["persistence"] + 4}
    base = decide(MODEL, estimates(borderline))
    p = base.roles["active"].probability or 0.0
    assert 0.25 < p < 1.0
    strict = MODEL.model_copy(
        update={"decision": replace_rules(recommend=min(0.99, p + 0.01), reject=0.01)}
    )
    assert decide(strict, estimates(borderline)).roles["active"].verdict == "open"


def replace_rules(**changes: float) -> Any:
    return MODEL.decision.model_copy(update=changes)


def test_a_required_instrument_not_answered_is_insufficient_data() -> None:
    rows = strong_rows()
    del rows["sales_sjt"]
    result = score_person(CATALOG, GENERAL, rows)
    assert result.recommendation == "insufficient_data"
    assert result.payload["missing_instruments"] == ["sales_sjt"]
    assert result.payload["summary"]["en"].startswith("Not answered yet:")
    # the same answers with the whole battery answered decide
    assert score_person(CATALOG, GENERAL, strong_rows()).recommendation == "both"
