"""Intake from every channel: validation, placing the point, the tracking number, idempotency, the reporter's key,
and the reporter's later photos."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import IO, Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, ProgrammingError, connection, transaction
from django.utils.translation import get_language, gettext_lazy, override
from django.utils.translation import gettext as _

from patriot.accounts.models import User
from patriot.cases import services as package  # `package._write_entry`: see the package docstring
from patriot.cases import sla
from patriot.cases.choices import (
    AttachmentKindChoices,
    CaseStateChoices,
    ChannelChoices,
    PriorityChoices,
    TimelineKindChoices,
)
from patriot.cases.models import (
    Attachment,
    Case,
    Category,
    IdempotencyKey,
    Supporter,
    TimelineEntry,
    TrackingSequence,
)
from patriot.cases.photos import MAX_PHOTOS_PER_CASE
from patriot.cases.services.common import (
    MAX_DESCRIPTION_LENGTH,
    MAX_TITLE_LENGTH,
    _check_text,
    _clean_photos,
    _entry_step,
    _on_behalf,
    _remove_files,
    _start_clock,
    _store_photos,
)
from patriot.cases.services.workflow import _acting_on
from patriot.core import clock, inserts, metrics, quiet
from patriot.core.errors import InvalidInput
from patriot.core.group_commit import GroupCommit
from patriot.core.phones import normalise_phone
from patriot.events import broadcast, steps
from patriot.events.models import OutboxEvent
from patriot.events.services import new_event
from patriot.geo.lookup import LocationError, locate, village_centre

State = CaseStateChoices
Kind = TimelineKindChoices


def reporter_key_for(case: Case) -> str:
    """The secret in the reporter's private link (follow, confirm, dispute, add information).

    Derived from the tracking number with the server's secret key rather than stored, so a retried
    submission can be answered with the same link the lost first answer carried.
    """
    digest = hmac.digest(
        settings.SECRET_KEY.encode(), f"patriot.reporter-key:{case.tracking_number}".encode(), "sha256"
    )
    return base64.urlsafe_b64encode(digest[:24]).decode()


def reporter_key_matches(case: Case, key: str | None) -> bool:
    return bool(key) and hmac.compare_digest(reporter_key_for(case), str(key))


def _next_tracking_number(at: datetime) -> str:
    """The month's next number, taken inside the case's transaction (numbers restart each month: BKS-2611-000001).

    SQLite lets one transaction write at a time, so the month's `TrackingSequence` row held until the case commits
    blocks nobody that was not waiting already, and a failed intake leaves no gap. On PostgreSQL that row lock would
    queue every concurrent intake behind the previous one's commit (and its own, if taken in a transaction apart:
    one WAL flush each, one after another). There the number comes from the month's sequence: `nextval` locks
    nothing, and concurrent cases' commits can share a flush. A failed intake skips its number. `nextval` writes
    its advance to the WAL before the case's commit record, so a number whose case committed is never handed out
    again after a crash.
    """
    period = at.astimezone(sla.city_zone()).strftime("%y%m")
    number = _next_from_sequence(period) if connection.vendor == "postgresql" else _next_from_counter_row(period)
    return f"{settings.PATRIOT_CITY_CODE}-{period}-{number:06d}"


def _next_tracking_numbers(times: Sequence[datetime]) -> list[str]:
    """`_next_tracking_number` of each of `times`, with one statement per month among them."""
    periods = [at.astimezone(sla.city_zone()).strftime("%y%m") for at in times]
    numbers: dict[str, list[int]] = {}
    for period in dict.fromkeys(periods):
        count = periods.count(period)
        if connection.vendor == "postgresql":
            numbers[period] = [_next_from_sequence(period), *_more_from_sequence(period, count - 1)]
        else:
            last = _next_from_counter_row(period, count)
            numbers[period] = list(range(last - count + 1, last + 1))
    taken = {period: iter(values) for period, values in numbers.items()}
    return [f"{settings.PATRIOT_CITY_CODE}-{period}-{next(taken[period]):06d}" for period in periods]


def _next_from_counter_row(period: str, count: int = 1) -> int:
    """The month's counter row moved on by `count`; returns the last number taken."""
    table = connection.ops.quote_name(TrackingSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_number = last_number + %s WHERE period = %s RETURNING last_number",  # noqa: S608
            [count, period],
        )
        row = cursor.fetchone()
    if row is not None:
        return int(row[0])
    TrackingSequence.objects.create(period=period, last_number=count)
    return count


def _more_from_sequence(period: str, count: int) -> list[int]:
    """`count` more numbers from the month's sequence (made by `_next_from_sequence` in this transaction)."""
    if count <= 0:
        return []
    name = f"{TrackingSequence._meta.db_table}_{period}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s::text::regclass) FROM generate_series(1, %s)", [name, count])
        return sorted(int(row[0]) for row in cursor.fetchall())


def _next_from_sequence(period: str) -> int:
    """`nextval` of the month's sequence, made on the month's first intake; it goes on from the month's
    `TrackingSequence` row, where numbers were counted before the sequences (and still are on SQLite)."""
    name = f"{TrackingSequence._meta.db_table}_{period}"  # period is four digits
    with connection.cursor() as cursor:
        for _attempt in range(3):
            cursor.execute(
                "SELECT CASE WHEN to_regclass(%s) IS NOT NULL THEN nextval(%s::text::regclass) END", [name, name]
            )
            row = cursor.fetchone()
            if row is not None and row[0] is not None:
                return int(row[0])
            counted = TrackingSequence.objects.filter(period=period).values_list("last_number", flat=True).first()
            try:
                with transaction.atomic():  # a savepoint: another intake may be making the same sequence
                    cursor.execute(
                        f"CREATE SEQUENCE IF NOT EXISTS {connection.ops.quote_name(name)} START WITH {(counted or 0) + 1}"
                    )
            except DatabaseError:
                pass  # the other intake made it: take the number from it
    raise RuntimeError(f"The tracking number sequence {name} could not be made")


def _in_english() -> bool:
    return (get_language() or "id").startswith("en")


def _validate_attributes(category: Category, values: dict[str, Any] | None) -> dict[str, Any]:
    """Check submitted custom attributes against the category's definitions; unknown ones are refused."""
    values = dict(values or {})
    definitions = {attribute["code"]: attribute for attribute in category.attributes}
    unknown = sorted(set(values) - set(definitions))
    if unknown:
        raise InvalidInput(
            _("Atribut tidak dikenal untuk kategori ini: %(names)s.") % {"names": ", ".join(unknown)},
            code="unknown_attribute",
            field="attributes",
        )
    clean: dict[str, Any] = {}
    for code, definition in definitions.items():
        value = values.get(code)
        label = (definition.get("label_en") if _in_english() else None) or definition.get("label") or code
        if value in (None, "", []):
            if definition.get("required"):
                raise InvalidInput(
                    _("%(label)s wajib diisi.") % {"label": label}, code="required", field=f"attributes.{code}"
                )
            continue
        datatype = definition.get("datatype", "string")
        allowed = {choice["key"] for choice in definition.get("values", [])}
        if datatype == "number":
            try:
                number = float(value if value is not None else "nan")
            except ValueError:
                number = float("nan")
            if number != number or number < 0 or number > 1e9:
                raise InvalidInput(
                    _("%(label)s harus berupa angka.") % {"label": label}, code="invalid", field=f"attributes.{code}"
                )
            clean[code] = number
        elif datatype == "singlevaluelist":
            if str(value) not in allowed:
                raise InvalidInput(
                    _("Pilihan %(label)s tidak dikenal.") % {"label": label}, code="invalid", field=f"attributes.{code}"
                )
            clean[code] = str(value)
        elif datatype == "multivaluelist":
            chosen = [str(v) for v in (value if isinstance(value, list) else [value])]
            if not set(chosen) <= allowed:
                raise InvalidInput(
                    _("Pilihan %(label)s tidak dikenal.") % {"label": label}, code="invalid", field=f"attributes.{code}"
                )
            clean[code] = chosen
        else:
            clean[code] = _check_text(
                str(value), field_name=f"attributes.{code}", label=label, limit=1000, required=False
            )
    return clean


@dataclass(frozen=True)
class NewCase:
    """The result of an intake: the case, whether this call created it, and the reporter's private key."""

    case: Case
    created: bool
    reporter_key: str


@dataclass
class CaseSubmission:
    channel: str
    category: Category
    description: str
    latitude: float
    longitude: float
    title: str = ""
    address: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    reporter: User | None = None
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_email: str = ""
    is_anonymous: bool = False
    is_confidential: bool = False
    # Without a map: the kelurahan the citizen picked; the case goes to its centre, flagged approximate.
    village_code: str = ""
    # The reporter's language, for the messages they get back; empty: the request's active language (see
    # contact_language). Not part of the fingerprint: a retry in another language is the same report.
    language: str = ""

    def fingerprint(self) -> str:
        body = {
            "channel": self.channel,
            "category": self.category.code,
            "description": self.description,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "title": self.title,
            "address": self.address,
            "attributes": self.attributes,
            "reporter": self.reporter.pk if self.reporter else None,
            "reporter_name": self.reporter_name,
            "reporter_phone": self.reporter_phone,
            "reporter_email": self.reporter_email,
            "is_anonymous": self.is_anonymous,
            "is_confidential": self.is_confidential,
        }
        if self.village_code:  # only then, so fingerprints stored before this field existed still match
            body["village_code"] = self.village_code
        return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def contact_language(channel: str = "", chosen: str = "") -> str:
    """The language to write to a citizen in: the one they chose, else the request's active language (the web
    form's switch, the API's Accept-Language); a 1500444 caller gets the city's default, the staff member typing
    the call in may work in another language."""
    supported = {code for code, _name in settings.LANGUAGES}
    if chosen in supported:
        return chosen
    if channel == ChannelChoices.PHONE:
        return str(settings.LANGUAGE_CODE)
    active = (get_language() or "").split("-")[0]
    return active if active in supported else str(settings.LANGUAGE_CODE)


def _existing_for_key(scope: str, key: str, fingerprint: str) -> NewCase | None:
    record = IdempotencyKey.objects.select_related("case").filter(scope=scope, key=key).first()
    if record is None:
        return None
    if record.fingerprint != fingerprint:
        raise InvalidInput(
            _("Idempotency-Key ini sudah dipakai untuk laporan lain. Gunakan kunci baru untuk laporan baru."),
            code="idempotency_key_reused",
            field="Idempotency-Key",
        )
    return NewCase(case=record.case, created=False, reporter_key=reporter_key_for(record.case))


_DESCRIPTION, _TITLE, _ADDRESS, _NAME, _EMAIL = (
    gettext_lazy("Uraian"),
    gettext_lazy("Judul"),
    gettext_lazy("Alamat"),
    gettext_lazy("Nama"),
    gettext_lazy("Email"),
)


def _text(value: str, field_name: str, label: Any, limit: int, *, required: bool = False) -> str:
    """`_check_text`, with the label translated only for the message of a refused value."""
    text = (value or "").strip()
    if (required and not text) or len(text) > limit:
        _check_text(value, field_name=field_name, label=str(label), limit=limit, required=required)  # raises
    return text


def create_case(
    submission: CaseSubmission,
    *,
    photos: Sequence[tuple[str, IO[bytes]]] = (),
    by: User | None = None,
    idempotency_key: str | None = None,
    idempotency_scope: str = "api",
) -> NewCase:
    """Accept a report from any channel. With an idempotency key, a retry returns the first case."""
    if submission.channel not in ChannelChoices.values():
        raise InvalidInput(_("Kanal laporan tidak dikenal."), code="invalid", field="channel")
    if not submission.category.is_active:
        raise InvalidInput(_("Kategori ini tidak aktif."), code="inactive_category", field="category")
    description = _text(submission.description, "description", _DESCRIPTION, MAX_DESCRIPTION_LENGTH, required=True)
    title = _text(submission.title, "title", _TITLE, MAX_TITLE_LENGTH)
    address = _text(submission.address, "address", _ADDRESS, 300)
    reporter_name = _text(submission.reporter_name, "reporter_name", _NAME, 120)
    # Stored in E.164 whatever the channel, so lookups by number are exact; numbers from abroad are accepted.
    reporter_phone = (submission.reporter_phone or "").strip()
    if reporter_phone:
        reporter_phone = normalise_phone(
            reporter_phone, field="reporter_phone", label=_("Nomor HP"), allow_foreign=True
        )
    reporter_email = _text(submission.reporter_email, "reporter_email", _EMAIL, 254)
    attributes = _validate_attributes(submission.category, submission.attributes)
    latitude, longitude = submission.latitude, submission.longitude
    try:
        if submission.village_code:
            latitude, longitude, location = village_centre(submission.village_code)
        else:
            location = locate(latitude, longitude)
    except LocationError as error:
        raise InvalidInput(error.messages[0], code="outside_city", field="location") from error
    key = (idempotency_key or "").strip()
    if len(key) > 200:
        raise InvalidInput(_("Idempotency-Key paling panjang 200 karakter."), code="too_long", field="Idempotency-Key")
    # A retry that spells the number differently is still the same report. Only a report with a key needs one.
    fingerprint = replace(submission, reporter_phone=reporter_phone).fingerprint() if key else ""
    if key and (existing := _existing_for_key(idempotency_scope, key, fingerprint)):
        return existing
    clean_photos = _clean_photos(photos, already=0)

    now = clock.now()
    # Built before the transaction (the number comes inside it): on SQLite every writer of the process waits while
    # one holds a transaction, so it holds one only for its statements.
    case = inserts.new(
        Case,
        channel=submission.channel,
        category=submission.category,
        title=title or submission.category.name,
        description=description,
        attributes=attributes,
        priority=submission.category.default_priority or PriorityChoices.NORMAL,
        latitude=latitude,
        longitude=longitude,
        location_is_approximate=bool(submission.village_code),
        address=address,
        village_id=location.village_id,
        district_id=location.district_id,
        h3_cell=location.h3_cell,
        h3_cell_coarse=location.h3_cell_coarse,
        reporter=submission.reporter,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        reporter_email=reporter_email,
        reporter_language=contact_language(submission.channel, submission.language),
        is_anonymous=submission.is_anonymous,
        is_confidential=submission.is_confidential,
        state=State.SUBMITTED,
        created_at=now,
        updated_at=now,
    )
    _start_clock(case, "verify", now)
    job = _Intake(
        case=case,
        key=key,
        scope=idempotency_scope,
        fingerprint=fingerprint,
        by=by,
        area_codes=(location.village_code, location.district_code),
        photos=clean_photos,
        language=get_language(),
    )
    written = job.written
    try:
        alone = bool(clean_photos) or connection.in_atomic_block or quiet.active()
        if not alone and settings.PATRIOT_INTAKE_GROUP_COMMIT:
            _group_commit.write(job)
        elif alone or not _write_in_one_statement(job):
            with transaction.atomic():
                _write_intake(job)
    except IntegrityError:
        _remove_files(written)
        # Two requests with one key raced; the one that committed first owns the key.
        if key and (existing := _existing_for_key(idempotency_scope, key, fingerprint)):
            return existing
        raise
    except BaseException:
        _remove_files(written)
        raise
    metrics.REPORTS.labels(case.channel).inc()
    return NewCase(case=case, created=True, reporter_key=reporter_key_for(case))


@dataclass(eq=False)
class _Intake:
    """One validated report waiting to be written: everything the transaction needs, nothing left to check."""

    case: Case
    key: str
    scope: str
    fingerprint: str
    by: User | None
    area_codes: tuple[str, str]
    photos: list[Any]
    language: str | None
    written: list[str] = field(default_factory=list)

    def unwritten(self) -> None:
        """Back to before the transaction (it rolled back): no id, no number."""
        self.case.pk = None
        self.case._state.adding = True
        self.case.tracking_number = ""


def _in_language(language: str | None) -> AbstractContextManager[Any]:
    """`override(language)`, or nothing to do where `language` is active already (the request's own thread)."""
    return nullcontext() if language == get_language() else override(language)


def _write_intake(job: _Intake) -> None:
    """The case, its photos, its first timeline entry and outbox event, and its idempotency key (inside a
    transaction; the tracking number is taken in it)."""
    case, now = job.case, job.case.created_at
    case.tracking_number = _next_tracking_number(now)
    inserts.insert(case)
    _store_photos(case, job.photos, kind=AttachmentKindChoices.REPORT_PHOTO, by=job.by, at=now, written=job.written)
    package._write_entry(
        case,
        Kind.SUBMITTED,
        at=now,
        data={"channel": case.channel, "photos": len(job.photos)},
        area_codes=job.area_codes,
        **_on_behalf(job.by),
    )
    if job.key:
        inserts.insert(
            inserts.new(
                IdempotencyKey, scope=job.scope, key=job.key, fingerprint=job.fingerprint, case=case, created_at=now
            )
        )


# What `_write_in_one_statement` writes, per model: the fields of its INSERT (core/inserts.py), and some of them
# computed in the statement from the rows written before (`c`: the case, `e`: its entry, `n`: the number).
_ONE_ROWS = (Case, TimelineEntry, OutboxEvent, IdempotencyKey)
_NUMBER = "CASE WHEN n.v < 1000000 THEN lpad(n.v::text, 6, '0') ELSE n.v::text END"
_COMPUTED = {
    Case: {"tracking_number": f"%s || {_NUMBER}"},
    TimelineEntry: {"case_id": "c.id"},
    OutboxEvent: {
        "subject_id": "c.tracking_number",
        "payload": "%s::jsonb || jsonb_build_object('tracking_number', c.tracking_number, 'timeline_entry_id', e.id)",
    },
    IdempotencyKey: {"case_id": "c.id"},
}
_STEP_ONLY = {"at", "event", "subject_type", "subject_id", "payload", "agency_id", "team_id", "public_event", "record"}
# The statement per (with a key, which values are NULL): a NULL is written into the SQL rather than sent, so that a
# report has fewer than psycopg's 50 parameters, up to which psycopg parses a statement once (MAX_CACHED_STATEMENT_
# PARAMS) instead of on every execute. A few variants at most (a reporter's account or not, ...), each prepared.
_one_statements: dict[tuple[bool, tuple[bool, ...]], str] = {}


def _one_statement(nulls: tuple[bool, ...], with_key: bool) -> str:
    key = (with_key, nulls)
    if key in _one_statements:
        return _one_statements[key]
    quote = connection.ops.quote_name
    is_null = iter(nulls)
    parts = []
    for model in _ONE_ROWS[: 4 if with_key else 3]:
        _sql, fields = inserts.statement(model)  # type: ignore[misc]  # checked by the caller
        computed = _COMPUTED[model]
        values = []
        for f in fields:
            if f.attname in computed:
                values.append(computed[f.attname])
            else:
                values.append("NULL" if next(is_null) else "%s")
        parts.append(
            f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
            f" SELECT {', '.join(values)}"
        )
    case, entry, event, *idempotency = parts
    ctes = [
        "n AS (SELECT nextval(%s::regclass) AS v)",
        f"c AS ({case} FROM n RETURNING id, tracking_number)",
        f"e AS ({entry} FROM c RETURNING id)",
        f"o AS ({event} FROM c, e)",
        *(f"k AS ({row} FROM c)" for row in idempotency),
    ]
    # The models' own table and column names, quoted; every value is a parameter or NULL.
    sql = f"WITH {', '.join(ctes)} SELECT c.id, c.tracking_number, e.id FROM c, e"  # noqa: S608
    _one_statements[key] = sql
    return sql


def _write_in_one_statement(job: _Intake) -> bool:
    """On PostgreSQL, outside a transaction: the case, its timeline entry, its outbox event and its idempotency key
    with ONE autocommitted statement (data-modifying CTEs; the tracking number from the month's sequence, the event's
    tracking number and entry id filled in by the database), so the whole intake is one round trip and one commit
    instead of BEGIN, four statements and COMMIT. One statement is one transaction: every row is written or none,
    and a raced idempotency key raises IntegrityError as the separate INSERTs would. Returns False, having written
    nothing, where it does not apply (another database, save() receivers, the month's sequence not made yet: the
    statement fails before writing anything): the caller writes the report the usual way."""
    if connection.vendor != "postgresql" or any(
        inserts.has_receivers(model) for model in (Case, TimelineEntry, OutboxEvent, IdempotencyKey)
    ):
        return False
    if any(inserts.statement(model) is None for model in _ONE_ROWS):
        return False
    case, now = job.case, job.case.created_at
    period = now.astimezone(sla.city_zone()).strftime("%y%m")
    with _in_language(job.language):  # the actor's label in the sender's language, as _write_intake has it
        step = _entry_step(
            case,
            Kind.SUBMITTED,
            at=now,
            data={"channel": case.channel, "photos": 0},
            area_codes=job.area_codes,
            **_on_behalf(job.by),
        )
    entry = inserts.new(TimelineEntry, created_at=now, **{k: v for k, v in step.items() if k not in _STEP_ONLY})
    event = new_event(
        autocommitted=True,
        kind=step["event"],
        subject_type=step["subject_type"],
        subject_id="",
        at=now,
        agency_id=step["agency_id"],
        team_id=step["team_id"],
        is_public=step["public_event"],
        payload=step["payload"](entry),  # its tracking number and entry id: from the database, in the statement
    )
    key = None
    if job.key:
        key = inserts.new(
            IdempotencyKey, scope=job.scope, key=job.key, fingerprint=job.fingerprint, case=case, created_at=now
        )
    params: list[Any] = [f"{TrackingSequence._meta.db_table}_{period}"]
    nulls: list[bool] = []
    for row in (case, entry, event, key):
        if row is None:
            continue
        model = type(row)
        _sql, fields = inserts.statement(model)  # type: ignore[misc]  # checked above
        computed = _COMPUTED[model]
        for f, value in zip(fields, inserts.prepared_values(row, fields, connection), strict=True):
            if f.attname == "tracking_number":
                params.append(f"{settings.PATRIOT_CITY_CODE}-{period}-")
            elif f.attname == "payload":
                params.append(value)
            elif f.attname not in computed:
                nulls.append(value is None)
                if value is not None:
                    params.append(value)
    sql = _one_statement(tuple(nulls), key is not None)
    try:
        with inserts.prepared_cursor() as cursor:
            cursor.execute(sql, params)
            case_id, tracking_number, entry_id = cursor.fetchone()
    except ProgrammingError as error:
        if getattr(error.__cause__, "sqlstate", None) != "42P01":  # undefined_table: no sequence for the month yet
            raise
        return False  # the month's first report: nothing was written (one statement); the usual path makes it
    case.pk, case.tracking_number = case_id, tracking_number
    entry.pk, entry.case = entry_id, case
    for row in (case, entry, key):
        if row is not None:
            row._state.adding = False
            row._state.db = connection.alias
    broadcast.notify_committed()  # committed: this process's streams and the others' hubs learn of the event
    return True


def _write_intakes(jobs: list[_Intake]) -> None:
    """`_write_intake` of several reports without photos, with one statement per table (and per month's number)."""
    for job, number in zip(jobs, _next_tracking_numbers([job.case.created_at for job in jobs]), strict=True):
        job.case.tracking_number = number
    inserts.insert_many([job.case for job in jobs])
    step_args = []
    for job in jobs:
        with _in_language(job.language):  # the actor's label is written in the sender's language
            step_args.append(
                _entry_step(
                    job.case,
                    Kind.SUBMITTED,
                    at=job.case.created_at,
                    data={"channel": job.case.channel, "photos": 0},
                    area_codes=job.area_codes,
                    **_on_behalf(job.by),
                )
            )
    steps.log_many(TimelineEntry, step_args)
    keys = [
        inserts.new(
            IdempotencyKey,
            scope=j.scope,
            key=j.key,
            fingerprint=j.fingerprint,
            case=j.case,
            created_at=j.case.created_at,
        )
        for j in jobs
        if j.key
    ]
    inserts.insert_many(keys)


def _write_intake_alone(job: _Intake) -> None:
    with _in_language(job.language):
        _write_intake(job)


# Concurrent intakes of one process share a transaction (core/group_commit.py): every answer follows its case's
# commit, and if the shared transaction fails (a raced idempotency key) each report is written again on its own.
_group_commit: GroupCommit[_Intake] = GroupCommit(
    write_many=_write_intakes, write_one=_write_intake_alone, undo=_Intake.unwritten
)


def add_photos(
    case: Case, *, photos: Sequence[tuple[str, IO[bytes]]], by: User | None = None, reporter: bool = False
) -> list[Attachment]:
    """The reporter (or staff on their behalf) adds photos while the case is still being handled."""
    if not photos:
        raise InvalidInput(_("Pilih setidaknya satu foto."), code="required", field="photos")
    existing = case.attachments.filter(kind=AttachmentKindChoices.REPORT_PHOTO).count()
    clean = _clean_photos(photos, already=existing)
    written: list[str] = []
    try:
        with _acting_on(case, "add_photos") as (fresh, now):
            if (
                fresh.attachments.filter(kind=AttachmentKindChoices.REPORT_PHOTO).count() + len(clean)
                > MAX_PHOTOS_PER_CASE
            ):
                raise InvalidInput(
                    _("Paling banyak %(limit)d foto per laporan.") % {"limit": MAX_PHOTOS_PER_CASE},
                    code="too_many_photos",
                    field="photos",
                )
            stored = _store_photos(
                fresh, clean, kind=AttachmentKindChoices.REPORT_PHOTO, by=by, at=now, written=written
            )
            fresh.updated_at = now
            fresh.save(update_fields=["updated_at"])
            package._write_entry(
                fresh,
                Kind.PHOTO_ADDED,
                at=now,
                by=by,
                reporter=reporter,
                from_state=fresh.state,
                data={"photos": len(stored)},
            )
    except BaseException:
        _remove_files(written)
        raise
    return stored


MAX_SUPPORTERS_PER_CASE = 10_000


def support_case(
    case: Case, *, user: User | None = None, email: str = "", phone: str = "", consent: bool = False
) -> tuple[Case, bool]:
    """ "Me too" on an open public case instead of a duplicate report; returns the case and whether it counted.

    A contact is kept only with the citizen's consent, to tell them when the case moves (citizens.notify), and is
    never shown on a public page; the same account or contact supports a case once. One events step: the
    supporter row, the count, an internal timeline entry and its outbox event.
    """
    email = _check_text(email, field_name="email", label=_("Email"), limit=254, required=False)
    phone = (phone or "").strip()
    if phone:
        phone = normalise_phone(phone, field="phone", label=_("Nomor HP"), allow_foreign=True)
    if (email or phone) and not consent:
        raise InvalidInput(
            _("Centang persetujuan agar kami boleh menyimpan kontak Anda untuk mengabarkan laporan ini."),
            code="consent_required",
            field="consent",
        )
    if case.is_confidential or case.state not in State.OPEN:
        raise InvalidInput(_("Laporan ini tidak dapat didukung."), code="not_supportable", field="case")
    with _acting_on(case, "support") as (fresh, now):
        same = Supporter.objects.filter(case=fresh)
        if user is not None and user.is_authenticated:
            duplicate = same.filter(user=user).exists()
        elif email or phone:
            duplicate = same.filter(**({"email": email} if email else {"phone": phone})).exists()
        else:
            duplicate = False
        if duplicate or fresh.supporter_count >= MAX_SUPPORTERS_PER_CASE:
            return case, False
        Supporter.objects.create(
            case=fresh,
            user=user if user is not None and user.is_authenticated else None,
            email=email,
            phone=phone,
            language=contact_language() if email or phone else "",
            created_at=now,
        )
        fresh.supporter_count += 1
        fresh.save(update_fields=["supporter_count"])
        package._write_entry(
            fresh,
            Kind.SUPPORTED,
            at=now,
            from_state=fresh.state,
            data={"supporters": fresh.supporter_count},
            is_public=False,
        )
    case.supporter_count = fresh.supporter_count
    return case, True
