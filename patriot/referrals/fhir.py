"""FHIR R4 exchange of referrals (issue 12 item 9): `export_bundle` writes a referral as a Bundle of type
"collection" (a self-contained set of resources that a receiver reads; Patriot is not a FHIR server, so no
"transaction" semantics are promised), `task` its Task alone, `import_bundle` reads such a Bundle back: into a new
referral through referrals.services (create_referral, then send when the Task is "requested" with an owner), or,
when it names an existing referral by our number, into nothing (conditional create, below).

Validation: fhir.resources 7.x, subpackage `R4B` (R4B is R4 for every resource used here: Patient, Practitioner,
Organization, ServiceRequest, Observation, Task, Bundle). fhir.resources 6.2.2, the last release with R4 (4.0.1) at
the top level (6.4 and 6.5 carry R4B there), needs pydantic 1 and does not import beside django-ninja's pydantic 2;
the Bundles of issue 12's check were validated with it in a separate environment too. 7.x's R4B models run on
pydantic 2's bundled `pydantic.v1` (hence parse_obj and pydantic.v1.ValidationError).

Resources and codes:
- Patient: identifier NIK (system SATUSEHAT's https://fhir.kemkes.go.id/id/nik), BPJS card number, name, birthDate,
  gender, telecom = the relative's phone. For a hospital still asked to accept (referrals.access): gender, the age
  (extension urn:patriot:age-years), the NIK's last 4 digits (urn:patriot:nik-last4), meta.security REDACTED.
- Practitioner: the referring doctor (name only). Organization: referring and receiving facility (identifier
  urn:patriot:facility = the unit's code).
- ServiceRequest: intent "order", priority from urgency (emergency→stat, urgent→urgent, routine→routine),
  reasonCode ICD-10 (http://hl7.org/fhir/sid/icd-10, main diagnosis first), note = the reason written, code = bed
  type, category = service / maternal / neonatal / primary-care acknowledged (urn:patriot:* systems).
- Observation (category vital-signs, UCUM units): 8867-4 pulse, 9279-1 respiratory rate, 8310-5 temperature,
  59408-5 SpO2, 85354-9 blood pressure panel (components 8480-6 / 8462-4), 9269-2 GCS total, and 67775-7 level
  of responsiveness (AVPU, urn:patriot:avpu).
- Task: status from ReferralStateChoices.FHIR_STATUS, statusReason for a rejection, focus → ServiceRequest,
  owner → receiving Organization (the accepted hospital, else the newest copy), requester → referring Organization.

Task "received": the owner hospital opened its copy (its staff on the referral's page or its system reading the
Bundle, referrals.services.opened) and has not answered yet; before that a copy waiting for its answer is
"requested"; draft referrals give "draft". Import creates a draft (Task "draft"), a referral sent to the owner (Task
"requested"), or one sent and stamped as opened by the owner (Task "received"; the timeline says it came so from the
Bundle); any other status is refused (400, code "unsupported_task_status"): later states are reached through the
pages/services, not by import (a Bundle naming an existing referral is not refused for its status: conditional
create, below).

Conditional create (FHIR R4 "conditional create", If-None-Exist by identifier): the ServiceRequest's and Task's
identifier in our system (REFERRAL_SYSTEM, value the referral's number RJK-NNNNNN; or an If-None-Exist header
`identifier=urn:patriot:referral|RJK-NNNNNN`) names a referral. If it exists and the importer may read it
(referrals.access: referring facility, a hospital it was sent to as the reading rules allow, Dinkes), nothing is
created or changed, whatever the Task's status: the API answers 200 with that referral's Bundle as the importer reads
it (the 201's shape and Location), so a retried import creates no duplicate and export → import → export is equal in
every state, ids included. If the Bundle's patient identity or clinical content (Patient identifiers, name, birth
date, sex, telecom; ServiceRequest priority, reasonCode, code, category, note; Observation values; compared with the
stored referral exported as the importer reads it, so a masked reader's masked Bundle matches) differs: 409, code
"referral_conflict", nothing overwritten. A number naming no referral, or one the importer may not read, goes on as
any Bundle (created from draft/requested/received, else the 400 above), so the answer never tells whether a referral
the importer may not read exists.

A Bundle from the referring facility's own system (its SIMRS) names the referral by that system's identifier on the
ServiceRequest (any system but ours; or an If-None-Exist header `identifier=<system>|<value>`). The first such
identifier is kept with the referral (Referral.source_system, source_identifier; once per referring facility) and
exported after ours, so that facility's Bundle imported again, or twice at once, is the same referral: 200 with it,
or the 409 above. Another facility's identical number names nothing of theirs.

Resource ids are UUIDs derived from the referral's number, so two exports of one referral are equal. A Bundle from
another system (no identifier of ours) imports into a new referral whose export differs from it only in those ids,
the identifier RJK-number and Task.authoredOn/lastModified."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from pydantic.v1 import ValidationError as PydanticValidationError

from patriot.accounts.models import User
from patriot.core.errors import DomainError, Forbidden, InvalidInput
from patriot.referrals import access, icd10, services
from patriot.referrals.choices import (
    ConsciousnessChoices,
    ReferralStateChoices,
    RejectReasonChoices,
    UrgencyChoices,
)
from patriot.referrals.models import Facility, Referral, ReferralOffer
from patriot.referrals.services import opened

NIK_SYSTEM = "https://fhir.kemkes.go.id/id/nik"
BPJS_SYSTEM = "urn:patriot:bpjs"
# A Patient shown without identity: the NIK's last 4 digits, the age in years, and HL7's "redacted" security label.
NIK_LAST4_SYSTEM = "urn:patriot:nik-last4"
AGE_EXTENSION = "urn:patriot:age-years"
SECURITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
FACILITY_SYSTEM = "urn:patriot:facility"
REFERRAL_SYSTEM = "urn:patriot:referral"
# The longest identifier of another system kept (Referral.source_system, source_identifier).
SOURCE_SYSTEM_MAX, SOURCE_VALUE_MAX = 200, 100
NUMBER = re.compile(r"RJK-(\d{6,})")
ICD10_SYSTEM = "http://hl7.org/fhir/sid/icd-10"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
BED_TYPE_SYSTEM = "urn:patriot:bed-type"
CATEGORY_SYSTEM = "urn:patriot:referral-category"
AVPU_SYSTEM = "urn:patriot:avpu"
REJECT_SYSTEM = "urn:patriot:reject-reason"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
FHIR_JSON = "application/fhir+json"
NAMESPACE = uuid.UUID("6f1c6d0e-5b0e-4a53-9a40-0e6c1d7b7a11")
ALLOWED = ("Patient", "Practitioner", "Organization", "ServiceRequest", "Observation", "Task")
# The Task statuses a Bundle may carry into Patriot: not yet answered by the receiving hospital.
IMPORTABLE_STATUSES = ("draft", "requested", "received")

# field, LOINC code, display, UCUM unit
VITALS = (
    ("pulse", "8867-4", "Heart rate", "/min"),
    ("respiratory_rate", "9279-1", "Respiratory rate", "/min"),
    ("temperature", "8310-5", "Body temperature", "Cel"),
    ("spo2", "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%"),
    ("gcs", "9269-2", "Glasgow coma score total", "{score}"),
)
BP_PANEL, SYSTOLIC, DIASTOLIC, AVPU = "85354-9", "8480-6", "8462-4", "67775-7"
PRIORITY_TO_URGENCY = {value: key for key, value in UrgencyChoices.FHIR_PRIORITY.items()}


def _id(referral: Referral, kind: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{referral.number}/{kind}"))


def _ref(referral: Referral, kind: str) -> dict[str, str]:
    return {"reference": f"urn:uuid:{_id(referral, kind)}"}


def _organization(referral: Referral, facility: Facility, kind: str) -> dict[str, Any]:
    return {
        "resourceType": "Organization",
        "id": _id(referral, kind),
        "identifier": [{"system": FACILITY_SYSTEM, "value": facility.unit.code}],
        "name": facility.unit.name,
    }


def _receiving_offer(referral: Referral, viewer: Facility | None = None) -> ReferralOffer | None:
    """The accepted hospital's copy; else, for a hospital reading its own copy, that one (a hospital asked in
    parallel never learns which others were asked); else the newest copy."""
    if referral.accepted_offer_id:
        return referral.accepted_offer
    offers = referral.offers.select_related("facility__unit").order_by("-sent_at", "-id")
    own = offers.filter(facility=viewer).first() if viewer is not None else None
    return own or offers.first()


def _quantity(value: Any, unit: str) -> dict[str, Any]:
    number: Any = float(value) if isinstance(value, Decimal) else value
    return {"value": number, "unit": unit, "system": UCUM, "code": unit}


def _observation(referral: Referral, code: str, display: str, **value: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": _id(referral, f"obs-{code}"),
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "vital-signs"}]}],
        "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
        "subject": _ref(referral, "patient"),
        "effectiveDateTime": referral.created_at.isoformat(),
        **value,
    }


def observations(referral: Referral) -> list[dict[str, Any]]:
    found = []
    for field, code, display, unit in VITALS:
        value = getattr(referral, field)
        if value is not None:
            found.append(_observation(referral, code, display, valueQuantity=_quantity(value, unit)))
    if referral.systolic is not None and referral.diastolic is not None:
        components = [
            {
                "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
                "valueQuantity": _quantity(value, "mm[Hg]"),
            }
            for code, display, value in (
                (SYSTOLIC, "Systolic blood pressure", referral.systolic),
                (DIASTOLIC, "Diastolic blood pressure", referral.diastolic),
            )
        ]
        found.append(_observation(referral, BP_PANEL, "Blood pressure panel", component=components))
    found.append(
        _observation(
            referral,
            AVPU,
            "Level of responsiveness",
            valueCodeableConcept={
                "coding": [
                    {
                        "system": AVPU_SYSTEM,
                        "code": referral.consciousness,
                        "display": str(ConsciousnessChoices.label(referral.consciousness)),
                    }
                ]
            },
        )
    )
    return found


def task(referral: Referral, viewer: Facility | None = None) -> dict[str, Any]:
    """The referral's Task: its status (requested / received / accepted / rejected / in-progress / completed /
    cancelled),
    the rejection's reason, the ServiceRequest it is about, the hospital that owns it (`viewer`: the reader's
    facility, see _receiving_offer)."""
    offer = _receiving_offer(referral, viewer)
    status = ReferralStateChoices.FHIR_STATUS.get(referral.state, "draft")
    if status == "requested" and offer is not None and offer.opened_at is not None:
        status = "received"  # the owner opened it and has not answered yet (referrals.services.opened)
    resource: dict[str, Any] = {
        "resourceType": "Task",
        "id": _id(referral, "task"),
        "identifier": [{"system": REFERRAL_SYSTEM, "value": referral.number}],
        "status": status,
        "intent": "order",
        "priority": UrgencyChoices.FHIR_PRIORITY[referral.urgency],
        "focus": _ref(referral, "service-request"),
        "for": _ref(referral, "patient"),
        "authoredOn": referral.created_at.isoformat(),
        "requester": _ref(referral, "referring-organization"),
    }
    if offer is not None:
        resource["owner"] = _ref(referral, "receiving-organization")
    if referral.state == ReferralStateChoices.REJECTED and offer is not None and offer.reject_reason:
        resource["statusReason"] = {
            "coding": [
                {
                    "system": REJECT_SYSTEM,
                    "code": offer.reject_reason,
                    "display": str(RejectReasonChoices.label(offer.reject_reason)),
                }
            ],
            "text": offer.reject_note or str(RejectReasonChoices.label(offer.reject_reason)),
        }
    elif referral.status_reason:
        resource["statusReason"] = {"text": referral.status_reason}
    return resource


def _service_request(referral: Referral, offer: ReferralOffer | None) -> dict[str, Any]:
    categories = []
    if referral.service:
        categories.append({"coding": [{"system": CATEGORY_SYSTEM, "code": f"service-{referral.service}"}]})
    for flag in ("maternal", "neonatal"):
        if getattr(referral, flag):
            categories.append({"coding": [{"system": CATEGORY_SYSTEM, "code": flag}]})
    if referral.primary_care_warned:
        categories.append({"coding": [{"system": CATEGORY_SYSTEM, "code": "primary-care-acknowledged"}]})
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": _id(referral, "service-request"),
        "identifier": [
            {"system": REFERRAL_SYSTEM, "value": referral.number},
            *(
                [{"system": referral.source_system, "value": referral.source_identifier}]
                if referral.source_identifier
                else []
            ),
        ],
        "status": "completed"
        if referral.state in (ReferralStateChoices.COMPLETED, ReferralStateChoices.BACK_REFERRED)
        else "revoked"
        if referral.state == ReferralStateChoices.CANCELLED
        else "draft"
        if referral.state == ReferralStateChoices.DRAFT
        else "active",
        "intent": "order",
        "priority": UrgencyChoices.FHIR_PRIORITY[referral.urgency],
        "code": {"coding": [{"system": BED_TYPE_SYSTEM, "code": referral.bed_type}]},
        "subject": _ref(referral, "patient"),
        "authoredOn": referral.created_at.isoformat(),
        "requester": _ref(referral, "practitioner"),
        "reasonCode": [
            {
                "coding": [
                    {
                        "system": ICD10_SYSTEM,
                        "code": code,
                        **({"display": found.title_en} if (found := icd10.get(code)) else {}),
                    }
                ]
            }
            for code in referral.diagnoses
        ],
        "note": [{"text": referral.reason}],
    }
    if categories:
        resource["category"] = categories
    if offer is not None:
        resource["performer"] = [_ref(referral, "receiving-organization")]
    return resource


def _patient(referral: Referral, *, identity: bool) -> dict[str, Any]:
    """The Patient resource; without identity (referrals.access: a hospital still asked), only what a decision needs:
    sex, age in years, the NIK's last 4 digits, labelled REDACTED."""
    shown = access.patient(referral, identity=identity)
    if not identity:
        return {
            "resourceType": "Patient",
            "id": _id(referral, "patient"),
            "meta": {"security": [{"system": SECURITY_SYSTEM, "code": "REDACTED", "display": "redacted"}]},
            "extension": [{"url": AGE_EXTENSION, "valueInteger": shown.age}],
            "identifier": [{"use": "secondary", "system": NIK_LAST4_SYSTEM, "value": referral.nik_last4}],
            "gender": shown.sex,
        }
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": _id(referral, "patient"),
        "identifier": [{"use": "official", "system": NIK_SYSTEM, "value": shown.nik}],
        "name": [{"use": "official", "text": shown.name}],
        "birthDate": referral.birth_date.isoformat(),
        "gender": shown.sex,
        "telecom": [{"system": "phone", "value": shown.relative_phone, "use": "mobile"}],
    }
    if shown.bpjs_number:
        patient["identifier"].append({"system": BPJS_SYSTEM, "value": shown.bpjs_number})
    return patient


def export_bundle(referral: Referral, viewer: Facility | None = None, *, identity: bool) -> dict[str, Any]:
    """The referral as a validated FHIR R4 Bundle (type "collection") in JSON form, as `viewer` may read it
    (`identity` false: the Patient without identity, see _patient)."""
    resources = [
        _patient(referral, identity=identity),
        {
            "resourceType": "Practitioner",
            "id": _id(referral, "practitioner"),
            "name": [{"text": referral.referring_doctor}],
        },
        _organization(referral, referral.referring_facility, "referring-organization"),
    ]
    offer = _receiving_offer(referral, viewer)
    if offer is not None:
        resources.append(_organization(referral, offer.facility, "receiving-organization"))
    resources += [_service_request(referral, offer), *observations(referral), task(referral, viewer)]
    bundle = {
        "resourceType": "Bundle",
        "id": _id(referral, "bundle"),
        "type": "collection",
        "identifier": {"system": REFERRAL_SYSTEM, "value": referral.number},
        "entry": [{"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource} for resource in resources],
    }
    Bundle.parse_obj(bundle)  # our own output must be valid R4: a failure here is a bug, not a user error
    return bundle


def validated_task(referral: Referral, viewer: Facility | None = None) -> dict[str, Any]:
    resource = task(referral, viewer)
    get_fhir_model_class("Task").parse_obj(resource)
    return resource


# --- import ---------------------------------------------------------------------------------------------------


def _invalid(text: str, field: str, code: str = "invalid_fhir") -> InvalidInput:
    return InvalidInput(text, code=code, field=field)


def _validate_resources(data: Any) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Each entry's resource checked by fhir.resources (R4B); by resource type: [(fullUrl, resource)]."""
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise _invalid(_('Isi permintaan harus sebuah Bundle FHIR (resourceType "Bundle").'), "Bundle.resourceType")
    entries = data.get("entry")
    if not isinstance(entries, list) or not entries:
        raise _invalid(_("Bundle tidak berisi entry."), "Bundle.entry")
    found: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for index, entry in enumerate(entries):
        raw = entry.get("resource") if isinstance(entry, dict) else None
        resource: dict[str, Any] = raw if isinstance(raw, dict) else {}
        kind = resource.get("resourceType")
        if kind not in ALLOWED:
            raise _invalid(
                _("Entry ke-%(n)d berisi sumber daya %(kind)s; yang diterima: %(allowed)s.")
                % {"n": index + 1, "kind": kind or "?", "allowed": ", ".join(ALLOWED)},
                f"Bundle.entry[{index}].resource.resourceType",
                "wrong_resource_type",
            )
        try:
            get_fhir_model_class(kind).parse_obj(resource)
        except PydanticValidationError as error:
            problem = error.errors()[0]
            where = ".".join(str(part) for part in problem.get("loc", ()) if part != "__root__")
            raise _invalid(
                _("Sumber daya %(kind)s tidak valid pada bidang %(field)s.") % {"kind": kind, "field": where or kind},
                f"{kind}.{where}" if where else kind,
            ) from None
        full_url = str(entry.get("fullUrl") or "") or f"{kind}/{resource.get('id', '')}"
        found.setdefault(kind, []).append((full_url, resource))
    return found


def _one(found: dict[str, list[tuple[str, dict[str, Any]]]], kind: str) -> dict[str, Any]:
    items = found.get(kind, [])
    if len(items) != 1:
        raise _invalid(
            _("Bundle harus berisi tepat satu %(kind)s (ada %(count)d).") % {"kind": kind, "count": len(items)},
            kind,
            "missing_resource" if not items else "too_many_resources",
        )
    return items[0][1]


def _resolve(found: dict[str, list[tuple[str, dict[str, Any]]]], reference: Any, field: str) -> dict[str, Any]:
    target = reference.get("reference") if isinstance(reference, dict) else None
    for items in found.values():
        for full_url, resource in items:
            if target and (target == full_url or target == f"{resource['resourceType']}/{resource.get('id')}"):
                return resource
    raise _invalid(_("Rujukan %(field)s tidak menunjuk ke sumber daya dalam Bundle.") % {"field": field}, field)


def _facility(organization: dict[str, Any], field: str) -> Facility:
    code = next(
        (i.get("value") for i in organization.get("identifier") or [] if i.get("system") == FACILITY_SYSTEM), None
    )
    facility = Facility.objects.select_related("unit").filter(unit__code=code).first() if code else None
    if facility is None:
        raise _invalid(_("Fasilitas pada %(field)s tidak dikenal.") % {"field": field}, field, "unknown_facility")
    return facility


def _codes(concept: Any, system: str) -> list[str]:
    return [c.get("code", "") for c in (concept or {}).get("coding") or [] if c.get("system") == system]


def _vital_values(found: dict[str, list[tuple[str, dict[str, Any]]]]) -> dict[str, Any]:
    by_code = {code: field for field, code, _display, _unit in VITALS}
    values: dict[str, Any] = {}
    for _url, observation in found.get("Observation", []):
        codes = _codes(observation.get("code"), LOINC)
        code = codes[0] if codes else ""
        if code in by_code:
            number: Any = (observation.get("valueQuantity") or {}).get("value")
            try:
                values[by_code[code]] = Decimal(str(number)) if by_code[code] == "temperature" else int(number)
            except (TypeError, ValueError, InvalidOperation):
                raise _invalid(
                    _("Observation %(code)s tidak berisi nilai angka (valueQuantity.value).") % {"code": code},
                    "Observation.valueQuantity.value",
                ) from None
        elif code == BP_PANEL:
            for component in observation.get("component") or []:
                part = (_codes(component.get("code"), LOINC) or [""])[0]
                number = (component.get("valueQuantity") or {}).get("value")
                if part in (SYSTOLIC, DIASTOLIC) and number is not None:
                    values["systolic" if part == SYSTOLIC else "diastolic"] = int(number)
        elif code == AVPU:
            values["consciousness"] = (_codes(observation.get("valueCodeableConcept"), AVPU_SYSTEM) or [""])[0]
    return values


class ReferralConflict(DomainError):
    """The Bundle names an existing referral (conditional create) but says something else about its patient or
    care: HTTP 409, nothing is written."""

    status_code = 409


@dataclass(frozen=True)
class Imported:
    """The answer of import_bundle: the referral, whether the import created it, and (when it did not) how the
    importer reads the existing one (access.Reading)."""

    referral: Referral
    created: bool
    reading: access.Reading | None = None


def _parse_number(value: str) -> int | None:
    """The pk named by one of our referral numbers (Referral.number: RJK- and at least 6 digits), else None."""
    match = NUMBER.fullmatch(value.strip())
    if match is None or f"RJK-{int(match[1]):06d}" != value.strip():
        return None
    return int(match[1])


def _if_none_exist(header: str) -> tuple[str, str]:
    """The identifier an If-None-Exist header asks about, as (system, value): `identifier=urn:patriot:referral|
    RJK-000012` or the value alone (ours), or another system's `identifier=<system>|<value>` (a referring facility's
    own number, Referral.source_identifier)."""
    pairs = parse_qsl(header.strip().partition("?")[2] or header.strip(), keep_blank_values=True)
    if len(pairs) != 1 or pairs[0][0] != "identifier" or not pairs[0][1]:
        raise _invalid(
            _("If-None-Exist hanya mendukung satu pencarian identifier=%(system)s|NOMOR.")
            % {"system": REFERRAL_SYSTEM},
            "If-None-Exist",
            "unsupported_if_none_exist",
        )
    system, _bar, value = pairs[0][1].rpartition("|")
    return system or REFERRAL_SYSTEM, value


def _named_number(found: dict[str, list[tuple[str, dict[str, Any]]]], header: str) -> str | None:
    """Our referral number that the ServiceRequest's and Task's identifiers (and an If-None-Exist header) name;
    several different numbers are refused."""
    numbers = {
        str(i.get("value") or "")
        for kind in ("ServiceRequest", "Task")
        for _url, resource in found.get(kind, [])
        for i in resource.get("identifier") or []
        if isinstance(i, dict) and i.get("system") == REFERRAL_SYSTEM
    }
    if header:
        system, value = _if_none_exist(header)
        if system == REFERRAL_SYSTEM:
            numbers.add(value)
    if len(numbers) > 1:
        raise _invalid(
            _("Bundle menyebut lebih dari satu nomor rujukan (%(numbers)s); sebutkan satu saja.")
            % {"numbers": ", ".join(sorted(numbers))},
            "ServiceRequest.identifier",
            "conflicting_identifiers",
        )
    return next(iter(numbers), None)


def _source_identifier(found: dict[str, list[tuple[str, dict[str, Any]]]], header: str) -> tuple[str, str] | None:
    """The referral's identifier in another system (the referring facility's own: its SIMRS number), from the
    ServiceRequest's identifiers of a system other than ours and an If-None-Exist header naming one; the first such
    identifier of the ServiceRequest when it has several, refused when the header names another."""
    request = _one(found, "ServiceRequest")
    theirs = [
        (str(i.get("system") or ""), str(i.get("value") or ""))
        for i in request.get("identifier") or []
        if isinstance(i, dict) and i.get("system") and i.get("value") and i.get("system") != REFERRAL_SYSTEM
    ]
    if header:
        asked = _if_none_exist(header)
        if asked[0] != REFERRAL_SYSTEM:
            if theirs and asked not in theirs:
                raise _invalid(
                    _("If-None-Exist menyebut identifier yang tidak ada pada ServiceRequest."),
                    "If-None-Exist",
                    "conflicting_identifiers",
                )
            theirs.insert(0, asked)
    if not theirs:
        return None
    system, value = theirs[0]
    if len(system) > SOURCE_SYSTEM_MAX or len(value) > SOURCE_VALUE_MAX:
        raise _invalid(
            _("Identifier ServiceRequest terlalu panjang (sistem paling banyak %(system)d, nilai %(value)d karakter).")
            % {"system": SOURCE_SYSTEM_MAX, "value": SOURCE_VALUE_MAX},
            "ServiceRequest.identifier",
        )
    return system, value


def _name(patient: dict[str, Any]) -> str:
    names = patient.get("name") or [{}]
    return str(names[0].get("text") or " ".join([*names[0].get("given", []), names[0].get("family", "")]).strip())


def _number(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None


def _content(found: dict[str, list[tuple[str, dict[str, Any]]]]) -> dict[str, Any]:
    """What a Bundle says about the patient's identity and care, by FHIR field, in a form two Bundles compare
    equal by: not the ids, number, Task, organizations or times, nor the age (it grows with the day)."""
    patient = found["Patient"][0][1]
    request = found["ServiceRequest"][0][1]
    vitals: dict[str, Any] = {}
    for _url, observation in found.get("Observation", []):
        code = (_codes(observation.get("code"), LOINC) or [""])[0]
        value = observation.get("valueQuantity") or {}
        vitals[f"Observation[{code}]"] = (
            _number(value.get("value")),
            sorted(
                ((_codes(c.get("code"), LOINC) or [""])[0], _number((c.get("valueQuantity") or {}).get("value")))
                for c in observation.get("component") or []
            ),
            _codes(observation.get("valueCodeableConcept"), AVPU_SYSTEM),
        )
    return {
        "Patient.identifier": sorted(
            (str(i.get("system") or ""), str(i.get("value") or "")) for i in patient.get("identifier") or []
        ),
        "Patient.name": _name(patient),
        "Patient.birthDate": patient.get("birthDate") or "",
        "Patient.gender": patient.get("gender") or "",
        "Patient.telecom": sorted(str(t.get("value") or "") for t in patient.get("telecom") or []),
        "ServiceRequest.priority": request.get("priority") or "",
        "ServiceRequest.reasonCode": [
            c for concept in request.get("reasonCode") or [] for c in _codes(concept, ICD10_SYSTEM)
        ],
        "ServiceRequest.code": _codes(request.get("code"), BED_TYPE_SYSTEM),
        "ServiceRequest.category": sorted(
            c for concept in request.get("category") or [] for c in _codes(concept, CATEGORY_SYSTEM)
        ),
        "ServiceRequest.note": [str(n.get("text") or "") for n in request.get("note") or []],
        **{key: vitals[key] for key in sorted(vitals)},
    }


def _existing(
    user: User, found: dict[str, list[tuple[str, dict[str, Any]]]], if_none_exist: str
) -> access.Reading | None:
    """Conditional create: the referral the Bundle names by our number, when `user` may read it (access rules).
    A number that names none, or one the user may not read, gives None: the import goes on as for any Bundle, so the
    answer says nothing about whether that referral exists."""
    number = _named_number(found, if_none_exist)
    pk = _parse_number(number) if number else None
    return access.find_reading(user, pk) if pk is not None else None


def _same_content(found: dict[str, list[tuple[str, dict[str, Any]]]], reading: access.Reading) -> None:
    """Refuse (409) a Bundle that says otherwise than the stored referral, as `reading` shows it, about the patient
    or their care."""
    stored = export_bundle(reading.referral, reading.facility, identity=reading.identity)
    theirs, ours = _content(found), _content(_validate_resources(stored))
    differing = [key for key in ours if theirs.get(key) != ours[key]]
    if differing:
        raise ReferralConflict(
            _(
                "Rujukan %(number)s sudah ada, tetapi isi Bundle berbeda pada %(fields)s. Rujukan yang ada tidak "
                "diubah; perubahan data pasien atau klinis dilakukan di Patriot."
            )
            % {"number": reading.referral.number, "fields": ", ".join(differing)},
            code="referral_conflict",
            field=differing[0],
        )


def import_bundle(user: User, data: Any, *, if_none_exist: str = "") -> Imported:
    """A referral from a Bundle like export_bundle's. Conditional create (FHIR's If-None-Exist, by identifier): a
    Bundle naming by our number (REFERRAL_SYSTEM on its ServiceRequest or Task, or the header `if_none_exist`) a
    referral that `user` may read creates nothing: that referral is the answer, or a 409 when the Bundle's patient
    or care differ. Otherwise a new referral written by `user` (staff of the referring facility named in the
    Bundle) through services.create_referral; sent to the Task's owner when the Task is "requested"."""
    found = _validate_resources(data)
    patient = _one(found, "Patient")
    request = _one(found, "ServiceRequest")
    fhir_task = _one(found, "Task")
    reading = _existing(user, found, if_none_exist)
    if reading is not None:
        _same_content(found, reading)
        return Imported(reading.referral, created=False, reading=reading)
    referrer = _facility(_resolve(found, fhir_task.get("requester"), "Task.requester"), "Task.requester")
    if services.facility_of(user) != referrer:
        raise Forbidden(_("Anda hanya dapat mengimpor rujukan dari fasilitas Anda sendiri."), code="other_facility")
    source = _source_identifier(found, if_none_exist)
    if source is not None:
        imported = _imported_from(user, found, referrer, source)
        if imported is not None:
            return imported
    nik = next((i.get("value", "") for i in patient.get("identifier") or [] if i.get("system") == NIK_SYSTEM), "")
    if not nik:
        raise _invalid(
            _("Patient tidak memiliki identifier NIK (%(system)s).") % {"system": NIK_SYSTEM}, "Patient.identifier"
        )
    bpjs = next((i.get("value", "") for i in patient.get("identifier") or [] if i.get("system") == BPJS_SYSTEM), "")
    practitioner = _resolve(found, request.get("requester"), "ServiceRequest.requester")
    diagnoses = [code for concept in request.get("reasonCode") or [] for code in _codes(concept, ICD10_SYSTEM)]
    if not diagnoses:
        raise _invalid(_("ServiceRequest.reasonCode tidak berisi kode ICD-10."), "ServiceRequest.reasonCode")
    for code in diagnoses:
        if icd10.get(code) is None:
            raise _invalid(
                _("Kode ICD-10 %(code)s pada ServiceRequest.reasonCode tidak dikenal.") % {"code": code},
                "ServiceRequest.reasonCode",
                "unknown_icd10",
            )
    urgency = PRIORITY_TO_URGENCY.get(request.get("priority", ""))
    if urgency is None:
        raise _invalid(_("ServiceRequest.priority harus stat, urgent atau routine."), "ServiceRequest.priority")
    categories = [code for concept in request.get("category") or [] for code in _codes(concept, CATEGORY_SYSTEM)]
    service = next((code.removeprefix("service-") for code in categories if code.startswith("service-")), "")
    phone = next((t.get("value", "") for t in patient.get("telecom") or [] if t.get("system") == "phone"), "")
    name = _name(patient)
    doctor = (practitioner.get("name") or [{}])[0].get("text", "")
    vitals = _vital_values(found)
    if patient.get("gender") not in ("male", "female"):
        raise _invalid(_("Patient.gender harus male atau female."), "Patient.gender")
    try:
        birth_date = date.fromisoformat(patient.get("birthDate", ""))
    except ValueError:
        raise _invalid(_("Patient.birthDate wajib diisi (YYYY-MM-DD)."), "Patient.birthDate") from None
    details = services.ReferralDetails(
        patient_name=name,
        nik=nik,
        birth_date=birth_date,
        sex=patient.get("gender", ""),
        relative_phone=phone,
        reason=((request.get("note") or [{}])[0]).get("text", ""),
        diagnoses=diagnoses,
        consciousness=vitals.pop("consciousness", ""),
        bed_type=(_codes(request.get("code"), BED_TYPE_SYSTEM) or [""])[0],
        urgency=urgency,
        referring_doctor=doctor,
        bpjs_number=bpjs,
        service=service,
        maternal="maternal" in categories,
        neonatal="neonatal" in categories,
        primary_care_acknowledged="primary-care-acknowledged" in categories,
        source_system=source[0] if source else "",
        source_identifier=source[1] if source else "",
        **vitals,
    )
    status = fhir_task.get("status")
    if status not in IMPORTABLE_STATUSES:
        raise _invalid(
            _(
                "Task.status “%(status)s” tidak dapat diimpor: hanya rujukan yang belum dijawab rumah sakit "
                "(draft, requested atau received) yang dapat diimpor. Langkah berikutnya dilakukan di Patriot."
            )
            % {"status": status},
            "Task.status",
            "unsupported_task_status",
        )
    owner = None
    if status in ("requested", "received"):
        if not fhir_task.get("owner"):
            raise _invalid(
                _("Task dengan status %(status)s harus punya owner (rumah sakit tujuan).") % {"status": status},
                "Task.owner",
                "missing_owner",
            )
        owner = _facility(_resolve(found, fhir_task["owner"], "Task.owner"), "Task.owner")
    try:
        # One transaction: a Bundle whose sending fails leaves no draft behind.
        with transaction.atomic():
            referral = services.create_referral(user, details)
            if owner is not None:
                (offer,) = services.send(user, referral, [owner.pk])
                if status == "received":
                    opened.record_opened_by_import(
                        referral, offer, _("Dari Bundle FHIR: rujukan sudah dibuka rumah sakit tujuan.")
                    )
    except InvalidInput as error:
        # Name the FHIR resource the service's field came from.
        field = "Task.owner" if error.field == "hospitals" else _fhir_field(error.field or "")
        raise _invalid(error.message, field, error.code) from None
    except IntegrityError:
        # The same Bundle imported at the same moment by another request: that import's referral is the answer.
        imported = _imported_from(user, found, referrer, source) if source is not None else None
        if imported is None:
            raise
        return imported
    return Imported(referral, created=True)


def _imported_from(
    user: User, found: dict[str, list[tuple[str, dict[str, Any]]]], referrer: Facility, source: tuple[str, str]
) -> Imported | None:
    """Conditional create by the referring facility's own number: the referral imported before under it (the
    importer is that facility's staff, so may read it), or a 409 when the Bundle says otherwise; None if none."""
    pk = (
        Referral.objects.filter(referring_facility=referrer, source_system=source[0], source_identifier=source[1])
        .values_list("pk", flat=True)
        .first()
    )
    reading = access.find_reading(user, pk) if pk is not None else None
    if reading is None:
        return None
    _same_content(found, reading)
    return Imported(reading.referral, created=False, reading=reading)


FIELD_TO_FHIR = {
    "nik": "Patient.identifier",
    "patient_name": "Patient.name",
    "birth_date": "Patient.birthDate",
    "sex": "Patient.gender",
    "relative_phone": "Patient.telecom",
    "bpjs_number": "Patient.identifier",
    "referring_doctor": "Practitioner.name",
    "reason": "ServiceRequest.note",
    "diagnoses": "ServiceRequest.reasonCode",
    "bed_type": "ServiceRequest.code",
    "service": "ServiceRequest.category",
    "urgency": "ServiceRequest.priority",
    "primary_care_acknowledged": "ServiceRequest.category",
    "consciousness": "Observation.valueCodeableConcept",
}


def _fhir_field(field: str) -> str:
    if field in FIELD_TO_FHIR:
        return FIELD_TO_FHIR[field]
    code = {name: code for name, code, _display, _unit in VITALS}.get(field)
    if field in ("systolic", "diastolic"):
        code = BP_PANEL
    return f"Observation[{code}].valueQuantity" if code else field
