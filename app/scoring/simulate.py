"""Simulated respondents for the decision study and the property tests.

People with known latent levels answer the shipped instruments through response models
that are deliberately NOT the scoring model (docs/scoring.md §"Simulation study"):

* self-report — Samejima's graded response model on the 1..5 scale: item discrimination
  a ~ U(0.8, 2.0), thresholds spread -2.0, -0.8, 0.3, 1.5 around an item location
  ~ N(-0.3, 0.4), jittered; reverse-keyed items are answered on the keyed direction and
  written back as low + high - x. Impression-management items load on their own latent
  (located at +1: virtues almost nobody has), the sales-orientation items on an orientation
  latent. Attention items are answered attentively: an instructed item (its text names a
  label of the scale) with that label, an infrequency item with the honest answer on its
  side of the scale (for "agree" items 5/4/3 with .55/.37/.08, for "disagree" items 1/2/3
  with .75/.20/.05), and with a slip of `SLIP_RATE` (3 %) per attention item to a uniformly
  random answer.
* SJT, best/worst — a choice model over the options' key levels: the best pick is a softmax
  over the options of s * k_o, with k_o the option's key level centred on the item's mean
  and sensitivity s = a * softplus(theta - b) (a ~ U(0.8, 1.6), b ~ N(-0.5, 0.5)): a
  low-level person picks at chance, a high-level one follows the key. The worst pick is a
  softmax of -s * k_o over the remaining options.
* knowledge — 3PL: P(correct) = c + (1 - c) / (1 + exp(-1.7 a (theta - b))) with the guessing
  floor c = 1 / number of options, a ~ U(0.8, 1.8), b ~ N(0, 0.8); a wrong answer is one of
  the distractors at random.
* work sample — a continuous performance z = latent + task noise (SD 0.6) per criterion,
  read by a rater with error (SD 0.5) against cut-points at -1, 0, 1 (3 points; evenly
  spread for other maxima), shifted per criterion by N(0, 0.3).
* forced choice — Thurstonian utilities t = mu + lambda * latent + e per statement, with
  the true loadings the declared ones times U(0.7, 1.3) and the true means the declared
  ones + N(0, 0.25) (design values are guesses), uniqueness 1 - lambda^2; the statement most
  and least like the person are those of the highest and lowest utility. A faker adds
  `FC_FAKING_SHIFT` (3) times the statement's desirability (true mean + 0.3 for positive,
  - 0.3 for negative statements); instructed checks are followed (slip rate as above for
  honest people, none for fakers); random responders pick at random.
* manager rating — round(3 + latent + leniency + noise) on 1..5, leniency per person
  N(0.3, 0.3) (the same manager rates both sittings), noise SD 0.6.

Each method sees a competency through its own lens: latent = sqrt(1 - v) theta + sqrt(v) u
with a person's method-specific factor u (the same at every sitting) and v from
`METHOD_SPECIFIC`. Timing per item is reading time plus answering time: the words shown (the
Russian text) at the person's reading speed (log-normal around 200 words per minute,
Trauzettel-Klosinski et al. 2012 give 184 ± 32 for Russian) plus a log-normal answering time.

Kinds of respondent: `honest`; `faker` (answers the self-report's competency and
orientation items at the keyed maximum, its impression-management items at the midpoint,
passes every attention item with the accepted answer nearest the honest one, and answers
everything else at their true level); `random` (uniformly random answers at reading pace)
and `random_fast` (uniformly random answers at about 1.5 s per item). Work samples of random responders are rated as from a person at
theta = -2.5 (a rater reads nonsense).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from app.scoring.definitions import (
    FcCheck,
    ForcedChoice,
    Instrument,
    Key,
    Knowledge,
    ManagerRating,
    ScaleKind,
    SelfReport,
    Sjt,
    WorkSample,
)
from app.scoring.loader import Catalog
from app.scoring.responses import elements

Kind = Literal["honest", "faker", "random", "random_fast"]

SLIP_RATE = 0.03
COMPETENCY_CORRELATION = 0.5
"""Correlation between any two competencies in the general population (one general factor)."""
ORIENTATION_LOADING = {"persistence": 0.4, "communication": 0.3}
"""Correlation of the outbound orientation with competencies (through their specific parts)."""
METHOD_SPECIFIC = {
    "self_report": 0.2,
    "forced_choice": 0.2,
    "sjt": 0.2,
    "knowledge": 0.3,
    "work_sample": 0.1,
    "manager_rating": 0.1,
}
"""Share of a method's latent that belongs to the method, not to the competency."""
READING_WPM = 200.0
READING_LOG_SD = 0.25
ITEM_LOG_SD = 0.3
ANSWER_SECONDS = {
    "self_report": 1.2,
    "forced_choice": 5.0,
    "sjt": 3.0,
    "knowledge": 1.5,
    "manager_rating": 3.0,
}
FAST_SECONDS = 1.5
GRM_SPACING = np.array([-2.0, -0.8, 0.3, 1.5])

ORIENTATION = "sales_orientation"
IMPRESSION = "impression_management"


@dataclass(frozen=True)
class Person:
    """A simulated respondent: latent levels (z-scores) and how they answer."""

    theta: dict[str, float]  # competencies, plus ORIENTATION and IMPRESSION
    kind: Kind = "honest"
    method_factor: dict[tuple[str, str], float] = field(default_factory=dict)
    leniency: float = 0.3
    wpm: float = READING_WPM

    def level(self, scale: str) -> float:
        """The latent behind a scale; a scale outside the model (e.g. activity planning)
        follows the person's mean competency level."""
        if scale in self.theta:
            return self.theta[scale]
        competencies = [v for k, v in self.theta.items() if k not in (ORIENTATION, IMPRESSION)]
        return float(np.mean(competencies))

    def latent(self, method: str, scale: str) -> float:
        v = METHOD_SPECIFIC.get(method, 0.0)
        u = self.method_factor.get((method, scale), 0.0)
        return math.sqrt(1.0 - v) * self.level(scale) + math.sqrt(v) * u


def _finish(rng: np.random.Generator, theta: dict[str, float], kind: Kind = "honest") -> Person:
    """Add the person-level parts that stay the same at every sitting."""
    scales = [*theta, "activity_planning"]
    factors = {(m, s): float(rng.standard_normal()) for m in METHOD_SPECIFIC for s in scales}
    return Person(
        theta=theta,
        kind=kind,
        method_factor=factors,
        leniency=float(rng.normal(0.3, 0.3)),
        wpm=float(READING_WPM * math.exp(rng.normal(0.0, READING_LOG_SD))),
    )


def general_population(
    rng: np.random.Generator, competencies: Sequence[str], n: int, *, mean: float = 0.0
) -> list[Person]:
    """Applicants: competencies correlated `COMPETENCY_CORRELATION` through a general factor,
    an outbound orientation related to persistence and communication, an independent
    impression-management level."""
    rho = COMPETENCY_CORRELATION
    people = []
    for _ in range(n):
        general = rng.standard_normal()
        theta = {
            c: float(mean + math.sqrt(rho) * general + math.sqrt(1 - rho) * rng.standard_normal())
            for c in competencies
        }
        loading = {c: w for c, w in ORIENTATION_LOADING.items() if c in theta}
        rest = math.sqrt(max(0.0, 1.0 - sum(w * w for w in loading.values())))
        theta[ORIENTATION] = float(
            sum(w * (theta[c] - mean) for c, w in loading.items()) + rest * rng.standard_normal()
        )
        theta[IMPRESSION] = float(rng.standard_normal())
        people.append(_finish(rng, theta))
    return people


HUNTER = {"persistence": 0.9, "persuasion": 0.8, "communication": 0.8, "negotiation": 0.3}
FARMER = {
    "client_expertise": 0.9,
    "product_knowledge": 0.9,
    "objection_handling": 0.4,
    "persuasion": -0.3,
    "persistence": -0.9,
}


def profiled(
    rng: np.random.Generator,
    competencies: Sequence[str],
    n: int,
    shape: Literal["hunter", "farmer"],
) -> list[Person]:
    """Clearly active-like (hunters) or passive-like (farmers) people: a good general level
    (+0.5 SD), the profile's own strengths (`HUNTER`, `FARMER`), an orientation of +/-1.5 SD
    and individual noise of 0.3 SD."""
    offsets = HUNTER if shape == "hunter" else FARMER
    people = []
    for _ in range(n):
        theta = {
            c: float(0.5 + offsets.get(c, 0.0) + 0.3 * rng.standard_normal()) for c in competencies
        }
        theta[ORIENTATION] = float(
            (1.5 if shape == "hunter" else -1.5) + 0.3 * rng.standard_normal()
        )
        theta[IMPRESSION] = float(rng.standard_normal())
        people.append(_finish(rng, theta))
    return people


def at_level(
    rng: np.random.Generator, competencies: Sequence[str], level: float, kind: Kind = "honest"
) -> Person:
    """Every competency at `level` (z), orientation and impression management at 0."""
    theta = {c: float(level) for c in competencies}
    theta[ORIENTATION] = 0.0
    theta[IMPRESSION] = 0.0
    return _finish(rng, theta, kind)


# ------------------------------------------------------------------ item parameters


@dataclass(frozen=True)
class LikertParameters:
    a: float
    thresholds: NDArray[np.float64]  # ordered, one per step of the scale


@dataclass(frozen=True)
class ChoiceParameters:
    a: float
    b: float


@dataclass(frozen=True)
class CriterionParameters:
    cuts: NDArray[np.float64]


@dataclass(frozen=True)
class BlockParameters:
    """The true Thurstonian parameters of a forced-choice block's three statements: the
    declared (design) values with error, because design values are guesses."""

    loading: NDArray[np.float64]  # signed
    mean: NDArray[np.float64]
    uniqueness: NDArray[np.float64]
    desirability: NDArray[np.float64]  # what a faker sees


FC_LOADING_ERROR = (0.7, 1.3)
"""True loading = declared loading times U(0.7, 1.3)."""
FC_MEAN_ERROR = 0.25
"""True utility mean = declared mean + N(0, 0.25)."""
FC_TRANSPARENCY = 0.3
"""How much more desirable a positive statement looks than a negative one of the same
declared mean, to a faker (utility SDs; the blocks are matched on declared means only)."""
FC_FAKING_SHIFT = 3.0
"""A faker's utilities: honest utility + FC_FAKING_SHIFT * desirability. At 3 the faker
ranks by desirability nearly always (the analogue of the Likert faker's keyed maximum)."""


def _sigmoid(x: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-x))


def _softplus(x: float) -> float:
    return float(np.logaddexp(0.0, x))


def _words(*texts: str) -> int:
    return sum(len(t.split()) for t in texts)


def _instructed_point(instrument: SelfReport, text: str) -> int | None:
    """The scale point an instructed attention item asks for (its label appears in the text)."""
    for point, label in instrument.response_scale.labels.items():
        if label.ru in text or label.en in text:
            return int(point)
    return None


@dataclass
class ItemBank:
    """Fixed item parameters of every instrument of a catalog: the same test at every sitting."""

    catalog: Catalog
    seed: int
    params: dict[tuple[str, str], Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for instrument_id in sorted(self.catalog.instruments):
            definition = self.catalog.instruments[instrument_id].definition
            for element in elements(definition):
                key = (instrument_id, element.id)
                # Seeded per item: an item keeps its parameters in any variant of the catalog.
                rng = np.random.default_rng(
                    [self.seed, zlib.crc32(instrument_id.encode()), zlib.crc32(element.id.encode())]
                )
                if isinstance(definition, SelfReport):
                    steps = definition.response_scale.max - definition.response_scale.min
                    spacing = np.interp(np.linspace(0, 3, steps), np.arange(4), GRM_SPACING)
                    location = rng.normal(-0.3, 0.4)
                    if definition.scales.get(element.scale) is not None and (
                        definition.scales[element.scale].kind is ScaleKind.impression_management
                    ):
                        location = 1.0 + rng.normal(0.0, 0.3)
                    thresholds = np.sort(spacing + location + rng.normal(0.0, 0.15, steps))
                    self.params[key] = LikertParameters(float(rng.uniform(0.8, 2.0)), thresholds)
                elif isinstance(definition, Sjt):
                    self.params[key] = ChoiceParameters(
                        float(rng.uniform(0.8, 1.6)), float(rng.normal(-0.5, 0.5))
                    )
                elif isinstance(definition, Knowledge):
                    self.params[key] = ChoiceParameters(
                        float(rng.uniform(0.8, 1.8)), float(rng.normal(0.0, 0.8))
                    )
                elif isinstance(definition, ForcedChoice):
                    block = next((b for b in definition.blocks if b.id == element.id), None)
                    if block is None:  # an attention check: answered as instructed
                        continue
                    declared = np.array([st.loading for st in block.statements])
                    keys = np.array([st.key for st in block.statements], dtype=np.float64)
                    loading = keys * declared * rng.uniform(*FC_LOADING_ERROR, 3)
                    mean = np.array([st.mean for st in block.statements]) + rng.normal(
                        0.0, FC_MEAN_ERROR, 3
                    )
                    self.params[key] = BlockParameters(
                        loading,
                        mean,
                        np.maximum(0.1, 1.0 - loading**2),
                        mean + FC_TRANSPARENCY * keys,
                    )
                elif isinstance(definition, WorkSample):
                    criterion = next(
                        c for t in definition.items for c in t.rubric if c.id == element.id
                    )
                    m = criterion.max_points
                    cuts = np.linspace(-1.0, 1.0, m) if m > 1 else np.array([0.0])
                    self.params[key] = CriterionParameters(cuts + rng.normal(0.0, 0.3))


# ------------------------------------------------------------------ answering


def _grm(rng: np.random.Generator, latent: float, p: LikertParameters, low: int) -> int:
    cumulative = _sigmoid(p.a * (latent - p.thresholds))  # P(X >= low + k + 1)
    return int(low + (rng.uniform() < cumulative).sum())


def _attentive(
    rng: np.random.Generator, instrument: SelfReport, item_text: str, expected: list[int]
) -> int:
    low, high = instrument.response_scale.min, instrument.response_scale.max
    instructed = _instructed_point(instrument, item_text)
    if instructed is not None:
        return instructed
    agree = float(np.mean(expected)) > (low + high) / 2
    if agree:
        return int(rng.choice([high, high - 1, high - 2], p=[0.55, 0.37, 0.08]))
    return int(rng.choice([low, low + 1, low + 2], p=[0.75, 0.20, 0.05]))


def _self_report(
    rng: np.random.Generator, bank: ItemBank, instrument: SelfReport, person: Person
) -> tuple[list[Any], list[float]]:
    low, high = instrument.response_scale.min, instrument.response_scale.max
    answers: list[Any] = []
    words: list[int] = []
    for item in instrument.items:
        words.append(_words(item.text.ru))
        scale = instrument.scales.get(item.scale)
        kind = scale.kind if scale is not None else None
        if person.kind in ("random", "random_fast"):
            answers.append(int(rng.integers(low, high + 1)))
            continue
        if item.expected:
            attentive = _attentive(rng, instrument, item.text.ru + item.text.en, item.expected)
            if person.kind == "faker":  # passes: the accepted answer nearest the honest one
                attentive = min(item.expected, key=lambda x: (abs(x - attentive), x))
            elif rng.uniform() < SLIP_RATE:
                attentive = int(rng.integers(low, high + 1))
            answers.append(attentive)
            continue
        if person.kind == "faker":
            if kind is ScaleKind.impression_management:
                answers.append(round((low + high) / 2))
            else:
                answers.append(low if item.key is Key.reverse else high)
            continue
        if kind is ScaleKind.impression_management:
            latent = person.level(IMPRESSION)
        elif item.scale == ORIENTATION:
            latent = person.level(ORIENTATION)
        else:
            latent = person.latent("self_report", item.scale)
        keyed = _grm(rng, latent, bank.params[(instrument.id, item.id)], low)
        answers.append(low + high - keyed if item.key is Key.reverse else keyed)
    return answers, _seconds(rng, person, words, "self_report")


def _forced_choice(
    rng: np.random.Generator, bank: ItemBank, instrument: ForcedChoice, person: Person
) -> tuple[list[Any], list[float]]:
    """Thurstonian utilities with the bank's true parameters; a faker adds
    FC_FAKING_SHIFT * desirability; random responders pick at random."""
    answers: list[Any] = []
    words: list[int] = []
    for block in instrument.items:
        words.append(_words(*(st.text.ru for st in block.statements)))
        ids = [st.id for st in block.statements]
        if person.kind in ("random", "random_fast"):
            most, least = rng.choice(3, size=2, replace=False)
            answers.append({"most": ids[int(most)], "least": ids[int(least)]})
            continue
        if isinstance(block, FcCheck):  # as instructed; an honest person slips at SLIP_RATE
            if person.kind != "faker" and rng.uniform() < SLIP_RATE:
                most, least = rng.choice(3, size=2, replace=False)
                answers.append({"most": ids[int(most)], "least": ids[int(least)]})
            else:
                answers.append({"most": block.expected.most, "least": block.expected.least})
            continue
        p = bank.params[(instrument.id, block.id)]
        latent = np.array(
            [
                person.level(ORIENTATION)
                if st.competency == ORIENTATION
                else person.latent("forced_choice", st.competency)
                for st in block.statements
            ]
        )
        utility = p.mean + p.loading * latent + np.sqrt(p.uniqueness) * rng.standard_normal(3)
        if person.kind == "faker":
            utility = utility + FC_FAKING_SHIFT * p.desirability
        order = np.argsort(-utility)
        answers.append({"most": ids[int(order[0])], "least": ids[int(order[2])]})
    return answers, _seconds(rng, person, words, "forced_choice")


def _softmax_pick(rng: np.random.Generator, utilities: NDArray[np.float64]) -> int:
    weights = np.exp(utilities - utilities.max())
    return int(rng.choice(len(utilities), p=weights / weights.sum()))


def _sjt(
    rng: np.random.Generator, bank: ItemBank, instrument: Sjt, person: Person
) -> tuple[list[Any], list[float]]:
    answers: list[Any] = []
    words: list[int] = []
    for item in instrument.items:
        words.append(_words(item.scenario.ru, item.question.ru, *(o.text.ru for o in item.options)))
        ids = [o.id for o in item.options]
        levels = np.array([o.effectiveness for o in item.options], dtype=np.float64)
        if instrument.format == "rate_each":
            scale = instrument.response_scale
            if scale is None:  # the loader refuses this; kept for type safety
                raise TypeError("a rate_each SJT needs a response_scale")
            if person.kind in ("random", "random_fast"):
                ratings = rng.integers(scale.min, scale.max + 1, size=len(ids))
            else:
                p = bank.params[(instrument.id, item.id)]
                s = p.a * _softplus(person.latent("sjt", item.scale) - p.b)
                span = scale.max - scale.min
                key = (levels - instrument.key_scale.min) / (
                    instrument.key_scale.max - instrument.key_scale.min
                )
                share = min(1.0, s / 3.0)  # how far the ratings follow the key
                mean = scale.min + span * (share * key + (1 - share) * 0.5)
                ratings = np.clip(
                    np.rint(mean + rng.normal(0, 0.7, len(ids))), scale.min, scale.max
                )
            answers.append(";".join(str(int(r)) for r in ratings))
            continue
        if person.kind in ("random", "random_fast"):
            best, worst = rng.choice(len(ids), size=2, replace=False)
        else:
            p = bank.params[(instrument.id, item.id)]
            s = p.a * _softplus(person.latent("sjt", item.scale) - p.b)
            centred = levels - levels.mean()
            best = _softmax_pick(rng, s * centred)
            rest = [j for j in range(len(ids)) if j != best]
            worst = rest[_softmax_pick(rng, -s * centred[rest])]
        answers.append(f"{ids[int(best)]}/{ids[int(worst)]}")
    return answers, _seconds(rng, person, words, "sjt")


def _knowledge(
    rng: np.random.Generator, bank: ItemBank, instrument: Knowledge, person: Person
) -> tuple[list[Any], list[float]]:
    answers: list[Any] = []
    words: list[int] = []
    for item in instrument.items:
        words.append(_words(item.question.ru, *(o.text.ru for o in item.options)))
        ids = [o.id for o in item.options]
        correct = [o for o in ids if o in item.correct]
        wrong = [o for o in ids if o not in item.correct]
        if person.kind in ("random", "random_fast"):
            answers.append(str(rng.choice(ids)))
            continue
        p = bank.params[(instrument.id, item.id)]
        guess = 1.0 / len(ids)
        knows = guess + (1 - guess) * _sigmoid(
            1.7 * p.a * (person.latent("knowledge", item.scale) - p.b)
        )
        if rng.uniform() < knows:
            answers.append(";".join(correct))
        else:
            answers.append(str(rng.choice(wrong)) if wrong else ";".join(correct))
    return answers, _seconds(rng, person, words, "knowledge")


def _work_sample(
    rng: np.random.Generator, bank: ItemBank, instrument: WorkSample, person: Person
) -> list[Any]:
    answers: list[Any] = []
    for task in instrument.items:
        for criterion in task.rubric:
            latent = (
                -2.5
                if person.kind in ("random", "random_fast")
                else person.latent("work_sample", criterion.scale)
            )
            performance = latent + rng.normal(0.0, 0.6) + rng.normal(0.0, 0.5)
            cuts = bank.params[(instrument.id, criterion.id)].cuts
            answers.append(int((performance > cuts).sum()))
    return answers


def _manager_rating(
    rng: np.random.Generator, instrument: ManagerRating, person: Person
) -> tuple[list[Any], list[float]]:
    low, high = instrument.response_scale.min, instrument.response_scale.max
    middle = (low + high) / 2
    answers = [
        int(
            np.clip(
                round(
                    middle
                    + person.latent("manager_rating", item.scale)
                    + person.leniency
                    + rng.normal(0.0, 0.6)
                ),
                low,
                high,
            )
        )
        for item in instrument.items
    ]
    words = [
        _words(item.text.ru, *(a.ru for a in item.anchors.values())) for item in instrument.items
    ]
    return answers, _seconds(rng, person, words, "manager_rating")


def _seconds(
    rng: np.random.Generator, person: Person, words: Sequence[int], method: str
) -> list[float]:
    n = len(words)
    if person.kind == "random_fast":
        return list(FAST_SECONDS * np.exp(rng.normal(0.0, 0.3, n)))
    reading = np.array(words, dtype=np.float64) / (person.wpm / 60.0)
    answering = ANSWER_SECONDS[method] * np.exp(rng.normal(0.0, 0.4, n))
    return list(reading * np.exp(rng.normal(0.0, ITEM_LOG_SD, n)) + answering)


@dataclass(frozen=True)
class Sitting:
    """Parsed answers and seconds per instrument, as `score_person` takes them."""

    rows: dict[str, list[Any]]
    seconds: dict[str, list[float | None]]


def raw_answers(
    rng: np.random.Generator, bank: ItemBank, instrument: Instrument, person: Person
) -> tuple[list[Any], list[float] | None]:
    """One person's raw answers to one instrument in `elements()` order, and seconds."""
    if isinstance(instrument, SelfReport):
        return _self_report(rng, bank, instrument, person)
    if isinstance(instrument, ForcedChoice):
        return _forced_choice(rng, bank, instrument, person)
    if isinstance(instrument, Sjt):
        return _sjt(rng, bank, instrument, person)
    if isinstance(instrument, Knowledge):
        return _knowledge(rng, bank, instrument, person)
    if isinstance(instrument, WorkSample):
        return _work_sample(rng, bank, instrument, person), None
    if isinstance(instrument, ManagerRating):  # the manager's time is not recorded per item
        return _manager_rating(rng, instrument, person)[0], None
    raise TypeError(f"no response model for {type(instrument).__name__}")


def sit(
    rng: np.random.Generator,
    bank: ItemBank,
    instrument_ids: Sequence[str],
    person: Person,
    instruments: Mapping[str, Instrument] | None = None,
) -> Sitting:
    """One sitting of a battery: raw answers parsed by each element's own `parse`, as the
    questionnaire stores them. `instruments` overrides the catalog's definitions (e.g. an
    instrument with its items reordered)."""
    rows: dict[str, list[Any]] = {}
    seconds: dict[str, list[float | None]] = {}
    for instrument_id in instrument_ids:
        definition = (instruments or {}).get(instrument_id) or bank.catalog.instruments[
            instrument_id
        ].definition
        raw, timing = raw_answers(rng, bank, definition, person)
        columns = elements(definition)
        rows[instrument_id] = [e.parse(v) for e, v in zip(columns, raw, strict=True)]
        if timing is not None:
            seconds[instrument_id] = [float(s) for s in timing]
    return Sitting(rows, seconds)


def as_kind(person: Person, kind: Kind) -> Person:
    return replace(person, kind=kind)
