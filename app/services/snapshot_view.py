"""What the directory's features read from a stored result, in one place.

The scoring engine decides how a ScoreSnapshot's payload is laid out; the staff directory,
the fairness audit and the validation read it only through these functions (and, in SQL,
`teams._score_of`), so a change of layout is adapted here.
"""

from __future__ import annotations

import math
from typing import Any

from app.models import ScoreSnapshot
from app.scoring.validity import FLAGS

COVERS = {
    "active": frozenset({"active", "both"}),
    "passive": frozenset({"passive", "both"}),
    "either": frozenset({"active", "passive", "both"}),
}
"""The recommendations that count as recommended for a campaign's target role."""


def _payload(snapshot: ScoreSnapshot) -> dict[str, Any]:
    return snapshot.scores if isinstance(snapshot.scores, dict) else {}


def competency_scores(snapshot: ScoreSnapshot) -> dict[str, float | None]:
    """Competency id -> score (0-100), None when missing."""
    out: dict[str, float | None] = {}
    for cid, entry in (_payload(snapshot).get("competencies") or {}).items():
        value = entry.get("score") if isinstance(entry, dict) else None
        out[cid] = float(value) if isinstance(value, int | float) and math.isfinite(value) else None
    return out


def recommendation(snapshot: ScoreSnapshot) -> str | None:
    found = _payload(snapshot).get("recommendation", snapshot.recommendation)
    return str(found) if found else None


def role_fit(snapshot: ScoreSnapshot, role: str) -> float | None:
    """The fit index for a profile, or for `either` the better of the two; None if none."""
    fits = _payload(snapshot).get("fit") or {}
    roles = ("active", "passive") if role == "either" else (role,)
    values = [
        float(v) for r in roles if isinstance(v := fits.get(r), int | float) and math.isfinite(v)
    ]
    return max(values) if values else None


def recommended_for(snapshot: ScoreSnapshot, role: str) -> bool:
    """Whether the result recommends the person for `role` (active, passive or either)."""
    return recommendation(snapshot) in COVERS.get(role, frozenset())


# ----------------------------------------------------------------------------- engine 2

CURRENT_ENGINE = 2
"""Payloads from the engine with intervals and the seven outcomes carry `"engine": 2`."""
OUTCOMES = ("both", "active", "passive", "neither", "uncertain", "insufficient_data", "invalid")
"""Every outcome, decisive ones first."""
DECISIVE = frozenset({"both", "active", "passive", "neither"})
LEFT_OUT = frozenset({"invalid", "insufficient_data"})
"""Outcomes the default ranking leaves out: there is nothing to rank them by."""


def points(value: float) -> int:
    """The one rounding of a 0-100 number for people to read: to the nearest whole number,
    a half to the even neighbour.

    Every page, report and export that prints a whole number uses this, so a score is never
    15 in one place and 14,8 or 14 in another. It is the rule of Python's `round` and of
    the `{:.0f}` format the scoring engine writes its summary sentences with, so the
    sentences and the tables around them agree too.
    """
    return round(value)


def interval_text(score: float | None, low: float | None, high: float | None) -> str:
    """A score with its interval, "62 (55–69)"; the score alone without an interval; "—"
    without a score."""
    if score is None:
        return "—"
    if low is None or high is None:
        return str(points(score))
    return f"{points(score)} ({points(low)}–{points(high)})"


def percent(value: float | None) -> str:
    """A probability as a whole percentage, "73 %" style without the space: "73%"."""
    return "—" if value is None else f"{points(100.0 * value)}%"


def engine_of(scores: Any) -> int:
    """Which engine produced a payload: 2 for the current one, 1 for anything older."""
    found = scores.get("engine") if isinstance(scores, dict) else None
    return found if isinstance(found, int) and not isinstance(found, bool) else 1


def is_current(snapshot: ScoreSnapshot) -> bool:
    return engine_of(_payload(snapshot)) >= CURRENT_ENGINE


def finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def competency_interval(
    snapshot: ScoreSnapshot, competency_id: str
) -> tuple[float | None, float | None, float | None]:
    """(score, low, high) of a competency; low and high are None on engine 1 results."""
    entry = (_payload(snapshot).get("competencies") or {}).get(competency_id) or {}
    if not isinstance(entry, dict):
        return None, None, None
    return finite(entry.get("score")), finite(entry.get("low")), finite(entry.get("high"))


def measured(snapshot: ScoreSnapshot, competency_id: str) -> bool:
    """Whether any method measured the competency (engine 1: whether it has a score)."""
    entry = (_payload(snapshot).get("competencies") or {}).get(competency_id) or {}
    if isinstance(entry, dict) and isinstance(entry.get("measured"), bool):
        return bool(entry["measured"])
    return competency_interval(snapshot, competency_id)[0] is not None


def fit_interval(
    snapshot: ScoreSnapshot, role: str
) -> tuple[float | None, float | None, float | None]:
    """(fit, low, high) for a profile; low and high are None on engine 1 results."""
    payload = _payload(snapshot)
    return (
        finite((payload.get("fit") or {}).get(role)),
        finite((payload.get("fit_low") or {}).get(role)),
        finite((payload.get("fit_high") or {}).get(role)),
    )


def probability(snapshot: ScoreSnapshot, role: str) -> float | None:
    """P(meets every minimum and reaches the fit threshold) for a profile; for `either` the
    larger of the two; None on engine 1 results."""
    found = _payload(snapshot).get("probabilities") or {}
    roles = ("active", "passive") if role == "either" else (role,)
    values = [v for r in roles if (v := finite(found.get(r))) is not None]
    return max(values) if values else None


def differential(snapshot: ScoreSnapshot) -> dict[str, float | None] | None:
    """Active fit minus passive fit with its interval, or None."""
    found = _payload(snapshot).get("differential")
    if not isinstance(found, dict):
        return None
    return {key: finite(found.get(key)) for key in ("value", "se", "low", "high")}


def flag_severities(snapshot: ScoreSnapshot) -> dict[str, str]:
    """Flag code -> "serious" or "caution", from the payload when it says, else from
    `app.scoring.validity.FLAGS` (unknown codes count as cautions)."""
    out: dict[str, str] = {}
    for flag in _payload(snapshot).get("flags") or []:
        if isinstance(flag, dict) and flag.get("code"):
            out[str(flag["code"])] = str(flag.get("severity") or "caution")
    for code in snapshot.flags or []:
        if code not in out:
            out[code] = FLAGS[code].severity if code in FLAGS else "caution"
    return out
