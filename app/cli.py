"""The `salesfit` command: set-up, validation, accounts and the server."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlmodel import Session

from app.cli_staff import register as register_directory_commands
from app.config import Settings, get_settings
from app.db import make_engine
from app.models import Person
from app.scoring.errors import DefinitionError
from app.scoring.loader import Catalog, load_catalog

cli = typer.Typer(
    name="salesfit",
    help="SalesFit: hiring and assessment for sales roles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


def _catalog_or_exit(settings: Settings) -> Catalog:
    """The validated catalog; on any problem, print one line each and exit 1."""
    try:
        return load_catalog(settings.model_file, settings.assessments_dir)
    except DefinitionError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        typer.echo(f"{len(exc.problems)} problem(s) found; nothing started.", err=True)
        raise typer.Exit(1) from None


@cli.command()
def validate(
    model: Annotated[Path | None, typer.Option(help="The competency model file.")] = None,
    assessments: Annotated[
        Path | None, typer.Option(help="The folder of instruments (batteries in batteries/).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Check the competency model and every instrument and battery."""
    settings = get_settings()
    try:
        catalog = load_catalog(
            model or settings.model_file, assessments or settings.assessments_dir
        )
    except DefinitionError as exc:
        if as_json:
            problems = [
                {
                    "file": p.file,
                    "line": p.line,
                    "path": p.path,
                    "message": p.message,
                    "text": str(p),
                }
                for p in exc.problems
            ]
            typer.echo(json.dumps({"problems": problems}, ensure_ascii=False, indent=2))
        else:
            for problem in exc.problems:
                typer.echo(str(problem))
            typer.echo(f"{len(exc.problems)} problem(s) found.", err=True)
        raise typer.Exit(1) from None
    summary = catalog.summary()
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    typer.echo(
        f"Model {summary['model_version']}: {len(summary['competencies'])} competencies, "
        f"profiles {', '.join(summary['profiles'])}."
    )
    for instrument in summary["instruments"]:
        typer.echo(
            f"Instrument {instrument['id']} ({instrument['type']}): {instrument['items']} "
            f"item{'' if instrument['items'] == 1 else 's'}, "
            f"about {instrument['minutes']:g} min."
        )
    for battery in summary["batteries"]:
        members = ", ".join(battery["instruments"])
        slot = " + a slot for the organisation's product test" if battery["product_test"] else ""
        kept = (
            f" (+ up to {battery['product_test_minutes']:g} for the product test)"
            if battery["product_test"]
            else ""
        )
        typer.echo(
            f"Battery {battery['id']}: {members}{slot}, about {battery['minutes']:g} min{kept}."
        )
    typer.echo("All valid.")


@cli.command()
def score(
    instrument: Annotated[Path, typer.Option(help="The instrument file (YAML), any location.")],
    responses: Annotated[
        Path, typer.Option(help="CSV: one row per respondent, one column per item.")
    ],
    id_column: Annotated[
        str | None,
        typer.Option(
            help="Column with respondent ids (default: 'id' if present, else the row number)."
        ),
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="json or csv.")] = "json",
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Score the valid rows and list what was skipped.")
    ] = False,
    model: Annotated[
        Path | None, typer.Option(help="The competency model the instrument refers to.")
    ] = None,
) -> None:
    """Score exported responses to any instrument: scale scores, flags and reliability."""
    from app.scoring.engine import results_json, score_instrument
    from app.scoring.loader import load_instrument, load_model
    from app.scoring.table import TableError, read_table

    if output_format not in ("json", "csv"):
        raise _fail(f"Error: --format must be json or csv, not {output_format!r}.")
    try:
        loaded = load_instrument(instrument, load_model(model or get_settings().model_file))
    except DefinitionError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(1) from None
    try:
        table = read_table(
            responses, loaded.definition, id_column=id_column, skip_invalid=skip_invalid
        )
    except TableError as exc:
        raise _fail(f"{responses}: {exc}") from None
    for skipped in sorted(table.problems, key=lambda p: p.line):
        typer.echo(f"{responses}: skipped {skipped}", err=True)
    if table.missing_columns:
        typer.echo(
            f"{responses}: no column for {', '.join(table.missing_columns)}; scored as unanswered",
            err=True,
        )
    if not table.ids:
        raise _fail(f"{responses}: no valid respondents left to score.")
    scored = score_instrument(
        loaded.definition,
        table.ids,
        answers=table.answers,
        rows=table.rows,
        item_seconds=table.item_seconds,
    )
    if output_format == "json":
        result = results_json(scored)
        result["skipped"] = [
            {"line": p.line, "id": p.respondent, "column": p.column, "message": p.message}
            for p in table.problems
        ]
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["id", *scored.scales.scale_ids])
    for i, respondent in enumerate(scored.respondent_ids):
        values = scored.scores_of(i).values()
        writer.writerow([respondent, *("" if v is None else f"{v:.6g}" for v in values)])


@cli.command()
def migrate() -> None:
    """Apply the database migrations (creates the schema on a new database)."""
    from app.migrate import upgrade

    settings = get_settings()
    upgrade(make_engine(settings.database_url))
    typer.echo("Database is up to date.")


@cli.command("create-user")
def create_user_command(
    email: Annotated[str, typer.Option(help="The e-mail the user signs in with.")],
    role: Annotated[str, typer.Option(help="admin, hr, head_of_sales or manager.")],
    org: Annotated[str, typer.Option(help="The organisation's slug; created when new.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    name: Annotated[str, typer.Option(help="The user's full name.")] = "",
) -> None:
    """Create a staff account (and its organisation when the slug is new)."""
    from app.services.accounts import AccountError, create_user

    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise _fail("No password on standard input.")
    settings = get_settings()
    with Session(make_engine(settings.database_url)) as session:
        try:
            created = create_user(
                session,
                email=email,
                role=role,
                organisation_slug=org,
                password=password,
                full_name=name,
            )
        except AccountError as exc:
            raise _fail(f"Error: {exc}") from None
        session.commit()
        if created.organisation_created:
            typer.echo(f"Created organisation '{created.organisation.slug}'.")
        typer.echo(
            f"Created user {created.user.email} with role {created.user.role} "
            f"in organisation '{created.organisation.slug}'."
        )
        if created.password:
            typer.echo(f"Generated password (shown once): {created.password}")


@cli.command("create-api-token")
def create_api_token_command(
    email: Annotated[str, typer.Option(help="The user the token acts as.")],
    name: Annotated[str, typer.Option(help="A label, e.g. the integration's name.")] = "",
) -> None:
    """Create an API token; it is printed once, on the last line."""
    from app.services.accounts import AccountError, create_api_token

    settings = get_settings()
    with Session(make_engine(settings.database_url)) as session:
        try:
            api_token, token = create_api_token(session, email=email, name=name)
        except AccountError as exc:
            raise _fail(f"Error: {exc}") from None
        session.commit()
        typer.echo(f"API token {api_token.prefix}… created; keep it secret, it is not shown again:")
        typer.echo(token)


@cli.command("revoke-api-token")
def revoke_api_token_command(
    prefix: Annotated[
        str | None, typer.Option(help="The token's first characters, as shown when it was made.")
    ] = None,
    email: Annotated[str | None, typer.Option(help="Revoke every token of this user.")] = None,
) -> None:
    """Revoke an API token (by its prefix) or all tokens of a user; it stops working at once."""
    from sqlmodel import col, select

    from app.db import ALL_ORGANISATIONS
    from app.models import ApiToken
    from app.services.accounts import (
        AccountError,
        find_user_by_email,
        revoke_api_tokens,
        user_api_tokens,
    )

    if (prefix is None) == (email is None):
        raise _fail("Error: give either --prefix or --email.")
    settings = get_settings()
    with Session(make_engine(settings.database_url)) as session:
        if email is not None:
            user = find_user_by_email(session, email)
            if user is None:
                raise _fail(
                    f"Error: {AccountError(f'no user with e-mail {email.strip().lower()}')}"
                )
            tokens = user_api_tokens(session, user)
        else:
            wanted = (prefix or "").strip().rstrip("…")
            tokens = (
                list(
                    session.exec(
                        select(ApiToken)
                        .where(
                            col(ApiToken.prefix).startswith(wanted),
                            col(ApiToken.revoked_at).is_(None),
                        )
                        .execution_options(**{ALL_ORGANISATIONS: True})
                    )
                )
                if len(wanted) >= 4
                else []
            )
            if not tokens:
                raise _fail(f"Error: no active API token starts with {wanted!r}.")
            if len(tokens) > 1:
                listed = ", ".join(f"{t.prefix}… (id {t.id})" for t in tokens)
                raise _fail(
                    f"Error: {wanted!r} matches several tokens: {listed}; give more characters."
                )
        names = [f"{token.prefix}… (id {token.id})" for token in tokens]
        revoke_api_tokens(session, tokens=tokens)
        session.commit()
    for name in names:
        typer.echo(f"Revoked API token {name}.")
    if not names:
        typer.echo("No active token to revoke.")


def _person_session(org: str, email: str) -> tuple[Session, Person]:
    """A session scoped to the organisation `org` and its person with `email`."""
    from sqlmodel import select

    from app.db import scope_to_organisation
    from app.models import Organisation
    from app.services.errors import ServiceError
    from app.services.privacy import find_person_by_email

    session = Session(make_engine(get_settings().database_url))
    organisation = session.exec(select(Organisation).where(Organisation.slug == org)).first()
    if organisation is None or organisation.id is None:
        session.close()
        raise _fail(f"Error: no organisation '{org}'.")
    scope_to_organisation(session, organisation.id)
    try:
        person = find_person_by_email(session, email)
    except ServiceError as exc:
        session.close()
        raise _fail(f"Error: {exc.message}") from None
    return session, person


@cli.command("rescore")
def rescore_command(
    org: Annotated[
        str | None, typer.Option(help="Only this organisation (its slug); default: all.")
    ] = None,
    campaign: Annotated[int | None, typer.Option(help="Only this campaign (its number).")] = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="Store the new results (default: a dry run).")
    ] = False,
) -> None:
    """Score completed assessments again with the current engine and model.

    Only results from an earlier engine or model version are scored again. Without --apply
    nothing changes: each line says what would. With --apply each new result is stored as
    a new snapshot (the old ones are kept) and recorded in the audit trail."""
    from sqlmodel import col, select

    from app.models import Organisation
    from app.services.rescore import campaign_organisation, rescore

    settings = get_settings()
    catalog = _catalog_or_exit(settings)
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        statement = select(Organisation).order_by(col(Organisation.id))
        if org is not None:
            statement = statement.where(Organisation.slug == org)
        organisations = list(session.exec(statement).all())
        if org is not None and not organisations:
            raise _fail(f"Error: no organisation '{org}'. Nothing was scored.")
        if campaign is not None:
            owner = campaign_organisation(session, campaign)
            organisations = [o for o in organisations if o.id == owner]
            if not organisations:
                where = f" in organisation '{org}'" if org else ""
                raise _fail(f"Error: no campaign {campaign}{where}. Nothing was scored.")
    changes = []
    for organisation in organisations:
        with Session(engine) as session:
            changes += rescore(
                session, catalog, organisation=organisation, campaign_id=campaign, apply=apply
            )
    for change in changes:
        typer.echo(change.line())
    differ = sum(1 for c in changes if c.outcome_changed)
    if not changes:
        typer.echo("Every completed result is already scored by the current engine and model.")
    elif apply:
        typer.echo(
            f"Stored {len(changes)} new result(s), {differ} with another outcome; the earlier "
            "results are kept. Each is in the audit trail as result.rescored."
        )
    else:
        typer.echo(
            f"Dry run: {len(changes)} result(s) would be scored again, {differ} with another "
            "outcome; nothing was stored. Run again with --apply to store them."
        )


@cli.command("calibrate")
def calibrate_command(
    org: Annotated[str, typer.Option(help="The organisation (its slug).")],
    instrument: Annotated[
        str, typer.Option(help="The forced-choice instrument, e.g. sales_forced_choice.")
    ],
    apply: Annotated[
        bool, typer.Option("--apply", help="Store the calibrated version (default: a dry run).")
    ] = False,
    seed: Annotated[int, typer.Option(help="Seed of the stochastic estimation.")] = 0,
) -> None:
    """Estimate a forced-choice instrument's parameters from the organisation's responses.

    Needs 300 completed questionnaires with at least 80% of the blocks answered; with fewer
    it says how many more are needed and exits 1. Without --apply nothing is stored. With
    --apply the calibrated version becomes the organisation's: questionnaires started from
    then on are scored with it; results taken before keep their version (docs/calibration.md)."""
    from datetime import date

    from sqlmodel import select

    from app.db import scope_to_organisation
    from app.models import Organisation
    from app.services import calibration
    from app.services.errors import ServiceError

    settings = get_settings()
    catalog = _catalog_or_exit(settings)
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        organisation = session.exec(select(Organisation).where(Organisation.slug == org)).first()
        if organisation is None:
            raise _fail(f"Error: no organisation '{org}'. Nothing was calibrated.")
        scope_to_organisation(session, organisation.id or 0)
        try:
            outcome = calibration.run(
                session,
                catalog,
                instrument,
                organisation=org,
                apply=apply,
                today=date.today(),
                seed=seed,
            )
        except ServiceError as exc:
            raise _fail(f"Error: {exc.message}. Nothing was calibrated.") from None
        for line in calibration_lines(outcome, org):
            typer.echo(line)
        if outcome.calibration is None or outcome.refused:
            raise typer.Exit(1)
        session.commit()


def calibration_lines(outcome: Any, org: str) -> list[str]:
    """What `salesfit calibrate` prints about an outcome (app.services.calibration.Outcome)."""
    lines = [
        f"{outcome.instrument_id} in organisation '{org}' (version in force "
        f"{outcome.version_in_force}): {outcome.completed} completed questionnaire(s), "
        f"{outcome.usable} usable (at least 80% of the blocks answered), "
        f"{outcome.needed} needed."
    ]
    found = outcome.calibration
    if found is None:
        lines.append(
            f"Not enough yet: {outcome.missing} more usable questionnaire(s) needed. Nothing "
            "was estimated or stored; the design parameters stay in force."
        )
        return lines
    lines.append(
        f"Estimated from {found.n} questionnaire(s) ({found.excluded} left out) in "
        f"{found.iterations} iterations; converged: {'yes' if found.converged else 'no'}."
    )
    lines.append(
        "Fit, RMS residual of the correlations between comparisons: calibrated "
        f"{found.rmsr_correlations:.3f}, design {found.rmsr_correlations_design:.3f} "
        f"(sampling noise alone about {found.rmsr_noise:.3f}); of the comparisons' shares: "
        f"calibrated {found.rmsr_margins:.3f}, design {found.rmsr_margins_design:.3f}."
    )
    by_trait: dict[str, list[float]] = {}
    for estimate in found.statements.values():
        by_trait.setdefault(estimate.trait, []).append(estimate.loading)
    lines.append(
        "Mean loading by trait: "
        + ", ".join(f"{t} {sum(v) / len(v):.2f}" for t, v in sorted(by_trait.items()))
    )
    for sid, flags in sorted(found.flagged.items()):
        lines.append(f"  {sid}: {', '.join(flags)}")
    for warning in found.warnings:
        lines.append(f"  note: {warning}")
    if outcome.refused:
        lines.append(f"Not stored: {outcome.refused}.")
    elif outcome.stored is not None:
        lines.append(
            f"Stored {outcome.instrument_id} version {outcome.version} for '{org}': "
            "questionnaires started from now on are scored with it; results taken before "
            f"keep version {outcome.version_in_force}. In the audit trail as "
            "instrument.calibrated."
        )
    else:
        lines.append(
            f"Dry run: nothing was stored. Run again with --apply to store version "
            f"{outcome.version} for this organisation."
        )
    return lines


@cli.command("export-person")
def export_person_command(
    email: Annotated[str, typer.Option(help="The person's e-mail.")],
    org: Annotated[str, typer.Option(help="The organisation's slug.")],
) -> None:
    """Print everything held on one person as JSON (a request for access); audited."""
    from app.services.audit import record_event
    from app.services.privacy import export_person

    session, person = _person_session(org, email)
    with session:
        data = export_person(session, person)
        record_event(
            session,
            organisation_id=person.organisation_id or 0,
            actor="system",
            action="person.exported",
            object_type="person",
            object_id=person.id,
            person_id=person.id,
            details={"via": "command line"},
        )
        session.commit()
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@cli.command("erase-person")
def erase_person_command(
    email: Annotated[str, typer.Option(help="The person's e-mail.")],
    org: Annotated[str, typer.Option(help="The organisation's slug.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase one person (a request for erasure): contact data, written answers and mail go,
    links stop; scores stay, anonymous. Cannot be undone; audited."""
    from app.services.errors import ServiceError
    from app.services.privacy import erase_person

    session, person = _person_session(org, email)
    person_id = person.id
    with session:
        if not yes:
            typer.confirm(
                f"Erase {person.full_name} <{person.email}> (person {person.id}) in '{org}'? "
                "This cannot be undone.",
                abort=True,
            )
        try:
            done = erase_person(session, person, actor="system")
        except ServiceError as exc:
            raise _fail(f"Error: {exc.message}") from None
        session.commit()
    typer.echo(
        f"Erased person {person_id}: {done.answers} written answer(s) emptied, "
        f"{done.comments} comment(s) removed, {done.links} link(s) revoked, "
        f"{done.mail} e-mail(s) removed from the outbox."
    )


@cli.command()
def worker(
    once: Annotated[
        bool, typer.Option("--once", help="Send what is due, print a summary and exit.")
    ] = False,
    interval: Annotated[
        float, typer.Option(min=0.1, help="Seconds between looks at the outbox.")
    ] = 5.0,
    batch: Annotated[int, typer.Option(min=1, help="Most messages sent per look.")] = 20,
) -> None:
    """Send the queued e-mail through SMTP until Ctrl-C or SIGTERM (or once, with --once)."""
    import logging
    import threading

    from sqlalchemy.exc import SQLAlchemyError

    from app.migrate import is_current
    from app.services.mail import run_worker, send_due, smtp_configured, stop_on_signals

    settings = get_settings()
    if not smtp_configured(settings):
        raise _fail(
            "SMTP is not configured (SMTP_HOST is empty), so no mail is sent: "
            "it stays in the outbox, where HR sees it on the outbox page."
        )
    engine = make_engine(settings.database_url)
    try:
        if not is_current(engine):
            raise _fail("The database schema is not up to date: run `salesfit migrate` first.")
        with stop_on_signals(threading.Event()) as stop:
            if once:
                report = send_due(engine, settings, batch=batch, should_stop=stop.is_set)
                typer.echo(f"Mail: {report.summary()}")
                return
            logging.basicConfig(
                level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
            )
            typer.echo(
                f"Mail worker: sending through {settings.smtp_host}:{settings.smtp_port} "
                f"every {interval:g} s; Ctrl-C or SIGTERM stops it."
            )
            run_worker(engine, settings, stop=stop, interval=interval, batch=batch)
            typer.echo("Mail worker stopped.")
    except SQLAlchemyError as exc:
        raise _fail(f"Error: the database cannot be used: {exc}") from None
    finally:
        engine.dispose()


@cli.command()
def retention(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only count who would be anonymised.")
    ] = False,
) -> None:
    """Anonymise candidates past their organisation's retention period (run it daily)."""
    from app.services.privacy import apply_retention

    settings = get_settings()
    with Session(make_engine(settings.database_url)) as session:
        report = apply_retention(session, dry_run=dry_run)
        if not dry_run:
            session.commit()
    verb = "would be anonymised" if dry_run else "anonymised"
    typer.echo(f"{len(report.anonymised)} candidate(s) {verb}.")


@cli.command("seed-demo")
def seed_demo_command() -> None:
    """Load the demo organisation when the database is empty."""
    settings = get_settings()
    _seed_demo(settings, _catalog_or_exit(settings))


def demo_language(settings: Settings) -> str:
    """The language of the demo's content: DEFAULT_LANGUAGE when it is set (in the
    environment or .env), else Russian, the product's market. The pages' language is still
    each browser's (Accept-Language)."""
    return settings.default_language if "default_language" in settings.model_fields_set else "ru"


def _seed_demo(settings: Settings, catalog: Catalog) -> None:
    from app.services.demo import seed_demo

    language = demo_language(settings)
    with Session(make_engine(settings.database_url)) as session:
        demo = seed_demo(
            session,
            catalog,
            secret_key=settings.get_secret_key(),
            base_url=settings.base_url,
            language=language,
        )
    if not demo.logins:
        typer.echo("The database already holds data; no demo loaded.")
        return
    names = {"ru": "Russian", "en": "English"}
    typer.echo(
        f"Loaded the demo organisation (content in {names[language]}; DEFAULT_LANGUAGE=ru|en "
        "chooses). Sign in at " + settings.base_url + "/login with:"
    )
    for login in demo.logins:
        typer.echo(f"  {login.email:32} {login.role.value:14} password: {login.password}")
    typer.echo("These passwords are shown only now.")
    typer.echo("The head of sales sees the dashboard, the rankings and the reports first.")
    if demo.candidate_url:
        typer.echo(
            f"A candidate's questionnaire, to try (in your browser's language): {demo.candidate_url}"
        )


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    concurrency: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=1024,
            help="Requests each process handles at once (CONCURRENCY; sizes its threads and "
            "database pool; more wait in line up to 5 s, then 503).",
        ),
    ] = None,
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="Log every request.")
    ] = True,
) -> None:
    """Serve the web application (refuses to start on an invalid model)."""
    import os

    import uvicorn

    from app.migrate import is_current

    if concurrency is not None:
        os.environ["CONCURRENCY"] = str(concurrency)  # read by every worker process
        get_settings.cache_clear()
    settings = get_settings()
    _catalog_or_exit(settings)
    if not is_current(make_engine(settings.database_url)):
        raise _fail("The database schema is not up to date: run `salesfit migrate` first.")
    from app.web.proxy import uvicorn_options

    capacity = settings.capacity
    typer.echo(
        f"Serving SalesFit on http://{host}:{port} with {workers} process(es), each handling "
        f"{capacity.requests} requests at once ({capacity.waiting} more may wait in line; "
        f"{capacity.pool_size}+{capacity.max_overflow} database connections)"
    )
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        **uvicorn_options(settings),
    )


@cli.command()
def run(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Migrate, load the demo organisation into an empty database, and serve (`make run`)."""
    settings = get_settings()
    catalog = _catalog_or_exit(settings)
    migrate()
    _seed_demo(settings, catalog)
    serve(host=host, port=port, workers=1)


register_directory_commands(cli)


def main() -> None:
    cli()
