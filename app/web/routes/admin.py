"""Administration pages (admins only): users and API tokens, and the audit trail.

Deactivating a user ends their sessions and revokes their API tokens; revoking a token stops
it at once. Every change is audited. The audit page lists who read, exported, erased or
changed what, filtered by person, user, action and date, and downloads as CSV.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from app.i18n import gettext as _
from app.ids import parse_id
from app.models import ApiToken, User
from app.services import accounts
from app.services.audit import AuditQuery, describe, find_events
from app.services.errors import ServiceError
from app.services.ranking import neutralise
from app.web.csrf import verify_csrf
from app.web.deps import AdminUser, SessionDep
from app.web.templating import render

router = APIRouter(prefix="/admin", dependencies=[Depends(verify_csrf)], include_in_schema=False)

AUDIT_PAGE_ROWS = 500
AUDIT_CSV_ROWS = 100_000
CSV_TYPE = "text/csv; charset=utf-8"


def _notice(done: str | None) -> str | None:
    return {
        "deactivated": _(
            "The user is deactivated: their sessions ended and their API tokens were revoked."
        ),
        "activated": _("The user can sign in again. Their old API tokens stay revoked."),
        "revoked": _("The API token is revoked and no longer works."),
    }.get(done or "")


def _users_page(
    request: Request, session: Session, *, error: str | None = None, status_code: int = 200
) -> Response:
    users = session.exec(select(User).order_by(col(User.role), col(User.email))).all()
    emails = {u.id: u.email for u in users}
    tokens = session.exec(select(ApiToken).order_by(col(ApiToken.created_at).desc())).all()
    return render(
        request,
        "admin/users.html",
        {
            "users": users,
            "tokens": [(t, emails.get(t.user_id, "")) for t in tokens],
            "notice": _notice(request.query_params.get("done")),
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/users", name="admin:users")
def users(request: Request, admin: AdminUser, session: SessionDep) -> Response:
    return _users_page(request, session)


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    return user


def _done(request: Request, done: str) -> Response:
    return RedirectResponse(
        request.url_for("admin:users").path + f"?done={done}", status.HTTP_303_SEE_OTHER
    )


@router.post("/users/{user_id:id}/deactivate", name="admin:deactivate")
def deactivate(request: Request, user_id: int, admin: AdminUser, session: SessionDep) -> Response:
    try:
        accounts.deactivate_user(session, user=_user(session, user_id), actor_user_id=admin.id)
    except ServiceError as exc:
        session.rollback()
        return _users_page(request, session, error=exc.message, status_code=exc.status)
    session.commit()
    return _done(request, "deactivated")


@router.post("/users/{user_id:id}/activate", name="admin:activate")
def activate(request: Request, user_id: int, admin: AdminUser, session: SessionDep) -> Response:
    accounts.activate_user(session, user=_user(session, user_id), actor_user_id=admin.id)
    session.commit()
    return _done(request, "activated")


@router.post("/tokens/{token_id:id}/revoke", name="admin:revoke_token")
def revoke_token(
    request: Request, token_id: int, admin: AdminUser, session: SessionDep
) -> Response:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    accounts.revoke_api_tokens(session, tokens=[token], actor_user_id=admin.id)
    session.commit()
    return _done(request, "revoked")


# ----------------------------------------------------------------------------- audit


def _audit_query(request: Request, limit: int) -> tuple[AuditQuery, dict[str, str], list[str]]:
    """The filters of the audit page from its query string, and what was wrong with them."""
    params = request.query_params
    values = {key: (params.get(key) or "").strip() for key in ("person", "user", "since", "action")}
    problems = []
    person_id = parse_id(values["person"]) if values["person"] else None
    if values["person"] and person_id is None:
        problems.append(_("The person must be a person's number."))
    user_id = parse_id(values["user"]) if values["user"] else None
    if values["user"] and user_id is None:
        problems.append(_("The user must be a user's number."))
    since = None
    if values["since"]:
        try:
            since = datetime.combine(date.fromisoformat(values["since"]), time(), tzinfo=UTC)
        except ValueError:
            problems.append(_("The date must be written as YYYY-MM-DD."))
    action = values["action"][:64] or None
    return AuditQuery(person_id, user_id, since, action, limit), values, problems


@router.get("/audit", name="admin:audit")
def audit(request: Request, admin: AdminUser, session: SessionDep) -> Response:
    query, values, problems = _audit_query(request, AUDIT_PAGE_ROWS + 1)
    rows = describe(session, find_events(session, query)) if not problems else []
    users = session.exec(select(User).order_by(col(User.email))).all()
    return render(
        request,
        "admin/audit.html",
        {
            "rows": rows[:AUDIT_PAGE_ROWS],
            "truncated": len(rows) > AUDIT_PAGE_ROWS,
            "limit": AUDIT_PAGE_ROWS,
            "values": values,
            "problems": problems,
            "users": users,
            "csv_url": request.url_for("admin:audit_csv").path
            + ("?" + request.url.query if request.url.query else ""),
        },
        status_code=status.HTTP_400_BAD_REQUEST if problems else status.HTTP_200_OK,
    )


@router.get("/audit.csv", name="admin:audit_csv")
def audit_csv(request: Request, admin: AdminUser, session: SessionDep) -> Response:
    query, _values, problems = _audit_query(request, AUDIT_CSV_ROWS)
    if problems:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, " ".join(problems))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["at", "actor", "actor_user_id", "action", "person_id", "detail"])
    for row in describe(session, find_events(session, query)):
        detail = "; ".join(f"{k}={v}" for k, v in sorted(row["detail"].items()))
        writer.writerow(
            [
                row["at"].isoformat(),
                neutralise(str(row["actor"])),
                row["actor_user_id"] or "",
                row["action"],
                row["person_id"] or "",
                neutralise(detail),
            ]
        )
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    return Response(
        ("\ufeff" + out.getvalue()).encode("utf-8"),
        media_type=CSV_TYPE,
        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"'},
    )
