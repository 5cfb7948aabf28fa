"""The model in force for an organisation: competencies.yaml, with the profile weights an
admin accepted from the local validation.

competencies.yaml is loaded once at start-up and shared by every organisation. An accepted
`LocalModelVersion` replaces one profile's weights for its organisation only (targets,
minimums and thresholds still come from the file). `organisation_catalog` gives the catalog
with those weights and the version `<file version>+local.<id>`, where <id> is the newest
accepted decision in force; scoring records that version with every result, so results
scored before keep the version (and the scores) they were made with. A decision whose
competencies no longer match the file's profile (the file was edited since) is not applied,
and the validation page says so.
"""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import Session, col, select

from app.models import LocalModelVersion
from app.scoring.definitions import CompetencyModel
from app.scoring.loader import Catalog, LoadedModel

ACCEPTED = "accepted"
REJECTED = "rejected"
_CACHE_SIZE = 64
_cache: dict[tuple[int, str, tuple[tuple[str, tuple[tuple[str, float], ...]], ...]], Catalog] = {}


def decisions(session: Session, profile_id: str | None = None) -> list[LocalModelVersion]:
    """The organisation's decisions on proposed weights, newest first."""
    statement = select(LocalModelVersion).order_by(col(LocalModelVersion.id).desc())
    if profile_id is not None:
        statement = statement.where(LocalModelVersion.profile_id == profile_id)
    return list(session.exec(statement))


def applicable(model: CompetencyModel, decision: LocalModelVersion) -> bool:
    """Whether an accepted decision still fits the file's profile (same competencies)."""
    profile = model.profiles.get(decision.profile_id)
    return profile is not None and set(decision.weights) == set(profile.weights)


def weights_in_force(
    session: Session, model: CompetencyModel
) -> tuple[dict[str, dict[str, float]], int | None]:
    """Per profile the accepted weights that apply, and the newest such decision's id."""
    found: dict[str, dict[str, float]] = {}
    newest: int | None = None
    for decision in decisions(session):
        if decision.status != ACCEPTED or decision.profile_id in found:
            continue
        if applicable(model, decision):
            found[decision.profile_id] = {c: float(w) for c, w in decision.weights.items()}
            newest = max(newest or 0, decision.id or 0)
    return found, newest


def organisation_catalog(session: Session, catalog: Catalog) -> Catalog:
    """The catalog as it applies to the session's organisation (see the module docstring)."""
    model = catalog.model.definition
    weights, newest = weights_in_force(session, model)
    if not weights:
        return catalog
    version = f"{catalog.model.version}+local.{newest}"
    # Keyed by the weights themselves, not only the version: a rolled-back decision's id can
    # be used again (SQLite), and the cache must never serve another decision's weights.
    key = (
        id(catalog),
        version,
        tuple(sorted((pid, tuple(sorted(w.items()))) for pid, w in weights.items())),
    )
    cached = _cache.get(key)
    if cached is not None:
        return cached
    profiles = {
        pid: profile.model_copy(update={"weights": weights[pid]}) if pid in weights else profile
        for pid, profile in model.profiles.items()
    }
    definition = model.model_copy(update={"profiles": profiles})
    local = replace(catalog, model=LoadedModel(definition, version, catalog.model.path))
    if len(_cache) >= _CACHE_SIZE:
        _cache.clear()
    _cache[key] = local
    return local
