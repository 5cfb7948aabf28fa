"""Score one person's answers to a battery: the single entry point from answers to a decision.

`app.services.results.score_invitation` reads the answers from the database and calls
`score_person`; the simulation study (`benchmarks/simulate_decisions.py`) calls it with
generated answers, so both go through exactly the same scoring code.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from app.scoring.combine import (
    DEFAULT_RELIABILITY,
    MethodResult,
    Reliability,
    combine,
    person_discrepancy,
)
from app.scoring.decision import Estimate, decide, z_for
from app.scoring.definitions import (
    ForcedChoice,
    Instrument,
    Interview,
    ManagerRating,
    ScaleKind,
    SelfReport,
    WorkSample,
)
from app.scoring.engine import score_instrument
from app.scoring.interview import score_interview
from app.scoring.loader import Catalog
from app.scoring.validity import flag_view

ENGINE = 2
"""Stored in every payload (`"engine": 2`); results of the first engine have no such key."""

Reliabilities = Mapping[str, Mapping[str, Reliability]]
"""Per instrument id, per scale id: the organisation's own reliability (see
`app.services.reliabilities`); scales not given fall back to the instrument's prior."""


@dataclass(frozen=True)
class PersonResult:
    """What the scoring says about one person; `payload` is stored as the snapshot's scores."""

    recommendation: str
    confidence: str
    flags: list[str]
    payload: dict[str, Any] = field(default_factory=dict)


def prior_reliability(instrument: Instrument, scale: str) -> Reliability:
    """The reliability declared in the instrument's YAML for one of its scales."""
    prior = instrument.prior_reliability
    if prior is None:
        return DEFAULT_RELIABILITY
    return Reliability(prior.of(scale), prior.sd, "prior", None)


def _reliabilities(
    instrument: Instrument, scales: Sequence[str], own: Mapping[str, Reliability] | None
) -> dict[str, Reliability]:
    return {
        scale: (own or {}).get(scale) or prior_reliability(instrument, scale) for scale in scales
    }


def _posterior_reliabilities(
    instrument: ForcedChoice, errors: Mapping[str, float | None]
) -> dict[str, Reliability]:
    """A forced-choice trait's standard error is the person's own posterior SD (tirt.py);
    expressed as the reliability that gives that SE at the instrument's SD. Calibrated
    parameters come from the organisation's responses ("organisation", n = calibration n)."""
    prior = instrument.prior_reliability
    sd = prior.sd if prior is not None else DEFAULT_RELIABILITY.sd
    calibrated = instrument.parameters == "calibrated"
    n = (instrument.calibration or {}).get("n") if calibrated else None
    out = {}
    for scale, se in errors.items():
        if se is None:
            continue
        reliability = min(0.99, max(0.01, 1.0 - (se / sd) ** 2))
        out[scale] = Reliability(
            reliability,
            sd,
            "organisation" if calibrated else "prior",
            int(n) if isinstance(n, int | float) else None,
        )
    return out


def _parameters(instrument: Instrument) -> dict[str, str]:
    """`parameters: "design"|"calibrated"` on a forced-choice method's payload entry, so
    every report can say when the scoring rests on design values (docs/scoring.md)."""
    if isinstance(instrument, ForcedChoice):
        return {"parameters": instrument.parameters}
    return {}


ELEVATION_Z = 2.576
"""The self-report is left out when it sits above the other methods, over the competencies
they share, by more than this many standard errors (one-sided 0.5%)."""


def self_report_elevation(
    methods: Sequence[MethodResult], competencies: Iterable[str]
) -> float | None:
    """How far the self-report sits above the other methods, in standard errors.

    For each competency that the self-report and at least one other method scored,
    d_c = s_self - s_other (s_other the precision-weighted mean of the other methods, with
    its SE); the mean D of d_c over k such competencies has SE sqrt(sum(var d_c)) / k. Returns
    D / SE(D), or None when nothing can be compared. An honest person measured without bias
    exceeds ELEVATION_Z one time in 200; a self-report answered at the keyed maximum by a
    person whose situational and knowledge scores are average exceeds it by far. Faking that
    avoids the impression-management items is caught here rather than by them.
    """
    own = [m for m in methods if m.instrument_type == "self_report" and m.excluded is None]
    others = [m for m in methods if m.instrument_type != "self_report" and m.excluded is None]
    if not own or not others:
        return None
    self_report = own[0]
    differences: list[float] = []
    variances: list[float] = []
    for cid in competencies:
        mine = self_report.scores.get(cid)
        if mine is None:
            continue
        theirs = [
            (m.scores[cid], m.reliabilities.get(cid))
            for m in others
            if m.scores.get(cid) is not None
        ]
        if not theirs:
            continue
        precision = [1.0 / (rel.se if rel else DEFAULT_RELIABILITY.se) ** 2 for _, rel in theirs]
        total = sum(precision)
        other = (
            sum(p * float(v or 0.0) for p, (v, _) in zip(precision, theirs, strict=True)) / total
        )
        own_rel = self_report.reliabilities.get(cid, DEFAULT_RELIABILITY)
        differences.append(float(mine) - other)
        variances.append(own_rel.se**2 + 1.0 / total)
    if not differences:
        return None
    k = len(differences)
    return (sum(differences) / k) / (math.sqrt(sum(variances)) / k)


def _with_missing(
    summary: Mapping[str, str], catalog: Catalog, missing: Sequence[str]
) -> dict[str, str]:
    """The summary, saying first which instruments are not answered yet."""
    if not missing:
        return dict(summary)
    out = {}
    for language, text in summary.items():
        titles = ", ".join(
            f"«{catalog.instruments[i].definition.title.get(language)}»"
            if language == "ru"
            else f"“{catalog.instruments[i].definition.title.get(language)}”"
            for i in missing
        )
        lead = f"Не пройдено: {titles}." if language == "ru" else f"Not answered yet: {titles}."
        out[language] = f"{lead} {text}"
    return out


def _flag(code: str) -> dict[str, str]:
    view = flag_view(code)
    return {"code": view["code"], "severity": view["severity"], "ru": view["ru"], "en": view["en"]}


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def score_person(
    catalog: Catalog,
    instrument_ids: Sequence[str],
    rows: Mapping[str, Sequence[Any]],
    seconds: Mapping[str, Sequence[float | None]] | None = None,
    *,
    person_id: str = "person",
    reliabilities: Reliabilities | None = None,
    interviews: Mapping[str, Sequence[Sequence[int | None]]] | None = None,
) -> PersonResult:
    """Score a person from parsed answers.

    Parameters
    ----------
    instrument_ids : the battery's instruments, in battery order.
    rows : per instrument, the parsed answers in `elements()` order (None = not answered);
        an instrument that is absent or has no answer at all is left out. A self-report,
        SJT or knowledge test of the battery left out makes the outcome `insufficient_data`
        (`missing_instruments`); a manager's rating or a work sample's review may follow.
    seconds : per instrument, the seconds spent on each element in the same order (None =
        unknown).
    reliabilities : the organisation's own reliabilities (30+ completed sessions), per
        instrument and scale; the rest use the priors declared in the instruments' YAML.
    interviews : per interview instrument (not part of the battery), one row of ratings per
        interviewer in item order; scored by `app.scoring.interview` and combined with the
        other methods (its reliability: the panel's agreement, or the declared prior).
    """
    methods: list[MethodResult] = []
    scales: dict[str, dict[str, float | None]] = {}
    flags: set[str] = set()
    awaiting_rating = False
    missing_instruments: list[str] = []
    excluded_self_report: str | None = None
    scale_estimates: dict[str, Estimate] = {}
    for instrument_id in instrument_ids:
        definition = catalog.instruments[instrument_id].definition
        row = rows.get(instrument_id)
        if row is None or all(value is None for value in row):
            if isinstance(definition, ManagerRating):
                awaiting_rating = True
            elif not isinstance(definition, WorkSample):  # reviews arrive later
                missing_instruments.append(instrument_id)
            continue
        timing = (seconds or {}).get(instrument_id)
        result = score_instrument(
            definition,
            [person_id],
            rows=[list(row)],
            item_seconds=_item_seconds(timing, len(row)),
        )
        scores = result.scores_of(0)
        scales[instrument_id] = scores
        own_flags = set(result.flags[0])
        flags.update(own_flags)
        excluded = None
        if isinstance(definition, SelfReport) and "impression_management" in own_flags:
            excluded = "impression_management"
            excluded_self_report = excluded
        rel = _reliabilities(definition, list(scores), (reliabilities or {}).get(instrument_id))
        if isinstance(definition, ForcedChoice):
            rel.update(_posterior_reliabilities(definition, result.se_of(0)))
        methods.append(
            MethodResult(
                instrument_id, definition.type.value, definition.weight, scores, rel, excluded
            )
        )

    interview_info: dict[str, Any] = {}
    for instrument_id, panel in (interviews or {}).items():
        interview = catalog.instruments[instrument_id].definition
        if not isinstance(interview, Interview):
            raise ValueError(f"'{instrument_id}' is not an interview")
        scored_interview = score_interview(interview, panel)
        if scored_interview.interviewers == 0:
            continue
        scales[instrument_id] = scored_interview.scores
        methods.append(
            MethodResult(
                instrument_id,
                interview.type.value,
                interview.weight,
                scored_interview.scores,
                scored_interview.reliabilities,
            )
        )
        interview_info[instrument_id] = {
            "interviewers": scored_interview.interviewers,
            "icc": scored_interview.icc,
            "questions_rated_by_all": scored_interview.targets,
        }

    model = catalog.model.definition
    elevation = self_report_elevation(methods, model.competencies)
    if elevation is not None and elevation > ELEVATION_Z:
        methods = [
            replace(m, excluded="self_report_elevated")
            if m.instrument_type == "self_report" and m.excluded is None
            else m
            for m in methods
        ]
        excluded_self_report = "self_report_elevated"
        flags.add("method_discrepancy")
    for method in methods:
        definition = catalog.instruments[method.instrument_id].definition
        for sid, value in method.scores.items():
            declared = definition.scales.get(sid)
            if declared is None or declared.kind is not ScaleKind.trait or sid in scale_estimates:
                continue
            if method.excluded is None and value is not None:
                scale_estimates[sid] = Estimate(value, method.reliabilities[sid].se)
    combined = combine(model.competencies, methods)
    if person_discrepancy(combined):
        flags.add("method_discrepancy")
    estimates = {cid: Estimate(c.score, c.se) for cid, c in combined.items()}
    estimates.update(scale_estimates)
    decision = decide(
        model,
        estimates,
        flags=sorted(flags),
        awaiting_rating=awaiting_rating,
        missing_instruments=missing_instruments,
        multi_method={
            cid: sum(1 for m in c.methods if m.excluded is None) for cid, c in combined.items()
        },
        self_report_excluded=excluded_self_report,
        scale_names={
            sid: {"ru": scale.name.ru, "en": scale.name.en}
            for iid in instrument_ids
            for sid, scale in catalog.instruments[iid].definition.scales.items()
        },
    )
    z = z_for(model.decision.level)
    competencies: dict[str, Any] = {}
    for cid, c in combined.items():
        low, high = Estimate(c.score, c.se).interval(z)
        competencies[cid] = {
            "score": _round(c.score),
            "se": _round(c.se),
            "low": _round(low),
            "high": _round(high),
            "measured": c.measured,
            "band": None,  # needs a reference group of 30 or more; see docs/scoring.md
            "discrepancy": c.discrepancy,
            "methods": [
                {
                    "instrument": m.instrument_id,
                    "type": m.instrument_type,
                    "weight": m.weight,
                    "effective_weight": round(m.effective_weight, 4),
                    "score": _round(m.score),
                    "se": _round(m.se),
                    "reliability": _round(m.reliability.reliability, 3) if m.reliability else None,
                    "reliability_source": m.reliability.source if m.reliability else "prior",
                    "reliability_n": m.reliability.n if m.reliability else None,
                    "excluded": m.excluded,
                    **_parameters(catalog.instruments[m.instrument_id].definition),
                }
                for m in c.methods
            ],
        }
    roles = decision.roles
    flag_codes = sorted(flags)
    payload: dict[str, Any] = {
        "engine": ENGINE,
        "level": model.decision.level,
        "competencies": competencies,
        "scales": scales,
        "profile_scales": {
            sid: {
                "score": _round(e.score),
                "se": _round(e.se),
                "low": _round(e.interval(z)[0]),
                "high": _round(e.interval(z)[1]),
            }
            for sid, e in scale_estimates.items()
            if any(sid in profile.scales for profile in model.profiles.values())
        },
        "fit": {pid: _round(r.fit) for pid, r in roles.items()},
        "fit_se": {pid: _round(r.fit_se) for pid, r in roles.items()},
        "fit_low": {pid: _round(r.fit_low) for pid, r in roles.items()},
        "fit_high": {pid: _round(r.fit_high) for pid, r in roles.items()},
        "probabilities": {pid: _round(r.probability, 4) for pid, r in roles.items()},
        "verdicts": {pid: r.verdict for pid, r in roles.items()},
        "qualifies": {
            pid: None if r.verdict is None else r.verdict == "recommended"
            for pid, r in roles.items()
        },
        "knockouts": {pid: list(r.knockouts) for pid, r in roles.items()},
        "outcome": decision.outcome,
        "recommendation": decision.outcome,
        "confidence": decision.confidence,
        "confidence_text": decision.confidence_text,
        "differential": None
        if decision.differential is None
        else {k: round(v, 2) for k, v in decision.differential.items()},
        "open_competencies": decision.open_competencies,
        "next_steps": decision.next_steps,
        "invalid_reasons": decision.invalid_reasons,
        "missing_instruments": missing_instruments,
        "interviews": interview_info,
        "flags": [_flag(code) for code in flag_codes],
        "cautions": decision.cautions,
        "summary": _with_missing(decision.summary, catalog, missing_instruments),
    }
    return PersonResult(decision.outcome, decision.confidence, flag_codes, payload)


def _item_seconds(
    timing: Sequence[float | None] | None, width: int
) -> np.ndarray[Any, np.dtype[np.float64]] | None:
    """A (1, width) matrix of seconds per element (NaN = unknown), or None when no element
    of the instrument was timed."""
    if not timing or all(value is None for value in timing):
        return None
    values = [np.nan if value is None else float(value) for value in timing]
    if len(values) != width:
        raise ValueError(f"expected seconds for {width} elements, got {len(values)}")
    return np.array([values], dtype=np.float64)
