"""What the directory's features read from a stored result, in one place.

The scoring engine decides how a ScoreSnapshot's payload is laid out; the staff directory,
the fairness audit and the validation read it only through these functions (and, in SQL,
`teams._score_of`), so a change of layout is adapted here.
"""

from __future__ import annotations

import math
from typing import Any

from app.models import ScoreSnapshot

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
