"""The demo calls: through the services, with a repeat caller, a status question and an emergency transfer."""

from __future__ import annotations

import pytest

from patriot.accounts.choices import RoleChoices
from patriot.accounts.services import load_agencies
from patriot.callcentre.demo import REPEAT_CALLER, create_demo_calls
from patriot.callcentre.models import Call
from patriot.callcentre.services import normalise_number
from patriot.cases.choices import ChannelChoices, TimelineKindChoices
from patriot.cases.models import Case
from patriot.cases.seed import load_categories
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("areas")


def test_demo_calls() -> None:
    load_agencies()
    load_categories()
    assert create_demo_calls() == 0  # no operator yet
    make_user(RoleChoices.CALLCENTRE_OPERATOR, username="callcentre")
    assert create_demo_calls() == 5
    assert create_demo_calls() == 0  # once only
    repeat = Call.objects.filter(caller_number=normalise_number(REPEAT_CALLER))
    assert repeat.count() == 2
    assert Call.objects.filter(call_type="emergency", transferred_to="119").count() == 1
    # The caller transferred to 119 rang again on the PSC's line; every call of the 1500444 line ended.
    assert Call.objects.filter(line="119", transferred_from__isnull=False).count() == 1
    assert not Call.objects.filter(ended_at__isnull=True).exclude(line="119").exists()
    phone_cases = Case.objects.filter(channel=ChannelChoices.PHONE)
    assert phone_cases.count() == 2
    first = phone_cases.get(reporter_phone=normalise_number(REPEAT_CALLER))
    assert first.timeline.filter(kind=TimelineKindChoices.CALL_LOGGED).count() == 2
