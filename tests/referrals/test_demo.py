"""Demo beds: every listed hospital reports the bed types its services suggest, with 30 days of figures that move,
a few stale; the `hospital` demo account reports for the city's referral hospital."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client, override_settings

from patriot.accounts.choices import RoleChoices
from patriot.core import clock
from patriot.referrals import demo, queries, services
from patriot.referrals.models import BedChange, BedCount, Facility
from tests.factories import make_user


def test_the_demo_writes_moving_beds_and_places_the_demo_hospital_account(areas: None) -> None:
    services.load_facilities()
    account = make_user(RoleChoices.HOSPITAL_STAFF, username="hospital")
    assert demo.needed()
    report = demo.seed_demo_beds()
    assert not demo.needed()
    hospitals = Facility.objects.filter(unit__kind="hospital").count()
    assert BedCount.objects.values("facility").distinct().count() == hospitals
    assert not BedCount.objects.filter(facility__unit__kind="puskesmas").exists()
    chasbullah = Facility.objects.get(unit__code=demo.DEMO_HOSPITAL)
    kinds = set(chasbullah.beds.values_list("bed_type", flat=True))
    assert {"icu", "iccu", "nicu", "picu", "perinatology", "emergency", "class_3"} <= kinds
    assert 500 <= sum(chasbullah.beds.values_list("total", flat=True)) <= 600  # 554 beds in RS Online
    # The figures move over the month, and each row's last change is its current figure.
    now = clock.now()
    icu = chasbullah.beds.get(bed_type="icu")
    history = list(icu.changes.order_by("changed_at"))
    assert history[0].changed_at < now - timedelta(days=29) and len({change.occupied for change in history}) > 2
    assert (history[-1].occupied, history[-1].changed_at) == (icu.occupied, icu.updated_at)
    for bed in BedCount.objects.all():
        assert bed.occupied + bed.reserved <= bed.total
    stale = [row for row in queries.board() if row.stale]
    assert stale and len(stale) < BedCount.objects.count() / 2
    assert "Tempat tidur demo" in report.lines[0]
    account.refresh_from_db()
    assert account.unit_id == chasbullah.unit_id
    client = Client()
    client.force_login(account)
    page = client.get("/rumah-sakit/tempat-tidur/")
    assert page.status_code == 200 and 'data-bed-type="icu"' in page.content.decode()
    assert BedChange.objects.filter(changed_by__isnull=False).count() == 0  # the demo acts as nobody


def test_a_hospital_given_beds_by_another_demo_step_keeps_them(areas: None) -> None:
    services.load_facilities()
    chasbullah = Facility.objects.get(unit__code=demo.DEMO_HOSPITAL)
    BedCount.objects.create(facility=chasbullah, bed_type="icu", total=3, updated_at=clock.now())
    demo.seed_demo_beds()
    assert list(chasbullah.beds.values_list("bed_type", "total")) == [("icu", 3)]
    assert BedCount.objects.exclude(facility=chasbullah).exists()


@override_settings(PATRIOT_DEMO=True)
def test_in_the_seed_order_the_demo_hospital_keeps_its_moving_beds_and_the_referrals_their_states(
    areas: None,
) -> None:
    """`patriot seed --demo` runs the bed demo before the referral demo: the `hospital` account's hospital has every
    bed type its services suggest with a month of figures (not the referral demo's four flat rows)."""
    from patriot.accounts.services import load_agencies
    from patriot.core import registry
    from patriot.referrals import fhir
    from patriot.referrals.models import Referral
    from patriot.referrals.referral_seed import seed_demo_referrals

    names = [step.name for step in registry.seed_steps(demo=True)]
    assert names.index("demo-beds") < names.index("demo-referrals")
    load_agencies()
    services.load_facilities()
    make_user(RoleChoices.HOSPITAL_STAFF, username="hospital")
    demo.seed_demo_beds()
    seed_demo_referrals()
    chasbullah = Facility.objects.get(unit__code=demo.DEMO_HOSPITAL)
    assert {"icu", "iccu", "picu", "emergency", "class_1"} <= set(chasbullah.beds.values_list("bed_type", flat=True))
    icu = chasbullah.beds.get(bed_type="icu")
    assert icu.changes.count() > 50 and len(set(icu.changes.values_list("occupied", flat=True))) > 2
    assert icu.reserved >= 1 and icu.occupied + icu.reserved <= icu.total  # the demo's accepted referrals
    statuses = {fhir.task(referral)["status"] for referral in Referral.objects.all()}
    assert {"requested", "received", "accepted", "rejected", "in-progress", "completed", "cancelled"} <= statuses
