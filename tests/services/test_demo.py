"""The demo organisation loaded into an empty database: populated, varied, deterministic, and
made through the same services as real answers."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest
from sqlmodel import Session, col, select

from app.cli import demo_language
from app.config import Settings
from app.db import scope_to_organisation
from app.models import (
    Campaign,
    Invitation,
    ManagerRating,
    Organisation,
    Person,
    ReviewScore,
    ScoreSnapshot,
    Team,
    User,
)
from app.scoring.definitions import Knowledge, SelfReport, Sjt
from app.scoring.loader import Catalog
from app.services import reviews, sessions
from app.services.accounts import authenticate
from app.services.demo import CONTENT, DEMO_SLUG, PROFILES, seed_demo
from app.services.demo_answers import answers_for
from app.services.results import latest_results
from tests.factories import create_organisation

CYRILLIC = re.compile("[А-Яа-яЁё]")


def seeded(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 - reproducible answers, not a secret


def test_the_russian_demo_shows_the_product_in_the_first_minute(
    db: Session, catalog: Catalog
) -> None:
    demo = seed_demo(db, catalog, secret_key="k" * 40, base_url="http://127.0.0.1:8000")
    assert demo.language == "ru"
    assert demo.candidate_url and demo.candidate_url.startswith("http://127.0.0.1:8000/a/")
    assert {login.role.value for login in demo.logins} == {
        "admin",
        "hr",
        "head_of_sales",
        "manager",
    }
    passwords = [login.password for login in demo.logins]
    assert len(set(passwords)) == len(passwords) and all(len(p) >= 20 for p in passwords)
    for login in demo.logins:
        assert authenticate(db, email=login.email, password=login.password) is not None
    organisation = db.exec(select(Organisation)).one()
    assert organisation.slug == DEMO_SLUG and CYRILLIC.search(organisation.name)
    scope_to_organisation(db, organisation.id or 0)
    assert all(u.language == "ru" and CYRILLIC.search(u.full_name) for u in db.exec(select(User)))
    assert len(db.exec(select(Team)).all()) == 3  # and the directory's regional team
    campaigns = db.exec(select(Campaign)).all()
    assert {c.battery_id for c in campaigns} == {
        "employee",
        "candidate-active",
        "candidate-general",
    }
    assert all(CYRILLIC.search(c.name) for c in campaigns)

    invitations = db.exec(select(Invitation)).all()
    finished = [i for i in invitations if i.completed_at is not None]
    assert len(finished) >= 15
    snapshots = latest_results(db, [i.id or 0 for i in finished])
    assert len(snapshots) == len(finished)  # scored through the services
    recommendations = Counter(s.recommendation for s in snapshots.values())
    assert len(recommendations) >= 3, recommendations  # varied profiles, varied advice
    assert any("failed_attention" in s.flags for s in snapshots.values())  # one to distrust
    # reviewed work samples and manager ratings, with some still waiting for a person
    assert db.exec(select(ReviewScore)).first() is not None
    assert db.exec(select(ManagerRating)).first() is not None
    waiting = reviews.queue(db, catalog)
    assert waiting.reviews and waiting.ratings
    assert any(s.provisional for s in snapshots.values())
    # people on their way: one has started, one has not opened the link, one is to try
    unfinished = [i for i in invitations if i.completed_at is None]
    assert any(i.started_at is not None for i in unfinished)
    try_out = [i for i in unfinished if i.language is None]
    assert len(try_out) == 1 and try_out[0].opened_at is None  # opens in the browser's language
    # the written work is in the demo's language
    texts = [
        a for s in finished for a in sessions.stored_answers(db, s).values() if isinstance(a, str)
    ]
    assert texts and all(CYRILLIC.search(t) for t in texts if len(t) > 40)


def test_the_english_demo_is_written_in_english(db: Session, catalog: Catalog) -> None:
    demo = seed_demo(db, catalog, secret_key="k" * 40, base_url="http://x", language="en")
    assert demo.language == "en"
    organisation = db.exec(select(Organisation)).one()
    assert organisation.name == CONTENT["en"].organisation
    scope_to_organisation(db, organisation.id or 0)
    names = [p.full_name for p in db.exec(select(Person))]
    assert names and not any(CYRILLIC.search(n) for n in names)
    completed = db.exec(select(Invitation).where(col(Invitation.completed_at).is_not(None))).all()
    assert all(i.language == "en" for i in completed)
    assert db.exec(select(ScoreSnapshot)).first() is not None


def test_the_demo_is_not_loaded_into_a_database_with_data(db: Session, catalog: Catalog) -> None:
    create_organisation(db)
    assert seed_demo(db, catalog).logins == []
    assert db.exec(select(User)).all() == []


def test_make_run_loads_russian_content_unless_default_language_says_otherwise() -> None:
    assert demo_language(Settings(_env_file=None)) == "ru"  # type: ignore[call-arg]
    assert demo_language(Settings(_env_file=None, default_language="en")) == "en"  # type: ignore[call-arg]
    assert demo_language(Settings(_env_file=None, default_language="ru")) == "ru"  # type: ignore[call-arg]


# ----------------------------------------------------------------------------- the answers


@pytest.mark.parametrize(
    "instrument_id", ["sales_self_report", "sales_sjt", "sales_method_knowledge"]
)
def test_generated_answers_are_valid_and_the_same_for_the_same_seed(
    catalog: Catalog, instrument_id: str
) -> None:
    instrument = catalog.instruments[instrument_id].definition
    first = answers_for(instrument, PROFILES["hunter"], seeded(7))
    again = answers_for(instrument, PROFILES["hunter"], seeded(7))
    assert first == again
    assert set(first.answers) == {item.id for item in instrument.items}
    assert set(first.seconds) == set(first.answers)
    campaign = Campaign(name="x", battery_id="employee")
    assert sessions.refused_answers(catalog, campaign, first.answers) == {}


def test_stronger_profiles_give_stronger_answers(catalog: Catalog) -> None:
    """A person's levels show in every method: higher levels, more keyed agreement, more of
    the experts' picks, more correct answers."""
    rng = seeded(3)
    report = catalog.instruments["sales_self_report"].definition
    sjt = catalog.instruments["sales_sjt"].definition
    knowledge = catalog.instruments["sales_method_knowledge"].definition
    assert isinstance(report, SelfReport) and isinstance(sjt, Sjt)
    assert isinstance(knowledge, Knowledge)

    def agreement(levels: dict[str, float]) -> float:
        given = answers_for(report, levels, rng).answers
        scale = report.response_scale
        keyed = [
            given[i.id] if i.key.value == "positive" else scale.max + scale.min - given[i.id]
            for i in report.items
            if i.scale == "persistence"
        ]
        return sum(keyed) / len(keyed)

    def expert_picks(levels: dict[str, float]) -> int:
        given = answers_for(sjt, levels, rng).answers
        return sum(
            given[item.id]["best"] == max(item.options, key=lambda o: o.effectiveness).id
            for item in sjt.items
        )

    def correct(levels: dict[str, float]) -> int:
        given = answers_for(knowledge, levels, rng).answers
        return sum(
            given[item.id] in (item.correct[0], sorted(item.correct)) for item in knowledge.items
        )

    strong, weak = PROFILES["both"], PROFILES["neither"]
    assert agreement(strong) > agreement(weak) + 1.5
    assert expert_picks(strong) > expert_picks(weak) + 5
    assert correct(strong) > correct(weak) + 4


def test_a_faking_style_trips_the_validity_checks(catalog: Catalog) -> None:
    report = catalog.instruments["sales_self_report"].definition
    assert isinstance(report, SelfReport)
    given = answers_for(report, PROFILES["middling"], seeded(1), style="faking").answers
    attention = [i for i in report.items if i.expected]
    assert any(given[i.id] not in i.expected for i in attention)  # type: ignore[operator]
    impression = [i for i in report.items if i.scale == "impression_management"]
    assert all(given[i.id] >= report.response_scale.max - 1 for i in impression)
