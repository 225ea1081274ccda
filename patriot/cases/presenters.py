"""What each audience may see of a case: the public, the reporter through their private link, and staff."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from patriot.accounts.actors import actor_display
from patriot.accounts.models import User
from patriot.cases.choices import CaseStateChoices, TimelineKindChoices
from patriot.cases.models import Attachment, Case, ReporterDataAccess, TimelineEntry
from patriot.cases.permissions import may
from patriot.cases.queries import duplicate_candidates, reporter_shown, visible_cases
from patriot.cases.services import allowed_actions


def _area(area: Any) -> dict[str, str]:
    return {"code": area.code, "name": area.name}


def _photo(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "kind": attachment.kind,
        "url": reverse("api-v1:attachment_file", kwargs={"attachment_id": attachment.pk}),
        "width": attachment.width,
        "height": attachment.height,
    }


def step_label(entry: TimelineEntry) -> str:
    """What a timeline step says to everyone, e.g. "Diteruskan ke DBMSDA": where a case went, never why."""
    agency = entry.data.get("agency_name")
    if agency and entry.kind == TimelineKindChoices.DISPATCHED:
        return _("Didisposisikan ke %(agency)s") % {"agency": agency}
    if agency and entry.kind == TimelineKindChoices.FORWARDED:
        return _("Diteruskan ke %(agency)s") % {"agency": agency}
    return TimelineKindChoices.label(entry.kind)


def _timeline(case: Case, *, include_internal: bool) -> list[dict[str, Any]]:
    entries = case.timeline.all()
    if not include_internal:
        entries = entries.filter(is_public=True)
    return [
        {
            "kind": entry.kind,
            "label": step_label(entry),
            "actor": actor_display(entry.actor_label),
            "at": entry.created_at,
            "from_state": entry.from_state,
            "to_state": entry.to_state,
            # Staff-to-staff notes (a forward's reason, an assignment's note) never leave the staff views.
            "note": entry.note if include_internal else entry.public_note,
            "data": entry.data if include_internal else {},
        }
        for entry in entries
    ]


def _number(value: Any) -> str:
    """3.0 → "3", 2.5 → "2,5" or "2.5" in the reader's language."""
    from django.utils.formats import number_format

    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(number_format(value))


def attribute_answers(case: Case) -> list[dict[str, str]]:
    """The category's extra questions and the reporter's answers, by their labels in the reader's language (never
    the stored codes): [{"code", "label", "answer"}], in the category's order; answers to questions the category no
    longer asks come last, as stored."""
    english = translation.get_language_info(translation.get_language() or "id")["code"].startswith("en")

    def pick(item: dict[str, Any], name: str) -> str:
        return str((item.get(f"{name}_en") if english else None) or item.get(name) or "")

    stored = dict(case.attributes or {})
    answers: list[dict[str, str]] = []
    for definition in case.category.attributes or []:
        code = definition.get("code")
        if code not in stored or stored[code] in (None, "", []):
            continue
        value = stored.pop(code)
        names = {
            str(choice.get("key")): pick(choice, "name") or str(choice.get("key"))
            for choice in definition.get("values", [])
        }
        if isinstance(value, list):
            answer = ", ".join(names.get(str(item), str(item)) for item in value)
        elif names:
            answer = names.get(str(value), str(value))
        elif definition.get("datatype") == "number" and isinstance(value, int | float):
            answer = _number(value)
        else:
            answer = str(value)
        if definition.get("unit") and definition.get("datatype") == "number":
            answer = f"{answer} {definition['unit']}"
        answers.append({"code": str(code), "label": pick(definition, "label") or str(code), "answer": answer})
    for code, value in stored.items():
        answer = ", ".join(str(item) for item in value) if isinstance(value, list) else str(value)
        answers.append({"code": str(code), "label": str(code).replace("_", " ").capitalize(), "answer": answer})
    return answers


CLOCK_SLACK = timedelta(minutes=15)


def with_proof_checks(case: Case, photos: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Staff only: each proof photo with what its camera said (taken_at, distance_m, both None when it did not say)
    and its flags — "far" (farther than PATRIOT_PROOF_MAX_DISTANCE_M from the case), "old" (taken more than
    PATRIOT_PROOF_MAX_AGE_HOURS before its upload, or before the case was reported)."""
    proofs = {
        row["pk"]: row
        for row in Attachment.objects.filter(case=case, kind="proof_photo").values(
            "pk", "taken_at", "distance_m", "created_at"
        )
    }
    max_age = timedelta(hours=settings.PATRIOT_PROOF_MAX_AGE_HOURS)
    result = []
    for photo in photos:
        row = proofs.get(photo["id"])
        if row is None:
            result.append(photo)
            continue
        flags = []
        if row["distance_m"] is not None and row["distance_m"] > settings.PATRIOT_PROOF_MAX_DISTANCE_M:
            flags.append("far")
        taken = row["taken_at"]
        # Before the report came in means before the thing to fix was reported (camera clocks drift a little).
        if taken is not None and (taken < row["created_at"] - max_age or taken < case.created_at - CLOCK_SLACK):
            flags.append("old")
        distance = row["distance_m"]
        proof = {
            "taken_at": taken,
            "distance_m": distance,
            "distance_km": None if distance is None else distance / 1000,
            "flags": flags,
        }
        result.append({**photo, "proof": proof})
    return result


def photos_are_public(case: Case) -> bool:
    """A citizen's photos reach the public once the POC has verified the case (PATRIOT_PUBLIC_PHOTOS_AFTER_VERIFY);
    a rejected case's never do."""
    if case.state == CaseStateChoices.REJECTED:
        return False
    return case.verified_at is not None or not settings.PATRIOT_PUBLIC_PHOTOS_AFTER_VERIFY


def public_case(case: Case) -> dict[str, Any]:
    """The public-safe view: no reporter data, no internal notes, no internal timeline data; photos only once
    public, and of a rejected report only its state and reason (its text and photos may be why it was refused)."""
    view = _case_view(case)
    if not photos_are_public(case):
        view["photos"] = []
    if case.state == CaseStateChoices.REJECTED:
        view.update(title=case.category.label, description=None, attributes={})
    return view


def _case_view(case: Case) -> dict[str, Any]:
    """Everything the public view may show, before what the public may not see of this case is taken out."""
    agency = case.agency
    return {
        "tracking_number": case.tracking_number,
        "channel": case.channel,
        "category": {
            "code": case.category.code,
            "name": case.category.name,
            "name_en": case.category.name_en,
            "group": case.category.group,
        },
        # What every page heads the case with (Case.headline): the category's name in the reader's language for a
        # report filed without a title, a title someone wrote as written.
        "title": case.headline,
        "description": case.description,
        "attributes": case.attributes,
        "state": case.state,
        "state_label": CaseStateChoices.label(case.state),
        "priority": case.priority,
        "latitude": case.latitude,
        "longitude": case.longitude,
        "address": case.address,
        "village": _area(case.village),
        "district": _area(case.district),
        "agency": {"code": agency.code, "short_name": agency.short_name, "name": agency.name} if agency else None,
        "sla_status": case.sla_status,
        "due_at": case.due_at,
        "dispute_until": case.dispute_until,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "resolved_at": case.resolved_at,
        "closed_at": case.closed_at,
        "rejection_reason": case.rejection_reason,
        "resolution_note": case.resolution_note,
        "photos": [_photo(a) for a in case.attachments.all()],
        "timeline": _timeline(case, include_internal=False),
    }


def reporter_case(case: Case) -> dict[str, Any]:
    """The reporter's own view through the private link."""
    return {
        **_case_view(case),
        "is_anonymous": case.is_anonymous,
        "is_confidential": case.is_confidential,
        "reporter": {
            "name": case.reporter_name,
            "phone": case.reporter_phone,
            "email": case.reporter_email,
            "account": None,
        },
        "allowed_actions": [
            a for a in allowed_actions(case) if a in {"confirm", "dispute", "comment", "add_photos", "rate"}
        ],
    }


def may_see_reporter(user: User, case: Case) -> bool:
    """Whether `user` may be shown this case's reporter: the rule of queries.reporter_shown, for one case."""
    if user.sees_reporter_identity or not case.is_anonymous:
        return True
    return Case.objects.filter(reporter_shown(user), pk=case.pk).exists()


def log_reporter_reads(case_ids: list[int], user: User, *, purpose: str) -> None:
    """Record that `user` was shown the reporters of these cases (UU PDP: every read is auditable)."""
    if case_ids:
        ReporterDataAccess.objects.bulk_create(
            [ReporterDataAccess(case_id=pk, user=user, purpose=purpose[:200]) for pk in case_ids]
        )


def staff_case(case: Case, user: User, *, purpose: str) -> dict[str, Any]:
    """The full view for staff who may see the case. Showing reporter data is logged (UU PDP)."""
    reporter = None
    if may_see_reporter(user, case) and (
        case.reporter_name or case.reporter_phone or case.reporter_email or case.reporter_id
    ):
        reporter = {
            "name": case.reporter_name,
            "phone": case.reporter_phone,
            "email": case.reporter_email,
            "account": case.reporter.username if case.reporter else None,
        }
        log_reporter_reads([case.pk], user, purpose=purpose)
    team = case.team
    return {
        **_case_view(case),
        # A citizen reading their own case through the API sees what their private page shows, no internal notes.
        "timeline": _timeline(case, include_internal=user.is_staff_role),
        "id": case.pk,
        "is_anonymous": case.is_anonymous,
        "is_confidential": case.is_confidential,
        "reporter": reporter,
        "team": {"code": team.code, "name": team.name} if team else None,
        "duplicate_of": case.duplicate_of.tracking_number if case.duplicate_of else None,
        "h3_cell": case.h3_cell,
        "h3_cell_coarse": case.h3_cell_coarse,
        "due_soon_at": case.due_soon_at,
        "escalated_at": case.escalated_at,
        "verified_at": case.verified_at,
        "dispatched_at": case.dispatched_at,
        "assigned_at": case.assigned_at,
        "started_at": case.started_at,
        "allowed_actions": [a for a in allowed_actions(case) if may(user, a, case)],
        "duplicate_suggestions": duplicate_suggestions(case, user) if case.state == CaseStateChoices.SUBMITTED else [],
    }


def duplicate_suggestions(case: Case, user: User) -> list[dict[str, Any]]:
    """Possible duplicates the viewer may see, offered while the case waits for verification."""
    candidates = duplicate_candidates(case)
    visible = set(visible_cases(user).filter(pk__in=[c.case.pk for c in candidates]).values_list("pk", flat=True))
    return [
        {
            "tracking_number": c.case.tracking_number,
            "title": c.case.headline,  # the title in the reader's language (Case.headline)
            "headline": c.case.headline,  # what the page template reads
            "state": c.case.state,
            "distance_metres": c.distance_metres,
            "created_at": c.case.created_at,
        }
        for c in candidates
        if c.case.pk in visible
    ]


def case_list_item(case: Case) -> dict[str, Any]:
    return {
        "tracking_number": case.tracking_number,
        "channel": case.channel,
        "category": case.category.code,
        "title": case.headline,
        "state": case.state,
        "priority": case.priority,
        "village": _area(case.village),
        "district": _area(case.district),
        "agency": case.agency.code if case.agency else None,
        "team": case.team.code if case.team else None,
        "sla_status": case.sla_status,
        "due_at": case.due_at,
        "created_at": case.created_at,
        "latitude": case.latitude,
        "longitude": case.longitude,
    }
