"""cases.services: every action writes one timeline entry and one outbox event atomically, or nothing at all."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import DatabaseError, connection
from django.utils import translation

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import Agency, ResponseTeam, User
from patriot.cases import services
from patriot.cases.choices import CaseStateChoices, RejectionReasonChoices, SlaStatusChoices, TimelineKindChoices
from patriot.cases.models import (
    Attachment,
    Case,
    Category,
    IdempotencyKey,
    RoutingRule,
    TimelineEntry,
    TrackingSequence,
)
from patriot.core.errors import InvalidInput, InvalidTransition
from patriot.events.models import OutboxEvent
from patriot.geo.models import District, Village
from tests.factories import (
    BEKASI_JAYA,
    BINTARA,
    MARGAHAYU,
    OUTSIDE_CITY,
    case_through,
    make_agency,
    make_case,
    make_category,
    make_team,
    make_user,
    outbox_down,
    photo,
    staff,
    submission,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("areas")]

State = CaseStateChoices
Kind = TimelineKindChoices
JAKARTA = ZoneInfo("Asia/Jakarta")

# Written from DESIGN.md's diagram, not copied from services.TRANSITIONS, so the two can disagree.
# add_photos is the intake's "add information" while nobody has started on the case yet.
EXPECTED_SOURCES: dict[str, set[str]] = {
    "verify": {State.SUBMITTED},
    "reject": {State.SUBMITTED},
    "merge": {State.SUBMITTED},
    "dispatch": {State.VERIFIED},
    "forward": {State.DISPATCHED},
    "assign": {State.DISPATCHED},
    "start": {State.ASSIGNED},
    "resolve": {State.IN_PROGRESS},
    "confirm": {State.RESOLVED},
    "dispute": {State.RESOLVED, State.CLOSED},
    "comment": {State.SUBMITTED, State.VERIFIED, State.DISPATCHED, State.ASSIGNED, State.IN_PROGRESS, State.RESOLVED},
    "add_photos": {State.SUBMITTED, State.VERIFIED, State.DISPATCHED, State.ASSIGNED},
    "rate": {State.CLOSED},
}


@dataclass
class World:
    category: Category
    agency: Agency
    other_agency: Agency
    team: ResponseTeam
    other_team: ResponseTeam
    poc: User
    officer: User
    urc: User


@pytest.fixture
def world() -> World:
    agency = make_agency("dbmsda")
    other_agency = make_agency("dlh")
    team = make_team(agency, "urc-dbmsda-sitambel")
    other_team = make_team(other_agency, "urc-dlh-kebersihan")
    return World(
        category=make_category("jalan-rusak", default_agency=agency),
        agency=agency,
        other_agency=other_agency,
        team=team,
        other_team=other_team,
        poc=staff(RoleChoices.POC_OPERATOR),
        officer=staff(RoleChoices.AGENCY_OFFICER, agency=agency),
        urc=staff(RoleChoices.URC_OFFICER, team=team),
    )


def perform(action: str, case: Case, world: World, *, into: Case | None = None) -> Any:
    """Take `action` on `case` with arguments that are valid apart from the case's state."""
    if action == "verify":
        return services.verify_case(case, by=world.poc)
    if action == "reject":
        return services.reject_case(case, by=world.poc, reason=RejectionReasonChoices.SPAM, note="iklan")
    if action == "merge":
        assert into is not None
        return services.merge_case(case, into=into, by=world.poc)
    if action == "dispatch":
        return services.dispatch_case(case, by=world.poc, agency=world.agency)
    if action == "forward":
        target = world.other_agency if case.agency_id != world.other_agency.pk else world.agency
        return services.forward_case(case, by=world.officer, agency=target, reason="Saluran milik DLH")
    if action == "assign":
        team = world.team if case.agency_id == world.agency.pk else world.other_team
        return services.assign_case(case, by=world.officer, team=team)
    if action == "start":
        return services.start_case(case, by=world.urc)
    if action == "resolve":
        return services.resolve_case(case, by=world.urc, note="Sudah ditambal", proof_photos=[photo(exif_gps=False)])
    if action == "confirm":
        return services.confirm_case(case, by=case.reporter)
    if action == "dispute":
        return services.dispute_case(case, reason="Masih berlubang")
    if action == "comment":
        return services.comment_case(case, by=world.officer, note="Sedang dicek")
    if action == "add_photos":
        return services.add_photos(case, photos=[photo("tambahan.jpg")], reporter=True)
    if action == "rate":
        return services.rate_case(case, rating=5)
    raise AssertionError(action)


def snapshot(case: Case) -> dict[str, Any]:
    return Case.objects.filter(pk=case.pk).values().get()


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def new_rows(model: type, before: int) -> list[Any]:
    return list(model.objects.filter(pk__gt=before).order_by("pk"))


def last_pk(model: type) -> int:
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# --- one entry, one event ---------------------------------------------------------------------

HAPPY_PATHS = [
    ("verify", State.SUBMITTED, State.VERIFIED, Kind.VERIFIED),
    ("reject", State.SUBMITTED, State.REJECTED, Kind.REJECTED),
    ("dispatch", State.VERIFIED, State.DISPATCHED, Kind.DISPATCHED),
    ("forward", State.DISPATCHED, State.DISPATCHED, Kind.FORWARDED),
    ("assign", State.DISPATCHED, State.ASSIGNED, Kind.ASSIGNED),
    ("start", State.ASSIGNED, State.IN_PROGRESS, Kind.STARTED),
    ("resolve", State.IN_PROGRESS, State.RESOLVED, Kind.RESOLVED),
    ("confirm", State.RESOLVED, State.CLOSED, Kind.CONFIRMED),
    ("dispute", State.RESOLVED, State.IN_PROGRESS, Kind.DISPUTED),
    ("dispute", State.CLOSED, State.IN_PROGRESS, Kind.DISPUTED),
    ("comment", State.IN_PROGRESS, State.IN_PROGRESS, Kind.COMMENTED),
    ("add_photos", State.SUBMITTED, State.SUBMITTED, Kind.PHOTO_ADDED),
]


@pytest.mark.parametrize(("action", "source", "target", "kind"), HAPPY_PATHS, ids=lambda v: str(v))
def test_action_writes_one_entry_and_one_matching_event(
    world: World, action: str, source: str, target: str, kind: str
) -> None:
    case = case_through(source, category=world.category, agency=world.agency, team=world.team)
    bystander = make_case(world.category)
    entries_before, events_before = last_pk(TimelineEntry), last_pk(OutboxEvent)

    perform(action, case, world)

    entries = new_rows(TimelineEntry, entries_before)
    events = new_rows(OutboxEvent, events_before)
    assert [(e.case_id, e.kind, e.from_state, e.to_state) for e in entries] == [(case.pk, kind, source, target)]
    assert len(events) == 1
    event = events[0]
    assert event.kind == f"case.{kind}"
    assert event.subject_type == "case"
    assert event.subject_id == case.tracking_number
    assert event.payload["timeline_entry_id"] == entries[0].pk
    assert event.payload["state"] == target
    case.refresh_from_db()
    assert case.state == target
    assert bystander.timeline.count() == 1


def test_create_case_writes_submitted_entry_and_event(world: World) -> None:
    case = make_case(world.category)
    entries = list(case.timeline.all())
    assert [(e.kind, e.to_state) for e in entries] == [(Kind.SUBMITTED, State.SUBMITTED)]
    events = list(OutboxEvent.objects.all())
    assert [(e.kind, e.payload["timeline_entry_id"]) for e in events] == [("case.submitted", entries[0].pk)]


def test_merge_writes_one_entry_on_each_case(world: World) -> None:
    original = make_case(world.category)
    newer = make_case(world.category)
    entries_before, events_before = last_pk(TimelineEntry), last_pk(OutboxEvent)

    services.merge_case(newer, into=original, by=world.poc)

    entries = new_rows(TimelineEntry, entries_before)
    assert sorted((e.case_id, e.kind) for e in entries) == sorted(
        [(newer.pk, Kind.MERGED), (original.pk, Kind.DUPLICATE_LINKED)]
    )
    events = new_rows(OutboxEvent, events_before)
    assert sorted(e.payload["timeline_entry_id"] for e in events) == sorted(e.pk for e in entries)
    newer.refresh_from_db()
    original.refresh_from_db()
    assert (newer.state, newer.duplicate_of_id) == (State.DUPLICATE, original.pk)
    assert original.state == State.SUBMITTED


def test_merge_refuses_an_older_case_into_a_newer_one_and_itself(world: World) -> None:
    original = make_case(world.category)
    newer = make_case(world.category)
    with pytest.raises(InvalidInput) as refused:
        services.merge_case(original, into=newer, by=world.poc)
    assert refused.value.code == "merge_order"
    with pytest.raises(InvalidInput):
        services.merge_case(newer, into=newer, by=world.poc)
    assert Case.objects.filter(state=State.DUPLICATE).count() == 0
    assert TimelineEntry.objects.count() == 2


def test_merge_into_a_rejected_case_is_refused(world: World) -> None:
    rejected = case_through(State.REJECTED, category=world.category)
    newer = make_case(world.category)
    with pytest.raises(InvalidTransition):
        services.merge_case(newer, into=rejected, by=world.poc)
    newer.refresh_from_db()
    assert newer.state == State.SUBMITTED
    assert newer.timeline.count() == 1


# --- atomicity: the event is written in the same transaction as the change --------------------


@pytest.mark.parametrize(("action", "source", "target", "kind"), HAPPY_PATHS, ids=lambda v: str(v))
def test_failing_event_write_rolls_back_entry_and_state(
    world: World, _media_root: Path, action: str, source: str, target: str, kind: str
) -> None:
    case = case_through(source, category=world.category, agency=world.agency, team=world.team)
    row_before = snapshot(case)
    entries_before, events_before = TimelineEntry.objects.count(), OutboxEvent.objects.count()
    attachments_before, files_before = Attachment.objects.count(), files_under(_media_root)

    with (
        mock.patch("patriot.cases.services.record_event", side_effect=RuntimeError("outbox down")) as record,
        pytest.raises(RuntimeError, match="outbox down"),
    ):
        perform(action, case, world)
    # The entry was written before the event failed, so this proves the rollback, not a skipped write.
    assert record.call_count == 1

    assert snapshot(case) == row_before
    assert TimelineEntry.objects.count() == entries_before
    assert OutboxEvent.objects.count() == events_before
    assert Attachment.objects.count() == attachments_before
    assert files_under(_media_root) == files_before


def test_failing_event_write_rolls_back_merge_on_both_cases(world: World) -> None:
    original = make_case(world.category)
    newer = make_case(world.category)
    rows = (snapshot(original), snapshot(newer))
    with (
        mock.patch("patriot.cases.services.record_event", side_effect=[mock.DEFAULT, RuntimeError("outbox down")]),
        pytest.raises(RuntimeError),
    ):
        services.merge_case(newer, into=original, by=world.poc)
    assert (snapshot(original), snapshot(newer)) == rows
    assert TimelineEntry.objects.count() == OutboxEvent.objects.count() == 2


def test_failing_event_write_stores_no_case_and_no_file(world: World, _media_root: Path) -> None:
    with outbox_down(), pytest.raises(DatabaseError, match="outbox down"):
        make_case(world.category, photos=[photo(), photo("kedua.jpg")], idempotency_key="k-1")
    assert Case.objects.count() == 0
    assert TimelineEntry.objects.count() == 0
    assert IdempotencyKey.objects.count() == 0
    assert files_under(_media_root) == []


# --- illegal transitions change nothing -------------------------------------------------------


@pytest.mark.parametrize("state", State.values())
def test_actions_not_allowed_from_a_state_raise_and_change_nothing(world: World, state: str) -> None:
    older = make_case(world.category)
    case = case_through(state, category=world.category, agency=world.agency, team=world.team)
    illegal = [action for action, sources in EXPECTED_SOURCES.items() if state not in sources]
    assert illegal, "every state forbids some action"
    for action in illegal:
        row_before = snapshot(case)
        entries_before, events_before = TimelineEntry.objects.count(), OutboxEvent.objects.count()
        with pytest.raises(InvalidTransition):
            perform(action, case, world, into=older)
        assert snapshot(case) == row_before, action
        assert snapshot(older)["state"] == State.SUBMITTED
        assert (TimelineEntry.objects.count(), OutboxEvent.objects.count()) == (entries_before, events_before), action


@pytest.mark.parametrize("state", State.values())
def test_allowed_actions_follow_the_design_diagram(world: World, state: str) -> None:
    case = case_through(state, category=world.category, agency=world.agency, team=world.team)
    expected = {action for action, sources in EXPECTED_SOURCES.items() if state in sources}
    assert set(services.allowed_actions(case)) == expected


# --- tracking numbers -------------------------------------------------------------------------


def test_tracking_numbers_are_monthly_sequences_in_city_time(world: World) -> None:
    with time_machine.travel(datetime(2026, 11, 30, 23, 30, tzinfo=JAKARTA), tick=False):
        first = make_case(world.category)
        second = make_case(world.category)
    # 00:30 in Jakarta on 1 December is still 30 November in UTC: the month is the city's.
    with time_machine.travel(datetime(2026, 12, 1, 0, 30, tzinfo=JAKARTA), tick=False):
        third = make_case(world.category)
        fourth = make_case(world.category)
    numbers = [c.tracking_number for c in (first, second, third, fourth)]
    assert all(re.fullmatch(r"BKS-\d{4}-\d{6}", n) for n in numbers)
    assert numbers == ["BKS-2611-000001", "BKS-2611-000002", "BKS-2612-000001", "BKS-2612-000002"]


def test_failed_intake_never_leaves_its_tracking_number_to_two_cases(world: World) -> None:
    # PostgreSQL takes the number from the month's sequence, which no rollback gives back, so concurrent intakes
    # do not queue on a counter: a failed intake skips it. SQLite (one writer at a time) takes it from the month's
    # counter row in the case's transaction: a failed intake leaves no gap, and nobody was ever given the number it
    # rolled back.
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=JAKARTA), tick=False):
        make_case(world.category)
        with outbox_down(), pytest.raises(DatabaseError, match="outbox down"):
            make_case(world.category)
        third = "BKS-2611-000002" if connection.vendor == "sqlite" else "BKS-2611-000003"
        assert make_case(world.category).tracking_number == third
        assert Case.objects.count() == 2
        if connection.vendor == "sqlite":
            assert TrackingSequence.objects.get(period="2611").last_number == 2


def test_numbers_go_on_from_the_months_counter_row(world: World) -> None:
    # A month counted in TrackingSequence (on PostgreSQL: before the months had sequences) goes on from its count.
    TrackingSequence.objects.create(period="2611", last_number=41)
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=JAKARTA), tick=False):
        numbers = [make_case(world.category).tracking_number for _ in range(2)]
    assert numbers == ["BKS-2611-000042", "BKS-2611-000043"]


# --- idempotency ------------------------------------------------------------------------------


def test_same_key_and_body_returns_the_first_case(world: World) -> None:
    body = submission(world.category, reporter_name="Siti", reporter_phone="081234567890")
    first = services.create_case(body, idempotency_key="retry-1")
    again = services.create_case(
        submission(world.category, reporter_name="Siti", reporter_phone="081234567890"), idempotency_key="retry-1"
    )
    assert first.created is True
    assert again.created is False
    assert again.case.pk == first.case.pk
    assert again.reporter_key == first.reporter_key
    assert Case.objects.count() == 1
    assert TimelineEntry.objects.count() == OutboxEvent.objects.count() == 1


def test_a_retry_spelling_the_number_differently_is_the_same_report(world: World) -> None:
    first = services.create_case(
        submission(world.category, reporter_phone="0812-3456-7890"), idempotency_key="retry-phone"
    )
    again = services.create_case(
        submission(world.category, reporter_phone="+62 812 3456 7890"), idempotency_key="retry-phone"
    )
    assert again.created is False and again.case.pk == first.case.pk
    assert first.case.reporter_phone == "+6281234567890"


def test_same_key_with_a_different_body_is_refused(world: World) -> None:
    services.create_case(submission(world.category), idempotency_key="retry-2")
    with pytest.raises(InvalidInput) as refused:
        services.create_case(
            submission(world.category, description="Laporan lain sama sekali"), idempotency_key="retry-2"
        )
    assert refused.value.code == "idempotency_key_reused"
    assert Case.objects.count() == 1


def test_different_keys_make_different_cases(world: World) -> None:
    services.create_case(submission(world.category), idempotency_key="a")
    services.create_case(submission(world.category), idempotency_key="b")
    assert Case.objects.count() == 2


# --- intake validation ------------------------------------------------------------------------

ATTRIBUTES = [
    {"code": "depth_cm", "label": "Kedalaman lubang (cm)", "datatype": "number"},
    {"code": "lane", "label": "Lajur", "datatype": "singlevaluelist", "values": [{"key": "kiri"}, {"key": "kanan"}]},
]


def assert_nothing_stored() -> None:
    assert Case.objects.count() == 0
    assert TimelineEntry.objects.count() == 0
    assert OutboxEvent.objects.count() == 0


def test_known_attributes_are_stored_cleaned(world: World) -> None:
    category = make_category(attributes=ATTRIBUTES, default_agency=world.agency)
    case = make_case(category, attributes={"depth_cm": "12.5", "lane": "kiri"})
    case.refresh_from_db()
    assert case.attributes == {"depth_cm": 12.5, "lane": "kiri"}


@pytest.mark.parametrize(
    ("attributes", "code"),
    [
        ({"colour": "merah"}, "unknown_attribute"),
        ({"depth_cm": "dalam"}, "invalid"),
        ({"depth_cm": "nan"}, "invalid"),
        ({"depth_cm": -3}, "invalid"),
        ({"lane": "tengah"}, "invalid"),
    ],
)
def test_bad_attributes_are_refused(world: World, attributes: dict[str, Any], code: str) -> None:
    category = make_category(attributes=ATTRIBUTES, default_agency=world.agency)
    with pytest.raises(InvalidInput) as refused:
        make_case(category, attributes=attributes)
    assert refused.value.code == code
    assert_nothing_stored()


def test_attribute_errors_name_the_attribute_in_the_users_language(world: World) -> None:
    category = make_category(
        attributes=[{"code": "lights", "label": "Jumlah lampu", "label_en": "Number of lights", "datatype": "number"}],
        default_agency=world.agency,
    )
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        make_case(category, attributes={"lights": "many"})
    assert "Number of lights" in refused.value.message and "Jumlah" not in refused.value.message
    with translation.override("id"), pytest.raises(InvalidInput) as refused:
        make_case(category, attributes={"lights": "banyak"})
    assert "Jumlah lampu" in refused.value.message


def test_ten_kilobyte_description_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        make_case(world.category, description="x" * 10_240)
    assert (refused.value.code, refused.value.field) == ("too_long", "description")
    assert_nothing_stored()


def test_point_outside_the_city_is_refused_in_indonesian(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        make_case(world.category, lat=OUTSIDE_CITY[0], lon=OUTSIDE_CITY[1])
    assert refused.value.code == "outside_city"
    assert "di luar wilayah" in refused.value.message
    assert_nothing_stored()


def test_case_is_placed_in_its_kelurahan(world: World) -> None:
    case = make_case(world.category, lat=MARGAHAYU[0], lon=MARGAHAYU[1])
    assert (case.village.name, case.district.name) == ("Margahayu", "Bekasi Timur")
    assert case.h3_cell and case.h3_cell_coarse


# --- routing ----------------------------------------------------------------------------------


def test_dispatch_without_agency_takes_the_most_specific_rule(world: World) -> None:
    category = make_category("drainase", default_agency=make_agency("default-opd"))
    village_agency, district_agency, city_agency, other_village_agency = (
        make_agency(code) for code in ("opd-kelurahan", "opd-kecamatan", "opd-kota", "opd-bintara")
    )
    margahayu = Village.objects.get(name="Margahayu")
    # Created least specific last, so the winner cannot be the first or last row read.
    RoutingRule.objects.create(category=category, district=margahayu.district, agency=district_agency)
    RoutingRule.objects.create(category=category, village=margahayu, district=margahayu.district, agency=village_agency)
    RoutingRule.objects.create(
        category=category, village=Village.objects.get(name="Bintara"), agency=other_village_agency
    )
    RoutingRule.objects.create(category=category, agency=city_agency)

    expectations = [
        (MARGAHAYU, village_agency),
        (BEKASI_JAYA, district_agency),  # same kecamatan, no kelurahan rule
        (BINTARA, other_village_agency),
    ]
    kranji = Village.objects.get(name="Kranji")  # Bekasi Barat: no kelurahan or kecamatan rule
    expectations.append(((kranji.centroid_lat, kranji.centroid_lon), city_agency))
    for (lat, lon), expected in expectations:
        case = case_through(State.VERIFIED, category=category, lat=lat, lon=lon)
        services.dispatch_case(case, by=world.poc)
        case.refresh_from_db()
        assert case.agency == expected, case.village.name
        assert case.timeline.get(kind=Kind.DISPATCHED).data["agency"] == expected.code


def test_dispatch_without_rules_uses_the_category_default_and_poc_may_override(world: World) -> None:
    case = case_through(State.VERIFIED, category=world.category)
    services.dispatch_case(case, by=world.poc)
    assert case.agency == world.agency

    RoutingRule.objects.create(category=world.category, agency=world.agency)
    overridden = case_through(State.VERIFIED, category=world.category)
    services.dispatch_case(overridden, by=world.poc, agency=world.other_agency)
    assert overridden.agency == world.other_agency


def test_dispatch_with_no_agency_anywhere_is_refused(world: World) -> None:
    case = case_through(State.VERIFIED, category=make_category(default_agency=None))
    row_before = snapshot(case)
    with pytest.raises(InvalidInput):
        services.dispatch_case(case, by=world.poc)
    assert snapshot(case) == row_before


def test_district_rule_needs_no_village(world: World) -> None:
    category = make_category(default_agency=world.agency)
    RoutingRule.objects.create(
        category=category, district=District.objects.get(name="Bekasi Barat"), agency=world.other_agency
    )
    case = case_through(State.VERIFIED, category=category, lat=BINTARA[0], lon=BINTARA[1])
    services.dispatch_case(case, by=world.poc)
    assert case.agency == world.other_agency


# --- field work -------------------------------------------------------------------------------


def test_assign_to_a_team_of_another_agency_is_refused(world: World) -> None:
    case = case_through(State.DISPATCHED, category=world.category, agency=world.agency)
    row_before = snapshot(case)
    with pytest.raises(InvalidInput) as refused:
        services.assign_case(case, by=world.officer, team=world.other_team)
    assert refused.value.code == "team_agency"
    assert snapshot(case) == row_before
    assert case.timeline.count() == 3


def test_forward_to_the_same_agency_is_refused_and_keeps_the_clock(world: World) -> None:
    case = case_through(State.DISPATCHED, category=world.category, agency=world.agency)
    due_before = case.due_at
    with pytest.raises(InvalidInput):
        services.forward_case(case, by=world.officer, agency=world.agency, reason="salah kirim")
    services.forward_case(case, by=world.officer, agency=world.other_agency, reason="bukan wewenang DBMSDA")
    case.refresh_from_db()
    assert (case.state, case.agency, case.due_at) == (State.DISPATCHED, world.other_agency, due_before)


def test_resolve_without_proof_photo_is_refused(world: World) -> None:
    case = case_through(State.IN_PROGRESS, category=world.category, agency=world.agency, team=world.team)
    row_before = snapshot(case)
    with pytest.raises(InvalidInput) as refused:
        services.resolve_case(case, by=world.urc, note="Sudah ditambal", proof_photos=[])
    assert refused.value.field == "proof_photos"
    with pytest.raises(InvalidInput):
        services.resolve_case(case, by=world.urc, note="", proof_photos=[photo()])
    assert snapshot(case) == row_before
    assert Attachment.objects.count() == 0


def test_resolve_stores_the_proof_photo(world: World) -> None:
    case = case_through(State.RESOLVED, category=world.category)
    proof = Attachment.objects.get(case=case)
    assert proof.kind == "proof_photo"
    assert case.timeline.get(kind=Kind.RESOLVED).data["proof_photos"] == [proof.pk]


# --- disputes ---------------------------------------------------------------------------------


def test_dispute_of_a_resolved_case_reopens_it_with_a_fresh_followup_clock(world: World) -> None:
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=JAKARTA), tick=False) as clock:
        case = case_through(State.RESOLVED, category=world.category)
        clock.shift(timedelta(days=3))
        services.dispute_case(case, reason="Masih berlubang")
        case.refresh_from_db()
    assert case.state == State.IN_PROGRESS
    assert case.sla_status == SlaStatusChoices.ON_TRACK
    # Reopened Thursday 26 Nov 09:00: five working days end on Thursday 3 December.
    assert case.due_at == datetime(2026, 12, 4, 0, 0, tzinfo=JAKARTA)
    assert case.dispute_until is None
    assert case.resolved_at is None


def test_dispute_after_confirm_inside_the_window_reopens_the_closed_case(world: World) -> None:
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=JAKARTA), tick=False) as clock:
        case = case_through(State.CLOSED, category=world.category)
        clock.shift(timedelta(days=7))
        services.dispute_case(case, reason="Ditambal asal-asalan, sudah rusak lagi")
    case.refresh_from_db()
    assert (case.state, case.closed_at) == (State.IN_PROGRESS, None)


def test_dispute_after_auto_close_is_refused(world: World) -> None:
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=JAKARTA), tick=False) as clock:
        case = case_through(State.RESOLVED, category=world.category)
        clock.shift(timedelta(days=30))
        assert services.sweep_sla().closed == 1
        case.refresh_from_db()
        assert case.state == State.CLOSED
        assert services.allowed_actions(case) == ["rate"]  # the reporter may still rate the handling
        row_before = snapshot(case)
        with pytest.raises(InvalidTransition) as refused:
            services.dispute_case(case, reason="Masih rusak")
    assert refused.value.code == "dispute_window_closed"
    assert snapshot(case) == row_before
    assert case.timeline.filter(kind=Kind.DISPUTED).count() == 0


def test_dispute_after_confirm_outside_the_window_is_refused(world: World) -> None:
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=JAKARTA), tick=False) as clock:
        case = case_through(State.CLOSED, category=world.category)
        clock.shift(timedelta(days=30))
        with pytest.raises(InvalidTransition):
            services.dispute_case(case, reason="Masih rusak")
    case.refresh_from_db()
    assert case.state == State.CLOSED


# --- privacy of the outbox --------------------------------------------------------------------

PERSONAL = {
    "reporter_name": "Rahmat Hidayat",
    "reporter_phone": "081298765432",
    "reporter_email": "rahmat.hidayat@example.id",
}
DESCRIPTION = "Rumah saya di Jalan Kenari 7 kebanjiran setiap hujan, tetangga membuang sampah ke saluran."


def _walk_everything(world: World, **fields: Any) -> Case:
    case = case_through(
        State.CLOSED, category=world.category, agency=world.agency, team=world.team, description=DESCRIPTION, **fields
    )
    services.dispute_case(case, reason="Masih banjir")
    services.comment_case(case, by=None, note="Terima kasih", reporter=True)
    return case


def _leaks(payload: dict[str, Any]) -> list[str]:
    text = json.dumps(payload, ensure_ascii=False)
    return [value for value in [*PERSONAL.values(), DESCRIPTION] if value in text]


@pytest.mark.parametrize("anonymous", [False, True])
def test_events_of_confidential_cases_are_never_public(world: World, anonymous: bool) -> None:
    case = _walk_everything(world, is_confidential=True, is_anonymous=anonymous, **PERSONAL)
    events = list(OutboxEvent.objects.filter(subject_id=case.tracking_number))
    assert len(events) == case.timeline.count() == 9
    assert [e.is_public for e in events] == [False] * 9
    assert [leak for e in events for leak in _leaks(e.payload)] == []


def test_events_of_open_cases_never_carry_personal_data(world: World) -> None:
    citizen = make_user(RoleChoices.CITIZEN, email=PERSONAL["reporter_email"], first_name="Rahmat")
    case = _walk_everything(world, reporter=citizen, **PERSONAL)
    events = list(OutboxEvent.objects.filter(subject_id=case.tracking_number))
    assert any(e.is_public for e in events)
    assert [leak for e in events for leak in _leaks(e.payload)] == []
    assert all("reporter" not in key for e in events for key in e.payload)


def test_case_marked_confidential_at_verification_publishes_nothing_afterwards(world: World) -> None:
    case = make_case(world.category)
    services.verify_case(case, by=world.poc, is_confidential=True)
    services.dispatch_case(case, by=world.poc)
    events = list(OutboxEvent.objects.filter(subject_id=case.tracking_number).order_by("pk"))
    assert [e.is_public for e in events] == [True, False, False]


def test_rejected_and_merged_reports_are_not_public_events(world: World) -> None:
    original = make_case(world.category)
    rejected = case_through(State.REJECTED, category=world.category)
    duplicate = make_case(world.category)
    services.merge_case(duplicate, into=original, by=world.poc)
    for case, kind in ((rejected, "case.rejected"), (duplicate, "case.merged")):
        assert OutboxEvent.objects.get(subject_id=case.tracking_number, kind=kind).is_public is False


def test_staff_comments_are_internal_unless_marked_public(world: World) -> None:
    case = make_case(world.category)
    internal = services.comment_case(case, by=world.poc, note="Pelapor sering spam")
    public = services.comment_case(case, by=world.poc, note="Sedang kami cek", is_public=True)
    assert (internal.is_public, public.is_public) == (False, True)
    events = {e.payload["timeline_entry_id"]: e.is_public for e in OutboxEvent.objects.all()}
    assert (events[internal.pk], events[public.pk]) == (False, True)


def test_reporter_key_matches_only_its_case(world: World) -> None:
    first = services.create_case(submission(world.category))
    second = services.create_case(submission(world.category))
    assert services.reporter_key_matches(first.case, first.reporter_key)
    assert not services.reporter_key_matches(first.case, second.reporter_key)
    assert not services.reporter_key_matches(first.case, "")
    assert not services.reporter_key_matches(first.case, None)


def test_staff_actor_label_shows_role_and_agency_not_name(world: World) -> None:
    officer = make_user(RoleChoices.AGENCY_OFFICER, agency=world.agency, first_name="Budi", last_name="Santoso")
    case = case_through(State.DISPATCHED, category=world.category, agency=world.agency)
    entry = services.comment_case(case, by=officer, note="cek")
    assert "Budi" not in entry.actor_label
    assert world.agency.short_name in entry.actor_label
