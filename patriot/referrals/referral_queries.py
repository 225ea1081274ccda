"""Reads for the referral pages: the referrals a user may see (referrals.access decides who), a hospital's incoming
copies, a facility's sent referrals, Dinkes's list, the POC's escalation count (no patient data). Anyone else sees none: their pages answer 404. A hospital that rejected
or whose copy was withdrawn keeps only the referral's number and its own answer in its list."""

from __future__ import annotations

from django.db.models import QuerySet

from patriot.accounts.models import User
from patriot.referrals.access import visible_referrals
from patriot.referrals.choices import OfferStateChoices, ReferralStateChoices
from patriot.referrals.models import Facility, Referral, ReferralOffer


def find_visible(user: User, pk: int) -> Referral | None:
    return visible_referrals(user).filter(pk=pk).first()


def incoming(facility: Facility) -> QuerySet[ReferralOffer]:
    """A hospital's copies: waiting ones first (oldest first), then the rest of the last ones."""
    return (
        ReferralOffer.objects.filter(facility=facility)
        .select_related("referral__referring_facility__unit")
        .order_by("-state", "-sent_at")
    )


def waiting(facility: Facility) -> list[ReferralOffer]:
    return list(incoming(facility).filter(state=OfferStateChoices.PENDING).order_by("due_at"))


def answered(facility: Facility, limit: int = 50) -> list[ReferralOffer]:
    return list(incoming(facility).exclude(state=OfferStateChoices.PENDING).order_by("-sent_at")[:limit])


def sent_by(facility: Facility, limit: int = 100) -> list[Referral]:
    return list(
        Referral.objects.filter(referring_facility=facility)
        .select_related("accepted_offer__facility__unit")
        .prefetch_related("offers__facility__unit")[:limit]
    )


def all_referrals(state: str = "", limit: int = 200) -> list[Referral]:
    query = Referral.objects.select_related("referring_facility__unit", "accepted_offer__facility__unit")
    if state:
        query = query.filter(state=state)
    return list(query[:limit])


def by_nik_digest(user: User, digest: str) -> list[Referral]:
    return list(visible_referrals(user).filter(nik_digest=digest)[:50])


def escalated_count() -> int:
    """Hospital copies still unanswered after their escalation: a count only (the POC's dashboard)."""
    return ReferralOffer.objects.filter(
        state=OfferStateChoices.PENDING,
        escalated_at__isnull=False,
        referral__state=ReferralStateChoices.REQUESTED,
    ).count()
