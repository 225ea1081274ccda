"""An anonymous reporter is shown to the POC, as the report form promises; the call centre sees one only for a
report filed on a call from that very number: not on the case page, through the lookup, the search or the CSV."""

from __future__ import annotations

import pytest
from django.test import Client

from patriot.accounts.choices import RoleChoices as Role
from patriot.accounts.models import User
from patriot.callcentre import queries, services
from patriot.callcentre.choices import CallTypeChoices
from patriot.cases import presenters
from patriot.cases.models import Case, Category, ReporterDataAccess
from tests.factories import MARGAHAYU, make_agency, make_case, staff

pytestmark = pytest.mark.django_db

WEB_NAME, WEB_PHONE, WEB_EMAIL = "Bu Rahasia Web", "+6281299990001", "rahasia.web@example.org"
CALLER_NAME, CALLER_PHONE = "Pak Penelepon Anonim", "+6281299990002"
WEB_NUMBER_TYPED = "0812-9999-0001"


@pytest.fixture
def cases(areas: None, operator: User, category: Category) -> dict[str, Case]:
    """An anonymous web report; the same reporter later rings about it; an anonymous report filed on a call."""
    web = make_case(
        category,
        is_anonymous=True,
        reporter_name=WEB_NAME,
        reporter_phone=WEB_PHONE,
        reporter_email=WEB_EMAIL,
        description="Pungli parkir di pasar, pelakunya tetangga saya.",
    )
    asked = services.answer_call(by=operator, caller_number=WEB_PHONE)
    services.link_case(asked, web, by=operator, call_type=CallTypeChoices.STATUS_QUESTION)
    call = services.answer_call(by=operator, caller_number=CALLER_PHONE)
    filed = services.report_for_caller(
        call,
        services.PhoneReport(
            category=category,
            description="Lampu jalan mati sepanjang gang, rawan begal.",
            latitude=MARGAHAYU[0],
            longitude=MARGAHAYU[1],
            reporter_name=CALLER_NAME,
            is_anonymous=True,
        ),
        by=operator,
        idempotency_key="form-1",
    ).case
    named = make_case(category, reporter_name="Pak Terbuka", reporter_phone="+6281299990003")
    return {"web": web, "filed": filed, "named": named}


def _browser(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _secrets_of_web(text: str) -> list[str]:
    return [s for s in (WEB_NAME, WEB_PHONE, WEB_EMAIL, WEB_NUMBER_TYPED, "081299990001") if s in text]


def test_the_rule_per_role(cases: dict[str, Case]) -> None:
    web, filed, named = cases["web"], cases["filed"], cases["named"]
    operator = staff(Role.CALLCENTRE_OPERATOR)
    assert not presenters.may_see_reporter(operator, web)
    assert presenters.may_see_reporter(operator, filed)
    assert presenters.may_see_reporter(operator, named)
    for role in (Role.POC_OPERATOR, Role.POC_SUPERVISOR, Role.SYSTEM_ADMIN):
        assert presenters.may_see_reporter(staff(role), web), role
    for role in (Role.MAYOR,):
        assert not presenters.may_see_reporter(staff(role), web)
        assert not presenters.may_see_reporter(staff(role), filed)
    agency = make_agency()
    assert not presenters.may_see_reporter(staff(Role.AGENCY_ADMIN, agency=agency), filed)


def test_the_call_centre_case_page_hides_an_anonymous_web_reporter(operator: User, cases: dict[str, Case]) -> None:
    browser = _browser(operator)
    page = browser.get(f"/poc/laporan/{cases['web'].tracking_number}/").content.decode()
    assert cases["web"].tracking_number in page
    assert _secrets_of_web(page) == []
    filed = browser.get(f"/poc/laporan/{cases['filed'].tracking_number}/").content.decode()
    assert CALLER_NAME in filed and CALLER_PHONE in filed
    api = browser.get(f"/api/v1/cases/{cases['web'].tracking_number}").json()
    assert api["reporter"] is None
    assert not ReporterDataAccess.objects.filter(case=cases["web"], user=operator).exists()


def test_the_poc_still_sees_every_anonymous_reporter(cases: dict[str, Case]) -> None:
    poc = staff(Role.POC_OPERATOR)
    page = _browser(poc).get(f"/poc/laporan/{cases['web'].tracking_number}/").content.decode()
    assert WEB_NAME in page and WEB_PHONE in page and WEB_EMAIL in page
    assert ReporterDataAccess.objects.filter(case=cases["web"], user=poc).exists()


def test_the_lookup_by_tracking_number_shows_no_anonymous_number(operator: User, cases: dict[str, Case]) -> None:
    browser = _browser(operator)
    answer = browser.get("/callcentre/cari/", {"q": cases["web"].tracking_number}, HTTP_HX_REQUEST="true")
    text = answer.content.decode()
    assert f'data-lookup-case="{cases["web"].tracking_number}"' in text
    assert _secrets_of_web(text) == []
    found = queries.lookup(cases["filed"].tracking_number, viewer=operator)
    assert found.history is not None and found.history.number == CALLER_PHONE


def test_a_numbers_history_does_not_list_its_anonymous_web_reports(operator: User, cases: dict[str, Case]) -> None:
    other = make_case(cases["web"].category, is_anonymous=True, reporter_phone=WEB_PHONE, description="Laporan kedua.")
    history = queries.caller_history(WEB_PHONE, viewer=operator)
    listed = {case.tracking_number for case in history.cases}
    # The web report the caller rang about on the line is listed as asked about; the other one is not.
    assert cases["web"].tracking_number in listed
    assert other.tracking_number not in listed
    answer = _browser(operator).get("/callcentre/cari/", {"q": WEB_NUMBER_TYPED}, HTTP_HX_REQUEST="true")
    assert other.tracking_number not in answer.content.decode()
    assert other.tracking_number in {
        c.tracking_number for c in queries.caller_history(WEB_PHONE, viewer=staff(Role.POC_OPERATOR)).cases
    }
    filed = queries.caller_history(CALLER_PHONE, viewer=operator)
    assert cases["filed"].tracking_number in {case.tracking_number for case in filed.cases}


def test_the_staff_search_by_phone_does_not_find_an_anonymous_web_report_for_the_call_centre(
    operator: User, cases: dict[str, Case]
) -> None:
    other = make_case(cases["web"].category, is_anonymous=True, reporter_phone=WEB_PHONE, description="Laporan kedua.")
    page = _browser(operator).get("/poc/cari/", {"phone": WEB_PHONE}).content.decode()
    assert other.tracking_number not in page
    assert cases["web"].tracking_number not in page
    poc_page = _browser(staff(Role.POC_OPERATOR)).get("/poc/cari/", {"phone": WEB_PHONE}).content.decode()
    assert other.tracking_number in poc_page


def _csv(user: User, path: str = "/poc/cari/csv/", **post: str) -> tuple[int, str]:
    browser = _browser(user)
    answer = browser.post(path, post) if post else browser.get(path)
    if answer.status_code != 200:
        return answer.status_code, ""
    return 200, b"".join(answer.streaming_content).decode()  # type: ignore[attr-defined]


def test_no_csv_gives_the_call_centre_a_reporter(operator: User, cases: dict[str, Case]) -> None:
    # The everyday search CSV carries no reporter at all; the one with reporters is for supervisors.
    status, text = _csv(operator)
    assert status == 200
    assert [secret for secret in (CALLER_NAME, CALLER_PHONE, "Pak Terbuka") if secret in text] == []
    assert _secrets_of_web(text) == []
    status, _text = _csv(operator, "/poc/cari/csv-pelapor/", purpose="Verifikasi ulang laporan warga", query="")
    assert status == 403


def test_a_supervisors_personal_export_never_names_an_anonymous_reporter(cases: dict[str, Case]) -> None:
    status, text = _csv(
        staff(Role.POC_SUPERVISOR), "/poc/cari/csv-pelapor/", purpose="Verifikasi ulang laporan warga", query=""
    )
    assert status == 200
    assert "Pak Terbuka" in text
    assert _secrets_of_web(text) == []


def test_a_withheld_number_never_counts_as_the_same_number(areas: None, operator: User, category: Category) -> None:
    call = services.answer_call(by=operator, caller_number=CALLER_PHONE)
    # A report filed on a call then carried a number the call did not have: nothing ties the two.
    case = make_case(category, channel="phone", is_anonymous=True, reporter_name="Tanpa Nomor", reporter_phone="")
    services.link_case(call, case, by=operator, call_type=CallTypeChoices.NEW_REPORT)
    assert not presenters.may_see_reporter(operator, case)
