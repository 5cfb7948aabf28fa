"""Request and response bodies of the JSON API under /api/v1.

Responses are validated against these models on the way out, so a field the services might
add later (an expert key, say) never reaches a candidate unless it is declared here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue, StrictBool
from pydantic_core import PydanticCustomError

MAX_PEOPLE = 1000
"""People per invitation request."""
MAX_ANSWERS = 1000
"""Answers per save request (the shipped batteries have fewer than 200 items)."""


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store U+0000 in text; refuse it here rather than fail later.
    if "\x00" in value:
        # PydanticCustomError (not ValueError): its error details stay JSON-serialisable.
        raise PydanticCustomError("nul_character", "must not contain the NUL character (U+0000)")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
"""A string of a request body (without U+0000)."""


class _Input(BaseModel):
    """A request body: unknown keys are refused, so a misspelt optional field is not lost."""

    model_config = ConfigDict(extra="forbid")


# ----------------------------------------------------------------------------- errors


class ErrorOut(BaseModel):
    detail: str = Field(description="What is wrong and how to fix it.")
    field: str | None = Field(default=None, description="The field of the request at fault.")


class AnswerErrorOut(BaseModel):
    detail: str
    item: str | None = Field(default=None, description="The item id whose answer is refused.")


class PersonError(BaseModel):
    index: int = Field(description="Position in `people`, from 0.")
    field: str | None
    message: str


class InvitationErrorOut(BaseModel):
    detail: str
    errors: list[PersonError]


# ----------------------------------------------------------------------------- campaigns


class CampaignCreate(_Input):
    name: Text = Field(max_length=200, examples=["Spring hiring"])
    target_role: Literal["active", "passive", "either"]
    battery: Text = Field(
        max_length=64,
        description="A battery id, as listed by `GET /api/v1/model`.",
        examples=["candidate-general"],
    )
    language: Literal["ru", "en"] = Field(description="The default language of its invitations.")
    deadline: date | None = Field(
        default=None, description="The last day links work (YYYY-MM-DD); without it, 14 days."
    )
    candidate_feedback: bool = Field(default=False, description="Candidates see a summary.")


class CampaignOut(BaseModel):
    id: int
    name: str
    target_role: str
    battery: str
    language: str
    deadline: date | None
    candidate_feedback: bool
    status: str = Field(description="open, closed or draft")
    created_at: datetime
    counts: dict[str, int] = Field(description="People per invitation status.")


class PersonIn(_Input):
    full_name: Text = Field(max_length=400, examples=["Anna Petrova"])
    email: Text = Field(max_length=320, examples=["anna@example.com"])
    language: Text | None = Field(
        default=None,
        max_length=10,
        description="ru or en; without it, the campaign's language.",
        examples=["ru"],
    )
    kind: Text = Field(default="candidate", max_length=20, description="candidate or employee")


class InvitationsCreate(_Input):
    people: list[PersonIn] = Field(min_length=1, max_length=MAX_PEOPLE)


class InvitationOut(BaseModel):
    person_id: int
    invitation_id: int
    url: str = Field(description="The person's personal link.")
    expires_at: datetime | None
    created: bool = Field(description="False when the person was already invited.")


# ----------------------------------------------------------------------------- results


class CompetencyScore(BaseModel):
    score: float | None = Field(description="0-100, or null when it was not measured.")
    band: Any = Field(
        default=None,
        description="Engine 1 only: a band once a reference group exists; otherwise null.",
    )
    low: float | None = Field(default=None, description="Lower end of the interval (engine 2).")
    high: float | None = Field(default=None, description="Upper end of the interval (engine 2).")
    se: float | None = Field(default=None, description="Standard error (engine 2).")
    measured: bool = Field(default=False, description="False: no method measured it.")


class FlagOut(BaseModel):
    code: str
    severity: str = Field(description="serious (the result is invalid) or caution")
    title: str = Field(description="The flag in a few words, in the request's language.")
    text: str = Field(description="What the flag means, in plain words.")


class ResultOut(BaseModel):
    person_id: int
    status: str = Field(description="The invitation status.")
    engine: int | None = Field(
        default=None, description="2 for the current engine, 1 for an earlier one; null: none."
    )
    model_version: str | None = None
    level: float | None = Field(default=None, description="The level of the intervals, 0.8.")
    competencies: dict[str, CompetencyScore]
    fit: dict[str, float | None] = Field(description="Fit index per role profile.")
    fit_low: dict[str, float | None] = Field(default_factory=dict)
    fit_high: dict[str, float | None] = Field(default_factory=dict)
    probabilities: dict[str, float | None] = Field(
        default_factory=dict,
        description="Per role: P(meets every minimum and reaches the fit threshold).",
    )
    differential: dict[str, float | None] | None = Field(
        default=None, description="Active fit minus passive fit: value, se, low, high."
    )
    recommendation: str | None = Field(
        description="The outcome: active, passive, both, neither, uncertain, "
        "insufficient_data or invalid."
    )
    outcome: str | None = Field(default=None, description="The same as recommendation.")
    confidence: str | None
    confidence_text: str | None = Field(default=None, description="Confidence in plain words.")
    open_competencies: list[str] = Field(
        default_factory=list, description="For uncertain: what leaves the decision open."
    )
    next_steps: list[str] = Field(
        default_factory=list, description="For uncertain: interview, manager_rating, retest."
    )
    invalid_reasons: list[str] = Field(
        default_factory=list, description="For invalid: the serious flags behind it."
    )
    flags: list[str] = Field(description="Response-validity flag codes.")
    flag_details: list[FlagOut] = Field(
        default_factory=list, description="Each flag with its severity and meaning."
    )
    provisional: bool = Field(description="Parts scored by a person are still missing.")


class PersonOut(BaseModel):
    id: int
    full_name: str
    email: str | None
    kind: str
    language: str | None


class CampaignRef(BaseModel):
    id: int
    name: str


class SnapshotOut(BaseModel):
    id: int
    created_at: datetime
    provisional: bool
    recommendation: str | None
    confidence: str | None
    model_version: str
    instrument_versions: dict[str, str]
    scores: dict[str, Any] = Field(description="The whole scoring payload.")
    flags: list[str]
    flag_details: list[FlagOut] = Field(default_factory=list)
    engine: int = Field(default=1, description="2 for the current engine, 1 for an earlier one.")


class ReportInvitation(BaseModel):
    invitation_id: int
    campaign: CampaignRef
    status: str
    result: SnapshotOut | None = Field(description="The latest result, or null.")


class ReportOut(BaseModel):
    person: PersonOut
    invitations: list[ReportInvitation]
    report: dict[str, Any] | None = Field(
        default=None,
        description="The report of the latest completed assessment, the same model as the "
        "report page and report.json (outcome, intervals, probabilities, differential, fit "
        "with reasons, flags, interview guide, development plan); null when none is scored.",
    )


# ----------------------------------------------------------------------------- candidate


class OptionOut(BaseModel):
    id: str
    label: str | None


class ItemOut(BaseModel):
    id: str
    type: str = Field(
        description="likert, choice, multiple_choice, rate_each, best_worst, forced_choice or text",
    )
    text: str | None
    question: str | None = None
    required: bool
    min: int | None = None
    max: int | None = None
    labels: dict[str, str | None] | None = None
    options: list[OptionOut] | None = None
    min_words: int | None = None
    max_words: int | None = None


class SectionOut(BaseModel):
    id: str
    title: str | None
    instructions: str | None
    time_limit_s: int | None
    items: list[ItemOut]


class SessionOut(BaseModel):
    status: str = Field(description="The invitation status.")
    language: str
    consent_required: bool
    sections: list[SectionOut] = Field(
        description="Empty once the session can no longer change (completed, expired…)."
    )
    answers: dict[str, Any] = Field(description="Answers stored so far, by item id.")
    remaining_s: dict[str, int] = Field(description="Seconds left in started timed sections.")


class ConsentIn(_Input):
    accepted: StrictBool


class SessionStatusOut(BaseModel):
    status: str
    consent_required: bool


Seconds = Annotated[float, Field(ge=0, le=7 * 24 * 3600, allow_inf_nan=False)]


class AnswersIn(_Input):
    answers: dict[str, JsonValue] = Field(
        max_length=MAX_ANSWERS,
        description=(
            "A number for a Likert or rating item, an option id for a choice, "
            '{option_id: rating} for rate-each-option, {"best": id, "worst": id} for '
            "best/worst, text for a work sample."
        ),
        examples=[{"ss_01": 4}],
    )
    seconds: dict[str, Seconds] | None = Field(
        default=None,
        max_length=MAX_ANSWERS,
        description="Time spent on each item, in seconds (optional).",
    )


class SavedOut(BaseModel):
    saved: int


class SectionStartOut(BaseModel):
    section: str
    remaining_s: int | None


class CompletedOut(BaseModel):
    status: str
