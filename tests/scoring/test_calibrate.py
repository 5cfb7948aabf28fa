"""Calibration of the forced-choice questionnaire from responses (app/scoring/calibrate.py):
parameters come back from simulated answers, missing data are skipped, attention checks do
not count, a statement whose data contradict its key is flagged, and the calibrated file is
the shipped one with new parameters."""

from __future__ import annotations

import copy
import math
from functools import cache
from statistics import NormalDist
from typing import Any

import numpy as np
import pytest
import yaml

from app.paths import ASSESSMENTS_DIR
from app.scoring.calibrate import (
    MIN_RESPONDENTS,
    Calibration,
    _norm_cdf,
    _norm_ppf,
    calibrate,
    calibrated_definition,
)
from app.scoring.definitions import FcCheck, ForcedChoice
from app.scoring.tirt import Design, respond

SOURCE: dict[str, Any] = yaml.safe_load(
    (ASSESSMENTS_DIR / "sales_forced_choice.yaml").read_text(encoding="utf-8")
)
FC = ForcedChoice.model_validate(SOURCE)
N = 400
FLIPPED = "fc_cm_9"
"""In the simulated truth this positive statement works as a negative one."""


def true_source(rng: np.random.Generator) -> dict[str, Any]:
    """Parameters unlike the design ones: loadings U(0.5, 0.95), uniqueness 1 - loading^2,
    means moved by up to 0.3 (each block keeping its design sum); FLIPPED's key reversed."""
    out = copy.deepcopy(SOURCE)
    for item in out["items"]:
        if "expected" in item:
            continue
        shift = rng.uniform(-0.3, 0.3, size=3)
        shift -= shift.mean()
        for statement, delta in zip(item["statements"], shift, strict=True):
            loading = float(rng.uniform(0.5, 0.95))
            statement.update(loading=loading, uniqueness=1.0 - loading**2)
            statement["mean"] += float(delta)
            if statement["id"] == FLIPPED:
                statement["key"] = -statement["key"]
    return out


@cache
def simulated() -> tuple[ForcedChoice, list[list[Any]]]:
    rng = np.random.default_rng(2024)
    truth = ForcedChoice.model_validate(true_source(rng))
    traits = Design.of(truth).traits
    rows: list[list[Any]] = [
        list(
            respond(
                truth,
                dict(zip(traits, rng.standard_normal(len(traits)), strict=True)),
                rng.standard_normal(3 * len(truth.blocks)),
            )
        )
        for _ in range(N)
    ]
    return truth, rows


@cache
def calibrated() -> Calibration:
    return calibrate(FC, simulated()[1], seed=7)


def test_parameters_are_recovered_from_simulated_answers() -> None:
    truth, _ = simulated()
    result = calibrated()
    assert result.n == N and result.excluded == 0
    assert result.converged
    loading_error, mean_error, design_error = [], [], []
    for block in truth.blocks:
        for s in block.statements:
            if s.id == FLIPPED:
                continue
            estimate = result.statements[s.id]
            loading_error.append(abs(estimate.loading - s.loading))
            mean_error.append(abs(estimate.mean - s.mean))
            design = next(d for b in FC.blocks for d in b.statements if d.id == s.id)
            design_error.append(abs(design.loading - s.loading))
    # recovery study at N = 300-500: median about 0.05, 90th percentile about 0.12
    assert np.median(loading_error) < 0.08
    assert np.quantile(loading_error, 0.9) < 0.16
    assert np.median(mean_error) < 0.08
    assert np.quantile(mean_error, 0.9) < 0.16
    # better than keeping the design values, which are off by 0.1-0.2 here
    assert np.median(loading_error) < 0.6 * np.median(design_error)
    # the calibrated parameters fit the answers better than the design ones
    assert result.rmsr_margins < result.rmsr_margins_design
    assert result.rmsr_correlations < result.rmsr_correlations_design


def test_a_statement_whose_answers_contradict_its_key_is_flagged_not_negated() -> None:
    result = calibrated()
    flipped = result.statements[FLIPPED]
    assert flipped.key == 1  # the key of the file stays
    assert flipped.signed_estimate < -0.4
    assert "contradicts_key" in flipped.flags
    assert flipped.loading == pytest.approx(0.05)
    assert any(FLIPPED in warning for warning in result.warnings)
    others = [sid for sid, flags in result.flagged.items() if "contradicts_key" in flags]
    assert others == [FLIPPED]


def test_too_few_respondents_are_refused_with_the_numbers() -> None:
    rows = simulated()[1][: MIN_RESPONDENTS - 1]
    blocks = [k for k, item in enumerate(FC.items) if not isinstance(item, FcCheck)]
    sparse = [list(row) for row in simulated()[1][:5]]
    for row in sparse:  # 10 of 24 blocks left: below the 80% rule
        for k in blocks[10:]:
            row[k] = None
    with pytest.raises(ValueError) as raised:
        calibrate(FC, rows[:-5] + sparse)
    message = str(raised.value)
    assert f"{MIN_RESPONDENTS - 6} usable" in message
    assert "5 others left out" in message
    assert f"{MIN_RESPONDENTS} needed" in message


def test_partial_blocks_are_missing_and_respondents_with_too_few_blocks_left_out() -> None:
    _, rows = simulated()
    blocks = [k for k, item in enumerate(FC.items) if not isinstance(item, FcCheck)]
    target = blocks[3]
    as_none, as_partial = [list(r) for r in rows], [list(r) for r in rows]
    for p in range(0, N, 4):  # a quarter leave block 4 unanswered or answered in part
        as_none[p][target] = None
        as_partial[p][target] = {"most": rows[p][target]["most"]}
    for p in range(1, 40, 4):  # 10 people answer only 18 of 24 blocks (< 80%)
        for k in blocks[:6]:
            as_none[p][k] = as_partial[p][k] = None
    with_none = calibrate(FC, as_none, seed=3)
    with_partial = calibrate(FC, as_partial, seed=3)
    assert with_none.n == N - 10 and with_none.excluded == 10
    statement = FC.blocks[3].statements[0].id
    assert with_none.statements[statement].respondents == N - 10 - N // 4
    assert with_none.statements[FC.blocks[4].statements[0].id].respondents == N - 10
    # a "most" without a "least" carries nothing: the same estimates as no answer at all
    assert with_partial.statements == with_none.statements


def test_attention_checks_do_not_enter_the_estimates() -> None:
    _, rows = simulated()
    checks = [k for k, item in enumerate(FC.items) if isinstance(item, FcCheck)]
    changed = [list(r) for r in rows]
    for p, row in enumerate(changed):
        for k in checks:  # failed or skipped checks
            item = FC.items[k]
            assert isinstance(item, FcCheck)
            row[k] = None if p % 2 else {"most": item.expected.least, "least": item.expected.most}
    assert calibrate(FC, changed, seed=7).statements == calibrated().statements


def test_the_calibrated_file_changes_only_parameters_version_and_calibration() -> None:
    result = calibrated()
    data = calibrated_definition(SOURCE, result, organisation="acme", date="2025-03-01")
    fc = ForcedChoice.model_validate(data)
    assert fc.parameters == "calibrated"
    assert fc.version == f"1.0-cal.{N}"
    assert fc.calibration == {
        "organisation": "acme",
        "n": N,
        "date": "2025-03-01",
        "method": result.method,
    }
    for block in fc.blocks:
        for s in block.statements:
            estimate = result.statements[s.id]
            assert s.loading == round(estimate.loading, 3)
            assert s.mean == round(estimate.mean, 3)
            assert s.uniqueness == round(estimate.uniqueness, 3)
    assert SOURCE["parameters"] == "design"  # the input is not modified

    def without_parameters(mapping: dict[str, Any]) -> dict[str, Any]:
        out = copy.deepcopy(mapping)
        for key in ("version", "parameters", "calibration"):
            out.pop(key, None)
        for item in out["items"]:
            for statement in item["statements"]:
                for key in ("loading", "mean", "uniqueness"):
                    statement.pop(key, None)
        return out

    assert without_parameters(data) == without_parameters(SOURCE)
    assert list(data) == [*SOURCE, "calibration"]
    again = calibrated_definition(data, result, organisation="acme", date="2025-04-01")
    assert again["version"] == f"1.0-cal.{N}"  # a recalibration does not stack suffixes


def test_a_calibration_of_other_statements_is_refused() -> None:
    other = copy.deepcopy(SOURCE)
    other["items"][0]["statements"][0]["id"] = "fc_unknown"
    with pytest.raises(ValueError, match="fc_unknown"):
        calibrated_definition(other, calibrated(), organisation="acme", date="2025-03-01")


def test_the_sampler_normal_functions_match_the_standard_library() -> None:
    reference = NormalDist()
    z = np.linspace(-30.0, 8.0, 400)
    exact = np.array([0.5 * math.erfc(-v / math.sqrt(2.0)) for v in z])
    assert np.max(np.abs(_norm_cdf(z) / exact - 1.0)) < 2e-7
    p = np.concatenate([np.logspace(-300, -1, 200), np.linspace(0.01, 0.99, 200)])
    exact = np.array([reference.inv_cdf(v) for v in p])
    assert np.max(np.abs(_norm_ppf(p) - exact) / np.maximum(1.0, np.abs(exact))) < 1e-8
