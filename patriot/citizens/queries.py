"""Reads for citizens' pages: their cases, notifications, the SOROT channel rule and their personal data (UU PDP)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.cases.choices import CaseStateChoices, ChannelChoices, TimelineKindChoices
from patriot.cases.models import Case, ReporterDataAccess
from patriot.cases.presenters import actor_display, step_label
from patriot.citizens.models import CitizenProfile, Notification


def profile_of(user: User) -> CitizenProfile | None:
    if not user.is_authenticated or user.role != RoleChoices.CITIZEN:
        return None
    return CitizenProfile.objects.filter(user=user).first()


def is_verified_citizen(user: User | None) -> bool:
    """Email and phone both proven: this citizen's reports are SOROT."""
    if user is None or not user.is_authenticated:
        return False
    profile = profile_of(user)
    return profile is not None and profile.is_verified


def report_channel(user: User | None) -> str:
    """SOROT for a verified citizen, POT for everyone else (an unverified account still files, as POT)."""
    return ChannelChoices.SOROT if is_verified_citizen(user) else ChannelChoices.POT


def my_cases(user: User) -> QuerySet[Case]:
    return (
        Case.objects.filter(reporter=user)
        .select_related("category", "village", "district", "agency")
        .order_by("-created_at", "-id")
    )


def notifications_of(user: User) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(user=user)
        .select_related("case", "case__category", "entry")
        .order_by("-created_at", "-id")
    )


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def unread_by_case(user: User) -> dict[int, int]:
    counts: dict[int, int] = {}
    for case_id in Notification.objects.filter(user=user, read_at__isnull=True).values_list("case_id", flat=True):
        counts[case_id] = counts.get(case_id, 0) + 1
    return counts


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def personal_data(user: User) -> dict[str, Any]:
    """Everything Patriot holds about a citizen and how it was processed, as JSON-ready data.

    Staff reads of their reporter data name the reader's role and agency, never the person.
    """
    profile = CitizenProfile.objects.filter(user=user).first()
    cases = list(my_cases(user).prefetch_related("timeline"))
    accesses = (
        ReporterDataAccess.objects.filter(case__reporter=user)
        .select_related("case", "user__agency")
        .order_by("created_at", "id")
    )
    return {
        "generated_at": timezone.now().isoformat(),
        "account": {
            "username": user.username,
            "name": user.get_full_name(),
            "email": user.email,
            "phone": user.phone,
            "role": user.role,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "profile": {
            "email_verified_at": _iso(profile.email_verified_at),
            "phone_verified_at": _iso(profile.phone_verified_at),
            "notify_email": profile.notify_email,
            "notify_sms": profile.notify_sms,
            "language": profile.language,
            "registered_at": _iso(profile.created_at),
        }
        if profile
        else None,
        "cases": [
            {
                "tracking_number": case.tracking_number,
                "channel": case.channel,
                "category": case.category.code,
                "title": case.title,
                "description": case.description,
                "attributes": case.attributes,
                "latitude": case.latitude,
                "longitude": case.longitude,
                "address": case.address,
                "village": case.village.name,
                "district": case.district.name,
                "reporter_name": case.reporter_name,
                "reporter_phone": case.reporter_phone,
                "reporter_email": case.reporter_email,
                "is_anonymous": case.is_anonymous,
                "is_confidential": case.is_confidential,
                "state": case.state,
                "state_label": CaseStateChoices.label(case.state),
                "agency": case.agency.short_name if case.agency else None,
                "created_at": _iso(case.created_at),
                "updated_at": _iso(case.updated_at),
                "closed_at": _iso(case.closed_at),
                "timeline": [
                    {
                        "kind": entry.kind,
                        "label": step_label(entry),
                        "actor": actor_display(entry.actor_label),
                        "from_state": entry.from_state,
                        "to_state": entry.to_state,
                        "note": entry.public_note,
                        "at": _iso(entry.created_at),
                    }
                    for entry in case.timeline.all()
                    if entry.is_public
                ],
            }
            for case in cases
        ],
        "notifications": [
            {
                "case": notification.case.tracking_number,
                "about": TimelineKindChoices.label(notification.entry.kind),
                "created_at": _iso(notification.created_at),
                "read_at": _iso(notification.read_at),
                "deliveries": [
                    {
                        "channel": delivery.channel,
                        "status": delivery.status,
                        "attempts": delivery.attempts,
                        "sent_at": _iso(delivery.sent_at),
                    }
                    for delivery in notification.deliveries.all()
                ],
            }
            for notification in notifications_of(user).prefetch_related("deliveries")
        ],
        "reporter_data_reads": [
            {
                "case": access.case.tracking_number,
                "at": _iso(access.created_at),
                "role": RoleChoices.label(access.user.role),
                "agency": access.user.agency.short_name if access.user.agency else None,
                "purpose": access.purpose,
            }
            for access in accesses
        ],
    }
