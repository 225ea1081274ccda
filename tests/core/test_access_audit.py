"""Personal-data access audit for any subject (core.audit), and the timeline fields every app shares."""

from __future__ import annotations

from datetime import timedelta

import pytest

from patriot.accounts.choices import RoleChoices
from patriot.cases.models import TimelineEntry
from patriot.core import audit, clock
from patriot.core.choices import PersonalDataChoices
from patriot.core.errors import InvalidInput
from patriot.core.models import PersonalDataAccess, TimelineEntryBase
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_reads_of_health_data_are_logged_per_subject_with_kind_and_purpose() -> None:
    doctor = make_user(RoleChoices.SYSTEM_ADMIN)
    audit.record_access(
        doctor,
        subject_type="referral",
        subject_ids=[17, "17", 18],
        data=PersonalDataChoices.DIAGNOSIS,
        purpose="  menerima rujukan  ",
    )
    audit.record_access(
        doctor, subject_type="incident", subject_ids=["SPGDT-1"], data="patient_identity", purpose="dispatch"
    )
    rows = list(audit.accesses_to("referral", 17))
    assert [(row.user, row.data, row.purpose) for row in rows] == [(doctor, "diagnosis", "menerima rujukan")]
    assert PersonalDataAccess.objects.filter(subject_type="referral").count() == 2  # the repeated 17 once
    assert audit.accesses_to("incident", "SPGDT-1").get().data == PersonalDataChoices.PATIENT_IDENTITY


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"data": "blood_type"}, "data"), ({"purpose": "   "}, "purpose"), ({"subject_type": ""}, "subject_type")],
)
def test_an_access_without_a_known_kind_a_purpose_or_a_subject_type_is_refused(
    changes: dict[str, str], field: str
) -> None:
    arguments = {"subject_type": "inspection", "subject_ids": [1], "data": "reporter_identity", "purpose": "cek"}
    with pytest.raises(InvalidInput) as refused:
        audit.record_access(make_user(RoleChoices.SYSTEM_ADMIN), **{**arguments, **changes})  # type: ignore[arg-type]
    assert refused.value.field == field
    assert not PersonalDataAccess.objects.exists()


def test_retention_purges_only_older_rows() -> None:
    user = make_user(RoleChoices.SYSTEM_ADMIN)
    old = audit.record_access(user, subject_type="incident", subject_ids=[1], data="diagnosis", purpose="a")[0]
    PersonalDataAccess.objects.filter(pk=old.pk).update(created_at=clock.now() - timedelta(days=400))
    audit.record_access(user, subject_type="incident", subject_ids=[2], data="diagnosis", purpose="b")
    assert audit.purge_access_log(clock.now() - timedelta(days=365)) == 1
    assert list(PersonalDataAccess.objects.values_list("subject_id", flat=True)) == ["2"]


def test_every_timeline_shares_the_core_fields() -> None:
    assert issubclass(TimelineEntry, TimelineEntryBase)
    shared = {field.name for field in TimelineEntryBase._meta.get_fields()}
    assert {
        "kind",
        "actor",
        "actor_label",
        "from_state",
        "to_state",
        "note",
        "data",
        "is_public",
        "created_at",
    } <= shared
    assert shared <= {field.name for field in TimelineEntry._meta.get_fields()}
