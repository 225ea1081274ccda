"""Citizen account pages as a browser without JavaScript uses them, and the SOROT report path."""

from __future__ import annotations

import json
import logging
import re
import uuid
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import ApiToken, User
from patriot.accounts.services import create_api_token
from patriot.cases import services as case_services
from patriot.cases.choices import ChannelChoices, TimelineKindChoices
from patriot.cases.models import Case, TimelineEntry
from patriot.cases.presenters import staff_case
from patriot.citizens import notify
from patriot.citizens.models import CitizenProfile, Notification
from tests.citizens.conftest import PASSWORD, make_citizen
from tests.core.test_layout import csp_problems
from tests.factories import MARGAHAYU, make_case, make_category, make_user, staff

pytestmark = pytest.mark.django_db


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _text(response: Any) -> str:
    return response.content.decode()


# --- registration and verification -------------------------------------------------------------------


def _form(**overrides: str) -> dict[str, str]:
    values = {
        "name": "Dewi Lestari",
        "phone": "0813 1234 5678",
        "email": "dewi@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    values.update(overrides)
    return values


def test_registration_page_is_csp_clean() -> None:
    response = Client().get("/akun/daftar/")
    assert response.status_code == 200
    assert not csp_problems(_text(response))
    assert 'name="phone"' in _text(response) and 'type="tel"' in _text(response)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"phone": "021 8801234"}, "phone", "telepon rumah"),
        ({"phone": "+1 415 555 2671"}, "phone", "Indonesia"),
        ({"email": "bukan-email"}, "email", ""),
        ({"password2": "lain-sekali-2026"}, "password2", "tidak sama"),
        ({"password1": "12345678", "password2": "12345678"}, "password1", ""),
    ],
)
def test_bad_registration_input_is_shown_next_to_the_field(overrides: dict[str, str], field: str, message: str) -> None:
    response = Client().post("/akun/daftar/", _form(**overrides))
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in _text(response)
    assert message in _text(response)
    assert not User.objects.exists()


def test_duplicate_email_is_refused_on_the_page(citizen: User) -> None:
    response = Client().post("/akun/daftar/", _form(email="SITI@example.org"))
    assert response.status_code == 400
    assert "sudah terdaftar" in _text(response)
    assert User.objects.count() == 1


def test_register_then_verify_email_and_phone(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="patriot.sms")
    client = Client()
    response = client.post("/akun/daftar/", _form())
    assert response.status_code == 302 and response["Location"] == "/akun/verifikasi/"
    user = User.objects.get(username="dewi@example.org")
    assert user.phone == "+6281312345678" and user.role == RoleChoices.CITIZEN
    [message] = mail.outbox
    link = re.search(r"http://testserver(/akun/verifikasi/email/[^/\s]+/)", message.body)
    assert link, message.body
    page = client.get("/akun/verifikasi/")
    assert 'data-unverified="email"' in _text(page) and not csp_problems(_text(page))

    assert client.get(link.group(1)).status_code == 302
    assert 'data-verified="email"' in _text(client.get("/akun/verifikasi/"))

    assert client.post("/akun/verifikasi/hp/kirim/").status_code == 302
    code = re.findall(r"\b(\d{6})\b", caplog.text)[-1]
    wrong = client.post("/akun/verifikasi/hp/", {"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 400 and "Sisa 4 percobaan" in _text(wrong)
    assert client.post("/akun/verifikasi/hp/", {"code": code}).status_code == 302
    assert CitizenProfile.objects.get(user=user).is_verified


def test_tampered_email_link_page_says_so(unverified_citizen: User) -> None:
    response = Client().get("/akun/verifikasi/email/rusak-sekali/")
    assert response.status_code == 400 and "tidak valid" in _text(response)


def test_code_requests_past_the_limit_answer_429(unverified_citizen: User) -> None:
    client = _signed_in(unverified_citizen)
    statuses = [client.post("/akun/verifikasi/hp/kirim/").status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert "Tunggu 10 menit" in _text(client.post("/akun/verifikasi/hp/kirim/"))


def test_email_link_requests_past_the_limit_answer_429_on_the_verify_page(unverified_citizen: User) -> None:
    client = _signed_in(unverified_citizen)
    statuses = [client.post("/akun/verifikasi/email/kirim/").status_code for _ in range(3)]
    assert statuses == [302, 302, 302]
    refused = client.post("/akun/verifikasi/email/kirim/")
    assert refused.status_code == 429
    assert "Tautan verifikasi sudah dikirim beberapa kali" in _text(refused)


def test_pages_need_a_citizen(citizen: User) -> None:
    assert Client().get("/akun/laporan/")["Location"].startswith("/masuk/?next=/akun/laporan/")
    assert _signed_in(staff(RoleChoices.POC_OPERATOR)).get("/akun/laporan/").status_code == 403


# --- the SOROT report ----------------------------------------------------------------------------------


def _report(client: Client, category_code: str, key: str | None = None, **extra: Any) -> Any:
    data = {
        "category": category_code,
        "description": "Saluran tersumbat sampah, air meluap ke jalan setiap hujan.",
        "latitude": MARGAHAYU[0],
        "longitude": MARGAHAYU[1],
        "reporter_name": "Siti Aminah",
        "reporter_phone": "+6281234567890",
        "reporter_email": "siti@example.org",
        "idempotency_key": key or uuid.uuid4().hex,
        **extra,
    }
    return client.post("/lapor/", data, REMOTE_ADDR=extra.pop("address", "10.1.1.1"))


def test_verified_citizen_reports_as_sorot_with_contact_prefilled(areas: None, citizen: User) -> None:
    category = make_category()
    client = _signed_in(citizen)
    page = _text(client.get("/lapor/"))
    assert 'data-report-channel="sorot"' in page
    assert 'value="+6281234567890"' in page and 'value="siti@example.org"' in page and 'value="Siti Aminah"' in page
    response = _report(client, category.code)
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.channel == ChannelChoices.SOROT and case.reporter == citizen
    assert case.reporter_phone == "+6281234567890"
    sent = _text(client.get(response["Location"]))
    assert "data-in-my-reports" in sent


def test_unverified_citizen_reports_as_pot_and_is_told_what_to_verify(areas: None, unverified_citizen: User) -> None:
    category = make_category()
    client = _signed_in(unverified_citizen)
    page = _text(client.get("/lapor/"))
    assert 'data-report-channel="pot"' in page and "/akun/verifikasi/" in page
    assert _report(client, category.code).status_code == 302
    case = Case.objects.get()
    assert case.channel == ChannelChoices.POT and case.reporter == unverified_citizen


def test_a_retried_sorot_form_makes_one_case(areas: None, citizen: User) -> None:
    category = make_category()
    client = _signed_in(citizen)
    key = uuid.uuid4().hex
    first = _report(client, category.code, key)
    second = _report(client, category.code, key)
    assert first["Location"] == second["Location"]
    assert Case.objects.count() == 1


def test_reports_are_rate_limited_per_account_across_addresses(areas: None, citizen: User, settings: Any) -> None:
    settings.PATRIOT_INTAKE_RATE_PER_ACCOUNT_PER_MINUTE = 2
    category = make_category()
    client = _signed_in(citizen)
    statuses = [_report(client, category.code, address=f"10.2.0.{n}").status_code for n in range(3)]
    assert statuses == [302, 302, 429]
    refused = _report(client, category.code, address="10.2.0.9")
    assert refused.status_code == 429 and "dari akun Anda" in _text(refused)
    assert Case.objects.count() == 2


def test_api_token_of_a_verified_citizen_files_sorot(areas: None, citizen: User, unverified_citizen: User) -> None:
    category = make_category()
    _token, secret = create_api_token(citizen, "ponsel")
    body = {
        "category": category.code,
        "description": "Lampu jalan mati.",
        "latitude": MARGAHAYU[0],
        "longitude": MARGAHAYU[1],
    }
    response = Client().post(
        "/api/v1/cases", json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get(tracking_number=response.json()["tracking_number"])
    assert case.channel == ChannelChoices.SOROT and case.reporter == citizen
    assert case.reporter_email == citizen.email and case.reporter_phone == citizen.phone

    _token, other = create_api_token(unverified_citizen, "ponsel")
    refused = Client().post(
        "/api/v1/cases",
        json.dumps({**body, "channel": "sorot"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {other}",
    )
    assert refused.status_code == 400 and refused.json()["field"] == "channel"
    assert ApiToken.objects.count() == 2


def test_api_intake_is_rate_limited_per_account(areas: None, citizen: User, settings: Any) -> None:
    settings.PATRIOT_INTAKE_RATE_PER_ACCOUNT_PER_MINUTE = 1
    category = make_category()
    _token, secret = create_api_token(citizen, "ponsel")
    body = json.dumps(
        {"category": category.code, "description": "Lampu mati.", "latitude": MARGAHAYU[0], "longitude": MARGAHAYU[1]}
    )
    statuses = [
        Client()
        .post(
            "/api/v1/cases",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
            REMOTE_ADDR=f"10.3.0.{n}",
        )
        .status_code
        for n in range(2)
    ]
    assert statuses == [201, 429]


# --- my reports and notifications ----------------------------------------------------------------------


def test_my_reports_lists_only_mine_and_opens_the_private_page(areas: None, citizen: User) -> None:
    mine = make_case(channel=ChannelChoices.SOROT, reporter=citizen)
    other = make_case(reporter=make_citizen("lain@example.org", phone="+6281311112222"))
    client = _signed_in(citizen)
    page = _text(client.get("/akun/laporan/"))
    assert mine.tracking_number in page and other.tracking_number not in page
    assert 'class="badge badge-gray" data-value="submitted"' in page or 'data-value="submitted"' in page
    assert not csp_problems(page)
    opened = client.get(f"/akun/laporan/{mine.tracking_number}/")
    assert opened["Location"] == f"/lacak/{mine.tracking_number}/"
    private = _text(client.get(opened["Location"]))
    assert "Halaman pribadi Anda" in private  # the reporter's own page, already unlocked
    assert client.get(f"/akun/laporan/{other.tracking_number}/").status_code == 404


def test_notifications_list_counts_unread_and_marks_read(areas: None, citizen: User) -> None:
    case = make_case(channel=ChannelChoices.SOROT, reporter=citizen)
    case_services.verify_case(case, by=staff(RoleChoices.POC_OPERATOR))
    notify.relay_outbox()
    client = _signed_in(citizen)
    page = _text(client.get("/akun/notifikasi/"))
    assert "data-unread-count>2" in page
    assert page.count("data-notification=") == 2 and 'data-kind="verified"' in page
    client.get(f"/akun/laporan/{case.tracking_number}/")
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert "data-unread-count" not in _text(client.get("/akun/notifikasi/"))


# --- personal data (UU PDP) ------------------------------------------------------------------------------


def test_personal_data_download_has_mine_and_nobody_elses(areas: None, citizen: User) -> None:
    mine = make_case(channel=ChannelChoices.SOROT, reporter=citizen, reporter_name="Siti Aminah")
    poc = make_user(RoleChoices.POC_OPERATOR, username="rina.poc", first_name="Rina", last_name="Kartika")
    case_services.verify_case(mine, by=poc)
    case_services.comment_case(mine, by=poc, note="Catatan internal: pelapor sering menelepon")
    staff_case(mine, poc, purpose="GET /poc/laporan/")
    someone = make_case(reporter_name="Orang Lain", reporter_phone="+6281399990000")
    staff_case(someone, poc, purpose="GET /poc/laporan/")
    notify.relay_outbox()
    response = _signed_in(citizen).get("/akun/data/unduh/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["email"] == "siti@example.org" and data["profile"]["phone_verified_at"]
    [case] = data["cases"]
    assert case["tracking_number"] == mine.tracking_number
    assert [e["kind"] for e in case["timeline"]] == ["submitted", "verified"]  # the internal comment is not theirs
    assert len(data["notifications"]) == 2
    [read] = data["reporter_data_reads"]
    assert read["case"] == mine.tracking_number and read["role"] == "Operator POC" and read["agency"] is None
    text = response.content.decode()
    for secret in ("Rina", "Kartika", "rina.poc", "Orang Lain", "+6281399990000", someone.tracking_number, "internal"):
        assert secret not in text


def test_delete_account_needs_the_password_and_deidentifies_cases(areas: None, citizen: User) -> None:
    case = make_case(
        channel=ChannelChoices.SOROT,
        reporter=citizen,
        reporter_name="Siti Aminah",
        reporter_phone="+6281234567890",
        reporter_email="siti@example.org",
    )
    case_services.comment_case(case, by=None, note="Tambahan dari pelapor", reporter=True)
    notify.relay_outbox()
    client = _signed_in(citizen)
    refused = client.post("/akun/data/hapus/", {"password": "salah-sekali", "confirm": "on"})
    assert refused.status_code == 400 and "Kata sandi salah" in _text(refused)
    assert User.objects.filter(pk=citizen.pk).exists()

    response = client.post("/akun/data/hapus/", {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert not User.objects.filter(pk=citizen.pk).exists()
    assert not CitizenProfile.objects.exists() and not Notification.objects.exists()
    case.refresh_from_db()
    assert case.reporter is None
    assert (case.reporter_name, case.reporter_phone, case.reporter_email) == ("", "", "")
    last = TimelineEntry.objects.filter(case=case).last()
    assert last is not None and last.kind == TimelineKindChoices.COMMENTED and not last.is_public
    assert last.data == {"reporter_deidentified": True}
    comment = TimelineEntry.objects.get(case=case, note="Tambahan dari pelapor")
    assert comment.actor_id is None and comment.actor_label == "Pelapor"
    assert client.get("/akun/laporan/").status_code == 302  # signed out


# --- password reset ---------------------------------------------------------------------------------------


def test_password_reset_by_email(citizen: User) -> None:
    client = Client()
    assert client.post("/akun/sandi/lupa/", {"email": "siti@example.org"})["Location"] == "/akun/sandi/terkirim/"
    [message] = mail.outbox
    link = re.search(r"http://testserver(/akun/sandi/atur/\S+/)", message.body)
    assert link, message.body
    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200 and 'name="new_password1"' in _text(form_page)
    new = "Kata-sandi-baru-2026"
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done["Location"] == "/akun/sandi/selesai/"
    citizen.refresh_from_db()
    assert citizen.check_password(new)


def test_password_reset_requests_are_rate_limited(citizen: User) -> None:
    client = Client()
    statuses = [client.post("/akun/sandi/lupa/", {"email": "siti@example.org"}).status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert len(mail.outbox) == 3
