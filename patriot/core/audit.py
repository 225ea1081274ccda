"""The personal-data access audit for any subject (UU PDP): who was shown which personal data of what, and why.

An app that shows a patient's identity or diagnosis (or a reporter's identity) on a page, in the API or in an
export calls `record_access` in the same request; the rows are internal and never shown to the data subject's
counterpart. The app that writes them registers their retention (core.registry.register_retention with
`purge_access_log`), as the cases app does for its own `ReporterDataAccess`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from patriot.core import clock
from patriot.core.choices import PersonalDataChoices
from patriot.core.errors import InvalidInput
from patriot.core.models import PersonalDataAccess

if TYPE_CHECKING:
    from patriot.accounts.models import User

MAX_PURPOSE_LENGTH = 200
MAX_SUBJECT_TYPE_LENGTH = 40


def record_access(
    user: User, *, subject_type: str, subject_ids: Iterable[str | int], data: str, purpose: str
) -> list[PersonalDataAccess]:
    """Log that `user` was shown `data` (a PersonalDataChoices value) of each subject, for `purpose`."""
    if data not in PersonalDataChoices.values():
        raise InvalidInput(_("Jenis data pribadi tidak dikenal."), code="invalid", field="data")
    subject_type = (subject_type or "").strip()
    if not subject_type or len(subject_type) > MAX_SUBJECT_TYPE_LENGTH:
        raise InvalidInput(_("Jenis subjek tidak valid."), code="invalid", field="subject_type")
    purpose = (purpose or "").strip()
    if not purpose:
        raise InvalidInput(_("Tujuan akses wajib diisi."), code="required", field="purpose")
    now = clock.now()
    rows = [
        PersonalDataAccess(
            subject_type=subject_type,
            subject_id=str(subject_id),
            user=user,
            data=data,
            purpose=purpose[:MAX_PURPOSE_LENGTH],
            created_at=now,
        )
        for subject_id in dict.fromkeys(str(pk) for pk in subject_ids)
    ]
    return PersonalDataAccess.objects.bulk_create(rows)


def accesses_to(subject_type: str, subject_id: str | int) -> QuerySet[PersonalDataAccess]:
    """Who was shown what of one subject, newest first."""
    return PersonalDataAccess.objects.filter(subject_type=subject_type, subject_id=str(subject_id)).select_related(
        "user"
    )


def purge_access_log(before: datetime) -> int:
    """Retention: delete the audit rows written before `before`; returns how many."""
    deleted, _by_model = PersonalDataAccess.objects.filter(created_at__lt=before).delete()
    return deleted
