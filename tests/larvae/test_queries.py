"""larvae.queries.visible_inspections: household addresses for the jumantik who entered them and Dinkes only."""

from __future__ import annotations

import pytest

from patriot.accounts.choices import RoleChoices as Role
from patriot.accounts.models import User
from patriot.larvae import queries, services
from tests.factories import make_agency, make_user
from tests.larvae.conftest import inspection_submission

pytestmark = pytest.mark.usefixtures("areas")


def test_each_role_sees_the_inspections_it_may(jumantik: User, other_jumantik: User) -> None:
    mine = services.record_inspection(jumantik, inspection_submission()).inspection
    theirs = services.record_inspection(other_jumantik, inspection_submission()).inspection
    assert list(queries.visible_inspections(jumantik)) == [mine]
    assert list(queries.visible_inspections(other_jumantik)) == [theirs]
    # Dinkes (a health officer of an agency) reads the city; a health officer placed nowhere and the system admin
    # read no household.
    dinkes = make_user(Role.HEALTH_OFFICER, agency=make_agency("dinkes"))
    assert set(queries.visible_inspections(dinkes)) == {mine, theirs}
    for role in (
        Role.HEALTH_OFFICER,
        Role.SYSTEM_ADMIN,
        Role.CITIZEN,
        Role.POC_OPERATOR,
        Role.MAYOR,
        Role.URC_OFFICER,
        Role.CALLCENTRE_OPERATOR,
    ):
        assert not queries.visible_inspections(make_user(role)).exists(), role
    assert not queries.visible_inspections(make_user(Role.AGENCY_OFFICER, agency=make_agency())).exists()
    jumantik.is_active = False
    assert not queries.visible_inspections(jumantik).exists()
