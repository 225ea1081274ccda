"""Random sequences of every workflow action, legal or not, against a model of DESIGN.md's diagram."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from patriot.accounts.choices import RoleChoices
from patriot.cases import services
from patriot.cases.choices import CaseStateChoices, RejectionReasonChoices, SlaStatusChoices, TimelineKindChoices
from patriot.cases.models import Case, TimelineEntry
from patriot.core.errors import InvalidInput, InvalidTransition
from patriot.events.models import OutboxEvent
from tests.factories import case_through, make_agency, make_case, make_category, make_team, make_user, photo

State = CaseStateChoices
Kind = TimelineKindChoices
Sla = SlaStatusChoices

START = datetime(2026, 11, 23, 8, 0, tzinfo=ZoneInfo("Asia/Jakarta"))  # a Monday
MAX_CASES = 5
# Case indexes are taken modulo the number of cases, so this covers every case of a run.
PICKS = st.integers(0, 11)
TERMINAL = {State.CLOSED, State.REJECTED, State.DUPLICATE}
OPEN = {State.SUBMITTED, State.VERIFIED, State.DISPATCHED, State.ASSIGNED, State.IN_PROGRESS}

# Timeline kind → (states it may start from, state it leads to), from DESIGN.md's diagram.
# Kinds that are not transitions (comments, SLA flags, the link on a merge target) keep the state.
LEGAL_TRANSITIONS: dict[str, tuple[set[str], str]] = {
    Kind.VERIFIED: ({State.SUBMITTED}, State.VERIFIED),
    Kind.REJECTED: ({State.SUBMITTED}, State.REJECTED),
    Kind.MERGED: ({State.SUBMITTED}, State.DUPLICATE),
    Kind.DISPATCHED: ({State.VERIFIED}, State.DISPATCHED),
    Kind.FORWARDED: ({State.DISPATCHED}, State.DISPATCHED),
    Kind.ASSIGNED: ({State.DISPATCHED}, State.ASSIGNED),
    Kind.STARTED: ({State.ASSIGNED}, State.IN_PROGRESS),
    Kind.RESOLVED: ({State.IN_PROGRESS}, State.RESOLVED),
    Kind.CONFIRMED: ({State.RESOLVED}, State.CLOSED),
    Kind.AUTO_CLOSED: ({State.RESOLVED}, State.CLOSED),
    Kind.DISPUTED: ({State.RESOLVED, State.CLOSED}, State.IN_PROGRESS),
}
# Kinds that start a new SLA clock; between two of them a case escalates at most once.
CLOCK_STARTS = {Kind.SUBMITTED, Kind.DISPATCHED, Kind.DISPUTED}


@dataclass
class Expected:
    """What the model believes about one case."""

    state: str
    order: tuple[datetime, int]
    agency_id: int | None = None
    dispute_until: datetime | None = None


# Everything an action or the sweep may change on a case: what "this case did not change" compares.
WATCHED_FIELDS = (
    "state",
    "agency_id",
    "team_id",
    "duplicate_of_id",
    "rejection_reason",
    "resolution_note",
    "priority",
    "is_anonymous",
    "is_confidential",
    "due_at",
    "due_soon_at",
    "sla_status",
    "escalated_at",
    "dispute_until",
    "updated_at",
    "verified_at",
    "dispatched_at",
    "assigned_at",
    "started_at",
    "resolved_at",
    "closed_at",
)

Snapshot = tuple[dict[int, dict[str, Any]], int, int]


class WorkflowMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # Each example runs in a savepoint of the test's transaction and is rolled back afterwards.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self._travel = time_machine.travel(START, tick=False)
        self.clock = self._travel.start()
        self.agencies = [make_agency(), make_agency()]
        self.teams = [make_team(self.agencies[0]), make_team(self.agencies[1]), make_team(self.agencies[0])]
        self.categories = [
            make_category(default_agency=self.agencies[0]),
            make_category(default_agency=self.agencies[1], verify_hours=2, followup_hours=6),
        ]
        self.poc = make_user(RoleChoices.POC_OPERATOR)
        self.officer = make_user(RoleChoices.AGENCY_OFFICER, agency=self.agencies[0])
        self.urc = make_user(RoleChoices.URC_OFFICER, team=self.teams[0])
        self.cases: list[Case] = []
        self.expected: dict[int, Expected] = {}

    def teardown(self) -> None:
        self._travel.stop()
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- helpers ------------------------------------------------------------------------------

    def _case(self, pick: int, prefer: bool = False, states: set[str] | None = None) -> Case:
        """A case by index; with `prefer`, one the action is legal for if there is one (half the draws)."""
        if prefer and states is not None:
            fitting = [case for case in self.cases if self.expected[case.pk].state in states]
            if fitting:
                return fitting[pick % len(fitting)]
        return self.cases[pick % len(self.cases)]

    def _add_case(self, category_index: int) -> None:
        case = make_case(self.categories[category_index])
        self.cases.append(case)
        self.expected[case.pk] = Expected(state=State.SUBMITTED, order=(case.created_at, case.pk))

    def _snapshot(self) -> Snapshot:
        rows = {row["id"]: row for row in Case.objects.order_by().values("id", *WATCHED_FIELDS)}
        last_entry = TimelineEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        return rows, last_entry, OutboxEvent.objects.count()

    def _attempt(
        self,
        case: Case,
        call: Any,
        *,
        refusal: type[Exception] | None,
        kind: str,
        to_state: str | None = None,
        linked: Case | None = None,
    ) -> bool:
        """Run `call`; it must be refused with `refusal` (changing nothing) or succeed with one entry."""
        model = self.expected[case.pk]
        rows_before, last_entry, events_before = self._snapshot()
        if refusal is not None:
            with pytest.raises(refusal):
                call()
            assert self._snapshot() == (rows_before, last_entry, events_before), "a refused action changed something"
            return False

        call()
        target = to_state or model.state
        entries = list(TimelineEntry.objects.filter(pk__gt=last_entry).order_by("pk"))
        wanted = {(case.pk, kind, model.state, target)}
        if linked is not None:
            linked_state = self.expected[linked.pk].state
            wanted.add((linked.pk, Kind.DUPLICATE_LINKED, linked_state, linked_state))
        assert {(e.case_id, e.kind, e.from_state, e.to_state) for e in entries} == wanted
        assert len(entries) == len(wanted)
        rows_after = self._snapshot()[0]
        for pk, row in rows_before.items():
            if pk == case.pk:
                continue
            changed = {name for name, value in row.items() if rows_after[pk][name] != value}
            # A merge stamps the case it links to; nothing else about any other case may move.
            allowed = {"updated_at"} if linked is not None and pk == linked.pk else set()
            assert changed <= allowed, f"case {pk} changed {changed} when case {case.pk} was acted on"
        assert rows_after[case.pk]["state"] == target
        model.state = target
        return True

    # --- rules --------------------------------------------------------------------------------

    @initialize(starts=st.lists(st.tuples(st.sampled_from(State.values()), st.integers(0, 1)), min_size=2, max_size=4))
    def cases_at_random_places_in_the_workflow(self, starts: list[tuple[str, int]]) -> None:
        """Start from cases already walked to random states, so short runs still reach every corner."""
        for state, category_index in starts:
            category = self.categories[category_index]
            case_through(state, category=category, team=self.teams[category_index])
        for case in Case.objects.order_by("created_at", "pk"):
            self.cases.append(case)
            self.expected[case.pk] = Expected(
                state=case.state,
                order=(case.created_at, case.pk),
                agency_id=case.agency_id,
                dispute_until=case.dispute_until,
            )

    @rule(category=st.integers(0, 1))
    def submit(self, category: int) -> None:
        if len(self.cases) < MAX_CASES:
            self._add_case(category)

    @rule(pick=PICKS, prefer=st.booleans())
    def verify(self, pick: int, prefer: bool) -> None:
        case = self._case(pick, prefer, {State.SUBMITTED})
        legal = self.expected[case.pk].state == State.SUBMITTED
        self._attempt(
            case,
            lambda: services.verify_case(case, by=self.poc),
            refusal=None if legal else InvalidTransition,
            kind=Kind.VERIFIED,
            to_state=State.VERIFIED,
        )

    @rule(pick=PICKS, reason=st.sampled_from(RejectionReasonChoices.values()))
    def reject(self, pick: int, reason: str) -> None:
        case = self._case(pick)
        legal = self.expected[case.pk].state == State.SUBMITTED
        self._attempt(
            case,
            lambda: services.reject_case(case, by=self.poc, reason=reason),
            refusal=None if legal else InvalidTransition,
            kind=Kind.REJECTED,
            to_state=State.REJECTED,
        )

    @rule(pick=PICKS, into=PICKS)
    def merge(self, pick: int, into: int) -> None:
        case, target = self._case(pick), self._case(into)
        source_model, target_model = self.expected[case.pk], self.expected[target.pk]
        refusal: type[Exception] | None = None
        if case.pk == target.pk:
            refusal = InvalidInput
        elif source_model.state != State.SUBMITTED or target_model.state in State.TERMINAL:
            refusal = InvalidTransition
        elif target_model.order > source_model.order:
            refusal = InvalidInput
        self._attempt(
            case,
            lambda: services.merge_case(case, into=target, by=self.poc),
            refusal=refusal,
            kind=Kind.MERGED,
            to_state=State.DUPLICATE,
            linked=target,
        )

    @rule(pick=PICKS, prefer=st.booleans(), agency=st.sampled_from([None, 0, 1]))
    def dispatch(self, pick: int, prefer: bool, agency: int | None) -> None:
        case = self._case(pick, prefer, {State.VERIFIED})
        model = self.expected[case.pk]
        chosen = self.agencies[agency] if agency is not None else case.category.default_agency
        legal = model.state == State.VERIFIED
        done = self._attempt(
            case,
            lambda: services.dispatch_case(
                case, by=self.poc, agency=self.agencies[agency] if agency is not None else None
            ),
            refusal=None if legal else InvalidTransition,
            kind=Kind.DISPATCHED,
            to_state=State.DISPATCHED,
        )
        if done:
            assert chosen is not None
            model.agency_id = chosen.pk
            assert Case.objects.get(pk=case.pk).agency_id == chosen.pk

    @rule(pick=PICKS, prefer=st.booleans(), agency=st.integers(0, 1))
    def forward(self, pick: int, prefer: bool, agency: int) -> None:
        case = self._case(pick, prefer, {State.DISPATCHED})
        model = self.expected[case.pk]
        target = self.agencies[agency]
        refusal: type[Exception] | None = None
        if model.state != State.DISPATCHED:
            refusal = InvalidTransition
        elif model.agency_id == target.pk:
            refusal = InvalidInput
        due_before = Case.objects.get(pk=case.pk).due_at
        done = self._attempt(
            case,
            lambda: services.forward_case(case, by=self.officer, agency=target, reason="Bukan wewenang kami"),
            refusal=refusal,
            kind=Kind.FORWARDED,
        )
        if done:
            model.agency_id = target.pk
            fresh = Case.objects.get(pk=case.pk)
            assert (fresh.agency_id, fresh.due_at) == (target.pk, due_before)

    @rule(pick=PICKS, prefer=st.booleans(), team=st.integers(0, 2))
    def assign(self, pick: int, prefer: bool, team: int) -> None:
        case = self._case(pick, prefer, {State.DISPATCHED})
        model = self.expected[case.pk]
        chosen = self.teams[team]
        refusal: type[Exception] | None = None
        if model.state != State.DISPATCHED:
            refusal = InvalidTransition
        elif chosen.agency_id != model.agency_id:
            refusal = InvalidInput
        self._attempt(
            case,
            lambda: services.assign_case(case, by=self.officer, team=chosen),
            refusal=refusal,
            kind=Kind.ASSIGNED,
            to_state=State.ASSIGNED,
        )

    @rule(pick=PICKS, prefer=st.booleans())
    def start(self, pick: int, prefer: bool) -> None:
        case = self._case(pick, prefer, {State.ASSIGNED})
        legal = self.expected[case.pk].state == State.ASSIGNED
        self._attempt(
            case,
            lambda: services.start_case(case, by=self.urc),
            refusal=None if legal else InvalidTransition,
            kind=Kind.STARTED,
            to_state=State.IN_PROGRESS,
        )

    @rule(pick=PICKS, prefer=st.booleans())
    def resolve(self, pick: int, prefer: bool) -> None:
        case = self._case(pick, prefer, {State.IN_PROGRESS})
        model = self.expected[case.pk]
        legal = model.state == State.IN_PROGRESS
        done = self._attempt(
            case,
            lambda: services.resolve_case(
                case, by=self.urc, note="Sudah ditangani", proof_photos=[photo(exif_gps=False)]
            ),
            refusal=None if legal else InvalidTransition,
            kind=Kind.RESOLVED,
            to_state=State.RESOLVED,
        )
        if done:
            fresh = Case.objects.get(pk=case.pk)
            assert fresh.dispute_until is not None and fresh.dispute_until > timezone.now()
            assert fresh.dispute_until == fresh.due_at
            model.dispute_until = fresh.dispute_until

    @rule(pick=PICKS, prefer=st.booleans())
    def confirm(self, pick: int, prefer: bool) -> None:
        case = self._case(pick, prefer, {State.RESOLVED})
        legal = self.expected[case.pk].state == State.RESOLVED
        self._attempt(
            case,
            lambda: services.confirm_case(case),
            refusal=None if legal else InvalidTransition,
            kind=Kind.CONFIRMED,
            to_state=State.CLOSED,
        )

    @rule(pick=PICKS, prefer=st.booleans())
    def dispute(self, pick: int, prefer: bool) -> None:
        case = self._case(pick, prefer, {State.RESOLVED, State.CLOSED})
        model = self.expected[case.pk]
        legal = (
            model.state in (State.RESOLVED, State.CLOSED)
            and model.dispute_until is not None
            and timezone.now() < model.dispute_until
        )
        done = self._attempt(
            case,
            lambda: services.dispute_case(case, reason="Belum beres"),
            refusal=None if legal else InvalidTransition,
            kind=Kind.DISPUTED,
            to_state=State.IN_PROGRESS,
        )
        if done:
            model.dispute_until = None

    @rule(pick=PICKS, prefer=st.booleans(), public=st.booleans())
    def comment(self, pick: int, prefer: bool, public: bool) -> None:
        case = self._case(pick, prefer, OPEN | {State.RESOLVED})
        legal = self.expected[case.pk].state not in TERMINAL
        self._attempt(
            case,
            lambda: services.comment_case(case, by=self.officer, note="Catatan", is_public=public),
            refusal=None if legal else InvalidTransition,
            kind=Kind.COMMENTED,
        )

    @rule(pick=PICKS, steps=st.integers(1, 7))
    def progress(self, pick: int, steps: int) -> None:
        """Take the next legal steps along the happy path, so random runs also reach the far end of the diagram."""
        case = self._case(pick)
        pick = self.cases.index(case)
        for _ in range(steps):
            state = self.expected[case.pk].state
            if state == State.SUBMITTED:
                self.verify(pick, False)
            elif state == State.VERIFIED:
                self.dispatch(pick, False, None)
            elif state == State.DISPATCHED:
                agency_id = self.expected[case.pk].agency_id
                self.assign(pick, False, next(i for i, team in enumerate(self.teams) if team.agency_id == agency_id))
            elif state == State.ASSIGNED:
                self.start(pick, False)
            elif state == State.IN_PROGRESS:
                self.resolve(pick, False)
            elif state == State.RESOLVED:
                self.confirm(pick, False)
            else:
                return

    @rule(hours=st.sampled_from([1, 3, 10, 26, 49, 24 * 4 + 5, 24 * 12]), then_sweep=st.booleans())
    def advance(self, hours: int, then_sweep: bool) -> None:
        self.clock.shift(timedelta(hours=hours))
        if then_sweep:
            self.sweep()

    @rule()
    def sweep(self) -> None:
        now = timezone.now()
        rows, last_entry, _events = self._snapshot()
        expected_kinds: dict[int, str] = {}
        for pk, row in rows.items():
            model = self.expected[pk]
            if model.state in OPEN and row["due_at"] is not None:
                if row["due_at"] <= now and row["sla_status"] != Sla.OVERDUE:
                    expected_kinds[pk] = Kind.SLA_ESCALATED
                elif row["sla_status"] == Sla.ON_TRACK and row["due_soon_at"] <= now < row["due_at"]:
                    expected_kinds[pk] = Kind.SLA_DUE_SOON
            elif model.state == State.RESOLVED:
                assert row["due_at"] == model.dispute_until
                if now >= model.dispute_until:  # type: ignore[operator]
                    expected_kinds[pk] = Kind.AUTO_CLOSED

        result = services.sweep_sla()

        entries = list(TimelineEntry.objects.filter(pk__gt=last_entry))
        assert {e.case_id: e.kind for e in entries} == expected_kinds
        assert len(entries) == len(expected_kinds)
        counts = list(expected_kinds.values())
        assert result == services.SweepResult(
            due_soon=counts.count(Kind.SLA_DUE_SOON),
            escalated=counts.count(Kind.SLA_ESCALATED),
            closed=counts.count(Kind.AUTO_CLOSED),
        )
        after = self._snapshot()[0]
        for pk, row in rows.items():
            if expected_kinds.get(pk) == Kind.AUTO_CLOSED:
                self.expected[pk].state = State.CLOSED
            elif pk not in expected_kinds:
                assert after[pk] == row, f"the sweep changed case {pk} without a timeline entry"

    # --- invariants ---------------------------------------------------------------------------

    @invariant()
    def database_matches_the_model(self) -> None:
        states = dict(Case.objects.order_by().values_list("pk", "state"))
        assert states == {pk: model.state for pk, model in self.expected.items()}

    @invariant()
    def every_entry_has_exactly_one_matching_event(self) -> None:
        entries = {
            pk: (f"case.{kind}", tracking_number)
            for pk, kind, tracking_number in TimelineEntry.objects.order_by().values_list(
                "pk", "kind", "case__tracking_number"
            )
        }
        events = list(OutboxEvent.objects.order_by().values_list("kind", "subject_id", "payload"))
        assert len(events) == len(entries)
        assert {payload["timeline_entry_id"]: (kind, subject) for kind, subject, payload in events} == entries

    @invariant()
    def timelines_only_hold_legal_transitions(self) -> None:
        timelines: dict[int, list[tuple[str, str, str]]] = {}
        for case_id, kind, from_state, to_state in TimelineEntry.objects.order_by("pk").values_list(
            "case_id", "kind", "from_state", "to_state"
        ):
            timelines.setdefault(case_id, []).append((kind, from_state, to_state))
        assert set(timelines) == set(self.expected)
        for case_id, timeline in timelines.items():
            assert timeline[0] == (Kind.SUBMITTED, "", State.SUBMITTED)
            escalations = 0
            for (_kind, _from, previous_to), (kind, from_state, to_state) in pairwise(timeline):
                assert from_state == previous_to, (case_id, kind)
                if kind in LEGAL_TRANSITIONS:
                    sources, target = LEGAL_TRANSITIONS[kind]
                    assert from_state in sources and to_state == target, (case_id, kind, from_state, to_state)
                else:
                    assert from_state == to_state, (case_id, kind)
                escalations = 0 if kind in CLOCK_STARTS else escalations + (kind == Kind.SLA_ESCALATED)
                assert escalations <= 1, f"case {case_id} escalated twice on one clock"
            assert timeline[-1][2] == self.expected[case_id].state


@pytest.mark.django_db
@pytest.mark.usefixtures("areas")
def test_random_action_sequences_keep_the_workflow_invariants() -> None:
    run_state_machine_as_test(
        WorkflowMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
