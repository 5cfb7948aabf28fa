"""Item fixes from the content review (issue 13, point 4), kept by tests over the shipped files."""

from __future__ import annotations

import re

import pytest

from app.paths import ASSESSMENTS_DIR, MODEL_FILE
from app.scoring.definitions import ManagerRating, SelfReport
from app.scoring.loader import load_catalog

DOUBLE_BARRELLED = ["ce_01", "cm_01", "cm_03", "cm_07", "ps_02", "ps_05", "ps_06", "pk_08",
                    "ce_06", "pr_06"]  # fmt: skip
JOINS = {"ru": re.compile(r"\s(и|или)\s"), "en": re.compile(r"\s(and|or)\s")}


@pytest.fixture(scope="module")
def self_report() -> SelfReport:
    definition = load_catalog(MODEL_FILE, ASSESSMENTS_DIR).instruments["sales_self_report"]
    assert isinstance(definition.definition, SelfReport)
    return definition.definition


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_reviewed_items_ask_about_one_thing(self_report: SelfReport, language: str) -> None:
    texts = {item.id: item.text.get(language) for item in self_report.items}
    joined = {i: texts[i] for i in DOUBLE_BARRELLED if JOINS[language].search(texts[i])}
    assert joined == {}


def test_both_languages_ask_how_true_a_statement_is(self_report: SelfReport) -> None:
    labels = self_report.response_scale.labels
    assert all("верно" in label.ru for label in labels.values())
    assert all("true" in label.en.lower() for label in labels.values())
    assert not any("agree" in label.en.lower() for label in labels.values())
    assert "how true" in self_report.instructions.en
    quoted = re.compile(r"'([A-Z][^']+)'")
    instructed = [i for i in self_report.items if i.expected and quoted.search(i.text.en)]
    assert len(instructed) >= 2, "the instructed attention items name a label"
    names = {label.en for label in labels.values()}
    for item in instructed:
        assert set(quoted.findall(item.text.en)) <= names, item.id


OUTBOUND_ONLY = {
    "ru": ["холодн", "секретар", "мероприят", "выставк"],
    "en": ["cold call", "gatekeeper", "event", "trade show"],
}


@pytest.mark.parametrize("language", ["ru", "en"])
def test_manager_anchors_describe_one_behaviour_an_inbound_manager_can_see(
    language: str,
) -> None:
    rating = load_catalog(MODEL_FILE, ASSESSMENTS_DIR).instruments["manager_rating"].definition
    assert isinstance(rating, ManagerRating)
    for item in rating.items:
        for point, anchor in item.anchors.items():
            text = anchor.get(language)
            sentences = [s for s in re.split(r"(?<=[.!?])\s+", text) if s]
            assert len(sentences) == 1, f"{item.id} {point}: {text}"
            lowered = text.lower()
            assert not [w for w in OUTBOUND_ONLY[language] if w in lowered], item.id
