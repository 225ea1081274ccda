"""Inter-facility transfers (issue 12 item 7): a referring facility that sends its patient by an ambulance of SPGDT
asks PSC 119 for one, and the PSC's board gets an incident like a new 119 call.

referrals asks through core.registry (TransferRequest; emergency never imports referrals, nor referrals emergency):
`request_transfer` opens the incident, inside the referral step's transaction, at the referring facility's point,
going to the accepting hospital, at the level emergency.triage.transfer_level reads from the referral's urgency and
vital signs. One incident per referral (Incident.referral is one-to-one): a second request returns the first.

`readable_referrals` answers referrals.access for PSC roles: they read the referral of a transfer incident (the
patient they transport), and no other."""

from __future__ import annotations

from collections.abc import Collection

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from patriot.accounts.choices import UnitKindChoices
from patriot.accounts.models import OrganisationUnit
from patriot.core import clock
from patriot.core.registry import TransferRequest
from patriot.emergency import triage
from patriot.emergency.choices import AgeBandChoices, ComplaintChoices
from patriot.emergency.choices import IncidentStateChoices as State
from patriot.emergency.events import PSC_ROLES
from patriot.emergency.models import Incident, IncidentEntry
from patriot.emergency.services.incidents import incident_event
from patriot.events.audience import Viewer
from patriot.geo import lookup

TRANSFER_REQUESTED = "transfer_requested"


def age_band(age_years: int | None) -> str:
    if age_years is None:
        return AgeBandChoices.UNKNOWN
    if age_years < 1:
        return AgeBandChoices.INFANT
    if age_years < 15:
        return AgeBandChoices.CHILD
    if age_years < 65:
        return AgeBandChoices.ADULT
    return AgeBandChoices.ELDERLY


def _psc_id() -> int | None:
    """The PSC 119 that takes the city's transfers: the active PSC centre (the first, should there be several)."""
    return (
        OrganisationUnit.objects.filter(kind=UnitKindChoices.PSC_CENTRE, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


def request_transfer(request: TransferRequest) -> Incident:
    """Open the transfer incident of a referral, or return the one already opened."""
    existing = Incident.objects.filter(referral_id=request.referral_id).first()
    if existing is not None:
        return existing
    has_point = request.latitude is not None and request.longitude is not None
    place = lookup.place(request.latitude, request.longitude) if has_point else None  # type: ignore[arg-type]
    level = triage.transfer_level(
        triage.TransferSigns(
            urgency=request.urgency,
            gcs=request.gcs,
            systolic=request.systolic,
            spo2=request.spo2,
            respiratory_rate=request.respiratory_rate,
        )
    )
    now = clock.now()
    try:
        with transaction.atomic():
            incident = Incident.objects.create(
                state=State.OPEN,
                # Who asked for the ambulance: the referring facility's staff member. There is no 119 call: no call
                # answered (the report counts no answer interval), and no call taker until a PSC user first acts on
                # it (services.incidents.claim_call).
                requested_by_id=request.requested_by_id,
                call_taker=None,
                psc_id=_psc_id(),
                latitude=place.latitude if place else None,
                longitude=place.longitude if place else None,
                village_id=place.village_id if place else None,
                district_id=place.district_id if place else None,
                inside_city=place.village_id is not None if place else True,
                address=request.origin_name[:300],
                complaint=ComplaintChoices.INTER_FACILITY_TRANSFER,
                age_band=age_band(request.age_years),
                proposed_level=level,
                final_level=level,
                call_received_at=now,
                created_at=now,
                referral_id=request.referral_id,
                destination_id=request.destination_unit_id,
            )
            IncidentEntry.objects.create(
                incident=incident,
                kind=TRANSFER_REQUESTED,
                actor_id=request.requested_by_id,
                to_state=State.OPEN,
                note=_("Ambulans diminta untuk rujukan %(number)s.") % {"number": request.referral_number},
                data={"referral": request.referral_id, "proposed_level": level, "final_level": level},
                is_public=False,
                created_at=now,
            )
            # The board re-reads on this event, as for a new 119 call: ids, state, level and complaint only.
            incident_event(incident, "created", now, transfer=True)
    except IntegrityError:
        # Two requests of one referral raced: the first one opened the incident.
        return Incident.objects.get(referral_id=request.referral_id)
    return incident


def readable_referrals(user: Viewer, referral_ids: Collection[int]) -> dict[int, str]:
    """Of `referral_ids`, those a PSC role reads because a transfer incident carries them, with the purpose."""
    if user.role not in PSC_ROLES or not referral_ids:
        return {}
    linked = Incident.objects.filter(referral_id__in=list(referral_ids)).values_list("referral_id", flat=True)
    purpose = _("Transportasi pasien rujukan (PSC 119)")
    return {referral_id: purpose for referral_id in linked if referral_id is not None}
