"""larvae.services.record_inspection: validation, placing the point, idempotency, one transaction, the event."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from patriot.accounts.choices import RoleChoices as Role
from patriot.accounts.models import User
from patriot.core import clock, registry
from patriot.core.errors import DomainError, Forbidden, InvalidInput
from patriot.events.audience import may_receive, may_receive_public, public_payload
from patriot.events.models import OutboxEvent
from patriot.larvae.models import ContainerCount, Inspection
from patriot.larvae.services import IdempotencyConflict, inspections, record_inspection
from tests.factories import BINTARA, OUTSIDE_CITY, jpeg_bytes, make_agency, make_user, staff
from tests.larvae.conftest import inspection_submission

pytestmark = pytest.mark.usefixtures("areas")


def test_an_inspection_is_placed_from_its_point_and_totalled(jumantik: User) -> None:
    result = record_inspection(
        jumantik,
        inspection_submission(
            containers=[("bath_tub", "indoor", 2, 1), ("tyres", "outdoor", 3, 2), ("jar", "indoor", 1, 0)],
            actions=["fish", "drain"],
            residents=4,
            fever_past_week=True,
        ),
    )
    inspection = result.inspection
    assert result.created
    assert inspection.village.name == "Margahayu" and inspection.district.name == "Bekasi Timur"
    assert (inspection.containers_inspected, inspection.containers_positive, inspection.is_positive) == (6, 3, True)
    assert inspection.actions == ["drain", "fish"]  # in the form's order
    assert inspection.h3_cell and inspection.h3_cell_coarse
    assert inspection.received_at >= inspection.inspected_at
    rows = {(c.container_type, c.place): (c.inspected, c.positive) for c in inspection.containers.all()}
    assert rows == {("bath_tub", "indoor"): (2, 1), ("tyres", "outdoor"): (3, 2), ("jar", "indoor"): (1, 0)}


def test_zero_counts_are_not_stored_and_a_house_without_larvae_is_negative(jumantik: User) -> None:
    inspection = record_inspection(
        jumantik, inspection_submission(containers=[("drum", "indoor", 0, 0), ("bucket", "outdoor", 2, 0)])
    ).inspection
    assert not inspection.is_positive
    assert list(inspection.containers.values_list("container_type", flat=True)) == ["bucket"]


@pytest.mark.parametrize(
    ("containers", "code"),
    [
        ([("drum", "indoor", 2, 3)], "positive_exceeds_inspected"),
        ([("drum", "indoor", -1, 0)], "out_of_range"),
        ([("drum", "indoor", 1, -1)], "out_of_range"),
        ([("drum", "indoor", 1000, 0)], "out_of_range"),
        ([("puddle", "indoor", 1, 0)], "invalid"),
        ([("drum", "roof", 1, 0)], "invalid"),
        ([("drum", "indoor", 1, 0), ("drum", "indoor", 2, 0)], "duplicate"),
    ],
)
def test_impossible_counts_are_refused_and_nothing_is_written(
    jumantik: User, containers: list[tuple[str, str, int, int]], code: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        record_inspection(jumantik, inspection_submission(containers=containers))
    assert refused.value.code == code
    assert not Inspection.objects.exists() and not OutboxEvent.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"building_kind": "warehouse"}, "building_kind"),
        ({"address": "   "}, "address"),
        ({"rw": 0}, "rw"),
        ({"rt": 1000}, "rt"),
        ({"residents": -2}, "residents"),
        ({"actions": ["pray"]}, "actions"),
    ],
)
def test_invalid_fields_are_refused(jumantik: User, overrides: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        record_inspection(jumantik, inspection_submission(**overrides))
    assert refused.value.field == field


def test_a_point_outside_the_city_is_refused(jumantik: User) -> None:
    with pytest.raises(InvalidInput) as refused:
        record_inspection(jumantik, inspection_submission(lat=OUTSIDE_CITY[0], lon=OUTSIDE_CITY[1]))
    assert refused.value.code == "outside_city"
    assert not Inspection.objects.exists()


def test_the_kelurahan_comes_from_the_point(jumantik: User) -> None:
    inspection = record_inspection(jumantik, inspection_submission(lat=BINTARA[0], lon=BINTARA[1])).inspection
    assert inspection.village.name == "Bintara"


def test_a_future_inspection_time_is_refused_but_a_small_clock_skew_is_not(jumantik: User) -> None:
    with pytest.raises(InvalidInput) as refused:
        record_inspection(jumantik, inspection_submission(at=clock.now() + timedelta(hours=1)))
    assert refused.value.code == "future_time"
    assert record_inspection(jumantik, inspection_submission(at=clock.now() + timedelta(minutes=2))).created


def test_an_offline_inspection_keeps_its_original_time(jumantik: User) -> None:
    three_days_ago = clock.now() - timedelta(days=3)
    inspection = record_inspection(jumantik, inspection_submission(at=three_days_ago)).inspection
    assert inspection.inspected_at == three_days_ago
    assert inspection.received_at - inspection.inspected_at >= timedelta(days=3)


def test_a_phone_s_late_send_is_accepted_within_the_window_and_refused_after_it(jumantik: User, settings: Any) -> None:
    settings.PATRIOT_LARVAE_MAX_DELAY_DAYS = 14
    thirteen_days = inspection_submission(at=clock.now() - timedelta(days=13), idempotency_key="k-13")
    assert record_inspection(jumantik, thirteen_days, from_phone=True).created
    fifteen_days = inspection_submission(at=clock.now() - timedelta(days=15), idempotency_key="k-15")
    with pytest.raises(InvalidInput) as refused:
        record_inspection(jumantik, fifteen_days, from_phone=True)
    assert refused.value.code == "too_old" and refused.value.field == "inspected_at"
    assert "14 hari" in refused.value.message
    # A resend of what the server already holds still gets its inspection back, however late.
    settings.PATRIOT_LARVAE_MAX_DELAY_DAYS = 1
    replay = record_inspection(jumantik, thirteen_days, from_phone=True)
    assert not replay.created and Inspection.objects.count() == 1
    # Imports and demo history (not a phone) keep any past time.
    assert record_inspection(jumantik, fifteen_days).created


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.HEALTH_OFFICER, Role.POC_OPERATOR, Role.AGENCY_OFFICER])
def test_only_a_jumantik_records(role: str) -> None:
    with pytest.raises(Forbidden):
        record_inspection(make_user(role), inspection_submission())


def test_the_same_key_from_the_same_jumantik_returns_the_first_inspection(jumantik: User) -> None:
    submission = inspection_submission(idempotency_key="phone-abc-1", containers=[("drum", "outdoor", 2, 1)])
    first = record_inspection(jumantik, submission)
    again = record_inspection(jumantik, submission)
    assert first.created and not again.created
    assert again.inspection.pk == first.inspection.pk
    assert Inspection.objects.count() == 1 and ContainerCount.objects.count() == 1
    assert OutboxEvent.objects.filter(subject_type="larvae").count() == 1


def test_the_same_key_from_another_jumantik_is_another_inspection(jumantik: User, other_jumantik: User) -> None:
    record_inspection(jumantik, inspection_submission(idempotency_key="k-1"))
    assert record_inspection(other_jumantik, inspection_submission(idempotency_key="k-1")).created
    assert Inspection.objects.count() == 2


def test_the_same_key_with_other_content_is_a_conflict(jumantik: User) -> None:
    record_inspection(jumantik, inspection_submission(idempotency_key="k-2", rt=5))
    with pytest.raises(IdempotencyConflict) as refused:
        record_inspection(jumantik, inspection_submission(idempotency_key="k-2", rt=6))
    assert refused.value.status_code == 409
    assert Inspection.objects.count() == 1


def test_a_race_on_one_key_returns_the_inspection_that_won(jumantik: User) -> None:
    """Nothing is read before the insert: a retry and a race both meet the unique (jumantik, key) constraint, and the
    inspection committed first is returned."""
    record_inspection(jumantik, inspection_submission(idempotency_key="k-warm"))  # the areas' index is loaded
    submission = inspection_submission(idempotency_key="k-race")
    with CaptureQueriesContext(connection) as first_send:
        winner = record_inspection(jumantik, submission)
    statements = [query["sql"].split()[0].upper() for query in first_send.captured_queries]
    if connection.vendor == "postgresql":  # inspection, containers and event in one statement (core/inserts.py)
        assert "SELECT" not in statements and statements.count("WITH") == 1 and "INSERT" not in statements
    else:
        assert "SELECT" not in statements and statements.count("INSERT") == 3  # inspection, containers, event
    again = record_inspection(jumantik, submission)
    assert winner.created and not again.created and again.inspection.pk == winner.inspection.pk
    assert again.village_code == winner.village_code and again.village_name == winner.village_name
    assert Inspection.objects.count() == 2 and OutboxEvent.objects.filter(subject_type="larvae").count() == 2


def test_a_failure_inside_the_transaction_leaves_nothing(jumantik: User, _media_root: Path) -> None:
    written = inspections.inserts.insert_linked

    def write_then_fail(*args: Any, **kwargs: Any) -> None:
        written(*args, **kwargs)  # the rows are in the transaction, then it fails
        assert Inspection.objects.exists() and ContainerCount.objects.exists()
        raise IntegrityError("boom")

    with (
        mock.patch.object(inspections.inserts, "insert_linked", side_effect=write_then_fail),
        pytest.raises(IntegrityError),
    ):
        record_inspection(jumantik, inspection_submission(), photo=("rumah.jpg", io.BytesIO(jpeg_bytes())))
    assert not Inspection.objects.exists() and not ContainerCount.objects.exists()
    assert not [path for path in _media_root.rglob("*") if path.is_file()]


def test_a_photo_is_stored_without_its_gps_exif(jumantik: User) -> None:
    raw = jpeg_bytes(exif_gps=True)
    assert b"PhoneModel" in raw
    inspection = record_inspection(jumantik, inspection_submission(), photo=("rumah.jpg", io.BytesIO(raw))).inspection
    with inspection.photo.open("rb") as stored:
        content = stored.read()
    assert content.startswith(b"\xff\xd8") and b"PhoneModel" not in content and b"GPS" not in content


def test_a_file_that_is_not_a_photo_is_refused(jumantik: User) -> None:
    with pytest.raises(DomainError):
        record_inspection(jumantik, inspection_submission(), photo=("x.jpg", io.BytesIO(b"not an image")))
    assert not Inspection.objects.exists()


# --- the event -----------------------------------------------------------------------------------


def test_the_event_names_the_area_never_the_household(jumantik: User) -> None:
    inspection = record_inspection(
        jumantik, inspection_submission(address="Jl. Kenanga No. 12", containers=[("jar", "indoor", 1, 1)])
    ).inspection
    event = OutboxEvent.objects.get(subject_type="larvae")
    assert event.kind == "larvae.inspected" and event.subject_id == str(inspection.pk)
    assert event.payload["village"] == inspection.village.code and event.payload["rw"] == 3
    assert event.payload["is_positive"] is True
    text = str(event.payload)
    assert "Kenanga" not in text and str(inspection.latitude) not in text and "jumantik" not in text
    assert not event.is_public


def test_the_inspection_its_counts_and_its_event_are_written_together_and_read_as_returned(jumantik: User) -> None:
    submission = inspection_submission(
        containers=[("drum", "outdoor", 4, 2), ("jar", "indoor", 3, 0), ("bath_tub", "indoor", 1, 1)]
    )
    with CaptureQueriesContext(connection) as queries:
        result = record_inspection(jumantik, submission)
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "WITH"))]
    # PostgreSQL: one statement writes the three tables (core/inserts.insert_linked); elsewhere one per table.
    assert len(inserts) == (1 if connection.vendor == "postgresql" else 3)
    inspection = result.inspection
    assert inspection.pk is not None and not inspection._state.adding
    read = Inspection.objects.get(pk=inspection.pk)
    for field in Inspection._meta.concrete_fields:
        assert getattr(read, field.attname) == getattr(inspection, field.attname), field.name
    assert sorted(
        ContainerCount.objects.filter(inspection=inspection).values_list(
            "container_type", "place", "inspected", "positive"
        )
    ) == [("bath_tub", "indoor", 1, 1), ("drum", "outdoor", 4, 2), ("jar", "indoor", 3, 0)]
    event = OutboxEvent.objects.get(subject_type="larvae")
    assert event.subject_id == str(inspection.pk) and event.payload["inspection"] == inspection.pk
    assert event.payload == inspections._event_payload(inspection, result.village_code, result.village_name)
    assert event.created_at == inspection.received_at


def test_the_event_reaches_the_poc_and_dinkes_only_and_never_the_public(jumantik: User) -> None:
    record_inspection(jumantik, inspection_submission())
    event = OutboxEvent.objects.get(subject_type="larvae")
    assert registry.event_type("larvae") is not None
    for role in (Role.POC_OPERATOR, Role.POC_SUPERVISOR, Role.SYSTEM_ADMIN, Role.MAYOR, Role.HEALTH_OFFICER):
        assert may_receive(staff(role), event), role
    agency = make_agency()
    for viewer in (
        staff(Role.CITIZEN),
        staff(Role.AGENCY_OFFICER, agency=agency),
        staff(Role.AGENCY_ADMIN, agency=agency),
        staff(Role.URC_OFFICER),
        staff(Role.CALLCENTRE_OPERATOR),
    ):
        assert not may_receive(viewer, event), viewer.role
    # Even an event wrongly written public has no public form.
    event.is_public = True
    assert not may_receive_public(event)
    assert public_payload(event) == {}


@pytest.mark.parametrize("with_photo", [False, True])
def test_the_short_preparation_writes_the_rows_the_fields_prepare(
    jumantik: User, with_photo: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """core/inserts' preparation (values used as they are where the field would give them back unchanged) against
    each field's own preparation, for every row an inspection writes: the same values, and the same rows stored."""
    from datetime import timezone as tz

    from patriot.core import inserts

    def send(key: str) -> Inspection:
        submission = inspection_submission(
            containers=[("drum", "outdoor", 4, 2), ("jar", "indoor", 3, 0)],
            at=(clock.now() - timedelta(hours=3)).astimezone(tz(timedelta(hours=7))),  # the phone's own offset
            actions=["larvicide", "drain"],
            residents=4,
            fever_past_week=True,
            address="  Jl.  Melati   No. 7 ",
            idempotency_key=key,
        )
        photo = ("rumah.jpg", io.BytesIO(jpeg_bytes())) if with_photo else None
        return record_inspection(jumantik, submission, photo=photo, from_phone=True).inspection

    moment = clock.now()
    with clock.pinned(moment):  # the two inspections: the same time of inspection and of arrival
        fast = send("cepat")
    rows = [fast, *ContainerCount.objects.filter(inspection=fast), OutboxEvent.objects.get(subject_id=str(fast.pk))]
    for row in rows:
        _sql, fields = inserts.statement(type(row))  # type: ignore[misc]  # the three models have one
        short = [_comparable(v) for v in inserts.prepared_values(row, fields, connection)]
        generic = [_comparable(v) for v in _as_save_prepares(row, fields)]
        assert short == generic, type(row).__name__

    # The same inspection written with each field's own preparation stores the same rows.
    monkeypatch.setattr(
        inserts, "_prepared_or_none", lambda instance, fields, _conn: _as_save_prepares(instance, fields)
    )
    with clock.pinned(moment):
        slow = send("lambat")
    skip = {"idempotency_key", "photo"}  # the key differs by design; a photo's file name is random
    columns = [f.column for f in Inspection._meta.concrete_fields if f.name not in skip and not f.primary_key]
    read = f"SELECT {', '.join(columns)} FROM larvae_inspection WHERE id = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(read, [fast.pk])
        fast_row = cursor.fetchone()
        cursor.execute(read, [slow.pk])
        assert cursor.fetchone() == fast_row
    counts = "SELECT container_type, place, inspected, positive FROM larvae_containercount WHERE inspection_id = %s"
    assert sorted(_stored_plain(counts, [slow.pk])) == sorted(_stored_plain(counts, [fast.pk]))
    fast_event, slow_event = (OutboxEvent.objects.get(subject_id=str(i.pk)) for i in (fast, slow))
    assert {**slow_event.payload, "inspection": fast.pk} == fast_event.payload
    assert (slow_event.kind, slow_event.is_public, slow_event.agency_id) == (
        fast_event.kind,
        fast_event.is_public,
        fast_event.agency_id,
    )


def _stored_plain(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _as_save_prepares(instance: Any, fields: list[Any]) -> list[Any]:
    return [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]


def _comparable(value: Any) -> tuple[type, Any]:
    """A prepared value with its type (psycopg's JSON wrapper compares by its object)."""
    return type(value), getattr(value, "obj", value)


def test_the_short_preparation_takes_the_fields_own_path_for_other_values(jumantik: User) -> None:
    """A value not of its field's own type (an int for a text or a float, None, a naive time) is prepared by the
    field as save() would; an expression is refused (insert() writes such a row through save())."""
    import warnings

    from django.db.models import F

    from patriot.core import inserts

    inspection = Inspection(
        jumantik=jumantik,
        building_kind="house",
        address=7,
        latitude=-6,
        longitude=107,
        village_id=1,
        district_id=1,
        rw=True,
        rt=2,
        h3_cell="89",
        h3_cell_coarse="87",
        residents=None,
        fever_past_week=1,
        actions=[],
        inspected_at=clock.now().replace(tzinfo=None),
        received_at=clock.now(),
    )
    _sql, fields = inserts.statement(Inspection)  # type: ignore[misc]  # Inspection has one
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the naive time, warned about by both paths
        short = [_comparable(v) for v in inserts.prepared_values(inspection, fields, connection)]
        generic = [_comparable(v) for v in _as_save_prepares(inspection, fields)]
    assert short == generic
    names = [f.attname for f in fields]
    assert short[names.index("address")] == (str, "7") and short[names.index("latitude")] == (float, -6.0)
    inspection.rt = F("rw")
    with pytest.raises(ValueError, match="expressions"):
        inserts.prepared_values(inspection, fields, connection)
