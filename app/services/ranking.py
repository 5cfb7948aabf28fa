"""The campaign ranking: everyone with a result, sorted and filtered, compared and exported.

One row per person with a completed assessment in the campaign, from their latest
ScoreSnapshot (`reviews.completed_results`). A manager sees only the people they manage.
Sorting puts people without a value (no fit index, no score) last in either order; equal
values keep name order. Exports carry the rows of the page, with the same filters and sort.

Spreadsheet programs run a cell that begins with `=`, `+`, `-` or `@` (or a tab or carriage
return) as a formula, so a name such as `=HYPERLINK(...)` could fetch a URL or worse when an
export is opened (OWASP, "CSV Injection"). Every text cell of an export is therefore
neutralised by a leading single quote, and XLSX cells are written as strings.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from sqlmodel import Session, col, select

from app import i18n
from app.db import utcnow
from app.i18n import gettext as _
from app.ids import parse_id
from app.models import Campaign, Invitation, Person, ScoreSnapshot
from app.scoring.definitions import CompetencyModel
from app.scoring.validity import FLAGS
from app.services.audit import record_event
from app.services.errors import Invalid, NotFound
from app.services.reviews import completed_results, managed_by
from app.services.snapshot_view import (
    DECISIVE,
    OUTCOMES,
    engine_of,
    fit_interval,
    interval_text,
    percent,
)

RECOMMENDATIONS = OUTCOMES
"""Every outcome a filter can ask for: the four decisive ones, then uncertain,
insufficient_data and invalid."""
DEFAULT_OUTCOMES = tuple(o for o in OUTCOMES if o in DECISIVE)
"""Without an outcome filter the ranking shows only decisive results: an invalid result or
one with too little data has nothing to rank by, and an undecided one is one click away
(its count and link are on the page)."""
CONFIDENCES = ("low", "medium", "high")
"""Confidence levels, lowest first."""
ORDERS = ("asc", "desc")
FIT_SORT = "fit:"
PROBABILITY_SORT = "probability:"
EITHER = "either"
COMPETENCY_SORT = "competency:"
PLAIN_SORTS = ("recommendation", "confidence", "flags", "name")
ASCENDING_FIRST = frozenset({"name", "flags"})
"""Sort keys read best from the smallest value (A first, fewest flags first)."""
MIN_COMPARE = 2
MAX_COMPARE = 4
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


# ----------------------------------------------------------------------------- rows


def _number(value: Any) -> float | None:
    """A finite float, or None for anything missing or not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


@dataclass(frozen=True)
class RankingRow:
    """One person's latest result in the campaign."""

    person: Person
    invitation: Invitation
    snapshot: ScoreSnapshot

    @property
    def scores(self) -> dict[str, Any]:
        return self.snapshot.scores or {}

    def fit(self, profile_id: str) -> float | None:
        return _number((self.scores.get("fit") or {}).get(profile_id))

    def fit_text(self, profile_id: str) -> str:
        """The fit index with its interval, "68 (61–75)"; "—" without one."""
        return interval_text(*fit_interval(self.snapshot, profile_id))

    def probability(self, profile_id: str) -> float | None:
        """P(meets the role) for a profile; for `either` the higher of the two."""
        found = self.scores.get("probabilities") or {}
        if profile_id == EITHER:
            values = [v for v in (_number(x) for x in found.values()) if v is not None]
            return max(values) if values else None
        return _number(found.get(profile_id))

    def probability_text(self, profile_id: str) -> str:
        return percent(self.probability(profile_id))

    @property
    def engine(self) -> int:
        return engine_of(self.scores)

    def competency_text(self, competency_id: str) -> str:
        entry = (self.scores.get("competencies") or {}).get(competency_id) or {}
        return interval_text(
            _number(entry.get("score")), _number(entry.get("low")), _number(entry.get("high"))
        )

    def measured(self, competency_id: str) -> bool:
        entry = (self.scores.get("competencies") or {}).get(competency_id) or {}
        if isinstance(entry.get("measured"), bool):
            return bool(entry["measured"])
        return self.competency(competency_id) is not None

    def qualifies(self, profile_id: str) -> bool | None:
        value = (self.scores.get("qualifies") or {}).get(profile_id)
        return value if isinstance(value, bool) else None

    def knockouts(self, profile_id: str) -> list[str]:
        return list((self.scores.get("knockouts") or {}).get(profile_id) or [])

    def competency(self, competency_id: str) -> float | None:
        entry = (self.scores.get("competencies") or {}).get(competency_id) or {}
        return _number(entry.get("score"))

    def discrepancy(self, competency_id: str) -> bool:
        entry = (self.scores.get("competencies") or {}).get(competency_id) or {}
        return bool(entry.get("discrepancy"))

    @property
    def recommendation(self) -> str | None:
        """The outcome (engine 2) or the recommendation (engine 1)."""
        found = self.scores.get("outcome") or self.snapshot.recommendation
        return str(found) if found else None

    @property
    def outcome(self) -> str | None:
        return self.recommendation

    @property
    def confidence(self) -> str | None:
        return self.snapshot.confidence

    @property
    def flags(self) -> list[str]:
        return list(self.snapshot.flags or [])

    @property
    def serious_flags(self) -> list[str]:
        return [c for c in self.flags if c in FLAGS and FLAGS[c].severity == "serious"]

    @property
    def provisional(self) -> bool:
        return bool(self.snapshot.provisional)


# ----------------------------------------------------------------------------- the query


@dataclass(frozen=True)
class RankingQuery:
    """How the rows are sorted and which are kept."""

    sort: str
    order: str = "desc"
    recommendations: tuple[str, ...] = ()
    min_confidence: str | None = None
    no_serious_flags: bool = False
    provisional: bool | None = None

    @property
    def filtered(self) -> bool:
        return bool(
            self.recommendations
            or self.min_confidence
            or self.no_serious_flags
            or self.provisional is not None
        )

    def params(self, **changes: Any) -> list[tuple[str, str]]:
        """The query as URL parameters (after `changes`), in a stable order."""
        query = replace(self, **changes)
        out = [("sort", query.sort), ("order", query.order)]
        out += [("recommendation", r) for r in query.recommendations]
        if query.min_confidence:
            out.append(("confidence", query.min_confidence))
        if query.no_serious_flags:
            out.append(("no_serious_flags", "1"))
        if query.provisional is not None:
            out.append(("provisional", "yes" if query.provisional else "no"))
        return out


def sort_keys(model: CompetencyModel) -> list[str]:
    """Every sort key: fit per profile, the plain keys, then each competency."""
    return (
        [PROBABILITY_SORT + pid for pid in model.profiles]
        + [PROBABILITY_SORT + EITHER]
        + [FIT_SORT + pid for pid in model.profiles]
        + list(PLAIN_SORTS)
        + [COMPETENCY_SORT + cid for cid in model.competencies]
    )


def default_order(key: str) -> str:
    return "asc" if key in ASCENDING_FIRST else "desc"


def default_sort(model: CompetencyModel, campaign: Campaign) -> str:
    """The probability of meeting the campaign's target role (for "either", the higher of
    the two roles' probabilities)."""
    target = str(campaign.target_role)
    return PROBABILITY_SORT + (target if target in model.profiles else EITHER)


def read_query(
    params: Iterable[tuple[str, str]], model: CompetencyModel, campaign: Campaign
) -> tuple[RankingQuery, list[str]]:
    """The query from URL parameters, and a sentence for each value that was not understood
    (that value is then left out, so the rest of the query still applies)."""
    values: dict[str, list[str]] = {}
    for key, value in params:
        if value.strip():
            values.setdefault(key, []).append(value.strip())
    problems: list[str] = []
    keys = sort_keys(model)

    sort = (values.get("sort") or [""])[0]
    if sort and sort not in keys:
        problems.append(
            _("Cannot sort by “%(sort)s”; choose one of: %(choices)s.")
            % {"sort": sort, "choices": ", ".join(keys)}
        )
        sort = ""
    sort = sort or default_sort(model, campaign)

    order = (values.get("order") or [""])[0]
    if order and order not in ORDERS:
        problems.append(_("The order must be “asc” or “desc”, not “%(order)s”.") % {"order": order})
        order = ""
    order = order or default_order(sort)

    recommendations: list[str] = []
    for value in values.get("recommendation", []):
        if value in RECOMMENDATIONS:
            if value not in recommendations:
                recommendations.append(value)
        else:
            problems.append(
                _("Unknown recommendation “%(value)s”; choose from: %(choices)s.")
                % {"value": value, "choices": ", ".join(RECOMMENDATIONS)}
            )

    confidence: str | None = (values.get("confidence") or [""])[0] or None
    if confidence is not None and confidence not in CONFIDENCES:
        problems.append(
            _("Unknown minimum confidence “%(value)s”; choose from: %(choices)s.")
            % {"value": confidence, "choices": ", ".join(CONFIDENCES)}
        )
        confidence = None

    serious = (values.get("no_serious_flags") or [""])[0]
    if serious and serious not in ("1", "on", "yes", "true"):
        problems.append(
            _("“No serious flags” is either on (1) or left out, not “%(value)s”.")
            % {"value": serious}
        )

    provisional: bool | None = None
    answer = (values.get("provisional") or [""])[0]
    if answer in ("yes", "no"):
        provisional = answer == "yes"
    elif answer:
        problems.append(
            _("“Provisional” must be “yes”, “no” or left out, not “%(value)s”.") % {"value": answer}
        )

    query = RankingQuery(
        sort=sort,
        order=order,
        recommendations=tuple(r for r in RECOMMENDATIONS if r in recommendations),
        min_confidence=confidence,
        no_serious_flags=serious in ("1", "on", "yes", "true"),
        provisional=provisional,
    )
    return query, problems


# ----------------------------------------------------------------------------- the ranking


@dataclass(frozen=True)
class Ranking:
    campaign: Campaign
    query: RankingQuery
    rows: list[RankingRow]
    total: int
    """People with a result in the campaign (that the user may see), before the filters."""
    profiles: list[str] = field(default_factory=list)
    competencies: list[str] = field(default_factory=list)
    hidden: dict[str, int] = field(default_factory=dict)
    """Outcome -> how many rows the default outcome filter leaves out (only without an
    outcome filter of the user's own)."""


def visible_campaign(session: Session, campaign_id: int, *, manager_id: int | None) -> Campaign:
    """The campaign; for a manager, only one that invited somebody they manage."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is not None and manager_id is not None:
        mine = session.exec(
            select(Invitation.id)
            .join(Person, col(Person.id) == col(Invitation.person_id))
            .where(Invitation.campaign_id == campaign_id, managed_by(manager_id))
            .limit(1)
        ).first()
        if mine is None:
            campaign = None
    if campaign is None:
        raise NotFound(_("There is no such campaign."))
    return campaign


def campaign_rows(
    session: Session, campaign: Campaign, *, manager_id: int | None
) -> list[RankingRow]:
    """Everyone with a result in the campaign, by name."""
    rows = [
        RankingRow(row.person, row.invitation, row.snapshot)
        for row in completed_results(session, campaign_id=campaign.id, manager_id=manager_id)
        if row.snapshot is not None
    ]
    return sorted(rows, key=_name_key)


def _name_key(row: RankingRow) -> tuple[str, int]:
    return (row.person.full_name.casefold(), row.person.id or 0)


def _recommendation_ranks(campaign: Campaign) -> dict[str, int]:
    """A recommendation is better the more it opens the campaign's target role."""
    target = str(campaign.target_role)
    other = {"active": "passive", "passive": "active"}.get(target)
    undecided = {"uncertain": -1, "insufficient_data": -2, "invalid": -3}
    if other is None:
        return {"both": 3, "active": 2, "passive": 2, "neither": 0, **undecided}
    return {"both": 3, target: 2, other: 1, "neither": 0, **undecided}


def sort_value(key: str, campaign: Campaign) -> Callable[[RankingRow], Any]:
    """What a row is sorted by under `key`; None sorts last in either order."""
    if key.startswith(PROBABILITY_SORT):
        role = key.removeprefix(PROBABILITY_SORT)
        return lambda row: row.probability(role)
    if key.startswith(FIT_SORT):
        profile = key.removeprefix(FIT_SORT)
        return lambda row: row.fit(profile)
    if key.startswith(COMPETENCY_SORT):
        competency = key.removeprefix(COMPETENCY_SORT)
        return lambda row: row.competency(competency)
    if key == "recommendation":
        ranks = _recommendation_ranks(campaign)
        return lambda row: ranks.get(row.recommendation or "")
    if key == "confidence":
        return lambda row: (
            CONFIDENCES.index(row.confidence) if row.confidence in CONFIDENCES else None
        )
    if key == "flags":
        return lambda row: (len(row.serious_flags), len(row.flags))
    return lambda row: row.person.full_name.casefold()


def sort_rows(
    rows: Sequence[RankingRow], campaign: Campaign, key: str, order: str
) -> list[RankingRow]:
    """`rows` sorted by `key`; rows without a value last, ties in name order."""
    value = sort_value(key, campaign)
    by_name = sorted(rows, key=_name_key)
    known = [row for row in by_name if value(row) is not None]
    missing = [row for row in by_name if value(row) is None]
    # Python's sort is stable with reverse=True too, so equal values keep name order.
    return sorted(known, key=value, reverse=order == "desc") + missing


def keep(row: RankingRow, query: RankingQuery) -> bool:
    """Whether a row passes the query's filters (without an outcome filter: decisive only)."""
    if row.recommendation not in (query.recommendations or DEFAULT_OUTCOMES):
        return False
    if query.min_confidence is not None and (
        row.confidence not in CONFIDENCES
        or CONFIDENCES.index(row.confidence) < CONFIDENCES.index(query.min_confidence)
    ):
        return False
    if query.no_serious_flags and row.serious_flags:
        return False
    return query.provisional is None or row.provisional == query.provisional


def rank_campaign(
    session: Session,
    model: CompetencyModel,
    campaign: Campaign,
    query: RankingQuery,
    *,
    manager_id: int | None,
) -> Ranking:
    """The campaign's rows filtered and sorted as the query asks."""
    rows = campaign_rows(session, campaign, manager_id=manager_id)
    kept = [row for row in rows if keep(row, query)]
    hidden: dict[str, int] = {}
    if not query.recommendations:
        for row in rows:
            if row.recommendation not in DEFAULT_OUTCOMES:
                code = row.recommendation or "insufficient_data"
                hidden[code] = hidden.get(code, 0) + 1
    return Ranking(
        campaign=campaign,
        query=query,
        rows=sort_rows(kept, campaign, query.sort, query.order),
        total=len(rows),
        profiles=list(model.profiles),
        competencies=list(model.competencies),
        hidden={code: hidden[code] for code in OUTCOMES if code in hidden},
    )


# ----------------------------------------------------------------------------- comparison


def read_people(values: Iterable[str]) -> list[int]:
    """Person ids from `people=1,2` and/or repeated `people=1&people=2`, duplicates removed."""
    ids: list[int] = []
    for value in values:
        for part in value.split(","):
            text = part.strip()
            if not text:
                continue
            if parse_id(text) is None:
                raise Invalid(
                    _("“%(value)s” is not a person's number; tick people in the ranking instead.")
                    % {"value": text[:40]},
                    field="people",
                )
            if int(text) not in ids:
                ids.append(int(text))
    return ids


def compare(
    session: Session, campaign: Campaign, person_ids: Sequence[int], *, manager_id: int | None
) -> list[RankingRow]:
    """The results of 2 to 4 people of the campaign, in the order asked for."""
    if not MIN_COMPARE <= len(person_ids) <= MAX_COMPARE:
        raise Invalid(
            _(
                "Choose from %(min)s to %(max)s people to compare; %(count)s were chosen. "
                "Tick them in the ranking and press “Compare”."
            )
            % {"min": MIN_COMPARE, "max": MAX_COMPARE, "count": len(person_ids)},
            field="people",
        )
    rows = {
        row.person.id: row
        for row in campaign_rows(session, campaign, manager_id=manager_id)
        if row.person.id in person_ids
    }
    missing = [str(pid) for pid in person_ids if pid not in rows]
    if missing:
        raise NotFound(
            _("No result in this campaign for person number %(ids)s; choose people in the ranking.")
            % {"ids": ", ".join(missing)},
            field="people",
        )
    return [rows[pid] for pid in person_ids]


# ----------------------------------------------------------------------------- exports

Cell = str | float | int | bool | datetime | None


def neutralise(text: str) -> str:
    """Text a spreadsheet shows as it is: a leading quote before what could start a formula.

    Leading spaces are looked through, since some programs trim them on import.
    """
    if text.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + text
    return text


def export_header(model: CompetencyModel) -> list[str]:
    """The export's columns: every interval as `_low` and `_high` beside its value, flags
    as `code:severity` with their meanings in the page's language."""
    return [
        "person_id",
        "full_name",
        "email",
        "status",
        "recommendation",
        "confidence",
        *(
            name
            for pid in model.profiles
            for name in (
                f"probability_{pid}",
                f"fit_{pid}",
                f"fit_{pid}_low",
                f"fit_{pid}_high",
            )
        ),
        "differential",
        "differential_low",
        "differential_high",
        *(name for cid in model.competencies for name in (cid, f"{cid}_low", f"{cid}_high")),
        "flags",
        "flag_meanings",
        "provisional",
        "completed_at",
        "engine",
        "model_version",
    ]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _probability(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _export_row(row: RankingRow, model: CompetencyModel, now: datetime) -> list[Cell]:
    language = i18n.get_language()
    payload = row.scores
    differential = payload.get("differential") if isinstance(payload, dict) else None
    differential = differential if isinstance(differential, dict) else {}
    cells: list[Cell] = [
        row.person.id,
        row.person.full_name,
        row.person.email or "",
        row.invitation.status(now).value,
        row.recommendation or "",
        row.confidence or "",
    ]
    for pid in model.profiles:
        fit, low, high = fit_interval(row.snapshot, pid)
        cells += [_probability(row.probability(pid)), _rounded(fit), _rounded(low), _rounded(high)]
    cells += [_rounded(_number(differential.get(key))) for key in ("value", "low", "high")]
    for cid in model.competencies:
        entry = (payload.get("competencies") or {}).get(cid) or {}
        cells += [
            _rounded(row.competency(cid)),
            _rounded(_number(entry.get("low"))),
            _rounded(_number(entry.get("high"))),
        ]
    severities = {
        code: (FLAGS[code].severity if code in FLAGS else "caution") for code in row.flags
    }
    cells += [
        ";".join(f"{code}:{severity}" for code, severity in severities.items()),
        " | ".join(FLAGS[code].text(language) if code in FLAGS else code for code in row.flags),
        row.provisional,
        row.invitation.completed_at,
        row.engine,
        row.snapshot.model_version,
    ]
    return cells


def export_rows(ranking: Ranking, model: CompetencyModel) -> list[list[Cell]]:
    """One list of values per row of the ranking, in the columns of `export_header`."""
    now = utcnow()
    return [_export_row(row, model, now) for row in ranking.rows]


def _csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, str):
        return neutralise(value)
    return str(value)


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """CSV in UTF-8 with a byte-order mark, so Excel reads Cyrillic names correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(name) for name in header])
    for row in rows:
        writer.writerow([_csv_text(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx_text(text: str) -> str:
    # openpyxl refuses control characters that XML 1.0 cannot carry.
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", text))


def to_xlsx(header: Sequence[str], rows: Iterable[Sequence[Cell]], *, title: str) -> bytes:
    """An XLSX workbook of one sheet; every text is a string cell, never a formula."""
    workbook = Workbook()
    workbook.properties.creator = "SalesFit"
    sheet = workbook.active
    sheet.title = re.sub(r"[\\/*?:\[\]]", " ", title)[:31] or "ranking"
    sheet.append([_xlsx_text(name) for name in header])
    for cell in sheet[1]:
        cell.data_type = "s"
        cell.font = Font(bold=True)
    for values in rows:
        line: list[Any] = []
        for value in values:
            if isinstance(value, str):
                line.append(_xlsx_text(value))
            elif isinstance(value, datetime):
                # Excel has no time zones: the moment in UTC, as the column says.
                line.append(value.astimezone(UTC).replace(tzinfo=None))
            else:
                line.append(value)
        sheet.append(line)
        for cell, value in zip(sheet[sheet.max_row], line, strict=True):
            if isinstance(value, str):
                cell.data_type = "s"
            elif isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = sheet.dimensions
    for index, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(name) + 4))
    sheet.column_dimensions[get_column_letter(header.index("full_name") + 1)].width = 32
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def file_stem(campaign: Campaign, day: datetime | None = None) -> tuple[str, str]:
    """A file name without extension: ASCII only, and the same with the campaign's own
    letters (for `filename*`), e.g. `ranking-spring-hiring-2026-05-01`."""
    date = (day or utcnow()).strftime("%Y-%m-%d")
    words = re.findall(r"\w+", campaign.name)
    unicode_name = "-".join(words)[:60].strip("-_")
    ascii_name = "-".join(re.findall(r"[A-Za-z0-9]+", campaign.name))[:60].strip("-").lower()
    fallback = f"campaign-{campaign.id}"
    return (
        f"ranking-{ascii_name or fallback}-{date}",
        f"ranking-{unicode_name or fallback}-{date}",
    )


def record_export(
    session: Session, ranking: Ranking, *, user_id: int | None, file_format: str
) -> None:
    """Note in the audit trail who exported which people's results (personal data)."""
    record_event(
        session,
        organisation_id=ranking.campaign.organisation_id or 0,
        actor_user_id=user_id,
        action="ranking.exported",
        object_type="campaign",
        object_id=ranking.campaign.id,
        details={
            "format": file_format,
            "rows": len(ranking.rows),
            "query": [f"{key}={value}" for key, value in ranking.query.params()],
        },
    )
