"""Load and validate the competency model and the instruments.

`load_catalog` reads `competencies.yaml` and every instrument and battery under an
assessments folder, checks each file's shape against `definitions.py`, then checks what
spans files (an item's competency exists, a battery's instruments exist). Every problem is
collected, not just the first, and names the file, the line, the place in the file and the
fault. A file whose shape is wrong is not cross-checked until its shape is fixed, so a
second run may find more.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import TypeAdapter, ValidationError

from app.scoring.definitions import (
    FC_BLOCK_TAG,
    FC_CHECK_TAG,
    LANGUAGES,
    Battery,
    CompetencyModel,
    FcBlock,
    ForcedChoice,
    Instrument,
    InstrumentType,
    Interview,
    InterviewItem,
    Knowledge,
    KnowledgeItem,
    LikertItem,
    ManagerRating,
    RatingItem,
    ResponseScale,
    ScaleKind,
    SelfReport,
    Sjt,
    SjtItem,
    WorkSample,
)
from app.scoring.errors import DefinitionError, Problem

Loc = tuple[str | int, ...]
BATTERIES_DIR = "batteries"
MAX_CANDIDATE_MINUTES = 35
"""A candidate battery takes at most this long by its instruments' declared `minutes`."""
T = TypeVar("T")
_instrument_adapter: TypeAdapter[Instrument] = TypeAdapter(Instrument)
_model_adapter = TypeAdapter(CompetencyModel)
_battery_adapter = TypeAdapter(Battery)


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------


def content_version(declared: str, content: bytes) -> str:
    """`<declared version>+<first 12 hex digits of SHA-256 of the file>`.

    Recorded with every result: editing a file without bumping its declared version still
    yields a different recorded version, so old results never silently change meaning.
    """
    return f"{declared}+{hashlib.sha256(content).hexdigest()[:12]}"


@dataclass(frozen=True)
class LoadedModel:
    definition: CompetencyModel
    version: str
    path: Path

    @property
    def competency_ids(self) -> list[str]:
        return list(self.definition.competencies)

    @property
    def profile_ids(self) -> list[str]:
        return list(self.definition.profiles)


@dataclass(frozen=True)
class LoadedInstrument:
    definition: Instrument
    version: str
    path: Path

    @property
    def id(self) -> str:
        return self.definition.id


@dataclass(frozen=True)
class Catalog:
    """The validated model with every instrument and battery, as loaded at start-up."""

    model: LoadedModel
    instruments: dict[str, LoadedInstrument] = field(default_factory=dict)
    batteries: dict[str, Battery] = field(default_factory=dict)
    organisation_id: int | None = None
    """Set on an organisation's own catalog (app/services/catalogs.py), None for the files'."""

    def battery_minutes(self, battery: Battery) -> float:
        """The time the person assessed spends (manager ratings are the manager's time)."""
        return candidate_minutes(self.instruments[i].definition for i in battery.instruments)

    def rater_minutes(self, battery: Battery) -> float:
        """The time a manager spends rating the person."""
        return sum(
            self.instruments[i].definition.minutes
            for i in battery.instruments
            if isinstance(self.instruments[i].definition, ManagerRating)
        )

    def summary(self) -> dict[str, Any]:
        """The machine-readable overview printed by `salesfit validate --json`."""
        competencies = self.model.competency_ids
        return {
            "model_version": self.model.version,
            "competencies": competencies,
            "profiles": self.model.profile_ids,
            "instruments": [
                {
                    "id": loaded.id,
                    "version": loaded.version,
                    "type": loaded.definition.type.value,
                    "items": len(loaded.definition.items),
                    "per_competency": _per_competency(loaded.definition, competencies),
                    "languages": list(LANGUAGES),
                    "minutes": loaded.definition.minutes,
                }
                for loaded in self.instruments.values()
            ],
            "batteries": [
                {
                    "id": battery.id,
                    "instruments": list(battery.instruments),
                    "minutes": self.battery_minutes(battery),
                    "rater_minutes": self.rater_minutes(battery),
                    "product_test": (battery.product_test.scale if battery.product_test else None),
                    "product_test_minutes": (
                        battery.product_test.minutes if battery.product_test else None
                    ),
                }
                for battery in self.batteries.values()
            ],
        }


def question_ids(instrument: Instrument) -> list[str]:
    """What a person answers: the items, or for a work sample its tasks."""
    return [item.id for item in instrument.items]


def scored_scales(instrument: Instrument) -> Iterator[tuple[str, str]]:
    """(element id, scale id) for every scored element: items, or rubric criteria."""
    if isinstance(instrument, WorkSample):
        for task in instrument.items:
            for criterion in task.rubric:
                yield criterion.id, criterion.scale
    elif isinstance(instrument, ForcedChoice):
        for block in instrument.blocks:
            for statement in block.statements:
                yield statement.id, statement.competency
    else:
        for item in instrument.items:
            yield item.id, item.scale


def _per_competency(instrument: Instrument, competencies: list[str]) -> dict[str, int]:
    counts = Counter(scale for _, scale in scored_scales(instrument))
    return {c: counts[c] for c in competencies if counts[c]}


# --------------------------------------------------------------------------------------
# Reading YAML with line numbers and duplicate-key detection
# --------------------------------------------------------------------------------------


@dataclass
class _Source:
    """One parsed file: its data, raw bytes, and the line of every place in it."""

    path: Path
    name: str
    data: Any = None
    content: bytes = b""
    lines: dict[Loc, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def line_of(self, loc: Loc) -> int | None:
        while True:
            if loc in self.lines:
                return self.lines[loc]
            if not loc:
                return None
            loc = loc[:-1]

    def problem(self, loc: Loc, message: str) -> None:
        self.problems.append(Problem(self.name, self.line_of(loc), format_loc(loc), message))


def format_loc(loc: Iterable[str | int]) -> str:
    """('items', 3, 'text', 'en') -> 'items[3].text.en'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _display_name(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _scalar_key(node: yaml.Node) -> str | int:
    value = node.value if isinstance(node, yaml.ScalarNode) else str(node.value)
    if node.tag.endswith(":int"):
        try:
            return int(value)
        except ValueError:
            return str(value)
    return str(value)


def _walk(source: _Source, node: yaml.Node, loc: Loc) -> None:
    source.lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str | int, int] = {}
        for key_node, value_node in node.value:
            key = _scalar_key(key_node)
            line = key_node.start_mark.line + 1
            if key in seen:
                source.problems.append(
                    Problem(
                        source.name,
                        line,
                        format_loc((*loc, key)),
                        f"duplicate key '{key}' (first given on line {seen[key]})",
                    )
                )
                continue
            seen[key] = line
            source.lines[(*loc, key)] = line
            _walk(source, value_node, (*loc, key))
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            _walk(source, child, (*loc, index))


def read_yaml(path: Path) -> _Source:
    """Parse a YAML file safely, recording line numbers and duplicate keys."""
    source = _Source(path=path, name=_display_name(path))
    try:
        source.content = path.read_bytes()
    except OSError as exc:
        source.problems.append(Problem(source.name, None, "", f"cannot read file: {exc.strerror}"))
        return source
    return _parse_yaml(source)


def _parse_yaml(source: _Source) -> _Source:
    try:
        text = source.content.decode("utf-8")
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        source.data = yaml.safe_load(text)
    except UnicodeDecodeError:
        source.problems.append(Problem(source.name, None, "", "not UTF-8 text; save it as UTF-8"))
        return source
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        source.problems.append(Problem(source.name, line, "", f"invalid YAML: {reason}"))
        return source
    if node is not None:
        _walk(source, node, ())
    if not isinstance(source.data, dict):
        source.problems.append(
            Problem(source.name, None, "", "must be a YAML mapping (key: value pairs) at the top")
        )
        source.data = None
    return source


# --------------------------------------------------------------------------------------
# Turning pydantic's errors into problems a consultant understands
# --------------------------------------------------------------------------------------


_HINTS: dict[str, str] = {
    "decision": "add the 'decision:' block with level, recommend, reject, min_coverage, "
    "confidence and development_horizon_months (docs/model.md)",
    "prior_reliability": "a reliability strictly between 0 and 1, e.g. 0.7; sd is the SD of "
    "the scores on 0-100, e.g. 18 (docs/scoring.md)",
}
_DECISION_EXAMPLE = {
    "level": "0.8",
    "recommend": "0.75",
    "reject": "0.25",
    "min_coverage": "0.7",
    "confidence": "{high: 0.95, medium: 0.85}",
    "high": "0.95",
    "medium": "0.85",
    "development_horizon_months": "6",
}
_PROBABILITIES = {"level", "recommend", "reject", "min_coverage", "high", "medium"}


def _hint(loc: Sequence[Any], kind: str) -> str:
    """The fix for a missing or out-of-range decision cut-off or prior reliability."""
    if not loc or (loc[0] not in _HINTS and "prior_reliability" not in loc):
        return ""
    if kind == "missing" and loc[-1] in ("decision", "prior_reliability"):
        return "; " + _HINTS[str(loc[-1])]
    if kind == "missing" and loc[0] == "decision":
        example = _DECISION_EXAMPLE.get(str(loc[-1]))
        return f"; add e.g. '{loc[-1]}: {example}'" if example else ""
    if "prior_reliability" in loc and loc[-1] != "sd":
        return "; use " + _HINTS["prior_reliability"]
    if loc[0] == "decision" and loc[-1] in _PROBABILITIES:
        return "; use a probability strictly between 0 and 1, e.g. 0.8"
    return ""


def _message(error: Mapping[str, Any]) -> str:
    return _plain_message(error) + _hint(tuple(error["loc"]), error["type"])


def _plain_message(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    loc = error["loc"]
    if kind == "missing":
        if loc and loc[-1] in LANGUAGES:
            return f"missing translation '{loc[-1]}'"
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field (misspelt, or not allowed here)"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        allowed = ", ".join(t.value for t in InstrumentType)
        if kind == "union_tag_not_found":
            return f"required field is missing; use one of: {allowed}"
        return f"unknown instrument type {error.get('ctx', {}).get('tag')!r}; use one of: {allowed}"
    if kind == "string_pattern_mismatch":
        return (
            f"invalid id {error['input']!r}: use lower-case letters, digits and underscores, "
            "starting with a letter"
        )
    if kind == "greater_than" and error.get("ctx", {}).get("gt") == 0:
        return f"must be a positive number, got {error['input']!r}"
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if message.startswith("Input should be"):
        message = "must be" + message.removeprefix("Input should be")
    elif message.startswith("Input"):
        message = message[0].lower() + message[1:]
    value = error.get("input")
    if isinstance(value, str | int | float | bool) and kind not in ("value_error",):
        message += f", got {value!r}"
    return message


def _validation_problems(source: _Source, exc: ValidationError, strip_first: bool) -> None:
    for error in exc.errors():
        loc: Loc = tuple(error["loc"])
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc = ("type",)
        elif strip_first and loc:
            loc = loc[1:]  # the discriminated union's tag, e.g. 'self_report'
        if loc and loc[-1] == "[key]":
            loc = loc[:-1]
        loc = tuple(part for part in loc if part not in (FC_BLOCK_TAG, FC_CHECK_TAG))
        source.problem(loc, _message(error))


# --------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------


def _check_model(source: _Source, model: CompetencyModel) -> None:
    competencies = list(model.competencies)
    known = ", ".join(competencies)

    bands = sorted(model.levels.items(), key=lambda kv: kv[1].min)
    if bands[0][1].min != 0:
        source.problem(("levels", bands[0][0], "min"), "the lowest level must start at 0")
    if bands[-1][1].max != 100:
        source.problem(("levels", bands[-1][0], "max"), "the highest level must end at 100")
    for (_, lower), (upper_id, upper) in pairwise(bands):
        if not 0 < upper.min - lower.max <= 0.01 + 1e-9:
            source.problem(
                ("levels", upper_id, "min"),
                f"must follow the level below without gap or overlap (its max is {lower.max})",
            )

    question_ids: dict[str, str] = {}
    activity_ids: dict[str, str] = {}
    for cid, competency in model.competencies.items():
        for level in model.levels:
            if level not in competency.indicators:
                source.problem(
                    ("competencies", cid, "indicators"), f"no indicators for level '{level}'"
                )
        for level, texts in competency.indicators.items():
            if level not in model.levels:
                source.problem(
                    ("competencies", cid, "indicators", level),
                    f"unknown level '{level}' (levels: {', '.join(model.levels)})",
                )
            elif not texts:
                source.problem(("competencies", cid, "indicators", level), "list is empty")
        for i, question in enumerate(competency.interview_questions):
            _unique(
                source,
                question_ids,
                question.id,
                cid,
                ("competencies", cid, "interview_questions", i, "id"),
            )
        for i, activity in enumerate(competency.development):
            _unique(
                source,
                activity_ids,
                activity.id,
                cid,
                ("competencies", cid, "development", i, "id"),
            )

    for pid, profile in model.profiles.items():
        for sid in profile.scales:
            if sid in model.competencies:
                source.problem(
                    ("profiles", pid, "scales", sid),
                    "is a competency; give it under weights, targets and minimums instead",
                )
        for part in ("weights", "targets", "minimums"):
            values: dict[str, float] = getattr(profile, part)
            for cid in competencies:
                if cid not in values:
                    source.problem(("profiles", pid, part), f"missing competency '{cid}'")
            for cid in values:
                if cid not in model.competencies:
                    source.problem(
                        ("profiles", pid, part, cid), f"unknown competency '{cid}' (known: {known})"
                    )
        for cid, minimum in profile.minimums.items():
            target = profile.targets.get(cid)
            if target is not None and minimum > target:
                source.problem(
                    ("profiles", pid, "minimums", cid),
                    f"minimum {minimum:g} is above the target {target:g}",
                )

    stage_ids: dict[str, str] = {}
    for i, stage in enumerate(model.stages):
        _unique(source, stage_ids, stage.id, "stages", ("stages", i, "id"))
        for j, cid in enumerate(stage.competencies):
            if cid not in model.competencies:
                source.problem(
                    ("stages", i, "competencies", j), f"unknown competency '{cid}' (known: {known})"
                )

    for kid, kpi in model.kpis.items():
        if kpi.role not in model.profiles:
            source.problem(
                ("kpis", kid, "role"),
                f"unknown profile '{kpi.role}' (profiles: {', '.join(model.profiles)})",
            )


def _unique(source: _Source, seen: dict[str, str], key: str, owner: str, loc: Loc) -> None:
    if key in seen:
        source.problem(loc, f"duplicate id '{key}' (already used in {seen[key]})")
    else:
        seen[key] = owner


def _read_valid(path: Path, adapter: TypeAdapter[T]) -> tuple[_Source, T] | tuple[_Source, None]:
    """Read a YAML file and check its shape; the parsed definition, or None with problems."""
    return _valid(read_yaml(path), adapter)


def _valid(source: _Source, adapter: TypeAdapter[T]) -> tuple[_Source, T] | tuple[_Source, None]:
    if source.data is None:
        return source, None
    try:
        return source, adapter.validate_python(source.data)
    except ValidationError as exc:
        # In a discriminated union (the instruments) pydantic puts the tag first in each place.
        tag = source.data.get("type")
        tagged = (
            adapter is _instrument_adapter and isinstance(tag, str) and tag in set(InstrumentType)
        )
        _validation_problems(source, exc, strip_first=tagged)
        return source, None


def _parse_model(path: Path) -> tuple[_Source, LoadedModel | None]:
    source, model = _read_valid(path, _model_adapter)
    if model is None:
        return source, None
    _check_model(source, model)
    if source.problems:
        return source, None
    return source, LoadedModel(model, content_version(model.version, source.content), path)


def load_model(path: Path) -> LoadedModel:
    """Load and validate competencies.yaml; raise DefinitionError listing every problem."""
    source, loaded = _parse_model(path)
    if loaded is None or source.problems:
        raise DefinitionError(source.problems)
    return loaded


# --------------------------------------------------------------------------------------
# Instruments and batteries
# --------------------------------------------------------------------------------------


def _check_points(
    source: _Source, loc: Loc, values: Iterable[int], scale: ResponseScale, what: str
) -> None:
    for value in values:
        if value not in scale.points():
            source.problem(loc, f"{what} {value} lies outside the scale {scale.min}..{scale.max}")


def _check_instrument(
    source: _Source,
    instrument: Instrument,
    model: CompetencyModel | None,
    *,
    check_file_name: bool = True,
    require_prior: bool | None = None,
) -> None:
    if check_file_name and instrument.id != source.path.stem:
        source.problem(("id",), f"must match the file name '{source.path.stem}'")
    _check_prior(
        source, instrument, required=check_file_name if require_prior is None else require_prior
    )

    for sid in instrument.scales:
        if model is not None and sid in model.competencies:
            source.problem(("scales", sid), "is a competency id; name other scales differently")
    known_scales = set(instrument.scales) | (set(model.competencies) if model else set())

    element_ids: dict[str, str] = {}
    elements: list[tuple[Loc, str, str]] = []  # (loc, element id, scale id)
    if isinstance(instrument, WorkSample):
        for i, task in enumerate(instrument.items):
            elements.append((("items", i), task.id, ""))
            for j, criterion in enumerate(task.rubric):
                elements.append((("items", i, "rubric", j), criterion.id, criterion.scale))
    elif isinstance(instrument, ForcedChoice):
        for i, fc_item in enumerate(instrument.items):
            elements.append((("items", i), fc_item.id, ""))
            if isinstance(fc_item, FcBlock):
                for j, statement in enumerate(fc_item.statements):
                    place: Loc = ("items", i, "statements", j)
                    elements.append((place, statement.id, statement.competency))
            else:
                for j, check in enumerate(fc_item.statements):
                    elements.append((("items", i, "statements", j), check.id, ""))
    else:
        items: Sequence[LikertItem | SjtItem | KnowledgeItem | RatingItem | InterviewItem] = (
            instrument.items
        )
        for i, item in enumerate(items):
            elements.append((("items", i), item.id, item.scale))
    for loc, element_id, scale in elements:
        _unique(source, element_ids, element_id, "this instrument", (*loc, "id"))
        if scale and model is not None and scale not in known_scales:
            source.problem(
                (*loc, "competency" if "statements" in loc else "scale"),
                f"unknown competency or scale '{scale}'; use a competency id "
                f"({', '.join(model.competencies)}) or declare it under 'scales'",
            )

    if isinstance(instrument, SelfReport):
        _check_self_report(source, instrument)
    elif isinstance(instrument, Sjt):
        _check_sjt(source, instrument, model)
    elif isinstance(instrument, Knowledge):
        for i, k_item in enumerate(instrument.items):
            option_ids = _unique_options(source, ("items", i), [o.id for o in k_item.options])
            for j, correct in enumerate(k_item.correct):
                if correct not in option_ids:
                    source.problem(("items", i, "correct", j), f"no option with id '{correct}'")
            if set(k_item.correct) >= option_ids:
                source.problem(("items", i, "correct"), "every option is marked correct")
    elif isinstance(instrument, ManagerRating):
        scale_ = instrument.response_scale
        for i, r_item in enumerate(instrument.items):
            loc = ("items", i, "anchors")
            _check_points(source, loc, r_item.anchors, scale_, "anchor")
            if scale_.min not in r_item.anchors or scale_.max not in r_item.anchors:
                source.problem(
                    loc, f"anchor both ends of the scale ({scale_.min} and {scale_.max})"
                )
    elif isinstance(instrument, Interview):
        _check_interview(source, instrument, model)
    elif isinstance(instrument, WorkSample):
        for i, task in enumerate(instrument.items):
            if task.min_words >= task.max_words:
                source.problem(("items", i, "min_words"), "must be less than max_words")
            for j, criterion in enumerate(task.rubric):
                loc = ("items", i, "rubric", j, "anchors")
                for points in criterion.anchors:
                    if not 0 <= points <= criterion.max_points:
                        source.problem(
                            loc, f"anchor {points} lies outside 0..{criterion.max_points}"
                        )
                if 0 not in criterion.anchors or criterion.max_points not in criterion.anchors:
                    source.problem(loc, f"anchor both 0 and max_points ({criterion.max_points})")


INTERVIEW_QUESTIONS = (2, 3)
"""Questions per competency an interview asks (fewest, most)."""


def _check_interview(source: _Source, instrument: Interview, model: CompetencyModel | None) -> None:
    """Anchors at the lowest, middle and top point of the scale, inside it; two or three
    questions per competency; only competencies are rated."""
    scale_ = instrument.response_scale
    middle = (scale_.min + scale_.max) // 2
    required = sorted({scale_.min, middle, scale_.max})
    asked: Counter[str] = Counter()
    first: dict[str, int] = {}
    for i, item in enumerate(instrument.items):
        loc: Loc = ("items", i, "anchors")
        _check_points(source, loc, item.anchors, scale_, "anchor")
        missing = [point for point in required if point not in item.anchors]
        if missing:
            source.problem(
                loc,
                f"question '{item.id}' has no anchor for {', '.join(map(str, missing))}; "
                f"describe the observable behaviour at least at {', '.join(map(str, required))}",
            )
        if model is not None and item.scale not in model.competencies:
            source.problem(("items", i, "scale"), "an interview rates competencies only")
        asked[item.scale] += 1
        first.setdefault(item.scale, i)
    fewest, most = INTERVIEW_QUESTIONS
    for scale, count in asked.items():
        if not fewest <= count <= most:
            source.problem(
                ("items", first[scale], "scale"),
                f"competency '{scale}' has {count} question(s); ask {fewest} or {most}",
            )


def _check_prior(source: _Source, instrument: Instrument, *, required: bool) -> None:
    """The prior reliability: required for the instruments the product serves (an analyst's
    own file scored with `salesfit score` may leave it out); its scales must exist."""
    prior = instrument.prior_reliability
    if prior is None:
        if required:
            source.problem(
                ("prior_reliability",),
                "required field is missing; add e.g. 'prior_reliability: {default: 0.5, sd: 18}' "
                "(reliability between 0 and 1, SD of the scores on 0-100; see docs/scoring.md)",
            )
        return
    scored = {scale for _, scale in scored_scales(instrument)}
    for sid in prior.scales:
        if sid not in scored:
            source.problem(
                ("prior_reliability", "scales", sid),
                f"no item of this instrument is scored on '{sid}'; "
                f"use one of: {', '.join(sorted(scored))}",
            )


def _repeats(ids: list[str]) -> Iterator[tuple[int, str]]:
    """(position, id) of every id that already appeared earlier in the list."""
    seen: set[str] = set()
    for position, value in enumerate(ids):
        if value in seen:
            yield position, value
        seen.add(value)


def _unique_options(source: _Source, loc: Loc, option_ids: list[str]) -> set[str]:
    for j, oid in _repeats(option_ids):
        source.problem((*loc, "options", j, "id"), f"duplicate option id '{oid}'")
    return set(option_ids)


def _check_self_report(source: _Source, instrument: SelfReport) -> None:
    scale_ = instrument.response_scale
    items = {item.id: item for item in instrument.items}
    for i, item in enumerate(instrument.items):
        declared = instrument.scales.get(item.scale)
        infrequency = declared is not None and declared.kind is ScaleKind.infrequency
        if infrequency and not item.expected:
            source.problem(
                ("items", i, "expected"),
                "an infrequency item lists the answers an attentive person gives",
            )
        if item.expected and not infrequency:
            source.problem(
                ("items", i, "expected"), "only items of an infrequency scale have 'expected'"
            )
        if item.expected:
            _check_points(source, ("items", i, "expected"), item.expected, scale_, "answer")
    for i, pair in enumerate(instrument.consistency_pairs):
        first, second = pair.items
        for j, iid in enumerate(pair.items):
            if iid not in items:
                source.problem(("consistency_pairs", i, "items", j), f"no item with id '{iid}'")
        if first == second:
            source.problem(("consistency_pairs", i, "items"), "a pair needs two different items")
        if pair.max_difference >= scale_.max - scale_.min:
            source.problem(
                ("consistency_pairs", i, "max_difference"),
                f"must be less than the scale's range ({scale_.max - scale_.min})",
            )


def _check_sjt(source: _Source, instrument: Sjt, model: CompetencyModel | None) -> None:
    stages = {stage.id for stage in model.stages} if model else set()
    if instrument.format == "rate_each" and instrument.response_scale is None:
        source.problem(("response_scale",), "a rate_each SJT needs the scale candidates rate on")
    for i, item in enumerate(instrument.items):
        if model is not None and item.stage is not None and item.stage not in stages:
            source.problem(
                ("items", i, "stage"),
                f"unknown stage '{item.stage}' (stages: {', '.join(sorted(stages))})",
            )
        if model is not None and item.role is not None and item.role not in model.profiles:
            source.problem(
                ("items", i, "role"),
                f"unknown profile '{item.role}' (profiles: {', '.join(model.profiles)})",
            )
        _unique_options(source, ("items", i), [o.id for o in item.options])
        for j, option in enumerate(item.options):
            _check_points(
                source,
                ("items", i, "options", j, "effectiveness"),
                [option.effectiveness],
                instrument.key_scale,
                "effectiveness",
            )
        keys = [o.effectiveness for o in item.options]
        if instrument.format == "best_worst":
            if keys.count(max(keys)) > 1:
                source.problem(
                    ("items", i, "options"), "best/worst needs one most effective option"
                )
            if keys.count(min(keys)) > 1:
                source.problem(
                    ("items", i, "options"), "best/worst needs one least effective option"
                )
        elif len(set(keys)) == 1:
            source.problem(("items", i, "options"), "all options have the same effectiveness")


def _parse_instrument(
    path: Path,
    model: CompetencyModel | None,
    *,
    check_file_name: bool = True,
    content: bytes | None = None,
    require_prior: bool | None = None,
) -> tuple[_Source, LoadedInstrument | None]:
    if content is None:
        source, instrument = _read_valid(path, _instrument_adapter)
    else:
        text = _parse_yaml(_Source(path=path, name=path.name, content=content))
        source, instrument = _valid(text, _instrument_adapter)
    if instrument is None:
        return source, None
    _check_instrument(
        source, instrument, model, check_file_name=check_file_name, require_prior=require_prior
    )
    if source.problems:
        return source, None
    return source, LoadedInstrument(
        instrument, content_version(instrument.version, source.content), path
    )


def load_instrument(path: Path, model: LoadedModel) -> LoadedInstrument:
    """Load one instrument file from anywhere (e.g. an analyst's own), checked against the
    model; its id need not match the file name. Raises DefinitionError listing every problem."""
    source, loaded = _parse_instrument(path, model.definition, check_file_name=False)
    if loaded is None:
        raise DefinitionError(source.problems)
    return loaded


def parse_instrument(content: bytes, name: str, model: LoadedModel) -> LoadedInstrument:
    """Check an instrument file given as bytes (an upload, a stored organisation version) as
    a shipped file is checked (its prior reliability required, its id free of the file name);
    `name` stands for the file in the problems. Raises
    DefinitionError listing every problem."""
    source, loaded = _parse_instrument(
        Path(name), model.definition, check_file_name=False, content=content, require_prior=True
    )
    if loaded is None:
        raise DefinitionError(source.problems)
    return loaded


def _suits(battery: Battery, instrument: Instrument) -> bool:
    """An instrument suits a battery's audience; an employee's manager rates him in it."""
    if battery.audience in instrument.audience:
        return True
    return battery.audience == "employee" and isinstance(instrument, ManagerRating)


def _parse_battery(
    path: Path,
    instruments: dict[str, LoadedInstrument],
    broken: set[str],
    model: CompetencyModel | None = None,
) -> tuple[_Source, Battery | None]:
    source, battery = _read_valid(path, _battery_adapter)
    if battery is None:
        return source, None
    if battery.id != path.stem:
        source.problem(("id",), f"must match the file name '{path.stem}'")
    for j, iid in _repeats(list(battery.instruments)):
        source.problem(("instruments", j), f"instrument '{iid}' is listed twice")
    asked: dict[str, str] = {}
    for j, iid in enumerate(battery.instruments):
        if iid in instruments:
            for qid in question_ids(instruments[iid].definition):
                if qid in asked and asked[qid] != iid:
                    source.problem(
                        ("instruments", j),
                        f"item id '{qid}' is used by both '{asked[qid]}' and '{iid}'; "
                        "answers are stored by item id, so rename one",
                    )
                asked.setdefault(qid, iid)
    for j, iid in enumerate(battery.instruments):
        loc: Loc = ("instruments", j)
        if iid in broken:
            continue  # its own file's problems are already reported
        if iid not in instruments:
            source.problem(
                loc,
                f"unknown instrument '{iid}' (known: {', '.join(sorted(instruments)) or 'none'})",
            )
        elif isinstance(instruments[iid].definition, Interview):
            source.problem(
                loc,
                f"'{iid}' is an interview: the interviewer fills it in on the interview page, "
                "so it is not part of a battery",
            )
        elif not _suits(battery, instruments[iid].definition):
            source.problem(
                loc, f"instrument '{iid}' is not meant for the audience '{battery.audience}'"
            )
    if battery.audience == "candidate" and all(i in instruments for i in battery.instruments):
        _check_candidate_time(
            source,
            [instruments[i].definition for i in battery.instruments],
            battery.product_test.minutes if battery.product_test else 0.0,
        )
    if battery.product_test is not None and model is not None:
        scale = battery.product_test.scale
        if scale not in model.competencies:
            source.problem(
                ("product_test", "scale"),
                f"unknown competency '{scale}' (known: {', '.join(model.competencies)})",
            )
    return source, (None if source.problems else battery)


def candidate_minutes(instruments: Iterable[Instrument]) -> float:
    """The candidate's own time for these instruments by their declared `minutes`."""
    return sum(i.minutes for i in instruments if not isinstance(i, ManagerRating))


def _check_candidate_time(source: _Source, instruments: list[Instrument], slot: float) -> None:
    """The instruments' time plus the minutes the product-test slot keeps for the
    organisation's own test (at most that long, checked when it is filled)."""
    total = candidate_minutes(instruments) + slot
    if total > MAX_CANDIDATE_MINUTES:
        parts = ", ".join(f"{i.id} {i.minutes:g}" for i in instruments)
        if slot:
            parts += f", product_test slot {slot:g}"
        source.problem(
            ("instruments",),
            f"takes {total:g} minutes by the instruments' declared times ({parts}); a "
            f"candidate battery takes at most {MAX_CANDIDATE_MINUTES}: drop or shorten one",
        )


def load_catalog(model_path: Path, assessments_dir: Path) -> Catalog:
    """Load the model, every instrument (`*.yaml`) and battery (`batteries/*.yaml`).

    Raises DefinitionError with every problem in every file; returns only a fully valid catalog.
    """
    problems: list[Problem] = []
    model_source, model = _parse_model(model_path)
    problems += model_source.problems
    definition = model.definition if model else None

    if not assessments_dir.is_dir():
        problems.append(Problem(_display_name(assessments_dir), None, "", "folder not found"))
        raise DefinitionError(problems)

    for path in sorted([*assessments_dir.glob("*.yml"), *assessments_dir.glob("batteries/*.yml")]):
        problems.append(Problem(_display_name(path), None, "", "rename the file to end in .yaml"))

    instruments: dict[str, LoadedInstrument] = {}
    broken: set[str] = set()
    for path in sorted(assessments_dir.glob("*.yaml")):
        source, instrument = _parse_instrument(path, definition)
        problems += source.problems
        if instrument is not None:
            instruments[instrument.id] = instrument
        else:
            broken.add(path.stem)

    batteries: dict[str, Battery] = {}
    for path in sorted((assessments_dir / BATTERIES_DIR).glob("*.yaml")):
        source, battery = _parse_battery(path, instruments, broken, definition)
        problems += source.problems
        if battery is not None:
            batteries[battery.id] = battery

    if model is not None and not broken:
        problems += _check_profile_scales(model_source, model.definition, instruments)
    if problems or model is None:
        raise DefinitionError(problems)
    return Catalog(model=model, instruments=instruments, batteries=batteries)


def _check_profile_scales(
    source: _Source, model: CompetencyModel, instruments: Mapping[str, LoadedInstrument]
) -> list[Problem]:
    """A profile's scale components must be trait scales some instrument declares."""
    declared = {
        sid: scale.kind
        for loaded in instruments.values()
        for sid, scale in loaded.definition.scales.items()
    }
    before = len(source.problems)
    for pid, profile in model.profiles.items():
        for sid in profile.scales:
            if sid in model.competencies:
                continue  # reported by _check_model
            if sid not in declared:
                traits = sorted(s for s, kind in declared.items() if kind is ScaleKind.trait)
                source.problem(
                    ("profiles", pid, "scales", sid),
                    f"no instrument declares a scale '{sid}'; use one of: "
                    f"{', '.join(traits) or 'none'}",
                )
            elif declared[sid] is not ScaleKind.trait:
                source.problem(
                    ("profiles", pid, "scales", sid),
                    f"'{sid}' is a {declared[sid].value} scale; only trait scales can be "
                    "part of a profile",
                )
    return source.problems[before:]
