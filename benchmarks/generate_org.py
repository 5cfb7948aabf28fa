"""Generate an organisation of sales people with plausible assessment results, for benchmarks.

Run from the project root:

    .venv/bin/python benchmarks/generate_org.py                       # data/bench-org.db
    .venv/bin/python benchmarks/generate_org.py --database-url postgresql+psycopg://...

The database is migrated to the newest schema first. The script adds an organisation
(`--slug`, default `bench-org`; an existing one of that slug is refused unless `--replace`)
with `--people` employees (default 2,000) in `--teams` teams (default 40; about 40% of them
work in active sales, the rest in passive), one manager per team, an HR user and a head of
sales (both with the password printed at the end) and, for the head of sales, an API token.
A second, smaller organisation (`--other-people`, default 500) is added beside it so that the
organisation scoping has rows to leave out.

Each person gets 0-3 score snapshots (about 5% none; 40% an earlier one too), shaped as
`app.services.results.score_invitation` writes them: competency scores with the methods that
produced them, scale scores, fit, recommendation, confidence, cautions and the summary in
both languages. The scores come from a small latent model so that teams look like teams: a
general sales ability and an orientation from "grower" (client and product expertise) to
"hunter" (contact, persuasion, persistence), with noise, clipped to 0-100, and about 3% of
the competency scores missing. Fixed `--seed`, same organisation.
"""

from __future__ import annotations

import argparse
import random
import secrets
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, delete, select

from app.db import make_engine, scope_to_organisation, utcnow
from app.migrate import upgrade
from app.models import Organisation, Person, PersonKind, Role, ScoreSnapshot, Team, User
from app.paths import ASSESSMENTS_DIR, DATA_DIR, MODEL_FILE
from app.scoring.fit import recommend
from app.scoring.loader import Catalog, load_catalog
from app.services.accounts import create_api_token, create_user, get_or_create_organisation

DEFAULT_DATABASE = f"sqlite:///{DATA_DIR / 'bench-org.db'}"
PASSWORD = secrets.token_urlsafe(16)
"""Generated per run and printed once, like the demo's: no password is written in the code."""
HUNTER = ("communication", "persuasion", "negotiation", "persistence")
GROWER = ("client_expertise", "product_knowledge")
METHODS = (("self_report", "self_report", 1.0), ("sjt", "sjt", 1.5))
MISSING_SHARE = 0.03
FIRST_NAMES = (
    "Anna",
    "Boris",
    "Vera",
    "Gleb",
    "Daria",
    "Egor",
    "Zoya",
    "Igor",
    "Kira",
    "Lev",
    "Maria",
    "Nikita",
    "Olga",
    "Pavel",
    "Rita",
    "Sergey",
    "Tanya",
    "Ulyana",
    "Fedor",
    "Yana",
    "Artem",
    "Elena",
    "Ivan",
    "Polina",
    "Roman",
    "Sofia",
    "Timur",
    "Alina",
)
LAST_NAMES = (
    "Ivanova",
    "Petrov",
    "Smirnova",
    "Volkov",
    "Kuznetsova",
    "Popov",
    "Sokolova",
    "Lebedev",
    "Kozlova",
    "Novikov",
    "Morozova",
    "Orlov",
    "Pavlova",
    "Semenov",
    "Golubeva",
    "Vinogradov",
    "Bogdanova",
    "Frolov",
    "Egorova",
    "Belov",
)


def _clip(value: float) -> float:
    return round(min(100.0, max(0.0, value)), 1)


Scores = dict[str, float | None]


def _scores(rng: random.Random, ability: float, orientation: float, catalog: Catalog) -> Scores:
    """One assessment: competency scores from the latent model, some missing."""
    out: Scores = {}
    for cid in catalog.model.definition.competencies:
        loading = 1.0 if cid in HUNTER else -1.0 if cid in GROWER else 0.0
        value = 55 + 11 * ability + 9 * loading * orientation + rng.gauss(0, 8)
        out[cid] = None if rng.random() < MISSING_SHARE else _clip(value)
    return out


def _payload(rng: random.Random, catalog: Catalog, scores: Scores) -> tuple[dict[str, Any], Any]:
    """A snapshot payload shaped as `score_invitation` stores it."""
    model = catalog.model.definition
    fit = recommend(model, scores)
    competencies = {}
    for cid, score in scores.items():
        methods = []
        if score is not None:
            for instrument, kind, weight in METHODS:
                methods.append(
                    {
                        "instrument": f"{instrument}_{cid}",
                        "type": kind,
                        "weight": weight,
                        "score": _clip(score + rng.gauss(0, 6)),
                    }
                )
        competencies[cid] = {
            "score": score,
            "band": None,
            "discrepancy": False,
            "methods": methods,
        }
    scales = {
        "self_report": {
            f"{cid}_scale": _clip((s or 50) + rng.gauss(0, 5)) for cid, s in scores.items()
        },
        "sjt": {f"{cid}_sjt": _clip((s or 50) + rng.gauss(0, 7)) for cid, s in scores.items()},
    }
    payload = {
        "competencies": competencies,
        "scales": scales,
        "fit": {pid: f.fit for pid, f in fit.profiles.items()},
        "qualifies": {pid: f.qualifies for pid, f in fit.profiles.items()},
        "knockouts": {pid: [k.competency for k in f.knockouts] for pid, f in fit.profiles.items()},
        "recommendation": fit.recommendation,
        "confidence": fit.confidence,
        "cautions": fit.cautions,
        "summary": fit.summary,
        "pending": [],
        "unanswered": [],
    }
    return payload, fit


def _remove(session: Session, slug: str) -> None:
    organisation = session.exec(select(Organisation).where(Organisation.slug == slug)).first()
    if organisation is None:
        return
    for table in (ScoreSnapshot, Person, Team):
        session.exec(delete(table).where(col(table.organisation_id) == organisation.id))
    session.delete(organisation)  # users, tokens and audit events go with it (ON DELETE CASCADE)
    session.flush()


def populate(
    session: Session,
    catalog: Catalog,
    *,
    slug: str,
    people: int,
    teams: int,
    seed: int,
    with_staff: bool = True,
) -> dict[str, Any]:
    """Add one organisation with its teams, people and snapshots; what was made."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    if with_staff:
        hr = create_user(
            session,
            email=f"hr@{slug}.example.com",
            role=Role.hr,
            organisation_slug=slug,
            password=PASSWORD,
            full_name="Bench HR",
        ).user
        head = create_user(
            session,
            email=f"head@{slug}.example.com",
            role=Role.head_of_sales,
            organisation_slug=slug,
            password=PASSWORD,
            full_name="Bench Head of Sales",
        ).user
        organisation = session.get(Organisation, hr.organisation_id)
    else:
        organisation, _ = get_or_create_organisation(session, slug=slug)
    assert organisation is not None and organisation.id is not None  # noqa: S101
    scope_to_organisation(session, organisation.id)
    managers = [
        User(
            email=f"manager{k + 1}@{slug}.example.com",
            full_name=f"Manager {k + 1}",
            role=Role.manager,
        )
        for k in range(teams)
    ]
    session.add_all(managers)
    session.flush()
    team_rows = [
        Team(
            name=f"Team {k + 1:02d}",
            sales_mode="active" if rng.random() < 0.4 else "passive",
            manager_id=managers[k].id,
        )
        for k in range(teams)
    ]
    session.add_all(team_rows)
    session.flush()
    persons = []
    for k in range(people):
        team = team_rows[k % teams]
        explicit = rng.random() < 0.1
        persons.append(
            Person(
                kind=PersonKind.employee,
                full_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {k + 1}",
                team_id=team.id,
                manager_id=team.manager_id,
                current_role=rng.choice(("active", "passive")) if explicit else None,
                external_id=f"E{k + 1:05d}",
            )
        )
    session.add_all(persons)
    session.flush()
    now = utcnow()
    snapshots = []
    recommendations: dict[str, int] = {}
    for person in persons:
        team = team_rows[(person.id or 0) % teams]
        if rng.random() < 0.05:
            continue  # not assessed yet
        lean = 0.6 if team.sales_mode == "active" else -0.6
        ability, orientation = rng.gauss(0, 1), rng.gauss(lean, 1)
        rounds = 2 if rng.random() < 0.4 else 1
        if rng.random() < 0.05:
            rounds = 3
        for r in range(rounds):
            age = timedelta(days=30 * (rounds - r) + rng.randint(0, 20))
            # earlier rounds a little lower: people develop
            scores = _scores(rng, ability - 0.2 * (rounds - 1 - r), orientation, catalog)
            payload, fit = _payload(rng, catalog, scores)
            if r == rounds - 1:
                recommendations[fit.recommendation] = recommendations.get(fit.recommendation, 0) + 1
            snapshots.append(
                ScoreSnapshot(
                    person_id=person.id or 0,
                    recommendation=fit.recommendation,
                    confidence=fit.confidence,
                    model_version=catalog.model.version,
                    instrument_versions={"self_report": "1.0", "sjt": "1.0"},
                    scores=payload,
                    flags=[],
                    created_at=now - age,
                )
            )
    session.add_all(snapshots)
    session.flush()
    made: dict[str, Any] = {
        "organisation_id": organisation.id,
        "people": len(persons),
        "teams": len(team_rows),
        "snapshots": len(snapshots),
        "recommendations": recommendations,
    }
    if with_staff:
        _, token = create_api_token(session, email=head.email, name="benchmark")
        made.update(hr=hr.email, head=head.email, token=token)
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--slug", default="bench-org")
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--teams", type=int, default=40)
    parser.add_argument("--other-people", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20260601)
    parser.add_argument(
        "--replace", action="store_true", help="remove organisations of the same slugs first"
    )
    args = parser.parse_args(argv)
    if args.people < 1 or args.teams < 1:
        parser.error("--people and --teams must be at least 1")
    catalog = load_catalog(MODEL_FILE, ASSESSMENTS_DIR)
    engine = make_engine(args.database_url)
    upgrade(engine)
    other_slug = f"{args.slug}-other"
    started = time.perf_counter()
    with Session(engine) as session:
        existing = session.exec(
            select(Organisation).where(col(Organisation.slug).in_([args.slug, other_slug]))
        ).all()
        if existing and not args.replace:
            print(
                f"organisation {args.slug!r} exists in {args.database_url}; "
                "pass --replace to make it again",
                file=sys.stderr,
            )
            return 1
        for slug in (args.slug, other_slug):
            _remove(session, slug)
        session.commit()
        made = populate(
            session, catalog, slug=args.slug, people=args.people, teams=args.teams, seed=args.seed
        )
        if args.other_people > 0:
            session.info.clear()
            populate(
                session,
                catalog,
                slug=other_slug,
                people=args.other_people,
                teams=max(1, args.teams // 4),
                seed=args.seed + 1,
                with_staff=False,
            )
        session.commit()
    with engine.begin() as connection:
        # Fresh planner statistics, as autovacuum (PostgreSQL) would gather them in time;
        # without them a bulk-loaded table is planned as if it were empty.
        connection.exec_driver_sql("ANALYZE")
    elapsed = time.perf_counter() - started
    database = args.database_url
    if database.startswith("sqlite:///"):
        database = str(Path(database.removeprefix("sqlite:///")))
    print(f"database: {database}")
    print(
        f"organisation {args.slug!r} (id {made['organisation_id']}): {made['people']} people in "
        f"{made['teams']} teams, {made['snapshots']} snapshots; latest recommendations "
        f"{dict(sorted(made['recommendations'].items()))}"
    )
    print(f"other organisation {other_slug!r}: {args.other_people} people")
    print(f"sign in as {made['hr']} or {made['head']} with the password {PASSWORD}")
    print(f"API token of the head of sales: {made['token']}")
    print(f"made in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
