"""The console's pages through the test client: who may enter, the three screens of a phone report, the log."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.callcentre import services
from patriot.callcentre.choices import CallStateChoices, CallTypeChoices
from patriot.callcentre.models import Call
from patriot.cases.choices import ChannelChoices, TimelineKindChoices
from patriot.cases.models import Case, Category, PersonalDataExport
from tests.core.test_layout import csp_problems
from tests.factories import MARGAHAYU, make_agency, make_case, make_user, staff

pytestmark = pytest.mark.usefixtures("areas")
Role = RoleChoices


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(client: Client, url: str, **extra: Any) -> Any:
    response = client.get(url, **extra)
    if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
        assert not csp_problems(response.content.decode())
    return response


# --- who may enter -----------------------------------------------------------------------------


def test_signed_out_people_are_sent_to_sign_in() -> None:
    response = Client().get("/callcentre/")
    assert response.status_code == 302 and response["Location"].startswith("/masuk/")


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.AGENCY_OFFICER, Role.URC_OFFICER, Role.POC_OPERATOR, Role.MAYOR])
def test_other_roles_get_403_everywhere(role: str, operator: User) -> None:
    agency = make_agency() if role in (Role.AGENCY_OFFICER,) else None
    client = client_for(make_user(role, agency=agency))
    call = services.answer_call(by=operator, caller_number="081234500001")
    for url in (
        "/callcentre/",
        "/callcentre/panggilan/",
        "/callcentre/berdering/",
        f"/callcentre/panggilan/{call.pk}/",
        f"/callcentre/panggilan/{call.pk}/laporan/",
        "/callcentre/cari/?q=081234500001",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post("/callcentre/jawab/", {"caller_number": "081234500001"}).status_code == 403
    assert client.post(f"/callcentre/panggilan/{call.pk}/selesai/", {"call_type": "other"}).status_code == 403
    assert Call.objects.count() == 1


@pytest.mark.parametrize("role", [Role.CALLCENTRE_OPERATOR, Role.SYSTEM_ADMIN])
def test_operators_and_admins_open_the_console(role: str) -> None:
    client = client_for(make_user(role))
    for url in ("/callcentre/", "/callcentre/panggilan/", "/callcentre/berdering/"):
        assert page(client, url).status_code == 200, url


def test_an_unknown_call_is_404(operator: User) -> None:
    assert client_for(operator).get("/callcentre/panggilan/999/").status_code == 404


# --- answering and the call screen --------------------------------------------------------------


def test_a_typed_number_is_checked_next_to_the_field(operator: User) -> None:
    client = client_for(operator)
    response = client.post("/callcentre/jawab/", {"caller_number": "halo"})
    assert response.status_code == 400
    assert 'id="id_caller_number_error"' in response.content.decode()
    assert not Call.objects.exists()


def test_console_shows_ringing_calls_with_history_and_answers_them(operator: User) -> None:
    make_case(reporter_phone="081234500001")
    ringing = services.announce_call(caller_number="081234500001").call
    client = client_for(operator)
    body = page(client, "/callcentre/").content.decode()
    assert f'data-ringing-call="{ringing.pk}"' in body and "data-repeat-caller" in body
    assert 'sse-connect="/events/stream/"' in body and 'hx-trigger="sse:call, live-resync from:body"' in body
    assert "data-live-indicator" in body  # the console says whether its live updates are connected
    partial = page(client, "/callcentre/berdering/").content.decode()
    assert f'data-answer="{ringing.pk}"' in partial
    response = client.post("/callcentre/jawab/", {"call": ringing.pk})
    assert response.status_code == 302 and response["Location"] == f"/callcentre/panggilan/{ringing.pk}/"
    ringing.refresh_from_db()
    assert ringing.state == CallStateChoices.ACTIVE and ringing.operator == operator
    # Another operator who clicks late is told, and nothing changes.
    late = client_for(make_user(Role.CALLCENTRE_OPERATOR)).post("/callcentre/jawab/", {"call": ringing.pk}, follow=True)
    assert "sudah dijawab operator lain" in late.content.decode()


def test_lookup_partial_finds_a_case_by_number(operator: User) -> None:
    case = make_case(reporter_phone="081234500001")
    client = client_for(operator)
    response = page(client, f"/callcentre/cari/?q={case.tracking_number}", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert f'data-lookup-case="{case.tracking_number}"' in body and "<html" not in body
    full = page(client, f"/callcentre/?q={case.tracking_number}").content.decode()
    assert f'data-lookup-case="{case.tracking_number}"' in full


# --- a new report in three screens ----------------------------------------------------------------


def _local(moment: datetime) -> str:
    """A time as the form's datetime-local field sends it: the city's wall clock."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M:%S")


def _token(html: str) -> str:
    match = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', html)
    assert match
    return match.group(1)


def test_a_new_report_takes_three_screens_and_a_double_submit_makes_one_case(
    operator: User, category: Category
) -> None:
    client = client_for(operator)
    response = client.post("/callcentre/jawab/", {"caller_number": "0812-3450-0001", "caller_name": "Bu Ratna"})
    call = Call.objects.get()
    # Screen 1: the call, the caller's number and history, a button to the report form.
    screen_1 = page(client, response["Location"]).content.decode()
    assert "+6281234500001" in screen_1 and f"/callcentre/panggilan/{call.pk}/laporan/" in screen_1
    # Screen 2: the form.
    screen_2 = page(client, f"/callcentre/panggilan/{call.pk}/laporan/").content.decode()
    assert 'value="Bu Ratna"' in screen_2
    form = {
        "category": category.code,
        "description": "Jalan berlubang di depan SDN Margahayu 1, sudah dua motor jatuh.",
        "village": "",
        "address": "Jl. Ir. H. Juanda",
        "latitude": "",
        "longitude": "",
        "reporter_name": "Bu Ratna",
        "is_anonymous": "on",
        "idempotency_key": _token(screen_2),
    }
    missing_place = client.post(f"/callcentre/panggilan/{call.pk}/laporan/", form)
    assert missing_place.status_code == 400 and 'id="id_village_error"' in missing_place.content.decode()
    assert not Case.objects.exists()
    form["village"] = "32.75.01.1002"  # Margahayu: its centre places the case
    first = client.post(f"/callcentre/panggilan/{call.pk}/laporan/", form)
    second = client.post(f"/callcentre/panggilan/{call.pk}/laporan/", form)
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    case = Case.objects.get()
    assert case.channel == ChannelChoices.PHONE and case.is_anonymous and not case.is_confidential
    assert case.reporter_phone == "+6281234500001" and case.village.name == "Margahayu"
    assert case.timeline.filter(kind=TimelineKindChoices.CALL_LOGGED).count() == 1
    # Screen 3: the number to read out and the call's log to finish.
    screen_3 = page(client, first["Location"]).content.decode()
    assert f'id="tracking-number">{case.tracking_number}<' in screen_3 and "data-end-form" in screen_3
    done = client.post(
        f"/callcentre/panggilan/{call.pk}/selesai/",
        {
            "call_type": "new_report",
            "transferred_to": "",
            "caller_name": "Bu Ratna",
            "started_at": "",
            "ended_at": "",
            "notes": "",
        },
    )
    assert done.status_code == 400  # the start time is required
    done = client.post(
        f"/callcentre/panggilan/{call.pk}/selesai/",
        {
            "call_type": "new_report",
            "caller_name": "Bu Ratna",
            "started_at": _local(call.started_at),
            "ended_at": "",
            "notes": "Penelepon minta dikabari.",
        },
    )
    assert done.status_code == 302 and done["Location"] == "/callcentre/"
    call.refresh_from_db()
    assert call.state == CallStateChoices.ENDED and call.call_type == CallTypeChoices.NEW_REPORT


def test_a_map_tap_places_the_case_and_required_attributes_are_asked(operator: User) -> None:
    category = Category.objects.create(
        code="sampah-liar",
        name="Pembuangan sampah liar",
        name_en="Illegal dumping",
        group="environment",
        attributes=[
            {
                "code": "volume",
                "label": "Perkiraan volume",
                "datatype": "singlevaluelist",
                "required": True,
                "values": [{"key": "kecil", "name": "Kecil"}, {"key": "besar", "name": "Besar"}],
            }
        ],
    )
    client = client_for(operator)
    call = services.answer_call(by=operator, caller_number="081234500001")
    fields = page(client, f"/callcentre/panggilan/{call.pk}/laporan/atribut/?category={category.code}").content
    assert b'name="atribut_volume"' in fields
    screen_2 = page(client, f"/callcentre/panggilan/{call.pk}/laporan/").content.decode()
    form = {
        "category": category.code,
        "description": "Sampah dibuang di lahan kosong.",
        "latitude": str(MARGAHAYU[0]),
        "longitude": str(MARGAHAYU[1]),
        "idempotency_key": _token(screen_2),
    }
    response = client.post(f"/callcentre/panggilan/{call.pk}/laporan/", form)
    assert response.status_code == 400 and 'id="id_atribut_volume_error"' in response.content.decode()
    form["atribut_volume"] = "besar"
    assert client.post(f"/callcentre/panggilan/{call.pk}/laporan/", form).status_code == 302
    case = Case.objects.get()
    assert case.attributes == {"volume": "besar"} and case.village.code == "32.75.01.1002"


def test_a_status_question_is_logged_on_the_case(operator: User) -> None:
    case = make_case(reporter_phone="081234500001")
    client = client_for(operator)
    client.post("/callcentre/jawab/", {"caller_number": "081234500001"})
    call = Call.objects.get()
    body = page(client, f"/callcentre/panggilan/{call.pk}/").content.decode()
    assert f'data-history-case="{case.tracking_number}"' in body and "data-repeat-caller" in body
    response = client.post(
        f"/callcentre/panggilan/{call.pk}/tautkan/", {"case": case.tracking_number, "call_type": "status_question"}
    )
    assert response.status_code == 302
    assert case.timeline.filter(kind=TimelineKindChoices.CALL_LOGGED, is_public=False).count() == 1
    assert (
        f'data-linked-case="{case.tracking_number}"'
        in page(client, f"/callcentre/panggilan/{call.pk}/").content.decode()
    )
    assert client.post(f"/callcentre/panggilan/{call.pk}/tautkan/", {"case": "BKS-0000-000000"}).status_code == 404
    # The POC sees on the case's timeline what the call was about.
    poc_page = client_for(make_user(RoleChoices.POC_OPERATOR)).get(f"/poc/laporan/{case.tracking_number}/")
    assert 'data-value="status_question"' in poc_page.content.decode()


def test_a_linked_untitled_report_is_headed_by_its_category_in_the_readers_language(operator: User) -> None:
    """Issue 14 item 14: an untitled report's stored title is its category's Indonesian name; the call's list of
    linked reports heads it as every other page does (Case.headline), so the console in English reads English."""
    case = make_case(reporter_phone="081234500001", title="")
    assert case.title == case.category.name and case.category.name_en
    client = client_for(operator)
    call = services.answer_call(by=operator, caller_number="081234500001")
    client.post(
        f"/callcentre/panggilan/{call.pk}/tautkan/", {"case": case.tracking_number, "call_type": "status_question"}
    )

    def linked_row(language: str) -> str:
        client.cookies["django_language"] = language
        body = page(client, f"/callcentre/panggilan/{call.pk}/").content.decode()
        return re.search(rf'data-linked-case="{case.tracking_number}".*?</li>', body, re.S).group(0)  # type: ignore[union-attr]

    english = linked_row("en")
    assert case.category.name_en in english and case.category.name not in english
    assert case.category.name in linked_row("id")


def test_an_emergency_without_a_line_is_refused_next_to_the_field(operator: User) -> None:
    client = client_for(operator)
    call = services.answer_call(by=operator, caller_number="081234500001")
    form = {"call_type": "emergency", "started_at": _local(call.started_at)}
    response = client.post(f"/callcentre/panggilan/{call.pk}/selesai/", form)
    assert response.status_code == 400 and 'id="id_transferred_to_error"' in response.content.decode()
    form["transferred_to"] = "112"
    assert client.post(f"/callcentre/panggilan/{call.pk}/selesai/", form).status_code == 302
    call.refresh_from_db()
    assert (call.call_type, call.transferred_to, call.state) == ("emergency", "112", "ended")


def _checked_call_type(html: str) -> list[str]:
    """The call-type radio(s) the end form has ticked."""
    return [
        re.search(r'value="([a-z_]+)"', tag).group(1)  # type: ignore[union-attr]
        for tag in re.findall(r'<input[^>]*name="call_type"[^>]*>', html)
        if " checked" in tag
    ]


def _report_form(client: Client, call: Call, category: Category) -> dict[str, str]:
    screen_2 = page(client, f"/callcentre/panggilan/{call.pk}/laporan/").content.decode()
    return {
        "category": category.code,
        "description": "Jalan berlubang di depan SDN Margahayu 1, sudah dua motor jatuh.",
        "village": "32.75.01.1002",
        "address": "Jl. Ir. H. Juanda",
        "reporter_name": "Bu Ratna",
        "idempotency_key": _token(screen_2),
    }


def test_a_report_after_a_status_question_makes_it_a_new_report_call_everywhere(
    operator: User, category: Category
) -> None:
    asked_about = make_case(reporter_phone="081234500001")
    client = client_for(operator)
    client.post("/callcentre/jawab/", {"caller_number": "081234500001"})
    call = Call.objects.get()
    client.post(f"/callcentre/panggilan/{call.pk}/tautkan/", {"case": asked_about.tracking_number})
    screen_1 = page(client, f"/callcentre/panggilan/{call.pk}/").content.decode()
    assert _checked_call_type(screen_1) == ["status_question"]
    done = client.post(f"/callcentre/panggilan/{call.pk}/laporan/", _report_form(client, call, category))
    assert done.status_code == 302
    filed = Case.objects.exclude(pk=asked_about.pk).get()
    logged = filed.timeline.get(kind=TimelineKindChoices.CALL_LOGGED)
    assert logged.data == {"call_id": call.pk, "call_type": "new_report"}
    # Screen 3 and the call screen offer "new report" as the call's type; the header says so too.
    screen_3 = page(client, done["Location"]).content.decode()
    assert _checked_call_type(screen_3) == ["new_report"]
    screen_1 = page(client, f"/callcentre/panggilan/{call.pk}/").content.decode()
    assert _checked_call_type(screen_1) == ["new_report"]
    head = screen_1.split('class="console-grid"')[0]
    assert 'data-value="new_report"' in head and 'data-value="status_question"' not in head
    # The operator ends the call with the ticked type.
    ended = client.post(
        f"/callcentre/panggilan/{call.pk}/selesai/",
        {"call_type": "new_report", "started_at": _local(call.started_at)},
    )
    assert ended.status_code == 302
    call.refresh_from_db()
    assert call.call_type == CallTypeChoices.NEW_REPORT
    # The log, its filter and its CSV show the final type.
    log = page(client, "/callcentre/panggilan/").content.decode()
    row = re.search(rf'<tr data-call="{call.pk}">(.*?)</tr>', log, re.S)
    assert row and 'data-value="new_report"' in row.group(1) and "status_question" not in row.group(1)
    assert f'data-call="{call.pk}"' in page(client, "/callcentre/panggilan/?call_type=new_report").content.decode()
    assert (
        f'data-call="{call.pk}"'
        not in page(client, "/callcentre/panggilan/?call_type=status_question").content.decode()
    )
    response = client.get("/callcentre/panggilan/?format=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    # No caller numbers in the everyday export (hardening issue, item 4): the type and cases moved one column left.
    assert "Nomor penelepon" not in rows[0]
    assert rows[1][5] == str(CallTypeChoices.label("new_report"))
    assert set(rows[1][7].split()) == {asked_about.tracking_number, filed.tracking_number}
    # A later call from the same number lists this one as a new report in the caller's history.
    later = services.answer_call(by=operator, caller_number="081234500001")
    history = page(client, f"/callcentre/panggilan/{later.pk}/").content.decode()
    earlier = history.split('class="earlier-calls"')[1]
    assert 'data-value="new_report"' in earlier and 'data-value="status_question"' not in earlier


# --- withheld numbers -------------------------------------------------------------------------------


def test_a_withheld_call_pops_without_history_and_takes_the_number_the_caller_gives(
    operator: User, other_operator: User
) -> None:
    earlier = make_case(reporter_phone="081234500001")
    make_case(reporter_phone="")  # a report without a number: not this caller's history
    ringing = services.announce_call(caller_number="anonymous", external_id="pbx-hidden").call
    client = client_for(operator)
    partial = page(client, "/callcentre/berdering/").content.decode()
    assert f'data-ringing-call="{ringing.pk}"' in partial and "Nomor disembunyikan" in partial
    assert "data-caller-history" not in partial and "data-repeat-caller" not in partial
    assert "(nomor disembunyikan)" in partial  # on the answer button
    response = client.post("/callcentre/jawab/", {"call": ringing.pk})
    assert response.status_code == 302
    screen_1 = page(client, response["Location"]).content.decode()
    assert 'id="caller-number" data-withheld>Nomor disembunyikan<' in screen_1
    assert "data-number-form" in screen_1 and "data-caller-history" not in screen_1
    console = page(client, "/callcentre/").content.decode()
    assert "Nomor disembunyikan" in console.split("open-calls")[1]
    # A number that does not read is refused next to the field, nothing changes.
    bad = client.post(f"/callcentre/panggilan/{ringing.pk}/nomor/", {"caller_number": "halo"})
    assert bad.status_code == 400 and 'id="id_caller_number_error"' in bad.content.decode()
    empty = client.post(f"/callcentre/panggilan/{ringing.pk}/nomor/", {"caller_number": ""})
    assert empty.status_code == 400 and "Ketik nomor yang disebutkan penelepon." in empty.content.decode()
    ringing.refresh_from_db()
    assert ringing.caller_number == ""
    # Another operator may not; the one on the call may.
    other = client_for(other_operator).post(
        f"/callcentre/panggilan/{ringing.pk}/nomor/", {"caller_number": "081234500001"}
    )
    assert other.status_code == 400 and "operator lain" in other.content.decode()
    given = client.post(f"/callcentre/panggilan/{ringing.pk}/nomor/", {"caller_number": "0812-3450-0001"})
    assert given.status_code == 302 and given["Location"] == f"/callcentre/panggilan/{ringing.pk}/"
    screen_1 = page(client, given["Location"]).content.decode()
    assert 'id="caller-number">+6281234500001<' in screen_1 and "data-number-given" in screen_1
    assert f'data-history-case="{earlier.tracking_number}"' in screen_1
    # The log shows the number the caller gave; a call still without one says it was withheld.
    services.end_call(ringing, by=operator, call_type=CallTypeChoices.OTHER)
    hidden = services.announce_call(caller_number="Private").call
    services.answer_call(by=operator, call=hidden)
    services.end_call(hidden, by=operator, call_type=CallTypeChoices.OTHER)
    log = page(client, "/callcentre/panggilan/").content.decode()
    row = re.search(rf'<tr data-call="{hidden.pk}">(.*?)</tr>', log, re.S)
    assert row and "data-withheld" in row.group(1)
    assert "+6281234500001" in re.search(rf'<tr data-call="{ringing.pk}">(.*?)</tr>', log, re.S).group(1)  # type: ignore[union-attr]


def test_a_known_number_offers_no_number_form(operator: User) -> None:
    client = client_for(operator)
    call = services.answer_call(by=operator, caller_number="081234500001")
    assert "data-number-form" not in page(client, f"/callcentre/panggilan/{call.pk}/").content.decode()
    refused = client.post(f"/callcentre/panggilan/{call.pk}/nomor/", {"caller_number": "081234500002"})
    assert refused.status_code == 400
    call.refresh_from_db()
    assert call.caller_number == "+6281234500001"


# --- the log ------------------------------------------------------------------------------------------


def test_call_log_filters_counts_and_csv(operator: User, other_operator: User) -> None:
    for who, seconds, kind in ((operator, 90, "other"), (operator, 30, "complaint"), (other_operator, 60, "other")):
        call = services.answer_call(by=who, caller_number="081234500001")
        services.end_call(call, by=who, call_type=kind, ended_at=call.started_at + timedelta(seconds=seconds))
    client = client_for(operator)
    body = page(client, "/callcentre/panggilan/").content.decode()
    row = re.search(r'data-operator-row="operator-1">(.*?)</tr>', body, re.S)
    assert row and '<td class="num" data-count>2</td>' in row.group(1) and "1:00" in row.group(1)
    filtered = page(client, f"/callcentre/panggilan/?operator={other_operator.pk}&call_type=other").content.decode()
    assert 'data-operator-row="operator-2"' in filtered and 'data-operator-row="operator-1"' not in filtered
    response = client.get("/callcentre/panggilan/?call_type=complaint&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 2 and rows[1][3] == "30" and rows[1][4] == "operator-1"
    assert page(client, "/callcentre/panggilan/?since=kemarin").status_code == 400


def test_pages_speak_english_when_chosen(operator: User) -> None:
    client = client_for(operator)
    client.post("/i18n/setlang/", {"language": "en", "next": "/callcentre/"})
    body = page(client, "/callcentre/").content.decode()
    assert 'lang="en"' in body


def test_call_log_with_numbers_is_for_supervisors_with_a_purpose(operator: User) -> None:
    named = make_case(reporter_phone="081234500002")
    anonymous = make_case(reporter_phone="081234500003", is_anonymous=True)
    for number, case, notes in (
        ("081234500002", named, '=HYPERLINK("http://jahat.example")'),
        ("081234500003", anonymous, "Pelapor minta dirahasiakan"),
    ):
        call = services.answer_call(by=operator, caller_number=number)
        services.link_case(call, case, by=operator, call_type="status_question")
        services.end_call(call, by=operator, call_type="status_question", notes=notes)
    query = "call_type=status_question"
    body = {"query": query, "purpose": "Audit mutu layanan bulan ini"}
    assert client_for(operator).post("/callcentre/panggilan/csv-pribadi/", body).status_code == 403
    admin = client_for(staff(RoleChoices.SYSTEM_ADMIN))
    assert b"csv-pribadi" in page(admin, "/callcentre/panggilan/").content
    assert b"csv-pribadi" not in page(client_for(operator), "/callcentre/panggilan/").content
    refused = admin.post("/callcentre/panggilan/csv-pribadi/", {**body, "purpose": ""})
    assert refused.status_code == 302 and not PersonalDataExport.objects.exists()

    response = admin.post("/callcentre/panggilan/csv-pribadi/", body)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][5] == "Nomor penelepon"
    by_case = {row[8]: row for row in rows[1:]}
    assert by_case[named.tracking_number][5] == "'+6281234500002"
    assert by_case[named.tracking_number][-1] == '\'=HYPERLINK("http://jahat.example")'
    assert by_case[anonymous.tracking_number][5] == ""
    assert "81234500003" not in "\n".join(",".join(row) for row in rows)
    assert PersonalDataExport.objects.get().export == "call_log"
