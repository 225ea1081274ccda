"""The crew's services (issue 11, items 7–9): status taps applied once per key at the time of the tap, the
plausible window for that time, the position, the patient report's bounds, the destination among the hospitals
that fit (through the core's capacity hook, fed by referrals), the pre-arrival notice addressed to that hospital
only, and the hospital's acknowledgement."""

from __future__ import annotations

from datetime import timedelta

import pytest

from patriot.accounts.choices import RoleChoices, UnitKindChoices
from patriot.accounts.models import OrganisationUnit, User
from patriot.core import clock, registry
from patriot.core.errors import Forbidden, InvalidInput, InvalidTransition
from patriot.emergency import hospitals, services
from patriot.emergency.models import Ambulance, CrewStepReceipt, Incident, PatientReport
from patriot.events.audience import may_receive, may_receive_public
from patriot.events.models import OutboxEvent
from patriot.referrals.models import BedCount, Facility
from tests.emergency.conftest import details, make_ambulance
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("areas")


def make_hospital(code: str, point: tuple[float, float] = (-6.24, 107.0)) -> OrganisationUnit:
    return OrganisationUnit.objects.create(
        kind=UnitKindChoices.HOSPITAL, code=code, name=f"RS {code}", latitude=point[0], longitude=point[1]
    )


def beds(hospital: OrganisationUnit, bed_type: str, total: int, occupied: int = 0, hours_ago: float = 0) -> None:
    facility, _new = Facility.objects.get_or_create(unit=hospital)
    BedCount.objects.create(
        facility=facility,
        bed_type=bed_type,
        total=total,
        occupied=occupied,
        updated_at=clock.now() - timedelta(hours=hours_ago),
    )


@pytest.fixture
def run(call_taker: User, dispatcher: User) -> tuple[Incident, Ambulance, User]:
    """An ambulance dispatched a quarter of an hour ago, with its crew member."""
    with clock.pinned(clock.now() - timedelta(minutes=15)):
        incident = services.create_incident(call_taker, details())
        ambulance = make_ambulance("amb-kru")
        services.move_ambulance(dispatcher, ambulance, "dispatch", incident=incident)
    crew = make_user(RoleChoices.AMBULANCE_CREW, unit=ambulance.unit)
    return incident, ambulance, crew


def test_taps_are_stamped_with_their_own_times_and_applied_once(run: tuple[Incident, Ambulance, User]) -> None:
    incident, ambulance, crew = run
    now = clock.now()
    depart = now - timedelta(minutes=9, seconds=30)
    arrive = now - timedelta(minutes=2, seconds=5)
    assert services.record_crew_step(crew, ambulance, "depart", key="tap-depart-1", tapped_at=depart).applied
    assert services.record_crew_step(crew, ambulance, "arrive", key="tap-arrive-1", tapped_at=arrive).applied
    # The same tap sent again (the phone did not hear the answer) changes nothing.
    again = services.record_crew_step(crew, ambulance, "depart", key="tap-depart-1", tapped_at=depart)
    assert not again.applied
    incident.refresh_from_db()
    ambulance.refresh_from_db()
    assert incident.en_route_at == depart and incident.on_scene_at == arrive
    assert ambulance.status == "on_scene" and ambulance.status_changed_at == arrive
    assert CrewStepReceipt.objects.count() == 2


def test_a_tap_time_in_the_future_or_before_the_previous_step_is_refused(run: tuple[Incident, Ambulance, User]) -> None:
    incident, ambulance, crew = run
    incident.refresh_from_db()
    assert incident.dispatched_at is not None
    with pytest.raises(InvalidInput) as future:
        services.record_crew_step(
            crew, ambulance, "depart", key="tap-future", tapped_at=clock.now() + timedelta(hours=1)
        )
    assert future.value.field == "at" and "masa depan" in future.value.message
    with pytest.raises(InvalidInput) as early:
        services.record_crew_step(
            crew, ambulance, "depart", key="tap-early", tapped_at=incident.dispatched_at - timedelta(minutes=1)
        )
    assert "sebelum langkah sebelumnya" in early.value.message
    with pytest.raises(InvalidInput):
        services.record_crew_step(crew, ambulance, "depart", key="tap-old", tapped_at=clock.now() - timedelta(hours=13))
    assert not CrewStepReceipt.objects.exists()
    ambulance.refresh_from_db()
    assert ambulance.status == "dispatched"


def test_a_crew_may_not_dispatch_and_an_illegal_tap_is_409(run: tuple[Incident, Ambulance, User]) -> None:
    _incident, ambulance, crew = run
    with pytest.raises(InvalidInput):
        services.record_crew_step(crew, ambulance, "dispatch", key="tap-dispatch")
    with pytest.raises(InvalidTransition):
        services.record_crew_step(crew, ambulance, "reach_hospital", key="tap-hospital")
    assert not CrewStepReceipt.objects.exists()


def test_positions_are_kept_and_close_ones_are_one(run: tuple[Incident, Ambulance, User]) -> None:
    _incident, ambulance, crew = run
    assert services.share_position(crew, ambulance, -6.25, 107.01)
    assert not services.share_position(crew, ambulance, -6.26, 107.02)
    ambulance.refresh_from_db()
    assert (ambulance.last_latitude, ambulance.last_longitude) == (-6.25, 107.01)
    with pytest.raises(InvalidInput):
        services.share_position(crew, ambulance, 48.85, 2.35)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("gcs", 2, "GCS antara 3 dan 15."),
        ("gcs", 16, "GCS antara 3 dan 15."),
        ("pulse", 400, "Nadi antara 0 dan 300 kali per menit."),
        ("breathing_rate", 90, "Frekuensi napas antara 0 dan 80 kali per menit."),
        ("spo2", 101, "SpO2 antara 50 dan 100 persen."),
        ("patient_count", 0, "Jumlah pasien antara 1 dan 500."),
    ],
)
def test_implausible_vitals_are_refused_in_indonesian(
    run: tuple[Incident, Ambulance, User], field: str, value: int, message: str
) -> None:
    _incident, ambulance, crew = run
    services.move_ambulance(crew, ambulance, "depart")
    services.move_ambulance(crew, ambulance, "arrive")
    with pytest.raises(InvalidInput) as refused:
        services.save_patient_report(crew, ambulance, services.Vitals(**{field: value}))
    assert refused.value.field == field and refused.value.message == message
    with pytest.raises(InvalidInput) as pressure:
        services.save_patient_report(crew, ambulance, services.Vitals(bp_systolic=80, bp_diastolic=120))
    assert pressure.value.field == "bp_diastolic"
    assert not PatientReport.objects.exists()


def test_the_report_waits_for_arrival(run: tuple[Incident, Ambulance, User]) -> None:
    _incident, ambulance, crew = run
    with pytest.raises(InvalidTransition):
        services.save_patient_report(crew, ambulance, services.Vitals(pulse=90))


def test_hospitals_that_fit_come_from_the_referrals_capacity(run: tuple[Incident, Ambulance, User]) -> None:
    incident, _ambulance, _crew = run  # chest pain: needs a cath lab or an ICCU
    cardiac = make_hospital("jantung")
    beds(cardiac, "iccu", 4)
    beds(cardiac, "emergency", 10, occupied=3)
    full = make_hospital("penuh")
    beds(full, "iccu", 2)
    beds(full, "emergency", 5, occupied=5)
    general = make_hospital("umum")
    beds(general, "emergency", 8)
    stale = make_hospital("lama")
    beds(stale, "iccu", 2)
    beds(stale, "emergency", 8, hours_ago=30)
    unlisted = make_hospital("tanpa-profil")
    capacity = registry.hospital_capacity()
    assert capacity is not None and capacity[cardiac.pk].emergency_free == 7
    assert capacity[stale.pk].stale and capacity[stale.pk].emergency_free is None
    rows = {row.unit.code: row for row in hospitals.options(incident)}
    assert rows["jantung"].selectable and rows["lama"].selectable  # stale counts as unknown, not as full
    assert not rows["penuh"].selectable  # no free IGD bed
    assert not rows["umum"].selectable  # does not take chest pain
    assert rows["tanpa-profil"].accepts is None and rows["tanpa-profil"].selectable
    assert unlisted.pk not in capacity


def test_destination_notice_reaches_that_hospital_only_and_is_acknowledged(
    run: tuple[Incident, Ambulance, User], dispatcher: User
) -> None:
    incident, ambulance, crew = run
    ours, other = make_hospital("tujuan"), make_hospital("lain")
    beds(ours, "iccu", 2)
    beds(other, "emergency", 3)  # takes no chest pain
    services.move_ambulance(crew, ambulance, "depart")
    services.move_ambulance(crew, ambulance, "arrive")
    with pytest.raises(InvalidInput):
        services.choose_destination(crew, ambulance, other)
    services.save_patient_report(crew, ambulance, services.Vitals(pulse=110, spo2=93, assessment="Curiga SKA"))
    report = services.choose_destination(crew, ambulance, ours)
    assert report.notified_at is not None and report.pulse == 110

    ours_staff = make_user(RoleChoices.HOSPITAL_STAFF, unit=ours)
    other_staff = make_user(RoleChoices.HOSPITAL_STAFF, unit=other)
    notice = OutboxEvent.objects.get(subject_type="emergency_notice", kind="pre_arrival")
    assert notice.unit_id == ours.pk and "Curiga" not in str(notice.payload)
    assert may_receive(ours_staff, notice) and may_receive(dispatcher, notice)
    others = [other_staff, crew, make_user(RoleChoices.POC_OPERATOR), make_user(RoleChoices.MAYOR)]
    assert not any(may_receive(user, notice) for user in others)
    assert not may_receive_public(notice)

    with pytest.raises(InvalidTransition):  # not there yet
        services.acknowledge_handover(ours_staff, report)
    services.move_ambulance(crew, ambulance, "transport")
    services.move_ambulance(crew, ambulance, "reach_hospital")
    with pytest.raises(Forbidden):
        services.acknowledge_handover(other_staff, report)
    services.record_crew_step(crew, ambulance, "clear", key="tap-handover")
    services.acknowledge_handover(ours_staff, report)
    report.refresh_from_db()
    incident.refresh_from_db()
    assert report.acknowledged_by == ours_staff and incident.handover_at is not None
    with pytest.raises(InvalidTransition):
        services.acknowledge_handover(ours_staff, report)
    services.record_crew_step(crew, ambulance, "back_in_service", key="tap-back")
    ambulance.refresh_from_db()
    assert ambulance.status == "available" and ambulance.incident_id is None
