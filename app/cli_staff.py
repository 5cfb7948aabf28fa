"""The directory's commands of `salesfit`: import-staff, import-kpis and fairness.

Registered on the main command in app/cli.py (`register(cli)`); kept here so that the
directory's commands and their output live together.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from sqlmodel import Session, select

from app.config import get_settings
from app.db import make_engine, scope_to_organisation
from app.models import Organisation
from app.scoring.definitions import CompetencyModel
from app.services.csvfile import ImportPlan, RowProblem
from app.services.errors import ServiceError


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _fail(f"Error: cannot read {path}: {exc.strerror}") from None


@contextmanager
def _organisation_session(slug: str) -> Iterator[tuple[Session, Organisation]]:
    """A session scoped to the organisation with this slug; exit 1 when there is none."""
    engine = make_engine(get_settings().database_url)
    try:
        with Session(engine) as session:
            organisation = session.exec(
                select(Organisation).where(Organisation.slug == slug)
            ).first()
            if organisation is None or organisation.id is None:
                raise _fail(f"Error: there is no organisation with the slug '{slug}'.")
            scope_to_organisation(session, organisation.id)
            yield session, organisation
    finally:
        engine.dispose()


P = TypeVar("P", bound=ImportPlan)


@contextmanager
def _planned(
    file: Path, org: str, make_plan: Callable[[Session, CompetencyModel, bytes], P]
) -> Iterator[tuple[Session, CompetencyModel, P]]:
    """Read `file`, plan its import in the organisation and say how it was read; exit 1 with
    the reason when it cannot be read at all."""
    from app.scoring.loader import load_model

    content = _read(file)
    model = load_model(get_settings().model_file).definition
    with _organisation_session(org) as (session, _organisation):
        try:
            plan = make_plan(session, model, content)
        except ServiceError as exc:
            raise _fail(f"{file}: {exc.message} Nothing was imported.") from None
        typer.echo(f"{file}: read as {plan.encoding}, {plan.rows} rows.")
        yield session, model, plan


def _print_problems(problems: list[RowProblem]) -> None:
    for problem in problems:
        typer.echo(f"  {problem.text()}", err=True)


def import_staff(
    file: Annotated[
        Path,
        typer.Argument(help="CSV: full_name,email,team,manager_email,current_role,hire_date"),
    ],
    org: Annotated[str, typer.Option(help="The organisation's slug.")],
    apply: Annotated[
        bool, typer.Option("--apply", help="Make the changes (without it: a dry run).")
    ] = False,
    skip_invalid: Annotated[
        bool,
        typer.Option("--skip-invalid", help="With --apply: import the good rows, skip bad ones."),
    ] = False,
) -> None:
    """Import the staff directory: people by e-mail, with team, manager, role, hire date.

    Without --apply, prints what would be added and changed and changes nothing. A file
    with a bad row changes nothing unless --skip-invalid; bad rows exit with status 1.
    """
    from app.services.staff import apply_staff_plan, plan_staff_import

    with _planned(file, org, plan_staff_import) as (session, model, plan):
        verb = "" if apply else "would be "
        typer.echo(f"New people ({verb}added): {len(plan.added)}")
        for entry in plan.added:
            details = [
                f"team {entry.team}" if entry.team else "",
                f"manager {entry.manager_email}" if entry.manager_email else "",
                f"role {entry.current_role}" if entry.current_role else "",
                f"hired {entry.hire_date.isoformat()}" if entry.hire_date else "",
            ]
            extra = ", ".join(d for d in details if d)
            typer.echo(
                f"  line {entry.line}: {entry.email} {entry.full_name}"
                + (f" ({extra})" if extra else "")
            )
        typer.echo(f"Changes to people already known ({verb}applied): {len(plan.changed)}")
        for entry in plan.changed:
            changes = "; ".join(f'{c.column} "{c.old}" -> "{c.new}"' for c in entry.changes)
            typer.echo(f"  line {entry.line}: {entry.email}: {changes}")
        typer.echo(f"Unchanged: {len(plan.unchanged)}")
        if plan.new_teams:
            typer.echo(f"New teams ({verb}created): {', '.join(plan.new_teams)}")
        if plan.problems:
            typer.echo(f"Rows with problems: {len(plan.bad_lines)}", err=True)
            _print_problems(plan.problems)
        if not apply:
            if plan.problems and not skip_invalid:
                typer.echo(
                    "Dry run: nothing was changed. Correct the rows above, or import the good "
                    "rows with --apply --skip-invalid."
                )
            else:
                typer.echo("Dry run: nothing was changed. Run again with --apply to import.")
            if plan.problems:
                raise typer.Exit(1)
            return
        if plan.problems and not skip_invalid:
            session.rollback()
            raise _fail(
                "Nothing was imported: the file has bad rows. Correct them, or import the "
                "good rows with --skip-invalid."
            )
        result = apply_staff_plan(session, model, plan, skip_invalid=skip_invalid)
        session.commit()
        typer.echo(
            f"Imported: {result.added} added, {result.changed} changed, "
            f"{result.teams_created} teams created, {result.skipped_rows} bad rows skipped."
        )
        if plan.problems:
            raise typer.Exit(1)


def import_kpis(
    file: Annotated[Path, typer.Argument(help="CSV: email,period,kpi,value (period YYYY-MM).")],
    org: Annotated[str, typer.Option(help="The organisation's slug.")],
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Import the good rows and skip the bad ones.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only check the file and say what it would do.")
    ] = False,
) -> None:
    """Import monthly KPI values (shares and rates in percent, 0-100).

    Every row is checked (person, KPI, month, value); a file with a bad row changes nothing
    unless --skip-invalid, and bad rows exit with status 1. A value already stored for the
    same person, KPI and month is replaced.
    """
    from app.services.kpis import apply_kpi_plan, plan_kpi_file

    with _planned(file, org, plan_kpi_file) as (session, _model, plan):
        typer.echo(
            f"New values: {len(plan.new)}; replacing stored values: {len(plan.replaced)}; "
            f"the same as stored: {len(plan.unchanged)}."
        )
        for entry in plan.replaced:
            typer.echo(
                f"  line {entry.line}: {entry.email} {entry.kpi_id} "
                f"{entry.period.isoformat()[:7]}: {entry.stored:g} -> {entry.value:g}"
            )
        if plan.problems:
            typer.echo(f"Rows with problems: {len(plan.bad_lines)}", err=True)
            _print_problems(plan.problems)
        if dry_run:
            typer.echo("Dry run: nothing was changed.")
        elif plan.problems and not skip_invalid:
            session.rollback()
            raise _fail(
                "Nothing was imported: the file has bad rows. Correct them, or import the "
                "good rows with --skip-invalid."
            )
        else:
            result = apply_kpi_plan(session, plan, skip_invalid=skip_invalid)
            session.commit()
            typer.echo(
                f"Imported: {result.added} added, {result.replaced} replaced, "
                f"{result.skipped_rows} bad rows skipped."
            )
        if plan.problems:
            raise typer.Exit(1)


TRUE_WORDS = frozenset({"1", "true", "yes", "y", "да", "selected", "hired"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "нет", "rejected", ""})


def fairness(
    decisions: Annotated[
        Path, typer.Option("--decisions", help="CSV: one row per person, any columns.")
    ],
    group_column: Annotated[
        str, typer.Option("--group-column", help="The column naming each person's group.")
    ],
    selected_column: Annotated[
        str | None,
        typer.Option("--selected-column", help="1/0, yes/no, true/false: was the person selected."),
    ] = None,
    score_column: Annotated[
        str | None, typer.Option("--score-column", help="A score (higher is better).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Leave bad rows out instead of stopping.")
    ] = False,
) -> None:
    """Adverse impact of decisions made anywhere: selection rates per group with impact
    ratios (flagged below 0.8, the four-fifths rule) and, with a score column, scoring rates
    (the share above the median, as in NYC Local Law 144 audits). Groups under 5 are
    suppressed. Without --selected-column, scoring above the median counts as selected."""
    from app.scoring.fairness import audit_json, scoring_rates, selection_rates
    from app.services.csvfile import read_csv

    if selected_column is None and score_column is None:
        raise _fail("Error: give --selected-column or --score-column (or both).")
    group = group_column.strip().lower()
    selected_name = selected_column.strip().lower() if selected_column else None
    score_name = score_column.strip().lower() if score_column else None
    required = [c for c in (group, selected_name, score_name) if c]
    try:
        table = read_csv(_read(decisions), required=required, others=True)
    except ServiceError as exc:
        raise _fail(f"{decisions}: {exc.message}") from None
    problems = list(table.problems)
    groups: list[str | None] = []
    chosen: list[bool] = []
    scores: list[float] = []
    for row in table.rows:
        bad = False
        picked = False
        value = 0.0
        if selected_name:
            word = row.values[selected_name].strip().lower()
            if word in TRUE_WORDS | FALSE_WORDS:
                picked = word in TRUE_WORDS
            else:
                message = f"'{row.values[selected_name]}' is not a yes or no (use 1 or 0)"
                problems.append(RowProblem(row.line, selected_name, message))
                bad = True
        if score_name:
            text = row.values[score_name].strip().replace(",", ".")
            try:
                value = float(text)
                if value != value or value in (float("inf"), float("-inf")):
                    raise ValueError
            except ValueError:
                message = f"'{row.values[score_name]}' is not a number"
                problems.append(RowProblem(row.line, score_name, message))
                bad = True
        if bad:
            continue
        groups.append(row.values[group].strip() or None)
        chosen.append(picked)
        scores.append(value)
    if problems:
        typer.echo(f"{decisions}: {len({p.line for p in problems})} bad rows", err=True)
        _print_problems(sorted(problems, key=lambda p: p.line))
        if not skip_invalid:
            raise _fail(
                "Nothing was computed: correct the rows, or leave them out with --skip-invalid."
            )
    if not groups:
        raise _fail(f"{decisions}: no rows left to audit.")
    if selected_name is None:
        median = statistics.median(scores)
        chosen = [score > median for score in scores]
    selection = selection_rates(groups, chosen)
    scoring = scoring_rates(groups, scores) if score_name else None
    if as_json:
        typer.echo(json.dumps(audit_json(selection, scoring), ensure_ascii=False, indent=2))
    else:
        _print_audit(decisions, table.encoding, groups, selection, scoring, scores)
    if problems:
        raise typer.Exit(1)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _print_audit(
    path: Path,
    encoding: str,
    groups: list[str | None],
    selection: list[Any],
    scoring: list[Any] | None,
    scores: list[float],
) -> None:
    unknown = sum(1 for g in groups if not g)
    typer.echo(f"{path}: {len(groups)} people (read as {encoding}); {unknown} without a group.")
    typer.echo("Selection rates (an impact ratio below 0.80 is flagged: the four-fifths rule):")
    typer.echo(f"  {'group':20} {'n':>6} {'selected':>9} {'rate':>8} {'ratio':>7}")
    for row in selection:
        if row.suppressed:
            typer.echo(f"  {row.group:20} {row.n:>6}  fewer than 5 people: not shown")
            continue
        flag = "  FLAG" if row.flag else ""
        typer.echo(
            f"  {row.group:20} {row.n:>6} {row.selected:>9} {_percent(row.selection_rate):>8} "
            f"{_ratio(row.impact_ratio):>7}{flag}"
        )
    if scoring is not None:
        median = statistics.median(scores)
        typer.echo(
            f"Scoring rates (the share strictly above the median, {median:g}, of all scores):"
        )
        typer.echo(f"  {'group':20} {'n':>6} {'above':>9} {'rate':>8} {'ratio':>7}")
        for srow in scoring:
            if srow.suppressed:
                typer.echo(f"  {srow.group:20} {srow.n:>6}  fewer than 5 people: not shown")
                continue
            typer.echo(
                f"  {srow.group:20} {srow.n:>6} {srow.above_median:>9} "
                f"{_percent(srow.scoring_rate):>8} {_ratio(srow.impact_ratio):>7}"
            )


def register(cli: typer.Typer) -> None:
    """Add the directory's commands to `salesfit`."""
    cli.command("import-staff")(import_staff)
    cli.command("import-kpis")(import_kpis)
    cli.command("fairness")(fairness)
