"""Answers a made-up person would give, from latent competency levels (for the demo).

`answers_for` writes the answers to one instrument the way the candidate's pages send them
(Likert points, best/worst picks, ratings, knowledge choices, written text), from a person's
levels on the 0–100 reporting scale and a response style; `rating_for` and `points_for` do the
same for a manager's rating and a reviewer's rubric points. Everything is drawn from the
`random.Random` passed in, so a seeded generator gives the same demo every time. The answers
then go through the services (consent, save, complete, review, rate), so the demo shows
whatever the scoring engine makes of them.

The model of a response is deliberately simple: an item measuring competency *c* is answered
as a person at level θ_c would on average, plus noise (Likert: the scale point nearest
min + θ/100·(max−min), reversed for reverse-keyed items; situations: the experts' best and
worst options recognised with probability (θ − 25)/60, else a guess; knowledge: correct with
a probability rising steeply around θ = 50). It is a demonstration, not a psychometric
simulation.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from app.scoring.definitions import (
    FcCheck,
    ForcedChoice,
    Instrument,
    Key,
    Knowledge,
    ManagerRating,
    ResponseScale,
    ScaleKind,
    SelfReport,
    Sjt,
    WorkSample,
)

Style = Literal["honest", "faking", "careless"]
"""honest: answers as the levels say; faking: inflates the self-report and claims virtues
nobody has, and misses two attention checks (one slip alone is tolerated); careless: rushes, the same answer in a row."""

DEFAULT_LEVEL = 50.0
"""The level of a scale the person's profile does not mention."""


@dataclass(frozen=True)
class Answered:
    """One instrument's answers and the seconds spent per item."""

    answers: dict[str, Any]
    seconds: dict[str, float]


def _level(levels: Mapping[str, float], scale: str) -> float:
    return min(100.0, max(0.0, float(levels.get(scale, DEFAULT_LEVEL))))


def _point(scale: ResponseScale, level: float, rng: random.Random, noise: float = 0.6) -> int:
    """The scale point a person at `level` (0–100) picks, with some noise."""
    centre = scale.min + level / 100 * (scale.max - scale.min)
    return max(scale.min, min(scale.max, round(rng.gauss(centre, noise))))


def _likert(
    instrument: SelfReport, levels: Mapping[str, float], style: Style, rng: random.Random
) -> dict[str, Any]:
    scale = instrument.response_scale
    answers: dict[str, Any] = {}
    missed_attention = 0
    same = _point(scale, 75, rng, 0)
    for item in instrument.items:
        kind = instrument.scales[item.scale].kind if item.scale in instrument.scales else None
        if style == "careless":
            answers[item.id] = same if rng.random() < 0.85 else rng.randint(scale.min, scale.max)
            continue
        if kind is ScaleKind.infrequency and item.expected:
            allowed = sorted(item.expected)
            if style == "faking" and missed_attention < 2:
                wrong = [p for p in scale.points() if p not in allowed]
                answers[item.id] = rng.choice(wrong) if wrong else allowed[0]
                missed_attention += 1
            else:
                answers[item.id] = rng.choice(allowed)
            continue
        if kind is ScaleKind.impression_management:
            level = 95.0 if style == "faking" else 30.0 + rng.uniform(-10, 15)
        else:
            level = _level(levels, item.scale)
            if style == "faking":
                level = min(100.0, level + 35)
        point = _point(scale, level, rng)
        answers[item.id] = scale.max + scale.min - point if item.key is Key.reverse else point
    return answers


def _sjt(instrument: Sjt, levels: Mapping[str, float], rng: random.Random) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for item in instrument.items:
        # the chance of recognising the experts' best (and worst) option rises from nothing
        # at a level of 25 to certainty at 85; otherwise the pick is a guess
        sure = min(1.0, max(0.0, (_level(levels, item.scale) - 25) / 60))
        ranked = sorted(item.options, key=lambda option: option.effectiveness)
        ids = [option.id for option in ranked]
        if instrument.format == "best_worst":
            best = ids[-1] if rng.random() < sure else rng.choice(ids[:-1])
            others = [i for i in ids if i != best]
            worst = ids[0] if ids[0] != best and rng.random() < sure else rng.choice(others)
            answers[item.id] = {"best": best, "worst": worst}
        else:
            scale = instrument.response_scale or instrument.key_scale
            key = instrument.key_scale
            answers[item.id] = {
                option.id: _point(
                    scale,
                    100
                    * (
                        sure * (option.effectiveness - key.min) / (key.max - key.min)
                        + (1 - sure) * rng.random()
                    ),
                    rng,
                    0.4,
                )
                for option in item.options
            }
    return answers


def forced_choice_answers(
    instrument: ForcedChoice, levels: Mapping[str, float], style: Style, rng: random.Random
) -> dict[str, Any]:
    """Picks under the Thurstonian model (tirt.respond) from levels on 0-100 (trait =
    (level - 50) / 16); a faker adds a shift towards desirable statements, a careless person
    picks at random."""
    from app.scoring.tirt import respond

    if style == "careless":
        answers: dict[str, Any] = {}
        for block in instrument.items:
            most, least = rng.sample([s.id for s in block.statements], 2)
            answers[block.id] = {"most": most, "least": least}
        return answers
    sd = instrument.prior_reliability.sd if instrument.prior_reliability else 16.0
    traits = {
        s.competency: (_level(levels, s.competency) - 50) / sd
        for block in instrument.blocks
        for s in block.statements
    }
    noise = [rng.gauss(0, 1) for block in instrument.blocks for _ in block.statements]
    picks = respond(instrument, traits, noise, faking=1.5 if style == "faking" else 0.0)
    answers = {item.id: pick for item, pick in zip(instrument.items, picks, strict=True)}
    if style == "faking":  # misses two attention checks, as on the Likert questionnaire
        for check in [item for item in instrument.items if isinstance(item, FcCheck)][:2]:
            answers[check.id] = {"most": check.expected.least, "least": check.expected.most}
    return answers


def _knowledge(
    instrument: Knowledge, levels: Mapping[str, float], rng: random.Random
) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for item in instrument.items:
        chance = 1 / (1 + math.exp(-(_level(levels, item.scale) - 50) / 7))
        options = [option.id for option in item.options]
        wrong = [o for o in options if o not in item.correct]
        right = rng.random() < chance or not wrong
        if len(item.correct) == 1:
            answers[item.id] = item.correct[0] if right else rng.choice(wrong)
        else:
            picks = list(item.correct) if right else rng.sample(options, len(item.correct))
            answers[item.id] = sorted(picks)
    return answers


def answers_for(
    instrument: Instrument,
    levels: Mapping[str, float],
    rng: random.Random,
    *,
    style: Style = "honest",
    texts: Mapping[str, str] | None = None,
) -> Answered:
    """The answers of a person with these `levels` to `instrument`, with seconds per item.

    `texts` gives the written answer per work-sample task (the demo writes them by hand);
    a task without one is left unanswered."""
    if isinstance(instrument, SelfReport):
        answers = _likert(instrument, levels, style, rng)
    elif isinstance(instrument, Sjt):
        answers = _sjt(instrument, levels, rng)
    elif isinstance(instrument, Knowledge):
        answers = _knowledge(instrument, levels, rng)
    elif isinstance(instrument, ForcedChoice):
        answers = forced_choice_answers(instrument, levels, style, rng)
    elif isinstance(instrument, WorkSample):
        answers = {
            task.id: (texts or {})[task.id] for task in instrument.items if task.id in (texts or {})
        }
    else:
        raise TypeError(f"{type(instrument).__name__} is not answered by the person assessed")
    typical = 1.2 if style == "careless" else instrument.minutes * 60 / max(len(answers), 1) * 0.8
    seconds = {item_id: round(max(0.5, rng.gauss(typical, typical / 4)), 1) for item_id in answers}
    return Answered(answers, seconds)


def rating_for(
    instrument: ManagerRating, levels: Mapping[str, float], rng: random.Random
) -> dict[str, int | None]:
    """A manager's rating of a person at these levels; now and then a scale not observed."""
    return {
        item.id: None
        if rng.random() < 0.08
        else _point(instrument.response_scale, _level(levels, item.scale), rng, 0.5)
        for item in instrument.items
    }


def points_for(
    instrument: WorkSample, levels: Mapping[str, float], rng: random.Random
) -> dict[str, int]:
    """A reviewer's rubric points for the work of a person at these levels."""
    return {
        criterion.id: max(
            0,
            min(
                criterion.max_points,
                round(rng.gauss(_level(levels, criterion.scale) / 100 * criterion.max_points, 0.5)),
            ),
        )
        for task in instrument.items
        for criterion in task.rubric
    }
