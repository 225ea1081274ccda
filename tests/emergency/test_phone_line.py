"""One phone-system hook, two lines (issue 11, items 1 and 3): a call announced on the PSC's line rings on the
PSC call taker's page, not on the 1500444 console, and the call's ring and answer times start the incident's
intervals; the 1500444 console's "transfer to 119" rings the caller on the PSC line with what the call centre knows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from pytest_django import Settings

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.callcentre import services as callcentre_services
from patriot.callcentre.choices import CallStateChoices, CallTypeChoices
from patriot.callcentre.models import Call
from patriot.core import clock
from patriot.emergency.models import Incident
from patriot.events.audience import Subscriber, may_receive
from patriot.events.models import OutboxEvent
from tests.factories import MARGAHAYU, make_user

pytestmark = pytest.mark.django_db

SECRET = "rahasia-jalur-119-uji"


@pytest.fixture
def hook(settings: Settings) -> Client:
    settings.PATRIOT_CALLCENTRE_HOOK_SECRET = SECRET
    return Client(HTTP_AUTHORIZATION=f"Bearer {SECRET}")


def announce(hook: Client, number: str, line: str, call_id: str) -> Call:
    answer = hook.post(
        "/callcentre/api/incoming",
        {"caller_number": number, "line": line, "call_id": call_id},
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    return Call.objects.get(pk=int(answer.json()["id"]))


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def incident_form(call: Call, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "phone_call": call.pk,
        "caller_number": "0812 7777 1111",
        "complaint": "unconscious",
        "patient_count": 1,
        "conscious": "no",
        "breathing_normally": "no",
        "severe_bleeding": "no",
        "age_band": "adult",
        "latitude": MARGAHAYU[0],
        "longitude": MARGAHAYU[1],
        "address": "Jl. Melati 4",
    }
    data.update(overrides)
    return data


def test_a_call_on_the_psc_line_rings_at_the_psc_only(hook: Client, call_taker: User) -> None:
    psc_call = announce(hook, "081277771111", "119", "pbx-1")
    city_call = announce(hook, "081299990000", "1500444", "pbx-2")
    psc_list = signed_in(call_taker).get("/psc/berdering/").content.decode()
    assert f'data-ringing-call="{psc_call.pk}"' in psc_list and f'data-ringing-call="{city_call.pk}"' not in psc_list
    operator = make_user(RoleChoices.CALLCENTRE_OPERATOR)
    console = signed_in(operator).get("/callcentre/berdering/").content.decode()
    assert f'data-ringing-call="{city_call.pk}"' in console and f'data-ringing-call="{psc_call.pk}"' not in console


def test_its_live_events_reach_the_line_s_own_staff(hook: Client, call_taker: User) -> None:
    psc_call = announce(hook, "081277771111", "119", "pbx-1")
    city_call = announce(hook, "081299990000", "1500444", "pbx-2")
    psc_event = OutboxEvent.objects.get(subject_type="call", subject_id=str(psc_call.pk))
    city_event = OutboxEvent.objects.get(subject_type="call", subject_id=str(city_call.pk))
    operator = Subscriber.of(make_user(RoleChoices.CALLCENTRE_OPERATOR))
    taker, dispatcher = Subscriber.of(call_taker), Subscriber.of(make_user(RoleChoices.PSC_DISPATCHER))
    assert may_receive(taker, psc_event) and may_receive(dispatcher, psc_event)
    assert not may_receive(operator, psc_event)
    assert may_receive(operator, city_event) and not may_receive(taker, city_event)
    for role in (RoleChoices.POC_OPERATOR, RoleChoices.MAYOR, RoleChoices.HOSPITAL_STAFF, RoleChoices.CITIZEN):
        assert not may_receive(Subscriber.of(make_user(role)), psc_event)
    assert not psc_event.is_public


def test_picking_up_fills_the_form_and_times_the_first_interval(hook: Client, areas: None, call_taker: User) -> None:
    call = announce(hook, "081277771111", "119", "pbx-1")
    client = signed_in(call_taker)
    with clock.pinned(call.rung_at + timedelta(seconds=7)):
        picked = client.post(f"/psc/angkat/{call.pk}/")
    assert picked.status_code == 302 and picked["Location"] == f"/psc/?panggilan={call.pk}"
    page = client.get(picked["Location"]).content.decode()
    assert f'name="phone_call" value="{call.pk}"' in page and "+6281277771111" in page
    saved = client.post("/psc/", incident_form(call))
    assert saved.status_code == 302, saved.content.decode()[:2000]
    incident = Incident.objects.get()
    call.refresh_from_db()
    assert incident.phone_call_id == call.pk
    assert incident.call_received_at == call.rung_at
    assert incident.call_answered_at == call.started_at == call.rung_at + timedelta(seconds=7)
    # The same call cannot open a second incident.
    again = client.post("/psc/", incident_form(call))
    assert again.status_code == 409 and Incident.objects.count() == 1


def test_only_the_call_taker_who_answered_uses_the_call(hook: Client, areas: None, call_taker: User) -> None:
    call = announce(hook, "081277771111", "119", "pbx-1")
    signed_in(call_taker).post(f"/psc/angkat/{call.pk}/")
    colleague = make_user(RoleChoices.PSC_CALL_TAKER)
    answer = signed_in(colleague).post("/psc/", incident_form(call))
    assert answer.status_code == 409 and not Incident.objects.exists()
    # Picking up a call already answered is refused in words.
    taken = signed_in(colleague).post(f"/psc/angkat/{call.pk}/", follow=True)
    assert "sudah dijawab operator lain" in taken.content.decode()


def test_a_city_line_call_cannot_be_picked_up_at_the_psc(hook: Client, call_taker: User) -> None:
    city_call = announce(hook, "081299990000", "1500444", "pbx-2")
    assert signed_in(call_taker).post(f"/psc/angkat/{city_call.pk}/").status_code == 404
    city_call.refresh_from_db()
    assert city_call.state == CallStateChoices.RINGING


def test_transfer_to_119_rings_the_caller_at_the_psc_with_what_is_known(areas: None, call_taker: User) -> None:
    operator = make_user(RoleChoices.CALLCENTRE_OPERATOR, first_name="Dewi")
    call = callcentre_services.answer_call(by=operator, caller_number="0812 5555 4444", caller_name="Pak Budi")
    callcentre_services.end_call(
        call,
        by=operator,
        call_type=CallTypeChoices.EMERGENCY,
        transferred_to="119",
        notes="Tetangga pingsan di depan rumah, Jl. Kenanga 2",
    )
    transferred = Call.objects.get(transferred_from=call)
    assert transferred.line == "119" and transferred.state == CallStateChoices.RINGING
    assert transferred.caller_number == "+6281255554444" and transferred.caller_name == "Pak Budi"
    # Correcting the ended call's log does not ring the PSC again.
    callcentre_services.end_call(call, by=operator, call_type=CallTypeChoices.EMERGENCY, transferred_to="119")
    assert Call.objects.filter(transferred_from=call).count() == 1
    client = signed_in(call_taker)
    listed = client.get("/psc/berdering/").content.decode()
    assert f'data-ringing-call="{transferred.pk}"' in listed and "dialihkan dari 1500444" in listed
    client.post(f"/psc/angkat/{transferred.pk}/")
    page = client.get(f"/psc/?panggilan={transferred.pk}").content.decode()
    assert "Dialihkan dari 1500444 oleh Dewi" in page and "Tetangga pingsan" in page and "Pak Budi" in page


def test_a_transfer_to_112_does_not_ring_the_psc(db: None) -> None:
    operator = make_user(RoleChoices.CALLCENTRE_OPERATOR)
    call = callcentre_services.answer_call(by=operator, caller_number="0812 5555 4444")
    callcentre_services.end_call(call, by=operator, call_type=CallTypeChoices.EMERGENCY, transferred_to="112")
    assert not Call.objects.filter(transferred_from=call).exists()


@pytest.mark.parametrize(
    "role", [RoleChoices.CALLCENTRE_OPERATOR, RoleChoices.POC_OPERATOR, RoleChoices.AMBULANCE_CREW, RoleChoices.MAYOR]
)
def test_other_roles_cannot_see_or_pick_up_psc_calls(hook: Client, role: str) -> None:
    call = announce(hook, "081277771111", "119", "pbx-1")
    client = signed_in(make_user(role))
    assert client.get("/psc/berdering/").status_code == 403
    assert client.post(f"/psc/angkat/{call.pk}/").status_code == 403
    call.refresh_from_db()
    assert call.state == CallStateChoices.RINGING


def test_the_1500444_line_never_shows_a_119_call(hook: Client, areas: None, call_taker: User) -> None:
    """A call to the emergency line says something about the caller's health: the call centre's log, its CSVs, a
    number's history and the call pages know nothing of it, and an operator cannot answer it by its id."""
    psc_call = announce(hook, "081277771111", "119", "pbx-1")
    signed_in(call_taker).post(f"/psc/angkat/{psc_call.pk}/")
    ringing = announce(hook, "081277771111", "119", "pbx-2")
    operator = signed_in(make_user(RoleChoices.CALLCENTRE_OPERATOR))
    log = operator.get("/callcentre/panggilan/").content.decode()
    assert f"/callcentre/panggilan/{psc_call.pk}/" not in log
    assert operator.get(f"/callcentre/panggilan/{psc_call.pk}/").status_code == 404
    history = operator.get("/callcentre/cari/", {"q": "081277771111"}, HTTP_HX_REQUEST="true").content.decode()
    assert f"/callcentre/panggilan/{psc_call.pk}/" not in history
    assert operator.post("/callcentre/jawab/", {"call": ringing.pk}).status_code == 404
    ringing.refresh_from_db()
    assert ringing.state == CallStateChoices.RINGING
