"""The console in a real browser: an operator handles a call from a repeat caller, and a call announced by the
phone system's hook pops up on the open console without a reload (server-sent events), also when the caller
withheld their number.

The pages are served by uvicorn running Django's ASGI application in a thread of this process (so it shares the
test database): the live stream is an async response, which only an ASGI server streams.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from pytest_django import Settings

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.accounts.services import load_agencies
from patriot.callcentre import services
from patriot.callcentre.choices import CallStateChoices, CallTypeChoices
from patriot.callcentre.models import Call
from patriot.cases import services as case_services
from patriot.cases.choices import ChannelChoices, TimelineKindChoices
from patriot.cases.models import Case, Category
from patriot.cases.seed import load_categories
from patriot.geo.lookup import reset_area_index
from patriot.geo.models import Village
from patriot.geo.services import load_reference_areas
from tests.browser import DESKTOP, PHONE, HeldRequests, Screens, serve_in_thread
from tests.callcentre.conftest import HOOK_SECRET

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "rahasia-uji-2026"
REPEAT_CALLER = "081234500001"
PORTS = range(18800, 18850)


@pytest.fixture
def asgi_server(settings: Settings) -> Iterator[str]:
    settings.PATRIOT_REDIS_URL = ""
    settings.PATRIOT_SSE_POLL_SECONDS = 0.3
    settings.PATRIOT_CALLCENTRE_HOOK_SECRET = HOOK_SECRET
    with serve_in_thread(PORTS) as base:
        yield base


@pytest.fixture
def city(db: None) -> User:
    load_reference_areas()
    reset_area_index()
    load_agencies()
    load_categories()
    operator = User(username="callcentre", role=RoleChoices.CALLCENTRE_OPERATOR, first_name="Dewi", last_name="Lestari")
    operator.set_password(PASSWORD)
    operator.save()
    return operator


def _earlier_case(operator: User) -> Case:
    """A report the caller made last week through the web form, typed in the local way."""
    village = Village.objects.get(name="Margahayu")
    return case_services.create_case(
        case_services.CaseSubmission(
            channel=ChannelChoices.POT,
            category=Category.objects.get(code="tutup-saluran-hilang"),
            description="Tutup saluran di depan Pasar Proyek hilang, lubangnya dalam.",
            latitude=village.centroid_lat,
            longitude=village.centroid_lon,
            reporter_name="Ratna",
            reporter_phone=REPEAT_CALLER,
        )
    ).case


def _sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/masuk/")
    page.fill("input[name=username]", "callcentre")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def test_an_operator_handles_a_call_from_a_repeat_caller(
    city: User,
    asgi_server: str,
    new_page: Any,
    screens: Screens,
) -> None:
    operator = city
    earlier = _earlier_case(operator)
    base = asgi_server
    page = new_page(viewport=DESKTOP)
    _sign_in(page, base)
    page.goto(f"{base}/callcentre/")
    screens.shot(page, "konsol")

    # The caller rings; the operator types the number as the caller says it and starts the call.
    page.fill("input[name=caller_number]", "0812 3450 0001")
    page.fill("input[name=caller_name]", "Bu Ratna")
    page.locator("[data-start-call]").click()
    page.wait_for_selector("#caller-number")
    assert page.locator("#caller-number").inner_text() == "+6281234500001"
    badge = page.locator("[data-repeat-caller]")
    assert badge.is_visible() and "1" in badge.inner_text()
    row = page.locator(f"[data-history-case='{earlier.tracking_number}']")
    assert "Masuk" in row.inner_text()  # the state, read out in seconds
    screens.shot(page, "layar-1-panggilan-penelepon-berulang")

    # She asks about last week's report: the call goes on that case's timeline.
    row.get_by_role("button", name="Catat: tanya status").click()
    page.wait_for_selector(f"[data-linked-case='{earlier.tracking_number}']")
    assert earlier.timeline.filter(kind=TimelineKindChoices.CALL_LOGGED).count() == 1

    # And she has a new problem to report: screen 2, the form.
    page.locator("[data-new-report]").click()
    page.wait_for_selector("[data-phone-report]")
    page.select_option("select[name=category]", "sampah-liar")
    page.wait_for_selector("select[name=atribut_volume]")
    page.select_option("select[name=atribut_volume]", "sedang")
    page.fill(
        "textarea[name=description]", "Sampah dibuang di lahan kosong belakang Pasar Proyek, sudah setinggi pagar."
    )
    page.select_option("select[name=village]", label="Margahayu")
    page.fill("input[name=address]", "Belakang Pasar Proyek")
    page.check("input[name=is_anonymous]")
    screens.shot(page, "layar-2-formulir-laporan")
    page.locator("[data-submit]").click()

    # Screen 3: the number to read out.
    page.wait_for_selector("#tracking-number")
    number = page.locator("#tracking-number").inner_text().strip()
    screens.shot(page, "layar-3-nomor-laporan")
    case = Case.objects.get(tracking_number=number)
    assert case.channel == ChannelChoices.PHONE and case.is_anonymous
    assert (case.reporter_phone, case.reporter_name) == ("+6281234500001", "Bu Ratna")
    assert case.timeline.filter(kind=TimelineKindChoices.CALL_LOGGED).count() == 1

    assert case.timeline.get(kind=TimelineKindChoices.CALL_LOGGED).data["call_type"] == "new_report"

    # The call's log: a new report (she also asked a status question) is already ticked; a note, end.
    assert page.locator("input[type=radio][name=call_type][value=new_report]").is_checked()
    page.fill("textarea[name=notes]", "Juga menanyakan status laporan tutup saluran.")
    page.locator("[data-end-call]").click()
    page.wait_for_url(f"{base}/callcentre/")
    call = Call.objects.get(caller_number="+6281234500001")
    assert call.state == CallStateChoices.ENDED and call.call_type == CallTypeChoices.NEW_REPORT
    assert set(call.cases.values_list("tracking_number", flat=True)) == {earlier.tracking_number, number}
    assert call.duration_seconds is not None

    # The log shows it with the operator's count.
    page.goto(f"{base}/callcentre/panggilan/")
    assert page.locator("[data-operator-row='callcentre'] [data-count]").inner_text() == "1"
    screens.shot(page, "log-panggilan")

    # The same call screen on a phone.
    phone = new_page(viewport=PHONE)
    _sign_in(phone, base)
    phone.goto(f"{base}/callcentre/panggilan/{call.pk}/")
    too_wide = phone.evaluate(
        "() => Array.from(document.querySelectorAll('main *')).filter(e => e.getBoundingClientRect().right > "
        "window.innerWidth + 1 && !e.closest('.table-scroll')).map(e => e.tagName + '.' + e.className)"
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, too_wide
    screens.shot(phone, "layar-panggilan-di-ponsel")


def test_a_category_chosen_before_the_scripts_ran_still_shows_its_questions(
    city: User,
    asgi_server: str,
    new_page: Any,
    screens: Screens,
) -> None:
    """A quick operator on a slow machine picks the category while htmx is still loading."""
    call = services.answer_call(by=city, caller_number=REPEAT_CALLER)
    page = new_page(viewport=DESKTOP)
    _sign_in(page, asgi_server)
    htmx = HeldRequests(page, "**/vendor/htmx/htmx.min.js")
    page.goto(f"{asgi_server}/callcentre/panggilan/{call.pk}/laporan/", wait_until="commit")
    page.select_option("select[name=category]", "sampah-liar")
    assert page.evaluate("typeof window.htmx") == "undefined"  # nobody listened to that choice
    htmx.release()
    expect(page.locator("select[name=atribut_volume]")).to_be_visible()
    screens.shot(page, "pertanyaan-kategori-setelah-mulai-lambat")


def _announce(base: str, number: str | None, call_id: str) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310 (the test's own server)
        f"{base}/callcentre/api/incoming",
        data=json.dumps({"caller_number": number, "call_id": call_id, "line": "1500444-2"}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {HOOK_SECRET}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.status == 201
        return json.loads(response.read())


def test_the_hook_pops_the_callers_history_on_the_open_console(
    city: User,
    asgi_server: str,
    new_page: Any,
    screens: Screens,
) -> None:
    earlier = _earlier_case(city)
    services.end_call(
        services.answer_call(by=city, caller_number=REPEAT_CALLER), by=city, call_type=CallTypeChoices.OTHER
    )
    base = asgi_server
    page = new_page(viewport=DESKTOP)
    _sign_in(page, base)
    page.goto(f"{base}/callcentre/")
    page.wait_for_selector("[data-no-ringing]")
    # The stream is open before the phone rings.
    page.wait_for_function(
        "() => { const data = document.querySelector('[sse-connect]')['htmx-internal-data'];"
        " return !!(data && data.sseEventSource && data.sseEventSource.readyState === 1); }"
    )
    marker = page.evaluate("() => { window.__notReloaded = true; return true; }")
    assert marker

    announced = _announce(base, "0812-3450-0001", "pbx-popup-1")
    ringing = page.locator(f"[data-ringing-call='{announced['id']}']")
    ringing.wait_for()
    assert page.evaluate("() => window.__notReloaded === true")  # popped in place, not by a reload
    assert ringing.locator("[data-repeat-caller]").is_visible()
    assert ringing.locator(f"[data-history-case='{earlier.tracking_number}']").is_visible()
    screens.shot(page, "panggilan-masuk-muncul")

    ringing.locator(f"[data-answer='{announced['id']}']").click()
    page.wait_for_selector("#caller-number")
    call = Call.objects.get(pk=int(announced["id"]))
    assert call.state == CallStateChoices.ACTIVE and call.operator == city
    screens.shot(page, "panggilan-dijawab")


def test_a_withheld_number_pops_and_the_operator_types_the_number_given(
    city: User,
    asgi_server: str,
    new_page: Any,
    screens: Screens,
) -> None:
    earlier = _earlier_case(city)
    base = asgi_server
    page = new_page(viewport=DESKTOP)
    _sign_in(page, base)
    page.goto(f"{base}/callcentre/")
    page.wait_for_selector("[data-no-ringing]")
    page.wait_for_function(
        "() => { const data = document.querySelector('[sse-connect]')['htmx-internal-data'];"
        " return !!(data && data.sseEventSource && data.sseEventSource.readyState === 1); }"
    )

    announced = _announce(base, "anonymous", "pbx-hidden-1")
    assert announced["caller_number"] == "" and announced["number_withheld"] is True
    ringing = page.locator(f"[data-ringing-call='{announced['id']}']")
    ringing.wait_for()
    assert ringing.locator("[data-withheld]").inner_text() == "Nomor disembunyikan"
    assert ringing.locator("[data-caller-history]").count() == 0
    screens.shot(page, "panggilan-nomor-disembunyikan")

    ringing.locator(f"[data-answer='{announced['id']}']").click()
    page.wait_for_selector("[data-number-form]")
    assert page.locator("#caller-number").inner_text() == "Nomor disembunyikan"
    page.fill("[data-number-form] input[name=caller_number]", "halo")
    page.locator("[data-give-number]").click()
    page.wait_for_selector("#id_caller_number_error")
    page.fill("[data-number-form] input[name=caller_number]", "0812 3450 0001")
    page.locator("[data-give-number]").click()
    page.wait_for_selector(f"[data-history-case='{earlier.tracking_number}']")
    assert page.locator("#caller-number").inner_text() == "+6281234500001"
    assert page.locator("[data-number-given]").is_visible()
    screens.shot(page, "panggilan-nomor-disebutkan")

    # She asks about her report; the call is logged on it and ends as a status question.
    page.locator(f"[data-history-case='{earlier.tracking_number}']").get_by_role(
        "button", name="Catat: tanya status"
    ).click()
    page.wait_for_selector(f"[data-linked-case='{earlier.tracking_number}']")
    assert page.locator("input[type=radio][name=call_type][value=status_question]").is_checked()
    page.locator("[data-end-call]").click()
    page.wait_for_url(f"{base}/callcentre/")
    call = Call.objects.get(pk=int(announced["id"]))
    assert (call.state, call.call_type, call.caller_number) == ("ended", "status_question", "+6281234500001")
    assert call.number_withheld and call.external_id == "pbx-hidden-1"

    # On a phone the call screen of a withheld call fits the width.
    hidden = _announce(base, "Private", "pbx-hidden-2")
    services.answer_call(by=city, call=Call.objects.get(pk=int(hidden["id"])))
    phone = new_page(viewport=PHONE)
    _sign_in(phone, base)
    phone.goto(f"{base}/callcentre/panggilan/{hidden['id']}/")
    assert phone.locator("#caller-number").inner_text() == "Nomor disembunyikan"
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    screens.shot(phone, "panggilan-nomor-disembunyikan-di-ponsel")
