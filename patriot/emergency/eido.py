"""An incident as JSON in a documented shape whose field names follow NENA's Emergency Incident Data Object
(EIDO, NENA-STA-021.1a-2022) where they fit, for a PSC's other systems (a provincial command centre, an archive).

What follows EIDO: the top level (`$id`, `lastUpdateTimeStamp`, `issuingElementIdentification`, the components),
`incidentComponent` (`incidentTrackingIdentifier`, `internalIncidentId`, `incidentTypeInternalCode`/`Text`,
`incidentPriorityInternalText`, `incidentCommonPriorityNumber` 0–10 with 10 the most urgent,
`incidentStatusInternalText`, `dispositionComponent`), `callComponent` (`callStartTimestamp`, `answerDate`,
`direction`), `callbackComponent` (`callBackInformationUri` as tel: URIs), `locationComponent`
(`locationDescriptionText`), `personComponent` (`personIncidentRoleRegistryText`, `ncPersonComponent.personName`)
and `emergencyResourceComponent` (`emergencyResourceName`, `emergencyResourceTypeInternalText`,
`primaryUnitStatusRegistryText`, `unitStatusInternal`), with `$ref` references between components.

Where EIDO has no field, the export says so by a `patriot` prefix: the point as `patriotPoint` (WGS 84 latitude and
longitude; EIDO carries locations as PIDF-LO XML, which this export does not write), the triage answers
(`patriotTriage`), the interval timestamps (`patriotTimestamps`, ISO 8601 with offset; null when not reached).
Registry values (unit status, person role) use the registries' names as far as this project knows them; they are
not validated against the IANA registries.

The export holds caller and patient data (UU PDP): only PSC roles may read it, and each read is audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from patriot.emergency.choices import (
    AmbulanceStatusChoices,
    ClosureReasonChoices,
    ComplaintChoices,
    IncidentStateChoices,
    TriageLevelChoices,
)
from patriot.emergency.intervals import INCIDENT_TIMES as TIMESTAMPS
from patriot.emergency.models import AmbulanceEntry, Incident

ISSUER = "patriot-psc119"
# EIDO's incidentCommonPriorityNumber runs 0–10, 10 the most urgent.
COMMON_PRIORITY = {
    TriageLevelChoices.P1: 9,
    TriageLevelChoices.P2: 6,
    TriageLevelChoices.P3: 3,
    TriageLevelChoices.P0: 1,
}
UNIT_STATUS = {
    AmbulanceStatusChoices.AVAILABLE: "Available",
    AmbulanceStatusChoices.DISPATCHED: "Dispatched",
    AmbulanceStatusChoices.EN_ROUTE: "Enroute",
    AmbulanceStatusChoices.ON_SCENE: "OnScene",
    AmbulanceStatusChoices.TRANSPORTING: "Transporting",
    AmbulanceStatusChoices.AT_HOSPITAL: "AtDestination",
    AmbulanceStatusChoices.RETURNING: "Returning",
    AmbulanceStatusChoices.OUT_OF_SERVICE: "OutOfService",
}


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _tel(number: str) -> str | None:
    return f"tel:{number}" if number else None


def incident_document(incident: Incident) -> dict[str, Any]:
    """The incident as an EIDO-shaped dictionary (see the module docstring for what follows EIDO and what not)."""
    number = incident.number
    level = incident.level
    updated = max(
        (stamp for stamp in (getattr(incident, field) for field in TIMESTAMPS) if stamp is not None),
        default=incident.created_at,
    )
    location_id, caller_id, call_id = f"location-{number}", f"person-caller-{number}", f"call-{number}"
    resources = _resources(incident)
    dispositions = []
    if incident.closure_reason:
        dispositions.append(
            {
                "dispositionCommonRegistryCode": incident.closure_reason,
                "dispositionPrimaryIndicator": True,
                "dispositionDescriptionText": str(ClosureReasonChoices.label(incident.closure_reason)),
            }
        )
    document: dict[str, Any] = {
        "$id": f"urn:patriot:eido:{number}:{updated.strftime('%Y%m%dT%H%M%S')}",
        "lastUpdateTimeStamp": _time(updated),
        "issuingElementIdentification": ISSUER,
        "incidentComponent": {
            "$id": f"incident-{number}",
            "incidentTrackingIdentifier": f"urn:patriot:incident:{number}",
            "internalIncidentId": number,
            "incidentTypeInternalCode": incident.complaint or None,
            "incidentTypeInternalText": str(ComplaintChoices.label(incident.complaint)) if incident.complaint else None,
            "incidentPriorityInternalText": level.upper() if level else None,
            "incidentCommonPriorityNumber": COMMON_PRIORITY.get(level),
            "incidentStatusInternalText": incident.state,
            "incidentStatusText": str(IncidentStateChoices.label(incident.state)),
            "dispositionComponent": dispositions,
            "locationReference": [{"$ref": location_id}],
            "personReference": [{"$ref": caller_id}],
            "emergencyResourceReference": [{"$ref": resource["$id"]} for resource in resources],
            "patriotPatientCount": incident.patient_count,
            "patriotTriage": {
                "conscious": incident.conscious or None,
                "breathingNormally": incident.breathing_normally or None,
                "severeBleeding": incident.severe_bleeding or None,
                "ageBand": incident.age_band or None,
                "proposedLevel": incident.proposed_level or None,
                "finalLevel": incident.final_level or None,
                "overrideReason": incident.override_reason or None,
            },
            "patriotTimestamps": {field: _time(getattr(incident, field)) for field in TIMESTAMPS},
        },
        "callComponent": [
            {
                "$id": call_id,
                "direction": "incoming",
                "standardPrimaryCallType": "emergency",
                "callStartTimestamp": _time(incident.call_received_at),
                "answerDate": _time(incident.call_answered_at),
                "personReference": [{"$ref": caller_id}],
            }
        ],
        "callbackComponent": [
            {
                "$id": f"callback-{number}",
                "callBackInformationUri": [uri for uri in [_tel(incident.callback_number)] if uri],
            }
        ],
        "locationComponent": [
            {
                "$id": location_id,
                "locationTypeDescriptionRegistryText": "Incident",
                "locationDescriptionText": " — ".join(part for part in (incident.address, incident.landmark) if part)
                or None,
                "patriotPoint": (
                    {"latitude": incident.latitude, "longitude": incident.longitude}
                    if incident.latitude is not None and incident.longitude is not None
                    else None
                ),
                "patriotVillage": incident.village.name if incident.village else None,
                "patriotDistrict": incident.district.name if incident.district else None,
                "patriotInsideCity": incident.inside_city,
            }
        ],
        "personComponent": [
            {
                "$id": caller_id,
                "personIncidentRoleRegistryText": ["Caller"],
                "ncPersonComponent": {"personName": {"personFullName": incident.caller_name or None}},
                "callbackReference": [{"$ref": f"callback-{number}"}],
                "patriotPhone": _tel(incident.caller_number),
            }
        ],
        "emergencyResourceComponent": resources,
    }
    return document


def _resources(incident: Incident) -> list[dict[str, Any]]:
    """One component per ambulance that worked the incident, with its status steps in order."""
    entries = (
        AmbulanceEntry.objects.filter(incident=incident).select_related("ambulance__unit").order_by("created_at", "id")
    )
    by_unit: dict[int, dict[str, Any]] = {}
    for entry in entries:
        ambulance = entry.ambulance
        resource = by_unit.setdefault(
            ambulance.pk,
            {
                "$id": f"resource-{ambulance.unit.code}",
                "emergencyResourceName": ambulance.unit.name,
                "emergencyResourceTypeCommonRegistryText": "Ambulance",
                "emergencyResourceTypeInternalText": ambulance.ambulance_type,
                "primaryUnitStatusRegistryText": None,
                "unitStatusInternal": [],
            },
        )
        resource["unitStatusInternal"].append(
            {"status": entry.to_state, "step": entry.kind, "timeStamp": _time(entry.created_at)}
        )
        resource["primaryUnitStatusRegistryText"] = UNIT_STATUS.get(entry.to_state, entry.to_state)
    return list(by_unit.values())
