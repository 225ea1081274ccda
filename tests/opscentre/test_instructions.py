"""The mayor's instructions ("disposisi pimpinan"): written, shown to the responsible agency only, answered once."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import Agency, User
from patriot.cases import services
from patriot.cases.choices import ChannelChoices, TimelineKindChoices
from patriot.cases.models import Case, Instruction, TimelineEntry
from patriot.core.errors import InvalidInput, InvalidTransition
from patriot.events.models import OutboxEvent
from patriot.opscentre import queries
from tests.core.test_layout import csp_problems
from tests.factories import case_through, make_agency, make_category, make_user

pytestmark = pytest.mark.usefixtures("areas")
Role = RoleChoices


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def agency() -> Agency:
    return make_agency("dbmsda", short_name="DBMSDA")


@pytest.fixture
def case(agency: Agency) -> Case:
    return case_through("dispatched", category=make_category(default_agency=agency), agency=agency)


def test_service_lifecycle_writes_internal_timeline_and_events(case: Case, agency: Agency) -> None:
    mayor = make_user(Role.MAYOR)
    instruction = services.instruct_case(case, by=mayor, text="Segera tangani sebelum musim hujan.")
    entry = TimelineEntry.objects.filter(case=case).latest("id")
    assert entry.kind == TimelineKindChoices.INSTRUCTED
    assert not entry.is_public
    event = OutboxEvent.objects.latest("id")
    assert event.kind == "case.instructed"
    assert not event.is_public
    assert event.agency_id == agency.pk
    officer = make_user(Role.AGENCY_OFFICER, agency=agency)
    services.answer_instruction(instruction, by=officer, answer="Tim URC dikirim besok pagi.")
    instruction.refresh_from_db()
    assert instruction.is_answered
    assert instruction.answered_by == officer
    answered = TimelineEntry.objects.filter(case=case).latest("id")
    assert answered.kind == TimelineKindChoices.INSTRUCTION_ANSWERED
    assert not answered.is_public
    with pytest.raises(InvalidTransition):
        services.answer_instruction(instruction, by=officer, answer="Lagi.")
    with pytest.raises(InvalidInput):
        services.instruct_case(case, by=mayor, text="   ")


def test_no_instruction_on_a_finished_case(agency: Agency) -> None:
    closed = case_through("rejected")
    with pytest.raises(InvalidTransition):
        services.instruct_case(closed, by=make_user(Role.MAYOR), text="Buka lagi.")
    assert not Instruction.objects.exists()


def test_mayor_instructs_agency_answers_through_the_pages(case: Case, agency: Agency) -> None:
    mayor = client_for(make_user(Role.MAYOR))
    page = mayor.get(f"/poc/laporan/{case.tracking_number}/")
    assert "Tulis disposisi pimpinan" in page.content.decode()
    empty = mayor.post(f"/poc/laporan/{case.tracking_number}/disposisi/", {"text": ""})
    assert empty.status_code == 400
    assert 'id="instruct-text_error"' in empty.content.decode()
    assert not Instruction.objects.exists()
    sent = mayor.post(f"/poc/laporan/{case.tracking_number}/disposisi/", {"text": "Mohon prioritas, dekat sekolah."})
    assert sent.status_code == 302
    instruction = Instruction.objects.get()

    officer_user = make_user(Role.AGENCY_OFFICER, agency=agency)
    officer = client_for(officer_user)
    inbox = officer.get("/opd/").content.decode()
    assert "Mohon prioritas, dekat sekolah." in inbox
    assert "1 disposisi pimpinan menunggu tanggapan" in inbox
    case_page = officer.get(f"/opd/laporan/{case.tracking_number}/").content.decode()
    assert "Kirim tanggapan" in case_page

    other = client_for(make_user(Role.AGENCY_ADMIN, agency=make_agency("dinkes")))
    assert "Mohon prioritas" not in other.get("/opd/").content.decode()
    url = f"/opd/laporan/{case.tracking_number}/disposisi/{instruction.pk}/tanggapi/"
    assert other.post(url, {"answer": "Bukan kami."}).status_code == 404
    assert officer.post(url, {"answer": ""}).status_code == 400
    assert officer.post(url, {"answer": "Sudah dijadwalkan hari ini."}).status_code == 302
    instruction.refresh_from_db()
    assert instruction.answer == "Sudah dijadwalkan hari ini."
    again = officer.post(url, {"answer": "Lagi."})
    assert again.status_code == 400
    assert "sudah ditanggapi" in again.content.decode()
    assert "menunggu tanggapan" not in officer.get("/opd/").content.decode()

    workspace = mayor.get("/walikota/").content.decode()
    assert "Sudah dijadwalkan hari ini." in workspace
    assert queries.instruction_summary()["open"] == 0


def test_only_the_mayor_and_admin_may_instruct(case: Case, agency: Agency) -> None:
    url = f"/poc/laporan/{case.tracking_number}/disposisi/"
    for role in (Role.POC_OPERATOR, Role.POC_SUPERVISOR, Role.CALLCENTRE_OPERATOR):
        assert client_for(make_user(role)).post(url, {"text": "Tidak boleh."}).status_code == 403
    assert client_for(make_user(Role.AGENCY_ADMIN, agency=agency)).post(url, {"text": "x"}).status_code == 403
    assert client_for(make_user(Role.SYSTEM_ADMIN)).post(url, {"text": "Boleh."}).status_code == 302
    assert Instruction.objects.count() == 1


def test_public_tracking_never_shows_instructions(case: Case) -> None:
    services.instruct_case(case, by=make_user(Role.MAYOR), text="Rahasia internal pimpinan.")
    public = Client().get(f"/api/v1/public/cases/{case.tracking_number}")
    assert public.status_code == 200
    assert "Rahasia internal pimpinan." not in public.content.decode()


def test_demo_instructions_land_on_sorot_and_overdue_cases(agency: Agency) -> None:
    from patriot.cases.choices import ChannelChoices
    from patriot.opscentre.demo import create_demo_instructions
    from tests.factories import make_case

    assert create_demo_instructions() == 0  # no mayor yet
    make_user(Role.MAYOR)
    make_user(Role.AGENCY_ADMIN, agency=agency)
    category = make_category(default_agency=agency)
    for _ in range(3):
        sorot = make_case(category, channel=ChannelChoices.SOROT)
        case_through("dispatched", case=sorot, agency=agency)
    assert create_demo_instructions() == 3
    assert Instruction.objects.filter(answered_at__isnull=False).count() == 2
    assert create_demo_instructions() == 0  # idempotent


def test_demo_instructions_go_first_to_agencies_with_demo_accounts(agency: Agency) -> None:
    from patriot.cases.choices import ChannelChoices
    from patriot.opscentre.demo import create_demo_instructions
    from tests.factories import make_agency, make_case

    make_user(Role.MAYOR)
    make_user(Role.AGENCY_ADMIN, agency=agency)
    nobody_signs_in = make_agency()
    for holder in (agency, agency, nobody_signs_in, nobody_signs_in):  # newest first would pick the latter
        sorot = make_case(make_category(default_agency=holder), channel=ChannelChoices.SOROT)
        case_through("dispatched", case=sorot, agency=holder)
    assert create_demo_instructions() == 4
    answered = Instruction.objects.filter(answered_at__isnull=False)
    assert answered.count() == 2 and {i.case.agency_id for i in answered} == {agency.pk}


def test_beri_disposisi_opens_the_instruction_form_with_the_cursor_in_it(case: Case) -> None:
    from tests.factories import make_case

    make_case(case.category, channel=ChannelChoices.SOROT)
    mayor = client_for(make_user(Role.MAYOR))
    workspace = mayor.get("/walikota/").content.decode()
    link = re.search(r'<a href="(/poc/laporan/[^"]+)"><small>Beri disposisi</small>', workspace)
    assert link is not None
    assert link.group(1).endswith("/?disposisi=1")  # no #fragment: a targeted fragment would cancel autofocus
    opened = mayor.get(link.group(1)).content.decode()
    assert '<details class="instruct-form" open>' in opened
    assert re.search(r'<textarea name="text"[^>]*\bautofocus\b[^>]*id="instruct-text"', opened)
    assert not csp_problems(opened)
    plain = mayor.get(link.group(1).split("?")[0]).content.decode()
    assert '<details class="instruct-form">' in plain
    assert "autofocus" not in plain


def test_several_open_instructions_each_get_their_own_answer_form(case: Case, agency: Agency) -> None:
    mayor = make_user(Role.MAYOR)
    first = services.instruct_case(case, by=mayor, text="Segera tangani.")
    second = services.instruct_case(case, by=mayor, text="Laporkan biayanya juga.")
    officer = client_for(make_user(Role.AGENCY_OFFICER, agency=agency))
    page = officer.get(f"/opd/laporan/{case.tracking_number}/").content.decode()
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    assert f'id="answer-{first.pk}-answer"' in page
    assert f'id="answer-{second.pk}-answer"' in page
    refused = officer.post(f"/opd/laporan/{case.tracking_number}/disposisi/{second.pk}/tanggapi/", {"answer": " "})
    assert refused.status_code == 400
    html = refused.content.decode()
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    # The error stands under the instruction that was answered, not under every one.
    assert f'id="answer-{second.pk}-answer_error"' in html
    assert f'id="answer-{first.pk}-answer_error"' not in html
    assert html.count('class="errorlist"') == 1
