"""The admin page "Product test": the organisation's own product-knowledge test.

Filled from a short form (the product's name, 5 to 10 questions with their options and the
right answer) or by uploading an instrument file (YAML) checked as the shipped files are
(app/services/product_tests.py). Saving stores a new version in force for the organisation
only; it then fills the `product_test` slot of its batteries (app/services/catalogs.py). A
refused form or file stores nothing and says what to fix, where.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData, UploadFile

from app import i18n
from app.i18n import gettext as _
from app.scoring.definitions import LANGUAGES
from app.scoring.loader import Catalog
from app.services import catalogs, product_tests
from app.services.errors import ServiceError
from app.web.csrf import verify_csrf
from app.web.deps import AdminUser, CatalogDep, SessionDep
from app.web.templating import render

router = APIRouter(prefix="/admin", dependencies=[Depends(verify_csrf)], include_in_schema=False)

FORM_QUESTIONS = product_tests.MAX_QUESTIONS
FORM_OPTIONS = 4
MAX_FILE_BYTES = 256 * 1024
YAML_TYPE = "application/yaml; charset=utf-8"


def _blank() -> product_tests.Form:
    return product_tests.Form(product={}, questions=[])


def _padded(form: product_tests.Form) -> list[dict[str, Any]]:
    """The form's questions for the page: always FORM_QUESTIONS, each with FORM_OPTIONS."""
    rows = []
    for n in range(FORM_QUESTIONS):
        question = form.questions[n] if n < len(form.questions) else product_tests.FormQuestion()
        options = list(question.options) + [{}] * (FORM_OPTIONS - len(question.options))
        rows.append(
            {
                "number": n + 1,
                "text": question.text,
                "options": options[: max(FORM_OPTIONS, len(question.options))],
                "correct": question.correct,
            }
        )
    return rows


def _batteries(catalog: Catalog, language: str) -> list[dict[str, Any]]:
    """The batteries with a product-test slot: the candidate's time now (with the test once
    it is filled) and the minutes the slot keeps."""
    local_batteries = []
    for battery in catalog.batteries.values():
        if battery.product_test is None:
            continue
        local_batteries.append(
            {
                "id": battery.id,
                "name": getattr(battery.name, language, battery.name.en),
                "minutes": round(catalog.battery_minutes(battery)),
                "slot_minutes": f"{battery.product_test.minutes:g}",
            }
        )
    return local_batteries


def _page(
    request: Request,
    session: Session,
    catalog: Catalog,
    *,
    form: product_tests.Form | None = None,
    problems: list[str] | None = None,
    upload_problems: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    local = catalogs.organisation_catalog(session, catalog)
    current = product_tests.current(session, catalog)
    if form is None:
        form = product_tests.to_form(current[1]) if current else _blank()
    language = i18n.get_language()
    return render(
        request,
        "admin/product_test.html",
        {
            "current": current[0] if current else None,
            "definition": current[1] if current else None,
            "history": catalogs.history(session, product_tests.INSTRUMENT_ID),
            "batteries": _batteries(local, language),
            "product": form.product,
            "questions": _padded(form),
            "languages": LANGUAGES,
            "language": language,
            "problems": problems or [],
            "upload_problems": upload_problems or [],
            "limits": {
                "min": product_tests.MIN_QUESTIONS,
                "max": product_tests.MAX_QUESTIONS,
                "seconds": product_tests.SECONDS_PER_QUESTION,
            },
            "notice": {
                "saved": _(
                    "The product test is saved. It is now part of the batteries below for "
                    "every new answer; results already given keep what they were."
                ),
                "removed": _(
                    "The product test is removed from the batteries. Results taken with it keep it."
                ),
            }.get(request.query_params.get("done") or ""),
        },
        status_code=status_code,
    )


def _form_from(data: FormData | Mapping[str, Any]) -> product_tests.Form:
    def text(name: str) -> dict[str, str]:
        return {lang: str(data.get(f"{name}_{lang}") or "") for lang in LANGUAGES}

    questions = []
    for n in range(1, FORM_QUESTIONS + 1):
        correct = str(data.get(f"q{n}_correct") or "")
        questions.append(
            product_tests.FormQuestion(
                text=text(f"q{n}"),
                options=[text(f"q{n}_o{k}") for k in range(1, FORM_OPTIONS + 1)],
                correct=int(correct) - 1 if correct.isdigit() else None,
            )
        )
    return product_tests.Form(product=text("product"), questions=questions)


def _saved(request: Request, done: str) -> Response:
    return RedirectResponse(
        request.url_for("admin:product_test").path + f"?done={done}", status.HTTP_303_SEE_OTHER
    )


@router.get("/product-test", name="admin:product_test")
def page(request: Request, admin: AdminUser, session: SessionDep, catalog: CatalogDep) -> Response:
    return _page(request, session, catalog)


@router.post("/product-test", name="admin:product_test_save")
async def save(
    request: Request, admin: AdminUser, session: SessionDep, catalog: CatalogDep
) -> Response:
    form = _form_from(await request.form())
    try:
        product_tests.save_form(session, catalog, form, user_id=admin.id)
    except ServiceError as exc:
        session.rollback()
        problems = exc.message.splitlines()
        return _page(
            request, session, catalog, form=form, problems=problems, status_code=exc.status
        )
    session.commit()
    return _saved(request, "saved")


async def _uploaded(request: Request) -> bytes | str:
    """The uploaded file's bytes, or why there are none."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_FILE_BYTES + 64 * 1024:
        return _("The file is larger than %(size)s KB.") % {"size": MAX_FILE_BYTES // 1024}
    data = await request.form()
    item = data.get("file")
    if not isinstance(item, UploadFile) or not item.filename:
        return _("Choose a YAML file to upload.")
    content = await item.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        return _("The file is larger than %(size)s KB.") % {"size": MAX_FILE_BYTES // 1024}
    return content


@router.post("/product-test/upload", name="admin:product_test_upload")
async def upload(
    request: Request, admin: AdminUser, session: SessionDep, catalog: CatalogDep
) -> Response:
    content = await _uploaded(request)
    problems: list[str] = []
    if isinstance(content, str):
        problems = [content]
    else:
        try:
            source = content.decode("utf-8")
        except UnicodeDecodeError:
            problems = [_("The file is not UTF-8 text; save it as UTF-8 and upload it again.")]
        else:
            try:
                product_tests.save(session, catalog, source, user_id=admin.id, how="upload")
            except ServiceError as exc:
                session.rollback()
                problems = exc.message.splitlines()
    if problems:
        return _page(
            request,
            session,
            catalog,
            upload_problems=problems,
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    session.commit()
    return _saved(request, "saved")


@router.post("/product-test/remove", name="admin:product_test_remove")
def remove(request: Request, admin: AdminUser, session: SessionDep) -> Response:
    product_tests.remove(session, user_id=admin.id)
    session.commit()
    return _saved(request, "removed")


@router.get("/product-test.yaml", name="admin:product_test_file")
def download(
    request: Request, admin: AdminUser, session: SessionDep, catalog: CatalogDep
) -> Response:
    """The test in force as a file to edit and upload again, or the template to start from."""
    current = product_tests.current(session, catalog)
    if current is not None:
        source = catalogs.source_of(session, current[0])
    else:
        source = product_tests.TEMPLATE_FILE.read_text(encoding="utf-8")
    return Response(
        source,
        media_type=YAML_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{product_tests.FILE_NAME}"'},
    )
