"""Whether a battery measures product knowledge by a test of the organisation's product.

The shipped content has no such test (product knowledge is company-specific): a battery for
hiring names a slot (`product_test` in the battery file) that the organisation fills from
the template. Until then the competency is measured by the self-report alone, and results
say so; no item that measures something else stands in for it (docs/content.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.scoring.definitions import Battery, Knowledge
from app.scoring.loader import Catalog

DEFAULT_SCALE = "product_knowledge"

NOT_TESTED = {
    "ru": (
        "«{name}» не измерено тестом: тест по продукту компании в этой оценке не заполнен, "
        "поэтому оценка опирается только на самоотчёт и её интервал шире."
    ),
    "en": (
        "“{name}” is not measured by a test: the company's product test is not filled in for "
        "this assessment, so the score rests on the self-report alone and its interval is wider."
    ),
}


def tested_by(catalog: Catalog, instrument_ids: Iterable[str], scale: str) -> bool:
    """Whether a knowledge test among these instruments has items on `scale`."""
    for instrument_id in instrument_ids:
        loaded = catalog.instruments.get(instrument_id)
        if loaded is None:
            continue
        definition = loaded.definition
        if isinstance(definition, Knowledge) and any(i.scale == scale for i in definition.items):
            return True
    return False


def status(catalog: Catalog, battery: Battery, instrument_ids: Iterable[str]) -> dict[str, Any]:
    """The product-test part of a result's payload: the competency, whether the battery has a
    slot for the test, whether a test measured it, and the sentence to show when not."""
    scale = battery.product_test.scale if battery.product_test else DEFAULT_SCALE
    tested = tested_by(catalog, instrument_ids, scale)
    competency = catalog.model.definition.competencies.get(scale)
    out: dict[str, Any] = {"scale": scale, "slot": battery.product_test is not None}
    out["tested"] = tested
    if not tested:
        out["text"] = {
            language: NOT_TESTED[language].format(
                name=competency.name.get(language) if competency else scale
            )
            for language in ("ru", "en")
        }
    return out


def mark(payload: dict[str, Any], found: dict[str, Any]) -> dict[str, Any]:
    """`payload` with the product-test status, and a caution when it was not tested."""
    out = {**payload, "product_test": found}
    if not found["tested"]:
        out["cautions"] = [*payload.get("cautions", []), f"not_tested:{found['scale']}"]
        competencies = dict(payload.get("competencies") or {})
        if found["scale"] in competencies and isinstance(competencies[found["scale"]], dict):
            competencies[found["scale"]] = {**competencies[found["scale"]], "tested": False}
            out["competencies"] = competencies
    return out
