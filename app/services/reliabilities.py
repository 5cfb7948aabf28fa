"""The organisation's own reliability of every scale, once it has the data for it.

Until an instrument has `MIN_SESSIONS` (30) completed sessions in the organisation, at the
version in force, scoring uses the prior reliability declared in the instrument's YAML.
From then on each scale's standard error comes from the organisation's own Cronbach's alpha
and the SD of its scale scores over those sessions (`source: "organisation"`, with N), as
docs/scoring.md ("Standard errors") describes. A scale whose alpha cannot be computed or is
not strictly between 0 and 1 keeps its prior.

Scoring runs on the candidate's finish path, so the figures are cached per organisation,
database, instrument and version, and recomputed only when the number of completed sessions
has grown by `RECOMPUTE_EVERY` (10) since; at most the newest `MAX_SESSIONS` sessions are read.
Self-reports, SJTs and knowledge tests are covered; work samples and manager ratings keep
their priors (one rater's points per criterion give no internal consistency to speak of).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.db import current_organisation
from app.models import Answer, AssessmentSession, SessionStatus
from app.scoring.combine import Reliability
from app.scoring.definitions import Instrument, Knowledge, SelfReport, Sjt
from app.scoring.engine import score_instrument
from app.scoring.loader import Catalog
from app.scoring.responses import AnswerError, elements

MIN_SESSIONS = 30
RECOMPUTE_EVERY = 10
MAX_SESSIONS = 2000
_CACHE_SIZE = 256
_cache: dict[tuple[Any, ...], tuple[int, dict[str, Reliability]]] = {}


def completed_counts(session: Session, catalog: Catalog) -> dict[str, int]:
    """Completed sessions per instrument at the version in force, in one query."""
    rows = session.exec(
        select(
            AssessmentSession.instrument_id,
            AssessmentSession.instrument_version,
            func.count(col(AssessmentSession.id)),
        )
        .where(AssessmentSession.status == SessionStatus.completed)
        .group_by(col(AssessmentSession.instrument_id), col(AssessmentSession.instrument_version))
    ).all()
    counts: dict[str, int] = {}
    for instrument_id, version, count in rows:
        loaded = catalog.instruments.get(instrument_id)
        if loaded is not None and loaded.version == version:
            counts[instrument_id] = int(count)
    return counts


def completed_rows(
    session: Session,
    definition: Instrument,
    versions: Sequence[str] | None = None,
    limit: int = MAX_SESSIONS,
) -> dict[int, list[Any]]:
    """The organisation's completed sessions of an instrument (newest first, at most `limit`;
    only at `versions` if given) as rows of parsed answers in the definition's element order,
    keyed by session id. An answer the definition cannot read is left out (None)."""
    columns = elements(definition)
    position = {e.id: j for j, e in enumerate(columns)}
    statement = select(AssessmentSession.id).where(
        AssessmentSession.instrument_id == definition.id,
        AssessmentSession.status == SessionStatus.completed,
    )
    if versions is not None:
        statement = statement.where(col(AssessmentSession.instrument_version).in_(list(versions)))
    ids = session.exec(statement.order_by(col(AssessmentSession.id).desc()).limit(limit)).all()
    rows: dict[int, list[Any]] = {int(i): [None] * len(columns) for i in ids if i is not None}
    if not rows:
        return rows
    answers = session.exec(
        select(Answer.session_id, Answer.item_id, Answer.value).where(
            col(Answer.session_id).in_(list(rows))
        )
    ).all()
    for session_id, item_id, value in answers:
        j = position.get(item_id)
        if j is None or value is None:
            continue
        try:
            rows[session_id][j] = columns[j].parse(value)
        except AnswerError:
            continue  # an answer the current version cannot read is left out
    return rows


def instrument_reliabilities(
    session: Session, catalog: Catalog, instrument_id: str
) -> dict[str, Reliability]:
    """Alpha and SD of each scale over the organisation's completed sessions (newest first,
    at most MAX_SESSIONS); scales without a usable alpha are left out."""
    loaded = catalog.instruments[instrument_id]
    definition = loaded.definition
    rows = completed_rows(session, definition, [loaded.version])
    if len(rows) < MIN_SESSIONS:
        return {}
    scored = score_instrument(definition, [str(i) for i in rows], rows=list(rows.values()))
    out = {}
    for scale, r in scored.reliability().items():
        if r.n < MIN_SESSIONS or not math.isfinite(r.alpha) or not 0 < r.alpha < 1:
            continue
        if not math.isfinite(r.sd) or r.sd <= 0:
            continue
        out[scale] = Reliability(float(r.alpha), float(r.sd), "organisation", int(r.n))
    return out


def organisation_reliabilities(
    session: Session, catalog: Catalog
) -> dict[str, dict[str, Reliability]]:
    """Per instrument and scale, the organisation's own reliability where it has 30+
    completed sessions (cached; see the module docstring)."""
    bind = session.get_bind()
    organisation = current_organisation(session)
    out: dict[str, dict[str, Reliability]] = {}
    for instrument_id, count in completed_counts(session, catalog).items():
        if count < MIN_SESSIONS:
            continue
        definition = catalog.instruments[instrument_id].definition
        if not isinstance(definition, SelfReport | Sjt | Knowledge):
            continue
        key = (
            id(bind),
            str(getattr(bind, "url", "")),
            organisation,
            instrument_id,
            catalog.instruments[instrument_id].version,
        )
        cached = _cache.get(key)
        if cached is None or count - cached[0] >= RECOMPUTE_EVERY:
            if len(_cache) >= _CACHE_SIZE:
                _cache.clear()
            cached = (count, instrument_reliabilities(session, catalog, instrument_id))
            _cache[key] = cached
        if cached[1]:
            out[instrument_id] = cached[1]
    return out


def clear_cache() -> None:
    _cache.clear()
