"""Fixtures for PSC 119's tests: areas, a PSC centre with its call taker and dispatcher, ambulances."""

from __future__ import annotations

from typing import Any

import pytest

from patriot.accounts.choices import RoleChoices, UnitKindChoices
from patriot.accounts.models import OrganisationUnit, User
from patriot.emergency.choices import AmbulanceTypeChoices, CrewSkillChoices
from patriot.emergency.models import Ambulance
from patriot.emergency.services import CallDetails
from tests.factories import MARGAHAYU, load_areas, make_user


@pytest.fixture
def areas(db: None) -> None:
    load_areas()


@pytest.fixture
def psc(db: None) -> OrganisationUnit:
    return OrganisationUnit.objects.create(kind=UnitKindChoices.PSC_CENTRE, code="psc-bekasi", name="PSC 119 Bekasi")


@pytest.fixture
def call_taker(psc: OrganisationUnit) -> User:
    return make_user(RoleChoices.PSC_CALL_TAKER, unit=psc)


@pytest.fixture
def dispatcher(psc: OrganisationUnit) -> User:
    return make_user(RoleChoices.PSC_DISPATCHER, unit=psc)


def make_ambulance(code: str = "amb-1", **fields: Any) -> Ambulance:
    station, _created = OrganisationUnit.objects.get_or_create(
        kind=UnitKindChoices.AMBULANCE_STATION, code="pos-psc", defaults={"name": "Pos ambulans PSC"}
    )
    unit = OrganisationUnit.objects.create(
        kind=UnitKindChoices.AMBULANCE_UNIT, code=code, name=f"Ambulans {code}", parent=station
    )
    fields.setdefault("ambulance_type", AmbulanceTypeChoices.EMERGENCY)
    fields.setdefault("crew_skills", [CrewSkillChoices.DRIVER, CrewSkillChoices.NURSE])
    return Ambulance.objects.create(unit=unit, **fields)


@pytest.fixture
def ambulance(db: None) -> Ambulance:
    return make_ambulance()


def details(**overrides: Any) -> CallDetails:
    values: dict[str, Any] = {
        "complaint": "chest_pain",
        "conscious": "yes",
        "breathing_normally": "yes",
        "severe_bleeding": "no",
        "age_band": "adult",
        "caller_number": "0812 3456 7890",
        "caller_name": "Bu Sari",
        "latitude": MARGAHAYU[0],
        "longitude": MARGAHAYU[1],
        "address": "Jl. Anggrek No. 9",
        "landmark": "depan masjid",
    }
    values.update(overrides)
    return CallDetails(**values)
