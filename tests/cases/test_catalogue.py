"""Intake's per-process copy of the categories (cases/catalogue.py) and the prepared INSERT (core/inserts.py)."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from django.db import connection
from django.db.models.signals import pre_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from patriot.cases import catalogue
from patriot.cases.models import Category
from patriot.core import inserts
from patriot.events.models import OutboxEvent
from tests.factories import make_agency, make_category

pytestmark = pytest.mark.django_db


def test_a_known_category_costs_no_statement_and_comes_as_a_copy() -> None:
    agency = make_agency("dbmsda")
    make_category("jalan-rusak", default_agency=agency)
    first = catalogue.active_category("jalan-rusak")
    assert first is not None and first.default_agency == agency
    with CaptureQueriesContext(connection) as queries:
        second = catalogue.active_category("jalan-rusak")
    assert len(queries) == 0
    assert second is not None and second is not first
    second.name = "diubah"
    assert catalogue.active_category("jalan-rusak").name != "diubah"  # type: ignore[union-attr]


def test_a_change_saved_in_this_process_is_seen_at_once() -> None:
    category = make_category("jalan-rusak")
    assert catalogue.active_category("jalan-rusak") is not None
    category.is_active = False
    category.save()
    assert catalogue.active_category("jalan-rusak") is None
    category.is_active = True
    category.verify_days = 9
    category.save()
    assert catalogue.active_category("jalan-rusak").verify_days == 9  # type: ignore[union-attr]


def test_an_agency_renamed_in_this_process_is_seen_at_once() -> None:
    agency = make_agency("dbmsda")
    make_category("jalan-rusak", default_agency=agency)
    catalogue.active_category("jalan-rusak")
    agency.short_name = "DBMSDA Baru"
    agency.save()
    assert catalogue.active_category("jalan-rusak").default_agency.short_name == "DBMSDA Baru"  # type: ignore[union-attr]


def test_a_category_created_elsewhere_is_usable_at_once_and_a_change_without_signal_within_the_ttl() -> None:
    make_category("jalan-rusak")
    assert catalogue.active_category("pju-mati") is None
    # As another process would: no signal reaches this one.
    Category.objects.bulk_create([Category(code="pju-mati", name="PJU", name_en="Lamp", group="infrastructure")])
    assert catalogue.active_category("pju-mati") is not None
    Category.objects.filter(code="jalan-rusak").update(is_active=False)
    assert catalogue.active_category("jalan-rusak") is not None  # within the TTL: the held copy
    later = time.monotonic() + catalogue.CATALOGUE_TTL_SECONDS + 1
    with mock.patch("patriot.cases.catalogue.time.monotonic", return_value=later):
        assert catalogue.active_category("jalan-rusak") is None


def test_the_prepared_insert_writes_what_save_writes() -> None:
    at = timezone.now()
    fields = {
        "kind": "case.submitted",
        "subject_type": "case",
        "subject_id": "BKS-2611-000001",
        "payload": {"village": "3275011001", "n": [1, 2]},
        "is_public": True,
        "created_at": at,
    }
    fast = OutboxEvent(**fields)
    inserts.insert(fast)
    saved = OutboxEvent.objects.create(**fields)
    assert fast.pk is not None and not fast._state.adding
    columns = [f.attname for f in OutboxEvent._meta.concrete_fields if not f.primary_key]
    read = {e.pk: e for e in OutboxEvent.objects.filter(pk__in=[fast.pk, saved.pk])}
    assert [getattr(read[fast.pk], c) for c in columns] == [getattr(read[saved.pk], c) for c in columns]


def test_the_prepared_insert_sends_no_signal_so_a_model_with_receivers_is_saved() -> None:
    received: list[object] = []

    def receiver(sender: type, instance: object, **kwargs: object) -> None:
        received.append(instance)

    pre_save.connect(receiver, sender=OutboxEvent, dispatch_uid="test-inserts")
    try:
        event = OutboxEvent(
            kind="case.submitted", subject_type="case", subject_id="X", payload={}, created_at=timezone.now()
        )
        inserts.insert(event)
    finally:
        pre_save.disconnect(receiver, sender=OutboxEvent, dispatch_uid="test-inserts")
    assert received == [event]
    assert OutboxEvent.objects.filter(pk=event.pk).exists()


def test_the_prepared_multi_row_insert_writes_what_bulk_create_writes() -> None:
    at = timezone.now()
    rows = [
        {
            "kind": "larvae.inspected",
            "subject_type": "larvae",
            "subject_id": str(n),
            "payload": {"n": n},
            "created_at": at,
        }
        for n in range(3)
    ]
    inserts.insert_many([OutboxEvent(**row) for row in rows])
    inserts.insert_many([OutboxEvent(**row) for row in rows])  # the statement for three rows, built once, again
    OutboxEvent.objects.bulk_create([OutboxEvent(**row) for row in rows])
    columns = [f.attname for f in OutboxEvent._meta.concrete_fields if not f.primary_key]
    written = [[getattr(e, c) for c in columns] for e in OutboxEvent.objects.order_by("pk")]
    assert len(written) == 9
    assert written[0:3] == written[3:6] == written[6:9]
