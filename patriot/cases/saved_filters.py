"""Saved case searches: a member of staff's named query strings for the search page."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from patriot.accounts.models import User
from patriot.cases.models import SavedFilter
from patriot.core.errors import InvalidInput

MAX_SAVED_FILTERS = 50


def saved_filters(user: User) -> QuerySet[SavedFilter]:
    return SavedFilter.objects.filter(user=user).order_by("name")


def save_filter(user: User, *, name: str, query: str) -> SavedFilter:
    """Save (or overwrite, by name) a search for this user."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Beri nama filter ini."), code="required", field="name")
    if len(name) > 80:
        raise InvalidInput(_("Nama filter paling banyak 80 karakter."), code="too_long", field="name")
    if len(query) > 1000:
        raise InvalidInput(_("Filter ini terlalu panjang untuk disimpan."), code="too_long", field="name")
    existing = SavedFilter.objects.filter(user=user, name=name).first()
    if existing is None and saved_filters(user).count() >= MAX_SAVED_FILTERS:
        raise InvalidInput(
            _("Paling banyak %(limit)d filter tersimpan; hapus yang tidak dipakai.") % {"limit": MAX_SAVED_FILTERS},
            code="too_many",
            field="name",
        )
    try:
        with transaction.atomic():
            saved, _created = SavedFilter.objects.update_or_create(user=user, name=name, defaults={"query": query})
    except IntegrityError:
        saved = SavedFilter.objects.get(user=user, name=name)
    return saved


def delete_filter(user: User, filter_id: int) -> bool:
    """Delete one of the user's own saved filters; another person's is never touched."""
    deleted, _details = SavedFilter.objects.filter(user=user, pk=filter_id).delete()
    return deleted > 0
