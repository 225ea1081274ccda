"""The receiving hospital opened its copy of a referral for the first time (its staff on the referral's page, or its
system reading the referral's FHIR Bundle): stamped on the copy (ReferralOffer.opened_at) and written on the
timeline ("Diterima/dibuka oleh rumah sakit"), once. From then until the answer, the FHIR Task reads "received"."""

from __future__ import annotations

from django.db import transaction

from patriot.accounts.models import User
from patriot.core import clock
from patriot.referrals.choices import OfferStateChoices
from patriot.referrals.choices import ReferralEntryKindChoices as Kind
from patriot.referrals.models import Facility, Referral, ReferralOffer
from patriot.referrals.services.referrals import _log, facility_of


def _stamp(referral: Referral, offer: ReferralOffer, user: User | None, facility: Facility | None, note: str) -> bool:
    now = clock.now()
    with transaction.atomic():
        # One conditional UPDATE: two tabs opening at once stamp (and log) it once.
        stamped = ReferralOffer.objects.filter(
            pk=offer.pk, state=OfferStateChoices.PENDING, opened_at__isnull=True
        ).update(opened_at=now, opened_by=user)
        if not stamped:
            return False
        offer.opened_at, offer.opened_by = now, user
        _log(
            referral,
            kind=Kind.OPENED,
            at=now,
            user=user,
            facility=facility,
            concerns=offer.facility,
            note=note,
            data={"offer": offer.pk, "hospital": offer.facility.unit.name},
        )
    return True


def record_opened(user: User, referral: Referral) -> bool:
    """Stamp `user`'s hospital's copy as opened if it is waiting for its answer and was not opened yet; True when
    this call stamped it. Anyone else (the referrer, Dinkes, another hospital) opening the referral changes nothing."""
    facility = facility_of(user)
    if facility is None or facility.pk == referral.referring_facility_id:
        return False
    offer = (
        referral.offers.select_related("facility__unit")
        .filter(facility=facility, state=OfferStateChoices.PENDING, opened_at__isnull=True)
        .first()
    )
    if offer is None:
        return False
    return _stamp(referral, offer, user, facility, "")


def record_opened_by_import(referral: Referral, offer: ReferralOffer, note: str) -> bool:
    """A referral imported from a Bundle whose Task was already "received": its copy is stamped as opened, by the
    system (the importer is the referrer, not the hospital), with `note` saying so."""
    return _stamp(referral, offer, None, None, note)
