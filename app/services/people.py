"""People assessed (candidates and employees): added one by one or imported from a CSV."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, select

from app.db import take_turns
from app.i18n import LANGUAGES, format_number
from app.i18n import gettext as _
from app.models import Person, PersonKind
from app.security import bad_character
from app.services.errors import Invalid

CSV_COLUMNS = ("full_name", "email", "language", "kind")
CSV_CELL_LIMIT = 131_072
"""The longest cell read (the csv module's default limit, which otherwise fails the file)."""
_csv_limit_lock = threading.Lock()


@contextmanager
def _any_cell_size(largest: int) -> Iterator[None]:
    """Let the csv module read cells up to `largest` characters (its limit is global: set
    and restored under a lock), so an over-long cell can be named instead of failing."""
    with _csv_limit_lock:
        before = csv.field_size_limit(max(largest, CSV_CELL_LIMIT))
        try:
            yield
        finally:
            csv.field_size_limit(before)


def clean_email(email: str) -> str:
    try:
        checked = validate_email(
            email.strip(), check_deliverability=False, globally_deliverable=False
        )
    except EmailNotValidError as exc:
        raise Invalid(
            _("%(value)s is not a valid e-mail address.") % {"value": email.strip() or "—"},
            field="email",
        ) from exc
    if "." not in checked.domain:
        raise Invalid(
            _("%(value)s is not a valid e-mail address.") % {"value": email.strip()}, field="email"
        )
    return checked.normalized.lower()


def check_person(
    full_name: str, email: str, language: str, kind: str
) -> tuple[str, str, str, PersonKind]:
    """The cleaned values, or Invalid naming the field and how to fix it."""
    for column, value in zip(CSV_COLUMNS, (full_name, email, language, kind), strict=True):
        if bad_character(value):
            raise Invalid(
                _(
                    "The %(column)s holds a character that is not allowed (NUL or an unpaired "
                    "UTF-16 surrogate); remove it."
                )
                % {"column": column},
                field=column,
            )
    name = " ".join(full_name.split())
    if not name:
        raise Invalid(_("The full name is empty."), field="full_name")
    if len(name) > 200:
        raise Invalid(_("The full name is longer than 200 characters."), field="full_name")
    language = language.strip().lower()
    if language not in LANGUAGES:
        raise Invalid(
            _("Unknown language %(value)s; use ru or en.") % {"value": repr(language)},
            field="language",
        )
    try:
        person_kind = PersonKind(kind.strip().lower() or "candidate")
    except ValueError:
        raise Invalid(
            _("Unknown kind %(value)s; use candidate or employee.") % {"value": repr(kind)},
            field="kind",
        ) from None
    return name, clean_email(email), language, person_kind


@dataclass(frozen=True)
class Registered:
    """A person found by e-mail or added, and what happened to the values given."""

    person: Person
    created: bool
    known_name: str | None = None
    """The name on record when the values gave another one (kept unless updating)."""
    renamed: bool = False


def register_person(
    session: Session,
    *,
    full_name: str,
    email: str,
    language: str,
    kind: str = "candidate",
    update_existing: bool = False,
) -> Registered:
    """The organisation's person with this e-mail, or a new one.

    A person already known keeps their name, language and kind: an e-mail typed under
    another name must never rename someone whose results carry that name. With
    `update_existing` the name and language given replace the ones on record."""
    name, address, language, person_kind = check_person(full_name, email, language, kind)
    take_turns(session, "person")  # two imports of one CSV at once add each person once
    person = session.exec(select(Person).where(Person.email == address)).first()
    if person is None:
        person = Person(full_name=name, email=address, language=language, kind=person_kind)
        session.add(person)
        session.flush()
        return Registered(person, created=True)
    known_name = person.full_name if person.full_name != name else None
    if not update_existing:
        return Registered(person, created=False, known_name=known_name)
    person.full_name, person.language = name, language
    session.add(person)
    session.flush()
    return Registered(person, created=False, known_name=known_name, renamed=known_name is not None)


def add_person(
    session: Session, *, full_name: str, email: str, language: str, kind: str = "candidate"
) -> Person:
    """The organisation's person with this e-mail (left as it is), or a new one."""
    return register_person(
        session, full_name=full_name, email=email, language=language, kind=kind
    ).person


@dataclass(frozen=True)
class ImportedRow:
    line: int
    name: str  # the name the row gives
    registered: Registered
    language: str  # the row's language (or the default), for this row's invitation


@dataclass
class ImportReport:
    rows: list[ImportedRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, message)

    @property
    def people(self) -> list[Person]:
        return [row.registered.person for row in self.rows]

    @property
    def name_conflicts(self) -> list[ImportedRow]:
        """Rows whose e-mail belongs to someone known under another name."""
        return [row for row in self.rows if row.registered.known_name is not None]


def import_people(
    session: Session,
    content: bytes,
    *,
    default_language: str = "ru",
    update_existing: bool = False,
) -> ImportReport:
    """Import `full_name,email,language,kind` rows: valid rows are added (people already
    known by e-mail are reused, never duplicated, and keep their names unless
    `update_existing`), bad rows are reported by line and skipped. A file that cannot be
    read at all raises Invalid and imports nothing."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(_("The file is not UTF-8 text; save it as CSV (UTF-8).")) from None
    if not text.strip():
        raise Invalid(_("The file is empty."))
    dialect: type[csv.Dialect] | csv.Dialect
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    with _any_cell_size(len(text)):
        rows = list(csv.reader(io.StringIO(text), dialect))
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in CSV_COLUMNS[:2] if c not in header]
    if missing:
        raise Invalid(
            _("The first line must name the columns %(columns)s; missing: %(missing)s.")
            % {"columns": ", ".join(CSV_COLUMNS), "missing": ", ".join(missing)}
        )
    report = ImportReport()
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        too_long = [i for i, cell in enumerate(row) if len(cell) > CSV_CELL_LIMIT]
        if too_long:
            column = header[too_long[0]] if too_long[0] < len(header) else str(too_long[0] + 1)
            report.errors.append(
                (
                    line,
                    _("Column %(column)s: the cell is longer than %(limit)s characters.")
                    % {"column": column, "limit": format_number(CSV_CELL_LIMIT)},
                )
            )
            continue
        values = dict(zip(header, row, strict=False))
        try:
            name, address, language, kind = check_person(
                values.get("full_name", ""),
                values.get("email", ""),
                values.get("language", "") or default_language,
                values.get("kind", "") or "candidate",
            )
        except Invalid as exc:
            report.errors.append((line, exc.message))
            continue
        if address in seen:
            message = _("%(email)s is already on line %(line)s.") % {
                "email": address,
                "line": seen[address],
            }
            report.errors.append((line, message))
            continue
        seen[address] = line
        registered = register_person(
            session,
            full_name=name,
            email=address,
            language=language,
            kind=kind,
            update_existing=update_existing,
        )
        report.rows.append(ImportedRow(line, name, registered, language))
    return report
