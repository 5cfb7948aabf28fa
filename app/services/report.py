"""A person's report for the head of sales, and the short feedback a candidate may see.

`person_report` gathers, for one completed assessment, everything a decision needs in the
order it is read: the recommendation with its confidence and reasons, the radar chart, the
competency scores (with a band only when the organisation's reference group is large
enough), fit to both roles, the flags, a structured-interview guide for the weak and the
uncertain competencies, a development plan and the caveats. The result is plain data
(JSON-ready); the page and `report.json` show the same.

`candidate_feedback` picks, without numbers or decisions, the person's relative strengths
and development areas for the thank-you page.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from babel.numbers import format_decimal
from sqlmodel import Session, col, func, select

from app import i18n
from app.i18n import gettext as _
from app.labels import (
    confidence_label,
    engine_label,
    flag_title,
    instrument_type_label,
    instrument_type_short,
    next_step_label,
    recommendation_label,
    severity_label,
)
from app.models import Campaign, Invitation, Person, ScoreSnapshot, Team
from app.scoring.definitions import CompetencyModel, Profile
from app.scoring.development import develop_or_hire
from app.scoring.fit import ROLES, profile_fit
from app.scoring.loader import Catalog
from app.scoring.radar import Series, radar_svg
from app.scoring.reliability import (
    MIN_REFERENCE_GROUP,
    cronbach_alpha,
    score_band,
    standard_error,
)
from app.scoring.validity import FLAGS
from app.services import interviews
from app.services.catalogs import organisation_catalog
from app.services.errors import NotFound
from app.services.results import latest_result
from app.services.snapshot_view import engine_of, interval_text, percent, points

# ----------------------------------------------------------------------------- words


def _whole(value: float) -> str:
    """A score as the report prints it: a whole number, rounded by the one rule
    (`snapshot_view.points`) every page and export uses."""
    return str(points(value))


def _months(value: float, language: str) -> str:
    return format_decimal(value, format="#,##0.#", locale=language)


def _profile_name(model: CompetencyModel, pid: str, language: str) -> str:
    return model.profiles[pid].name.get(language) if pid in model.profiles else pid


def _competency_name(model: CompetencyModel, cid: str, language: str) -> str:
    return model.competencies[cid].name.get(language) if cid in model.competencies else cid


def caution_sentences(
    model: CompetencyModel,
    cautions: Sequence[str],
    language: str,
    knockouts: Mapping[str, Sequence[str]] | None = None,
) -> list[str]:
    """Why confidence is not high, in words (flags are listed on their own).

    A competency that is a knock-out for a role is not also called "close to the minimum"
    of that role: the stop factor says more."""
    out = []
    for caution in cautions:
        if not isinstance(caution, str):
            continue
        kind, _sep, rest = caution.partition(":")
        if kind == "near_minimum":
            pid, _sep, cid = rest.partition(":")
            if cid in ((knockouts or {}).get(pid) or []):
                continue
        if kind == "missing_scores":
            out.append(
                _("Some competencies have no score, so the fit rests on part of the profile.")
            )
        elif kind == "near_threshold":
            out.append(
                _("The fit index for “%(profile)s” is close to its threshold.")
                % {"profile": _profile_name(model, rest, language)}
            )
        elif kind == "near_minimum":
            pid, _sep, cid = rest.partition(":")
            out.append(
                _("“%(competency)s” is close to the minimum of “%(profile)s”.")
                % {
                    "competency": _competency_name(model, cid, language),
                    "profile": _profile_name(model, pid, language),
                }
            )
        elif kind == "not_tested":
            out.append(
                _(
                    "“%(competency)s” is not measured by a test: the company's product test is "
                    "not filled in for this assessment, so the score rests on the self-report "
                    "alone and its interval is wider."
                )
                % {"competency": _competency_name(model, rest, language)}
            )
    return out


def pending_sentences(
    catalog: Catalog, pending: Sequence[Mapping[str, str]], language: str
) -> list[str]:
    """What a provisional result still waits for, one sentence per part."""
    out = []
    for part in pending:
        loaded = catalog.instruments.get(part.get("instrument", ""))
        title = loaded.definition.title.get(language) if loaded else part.get("instrument", "")
        if part.get("kind") == "manager_rating":
            out.append(
                _("“%(instrument)s” has not been filled in by the manager yet.")
                % {"instrument": title}
            )
        else:
            out.append(_("“%(instrument)s” has not been scored yet.") % {"instrument": title})
    return out


# ----------------------------------------------------------------------------- data


def _completed(statement: Any) -> Any:
    return statement.where(
        col(Invitation.completed_at).is_not(None), col(Invitation.revoked_at).is_(None)
    )


def completed_assessments(session: Session, person: Person) -> list[tuple[Invitation, Campaign]]:
    """The person's completed assessments that have a result, newest first."""
    scored = select(ScoreSnapshot.invitation_id).where(ScoreSnapshot.person_id == person.id)
    statement = (
        select(Invitation, Campaign)
        .join(Campaign, col(Campaign.id) == col(Invitation.campaign_id))
        .where(Invitation.person_id == person.id, col(Invitation.id).in_(scored))
        .order_by(col(Invitation.completed_at).desc(), col(Invitation.id).desc())
    )
    return [(invitation, campaign) for invitation, campaign in session.exec(_completed(statement))]


def competency_scores(snapshot: ScoreSnapshot) -> dict[str, float | None]:
    """The competency scores a snapshot stores (None where missing)."""
    entries = (snapshot.scores or {}).get("competencies") or {}
    return {cid: _number(entry.get("score")) for cid, entry in entries.items()}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


@dataclass(frozen=True)
class ReferenceGroup:
    """The organisation's completed assessments, used for score bands once large enough.

    SEM = SD * sqrt(1 - alpha) per competency (docs/scoring.md), where SD is the spread of
    the group's competency scores and alpha is Cronbach's alpha across the methods that
    measure the competency (how well they agree). No SEM when the group is smaller than
    `MIN_REFERENCE_GROUP` or a competency has fewer than two methods.
    """

    size: int
    sems: dict[str, float] = field(default_factory=dict)

    @property
    def enough(self) -> bool:
        return self.size >= MIN_REFERENCE_GROUP


def _latest_snapshot_ids() -> Any:
    completed = _completed(select(Invitation.id))
    return (
        select(func.max(ScoreSnapshot.id))
        .where(col(ScoreSnapshot.invitation_id).in_(completed))
        .group_by(col(ScoreSnapshot.invitation_id))
    )


def reference_group(session: Session, model: CompetencyModel) -> ReferenceGroup:
    """The organisation's reference group: the latest result of every completed assessment."""
    ids = _latest_snapshot_ids().subquery()
    size = session.exec(select(func.count()).select_from(ids)).one()
    if size < MIN_REFERENCE_GROUP:
        return ReferenceGroup(int(size))
    rows = session.exec(
        select(ScoreSnapshot.scores).where(col(ScoreSnapshot.id).in_(_latest_snapshot_ids()))
    ).all()
    sems: dict[str, float] = {}
    for cid in model.competencies:
        totals: list[float] = []
        by_method: list[dict[str, float]] = []
        for scores in rows:
            entry = ((scores or {}).get("competencies") or {}).get(cid) or {}
            total = _number(entry.get("score"))
            if total is None:
                continue
            totals.append(total)
            methods = {}
            for method in entry.get("methods") or []:
                value = _number(method.get("score"))
                if value is not None:
                    methods[str(method.get("instrument"))] = value
            by_method.append(methods)
        instruments = sorted({i for methods in by_method for i in methods})
        if len(totals) < MIN_REFERENCE_GROUP or len(instruments) < 2:
            continue
        matrix = np.array(
            [[methods.get(i, np.nan) for i in instruments] for methods in by_method],
            dtype=np.float64,
        )
        alpha = cronbach_alpha(matrix)
        sem = standard_error(float(np.std(totals, ddof=1)), alpha)
        if math.isfinite(sem) and math.isfinite(alpha) and alpha > 0:
            sems[cid] = sem
    return ReferenceGroup(int(size), sems)


# ----------------------------------------------------------------------------- the report


def _level(model: CompetencyModel, score: float, language: str) -> dict[str, str] | None:
    for lid, level in model.levels.items():
        if level.min <= score <= level.max + 0.01:
            return {"id": lid, "name": level.name.get(language)}
    return None


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _competencies(
    catalog: Catalog, entries: Mapping[str, Any], group: ReferenceGroup, language: str
) -> list[dict[str, Any]]:
    """Each competency of the model with its score, its interval (engine 2: from the
    result; engine 1: a band from the reference group once large enough) and its methods."""
    model = catalog.model.definition
    out = []
    for cid, competency in model.competencies.items():
        entry = entries.get(cid) or {}
        score = _number(entry.get("score"))
        methods = []
        for method in entry.get("methods") or []:
            loaded = catalog.instruments.get(str(method.get("instrument")))
            kind = str(method.get("type", ""))
            excluded = method.get("excluded")
            methods.append(
                {
                    "instrument": method.get("instrument"),
                    "title": loaded.definition.title.get(language)
                    if loaded
                    else method.get("instrument"),
                    "type": kind,
                    "type_label": instrument_type_label(kind),
                    "type_short": instrument_type_short(kind),
                    "weight": method.get("weight"),
                    "effective_weight": _rounded(_number(method.get("effective_weight"))),
                    "score": _rounded(_number(method.get("score"))),
                    "parameters": method.get("parameters"),  # forced choice: design/calibrated
                    "se": _rounded(_number(method.get("se"))),
                    "reliability": _number(method.get("reliability")),
                    "reliability_source": method.get("reliability_source"),
                    "reliability_n": method.get("reliability_n"),
                    "excluded": excluded,
                    "excluded_text": _(
                        "left out: the self-report looks too favourable (impression management)"
                    )
                    if excluded == "impression_management"
                    else None,
                }
            )
        values = [m["score"] for m in methods if m["score"] is not None]
        low, high = _number(entry.get("low")), _number(entry.get("high"))
        band = None
        if score is not None and low is not None and high is not None:
            band = {
                "low": round(low, 1),
                "high": round(high, 1),
                "sem": _rounded(_number(entry.get("se"))),
            }
        elif score is not None and cid in group.sems:
            low, high = score_band(score, group.sems[cid])
            band = {"low": round(low, 1), "high": round(high, 1), "sem": round(group.sems[cid], 2)}
        else:
            low = high = None
        is_measured = entry.get("measured")
        if not isinstance(is_measured, bool):
            is_measured = score is not None
        out.append(
            {
                "id": cid,
                "name": competency.name.get(language),
                "score": _rounded(score),
                "low": band["low"] if band else None,
                "high": band["high"] if band else None,
                "se": _rounded(_number(entry.get("se"))),
                "measured": is_measured,
                # printed from the unrounded values, with the one rounding rule
                "text": interval_text(score, low, high) if score is not None else _("not measured"),
                "level": _level(model, score, language) if score is not None else None,
                "band": band,
                "band_note": None if band else _("not enough data yet"),
                "discrepancy": bool(entry.get("discrepancy")),
                "spread": round(max(values) - min(values), 1) if len(values) > 1 else 0.0,
                "methods": methods,
            }
        )
    return out


def component_name(catalog: Catalog, cid: str, language: str) -> str:
    """The name of a profile component: a competency, or a scale that is part of a profile
    (e.g. the self-report's `sales_orientation`), from the instrument that declares it."""
    model = catalog.model.definition
    if cid in model.competencies:
        return model.competencies[cid].name.get(language)
    return _scale_name(catalog, cid, language)


def component_entry(stored: Mapping[str, Any], cid: str) -> Mapping[str, Any]:
    """A component's stored score with its interval: under `competencies`, or under
    `profile_scales` for a profile's scale (empty when neither has it)."""
    return (
        (stored.get("competencies") or {}).get(cid)
        or (stored.get("profile_scales") or {}).get(cid)
        or {}
    )


def component_minimum(profile: Profile, cid: str) -> float | None:
    """A profile's minimum for a competency or for one of its scales."""
    if cid in profile.minimums:
        return profile.minimums[cid]
    scale = profile.scales.get(cid)
    return None if scale is None else scale.minimum


def _scale_name(catalog: Catalog, sid: str, language: str) -> str:
    """The name of a scale declared by an instrument."""
    for loaded in catalog.instruments.values():
        scale = loaded.definition.scales.get(sid)
        if scale is not None:
            return scale.name.get(language)
    return sid


def _profile_scales(
    catalog: Catalog, stored: Mapping[str, Any], language: str
) -> dict[str, dict[str, Any]]:
    """The stored profile scales (engine 2) as report entries, like competencies."""
    out = {}
    for sid, entry in (stored.get("profile_scales") or {}).items():
        score, low, high = (_number(entry.get(k)) for k in ("score", "low", "high"))
        out[sid] = {
            "id": sid,
            "name": component_name(catalog, sid, language),
            "score": _rounded(score),
            "text": interval_text(score, low, high),
        }
    return out


def _fit(
    catalog: Catalog,
    stored: Mapping[str, Any],
    competencies: Sequence[Mapping[str, Any]],
    language: str,
) -> list[dict[str, Any]]:
    """Fit to each role: the index with its interval, the probability of meeting the role
    (engine 2), the knock-outs, strengths and gaps, and the profile's scales that entered
    the fit (e.g. the outbound orientation in active sales)."""
    model = catalog.model.definition
    scores = {c["id"]: c["score"] for c in competencies}
    scales = _profile_scales(catalog, stored, language)
    by_id = {c["id"]: c for c in competencies} | scales
    out = []
    for pid, profile in model.profiles.items():
        now = profile_fit(pid, profile, scores)
        index = _number((stored.get("fit") or {}).get(pid))
        low = _number((stored.get("fit_low") or {}).get(pid))
        high = _number((stored.get("fit_high") or {}).get(pid))
        chance = _number((stored.get("probabilities") or {}).get(pid))
        knocked = (stored.get("knockouts") or {}).get(pid) or []
        out.append(
            {
                "profile": pid,
                "name": profile.name.get(language),
                "index": _rounded(index),
                "low": _rounded(low),
                "high": _rounded(high),
                "text": interval_text(index, low, high),
                "probability": None if chance is None else round(chance, 3),
                "probability_text": percent(chance),
                "threshold": profile.fit_threshold,
                "qualifies": (stored.get("qualifies") or {}).get(pid),
                "knockouts": [
                    {
                        "competency": cid,
                        "name": component_name(catalog, cid, language),
                        "score": (by_id.get(cid) or {}).get("score"),
                        "text": (by_id.get(cid) or {}).get("text") or "—",
                        "minimum": component_minimum(profile, cid),
                    }
                    for cid in knocked
                ],
                "scales": [
                    {
                        **scales[sid],
                        "weight": component.weight,
                        "target": component.target,
                        "minimum": component.minimum,
                    }
                    for sid, component in profile.scales.items()
                    if sid in scales
                ],
                "strengths": [
                    {"competency": c, "name": _competency_name(model, c, language)}
                    for c in now.strengths
                ],
                "gaps": [
                    {"competency": c, "name": _competency_name(model, c, language)}
                    for c in now.gaps
                ],
            }
        )
    return out


def _differential(stored: Mapping[str, Any]) -> dict[str, Any] | None:
    """Active fit minus passive fit with its interval and what it means in words."""
    found = stored.get("differential")
    if not isinstance(found, dict):
        return None
    value = _number(found.get("value"))
    if value is None:
        return None
    low, high = _number(found.get("low")), _number(found.get("high"))
    if low is not None and low > 0:
        meaning = _("Clearly closer to active sales than to passive sales.")
    elif high is not None and high < 0:
        meaning = _("Clearly closer to passive sales than to active sales.")
    else:
        meaning = _("Not clearly closer to either role: the interval includes zero.")
    return {
        "value": round(value, 1),
        "se": _rounded(_number(found.get("se"))),
        "low": _rounded(low),
        "high": _rounded(high),
        "text": (f"{'+' if points(value) > 0 else ''}{points(value)}")
        + ("" if low is None or high is None else f" ({points(low)}…{points(high)})"),
        "meaning": meaning,
    }


def _decision(
    model: CompetencyModel, snapshot: ScoreSnapshot, stored: Mapping[str, Any], language: str
) -> dict[str, Any]:
    """The outcome with its label, confidence in plain words and, for `uncertain` and
    `invalid`, what would decide it or why it stops."""
    code = stored.get("outcome") or stored.get("recommendation") or snapshot.recommendation
    confidence = stored.get("confidence") or snapshot.confidence
    words = stored.get("confidence_text") or {}
    summary = stored.get("summary") or {}
    knockouts = stored.get("knockouts") or {}
    open_ids = [str(c) for c in stored.get("open_competencies") or []]
    steps = [str(s) for s in stored.get("next_steps") or []]
    reasons = [str(c) for c in stored.get("invalid_reasons") or []]
    if code == "invalid" and not reasons:
        reasons = [c for c in snapshot.flags or [] if c in FLAGS and FLAGS[c].severity == "serious"]
    return {
        "code": code,
        "label": recommendation_label(code),
        "confidence": confidence,
        "confidence_label": confidence_label(confidence),
        "confidence_text": (words.get(language) or words.get("en") or "")
        if isinstance(words, dict)
        else "",
        "summary": summary.get(language) or summary.get("en") or "",
        "cautions": caution_sentences(
            model, stored.get("cautions") or [], language, knockouts=knockouts
        ),
        "caution_codes": [c for c in stored.get("cautions") or [] if isinstance(c, str)],
        "decisive": code in ("active", "passive", "both", "neither"),
        "open_competencies": [
            {"competency": cid, "name": _competency_name(model, cid, language)} for cid in open_ids
        ],
        "next_steps": [{"code": step, "text": next_step_label(step)} for step in steps],
        "invalid_reasons": [
            {
                "code": flag,
                "title": flag_title(flag),
                "text": FLAGS[flag].text(language) if flag in FLAGS else flag,
            }
            for flag in reasons
        ],
    }


def _roles_in_question(model: CompetencyModel, campaign: Campaign) -> list[str]:
    """The roles the campaign decides about: its target role, or both for "either"."""
    target = str(campaign.target_role)
    if target in model.profiles:
        return [target]
    return [r for r in ROLES if r in model.profiles]


def _interview_guide(
    model: CompetencyModel,
    campaign: Campaign,
    competencies: Sequence[Mapping[str, Any]],
    stored: Mapping[str, Any],
    language: str,
) -> list[dict[str, Any]]:
    """Questions for the weak competencies (below a target of the roles in question, or
    knocked out in any role) and the uncertain ones (methods disagree, or no score):
    knock-outs first, then the largest shortfall, then the uncertain."""
    roles = _roles_in_question(model, campaign)
    knockouts = stored.get("knockouts") or {}
    open_ids = {str(c) for c in stored.get("open_competencies") or []}
    entries = []
    for entry in competencies:
        cid, score = entry["id"], entry["score"]
        reasons: list[str] = []
        priority, shortfall = 3, 0.0
        for pid, profile in model.profiles.items():
            minimum = profile.minimums.get(cid)
            if cid in (knockouts.get(pid) or []) and score is not None and minimum is not None:
                priority = 0
                reasons.append(
                    _("Below the minimum for %(role)s: %(score)s, the minimum is %(minimum)s.")
                    % {
                        "role": profile.name.get(language),
                        "score": entry["text"],
                        "minimum": _whole(minimum),
                    }
                )
        for pid in roles:
            profile = model.profiles[pid]
            target = profile.targets.get(cid)
            if score is None or target is None or score >= target:
                continue
            if cid in (knockouts.get(pid) or []):
                continue
            priority = min(priority, 1)
            shortfall = max(shortfall, profile.weights.get(cid, 1.0) * (target - score))
            reasons.append(
                _("Below the target for %(role)s: %(score)s, the target is %(target)s.")
                % {
                    "role": profile.name.get(language),
                    "score": entry["text"],
                    "target": _whole(target),
                }
            )
        if cid in open_ids:
            priority = min(priority, 1)
            reasons.append(
                _(
                    "The decision depends on it: its interval reaches both sides of a role's "
                    "minimum or target."
                )
            )
        if entry["discrepancy"]:
            priority = min(priority, 2)
            reasons.append(
                _("The methods disagree about it by %(points)s points.")
                % {"points": _whole(entry["spread"])}
            )
        if score is None:
            priority = min(priority, 2)
            reasons.append(_("It has no score: there were not enough answers to measure it."))
        if not reasons:
            continue
        competency = model.competencies[cid]
        entries.append(
            (
                priority,
                -shortfall,
                {
                    "competency": cid,
                    "name": competency.name.get(language),
                    "weak": priority < 2,
                    "uncertain": bool(entry["discrepancy"]) or score is None or cid in open_ids,
                    "reasons": reasons,
                    "questions": [
                        {
                            "id": q.id,
                            "text": q.text.get(language),
                            "look_for": q.look_for.get(language),
                        }
                        for q in competency.interview_questions
                    ],
                },
            )
        )
    entries.sort(key=lambda e: (e[0], e[1]))
    return [e[2] for e in entries]


def _development(
    model: CompetencyModel,
    campaign: Campaign,
    scores: Mapping[str, float | None],
    stored_fit: Mapping[str, Any],
    language: str,
) -> dict[str, Any] | None:
    target = str(campaign.target_role)
    roles = [r for r in ROLES if r in model.profiles]
    if not roles:
        return None
    if target in model.profiles:
        role = target
        because = _("The campaign assesses for %(role)s.")
    else:
        role = max(roles, key=lambda r: _number(stored_fit.get(r)) or -1.0)
        because = _(
            "The campaign is open to either role; the plan is for %(role)s, the closer fit."
        )
    name = _profile_name(model, role, language)
    decision = develop_or_hire(model, role, scores)
    blocking = [_competency_name(model, c, language) for c in decision.blocking]
    if decision.status == "fit_now":
        status = _("Fits %(role)s now: no development is needed to start.") % {"role": name}
    elif decision.status == "develop":
        status = _(
            "Can be developed for %(role)s in about %(months)s months "
            "(an expert estimate from the model, not a promise)."
        ) % {"role": name, "months": _months(decision.months or 0.0, language)}
    elif decision.status == "not_a_fit":
        status = _(
            "Development within realistic limits would not reach %(role)s; it cannot close: "
            "%(competencies)s."
        ) % {"role": name, "competencies": ", ".join(blocking) or "—"}
    else:
        status = _("Too few competencies are scored to plan development for %(role)s.") % {
            "role": name
        }
    return {
        "profile": role,
        "name": name,
        "because": because % {"role": name},
        "status": decision.status,
        "status_text": status,
        "fit": None if decision.fit is None else round(decision.fit, 1),
        "projected_fit": None
        if decision.projected_fit is None
        else round(decision.projected_fit, 1),
        "months": decision.months,
        "blocking": list(decision.blocking),
        "steps": [
            {
                "competency": step.competency,
                "name": _competency_name(model, step.competency, language),
                "score": round(step.score, 1),
                "aim": round(step.aim, 1),
                "months": math.ceil(step.months * 2) / 2,
                "activities": [
                    {
                        "id": a.id,
                        "title": a.title.get(language),
                        "description": a.description.get(language),
                        "weeks": a.weeks,
                    }
                    for a in step.activities
                ],
            }
            for step in decision.plan
        ],
    }


def _chart(
    model: CompetencyModel, person: Person, competencies: Sequence[Mapping[str, Any]], language: str
) -> dict[str, Any]:
    axes = [c["name"] for c in competencies]
    series = []
    for pid in (r for r in ROLES if r in model.profiles):
        profile = model.profiles[pid]
        series.append(
            Series(
                _("%(role)s: target") % {"role": profile.name.get(language)},
                [profile.targets.get(c["id"]) for c in competencies],
            )
        )
    series.append(Series(person.full_name, [c["score"] for c in competencies], emphasis=True))
    described = "; ".join(
        f"{c['name']} {_whole(c['score'])}" if c["score"] is not None else f"{c['name']} —"
        for c in competencies
    )
    title = _("%(name)s: competency scores against the targets of the roles") % {
        "name": person.full_name
    }
    svg = radar_svg(
        axes,
        series,
        title=title,
        description=_("Scores (0–100): %(scores)s.") % {"scores": described},
        missing_label=_("no score"),
    )
    return {
        "axes": axes,
        "series": [{"name": s.name, "values": list(s.values)} for s in series],
        "svg": svg,
    }


def _caveats(
    catalog: Catalog,
    snapshot: ScoreSnapshot,
    stored: Mapping[str, Any],
    group: ReferenceGroup,
    language: str,
) -> list[str]:
    out = [
        _(
            "The content of these assessments is expert judgement and has not yet been "
            "validated on your organisation's data."
        )
    ]
    level = _number(stored.get("level"))
    if engine_of(stored) >= 2:
        out.append(
            _(
                "Each score is shown with its %(level)s%% interval, from the reliability of "
                "the methods that measured it; a decision is made only when the interval "
                "clears a role's minimum and threshold."
            )
            % {"level": points(100 * (level or 0.8))}
        )
    elif group.enough:
        out.append(
            _(
                "Score bands come from your organisation's %(count)s completed assessments: "
                "the spread of their scores and how well the methods agree."
            )
            % {"count": group.size}
        )
    else:
        out.append(
            _(
                "Score bands need a reference group of at least %(minimum)s completed "
                "assessments; your organisation has %(count)s so far, so none are shown yet."
            )
            % {"minimum": MIN_REFERENCE_GROUP, "count": group.size}
        )
    if snapshot.provisional:
        out.append(_("This result is provisional."))
        out.extend(pending_sentences(catalog, stored.get("pending") or [], language))
    unanswered = stored.get("unanswered") or []
    if unanswered:
        out.append(
            _("Items left unanswered (a timed section ran out): %(count)s.")
            % {"count": len(unanswered)}
        )
    if engine_of(stored) < 2:
        out.append(
            engine_label(snapshot.model_version)
            + " "
            + _(
                "It has no intervals or probabilities; an administrator can score it again "
                "with the current engine (salesfit rescore)."
            )
        )
    if snapshot.model_version != catalog.model.version:
        out.append(
            _(
                "The model has changed since (now %(version)s); this result keeps the version "
                "that produced it."
            )
            % {"version": catalog.model.version}
        )
    out.append(_("Development times are expert estimates from the model, not a promise."))
    out.append(_("A recommendation supports a decision with its reasons; a person decides."))
    return out


def _resolve(
    session: Session, subject: Person | Invitation
) -> tuple[Person, Invitation, Campaign, ScoreSnapshot]:
    if isinstance(subject, Person):
        person = subject
        done = completed_assessments(session, person)
        if not done:
            raise NotFound(_("This person has no completed assessment yet."))
        invitation, campaign = done[0]
    else:
        invitation = subject
        found = session.get(Person, invitation.person_id)
        loaded = session.get(Campaign, invitation.campaign_id)
        if found is None or loaded is None:
            raise NotFound(_("This assessment no longer exists."))
        person, campaign = found, loaded
        if invitation.completed_at is None or invitation.revoked_at is not None:
            raise NotFound(_("This assessment is not completed."))
    snapshot = latest_result(session, invitation.id or 0)
    if snapshot is None:
        raise NotFound(_("This assessment has no result yet."))
    return person, invitation, campaign, snapshot


def person_report(
    session: Session, catalog: Catalog, subject: Person | Invitation, language: str
) -> dict[str, Any]:
    """Everything the report shows for one completed assessment, as JSON-ready data.

    `subject` is a person (their latest completed assessment) or an invitation (that one).
    Raises NotFound when there is no completed, scored assessment.
    """
    with i18n.language(language):
        return _report(session, catalog, subject, language)


def _report(
    session: Session, catalog: Catalog, subject: Person | Invitation, language: str
) -> dict[str, Any]:
    person, invitation, campaign, snapshot = _resolve(session, subject)
    model = catalog.model.definition
    # the organisation's own instruments (its product test, calibrated versions) by title
    catalog = replace(catalog, instruments=organisation_catalog(session, catalog).instruments)
    stored: dict[str, Any] = snapshot.scores or {}
    group = reference_group(session, model)
    competencies = _competencies(catalog, stored.get("competencies") or {}, group, language)
    scores = {c["id"]: c["score"] for c in competencies}
    team = session.get(Team, person.team_id) if person.team_id is not None else None
    severities = {
        str(f.get("code")): str(f.get("severity") or "caution")
        for f in stored.get("flags") or []
        if isinstance(f, dict)
    }
    flags = []
    for code in snapshot.flags or []:
        severity = severities.get(code) or (FLAGS[code].severity if code in FLAGS else "caution")
        flags.append(
            {
                "code": code,
                "severity": severity,
                "severity_label": severity_label(severity),
                "title": flag_title(code),
                "text": FLAGS[code].text(language) if code in FLAGS else code,
            }
        )
    flags.sort(key=lambda f: f["severity"] != "serious")
    engine = engine_of(stored)
    decision = _decision(model, snapshot, stored, language)
    return {
        "person": {
            "id": person.id,
            "name": person.full_name,
            "kind": str(person.kind),
            "current_role": person.current_role,
            "current_role_name": _profile_name(model, person.current_role, language)
            if person.current_role
            else None,
            "team": team.name if team else None,
        },
        "campaign": {
            "id": campaign.id,
            "name": campaign.name,
            "target_role": str(campaign.target_role),
            "battery": campaign.battery_id,
        },
        "invitation_id": invitation.id,
        "completed_date": invitation.completed_at.date().isoformat()
        if invitation.completed_at
        else None,
        "assessments": [
            {
                "invitation_id": other.id,
                "campaign": other_campaign.name,
                "completed_date": other.completed_at.date().isoformat()
                if other.completed_at
                else None,
                "current": other.id == invitation.id,
            }
            for other, other_campaign in completed_assessments(session, person)
        ],
        "engine": {
            "version": engine,
            "current": engine >= 2,
            "label": None if engine >= 2 else engine_label(snapshot.model_version),
        },
        "level": _number(stored.get("level")),
        "recommendation": decision,
        "differential": _differential(stored),
        "chart": _chart(model, person, competencies, language),
        "competencies": competencies,
        "design_parameters": sorted(
            {
                str(m["title"])
                for c in competencies
                for m in c["methods"]
                if m.get("parameters") == "design"
            }
        ),
        "reference_group": {
            "size": group.size,
            "minimum": MIN_REFERENCE_GROUP,
            "enough": group.enough,
        },
        "fit": _fit(catalog, stored, competencies, language),
        "flags": flags,
        "discrepancies": [c["id"] for c in competencies if c["discrepancy"]],
        "interview": _interview_guide(model, campaign, competencies, stored, language),
        "structured_interview": interviews.report_section(
            catalog, invitation.id or 0, stored, language
        ),
        "development": _development(model, campaign, scores, stored.get("fit") or {}, language),
        "caveats": _caveats(catalog, snapshot, stored, group, language),
        "provisional": snapshot.provisional,
        "versions": {
            "model": snapshot.model_version,
            "current_model": catalog.model.version,
            "model_changed": snapshot.model_version != catalog.model.version,
            "instruments": dict(sorted((snapshot.instrument_versions or {}).items())),
            "titles": {
                iid: catalog.instruments[iid].definition.title.get(language)
                for iid in snapshot.instrument_versions or {}
                if iid in catalog.instruments
            },
            "scored_at": snapshot.created_at.isoformat() if snapshot.created_at else None,
            "snapshot_id": snapshot.id,
        },
    }


# ----------------------------------------------------------------------------- candidates


MIN_SCORED_FOR_FEEDBACK = 3


def candidate_feedback(
    snapshot: ScoreSnapshot, catalog: Catalog, language: str
) -> dict[str, Any] | None:
    """A short, respectful summary for the candidate: 2-3 relative strengths (the highest
    scores) and 1-3 development areas (the lowest), named by competency with a behaviour
    from the model's high level, without numbers, fit or decision. None when fewer than
    three competencies are scored.
    """
    model = catalog.model.definition
    scores = competency_scores(snapshot)
    order = {cid: number for number, cid in enumerate(model.competencies)}
    scored = sorted(
        (
            (score, cid)
            for cid, score in scores.items()
            if score is not None and cid in model.competencies
        ),
        key=lambda pair: (-pair[0], order[pair[1]]),
    )
    count = len(scored)
    if count < MIN_SCORED_FOR_FEEDBACK:
        return None
    strengths_count = 3 if count >= 6 else 2
    areas_count = 2 if count >= 5 else 1
    strengths = [cid for _score, cid in scored[:strengths_count]]
    areas = [cid for _score, cid in reversed(scored[strengths_count:])][:areas_count]

    def described(cid: str) -> dict[str, str]:
        competency = model.competencies[cid]
        high = competency.indicators.get("high") or []
        example = next(
            (t.get(language) for t in high if not any(ch.isdigit() for ch in t.get(language))),
            "",
        )
        return {"competency": cid, "name": competency.name.get(language), "example": example}

    with i18n.language(language):
        return {
            "strengths": [described(cid) for cid in strengths],
            "development": [described(cid) for cid in areas],
            "provisional": snapshot.provisional,
            "caveat": _(
                "This summary compares your results across the areas we looked at; it is not "
                "a verdict and not a hiring decision. It rests on questionnaires that have not "
                "yet been validated, and people at the organisation decide, taking other "
                "information into account as well."
            ),
        }
