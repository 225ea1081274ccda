"""Admin pages for users, agencies and API tokens: placement rules, seed-stable codes and token revocation."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import ApiToken, User
from patriot.accounts.services import authenticate_token, create_api_token
from tests.factories import make_agency, make_team, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(make_user(RoleChoices.SYSTEM_ADMIN, username="root", is_staff=True, is_superuser=True))
    return client


def _user_form(user: User, **changes: Any) -> dict[str, Any]:
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "role": user.role,
        "agency": user.agency_id or "",
        "team": user.team_id or "",
        "phone": "",
        "is_active": "on",
        "date_joined_0": "2026-01-05",
        "date_joined_1": "08:00:00",
    }
    data.update(changes)
    return data


def test_the_admin_pages_open(admin_client: Client) -> None:
    agency = make_agency("dbmsda")
    make_team(agency, "urc-dbmsda-sitambel")
    user = make_user(RoleChoices.AGENCY_OFFICER, agency=agency)
    create_api_token(user, "klien")
    for url in (
        reverse("admin:index"),
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_change", args=[user.pk]),
        reverse("admin:accounts_user_add"),
        reverse("admin:accounts_agency_changelist"),
        reverse("admin:accounts_agency_change", args=[agency.pk]),
        reverse("admin:accounts_apitoken_changelist"),
    ):
        assert admin_client.get(url).status_code == 200, url


def test_the_header_names_the_city(admin_client: Client, settings: Settings) -> None:
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert f"Patriot — {settings.PATRIOT_CITY_NAME}" in page


def test_a_urc_officer_needs_a_team_of_their_own_agency(admin_client: Client) -> None:
    dbmsda, dlh = make_agency("dbmsda"), make_agency("dlh")
    dlh_team = make_team(dlh)
    user = make_user(RoleChoices.CITIZEN)
    url = reverse("admin:accounts_user_change", args=[user.pk])

    response = admin_client.post(url, _user_form(user, role=RoleChoices.URC_OFFICER, agency=dbmsda.pk))
    assert response.status_code == 200 and "Petugas URC memerlukan tim URC" in response.content.decode()

    response = admin_client.post(
        url, _user_form(user, role=RoleChoices.URC_OFFICER, agency=dbmsda.pk, team=dlh_team.pk)
    )
    assert response.status_code == 200 and "bukan milik OPD" in response.content.decode()

    response = admin_client.post(url, _user_form(user, role=RoleChoices.URC_OFFICER, agency=dlh.pk, team=dlh_team.pk))
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.role, user.agency, user.team) == (RoleChoices.URC_OFFICER, dlh, dlh_team)


def test_an_agency_role_needs_an_agency(admin_client: Client) -> None:
    user = make_user(RoleChoices.CITIZEN)
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[user.pk]), _user_form(user, role=RoleChoices.AGENCY_ADMIN)
    )
    assert response.status_code == 200 and "Peran ini memerlukan OPD" in response.content.decode()


def test_agency_codes_cannot_be_changed_once_saved(admin_client: Client) -> None:
    agency = make_agency("dishub", short_name="Dishub", name="Dinas Perhubungan")
    team = make_team(agency, "urc-dishub-parkir")
    response = admin_client.post(
        reverse("admin:accounts_agency_change", args=[agency.pk]),
        {
            "code": "dishub-baru",
            "short_name": "Dishub",
            "name": "Dinas Perhubungan Kota",
            "description": "",
            "is_active": "on",
            "teams-TOTAL_FORMS": "1",
            "teams-INITIAL_FORMS": "1",
            "teams-MIN_NUM_FORMS": "0",
            "teams-MAX_NUM_FORMS": "1000",
            "teams-0-id": team.pk,
            "teams-0-agency": agency.pk,
            "teams-0-code": "urc-lain",
            "teams-0-name": "URC Dishub Parkir",
            "teams-0-is_active": "on",
        },
    )
    assert response.status_code == 302
    agency.refresh_from_db()
    team.refresh_from_db()
    assert (agency.code, agency.name) == ("dishub", "Dinas Perhubungan Kota")
    assert (team.code, team.name) == ("urc-dishub-parkir", "URC Dishub Parkir")


def test_tokens_are_revoked_from_the_admin_and_never_added_there(admin_client: Client) -> None:
    token, secret = create_api_token(make_user(), "klien")
    assert admin_client.get(reverse("admin:accounts_apitoken_add")).status_code == 403

    response = admin_client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke_tokens", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    assert authenticate_token(secret) is None
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_the_token_hash_is_read_only(admin_client: Client) -> None:
    token, _secret = create_api_token(make_user(), "klien")
    original_hash = token.token_hash
    response = admin_client.post(
        reverse("admin:accounts_apitoken_change", args=[token.pk]), {"name": "nama baru", "token_hash": "0" * 64}
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert (token.name, token.token_hash) == ("nama baru", original_hash)


def test_a_phone_number_typed_in_the_admin_is_stored_as_e164(admin_client: Client) -> None:
    user = make_user(RoleChoices.CITIZEN)
    url = reverse("admin:accounts_user_change", args=[user.pk])

    response = admin_client.post(url, _user_form(user, phone="12345"))
    assert response.status_code == 200 and "tidak valid" in response.content.decode()

    response = admin_client.post(url, _user_form(user, phone="0812-3456-7890"))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.phone == "+6281234567890"
