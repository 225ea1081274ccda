"""`patriot seed`: reference data loads completely and idempotently; demo accounts only in demo mode."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from pytest_django import Settings

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import Agency, ResponseTeam, User
from patriot.accounts.services import DEMO_PASSWORD, create_demo_users
from patriot.cases.choices import CategoryGroupChoices, PriorityChoices
from patriot.cases.models import Category, RoutingRule
from patriot.cases.queries import suggest_agency
from patriot.cases.seed import ATTRIBUTE_DATATYPES, attribute_definition_errors
from patriot.geo.models import District, Village

pytestmark = pytest.mark.django_db

SEEDED_MODELS = (District, Village, Agency, ResponseTeam, Category, RoutingRule, User)


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed", *args, stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in SEEDED_MODELS}


def test_seeding_twice_changes_nothing() -> None:
    _seed()
    first = _counts()
    _seed()
    assert _counts() == first
    assert first["District"] == 12 and first["Village"] == 56
    assert first["Agency"] >= 15 and first["ResponseTeam"] >= 10 and first["RoutingRule"] >= 1


def test_seed_without_demo_creates_no_users(settings: Settings) -> None:
    settings.PATRIOT_DEMO = True
    output = _seed()
    assert not User.objects.exists()
    assert DEMO_PASSWORD not in output


def test_categories_are_complete_and_valid() -> None:
    _seed()
    categories = list(Category.objects.select_related("default_agency"))
    assert len(categories) >= 30
    for category in categories:
        # "Lainnya / tidak tahu kategorinya" has no agency on purpose: the POC classifies it (issue 14).
        if category.code != "lainnya":
            assert category.default_agency is not None and category.default_agency.is_active, category.code
        assert category.group in CategoryGroupChoices.values(), category.code
        assert category.default_priority in PriorityChoices.values(), category.code
        assert category.name and category.name_en and category.icon, category.code
        assert category.description and category.description_en, category.code
        assert len(category.keywords) <= 200, category.code
        assert attribute_definition_errors(category.attributes) == [], category.code
        assert {attribute["datatype"] for attribute in category.attributes} <= ATTRIBUTE_DATATYPES
    # Every group has something for the citizen to pick.
    assert {category.group for category in categories} == set(CategoryGroupChoices.values())


def test_urgent_categories_run_on_a_24_hour_clock() -> None:
    _seed()
    fallen_tree = Category.objects.get(code="pohon-tumbang")
    assert (fallen_tree.verify_hours, fallen_tree.followup_hours) == (1, 4)
    for category in Category.objects.filter(default_priority=PriorityChoices.URGENT):
        assert category.verify_hours is not None, category.code
    pothole = Category.objects.get(code="jalan-berlubang")
    assert (pothole.verify_days, pothole.followup_days, pothole.verify_hours) == (3, 5, None)


def test_every_agency_that_works_in_the_field_has_a_team() -> None:
    _seed()
    for code in ("dbmsda", "dlh", "disperkimtan", "dishub", "satpolpp", "dinkes", "disdamkarmat", "bpbd"):
        assert ResponseTeam.objects.filter(agency__code=code).exists(), code
    assert Agency.objects.filter(code__in=["diskominfostandi", "inspektorat"]).count() == 2


def test_routing_rules_pick_the_most_specific_area() -> None:
    _seed()
    vendors = Category.objects.get(code="pedagang-kaki-lima")
    station_area = Village.objects.get(code="32.75.03.1005")  # Marga Mulya, Bekasi Utara
    elsewhere_in_district = Village.objects.get(code="32.75.03.1002")  # Perwira, Bekasi Utara
    other_district = Village.objects.get(code="32.75.04.1001")  # Pekayon Jaya, Bekasi Selatan
    assert suggest_agency(vendors, station_area).code == "satpolpp"
    assert suggest_agency(vendors, elsewhere_in_district).code == "kec-bekasi-utara"
    assert suggest_agency(vendors, other_district) == vendors.default_agency
    for rule in RoutingRule.objects.select_related("category"):
        assert (rule.district_id is None) != (rule.village_id is None), rule


def test_admin_edits_survive_reseeding() -> None:
    _seed()
    Category.objects.filter(code="pju-mati").update(name="PJU padam", followup_days=2)
    Agency.objects.filter(code="dishub").update(description="Diubah di admin")
    RoutingRule.objects.filter(category__code="ketertiban-umum").update(agency=Agency.objects.get(code="satpolpp"))
    _seed()
    street_lights = Category.objects.get(code="pju-mati")
    assert (street_lights.name, street_lights.followup_days) == ("PJU padam", 2)
    assert Agency.objects.get(code="dishub").description == "Diubah di admin"
    assert RoutingRule.objects.get(category__code="ketertiban-umum").agency.code == "satpolpp"


def test_demo_is_refused_outside_demo_mode(settings: Settings) -> None:
    settings.PATRIOT_DEMO = False
    with pytest.raises(CommandError, match="PATRIOT_DEMO"):
        _seed("--demo")
    assert not User.objects.exists()
    with pytest.raises(ImproperlyConfigured):
        create_demo_users()


def test_a_demo_sign_in_keeps_the_stored_hash_so_other_sessions_stay_signed_in(settings: Settings) -> None:
    settings.PATRIOT_DEMO = True
    _seed()  # the agencies and teams the demo accounts belong to
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]  # as in production
    create_demo_users()
    user = User.objects.get(username="mayor")
    stored = user.password
    assert not identify_hasher(stored).must_update(stored)
    assert user.check_password(DEMO_PASSWORD)  # would re-hash and save if the hash needed an update
    user.refresh_from_db()
    assert user.password == stored


def test_demo_creates_one_account_per_role(settings: Settings) -> None:
    settings.PATRIOT_DEMO = True
    output = _seed("--demo")
    # The demo's sign-in accounts; the larvae history also writes one jumantik per kelurahan who cannot sign in.
    users = [user for user in User.objects.select_related("agency", "team") if user.has_usable_password()]
    assert {user.role for user in users} == set(RoleChoices.values())
    assert DEMO_PASSWORD in output
    for user in users:
        assert user.username in output
        assert user.check_password(DEMO_PASSWORD), user.username
        if user.role in RoleChoices.AGENCY_ROLES | {RoleChoices.URC_OFFICER}:
            assert user.agency is not None, user.username
        if user.role == RoleChoices.URC_OFFICER:
            assert user.team is not None and user.team.agency == user.agency, user.username
    # Two agencies with their own admin, officer and URC member, to show that each sees only its cases.
    for code in ("dbmsda", "dlh"):
        roles = {user.role for user in users if user.agency and user.agency.code == code}
        assert roles >= {RoleChoices.AGENCY_ADMIN, RoleChoices.AGENCY_OFFICER, RoleChoices.URC_OFFICER}, code
    admin = User.objects.get(username="admin")
    assert admin.role == RoleChoices.SYSTEM_ADMIN and admin.is_staff and admin.is_superuser
    assert not User.objects.exclude(username="admin").filter(is_superuser=True).exists()


def test_demo_reseeding_resets_the_demo_accounts(settings: Settings) -> None:
    settings.PATRIOT_DEMO = True
    _seed("--demo")
    first = _counts()
    mayor_hash = User.objects.get(username="mayor").password
    poc = User.objects.get(username="poc")
    poc.set_password("sudah-diganti-123")
    poc.role = RoleChoices.CITIZEN
    poc.save()
    _seed("--demo")
    assert _counts() == first
    poc.refresh_from_db()
    assert poc.role == RoleChoices.POC_OPERATOR and poc.check_password(DEMO_PASSWORD)
    # An unchanged password hash keeps demo users' sessions valid across `make run`.
    assert User.objects.get(username="mayor").password == mayor_hash


@pytest.mark.parametrize(
    ("definitions", "fragment"),
    [
        ({"code": "x"}, "daftar"),
        ([{"label": "Panjang", "datatype": "number"}], "code"),
        ([{"code": "a", "label": "A", "datatype": "colour"}], "datatype"),
        ([{"code": "a", "label": "A", "datatype": "singlevaluelist"}], "values"),
        ([{"code": "a", "label": "A", "datatype": "singlevaluelist", "values": [{"key": "k"}]}], "name"),
        ([{"code": "a", "label": "A", "datatype": "number", "values": [{"key": "k", "name": "K"}]}], "values"),
        ([{"code": "a", "label": "A", "datatype": "number", "requird": True}], "requird"),
        ([{"code": "a", "label": "A", "datatype": "number", "required": "ya"}], "required"),
        (
            [{"code": "a", "label": "A", "datatype": "text"}, {"code": "a", "label": "B", "datatype": "text"}],
            "dua kali",
        ),
    ],
)
def test_bad_attribute_definitions_are_explained(definitions: Any, fragment: str) -> None:
    errors = attribute_definition_errors(definitions)
    assert errors and any(fragment in error for error in errors), errors


def test_good_attribute_definitions_pass() -> None:
    definitions = [
        {"code": "kedalaman", "label": "Kedalaman", "label_en": "Depth", "datatype": "number", "unit": "cm"},
        {
            "code": "jenis",
            "label": "Jenis",
            "datatype": "multivaluelist",
            "required": True,
            "values": [{"key": "a", "name": "A", "name_en": "A"}, {"key": "b", "name": "B"}],
        },
        {"code": "waktu", "label": "Waktu", "datatype": "datetime"},
    ]
    assert attribute_definition_errors(definitions) == []
    assert attribute_definition_errors([]) == []
