"""The organisation's own product test: made from a short form or an uploaded YAML file.

Both ways end in the same instrument file (type `knowledge`, id `product_test`, every item on
the slot's competency), checked as a shipped file is (`loader.parse_instrument`) and then
against the slot: 5 to 10 questions, at most the slot's minutes (4 in the shipped batteries),
meant for candidates, no placeholder left from the template, no item id that another
instrument of the batteries uses. Once stored (app/services/catalogs.py) it is part of every
battery with a `product_test` slot for that organisation, and results say product knowledge
was measured by a test. Candidates who finished before keep their results as they were.

The form asks each text in Russian and English; a text given in one language only is shown
as written in both (the company's own words, not a translation the product invented).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from sqlmodel import Session

from app.i18n import gettext as _
from app.models import OrganisationInstrument
from app.paths import ASSESSMENTS_DIR
from app.scoring.definitions import LANGUAGES, Knowledge
from app.scoring.errors import DefinitionError, Problem
from app.scoring.loader import Catalog, LoadedInstrument, parse_instrument, question_ids
from app.services import catalogs
from app.services.errors import Invalid

INSTRUMENT_ID = catalogs.PRODUCT_TEST
MIN_QUESTIONS = 5
MAX_QUESTIONS = 10
MIN_OPTIONS = 2
MAX_OPTIONS = 5
SECONDS_PER_QUESTION = 24
"""A short factual question (at most QUESTION_CHARS) with at most five short options: about
70 words read at ~240 words a minute, then a pick. 10 questions fill the slot's 4 minutes."""
QUESTION_CHARS = 300
OPTION_CHARS = 150
NAME_CHARS = 80
ITEM_CORRELATION = 0.18
"""The average inter-item correlation assumed for a product test's prior reliability
(Spearman-Brown: 5 questions .52, 10 questions .69; as in the template)."""
SD = 25
FILE_NAME = "product_test.yaml"
TEMPLATE_FILE = ASSESSMENTS_DIR / "templates" / "product_knowledge_template.yaml"
"""The file the admin page offers to start from (every text a placeholder to replace)."""
_PLACEHOLDER = re.compile(r"\[[^\]]+\]")


@dataclass
class FormQuestion:
    text: dict[str, str] = field(default_factory=dict)
    options: list[dict[str, str]] = field(default_factory=list)
    correct: int | None = None  # index into options


@dataclass
class Form:
    """What the admin page's form carries: the product's name and the questions."""

    product: dict[str, str] = field(default_factory=dict)
    questions: list[FormQuestion] = field(default_factory=list)


def _both(text: Mapping[str, str]) -> dict[str, str]:
    """Both languages: a text given in one only is used for the other as written."""
    given = {lang: (text.get(lang) or "").strip() for lang in LANGUAGES}
    fallback = next((v for v in given.values() if v), "")
    return {lang: given[lang] or fallback for lang in LANGUAGES}


def prior_reliability(questions: int) -> float:
    r = ITEM_CORRELATION
    return round(questions * r / (1 + (questions - 1) * r), 2)


def form_problems(form: Form) -> list[str]:
    """What is wrong with the form, each naming the field and how to fix it."""
    problems = []
    if not any((form.product.get(lang) or "").strip() for lang in LANGUAGES):
        problems.append(_("Product name: give the product's name (in Russian, English or both)."))
    for lang in LANGUAGES:
        if len(form.product.get(lang) or "") > NAME_CHARS:
            problems.append(
                _("Product name: at most %(n)s characters.") % {"n": NAME_CHARS},
            )
            break
    filled = [q for q in form.questions if _question_given(q)]
    if not MIN_QUESTIONS <= len(filled) <= MAX_QUESTIONS:
        problems.append(
            _("Give %(min)s to %(max)s questions; there are %(n)s.")
            % {"min": MIN_QUESTIONS, "max": MAX_QUESTIONS, "n": len(filled)}
        )
    for number, question in enumerate(form.questions, start=1):
        if not _question_given(question):
            continue
        where = _("Question %(n)s") % {"n": number}
        if not any((question.text.get(lang) or "").strip() for lang in LANGUAGES):
            problems.append(where + ": " + _("write the question."))
        if any(len(question.text.get(lang) or "") > QUESTION_CHARS for lang in LANGUAGES):
            problems.append(where + ": " + _("at most %(n)s characters.") % {"n": QUESTION_CHARS})
        options = [o for o in question.options if _given(o)]
        if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
            problems.append(
                where
                + ": "
                + _("give %(min)s to %(max)s answer options.")
                % {"min": MIN_OPTIONS, "max": MAX_OPTIONS}
            )
        if any(len(o.get(lang) or "") > OPTION_CHARS for o in options for lang in LANGUAGES):
            problems.append(
                where + ": " + _("an option has at most %(n)s characters.") % {"n": OPTION_CHARS}
            )
        texts = [_both(o)["ru"].casefold() for o in options]
        if len(set(texts)) != len(texts):
            problems.append(where + ": " + _("two options say the same."))
        if question.correct is None or not (
            0 <= question.correct < len(question.options)
            and _given(question.options[question.correct])
        ):
            problems.append(where + ": " + _("mark the right answer among the filled options."))
    return problems


def _given(text: Mapping[str, str]) -> bool:
    return any((text.get(lang) or "").strip() for lang in LANGUAGES)


def _question_given(question: FormQuestion) -> bool:
    return _given(question.text) or any(_given(o) for o in question.options)


def form_to_definition(form: Form) -> dict[str, Any]:
    """The instrument file for a checked form (see `form_problems`)."""
    questions = [q for q in form.questions if _question_given(q)]
    product = _both(form.product)
    items = []
    for number, question in enumerate(questions, start=1):
        options: list[dict[str, Any]] = []
        correct = ""
        for index, option in enumerate(question.options):
            if not _given(option):
                continue
            option_id = "abcde"[len(options)]
            options.append({"id": option_id, "text": _both(option)})
            if index == question.correct:
                correct = option_id
        items.append(
            {
                "id": f"pt_q{number}",
                "scale": "product_knowledge",
                "question": _both(question.text),
                "options": options,
                "correct": [correct],
            }
        )
    minutes = math.ceil(len(items) * SECONDS_PER_QUESTION / 6) / 10  # up to 0.1 min
    return {
        "id": INSTRUMENT_ID,
        "version": "1",
        "type": "knowledge",
        "title": {
            "ru": f"Тест по продукту: {product['ru']}",
            "en": f"Product test: {product['en']}",
        },
        "description": {
            "ru": f"Вопросы о продукте «{product['ru']}», его применении, условиях и рынке.",
            "en": f"Questions about {product['en']}: its use, terms and market.",
        },
        "instructions": {
            "ru": "В каждом вопросе выберите один верный ответ. Если сомневаетесь, выберите "
            "самый вероятный вариант.",
            "en": "For each question choose the one correct answer. If you are unsure, pick "
            "the most likely option.",
        },
        "minutes": minutes,
        "audience": ["candidate", "employee"],
        "weight": 1,
        "prior_reliability": {
            "default": prior_reliability(len(items)),
            "sd": SD,
            "source": "Spearman-Brown from an average inter-item correlation of .18",
        },
        "items": items,
    }


def dump(definition: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(definition), allow_unicode=True, sort_keys=False, width=100)


def slot_problems(catalog: Catalog, loaded: LoadedInstrument) -> list[Problem]:
    """What keeps a checked instrument from filling the organisation's product-test slot."""
    instrument = loaded.definition
    problems: list[Problem] = []

    def problem(path: str, message: str) -> None:
        problems.append(Problem(FILE_NAME, None, path, message))

    slots = {b.id: b.product_test for b in catalog.batteries.values() if b.product_test}
    if not slots:
        problem("", "no battery has a product_test slot; add one (docs/instruments.md)")
        return problems
    if instrument.id != INSTRUMENT_ID:
        problem("id", f"must be '{INSTRUMENT_ID}' (the slot's instrument), got {instrument.id!r}")
    if not isinstance(instrument, Knowledge):
        problem("type", f"must be 'knowledge' (a test with right answers), got {instrument.type}")
        return problems
    scales = {slot.scale for slot in slots.values()}
    for i, item in enumerate(instrument.items):
        if item.scale not in scales:
            problem(f"items[{i}].scale", f"must be {' or '.join(sorted(scales))}")
    count = len(instrument.items)
    if not MIN_QUESTIONS <= count <= MAX_QUESTIONS:
        problem(
            "items",
            f"has {count} questions; a product test has {MIN_QUESTIONS} to {MAX_QUESTIONS}",
        )
    room = min(slot.minutes for slot in slots.values())
    if instrument.minutes > room:
        problem(
            "minutes",
            f"{instrument.minutes:g} minutes is longer than the {room:g} minutes the batteries "
            "keep for the product test; shorten the test or its declared time",
        )
    if "candidate" not in instrument.audience:
        problem("audience", "must include 'candidate': the slot is in candidate batteries")
    for place, text in _texts(instrument):
        if _PLACEHOLDER.search(text):
            problem(place, f"still holds a template placeholder: {text[:60]!r}")
    others = {
        qid: iid
        for battery in catalog.batteries.values()
        if battery.product_test
        for iid in battery.instruments
        if iid != INSTRUMENT_ID and iid in catalog.instruments
        for qid in question_ids(catalog.instruments[iid].definition)
    }
    for i, item in enumerate(instrument.items):
        if item.id in others:
            problem(f"items[{i}].id", f"'{item.id}' is already used by '{others[item.id]}'")
    return problems


def _texts(instrument: Knowledge) -> list[tuple[str, str]]:
    out = [
        (f"{name}.{lang}", getattr(getattr(instrument, name), lang))
        for name in ("title", "description", "instructions")
        for lang in LANGUAGES
    ]
    for i, item in enumerate(instrument.items):
        out += [(f"items[{i}].question.{lang}", getattr(item.question, lang)) for lang in LANGUAGES]
        for j, option in enumerate(item.options):
            out += [
                (f"items[{i}].options[{j}].text.{lang}", getattr(option.text, lang))
                for lang in LANGUAGES
            ]
    return out


def check(catalog: Catalog, source: str) -> LoadedInstrument:
    """The product test in `source` (YAML), checked as a shipped file and against the slot;
    raises DefinitionError listing every problem."""
    loaded = parse_instrument(source.encode("utf-8"), FILE_NAME, catalog.model)
    problems = slot_problems(catalog, loaded)
    if problems:
        raise DefinitionError(problems)
    return loaded


def save(
    session: Session, catalog: Catalog, source: str, *, user_id: int | None, how: str
) -> OrganisationInstrument:
    """Check and store the organisation's product test (`how`: "form" or "upload"); raises
    Invalid with every problem and stores nothing when it does not pass."""
    try:
        loaded = check(catalog, source)
    except DefinitionError as exc:
        raise Invalid("\n".join(str(p) for p in exc.problems)) from exc
    items = len(loaded.definition.items)
    return catalogs.install(
        session,
        catalog,
        loaded,
        source,
        kind=catalogs.PRODUCT_TEST,
        user_id=user_id,
        details={"how": how, "questions": items, "minutes": loaded.definition.minutes},
    )


def save_form(
    session: Session, catalog: Catalog, form: Form, *, user_id: int | None
) -> OrganisationInstrument:
    problems = form_problems(form)
    if problems:
        raise Invalid("\n".join(problems))
    return save(session, catalog, dump(form_to_definition(form)), user_id=user_id, how="form")


def current(session: Session, catalog: Catalog) -> tuple[OrganisationInstrument, Knowledge] | None:
    """The organisation's product test in force and its definition, or None."""
    local = catalogs.organisation_catalog(session, catalog)
    for row in catalogs.in_force(session):
        if row.kind == catalogs.PRODUCT_TEST:
            definition = local.instruments[row.instrument_id].definition
            if isinstance(definition, Knowledge):
                return row, definition
    return None


def to_form(definition: Knowledge) -> Form:
    """The form filled from a stored test (to edit it as a new version)."""
    title = {lang: getattr(definition.title, lang) for lang in LANGUAGES}
    product = {
        "ru": title["ru"].removeprefix("Тест по продукту: "),
        "en": title["en"].removeprefix("Product test: "),
    }
    questions = []
    for item in definition.items:
        options = [{lang: getattr(o.text, lang) for lang in LANGUAGES} for o in item.options]
        ids = [o.id for o in item.options]
        questions.append(
            FormQuestion(
                text={lang: getattr(item.question, lang) for lang in LANGUAGES},
                options=options,
                correct=ids.index(item.correct[0]) if item.correct[0] in ids else None,
            )
        )
    return Form(product=product, questions=questions)


def remove(session: Session, *, user_id: int | None) -> int:
    """Take the product test out of the batteries (kept for the results taken with it)."""
    return catalogs.retire(session, INSTRUMENT_ID, user_id=user_id)
