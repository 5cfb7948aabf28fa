"""Score one person's answers to a battery: the single entry point from answers to a decision.

`app.services.results.score_invitation` reads the answers from the database and calls
`score_person`; the simulation study (`benchmarks/simulate_decisions.py`) calls it with
generated answers, so both go through exactly the same scoring code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.scoring.combine import MethodResult, combine
from app.scoring.engine import score_instrument
from app.scoring.fit import recommend
from app.scoring.loader import Catalog


@dataclass(frozen=True)
class PersonResult:
    """What the scoring says about one person; `payload` is stored as the snapshot's scores."""

    recommendation: str
    confidence: str
    flags: list[str]
    payload: dict[str, Any] = field(default_factory=dict)


def score_person(
    catalog: Catalog,
    instrument_ids: Sequence[str],
    rows: Mapping[str, Sequence[Any]],
    seconds: Mapping[str, Sequence[float | None]] | None = None,
    *,
    person_id: str = "person",
) -> PersonResult:
    """Score a person from parsed answers.

    Parameters
    ----------
    instrument_ids : the battery's instruments, in battery order.
    rows : per instrument, the parsed answers in `elements()` order (None = not answered);
        an instrument that is absent or has no answer at all is left out.
    seconds : per instrument, the seconds spent on each element in the same order (None =
        unknown).
    """
    methods: list[MethodResult] = []
    scales: dict[str, dict[str, float | None]] = {}
    flags: set[str] = set()
    for instrument_id in instrument_ids:
        row = rows.get(instrument_id)
        if row is None or all(value is None for value in row):
            continue
        definition = catalog.instruments[instrument_id].definition
        timing = (seconds or {}).get(instrument_id)
        result = score_instrument(
            definition,
            [person_id],
            rows=[list(row)],
            item_seconds=_item_seconds(timing, len(row)),
        )
        scores = result.scores_of(0)
        scales[instrument_id] = scores
        flags.update(result.flags[0])
        methods.append(
            MethodResult(instrument_id, definition.type.value, definition.weight, scores)
        )

    model = catalog.model.definition
    combined = combine(model.competencies, methods)
    if any(c.discrepancy for c in combined.values()):
        flags.add("method_discrepancy")
    competency_scores = {cid: c.score for cid, c in combined.items()}
    fit = recommend(model, competency_scores, flags=sorted(flags))
    payload = {
        "competencies": {
            cid: {
                "score": c.score,
                "band": None,  # needs a reference group of 30 or more; see docs/scoring.md
                "discrepancy": c.discrepancy,
                "methods": [
                    {
                        "instrument": m.instrument_id,
                        "type": m.instrument_type,
                        "weight": m.weight,
                        "score": m.score,
                    }
                    for m in c.methods
                ],
            }
            for cid, c in combined.items()
        },
        "scales": scales,
        "fit": {pid: f.fit for pid, f in fit.profiles.items()},
        "qualifies": {pid: f.qualifies for pid, f in fit.profiles.items()},
        "knockouts": {pid: [k.competency for k in f.knockouts] for pid, f in fit.profiles.items()},
        "recommendation": fit.recommendation,
        "confidence": fit.confidence,
        "cautions": fit.cautions,
        "summary": fit.summary,
    }
    return PersonResult(fit.recommendation, fit.confidence, sorted(flags), payload)


def _item_seconds(
    timing: Sequence[float | None] | None, width: int
) -> np.ndarray[Any, np.dtype[np.float64]] | None:
    """A (1, width) matrix of seconds per element (NaN = unknown), or None when no element
    of the instrument was timed."""
    if not timing or all(value is None for value in timing):
        return None
    values = [np.nan if value is None else float(value) for value in timing]
    if len(values) != width:
        raise ValueError(f"expected seconds for {width} elements, got {len(values)}")
    return np.array([values], dtype=np.float64)
