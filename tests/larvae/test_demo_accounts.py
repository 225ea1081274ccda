"""The demo's field people: `jumantik` gets an RT and lands on its week, `koordinator` and `puskesmas` supervise the
same kelurahan and land on their pages; the step runs again without duplicating anything."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from pytest_django import Settings

from patriot.accounts.choices import RoleChoices as Role
from patriot.accounts.choices import UnitKindChoices
from patriot.accounts.models import User, check_role_scope
from patriot.accounts.services import create_demo_users, load_agencies, load_area_offices
from patriot.core.views import home_for
from patriot.larvae import queries
from patriot.larvae.demo_accounts import seed_field_accounts
from patriot.larvae.models import FieldAssignment, RtTarget
from patriot.larvae.scope import supervised_area

pytestmark = pytest.mark.usefixtures("areas")


def test_the_demo_field_accounts(settings: Settings) -> None:
    settings.PATRIOT_DEMO = True
    load_agencies()
    load_area_offices()
    create_demo_users()
    report = seed_field_accounts()
    seed_field_accounts()
    assert any("koordinator" in line for line in report.closing)
    jumantik = User.objects.get(username="jumantik")
    coordinator = User.objects.get(username="koordinator")
    puskesmas = User.objects.get(username="puskesmas")
    assert (coordinator.role, puskesmas.role) == (Role.JUMANTIK_COORDINATOR, Role.HEALTH_OFFICER)
    for user in (jumantik, coordinator, puskesmas):
        check_role_scope(user.role, user.unit)
        assert user.check_password("patriot-demo-2026")
    assert puskesmas.unit is not None and puskesmas.unit.kind == UnitKindChoices.PUSKESMAS
    village = jumantik.larvae_assignment.village
    assert (jumantik.larvae_assignment.rw, jumantik.larvae_assignment.rt) == (2, 1)
    assert coordinator.larvae_assignment.village == village and coordinator.larvae_assignment.rw is None
    assert supervised_area(puskesmas) is not None and supervised_area(puskesmas).village_id == village.pk  # type: ignore[union-attr]
    assert FieldAssignment.objects.count() == 2 and RtTarget.objects.count() == 1
    assert home_for(jumantik) == "/jumantik/"
    assert home_for(coordinator) == "/jumantik/pengawasan/"
    assert home_for(puskesmas) == "/jumantik/indeks/"
    assert [
        (rt.rw, rt.rt, rt.target) for rt in queries.rt_targets_in(supervised_area(coordinator), puskesmas.date_joined)
    ] == [(2, 1, 30)]  # type: ignore[arg-type]


def test_no_demo_accounts_outside_demo_mode(settings: Settings) -> None:
    settings.PATRIOT_DEMO = False
    with pytest.raises(ImproperlyConfigured):
        seed_field_accounts()
