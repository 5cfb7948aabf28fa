"""The organisation's own reliabilities replace the priors from 30 completed sessions."""

from __future__ import annotations

import random

import numpy as np
import pytest
from sqlmodel import Session

from app.db import scope_to_organisation
from app.models import Answer, AssessmentSession, SessionStatus
from app.scoring.definitions import Sjt
from app.scoring.engine import score_instrument
from app.scoring.loader import Catalog
from app.scoring.person import score_person
from app.scoring.responses import elements
from app.services import reliabilities
from app.services.demo_answers import answers_for
from app.services.people import add_person
from tests.factories import create_organisation


def completed_sjt_sessions(db: Session, catalog: Catalog, count: int, seed: int) -> list[list]:
    """`count` completed SJT sessions answered by people of varied ability; their rows."""
    rng = random.Random(seed)  # noqa: S311 - reproducible answers, not a secret
    loaded = catalog.instruments["sales_sjt"]
    sjt = loaded.definition
    assert isinstance(sjt, Sjt)
    columns = elements(sjt)
    person = add_person(
        db, full_name="Many Sittings", email=f"sittings{seed}@example.com", language="en"
    )
    rows = []
    for _ in range(count):
        ability = rng.uniform(20, 95)
        answered = answers_for(sjt, dict.fromkeys(catalog.model.competency_ids, ability), rng)
        session = AssessmentSession(
            person_id=person.id or 0,
            instrument_id="sales_sjt",
            instrument_version=loaded.version,
            status=SessionStatus.completed,
        )
        db.add(session)
        db.flush()
        for item_id, value in answered.answers.items():
            db.add(Answer(session_id=session.id or 0, item_id=item_id, value=value))
        rows.append([e.parse(answered.answers[e.id]) for e in columns])
    db.flush()
    return rows


@pytest.fixture
def scoped(db: Session) -> Session:
    reliabilities.clear_cache()
    organisation = create_organisation(db)
    return scope_to_organisation(db, organisation.id or 0)


def test_before_thirty_sessions_the_priors_stay(scoped: Session, catalog: Catalog) -> None:
    completed_sjt_sessions(scoped, catalog, reliabilities.MIN_SESSIONS - 1, seed=1)
    assert reliabilities.organisation_reliabilities(scoped, catalog) == {}


def test_from_thirty_sessions_the_organisations_alpha_is_used(
    scoped: Session, catalog: Catalog
) -> None:
    rows = completed_sjt_sessions(scoped, catalog, reliabilities.MIN_SESSIONS, seed=2)
    own = reliabilities.organisation_reliabilities(scoped, catalog)
    persistence = own["sales_sjt"]["persistence"]
    expected = score_instrument(
        catalog.instruments["sales_sjt"].definition, [str(i) for i in range(len(rows))], rows=rows
    ).reliability()["persistence"]
    assert (persistence.source, persistence.n) == ("organisation", 30)
    assert persistence.reliability == pytest.approx(expected.alpha)
    assert persistence.sd == pytest.approx(expected.sd)
    assert persistence.se == pytest.approx(expected.sd * np.sqrt(1 - expected.alpha))

    # scoring uses it and says so
    result = score_person(catalog, ["sales_sjt"], {"sales_sjt": rows[0]}, reliabilities=own)
    method = result.payload["competencies"]["persistence"]["methods"][0]
    assert (method["reliability_source"], method["reliability_n"]) == ("organisation", 30)


def test_the_figures_are_cached_until_ten_more_sessions(scoped: Session, catalog: Catalog) -> None:
    completed_sjt_sessions(scoped, catalog, reliabilities.MIN_SESSIONS, seed=3)
    first = reliabilities.organisation_reliabilities(scoped, catalog)["sales_sjt"]
    completed_sjt_sessions(scoped, catalog, 1, seed=4)
    assert reliabilities.organisation_reliabilities(scoped, catalog)["sales_sjt"] is first
    completed_sjt_sessions(scoped, catalog, reliabilities.RECOMPUTE_EVERY, seed=5)
    again = reliabilities.organisation_reliabilities(scoped, catalog)["sales_sjt"]
    assert again is not first and again["persistence"].n == 41
