"""The fairness audit: group membership given voluntarily, and the audit of a campaign.

**Collecting.** After finishing an assessment, a person may answer two optional questions
about themselves (gender, age band) on a separate page with its own consent (purpose
`equality_monitoring`), or decline by leaving it. Nothing about it touches the assessment:
it is asked only once the answers are in, stored in its own table (`GroupMembership`), never
read by scoring, reports, rankings or the person's page, and only ever shown in aggregate,
for groups of at least five. "Prefer not to say" stores nothing.

**Auditing a campaign.** For everyone with a result in the campaign: selected = recommended
for the campaign's target role (for `either`, for any role), score = the fit index for that
role (the better of the two for `either`). Per attribute, `app.scoring.fairness` gives the
selection rates with impact ratios and the four-fifths flag, and the scoring rates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from app.db import upsert, utcnow
from app.i18n import gettext as _
from app.models import Campaign, Consent, GroupMembership, Invitation
from app.scoring.fairness import MIN_GROUP, ScoringRow, SelectionRow, scoring_rates, selection_rates
from app.services.audit import record_event
from app.services.errors import Invalid, NotFound
from app.services.results import latest_results
from app.services.snapshot_view import recommended_for, role_fit

CONSENT_PURPOSE = "equality_monitoring"
CONSENT_VERSION = "2026-11-1"
ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "gender": ("female", "male", "another"),
    "age_band": ("under_25", "25_34", "35_44", "45_54", "55_plus"),
}
"""The questions and their answers; the order is the order shown."""


def attribute_label(attribute: str) -> str:
    labels = {"gender": _("Gender"), "age_band": _("Age")}
    return labels.get(attribute, attribute)


def value_label(attribute: str, value: str) -> str:
    labels = {
        "female": _("Woman"),
        "male": _("Man"),
        "another": _("Another gender"),
        "under_25": _("under 25"),
        "25_34": _("25–34"),
        "35_44": _("35–44"),
        "45_54": _("45–54"),
        "55_plus": _("55 or older"),
    }
    return labels.get(value, value)


def consent_needed() -> str:
    return _(
        "Tick the box to agree to these answers being stored for the fairness check, or "
        "simply close the page."
    )


def check_answers(answers: Mapping[str, str | None]) -> dict[str, str]:
    """The answers given (empty means "prefer not to say"), or Invalid naming the question."""
    checked: dict[str, str] = {}
    for attribute, value in answers.items():
        if attribute not in ATTRIBUTES:
            raise Invalid(_("Unknown question “%(name)s”.") % {"name": attribute}, field=attribute)
        if value is None or value == "":
            continue
        if value not in ATTRIBUTES[attribute]:
            raise Invalid(
                _("“%(value)s” is not one of the answers to this question.") % {"value": value},
                field=attribute,
            )
        checked[attribute] = value
    return checked


def record_groups(
    session: Session,
    *,
    person_id: int,
    answers: Mapping[str, str | None],
    language: str,
    invitation_id: int | None = None,
    source: str = "self",
) -> list[GroupMembership]:
    """Store what the person chose to say about themselves, with its own consent; nothing at
    all when every answer is "prefer not to say". Answering again replaces earlier answers."""
    checked = check_answers(answers)
    if not checked:
        return []
    consent = Consent(
        person_id=person_id,
        invitation_id=invitation_id,
        purpose=CONSENT_PURPOSE,
        accepted=True,
        text_version=CONSENT_VERSION,
        language=language,
    )
    session.add(consent)
    session.flush()
    now = utcnow()
    for attribute, value in checked.items():
        upsert(
            session,
            GroupMembership,
            {
                "organisation_id": consent.organisation_id,
                "person_id": person_id,
                "attribute": attribute,
                "value": value,
                "consent_id": consent.id,
                "source": source,
                "created_at": now,
            },
            keys=["person_id", "attribute"],
            update={"value": "value", "consent_id": "consent_id", "created_at": "created_at"},
        )
    record_event(
        session,
        organisation_id=consent.organisation_id or 0,
        actor="candidate" if source == "self" else "user",
        action="groups.given",
        object_type="person",
        object_id=person_id,
        details={"questions": sorted(checked)},  # which questions, never the answers
    )
    return list(session.exec(select(GroupMembership).where(GroupMembership.person_id == person_id)))


def answered(session: Session, person_id: int) -> bool:
    return (
        session.exec(
            select(GroupMembership.id).where(GroupMembership.person_id == person_id)
        ).first()
        is not None
    )


@dataclass(frozen=True)
class AttributeAudit:
    attribute: str
    with_data: int  # people with a result who gave this answer
    selection: list[SelectionRow]
    scoring: list[ScoringRow]

    @property
    def comparable(self) -> bool:
        """At least two groups are large enough to compare."""
        return sum(1 for row in self.selection if not row.suppressed) >= 2


@dataclass(frozen=True)
class CampaignAudit:
    campaign: Campaign
    people: int  # with a result
    selected: int
    attributes: list[AttributeAudit] = field(default_factory=list)
    min_group: int = MIN_GROUP


def find_campaign(session: Session, campaign_id: int) -> Campaign:
    """The organisation's campaign (a query, not the identity map: always scoped)."""
    campaign = session.exec(select(Campaign).where(Campaign.id == campaign_id)).first()
    if campaign is None:
        raise NotFound(_("There is no such campaign."))
    return campaign


def campaign_audit(session: Session, campaign: Campaign) -> CampaignAudit:
    """Selection and scoring rates per group of each attribute for one campaign."""
    invitations = session.exec(
        select(Invitation).where(
            Invitation.campaign_id == campaign.id,
            col(Invitation.completed_at).is_not(None),
            col(Invitation.revoked_at).is_(None),
        )
    ).all()
    snapshots = latest_results(session, [i.id or 0 for i in invitations])
    role = str(campaign.target_role)
    people: list[tuple[int, bool, float | None]] = []
    for invitation in invitations:
        snapshot = snapshots.get(invitation.id or 0)
        if snapshot is not None:
            people.append(
                (invitation.person_id, recommended_for(snapshot, role), role_fit(snapshot, role))
            )
    ids = [person_id for person_id, _s, _f in people]
    memberships: dict[str, dict[int, str]] = {a: {} for a in ATTRIBUTES}
    if ids:
        for row in session.exec(
            select(GroupMembership).where(col(GroupMembership.person_id).in_(ids))
        ):
            memberships.setdefault(row.attribute, {})[row.person_id] = row.value
    audits = []
    for attribute in ATTRIBUTES:
        given = memberships.get(attribute, {})
        groups = [given.get(person_id) for person_id, _s, _f in people]
        scored = [
            (g, fit) for (_p, _s, fit), g in zip(people, groups, strict=True) if fit is not None
        ]
        audits.append(
            AttributeAudit(
                attribute,
                sum(1 for g in groups if g),
                selection_rates(groups, [s for _p, s, _f in people]),
                scoring_rates([g for g, _f in scored], [f for _g, f in scored]),
            )
        )
    return CampaignAudit(campaign, len(people), sum(1 for _p, s, _f in people if s), audits)
