"""The situational test's key cannot be read off the options' surface (issue 13, point 4).

A review found the keyed best option followed one formula (a question, an example or options,
a concrete next step), was never the shortest, and was the longest in about half the Russian
scenarios; a keyword rule written from reading the items scored 72.6 where chance is 50. Over
the shipped file, in Russian and in English:

- the best option is the longest in no more than a chance share (1 in 4) of the scenarios;
- "longest is best, shortest is worst" and "most formula words is best, fewest is worst"
  score within 10 points of chance (50) on the test's own 0-100 scoring, so neither the rule
  nor its reverse gives the key away.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.paths import ASSESSMENTS_DIR, MODEL_FILE
from app.scoring.definitions import Sjt, SjtItem
from app.scoring.loader import load_catalog
from app.scoring.responses import elements

# the review's formula, in words a test-wise candidate would look for
FORMULA = {
    "ru": ["?", "спрос", "уточн", "выясн", "узна", "пример", "вариант", "кейс", "договор",
           "срок", "созвон", "перезвон"],
    "en": ["?", "ask", "find out", "check", "example", "option", "case", "agree", "call back",
           "by ", "when"],
}  # fmt: skip
CHANCE = 50.0
TOLERANCE = 10.0


@pytest.fixture(scope="module")
def sjt() -> Sjt:
    definition = load_catalog(MODEL_FILE, ASSESSMENTS_DIR).instruments["sales_sjt"].definition
    assert isinstance(definition, Sjt) and definition.format == "best_worst"
    return definition


def formula_words(text: str, language: str) -> int:
    lowered = text.lower()
    return sum(lowered.count(word) for word in FORMULA[language])


def rule_score(sjt: Sjt, cue: Callable[[SjtItem, str], dict[str, float]], language: str) -> float:
    """The mean score (0-100, chance 50) of picking the option with the most of `cue` as best
    and the least as worst, scored as the instrument scores people."""
    total = 0.0
    by_id = {item.id: item for item in sjt.items}
    for element in elements(sjt):
        values = cue(by_id[element.id], language)
        best = max(values, key=lambda o: values[o])
        worst = min(values, key=lambda o: values[o])
        total += element.score(element.parse({"best": best, "worst": worst}))
    return total / len(sjt.items)


def length(item: SjtItem, language: str) -> dict[str, float]:
    return {o.id: len(o.text.get(language)) for o in item.options}


def formula(item: SjtItem, language: str) -> dict[str, float]:
    # ties go to the longer option, as a test-wise reader would break them
    return {
        o.id: formula_words(o.text.get(language), language) + len(o.text.get(language)) / 10_000
        for o in item.options
    }


def keyed_best(item: SjtItem) -> str:
    return max(item.options, key=lambda o: o.effectiveness).id


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_best_option_is_the_longest_in_no_more_than_a_chance_share(
    sjt: Sjt, language: str
) -> None:
    longest_is_best = [
        item.id
        for item in sjt.items
        if max(length(item, language).items(), key=lambda kv: kv[1])[0] == keyed_best(item)
    ]
    assert len(longest_is_best) <= len(sjt.items) / 4, longest_is_best


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("cue", [length, formula], ids=["length", "formula_words"])
def test_a_surface_rule_scores_near_chance(
    sjt: Sjt, language: str, cue: Callable[[SjtItem, str], dict[str, float]]
) -> None:
    score = rule_score(sjt, cue, language)
    assert abs(score - CHANCE) <= TOLERANCE, f"{cue.__name__} rule scores {score:.1f}"


def test_the_rule_check_can_fail() -> None:
    """A key that always sits on the longest option is caught (the check is not vacuous)."""
    definition = load_catalog(MODEL_FILE, ASSESSMENTS_DIR).instruments["sales_sjt"].definition
    assert isinstance(definition, Sjt)
    items = []
    for item in definition.items:
        ranked = sorted(item.options, key=lambda o: len(o.text.en))
        keyed = [o.model_copy(update={"effectiveness": k + 1}) for k, o in enumerate(ranked)]
        items.append(item.model_copy(update={"options": keyed}))
    rigged = definition.model_copy(update={"items": items})
    assert rule_score(rigged, length, "en") > CHANCE + 4 * TOLERANCE
