"""Reporters' personal-data rights (UU PDP): an account deleted, contacts forgotten after the retention period, the
access log purged."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from patriot.accounts.models import User
from patriot.cases import services as package  # `package._write_entry`: see the package docstring
from patriot.cases.choices import CaseStateChoices, TimelineKindChoices
from patriot.cases.models import Case, ReporterDataAccess, Supporter
from patriot.core import clock

State = CaseStateChoices
Kind = TimelineKindChoices


def deidentify_reporter(user: User) -> int:
    """Strip a deleted account from its cases: no account link, no name, phone or email; neutral actor labels.

    The cases stay for the city's records. Each case gets one internal timeline entry (and outbox event)
    saying its reporter data was removed. Call inside the transaction that deletes the account.
    Returns the number of cases changed.
    """
    changed = 0
    with transaction.atomic():
        cases = (
            Case.objects.select_for_update(of=("self",))
            .select_related("category", "agency", "team", "village", "district")
            .filter(reporter=user)
            .order_by("pk")
        )
        for fresh in cases:
            fresh.timeline.filter(actor=user).update(actor=None, actor_label=_("Pelapor"))
            _remove_reporter_details(
                fresh,
                unlink=True,
                note=_("Akun pelapor dihapus atas permintaannya; data pribadi pelapor dihapus dari laporan ini."),
                data={"reporter_deidentified": True},
            )
            changed += 1
    return changed


def _remove_reporter_details(case: Case, *, unlink: bool, note: str, data: dict[str, Any]) -> None:
    """Blank the reporter's name, phone and email (and with `unlink` the account link) of a locked case, with one
    internal timeline entry saying so."""
    now = clock.now()
    case.reporter_name = ""
    case.reporter_phone = ""
    case.reporter_email = ""
    case.updated_at = now
    fields = ["reporter_name", "reporter_phone", "reporter_email", "updated_at"]
    if unlink:
        case.reporter = None
        fields.append("reporter")
    case.save(update_fields=fields)
    package._write_entry(case, Kind.COMMENTED, at=now, from_state=case.state, note=note, data=data, is_public=False)


def forget_reporter_contacts(before: datetime, *, batch_size: int = 200) -> int:
    """Retention: remove the reporter's name, phone and email from cases finished (closed, rejected or merged)
    before `before`; returns how many cases changed.

    A citizen's account link stays: it is their own history under "Laporan saya", and their account's contact
    details go when they delete it. Works in batches of short transactions, so a first run over years of cases
    does not hold locks for long; a case reopened meanwhile (no longer finished) is skipped.
    """
    finished = Q(state__in=State.TERMINAL, closed_at__lt=before)
    with_contact = ~Q(reporter_name="") | ~Q(reporter_phone="") | ~Q(reporter_email="")
    changed = 0
    while True:
        with transaction.atomic():
            batch = list(
                Case.objects.select_for_update(of=("self",), skip_locked=connection.vendor == "postgresql")
                .select_related("category", "agency", "team", "village", "district")
                .filter(finished & with_contact)
                .order_by("pk")[:batch_size]
            )
            for fresh in batch:
                _remove_reporter_details(
                    fresh,
                    unlink=False,
                    note=_("Masa simpan data berakhir: nama dan kontak pelapor dihapus dari laporan ini."),
                    data={"reporter_contact_removed": True},
                )
        changed += len(batch)
        if len(batch) < batch_size:
            break
    # Supporters' contacts (kept only to tell them the case moved) go with the reporter's.
    Supporter.objects.filter(case__state__in=State.TERMINAL, case__closed_at__lt=before).exclude(
        email="", phone=""
    ).update(email="", phone="")
    return changed


def purge_reporter_access_log(before: datetime) -> int:
    """Retention: delete the audit rows of staff reads of reporter data made before `before`; returns how many."""
    deleted, _by_model = ReporterDataAccess.objects.filter(created_at__lt=before).delete()
    return deleted
