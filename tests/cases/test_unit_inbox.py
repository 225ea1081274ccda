"""cases.queries.cases_of_unit / unit_inbox: an inbox addressed by organisation unit holds what the agency inbox and the
team's assignments hold; a unit of another kind holds no case."""

from __future__ import annotations

import pytest

from patriot.accounts.choices import RoleChoices as Role
from patriot.accounts.choices import UnitKindChoices as Kind
from patriot.accounts.models import OrganisationUnit
from patriot.cases import queries
from patriot.cases.choices import CaseStateChoices as State
from tests.factories import case_through, make_agency, make_category, make_team, staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("areas")]


def test_an_agencys_and_a_teams_unit_inbox_match_their_own_inboxes() -> None:
    agency, other = make_agency(), make_agency()
    team, other_team = make_team(agency), make_team(agency)
    category = make_category(default_agency=agency)
    dispatched = case_through(State.DISPATCHED, category=category)
    assigned = case_through(State.ASSIGNED, category=category, team=team)
    elsewhere = case_through(State.ASSIGNED, category=category, team=other_team)
    case_through(State.DISPATCHED, category=make_category(default_agency=other))
    resolved = case_through(State.RESOLVED, category=category, team=team)
    assert agency.unit is not None and team.unit is not None

    assert list(queries.unit_inbox(agency.unit)) == list(
        queries.agency_inbox(staff(Role.AGENCY_OFFICER, agency=agency))
    )
    assert set(queries.unit_inbox(agency.unit)) == {dispatched, assigned, elsewhere}
    assert set(queries.unit_inbox(team.unit)) == {assigned}
    assert set(queries.cases_of_unit(team.unit)) == {assigned, resolved}
    assert set(queries.unit_inbox(team.unit)) == set(queries.team_assignments(staff(Role.URC_OFFICER, team=team)))

    hospital = OrganisationUnit.objects.create(kind=Kind.HOSPITAL, code="rs", name="RS")
    assert not queries.unit_inbox(hospital).exists()
