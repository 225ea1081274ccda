"""The jumantik's phone pages: who may enter, the form posted without scripts, a jumantik's own week only."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from patriot.accounts.choices import RoleChoices as Role
from patriot.accounts.models import User
from patriot.cases.sla import city_zone
from patriot.core import clock
from patriot.core.views import home_for
from patriot.larvae import services
from patriot.larvae.models import Inspection
from tests.core.test_layout import csp_problems
from tests.factories import MARGAHAYU, OUTSIDE_CITY, make_agency, make_user
from tests.larvae.conftest import inspection_submission

pytestmark = pytest.mark.usefixtures("areas")


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(client: Client, url: str) -> Any:
    response = client.get(url)
    if response.status_code == 200:
        assert not csp_problems(response.content.decode())
    return response


def form_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "idempotency_key": "form-key-1",
        "building_kind": "house",
        "rw": "3",
        "rt": "5",
        "address": "Jl. Anggrek No. 9",
        "latitude": str(MARGAHAYU[0]),
        "longitude": str(MARGAHAYU[1]),
        "c_bath_tub_indoor_inspected": "2",
        "c_bath_tub_indoor_positive": "1",
        "c_tyres_outdoor_inspected": "1",
        "c_tyres_outdoor_positive": "0",
        "actions": ["drain", "cover"],
        "fever_past_week": "on",
    }
    data.update(overrides)
    return data


# --- who may enter -----------------------------------------------------------------------------


def test_signed_out_people_are_sent_to_sign_in() -> None:
    for url in ("/jumantik/", "/jumantik/periksa/"):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/masuk/")


@pytest.mark.parametrize(
    "role", [Role.CITIZEN, Role.AGENCY_OFFICER, Role.URC_OFFICER, Role.POC_OPERATOR, Role.CALLCENTRE_OPERATOR]
)
def test_other_roles_cannot_see_or_post_inspections(role: str, jumantik: User) -> None:
    services.record_inspection(jumantik, inspection_submission(address="Jl. Rahasia No. 1"))
    agency = make_agency() if role == Role.AGENCY_OFFICER else None
    client = client_for(make_user(role, agency=agency))
    for url in ("/jumantik/", "/jumantik/periksa/"):
        response = client.get(url)
        assert response.status_code == 403
        assert "Rahasia" not in response.content.decode()
    assert client.post("/jumantik/periksa/", form_data()).status_code == 403
    assert Inspection.objects.count() == 1


def test_a_jumantik_lands_on_their_week(jumantik: User) -> None:
    assert home_for(jumantik) == "/jumantik/"


# --- the form ----------------------------------------------------------------------------------


def test_the_form_has_a_stepper_per_container_type_and_place(jumantik: User) -> None:
    response = page(client_for(jumantik), "/jumantik/periksa/")
    assert response.status_code == 200
    html = response.content.decode()
    assert len(re.findall(r'name="c_[a-z_]+_(?:indoor|outdoor)_(?:inspected|positive)"', html)) == 12 * 2 * 2
    # The + and − buttons wait for the script; underneath they are number inputs, so the form works without it.
    assert 'type="number" name="c_bath_tub_indoor_inspected"' in html
    assert html.count('data-step="1" hidden') == html.count('data-step="-1" hidden') >= 48
    assert 'src="/static/larvae/inspect.js"' in html
    assert 'name="idempotency_key"' in html


def test_posting_the_form_records_the_inspection_and_says_what_was_found(jumantik: User) -> None:
    client = client_for(jumantik)
    response = client.post("/jumantik/periksa/", form_data(), follow=True)
    assert response.status_code == 200
    inspection = Inspection.objects.get()
    assert inspection.jumantik == jumantik and inspection.village.name == "Margahayu"
    assert (inspection.containers_inspected, inspection.containers_positive) == (3, 1)
    assert inspection.actions == ["drain", "cover"] and inspection.fever_past_week
    assert "ditemukan jentik di 1 kontainer" in response.content.decode()
    # Without the script's phone time, the server's time stands for the inspection's.
    assert abs(inspection.inspected_at - clock.now()) < timedelta(minutes=1)


def test_a_double_submit_counts_the_house_once(jumantik: User) -> None:
    client = client_for(jumantik)
    client.post("/jumantik/periksa/", form_data())
    client.post("/jumantik/periksa/", form_data())
    assert Inspection.objects.count() == 1


def test_the_phone_time_sent_by_the_script_is_kept(jumantik: User) -> None:
    earlier = (clock.now() - timedelta(hours=3)).replace(microsecond=0)
    client_for(jumantik).post("/jumantik/periksa/", form_data(inspected_at=earlier.isoformat()))
    assert Inspection.objects.get().inspected_at == earlier


def test_refusals_are_shown_next_to_the_form(jumantik: User) -> None:
    client = client_for(jumantik)
    response = client.post(
        "/jumantik/periksa/", form_data(c_bath_tub_indoor_inspected="1", c_bath_tub_indoor_positive="3")
    )
    assert response.status_code == 400
    assert "tidak boleh lebih banyak dari yang diperiksa" in response.content.decode()
    response = client.post(
        "/jumantik/periksa/", form_data(latitude=str(OUTSIDE_CITY[0]), longitude=str(OUTSIDE_CITY[1]))
    )
    assert response.status_code == 400 and "di luar wilayah" in response.content.decode()
    assert not csp_problems(response.content.decode())
    assert not Inspection.objects.exists()


# --- my week -------------------------------------------------------------------------------------


def test_my_week_counts_only_my_houses_of_this_week(jumantik: User, other_jumantik: User) -> None:
    services.record_inspection(
        jumantik, inspection_submission(address="Jl. Milik Saya 1", containers=[("jar", "indoor", 2, 1)])
    )
    services.record_inspection(jumantik, inspection_submission(address="Jl. Milik Saya 2"))
    services.record_inspection(jumantik, inspection_submission(address="Masjid Al-Ikhlas", building_kind="ttu"))
    services.record_inspection(
        jumantik, inspection_submission(address="Jl. Minggu Lalu", at=clock.now() - timedelta(days=8))
    )
    services.record_inspection(other_jumantik, inspection_submission(address="Jl. Orang Lain"))
    response = page(client_for(jumantik), "/jumantik/")
    html = response.content.decode()
    assert re.search(r'data-figure="houses">2<', html)
    assert re.search(r'data-figure="positive-houses">1<', html)
    assert re.search(r'data-figure="abj">50[,.]0 %<', html)
    assert re.search(r'data-figure="buildings">3<', html)
    assert "Jl. Milik Saya 1" in html and "Masjid Al-Ikhlas" in html
    assert "Jl. Orang Lain" not in html and "Jl. Minggu Lalu" not in html
    other = page(client_for(other_jumantik), "/jumantik/").content.decode()
    assert "Jl. Orang Lain" in other and "Milik Saya" not in other


def test_an_empty_week_shows_no_abj(jumantik: User) -> None:
    html = page(client_for(jumantik), "/jumantik/").content.decode()
    assert re.search(r'data-figure="abj">–<', html)


# --- the week's indices per kelurahan (Dinkes, POC, mayor) -----------------------------------------


def test_dinkes_lands_on_the_indices_and_sees_figures_never_households(jumantik: User) -> None:
    dinkes = make_user(Role.HEALTH_OFFICER)
    assert home_for(dinkes) == "/jumantik/indeks/"
    services.record_inspection(
        jumantik, inspection_submission(address="Jl. Rahasia No. 3", containers=[("drum", "indoor", 4, 1)])
    )
    services.record_inspection(jumantik, inspection_submission(address="Jl. Rahasia No. 4"))
    response = page(client_for(dinkes), "/jumantik/indeks/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Rahasia" not in html
    margahayu = re.search(r'<tr data-village="32\.75\.01\.1002">(.*?)</tr>', html, re.S)
    assert margahayu is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", margahayu.group(1), re.S)
    assert [c.strip() for c in cells[1:5]] == ["2", "1", "5", "1"]  # houses, positive, containers, positive
    assert re.search(r'data-figure="abj">50[,.]0 <span class="badge badge-red">', margahayu.group(1))
    assert re.search(r'data-figure="bi">50[,.]0<', margahayu.group(1))
    assert re.search(r'data-figure="ci">20[,.]0<', margahayu.group(1))
    assert re.search(r'data-figure="df">7<', margahayu.group(1))  # HI 50 → 7, BI 50 → 6: 6.5, a half rounded up
    # A kelurahan nobody inspected shows no index, not 100 %.
    bintara = re.search(r'<tr data-village="32\.75\.02\.\d+">(.*?)</tr>', html, re.S)
    assert bintara is not None and 'data-figure="abj"><span aria-label="tidak ada data">–</span>' in bintara.group(1)


@pytest.mark.parametrize("role", [Role.POC_OPERATOR, Role.MAYOR, Role.SYSTEM_ADMIN])
def test_the_control_room_reads_the_indices(role: str) -> None:
    assert page(client_for(make_user(role)), "/jumantik/indeks/").status_code == 200


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.AGENCY_OFFICER, Role.JUMANTIK, Role.CALLCENTRE_OPERATOR])
def test_others_do_not_read_the_indices(role: str) -> None:
    agency = make_agency() if role == Role.AGENCY_OFFICER else None
    assert client_for(make_user(role, agency=agency)).get("/jumantik/indeks/").status_code == 403
    assert Client().get("/jumantik/indeks/").status_code == 302


def test_the_indices_of_another_week(jumantik: User) -> None:
    services.record_inspection(jumantik, inspection_submission(at=clock.now() - timedelta(days=14)))
    dinkes = client_for(make_user(Role.HEALTH_OFFICER))
    year, week, _day = (clock.now() - timedelta(days=14)).astimezone(city_zone()).isocalendar()  # the city's week
    then = dinkes.get(f"/jumantik/indeks/?minggu={year}-W{week:02d}").content.decode()
    now = dinkes.get("/jumantik/indeks/").content.decode()
    city = r'<tr data-village="city">.*?<td>(\d+)</td>'
    assert re.search(city, then, re.S).group(1) == "1"  # type: ignore[union-attr]
    assert re.search(city, now, re.S).group(1) == "0"  # type: ignore[union-attr]
    response = dinkes.get("/jumantik/indeks/?minggu=kemarin")
    assert response.status_code == 400 and "2026-W47" in response.content.decode()


def test_the_pages_speak_english_too(jumantik: User) -> None:
    from django.conf import settings

    client = client_for(jumantik)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = page(client, "/jumantik/periksa/").content.decode()
    assert "Save inspection" in html and "Bath tub" in html and "Drained water containers" in html
    html = page(client, "/jumantik/").content.decode()
    assert "Houses inspected" in html and "Larva-free index (ABJ)" in html


# --- the offline queue's sends (JSON) and the service worker ------------------------------------------------------


def test_a_queued_send_gets_json_and_a_resend_is_counted_once(jumantik: User) -> None:
    client = client_for(jumantik)
    earlier = (clock.now() - timedelta(days=2)).replace(microsecond=0)
    data = form_data(idempotency_key="phone-key-1", inspected_at=earlier.isoformat())
    first = client.post("/jumantik/periksa/", data, HTTP_ACCEPT="application/json")
    assert first.status_code == 201
    assert first.json()["created"] is True and first.json()["detail"].startswith("Tersimpan: RT 5/RW 3")
    again = client.post("/jumantik/periksa/", data, HTTP_ACCEPT="application/json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert again.json()["created"] is False
    assert Inspection.objects.get().inspected_at == earlier
    # The same key with other content is refused, in the jumantik's language.
    conflict = client.post("/jumantik/periksa/", {**data, "address": "Jl. Lain 1"}, HTTP_ACCEPT="application/json")
    assert conflict.status_code == 409 and conflict.json()["code"] == "idempotency_key_reused"


def test_a_queued_send_that_cannot_be_taken_says_why(jumantik: User) -> None:
    client = client_for(jumantik)
    response = client.post(
        "/jumantik/periksa/",
        form_data(latitude=str(OUTSIDE_CITY[0]), longitude=str(OUTSIDE_CITY[1])),
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400 and "di luar wilayah" in response.json()["detail"]
    response = client.post("/jumantik/periksa/", form_data(address=""), HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and response.json()["detail"].startswith("Alamat:")
    too_old = (clock.now() - timedelta(days=30)).isoformat()
    response = client.post("/jumantik/periksa/", form_data(inspected_at=too_old), HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and response.json()["code"] == "too_old"
    assert Inspection.objects.count() == 0


def test_the_form_and_the_week_show_the_phone_s_queue(jumantik: User) -> None:
    client = client_for(jumantik)
    for url in ("/jumantik/", "/jumantik/periksa/"):
        body = page(client, url).content.decode()
        assert "data-offline-queue" in body and "larvae/offline.js" in body
        assert 'data-service-worker="/jumantik/sw.js"' in body


def test_the_service_worker_is_served_for_the_jumantik_pages() -> None:
    response = Client().get("/jumantik/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/jumantik/"
    assert b"/jumantik/periksa/" in response.content
