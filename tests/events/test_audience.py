"""events.audience.may_receive on a forward: the agency a case leaves hears of it, a third agency does not."""

from __future__ import annotations

import pytest

from patriot.accounts.choices import RoleChoices as Role
from patriot.cases import services
from patriot.cases.choices import CaseStateChoices as State
from patriot.events.audience import may_receive
from patriot.events.models import OutboxEvent
from tests.factories import case_through, make_agency, make_category, staff


@pytest.mark.django_db
def test_a_forward_reaches_the_agency_it_left_and_the_one_it_reached_only(areas: None) -> None:
    origin, target, bystander = make_agency(), make_agency(), make_agency()
    case = case_through(State.DISPATCHED, category=make_category(default_agency=origin))
    services.forward_case(case, by=staff(Role.AGENCY_ADMIN, agency=origin), agency=target, reason="Bukan wewenang kami")
    forwarded = OutboxEvent.objects.get(kind="case.forwarded")
    assert may_receive(staff(Role.AGENCY_OFFICER, agency=origin), forwarded)
    assert may_receive(staff(Role.AGENCY_OFFICER, agency=target), forwarded)
    assert not may_receive(staff(Role.AGENCY_OFFICER, agency=bystander), forwarded)
    # Later events of the case are the new agency's only.
    services.comment_case(case, by=staff(Role.AGENCY_ADMIN, agency=target), note="Diterima")
    later = OutboxEvent.objects.filter(kind="case.commented").latest("id")
    assert not may_receive(staff(Role.AGENCY_OFFICER, agency=origin), later)
