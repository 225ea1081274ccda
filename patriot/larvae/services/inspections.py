"""The only code that changes Si Tik Tik's records: a jumantik's inspection is recorded here, in one transaction
with its container counts and its outbox event."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.cases.photos import clean_photo
from patriot.core import clock, inserts, quiet
from patriot.core.errors import DomainError, Forbidden, InvalidInput
from patriot.core.group_commit import GroupCommit
from patriot.events import broadcast
from patriot.events.models import OutboxEvent
from patriot.events.services import new_event
from patriot.geo.lookup import LocationError, locate
from patriot.larvae.choices import (
    BuildingKindChoices,
    ContainerPlaceChoices,
    ContainerTypeChoices,
    PsnActionChoices,
)
from patriot.larvae.models import ContainerCount, Inspection

# A phone's clock may run a little ahead of the server's; an inspection further in the future is refused.
CLOCK_SKEW = timedelta(minutes=5)
MAX_RW_RT = 999
MAX_CONTAINERS = 999
MAX_RESIDENTS = 500
RECORDING_ROLES = frozenset({RoleChoices.JUMANTIK})
EVENT_KIND = "larvae.inspected"
EVENT_SUBJECT = "larvae"
# Field names for the error messages, translated only when there is an error to tell.
_RW = gettext_lazy("RW")
_RT = gettext_lazy("RT")
_RESIDENTS = gettext_lazy("Jumlah penghuni")
_container_label = lazy(ContainerTypeChoices.label, str)


def max_delay() -> timedelta:
    """How long after the inspection a phone that kept it offline may still send it (PATRIOT_LARVAE_MAX_DELAY_DAYS)."""
    return timedelta(days=settings.PATRIOT_LARVAE_MAX_DELAY_DAYS)


class IdempotencyConflict(DomainError):
    """The key was already used for a different inspection (HTTP 409)."""

    status_code = 409


@dataclass(frozen=True)
class ContainerEntry:
    container_type: str
    place: str
    inspected: int
    positive: int


@dataclass
class InspectionSubmission:
    """What a jumantik's phone sends for one building."""

    building_kind: str
    address: str
    rw: int
    rt: int
    latitude: float
    longitude: float
    inspected_at: datetime
    containers: list[ContainerEntry] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    residents: int | None = None
    fever_past_week: bool = False
    idempotency_key: str = ""

    def fingerprint(self) -> str:
        body = {
            "building_kind": self.building_kind,
            "address": self.address.strip(),
            "rw": self.rw,
            "rt": self.rt,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "inspected_at": self.inspected_at.isoformat(),
            "containers": sorted(
                (c.container_type, c.place, c.inspected, c.positive) for c in self.containers if c.inspected
            ),
            "actions": sorted(set(self.actions)),
            "residents": self.residents,
            "fever_past_week": self.fever_past_week,
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class RecordedInspection:
    """The inspection and whether this call created it; its kelurahan's code and name come from the point's lookup
    (or the replayed row's join), so answering the phone reads no more rows."""

    inspection: Inspection
    created: bool
    village_code: str
    village_name: str

    @classmethod
    def replayed(cls, inspection: Inspection) -> RecordedInspection:
        return cls(
            inspection, created=False, village_code=inspection.village.code, village_name=inspection.village.name
        )


def _whole_number(value: object, *, field_name: str, label: str | Promise, low: int, high: int) -> int:
    """`value` if it is a whole number from `low` to `high`; the error names the field by `label` (lazy: translated
    only when there is an error to tell)."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(
            _("%(label)s harus bilangan bulat %(low)d sampai %(high)d.") % {"label": label, "low": low, "high": high},
            code="out_of_range",
            field=field_name,
        )
    return value


def _clean_containers(entries: list[ContainerEntry]) -> list[ContainerEntry]:
    seen: set[tuple[str, str]] = set()
    clean = []
    for entry in entries:
        where = f"containers.{entry.container_type}.{entry.place}"
        if entry.container_type not in ContainerTypeChoices.values():
            raise InvalidInput(_("Jenis kontainer tidak dikenal."), code="invalid", field="containers")
        if entry.place not in ContainerPlaceChoices.values():
            raise InvalidInput(_("Letak kontainer tidak dikenal."), code="invalid", field="containers")
        if (entry.container_type, entry.place) in seen:
            raise InvalidInput(_("Setiap jenis dan letak kontainer cukup diisi sekali."), code="duplicate", field=where)
        seen.add((entry.container_type, entry.place))
        label = _container_label(entry.container_type)
        inspected = _whole_number(entry.inspected, field_name=where, label=label, low=0, high=MAX_CONTAINERS)
        positive = _whole_number(entry.positive, field_name=where, label=label, low=0, high=MAX_CONTAINERS)
        if positive > inspected:
            raise InvalidInput(
                _("%(label)s: kontainer berjentik tidak boleh lebih banyak dari yang diperiksa.") % {"label": label},
                code="positive_exceeds_inspected",
                field=where,
            )
        if inspected:
            clean.append(ContainerEntry(entry.container_type, entry.place, inspected, positive))
    return clean


def _existing(jumantik: User, key: str, fingerprint: str) -> Inspection | None:
    inspection = (
        Inspection.objects.filter(jumantik=jumantik, idempotency_key=key).select_related("village").order_by().first()
    )
    if inspection is not None and inspection.fingerprint != fingerprint:
        raise IdempotencyConflict(
            _("Kunci pengiriman ini sudah dipakai untuk pemeriksaan lain."),
            code="idempotency_key_reused",
            field="Idempotency-Key",
        )
    return inspection


def record_inspection(
    user: User,
    submission: InspectionSubmission,
    *,
    photo: tuple[str, IO[bytes]] | None = None,
    from_phone: bool = False,
) -> RecordedInspection:
    """Record one building's inspection by a jumantik.

    Validates the counts (whole numbers, positive ≤ inspected), places the point in a kelurahan (outside the city
    is refused), refuses an inspection time in the future and, for a phone's send (`from_phone`: the form and the
    API; not imports or demo history), one older than PATRIOT_LARVAE_MAX_DELAY_DAYS (a phone that kept it offline
    sends it later with its own time), and writes the inspection, its container counts and a
    `larvae.inspected` outbox event in one transaction. A retry with the same idempotency key from the same
    jumantik returns the first inspection, so a house is never counted twice (the database's unique constraint
    decides, so a retry and a race are the same case; the same key with other content is a 409).
    """
    if user.role not in RECORDING_ROLES or not user.is_active:
        raise Forbidden(_("Hanya jumantik yang dapat mencatat pemeriksaan jentik."), code="forbidden")
    if submission.building_kind not in BuildingKindChoices.values():
        raise InvalidInput(_("Jenis bangunan tidak dikenal."), code="invalid", field="building_kind")
    address = " ".join((submission.address or "").split())
    if not address:
        raise InvalidInput(_("Alamat wajib diisi."), code="required", field="address")
    if len(address) > 300:
        raise InvalidInput(_("Alamat paling banyak 300 karakter."), code="too_long", field="address")
    rw = _whole_number(submission.rw, field_name="rw", label=_RW, low=1, high=MAX_RW_RT)
    rt = _whole_number(submission.rt, field_name="rt", label=_RT, low=1, high=MAX_RW_RT)
    residents = submission.residents
    if residents is not None:
        residents = _whole_number(residents, field_name="residents", label=_RESIDENTS, low=0, high=MAX_RESIDENTS)
    unknown = set(submission.actions) - set(PsnActionChoices.values())
    if unknown:
        raise InvalidInput(_("Tindakan PSN tidak dikenal."), code="invalid", field="actions")
    actions = [value for value in PsnActionChoices.values() if value in submission.actions]
    containers = _clean_containers(submission.containers)
    inspected_at = submission.inspected_at
    if inspected_at.tzinfo is None:
        raise InvalidInput(_("Waktu pemeriksaan harus menyebut zona waktunya."), code="invalid", field="inspected_at")
    now = clock.now()
    if inspected_at > now + CLOCK_SKEW:
        raise InvalidInput(
            _("Waktu pemeriksaan belum terjadi. Periksa jam di ponsel Anda."), code="future_time", field="inspected_at"
        )
    try:
        location = locate(submission.latitude, submission.longitude)
    except LocationError as error:
        raise InvalidInput(error.messages[0], code="outside_city", field="location") from error
    key = (submission.idempotency_key or "").strip()
    if len(key) > 200:
        raise InvalidInput(_("Idempotency-Key paling panjang 200 karakter."), code="too_long", field="Idempotency-Key")
    fingerprint = submission.fingerprint()
    # A replay is found by the insert itself: the unique (jumantik, key) constraint refuses a second row, and the
    # first one is read then (below). The first send of a key, the usual case, reads nothing before writing.
    if from_phone and inspected_at < now - max_delay():
        # Too old to record; but a phone resending an inspection the server already holds gets it back.
        if key and (existing := _existing(user, key, fingerprint)):
            return RecordedInspection.replayed(existing)
        raise InvalidInput(
            _("Pemeriksaan ini lebih dari %(days)d hari yang lalu dan tidak dapat dikirim lagi.")
            % {"days": max_delay().days},
            code="too_old",
            field="inspected_at",
        )
    clean = clean_photo(photo[1], name=photo[0]) if photo else None

    written: list[str] = []
    try:
        inspection = Inspection(
            jumantik=user,
            building_kind=submission.building_kind,
            address=address,
            latitude=submission.latitude,
            longitude=submission.longitude,
            village_id=location.village_id,
            district_id=location.district_id,
            rw=rw,
            rt=rt,
            h3_cell=location.h3_cell,
            h3_cell_coarse=location.h3_cell_coarse,
            residents=residents,
            fever_past_week=bool(submission.fever_past_week),
            actions=actions,
            containers_inspected=sum(c.inspected for c in containers),
            containers_positive=sum(c.positive for c in containers),
            is_positive=any(c.positive for c in containers),
            inspected_at=inspected_at,
            received_at=now,
            idempotency_key=key,
            fingerprint=fingerprint,
        )
        if clean is not None:
            inspection.photo.save(f"{secrets.token_hex(8)}.{clean.extension}", ContentFile(clean.content), save=False)
            written.append(inspection.photo.name)
        counts = [
            ContainerCount(
                inspection=inspection,
                container_type=c.container_type,
                place=c.place,
                inspected=c.inspected,
                positive=c.positive,
            )
            for c in containers
        ]
        job = _Write(
            inspection,
            counts,
            _event_payload(inspection, location.village_code, location.village_name),
        )
        # Concurrent inspections of one process share a transaction where PATRIOT_INTAKE_GROUP_COMMIT says (SQLite);
        # one with a photo, inside a caller's transaction or in quiet mode (a context of this thread) is written alone,
        # and elsewhere (PostgreSQL) by one autocommitted statement where it can be.
        alone = clean is not None or connection.in_atomic_block or quiet.active()
        if not alone and settings.PATRIOT_INTAKE_GROUP_COMMIT:
            _group_commit.write(job)
        elif alone or not _write_autocommitted(job):
            with transaction.atomic():
                _write_one(job)
    except IntegrityError:
        _remove_files(written)
        # The key was sent before (a retry), or two sends of it raced: the row committed first is the inspection.
        if key and (existing := _existing(user, key, fingerprint)):
            return RecordedInspection.replayed(existing)
        raise
    except BaseException:
        _remove_files(written)
        raise
    return RecordedInspection(
        inspection, created=True, village_code=location.village_code, village_name=location.village_name
    )


@dataclass(eq=False)
class _Write:
    """One validated inspection waiting to be written: its row, its container counts and its event's payload (the
    event itself is made inside the transaction that writes it, which then wakes the live streams on commit)."""

    inspection: Inspection
    counts: list[ContainerCount]
    payload: dict[str, object]
    event: OutboxEvent | None = None

    def new_event(self, *, autocommitted: bool = False) -> OutboxEvent:
        self.event = new_event(
            kind=EVENT_KIND,
            subject_type=EVENT_SUBJECT,
            subject_id="",
            at=self.inspection.received_at,
            payload=dict(self.payload),
            autocommitted=autocommitted,
        )
        return self.event

    def linked(self) -> list[inserts.Linked]:
        """The rows insert_linked() writes after the inspection, with what they take from its id in SQL."""
        assert self.event is not None
        return [
            *(inserts.Linked(count, {"inspection_id": "{id}"}) for count in self.counts),
            inserts.Linked(
                self.event,
                {"subject_id": "{id}::text", "payload": "jsonb_set({value}, '{inspection}', to_jsonb({id}))"},
            ),
        ]

    def link(self) -> None:
        """What the rows take from the inspection's new id."""
        for count in self.counts:
            count.inspection = self.inspection
        assert self.event is not None  # made by new_event() first
        self.event.subject_id = str(self.inspection.pk)
        self.event.payload["inspection"] = self.inspection.pk

    def unwritten(self) -> None:
        """Back to before the transaction (it rolled back): no ids."""
        for row in (self.inspection, *self.counts):
            row.pk = None
            row._state.adding = True
        self.event = None


def _write_one(job: _Write) -> None:
    """The inspection, its container counts and its outbox event (inside a transaction): statements prepared once
    (core/inserts.py), on PostgreSQL one statement (one round trip) for the three tables."""
    job.new_event()
    inserts.insert_linked(job.inspection, job.linked(), job.link)


def _write_autocommitted(job: _Write) -> bool:
    """On PostgreSQL, outside any transaction: the inspection, its container counts and its outbox event by ONE
    autocommitted statement (core/inserts.insert_linked, bound on the server and prepared once per connection), so
    the write is one round trip and one commit instead of BEGIN, the statement and COMMIT. One statement is one
    transaction: every row is written or none, and a raced idempotency key raises IntegrityError as inside a
    transaction. The event is new_event()'s, autocommitted (outside a transaction, so the streams are woken here
    once the statement returns, committed). Returns False, having written nothing, where one statement does not
    apply (another database, save() receivers): the caller writes the usual way."""
    job.new_event(autocommitted=True)
    linked = job.linked()
    if not inserts.in_one_statement(job.inspection, linked):
        job.event = None
        return False
    inserts.insert_linked(job.inspection, linked, job.link, prepared=True)
    broadcast.notify_committed()  # committed: this process's streams and the others' hubs learn of the event
    return True


def _write_many(jobs: list[_Write]) -> None:
    """`_write_one` of several inspections (inside one transaction), with one multi-row INSERT per table."""
    events = [job.new_event() for job in jobs]
    inserts.insert_many([job.inspection for job in jobs])
    for job in jobs:
        job.link()
    inserts.insert_many([count for job in jobs for count in job.counts])
    inserts.insert_many(events)


# Concurrent inspections of one process share a transaction (core/group_commit.py): every answer follows its
# inspection's commit; if the shared transaction fails (a raced idempotency key) each is written again on its own,
# and the one whose key was taken gets its IntegrityError back, answered with the first inspection as any replay.
_group_commit: GroupCommit[_Write] = GroupCommit(write_many=_write_many, write_one=_write_one, undo=_Write.unwritten)


def _event_payload(inspection: Inspection, village_code: str, village_name: str) -> dict[str, object]:
    """Where (the area down to the RW, never the household's address, point or RT) and what was found; nothing
    about the household's health (the fever answer stays on the inspection, for its supervisors)."""
    return {
        "inspection": inspection.pk,  # None until the row is written: _Write.link() and insert_linked's SQL set it
        "building_kind": inspection.building_kind,
        "village": village_code,
        "village_name": village_name,
        "district_id": inspection.district_id,
        "rw": inspection.rw,
        "is_positive": inspection.is_positive,
        "containers_inspected": inspection.containers_inspected,
        "containers_positive": inspection.containers_positive,
        "inspected_at": inspection.inspected_at.isoformat(),
    }


def _remove_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)
