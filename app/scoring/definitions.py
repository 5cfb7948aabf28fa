"""Typed definitions of the competency model and the instruments.

These pydantic models mirror the YAML files consultants edit (`competencies.yaml` and the
files under `assessments/`). They check the shape of one file; checks that need more than
one file (an item's competency exists, a battery's instruments exist) live in `loader.py`.
The format is documented for people in docs/model.md and docs/instruments.md.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

LANGUAGES: tuple[str, ...] = ("ru", "en")
"""Every text shown to a person must exist in each of these languages."""

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
Identifier = Annotated[
    str,
    Field(
        pattern=IDENTIFIER.pattern,
        max_length=64,
        description="lower-case letters, digits and underscores, starting with a letter",
    ),
]


Weight = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Score = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
"""A level on the 0-100 reporting scale."""


class Definition(BaseModel):
    """Base of every definition: unknown keys are errors, loaded data never changes."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class Text(Definition):
    """A text in every supported language."""

    ru: str = Field(min_length=1)
    en: str = Field(min_length=1)

    @field_validator("ru", "en")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    def get(self, language: str) -> str:
        """The text in `language`, falling back to English."""
        return str(getattr(self, language, self.en))


# --------------------------------------------------------------------------------------
# The competency model (competencies.yaml)
# --------------------------------------------------------------------------------------


class Level(Definition):
    """A band of the 0-100 reporting scale with a name (e.g. low 0-39)."""

    name: Text
    min: float = Field(ge=0, le=100)
    max: float = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> Level:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) must not exceed max ({self.max})")
        return self


class TrainabilityRating(StrEnum):
    high = "high"
    medium = "medium"
    low = "low"


class Trainability(Definition):
    """How far and how fast deliberate development moves a competency.

    Expert judgements, not measured effects: `monthly_gain` is the number of points on the
    0-100 scale a typical person gains per month of development; `max_gain` is the largest
    gap that development can be expected to close at all.
    """

    rating: TrainabilityRating
    monthly_gain: float = Field(gt=0, le=100)
    max_gain: float = Field(gt=0, le=100)
    note: Text


class InterviewQuestion(Definition):
    id: Identifier
    text: Text
    look_for: Text


class DevelopmentActivity(Definition):
    id: Identifier
    title: Text
    description: Text
    weeks: int = Field(gt=0, le=104)


class Competency(Definition):
    name: Text
    article_term: str = Field(min_length=1, description="the source article's own wording")
    definition: Text
    indicators: dict[Identifier, list[Text]] = Field(
        description="behavioural indicators per level id; every level of the model appears"
    )
    trainability: Trainability
    interview_questions: list[InterviewQuestion] = Field(min_length=1)
    development: list[DevelopmentActivity] = Field(min_length=1)


class ScaleComponent(Definition):
    """A non-competency scale (e.g. the self-report's `sales_orientation`) that is part of a
    profile's decision, with the same weight/target/minimum meaning as a competency."""

    weight: Weight
    target: Score
    minimum: Score

    @model_validator(mode="after")
    def _ordered(self) -> ScaleComponent:
        if self.minimum > self.target:
            raise ValueError(f"minimum {self.minimum:g} is above the target {self.target:g}")
        return self


class Profile(Definition):
    """A role profile: how much each competency matters, the level wanted and the floor."""

    name: Text
    description: Text
    fit_threshold: float = Field(
        ge=0, le=100, description="fit index from which the role is recommended"
    )
    weights: dict[Identifier, Weight]
    targets: dict[Identifier, Score]
    minimums: dict[Identifier, Score]
    scales: dict[Identifier, ScaleComponent] = Field(
        default_factory=dict,
        description="scales declared by an instrument (not competencies) that enter this "
        "profile's fit and decision, e.g. sales_orientation",
    )


Probability = Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)]
"""A probability strictly between 0 and 1."""


class ConfidenceCuts(Definition):
    """How sure the decision must be for each confidence word: the smallest, over the roles,
    of max(P, 1 - P) (the probability that the role's verdict is right)."""

    high: Probability
    medium: Probability

    @model_validator(mode="after")
    def _ordered(self) -> ConfidenceCuts:
        if self.medium > self.high:
            raise ValueError(
                f"medium ({self.medium:g}) must not exceed high ({self.high:g}); "
                "e.g. high: 0.95, medium: 0.8"
            )
        return self


class DecisionRules(Definition):
    """How probabilities become a recommendation (docs/scoring.md, "Decisions")."""

    level: Probability = Field(description="the level of every interval shown, e.g. 0.8")
    recommend: Probability = Field(
        description="a role is recommended when P(meets it) is at least this"
    )
    reject: Probability = Field(description="a role is ruled out when P(meets it) is at most this")
    min_coverage: Probability = Field(
        description="share of a profile's weight that must be measured to decide"
    )
    confidence: ConfidenceCuts
    development_horizon_months: float = Field(
        gt=0, le=36, description="the time develop-or-hire allows to reach each minimum"
    )
    draws: int = Field(
        default=4000,
        ge=500,
        le=100000,
        description="Monte-Carlo draws (seeded: same input, same output)",
    )

    @model_validator(mode="after")
    def _ordered(self) -> DecisionRules:
        if self.reject >= self.recommend:
            raise ValueError(
                f"reject ({self.reject:g}) must be below recommend ({self.recommend:g}); "
                "e.g. recommend: 0.8, reject: 0.2"
            )
        return self


class Stage(Definition):
    id: Identifier
    name: Text
    description: Text
    competencies: list[Identifier] = Field(min_length=1)


KpiUnit = Literal["count", "percent", "days", "hours", "money", "score"]


class KpiDirection(StrEnum):
    higher_is_better = "higher_is_better"
    lower_is_better = "lower_is_better"


class Kpi(Definition):
    name: Text
    description: Text
    unit: KpiUnit
    direction: KpiDirection
    role: Identifier = Field(description="the profile this KPI evaluates")
    period: Literal["week", "month", "quarter"] = Field(
        description="the period one value covers (e.g. contacts made per month)"
    )
    default_horizon_months: int = Field(
        gt=0, le=36, description="how long to observe before judging a person by it"
    )


class CompetencyModel(Definition):
    """The whole of competencies.yaml."""

    version: str = Field(min_length=1, max_length=32)
    name: Text
    source: Text
    levels: dict[Identifier, Level] = Field(min_length=3)
    competencies: dict[Identifier, Competency] = Field(min_length=1)
    profiles: dict[Identifier, Profile] = Field(min_length=1)
    stages: list[Stage] = Field(min_length=1)
    kpis: dict[Identifier, Kpi] = Field(min_length=1)
    decision: DecisionRules


# --------------------------------------------------------------------------------------
# Instruments (assessments/*.yaml) and batteries (assessments/batteries/*.yaml)
# --------------------------------------------------------------------------------------


class InstrumentType(StrEnum):
    self_report = "self_report"
    sjt = "sjt"
    knowledge = "knowledge"
    manager_rating = "manager_rating"
    work_sample = "work_sample"
    forced_choice = "forced_choice"
    interview = "interview"


class ScaleKind(StrEnum):
    """What a named (non-competency) scale is for."""

    trait = "trait"
    infrequency = "infrequency"
    impression_management = "impression_management"


class Scale(Definition):
    """A scale other than a competency, e.g. a validity scale."""

    kind: ScaleKind
    name: Text


class ResponseScale(Definition):
    """An integer rating scale from `min` to `max` with labels for some of its points."""

    min: int
    max: int
    labels: dict[int, Text] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> ResponseScale:
        if self.max - self.min < 1:
            raise ValueError(f"max ({self.max}) must be greater than min ({self.min})")
        if self.max - self.min > 10:
            raise ValueError("a rating scale has at most 11 points")
        outside = sorted(k for k in self.labels if not self.min <= k <= self.max)
        if outside:
            raise ValueError(f"labels {outside} lie outside {self.min}..{self.max}")
        return self

    def points(self) -> range:
        return range(self.min, self.max + 1)


class Key(StrEnum):
    positive = "positive"
    reverse = "reverse"


class LikertItem(Definition):
    """A self-report statement answered on the instrument's response scale."""

    id: Identifier
    scale: Identifier
    text: Text
    key: Key = Key.positive
    expected: list[int] | None = Field(
        default=None,
        description="for infrequency/attention items: the answers an attentive person gives",
    )


class ConsistencyPair(Definition):
    """Two items that should get the same answer (after reverse keys are applied)."""

    items: tuple[Identifier, Identifier]
    max_difference: int = Field(ge=0, description="a larger keyed difference is inconsistent")


class Option(Definition):
    id: Identifier
    text: Text


class SjtOption(Option):
    effectiveness: int = Field(description="the expert key, on the instrument's key scale")
    rationale: Text | None = Field(
        default=None,
        description="why the experts rated it so; for reviewers, never shown to candidates",
    )


class SjtItem(Definition):
    """A sales scenario with options keyed by expert-rated effectiveness."""

    id: Identifier
    scale: Identifier
    role: Identifier | None = Field(
        default=None,
        description="the profile whose work the situation comes from (active, passive)",
    )
    stage: Identifier | None = Field(default=None, description="a stage of active selling")
    scenario: Text
    question: Text
    options: list[SjtOption] = Field(min_length=3)


class KnowledgeItem(Definition):
    id: Identifier
    scale: Identifier
    question: Text
    options: list[Option] = Field(min_length=2)
    correct: list[Identifier] = Field(min_length=1)


class RatingItem(Definition):
    """A behaviourally anchored scale a manager rates."""

    id: Identifier
    scale: Identifier
    text: Text
    anchors: dict[int, Text] = Field(min_length=2)


class InterviewItem(Definition):
    """A structured-interview question on one competency, rated by each interviewer on the
    instrument's response scale; the anchors describe what the answer shows at each point."""

    id: Identifier
    scale: Identifier
    kind: Literal["behavioural", "situational"] = Field(
        description="behavioural: 'tell me about a time...'; situational: 'what would you do if...'"
    )
    text: Text
    follow_up: Text | None = Field(default=None, description="probes the interviewer may ask")
    anchors: dict[int, Text] = Field(
        description="observable behaviour at least at the lowest, middle and top point "
        "(checked by the loader, which names the missing points)"
    )


class RubricCriterion(Definition):
    id: Identifier
    scale: Identifier
    criterion: Text
    max_points: int = Field(gt=0, le=20)
    anchors: dict[int, Text] = Field(min_length=2)


class WorkSampleTask(Definition):
    """A written task, scored by a person against a rubric."""

    id: Identifier
    prompt: Text
    min_words: int = Field(default=0, ge=0)
    max_words: int = Field(default=1000, gt=0)
    rubric: list[RubricCriterion] = Field(min_length=1)


Reliability = Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)]
"""A reliability coefficient strictly between 0 and 1."""


class PriorReliability(Definition):
    """The reliability assumed for an instrument's scale scores until the organisation has
    30 or more completed sessions, and the spread of those scores among the people assessed.

    `default` applies to every scale not listed under `scales`; `sd` is the expected standard
    deviation of a scale score on the 0-100 metric. The standard error of a score is
    sd * sqrt(1 - reliability).
    """

    default: Reliability
    sd: float = Field(gt=0, le=50, allow_inf_nan=False)
    scales: dict[Identifier, Reliability] = Field(default_factory=dict)
    source: str | None = Field(default=None, description="where the figures come from")

    def of(self, scale: str) -> float:
        return self.scales.get(scale, self.default)


class InstrumentBase(Definition):
    id: Identifier
    version: str = Field(min_length=1, max_length=32)
    title: Text
    description: Text
    instructions: Text
    minutes: float = Field(gt=0, le=240)
    audience: list[Literal["candidate", "employee", "manager"]] = Field(min_length=1)
    time_limit_minutes: float | None = Field(
        default=None, gt=0, le=240, description="a timed section: answers after it are refused"
    )
    weight: Weight = Field(
        default=1.0,
        description="weight of this method's scores when combined into competency scores",
    )
    scales: dict[Identifier, Scale] = Field(default_factory=dict)
    prior_reliability: PriorReliability | None = Field(
        default=None,
        description="reliability of each scale's score before the organisation has its own "
        "data (required for the instruments the product serves; docs/scoring.md)",
    )


class SelfReport(InstrumentBase):
    type: Literal[InstrumentType.self_report]
    response_scale: ResponseScale
    items: list[LikertItem] = Field(min_length=1)
    consistency_pairs: list[ConsistencyPair] = Field(default_factory=list)


class Sjt(InstrumentBase):
    type: Literal[InstrumentType.sjt]
    format: Literal["rate_each", "best_worst"]
    response_scale: ResponseScale | None = Field(
        default=None, description="the scale candidates rate options on (rate_each only)"
    )
    key_scale: ResponseScale = Field(description="the scale of the expert effectiveness key")
    items: list[SjtItem] = Field(min_length=1)


class Knowledge(InstrumentBase):
    type: Literal[InstrumentType.knowledge]
    items: list[KnowledgeItem] = Field(min_length=1)


class ManagerRating(InstrumentBase):
    type: Literal[InstrumentType.manager_rating]
    response_scale: ResponseScale
    items: list[RatingItem] = Field(min_length=1)


class WorkSample(InstrumentBase):
    type: Literal[InstrumentType.work_sample]
    items: list[WorkSampleTask] = Field(min_length=1)


class FcStatement(Definition):
    """One statement of a forced-choice block with its Thurstonian IRT parameters
    (Brown & Maydeu-Olivares, 2011): the statement's utility for a person is
    t = mean + key * loading * trait + e, e ~ N(0, uniqueness)."""

    id: Identifier
    competency: Identifier = Field(
        description="the competency (or a trait scale declared under 'scales') it measures"
    )
    key: Literal[1, -1] = Field(description="+1 positive statement, -1 negative statement")
    text: Text
    loading: float = Field(
        gt=0, le=3, allow_inf_nan=False, description="size of the loading; its sign is `key`"
    )
    mean: float = Field(
        ge=-3,
        le=3,
        allow_inf_nan=False,
        description="utility mean: how desirable the statement sounds, in SD of the utility",
    )
    uniqueness: float = Field(
        default=1.0, gt=0, le=4, allow_inf_nan=False, description="variance of e"
    )

    @property
    def signed_loading(self) -> float:
        return self.key * self.loading


class FcBlock(Definition):
    """Three statements of three different competencies; the respondent picks the one most
    like them and the one least like them."""

    id: Identifier
    statements: list[FcStatement] = Field(min_length=3, max_length=3)

    @model_validator(mode="after")
    def _different(self) -> FcBlock:
        seen: set[str] = set()
        for statement in self.statements:
            if statement.competency in seen:
                raise ValueError(
                    f"two statements of '{statement.competency}' in one block; a block takes "
                    "statements of three different competencies"
                )
            seen.add(statement.competency)
        ids = [s.id for s in self.statements]
        if len(set(ids)) != len(ids):
            raise ValueError("the statements of a block need different ids")
        return self


class FcCheckStatement(Definition):
    id: Identifier
    text: Text


class FcPicks(Definition):
    most: Identifier
    least: Identifier


class FcCheck(Definition):
    """An instructed attention block: its statements tell the respondent what to pick
    ("Mark this statement as 'most like me'"); `expected` is that pick. Not scored; two or
    more failed checks raise `failed_attention` (validity.ATTENTION_FAILURES)."""

    id: Identifier
    statements: list[FcCheckStatement] = Field(min_length=3, max_length=3)
    expected: FcPicks

    @model_validator(mode="after")
    def _expected(self) -> FcCheck:
        ids = [s.id for s in self.statements]
        if len(set(ids)) != len(ids):
            raise ValueError("the statements of a block need different ids")
        for side in ("most", "least"):
            if getattr(self.expected, side) not in ids:
                raise ValueError(
                    f"expected {side} '{getattr(self.expected, side)}' is not a statement of "
                    f"this block; use one of: {', '.join(ids)}"
                )
        if self.expected.most == self.expected.least:
            raise ValueError("expected most and least must be different statements")
        return self


FC_BLOCK_TAG = "fc_block"
FC_CHECK_TAG = "fc_check"


def _fc_kind(value: object) -> str:
    if isinstance(value, dict):
        return FC_CHECK_TAG if "expected" in value else FC_BLOCK_TAG
    return FC_CHECK_TAG if isinstance(value, FcCheck) else FC_BLOCK_TAG


FcItem = Annotated[
    Annotated[FcBlock, Tag(FC_BLOCK_TAG)] | Annotated[FcCheck, Tag(FC_CHECK_TAG)],
    Discriminator(_fc_kind),
]


class ForcedChoice(InstrumentBase):
    """A forced-choice questionnaire scored by Thurstonian IRT (app/scoring/tirt.py)."""

    type: Literal[InstrumentType.forced_choice]
    parameters: Literal["design", "calibrated"] = Field(
        description="'design': loadings and means set by the authors, not yet estimated "
        "from responses; 'calibrated': estimated from responses (salesfit calibrate)"
    )
    prompt: Text = Field(
        description="the question over every block, e.g. 'Which is most like you?'"
    )
    calibration: dict[str, str | int | float] | None = Field(
        default=None, description="for calibrated parameters: organisation, n, date, method"
    )
    items: list[FcItem] = Field(min_length=1)

    @property
    def blocks(self) -> list[FcBlock]:
        """The scored blocks, in file order (attention checks left out)."""
        return [item for item in self.items if isinstance(item, FcBlock)]

    @model_validator(mode="after")
    def _some_blocks(self) -> ForcedChoice:
        if not self.blocks:
            raise ValueError("needs at least one scored block (not only attention checks)")
        return self


class Interview(InstrumentBase):
    """A structured interview: questions per competency with behaviourally anchored rating
    scales, filled in by one interviewer or a panel (app.scoring.interview)."""

    type: Literal[InstrumentType.interview]
    response_scale: ResponseScale
    items: list[InterviewItem] = Field(min_length=1)


Instrument = Annotated[
    SelfReport | Sjt | Knowledge | ManagerRating | WorkSample | Interview | ForcedChoice,
    Field(discriminator="type"),
]


BatteryId = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9_-]*$",
        max_length=64,
        description="lower-case letters, digits, '-' and '_', starting with a letter",
    ),
]


class ProductTestSlot(Definition):
    """The place in a battery for the organisation's own product test (docs/instruments.md).

    Until the organisation fills it (admin page "Product test"), the competency `scale` is
    reported as not measured by a test; nothing else stands in for it.
    """

    scale: Identifier = Field(
        default="product_knowledge", description="the competency the test's items score"
    )
    minutes: float = Field(
        default=4,
        gt=0,
        le=30,
        description="the time kept for the test: counted in the battery's time limit; a "
        "product test that takes longer cannot fill the slot",
    )


class Battery(Definition):
    """A named set of instruments given together for a purpose.

    Manager ratings in an `employee` battery are filled in by the person's manager.
    """

    id: BatteryId
    name: Text
    purpose: Text
    audience: Literal["candidate", "employee", "manager"]
    instruments: list[Identifier] = Field(min_length=1)
    product_test: ProductTestSlot | None = Field(
        default=None,
        description="a slot for the organisation's own product test, filled per organisation",
    )
