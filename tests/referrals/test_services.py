"""Bed figures: validated with bilingual messages, current row and history written together, stale after the
configured hours, only by the hospital's own staff."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from pytest_django import Settings

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import OrganisationUnit, User
from patriot.core.errors import Forbidden, InvalidInput
from patriot.referrals import queries, services
from patriot.referrals.models import BedChange, BedCount, Facility
from patriot.referrals.services import BedFigures
from tests.factories import make_user


def test_setting_beds_writes_the_current_row_and_one_history_row(nurse: User, hospital: Facility) -> None:
    bed = services.set_beds(nurse, hospital, "icu", BedFigures(total=10, occupied=7, reserved=1, queue=2))
    assert (bed.total, bed.occupied, bed.reserved, bed.queue, bed.free) == (10, 7, 1, 2, 2)
    change = BedChange.objects.get()
    assert (change.bed_count_id, change.total, change.occupied, change.changed_by_id) == (bed.pk, 10, 7, nurse.pk)
    assert change.changed_at == bed.updated_at


def test_one_tap_changes_one_figure_and_writes_one_history_row(nurse: User, hospital: Facility) -> None:
    services.set_beds(nurse, hospital, "icu", BedFigures(total=10, occupied=7))
    services.tap(nurse, hospital, "icu", "occupied", 1)
    bed = BedCount.objects.get()
    assert (bed.occupied, bed.free) == (8, 2)
    assert BedChange.objects.count() == 2
    assert BedChange.objects.first().source == "tap"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("figures", "field", "english"),
    [
        (BedFigures(total=5, occupied=6), "occupied", "Beds in use (6) cannot exceed the total (5)."),
        (BedFigures(total=5, occupied=4, reserved=2), "reserved", "In use plus prepared (6) cannot exceed"),
        (BedFigures(total=5, queue=-1), "queue", "Figures cannot be negative."),
    ],
)
def test_impossible_figures_are_refused_in_both_languages(
    nurse: User, hospital: Facility, figures: BedFigures, field: str, english: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.set_beds(nurse, hospital, "icu", figures)
    assert refused.value.field == field
    assert "tidak boleh" in refused.value.message
    with translation.override("en"), pytest.raises(InvalidInput) as in_english:
        services.set_beds(nurse, hospital, "icu", figures)
    assert english in in_english.value.message
    assert not BedCount.objects.exists() and not BedChange.objects.exists()


def test_a_tap_past_the_total_is_refused_and_changes_nothing(nurse: User, hospital: Facility) -> None:
    services.set_beds(nurse, hospital, "hcu", BedFigures(total=2, occupied=2))
    with pytest.raises(InvalidInput):
        services.tap(nurse, hospital, "hcu", "occupied", 1)
    with pytest.raises(InvalidInput):
        services.tap(nurse, hospital, "hcu", "total", -1)
    assert BedCount.objects.get().occupied == 2 and BedChange.objects.count() == 1


def test_only_the_hospitals_own_staff_may_change_its_beds(
    nurse: User, other_nurse: User, hospital: Facility, other_hospital: Facility
) -> None:
    with pytest.raises(Forbidden):
        services.set_beds(other_nurse, hospital, "icu", BedFigures(total=3))
    citizen = make_user(RoleChoices.CITIZEN)
    with pytest.raises(Forbidden):
        services.set_beds(citizen, hospital, "icu", BedFigures(total=3))
    # A member of another role placed in the hospital's unit is not hospital staff either.
    officer = make_user(RoleChoices.HEALTH_OFFICER, unit=None)
    with pytest.raises(Forbidden):
        services.set_beds(officer, hospital, "icu", BedFigures(total=3))
    assert not BedCount.objects.exists()
    services.set_beds(other_nurse, other_hospital, "icu", BedFigures(total=3))
    assert BedCount.objects.get().facility == other_hospital


def test_figures_older_than_the_stale_hours_are_never_shown_as_current(
    nurse: User, hospital: Facility, settings: Settings
) -> None:
    bed = services.set_beds(nurse, hospital, "icu", BedFigures(total=10, occupied=3))
    [row] = queries.board()
    assert (row.free, row.stale) == (7, False)
    BedCount.objects.filter(pk=bed.pk).update(updated_at=bed.updated_at - timedelta(hours=6, minutes=1))
    [row] = queries.board()
    assert (row.free, row.stale, row.total) == (None, True, 10)
    settings.PATRIOT_BED_STALE_HOURS = 12
    [row] = queries.board()
    assert (row.free, row.stale) == (7, False)


def test_the_board_filters_by_bed_type(nurse: User, hospital: Facility) -> None:
    services.set_beds(nurse, hospital, "icu", BedFigures(total=4))
    services.set_beds(nurse, hospital, "nicu", BedFigures(total=2, occupied=1))
    assert [row.bed_type for row in queries.board()] == ["icu", "nicu"]
    assert [(row.bed_type, row.free) for row in queries.board("nicu")] == [("nicu", 1)]


def test_the_seed_loads_the_facilities_once(areas: None) -> None:
    created = services.load_facilities()
    assert created == Facility.objects.count() > 100
    assert services.load_facilities() == 0
    chasbullah = Facility.objects.select_related("unit").get(unit__code="rs-umum-daerah-dr-chasbullah-abdulmadjid")
    assert (chasbullah.hospital_class, chasbullah.ownership, chasbullah.point_approximate) == ("B", "public", True)
    assert chasbullah.unit.inside_city and chasbullah.unit.village is not None
    assert OrganisationUnit.objects.filter(kind="puskesmas").count() == 55


def test_a_facility_offers_only_known_services(hospital: Facility) -> None:
    hospital.services = ["icu", "cath_lab", "stroke_unit"]
    hospital.full_clean()
    hospital.services = ["icu", "teleportasi"]
    with pytest.raises(ValidationError) as refused:
        hospital.full_clean()
    assert "Layanan tidak dikenal" in str(refused.value.message_dict["services"])
    with translation.override("en"), pytest.raises(ValidationError) as in_english:
        hospital.full_clean()
    assert "Unknown services" in str(in_english.value.message_dict["services"])


def test_the_facility_list_says_what_each_offers_and_which_guesses_are_approximate(areas: None) -> None:
    services.load_facilities()
    chasbullah = Facility.objects.get(unit__code="rs-umum-daerah-dr-chasbullah-abdulmadjid")
    assert {"icu", "nicu", "picu", "maternity"} <= set(chasbullah.services) and chasbullah.services_approximate
    mother_and_child = Facility.objects.get(unit__code="rs-ibu-dan-anak-rinova-intan")
    assert "nicu" in mother_and_child.services and "icu" not in mother_and_child.services
    poned = Facility.objects.get(unit__code="puskesmas-jati-sampurna")
    assert poned.services == ["maternity"] and not poned.services_approximate
    for facility in Facility.objects.filter(unit__kind="hospital"):
        facility.full_clean()  # every listed service is a known one
        assert facility.services and facility.services_approximate
    # Every row names a Kota Bekasi kecamatan: in the city even where its approximate point falls outside.
    assert not OrganisationUnit.objects.filter(kind__in=["hospital", "puskesmas"], inside_city=False).exists()


def test_a_profile_loaded_before_services_were_listed_gets_them_and_an_edited_one_keeps_its_own(
    areas: None,
) -> None:
    services.load_facilities()
    Facility.objects.filter(unit__code="rs-umum-daerah-dr-chasbullah-abdulmadjid").update(services=[])
    Facility.objects.filter(unit__code="rs-umum-daerah-jatisampurna").update(services=["cath_lab"])
    services.load_facilities()
    assert "icu" in Facility.objects.get(unit__code="rs-umum-daerah-dr-chasbullah-abdulmadjid").services
    assert Facility.objects.get(unit__code="rs-umum-daerah-jatisampurna").services == ["cath_lab"]


def test_occupancy_over_time_follows_the_history(
    nurse: User, hospital: Facility, other_nurse: User, other_hospital: Facility
) -> None:
    from patriot.core import clock

    now = clock.now()
    bed = services.set_beds(nurse, hospital, "icu", BedFigures(total=10, occupied=2))
    other = services.set_beds(other_nurse, other_hospital, "icu", BedFigures(total=10, occupied=10))
    BedChange.objects.filter(bed_count=bed).update(changed_at=now - timedelta(days=5))
    BedChange.objects.filter(bed_count=other).update(changed_at=now - timedelta(days=40))
    BedChange.objects.create(
        bed_count=bed, total=10, occupied=6, reserved=2, queue=0, changed_at=now - timedelta(days=2), source="tap"
    )
    series = queries.occupancy(7, now=now)
    assert len(series.labels) == 7 and list(series.series) == ["icu"]
    # Six days ago only the other hospital's row stood (10/10); then ours joined at 2/10, then went to 8/10.
    assert series.series["icu"][0] == 100.0
    assert series.series["icu"][3] == 60.0
    assert series.series["icu"][-1] == 90.0
    ours = queries.occupancy(7, hospital.unit.code, now=now)
    assert ours.series["icu"][0] is None and ours.series["icu"][-1] == 80.0
