"""The catalog as it applies to one organisation: the files' model and instruments, with what
the organisation made its own.

competencies.yaml and assessments/ are loaded once at start-up and shared by every
organisation. An organisation changes its own catalog in three ways, and only its own:

- profile weights an admin accepted from the local validation (app/services/model_versions.py);
- its product test (`OrganisationInstrument.kind == "product_test"`), made on the admin page
  "Product test" from a short form or an uploaded YAML file. It is added to every battery
  with a `product_test` slot, whose competency it then measures by a test;
- an instrument calibrated on its own responses (`kind == "calibrated"`, `salesfit
  calibrate --apply`), which replaces the shipped version of that instrument.

`organisation_catalog` gives that catalog for the organisation a database session is scoped
to. It is what every candidate page and API, the scoring and the reports use. It costs two
small queries (the result is kept in the session's `info` until its next write, commit or
rollback), and the parsed
instruments and the composed catalogs are cached by the ids of the rows in force, so a new
row (or a retired one) is seen by every process on its next request.

Results never change meaning: a session records the version of each instrument it was
taken with, and `pinned` gives the catalog with exactly those versions, including retired
organisation rows, so an old result is scored again with the parameters it was taken with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from app.db import current_organisation, utcnow
from app.models import OrganisationInstrument
from app.scoring.definitions import Battery
from app.scoring.loader import Catalog, LoadedInstrument, parse_instrument
from app.services import model_versions
from app.services.audit import record_event

PRODUCT_TEST = "product_test"
"""The kind, and the instrument id, of an organisation's product test."""
CALIBRATED = "calibrated"
KINDS = (PRODUCT_TEST, CALIBRATED)
_INFO_KEY = "salesfit.catalog"
_CACHE_SIZE = 256
_parsed: dict[tuple[int, int, str], LoadedInstrument] = {}
_composed: dict[tuple[int, int, tuple[tuple[int, str], ...]], Catalog] = {}


def in_force(session: Session) -> list[OrganisationInstrument]:
    """The organisation's instrument rows in force: per instrument the newest not retired.
    Loads only the columns needed to recognise them (the source is read on a cache miss)."""
    rows = session.exec(
        select(
            OrganisationInstrument.id,
            OrganisationInstrument.instrument_id,
            OrganisationInstrument.kind,
            OrganisationInstrument.version,
        )
        .where(col(OrganisationInstrument.retired_at).is_(None))
        .order_by(col(OrganisationInstrument.id).desc())
    ).all()
    found: dict[str, OrganisationInstrument] = {}
    for row_id, instrument_id, kind, version in rows:
        if instrument_id not in found:
            found[instrument_id] = OrganisationInstrument(
                id=row_id, instrument_id=instrument_id, kind=kind, version=version, source=""
            )
    return sorted(found.values(), key=lambda r: r.id or 0)


def _loaded(session: Session, catalog: Catalog, row: OrganisationInstrument) -> LoadedInstrument:
    """The row's instrument, parsed once per process (rows are never edited, only retired)."""
    key = (id(catalog), row.id or 0, row.version)
    found = _parsed.get(key)
    if found is None:
        source = (
            row.source
            or session.exec(
                select(OrganisationInstrument.source).where(OrganisationInstrument.id == row.id)
            ).one()
        )
        found = parse_instrument(source.encode("utf-8"), f"{row.kind}:{row.id}", catalog.model)
        found = replace(found, version=row.version)
        if len(_parsed) >= _CACHE_SIZE:
            _parsed.clear()
        _parsed[key] = found
    return found


def with_slot(battery: Battery, instrument_id: str) -> Battery:
    """The battery with the product test in its slot (last, after the files' instruments)."""
    if battery.product_test is None or instrument_id in battery.instruments:
        return battery
    return battery.model_copy(update={"instruments": [*battery.instruments, instrument_id]})


def compose(catalog: Catalog, loaded: Mapping[str, tuple[str, LoadedInstrument]]) -> Catalog:
    """`catalog` with the organisation's instruments: {instrument id: (kind, instrument)}."""
    instruments = dict(catalog.instruments)
    batteries = dict(catalog.batteries)
    for instrument_id, (kind, instrument) in loaded.items():
        instruments[instrument_id] = instrument
        if kind == PRODUCT_TEST:
            batteries = {bid: with_slot(b, instrument_id) for bid, b in batteries.items()}
    return replace(catalog, instruments=instruments, batteries=batteries)


def organisation_catalog(session: Session, catalog: Catalog) -> Catalog:
    """The catalog for the organisation `session` is scoped to (see the module docstring).
    Given a catalog that is already an organisation's, returns it unchanged."""
    if catalog.organisation_id is not None:
        return catalog
    organisation = current_organisation(session)
    if organisation is None:
        return catalog
    memo = session.info.get(_INFO_KEY)
    if memo is not None and memo[0] is catalog and memo[1] == organisation:
        found: Catalog = memo[2]
        return found
    weighted = model_versions.organisation_catalog(session, catalog)
    rows = in_force(session)
    key = (id(weighted), organisation, tuple((r.id or 0, r.version) for r in rows))
    local = _composed.get(key)
    if local is None or local.model is not weighted.model:
        loaded = {r.instrument_id: (r.kind, _loaded(session, catalog, r)) for r in rows}
        local = replace(compose(weighted, loaded), organisation_id=organisation)
        if len(_composed) >= _CACHE_SIZE:
            _composed.clear()
        _composed[key] = local
    session.info[_INFO_KEY] = (catalog, organisation, local)
    return local


def forget(session: Session) -> None:
    """Drop the session's remembered catalog (after the organisation's instruments change)."""
    session.info.pop(_INFO_KEY, None)


def _forget_on_write(session: Any, *args: Any) -> None:
    session.info.pop(_INFO_KEY, None)


# A write (an accepted weight, a stored instrument), a commit or a rollback may change what
# the catalog is: the session remembers it only across reads.
for _event in ("after_flush", "after_commit", "after_soft_rollback"):
    event.listen(OrmSession, _event, _forget_on_write)


def pinned(session: Session, catalog: Catalog, versions: Mapping[str, str]) -> Catalog:
    """The organisation's catalog with each instrument at the version a result recorded
    ({instrument id: version}): the current one, the files' one, or a retired organisation
    row. An instrument whose recorded version is nowhere to be found (its file was edited
    since) stays at the current version, as before organisation versions existed."""
    local = organisation_catalog(session, catalog)
    base = catalog if catalog.organisation_id is None else None
    changed: dict[str, LoadedInstrument] = {}
    for instrument_id, version in versions.items():
        current = local.instruments.get(instrument_id)
        if current is None or current.version == version:
            continue
        if base is not None and base.instruments.get(instrument_id, current).version == version:
            changed[instrument_id] = base.instruments[instrument_id]
            continue
        row = session.exec(
            select(OrganisationInstrument)
            .where(OrganisationInstrument.instrument_id == instrument_id)
            .where(OrganisationInstrument.version == version)
            .order_by(col(OrganisationInstrument.id).desc())
        ).first()
        if row is not None:
            changed[instrument_id] = _loaded(session, base or local, row)
    if not changed:
        return local
    return replace(local, instruments={**local.instruments, **changed})


def install(
    session: Session,
    catalog: Catalog,
    loaded: LoadedInstrument,
    source: str,
    *,
    kind: str,
    user_id: int | None = None,
    details: Mapping[str, Any] | None = None,
) -> OrganisationInstrument:
    """Store a checked instrument as the organisation's version in force; the one it
    replaces is retired (kept for the results taken with it). The caller commits."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; use one of: {', '.join(KINDS)}")
    retire(session, loaded.id, user_id=user_id)
    row = OrganisationInstrument(
        instrument_id=loaded.id,
        kind=kind,
        version=loaded.version,
        source=source,
        details=dict(details or {}),
        created_by_id=user_id,
    )
    session.add(row)
    session.flush()
    forget(session)
    record_event(
        session,
        organisation_id=row.organisation_id or 0,
        action=f"instrument.{kind}",
        actor_user_id=user_id,
        object_type="organisation_instrument",
        object_id=row.id,
        details={"instrument": loaded.id, "version": loaded.version, **dict(details or {})},
    )
    return row


def retire(session: Session, instrument_id: str, *, user_id: int | None = None) -> int:
    """Retire the organisation's rows in force for an instrument; how many were retired."""
    rows = session.exec(
        select(OrganisationInstrument)
        .where(OrganisationInstrument.instrument_id == instrument_id)
        .where(col(OrganisationInstrument.retired_at).is_(None))
    ).all()
    for row in rows:
        row.retired_at = utcnow()
        session.add(row)
        record_event(
            session,
            organisation_id=row.organisation_id or 0,
            action="instrument.retired",
            actor_user_id=user_id,
            object_type="organisation_instrument",
            object_id=row.id,
            details={"instrument": row.instrument_id, "version": row.version},
        )
    session.flush()
    forget(session)
    return len(rows)


def source_of(session: Session, row: OrganisationInstrument) -> str:
    """The stored file of a row (rows from `in_force` carry no source)."""
    if row.source:
        return row.source
    return session.exec(
        select(OrganisationInstrument.source).where(OrganisationInstrument.id == row.id)
    ).one()


def history(session: Session, instrument_id: str) -> list[OrganisationInstrument]:
    """Every version the organisation stored of an instrument, newest first."""
    return list(
        session.exec(
            select(OrganisationInstrument)
            .where(OrganisationInstrument.instrument_id == instrument_id)
            .order_by(col(OrganisationInstrument.id).desc())
        )
    )
