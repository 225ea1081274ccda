"""SLA clocks: 3 / 5 / 10 working days across weekends and Indonesian holidays, 24/7 hour targets, the sweep."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
import time_machine

from patriot.accounts.choices import RoleChoices
from patriot.cases import services, sla
from patriot.cases.choices import CaseStateChoices, SlaStatusChoices, TimelineKindChoices
from patriot.cases.models import Case, Category
from patriot.events.models import OutboxEvent
from tests.factories import case_through, make_agency, make_case, make_category, make_team, staff

State = CaseStateChoices
Kind = TimelineKindChoices
Sla = SlaStatusChoices
JAKARTA = ZoneInfo("Asia/Jakarta")


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=JAKARTA)


def frozen(*parts: int) -> time_machine.travel:
    return time_machine.travel(local(*parts), tick=False)


def test_the_holidays_used_below_are_indonesian_public_holidays() -> None:
    known = holidays.country_holidays("ID", years=[2026, 2027])
    assert date(2026, 12, 25) in known  # Christmas, a Friday
    assert date(2026, 8, 17) in known  # Independence Day, a Monday
    assert date(2027, 1, 1) in known  # New Year, a Friday
    assert date(2026, 12, 2) not in known
    assert (date(2026, 12, 25).weekday(), date(2026, 8, 17).weekday()) == (4, 0)


# --- the clock arithmetic ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Friday morning + 3 working days: Mon, Tue, Wed → due at the end of Wednesday.
        (local(2026, 11, 27, 10, 0), 3, local(2026, 12, 3)),
        # Saturday does not count as day zero either: still the end of Wednesday.
        (local(2026, 11, 28, 15, 0), 3, local(2026, 12, 3)),
        # 23:59 on Friday in Jakarta is 16:59 UTC: the city's calendar day is the one that counts.
        (local(2026, 11, 27, 23, 59), 3, local(2026, 12, 3)),
        # Thursday before Christmas (Friday 25 Dec): Mon 28, Tue 29, Wed 30.
        (local(2026, 12, 24, 10, 0), 3, local(2026, 12, 31)),
        # Friday before Independence Day (Monday 17 Aug): Tue 18, Wed 19, Thu 20.
        (local(2026, 8, 14, 10, 0), 3, local(2026, 8, 21)),
        # Follow-up, 5 working days from a Friday: Mon 30 Nov … Fri 4 Dec.
        (local(2026, 11, 27, 10, 0), 5, local(2026, 12, 5)),
        # Follow-up across Christmas: Mon 21, Tue 22, Wed 23, Thu 24, Mon 28.
        (local(2026, 12, 18, 10, 0), 5, local(2026, 12, 29)),
        # Closing, 10 working days across Christmas and New Year (Fri 1 Jan 2027):
        # 21, 22, 23, 24, 28, 29, 30, 31 Dec, Mon 4 Jan, Wed 6 Jan (Tue 5 Jan 2027 is Isra' Mi'raj).
        (local(2026, 12, 18, 10, 0), 10, local(2027, 1, 7)),
    ],
)
def test_working_days_skip_weekends_and_holidays(start: datetime, days: int, due: datetime) -> None:
    assert sla.add_working_days(start, days) == due


def test_isra_miraj_2027_is_a_holiday_the_closing_clock_skips() -> None:
    assert date(2027, 1, 5) in holidays.country_holidays("ID", years=2027)


def test_working_day_clock_is_due_soon_at_75_percent_of_working_time() -> None:
    # Friday 10:00 → Thursday 00:00 holds 14 h of Friday + 3 × 24 h = 86 working hours; 75 % is 64.5 h,
    # which ends on Wednesday at 02:30 (14 h Fri + 24 h Mon + 24 h Tue + 2.5 h Wed).
    due_soon, due = sla.working_day_clock(local(2026, 11, 27, 10, 0), 3)
    assert due == local(2026, 12, 3)
    assert due_soon == local(2026, 12, 2, 2, 30)


def test_due_soon_skips_a_holiday_too() -> None:
    # Thursday 24 Dec 12:00 → Thursday 31 Dec 00:00: 12 h + Mon 28, Tue 29, Wed 30 = 84 h; 75 % = 63 h:
    # 12 h Thu, 24 h Mon, 24 h Tue, 3 h Wed → Wednesday 30 Dec 03:00 (Christmas and the weekend add nothing).
    due_soon, due = sla.working_day_clock(local(2026, 12, 24, 12, 0), 3)
    assert (due_soon, due) == (local(2026, 12, 30, 3, 0), local(2026, 12, 31))


def test_weekend_and_holiday_hours_are_not_working_seconds() -> None:
    assert sla.working_seconds_between(local(2026, 12, 24, 12, 0), local(2026, 12, 28, 0, 0)) == 12 * 3600
    assert sla.working_seconds_between(local(2026, 12, 28), local(2026, 12, 24)) == 0


def test_hour_clock_runs_through_nights_and_weekends() -> None:
    due_soon, due = sla.hour_clock(local(2026, 11, 28, 23, 30), 4)  # Saturday night
    assert (due_soon, due) == (local(2026, 11, 29, 2, 30), local(2026, 11, 29, 3, 30))


def test_close_due_is_ten_working_days() -> None:
    assert sla.close_due(local(2026, 11, 27, 10, 0)) == local(2026, 12, 12)  # Mon 30 Nov … Fri 11 Dec


# --- clocks set by the services ---------------------------------------------------------------


@pytest.fixture
def category(db: None) -> Category:
    agency = make_agency("dbmsda")
    make_team(agency, "urc-dbmsda-sitambel")
    return make_category("jalan-rusak", default_agency=agency)


@pytest.fixture
def urgent(db: None) -> Category:
    """A fallen tree blocking a road: 1 hour to verify, 4 hours to follow up, 24/7."""
    return make_category("pohon-tumbang", default_agency=make_agency("disperkimtan"), verify_hours=1, followup_hours=4)


@pytest.mark.usefixtures("areas")
def test_submission_on_friday_is_due_at_the_end_of_wednesday(category: Category) -> None:
    with frozen(2026, 11, 27, 10, 0):
        case = make_case(category)
    assert (case.due_at, case.due_soon_at, case.sla_status) == (
        local(2026, 12, 3),
        local(2026, 12, 2, 2, 30),
        Sla.ON_TRACK,
    )


@pytest.mark.usefixtures("areas")
def test_submission_before_independence_day_skips_it(category: Category) -> None:
    with frozen(2026, 8, 14, 16, 0):
        case = make_case(category)
    assert case.due_at == local(2026, 8, 21)


@pytest.mark.usefixtures("areas")
def test_verification_keeps_the_verify_and_forward_clock(category: Category) -> None:
    with frozen(2026, 11, 27, 10, 0) as clock:
        case = make_case(category)
        clock.shift(timedelta(days=3))
        services.verify_case(case, by=staff(RoleChoices.POC_OPERATOR))
    assert case.due_at == local(2026, 12, 3)


@pytest.mark.usefixtures("areas")
def test_dispatch_starts_a_five_working_day_followup_clock(category: Category) -> None:
    with frozen(2026, 12, 17, 9, 0) as clock:
        case = case_through(State.VERIFIED, category=category)
        clock.move_to(local(2026, 12, 18, 10, 0))
        services.dispatch_case(case, by=staff(RoleChoices.POC_OPERATOR))
    # Mon 21, Tue 22, Wed 23, Thu 24, (Christmas), Mon 28.
    assert (case.due_at, case.sla_status, case.escalated_at) == (local(2026, 12, 29), Sla.ON_TRACK, None)


@pytest.mark.usefixtures("areas")
def test_resolve_sets_the_ten_working_day_closing_clock_and_dispute_window(category: Category) -> None:
    with frozen(2026, 12, 18, 10, 0):
        case = case_through(State.RESOLVED, category=category)
    assert case.due_at == case.dispute_until == local(2027, 1, 7)
    assert case.sla_status == Sla.STOPPED


@pytest.mark.usefixtures("areas")
def test_hour_targets_of_a_category_run_24_7(urgent: Category) -> None:
    with frozen(2026, 11, 28, 23, 30) as clock:  # Saturday night
        case = make_case(urgent)
        assert (case.due_soon_at, case.due_at) == (local(2026, 11, 29, 0, 15), local(2026, 11, 29, 0, 30))
        services.verify_case(case, by=staff(RoleChoices.POC_OPERATOR))
        clock.shift(timedelta(minutes=20))
        services.dispatch_case(case, by=staff(RoleChoices.POC_OPERATOR))
    assert (case.due_soon_at, case.due_at) == (local(2026, 11, 29, 2, 50), local(2026, 11, 29, 3, 50))


# --- the sweep --------------------------------------------------------------------------------


def kinds(case: Case) -> list[str]:
    return list(case.timeline.values_list("kind", flat=True))


@pytest.mark.usefixtures("areas")
def test_sweep_flags_due_soon_at_75_percent_then_escalates_once_past_100(category: Category) -> None:
    with frozen(2026, 11, 27, 10, 0) as clock:
        case = make_case(category)

        clock.move_to(local(2026, 12, 2, 2, 29, 59))
        assert services.sweep_sla() == services.SweepResult(due_soon=0, escalated=0, closed=0)
        case.refresh_from_db()
        assert case.sla_status == Sla.ON_TRACK

        clock.move_to(local(2026, 12, 2, 2, 30))
        assert services.sweep_sla().due_soon == 1
        case.refresh_from_db()
        assert case.sla_status == Sla.DUE_SOON
        assert kinds(case) == [Kind.SUBMITTED, Kind.SLA_DUE_SOON]
        assert services.sweep_sla().due_soon == 0

        clock.move_to(local(2026, 12, 2, 23, 59, 59))
        assert services.sweep_sla().escalated == 0

        clock.move_to(local(2026, 12, 3, 0, 0))
        assert services.sweep_sla().escalated == 1
        clock.shift(timedelta(hours=5))
        assert services.sweep_sla() == services.SweepResult(due_soon=0, escalated=0, closed=0)
        clock.shift(timedelta(days=10))
        assert services.sweep_sla() == services.SweepResult(due_soon=0, escalated=0, closed=0)

    case.refresh_from_db()
    assert (case.sla_status, case.escalated_at) == (Sla.OVERDUE, local(2026, 12, 3))
    assert kinds(case) == [Kind.SUBMITTED, Kind.SLA_DUE_SOON, Kind.SLA_ESCALATED]
    escalation = case.timeline.get(kind=Kind.SLA_ESCALATED)
    assert escalation.is_public is False
    assert escalation.data["phase"] == "verify"
    assert OutboxEvent.objects.get(payload__timeline_entry_id=escalation.pk).is_public is False


@pytest.mark.usefixtures("areas")
def test_a_late_sweep_escalates_without_a_due_soon_entry(category: Category) -> None:
    with frozen(2026, 11, 27, 10, 0) as clock:
        case = make_case(category)
        clock.move_to(local(2026, 12, 7, 9, 0))
        assert services.sweep_sla() == services.SweepResult(due_soon=0, escalated=1, closed=0)
    assert kinds(case) == [Kind.SUBMITTED, Kind.SLA_ESCALATED]


@pytest.mark.usefixtures("areas")
def test_dispatch_after_escalation_restarts_the_clock_and_can_escalate_again(category: Category) -> None:
    poc = staff(RoleChoices.POC_OPERATOR)
    with frozen(2026, 11, 27, 10, 0) as clock:
        case = make_case(category)
        services.verify_case(case, by=poc)
        clock.move_to(local(2026, 12, 3, 8, 0))
        assert services.sweep_sla().escalated == 1
        services.dispatch_case(case, by=poc)
        case.refresh_from_db()
        # Dispatched Thursday 3 Dec: Fri 4, Mon 7, Tue 8, Wed 9, Thu 10.
        assert (case.sla_status, case.escalated_at, case.due_at) == (Sla.ON_TRACK, None, local(2026, 12, 11))
        clock.move_to(local(2026, 12, 11, 0, 0))
        assert services.sweep_sla().escalated == 1
    assert case.timeline.filter(kind=Kind.SLA_ESCALATED).count() == 2
    assert case.timeline.filter(kind=Kind.SLA_ESCALATED).last().data["phase"] == "followup"


@pytest.mark.usefixtures("areas")
def test_hour_target_goes_due_soon_and_overdue_on_a_sunday(urgent: Category) -> None:
    with frozen(2026, 11, 29, 10, 0) as clock:  # Sunday
        case = make_case(urgent)
        clock.shift(timedelta(minutes=45))
        assert services.sweep_sla().due_soon == 1
        clock.shift(timedelta(minutes=15))
        assert services.sweep_sla().escalated == 1
    assert kinds(case) == [Kind.SUBMITTED, Kind.SLA_DUE_SOON, Kind.SLA_ESCALATED]


@pytest.mark.usefixtures("areas")
def test_resolved_case_closes_itself_after_ten_working_days(category: Category) -> None:
    with frozen(2026, 12, 18, 10, 0) as clock:
        case = case_through(State.RESOLVED, category=category)
        # Days without a reply never escalate a resolved case: the city is waiting for the reporter.
        clock.move_to(local(2027, 1, 6, 23, 59, 59))
        assert services.sweep_sla() == services.SweepResult(due_soon=0, escalated=0, closed=0)
        case.refresh_from_db()
        assert case.state == State.RESOLVED

        clock.move_to(local(2027, 1, 7, 0, 0))
        assert services.sweep_sla() == services.SweepResult(due_soon=0, escalated=0, closed=1)
        assert services.sweep_sla().closed == 0
    case.refresh_from_db()
    assert (case.state, case.closed_at, case.sla_status, case.due_at) == (
        State.CLOSED,
        local(2027, 1, 7),
        Sla.STOPPED,
        None,
    )
    entry = case.timeline.last()
    assert (entry.kind, entry.from_state, entry.to_state, entry.actor_id) == (
        Kind.AUTO_CLOSED,
        State.RESOLVED,
        State.CLOSED,
        None,
    )


@pytest.mark.usefixtures("areas")
def test_finished_cases_are_never_swept(category: Category) -> None:
    with frozen(2026, 11, 2, 9, 0) as clock:
        finished = [case_through(state, category=category) for state in (State.REJECTED, State.DUPLICATE, State.CLOSED)]
        entries = {case.pk: case.timeline.count() for case in finished}
        clock.shift(timedelta(days=60))
        # Only the open original the duplicate was merged into is still on a clock.
        assert services.sweep_sla() == services.SweepResult(due_soon=0, escalated=1, closed=0)
    for case in finished:
        assert case.timeline.count() == entries[case.pk]
    assert finished[1].duplicate_of.timeline.filter(kind=Kind.SLA_ESCALATED).count() == 1


@pytest.mark.usefixtures("areas")
def test_sweep_works_through_more_cases_than_one_batch(category: Category) -> None:
    with frozen(2026, 11, 2, 9, 0) as clock:
        cases = [make_case(category) for _ in range(7)]
        clock.shift(timedelta(days=30))
        assert services.sweep_sla(batch_size=3).escalated == 7
    assert all(case.timeline.filter(kind=Kind.SLA_ESCALATED).count() == 1 for case in cases)
