"""Item 9: a referral admitted with ICD-10 A90/A91 is a confirmed dengue case in its area, without names, once; the
two apps meet only through core.registry (neither imports the other)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from patriot.accounts.services import load_agencies
from patriot.cases.seed import load_categories
from patriot.core import clock, registry
from patriot.geo.models import Village
from patriot.larvae.models import AreaAlert, DengueCase
from patriot.larvae.services import dengue, thresholds
from patriot.referrals import services as referrals
from patriot.referrals.models import Referral
from tests.referrals.referral_fixtures import World, details, world
from tests.test_import_graph import app_edges

pytestmark = pytest.mark.usefixtures("areas")


@pytest.fixture
def w(db: None) -> World:
    setup = world()
    # The referring puskesmas lies in Margahayu.
    unit = setup.puskesmas.unit
    unit.village = Village.objects.get(name="Margahayu")
    unit.district = unit.village.district
    unit.save()
    return setup


def admitted(w: World, diagnoses: list[str]) -> Referral:
    referral = referrals.create_referral(w.referrer, details(diagnoses=diagnoses, bed_type="icu"))
    referrals.send(w.referrer, referral, [w.near.pk])
    referrals.accept(w.near_staff, referral)
    referrals.depart(w.referrer, referral, "own")
    referrals.step(w.near_staff, referral, "arrive")
    referrals.step(w.near_staff, referral, "admit")
    return referral


def test_an_admitted_dengue_referral_records_one_case_in_the_referrer_s_kelurahan(
    w: World, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    load_agencies()
    load_categories()
    thresholds.seed_default_thresholds()
    with django_capture_on_commit_callbacks(execute=True):
        referral = admitted(w, ["I10", "A91"])
    case = DengueCase.objects.get()
    assert case.village.name == "Margahayu" and case.district_id == case.village.district_id
    assert case.rw is None and case.count == 1 and case.recorded_by is None
    assert (case.source, case.source_ref) == ("referral_origin", referral.number)
    assert case.onset_date == timezone.localdate(clock.now())
    # The confirmed case is checked against the thresholds once the admission commits: one alert for the kelurahan.
    alert = AreaAlert.objects.get()
    assert (alert.village_id, alert.rw) == (case.village_id, thresholds.WHOLE_VILLAGE)
    assert "dbd_at_least" in alert.last_crossing
    assert case.source_label == "Rujukan (kelurahan faskes perujuk)"
    # No name, NIK or diagnosis text travels: the record has counts and places only.
    values = " ".join(str(value) for value in DengueCase.objects.values().get().values())
    assert "Sari" not in values and "3275" not in values
    # Completing and referring back do not count the patient again.
    referrals.step(w.near_staff, referral, "complete")
    referrals.step(w.near_staff, referral, "back_refer", "Kontrol ke puskesmas")
    assert DengueCase.objects.count() == 1


def test_steps_before_admission_and_other_diagnoses_record_nothing(w: World) -> None:
    referral = referrals.create_referral(w.referrer, details(diagnoses=["A90"]))
    referrals.send(w.referrer, referral, [w.near.pk])
    referrals.accept(w.near_staff, referral)
    referrals.depart(w.referrer, referral, "own")
    referrals.step(w.near_staff, referral, "arrive")
    assert not DengueCase.objects.exists()
    admitted(w, ["I63", "I10"])
    assert not DengueCase.objects.exists()


def test_a_replayed_announcement_counts_once_under_either_placement(w: World) -> None:
    margahayu = Village.objects.get(name="Margahayu")
    today = timezone.localdate(clock.now())
    made = registry.DiagnosisMade(
        source="referral", source_ref="RJK-000042", codes=("A91",), on=today, village_id=margahayu.pk,
        place="referring_facility",
    )  # fmt: skip
    first = dengue.record_from_diagnosis(made)
    again = dengue.record_from_diagnosis(made)
    by_address = dengue.record_from_diagnosis(
        registry.DiagnosisMade(
            source="referral", source_ref="RJK-000042", codes=("A91",), on=today, village_id=margahayu.pk, rw=3
        )
    )
    assert first is not None and first.pk == again.pk == by_address.pk  # type: ignore[union-attr]
    assert DengueCase.objects.count() == 1


def test_a_record_that_knows_the_patient_s_address_keeps_its_rw(w: World) -> None:
    margahayu = Village.objects.get(name="Margahayu")
    case = dengue.record_from_diagnosis(
        registry.DiagnosisMade(
            source="referral", source_ref="RJK-000043", codes=("a90.0",), on=timezone.localdate(clock.now()),
            village_id=margahayu.pk, rw=4,
        )
    )  # fmt: skip
    assert case is not None and (case.source, case.rw) == ("referral", 4)
    # Nowhere to place it: nothing recorded, and the announcing step is not undone.
    assert (
        dengue.record_from_diagnosis(
            registry.DiagnosisMade(
                source="referral",
                source_ref="RJK-9",
                codes=("A91",),
                on=timezone.localdate(clock.now()),
                village_id=None,
            )
        )
        is None
    )


@pytest.mark.parametrize(
    ("code", "dengue_code"),
    [("A90", True), ("A91", True), ("a91.0", True), ("A910", True), ("A92", False), ("A9", False), ("B90", False)],
)
def test_dengue_codes_are_a90_and_a91_with_any_subcode(code: str, dengue_code: bool) -> None:
    assert dengue.is_dengue(code) is dengue_code


def test_larvae_and_referrals_do_not_import_each_other() -> None:
    edges = app_edges()
    assert ("larvae", "referrals") not in edges
    assert ("referrals", "larvae") not in edges
    assert ("referrals", "core") in edges and ("larvae", "core") in edges
