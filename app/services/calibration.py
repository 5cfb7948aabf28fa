"""`salesfit calibrate`: a forced-choice instrument's parameters estimated from one
organisation's own responses, stored as that organisation's new version of the instrument.

The estimator is app/scoring/calibrate.py (docs/calibration.md): it needs
`MIN_RESPONDENTS` (300) completed questionnaires with at least 80 % of the blocks answered,
the number at which loadings and means are recovered to within 0.10 (median) in the recovery
study. With fewer, nothing is estimated and the command says how many more are needed.

Without `apply` it is a dry run that reports what it found. With `apply` the calibrated file
(the version in force with new loadings, means and uniquenesses, `parameters: calibrated`
and version `<version>-cal.<n>`) is checked as a shipped file is and stored as the
organisation's version in force (app/services/catalogs.py): sessions started from then on
use it, and results taken before keep the version they were taken with. A calibration that
did not converge, or in which a statement's answers contradict its key (content to fix, not
a parameter to store), is reported and never stored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import yaml
from sqlmodel import Session

from app.models import OrganisationInstrument
from app.scoring import calibrate as estimator
from app.scoring import tirt
from app.scoring.definitions import FcBlock, ForcedChoice
from app.scoring.loader import Catalog, parse_instrument
from app.services import catalogs
from app.services.errors import Invalid, NotFound
from app.services.reliabilities import completed_rows

MAX_ROWS = 5000
"""The newest completed questionnaires used at most (N = 1000 takes about 4 s)."""
CONTRADICTS_KEY = "contradicts_key"


@dataclass(frozen=True)
class Outcome:
    instrument_id: str
    version_in_force: str
    completed: int
    usable: int
    needed: int
    calibration: estimator.Calibration | None = None
    refused: str | None = None
    stored: OrganisationInstrument | None = None
    version: str | None = None

    @property
    def missing(self) -> int:
        return max(0, self.needed - self.usable)


def usable_rows(instrument: ForcedChoice, rows: list[list[Any]]) -> int:
    """Questionnaires with enough complete blocks to be used (as scoring requires)."""
    positions = [k for k, item in enumerate(instrument.items) if isinstance(item, FcBlock)]
    needed = math.ceil(tirt.MIN_BLOCKS_SHARE * len(positions) - 1e-9)
    count = 0
    for row in rows:
        complete = sum(
            1
            for k in positions
            if isinstance(row[k], dict) and row[k].get("most") and row[k].get("least")
        )
        count += complete >= needed
    return count


def _source(session: Session, catalog: Catalog, instrument_id: str) -> dict[str, Any]:
    """The file of the version in force: the organisation's calibrated one, or the shipped."""
    for row in catalogs.in_force(session):
        if row.instrument_id == instrument_id and row.kind == catalogs.CALIBRATED:
            data = yaml.safe_load(catalogs.source_of(session, row))
            break
    else:
        data = yaml.safe_load(catalog.instruments[instrument_id].path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise Invalid(f"{instrument_id}: its file is not a mapping")
    return data


def run(
    session: Session,
    catalog: Catalog,
    instrument_id: str,
    *,
    organisation: str,
    apply: bool,
    today: date,
    user_id: int | None = None,
    seed: int = 0,
) -> Outcome:
    """Calibrate `instrument_id` on the organisation's completed questionnaires (the session
    is scoped to it); store the result with `apply` (the caller commits)."""
    local = catalogs.organisation_catalog(session, catalog)
    loaded = local.instruments.get(instrument_id)
    if loaded is None:
        known = ", ".join(sorted(local.instruments))
        raise NotFound(f"no instrument '{instrument_id}' (known: {known})")
    instrument = loaded.definition
    if not isinstance(instrument, ForcedChoice):
        raise Invalid(
            f"'{instrument_id}' is a {instrument.type.value} instrument; calibrate estimates "
            "the parameters of forced-choice instruments only"
        )
    rows = list(completed_rows(session, instrument, limit=MAX_ROWS).values())
    usable = usable_rows(instrument, rows)
    outcome = Outcome(instrument_id, loaded.version, len(rows), usable, estimator.MIN_RESPONDENTS)
    if usable < estimator.MIN_RESPONDENTS:
        return outcome
    calibration = estimator.calibrate(instrument, rows, seed=seed)
    refused = _refusal(calibration)
    definition = estimator.calibrated_definition(
        _source(session, catalog, instrument_id),
        calibration,
        organisation=organisation,
        date=today.isoformat(),
    )
    text = yaml.safe_dump(definition, allow_unicode=True, sort_keys=False, width=100)
    checked = parse_instrument(text.encode("utf-8"), f"calibrated:{instrument_id}", local.model)
    outcome = replace(outcome, calibration=calibration, refused=refused, version=checked.version)
    if not apply or refused:
        return outcome
    stored = catalogs.install(
        session,
        catalog,
        checked,
        text,
        kind=catalogs.CALIBRATED,
        user_id=user_id,
        details={
            "n": calibration.n,
            "method": calibration.method,
            "date": today.isoformat(),
            "replaces": loaded.version,
            "rmsr_correlations": round(calibration.rmsr_correlations, 4),
            "rmsr_correlations_design": round(calibration.rmsr_correlations_design, 4),
        },
    )
    return replace(outcome, stored=stored)


def _refusal(calibration: estimator.Calibration) -> str | None:
    """Why the calibration must not be stored, or None."""
    contradicting = sorted(
        sid for sid, flags in calibration.flagged.items() if CONTRADICTS_KEY in flags
    )
    if contradicting:
        return (
            f"the answers to {', '.join(contradicting)} contradict their key (a positive "
            "statement behaves like a negative one, or the other way round): fix or replace "
            "the statements and collect new answers; a parameter cannot mend them"
        )
    if not calibration.converged:
        return (
            f"the estimation did not settle (drift {calibration.drift:.1f} Monte-Carlo SE): "
            "run it again with another --seed, or when more questionnaires are in"
        )
    return None
