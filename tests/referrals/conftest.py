"""Fixtures for referrals' tests: two hospitals (one outside the city) with a staff member each."""

from __future__ import annotations

import pytest

from patriot.accounts.choices import RoleChoices, UnitKindChoices
from patriot.accounts.models import OrganisationUnit, User
from patriot.referrals.models import Facility
from tests.factories import load_areas, make_user


def make_facility(code: str, name: str, *, inside_city: bool = True) -> Facility:
    unit = OrganisationUnit.objects.create(kind=UnitKindChoices.HOSPITAL, code=code, name=name, inside_city=inside_city)
    return Facility.objects.create(unit=unit, hospital_class="B", ownership="public", services=["icu"])


@pytest.fixture
def hospital(db: None) -> Facility:
    return make_facility("rsud-bekasi", "RSUD Kota Bekasi")


@pytest.fixture
def other_hospital(db: None) -> Facility:
    return make_facility("rs-jakarta", "RS Jakarta", inside_city=False)


@pytest.fixture
def nurse(hospital: Facility) -> User:
    return make_user(RoleChoices.HOSPITAL_STAFF, username="perawat-1", unit=hospital.unit)


@pytest.fixture
def other_nurse(other_hospital: Facility) -> User:
    return make_user(RoleChoices.HOSPITAL_STAFF, username="perawat-2", unit=other_hospital.unit)


@pytest.fixture
def areas(db: None) -> None:
    load_areas()
