"""Results in the layout of the current engine (payload v2, `"engine": 2`), made by hand.

The report, ranking, exports and API only read a stored payload; these helpers store one
with known outcomes, intervals and probabilities on a real ScoreSnapshot, so the pages can
be checked against exact values whatever the scoring engine gives for some answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel import Session

from app.models import ScoreSnapshot
from app.scoring.loader import Catalog
from app.scoring.validity import FLAGS

Z80 = 1.2816
"""The normal quantile of an 80 % two-sided interval."""


def payload_v2(
    catalog: Catalog,
    *,
    outcome: str,
    confidence: str = "medium",
    scores: Mapping[str, float | None] | None = None,
    half_width: float = 7.0,
    fit: Mapping[str, float] | None = None,
    probabilities: Mapping[str, float | None] | None = None,
    knockouts: Mapping[str, Sequence[str]] | None = None,
    flags: Sequence[str] = (),
    open_competencies: Sequence[str] = (),
    next_steps: Sequence[str] = (),
    differential: tuple[float, float, float] | None = None,
) -> dict[str, Any]:
    """A payload v2; every competency scores 60 unless `scores` says otherwise (None: not
    measured), each with an interval of ± `half_width`."""
    model = catalog.model.definition
    given = dict(scores or {})
    competencies: dict[str, Any] = {}
    for cid in model.competencies:
        score = given.get(cid, 60.0)
        if score is None:
            competencies[cid] = {
                "score": None,
                "se": None,
                "low": None,
                "high": None,
                "measured": False,
                "discrepancy": False,
                "methods": [],
            }
            continue
        se = half_width / Z80
        competencies[cid] = {
            "score": score,
            "se": se,
            "low": score - half_width,
            "high": score + half_width,
            "measured": True,
            "discrepancy": False,
            "methods": [
                {
                    "instrument": "sales_self_report",
                    "type": "self_report",
                    "weight": 0.5,
                    "effective_weight": 0.4,
                    "score": score,
                    "se": se * 1.4,
                    "reliability": 0.82,
                    "reliability_source": "prior",
                    "reliability_n": None,
                    "excluded": None,
                }
            ],
        }
    fits = dict(fit or dict.fromkeys(model.profiles, 60.0))
    chances = dict(probabilities or dict.fromkeys(model.profiles, 0.5))
    flag_entries = [
        {
            "code": code,
            "severity": FLAGS[code].severity,
            "ru": FLAGS[code].ru,
            "en": FLAGS[code].en,
        }
        for code in flags
    ]
    serious = [f["code"] for f in flag_entries if f["severity"] == "serious"]
    return {
        "engine": 2,
        "level": 0.8,
        "competencies": competencies,
        "scales": {},
        "fit": fits,
        "fit_se": dict.fromkeys(fits, 5.0),
        "fit_low": {pid: value - 6.0 for pid, value in fits.items()},
        "fit_high": {pid: value + 6.0 for pid, value in fits.items()},
        "probabilities": chances,
        "qualifies": {pid: outcome in (pid, "both") for pid in fits},
        "knockouts": {pid: list((knockouts or {}).get(pid, [])) for pid in model.profiles},
        "outcome": outcome,
        "recommendation": outcome,
        "confidence": confidence,
        "confidence_text": {
            "ru": "Уверенность: тестовое пояснение.",
            "en": f"Confidence {confidence}: a plain-words explanation.",
        },
        "differential": None
        if differential is None
        else {
            "value": differential[0],
            "se": 4.0,
            "low": differential[1],
            "high": differential[2],
        },
        "open_competencies": list(open_competencies),
        "next_steps": list(next_steps),
        "invalid_reasons": serious if outcome == "invalid" else [],
        "flags": flag_entries,
        "cautions": [],
        "summary": {"ru": f"Итог: {outcome}.", "en": f"Outcome: {outcome}."},
    }


def stamp(db: Session, snapshot: ScoreSnapshot, payload: dict[str, Any]) -> ScoreSnapshot:
    """Store `payload` on the snapshot, with its outcome, confidence and flag codes."""
    snapshot.scores = payload
    snapshot.recommendation = payload.get("outcome") or payload.get("recommendation")
    snapshot.confidence = payload.get("confidence")
    snapshot.flags = [f["code"] for f in payload.get("flags") or []]
    db.add(snapshot)
    db.commit()
    db.refresh(snapshot)
    return snapshot
