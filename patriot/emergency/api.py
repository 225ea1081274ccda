"""PSC 119's API: an incident exported in the EIDO-shaped JSON of emergency/eido.py (PSC roles only, each read
audited with its purpose), with the error answers of every /api/v1 route."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from patriot.accounts.auth import STAFF_AUTH
from patriot.accounts.models import User
from patriot.core.audit import record_access
from patriot.core.choices import PersonalDataChoices
from patriot.core.errors import Forbidden
from patriot.core.schemas import STAFF_READ_ERRORS
from patriot.emergency import eido, queries
from patriot.emergency.events import INCIDENT_SUBJECT

router = Router(tags=["emergency"])


@router.get(
    "/incidents/{incident_id}/eido",
    response={200: dict[str, Any], **STAFF_READ_ERRORS},
    auth=STAFF_AUTH,
    summary="One incident as an EIDO-shaped JSON document (PSC roles)",
)
def incident_eido(request: HttpRequest, incident_id: int, tujuan: str = "") -> dict[str, Any]:
    """The incident with its call, caller, location, triage, ambulances and every interval timestamp; field names
    follow NENA's EIDO (NENA-STA-021.1a-2022) where they fit, `patriot…` fields where EIDO has none. Health data
    under UU PDP: PSC call takers and dispatchers only; the read is logged with `tujuan` (purpose) when given."""
    user: User = request.auth  # type: ignore[attr-defined]
    if user.role not in queries.CALL_ROLES:
        raise Forbidden(_("Hanya petugas PSC 119 yang boleh membaca insiden."), code="forbidden")
    incident = queries.incident(incident_id)
    if incident is None:
        raise Http404(_("Insiden tidak ditemukan."))
    purpose = _("Ekspor EIDO insiden")
    if tujuan.strip():
        purpose = f"{purpose}: {tujuan.strip()}"
    record_access(
        user,
        subject_type=INCIDENT_SUBJECT,
        subject_ids=[incident.pk],
        data=PersonalDataChoices.PATIENT_IDENTITY,
        purpose=purpose,
    )
    return eido.incident_document(incident)
