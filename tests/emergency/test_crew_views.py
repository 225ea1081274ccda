"""The crew's phone page and JSON endpoints, the hospital's incoming page: who sees what (UU PDP: the dispatched
crew its own assignment only, the receiving hospital its own notices only, every read audited with its purpose),
the /api/v1 error shape, the rate limit on positions, and the `ambulance` demo account's landing."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from patriot.accounts.choices import RoleChoices as Role
from patriot.accounts.choices import UnitKindChoices
from patriot.accounts.models import OrganisationUnit, User
from patriot.core import clock
from patriot.core.models import PersonalDataAccess
from patriot.core.views import home_for
from patriot.emergency import crew_demo, services
from patriot.emergency.models import Ambulance, Incident
from tests.core.test_layout import csp_problems
from tests.emergency.conftest import details, make_ambulance
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("areas")


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_json(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def run(call_taker: User, dispatcher: User) -> tuple[Incident, Ambulance, User]:
    with clock.pinned(clock.now() - timedelta(minutes=20)):
        incident = services.create_incident(call_taker, details())
        ambulance = make_ambulance("amb-kru")
        services.move_ambulance(dispatcher, ambulance, "dispatch", incident=incident)
    return incident, ambulance, make_user(Role.AMBULANCE_CREW, unit=ambulance.unit)


def hospital(code: str) -> OrganisationUnit:
    return OrganisationUnit.objects.create(kind=UnitKindChoices.HOSPITAL, code=code, name=f"RS {code}")


def test_the_crew_lands_on_its_assignment_with_navigation_and_callback(run: tuple[Incident, Ambulance, User]) -> None:
    incident, _ambulance, crew = run
    assert home_for(crew) == "/psc/kru/"
    response = client_for(crew).get("/psc/kru/")
    page = response.content.decode()
    assert response.status_code == 200 and not csp_problems(page)
    assert incident.number in page and "Jl. Anggrek No. 9" in page
    assert f"tel:{incident.callback_number}" in page
    assert "geo:" in page and "https://www.google.com/maps/dir/?api=1&amp;destination=" in page
    access = PersonalDataAccess.objects.get(user=crew)
    assert access.subject_id == str(incident.pk) and access.purpose == "Penugasan ambulans (kru)"


def test_another_crew_and_other_roles_see_nothing_of_the_assignment(run: tuple[Incident, Ambulance, User]) -> None:
    incident, ambulance, _crew = run
    other_crew = make_user(Role.AMBULANCE_CREW, unit=make_ambulance("amb-lain").unit)
    page = client_for(other_crew).get("/psc/kru/").content.decode()
    assert incident.number not in page and "Jl. Anggrek" not in page and "Belum ada penugasan" in page
    # Its taps move its own ambulance, never this one.
    post_json(client_for(other_crew), "/psc/kru/langkah/", {"action": "depart", "key": "other-crew-tap"})
    ambulance.refresh_from_db()
    assert ambulance.status == "dispatched"
    unplaced = make_user(Role.AMBULANCE_CREW)
    assert "belum terhubung" in client_for(unplaced).get("/psc/kru/").content.decode()
    for role in (Role.POC_OPERATOR, Role.MAYOR, Role.HOSPITAL_STAFF, Role.SYSTEM_ADMIN, Role.PSC_DISPATCHER):
        client = client_for(make_user(role))
        response = client.get("/psc/kru/")
        assert response.status_code == 403 and b"Anggrek" not in response.content, role
        refused = post_json(client, "/psc/kru/langkah/", {"action": "depart", "key": f"tap-{role}"})
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    anonymous = Client()
    assert anonymous.get("/psc/kru/").status_code == 302
    answer = post_json(anonymous, "/psc/kru/langkah/", {"action": "depart", "key": "tap-anonymous"})
    assert answer.status_code == 401 and set(answer.json()) == {"detail", "code", "field"}
    assert anonymous.get("/psc/kru/status/").status_code == 401
    assert not PersonalDataAccess.objects.exists()


def test_a_tap_sent_twice_is_applied_once_with_its_time(run: tuple[Incident, Ambulance, User]) -> None:
    incident, _ambulance, crew = run
    client = client_for(crew)
    at = (clock.now() - timedelta(minutes=3)).replace(microsecond=0)
    body = {"action": "depart", "key": "phone-tap-0001", "at": at.isoformat()}
    first = post_json(client, "/psc/kru/langkah/", body)
    assert first.status_code == 200 and first.json()["applied"] and first.json()["status"] == "en_route"
    second = post_json(client, "/psc/kru/langkah/", body)
    assert second.status_code == 200 and not second.json()["applied"]
    incident.refresh_from_db()
    assert incident.en_route_at == at
    future = post_json(
        client, "/psc/kru/langkah/", {"action": "arrive", "key": "phone-tap-0002", "at": "2099-01-01T00:00:00+07:00"}
    )
    assert future.status_code == 400 and future.json() == {
        "detail": "Waktu langkah tidak boleh di masa depan.",
        "code": "invalid",
        "field": "at",
    }
    illegal = post_json(client, "/psc/kru/langkah/", {"action": "reach_hospital", "key": "phone-tap-0003"})
    assert illegal.status_code == 409
    assert client.post("/psc/kru/langkah/", "{", content_type="application/json").status_code == 400
    assert client.get("/psc/kru/status/").json() == {
        "status": "en_route",
        "status_label": "Menuju lokasi",
        "incident": incident.pk,
    }


def test_positions_are_rate_limited(run: tuple[Incident, Ambulance, User]) -> None:
    _incident, ambulance, crew = run
    cache.clear()
    client = client_for(crew)
    answers = [
        post_json(client, "/psc/kru/posisi/", {"latitude": -6.25, "longitude": 107.0}).status_code for _ in range(13)
    ]
    assert answers[:12] == [200] * 12 and answers[12] == 429
    ambulance.refresh_from_db()
    assert ambulance.last_latitude == -6.25 and ambulance.last_position_at is not None
    cache.clear()
    bad = post_json(client, "/psc/kru/posisi/", {"latitude": "x"})
    assert bad.status_code == 400 and bad.json()["field"] == "latitude"


def test_vitals_errors_are_shown_in_indonesian(run: tuple[Incident, Ambulance, User]) -> None:
    _incident, ambulance, crew = run
    services.move_ambulance(crew, ambulance, "depart")
    services.move_ambulance(crew, ambulance, "arrive")
    client = client_for(crew)
    response = client.post("/psc/kru/pasien/", {"patient_count": "1", "pulse": "abc"})
    assert response.status_code == 400 and "Isi dengan angka." in response.content.decode()
    response = client.post("/psc/kru/pasien/", {"patient_count": "1", "gcs": "18"})
    assert response.status_code == 400 and "GCS antara 3 dan 15." in response.content.decode()
    ok = client.post("/psc/kru/pasien/", {"patient_count": "2", "gcs": "14", "pulse": "96", "assessment": "Fraktur"})
    assert ok.status_code == 302


def test_the_hospital_sees_its_own_incoming_only_and_acknowledges(
    run: tuple[Incident, Ambulance, User],
) -> None:
    incident, ambulance, crew = run
    ours, other = hospital("tujuan"), hospital("lain")
    services.move_ambulance(crew, ambulance, "depart")
    services.move_ambulance(crew, ambulance, "arrive")
    crew_client = client_for(crew)
    crew_client.post("/psc/kru/pasien/", {"patient_count": "1", "pulse": "120", "assessment": "Nyeri dada khas"})
    assert crew_client.post("/psc/kru/tujuan/", {"hospital": str(ours.pk)}).status_code == 302
    staff = make_user(Role.HOSPITAL_STAFF, unit=ours)
    page = client_for(staff).get("/psc/rs/").content.decode()
    assert incident.number in page and "Nyeri dada khas" in page
    assert PersonalDataAccess.objects.filter(user=staff, subject_id=str(incident.pk), data="diagnosis").exists()
    stranger = make_user(Role.HOSPITAL_STAFF, unit=other)
    page = client_for(stranger).get("/psc/rs/").content.decode()
    assert incident.number not in page and "Nyeri dada" not in page
    report = incident.patient_reports.get()
    assert client_for(stranger).post(f"/psc/rs/{report.pk}/konfirmasi/").status_code == 404
    for role in (Role.POC_OPERATOR, Role.MAYOR, Role.AMBULANCE_CREW, Role.PSC_CALL_TAKER):
        response = client_for(make_user(role)).get("/psc/rs/")
        assert response.status_code == 403 and b"Nyeri dada" not in response.content
    assert Client().get("/psc/rs/").status_code == 302
    services.move_ambulance(crew, ambulance, "transport")
    services.move_ambulance(crew, ambulance, "reach_hospital")
    services.record_crew_step(crew, ambulance, "clear", key="handover-tap")
    assert client_for(staff).post(f"/psc/rs/{report.pk}/konfirmasi/").status_code == 302
    report.refresh_from_db()
    assert report.acknowledged_by == staff
    assert "Dikonfirmasi" in client_for(staff).get("/psc/rs/").content.decode()


def test_the_demo_ambulance_account_becomes_a_crew_and_lands_on_its_page() -> None:
    crew = make_user(Role.AMBULANCE_CREW, username="ambulance")
    first = hospital("rs-demo")
    staff = make_user(Role.HOSPITAL_STAFF, username="hospital")
    crew_demo.seed_crew_demo()
    crew_demo.seed_crew_demo()  # twice: the same one ambulance
    crew.refresh_from_db()
    staff.refresh_from_db()
    assert Ambulance.objects.get(unit=crew.unit).unit.code == crew_demo.UNIT_CODE
    assert staff.unit == first
    assert home_for(crew) == "/psc/kru/"
    assert client_for(crew).get("/psc/kru/").status_code == 200
    # A crew already placed in another demo ambulance keeps it.
    own = make_ambulance("amb-dispatch-demo")
    User.objects.filter(pk=crew.pk).update(unit=own.unit)
    crew_demo.seed_crew_demo()
    crew.refresh_from_db()
    assert crew.unit == own.unit


def test_the_psc_incident_page_shows_the_crews_patient_report_audited(
    run: tuple[Incident, Ambulance, User], call_taker: User, dispatcher: User
) -> None:
    incident, ambulance, crew = run
    before = client_for(call_taker).get(f"/psc/insiden/{incident.pk}/").content.decode()
    assert "Laporan pasien dari kru" not in before
    assert not PersonalDataAccess.objects.filter(data="diagnosis").exists()  # no report, no diagnosis read
    services.move_ambulance(crew, ambulance, "depart")
    services.move_ambulance(crew, ambulance, "arrive")
    destination = hospital("tujuan-psc")
    services.save_patient_report(
        crew,
        ambulance,
        services.Vitals(avpu="voice", gcs=13, pulse=124, spo2=91, bp_systolic=90, bp_diastolic=60, assessment="Syok"),
    )
    services.choose_destination(crew, ambulance, destination)
    for user in (call_taker, dispatcher):
        response = client_for(user).get(f"/psc/insiden/{incident.pk}/")
        page = response.content.decode()
        assert response.status_code == 200 and not csp_problems(page)
        assert "Laporan pasien dari kru" in page and "Syok" in page and "GCS 13" in page
        assert "90/60" in page and "91%" in page and destination.name in page
        access = PersonalDataAccess.objects.get(user=user, data="diagnosis")
        assert access.subject_id == str(incident.pk)
        assert access.purpose == "Laporan pasien kru di halaman insiden PSC"
    for role in (Role.POC_OPERATOR, Role.MAYOR, Role.HOSPITAL_STAFF, Role.SYSTEM_ADMIN, Role.HEALTH_OFFICER):
        response = client_for(make_user(role)).get(f"/psc/insiden/{incident.pk}/")
        assert response.status_code == 403 and b"Syok" not in response.content, role
    assert client_for(crew).get(f"/psc/insiden/{incident.pk}/").status_code == 403
    assert Client().get(f"/psc/insiden/{incident.pk}/").status_code == 302


def test_the_crew_page_names_its_service_worker_which_keeps_only_that_page(
    run: tuple[Incident, Ambulance, User],
) -> None:
    _incident, _ambulance, crew = run
    page = client_for(crew).get("/psc/kru/").content.decode()
    assert 'data-service-worker="/psc/kru/sw.js"' in page and 'data-service-worker-scope="/psc/kru/"' in page
    assert "patriot/offline.js" in page
    worker = Client().get("/psc/kru/sw.js")  # the script holds no data: served to anyone, never cached
    assert worker.status_code == 200 and worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == "/psc/kru/" and "no-cache" in worker["Cache-Control"]
    first_line = worker.content.decode().split("\n", 1)[0]
    assert first_line.startswith("var OFFLINE = {") and '"pages": ["/psc/kru/"]' in first_line
    assert '"cache": "patriot-psc-crew-v1"' in first_line


def test_offline_pages_stay_inside_their_scope() -> None:
    from patriot.core.offline import OfflinePages

    with pytest.raises(ValueError, match="scope"):
        OfflinePages(cache="x-v1", scope="/psc/kru/", pages=("/psc/",))
    with pytest.raises(ValueError, match="version"):
        OfflinePages(cache="patriot-psc-crew", scope="/psc/kru/", pages=("/psc/kru/",))
