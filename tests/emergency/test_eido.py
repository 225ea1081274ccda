"""An incident exported as EIDO-shaped JSON (issue 11, item 12): GET /api/v1/emergency/incidents/{id}/eido, for
PSC roles only, each read audited with its purpose, errors in the /api/v1 shape."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.accounts.services import create_api_token
from patriot.core import clock
from patriot.core.models import PersonalDataAccess
from patriot.emergency import services
from patriot.emergency.models import Ambulance, Incident
from tests.emergency.conftest import details, make_ambulance
from tests.factories import make_user

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 10, 8, 0, tzinfo=timezone.get_fixed_timezone(7 * 60))


@pytest.fixture
def worked(areas: None, call_taker: User, dispatcher: User) -> tuple[Incident, Ambulance]:
    ambulance = make_ambulance("amb-7")
    with clock.pinned(T0 + timedelta(seconds=50)):
        incident = services.create_incident(call_taker, details(call_received_at=T0, callback_number="0813 2222 3333"))
    for action, offset in (("dispatch", 80), ("depart", 140), ("arrive", 700)):
        with clock.pinned(T0 + timedelta(seconds=offset)):
            services.move_ambulance(dispatcher, ambulance, action, incident=incident if action == "dispatch" else None)
    incident.refresh_from_db()
    return incident, ambulance


def url(incident: Incident) -> str:
    return f"/api/v1/emergency/incidents/{incident.pk}/eido"


def test_the_export_carries_the_incident_in_eido_fields(worked: tuple, call_taker: User) -> None:
    incident, ambulance = worked
    client = Client()
    client.force_login(call_taker)
    answer = client.get(url(incident), {"tujuan": "arsip provinsi"})
    assert answer.status_code == 200
    document = answer.json()
    component = document["incidentComponent"]
    assert component["internalIncidentId"] == incident.number
    assert component["incidentTrackingIdentifier"] == f"urn:patriot:incident:{incident.number}"
    assert component["incidentTypeInternalCode"] == "chest_pain"
    assert component["incidentPriorityInternalText"] == incident.level.upper()
    assert 0 <= component["incidentCommonPriorityNumber"] <= 10
    stamps = component["patriotTimestamps"]
    assert datetime.fromisoformat(stamps["call_received_at"]) == T0
    assert datetime.fromisoformat(stamps["on_scene_at"]) == T0 + timedelta(seconds=700)
    assert stamps["handover_at"] is None
    assert document["callComponent"][0]["callStartTimestamp"] == stamps["call_received_at"]
    assert document["callbackComponent"][0]["callBackInformationUri"] == ["tel:+6281322223333"]
    caller = document["personComponent"][0]
    assert caller["personIncidentRoleRegistryText"] == ["Caller"]
    assert caller["ncPersonComponent"]["personName"]["personFullName"] == "Bu Sari"
    location = document["locationComponent"][0]
    assert location["patriotPoint"] == {"latitude": incident.latitude, "longitude": incident.longitude}
    assert "Jl. Anggrek No. 9" in location["locationDescriptionText"]
    [resource] = document["emergencyResourceComponent"]
    assert resource["emergencyResourceName"] == ambulance.unit.name
    assert resource["primaryUnitStatusRegistryText"] == "OnScene"
    assert [step["step"] for step in resource["unitStatusInternal"]] == ["dispatch", "depart", "arrive"]
    # Every $ref points at a component of the document.
    ids = {
        item["$id"]
        for key, value in document.items()
        if key.endswith("Component")
        for item in (value if isinstance(value, list) else [value])
    }
    refs = [
        ref["$ref"]
        for key in ("locationReference", "personReference", "emergencyResourceReference")
        for ref in component[key]
    ]
    assert refs and set(refs) <= ids
    audit = PersonalDataAccess.objects.get(subject_id=str(incident.pk), user=call_taker)
    assert audit.purpose == "Ekspor EIDO insiden: arsip provinsi"


def test_an_api_token_of_a_dispatcher_reads_it(worked: tuple, dispatcher: User) -> None:
    incident, _ambulance = worked
    token = create_api_token(dispatcher, "arsip")[1]
    answer = Client().get(url(incident), HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 200
    assert PersonalDataAccess.objects.filter(user=dispatcher, purpose="Ekspor EIDO insiden").count() == 1


@pytest.mark.parametrize(
    "role",
    [
        RoleChoices.POC_OPERATOR,
        RoleChoices.POC_SUPERVISOR,
        RoleChoices.MAYOR,
        RoleChoices.HEALTH_OFFICER,
        RoleChoices.HOSPITAL_STAFF,
        RoleChoices.AMBULANCE_CREW,
        RoleChoices.CALLCENTRE_OPERATOR,
        RoleChoices.SYSTEM_ADMIN,
    ],
)
def test_other_roles_get_403_in_the_api_shape(worked: tuple, role: str) -> None:
    incident, _ambulance = worked
    client = Client()
    client.force_login(make_user(role))
    answer = client.get(url(incident))
    assert answer.status_code == 403
    assert answer.json()["code"] == "forbidden"
    assert "Bu Sari" not in answer.content.decode()
    assert not PersonalDataAccess.objects.exists()


def test_anonymous_and_wrong_token_get_401_and_unknown_incident_404(worked: tuple, call_taker: User) -> None:
    incident, _ambulance = worked
    assert Client().get(url(incident)).status_code == 401
    assert Client().get(url(incident), HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    client = Client()
    client.force_login(call_taker)
    missing = client.get("/api/v1/emergency/incidents/999999/eido")
    assert missing.status_code == 404
    assert set(missing.json()) >= {"detail", "code"}
