"""The backup drill's steps, run as `python -m tests.core.backup_drill STEP` against a scratch installation.

`fill` writes a city's worth of every kind of row through the services, `snapshot` prints what a restore must
bring back (every table's row count, every photo's checksum, the outbox's last id), `new-case` files one more
report and prints its outbox id (a restored database must keep counting after the last one).
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from typing import Any

import django


def fill() -> None:
    from patriot.accounts.choices import RoleChoices
    from patriot.callcentre import services as calls
    from patriot.callcentre.choices import CallTypeChoices
    from patriot.cases.presenters import log_reporter_reads
    from patriot.citizens.notify import relay_outbox
    from patriot.citizens.services import register_citizen
    from patriot.core import clock
    from tests.factories import (
        BINTARA,
        MARGAHAYU,
        State,
        case_through,
        load_areas,
        make_agency,
        make_case,
        make_category,
        photo,
        staff,
    )

    load_areas()
    agency = make_agency("dbmsda")
    category = make_category("jalan-rusak", default_agency=agency)
    citizen = register_citizen(
        name="Siti Aminah", phone="081234567890", email="siti@example.org", password="Sorot-uji-2026!"
    )
    sorot = [
        make_case(category, photos=[photo(f"foto-{n}.jpg", width=40 + n)], by=citizen, reporter=citizen)
        for n in range(6)
    ]
    # State changes of a citizen's reports become their notifications.
    case_through(State.DISPATCHED, case=sorot[0])
    make_case(category, lat=BINTARA[0], lon=BINTARA[1], reporter_name="Budi", reporter_phone="081298765432")
    for state in (State.DISPATCHED, State.RESOLVED, State.CLOSED, State.REJECTED):
        case_through(state, category=category)
    operator = staff(RoleChoices.CALLCENTRE_OPERATOR)
    for number in range(3):
        call = calls.answer_call(by=operator, caller_number=f"08129999000{number}", caller_name=f"Penelepon {number}")
        calls.report_for_caller(
            call,
            calls.PhoneReport(
                category=category,
                description="Pohon tumbang menutup jalan.",
                latitude=MARGAHAYU[0],
                longitude=MARGAHAYU[1],
            ),
            by=operator,
            idempotency_key=f"drill-{number}",
        )
        calls.end_call(call, by=operator, call_type=CallTypeChoices.NEW_REPORT)
    from patriot.cases.models import Case

    log_reporter_reads(
        list(Case.objects.values_list("pk", flat=True)), staff(RoleChoices.POC_OPERATOR), purpose="drill"
    )
    relay_outbox(now=clock.now() + timedelta(minutes=5))


def snapshot() -> dict[str, Any]:
    from django.core.files.storage import default_storage
    from django.db import connection

    from patriot.cases.models import Attachment
    from patriot.core.backup import sha256_of_stream
    from patriot.events.models import OutboxEvent

    with connection.cursor() as cursor:
        counts = {}
        for table in sorted(connection.introspection.table_names()):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 (table names)
            counts[table] = cursor.fetchone()[0]
    photos = {}
    for attachment in Attachment.objects.all():
        with default_storage.open(attachment.file.name, "rb") as stream:
            photos[attachment.file.name] = sha256_of_stream(stream)
    last = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return {"tables": counts, "photos": photos, "outbox_last_id": last}


def new_case() -> int:
    from patriot.cases.models import Category
    from patriot.events.models import OutboxEvent
    from tests.factories import make_case

    make_case(Category.objects.get(code="jalan-rusak"))
    return OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def main(step: str) -> None:
    django.setup()
    if step == "fill":
        fill()
    elif step == "snapshot":
        print(json.dumps(snapshot()))
    elif step == "new-case":
        print(json.dumps(new_case()))
    else:
        raise SystemExit(f"unknown step {step!r}")


if __name__ == "__main__":
    main(sys.argv[1])
