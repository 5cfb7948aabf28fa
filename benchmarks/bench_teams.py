"""Benchmark: the team map and the role-move planner for a whole organisation of 2,000 people.

Run from the project root:

    .venv/bin/python benchmarks/bench_teams.py                   # data/bench-org.db
    .venv/bin/python benchmarks/bench_teams.py --database-url postgresql+psycopg://...

The organisation comes from benchmarks/generate_org.py; it is generated first when the
database does not have it yet (or with `--regenerate`). Timed, warm, best of 5:

* `teams.team_map(...)` for the whole organisation (people, current scores, fit to both
  profiles, recommendation, per-competency summary);
* `teams.transition(...)` to active sales for the whole organisation, with a headcount of
  40% of the people, once without and once with a headcount for passive sales;
* for information, the parts: reading the people and their current scores (the database),
  and the same answers over HTTP (the JSON API and the first page of each page), which add
  serialisation, templates and the test client.

Targets (service calls): team map and transition under 300 ms each. A missed target is
printed but does not change the exit status; see benchmarks/README.md.
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import gc  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import Engine  # noqa: E402
from sqlmodel import Session, col, select  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate_org  # noqa: E402

from app.config import Settings  # noqa: E402
from app.db import make_engine, scope_to_organisation  # noqa: E402
from app.main import create_app  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.models import Organisation, Person, PersonKind, User  # noqa: E402
from app.paths import ASSESSMENTS_DIR, MODEL_FILE  # noqa: E402
from app.scoring.loader import Catalog, load_catalog  # noqa: E402
from app.security import hash_password  # noqa: E402
from app.services import teams  # noqa: E402
from app.services.accounts import create_api_token  # noqa: E402

REPEATS = 5
LISTS = ("fit_now", "developable", "keep_in_current_role", "not_a_fit", "insufficient_data")
TARGET_MS = 300.0
SECRET = "benchmark-secret-key-that-is-long-enough-0123456789"  # noqa: S105


def timed(function: Callable[[], Any], repeats: int = REPEATS) -> tuple[list[float], Any]:
    """Milliseconds of each of `repeats` warm runs (after one run to warm up), and a result."""
    result = function()
    times = []
    for _ in range(repeats):
        gc.collect()
        started = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def line(name: str, times: list[float], target: float | None = None, note: str = "") -> bool:
    best, median = min(times), statistics.median(times)
    met = target is None or best < target
    verdict = (
        "" if target is None else f"  target under {target:.0f} ms -> {'met' if met else 'NOT met'}"
    )
    print(f"  {name:<44} best {best:7.1f} ms   median {median:7.1f} ms{verdict}{note}")
    return met


def ensure_organisation(engine: Engine, catalog: Catalog, args: argparse.Namespace) -> int:
    upgrade(engine)
    with Session(engine) as session:
        found = session.exec(select(Organisation).where(Organisation.slug == args.slug)).first()
        if found is not None and not args.regenerate:
            # this run's generated password for the staff the HTTP timings sign in as
            staff = session.exec(
                select(User)
                .where(User.organisation_id == found.id)
                .execution_options(all_organisations=True)
            ).all()
            for user in staff:
                user.password_hash = hash_password(generate_org.PASSWORD)
                session.add(user)
            session.commit()
            return found.id or 0
    print(f"generating the organisation {args.slug!r} ({args.people} people)...", flush=True)
    generate_org.main(
        [
            "--database-url",
            args.database_url,
            "--slug",
            args.slug,
            "--people",
            str(args.people),
            "--replace",
        ]
    )
    with Session(engine) as session:
        found = session.exec(select(Organisation).where(Organisation.slug == args.slug)).one()
        return found.id or 0


def http_timings(
    engine: Engine, catalog: Catalog, args: argparse.Namespace, headcount: int
) -> None:
    app = create_app(
        Settings(
            database_url=args.database_url,
            secret_key=SECRET,
            base_url="http://testserver",
            default_language="en",
        ),
        catalog=catalog,
        engine=engine,
    )
    client = TestClient(app)
    with Session(engine) as session:
        _, token = create_api_token(session, email=f"head@{args.slug}.example.com", name="bench")
        session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    api_url = f"/api/v1/teams/transition?role=active&headcount={headcount}"
    times, response = timed(lambda: client.get(api_url, headers=headers))
    body = response.json()
    size = len(response.content) / 1024
    line("API GET /api/v1/teams/transition (JSON)", times, note=f"  ({size:.0f} KiB)")
    counted = sum(len(body[key]) for key in LISTS)
    if counted != args.people:
        print(f"  ERROR: the API's lists hold {counted} people, not {args.people}")

    login = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
    signed = client.post(
        "/login",
        data={
            "email": f"head@{args.slug}.example.com",
            "password": generate_org.PASSWORD,
            "csrf_token": csrf.group(1) if csrf else "",
        },
        follow_redirects=False,
    )
    if signed.status_code != 303:
        print("  (pages not timed: could not sign in)")
        return
    for name, url in (
        ("page /teams/map (first 100 rows)", "/teams/map"),
        (
            "page /teams/transition (50 per list)",
            f"/teams/transition?role=active&headcount={headcount}",
        ),
    ):
        times, response = timed(partial(client.get, url))
        line(name, times, note=f"  ({len(response.content) / 1024:.0f} KiB)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=generate_org.DEFAULT_DATABASE)
    parser.add_argument("--slug", default="bench-org")
    parser.add_argument("--people", type=int, default=2000, help="when generating")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--no-http", action="store_true", help="time the service calls only")
    args = parser.parse_args(argv)

    catalog = load_catalog(MODEL_FILE, ASSESSMENTS_DIR)
    engine = make_engine(args.database_url)
    organisation_id = ensure_organisation(engine, catalog, args)
    model = catalog.model.definition

    with Session(engine) as session:
        scope_to_organisation(session, organisation_id)
        people = len(
            session.exec(select(Person.id).where(col(Person.kind) == PersonKind.employee)).all()
        )
        args.people = people
        headcount = int(people * 0.4)
        print(
            f"Python {platform.python_version()} on {platform.machine()}, "
            f"{engine.dialect.name}; organisation {args.slug!r}: {people} employees; "
            f"best and median of {REPEATS} warm runs"
        )
        met = True
        times, found = timed(lambda: teams.members(session, model, teams.Scope()))
        line("read people and current scores (database)", times)
        assessed = sum(1 for m in found if m.assessed)

        times, mapped = timed(lambda: teams.team_map(session, catalog))
        met &= line("team_map, whole organisation", times, TARGET_MS)

        times, plan = timed(
            lambda: teams.transition(session, catalog, role="active", headcount=headcount)
        )
        met &= line(f"transition to active, headcount {headcount}", times, TARGET_MS)
        times, with_other = timed(
            lambda: teams.transition(
                session,
                catalog,
                role="active",
                headcount=headcount,
                other_headcount=people - headcount,
            )
        )
        met &= line("transition, with passive headcount too", times, TARGET_MS)
        session.rollback()

    print(
        f"  map: {len(mapped.rows)} rows, {assessed} assessed; plan: {len(plan.fit_now)} fit now, "
        f"{len(plan.developable)} developable, {len(plan.keep_in_current_role)} kept, "
        f"{len(plan.not_a_fit)} not a fit, {len(plan.insufficient_data)} without data, "
        f"{plan.hires_needed} to hire; passive: {with_other.other.available if with_other.other else '-'} stay"
    )
    if plan.people != people:
        print("ERROR: the plan's lists do not add up to the people", file=sys.stderr)
        return 1
    if not args.no_http:
        print("over HTTP (for information; no target):")
        http_timings(engine, catalog, args, headcount)
    print(f"targets (service calls under {TARGET_MS:.0f} ms): {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
